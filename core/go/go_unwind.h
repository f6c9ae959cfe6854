/* go_unwind.h - unwinding a goroutine stack on linux/amd64 and linux/arm64 with the pclntab's
 * SP-delta tables, as the runtime's own traceback does (amd64: the return address lies above
 * the frame, pushed by CALL; arm64: in the link register until the prologue saves it at the
 * bottom of the frame). Produces lookup PCs (link-time; return addresses backed
 * up into their call instruction) ready for go_stacks_intern. */
#ifndef HS_GO_UNWIND_H
#define HS_GO_UNWIND_H

#include <stdint.h>

#include "go_runtime.h"

#define GO_MAX_FRAMES 1024

typedef struct go_unwind_start {
    uint64_t pc, sp;    /* run-time addresses */
    int exact;          /* pc is where the thread stopped, not a return address */
    uint64_t lo, hi;    /* the goroutine stack bounds */
    uint64_t lr;        /* arm64: the link register where it is known (a thread's), else 0 */
} go_unwind_start;

typedef struct go_unwinder go_unwinder;

go_unwinder *go_unwinder_new(go_rt *rt);
void go_unwinder_free(go_unwinder *u);

/* Fills up to max lookup PCs; *truncated is set when the stack had more frames than max or the
 * walk stopped at something it could not unwind. Returns the number of frames (0 if the start
 * PC is not in Go code). */
uint32_t go_unwind(go_unwinder *u, const go_unwind_start *st, uint64_t *pcs, uint32_t max,
                   int *truncated);

/* One physical frame of a walk. */
typedef struct go_uframe {
    uint64_t pc;     /* run-time: where the frame stopped, or the return address it continues at */
    uint64_t lpc;    /* lookup PC (link-time; a return address backed up into its call) */
    uint64_t sp;     /* run-time SP of the frame */
    uint64_t fp;     /* the caller's SP (amd64: sp + SP delta + 8; arm64: sp + SP delta); 0
                        when unknown */
    uint64_t entry;  /* link-time entry of the function */
    uint8_t exact;   /* pc is where the thread stopped, not a return address */
    uint8_t injected;        /* the function is one the runtime injects (sigpanic, asyncPreempt,
                                debugCallV2) */
    uint8_t callee_injected; /* the frame below is such an injected call */
} go_uframe;

/* Calls fn for each frame, innermost first, until the walk ends or fn returns nonzero; the same
 * walk as go_unwind. Returns the number of frames; *truncated as go_unwind. */
typedef int (*go_uframe_fn)(void *ctx, const go_uframe *f);
uint32_t go_unwind_each(go_unwinder *u, const go_unwind_start *st, uint32_t max, go_uframe_fn fn,
                        void *ctx, int *truncated);

/* For a thread stopped inside the runtime's signal handler (st: its registers, and m.gsignal's
 * stack bounds): the PC, SP and (arm64) link register the signal interrupted, from the kernel's
 * signal frame above runtime.sigtramp. Returns -1 when the walk finds no such frame. */
int go_unwind_signal_regs(go_unwinder *u, const go_unwind_start *st, uint64_t *pc, uint64_t *sp,
                          uint64_t *lr);

#endif
