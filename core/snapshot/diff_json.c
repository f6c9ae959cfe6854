/* diff_json.c - snapshot-diff as the JSON object DESIGN.md specifies. */
#include <stdio.h>

#include "../output/json_util.h"
#include "diff_report.h"

static cJSON *side(const snapshot *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "path", s->path ? s->path : "");
    cJSON_AddStringToObject(o, "description", s->description);
    cJSON_AddNumberToObject(o, "taken_at", s->taken_at);
    return o;
}

/* Rows counting in-use objects ("inuse") or what roots keep alive ("retained"). */
static cJSON *rows_json(const diff_rows *r, long limit, const char *what)
{
    char k[4][40];
    snprintf(k[0], sizeof k[0], "%s_objects_delta", what);
    snprintf(k[1], sizeof k[1], "%s_bytes_delta", what);
    snprintf(k[2], sizeof k[2], "%s_objects", what);
    snprintf(k[3], sizeof k[3], "%s_bytes", what);
    cJSON *a = cJSON_CreateArray();
    size_t n = limit > 0 && (size_t)limit < r->n ? (size_t)limit : r->n;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", r->v[i].name);
        cJSON_AddNumberToObject(o, k[0], (double)r->v[i].dobjects);
        cJSON_AddNumberToObject(o, k[1], (double)r->v[i].dbytes);
        cJSON_AddNumberToObject(o, k[2], (double)r->v[i].objects);
        cJSON_AddNumberToObject(o, k[3], (double)r->v[i].bytes);
        if (r->v[i].frames)
            cJSON_AddItemToObject(o, "frames", cJSON_Duplicate(r->v[i].frames, 1));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *groups_json(const snap_diff *d, long limit)
{
    cJSON *a = cJSON_CreateArray();
    size_t n = limit > 0 && (size_t)limit < d->ngroups ? (size_t)limit : d->ngroups;
    for (size_t i = 0; i < n; i++) {
        const diff_group *g = &d->groups[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "state", g->state);
        cJSON_AddItemToObject(o, "frames", cJSON_Duplicate(g->frames, 1));
        cJSON_AddNumberToObject(o, "count_delta", (double)g->dcount);
        cJSON_AddNumberToObject(o, "count", (double)g->count);
        cJSON_AddStringToObject(o, "change", g->change);
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

static cJSON *stats_json(const snap_diff *d)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t i = 0; i < d->nstats; i++) {
        cJSON *s = cJSON_AddObjectToObject(o, d->stats[i].key);
        cJSON_AddNumberToObject(s, "old", d->stats[i].old_value);
        cJSON_AddNumberToObject(s, "new", d->stats[i].new_value);
        cJSON_AddNumberToObject(s, "delta", d->stats[i].new_value - d->stats[i].old_value);
    }
    return o;
}

void diff_render_json(const snap_diff *d, long limit, strbuf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "snapshot-diff");
    cJSON_AddItemToObject(o, "old", side(d->a));
    cJSON_AddItemToObject(o, "new", side(d->b));
    cJSON_AddNumberToObject(o, "elapsed_seconds", d->elapsed);
    cJSON_AddStringToObject(o, "objects", d->live ? "live" : "all");
    cJSON *t = cJSON_AddObjectToObject(o, "totals");
    cJSON_AddNumberToObject(t, "inuse_objects_delta", (double)d->dheap_objects);
    cJSON_AddNumberToObject(t, "inuse_bytes_delta", (double)d->dheap_bytes);
    cJSON_AddNumberToObject(t, "goroutines_delta", (double)d->dgoroutines);
    cJSON_AddStringToObject(o, "runtime", d->b->native ? "native" : "go");
    if (d->b->native) /* thread groups under "goroutines", as threads-blocked's are */
        cJSON_AddNumberToObject(t, "threads_delta", (double)d->dgoroutines);
    if (d->b->native && d->heap) /* whose heap: "glibc" */
        cJSON_AddStringToObject(o, "heap_runtime", d->b->heap_runtime);
    if (!d->b->native || d->heap)
        cJSON_AddItemToObject(o, "heap", rows_json(&d->types, limit, "inuse"));
    if (d->sites.present)
        cJSON_AddItemToObject(o, "heap_by_site", rows_json(&d->sites, limit, "inuse"));
    if (d->sizes.present)
        cJSON_AddItemToObject(o, "heap_by_size", rows_json(&d->sizes, limit, "inuse"));
    if (d->roots.present)
        cJSON_AddItemToObject(o, "heap_by_root", rows_json(&d->roots, limit, "retained"));
    cJSON_AddItemToObject(o, "goroutines", groups_json(d, limit));
    cJSON_AddItemToObject(o, "memstats", stats_json(d));
    json_emit(o, out);
}
