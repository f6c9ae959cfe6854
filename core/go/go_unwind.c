/* go_unwind.c - pcsp-based stack unwinding for amd64 and arm64 (see go_unwind.h), as
 * runtime/traceback.go's unwinder does. Per-PC facts (function entry, SP delta, flags) are
 * cached: goroutines parked at the same place share them. */
#include "go_unwind.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

enum { FUNCFLAG_TOPFRAME = 1, FUNCFLAG_SPWRITE = 2 };
enum { KIND_NORMAL, KIND_GOEXIT, KIND_INJECTED, KIND_SIGTRAMP };

/* The kernel's x86-64 signal frame (struct rt_sigframe) that runtime.sigtramp returns into:
 * pretcode, then struct ucontext (uc_flags, uc_link, uc_stack: 40 bytes) whose uc_mcontext is
 * struct sigcontext (r8..r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp, rip, ...). It starts 8
 * below the SP runtime.sigtramp was entered with. */
enum { SIGFRAME_SIGCONTEXT = 8 + 40, SIGCONTEXT_RSP = 15 * 8, SIGCONTEXT_RIP = 16 * 8 };
/* arm64's (arch/arm64/kernel/signal.c) starts at that SP: siginfo (128 bytes), then struct
 * ucontext, whose uc_mcontext (16-aligned, at 176) is struct sigcontext: fault_address,
 * regs[31], sp, pc. */
enum { A64_SIGCONTEXT = 128 + 176, A64_SC_LR = 8 + 30 * 8, A64_SC_SP = 8 + 31 * 8, A64_SC_PC = 8 + 32 * 8 };

typedef struct pcinfo {
    UT_hash_handle hh;
    uint64_t pc; /* link-time */
    uint64_t entry;
    int32_t spdelta;
    uint8_t found, flag, kind, spvalid;
    uint8_t pushed; /* a call the runtime injects, whatever the release prints (arm64: it pushed
                       the interrupted frame's LR) */
} pcinfo;

struct go_unwinder {
    go_rt *rt;
    pcinfo *cache;
    size_t ncache;
    int lr_arch; /* arm64: return addresses in the link register, saved at the frame's bottom */
};

go_unwinder *go_unwinder_new(go_rt *rt)
{
    go_unwinder *u = calloc(1, sizeof *u);
    if (u) {
        u->rt = rt;
        u->lr_arch = hs_image_arch(rt->exe) == HS_ARCH_ARM64;
    }
    return u;
}

void go_unwinder_free(go_unwinder *u)
{
    if (!u)
        return;
    pcinfo *e, *tmp;
    HASH_ITER(hh, u->cache, e, tmp) {
        HASH_DEL(u->cache, e);
        free(e);
    }
    free(u);
}

/* Calls the runtime injects into a goroutine (arm64: pushing the interrupted frame's LR). */
static int pushed(const char *name)
{
    return strcmp(name, "runtime.sigpanic") == 0 || strcmp(name, "runtime.asyncPreempt") == 0 ||
           strcmp(name, "runtime.debugCallV2") == 0;
}

/* Those whose return address is the interrupted PC itself, not a call's, as the runtime prints
 * it: before 1.21 only sigpanic's caller. */
static int injected(const go_rt *rt, const char *name)
{
    return pushed(name) && (rt->ver.minor >= 21 || strcmp(name, "runtime.sigpanic") == 0);
}

static void fill_info(const go_rt *rt, const go_pcln *p, pcinfo *e)
{
    go_func f;
    if (go_pcln_find(p, e->pc, &f) < 0)
        return;
    e->found = 1;
    e->entry = f.entry;
    e->flag = go_pcln_flag(p, &f);
    const char *name = go_pcln_name(p, &f);
    if (name && strcmp(name, "runtime.goexit") == 0)
        e->kind = KIND_GOEXIT;
    else if (name && injected(rt, name))
        e->kind = KIND_INJECTED;
    else if (name && strcmp(name, "runtime.sigtramp") == 0)
        e->kind = KIND_SIGTRAMP;
    e->pushed = name && pushed(name);
    e->spvalid = go_pcln_spdelta(p, &f, e->pc, &e->spdelta) == 0;
}

static const pcinfo *lookup(go_unwinder *u, uint64_t pc)
{
    pcinfo *e = NULL;
    HASH_FIND(hh, u->cache, &pc, sizeof pc, e);
    if (e)
        return e;
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->pc = pc;
    fill_info(u->rt, u->rt->pcln, e);
    HASH_ADD(hh, u->cache, pc, sizeof e->pc, e);
    u->ncache++;
    return e;
}

/* The frame above e's at sp: sets *fp to the caller's SP and *ret to the return address.
 * amd64: CALL pushed it just above the frame. arm64: the prologue saves the link register at
 * the bottom of the frame; a frame not yet set up (SP delta 0) still has it in lr, which only
 * the innermost frame knows (traceback.go: innermost && sp < fp || lr == 0 reads it from sp). */
static int caller(go_unwinder *u, const go_unwind_start *st, const pcinfo *e, uint64_t sp,
                  uint64_t lr, uint64_t *fp, uint64_t *ret)
{
    if (!u->lr_arch) {
        *fp = sp + (uint64_t)(int64_t)e->spdelta + 8;
        return sp < st->lo || *fp > st->hi || *fp <= sp || hs_read_u64(u->rt->t, *fp - 8, ret, NULL) < 0
                   ? -1
                   : 0;
    }
    *fp = sp + (uint64_t)(int64_t)e->spdelta;
    if (sp < st->lo || *fp > st->hi || *fp < sp)
        return -1;
    if (*fp == sp && lr) {
        *ret = lr;
        return 0;
    }
    return hs_read_u64(u->rt->t, sp, ret, NULL) < 0 ? -1 : 0;
}

