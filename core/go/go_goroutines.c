/* go_goroutines.c - reading every goroutine from runtime.allgs (see go_goroutines.h). */
#include "go_goroutines.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../image/go_window.h" /* go_le32, go_le64 */
#include "../util/addrset.h"
#include "go_labels.h"
#include "go_sighandler.h"
#include "go_unwind.h"

#define MAX_GOROUTINES 50000000u /* more means allgs is corrupt */
#define MAX_MS 100000u
#define ALLGS_CHUNK 1024u   /* allgs entries read (and goroutines allocated) at a time */
#define MAX_WARNINGS 20u    /* lines listed; a corrupt allgs could otherwise yield millions */

typedef struct thread_of_m {
    uint64_t m, curg;
    int32_t tid;
    const hs_thread *thread;
} thread_of_m;

typedef struct walk {
    go_rt *rt;
    go_goroutines *out;
    go_unwinder *unw;
    thread_of_m *ms;
    size_t nms;
    uint64_t *pcs;
    uint8_t *gbuf;
    size_t cap;      /* of out->v */
    size_t nwarn;    /* warnings so far (only MAX_WARNINGS are listed) */
    hs_addrset seen; /* g addresses read: a corrupt allgs may name one g many times */
    size_t ndup;
    int no_stacks;   /* go_goroutines_list: start states only */
    int64_t off_ctxt, off_defer, off_panic;
    struct {
        uint64_t ptr;
        uint32_t id;
    } label_cache[256]; /* g.labels pointer -> label set: goroutines inherit their parent's */
} walk;


static void warn(walk *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void warn(walk *w, const char *fmt, ...)
{
    if (w->nwarn++ >= MAX_WARNINGS)
        return;
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_puts(&w->out->warnings, line);
}

static const hs_thread *thread_by_tid(hs_target *t, int32_t tid)
{
    for (size_t i = 0; i < t->nthreads; i++)
        if (t->threads[i].tid == tid)
            return &t->threads[i];
    return NULL;
}

/* Walks runtime.allm to learn which goroutine each thread runs. */
static void read_ms(walk *w)
{
    go_rt *rt = w->rt;
    const go_offsets *o = &rt->off;
    uint64_t m = 0;
    hs_addrset seen = {0};
    if (hs_read_u64(rt->t, rt->sym.allm, &m, NULL) < 0)
        return;
    for (size_t i = 0; m && i < MAX_MS; i++) {
        if (hs_addrset_add(&seen, m) == 0) {
            sb_printf(&w->out->warnings, "runtime.allm: the list of threads loops back to m 0x%llx "
                      "(corrupt runtime memory?); stopped there\n", (unsigned long long)m);
            break;
        }
        uint64_t procid, curg, next;
        hs_err e;
        if (hs_read_u64(rt->t, m + (uint64_t)o->m_procid, &procid, &e) < 0 ||
            hs_read_u64(rt->t, m + (uint64_t)o->m_curg, &curg, &e) < 0 ||
            hs_read_u64(rt->t, m + (uint64_t)o->m_alllink, &next, &e) < 0) {
            sb_printf(&w->out->warnings, "runtime.allm: thread list cut short at m 0x%llx: %s\n",
                      (unsigned long long)m, e.msg);
            break;
        }
        thread_of_m *v = realloc(w->ms, (w->nms + 1) * sizeof *v);
        if (!v)
            break;
        w->ms = v;
        const hs_thread *th = thread_by_tid(rt->t, (int32_t)procid);
        w->ms[w->nms++] = (thread_of_m){m, curg, (int32_t)procid, th};
        m = next;
    }
    hs_addrset_free(&seen);
}

static const thread_of_m *m_running(const walk *w, uint64_t g)
{
    for (size_t i = 0; i < w->nms; i++)
        if (w->ms[i].curg == g)
            return &w->ms[i];
    return NULL;
}

static int is_system_start(const go_rt *rt, uint64_t startpc, int *special)
{
    go_func f;
    *special = 0;
    if (go_pcln_find(rt->pcln, go_rt_linkpc(rt, startpc), &f) < 0)
        return 0;
    const char *name = go_pcln_name(rt->pcln, &f);
    if (!name || strncmp(name, "runtime.", 8) != 0)
        return 0;
    if (!strcmp(name, "runtime.main") || !strcmp(name, "runtime.handleAsyncEvent") ||
        !strcmp(name, "runtime.corostart"))
        return 0;
    *special = !strcmp(name, "runtime.runfinq") || !strcmp(name, "runtime.runFinalizers") ||
               !strcmp(name, "runtime.runCleanups");
    return 1;
}

/* Finalizer and cleanup goroutines count as user goroutines while they run user code. */
static int runs_user_code(const go_rt *rt, const uint64_t *pcs, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        go_func f;
        const char *name = go_pcln_find(rt->pcln, pcs[i], &f) == 0 ? go_pcln_name(rt->pcln, &f) : NULL;
        if (name && strncmp(name, "runtime.", 8) != 0)
            return 1;
    }
    return 0;
}

