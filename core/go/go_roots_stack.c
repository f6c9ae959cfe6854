/* go_roots_stack.c - goroutine stacks as roots, as the collector's scanstack and
 * scanframeworker read them (runtime/mgcmark.go, stkframe.go getStackMap; checked against
 * 1.19-1.27): the saved context register; each frame's locals (the LocalsPointerMaps entry that
 * PCDATA_StackMapIndex names at the frame's PC, covering [varp - 8*nbit, varp)), arguments
 * (ArgsPointerMaps, from argp) and stack objects; defer records and panics; frames of
 * runtime.asyncPreempt and debugCallV2 and the frames they interrupted conservatively, as the
 * innermost frame and the registers of a goroutine a thread is running (or holding in a system
 * call). amd64: varp = fp - 8 (the return address), minus 8 more for the saved frame pointer
 * when the frame has locals; argp = fp. arm64: varp = fp, minus 8 for the saved frame pointer;
 * argp = fp + 8 (the caller's saved link register). */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../image/go_stackmap.h"
#include "../util/addrset.h"
#include "go_goroutines.h"
#include "go_stackscan.h"
#include "go_unwind.h"

#define MAX_DEFERS 100000
#define ARGS_SIZE_UNKNOWN INT32_MIN

enum { FN_NORMAL, FN_SIGPANIC, FN_ASYNC };

typedef struct fninfo {
    UT_hash_handle hh;
    uint64_t entry; /* link-time */
    go_func f;
    uint32_t name;
    uint8_t kind, found;
} fninfo;

typedef struct stk_walk {
    hg_build *b;
    go_stackscan ss;
    go_unwinder *u;
    fninfo *fns;
    int64_t d_heap, d_fn, d_link;
    uint32_t state_name, regs_name;
    int cons_next;       /* scan the next frame conservatively (asyncPreempt interrupted it) */
    uint8_t prev_kind;   /* kind of the frame just scanned (its callee) */
    uint64_t bad_maps, unknown_args;
    hs_err *err;
} stk_walk;

static int64_t off_or(const go_rt *rt, const char *t, const char *f)
{
    int64_t v;
    return go_layout_off(&rt->src, t, f, &v) == 0 ? v : -1;
}

static const fninfo *fn_of(stk_walk *w, uint64_t entry)
{
    fninfo *fi = NULL;
    HASH_FIND(hh, w->fns, &entry, sizeof entry, fi);
    if (fi)
        return fi;
    if (!(fi = calloc(1, sizeof *fi)))
        return NULL;
    fi->entry = entry;
    go_rt *rt = w->b->rt;
    if (go_pcln_find(rt->pcln, entry, &fi->f) == 0) {
        const char *raw = go_pcln_name(rt->pcln, &fi->f);
        char buf[512];
        go_func_name_for_print(raw, buf, sizeof buf);
        fi->found = 1;
        fi->name = hs_strtab_intern(hs_graph_names(w->b->g), buf);
        if (fi->name == UINT32_MAX)
            fi->name = 0;
        fi->kind = strcmp(raw, "runtime.sigpanic") == 0 ? FN_SIGPANIC
                   : strcmp(raw, "runtime.asyncPreempt") == 0 || strcmp(raw, "runtime.debugCallV2") == 0
                       ? FN_ASYNC
                       : FN_NORMAL;
    }
    HASH_ADD(hh, w->fns, entry, sizeof fi->entry, fi);
    return fi;
}

/* One stack map (locals or arguments) at map index idx: scanned precisely when it reads, else
 * conservatively over n words (and counted). */
static void scan_map(stk_walk *w, uint32_t fr, const go_func *f, uint32_t which, int32_t idx,
                     uint64_t addr_end_or_start, uint64_t n, int locals)
{
    go_rt *rt = w->b->rt;
    size_t avail = 0;
    const uint8_t *p = go_pcln_funcdata_bytes(rt->pcln, f, which, &avail);
    go_bitvec bv;
    int r = go_stackmap_entry(p, avail, idx, &bv);
    if (r == GO_STACKMAP_EMPTY)
        return;
    if (r == GO_STACKMAP_OK) {
        uint64_t from = locals ? addr_end_or_start - 8ull * bv.n : addr_end_or_start;
        ss_scan(&w->ss, fr, from, bv.n, bv.bits, 0);
        return;
    }
    w->bad_maps++;
    uint64_t from = locals ? addr_end_or_start - 8 * n : addr_end_or_start;
    ss_scan(&w->ss, fr, from, n, NULL, 1);
}

static void stack_objects(stk_walk *w, uint32_t fr, const go_func *f, uint64_t sp, uint64_t varp,
                          uint64_t argp)
{
    go_rt *rt = w->b->rt;
    size_t avail = 0;
    const uint8_t *p = go_pcln_funcdata_bytes(rt->pcln, f, GO_FUNCDATA_STACKOBJECTS, &avail);
    long n = p ? go_stackobj_count(p, avail) : 0;
    if (n < 0) {
        w->bad_maps++;
        return;
    }
    for (long i = 0; i < n; i++) {
        go_stackobj_rec r;
        go_stackobj_at(p, i, &r);
        uint64_t at = (r.off < 0 ? varp : argp) + (uint64_t)(int64_t)r.off;
        if (at >= sp)
            ss_object(&w->ss, fr, at, r.size, r.ptrdata, rt->md.rodata + r.gcdataoff);
    }
}

