/* go_types.c - the type-descriptor reader of one Go target (see go_types.h): setup, the cache of
 * decoded descriptors keyed by address (answers "not a descriptor" are cached too, up to a
 * bound), and the quick questions about an address. */
#include <stdlib.h>

#include "go_types_priv.h"

int go_types_open(go_types **out, go_rt *rt, hs_err *err)
{
    *out = NULL;
    go_types *ts = calloc(1, sizeof *ts);
    if (!ts)
        return hs_errf(err, "out of memory");
    ts->rt = rt;
    ts->t = rt->t;
    if (gt_layout_resolve(ts, err) < 0 || gt_modules_load(ts, err) < 0) {
        go_types_close(ts);
        return -1;
    }
    *out = ts;
    return 0;
}

void go_types_close(go_types *ts)
{
    if (!ts)
        return;
    HASH_CLEAR(hh, ts->types);
    HASH_CLEAR(hh, ts->names);
    gt_miss *m, *tmp;
    HASH_ITER(hh, ts->misses, m, tmp) {
        HASH_DEL(ts->misses, m);
        free(m);
    }
    free(ts->roots);
    free(ts->untyped);
    gt_arena_free(ts);
    free(ts);
}

static void remember_miss(go_types *ts, uint64_t addr)
{
    if (ts->nmisses >= GT_MAX_NEGATIVE)
        return;
    gt_miss *m = malloc(sizeof *m);
    if (!m)
        return;
    m->addr = addr;
    HASH_ADD(hh, ts->misses, addr, sizeof m->addr, m);
    ts->nmisses++;
}

const go_type *go_types_get(go_types *ts, uint64_t addr)
{
    if (!ts || addr == 0)
        return NULL;
    gt_entry *e;
    HASH_FIND(hh, ts->types, &addr, sizeof addr, e);
    if (e)
        return &e->t;
    gt_miss *m;
    HASH_FIND(hh, ts->misses, &addr, sizeof addr, m);
    if (m)
        return NULL;
    go_type t;
    if (gt_decode(ts, addr, &t) < 0 || !(e = gt_alloc(ts, sizeof *e))) {
        remember_miss(ts, addr);
        return NULL;
    }
    e->addr = addr;
    e->t = t;
    HASH_ADD(hh, ts->types, addr, sizeof e->addr, e);
    return &e->t;
}

uint64_t go_types_itab_type(go_types *ts, uint64_t itab)
{
    uint64_t inter, type;
    if (!ts || itab == 0 || (itab & 7) ||
        hs_read_u64(ts->t, itab + (uint64_t)ts->L.itab_type, &type, NULL) < 0 ||
        hs_read_u64(ts->t, itab + (uint64_t)ts->L.itab_inter, &inter, NULL) < 0)
        return 0;
    const go_type *it = go_types_get(ts, inter);
    if (!it || it->kind != GO_KIND_INTERFACE || !go_types_get(ts, type))
        return 0;
    return type;
}

int go_types_in_types(const go_types *ts, uint64_t addr)
{
    if (!ts)
        return 0;
    if (gt_module_of(ts, addr))
        return 1;
    gt_entry *e;
    HASH_FIND(hh, ts->types, &addr, sizeof addr, e);
    return e != NULL;
}
