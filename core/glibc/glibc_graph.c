/* glibc_graph.c - the glibc heap's object graph and its mark (glibc_graph.h). Objects are whole
 * chunks (header included, so their bytes are the chunk sizes mallinfo counts), one block of
 * one slot each, in address order. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "glibc_graph.h"
#include "glibc_layout.h"

#define SCAN_PIECE (1u << 20)

typedef struct blk {
    uint64_t chunk, size;
    const char *cls;
    uint8_t mmapped;
} blk;

typedef struct blocks {
    blk *v;
    size_t n, cap;
    vtable_names *vt;
} blocks;

static int collect(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped)
{
    blocks *b = ctx;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        blk *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return 1;
        b->v = v, b->cap = cap;
    }
    b->v[b->n++] = (blk){chunk, size, b->vt ? vtable_names_lookup(b->vt, word0) : NULL, (uint8_t)mmapped};
    return 0;
}

static int blk_cmp(const void *a, const void *b)
{
    const blk *x = a, *y = b;
    return x->chunk < y->chunk ? -1 : x->chunk > y->chunk;
}

static int add_objects(glibc_graph *gg, const blocks *b, int by_size, hs_err *err)
{
    hs_strtab *names = hs_graph_names(gg->g);
    for (size_t i = 0; i < b->n; i++) {
        char name[64];
        const blk *k = &b->v[i];
        snprintf(name, sizeof name, by_size ? "%llu B%s" : "<malloc %llu B%s>",
                 (unsigned long long)k->size, k->mmapped ? " mmapped" : "");
        hs_block blk = {k->chunk, k->size, (uint32_t)i, 1, hs_strtab_intern(names, name), 0};
        if (hs_graph_add_block(gg->g, &blk, err) < 0)
            return -1;
        hs_graph_set_present(gg->g, (hs_oid)i);
        if (k->cls)
            hs_graph_set_type(gg->g, (hs_oid)i, hs_strtab_intern(names, k->cls));
        gg->objects++, gg->bytes += k->size;
    }
    return hs_graph_end_blocks(gg->g, err);
}

/* Calls fn on every aligned word of [start, end) that points at an object. */
static int scan(hs_target *t, const hs_graph *g, uint64_t start, uint64_t end, uint8_t *buf,
                int (*fn)(void *ctx, hs_oid dst, uint32_t tag, hs_err *err), void *ctx, hs_err *err)
{
    size_t hint = 0;
    start = (start + 7) & ~7ull;
    for (uint64_t p = start; p + 8 <= end;) {
        uint64_t n = end - p < SCAN_PIECE ? (end - p) & ~7ull : SCAN_PIECE;
        const uint8_t *v = hs_view(t, p, n);
        hs_err e;
        if (!v && hs_read(t, p, buf, n, &e) < 0)
            return 0; /* unreadable memory holds no pointer we can see */
        v = v ? v : buf;
        for (uint64_t i = 0; i < n; i += 8) {
            uint64_t w;
            memcpy(&w, v + i, 8);
            hs_oid o = w ? hs_graph_find_hint(g, w, &hint) : HS_NO_OBJ;
            if (o != HS_NO_OBJ && fn(ctx, o, (uint32_t)(p + i - start), err) < 0)
                return -1;
        }
        p += n;
    }
    return 0;
}

typedef struct edge_ctx {
    hs_graph *g;
    hs_oid src;
} edge_ctx;

static int object_edge(void *ctx, hs_oid dst, uint32_t tag, hs_err *err)
{
    edge_ctx *c = ctx;
    return hs_graph_add_edge(c->g, c->src, dst, tag, err);
}

static int root_edge(void *ctx, hs_oid dst, uint32_t tag, hs_err *err)
{
    return hs_graph_add_root_edge(ctx, dst, tag, err);
}

static int add_edges(glibc_graph *gg, hs_target *t, uint8_t *buf, hs_err *err)
{
    for (hs_oid o = 0; o < hs_graph_nslots(gg->g); o++) {
        edge_ctx c = {gg->g, o};
        uint64_t a = hs_graph_addr(gg->g, o);
        if (scan(t, gg->g, a, a + hs_graph_size(gg->g, o), buf, object_edge, &c, err) < 0)
            return -1;
        if ((o & 0xffff) == 0 && hs_interrupted(t))
            return hs_errf(err, "interrupted");
    }
    hs_graph_end_edges(gg->g);
    return 0;
}

/* ---- roots ---- */

