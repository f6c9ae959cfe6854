/* pid_inject.h - making a stopped, seized thread of a live process run one system call for
 * heapscope (a clone, a wait4) and putting it back exactly where it was: its registers restored
 * with the restart of an interrupted system call of its own already applied, and every signal
 * that reached it meanwhile kept for delivery when it is let go. amd64 only. */
#ifndef HS_PID_INJECT_H
#define HS_PID_INJECT_H

#include <stdint.h>

#include "../util/err.h"
#include "pid_attach.h"

/* Called at every ptrace event stop (PTRACE_EVENT_CLONE ...) of the thread during the call. */
typedef void (*hs_inject_event_fn)(void *ctx, int tid, int event);

typedef struct hs_inject_call {
    long nr;                 /* system call number */
    uint64_t args[6];        /* rdi, rsi, rdx, r10, r8, r9 */
    unsigned options;        /* extra PTRACE_O_* for the time of the call (TRACECLONE ...) */
    hs_inject_event_fn event; /* may be NULL */
    void *ctx;
    int64_t ret;             /* what the call returned (rax): a value or -errno */
} hs_inject_call;

/* Runs c on thread th of a (stopped in a ptrace stop we know of, th->stopped), then restores it
 * and leaves it stopped. A signal caught meanwhile becomes th->sig (delivered at detach) or is
 * queued again with tgkill when th->sig already holds one. Fails when the thread or process
 * dies, or no system call instruction is found to run. */
int hs_inject_syscall(hs_attach *a, hs_traced *th, hs_inject_call *c, hs_err *err);

/* The thread of a to run an injected call on: stopped, alive, preferably with no signal of its
 * own in flight; NULL when none is. */
hs_traced *hs_inject_pick(hs_attach *a);

/* Registers as the thread will resume with them: when it was stopped inside a system call that
 * the kernel would restart (rax = -ERESTART*), the restart already applied (rip back on the
 * syscall instruction, rax the call again), and orig_rax -1 so that it is not applied twice.
 * regs in user_regs_struct order (target.h enum hs_reg). */
void hs_inject_restart_fixup(uint64_t *regs);

#endif
