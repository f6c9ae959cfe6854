/* path_tally.c - rows by (chain, name) over the path forest (see path_tally.h): objects in the
 * order the forest reached them, so an object's dominators (which lie on its shortest path)
 * come before it. */
#include "path_tally.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

typedef struct tally {
    UT_hash_handle hh;
    uint64_t key; /* chain << 32 | name */
    size_t row;
} tally;

static int by_bytes(const void *a, const void *b)
{
    const hs_path_row *x = a, *y = b;
    if (x->bytes != y->bytes)
        return x->bytes > y->bytes ? -1 : 1;
    return x->chain < y->chain ? -1 : x->chain > y->chain;
}

typedef struct acc {
    tally *index;
    hs_path_row *v;
    size_t n, cap;
} acc;

static hs_path_row *row_for(acc *a, uint32_t chain, uint32_t name)
{
    uint64_t key = (uint64_t)chain << 32 | name;
    tally *t;
    HASH_FIND(hh, a->index, &key, sizeof key, t);
    if (t)
        return &a->v[t->row];
    if (a->n == a->cap) {
        size_t cap = a->cap ? a->cap * 2 : 64;
        hs_path_row *v = realloc(a->v, cap * sizeof *v);
        if (!v)
            return NULL;
        a->v = v;
        a->cap = cap;
    }
    if (!(t = calloc(1, sizeof *t)))
        return NULL;
    t->key = key;
    t->row = a->n;
    HASH_ADD(hh, a->index, key, sizeof t->key, t);
    a->v[a->n] = (hs_path_row){chain, name, 0, 0, 0, 0};
    return &a->v[a->n++];
}

/* Is o dominated by an object named `name`? Known for its immediate dominator already. */
static int dominated_by_same(const hs_graph *g, const hs_dom *d, const uint8_t *below, hs_oid o,
                             uint32_t name)
{
    hs_oid up = hs_dom_idom_object(d, o);
    return up != HS_NO_OBJ && (hs_graph_name(g, up) == name || (below[up >> 3] >> (up & 7) & 1));
}

int hs_path_tally(const hs_graph *g, const hs_paths *p, const hs_chains *c, const hs_dom *d,
                  uint32_t name, hs_path_row **rows, size_t *n, hs_err *err)
{
    acc a = {0};
    size_t nreached;
    const hs_oid *order = hs_paths_order(p, &nreached);
    uint8_t *below = d && name ? calloc(hs_graph_nslots(g) / 8 + 1, 1) : NULL; /* under a `name` */
    int oom = d && name && !below;
    for (size_t i = 0; i < nreached && !oom; i++) {
        hs_oid o = order[i];
        uint32_t nm = hs_graph_name(g, o), chain = hs_chains_of(c, o);
        int same = below && dominated_by_same(g, d, below, o, name);
        if (same)
            below[o >> 3] |= (uint8_t)(1u << (o & 7));
        if ((name && nm != name) || chain == HS_NO_CHAIN)
            continue;
        hs_path_row *r = row_for(&a, chain, nm);
        if (!r) {
            oom = 1;
            break;
        }
        r->objects++;
        r->bytes += hs_graph_size(g, o);
        if (d && !same) {
            uint64_t objs, bytes;
            hs_dom_retained_object(d, o, &objs, &bytes);
            r->retained_objects += objs;
            r->retained_bytes += bytes;
        }
    }
    free(below);
    tally *t, *tmp;
    HASH_ITER(hh, a.index, t, tmp) {
        HASH_DEL(a.index, t);
        free(t);
    }
    if (oom) {
        free(a.v);
        return hs_errf(err, "out of memory counting reference paths");
    }
    if (a.n > 1)
        qsort(a.v, a.n, sizeof *a.v, by_bytes);
    *rows = a.v;
    *n = a.n;
    return 0;
}
