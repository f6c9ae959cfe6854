/* graph_rows.h - heap rows from an object graph (core/graph): objects per type name, all of
 * them, or only those a mark reached (live), or only those it did not (unreachable). Objects of
 * unknown type count under their block's name ("<noscan 48B>") as untyped rows. */
#ifndef HS_GRAPH_ROWS_H
#define HS_GRAPH_ROWS_H

#include <stdint.h>

#include "../graph/graph.h"
#include "type_rows.h"

enum hs_reach { HS_REACH_ALL, HS_REACH_LIVE, HS_REACH_UNREACHABLE };

/* Does object o count under `which`, given mark bits (NULL: nothing is marked)? */
static inline int hs_reach_keeps(enum hs_reach which, const uint8_t *marks, hs_oid o)
{
    int marked = marks && (marks[o >> 3] >> (o & 7) & 1);
    return which == HS_REACH_ALL || (which == HS_REACH_LIVE) == marked;
}

/* Adds the graph's objects under `which` to rows, one row per name. 0, or -1 out of memory. */
int hs_graph_type_rows(const hs_graph *g, const uint8_t *marks, enum hs_reach which, hs_type_rows *rows);

/* Objects among slots [first, first+count) present and kept under `which`. */
uint64_t hs_graph_count(const hs_graph *g, const uint8_t *marks, enum hs_reach which, hs_oid first,
                        uint32_t count);

#endif
