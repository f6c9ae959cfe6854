/* host_target.c - the host debugger target (see host_target.h): one of three memory sources
 * (live pid through /proc, a core through the core target, the debugger's read callback
 * through the block cache), with the debugger's threads copied in. */
#include "host_target.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/elf_image.h"
#include "core_target.h"
#include "pid_cache.h"
#include "pid_proc.h"

typedef struct hs_host_tgt {
    hs_target base;
    hs_proc_mem mem;   /* live pid */
    hs_target *core;   /* core file */
    hs_image *exe;     /* the core's executable, owned */
    hs_bcache *cache;  /* live pid or callback */
    int (*read_memory)(void *ctx, uint64_t addr, void *buf, size_t len);
    void *ctx;
} hs_host_tgt;

static int callback_fetch(void *ctx, uint64_t addr, void *buf, size_t len)
{
    const hs_host_tgt *h = ctx;
    return h->read_memory(h->ctx, addr, buf, len) == 0 ? 0 : -1;
}

static int host_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    hs_host_tgt *h = (hs_host_tgt *)t;
    if (h->core)
        return hs_read(h->core, addr, buf, len, err);
    uint64_t bad;
    if (hs_bcache_read(h->cache, addr, buf, len, &bad) == 0)
        return 0;
    if (h->mem.pid > 0)
        return hs_proc_mem_error(&h->mem, bad, err);
    return hs_errf(err, "address 0x%llx is not readable in the debugger's target",
                   (unsigned long long)bad);
}

static const void *host_view(hs_target *t, uint64_t addr, size_t len)
{
    hs_host_tgt *h = (hs_host_tgt *)t;
    return h->core ? hs_view(h->core, addr, len) : NULL;
}

static void host_close(hs_target *t)
{
    hs_host_tgt *h = (hs_host_tgt *)t;
    hs_bcache_free(h->cache);
    if (h->mem.pid > 0)
        hs_proc_mem_close(&h->mem);
    hs_target_close(h->core);
    hs_image_close(h->exe);
    hs_target_free_common(t);
    free(h);
}

static const hs_target_ops host_ops = {host_read, host_view, host_close};

const char *hs_host_target_warning(const hs_target *t)
{
    if (!t || t->ops != &host_ops)
        return NULL;
    return hs_core_target_warning(((const hs_host_tgt *)t)->core);
}

hs_target *hs_host_target_core(hs_target *t)
{
    return t && t->ops == &host_ops ? ((hs_host_tgt *)t)->core : NULL;
}

static int copy_threads(hs_target *t, const hs_host_thread *th, size_t n)
{
    t->threads = calloc(n + 1, sizeof *t->threads);
    if (!t->threads)
        return -1;
    for (size_t i = 0; i < n; i++) {
        t->threads[i].tid = th[i].tid;
        memcpy(t->threads[i].regs, th[i].regs, sizeof t->threads[i].regs);
    }
    t->nthreads = n;
    return 0;
}

static int copy_common(hs_target *t, const hs_target *from)
{
    t->maps = calloc(from->nmaps + 1, sizeof *t->maps);
    if (!t->maps)
        return -1;
    for (size_t i = 0; i < from->nmaps; i++) {
        t->maps[i] = from->maps[i];
        t->maps[i].path = strdup(from->maps[i].path);
        if (!t->maps[i].path)
            return -1;
        t->nmaps = i + 1;
    }
    if (!t->threads) {
        t->threads = calloc(from->nthreads + 1, sizeof *t->threads);
        if (!t->threads)
            return -1;
        memcpy(t->threads, from->threads, from->nthreads * sizeof *t->threads);
        t->nthreads = from->nthreads;
    }
    t->pid = from->pid;
    t->from_core = from->from_core;
    t->arch = from->arch;
    t->auxv_entry = from->auxv_entry;
    t->auxv_phdr = from->auxv_phdr;
    if (!t->exe_path && from->exe_path && !(t->exe_path = strdup(from->exe_path)))
        return -1;
    return 0;
}

