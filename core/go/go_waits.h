/* go_waits.h - what each blocked goroutine waits on, as Go's goroutine leak detector reads it
 * (mgc.go isMaybeRunnable): a channel operation or select waits on the channels of the sudogs
 * g.waiting chains through waitlink (sudog.c); sync.Mutex, RWMutex, WaitGroup and Cond waits on
 * the sync object (sudog.elem: g.waiting from 1.26, before that found by the goroutine in the
 * semaphore table's treaps, where Cond waiters are not); a nil channel or select {} on nothing.
 * Every sudog met is listed: they are the wait queues, which wake nobody. Other waits (sleep, I/O,
 * system calls, semacquire, the runtime's own) get no verdict. */
#ifndef HS_GO_WAITS_H
#define HS_GO_WAITS_H

#include <stddef.h>
#include <stdint.h>

#include "../graph/leaks.h"
#include "go_goroutines.h"

/* What a goroutine's wait reason says it waits on. */
enum go_wait_class {
    GO_WAIT_OTHER,   /* no object: sleep, I/O, a system call, the runtime's own */
    GO_WAIT_NILCHAN, /* a send or receive on a nil channel */
    GO_WAIT_NOCASES, /* select {} */
    GO_WAIT_CHAN,    /* a channel operation or select */
    GO_WAIT_SYNC,    /* a sync object's semaphore (Mutex, RWMutex, WaitGroup, Cond; semacquire) */
};

typedef struct go_wait {
    uint8_t kind;           /* enum hs_wait_kind */
    uint8_t cls;            /* enum go_wait_class (also for a goroutine the runtime marked leaked) */
    uint8_t runtime_leaked; /* the runtime itself marked it leaked (_Gleaked, 1.26+) */
    uint32_t first, n;      /* what it waits on: addrs[first, first+n) (run-time addresses) */
} go_wait;

typedef struct go_waits {
    go_wait *v;             /* one per goroutine of the go_goroutines read, in its order */
    uint64_t *addrs;
    size_t naddrs;
    uint64_t *sudogs;       /* every sudog met */
    size_t nsudogs;
} go_waits;

int go_waits_read(go_rt *rt, const go_goroutines *gs, go_waits *out, hs_err *err);
void go_waits_free(go_waits *w);

#endif
