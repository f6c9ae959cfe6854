/* pid_inject.c - one system call run by a stopped thread of a live process (see pid_inject.h).
 *
 * The thread is pointed at a `syscall` instruction already in the process (the one it stopped
 * in, else one in the vDSO or another executable mapping: nothing is ever written to its code),
 * with orig_rax -1 so that the kernel does not restart a call of its own on the way out of the
 * stop, and run with PTRACE_SYSCALL from the syscall-entry stop to the syscall-exit stop. There
 * its registers are put back, with the restart of the call it had been interrupted in already
 * applied (once back in user mode with no signal pending, the kernel would not apply it). */
#include "pid_inject.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pid_proc.h"
#include "target.h"

enum {
    ERESTARTSYS = 512, ERESTARTNOINTR = 513, ERESTARTNOHAND = 514, ERESTART_RESTARTBLOCK = 516,
    NR_RESTART_SYSCALL = 219, MAX_STOPS = 10000, SCAN_CHUNK = 1 << 16,
};

void hs_inject_restart_fixup(uint64_t *regs)
{
    int64_t rax = (int64_t)regs[HS_RAX];
    if ((int64_t)regs[HS_ORIG_RAX] >= 0) {
        if (rax == -ERESTARTSYS || rax == -ERESTARTNOINTR || rax == -ERESTARTNOHAND) {
            regs[HS_RAX] = regs[HS_ORIG_RAX];
            regs[HS_RIP] -= 2;
        } else if (rax == -ERESTART_RESTARTBLOCK) {
            regs[HS_RAX] = NR_RESTART_SYSCALL;
            regs[HS_RIP] -= 2;
        }
    }
    regs[HS_ORIG_RAX] = (uint64_t)-1;
}

hs_traced *hs_inject_pick(hs_attach *a)
{
    hs_traced *any = NULL;
    for (size_t i = 0; i < a->n; i++) {
        hs_traced *th = &a->th[i];
        if (!th->stopped || th->gone)
            continue;
        if (th->sig == 0)
            return th;
        if (!any)
            any = th;
    }
    return any;
}

#if defined(__x86_64__)

/* The first `syscall` (0f 05) in [start, end) of the process, 0 when none reads. */
static uint64_t scan_range(hs_proc_mem *m, uint64_t start, uint64_t end)
{
    static const uint8_t insn[2] = {0x0f, 0x05};
    uint8_t *buf = malloc(SCAN_CHUNK + 1);
    uint64_t found = 0;
    for (uint64_t at = start; buf && at < end && !found; at += SCAN_CHUNK) {
        size_t len = end - at < SCAN_CHUNK ? (size_t)(end - at) : SCAN_CHUNK;
        if (hs_proc_mem_read(m, at, buf, len + (at + len < end)) < 0)
            break;
        const uint8_t *p = memmem(buf, len + (at + len < end), insn, 2);
        if (p)
            found = at + (uint64_t)(p - buf);
    }
    free(buf);
    return found;
}

/* A syscall instruction of the process: in the vDSO, else in any executable mapping. */
static uint64_t find_site(int pid, hs_proc_mem *m)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", pid);
    uint64_t found = 0;
    for (int pass = 0; pass < 2 && !found; pass++) {
        FILE *f = fopen(path, "re");
        while (f && !found && fgets(line, sizeof line, f)) {
            unsigned long long s, e;
            char perms[8];
            if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3 || perms[2] != 'x')
                continue;
            if ((pass == 0) == (strstr(line, "[vdso]") != NULL))
                found = scan_range(m, s, e);
        }
        if (f)
            fclose(f);
    }
    return found;
}

static uint64_t site_for(hs_attach *a, const uint64_t *regs)
{
    uint8_t at[2];
    hs_proc_mem m = {.fd = -1};
    hs_err ignored = {{0}};
    if (hs_proc_mem_open(&m, a->pid, hs_proc_io_tid(a->pid), 1, &ignored) < 0)
        return 0;
    uint64_t site = 0;
    if ((int64_t)regs[HS_ORIG_RAX] >= 0 && hs_proc_mem_read(&m, regs[HS_RIP] - 2, at, 2) == 0 &&
        at[0] == 0x0f && at[1] == 0x05)
        site = regs[HS_RIP] - 2;
    if (!site)
        site = find_site(a->pid, &m);
    hs_proc_mem_close(&m);
    return site;
}

/* Signals that reached the thread during the call, besides th->sig: queued again once it is
 * stopped for good (queued while it runs, each would stop it again at once). */
typedef struct kept {
    int sig[64];
    int n;
} kept;

