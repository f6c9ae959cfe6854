/* pid_attach.c - stopping and releasing every thread of a live process (see pid_attach.h).
 *
 * PTRACE_SEIZE, unlike PTRACE_ATTACH, sends no SIGSTOP, so there is nothing to swallow later;
 * PTRACE_INTERRUPT stops a thread wherever it is (a thread sleeping in a system call has the
 * call restarted transparently when it is let go). If heapscope dies without detaching, the
 * kernel detaches every tracee itself (exit_ptrace) and the process simply continues. Stops are
 * collected with waitid(WNOWAIT): the stop stays recorded in the tracee, so a real signal caught
 * in signal-delivery-stop is still delivered even in that case. At detach, only such real
 * signals are handed back; our own interrupt stop is never turned into a signal. No signal
 * handlers are installed: waits poll, and ask a->interrupted whether to give up. */
#include "pid_attach.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/clock.h"
#include "pid_proc.h"

#if defined(__x86_64__)
_Static_assert(sizeof(struct user_regs_struct) == HS_NREGS * 8, "user_regs_struct is 27 u64");
#elif defined(__aarch64__)
#include <elf.h>
#include <sys/uio.h>
_Static_assert(sizeof(struct user_regs_struct) == HS_A64_NREGS * 8, "user_pt_regs is 34 u64");
#endif

enum { MAX_ROUNDS = 1000, DETACH_GRACE_MS = 3000 };

static void sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000};
    nanosleep(&ts, NULL);
}

static int known(const hs_attach *a, int tid)
{
    for (size_t i = 0; i < a->n; i++)
        if (a->th[i].tid == tid)
            return 1;
    return 0;
}

static int already_traced(int pid, int tracer, hs_err *err)
{
    return hs_errf(err, "process %d is already being traced by pid %d (a debugger?); detach it "
                   "first or run heapscope inside that debugger", pid, tracer);
}

/* 1 when a failed PTRACE_SEIZE only means the thread is exiting (the kernel says EPERM for
 * a thread whose exit has begun). */
static int exiting(const hs_attach *a, int tid, int errnum)
{
    char st = hs_proc_task_state(a->pid, tid);
    return errnum == ESRCH || st == 0 || st == 'Z' || st == 'X';
}

static int seize_error(const hs_attach *a, int tid, int errnum, hs_err *err)
{
    int tracer = 0;
    if (hs_proc_status_int(a->pid, tid, "TracerPid", &tracer) == 0 && tracer != 0 &&
        tracer != getpid())
        return already_traced(a->pid, tracer, err);
    if (errnum == EPERM)
        return hs_errf(err, "cannot attach to process %d: %s — run as the same user or as root, "
                       "and check /proc/sys/kernel/yama/ptrace_scope", a->pid, strerror(errnum));
    return hs_errf(err, "cannot attach to thread %d of process %d: %s", tid, a->pid,
                   strerror(errnum));
}

/* Seizes and interrupts the threads not seen before; returns how many, or -1. */
static int seize_new(hs_attach *a, hs_err *err)
{
    int *tids, added = 0;
    size_t n;
    if (hs_proc_tasks(a->pid, &tids, &n, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int tid = tids[i];
        char st = hs_proc_task_state(a->pid, tid);
        if (known(a, tid) || st == 0 || st == 'Z' || st == 'X')
            continue;
        if (a->n == a->cap) { /* grow before seizing: a seized thread must be recorded */
            size_t cap = a->cap ? a->cap * 2 : 16;
            hs_traced *th = realloc(a->th, cap * sizeof *th);
            if (!th) {
                free(tids);
                return hs_errf(err, "out of memory attaching to process %d", a->pid);
            }
            a->th = th;
            a->cap = cap;
        }
        if (ptrace(PTRACE_SEIZE, tid, NULL, NULL) != 0) {
            int e = errno;
            if (exiting(a, tid, e))
                continue;
            free(tids);
            return seize_error(a, tid, e, err);
        }
        a->th[a->n++] = (hs_traced){tid, 0, 0, 0};
        if (a->after_seize)
            a->after_seize(a->hook_ctx, tid);
        ptrace(PTRACE_INTERRUPT, tid, NULL, NULL); /* ESRCH: the wait will see the exit */
        added++;
    }
    free(tids);
    return added;
}

/* Looks (without consuming) for the thread's stop or exit. */
static void poll_one(hs_traced *th)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    if (waitid(P_PID, (id_t)th->tid, &si, WEXITED | WSTOPPED | WNOHANG | WNOWAIT | __WALL) != 0) {
        if (errno == ECHILD)
            th->gone = 1;
        return;
    }
    if (si.si_pid == 0)
        return;
    if (si.si_code == CLD_EXITED || si.si_code == CLD_KILLED || si.si_code == CLD_DUMPED) {
        th->gone = 1;
    } else if (si.si_code == CLD_TRAPPED) {
        int event = (si.si_status >> 8) & 0xff, sig = si.si_status & 0xff;
        th->stopped = 1;
        th->sig = event == 0 ? sig : 0; /* event stops (ours, group-stop) carry no signal */
    }
}

