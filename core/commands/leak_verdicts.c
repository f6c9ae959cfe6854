/* leak_verdicts.c - goroutine leak verdicts from the marked heap (see leak_verdicts.h). */
#include "leak_verdicts.h"

#include <stdlib.h>
#include <string.h>

#include "../go/go_waits.h"
#include "../graph/leaks.h"
#include "../image/elf_image.h"
#include "heap_top.h"
#include "wait_objects.h"

#define QUEUE_FLAG 0x40 /* a sudog: marked, not followed */

static int candidates(const go_waits *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (w->v[i].kind != HS_WAIT_NONE)
            return 1;
    return 0;
}

typedef struct goid_group {
    uint64_t goid;
    uint32_t group;
} goid_group;

static int by_goid(const void *a, const void *b)
{
    const goid_group *x = a, *y = b;
    return x->goid < y->goid ? -1 : x->goid > y->goid;
}

/* The root group of a goroutine (by id), or a fresh one when its stack holds nothing (then it
 * has no roots: no group). */
static uint32_t group_of(const goid_group *idx, size_t n, uint64_t goid, uint32_t *fresh)
{
    goid_group key = {goid, 0};
    const goid_group *f = n ? bsearch(&key, idx, n, sizeof *f, by_goid) : NULL;
    return f ? f->group : (*fresh)++;
}

typedef struct types_ask {
    const hs_waiter *ws;
    const go_waits *w;
    size_t n;
} types_ask;

/* Types name the steps of holder paths and the fields sync objects are in: needed when a
 * waited-on object is reached through another object, or is a sync object in the heap, or when
 * there are no symbols (globals are then named by what they point to). */
static int need_types(void *ctx, const heap_holders *hh)
{
    const types_ask *q = ctx;
    size_t nsyms = 0;
    hs_image_symbols(hh->a->rt->exe, &nsyms);
    if (nsyms == 0)
        return 1;
    for (size_t i = 0; i < q->n; i++) {
        int chan = q->w->v[i].cls == GO_WAIT_CHAN;
        for (uint32_t k = 0; k < q->ws[i].nobjects; k++) {
            uint32_t unit;
            if (!chan || hs_paths_parent(hh->paths, q->ws[i].objects[k], &unit) != HS_NO_OBJ)
                return 1;
        }
    }
    return 0;
}

/* What each waiter waits on, with its holder among the roots that are no waiter's stack. */
static int name_waits(heap_analysis *a, const go_goroutines *gs, const go_waits *w,
                      const hs_waiter *ws, hs_task *tasks, wait_objects *wo, hs_err *err)
{
    uint8_t *skip = calloc(a->hg.ngroups + 1, 1);
    if (!skip)
        return hs_errf(err, "out of memory naming what goroutines wait on");
    for (size_t i = 0; i < gs->n; i++)
        if (ws[i].kind != HS_WAIT_NONE && ws[i].group < a->hg.ngroups)
            skip[ws[i].group] = 1;
    types_ask q = {ws, w, gs->n};
    hold_scope sc = {skip, QUEUE_FLAG, need_types, &q};
    heap_holders hh;
    int r = heap_holders_open_scoped(&hh, a, HOLD_PATHS, &sc, err);
    if (r == 0) {
        r = wait_objects_describe(&hh, gs, w, tasks, wo, err);
        heap_holders_close(&hh);
    }
    free(skip);
    return r;
}

static int verdicts(heap_analysis *a, const go_goroutines *gs, const go_waits *w, hs_task *tasks,
                    size_t *nleaked, wait_objects *wo, hs_err *err)
{
    hs_graph *g = a->hg.g;
    uint8_t *flags = hs_graph_flags(g);
    hs_waiter *ws = calloc(gs->n + 1, sizeof *ws);
    hs_oid *objs = calloc(w->naddrs + 1, sizeof *objs);
    uint8_t *leaked = calloc(gs->n + 1, 1);
    goid_group *idx = calloc(a->hg.ngroups + 1, sizeof *idx);
    int r = flags && ws && objs && leaked && idx ? 0 : hs_errf(err, "out of memory for the leak verdicts");
    for (size_t grp = 1; r == 0 && grp < a->hg.ngroups; grp++)
        idx[grp - 1] = (goid_group){a->hg.group_goid[grp], (uint32_t)grp};
    size_t nidx = a->hg.ngroups > 1 ? a->hg.ngroups - 1 : 0;
    if (nidx > 1)
        qsort(idx, nidx, sizeof *idx, by_goid);
    for (size_t i = 0; r == 0 && i < w->nsudogs; i++) {
        hs_oid o = hs_graph_find(g, w->sudogs[i]);
        if (o != HS_NO_OBJ)
            flags[o] |= QUEUE_FLAG;
    }
    uint32_t fresh = (uint32_t)(a->hg.ngroups > 0 ? a->hg.ngroups : 1);
    for (size_t i = 0; r == 0 && i < gs->n; i++) {
        const go_wait *x = &w->v[i];
        ws[i] = (hs_waiter){group_of(idx, nidx, gs->v[i].goid, &fresh), x->kind, 0, objs + x->first, 0};
        for (uint32_t k = 0; k < x->n; k++) { /* not in the heap: reachable (a global, a stack) */
            hs_oid o = hs_graph_find(g, w->addrs[x->first + k]);
            if (o == HS_NO_OBJ)
                ws[i].reachable = 1;
            else
                objs[x->first + ws[i].nobjects++] = o;
        }
    }
    if (r == 0)
        r = hs_leak_verdicts(g, ws, gs->n, QUEUE_FLAG, leaked, NULL, NULL, err);
    for (size_t i = 0; r == 0 && i < gs->n; i++) {
        tasks[i].leaked = ws[i].kind == HS_WAIT_NONE ? -1 : (int8_t)leaked[i];
        *nleaked += leaked[i];
    }
    if (r == 0 && wo)
        r = name_waits(a, gs, w, ws, tasks, wo, err);
    free(ws);
    free(objs);
    free(leaked);
    free(idx);
    return r;
}

int leak_verdicts(go_rt *rt, const go_goroutines *gs, hs_task *tasks, size_t *nleaked,
                  wait_objects *wo, strbuf *msgs, hs_err *err)
{
    go_waits w;
    *nleaked = 0;
    if (go_waits_read(rt, gs, &w, err) < 0)
        return -1;
    if (!candidates(&w, gs->n)) {
        go_waits_free(&w);
        return 0;
    }
    heap_analysis a;
    hs_err herr;
    int r = 0;
    if (heap_analysis_open(&a, rt, HEAP_NEED_GRAPH | (wo ? HEAP_KEEP_TAGS : 0), &herr) < 0) {
        if (!strcmp(herr.msg, "interrupted"))
            r = hs_errf(err, "interrupted");
        else
            sb_printf(msgs, "warning: no leak verdicts: %s\n", herr.msg);
    } else {
        r = verdicts(&a, gs, &w, tasks, nleaked, wo, err);
        heap_analysis_close(&a);
    }
    go_waits_free(&w);
    return r;
}
