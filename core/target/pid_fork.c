/* pid_fork.c - a copy-on-write fork of a stopped live process (see pid_fork.h): the checks that
 * refuse it, the injected clone, and the kill and reap of the fork. */
#include "pid_fork.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../util/clock.h"
#include "pid_inject.h"
#include "pid_proc.h"

enum { CLONE_TRIES = 5, REAP_TRIES = 200 };

/* A number from a small file (a cgroup's memory.max ...); -1 when unreadable or "max". */
static int64_t file_number(const char *dir, const char *name)
{
    char path[4096], buf[64] = "";
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fgets(buf, sizeof buf, f) != NULL;
    fclose(f);
    char *end;
    long long v = ok ? strtoll(buf, &end, 10) : -1;
    return ok && end != buf && v >= 0 && v < (1LL << 62) ? v : -1;
}

/* The smallest headroom (limit - usage) of the memory cgroup of pid and its ancestors, in
 * bytes, and the cgroup that has it; -1 when no limit applies (or none can be read). */
static int64_t cgroup_headroom(int pid, char *where, size_t wlen)
{
    char path[64], line[2048];
    snprintf(path, sizeof path, "/proc/%d/cgroup", pid);
    FILE *f = fopen(path, "re");
    int64_t best = -1;
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *ctl = strchr(line, ':'), *rel = ctl ? strchr(ctl + 1, ':') : NULL;
        if (!rel)
            continue;
        *rel++ = 0;
        int v2 = ctl[1] == 0;
        if (!v2 && !strstr(ctl + 1, "memory"))
            continue;
        char dir[4096];
        snprintf(dir, sizeof dir, "%s%s", v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory", rel);
        for (;;) { /* the cgroup, then each ancestor */
            int64_t max = file_number(dir, v2 ? "memory.max" : "memory.limit_in_bytes");
            int64_t cur = file_number(dir, v2 ? "memory.current" : "memory.usage_in_bytes");
            if (max >= 0 && cur >= 0 && (best < 0 || max - cur < best)) {
                best = max > cur ? max - cur : 0;
                snprintf(where, wlen, "%s", dir);
            }
            char *slash = strrchr(dir, '/');
            if (!slash || strlen(dir) <= strlen(v2 ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory"))
                break;
            *slash = 0;
        }
    }
    if (f)
        fclose(f);
    return best;
}

int hs_fork_allowed(int pid, hs_err *err)
{
    int mode = 0, rss_kib = 0;
    if (hs_proc_status_int(pid, 0, "Seccomp", &mode) == 0 && mode != 0)
        return hs_errf(err, "process %d runs under a seccomp %s (Seccomp: %d in /proc/%d/status), "
                       "which could refuse the clone of --snapshot fork or kill the process for "
                       "it; read it without --snapshot fork", pid, mode == 1 ? "strict mode" :
                       "filter", mode, pid);
    char where[4096] = "";
    int64_t room = cgroup_headroom(pid, where, sizeof where);
    if (room >= 0 && hs_proc_status_int(pid, 0, "VmRSS", &rss_kib) == 0 &&
        room < (int64_t)rss_kib * 1024)
        return hs_errf(err, "the memory cgroup of process %d (%s) has %.0f MiB left below its "
                       "limit and the process resides in %.0f MiB: its fork could push it out of "
                       "memory; read it without --snapshot fork", pid, where,
                       (double)room / (1 << 20), (double)rss_kib / 1024);
    return 0;
}

/* The fork's pid in its own pid namespace: the last field of NSpid in its status. */
static int pid_in_namespace(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    FILE *f = fopen(path, "re");
    int ns = pid;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "NSpid:", 6) != 0)
            continue;
        char *tok = strtok(line + 6, " \t\n");
        for (; tok; tok = strtok(NULL, " \t\n"))
            ns = atoi(tok);
        break;
    }
    if (f)
        fclose(f);
    return ns;
}

/* At the clone event: the fork, born stopped; from now on killed if heapscope exits. */
static void on_clone(void *ctx, int tid, int event)
{
    hs_fork *f = ctx;
    unsigned long msg = 0;
    if ((event != PTRACE_EVENT_CLONE && event != PTRACE_EVENT_FORK) ||
        ptrace(PTRACE_GETEVENTMSG, tid, NULL, &msg) != 0 || msg == 0)
        return;
    int child = (int)msg, st;
    pid_t r;
    while ((r = waitpid(child, &st, __WALL)) < 0 && errno == EINTR)
        ;
    ptrace(PTRACE_SETOPTIONS, child, NULL, (void *)(long)PTRACE_O_EXITKILL);
    f->child = child;
    f->at_ns = hs_mono_ns();
}

int hs_fork_take(hs_attach *a, hs_fork *f, hs_err *err)
{
    memset(f, 0, sizeof *f);
    hs_traced *th = hs_inject_pick(a);
    if (!th)
        return hs_errf(err, "process %d has no stopped thread to fork it with", a->pid);
    hs_inject_call c = {.nr = SYS_clone, .args = {CLONE_FILES}, .options = PTRACE_O_TRACECLONE,
                        .event = on_clone, .ctx = f};
    for (int i = 0; i < CLONE_TRIES; i++) { /* a signal arriving during the clone restarts it */
        if (hs_inject_syscall(a, th, &c, err) < 0) {
            if (f->child)
                hs_fork_end(f, a, a->pid, NULL, &(hs_err){{0}});
            return -1;
        }
        if (f->child || (c.ret != -EINTR && c.ret != -513 /* ERESTARTNOINTR */))
            break;
    }
    if (!f->child)
        return hs_errf(err, "the kernel refused to fork process %d: %s", a->pid,
                       c.ret < 0 ? strerror((int)-c.ret) : "no child was reported");
    f->child_ns = pid_in_namespace(f->child);
    return 0;
}

/* Has a stopped thread of the process collect the killed fork (WNOHANG: it may take the
 * kernel a moment to hand the zombie over). */
static int reap(hs_attach *a, hs_fork *f, hs_err *err)
{
    hs_traced *th = hs_inject_pick(a);
    if (!th)
        return 0; /* every thread gone: the process is exiting, its fork's zombie with it */
    hs_inject_call c = {.nr = SYS_wait4, .args = {(uint64_t)f->child_ns, 0, WNOHANG | __WALL}};
    for (int i = 0; i < REAP_TRIES; i++) {
        if (hs_inject_syscall(a, th, &c, err) < 0)
            return -1;
        if (c.ret != 0 && c.ret != -EINTR)
            return 0; /* reaped, or ECHILD: collected by the process itself */
        usleep(500);
    }
    return hs_errf(err, "the killed fork %d of process %d was not reaped; it stays a zombie "
                   "until the process exits", f->child, a->pid);
}

int hs_fork_end(hs_fork *f, hs_attach *a, int pid, double *stopped, hs_err *err)
{
    if (stopped)
        *stopped = 0;
    if (!f->child)
        return 0;
    kill(f->child, SIGKILL);
    while (waitpid(f->child, NULL, __WALL) < 0 && errno == EINTR)
        ;
    hs_attach own = {.pid = pid};
    int rc = 0;
    int64_t start = hs_mono_ns();
    if (!a) {
        if (hs_attach_all(&own, err) < 0)
            rc = hs_proc_alive(pid) ? -1 : 0;
        else
            a = &own;
    }
    if (a)
        rc = reap(a, f, err);
    if (a == &own) {
        hs_detach_all(&own);
        if (stopped)
            *stopped = (double)(hs_mono_ns() - start) / 1e9;
    }
    f->child = 0;
    return rc;
}
