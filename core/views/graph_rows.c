/* graph_rows.c - rows by type name from an object graph (see graph_rows.h): counts per name id
 * in one array pass over the blocks (or the object table), then one row per name that has objects. */
#include "graph_rows.h"

#include <stdlib.h>

uint64_t hs_graph_count(const hs_graph *g, const uint8_t *marks, enum hs_reach which, hs_oid first,
                        uint32_t count)
{
    const uint8_t *present = hs_graph_present_bits(g);
    uint64_t n = 0;
    for (uint32_t k = 0; k < count; k++) {
        hs_oid o = first + k;
        if ((present[o >> 3] >> (o & 7) & 1) && hs_reach_keeps(which, marks, o))
            n++;
    }
    return n;
}

typedef struct tally {
    uint64_t objects, bytes;
    uint8_t typed;
} tally;

static void add(tally *t, uint32_t nnames, uint32_t name, int typed, uint64_t size)
{
    if (name >= nnames)
        return;
    t[name].objects++;
    t[name].bytes += size;
    t[name].typed |= (uint8_t)typed;
}

int hs_graph_type_rows(const hs_graph *g, const uint8_t *marks, enum hs_reach which, hs_type_rows *rows)
{
    const hs_strtab *names = hs_graph_names(g);
    uint32_t nnames = hs_strtab_count(names);
    tally *t = calloc(nnames ? nnames : 1, sizeof *t);
    if (!t)
        return -1;
    const uint8_t *present = hs_graph_present_bits(g);
    if (hs_graph_nblocks(g) == 0) /* an object table: object by object */
        for (hs_oid o = 0; o < hs_graph_nslots(g); o++)
            if ((present[o >> 3] >> (o & 7) & 1) && hs_reach_keeps(which, marks, o))
                add(t, nnames, hs_graph_name(g, o), hs_graph_type(g, o) != 0, hs_graph_size(g, o));
    for (size_t i = 0; i < hs_graph_nblocks(g); i++) {
        const hs_block *b = hs_graph_block(g, i);
        for (uint32_t k = 0; k < b->count; k++) {
            hs_oid o = b->first + k;
            if (!(present[o >> 3] >> (o & 7) & 1) || !hs_reach_keeps(which, marks, o))
                continue;
            uint32_t type = hs_graph_type(g, o);
            add(t, nnames, type ? type : b->untyped, type != 0, b->stride);
        }
    }
    int r = 0;
    for (uint32_t n = 0; n < nnames && r == 0; n++)
        if (t[n].objects)
            r = hs_type_rows_add(rows, hs_strtab_str(names, n), t[n].typed, t[n].objects, t[n].bytes);
    free(t);
    return r;
}