enum { GOBUF_LR = 40 }; /* runtime.gobuf: sp, pc, g, ctxt, ret, lr (1.19-1.27), from sp */

/* Where the stack walk starts: the thread's registers when it runs on this goroutine's stack,
 * or those a signal interrupted when the thread is in the signal handler; the syscall state
 * when in a syscall; else the state saved when the goroutine was last switched out. */
static go_unwind_start start_of(const walk *w, const uint8_t *gb, go_goroutine *g)
{
    const go_offsets *o = &w->rt->off;
    hs_arch a = w->rt->t->arch;
    go_unwind_start st = {go_le64(gb + o->g_sched_pc), go_le64(gb + o->g_sched_sp), 0,
                          go_le64(gb + o->g_stack_lo), go_le64(gb + o->g_stack_hi),
                          a == HS_ARCH_ARM64 ? go_le64(gb + o->g_sched_sp + GOBUF_LR) : 0};
    const thread_of_m *tm = g->status == (uint32_t)o->grunning ? m_running(w, g->g) : NULL;
    if (tm) {
        g->tid = tm->tid;
        uint64_t pc = 0, sp = 0, lr = 0;
        if (tm->thread) {
            pc = hs_thread_pc(a, tm->thread);
            sp = hs_thread_sp(a, tm->thread);
            lr = hs_thread_lr(a, tm->thread);
            if ((sp < st.lo || sp >= st.hi) &&
                go_signal_interrupted(w->rt, w->unw, tm->m, tm->thread, &pc, &sp, &lr) < 0)
                sp = 0;
        }
        if (sp && sp >= st.lo && sp < st.hi) {
            st.pc = pc;
            st.sp = sp;
            st.lr = lr;
            st.exact = 1;
            return st;
        }
    }
    uint64_t scsp = go_le64(gb + o->g_syscallsp);
    if (scsp) {
        st.pc = go_le64(gb + o->g_syscallpc);
        st.sp = scsp;
    }
    return st;
}

