/* pid_mem.c - reading a live process's memory: process_vm_readv, falling back to pread on
 * /proc/PID/mem; never writes. Errors say whether the process exited or the address is
 * unmapped (see pid_proc.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pid_proc.h"

int hs_proc_mem_open(hs_proc_mem *m, int pid, int tid, int use_vm_readv, hs_err *err)
{
    char path[96];
    m->pid = pid;
    m->tid = tid > 0 ? tid : pid;
    m->use_vm_readv = use_vm_readv;
    if (m->tid == pid)
        snprintf(path, sizeof path, "/proc/%d/mem", pid);
    else
        snprintf(path, sizeof path, "/proc/%d/task/%d/mem", pid, m->tid);
    m->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (m->fd < 0 && !use_vm_readv)
        return hs_errf(err, "cannot open %s: %s", path, strerror(errno));
    return 0;
}

void hs_proc_mem_close(hs_proc_mem *m)
{
    if (m->fd >= 0)
        close(m->fd);
    m->fd = -1;
}

/* 1 done, 0 failed on the memory, -1 the call itself is unavailable (use /proc/PID/mem). */
static int vm_readv(hs_proc_mem *m, uint64_t addr, uint8_t *buf, size_t len)
{
    while (len > 0) {
        struct iovec local = {buf, len}, remote = {(void *)(uintptr_t)addr, len};
        ssize_t n = process_vm_readv(m->tid, &local, 1, &remote, 1, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == ENOSYS || errno == EPERM))
            return -1;
        if (n <= 0)
            return 0;
        buf += n;
        addr += (uint64_t)n;
        len -= (size_t)n;
    }
    return 1;
}

static int mem_pread(const hs_proc_mem *m, uint64_t addr, uint8_t *buf, size_t len)
{
    if (m->fd < 0)
        return -1;
    while (len > 0) {
        if (addr > (uint64_t)INT64_MAX)
            return -1;
        ssize_t n = pread(m->fd, buf, len, (off_t)addr);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        addr += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int hs_proc_mem_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    hs_proc_mem *m = ctx;
    if (m->use_vm_readv) {
        int r = vm_readv(m, addr, buf, len);
        if (r >= 0)
            return r == 1 ? 0 : -1;
        m->use_vm_readv = 0;
    }
    return mem_pread(m, addr, buf, len);
}

int hs_proc_mem_error(const hs_proc_mem *m, uint64_t addr, hs_err *err)
{
    if (!hs_proc_alive(m->pid))
        return hs_errf(err, "process %d exited while being read (at address 0x%llx)", m->pid,
                       (unsigned long long)addr);
    return hs_errf(err, "address 0x%llx is not mapped (or not readable) in process %d",
                   (unsigned long long)addr, m->pid);
}