/* A frame with maps: locals, arguments and stack objects at its continuation PC. */
static void precise(stk_walk *w, uint32_t fr, const fninfo *fi, const go_uframe *uf,
                    uint64_t varp, uint64_t argp)
{
    go_rt *rt = w->b->rt;
    const go_func *f = &fi->f;
    uint64_t cont = go_rt_linkpc(rt, uf->pc);
    if (w->prev_kind == FN_SIGPANIC) /* stopped by a fault: it continues at deferreturn, if at all */
        cont = f->deferreturn ? f->entry + f->deferreturn + 1 : 0;
    if (!cont)
        return;
    int32_t idx = -1;
    if (cont != f->entry && go_pcln_pcdata(rt->pcln, f, GO_PCDATA_STACKMAPINDEX, cont - 1, &idx) < 0)
        idx = -1;
    if (idx == -1)
        idx = 0; /* the prologue: the runtime assumes the entry map too */
    if (varp > uf->sp)
        scan_map(w, fr, f, GO_FUNCDATA_LOCALSPOINTERMAPS, idx, varp, (varp - uf->sp) / 8, 1);
    if (f->args == ARGS_SIZE_UNKNOWN)
        w->unknown_args++; /* reflect's call stubs: their arguments are not scanned here */
    else if (f->args > 0)
        scan_map(w, fr, f, GO_FUNCDATA_ARGSPOINTERMAPS, idx, argp, (uint64_t)f->args / 8, 0);
    stack_objects(w, fr, f, uf->sp, varp, argp);
}

static int on_frame(void *ctx, const go_uframe *uf)
{
    stk_walk *w = ctx;
    const fninfo *fi = fn_of(w, uf->entry);
    if (!fi || !fi->found || !uf->fp)
        return 0;
    w->b->out->st.frames++;
    int lr_arch = w->b->rt->t->arch == HS_ARCH_ARM64;
    uint64_t varp = lr_arch ? uf->fp : uf->fp - 8, argp = lr_arch ? uf->fp + 8 : uf->fp;
    if (varp > uf->sp)
        varp -= 8; /* the saved frame pointer */
    int cons = w->cons_next || fi->kind == FN_ASYNC || uf->exact;
    ss_frame frame = {uf->lpc, uf->sp, uf->fp, fi->name, HS_ROOT_FRAME, (uint8_t)cons, (uint8_t)!cons};
    uint32_t fr = ss_frame_add(&w->ss, &frame);
    if (fr == UINT32_MAX)
        return 1;
    if (cons) {
        if (varp > uf->sp)
            ss_scan(&w->ss, fr, uf->sp, (varp - uf->sp) / 8, NULL, 1);
        if (fi->f.args > 0)
            ss_scan(&w->ss, fr, argp, (uint64_t)fi->f.args / 8, NULL, 1);
        w->cons_next = fi->kind == FN_ASYNC;
    } else {
        w->b->out->st.frames_precise++;
        w->cons_next = 0;
        precise(w, fr, fi, uf, varp, argp);
    }
    w->prev_kind = fi->kind;
    return 0;
}

/* The goroutine's own state: the saved context register, defer records, the panic chain. */
static void goroutine_state(stk_walk *w, const go_goroutine *g)
{
    go_stackscan *ss = &w->ss;
    ss_frame st = {0, g->stack_lo, 0, w->state_name, HS_ROOT_FRAME, 0, 0};
    uint32_t fr = ss_frame_add(ss, &st);
    hs_target *t = w->b->rt->t;
    ss_value(ss, fr, g->sched_ctxt, 0, 0);
    ss_value(ss, fr, g->panic, 0, 0);
    uint64_t d = g->defer;
    if (w->d_fn < 0 || w->d_link < 0 || w->d_heap < 0)
        return;
    hs_addrset seen = {0};
    for (int i = 0; d && i < MAX_DEFERS && hs_addrset_add(&seen, d) == 1; i++) {
        uint64_t fn = 0, link = 0;
        uint8_t heap = 0;
        if (hs_read_u64(t, d + (uint64_t)w->d_fn, &fn, NULL) < 0 ||
            hs_read_u64(t, d + (uint64_t)w->d_link, &link, NULL) < 0 ||
            hs_read(t, d + (uint64_t)w->d_heap, &heap, 1, NULL) < 0)
            break;
        ss_value(ss, fr, fn, 0, 0);
        ss_value(ss, fr, link, 0, 0);
        if (heap)
            ss_value(ss, fr, d, 0, 0);
        d = link;
    }
    hs_addrset_free(&seen);
}

