/* glibc_graph.c - the glibc heap's object graph and its mark (glibc_graph.h). Objects are whole
 * chunks (header included, so their bytes are the chunk sizes mallinfo counts), in an object
 * table (glibc_objects.h); their words are read in address order through large views. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glibc_graph.h"
#include "glibc_objects.h"
#include "glibc_roots.h"

#define WINDOW (1u << 20) /* blocks are scanned through views of this many bytes */

/* The bytes of [a, a+size) through the window *w (a view or a copy in buf, of [*wlo, *whi)),
 * moved when they are not in it: as far ahead as the memory reads, up to WINDOW. NULL when
 * unreadable. */
static const uint8_t *window(hs_target *t, uint64_t a, uint64_t size, uint8_t *buf, const uint8_t **w,
                             uint64_t *wlo, uint64_t *whi)
{
    if (*w && a >= *wlo && a + size <= *whi)
        return *w + (a - *wlo);
    for (uint64_t len = WINDOW;; len = len / 2 < size ? size : len / 2) {
        hs_err e;
        const uint8_t *v = hs_view(t, a, len);
        if (!v && hs_read(t, a, buf, len, &e) == 0)
            v = buf;
        if (v) {
            *w = v, *wlo = a, *whi = a + len;
            return v;
        }
        if (len == size)
            break;
    }
    *w = NULL;
    return NULL;
}

/* The edges of object o, whose memory (n bytes) is v. */
static int object_edges(hs_graph *g, hs_oid o, const uint8_t *v, uint64_t n, uint64_t low,
                        uint64_t high, size_t *hint, hs_err *err)
{
    for (uint64_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, v + i, 8);
        if (w < low || w >= high)
            continue;
        hs_oid d = glibc_block_at(g, w, hint);
        if (d != HS_NO_OBJ && hs_graph_add_edge(g, o, d, (uint32_t)i, err) < 0)
            return -1;
    }
    return 0;
}

typedef struct edge_src {
    hs_graph *g;
    hs_oid src;
} edge_src;

static int object_edge(void *ctx, hs_oid dst, uint32_t tag, hs_err *err)
{
    edge_src *c = ctx;
    return hs_graph_add_edge(c->g, c->src, dst, tag, err);
}

static int poll_target(void *t) { return hs_interrupted(t); }

/* Every block's words in address order, through large views; blocks larger than a window piece
 * by piece. */
static int add_edges(glibc_graph *gg, hs_target *t, uint8_t *buf, hs_err *err)
{
    hs_graph *g = gg->g;
    uint32_t n = hs_graph_nslots(g);
    uint64_t low = n ? hs_graph_addr(g, 0) + 16 : 0, high = n ? hs_graph_addr(g, n - 1) + hs_graph_size(g, n - 1) : 0;
    const uint8_t *w = NULL;
    uint64_t wlo = 0, whi = 0;
    size_t hint = 0, mm = 0;
    hs_progress_phase(t->progress, "scanning blocks", n, HS_PROG_COUNT);
    for (hs_oid o = 0; o < n; o++) {
        hs_progress_tick(t->progress, o);
        uint64_t a = hs_graph_addr(g, o), from, to;
        while (mm < gg->nmmapped && gg->mmapped[mm] < a)
            mm++;
        glibc_block_memory(a, hs_graph_size(g, o), mm < gg->nmmapped && gg->mmapped[mm] == a, &from, &to);
        const uint8_t *v = to - from <= WINDOW ? window(t, from, to - from, buf, &w, &wlo, &whi) : NULL;
        if (v && object_edges(g, o, v, to - from, low, high, &hint, err) < 0)
            return -1;
        if (!v && to - from > WINDOW) {
            edge_src src = {g, o};
            if (glibc_scan(t, g, from, to, buf, object_edge, &src, err) < 0)
                return -1;
            w = NULL; /* buf was overwritten */
        }
        if ((o & 0xffff) == 0 && hs_interrupted(t))
            return hs_errf(err, "interrupted");
    }
    hs_graph_end_edges(g);
    return 0;
}

int glibc_graph_build(glibc_heap *h, vtable_names *vt, int flags, glibc_graph *gg, hs_err *err)
{
    memset(gg, 0, sizeof *gg);
    if (glibc_objects_graph(h, vt, flags & GLIBC_GRAPH_BY_SIZE, (flags & GLIBC_GRAPH_HOLDERS) != 0, &gg->g,
                            &gg->objects, &gg->bytes, &gg->mmapped, &gg->nmmapped, err) < 0)
        return -1;
    uint8_t *buf = malloc(WINDOW);
    int rc = buf ? add_edges(gg, h->t, buf, err) : hs_errf(err, "out of memory building the heap graph");
    if (rc == 0)
        rc = glibc_add_roots(gg, h, (flags & GLIBC_GRAPH_HOLDERS) != 0, buf, err);
    free(buf);
    if (rc == 0 && !(gg->m = hs_mark_new(gg->g)))
        rc = hs_errf(err, "out of memory marking the heap");
    if (rc == 0) {
        hs_mark_roots(gg->m, NULL, NULL);
        hs_mark_set_progress(gg->m, h->t->progress);
        rc = hs_mark_run(gg->m, 0, poll_target, h->t, err);
    }
    if (rc < 0) {
        glibc_graph_free(gg);
        return -1;
    }
    hs_mark_totals(gg->m, &gg->live_objects, &gg->live_bytes);
    return 0;
}

void glibc_graph_free(glibc_graph *gg)
{
    hs_mark_free(gg->m);
    free(gg->mmapped);
    gg->mmapped = NULL, gg->nmmapped = 0;
    hs_graph_free(gg->g);
    gg->m = NULL, gg->g = NULL;
}
