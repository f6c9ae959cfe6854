/* glibc_objects.c - a glibc heap's in-use chunks as an object graph's table (glibc_objects.h).
 * The walk gives each heap's chunks in address order, heap after heap, then the mmapped chunks:
 * runs of rising addresses, merged (a general sort only when there are many). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "glibc_objects.h"

typedef struct class_key {
    UT_hash_handle hh;
    uint64_t key; /* size, top bit: mmapped */
    uint32_t index;
} class_key;

typedef struct objects {
    uint64_t *addr;
    uint32_t *cls, *type; /* type: ids of names */
    uint32_t n, cap;
    hs_objclass *classes;
    uint32_t nclasses, capclasses;
    class_key *by_key;
    hs_strtab *names;
    vtable_names *vt;
    int by_size, oom;
    uint64_t *mmapped;
    size_t nmmapped, capmmapped;
    const char *seen[16]; /* class names met lately (by their address), and their ids */
    uint32_t seen_id[16];
    uint64_t bytes;
} objects;

static int grow(objects *s)
{
    uint64_t cap = s->cap ? (uint64_t)s->cap + s->cap / 2 : 65536;
    if (cap > HS_GRAPH_MAX_SLOTS)
        cap = HS_GRAPH_MAX_SLOTS;
    if (cap <= s->n)
        return -1;
    uint64_t *a = realloc(s->addr, cap * sizeof *a);
    if (a)
        s->addr = a;
    uint32_t *c = a ? realloc(s->cls, cap * sizeof *c) : NULL;
    if (c)
        s->cls = c;
    uint32_t *t = c ? realloc(s->type, cap * sizeof *t) : NULL;
    if (!t)
        return -1;
    s->type = t;
    s->cap = (uint32_t)cap;
    return 0;
}

/* The size class of a chunk of size bytes, made on first sight. */
static uint32_t class_of(objects *s, uint64_t size, int mmapped)
{
    uint64_t key = size | (uint64_t)(mmapped != 0) << 63;
    class_key *e;
    HASH_FIND(hh, s->by_key, &key, sizeof key, e);
    if (e)
        return e->index;
    if (s->nclasses == s->capclasses) {
        uint32_t cap = s->capclasses ? s->capclasses * 2 : 64;
        hs_objclass *v = realloc(s->classes, cap * sizeof *v);
        if (!v)
            return UINT32_MAX;
        s->classes = v, s->capclasses = cap;
    }
    char name[64];
    snprintf(name, sizeof name, s->by_size ? "%llu B%s" : "<malloc %llu B%s>", (unsigned long long)size,
             mmapped ? " mmapped" : "");
    uint32_t id = hs_strtab_intern(s->names, name);
    if (id == UINT32_MAX || !(e = calloc(1, sizeof *e)))
        return UINT32_MAX;
    e->key = key;
    e->index = s->nclasses;
    HASH_ADD(hh, s->by_key, key, sizeof e->key, e);
    s->classes[s->nclasses] = (hs_objclass){size, id};
    return s->nclasses++;
}

static int collect(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped)
{
    objects *s = ctx;
    if (s->n == s->cap && grow(s) < 0)
        return s->oom = 1;
    const char *cls = s->vt ? vtable_names_lookup(s->vt, word0) : NULL;
    size_t slot = ((uintptr_t)cls >> 4) % 16;
    if (cls && cls != s->seen[slot]) {
        s->seen_id[slot] = hs_strtab_intern(s->names, cls);
        s->seen[slot] = cls;
    }
    uint32_t k = class_of(s, size, mmapped), type = cls ? s->seen_id[slot] : 0;
    if (k == UINT32_MAX || type == UINT32_MAX)
        return s->oom = 1;
    s->addr[s->n] = chunk, s->cls[s->n] = k, s->type[s->n++] = type;
    s->bytes += size;
    if (mmapped && s->nmmapped == s->capmmapped) {
        size_t cap = s->capmmapped ? s->capmmapped * 2 : 64;
        uint64_t *v = realloc(s->mmapped, cap * sizeof *v);
        if (!v)
            return s->oom = 1;
        s->mmapped = v, s->capmmapped = cap;
    }
    if (mmapped)
        s->mmapped[s->nmmapped++] = chunk;
    return 0;
}

static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

hs_oid glibc_block_at(const hs_graph *g, uint64_t w, size_t *hint)
{
    uint64_t start;
    hs_oid o = hs_graph_find_start(g, w, hint, &start);
    return o != HS_NO_OBJ && w - start >= 16 ? o : HS_NO_OBJ;
}

void glibc_block_memory(uint64_t chunk, uint64_t size, int mmapped, uint64_t *from, uint64_t *to)
{
    *from = chunk + 16;
    *to = chunk + size + (mmapped ? 0 : 8);
}

/* ---- address order ---- */

typedef struct run {
    uint32_t start, len;
} run;

typedef struct pair {
    uint64_t addr;
    uint32_t index;
} pair;

static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

#define MERGE_RUNS 64 /* up to this many runs are merged; more are sorted */

/* perm[j]: the object that comes j-th in address order: the runs merged (the head of least
 * address taken each time), or every object sorted when there are many runs. */
