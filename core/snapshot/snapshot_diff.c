/* snapshot_diff.c - comparing two snapshots (see snapshot_diff.h). */
#include "snapshot_diff.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

typedef struct by_key {
    UT_hash_handle hh;
    const char *key;
    uint64_t a, b;   /* bytes (rows) or count (groups) */
    uint64_t ao, bo; /* objects (rows) */
    const void *item_b, *item_a;
} by_key;

static by_key *entry(by_key **h, const char *key)
{
    by_key *e = NULL;
    HASH_FIND_STR(*h, key, e);
    if (!e && (e = calloc(1, sizeof *e)) != NULL) {
        e->key = key;
        HASH_ADD_KEYPTR(hh, *h, e->key, strlen(e->key), e);
    }
    return e;
}

static void free_keys(by_key **h)
{
    by_key *e, *tmp;
    HASH_ITER(hh, *h, e, tmp) {
        HASH_DEL(*h, e);
        free(e);
    }
}

static int row_cmp(const void *pa, const void *pb)
{
    const diff_row *a = pa, *b = pb;
    if (a->dbytes != b->dbytes)
        return a->dbytes > b->dbytes ? -1 : 1;
    if (a->dobjects != b->dobjects)
        return a->dobjects > b->dobjects ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int diff_rows_of(const snap_rows *a, const snap_rows *b, diff_rows *out)
{
    by_key *h = NULL;
    memset(out, 0, sizeof *out);
    out->present = a->present && b->present;
    for (size_t i = 0; out->present && i < a->n; i++) {
        by_key *e = entry(&h, a->v[i].key);
        if (!e)
            goto oom;
        e->a += a->v[i].bytes, e->ao += a->v[i].objects, e->item_a = &a->v[i];
    }
    for (size_t i = 0; out->present && i < b->n; i++) {
        by_key *e = entry(&h, b->v[i].key);
        if (!e)
            goto oom;
        e->b += b->v[i].bytes, e->bo += b->v[i].objects, e->item_b = &b->v[i];
    }
    out->v = calloc(HASH_COUNT(h) + 1, sizeof *out->v);
    if (!out->v)
        goto oom;
    for (by_key *e = h; e; e = e->hh.next) {
        if (e->a == e->b && e->ao == e->bo)
            continue;
        const snap_row *r = e->item_b ? e->item_b : e->item_a;
        out->v[out->n++] = (diff_row){r->name, (int64_t)(e->bo - e->ao), (int64_t)(e->b - e->a),
                                      e->bo, e->b, r->frames};
    }
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, row_cmp);
    free_keys(&h);
    return 0;
oom:
    free_keys(&h);
    return -1;
}

static int group_cmp(const void *pa, const void *pb)
{
    const diff_group *a = pa, *b = pb;
    if (a->dcount != b->dcount)
        return a->dcount > b->dcount ? -1 : 1;
    return strcmp(a->state, b->state);
}

static int diff_groups_of(const snapshot *a, const snapshot *b, snap_diff *d)
{
    by_key *h = NULL;
    for (size_t i = 0; i < a->ngroups; i++) {
        by_key *e = entry(&h, a->groups[i].key);
        if (!e)
            goto oom;
        e->a += a->groups[i].count, e->item_a = &a->groups[i];
    }
    for (size_t i = 0; i < b->ngroups; i++) {
        by_key *e = entry(&h, b->groups[i].key);
        if (!e)
            goto oom;
        e->b += b->groups[i].count, e->item_b = &b->groups[i];
    }
    d->groups = calloc(HASH_COUNT(h) + 1, sizeof *d->groups);
    if (!d->groups)
        goto oom;
    for (by_key *e = h; e; e = e->hh.next) {
        if (e->a == e->b)
            continue;
        const snap_group *g = e->item_b ? e->item_b : e->item_a;
        const char *change = !e->a ? "appeared" : !e->b ? "gone" : e->b > e->a ? "grew" : "shrank";
        d->groups[d->ngroups++] = (diff_group){g->state, g->frames, (int64_t)(e->b - e->a), e->b, change};
    }
    if (d->ngroups > 1)
        qsort(d->groups, d->ngroups, sizeof *d->groups, group_cmp);
    free_keys(&h);
    return 0;
oom:
    free_keys(&h);
    return -1;
}

static int diff_stats(const snapshot *a, const snapshot *b, snap_diff *d)
{
    d->stats = calloc(b->nstats + 1, sizeof *d->stats);
    if (!d->stats)
        return -1;
    for (size_t i = 0; i < b->nstats; i++)
        for (size_t k = 0; k < a->nstats; k++)
            if (strcmp(a->stats[k].key, b->stats[i].key) == 0) { /* the first, if a repeats it */
                d->stats[d->nstats++] = (diff_stat){b->stats[i].key, a->stats[k].value, b->stats[i].value};
                break;
            }
    return 0;
}

int snapshot_same_program(const snapshot *a, const snapshot *b)
{
    if (a->build_id && b->build_id && *a->build_id && *b->build_id)
        return strcmp(a->build_id, b->build_id) == 0;
    return a->executable && b->executable && strcmp(a->executable, b->executable) == 0 &&
           strcmp(a->version, b->version) == 0;
}

double snapshot_elapsed(const snapshot *a, const snapshot *b)
{
    if (a->runtime_clock > 0 && b->runtime_clock > 0 && a->pid == b->pid && snapshot_same_program(a, b))
        return b->runtime_clock - a->runtime_clock;
    return b->taken_at - a->taken_at;
}

int snapshot_diff(const snapshot *a, const snapshot *b, snap_diff *d, hs_err *err)
{
    memset(d, 0, sizeof *d);
    if (a->native != b->native)
        return hs_errf(err, "%s is of a %s program and %s of a %s one: nothing to compare", a->path,
                       a->native ? "native" : "Go", b->path, b->native ? "native" : "Go");
    d->a = a;
    d->b = b;
    d->elapsed = snapshot_elapsed(a, b);
    d->live = a->live && b->live;
    d->heap = a->heap_runtime && b->heap_runtime;
    if (d->heap) {
        d->dheap_objects = (int64_t)(b->heap_objects - a->heap_objects);
        d->dheap_bytes = (int64_t)(b->heap_bytes - a->heap_bytes);
    }
    d->dgoroutines = (int64_t)(b->goroutines - a->goroutines);
    if (diff_rows_of(&a->types, &b->types, &d->types) < 0 || diff_rows_of(&a->sites, &b->sites, &d->sites) < 0 ||
        diff_rows_of(&a->sizes, &b->sizes, &d->sizes) < 0 || diff_rows_of(&a->roots, &b->roots, &d->roots) < 0 ||
        diff_groups_of(a, b, d) < 0 ||
        diff_stats(a, b, d) < 0) {
        snap_diff_free(d);
        return hs_errf(err, "out of memory comparing snapshots");
    }
    return 0;
}

void snap_diff_free(snap_diff *d)
{
    free(d->types.v);
    free(d->sites.v);
    free(d->sizes.v);
    free(d->roots.v);
    free(d->groups);
    free(d->stats);
    memset(d, 0, sizeof *d);
}
