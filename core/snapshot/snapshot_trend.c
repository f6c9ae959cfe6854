/* snapshot_trend.c - what rose in every interval of a series of snapshots (see snapshot_trend.h). */
#include "snapshot_trend.h"

#include "snapshot_diff.h"

#include <stdlib.h>
#include <string.h>

/* Value of the row or group with this key in snapshot s (0 when absent). */
static const snap_row *find_row(const snap_rows *r, const char *key)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i].key, key) == 0)
            return &r->v[i];
    return NULL;
}

static const snap_group *find_group(const snapshot *s, const char *key)
{
    for (size_t i = 0; i < s->ngroups; i++)
        if (strcmp(s->groups[i].key, key) == 0)
            return &s->groups[i];
    return NULL;
}

static int item_cmp(const void *pa, const void *pb)
{
    const trend_item *a = pa, *b = pb;
    return a->per_second > b->per_second ? -1 : a->per_second < b->per_second;
}

/* The rows of one kind: 0 types, 1 sites, 2 roots. */
static const snap_rows *rows_of(const snapshot *s, size_t which)
{
    return which == 0 ? &s->types : which == 1 ? &s->sites : &s->roots;
}

/* Rows (of the kind picked by `which`) whose bytes grew in every interval. */
static trend_item *rising_rows(const snapshot *s, size_t n, size_t which, size_t *count)
{
    const snap_rows *last = rows_of(&s[n - 1], which);
    trend_item *v = calloc(last->n + 1, sizeof *v);
    *count = 0;
    for (size_t i = 0; v && i < last->n; i++) {
        const snap_row *prev = NULL, *first = NULL;
        /* no collector in a native heap: a block size that keeps growing is growth too */
        int rising = which != 0 || s[n - 1].native || last->v[i].name[0] != '<';
        for (size_t k = 0; k < n && rising; k++) {
            const snap_row *r = find_row(rows_of(&s[k], which), last->v[i].key);
            rising = r && (!prev || r->bytes > prev->bytes);
            prev = r;
            first = first ? first : r;
        }
        double dt = snapshot_elapsed(&s[0], &s[n - 1]);
        if (rising && first && dt > 0)
            v[(*count)++] = (trend_item){last->v[i].name, last->v[i].frames,
                                         (double)(last->v[i].bytes - first->bytes) / dt,
                                         ((double)last->v[i].objects - (double)first->objects) / dt,
                                         first->bytes, last->v[i].bytes};
    }
    if (*count > 1)
        qsort(v, *count, sizeof *v, item_cmp);
    return v;
}

static trend_item *rising_groups(const snapshot *s, size_t n, size_t *count)
{
    const snapshot *last = &s[n - 1];
    trend_item *v = calloc(last->ngroups + 1, sizeof *v);
    *count = 0;
    for (size_t i = 0; v && i < last->ngroups; i++) {
        const snap_group *prev = NULL, *first = NULL;
        int rising = 1;
        for (size_t k = 0; k < n && rising; k++) {
            const snap_group *g = find_group(&s[k], last->groups[i].key);
            rising = g && (!prev || g->count > prev->count);
            prev = g;
            first = first ? first : g;
        }
        double dt = snapshot_elapsed(&s[0], last);
        if (rising && first && dt > 0)
            v[(*count)++] = (trend_item){last->groups[i].state, last->groups[i].frames,
                                         (double)(last->groups[i].count - first->count) / dt, 0,
                                         first->count, last->groups[i].count};
    }
    if (*count > 1)
        qsort(v, *count, sizeof *v, item_cmp);
    return v;
}

/* Bytes in rows of unknown type ("<noscan 64B>") in one snapshot. */
static uint64_t untyped_bytes(const snapshot *s)
{
    uint64_t b = 0;
    for (size_t i = 0; i < s->types.n; i++)
        if (s->types.v[i].name[0] == '<')
            b += s->types.v[i].bytes;
    return b;
}

int snapshot_trend(const snapshot *snaps, size_t n, snap_trend *t, hs_err *err)
{
    memset(t, 0, sizeof *t);
    if (n < 2)
        return hs_errf(err, "a trend needs at least two snapshots");
    t->types = rising_rows(snaps, n, 0, &t->ntypes);
    t->sites = rising_rows(snaps, n, 1, &t->nsites);
    t->roots = rising_rows(snaps, n, 2, &t->nroots);
    t->groups = rising_groups(snaps, n, &t->ngroups);
    double dt = n >= 2 ? snapshot_elapsed(&snaps[0], &snaps[n - 1]) : 0;
    if (dt > 0 && !snaps[n - 1].native)
        t->untyped_per_second = ((double)untyped_bytes(&snaps[n - 1]) - (double)untyped_bytes(&snaps[0])) / dt;
    if (!t->types || !t->sites || !t->roots || !t->groups) {
        snap_trend_free(t);
        return hs_errf(err, "out of memory comparing snapshots");
    }
    return 0;
}

void snap_trend_free(snap_trend *t)
{
    free(t->types);
    free(t->sites);
    free(t->roots);
    free(t->groups);
    memset(t, 0, sizeof *t);
}
