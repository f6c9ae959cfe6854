/* root_sets.h - the graph's roots gathered into sets (root units of a dominator tree or a path
 * forest, the goroutines of a leak verdict), each set's roots in root order. */
#ifndef HS_ROOT_SETS_H
#define HS_ROOT_SETS_H

#include <stdint.h>

#include "graph.h"

/* roots[start[k] .. start[k+1]) are the roots r with set_of[r] == k, in root order; a root whose
 * set_of is nsets or more is in none. *start (nsets + 1 entries) and *roots are malloc'ed.
 * 0, or -1 out of memory (err says so). */
int hs_root_sets(const hs_graph *g, const uint32_t *set_of, uint32_t nsets, uint32_t **start,
                 uint32_t **roots, hs_err *err);

#endif
