/* go_heap_priv.h - the inside of go_heap shared by its files: the heap object, a span while it is
 * being read, and the steps of go_heap_open (collect spans, then read their bitmaps). */
#ifndef HS_GO_HEAP_PRIV_H
#define HS_GO_HEAP_PRIV_H

#include "../util/strbuf.h"
#include "go_heap.h"
#include "go_heap_span.h"

#define GO_HEAP_POLL_EVERY 4096 /* spans between checks of hs_interrupted */

struct go_heap {
    go_rt *rt;
    go_span *spans; /* sorted by base, never overlapping */
    size_t nspans;
    uint8_t *bits;  /* every span's allocation bitmap; span i's starts at byte spans[i].bit0/8 */
    uint64_t nslots, nbits, nobjects, nbytes;
    int gcphase;
    strbuf warnings;
    size_t nproblems; /* warnings raised; only the first GO_HEAP_MAX_LISTED are listed */
};

#define GO_HEAP_MAX_LISTED 20

/* A span being read: its record and what reading its bitmap needs. */
typedef struct heap_cand {
    go_span s;
    uint64_t alloc_bits, freeindex;
    int skip;
} heap_cand;

typedef struct heap_cands {
    heap_cand *v;
    size_t n, cap;
} heap_cands;

/* Adds one line to the warnings (only the first GO_HEAP_MAX_LISTED are kept; the rest are
 * counted and summarised by heap_warn_finish). */
void heap_warn(go_heap *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void heap_warn_finish(go_heap *h);

/* Reads runtime.mheap_.allspans and keeps the in-use spans whose metadata hangs together. */
int heap_collect(go_heap *h, heap_cands *out, hs_err *err);

/* Sorts the spans, drops overlapping ones, reads every allocation bitmap into h->bits and keeps
 * the spans whose bitmap could be read in h->spans. */
int heap_read_bits(go_heap *h, heap_cands *c, hs_err *err);

#endif
