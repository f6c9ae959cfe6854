/* pid_attach.h - stopping every thread of a live process with ptrace (PTRACE_SEIZE +
 * PTRACE_INTERRUPT) and letting it go again exactly as it was (PTRACE_DETACH, re-delivering
 * only real signals that were caught in flight during the attach). */
#ifndef HS_PID_ATTACH_H
#define HS_PID_ATTACH_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"

typedef struct hs_traced {
    int tid;
    int stopped; /* in a ptrace stop we know of */
    int gone;    /* exited during the attach */
    int sig;     /* signal caught in signal-delivery-stop, re-delivered at detach (0: none) */
} hs_traced;

typedef struct hs_attach {
    int pid;
    hs_traced *th;
    size_t n, cap;
    int we_are_parent; /* the target's parent is this process: never reap its leader */
    int (*interrupted)(void *ctx);
    void *ctx;
    int wait_ms; /* how long to wait for threads to stop (default 10000) */
    /* Tests only: called between PTRACE_SEIZE and PTRACE_INTERRUPT of each thread. */
    void (*after_seize)(void *ctx, int tid);
    void *hook_ctx;
} hs_attach;

/* Stops every thread of a->pid (a->pid, a->interrupted, a->ctx set by the caller); re-scans the
 * thread list until no new thread appears. On failure everything seized is released. */
int hs_attach_all(hs_attach *a, hs_err *err);

/* The registers of a stopped thread into regs, as hs_ptrace_regs reads them. */
int hs_attach_regs(const hs_attach *a, const hs_traced *th, uint64_t *regs, hs_err *err);

/* The general registers of ptrace-stopped thread tid into regs (at least 34 words), in the
 * order of this machine's architecture (target.h: amd64 user_regs_struct, arm64 user_pt_regs);
 * 0, or -1 with errno set. */
int hs_ptrace_regs(int tid, uint64_t *regs);
/* The system call number in such registers (amd64 orig_rax, arm64 x8). */
uint64_t hs_ptrace_syscall_nr(const uint64_t *regs);

/* Releases every thread (safe to call twice, and after a failed hs_attach_all). */
void hs_detach_all(hs_attach *a);

#endif
