/* native_unwind.c - libdwfl over a heapscope target (see native_unwind.h). */
#include "native_unwind.h"

#include <elfutils/libdwfl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "../target/target_files.h"
#include "native_state.h"
#include "native_symbols.h"

static int dwfl_fail(hs_err *err, const char *what)
{
    return hs_errf(err, "%s: %s", what, dwfl_errmsg(-1));
}

/* One module per mapped file, from the start of its mapping at file offset 0 to the end of its
 * last mapping (what dwfl_linux_proc_report does with /proc/PID/maps), for a core (NT_FILE) and a
 * live process alike. libdwfl's own core reporting scans every segment of the core for ELF
 * headers, which touched the whole of a 1,000-thread core. In a shared session the modules of
 * the previous target that are not reported again go. */
static int report_modules(native_unwinder *u, hs_err *err)
{
    char file[PATH_MAX];
    const hs_target *t = u->t;
    dwfl_report_begin(u->dwfl);
    for (size_t i = 0; i < t->nmaps; i++) {
        const hs_mapping *m = &t->maps[i];
        if (m->file_offset != 0 || !m->path || m->path[0] != '/')
            continue;
        uint64_t high = m->end;
        for (size_t j = i + 1; j < t->nmaps && t->maps[j].path && !strcmp(t->maps[j].path, m->path) &&
                               t->maps[j].file_offset != 0; j++)
            high = t->maps[j].end;
        if (!dwfl_report_module(u->dwfl, hs_target_file(t, m->path, file), m->start, high))
            return dwfl_fail(err, "listing the modules");
    }
    if (dwfl_report_end(u->dwfl, NULL, NULL) != 0)
        return dwfl_fail(err, "listing modules");
    return 0;
}

/* The callbacks' argument is the session; a thread's argument is its hs_thread in the target's
 * array. */
static pid_t next_thread(Dwfl *dwfl, void *arg, void **thread_argp)
{
    (void)dwfl;
    native_unwinder *u = ((native_dwfl *)arg)->cur;
    const hs_thread *prev = *thread_argp;
    size_t i = prev ? (size_t)(prev - u->t->threads) + 1 : 0;
    if (i >= u->t->nthreads)
        return 0;
    *thread_argp = &u->t->threads[i];
    return u->t->threads[i].tid;
}

static bool memory_read(Dwfl *dwfl, Dwarf_Addr addr, Dwarf_Word *result, void *arg)
{
    (void)dwfl;
    native_unwinder *u = ((native_dwfl *)arg)->cur;
    hs_err e;
    uint64_t v;
    if (hs_read_u64(u->t, addr, &v, &e) < 0)
        return false;
    *result = v;
    return true;
}

/* DWARF register numbers 0..16 of amd64 (rax rdx rcx rbx rsi rdi rbp rsp r8-r15 rip) from the
 * user_regs_struct order the target keeps. */
static const uint8_t dwarf_from_user[17] = {
    HS_RAX, HS_RDX, HS_RCX, HS_RBX, HS_RSI, HS_RDI, HS_RBP, HS_RSP, HS_R8, HS_R9, HS_R10,
    HS_R11, HS_R12, HS_R13, HS_R14, HS_R15, HS_RIP,
};

static bool set_initial_registers(Dwfl_Thread *thread, void *thread_arg)
{
    const hs_thread *th = thread_arg;
    Dwarf_Word regs[17];
    for (int r = 0; r < 17; r++)
        regs[r] = th->regs[dwarf_from_user[r]];
    return dwfl_thread_state_registers(thread, 0, 17, regs);
}

static const Dwfl_Thread_Callbacks thread_callbacks = {
    .next_thread = next_thread,
    .memory_read = memory_read,
    .set_initial_registers = set_initial_registers,
};

int native_unwinder_open(native_unwinder **out, hs_target *t, native_dwfl *shared, hs_err *err)
{
    *out = NULL;
    if (t->arch != HS_ARCH_AMD64)
        return hs_errf(err, "native threads are read on amd64 only; %s is another architecture",
                       t->description);
    if (shared && shared->cur)
        return hs_errf(err, "the native unwinder's session is in use");
    native_unwinder *u = calloc(1, sizeof *u);
    if (!u || !(u->strs = hs_strtab_new())) {
        free(u);
        return hs_errf(err, "out of memory opening the native unwinder");
    }
    u->t = t;
    u->d = shared;
    if (!shared && native_dwfl_new(&u->d, err) < 0) {
        native_unwinder_close(u);
        return -1;
    }
    u->own_d = !shared;
    u->dwfl = u->d->dwfl;
    u->d->cur = u;
    if (report_modules(u, err) < 0 ||
        (!u->d->attached &&
         !(u->d->attached = dwfl_attach_state(u->dwfl, u->d->arch_elf, t->pid > 0 ? t->pid : 1, &thread_callbacks, u->d)))) {
        if (!err->msg[0])
            dwfl_fail(err, "attaching the unwinder to the threads");
        native_unwinder_close(u);
        return -1;
    }
    *out = u;
    return 0;
}

void native_unwinder_close(native_unwinder *u)
{
    if (!u)
        return;
    pc_entry *e, *tmp;
    HASH_ITER(hh, u->cache, e, tmp) {
        HASH_DEL(u->cache, e);
        free(e);
    }
    end_entry *x, *xtmp;
    HASH_ITER(hh, u->ends, x, xtmp) {
        HASH_DEL(u->ends, x);
        free(x);
    }
    if (u->d && u->d->cur == u)
        u->d->cur = NULL;
    if (u->own_d)
        native_dwfl_free(u->d);
    hs_strtab_free(u->strs);
    free(u);
}

