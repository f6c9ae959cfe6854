/* pid_target.c - the live pid target: attach (pid_attach.c), threads and registers, /proc
 * facts (pid_proc.c), cached memory reads (pid_cache.c over pid_mem.c), detach on close; or,
 * once released, reads of a copy of its memory (pid_copy.c) while the process runs on; or,
 * with --snapshot fork, reads of its fork (pid_fork.c) while it runs on. */
#include "pid_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../util/clock.h"
#include "pid_attach.h"
#include "pid_cache.h"
#include "pid_copy.h"
#include "pid_fork.h"
#include "pid_proc.h"

typedef struct hs_pid_target {
    hs_target base;
    hs_attach at;
    hs_proc_mem mem;
    hs_bcache *cache;
    hs_memcopy *copy;   /* set once released */
    hs_fork fork;       /* --snapshot fork: reads go to fork.child while the process runs */
    int forked;         /* made with hs_pid_target_fork */
    double attached_at; /* CLOCK_MONOTONIC seconds when the current stop began */
    double stopped_for; /* seconds the process was stopped, once released */
    double longest;     /* the longest earlier stop (hs_pid_target_restop), seconds */
} hs_pid_target;

/* A stop of secs seconds is over: the longest one is what the process lived through. */
static void count_stop(hs_pid_target *p, double secs)
{
    if (secs > p->longest)
        p->longest = secs;
    p->stopped_for = p->longest;
}

static int pid_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    hs_pid_target *p = (hs_pid_target *)t;
    uint64_t bad;
    if (p->copy) {
        if (hs_memcopy_read(p->copy, addr, buf, len, &bad) == 0)
            return 0;
        if (p->mem.fd >= 0 && hs_proc_mem_read(&p->mem, addr, buf, len) == 0)
            return 0; /* a shared mapping, left out of the copy: as it is now */
        return hs_errf(err, "cannot read %s at 0x%llx: not in the copy of its memory",
                       t->description, (unsigned long long)bad);
    }
    if (hs_bcache_read(p->cache, addr, buf, len, &bad) == 0)
        return 0;
    return hs_proc_mem_error(&p->mem, bad, err);
}

static const void *pid_view(hs_target *t, uint64_t addr, size_t len)
{
    hs_pid_target *p = (hs_pid_target *)t;
    return p->copy ? hs_memcopy_view(p->copy, addr, len) : NULL;
}

static void pid_close(hs_target *t)
{
    hs_pid_target *p = (hs_pid_target *)t;
    hs_fork_end(&p->fork, p->at.n ? &p->at : NULL, p->at.pid, NULL, &(hs_err){{0}});
    hs_bcache_free(p->cache);
    hs_memcopy_free(p->copy);
    hs_proc_mem_close(&p->mem);
    hs_detach_all(&p->at);
    hs_target_free_common(t);
    free(p);
}

static const hs_target_ops pid_ops = {pid_read, pid_view, pid_close};

static int load_threads(hs_pid_target *p, hs_err *err)
{
    hs_target *t = &p->base;
    t->threads = calloc(p->at.n + 1, sizeof *t->threads);
    if (!t->threads)
        return hs_errf(err, "out of memory");
    for (size_t i = 0; i < p->at.n; i++) {
        const hs_traced *th = &p->at.th[i];
        if (!th->stopped || th->gone)
            continue;
        hs_thread *out = &t->threads[t->nthreads];
        out->tid = th->tid;
        if (hs_attach_regs(&p->at, th, out->regs, err) < 0) {
            if (hs_proc_task_state(p->at.pid, th->tid) == 0)
                continue; /* killed meanwhile */
            return -1;
        }
        t->nthreads++;
    }
    if (t->nthreads == 0)
        return hs_errf(err, "process %d exited while being attached", p->at.pid);
    return 0;
}

static int load_process(hs_pid_target *p, hs_err *err)
{
    hs_target *t = &p->base;
    int pid = p->at.pid;
    if (asprintf(&t->description, "process %d", pid) < 0) {
        t->description = NULL;
        return hs_errf(err, "out of memory");
    }
    int tid = hs_proc_task_state(pid, pid) == 'Z' ? t->threads[0].tid : pid; /* zombie leader */
    t->exe_path = hs_proc_exe_path(pid, tid);
    hs_proc_auxv(pid, tid, t);
    if (hs_proc_maps(pid, tid, t, err) < 0 || hs_proc_mem_open(&p->mem, pid, tid, 1, err) < 0)
        return -1;
    p->cache = hs_bcache_new(hs_proc_mem_read, &p->mem, 0);
    if (!p->cache)
        return hs_errf(err, "out of memory");
    return 0;
}

int hs_pid_target_attach_ex(hs_target **out, int pid, int (*interrupted)(void *ctx), void *ctx,
                            hs_err *err)
{
    *out = NULL;
    hs_pid_target *p = calloc(1, sizeof *p);
    if (!p)
        return hs_errf(err, "out of memory");
    p->base.ops = &pid_ops;
    p->base.kind = "pid";
    p->base.pid = pid;
    p->base.live = 1;
#if defined(__aarch64__)
    p->base.arch = HS_ARCH_ARM64; /* a process on this machine: this machine's registers */
#endif
    p->base.interrupted = interrupted;
    p->base.interrupt_ctx = ctx;
    p->mem.fd = -1;
    p->at = (hs_attach){.pid = pid, .interrupted = interrupted, .ctx = ctx};
    p->attached_at = hs_mono_s();
    if (hs_attach_all(&p->at, err) < 0) {
        free(p);
        return -1;
    }
    if (load_threads(p, err) < 0 || load_process(p, err) < 0) {
        pid_close(&p->base);
        return -1;
    }
    *out = &p->base;
    return 0;
}