/* The executable named by the host must fit; the one the core records is tried quietly. */
static int open_core(hs_host_tgt *h, const hs_host_target *host, hs_err *err)
{
    if (hs_core_target_open(&h->core, host->core_path, err) < 0)
        return -1;
    const char *exe = host->exe_path ? host->exe_path : h->core->exe_path;
    if (exe) {
        hs_err quiet;
        hs_err *e = host->exe_path ? err : &quiet;
        if (hs_image_open(&h->exe, exe, e) < 0 || hs_core_target_set_exe(h->core, h->exe, e) < 0) {
            hs_image_close(h->exe);
            h->exe = NULL;
            if (host->exe_path)
                return -1;
        }
    }
    if (asprintf(&h->base.description, "core %s", host->core_path) < 0)
        h->base.description = NULL;
    if (copy_common(&h->base, h->core) < 0)
        return hs_errf(err, "out of memory");
    return 0;
}

static int open_pid(hs_host_tgt *h, const hs_host_target *host, hs_err *err)
{
    hs_target *t = &h->base;
    t->pid = host->pid;
    t->live = 1;
    if (asprintf(&t->description, "process %d", host->pid) < 0)
        t->description = NULL;
    int tid = hs_proc_io_tid(host->pid);
    if (!t->exe_path)
        t->exe_path = hs_proc_exe_path(host->pid, tid);
    hs_proc_auxv(host->pid, tid, t);
    if (hs_proc_maps(host->pid, tid, t, err) < 0 ||
        hs_proc_mem_open(&h->mem, host->pid, tid, 0, err) < 0)
        return hs_errctx(err, "reading process %d through /proc (is it a live process on this "
                         "machine?)", host->pid);
    h->cache = hs_bcache_new(hs_proc_mem_read, &h->mem, 0);
    return h->cache ? 0 : hs_errf(err, "out of memory");
}

static int open_callback(hs_host_tgt *h, const hs_host_target *host, hs_err *err)
{
    h->read_memory = host->read_memory;
    h->ctx = host->ctx;
    if (asprintf(&h->base.description, "the debugger's target") < 0)
        h->base.description = NULL;
    h->cache = hs_bcache_new(callback_fetch, h, 0);
    return h->cache ? 0 : hs_errf(err, "out of memory");
}

int hs_host_target_open(hs_target **out, const hs_host_target *host, hs_err *err)
{
    *out = NULL;
    if (host->pid <= 0 && !host->core_path && !host->read_memory)
        return hs_errf(err, "the debugger gave no way to read memory (no live pid, core file or "
                       "read callback)");
    if (host->arch && strcmp(host->arch, "amd64") && strcmp(host->arch, "arm64"))
        return hs_errf(err, "the debugger's target is %s; heapscope reads linux/amd64 and "
                       "linux/arm64", host->arch);
    hs_host_tgt *h = calloc(1, sizeof *h);
    if (!h)
        return hs_errf(err, "out of memory");
    h->base.ops = &host_ops;
    h->base.kind = "host";
    h->base.interrupted = host->interrupted;
    h->base.interrupt_ctx = host->ctx;
    h->mem.fd = -1;
    int rc = 0;
    h->base.arch = host->arch && !strcmp(host->arch, "arm64") ? HS_ARCH_ARM64 : HS_ARCH_AMD64;
    if ((host->nthreads && copy_threads(&h->base, host->threads, host->nthreads) < 0) ||
        (host->exe_path && !(h->base.exe_path = strdup(host->exe_path))))
        rc = hs_errf(err, "out of memory");
    else if (host->pid > 0)
        rc = open_pid(h, host, err);
    else if (host->core_path)
        rc = open_core(h, host, err);
    else
        rc = open_callback(h, host, err);
    if (rc < 0) {
        host_close(&h->base);
        return -1;
    }
    *out = &h->base;
    return 0;
}