static int wait_all(hs_attach *a, hs_err *err)
{
    int64_t deadline = hs_mono_ms() + (a->wait_ms > 0 ? a->wait_ms : 10000);
    long pause = 20;
    for (;;) {
        hs_traced *late = NULL;
        for (size_t i = 0; i < a->n; i++) {
            hs_traced *th = &a->th[i];
            if (!th->stopped && !th->gone)
                poll_one(th);
            if (!th->stopped && !th->gone && !late)
                late = th;
        }
        if (!late)
            return 0;
        if (a->interrupted && a->interrupted(a->ctx))
            return hs_errf(err, "interrupted while stopping the threads of process %d", a->pid);
        if (hs_mono_ms() > deadline) {
            char st = hs_proc_task_state(a->pid, late->tid);
            return hs_errf(err, "thread %d of process %d did not stop within %d ms (state %c: "
                           "uninterruptible sleep?); try again", late->tid, a->pid,
                           a->wait_ms > 0 ? a->wait_ms : 10000, st ? st : '?');
        }
        sleep_us(pause);
        pause = pause < 10000 ? pause * 2 : 10000;
    }
}

static int precheck(hs_attach *a, hs_err *err)
{
    char path[64];
    if (a->pid <= 0)
        return hs_errf(err, "no process with pid %d", a->pid);
    if (a->pid == getpid())
        return hs_errf(err, "process %d is heapscope itself; attach from another process",
                       a->pid);
    snprintf(path, sizeof path, "/proc/%d", a->pid);
    if (access(path, F_OK) != 0)
        return hs_errf(err, "no process with pid %d", a->pid);
    if (!hs_proc_alive(a->pid))
        return hs_errf(err, "process %d has already exited (zombie); nothing to attach to",
                       a->pid);
    int tracer = 0, ppid = 0;
    if (hs_proc_status_int(a->pid, 0, "TracerPid", &tracer) == 0 && tracer != 0)
        return already_traced(a->pid, tracer, err);
    a->we_are_parent = hs_proc_status_int(a->pid, 0, "PPid", &ppid) == 0 && ppid == getpid();
    return 0;
}

int hs_attach_all(hs_attach *a, hs_err *err)
{
    if (precheck(a, err) < 0)
        return -1;
    int round;
    for (round = 0; round < MAX_ROUNDS; round++) {
        int added = seize_new(a, err);
        if (added < 0 || (added > 0 && wait_all(a, err) < 0))
            goto fail;
        if (added == 0)
            break;
    }
    if (round == MAX_ROUNDS) {
        hs_errf(err, "process %d keeps creating threads; could not stop them all", a->pid);
        goto fail;
    }
    for (size_t i = 0; i < a->n; i++)
        if (a->th[i].stopped && !a->th[i].gone)
            return 0;
    hs_errf(err, "process %d exited while being attached", a->pid);
fail:
    hs_detach_all(a);
    return -1;
}

int hs_ptrace_regs(int tid, uint64_t *regs)
{
    struct user_regs_struct r;
#if defined(__aarch64__) /* no PTRACE_GETREGS: the NT_PRSTATUS register set */
    struct iovec io = {&r, sizeof r};
    if (ptrace(PTRACE_GETREGSET, tid, (void *)(long)NT_PRSTATUS, &io) != 0)
#else
    if (ptrace(PTRACE_GETREGS, tid, NULL, &r) != 0)
#endif
        return -1;
    memcpy(regs, &r, sizeof r);
    return 0;
}

uint64_t hs_ptrace_syscall_nr(const uint64_t *regs)
{
#if defined(__aarch64__)
    return regs[8];
#else
    return regs[HS_ORIG_RAX];
#endif
}

int hs_attach_regs(const hs_attach *a, const hs_traced *th, uint64_t *regs, hs_err *err)
{
    if (hs_ptrace_regs(th->tid, regs) != 0)
        return hs_errf(err, "cannot read registers of thread %d of process %d: %s", th->tid,
                       a->pid, strerror(errno));
    return 0;
}

/* Collects a dead thread so it does not linger as a zombie; never the leader of our own child
 * (its exit status belongs to our caller's waitpid). */
static void reap(const hs_attach *a, const hs_traced *th)
{
    if (th->tid == a->pid && a->we_are_parent)
        return;
    waitpid(th->tid, NULL, WNOHANG | __WALL);
}

/* A thread interrupted but not yet stopped (attach given up, e.g. it sleeps uninterruptibly in
 * vfork) cannot be detached until it reaches the stop: wait for it a while. One that never
 * does stays traced until this process exits, when the kernel releases it. */
static void await_late(hs_attach *a)
{
    int64_t deadline = hs_mono_ms() + DETACH_GRACE_MS;
    for (size_t i = 0; i < a->n; i++) {
        hs_traced *th = &a->th[i];
        while (!th->stopped && !th->gone) {
            poll_one(th);
            if (th->stopped || th->gone || hs_mono_ms() > deadline)
                break;
            sleep_us(2000);
        }
    }
}

void hs_detach_all(hs_attach *a)
{
    await_late(a);
    for (size_t i = 0; i < a->n; i++) {
        hs_traced *th = &a->th[i];
        if (!th->stopped && !th->gone)
            continue;
        if (th->gone) {
            reap(a, th);
            continue;
        }
        if (ptrace(PTRACE_DETACH, th->tid, NULL, (void *)(long)th->sig) != 0 && errno == ESRCH)
            reap(a, th); /* killed while stopped */
    }
    free(a->th);
    a->th = NULL;
    a->n = a->cap = 0;
}
