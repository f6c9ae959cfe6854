/* mark.h - marking an object graph: what is reachable from a chosen set of roots (all of them,
 * or some: a leak check leaves out the goroutines it suspects). A mark holds one bit per slot
 * and a work stack; every object is pushed at most once, so the stack never exceeds the number
 * of objects and the walk ends on any graph, cycles included. Marking can continue: mark more
 * roots or objects and run again (a fixpoint adds roots as it learns what is live). */
#ifndef HS_MARK_H
#define HS_MARK_H

#include <stdint.h>

#include "../util/progress.h"
#include "graph.h"

typedef struct hs_mark hs_mark;

hs_mark *hs_mark_new(const hs_graph *g); /* NULL when out of memory */
void hs_mark_free(hs_mark *m);

/* Where hs_mark_run says how many objects it has marked (p may be NULL: nowhere). */
void hs_mark_set_progress(hs_mark *m, hs_progress *p);

/* Marks what root r points to / object o (1 when o was not marked before). */
void hs_mark_root(hs_mark *m, uint32_t r);
int hs_mark_object(hs_mark *m, hs_oid o);
/* Marks the targets of every root for which keep(ctx, r) is nonzero (keep NULL: all roots). */
void hs_mark_roots(hs_mark *m, int (*keep)(void *ctx, uint32_t root), void *ctx);

/* Follows edges from everything marked so far until nothing new is reached. Objects whose flag
 * byte (hs_graph_flags) has a bit of skip_flags are marked but not followed. Returns 0, -1 when
 * interrupted (poll may be NULL) or out of memory (err says which). */
int hs_mark_run(hs_mark *m, uint8_t skip_flags, int (*poll)(void *ctx), void *ctx, hs_err *err);

int hs_mark_is(const hs_mark *m, hs_oid o);
const uint8_t *hs_mark_bits(const hs_mark *m); /* one bit per slot, LSB first */
/* Marked objects and their bytes. */
void hs_mark_totals(const hs_mark *m, uint64_t *objects, uint64_t *bytes);

#endif
