/* go_heapgraph.h - the Go heap as an object graph (core/graph): every allocated object (a slot
 * of an in-use span, numbered as go_span.bit0 numbers them), the pointers between objects as the
 * collector reads them (go_ptrmap), and the roots the collector marks from:
 *   - data and bss, word by word by the module's gcdatamask/gcbssmask, one root per global
 *     variable the symbol table names;
 *   - every goroutine stack, frame by frame by the stack maps of each PC (locals, arguments,
 *     stack objects reached from them), defer records, panics and the saved context register;
 *     frames with no map (asynchronous preemption, a running goroutine's innermost frame) and
 *     thread registers are scanned conservatively, and the bytes so scanned are counted;
 *   - finalizer and cleanup specials (a finalizer keeps what its object points to, not the
 *     object), weak handles, queued finalizers and cleanups, each P's tiny-allocation block;
 * then marks from all of them. What is marked is what the next collection would keep. */
#ifndef HS_GO_HEAPGRAPH_H
#define HS_GO_HEAPGRAPH_H

#include <stdint.h>

#include "../graph/graph.h"
#include "../graph/mark.h"
#include "../util/strbuf.h"
#include "go_heap.h"

/* A stack frame scanned as a root, kept so its variables can be typed (DWARF locals). */
typedef struct go_root_frame {
    uint64_t pc;      /* lookup PC (link-time, inside the call when a return address) */
    uint64_t fp;      /* the caller's SP (run-time): DWARF's frame base (CFA) */
    uint64_t lo, hi;  /* the goroutine's stack */
    uint32_t root;    /* the graph root holding its edges */
    uint32_t live0, nlive; /* its pointer slots the maps say are live: live_slots[live0 ...],
                              their values at live_vals[live0 ...] */
} go_root_frame;

typedef struct go_heapgraph_stats {
    uint64_t roots_data, roots_stack, roots_special;     /* root edges by origin */
    uint64_t goroutines, frames, frames_precise;
    uint64_t stack_objects;           /* stack objects reached and scanned */
    uint64_t conservative_bytes;      /* stack bytes and registers scanned without a map */
    uint64_t conservative_heap_bytes; /* heap objects scanned without a pointer map */
    uint64_t finalizers, cleanups, weak_handles, queued;
} go_heapgraph_stats;

typedef struct go_heapgraph {
    hs_graph *g;
    hs_mark *live;          /* reachable from every root */
    uint64_t objects, bytes, live_objects, live_bytes;
    go_root_frame *frames;  /* frames with a root, in root order */
    size_t nframes;
    uint64_t *live_slots;   /* stack addresses of live pointer slots, per frame (sorted) */
    uint64_t *live_vals;    /* what each holds */
    size_t nlive_slots;
    uint64_t *group_goid;   /* root group -> goroutine id (groups 1 .. ngroups-1) */
    uint64_t *name_type;    /* after type inference: per name id (below nname_type), the type
                               descriptor of objects holding one value of it (0: none known) */
    uint32_t nname_type;
    size_t ngroups;
    go_heapgraph_stats st;
    strbuf warnings;        /* counted problems, one line each */
} go_heapgraph;

/* Builds the graph of h, its roots, and marks. keep_tags keeps where each edge was found.
 * Fails only when out of memory, interrupted, or when the runtime's pointer maps cannot be
 * found at all; unreadable or inconsistent pieces are skipped and counted in warnings. */
int go_heapgraph_build(go_rt *rt, go_heap *h, int keep_tags, go_heapgraph *out, hs_err *err);
void go_heapgraph_free(go_heapgraph *hg);
/* Only the objects (no edges, roots or mark: live is NULL), for typing when the mark cannot run. */
int go_heapgraph_objects(go_heap *h, go_heapgraph *out, hs_err *err);

/* The graph object of the slot `slot` of span index `span` (go_heap numbering). */
static inline hs_oid go_heapgraph_oid(const go_span *s, uint32_t slot)
{
    return (hs_oid)(s->bit0 + slot);
}

#endif
