/* go_memstats.c - runtime.ReadMemStats computed from outside (see go_memstats.h), following
 * readmemstats_m of each release 1.19-1.27: the consistent heap statistics (the three shards of
 * memstats.heapStats summed, as unsafeRead does) plus what the mcaches have not flushed, combined
 * with gcController's heap accounting and memstats' system-memory counters. */
#include "go_memstats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_memstats_priv.h"

static const char *const names[GO_MS_COUNT][2] = {
    {"HeapAlloc", "heap_alloc"}, {"HeapObjects", "heap_objects"}, {"HeapSys", "heap_sys"},
    {"HeapInuse", "heap_inuse"}, {"HeapIdle", "heap_idle"}, {"HeapReleased", "heap_released"},
    {"TotalAlloc", "total_alloc"}, {"Mallocs", "mallocs"}, {"Frees", "frees"}, {"Sys", "sys"},
    {"StackInuse", "stack_inuse"}, {"NumGC", "num_gc"}, {"NextGC", "next_gc"},
    {"LastGC", "last_gc"}, {"PauseTotalNs", "pause_total_ns"},
};

const char *go_memstat_name(enum go_memstat s) { return (unsigned)s < GO_MS_COUNT ? names[s][0] : "?"; }
const char *go_memstat_key(enum go_memstat s) { return (unsigned)s < GO_MS_COUNT ? names[s][1] : "?"; }

static void set(go_memstats *m, enum go_memstat s, uint64_t v)
{
    m->v[s] = v;
    m->have[s] = 1;
}

/* Appends "what: detail" to m->why (truncated when full: the first reasons matter most). */
static void why(go_memstats *m, const char *what, const char *detail)
{
    size_t n = strlen(m->why);
    if (n + 3 < sizeof m->why &&
        snprintf(m->why + n, sizeof m->why - n, "%s%s: %s", n ? "; " : "", what, detail) < 0)
        m->why[n] = 0;
}

/* Reads a struct-sized copy of a runtime global; NULL when absent or unreadable. */
static uint8_t *copy_global(go_rt *rt, const char *name, int64_t size, hs_err *err)
{
    uint64_t a = go_rt_global(rt, name, NULL);
    if (!a || size <= 0) {
        hs_errf(err, "%s", !a ? "symbol missing" : "layout unknown for this release");
        return NULL;
    }
    uint8_t *b = malloc((size_t)size);
    if (b && hs_read(rt->t, a, b, (size_t)size, err) == 0)
        return b;
    if (!b)
        hs_errf(err, "out of memory");
    free(b);
    return NULL;
}

/* memstats.heapStats.unsafeRead: the three shards summed. */
static void sum_shards(const ms_layout *l, const uint8_t *ms, ms_sums *s)
{
    if (!ms || l->heap_stats < 0 || l->in_stacks < 0 || l->in_work_bufs < 0 || l->tiny_alloc_count < 0 ||
        l->large_alloc < 0 || l->large_alloc_count < 0 || l->small_alloc_count < 0 ||
        l->large_free < 0 || l->large_free_count < 0 || l->small_free_count < 0)
        return;
    for (int k = 0; k < 3; k++) {
        const uint8_t *d = ms + l->heap_stats + k * l->delta_size;
        s->in_stacks += go_le64(d + l->in_stacks);
        s->in_work_bufs += go_le64(d + l->in_work_bufs);
        if (l->in_ptr_scalar_bits >= 0) /* through 1.24 */
            s->in_ptr_scalar_bits += go_le64(d + l->in_ptr_scalar_bits);
        s->tiny += go_le64(d + l->tiny_alloc_count);
        s->large_alloc += go_le64(d + l->large_alloc);
        s->large_alloc_count += go_le64(d + l->large_alloc_count);
        s->large_free += go_le64(d + l->large_free);
        s->large_free_count += go_le64(d + l->large_free_count);
        for (int i = 0; i < GO_NUM_SIZE_CLASSES; i++) {
            s->small_alloc[i] += go_le64(d + l->small_alloc_count + 8 * i);
            s->small_free[i] += go_le64(d + l->small_free_count + 8 * i);
        }
    }
    s->have_delta = 1;
}

/* TotalAlloc, Mallocs, Frees, HeapAlloc, HeapObjects: tiny allocations count as both a malloc
 * and a free, as MemStats has always counted them. */
