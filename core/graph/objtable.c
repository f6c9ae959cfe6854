/* objtable.c - objects of their own sizes and the page index that finds them (objtable.h). */
#include "objtable.h"

#include <stdlib.h>
#include <string.h>

#define NONE HS_PAGEINDEX_NONE

struct hs_objtable {
    uint64_t *addr;
    uint32_t *cls, n;
    hs_objclass *classes;
    uint32_t nclasses;
    hs_pageindex index;
    uint64_t low, high; /* every object lies in [low, high) */
};

static int build_index(hs_objtable *t, hs_err *err)
{
    uint64_t prev_end = 0;
    for (uint32_t k = 0; k < t->n; k++) {
        uint64_t start = t->addr[k], size = hs_objtable_size(t, k), end = start + size;
        if (t->cls[k] >= t->nclasses || size == 0 || end < start || start < prev_end)
            return hs_errf(err, "object at 0x%llx: bad size class, or overlaps or precedes the one "
                           "before it", (unsigned long long)start);
        prev_end = end;
        if (hs_pageindex_add(&t->index, start, end, k) < 0)
            return hs_errf(err, "out of memory for the address index");
    }
    t->low = t->n ? t->addr[0] : 0;
    t->high = prev_end;
    return 0;
}

hs_objtable *hs_objtable_new(uint64_t *addr, uint32_t *cls, uint32_t n, const hs_objclass *classes,
                             uint32_t nclasses, hs_err *err)
{
    hs_objtable *t = calloc(1, sizeof *t);
    hs_objclass *c = malloc(((size_t)nclasses + 1) * sizeof *c);
    if (!t || !c) {
        free(t), free(c), free(addr), free(cls);
        hs_errf(err, "out of memory for the object table");
        return NULL;
    }
    memcpy(c, classes, (size_t)nclasses * sizeof *c);
    *t = (hs_objtable){.addr = addr, .cls = cls, .n = n, .classes = c, .nclasses = nclasses};
    if (build_index(t, err) < 0) {
        hs_objtable_free(t);
        return NULL;
    }
    return t;
}

void hs_objtable_free(hs_objtable *t)
{
    if (!t)
        return;
    hs_pageindex_free(&t->index);
    free(t->addr);
    free(t->cls);
    free(t->classes);
    free(t);
}

uint32_t hs_objtable_count(const hs_objtable *t) { return t->n; }
uint64_t hs_objtable_addr(const hs_objtable *t, uint32_t k) { return k < t->n ? t->addr[k] : 0; }

uint64_t hs_objtable_size(const hs_objtable *t, uint32_t k)
{
    return k < t->n && t->cls[k] < t->nclasses ? t->classes[t->cls[k]].size : 0;
}

uint32_t hs_objtable_untyped(const hs_objtable *t, uint32_t k)
{
    return k < t->n && t->cls[k] < t->nclasses ? t->classes[t->cls[k]].untyped : 0;
}

static int holds(const hs_objtable *t, uint32_t k, uint64_t addr)
{
    return k < t->n && addr >= t->addr[k] && addr - t->addr[k] < t->classes[t->cls[k]].size;
}

uint32_t hs_objtable_find(const hs_objtable *t, uint64_t addr, uint32_t *hint)
{
    if (addr < t->low || addr >= t->high)
        return NONE;
    if (holds(t, *hint, addr))
        return *hint;
    if (holds(t, *hint + 1, addr))
        return ++*hint;
    uint32_t k = hs_pageindex_first(&t->index, addr);
    if (k == NONE || t->addr[k] > addr)
        return NONE;
    uint32_t step = 1, lo = k, hi; /* gallop: the last object starting at or below addr */
    while ((uint64_t)lo + step < t->n && t->addr[lo + step] <= addr)
        lo += step, step *= 2;
    hi = (uint64_t)lo + step < t->n ? lo + step : t->n;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->addr[mid] <= addr)
            lo = mid;
        else
            hi = mid;
    }
    if (!holds(t, lo, addr))
        return NONE;
    *hint = lo;
    return lo;
}

size_t hs_objtable_memory(const hs_objtable *t)
{
    return (size_t)t->n * 12 + (size_t)t->nclasses * sizeof(hs_objclass) + hs_pageindex_memory(&t->index);
}
