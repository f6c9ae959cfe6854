/* go_alloc_window.h - a thread inside one of the allocation functions the Go 1.26+ runtime
 * generates per size class (runtime.mallocgcSmallNoScanSC2 ...), caught between its store of
 * span.freeindex and its increment of span.allocCount: the slot already reads as allocated, the
 * span's count (and so the heap statistics) not yet. The body of nextFreeFast is written out in
 * those functions, so no inlined frame shows it: their code is decoded (capstone) instead. */
#ifndef HS_GO_ALLOC_WINDOW_H
#define HS_GO_ALLOC_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "go_runtime.h"

/* 1 when func (its name) is such a generated allocation function. */
int go_alloc_generated(const char *func);

/* 1 when, in the code of a function at link-time entry (len bytes), pc lies after a store to
 * [reg + freeindex_off] and at or before the next write to [reg + alloc_count_off]. */
int go_alloc_in_window(const uint8_t *code, size_t len, uint64_t entry, uint64_t pc,
                       int64_t freeindex_off, int64_t alloc_count_off);

#endif
