/* go_memstats.h - the runtime's own statistics, read from the target and combined the way
 * runtime.ReadMemStats combines them (including what per-P caches have not flushed yet), labelled
 * as runtime.MemStats labels them. */
#ifndef HS_GO_MEMSTATS_H
#define HS_GO_MEMSTATS_H

#include <stdint.h>

#include "go_runtime.h"

enum go_memstat {
    GO_MS_HEAP_ALLOC, GO_MS_HEAP_OBJECTS, GO_MS_HEAP_SYS, GO_MS_HEAP_INUSE, GO_MS_HEAP_IDLE,
    GO_MS_HEAP_RELEASED, GO_MS_TOTAL_ALLOC, GO_MS_MALLOCS, GO_MS_FREES, GO_MS_SYS,
    GO_MS_STACK_INUSE, GO_MS_NUM_GC, GO_MS_NEXT_GC, GO_MS_LAST_GC, GO_MS_PAUSE_TOTAL_NS,
    GO_MS_COUNT
};

typedef struct go_memstats {
    uint64_t v[GO_MS_COUNT];
    uint8_t have[GO_MS_COUNT]; /* 0 when this release/binary does not let us compute it */
    char why[320];             /* why some fields are missing; "" when every field is present */
} go_memstats;

/* "HeapAlloc", "HeapObjects", ... as in runtime.MemStats; JSON keys use snake_case forms
 * ("heap_alloc"). */
const char *go_memstat_name(enum go_memstat s);
const char *go_memstat_key(enum go_memstat s);

/* Fills what it can; fails only when nothing at all can be read. */
int go_memstats_read(go_rt *rt, go_memstats *m, hs_err *err);

#endif
