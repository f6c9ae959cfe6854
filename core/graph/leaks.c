/* leaks.c - the leaked-waiter fixpoint (see leaks.h) over one continued mark. */
#include "leaks.h"

#include <stdlib.h>
#include <string.h>

#include "mark.h"
#include "root_sets.h"

typedef struct verdicts {
    const hs_graph *g;
    uint32_t *waiter_of; /* per root group: the waiter index + 1, 0 for none */
    uint32_t ngroups;
    const hs_waiter *w;
    uint32_t *start, *roots; /* the roots of each waiter's group (CSR by waiter) */
} verdicts;

/* A root is marked from at first unless it belongs to a waiter that may be leaked. */
static int keep_root(void *ctx, uint32_t r)
{
    const verdicts *v = ctx;
    uint32_t grp = hs_graph_root(v->g, r)->group;
    uint32_t k = grp < v->ngroups ? v->waiter_of[grp] : 0;
    return k == 0 || v->w[k - 1].kind == HS_WAIT_NONE;
}

/* The roots of every waiter's group, by waiter. */
static int group_roots(verdicts *v, size_t n, hs_err *err)
{
    uint32_t nroots = hs_graph_nroots(v->g);
    uint32_t *waiter = malloc(((size_t)nroots + 1) * sizeof *waiter); /* per root: its waiter */
    if (!waiter)
        return hs_errf(err, "out of memory for the leak verdicts");
    for (uint32_t r = 0; r < nroots; r++) {
        uint32_t grp = hs_graph_root(v->g, r)->group, k = grp < v->ngroups ? v->waiter_of[grp] : 0;
        waiter[r] = k ? k - 1 : UINT32_MAX;
    }
    int rc = hs_root_sets(v->g, waiter, (uint32_t)n, &v->start, &v->roots, err);
    free(waiter);
    return rc;
}

static void mark_group(hs_mark *m, const verdicts *v, size_t i)
{
    for (uint32_t k = v->start[i]; k < v->start[i + 1]; k++)
        hs_mark_root(m, v->roots[k]);
}

static int woken(const hs_mark *m, const hs_waiter *w)
{
    if (w->reachable)
        return 1;
    for (uint32_t i = 0; i < w->nobjects; i++)
        if (hs_mark_is(m, w->objects[i]))
            return 1;
    return 0;
}

int hs_leak_verdicts(const hs_graph *g, const hs_waiter *w, size_t n, uint8_t skip_flags,
                     uint8_t *leaked, int (*poll)(void *ctx), void *ctx, hs_err *err)
{
    verdicts v = {.g = g, .ngroups = 1, .w = w};
    for (size_t i = 0; i < n; i++)
        if (w[i].group >= v.ngroups)
            v.ngroups = w[i].group + 1;
    hs_mark *m = hs_mark_new(g);
    v.waiter_of = calloc(v.ngroups, sizeof *v.waiter_of);
    for (size_t i = 0; v.waiter_of && i < n; i++) {
        if (w[i].group)
            v.waiter_of[w[i].group] = (uint32_t)i + 1;
        leaked[i] = w[i].kind != HS_WAIT_NONE; /* until woken */
    }
    if (!m || !v.waiter_of || group_roots(&v, n, err) < 0) {
        hs_mark_free(m);
        free(v.waiter_of);
        return !m || !v.waiter_of ? hs_errf(err, "out of memory for the leak verdicts") : -1;
    }
    hs_mark_roots(m, keep_root, &v);
    int r = 0, changed = 1;
    for (size_t round = 0; changed && r == 0 && round <= n; round++) { /* each round wakes one */
        r = hs_mark_run(m, skip_flags, poll, ctx, err);
        changed = 0;
        for (size_t i = 0; r == 0 && i < n; i++)
            if (leaked[i] && w[i].kind == HS_WAIT_OBJECTS && woken(m, &w[i])) {
                leaked[i] = 0;
                changed = 1;
                mark_group(m, &v, i);
            }
    }
    hs_mark_free(m);
    free(v.waiter_of);
    free(v.start);
    free(v.roots);
    return r;
}
