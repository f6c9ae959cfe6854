/* target.h - what every target gives the layers above: bytes at addresses (through one
 * bounds-checked reader), threads with registers, file mappings and the auxiliary vector.
 * Implementations: ELF core + executable (core_target.c), live pid under ptrace (pid_target.c),
 * a host debugger's callbacks (host_target.c). */
#ifndef HS_TARGET_H
#define HS_TARGET_H

#include <stddef.h>
#include <stdint.h>

#include "../util/arch.h"
#include "../util/err.h"
#include "../util/progress.h"

/* amd64 general registers in the order of Linux `struct user_regs_struct` (NT_PRSTATUS,
 * PTRACE_GETREGS). */
enum hs_reg {
    HS_R15, HS_R14, HS_R13, HS_R12, HS_RBP, HS_RBX, HS_R11, HS_R10, HS_R9, HS_R8,
    HS_RAX, HS_RCX, HS_RDX, HS_RSI, HS_RDI, HS_ORIG_RAX, HS_RIP, HS_CS, HS_EFLAGS,
    HS_RSP, HS_SS, HS_FS_BASE, HS_GS_BASE, HS_DS, HS_ES, HS_FS, HS_GS,
    HS_NREGS
};

/* arm64 registers in the order of Linux `struct user_pt_regs` (NT_PRSTATUS,
 * PTRACE_GETREGSET): x0-x30, sp, pc, pstate. Go keeps the running goroutine's g in x28. */
enum hs_a64_reg {
    HS_A64_X0 = 0, HS_A64_G = 28, HS_A64_FP = 29, HS_A64_LR = 30, HS_A64_SP = 31, HS_A64_PC = 32,
    HS_A64_PSTATE = 33, HS_A64_NREGS = 34
};

#define HS_MAX_REGS 34 /* the most any architecture has */

typedef struct hs_thread {
    int32_t tid;
    uint64_t regs[HS_MAX_REGS]; /* in the order of the target's architecture */
} hs_thread;

/* The registers every unwinder needs, whatever the architecture; lr is 0 on amd64. */
static inline uint64_t hs_thread_pc(hs_arch a, const hs_thread *th)
{
    return th->regs[a == HS_ARCH_ARM64 ? HS_A64_PC : HS_RIP];
}
static inline uint64_t hs_thread_sp(hs_arch a, const hs_thread *th)
{
    return th->regs[a == HS_ARCH_ARM64 ? HS_A64_SP : HS_RSP];
}
static inline uint64_t hs_thread_lr(hs_arch a, const hs_thread *th)
{
    return a == HS_ARCH_ARM64 ? th->regs[HS_A64_LR] : 0;
}
/* The thread pointer (fs_base on amd64; 0 where the target does not give it, as arm64's
 * tpidr_el0 is not among its general registers). */
static inline uint64_t hs_thread_tp(hs_arch a, const hs_thread *th)
{
    return a == HS_ARCH_ARM64 ? 0 : th->regs[HS_FS_BASE];
}
/* How many registers a thread of the architecture has. */
static inline int hs_arch_nregs(hs_arch a) { return a == HS_ARCH_ARM64 ? HS_A64_NREGS : HS_NREGS; }


/* A file-backed mapping (NT_FILE in a core, /proc/PID/maps for a live process). */
typedef struct hs_mapping {
    uint64_t start, end, file_offset;
    char *path;
} hs_mapping;

typedef struct hs_target hs_target;

typedef struct hs_target_ops {
    /* Copies exactly len bytes at addr into buf, or fails naming the address; never partial. */
    int (*read)(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err);
    /* Optional: a pointer to len contiguous bytes at addr held in this process (a mapped core),
     * or NULL when the bytes are not directly available. */
    const void *(*view)(hs_target *t, uint64_t addr, size_t len);
    void (*close)(hs_target *t);
} hs_target_ops;

enum { HS_AT_PHDR = 3, HS_AT_ENTRY = 9, HS_AT_EXECFN = 31 };

struct hs_target {
    const hs_target_ops *ops;
    const char *kind;      /* "core", "pid" or "host" */
    char *description;     /* for messages: "core /tmp/core.123", "process 4242" */
    char *exe_path;        /* executable recorded by the target (may be NULL) */
    int pid;               /* live pid, or the pid recorded in the core (0 if unknown) */
    int live;              /* 1 when the memory belongs to a running (stopped) process */
    int from_core;         /* 1 when it is a core file's (read here or by a debugger's host) */
    hs_arch arch;          /* what its threads' registers are */
    hs_thread *threads;
    size_t nthreads;
    hs_mapping *maps;
    size_t nmaps;
    uint64_t auxv_entry, auxv_phdr; /* 0 when unknown */
    /* CLOCK_MONOTONIC ns of the moment the memory read shows (a live process's copy or fork);
     * 0: now (a live process read in place) or unknown (a core) */
    int64_t as_of_ns;
    /* Polled during long walks; returns nonzero to abandon the command (Ctrl-C in a debugger). */
    int (*interrupted)(void *ctx);
    void *interrupt_ctx;
    /* Where long walks say how far they have got: the session's (util/progress.h); may be NULL. */
    hs_progress *progress;
};

/* The one reader every layer uses for target memory. */
int hs_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err);
int hs_read_u64(hs_target *t, uint64_t addr, uint64_t *v, hs_err *err);
int hs_read_u32(hs_target *t, uint64_t addr, uint32_t *v, hs_err *err);
/* Reads a NUL-terminated string of at most cap-1 bytes (truncated, never unterminated). */
int hs_read_cstr(hs_target *t, uint64_t addr, char *buf, size_t cap, hs_err *err);
const void *hs_view(hs_target *t, uint64_t addr, size_t len);
int hs_interrupted(hs_target *t);

/* A mapped range of the target's memory, file-backed or anonymous. prot: 4 read, 2 write,
 * 1 execute (PF_R/PF_W/PF_X of a core); named: a file's (or [heap], [stack]...) mapping. */
typedef struct hs_region {
    uint64_t start, end;
    uint32_t prot;
    uint32_t named;
} hs_region;

/* Every mapped range, in address order (target_regions.c); *out is malloc'd. */
int hs_target_regions(hs_target *t, hs_region **out, size_t *n, hs_err *err);

/* The module a range [start, end) of memory belongs to: the file mapping it overlaps, else one
 * that ends where it starts (a module's .bss past its file's last page is anonymous memory right
 * after it); NULL when neither (target_regions.c). */
const hs_mapping *hs_target_module_of(const hs_target *t, uint64_t start, uint64_t end);

/* Frees everything a target owns, including the fields of struct hs_target. */
void hs_target_close(hs_target *t);

/* Helpers for implementations: release the common fields. */
void hs_target_free_common(hs_target *t);
/* Appends m, its path copied, to t->maps, which holds *cap (grown as needed). -1 when out of
 * memory. */
int hs_target_add_map(hs_target *t, size_t *cap, hs_mapping m);

#endif