static void keep_signal(hs_traced *th, kept *k, int sig)
{
    if (th->sig == 0) { /* each stop is one dequeued signal: a second SIGRTMIN is a second one */
        th->sig = sig;
        return;
    }
    for (int i = 0; i < k->n && sig < SIGRTMIN; i++)
        if (k->sig[i] == sig)
            return; /* a standard signal pending twice is one signal */
    if (k->n < (int)(sizeof k->sig / sizeof k->sig[0]))
        k->sig[k->n++] = sig;
}

static void requeue(const hs_attach *a, const hs_traced *th, const kept *k)
{
    for (int i = 0; i < k->n; i++)
        syscall(SYS_tgkill, a->pid, th->tid, k->sig[i]);
}

static int died(const hs_attach *a, const hs_traced *th, hs_err *err)
{
    return hs_errf(err, "process %d exited while heapscope had thread %d run a system call",
                   a->pid, th->tid);
}

/* Runs the thread from one stop to its next syscall stop (entry or exit), keeping signals. */
static int to_syscall_stop(hs_attach *a, hs_traced *th, hs_inject_call *c, kept *k, hs_err *err)
{
    for (int n = 0; n < MAX_STOPS; n++) {
        if (ptrace(PTRACE_SYSCALL, th->tid, NULL, NULL) != 0)
            return died(a, th, err);
        int st;
        pid_t r;
        while ((r = waitpid(th->tid, &st, __WALL)) < 0 && errno == EINTR)
            ;
        if (r < 0 || !WIFSTOPPED(st))
            return died(a, th, err);
        int sig = WSTOPSIG(st), event = (st >> 16) & 0xff;
        if (sig == (SIGTRAP | 0x80))
            return 0;
        if (event != 0) {
            if (c->event)
                c->event(c->ctx, th->tid, event);
        } else {
            keep_signal(th, k, sig); /* a stop signal too: obeyed once let go */
        }
    }
    return hs_errf(err, "thread %d of process %d never reached its system call", th->tid, a->pid);
}

int hs_inject_syscall(hs_attach *a, hs_traced *th, hs_inject_call *c, hs_err *err)
{
    struct user_regs_struct saved, r;
    if (ptrace(PTRACE_GETREGS, th->tid, NULL, &saved) != 0)
        return hs_errf(err, "cannot read registers of thread %d of process %d: %s", th->tid,
                       a->pid, strerror(errno));
    uint64_t back[HS_NREGS];
    memcpy(back, &saved, sizeof back);
    hs_inject_restart_fixup(back);
    uint64_t site = site_for(a, back);
    if (!site)
        return hs_errf(err, "found no system call instruction in process %d to run one with",
                       a->pid);
    r = saved;
    r.rip = site;
    r.rax = (uint64_t)c->nr;
    r.orig_rax = (uint64_t)-1;
    r.rdi = c->args[0], r.rsi = c->args[1], r.rdx = c->args[2];
    r.r10 = c->args[3], r.r8 = c->args[4], r.r9 = c->args[5];
    int st;
    waitpid(th->tid, &st, WNOHANG | __WALL); /* the stop it is in, seen so far with WNOWAIT */
    if (ptrace(PTRACE_SETOPTIONS, th->tid, NULL, (void *)(long)(PTRACE_O_TRACESYSGOOD | c->options)) != 0 ||
        ptrace(PTRACE_SETREGS, th->tid, NULL, &r) != 0)
        return hs_errf(err, "cannot prepare thread %d of process %d: %s", th->tid, a->pid,
                       strerror(errno));
    kept k = {.n = 0};
    int rc = to_syscall_stop(a, th, c, &k, err); /* entry */
    if (rc == 0)
        rc = to_syscall_stop(a, th, c, &k, err); /* exit */
    if (rc == 0 && ptrace(PTRACE_GETREGS, th->tid, NULL, &r) == 0)
        c->ret = (int64_t)r.rax;
    memcpy(&saved, back, sizeof saved);
    ptrace(PTRACE_SETOPTIONS, th->tid, NULL, NULL);
    if (ptrace(PTRACE_SETREGS, th->tid, NULL, &saved) != 0 && rc == 0)
        return died(a, th, err);
    requeue(a, th, &k);
    return rc;
}

#else /* other hosts: no injected calls yet */

int hs_inject_syscall(hs_attach *a, hs_traced *th, hs_inject_call *c, hs_err *err)
{
    (void)th;
    (void)c;
    return hs_errf(err, "--snapshot fork has process %d run a system call, which heapscope does "
                   "on amd64 hosts only; use --snapshot copy", a->pid);
}

#endif
