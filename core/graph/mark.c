/* mark.c - marking an object graph from its roots (see mark.h): a bitmap and a stack of marked
 * objects whose edges are still to follow. */
#include "mark.h"

#include <stdlib.h>

#define POLL_EVERY 65536

struct hs_mark {
    const hs_graph *g;
    uint8_t *bits;
    hs_oid *stack;
    size_t n, cap;
    int oom;
    uint64_t objects;
    hs_progress *prog;
};

hs_mark *hs_mark_new(const hs_graph *g)
{
    hs_mark *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->g = g;
    m->bits = calloc((size_t)hs_graph_nslots(g) / 8 + 8, 1);
    if (!m->bits) {
        free(m);
        return NULL;
    }
    return m;
}

void hs_mark_set_progress(hs_mark *m, hs_progress *p) { m->prog = p; }

void hs_mark_free(hs_mark *m)
{
    if (!m)
        return;
    free(m->bits);
    free(m->stack);
    free(m);
}

int hs_mark_object(hs_mark *m, hs_oid o)
{
    if (!hs_graph_present(m->g, o) || (m->bits[o >> 3] >> (o & 7) & 1))
        return 0;
    m->bits[o >> 3] |= (uint8_t)(1u << (o & 7));
    m->objects++;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 4096;
        if (cap > hs_graph_nslots(m->g) + 1u)
            cap = hs_graph_nslots(m->g) + 1u; /* each object is pushed once at most */
        hs_oid *v = cap > m->n ? realloc(m->stack, cap * sizeof *v) : NULL;
        if (!v) {
            m->oom = 1;
            return 1;
        }
        m->stack = v;
        m->cap = cap;
    }
    m->stack[m->n++] = o;
    return 1;
}

void hs_mark_root(hs_mark *m, uint32_t r)
{
    uint32_t n;
    const hs_oid *e = hs_graph_root_edges(m->g, r, &n);
    for (uint32_t i = 0; i < n; i++)
        hs_mark_object(m, e[i]);
}

void hs_mark_roots(hs_mark *m, int (*keep)(void *ctx, uint32_t root), void *ctx)
{
    for (uint32_t r = 0; r < hs_graph_nroots(m->g); r++)
        if (!keep || keep(ctx, r))
            hs_mark_root(m, r);
}

int hs_mark_run(hs_mark *m, uint8_t skip_flags, int (*poll)(void *ctx), void *ctx, hs_err *err)
{
    const uint8_t *flags = skip_flags ? hs_graph_flags((hs_graph *)m->g) : NULL;
    hs_progress_phase(m->prog, "marking objects", 0, HS_PROG_COUNT);
    for (uint64_t step = 0; m->n > 0 && !m->oom; step++) {
        if (step % POLL_EVERY == 0 && poll && poll(ctx))
            return hs_errf(err, "interrupted");
        if (step % POLL_EVERY == 0)
            hs_progress_update(m->prog, m->objects);
        hs_oid o = m->stack[--m->n];
        if (flags && (flags[o] & skip_flags))
            continue;
        uint32_t n;
        const hs_oid *e = hs_graph_edges(m->g, o, &n);
        for (uint32_t i = 0; i < n; i++)
            hs_mark_object(m, e[i]);
    }
    if (m->oom)
        return hs_errf(err, "out of memory marking the heap");
    free(m->stack); /* as large as the heap's widest front: not kept for a continued mark */
    m->stack = NULL;
    m->cap = 0;
    return 0;
}

int hs_mark_is(const hs_mark *m, hs_oid o)
{
    return o < hs_graph_nslots(m->g) && (m->bits[o >> 3] >> (o & 7) & 1);
}

const uint8_t *hs_mark_bits(const hs_mark *m) { return m->bits; }

void hs_mark_totals(const hs_mark *m, uint64_t *objects, uint64_t *bytes)
{
    if (objects)
        *objects = m->objects;
    if (!bytes)
        return;
    uint64_t sum = 0; /* block by block: objects of one block share their size */
    if (hs_graph_nblocks(m->g) == 0) /* an object table: object by object */
        for (hs_oid o = 0; o < hs_graph_nslots(m->g); o++)
            sum += (m->bits[o >> 3] >> (o & 7) & 1) ? hs_graph_size(m->g, o) : 0;
    for (size_t i = 0; i < hs_graph_nblocks(m->g); i++) {
        const hs_block *b = hs_graph_block(m->g, i);
        uint64_t n = 0;
        for (uint32_t k = 0; k < b->count; k++) {
            hs_oid o = b->first + k;
            n += m->bits[o >> 3] >> (o & 7) & 1;
        }
        sum += n * b->stride;
    }
    *bytes = sum;
}
