/* pid_target.h - a live process on this machine, stopped with ptrace for as long as the target
 * is open (every thread), read through process_vm_readv or /proc/PID/mem, and let go exactly as
 * it was on close. If heapscope dies instead, the kernel detaches and the process continues. */
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

#endif
