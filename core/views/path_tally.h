/* path_tally.h - live objects counted by the chain of their shortest path from a root
 * (views/holders.h) and their own name: heap-paths' groups for one type (with the bytes they
 * keep alive), and the samples of a reference-chain profile for all of them. */
#ifndef HS_PATH_TALLY_H
#define HS_PATH_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "../graph/dominators.h"
#include "holders.h"

typedef struct hs_path_row {
    uint32_t chain, name;           /* the path's chain; the objects' name id */
    uint64_t objects, bytes;
    uint64_t retained_objects, retained_bytes; /* with a dominator tree (else 0) */
} hs_path_row;

/* One row per (chain, name) over the objects the path forest reached, only objects named `name`
 * when it is nonzero; sorted by bytes, largest first. With d, each row's retained objects and
 * bytes: what its objects keep alive, an object dominated by another of the same name not
 * counted again. *rows is malloc'ed. */
int hs_path_tally(const hs_graph *g, const hs_paths *p, const hs_chains *c, const hs_dom *d,
                  uint32_t name, hs_path_row **rows, size_t *n, hs_err *err);

#endif