static void unwind_goroutine(walk *w, const uint8_t *gb, go_goroutine *g, int special)
{
    go_unwind_start st = start_of(w, gb, g);
    g->start_pc = st.pc;
    g->start_sp = st.sp;
    g->start_lr = st.lr;
    g->stack_lo = st.lo;
    g->stack_hi = st.hi;
    g->start_exact = (uint8_t)st.exact;
    g->start_tid = st.exact ? g->tid : 0;
    const thread_of_m *tm = g->status == (uint32_t)w->rt->off.gsyscall ? m_running(w, g->g) : NULL;
    g->syscall_tid = tm && tm->thread ? tm->tid : 0;
    g->sched_ctxt = w->off_ctxt >= 0 ? go_le64(gb + w->off_ctxt) : 0;
    g->defer = w->off_defer >= 0 ? go_le64(gb + w->off_defer) : 0;
    g->panic = w->off_panic >= 0 ? go_le64(gb + w->off_panic) : 0;
    if (w->no_stacks) {
        g->stack = g->created_by = UINT32_MAX;
        return;
    }
    if (st.sp && st.lo < st.hi && (st.sp < st.lo || st.sp >= st.hi))
        warn(w, "goroutine %llu: saved SP 0x%llx lies outside its stack [0x%llx, 0x%llx); stack "
             "cut short\n", (unsigned long long)g->goid, (unsigned long long)st.sp,
             (unsigned long long)st.lo, (unsigned long long)st.hi);
    int truncated = 0;
    uint32_t n = go_unwind(w->unw, &st, w->pcs, GO_MAX_FRAMES, &truncated);
    g->stack = go_stacks_intern(w->out->stacks, w->pcs, n, truncated);
    if (special)
        g->system = !runs_user_code(w->rt, w->pcs, n);
    if (n == 0)
        warn(w, "goroutine %llu: no Go frame at pc 0x%llx; stack not shown\n",
             (unsigned long long)g->goid, (unsigned long long)st.pc);
    uint64_t gopc = g->gopc;
    go_func f;
    g->created_by = UINT32_MAX;
    if (gopc && go_pcln_find(w->rt->pcln, go_rt_linkpc(w->rt, gopc), &f) == 0) {
        uint64_t l = go_rt_linkpc(w->rt, gopc);
        uint64_t lookup = l > f.entry ? l - 1 : l;
        g->created_by = go_stacks_intern(w->out->stacks, &lookup, 1, 0);
    }
}

/* g.labels as an id in out->labels; a label set that cannot be read is left out, with a warning. */
static void read_labels(walk *w, go_goroutine *g, const uint8_t *gb)
{
    int64_t off = w->rt->off.g_labels;
    uint64_t ptr = off >= 0 ? go_le64(gb + off) : 0;
    if (!ptr || !w->out->labels)
        return;
    size_t slot = (size_t)(ptr >> 4) % (sizeof w->label_cache / sizeof w->label_cache[0]);
    if (w->label_cache[slot].ptr == ptr) {
        g->labels = w->label_cache[slot].id;
        return;
    }
    strbuf b;
    sb_init(&b);
    hs_err e;
    if (go_labels_read(w->rt, ptr, &b, &e) < 0)
        warn(w, "goroutine %llu: its labels at 0x%llx are unreadable: %s\n",
             (unsigned long long)g->goid, (unsigned long long)ptr, e.msg);
    else {
        uint32_t id = hs_strtab_intern(w->out->labels, sb_str(&b));
        g->labels = id == UINT32_MAX ? 0 : id;
        w->label_cache[slot].ptr = ptr;
        w->label_cache[slot].id = g->labels;
    }
    sb_free(&b);
}

static void read_one(walk *w, uint64_t gaddr)
{
    go_rt *rt = w->rt;
    const go_offsets *o = &rt->off;
    hs_err e;
    if (hs_read(rt->t, gaddr, w->gbuf, (size_t)o->g_size, &e) < 0) {
        warn(w, "goroutine at 0x%llx skipped: %s\n", (unsigned long long)gaddr, e.msg);
        return;
    }
    const uint8_t *gb = w->gbuf;
    uint32_t status = go_le32(gb + o->g_atomicstatus) & ~(uint32_t)o->gscan;
    if (status == (uint32_t)o->gdead || (o->gdeadextra >= 0 && status == (uint32_t)o->gdeadextra)) {
        w->out->ndead++;
        return;
    }
    go_goroutine *g = &w->out->v[w->out->n++];
    memset(g, 0, sizeof *g);
    g->g = gaddr;
    g->status = status;
    g->goid = go_le64(gb + o->g_goid);
    g->waitsince = (int64_t)go_le64(gb + o->g_waitsince);
    g->waitreason = gb[o->g_waitreason];
    g->gopc = go_le64(gb + o->g_gopc);
    g->startpc = go_le64(gb + o->g_startpc);
    g->waiting = go_le64(gb + o->g_waiting);
    g->parent_goid = o->g_parent_goid >= 0 ? go_le64(gb + o->g_parent_goid) : 0;
    int special;
    g->system = (uint8_t)is_system_start(rt, g->startpc, &special);
    read_labels(w, g, gb);
    unwind_goroutine(w, gb, g, special);
}

