/* native_locks.h - what a thread blocked on a pthread mutex or rwlock waits on and who holds it
 * (glibc 2.36 layouts, x86-64: reference/native-threads.md §2), and the cycles of the wait-for
 * graph those owners make. */
#ifndef HS_NATIVE_LOCKS_H
#define HS_NATIVE_LOCKS_H

#include <stddef.h>
#include <stdint.h>

#include "../target/target.h"
#include "../views/records.h"
#include "native_unwind.h"

/* Fills w for a thread in state "mutex", "rwlock" or "condition variable" blocked in futex (its
 * first argument is the lock word): kind, addr (the pthread_mutex_t / pthread_rwlock_t /
 * pthread_cond_t), holder (the symbol naming it, "stack of thread N" or "heap block 0x..."; kept
 * in names[0]) and owner_tid (0 when unknown; a condition variable has none); for a condition
 * variable the mutex its waiter re-takes (relock_*, named in names[1]) where glibc's debug
 * information shows it. Returns 1 when filled, 0 when the thread is not such a waiter. */
int native_lock_wait(hs_target *t, native_unwinder *u, const hs_thread *th, const char *state,
                     const hs_frame *frames, uint32_t nframes, hs_waits_on *w, char (*names)[128]);

/* The mutex a thread blocked on the condition variable futex word `word` will re-take (the
 * pthread_mutex_t it passed to pthread_cond_wait), 0 when unknown (native_condvar.c). */
uint64_t native_condvar_mutex(hs_target *t, native_unwinder *u, const hs_thread *th, uint64_t word);

/* One cycle: threads[i] waits for mutexes[i], held by threads[(i + 1) % n]. */
typedef struct native_deadlock {
    size_t n;
    int32_t *threads;
    uint64_t *mutexes;
    const char **names; /* the locks' holders (names), as in hs_waits_on */
} native_deadlock;

/* The cycles among tasks (each once, starting at its smallest thread id); *out malloc'd. */
int native_deadlocks(const hs_task *tasks, size_t n, native_deadlock **out, size_t *nout);
void native_deadlocks_free(native_deadlock *d, size_t n);

#endif
