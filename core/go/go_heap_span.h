/* go_heap_span.h - one runtime.mspan: where its members are in this release and their values
 * decoded from one copy of the struct. Shared by the heap walker and the memstats reader. */
#ifndef HS_GO_HEAP_SPAN_H
#define HS_GO_HEAP_SPAN_H

#include <stdint.h>

#include "go_runtime.h"

typedef struct go_span_layout {
    int64_t size; /* sizeof(runtime.mspan) */
    int64_t start_addr, npages, freeindex, nelems, alloc_bits, sweepgen, alloc_count,
        alloc_count_before_cache, spanclass, state, elemsize, limit, large_type, specials; /* -1: absent */
    int idx_size; /* bytes of freeindex and nelems: 8 (uintptr, <= 1.21) or 2 (uint16, 1.22+) */
    int64_t mheap_sweepgen, mheap_allspans;
    int64_t in_use; /* runtime.mSpanInUse */
} go_span_layout;

/* The members of one mspan, as stored. */
typedef struct go_span_raw {
    uint64_t base, npages, nelems, freeindex, elemsize, limit, alloc_bits, large_type, specials;
    uint32_t sweepgen;
    uint16_t alloc_count, alloc_count_before_cache;
    uint8_t spanclass, state;
} go_span_raw;

/* Finds every member (DWARF, else the per-release tables); fails naming a missing one. */
int go_span_layout_resolve(const go_rt *rt, go_span_layout *l, hs_err *err);

/* Decodes a copy of l->size bytes of an mspan. */
void go_span_decode(const go_span_layout *l, const uint8_t *buf, go_span_raw *r);

/* Why an in-use span's members cannot be right (a sentence fragment for a warning), or NULL when
 * they hang together: page-aligned base, plausible npages, slots inside the span, freeindex and
 * allocCount within nelems, a known size class whose size is elemsize. class_size has 68 entries. */
const char *go_span_problem(const go_span_raw *r, const uint32_t *class_size);

/* The span class's parts. */
static inline unsigned go_span_sizeclass(const go_span_raw *r) { return r->spanclass >> 1; }
static inline unsigned go_span_noscan(const go_span_raw *r) { return r->spanclass & 1; }

#endif
