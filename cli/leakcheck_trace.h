/* leakcheck_trace.h - running a program under ptrace as a plain tracer for `heapscope
 * leakcheck`: no breakpoints, nothing written, every signal passed on, stdin/stdout/stderr
 * inherited; every thread is traced (PTRACE_O_TRACECLONE; children the program forks are not)
 * so that each one stops at its exit event (PTRACE_O_TRACEEXIT) with its registers and the
 * process's memory intact. PTRACE_O_EXITKILL: if heapscope is killed outright, the program it
 * started dies with it, as a test binary does when go test kills it. */
#ifndef HS_LEAKCHECK_TRACE_H
#define HS_LEAKCHECK_TRACE_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <heapscope/heapscope.h>

typedef struct lc_thread {
    int tid;
    int at_exit; /* held in its exit stop, regs valid */
    int leaving; /* left alone: it ends by itself (SYS_exit) while the process runs on */
    uint64_t regs[HS_HOST_NREGS];
} lc_thread;

typedef struct lc_trace {
    int pid;
    lc_thread *th;
    size_t n;
    int exiting;     /* the process has begun to exit (exit_group or a fatal signal) */
    int exit_status; /* its wait status then, as the kernel gives it at the exit stop */
    int resumed;     /* the threads were let go to finish exiting */
    int reaped;      /* the program is gone; status is its wait status */
    int status;
    int64_t exit_began_ms;
    sigset_t forward; /* signals heapscope passes on to the program (blocked while tracing) */
    sigset_t oldmask;
} lc_trace;

/* Starts argv[0] (searched in PATH) under the tracer, blocking the signals it forwards. Returns
 * 0, or -1 with a one-line message in err (then nothing is left running). */
int lc_spawn(lc_trace *t, char *const argv[], char *err, size_t errlen);

/* Runs the program on, passing signals through and forwarding the ones heapscope receives from
 * other processes (SIGINT, SIGTERM, SIGQUIT, SIGHUP), until every thread is held in its exit
 * stop (returns 1: read it now) or the program is gone (returns 0: t->status). After lc_resume,
 * runs it to its end (0). -1 only when out of memory. */
int lc_run(lc_trace *t);

/* Lets the held threads finish exiting. */
void lc_resume(lc_trace *t);

/* The held threads as the public API wants them, in a new array (free it); NULL when out of
 * memory. */
hs_host_thread *lc_threads(const lc_trace *t, size_t *n);

void lc_trace_free(lc_trace *t);

#endif
