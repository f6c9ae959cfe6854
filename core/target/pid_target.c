/* pid_target.c - the live pid target: attach (pid_attach.c), threads and registers, /proc
 * facts (pid_proc.c), cached memory reads (pid_cache.c over pid_mem.c), detach on close. */
#include "pid_target.h"

#include <stdio.h>
#include <stdlib.h>

#include "pid_attach.h"
#include "pid_cache.h"
#include "pid_proc.h"

typedef struct hs_pid_target {
    hs_target base;
    hs_attach at;
    hs_proc_mem mem;
    hs_bcache *cache;
} hs_pid_target;

static int pid_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    hs_pid_target *p = (hs_pid_target *)t;
    uint64_t bad;
    if (hs_bcache_read(p->cache, addr, buf, len, &bad) == 0)
        return 0;
    return hs_proc_mem_error(&p->mem, bad, err);
}

static void pid_close(hs_target *t)
{
    hs_pid_target *p = (hs_pid_target *)t;
    hs_bcache_free(p->cache);
    hs_proc_mem_close(&p->mem);
    hs_detach_all(&p->at);
    hs_target_free_common(t);
    free(p);
}

static const hs_target_ops pid_ops = {pid_read, NULL, pid_close};

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
    p->base.interrupted = interrupted;
    p->base.interrupt_ctx = ctx;
    p->mem.fd = -1;
    p->at = (hs_attach){.pid = pid, .interrupted = interrupted, .ctx = ctx};
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
