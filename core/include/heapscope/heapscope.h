/* heapscope.h - the interface every front (CLI, gdb, lldb) uses: open a session on a target,
 * run a command given as argv, print the text that comes back. Fronts never read target memory
 * themselves and hold no analysis logic. */
#ifndef HEAPSCOPE_H
#define HEAPSCOPE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define HEAPSCOPE_VERSION "0.1.0"

typedef struct hs_session hs_session;

/* Exit statuses, as the CLI returns them. */
enum { HS_OK = 0, HS_FAIL = 1, HS_USAGE = 2, HS_LEAKED = 3 /* threads-blocked --fail-on-leak */ };

typedef struct hs_result {
    int status; /* HS_OK, HS_FAIL (the target could not be analysed) or HS_USAGE */
    char *out;  /* text or JSON for stdout; never NULL */
    char *err;  /* message(s) for stderr, one per line; never NULL, empty when none */
} hs_result;

/* One thread of a target the host debugger holds: the Linux thread id and its general
 * registers in the order the kernel writes them for the target's architecture: amd64
 * `struct user_regs_struct` (27 words: r15, r14, ..., rip, cs, eflags, rsp, ss, fs_base,
 * gs_base, ds, es, fs, gs), arm64 `struct user_pt_regs` (34 words: x0-x30, sp, pc, pstate). */
#define HS_HOST_NREGS 34
typedef struct hs_host_thread {
    int32_t tid;
    uint64_t regs[HS_HOST_NREGS];
} hs_host_thread;

/* A target as a host debugger (gdb, lldb) sees it. Memory is read directly when possible
 * (a native live pid through /proc/PID/mem, a core file mapped from disk) and otherwise through
 * read_memory, in large cached blocks. */
typedef struct hs_host_target {
    int pid;               /* live process on this machine, 0 if none (core or remote) */
    const char *core_path; /* core file the host has open, NULL if none */
    const char *exe_path;  /* main executable, NULL to use the one the target records */
    const hs_host_thread *threads;
    size_t nthreads;
    /* Returns 0 when all len bytes at addr were read; used for remote targets. May be NULL. */
    int (*read_memory)(void *ctx, uint64_t addr, void *buf, size_t len);
    /* Returns nonzero when the user asked to stop (Ctrl-C). May be NULL. */
    int (*interrupted)(void *ctx);
    void *ctx;
    const char *arch;      /* what threads' registers are: "amd64" (or NULL) or "arm64" */
} hs_host_target;

hs_session *hs_session_new(void);
void hs_session_free(hs_session *s);

/* Targets: each returns 0, or -1 with a one-line message in err. A new target replaces the old. */
int hs_session_open_core(hs_session *s, const char *core_path, const char *exe_path, char *err,
                         size_t errlen);
/* Stops every thread of pid with ptrace until the target is closed or the session freed. */
int hs_session_attach_pid(hs_session *s, int pid, char *err, size_t errlen);
/* The same with a way of reading it: "copy" (or NULL; the default: the stopped process's memory
 * is copied when a command reads much of it, and it runs on), "fork" (it is stopped only to be
 * forked; the fork is read while it runs on; refused under seccomp or a tight memory cgroup). */
int hs_session_attach_pid_snapshot(hs_session *s, int pid, const char *snapshot, char *err,
                                   size_t errlen);
int hs_session_open_host(hs_session *s, const hs_host_target *host, char *err, size_t errlen);
/* The executable's separate debug file for the targets opened from now on (NULL: look for it as
 * gdb does: build-id path, .gnu_debuglink; HEAPSCOPE_DEBUG_FILE_DIRECTORY, default
 * /usr/lib/debug). Returns -1 when out of memory. */
int hs_session_set_debug_file(hs_session *s, const char *path);
/* Releases the target (detaching from a live process); the session stays usable. */
void hs_session_close_target(hs_session *s);

/* Polled during long reads; a nonzero return abandons the command ("interrupted"). Applies to
 * the current and later targets. */
void hs_session_set_interrupt(hs_session *s, int (*interrupted)(void *ctx), void *ctx);

/* Long commands (watch) hand over what they have printed so far through progress(ctx, text)
 * as they go, instead of all at the end; without it, everything comes back in hs_result.out. */
void hs_session_set_progress(hs_session *s, void (*progress)(void *ctx, const char *text), void *ctx);

/* Long work (a heap walk, the mark, dominators, copying a live process) says how far it has got
 * through show(ctx, line): one short line ("reading spans 1234/5678", "marking objects 12.3M"),
 * first after it has run a second, then at most four times a second
 * (HEAPSCOPE_PROGRESS_DELAY_MS=N: after N ms, then at most every N ms up to 250, for tests);
 * "" when the line should be cleared (the work ended, or other output follows). Without it (the
 * default), nothing is reported. */
void hs_session_set_progress_line(hs_session *s, void (*show)(void *ctx, const char *line),
                                  void *ctx);

/* Runs one command; argv[0] is its name ("heap-top", "threads-blocked", ...). */
hs_result hs_session_run(hs_session *s, int argc, const char *const *argv);
void hs_result_free(hs_result *r);

/* The commands, their one-line summary and full help, and the long options each accepts
 * (without dashes), for help and completion in debuggers. Out-of-range indexes give NULL. */
size_t hs_command_count(void);
const char *hs_command_name(size_t i);
const char *hs_command_summary(const char *name);
const char *hs_command_help(const char *name);
const char *hs_command_option(const char *name, size_t i);

/* What heapscope reads, for help texts: "Go 1.19, 1.21–1.26 on linux/amd64 (...)". Writes at
 * most cap bytes (NUL included) into buf; returns the length the whole text needs. */
size_t hs_runtimes_supported(char *buf, size_t cap);

/* For ctypes fronts: frees a string returned inside hs_result. */
void hs_free(void *p);

#ifdef __cplusplus
}
#endif
#endif