/* arm64: after a call the runtime injected (sigpanic, asyncPreempt), the interrupted frame lies
 * 16 bytes higher (the injection pushed its LR), and when that frame was not yet set up its
 * return address is the LR the injection saved (traceback.go, usesLR && injectedCall). */
static uint64_t after_injected(go_unwinder *u, uint64_t *sp, uint64_t pc)
{
    uint64_t saved = 0;
    if (hs_read_u64(u->rt->t, *sp, &saved, NULL) < 0)
        return 0;
    *sp += 16;
    const pcinfo *e = lookup(u, go_rt_linkpc(u->rt, pc));
    return e && e->found && e->spvalid && e->spdelta == 0 ? saved : 0;
}

/* The registers a signal frame saved: its sigcontext's PC, SP and (arm64) LR. fp: the SP
 * runtime.sigtramp was entered with. */
static int sigframe_regs(go_unwinder *u, uint64_t fp, uint64_t *pc, uint64_t *sp, uint64_t *lr)
{
    hs_target *t = u->rt->t;
    *lr = 0;
    if (!u->lr_arch) { /* fp - 8 holds the frame's pretcode (sigreturn) */
        uint64_t sc = fp - 8 + SIGFRAME_SIGCONTEXT;
        return hs_read_u64(t, sc + SIGCONTEXT_RSP, sp, NULL) < 0 ||
               hs_read_u64(t, sc + SIGCONTEXT_RIP, pc, NULL) < 0 ? -1 : 0;
    }
    uint64_t sc = fp + A64_SIGCONTEXT;
    return hs_read_u64(t, sc + A64_SC_SP, sp, NULL) < 0 || hs_read_u64(t, sc + A64_SC_PC, pc, NULL) < 0 ||
           hs_read_u64(t, sc + A64_SC_LR, lr, NULL) < 0 ? -1 : 0;
}

int go_unwind_signal_regs(go_unwinder *u, const go_unwind_start *st, uint64_t *pc, uint64_t *sp,
                          uint64_t *lr)
{
    uint64_t p = st->pc, s = st->sp, l = st->lr, fp, ret;
    for (uint32_t n = 0; n < GO_MAX_FRAMES; n++) {
        const pcinfo *e = lookup(u, go_rt_linkpc(u->rt, p));
        if (!e || !e->found || !e->spvalid || caller(u, st, e, s, l, &fp, &ret) < 0)
            return -1;
        l = 0;
        if (e->kind == KIND_SIGTRAMP) {
            uint64_t ip, isp, ilr;
            if (sigframe_regs(u, fp, &ip, &isp, &ilr) < 0)
                return -1;
            if (isp < st->lo || isp >= st->hi) { /* off the signal stack: the interrupted code */
                *pc = ip;
                *sp = isp;
                *lr = ilr;
                return 0;
            }
            if (isp <= s)
                return -1;
            p = ip; /* a signal that interrupted the handler of another (a crash's SIGABRT) */
            s = isp;
            l = ilr;
            continue;
        }
        if ((e->flag & FUNCFLAG_TOPFRAME) || e->kind == KIND_GOEXIT || ret == 0)
            return -1;
        p = ret;
        s = fp;
    }
    return -1;
}

uint32_t go_unwind_each(go_unwinder *u, const go_unwind_start *st, uint32_t max, go_uframe_fn fn,
                        void *ctx, int *truncated)
{
    uint64_t pc = st->pc, sp = st->sp, lr = st->lr;
    int is_call = !st->exact, callee_injected = 0;
    uint32_t n = 0;
    *truncated = 0;
    while (n < max) {
        uint64_t lpc = go_rt_linkpc(u->rt, pc);
        const pcinfo *e = lookup(u, lpc);
        if (!e || !e->found) {
            *truncated = n > 0; /* a return address outside Go code: the walk went astray */
            return n;
        }
        uint64_t fp = 0, ret = 0;
        int up = e->spvalid && caller(u, st, e, sp, lr, &fp, &ret) == 0;
        go_uframe f = {pc, is_call && lpc > e->entry ? lpc - 1 : lpc, sp, up ? fp : 0, e->entry,
                       (uint8_t)!is_call, e->kind == KIND_INJECTED, (uint8_t)callee_injected};
        n++;
        if (fn(ctx, &f))
            return n;
        if ((e->flag & FUNCFLAG_TOPFRAME) || e->kind == KIND_GOEXIT)
            return n;
        if (!e->spvalid || ((e->flag & FUNCFLAG_SPWRITE) && n > 1) || !up) {
            *truncated = 1;
            return n;
        }
        if (ret == 0)
            return n;
        is_call = e->kind != KIND_INJECTED;
        callee_injected = e->kind == KIND_INJECTED;
        pc = ret;
        sp = fp;
        lr = u->lr_arch && e->pushed ? after_injected(u, &sp, pc) : 0;
    }
    *truncated = 1;
    return n;
}

typedef struct pcs_out {
    uint64_t *pcs;
} pcs_out;

static int put_pc(void *ctx, const go_uframe *f)
{
    pcs_out *o = ctx;
    *o->pcs++ = f->lpc;
    return 0;
}

uint32_t go_unwind(go_unwinder *u, const go_unwind_start *st, uint64_t *pcs, uint32_t max,
                   int *truncated)
{
    pcs_out o = {pcs};
    return go_unwind_each(u, st, max, put_pc, &o, truncated);
}