static const hs_thread *thread_of(const hs_target *t, int32_t tid)
{
    for (size_t i = 0; tid && i < t->nthreads; i++)
        if (t->threads[i].tid == tid)
            return &t->threads[i];
    return NULL;
}

/* A thread's general registers, conservatively: the goroutine it runs, or holds in a syscall. */
static void registers(stk_walk *w, const go_goroutine *g)
{
    hs_arch a = w->b->rt->t->arch;
    const hs_thread *th = thread_of(w->b->rt->t, g->start_exact ? g->start_tid : g->syscall_tid);
    uint64_t sp = th ? hs_thread_sp(a, th) : 0;
    if (!th || (g->start_exact && (sp < g->stack_lo || sp >= g->stack_hi)))
        return;
    ss_frame rf = {0, 0, 0, w->regs_name, HS_ROOT_REGISTERS, 1, 0};
    uint32_t fr = ss_frame_add(&w->ss, &rf);
    int first = a == HS_ARCH_ARM64 ? HS_A64_X0 : HS_R15, last = a == HS_ARCH_ARM64 ? HS_A64_LR : HS_RDI;
    for (int r = first; r <= last; r++) { /* the general registers: amd64 r15..rdi, arm64 x0..x30 */
        ss_value(&w->ss, fr, th->regs[r], 8 * (uint64_t)r, 1);
        w->ss.conservative_bytes += 8;
    }
}

static int one_goroutine(stk_walk *w, const go_goroutine *g, uint32_t group)
{
    go_stackscan *ss = &w->ss;
    ss_begin(ss, g->stack_lo, g->stack_hi, g->start_sp);
    goroutine_state(w, g);
    registers(w, g);
    w->cons_next = 0;
    w->prev_kind = FN_NORMAL;
    go_unwind_start st = {g->start_pc, g->start_sp, g->start_exact, g->stack_lo, g->stack_hi, g->start_lr};
    int truncated = 0;
    if (st.sp >= st.lo && st.sp < st.hi)
        go_unwind_each(w->u, &st, GO_MAX_FRAMES, on_frame, w, &truncated);
    ss_drain(ss);
    w->b->out->st.conservative_bytes += ss->conservative_bytes;
    ss->conservative_bytes = 0;
    return ss_emit(ss, group, w->err);
}

static int walk_all(stk_walk *w, go_goroutines *gs, hs_err *err)
{
    go_heapgraph *out = w->b->out;
    out->group_goid = calloc(gs->n + 1, sizeof *out->group_goid);
    if (!out->group_goid)
        return hs_errf(err, "out of memory");
    for (size_t i = 0; i < gs->n; i++) {
        if (i % 1024 == 0 && hs_interrupted(w->b->rt->t))
            return hs_errf(err, "interrupted");
        out->group_goid[i + 1] = gs->v[i].goid;
        out->ngroups = i + 2;
        out->st.goroutines++;
        if (one_goroutine(w, &gs->v[i], (uint32_t)(i + 1)) < 0)
            return -1;
    }
    return 0;
}

static void setup(stk_walk *w)
{
    go_rt *rt = w->b->rt;
    w->d_heap = off_or(rt, "runtime._defer", "heap");
    w->d_fn = off_or(rt, "runtime._defer", "fn");
    w->d_link = off_or(rt, "runtime._defer", "link");
    hs_strtab *names = hs_graph_names(w->b->g);
    w->state_name = hs_strtab_intern(names, "(goroutine context, defers, panics)");
    w->regs_name = hs_strtab_intern(names, "(registers)");
}

int hg_roots_stacks(hg_build *b, hs_err *err)
{
    go_goroutines gs;
    if (go_goroutines_list(b->rt, &gs, err) < 0)
        return hs_errctx(err, "reading goroutines for their stacks");
    stk_walk w = {0};
    w.b = b;
    w.ss.b = b;
    w.err = err;
    w.u = go_unwinder_new(b->rt);
    setup(&w);
    int r = w.u ? walk_all(&w, &gs, err) : hs_errf(err, "out of memory");
    if (r == 0 && (w.d_fn < 0 || w.d_link < 0 || w.d_heap < 0))
        hg_warn(b, "the layout of runtime._defer is unknown for go1.%d without DWARF: defer "
                "records are not roots", b->rt->ver.minor);
    if (r == 0 && w.bad_maps)
        hg_warn(b, "%llu stack maps were missing or did not fit their frame; those frames were "
                "scanned conservatively", (unsigned long long)w.bad_maps);
    if (r == 0 && w.unknown_args)
        hg_warn(b, "%llu frames of reflect's call stubs: their arguments (of a size only known at "
                "run time) were not scanned", (unsigned long long)w.unknown_args);
    fninfo *e, *tmp;
    HASH_ITER(hh, w.fns, e, tmp) {
        HASH_DEL(w.fns, e);
        free(e);
    }
    ss_free(&w.ss);
    go_unwinder_free(w.u);
    go_goroutines_free(&gs);
    return r;
}
