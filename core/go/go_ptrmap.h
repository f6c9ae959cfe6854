/* go_ptrmap.h - which words of a Go heap object the garbage collector scans as pointers, read
 * the way each release records them:
 *   1.19       heapArena.bitmap, 2 bits per word (pointer, scan/dead) nibble-packed, scanning
 *              stops at the first word whose scan bit is clear;
 *   1.20-1.21  heapArena.bitmap, 1 bit per word, plus heapArena.noMorePtrs;
 *   1.22+      objects of at most 512 bytes: a bitmap at the end of their span (moved down by
 *              Green Tea's inline mark bits for 16..512-byte objects); larger objects of small
 *              size classes: an 8-byte allocation header holding the type, whose pointer mask
 *              repeats every type size to the end of the slot; large objects: span.largeType
 *              (nil while being allocated: nothing to scan).
 * A span is opened once (its share of the arena bitmap read in one go), then asked per object. */
#ifndef HS_GO_PTRMAP_H
#define HS_GO_PTRMAP_H

#include <stdint.h>

#include "go_heap.h"

enum go_ptrs {
    GO_PTRS_PRECISE = 0,      /* bits says which words are pointers */
    GO_PTRS_NONE = 1,         /* nothing to scan (noscan span, large object being allocated) */
    GO_PTRS_CONSERVATIVE = 2, /* no precise map can be read: treat every word as a possible
                                 pointer (a warning counts these) */
};

typedef struct go_ptrmap go_ptrmap;

typedef struct go_ptrmap_stats {
    uint64_t conservative_objects, conservative_bytes; /* scanned without a precise map */
    uint64_t bad_headers;   /* allocation headers or largeType not naming a plausible type */
    uint64_t unreadable;    /* bitmap bytes that could not be read */
} go_ptrmap_stats;

int go_ptrmap_open(go_ptrmap **out, go_rt *rt, hs_err *err);
void go_ptrmap_close(go_ptrmap *pm);

/* Opens span s for per-object questions. span_mem holds the span's bytes [base, base +
 * npages*8192) when the caller has them (it needs them for in-span bitmaps and headers), else
 * NULL (then they are read as needed). Returns 0, -1 when nothing of the span's map is readable
 * (every object then answers GO_PTRS_CONSERVATIVE). */
int go_ptrmap_span(go_ptrmap *pm, const go_span *s, const uint8_t *span_mem);

/* The pointer words of slot `slot` of the open span: bit i (LSB first) of bits set when word i
 * of the slot (at slot start + 8*i) is a pointer; bits holds (elemsize/8 + 7)/8 bytes. */
enum go_ptrs go_ptrmap_object(go_ptrmap *pm, uint32_t slot, uint8_t *bits);

/* Where the pointer data of the type descriptor at addr ends and its mask, as the collector
 * reads it (tiles of `size` bytes): 0, or -1 when the descriptor is unusable. Used for
 * allocation headers and for typed values elsewhere (stack objects use their own masks). */
int go_ptrmap_type(go_ptrmap *pm, uint64_t addr, uint64_t *size, uint64_t *ptrbytes,
                   const uint8_t **mask);

const go_ptrmap_stats *go_ptrmap_stats_of(const go_ptrmap *pm);

#endif
