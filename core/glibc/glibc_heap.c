/* glibc_heap.c - opening and closing the glibc malloc model (glibc_heap.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glibc_heap.h"

static int open_rest(glibc_heap *h, hs_err *err)
{
    if (glibc_read_arenas(h, err) < 0 || glibc_read_free_lists(h, err) < 0) {
        glibc_heap_close(h);
        return -1;
    }
    return 0;
}

int glibc_heap_open(glibc_heap *h, hs_target *t, hs_err *err)
{
    memset(h, 0, sizeof *h);
    h->t = t;
    h->tcache_tls = -1;
    sb_init(&h->warnings);
    snprintf(h->version, sizeof h->version, "2.?");
    if (glibc_find_main_arena(h, err) < 0) {
        glibc_heap_close(h);
        return -1;
    }
    return open_rest(h, err);
}

int glibc_heap_open_at(glibc_heap *h, hs_target *t, const glibc_given *g, hs_err *err)
{
    memset(h, 0, sizeof *h);
    h->t = t;
    h->tcache_tls = g->tcache_tls;
    h->given_regions = g->regions, h->ngiven_regions = g->nregions;
    sb_init(&h->warnings);
    snprintf(h->version, sizeof h->version, "2.%d", g->minor);
    h->minor = g->minor;
    h->main_arena = g->main_arena;
    h->arena_how = "the caller";
    return open_rest(h, err);
}

void glibc_heap_close(glibc_heap *h)
{
    free(h->arenas);
    free(h->spans);
    hs_addrset_free(&h->freed);
    sb_free(&h->warnings);
    h->arenas = NULL, h->spans = NULL;
}
