/* records.h - the neutral records runtime models hand to views: frames and tasks (goroutines
 * now, native threads later). Views aggregate these without knowing any runtime. */
#ifndef HS_RECORDS_H
#define HS_RECORDS_H

#include <stdint.h>

typedef struct hs_frame {
    const char *function; /* as the runtime prints it */
    const char *file;
    int32_t line;
    uint8_t inlined;
    uint8_t wrapper; /* compiler-generated wrapper the runtime's own traceback hides */
} hs_frame;

/* Separators of a task's label set: KEY US VALUE RS KEY US VALUE ..., keys sorted. */
#define HS_LABEL_US '\x1f'
#define HS_LABEL_RS '\x1e'

typedef struct hs_task {
    uint64_t id;
    const char *state;     /* the runtime's words: "chan receive", "running", ... */
    int64_t wait_ns;       /* how long it has waited, -1 when not recorded */
    uint8_t blocked;       /* waiting or in a system call: shown by default */
    uint8_t system;        /* a runtime-internal task (hidden unless --all) */
    uint8_t truncated;     /* the stack could not be walked to its end */
    int32_t tid;           /* thread running it, 0 when none */
    uint32_t stack_id;     /* tasks with equal stack_id have equal frames */
    const hs_frame *frames;
    uint32_t nframes;      /* innermost first */
    hs_frame created_by;   /* function == NULL when unknown */
    uint64_t parent_id;
    uint64_t addr;         /* the runtime's descriptor (g) address */
    const char *labels;    /* its label set (pprof labels), encoded as HS_LABEL_US/RS say;
                              NULL when none (see hs_labels_* in task_groups.h) */
    int8_t leaked;         /* 1: blocked on objects nothing that can run reaches; 0: not;
                              -1: no verdict applies (or none could be made) */
} hs_task;

#endif
