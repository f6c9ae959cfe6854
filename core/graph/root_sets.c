/* root_sets.c - roots gathered into sets by a counting sort (see root_sets.h). */
#include "root_sets.h"

#include <stdlib.h>

int hs_root_sets(const hs_graph *g, const uint32_t *set_of, uint32_t nsets, uint32_t **start,
                 uint32_t **roots, hs_err *err)
{
    uint32_t nroots = hs_graph_nroots(g);
    uint32_t *s = calloc((size_t)nsets + 2, sizeof *s), *v = malloc(((size_t)nroots + 1) * sizeof *v);
    if (!s || !v) {
        free(s);
        free(v);
        return hs_errf(err, "out of memory grouping %u roots", nroots);
    }
    for (uint32_t r = 0; r < nroots; r++) /* counts of set k at s[k + 2] ... */
        if (set_of[r] < nsets)
            s[set_of[r] + 2]++;
    for (uint32_t k = 2; k <= nsets + 1; k++) /* ... prefix sums: set k fills from s[k + 1] ... */
        s[k] += s[k - 1];
    for (uint32_t r = 0; r < nroots; r++)
        if (set_of[r] < nsets)
            v[s[set_of[r] + 1]++] = r;
    *start = s; /* ... and ends where set k + 1 begins: s[k] is set k's start */
    *roots = v;
    return 0;
}
