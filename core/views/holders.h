/* holders.h - who holds what, for any runtime: the graph's roots grouped into units (a global,
 * a goroutine's frames together), and for every reachable object the chain of steps of its
 * shortest path from a root (core/graph/paths.h), as a person reads it: the root's label first,
 * then the names of the objects passed through (the model may rename a step or leave it out,
 * e.g. a map's internal buckets), consecutive equal steps counted once (a linked list is one
 * chain). Chains are shared in a trie: an object's chain is a number. */
#ifndef HS_HOLDERS_H
#define HS_HOLDERS_H

#include <stddef.h>
#include <stdint.h>

#include "../graph/graph.h"
#include "../graph/paths.h"

typedef struct hs_units {
    uint32_t *unit_of;   /* per root: its unit */
    uint32_t *first;     /* per unit: its first root */
    uint32_t n;
} hs_units;

/* One unit per root group (group > 0: a goroutine's frames and registers), one per other root;
 * units numbered in order of their first root. */
int hs_units_build(const hs_graph *g, hs_units *u, hs_err *err);
void hs_units_free(hs_units *u);

/* The model's names: the label of a path's start (root r, the edge's tag, the first object), as a
 * name id of the graph's string table; the step object `obj` (of name id `name`) makes when the
 * path leaves it through the edge with `tag` (where in it the pointer is; UINT32_MAX unknown): a
 * name id, or 0 to leave it out. */
typedef struct hs_chain_namer {
    uint32_t (*label)(void *ctx, uint32_t root, uint32_t tag, hs_oid first);
    uint32_t (*step)(void *ctx, hs_oid obj, uint32_t name, uint32_t tag);
    void *ctx;
} hs_chain_namer;

typedef struct hs_chains hs_chains;

#define HS_NO_CHAIN UINT32_MAX

int hs_chains_build(hs_chains **out, const hs_graph *g, const hs_paths *p, const hs_units *u,
                    const hs_chain_namer *nm, hs_err *err);
void hs_chains_free(hs_chains *c);

/* The chain of o's path up to (not including) o, HS_NO_CHAIN when no root reaches o. */
uint32_t hs_chains_of(const hs_chains *c, hs_oid o);
/* The root whose edge starts the chain, and that edge's tag. */
uint32_t hs_chains_root(const hs_chains *c, uint32_t chain, uint32_t *tag);
/* The chain's names, label first, into out (at most max); returns how many it has. */
size_t hs_chains_steps(const hs_chains *c, uint32_t chain, uint32_t *out, size_t max);
uint32_t hs_chains_count(const hs_chains *c);


#endif
