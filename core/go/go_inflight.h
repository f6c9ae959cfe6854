/* go_inflight.h - threads stopped halfway through runtime code that changes a span's allocation
 * state and the heap statistics in separate steps: sweeping a span (its allocCount and allocBits
 * are reset before its frees are counted), refilling or flushing a P's span cache (the old span
 * is uncached before, or counted before it is uncached), allocating a large object or taking the
 * next free slot. A process stopped there (ptrace, gcore, a crash) shows a heap the statistics do
 * not match yet; runtime.ReadMemStats never sees that, as it stops the world at safe points. */
#ifndef HS_GO_INFLIGHT_H
#define HS_GO_INFLIGHT_H

#include <stddef.h>

#include "go_runtime.h"

typedef struct go_inflight {
    int32_t tid;
    char func[64]; /* the runtime function, as the runtime names it */
} go_inflight;

/* Fills up to cap entries, one per such thread (its innermost such function); returns how many
 * threads are in flight (may exceed cap). Threads whose stack cannot be walked are not counted. */
size_t go_inflight_threads(go_rt *rt, go_inflight *out, size_t cap);

/* "thread 123 was inside runtime.(*sweepLocked).sweep; thread 124 was inside ..." for the n
 * entries of v, into buf. */
void go_inflight_describe(const go_inflight *v, size_t n, char *buf, size_t cap);

#endif
