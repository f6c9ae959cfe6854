/* go_memstats_cache.c - what the per-P allocation caches have counted but not yet flushed into
 * the consistent heap statistics. readmemstats_m flushes every mcache first (mcache.releaseAll):
 * each cached span adds allocCount - allocCountBeforeCache to smallAllocCount of its size class
 * and slots*elemsize to gcController.totalAlloc; tinyAllocs goes to tinyAllocCount.
 * A span is cached while its sweepgen is mheap_.sweepgen+3 (or +1: cached before this sweep
 * began). mcache.refill uncaches the old span (sweepgen back to mheap_.sweepgen or one below),
 * then flushes its counts, then fetches the new span (the long part) before it takes the slot:
 * an uncached span still in c.alloc is counted as flushed. Stopped between the uncaching and the
 * flush, the statistics miss its counts; go_inflight.c names refill as such a window, so a live
 * process is stopped again and a core gets a note. */
#include <stdlib.h>
#include <string.h>

#include "go_heap_span.h"
#include "go_memstats_priv.h"

#define MAX_PROCS 100000 /* more entries in runtime.allp means it is corrupt */

typedef struct cache_walk {
    go_rt *rt;
    const ms_layout *l;
    go_span_layout sl;
    uint64_t empty;  /* &runtime.emptymspan: an empty cache slot */
    uint32_t sweepgen; /* mheap_.sweepgen */
    int nclasses;    /* span classes: 2 per size class */
    uint8_t *span;   /* one mspan */
    ms_sums *s;
} cache_walk;

/* Adds one cached span of span class spc. */
static int cached_span(cache_walk *w, unsigned spc, uint64_t addr, hs_err *err)
{
    if (hs_read(w->rt->t, addr, w->span, (size_t)w->sl.size, err) < 0)
        return hs_errctx(err, "reading the span cached for class %u", spc);
    go_span_raw r;
    go_span_decode(&w->sl, w->span, &r);
    if (r.alloc_count < r.alloc_count_before_cache || r.alloc_count > r.nelems)
        return hs_errf(err, "the span at 0x%llx cached for class %u has allocCount %u below its "
                       "count when cached (%u) or above nelems", (unsigned long long)addr, spc,
                       r.alloc_count, r.alloc_count_before_cache);
    if (r.sweepgen != w->sweepgen + 3 && r.sweepgen != w->sweepgen + 1)
        return 0; /* being replaced by mcache.refill: already flushed */
    uint64_t slots = (uint64_t)(r.alloc_count - r.alloc_count_before_cache);
    w->s->small_alloc[spc >> 1] += slots;
    w->s->cache_bytes += slots * r.elemsize;
    return 0;
}

static int one_cache(cache_walk *w, uint64_t mc, hs_err *err)
{
    hs_target *t = w->rt->t;
    uint64_t tiny, alloc[2 * GO_NUM_SIZE_CLASSES];
    if (hs_read_u64(t, mc + (uint64_t)w->l->mc_tiny_allocs, &tiny, err) < 0 ||
        hs_read(t, mc + (uint64_t)w->l->mc_alloc, alloc, (size_t)w->nclasses * 8, err) < 0)
        return hs_errctx(err, "reading the mcache at 0x%llx", (unsigned long long)mc);
    w->s->tiny += tiny;
    for (int i = 0; i < w->nclasses; i++)
        if (alloc[i] && alloc[i] != w->empty && cached_span(w, (unsigned)i, alloc[i], err) < 0)
            return -1;
    return 0;
}

/* The mcache of every P in runtime.allp, then runtime.mcache0 (set only while bootstrapping). */
static int all_caches(cache_walk *w, hs_err *err)
{
    hs_target *t = w->rt->t;
    uint64_t allp = go_rt_global(w->rt, "runtime.allp", NULL), hdr[3] = {0};
    if (!allp || hs_read(t, allp, hdr, sizeof hdr, err) < 0)
        return allp ? hs_errctx(err, "reading runtime.allp") : hs_errf(err, "no runtime.allp");
    if (hdr[1] > hdr[2] || hdr[1] > MAX_PROCS)
        return hs_errf(err, "runtime.allp is corrupt (len %llu)", (unsigned long long)hdr[1]);
    uint64_t first = 0;
    for (uint64_t i = 0; i < hdr[1]; i++) {
        uint64_t p, mc;
        if (hs_read_u64(t, hdr[0] + 8 * i, &p, err) < 0 ||
            (p && hs_read_u64(t, p + (uint64_t)w->l->p_mcache, &mc, err) < 0))
            return hs_errctx(err, "reading runtime.allp[%llu]", (unsigned long long)i);
        if (p && mc && one_cache(w, mc, err) < 0)
            return -1;
        if (i == 0 && p)
            first = mc;
    }
    uint64_t mc0a = go_rt_global(w->rt, "runtime.mcache0", NULL), mc0 = 0;
    if (mc0a && hs_read_u64(t, mc0a, &mc0, NULL) == 0 && mc0 && mc0 != first)
        return one_cache(w, mc0, err);
    return 0;
}

int ms_add_caches(go_rt *rt, const ms_layout *l, ms_sums *s, hs_err *err)
{
    cache_walk w = {.rt = rt, .l = l, .s = s};
    int64_t nspc = go_layout_const_or(rt, "runtime.numSpanClasses", 2 * GO_NUM_SIZE_CLASSES);
    if (l->mc_tiny_allocs < 0 || l->mc_alloc < 0 || l->p_mcache < 0 ||
        nspc != 2 * GO_NUM_SIZE_CLASSES)
        return hs_errf(err, "the layout of runtime.mcache is unknown for go1.%d", rt->ver.minor);
    if (go_span_layout_resolve(rt, &w.sl, err) < 0)
        return -1;
    if (w.sl.alloc_count_before_cache < 0)
        return hs_errf(err, "runtime.mspan has no allocCountBeforeCache in go1.%d", rt->ver.minor);
    uint64_t mheap = go_rt_global(rt, "runtime.mheap_", NULL);
    if (!mheap || hs_read_u32(rt->t, mheap + (uint64_t)w.sl.mheap_sweepgen, &w.sweepgen, err) < 0)
        return mheap ? hs_errctx(err, "reading runtime.mheap_.sweepgen") : hs_errf(err, "no runtime.mheap_");
    w.nclasses = (int)nspc;
    w.empty = go_rt_global(rt, "runtime.emptymspan", NULL);
    w.span = malloc((size_t)w.sl.size);
    if (!w.span)
        return hs_errf(err, "out of memory");
    int r = all_caches(&w, err);
    free(w.span);
    return r;
}
