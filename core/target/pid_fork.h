/* pid_fork.h - a copy-on-write fork of a stopped live process, made by one of its own threads
 * (an injected clone, pid_inject.h), so that the process can be let go at once and the fork
 * read at leisure: the fork shares the process's descriptor table (CLONE_FILES: no socket or
 * file gains a reference), never runs (born stopped under heapscope, killed when heapscope
 * exits, PTRACE_O_EXITKILL), sends no SIGCHLD (exit signal 0) and is reaped by an injected
 * wait4 once killed, so no zombie is left. */
#ifndef HS_PID_FORK_H
#define HS_PID_FORK_H

#include <stdint.h>

#include "../util/err.h"
#include "pid_attach.h"

typedef struct hs_fork {
    int child;      /* its pid here; 0 when there is none */
    int child_ns;   /* its pid as the process sees it (in its pid namespace) */
    int64_t at_ns;  /* CLOCK_MONOTONIC when it was made */
} hs_fork;

/* Refuses (-1, one line saying why and what to do instead) when a fork of pid could harm it: a
 * seccomp filter (the clone could be refused or kill the process), or a memory cgroup whose
 * headroom below its limit is smaller than the process's resident size. */
int hs_fork_allowed(int pid, hs_err *err);

/* Makes the fork; a must hold every thread of the process stopped (hs_attach_all). */
int hs_fork_take(hs_attach *a, hs_fork *f, hs_err *err);

/* Kills the fork and reaps it through a thread of the process: stopped in a when a is given,
 * else stopped here for the moment it takes (*stopped: seconds, when not NULL). Safe when there
 * is no fork. A process that exited meanwhile took its fork's zombie with it: not a failure. */
int hs_fork_end(hs_fork *f, hs_attach *a, int pid, double *stopped, hs_err *err);

#endif
