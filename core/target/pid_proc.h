/* pid_proc.h - what /proc says about a live process: existence, status fields (TracerPid,
 * PPid), thread list and states, file mappings, auxiliary vector, executable path; and its
 * memory through process_vm_readv or /proc/PID/mem. Used by the pid and host targets. */
#ifndef HS_PID_PROC_H
#define HS_PID_PROC_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "target.h"

/* 1 when /proc/PID exists and some thread of it is not a zombie. */
int hs_proc_alive(int pid);
/* An integer field of /proc/PID/status ("TracerPid", "PPid"), or of thread tid's status when
 * tid > 0; -1 when unreadable. */
int hs_proc_status_int(int pid, int tid, const char *key, int *val);
/* State letter of thread tid of pid ('R', 'S', 'T', 't', 'Z', ...), 0 when it is gone. */
char hs_proc_task_state(int pid, int tid);
/* Thread ids of pid (the leader first). *tids is malloc'd. */
int hs_proc_tasks(int pid, int **tids, size_t *n, hs_err *err);
/* The thread through which to read the process's memory, maps, auxv and exe: the leader, or
 * when the leader is a zombie (it called pthread_exit) a live thread; pid when none is found. */
int hs_proc_io_tid(int pid);
/* The following read /proc/PID/... (tid == pid) or /proc/PID/task/TID/... */
/* Calls fn for each line of maps: its range, permissions ("rw-p"), file offset and name ("" for
 * an anonymous mapping); fn returns -1 when out of memory, which stops the walk with an error. */
typedef int (*hs_proc_map_fn)(void *ctx, uint64_t start, uint64_t end, const char *perms,
                              uint64_t offset, const char *name);
int hs_proc_each_map(int pid, int tid, hs_proc_map_fn fn, void *ctx, hs_err *err);
/* File-backed mappings (path starting with '/'; file_offset in bytes) into t->maps. */
int hs_proc_maps(int pid, int tid, hs_target *t, hs_err *err);
/* AT_ENTRY / AT_PHDR into t->auxv_entry / t->auxv_phdr (left 0 when unreadable). */
void hs_proc_auxv(int pid, int tid, hs_target *t);
/* realpath of the exe link; the link itself ("/proc/PID/exe") when the file was deleted, as it
 * still opens while the process lives; the link text when it cannot be resolved otherwise;
 * NULL when unreadable. malloc'd. */
char *hs_proc_exe_path(int pid, int tid);

/* Memory of a live process. use_vm_readv 0 reads only through /proc/PID/mem (pread). */
typedef struct hs_proc_mem {
    int pid;          /* for messages */
    int tid;          /* the thread the reads go through (hs_proc_io_tid) */
    int fd;           /* /proc/PID/mem, -1 when not open */
    int use_vm_readv; /* cleared when process_vm_readv is unavailable */
} hs_proc_mem;

int hs_proc_mem_open(hs_proc_mem *m, int pid, int tid, int use_vm_readv, hs_err *err);
void hs_proc_mem_close(hs_proc_mem *m);
/* 0 when all len bytes at addr were read (an hs_fetch_fn for pid_cache.h), else -1. */
int hs_proc_mem_read(void *m, uint64_t addr, void *buf, size_t len);
/* The error for a failed read at addr: the process exited, or the address is unmapped. */
int hs_proc_mem_error(const hs_proc_mem *m, uint64_t addr, hs_err *err);

#endif
