/* go_inflight.c - finding threads stopped halfway through the runtime's two-step heap updates
 * (see go_inflight.h): each thread's stack is walked from its registers (from the code a signal
 * interrupted, when it is in the runtime's signal handler) and its logical frames, inlined calls
 * included, are matched against the runtime functions that hold such a window. */
#include "go_inflight.h"

#include <stdio.h>
#include <string.h>

#include "../image/elf_image.h"
#include "go_alloc_window.h"
#include "go_heap_span.h"
#include "go_sighandler.h"
#include "go_unwind.h"

#define MAX_FRAMES 24      /* the windows sit near the top of the stack */
#define LOOSE_STACK (8u << 20) /* bound for a walk whose stack's own bounds are not known */

/* Runtime functions (1.19-1.27) inside which the heap and its statistics disagree for a while. */
static const char *const windows[] = {
    "runtime.(*sweepLocked).sweep",  /* allocCount and allocBits reset, frees not yet counted */
    "runtime.(*mcache).refill",      /* old span uncached, its allocations not yet counted */
    "runtime.(*mcache).releaseAll",  /* allocations counted, span still cached */
    "runtime.(*mcache).allocLarge",  /* large object counted, not yet marked allocated */
    "runtime.(*mcache).nextFree",    /* freeindex advanced, allocCount not yet */
    "runtime.(*mspan).nextFreeIndex",
    "runtime.nextFreeFast",          /* the same, inlined into mallocgc (a generated copy of it
                                      * in 1.26+: go_alloc_window.h) */
};

typedef struct scan {
    go_rt *rt;
    const char *hit; /* the window function found, NULL while none */
} scan;

static const char *window_of(const char *func)
{
    for (size_t i = 0; i < sizeof windows / sizeof windows[0]; i++)
        if (strcmp(func, windows[i]) == 0)
            return windows[i];
    return NULL;
}

static int frame(void *ctx, const go_uframe *f)
{
    scan *s = ctx;
    go_srcframe sf[8];
    int n = go_pcln_frames(s->rt->pcln, f->lpc, sf, 8);
    for (int i = 0; i < n && !s->hit; i++)
        s->hit = window_of(sf[i].func);
    return s->hit != NULL;
}

/* A thread whose innermost frame is a generated allocation function, in its window. */
static const char *generated_window(go_rt *rt, uint64_t pc)
{
    go_func f;
    go_span_layout l;
    if (go_pcln_find(rt->pcln, go_rt_linkpc(rt, pc), &f) < 0 ||
        !go_alloc_generated(go_pcln_name(rt->pcln, &f)) || f.end <= f.entry ||
        go_span_layout_resolve(rt, &l, NULL) < 0 || l.freeindex < 0 || l.alloc_count < 0)
        return NULL;
    size_t len = (size_t)(f.end - f.entry);
    const uint8_t *code = hs_image_view(rt->exe, f.entry, len);
    return go_alloc_in_window(code, len, f.entry, go_rt_linkpc(rt, pc), l.freeindex, l.alloc_count)
               ? "runtime.nextFreeFast" : NULL;
}

static const char *thread_window(go_rt *rt, go_unwinder *u, const hs_thread *th)
{
    scan s = {rt, NULL};
    int truncated;
    hs_arch a = rt->t->arch;
    uint64_t pc = hs_thread_pc(a, th), sp = hs_thread_sp(a, th), lr = hs_thread_lr(a, th);
    /* in the signal handler: what did the signal interrupt? */
    go_signal_interrupted(rt, u, go_m_of_thread(rt, th->tid), th, &pc, &sp, &lr);
    const char *w = a == HS_ARCH_AMD64 ? generated_window(rt, pc) : NULL; /* amd64 code only */
    if (w)
        return w;
    go_unwind_start st = {pc, sp, 1, sp, sp + LOOSE_STACK, lr};
    go_unwind_each(u, &st, MAX_FRAMES, frame, &s, &truncated);
    return s.hit;
}

size_t go_inflight_threads(go_rt *rt, go_inflight *out, size_t cap)
{
    hs_target *t = rt->t;
    if (!rt->pcln || !rt->sym.allm)
        return 0;
    go_unwinder *u = go_unwinder_new(rt);
    if (!u)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < t->nthreads; i++) {
        const char *w = thread_window(rt, u, &t->threads[i]);
        if (!w)
            continue;
        if (n < cap) {
            out[n].tid = t->threads[i].tid;
            snprintf(out[n].func, sizeof out[n].func, "%s", w);
        }
        n++;
    }
    go_unwinder_free(u);
    return n;
}

void go_inflight_describe(const go_inflight *v, size_t n, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < n && len < cap; i++) {
        int k = snprintf(buf + len, cap - len, "%sthread %d was inside %s", i ? "; " : "",
                         (int)v[i].tid, v[i].func);
        if (k < 0)
            break;
        len += (size_t)k;
    }
}