static int order(const objects *s, uint32_t *perm, run *runs, uint32_t nruns)
{
    if (nruns <= MERGE_RUNS) {
        for (uint32_t j = 0; j < s->n; j++) {
            uint32_t best = UINT32_MAX;
            for (uint32_t r = 0; r < nruns; r++)
                if (runs[r].len && (best == UINT32_MAX || s->addr[runs[r].start] < s->addr[runs[best].start]))
                    best = r;
            perm[j] = runs[best].start++;
            runs[best].len--;
        }
        return 0;
    }
    pair *p = malloc((size_t)s->n * sizeof *p);
    if (!p)
        return -1;
    for (uint32_t k = 0; k < s->n; k++)
        p[k] = (pair){s->addr[k], k};
    qsort(p, s->n, sizeof *p, pair_cmp);
    for (uint32_t k = 0; k < s->n; k++)
        perm[k] = p[k].index;
    free(p);
    return 0;
}

/* Puts the objects in address order (in place, following perm's cycles). */
static int sort_objects(objects *s)
{
    uint32_t nruns = 1;
    for (uint32_t k = 1; k < s->n; k++)
        nruns += s->addr[k] < s->addr[k - 1];
    if (nruns == 1)
        return 0;
    run *runs = malloc((size_t)nruns * sizeof *runs);
    uint32_t *perm = malloc((size_t)s->n * sizeof *perm);
    uint8_t *done = calloc((size_t)s->n / 8 + 1, 1);
    int rc = runs && perm && done ? 0 : -1;
    for (uint32_t k = 0, r = 0; rc == 0 && k < s->n; k++) {
        if (k == 0 || s->addr[k] < s->addr[k - 1])
            runs[r++] = (run){k, 0};
        runs[r - 1].len++;
    }
    if (rc == 0)
        rc = order(s, perm, runs, nruns);
    for (uint32_t i = 0; rc == 0 && i < s->n; i++) {
        if (done[i >> 3] >> (i & 7) & 1)
            continue;
        uint64_t a = s->addr[i];
        uint32_t c = s->cls[i], t = s->type[i], j = i;
        for (; perm[j] != i; j = perm[j]) {
            s->addr[j] = s->addr[perm[j]], s->cls[j] = s->cls[perm[j]], s->type[j] = s->type[perm[j]];
            done[j >> 3] |= (uint8_t)(1u << (j & 7));
        }
        s->addr[j] = a, s->cls[j] = c, s->type[j] = t;
        done[j >> 3] |= (uint8_t)(1u << (j & 7));
    }
    free(runs), free(perm), free(done);
    return rc;
}

/* ---- the graph ---- */

/* The graph over s's objects: names moved to its table, types set, the object table given. */
static hs_graph *make_graph(objects *s, int keep_tags, hs_err *err)
{
    hs_graph *g = hs_graph_new(s->n, keep_tags);
    uint32_t count = hs_strtab_count(s->names);
    uint32_t *map = g ? malloc((size_t)count * sizeof *map) : NULL;
    int ok = map != NULL;
    for (uint32_t id = 0; ok && id < count; id++)
        ok = (map[id] = hs_strtab_intern(hs_graph_names(g), hs_strtab_str(s->names, id))) != UINT32_MAX;
    if (!ok) {
        free(map);
        hs_graph_free(g);
        hs_errf(err, "out of memory building the heap graph");
        return NULL;
    }
    uint32_t *types = hs_graph_types(g);
    for (uint32_t k = 0; k < s->n; k++)
        types[k] = map[s->type[k]];
    for (uint32_t c = 0; c < s->nclasses; c++)
        s->classes[c].untyped = map[s->classes[c].untyped];
    free(map);
    hs_objtable *t = hs_objtable_new(s->addr, s->cls, s->n, s->classes, s->nclasses, err);
    s->addr = NULL, s->cls = NULL; /* the table's now, or freed */
    if (!t || hs_graph_set_objects(g, t, err) < 0) {
        hs_graph_free(g);
        return NULL;
    }
    return g;
}

static void objects_free(objects *s)
{
    class_key *e, *tmp;
    HASH_ITER(hh, s->by_key, e, tmp) {
        HASH_DEL(s->by_key, e);
        free(e);
    }
    free(s->addr), free(s->cls), free(s->type), free(s->classes), free(s->mmapped);
    hs_strtab_free(s->names);
}

int glibc_objects_graph(glibc_heap *h, vtable_names *vt, int by_size, int keep_tags, hs_graph **out,
                        uint64_t *objects_n, uint64_t *bytes, uint64_t **mmapped, size_t *nmmapped,
                        hs_err *err)
{
    objects s = {.vt = by_size ? NULL : vt, .by_size = by_size, .names = hs_strtab_new()};
    *out = NULL;
    int rc = s.names ? glibc_heap_walk(h, collect, &s, err) : hs_errf(err, "out of memory");
    if (rc == 0 && s.oom)
        rc = hs_errf(err, "out of memory (or more than 4 billion blocks) building the heap graph");
    if (rc == 0 && sort_objects(&s) < 0)
        rc = hs_errf(err, "out of memory sorting the heap's blocks");
    if (rc == 0 && !(*out = make_graph(&s, keep_tags, err)))
        rc = -1;
    *objects_n = s.n;
    *bytes = s.bytes;
    if (s.nmmapped > 1)
        qsort(s.mmapped, s.nmmapped, sizeof *s.mmapped, u64_cmp);
    *mmapped = rc == 0 ? s.mmapped : NULL;
    *nmmapped = rc == 0 ? s.nmmapped : 0;
    if (rc == 0)
        s.mmapped = NULL; /* the caller's */
    objects_free(&s);
    return rc;
}
