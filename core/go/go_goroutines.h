/* go_goroutines.h - every goroutine of a Go target (runtime.allgs): id, status, wait reason and
 * duration, creation site, the thread running it, and its stack (interned in go_stacks). */
#ifndef HS_GO_GOROUTINES_H
#define HS_GO_GOROUTINES_H

#include <stddef.h>
#include <stdint.h>

#include "../graph/strtab.h"
#include "../util/strbuf.h"
#include "go_runtime.h"
#include "go_stacks.h"

typedef struct go_goroutine {
    uint64_t g, goid, parent_goid, gopc, startpc, waiting;
    int64_t waitsince;   /* runtime nanotime when the wait began (0: not recorded) */
    uint32_t status;     /* _Gscan bit removed */
    uint8_t waitreason;
    uint8_t system;      /* a runtime goroutine NumGoroutine does not count */
    int32_t tid;         /* thread running it, 0 when none */
    uint32_t stack;      /* go_stacks id */
    uint32_t created_by; /* go_stacks id of the one-frame stack at gopc, UINT32_MAX if none */
    /* where its stack walk started (run-time; exact: a running thread's registers, start_tid
     * that thread), and the thread its m runs when it is in a system call (0: none) */
    uint64_t start_pc, start_sp, stack_lo, stack_hi;
    uint64_t start_lr;   /* arm64: the link register the walk started with (0: none) */
    uint8_t start_exact;
    int32_t start_tid, syscall_tid;
    uint64_t sched_ctxt, defer, panic; /* g.sched.ctxt, g._defer, g._panic (0 when unknown) */
    uint32_t labels; /* its pprof label set in go_goroutines.labels (go_labels.h); 0: none */
} go_goroutine;

typedef struct go_goroutines {
    go_goroutine *v;
    size_t n;        /* live goroutines (dead ones are skipped) */
    size_t ndead;
    go_stacks *stacks;
    int64_t now;     /* nanotime to measure waits against; 0 when unknown */
    int now_exact;   /* 1: the clock of a live process; 0: the latest the core recorded */
    strbuf warnings; /* one line per goroutine that could not be read fully */
    hs_strtab *labels; /* label sets, encoded as go_labels.h says */
} go_goroutines;

int go_goroutines_read(go_rt *rt, go_goroutines *out, hs_err *err);
/* The same without walking the stacks (stack and created_by are UINT32_MAX, system is decided
 * by the start function alone): for readers that walk each stack themselves. */
int go_goroutines_list(go_rt *rt, go_goroutines *out, hs_err *err);
void go_goroutines_free(go_goroutines *gs);

/* The runtime's words for a goroutine's state: its wait reason when waiting ("chan receive"),
 * else the status ("running", "runnable", "syscall", ...). */
const char *go_goroutine_state(const go_rt *rt, const go_goroutine *g);

#endif