static int read_allgs(walk *w, uint64_t *ptr, uint64_t *len, hs_err *err)
{
    go_rt *rt = w->rt;
    uint64_t hdr[3];
    if (hs_read(rt->t, rt->sym.allgs, hdr, sizeof hdr, err) < 0)
        return hs_errctx(err, "reading runtime.allgs");
    if (hdr[1] > hdr[2] || hdr[1] > MAX_GOROUTINES)
        return hs_errf(err, "runtime.allgs is corrupt (len %llu, cap %llu)",
                       (unsigned long long)hdr[1], (unsigned long long)hdr[2]);
    *ptr = hdr[0];
    *len = hdr[1];
    return 0;
}

/* The clock waits are measured against: the live process's monotonic clock (the runtime's
 * nanotime) at the moment the memory read shows (its copy or fork was made) or now, or for a
 * core the latest time the runtime recorded. */
static void pick_now(walk *w)
{
    go_goroutines *out = w->out;
    hs_target *t = w->rt->t;
    if (t->live && t->pid > 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        out->now = t->as_of_ns ? t->as_of_ns : (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
        out->now_exact = 1;
        return;
    }
    int64_t now = 0, lastpoll;
    if (w->rt->sym.sched && w->rt->off.sched_lastpoll >= 0 &&
        hs_read(t, w->rt->sym.sched + (uint64_t)w->rt->off.sched_lastpoll, &lastpoll, 8, NULL) == 0)
        now = lastpoll;
    for (size_t i = 0; i < out->n; i++)
        if (out->v[i].waitsince > now)
            now = out->v[i].waitsince;
    out->now = now;
}

/* Makes room in out->v for n more goroutines. */
static int reserve(walk *w, size_t n)
{
    if (w->out->n + n <= w->cap)
        return 0;
    size_t cap = w->cap ? w->cap * 2 : ALLGS_CHUNK;
    while (cap < w->out->n + n)
        cap *= 2;
    go_goroutine *v = realloc(w->out->v, cap * sizeof *v);
    if (!v)
        return -1;
    w->out->v = v;
    w->cap = cap;
    return 0;
}

/* Reads allgs a chunk at a time, so a corrupt length costs only the entries that exist. */
static int walk_all(walk *w, hs_err *err)
{
    uint64_t ptr = 0, len = 0, gs[ALLGS_CHUNK];
    if (read_allgs(w, &ptr, &len, err) < 0)
        return -1;
    read_ms(w);
    hs_progress_phase(w->rt->t->progress, "reading goroutines", len, HS_PROG_COUNT);
    for (uint64_t i = 0; i < len; i += ALLGS_CHUNK) {
        size_t n = len - i < ALLGS_CHUNK ? (size_t)(len - i) : ALLGS_CHUNK;
        hs_progress_update(w->rt->t->progress, i);
        if (hs_interrupted(w->rt->t))
            return hs_errf(err, "interrupted");
        if (hs_read(w->rt->t, ptr + i * 8, gs, n * 8, err) < 0)
            return hs_errctx(err, "reading the %llu entries of runtime.allgs", (unsigned long long)len);
        if (reserve(w, n) < 0)
            return hs_errf(err, "out of memory for %llu goroutines", (unsigned long long)len);
        for (size_t k = 0; k < n; k++) {
            int fresh = gs[k] ? hs_addrset_add(&w->seen, gs[k]) : 0;
            w->ndup += gs[k] && fresh == 0;
            if (fresh != 0 && gs[k]) /* -1 (out of memory): read it anyway */
                read_one(w, gs[k]);
        }
    }
    if (w->ndup)
        sb_printf(&w->out->warnings, "runtime.allgs names %zu goroutines more than once (corrupt "
                  "runtime memory?); each is shown once\n", w->ndup);
    if (w->nwarn > MAX_WARNINGS)
        sb_printf(&w->out->warnings, "... and %zu more goroutines like these (not listed)\n",
                  w->nwarn - MAX_WARNINGS);
    pick_now(w);
    return 0;
}

static int read_all(go_rt *rt, go_goroutines *out, int no_stacks, hs_err *err)
{
    memset(out, 0, sizeof *out);
    sb_init(&out->warnings);
    walk w = {rt, out, go_unwinder_new(rt), NULL, 0, malloc(GO_MAX_FRAMES * sizeof(uint64_t)),
              malloc((size_t)rt->off.g_size), 0, 0, {0}, 0, no_stacks, -1, -1, -1, {{0, 0}}};
    int64_t sched, ctxt;
    if (go_layout_off(&rt->src, "runtime.g", "sched", &sched) == 0 &&
        go_layout_off(&rt->src, "runtime.gobuf", "ctxt", &ctxt) == 0 && sched + ctxt + 8 <= rt->off.g_size)
        w.off_ctxt = sched + ctxt;
    if (go_layout_off(&rt->src, "runtime.g", "_defer", &w.off_defer) < 0 || w.off_defer + 8 > rt->off.g_size)
        w.off_defer = -1;
    if (go_layout_off(&rt->src, "runtime.g", "_panic", &w.off_panic) < 0 || w.off_panic + 8 > rt->off.g_size)
        w.off_panic = -1;
    out->stacks = go_stacks_new();
    out->labels = hs_strtab_new();
    if (out->stacks)
        go_stacks_set_wrapper_funcid(out->stacks, (int)rt->off.funcid_wrapper);
    int r = (!w.unw || !w.pcs || !w.gbuf || !out->stacks || !out->labels) ? hs_errf(err, "out of memory")
                                                          : walk_all(&w, err);
    go_unwinder_free(w.unw);
    hs_addrset_free(&w.seen);
    free(w.ms);
    free(w.pcs);
    free(w.gbuf);
    if (r < 0)
        go_goroutines_free(out);
    return r;
}

int go_goroutines_read(go_rt *rt, go_goroutines *out, hs_err *err)
{
    return read_all(rt, out, 0, err);
}

int go_goroutines_list(go_rt *rt, go_goroutines *out, hs_err *err)
{
    return read_all(rt, out, 1, err);
}

void go_goroutines_free(go_goroutines *gs)
{
    free(gs->v);
    go_stacks_free(gs->stacks);
    hs_strtab_free(gs->labels);
    sb_free(&gs->warnings);
    memset(gs, 0, sizeof *gs);
}

const char *go_goroutine_state(const go_rt *rt, const go_goroutine *g)
{
    const go_offsets *o = &rt->off;
    if (o->gleaked >= 0 && g->status == (uint32_t)o->gleaked) {
        const char *s = go_rt_leaked_state(rt, g->waitreason);
        return s ? s : "leaked (leaked)";
    }
    if (g->status == (uint32_t)o->gwaiting && g->waitreason) {
        const char *r = go_rt_wait_reason(rt, g->waitreason);
        if (r && *r)
            return r;
    }
    static const char *const names[] = {"idle", "runnable", "running", "syscall", "waiting",
                                        "moribund", "dead", "enqueue", "copystack", "preempted"};
    return g->status < sizeof names / sizeof names[0] ? names[g->status] : "???";
}
