/* go_memstats_layout.c - where the runtime keeps its statistics in this release: offsets in
 * runtime.mstats, runtime.heapStatsDelta, runtime.gcControllerState, runtime.mcache and runtime.p,
 * from DWARF or the per-release tables (see go_memstats_priv.h). */
#include <stddef.h>
#include <string.h>

#include "go_memstats_priv.h"

enum { IN_MSTATS, IN_DELTA, IN_GC, IN_OTHER };

typedef struct member {
    size_t slot; /* offsetof(ms_layout, ...) */
    int in;      /* which copy it is read from, for the bounds check */
    const char *type, *path;
    int64_t width; /* bytes read from it */
} member;

#define MS(f, path) {offsetof(ms_layout, f), IN_MSTATS, "runtime.mstats", path, 8}
#define D(f, path, w) {offsetof(ms_layout, f), IN_DELTA, "runtime.heapStatsDelta", path, w}
#define GC(f, path) {offsetof(ms_layout, f), IN_GC, "runtime.gcControllerState", path, 8}
#define O(f, type, path) {offsetof(ms_layout, f), IN_OTHER, type, path, 8}

static const member members[] = {
    MS(heap_stats, "heapStats.stats"), MS(stacks_sys, "stacks_sys"), MS(mspan_sys, "mspan_sys"),
    MS(mcache_sys, "mcache_sys"), MS(buckhash_sys, "buckhash_sys"), MS(gc_misc_sys, "gcMiscSys"),
    MS(other_sys, "other_sys"), MS(last_gc_unix, "last_gc_unix"),
    MS(pause_total_ns, "pause_total_ns"),
    {offsetof(ms_layout, numgc), IN_MSTATS, "runtime.mstats", "numgc", 4},
    D(in_stacks, "inStacks", 8), D(in_work_bufs, "inWorkBufs", 8),
    D(in_ptr_scalar_bits, "inPtrScalarBits", 8), D(tiny_alloc_count, "tinyAllocCount", 8),
    D(large_alloc, "largeAlloc", 8), D(large_alloc_count, "largeAllocCount", 8),
    D(small_alloc_count, "smallAllocCount", 8 * GO_NUM_SIZE_CLASSES), D(large_free, "largeFree", 8),
    D(large_free_count, "largeFreeCount", 8),
    D(small_free_count, "smallFreeCount", 8 * GO_NUM_SIZE_CLASSES),
    GC(heap_in_use, "heapInUse"), GC(heap_released, "heapReleased"), GC(heap_free, "heapFree"),
    GC(total_alloc, "totalAlloc"), GC(total_free, "totalFree"), GC(mapped_ready, "mappedReady"),
    GC(gc_percent_heap_goal, "gcPercentHeapGoal"), GC(memory_limit, "memoryLimit"),
    GC(sweep_dist_min_trigger, "sweepDistMinTrigger"), GC(triggered, "triggered"),
    GC(heap_marked, "heapMarked"),
    O(mc_tiny_allocs, "runtime.mcache", "tinyAllocs"), O(mc_alloc, "runtime.mcache", "alloc"),
    O(p_mcache, "runtime.p", "mcache"),
};

static int64_t size_of(const go_rt *rt, const char *type)
{
    int64_t v;
    return go_layout_size(&rt->src, type, &v) == 0 && v > 0 && v < (1 << 20) ? v : -1;
}

/* A member is usable only when it lies inside the copy it is read from. */
static int64_t limit_of(const ms_layout *l, int in)
{
    return in == IN_MSTATS ? l->ms_size : in == IN_DELTA ? l->delta_size : in == IN_GC ? l->gc_size
                                                                                       : INT64_MAX;
}

void ms_layout_resolve(const go_rt *rt, ms_layout *l)
{
    memset(l, 0, sizeof *l);
    l->ms_size = size_of(rt, "runtime.mstats");
    l->gc_size = size_of(rt, "runtime.gcControllerState");
    l->delta_size = size_of(rt, "runtime.heapStatsDelta");
    for (size_t i = 0; i < sizeof members / sizeof members[0]; i++) {
        const member *m = &members[i];
        int64_t *slot = (int64_t *)((char *)l + m->slot), lim = limit_of(l, m->in);
        if (go_layout_off(&rt->src, m->type, m->path, slot) < 0 || *slot < 0 || lim < 0 ||
            *slot + m->width > lim)
            *slot = -1;
    }
    /* the three shards of consistentHeapStats must lie inside runtime.memstats, and the size
     * class arrays must have the 68 entries this code knows */
    if (l->heap_stats >= 0 && (l->delta_size < 0 || l->heap_stats + 3 * l->delta_size > l->ms_size))
        l->heap_stats = -1;
    if (l->small_alloc_count >= 0 && l->large_free >= 0 &&
        l->large_free - l->small_alloc_count != 8 * GO_NUM_SIZE_CLASSES)
        l->small_alloc_count = -1;
}
