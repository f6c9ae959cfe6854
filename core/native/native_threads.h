/* native_threads.h - the native-threads model: every thread of a C/C++ process or core as a
 * neutral hs_task (tid, state, frames, what lock it waits on and who holds it), and the deadlock
 * cycles among them. */
#ifndef HS_NATIVE_THREADS_H
#define HS_NATIVE_THREADS_H

#include <stddef.h>

#include "../target/target.h"
#include "../util/strbuf.h"
#include "../views/records.h"
#include "native_locks.h"
#include "native_unwind.h"

typedef struct native_threads {
    hs_task *tasks; /* one per thread of the target, in its order; id = tid */
    size_t n;
    char **names;   /* per task: the thread's name (comm, live only), NULL when unknown */
    const char **roles; /* per task, in a Go program with cgo: "cgo call", "go runtime" or "C" */
    native_deadlock *deadlocks;
    size_t ndeadlocks;
    size_t nfailed; /* threads whose stack could not be walked to its end */
    strbuf warnings;
    /* storage the tasks point into */
    native_unwinder *u;
    hs_frame *frames;
    hs_waits_on *waits;
    char (*lock_names)[2][128]; /* per task: its lock's name, a condition variable's mutex's */
    char (*states)[40];
} native_threads;

int native_threads_read(hs_target *t, native_threads *out, hs_err *err);
/* The same through a libdwfl session shared with other reads (native_dwfl_new); nt holds it in
 * use until native_threads_free. */
int native_threads_read_in(hs_target *t, native_dwfl *shared, native_threads *out, hs_err *err);
void native_threads_free(native_threads *nt);

#endif