static void alloc_fields(go_rt *rt, const ms_sums *s, go_memstats *m)
{
    uint32_t size[GO_NUM_SIZE_CLASSES];
    go_size_classes(rt, size);
    uint64_t total_alloc = s->large_alloc, total_free = s->large_free;
    uint64_t nmalloc = s->large_alloc_count + s->tiny, nfree = s->large_free_count + s->tiny;
    for (int i = 0; i < GO_NUM_SIZE_CLASSES; i++) {
        total_alloc += s->small_alloc[i] * size[i];
        total_free += s->small_free[i] * size[i];
        nmalloc += s->small_alloc[i];
        nfree += s->small_free[i];
    }
    set(m, GO_MS_TOTAL_ALLOC, total_alloc);
    set(m, GO_MS_MALLOCS, nmalloc);
    set(m, GO_MS_FREES, nfree);
    set(m, GO_MS_HEAP_ALLOC, total_alloc - total_free);
    set(m, GO_MS_HEAP_OBJECTS, nmalloc - nfree);
}

/* HeapSys, HeapInuse, HeapIdle, HeapReleased from gcController; Sys adds every other mapping
 * readmemstats_m counts (totalMapped). */
static void heap_fields(const ms_layout *l, const uint8_t *gc, const uint8_t *ms, const ms_sums *s,
                        go_memstats *m)
{
    if (!gc || l->heap_in_use < 0 || l->heap_free < 0 || l->heap_released < 0)
        return;
    uint64_t in_use = go_le64(gc + l->heap_in_use), free_ = go_le64(gc + l->heap_free);
    uint64_t released = go_le64(gc + l->heap_released);
    set(m, GO_MS_HEAP_SYS, in_use + free_ + released);
    set(m, GO_MS_HEAP_INUSE, in_use);
    set(m, GO_MS_HEAP_IDLE, free_ + released);
    set(m, GO_MS_HEAP_RELEASED, released);
    const int64_t sys[] = {l->stacks_sys, l->mspan_sys, l->mcache_sys, l->buckhash_sys,
                           l->gc_misc_sys, l->other_sys};
    uint64_t total = in_use + free_ + released;
    for (size_t i = 0; i < sizeof sys / sizeof sys[0]; i++) {
        if (!ms || sys[i] < 0)
            return;
        total += go_le64(ms + sys[i]);
    }
    if (s->have_delta)
        set(m, GO_MS_SYS, total + s->in_stacks + s->in_work_bufs + s->in_ptr_scalar_bits);
}

static void gc_fields(const ms_layout *l, const uint8_t *ms, go_memstats *m)
{
    if (!ms)
        return;
    if (l->numgc >= 0)
        set(m, GO_MS_NUM_GC, go_le32(ms + l->numgc));
    if (l->last_gc_unix >= 0)
        set(m, GO_MS_LAST_GC, go_le64(ms + l->last_gc_unix));
    if (l->pause_total_ns >= 0)
        set(m, GO_MS_PAUSE_TOTAL_NS, go_le64(ms + l->pause_total_ns));
}

static void combine(go_rt *rt, const ms_layout *l, const uint8_t *ms, const uint8_t *gc,
                    go_memstats *m)
{
    ms_sums *s = calloc(1, sizeof *s);
    if (!s) {
        why(m, "statistics", "out of memory");
        return;
    }
    sum_shards(l, ms, s);
    hs_err e;
    if (!s->have_delta)
        why(m, "allocation counts", "memstats.heapStats is not known for this release");
    else if (ms_add_caches(rt, l, s, &e) < 0)
        why(m, "allocation counts (the per-P caches could not be read)", e.msg);
    else
        s->have_cache = 1;
    if (s->have_cache)
        alloc_fields(rt, s, m);
    if (s->have_delta)
        set(m, GO_MS_STACK_INUSE, s->in_stacks);
    heap_fields(l, gc, ms, s, m);
    gc_fields(l, ms, m);
    uint64_t goal;
    if (gc && s->have_cache && ms_heap_goal(rt, l, gc, s->cache_bytes, &goal) == 0)
        set(m, GO_MS_NEXT_GC, goal);
    else if (gc && s->have_cache)
        why(m, "NextGC", "the heap-goal rule of this release is not known");
    free(s);
}

int go_memstats_read(go_rt *rt, go_memstats *m, hs_err *err)
{
    memset(m, 0, sizeof *m);
    ms_layout l;
    ms_layout_resolve(rt, &l);
    hs_err e1, e2;
    uint8_t *ms = copy_global(rt, "runtime.memstats", l.ms_size, &e1);
    uint8_t *gc = copy_global(rt, "runtime.gcController", l.gc_size, &e2);
    if (!ms)
        why(m, "runtime.memstats", e1.msg);
    if (!gc)
        why(m, "runtime.gcController", e2.msg);
    if (ms || gc)
        combine(rt, &l, ms, gc, m);
    free(ms);
    free(gc);
    for (int i = 0; i < GO_MS_COUNT; i++)
        if (m->have[i])
            return 0;
    return hs_errf(err, "the runtime's statistics could not be read (%s)", m->why);
}