static int add_root(glibc_graph *gg, hs_target *t, uint8_t kind, const char *name, uint64_t start,
                    uint64_t end, uint8_t *buf, hs_err *err)
{
    hs_root r = {kind, 1, hs_strtab_intern(hs_graph_names(gg->g), name), 0, start, 0};
    if (hs_graph_add_root(gg->g, &r, err) == UINT32_MAX)
        return -1;
    gg->nroots++, gg->root_bytes += end - start;
    return scan(t, gg->g, start, end, buf, root_edge, gg->g, err);
}

static const char *region_name(const hs_target *t, const hs_region *r, char *buf, size_t cap)
{
    for (size_t i = 0; i < t->nmaps; i++) /* a module's data, or its bss right after it */
        if (t->maps[i].start < r->end && r->start <= t->maps[i].end) {
            const char *s = strrchr(t->maps[i].path, '/');
            snprintf(buf, cap, "data of %s", s ? s + 1 : t->maps[i].path);
            return buf;
        }
    snprintf(buf, cap, "mapping %#llx", (unsigned long long)r->start);
    return buf;
}

static int region_roots(glibc_graph *gg, glibc_heap *h, const hs_region *r, uint8_t *buf, hs_err *err)
{
    hs_target *t = h->t;
    for (size_t i = 0; i < h->nspans; i++)
        if (h->spans[i].start < r->end && r->start < h->spans[i].end)
            return 0; /* the heap itself */
    if (hs_graph_find(gg->g, r->start) != HS_NO_OBJ)
        return 0;     /* an mmapped chunk */
    char name[300];
    for (size_t k = 0; k < t->nthreads; k++) { /* a stack: from below the red zone up */
        uint64_t sp = hs_thread_sp(t->arch, &t->threads[k]);
        if (sp > r->start && sp <= r->end) {
            snprintf(name, sizeof name, "stack of thread %d", t->threads[k].tid);
            uint64_t from = sp - 128 > r->start ? sp - 128 : r->start;
            gg->nthreads++;
            return add_root(gg, t, HS_ROOT_FRAME, name, from, r->end, buf, err);
        }
    }
    return add_root(gg, t, HS_ROOT_GLOBAL, region_name(t, r, name, sizeof name), r->start, r->end, buf, err);
}

static int add_roots(glibc_graph *gg, glibc_heap *h, uint8_t *buf, hs_err *err)
{
    hs_target *t = h->t;
    hs_region *r;
    size_t n;
    if (hs_target_regions(t, &r, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((r[i].prot & 6) == 6)
            rc = region_roots(gg, h, &r[i], buf, err);
    free(r);
    for (size_t k = 0; k < t->nthreads && rc == 0; k++) {
        char name[64];
        snprintf(name, sizeof name, "registers of thread %d", t->threads[k].tid);
        hs_root root = {HS_ROOT_REGISTERS, 1, hs_strtab_intern(hs_graph_names(gg->g), name), 0, 0, 0};
        if (hs_graph_add_root(gg->g, &root, err) == UINT32_MAX)
            return -1;
        size_t hint = 0;
        for (int j = 0; j < hs_arch_nregs(t->arch) && rc == 0; j++) {
            hs_oid o = hs_graph_find_hint(gg->g, t->threads[k].regs[j], &hint);
            if (o != HS_NO_OBJ)
                rc = hs_graph_add_root_edge(gg->g, o, (uint32_t)j, err);
        }
    }
    return rc;
}

int glibc_graph_build(glibc_heap *h, vtable_names *vt, int by_size, glibc_graph *gg, hs_err *err)
{
    memset(gg, 0, sizeof *gg);
    blocks b = {.vt = by_size ? NULL : vt};
    if (glibc_heap_walk(h, collect, &b, err) < 0) {
        free(b.v);
        return -1;
    }
    qsort(b.v, b.n, sizeof *b.v, blk_cmp);
    uint8_t *buf = malloc(SCAN_PIECE);
    gg->g = b.n < HS_GRAPH_MAX_SLOTS ? hs_graph_new((uint32_t)b.n, 0) : NULL;
    int rc = !buf || !gg->g ? hs_errf(err, "out of memory building the heap graph") : 0;
    if (rc == 0)
        rc = add_objects(gg, &b, by_size, err);
    free(b.v);
    if (rc == 0)
        rc = add_edges(gg, h->t, buf, err);
    if (rc == 0)
        rc = add_roots(gg, h, buf, err);
    free(buf);
    if (rc == 0 && !(gg->m = hs_mark_new(gg->g)))
        rc = hs_errf(err, "out of memory marking the heap");
    if (rc == 0) {
        hs_mark_roots(gg->m, NULL, NULL);
        rc = hs_mark_run(gg->m, 0, NULL, NULL, err);
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
    hs_graph_free(gg->g);
    gg->m = NULL, gg->g = NULL;
}
