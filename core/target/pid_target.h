/* pid_target.h - a live process on this machine, stopped with ptrace (every thread) until the
 * target is closed or released, read through process_vm_readv or /proc/PID/mem, and let go
 * exactly as it was. If heapscope dies instead, the kernel detaches and the process continues. */
#ifndef HS_PID_TARGET_H
#define HS_PID_TARGET_H

#include "target.h"

/* Stops every thread of pid. Errors are one line saying what to do: no such process, not
 * permitted (user, yama ptrace_scope), already traced by a debugger (its pid). */
int hs_pid_target_attach(hs_target **out, int pid, hs_err *err);

/* The same, polling interrupted(ctx) while waiting for threads to stop (nonzero: give up and
 * detach); the callback also becomes t->interrupted. */
int hs_pid_target_attach_ex(hs_target **out, int pid, int (*interrupted)(void *ctx), void *ctx,
                            hs_err *err);

/* --snapshot fork: forks the stopped process (pid_fork.h; refused under a seccomp filter or a
 * tight memory cgroup) and lets it go at once; every later read reads the fork, as of the
 * moment it was made (t->as_of_ns). Threads and registers stay those of the process. The fork
 * is killed and reaped once its memory is copied (hs_pid_target_release) or at close. */
int hs_pid_target_fork(hs_target *t, hs_err *err);
int hs_pid_target_forked(const hs_target *t);

/* What releasing a stopped process took. */
typedef struct hs_pid_release {
    uint64_t need, budget; /* bytes its memory takes to copy; the most heapscope would copy */
    uint64_t copied;       /* bytes copied (0 when kept stopped) */
    double stopped;        /* seconds the process was stopped, when released */
    char why[256];         /* why it stays stopped */
} hs_pid_release;

/* Copies the stopped process's memory (pid_copy.h) and lets it go: every later read of t reads
 * the copy, as of the moment it was stopped. Returns 0 when released, 1 when its memory needs
 * more than budget bytes or is too sparse to scan (info->why; the process stays stopped and is
 * read in place), -1 on failure (it stays stopped too). */
int hs_pid_target_release(hs_target *t, uint64_t budget, hs_pid_release *info, hs_err *err);

/* Lets the process run for a moment and stops it again (threads and registers read anew, the
 * read cache emptied); a forked one is stopped and forked anew. Fails when it exits meanwhile;
 * the target is then unusable. */
int hs_pid_target_restop(hs_target *t, hs_err *err);

/* Seconds the process has been stopped: its longest stop so far, or in all once released
 * (*released = 1). */
double hs_pid_target_stopped(const hs_target *t, int *released);

#endif
