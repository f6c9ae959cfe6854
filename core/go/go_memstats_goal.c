/* go_memstats_goal.c - MemStats.NextGC: gcController.heapGoal() as each release computes it
 * (mgcpacer.go: heapGoalInternal and memoryLimitHeapGoal). The GOGC goal, unless the memory-limit
 * goal is lower; otherwise raised to the sweep-distance trigger and to 64 KiB past the point the
 * cycle triggered. The memory-limit goal keeps headroom below the limit: a fixed 1 MiB in 1.19,
 * 3 % (at least 1 MiB) from 1.21 on. */
#include "go_memstats_priv.h"

typedef struct headroom {
    int percent;   /* 0: fixed headroom */
    uint64_t min;  /* the fixed headroom, or the minimum one */
} headroom;

typedef struct pacer {
    uint64_t heap_free, heap_alloc, mapped_ready, memory_limit, heap_marked;
} pacer;

static uint64_t limit_goal(const pacer *p, const headroom *hr)
{
    uint64_t non_heap = p->mapped_ready - p->heap_free - p->heap_alloc;
    uint64_t overage = p->mapped_ready > p->memory_limit ? p->mapped_ready - p->memory_limit : 0;
    if (non_heap + overage >= p->memory_limit)
        return p->heap_marked;
    uint64_t goal = p->memory_limit - (non_heap + overage);
    uint64_t room = hr->percent ? goal / 100 * (uint64_t)hr->percent : hr->min;
    if (room < hr->min)
        room = hr->min;
    if (goal < room || goal - room < room)
        goal = room;
    else
        goal -= room;
    return goal < p->heap_marked ? p->heap_marked : goal;
}

/* The release's headroom rule: from DWARF constants when present, else by release; returns the
 * number of candidate rules (2 when the release is not known to use either). */
static int headroom_rules(const go_rt *rt, headroom hr[2])
{
    int64_t pct = go_layout_const_or(rt, "runtime.memoryLimitHeapGoalHeadroomPercent", -1);
    int64_t min = go_layout_const_or(rt, "runtime.memoryLimitMinHeapGoalHeadroom", 1 << 20);
    int64_t fixed = go_layout_const_or(rt, "runtime.memoryLimitHeapGoalHeadroom", -1);
    if (pct > 0) {
        hr[0] = (headroom){(int)pct, (uint64_t)min};
        return 1;
    }
    if (fixed > 0) {
        hr[0] = (headroom){0, (uint64_t)fixed};
        return 1;
    }
    hr[0] = (headroom){0, 1 << 20};
    hr[1] = (headroom){3, 1 << 20};
    if (rt->ver.minor <= 19)
        return 1;
    if (rt->ver.minor >= 21) {
        hr[0] = hr[1];
        return 1;
    }
    return 2;
}

int ms_heap_goal(const go_rt *rt, const ms_layout *l, const uint8_t *gc, uint64_t extra_alloc,
                 uint64_t *goal)
{
    const int64_t need[] = {l->gc_percent_heap_goal, l->memory_limit, l->sweep_dist_min_trigger,
                            l->triggered, l->heap_marked, l->heap_free, l->total_alloc,
                            l->total_free, l->mapped_ready};
    for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
        if (need[i] < 0)
            return -1;
    pacer p = {go_le64(gc + l->heap_free),
               go_le64(gc + l->total_alloc) + extra_alloc - go_le64(gc + l->total_free),
               go_le64(gc + l->mapped_ready), go_le64(gc + l->memory_limit),
               go_le64(gc + l->heap_marked)};
    headroom hr[2];
    int nrules = headroom_rules(rt, hr);
    uint64_t g = go_le64(gc + l->gc_percent_heap_goal);
    uint64_t lg = limit_goal(&p, &hr[0]);
    if (nrules == 2 && (lg < g) != (limit_goal(&p, &hr[1]) < g))
        return -1; /* the two possible rules disagree about which goal wins */
    if (lg < g) {
        if (nrules == 2 && lg != limit_goal(&p, &hr[1]))
            return -1;
        *goal = lg;
        return 0;
    }
    uint64_t sweep_dist = go_le64(gc + l->sweep_dist_min_trigger);
    if (sweep_dist > g)
        g = sweep_dist;
    uint64_t triggered = go_le64(gc + l->triggered);
    const uint64_t min_runway = 64 << 10;
    if (triggered != ~0ull && g < triggered + min_runway)
        g = triggered + min_runway;
    *goal = g;
    return 0;
}