int hs_pid_target_attach(hs_target **out, int pid, hs_err *err)
{
    return hs_pid_target_attach_ex(out, pid, NULL, NULL, err);
}

/* Reads go to the fork from now on; the blocks cached so far, read while the process was
 * stopped just before the fork, hold the same bytes. */
static int read_fork(hs_pid_target *p, hs_err *err)
{
    hs_proc_mem_close(&p->mem);
    return hs_proc_mem_open(&p->mem, p->fork.child, p->fork.child, 1, err);
}

/* Forks the stopped process and lets it go at once. */
static int fork_and_go(hs_pid_target *p, hs_err *err)
{
    if (hs_fork_take(&p->at, &p->fork, err) < 0)
        return -1;
    hs_detach_all(&p->at);
    count_stop(p, hs_mono_s() - p->attached_at);
    p->base.as_of_ns = p->fork.at_ns;
    return read_fork(p, err);
}

int hs_pid_target_fork(hs_target *t, hs_err *err)
{
    hs_pid_target *p = (hs_pid_target *)t;
    if (p->forked || p->copy)
        return 0;
    if (hs_fork_allowed(p->at.pid, err) < 0 || fork_and_go(p, err) < 0)
        return -1;
    p->forked = 1;
    return 0;
}

int hs_pid_target_forked(const hs_target *t) { return ((const hs_pid_target *)t)->forked; }

/* Stops the (running) process again: threads and registers read anew, an empty read cache. */
static int stop_again(hs_pid_target *p, hs_err *err)
{
    hs_bcache_free(p->cache);
    p->cache = NULL;
    free(p->base.threads);
    p->base.threads = NULL;
    p->base.nthreads = 0;
    p->at = (hs_attach){.pid = p->at.pid, .interrupted = p->at.interrupted, .ctx = p->at.ctx};
    p->attached_at = hs_mono_s();
    if (hs_attach_all(&p->at, err) < 0 || load_threads(p, err) < 0)
        return -1;
    p->cache = hs_bcache_new(hs_proc_mem_read, &p->mem, 0);
    return p->cache ? 0 : hs_errf(err, "out of memory");
}

/* A fresh fork (hs_pid_target_restop): the process stopped again, the old fork killed and
 * reaped while it is, a new one made. */
static int refork(hs_pid_target *p, hs_err *err)
{
    if (stop_again(p, err) < 0 || hs_fork_end(&p->fork, &p->at, p->at.pid, NULL, err) < 0)
        return -1;
    return fork_and_go(p, err);
}

/* Once its memory is copied, the fork is killed and reaped (a moment's stop of the process,
 * counted in the pause stated). */
static int end_fork(hs_pid_target *p, hs_pid_release *info, hs_err *err)
{
    double stop;
    int rc = hs_fork_end(&p->fork, NULL, p->at.pid, &stop, err);
    count_stop(p, stop);
    info->stopped = p->stopped_for;
    return rc;
}

int hs_pid_target_release(hs_target *t, uint64_t budget, hs_pid_release *info, hs_err *err)
{
    hs_pid_target *p = (hs_pid_target *)t;
    memset(info, 0, sizeof *info);
    info->budget = budget;
    if (p->copy)
        return 0;
    hs_err why = {{0}};
    int rc = hs_memcopy_take(&p->copy, p->forked ? p->fork.child : p->at.pid, budget, &info->need,
                             t->progress, &why);
    if (rc < 0)
        return hs_errf(err, "%s", why.msg);
    if (rc == 1 && why.msg[0]) {
        snprintf(info->why, sizeof info->why, "%.255s", why.msg);
        return 1;
    }
    if (rc == 1) {
        snprintf(info->why, sizeof info->why, "a copy of its memory would take %.0f MiB, more than "
                 "heapscope allows itself (%.0f MiB: half the memory available here, or "
                 "HEAPSCOPE_COPY_BUDGET)", (double)info->need / (1 << 20), (double)budget / (1 << 20));
        return 1;
    }
    info->copied = hs_memcopy_size(p->copy);
    hs_bcache_free(p->cache);
    p->cache = NULL;
    if (p->forked) { /* the copy holds what the fork did: it goes now, not at close */
        hs_proc_mem_close(&p->mem);
        return end_fork(p, info, err);
    }
    hs_detach_all(&p->at);
    t->as_of_ns = hs_mono_ns();
    count_stop(p, hs_mono_s() - p->attached_at);
    info->stopped = p->stopped_for;
    return 0;
}

double hs_pid_target_stopped(const hs_target *t, int *released)
{
    const hs_pid_target *p = (const hs_pid_target *)t;
    *released = p->copy != NULL || p->forked;
    double now = hs_mono_s() - p->attached_at;
    return p->copy || p->forked ? p->stopped_for : now > p->longest ? now : p->longest;
}

int hs_pid_target_restop(hs_target *t, hs_err *err)
{
    hs_pid_target *p = (hs_pid_target *)t;
    if (p->copy)
        return 0;
    if (p->forked)
        return refork(p, err);
    count_stop(p, hs_mono_s() - p->attached_at);
    hs_detach_all(&p->at);
    struct timespec pause = {0, 200000}; /* 0.2 ms: the windows it waits out last microseconds */
    nanosleep(&pause, NULL);
    return stop_again(p, err);
}
