/* go_heap.h - the Go heap of a target: every in-use span of runtime.mheap_ and which of its
 * slots hold allocated objects, by the allocation rules of each release (allocBits and
 * freeindex, allocation headers from 1.22, span.largeType, Green Tea's span layout). The
 * allocation bitmaps are read once and kept: memory scales with the heap's metadata (one bit
 * per slot), never with a structure per object. */
#ifndef HS_GO_HEAP_H
#define HS_GO_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "go_runtime.h"

typedef struct go_span {
    uint64_t addr;        /* the runtime.mspan */
    uint64_t base, limit; /* objects lie in [base, limit) */
    uint64_t npages;
    uint64_t elemsize;    /* slot size; objects are base + k*elemsize */
    uint32_t nelems;
    uint32_t nalloc;      /* allocated slots (bits set in the span's allocation bitmap) */
    uint32_t alloc_count; /* the runtime's own count (mspan.allocCount); differs from nalloc only
                             when the span's metadata is inconsistent (a warning says so) */
    uint64_t bit0;        /* index of slot 0 in a heap-wide numbering of slots (for bitmaps);
                             a multiple of 8, rising with base; some numbers stay unused */
    uint8_t spanclass, sizeclass, noscan;
    uint8_t header;       /* each object starts with an 8-byte *abi.Type (1.22+: scan span,
                             small size class, elemsize > 512) */
    uint8_t unswept;      /* not swept since the last GC: allocated slots may be garbage */
    uint64_t large_type;  /* sizeclass 0, 1.22+: the object's type (span.largeType), else 0 */
    uint64_t specials;    /* the span's list of specials (finalizers, profile records, ...) */
} go_span;

typedef struct go_heap go_heap;

/* Reads every span of runtime.mheap_.allspans and the allocation bitmaps of the in-use ones.
 * Fails only when the heap cannot be found or read at all (no runtime.mheap_, allspans corrupt
 * or unreadable, an unknown mspan layout) or when hs_interrupted says so; a span whose metadata
 * does not hang together is skipped and named in go_heap_warnings. */
int go_heap_open(go_heap **out, go_rt *rt, hs_err *err);
void go_heap_close(go_heap *h);

size_t go_heap_nspans(const go_heap *h);
const go_span *go_heap_span(const go_heap *h, size_t i); /* sorted by base */
uint64_t go_heap_nslots(const go_heap *h);               /* sum of nelems over all spans */
/* Size of the heap-wide slot numbering: every bit0 + slot is below it. A bitmap over all slots
 * (marks, visited) needs this many bits. */
uint64_t go_heap_nbits(const go_heap *h);

/* Allocation bitmap of span i: bit k (LSB first) is set when slot k holds an object. */
const uint8_t *go_heap_alloc_bits(const go_heap *h, size_t i);

/* The span holding addr (an object start or an interior pointer) and the slot it falls in;
 * returns the span index, or -1 when addr is not inside any in-use span's objects. Whether the
 * slot is allocated is go_heap_allocated(). */
long go_heap_find(const go_heap *h, uint64_t addr, uint32_t *slot);
int go_heap_allocated(const go_heap *h, size_t span, uint32_t slot);

/* Live objects and their bytes over all spans (sum of nalloc, of nalloc * elemsize). */
void go_heap_totals(const go_heap *h, uint64_t *objects, uint64_t *bytes);

/* runtime.gcphase when the heap was read: 0 no collection running (_GCoff), 1 marking, 2 mark
 * termination; -1 when unknown. While marking, "allocated" still means what the runtime counts. */
int go_heap_gcphase(const go_heap *h);

/* Problems met while walking (a span skipped, a count that does not add up), one per line. */
const char *go_heap_warnings(const go_heap *h);

#endif
