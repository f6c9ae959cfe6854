/* paths.h - the shortest-path forest of an object graph: a breadth-first walk from a pseudo-root
 * above the graph's roots, grouped into units (a unit is what a person calls one root: a global,
 * a goroutine with all its frames; the caller says which root belongs to which). Every reached
 * object gets its parent on one shortest path (an object, or the unit whose root points to it),
 * ties going to the earlier unit and then the earlier edge; and the order of the walk, in which
 * parents come before their children. Only objects present and set in `live` take part.
 * With a graph that keeps edge tags, each object also keeps the tag of the edge that reached it.
 * Memory: 8 bytes per slot (parent, order), 12 with tags. */
#ifndef HS_PATHS_H
#define HS_PATHS_H

#include <stddef.h>
#include <stdint.h>

#include "../util/progress.h"
#include "graph.h"

typedef struct hs_paths hs_paths;

/* unit_of[r]: the unit of root r (< nunits), or UINT32_MAX to leave the root out. live: one bit
 * per slot (NULL: every present object). poll (may be NULL) is asked now and then; nonzero stops
 * with "interrupted". prog (may be NULL) is told how many objects the walk has passed. */
int hs_paths_build(hs_paths **out, const hs_graph *g, const uint8_t *live, const uint32_t *unit_of,
                   uint32_t nunits, int (*poll)(void *ctx), void *ctx, hs_progress *prog,
                   hs_err *err);
void hs_paths_free(hs_paths *p);

/* o's parent object, or HS_NO_OBJ with *unit set to the unit whose root points to o, or
 * HS_NO_OBJ with *unit UINT32_MAX when nothing reaches o. */
hs_oid hs_paths_parent(const hs_paths *p, hs_oid o, uint32_t *unit);
/* The tag of the edge that reached o (where in its parent, or in the root, it was found);
 * UINT32_MAX when the graph keeps no tags or nothing reaches o. */
uint32_t hs_paths_tag(const hs_paths *p, hs_oid o);
/* The reached objects in the order of the walk (parents first). */
const hs_oid *hs_paths_order(const hs_paths *p, size_t *n);

#endif
