/* go_memstats_priv.h - the inside of go_memstats shared by its files: where the statistics live
 * in this release (runtime.memstats, its consistentHeapStats, runtime.gcController, mcache), the
 * consistent heap statistics once summed, and the steps that produce them. */
#ifndef HS_GO_MEMSTATS_PRIV_H
#define HS_GO_MEMSTATS_PRIV_H

#include <stdint.h>

#include "../image/go_window.h" /* go_le32, go_le64 */
#include "go_heap_globals.h"
#include "go_memstats.h"

/* Offsets; -1 when this release (or what is known of it) lacks the member. */
typedef struct ms_layout {
    int64_t ms_size, gc_size, delta_size;
    /* runtime.mstats */
    int64_t heap_stats, stacks_sys, mspan_sys, mcache_sys, buckhash_sys, gc_misc_sys, other_sys,
        last_gc_unix, pause_total_ns, numgc;
    /* runtime.heapStatsDelta */
    int64_t in_stacks, in_work_bufs, in_ptr_scalar_bits, tiny_alloc_count, large_alloc,
        large_alloc_count, small_alloc_count, large_free, large_free_count, small_free_count;
    /* runtime.gcControllerState */
    int64_t heap_in_use, heap_released, heap_free, total_alloc, total_free, mapped_ready,
        gc_percent_heap_goal, memory_limit, sweep_dist_min_trigger, triggered, heap_marked;
    /* runtime.mcache, runtime.p */
    int64_t mc_tiny_allocs, mc_alloc, p_mcache;
} ms_layout;

/* The heap statistics as readmemstats_m sees them after flushing every mcache: the sum of
 * memstats.heapStats.stats[0..2] plus what the caches had not flushed yet. */
typedef struct ms_sums {
    uint64_t in_stacks, in_work_bufs, in_ptr_scalar_bits;
    uint64_t tiny, large_alloc, large_alloc_count, large_free, large_free_count;
    uint64_t small_alloc[GO_NUM_SIZE_CLASSES], small_free[GO_NUM_SIZE_CLASSES];
    uint64_t cache_bytes; /* bytes the caches allocated but gcController.totalAlloc lacks */
    int have_delta;       /* the consistent statistics were read */
    int have_cache;       /* ... and every mcache was read */
} ms_sums;

/* Resolves every offset it can (DWARF, else the per-release tables). */
void ms_layout_resolve(const go_rt *rt, ms_layout *l);

/* Adds what each P's mcache (and mcache0) has counted but not flushed, as mcache.releaseAll would:
 * allocCount - allocCountBeforeCache of each cached span, and tinyAllocs. */
int ms_add_caches(go_rt *rt, const ms_layout *l, ms_sums *s, hs_err *err);

/* gcController.heapGoal() of the release, with gcController.totalAlloc raised by extra_alloc
 * (the flush readmemstats_m does first). gc is a copy of runtime.gcController. Returns -1 when
 * the release's rule or a needed member is unknown. */
int ms_heap_goal(const go_rt *rt, const ms_layout *l, const uint8_t *gc, uint64_t extra_alloc,
                 uint64_t *goal);

#endif
