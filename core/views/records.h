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

/* What a blocked task waits on, and who holds it (threads-blocked names both). */
typedef struct hs_waits_on {
    const char *kind;       /* "channel", "nil channel", "nothing" (select {}), "sync.Mutex",
                               "sync.RWMutex", "sync.WaitGroup", "sync.Cond", "semaphore";
                               native threads: "mutex", "rwlock" */
    const char *type;       /* a channel's type ("chan *main.Job"), else NULL */
    const char *where;      /* the field it is, inside its object ("main.Server.mu"), else NULL */
    uint64_t addr;          /* the object (a select: its first channel); 0 when none */
    uint32_t nobjects;      /* how many it waits on (a select: its channels) */
    int64_t len, cap;       /* a channel's buffer: values in it and its size; -1 otherwise */
    /* The shortest path to it from a root that is no waiter's stack (a global, a goroutine
     * that is not blocked on a channel or lock, a finalizer), never through wait queues:
     * holder_kind "global", "goroutine", "finalizer", "runtime" (native: "global",
     * "stack", "heap" with holder naming the lock itself), and the objects passed
     * through, root side first; holder NULL when there is none. */
    const char *holder_kind, *holder;
    const char *const *steps;
    uint32_t nsteps;
    /* Native locks: the thread holding it (a pthread mutex's __owner, an rwlock's writer);
     * 0 when unknown or not a lock. */
    int32_t owner_tid;
    /* Native condition variables: the mutex the waiter re-takes when woken (0 when unknown), its
     * name and its owner now (0: unlocked or unknown). Never a wait-for edge: who will signal
     * is not recorded anywhere. */
    uint64_t relock_addr;
    const char *relock_name;
    int32_t relock_owner;
} hs_waits_on;

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
    const hs_waits_on *waits_on; /* NULL when unknown or when it waits on no object */
} hs_task;

#endif
