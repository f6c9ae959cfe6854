/* leakcheck_trace.c - the plain tracer of `heapscope leakcheck` (see leakcheck_trace.h).
 *
 * Signals: SIGCHLD and the forwarded ones are blocked and taken with sigtimedwait, so none is
 * lost between two waits; the program gets the original mask back before exec. A signal from
 * the terminal (si_code SI_KERNEL) reached the program's process group already and is not sent
 * twice; one from another process (kill, go test's timeout) is forwarded. Group-stops of a
 * PTRACE_SEIZEd tracee are left in place with PTRACE_LISTEN, as job control expects. */
#include "leakcheck_trace.h"
#include "target/pid_attach.h"
#include "target/target.h"
#include "util/clock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

_Static_assert(HS_HOST_NREGS == HS_MAX_REGS, "a host thread holds the registers ptrace gives");

enum { EXIT_GATHER_MS = 3000, WAKE_MS = 200 };

static lc_thread *find(lc_trace *t, int tid)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->th[i].tid == tid)
            return &t->th[i];
    return NULL;
}

/* The thread's record, added when new; NULL only when out of memory. */
static lc_thread *thread_of(lc_trace *t, int tid)
{
    lc_thread *th = find(t, tid);
    if (th)
        return th;
    lc_thread *v = realloc(t->th, (t->n + 1) * sizeof *v); /* tens of threads: grown one by one */
    if (!v)
        return NULL;
    t->th = v;
    th = &t->th[t->n++];
    memset(th, 0, sizeof *th);
    th->tid = tid;
    return th;
}

static void forget(lc_trace *t, int tid)
{
    lc_thread *th = find(t, tid);
    if (th)
        *th = t->th[--t->n];
}

static void cont(int tid, int sig) { ptrace(PTRACE_CONT, tid, 0, (void *)(long)sig); }

/* An exit stop: the process exiting holds the thread (its registers kept); a thread leaving
 * alone by SYS_exit, or any thread once resumed, goes on. */
static void exit_stop(lc_trace *t, int tid)
{
    lc_thread *th = thread_of(t, tid);
    unsigned long msg = 0;
    uint64_t regs[HS_MAX_REGS] = {0};
    int have_regs = hs_ptrace_regs(tid, regs) == 0;
    ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
    if (!th || t->resumed || (!t->exiting && have_regs && hs_ptrace_syscall_nr(regs) == SYS_exit)) {
        if (th)
            th->leaving = 1;
        cont(tid, 0);
        return;
    }
    if (!t->exiting) {
        t->exiting = 1;
        t->exit_status = (int)msg;
        t->exit_began_ms = hs_mono_ms();
    }
    th->at_exit = 1;
    if (have_regs)
        memcpy(th->regs, regs, sizeof th->regs);
}

static void stopped(lc_trace *t, int tid, int st)
{
    int sig = WSTOPSIG(st), ev = (unsigned)st >> 16;
    unsigned long msg = 0;
    if (ev == PTRACE_EVENT_CLONE) {
        ptrace(PTRACE_GETEVENTMSG, tid, 0, &msg);
        thread_of(t, (int)msg);
        cont(tid, 0);
    } else if (ev == PTRACE_EVENT_EXIT) {
        exit_stop(t, tid);
    } else if (ev == PTRACE_EVENT_STOP) { /* group-stop, or a new thread's first stop */
        if (sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU)
            ptrace(PTRACE_LISTEN, tid, 0, 0);
        else
            cont(tid, 0);
    } else if (ev) { /* exec, and anything else: nothing to do */
        cont(tid, 0);
    } else { /* signal-delivery-stop: the signal goes on to the program */
        cont(tid, sig);
    }
}

static void handle(lc_trace *t, int tid, int st)
{
    if (WIFSTOPPED(st)) {
        if (thread_of(t, tid))
            stopped(t, tid, st);
        else
            cont(tid, WSTOPSIG(st) == SIGTRAP ? 0 : WSTOPSIG(st));
        return;
    }
    forget(t, tid);
    if (tid == t->pid) {
        t->reaped = 1;
        t->status = st;
    }
}

/* 1 when every thread the process still has is held in its exit stop (or long enough has passed
 * since the exit began that the missing ones are not coming). */
static int all_at_exit(const lc_trace *t)
{
    if (!t->exiting || t->resumed)
        return 0;
    for (size_t i = 0; i < t->n; i++)
        if (!t->th[i].at_exit && !t->th[i].leaving)
            return hs_mono_ms() - t->exit_began_ms > EXIT_GATHER_MS;
    return 1;
}

/* Waits for the next SIGCHLD; forwards a signal from another process to the program. */
static void wait_signal(lc_trace *t)
{
    sigset_t set = t->forward;
    sigaddset(&set, SIGCHLD);
    siginfo_t si;
    struct timespec ts = {0, WAKE_MS * 1000000L};
    int sig = sigtimedwait(&set, &si, &ts);
    if (sig > 0 && sig != SIGCHLD && si.si_code != SI_KERNEL && si.si_pid != t->pid)
        kill(t->pid, sig);
}

int lc_run(lc_trace *t)
{
    if (!t->n && !t->reaped && !thread_of(t, t->pid))
        return -1;
    for (;;) {
        int st, tid;
        while ((tid = waitpid(-1, &st, __WALL | WNOHANG)) > 0) {
            handle(t, tid, st);
            if (t->reaped)
                return 0;
            if (all_at_exit(t))
                return 1;
        }
        if (tid < 0 && errno == ECHILD) { /* cannot happen while our child lives */
            t->reaped = 1;
            t->status = 127 << 8;
            return 0;
        }
        if (all_at_exit(t))
            return 1;
        wait_signal(t);
    }
}

void lc_resume(lc_trace *t)
{
    t->resumed = 1;
    for (size_t i = 0; i < t->n; i++)
        if (t->th[i].at_exit)
            cont(t->th[i].tid, 0);
}

hs_host_thread *lc_threads(const lc_trace *t, size_t *n)
{
    hs_host_thread *v = calloc(t->n + 1, sizeof *v);
    *n = 0;
    for (size_t i = 0; v && i < t->n; i++)
        if (t->th[i].at_exit) {
            v[*n].tid = t->th[i].tid;
            memcpy(v[*n].regs, t->th[i].regs, sizeof v[*n].regs);
            ++*n;
        }
    return v;
}

void lc_trace_free(lc_trace *t)
{
    free(t->th);
    t->th = NULL;
    t->n = 0;
}