static int push_pc(native_unwinder *u, uint64_t pc, uint64_t sp)
{
    if (u->npcs == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 1024;
        uint64_t *p = realloc(u->pcs, cap * sizeof *p);
        if (p)
            u->pcs = p;
        uint64_t *s = u->want_sps ? realloc(u->sps, cap * sizeof *s) : NULL;
        if (s)
            u->sps = s;
        if (!p || (u->want_sps && !s))
            return -1;
        u->cap = cap;
    }
    if (u->want_sps)
        u->sps[u->npcs] = sp;
    u->pcs[u->npcs++] = pc;
    return 0;
}

/* 1 when the function at pc is where a Go thread's stack ends (native_state.h). */
static int go_stack_end(native_unwinder *u, uint64_t pc)
{
    end_entry *e;
    HASH_FIND(hh, u->ends, &pc, sizeof pc, e);
    if (e)
        return e->end;
    Dwfl_Module *mod = dwfl_addrmodule(u->dwfl, pc);
    int end = mod && native_go_stack_end(dwfl_module_addrname(mod, pc));
    if ((e = calloc(1, sizeof *e))) { /* uncached when out of memory */
        e->pc = pc;
        e->end = end;
        HASH_ADD(hh, u->ends, pc, sizeof e->pc, e);
    }
    return end;
}

/* One frame: its PC; stops on the frame cap, a stack pointer that does not move outwards, or the
 * end of a Go thread's own stack. */
static int on_frame(Dwfl_Frame *state, void *arg)
{
    native_unwinder *u = arg;
    native_stack *st = u->stacks;
    Dwarf_Addr pc;
    bool activation;
    if (!dwfl_frame_pc(state, &pc, &activation))
        return DWARF_CB_ABORT;
    Dwarf_Word sp = st->n == 0 ? u->last_sp : 0; /* the innermost's: the thread's rsp */
    if (st->n > 0 && dwfl_frame_reg(state, 7, &sp) == 0) {
        if (sp <= u->last_sp) {
            st->truncated = 1;
            return DWARF_CB_ABORT;
        }
        u->last_sp = sp;
    }
    if (st->n >= NATIVE_MAX_FRAMES) {
        st->truncated = 1;
        return DWARF_CB_ABORT;
    }
    if (push_pc(u, pc, sp) < 0) {
        u->oom = 1;
        return DWARF_CB_ABORT;
    }
    st->n++;
    return go_stack_end(u, activation ? pc : pc - 1) ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static int on_thread(Dwfl_Thread *thread, void *arg)
{
    native_unwinder *u = arg;
    pid_t tid = dwfl_thread_tid(thread);
    native_stack *st = NULL;
    for (size_t i = 0; i < u->t->nthreads && !st; i++)
        if (u->t->threads[i].tid == tid)
            st = &u->stacks[i];
    if (!st)
        return DWARF_CB_OK;
    native_stack *all = u->stacks;
    st->first = (uint32_t)u->npcs;
    st->n = 0;
    st->truncated = 0;
    u->last_sp = u->t->threads[st - all].regs[HS_RSP];
    u->stacks = st;
    int rc = dwfl_thread_getframes(thread, on_frame, u);
    u->stacks = all;
    /* libdwfl ends a walk without an error when its frame-pointer fallback cannot read the
     * stack either: a last frame whose stack is unreadable (not in the core) ended early */
    uint64_t word;
    hs_err e;
    if (rc < 0 || st->n == 0 || hs_read_u64(u->t, u->last_sp, &word, &e) < 0)
        st->truncated = 1;
    return u->oom ? DWARF_CB_ABORT : DWARF_CB_OK;
}

int native_unwind_sps(native_unwinder *u, native_stack *stacks, uint64_t **pcs, uint64_t **sps,
                      size_t *npcs, hs_err *err)
{
    /* a thread libdwfl does not visit (its notes unreadable to it) has an empty, cut stack */
    memset(stacks, 0, u->t->nthreads * sizeof *stacks);
    for (size_t i = 0; i < u->t->nthreads; i++)
        stacks[i].truncated = 1;
    u->stacks = stacks;
    u->pcs = u->sps = NULL;
    u->want_sps = sps != NULL;
    u->npcs = u->cap = 0;
    u->oom = 0;
    int rc = dwfl_getthreads(u->dwfl, on_thread, u);
    *pcs = u->pcs;
    *npcs = u->npcs;
    if (sps)
        *sps = u->sps;
    u->pcs = u->sps = NULL;
    u->want_sps = 0;
    if (u->oom || (sps && *npcs && !*sps)) {
        free(*pcs);
        if (sps)
            free(*sps), *sps = NULL;
        *pcs = NULL, *npcs = 0;
        return hs_errf(err, "out of memory unwinding %zu threads", u->t->nthreads);
    }
    if (rc < 0 && *npcs == 0)
        return dwfl_fail(err, "unwinding the threads");
    return 0;
}

int native_unwind_all(native_unwinder *u, native_stack *stacks, uint64_t **pcs, size_t *npcs,
                      hs_err *err)
{
    return native_unwind_sps(u, stacks, pcs, NULL, npcs, err);
}
