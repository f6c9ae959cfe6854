/* glibc_rows.c - in-use blocks of a glibc heap by class and by size (see glibc_rows.h). */
#include "glibc_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../views/type_rows.h"

struct glibc_tally {
    UT_hash_handle hh;
    uint64_t key[2]; /* {kind, value}: a class name's address, or a chunk size */
    uint64_t objects, bytes;
};

enum { K_CLASS, K_SIZE, K_MMAP };

static int count(glibc_rows *g, int which, const uint64_t key[2], uint64_t size)
{
    glibc_tally *e;
    HASH_FIND(hh, g->t[which], key, 2 * sizeof *key, e);
    if (!e) {
        if (!(e = calloc(1, sizeof *e)))
            return g->oom = 1;
        memcpy(e->key, key, sizeof e->key);
        HASH_ADD(hh, g->t[which], key, sizeof e->key, e);
    }
    e->objects++;
    e->bytes += size;
    return 0;
}

static int on_block(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped)
{
    (void)chunk;
    glibc_rows *g = ctx;
    uint64_t by_size[2] = {mmapped ? K_MMAP : K_SIZE, size};
    if (g->want[0]) {
        const char *cls = g->vt ? vtable_names_lookup(g->vt, word0) : NULL;
        uint64_t key[2] = {K_CLASS, (uint64_t)(uintptr_t)cls};
        if (count(g, 0, cls ? key : by_size, size))
            return 1;
    }
    return g->want[1] ? count(g, 1, by_size, size) : 0;
}

int glibc_rows_walk(glibc_rows *g, glibc_heap *h, int by_type, int by_size, hs_err *err)
{
    g->want[0] = by_type, g->want[1] = by_size;
    if (glibc_heap_walk(h, on_block, g, err) < 0)
        return -1;
    return g->oom ? hs_errf(err, "out of memory tallying the glibc heap") : 0;
}

static void row_name(const glibc_tally *e, int by_size, char *buf, size_t cap)
{
    const char *mm = e->key[0] == K_MMAP ? " mmapped" : "";
    if (e->key[0] == K_CLASS)
        snprintf(buf, cap, "%s", (const char *)(uintptr_t)e->key[1]);
    else if (by_size)
        snprintf(buf, cap, "%llu B%s", (unsigned long long)e->key[1], mm);
    else
        snprintf(buf, cap, "<malloc %llu B%s>", (unsigned long long)e->key[1], mm);
}

static void free_tally(glibc_tally **t)
{
    glibc_tally *e, *tmp;
    HASH_ITER(hh, *t, e, tmp) {
        HASH_DEL(*t, e);
        free(e);
    }
}

int glibc_rows_take(glibc_rows *g, const glibc_heap *h, enum heap_by by, heap_top_result *res,
                    hs_err *err)
{
    int which = by == HEAP_BY_SIZE;
    hs_type_rows *rows = hs_type_rows_new();
    int bad = !rows;
    for (glibc_tally *e = g->t[which]; e && rows; e = e->hh.next) {
        char name[512];
        row_name(e, which, name, sizeof name);
        bad |= hs_type_rows_add(rows, name, e->key[0] == K_CLASS, e->objects, e->bytes) < 0;
    }
    free_tally(&g->t[which]);
    if (rows && h->overhead_bytes)
        bad |= hs_type_rows_add(rows, "<malloc arena headers>", 0, 0, h->overhead_bytes) < 0;
    if (bad) {
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory");
    }
    return heap_top_take_type_rows(rows, res, err);
}

void glibc_rows_free(glibc_rows *g)
{
    free_tally(&g->t[0]);
    free_tally(&g->t[1]);
}

size_t glibc_mallinfo_stats(const glibc_heap *h, heap_stat *st)
{
    const glibc_mallinfo *m = &h->mi;
    heap_stat v[] = {{"arena", m->arena, 1},       {"uordblks", m->uordblks, 1},
                     {"fordblks", m->fordblks, 1}, {"hblkhd", m->hblkhd, 1},
                     {"keepcost", m->keepcost, 1}, {"ordblks", m->ordblks, 0},
                     {"smblks", m->smblks, 0},     {"fsmblks", m->fsmblks, 1},
                     {"hblks", m->hblks, 0},       {"tcache_chunks", h->tcache_chunks, 0},
                     {"tcache_bytes", h->tcache_bytes, 1}, {"arenas", h->narenas, 0}};
    memcpy(st, v, sizeof v);
    return sizeof v / sizeof v[0];
}

void glibc_rows_warnings(const glibc_heap *h, strbuf *out)
{
    sb_puts(out, sb_str(&h->warnings));
    if (h->nwarnings > GLIBC_MAX_WARNINGS)
        sb_printf(out, "warning: glibc heap: ...and %zu more like these (%llu corrupt chunk headers "
                  "skipped)\n", h->nwarnings - GLIBC_MAX_WARNINGS, (unsigned long long)h->skipped);
}
