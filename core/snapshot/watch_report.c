/* watch_report.c - the series of snapshots `watch` takes (see watch_report.h). */
#include "watch_report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output/json_util.h"
#include "../util/human.h"
#include "snapshot_diff.h"
#include "user_frame.h"

void watch_series_init(watch_series *w) { memset(w, 0, sizeof *w); }

int watch_series_add(watch_series *w, const char *path, double pause, hs_err *err)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 8;
        snapshot *s = realloc(w->snaps, cap * sizeof *s);
        if (s)
            w->snaps = s;
        double *p = s ? realloc(w->pauses, cap * sizeof *p) : NULL;
        if (!s || !p)
            return hs_errf(err, "out of memory");
        w->pauses = p;
        w->cap = cap;
    }
    char *copy = strdup(path);
    if (!copy || snapshot_load(copy, &w->snaps[w->n], err) < 0) {
        free(copy);
        return -1;
    }
    snapshot_use_live(&w->snaps[w->n]); /* reachable rows when it has them */
    w->pauses[w->n++] = pause;
    return 0;
}

int watch_series_trend(watch_series *w, hs_err *err)
{
    int all_live = 1;
    for (size_t i = 0; i < w->n; i++)
        all_live &= w->snaps[i].live;
    for (size_t i = 0; !all_live && i < w->n; i++)
        snapshot_use_all(&w->snaps[i]); /* compare like with like */
    if (snapshot_trend(w->snaps, w->n, &w->trend, err) < 0)
        return -1;
    w->have_trend = 1;
    return 0;
}

void watch_series_free(watch_series *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free((char *)w->snaps[i].path);
        snapshot_free(&w->snaps[i]);
    }
    free(w->snaps);
    free(w->pauses);
    if (w->have_trend)
        snap_trend_free(&w->trend);
    memset(w, 0, sizeof *w);
}

/* A native program's snapshot without a heap: its threads only (snapshot_file.h). */
static void step_threads(const watch_series *w, strbuf *out)
{
    const snapshot *s = &w->snaps[w->n - 1];
    sb_printf(out, "%s: %llu threads", s->path, (unsigned long long)s->goroutines);
    if (w->n > 1)
        sb_printf(out, " (%+lld in %.1f s)", (long long)(s->goroutines - w->snaps[w->n - 2].goroutines),
                  snapshot_elapsed(&w->snaps[w->n - 2], s));
}

/* Go: "heap 1 MiB in 10 objects, 5 goroutines"; native: "... in 10 blocks, 5 threads". */
static void step_heap(const watch_series *w, strbuf *out)
{
    const snapshot *s = &w->snaps[w->n - 1];
    const char *objects = s->native ? "blocks" : "objects", *tasks = s->native ? "threads" : "goroutines";
    char b[48], d[48];
    hs_format_bytes(s->heap_bytes, b, sizeof b);
    sb_printf(out, "%s: %s %s in %llu %s, %llu %s", s->path, s->live ? "reachable heap" : "heap", b,
              (unsigned long long)s->heap_objects, objects, (unsigned long long)s->goroutines, tasks);
    if (w->n > 1) {
        const snapshot *p = &w->snaps[w->n - 2];
        int64_t db = (int64_t)(s->heap_bytes - p->heap_bytes);
        hs_format_bytes((uint64_t)(db < 0 ? -db : db), d, sizeof d);
        sb_printf(out, " (%c%s, %+lld %s in %.1f s)", db < 0 ? '-' : '+', d,
                  (long long)(s->goroutines - p->goroutines), tasks, snapshot_elapsed(p, s));
    }
}

void watch_render_step(const watch_series *w, strbuf *out)
{
    (w->snaps[w->n - 1].heap_runtime ? step_heap : step_threads)(w, out);
    sb_printf(out, "; paused %.0f ms\n", w->pauses[w->n - 1] * 1000);
}

/* The function a reader names the group by. */
static void where(const cJSON *frames, char *buf, size_t cap)
{
    const cJSON *pick = snapshot_user_frame(frames);
    const cJSON *fn = pick ? cJSON_GetObjectItemCaseSensitive(pick, "function") : NULL;
    snprintf(buf, cap, "%s", cJSON_IsString(fn) ? fn->valuestring : "?");
}

/* groups: 0 heap rows, else the word for the group's members ("goroutines", "threads") */
static void items_text(const char *title, const trend_item *v, size_t n, const char *groups, strbuf *out)
{
    if (!n)
        return;
    sb_printf(out, "  %s:\n", title);
    for (size_t i = 0; i < n; i++) {
        char rate[48], w[256];
        if (groups) {
            where(v[i].frames, w, sizeof w);
            sb_printf(out, "    %+.1f %s/s  [%s] %s (%llu -> %llu)\n", v[i].per_second, groups, v[i].name,
                      w, (unsigned long long)v[i].first, (unsigned long long)v[i].last);
        } else {
            hs_format_bytes((uint64_t)(v[i].per_second > 0 ? v[i].per_second : 0), rate, sizeof rate);
            sb_printf(out, "    +%s/s (%+.1f objects/s)  %s\n", rate, v[i].objects_per_second, v[i].name);
        }
    }
}

void watch_render_summary(const watch_series *w, strbuf *out)
{
    const snap_trend *t = &w->trend;
    int native = w->snaps[0].native, heap = w->snaps[w->n - 1].heap_runtime != NULL;
    double total = snapshot_elapsed(&w->snaps[0], &w->snaps[w->n - 1]);
    sb_printf(out, "\nrose in every one of the %zu intervals (%.1f s in all):\n", w->n - 1, total);
    items_text(native ? "types (C++ classes, other blocks by size)" : "types", t->types, t->ntypes,
               NULL, out);
    items_text("allocation sites", t->sites, t->nsites, NULL, out);
    items_text("roots (what each keeps alive alone)", t->roots, t->nroots, NULL, out);
    items_text(native ? "thread groups" : "goroutine groups", t->groups, t->ngroups,
               native ? "threads" : "goroutines", out);
    if (!t->ntypes && !t->nsites && !t->nroots && !t->ngroups)
        sb_printf(out, "  nothing: no %s grew in every interval\n",
                  !native ? "type, site or goroutine group" : heap ? "type or thread group"
                                                              : "thread group");
    if (t->untyped_per_second != 0) {
        char rate[48];
        double r = t->untyped_per_second;
        hs_format_bytes((uint64_t)(r < 0 ? -r : r), rate, sizeof rate);
        sb_printf(out, "objects of unknown type %s by %s/s over the series (garbage awaiting the "
                  "next GC, or objects no typed pointer reaches; see snapshot-diff)\n",
                  r < 0 ? "shrank" : "grew", rate);
    }
}

static cJSON *items_json(const trend_item *v, size_t n, int groups)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, groups ? "state" : "name", v[i].name);
        cJSON_AddNumberToObject(o, groups ? "count_per_second" : "bytes_per_second", v[i].per_second);
        if (!groups)
            cJSON_AddNumberToObject(o, "objects_per_second", v[i].objects_per_second);
        cJSON_AddNumberToObject(o, "first", (double)v[i].first);
        cJSON_AddNumberToObject(o, "last", (double)v[i].last);
        if (v[i].frames)
            cJSON_AddItemToObject(o, "frames", cJSON_Duplicate(v[i].frames, 1));
        cJSON_AddItemToArray(a, o);
    }
    return a;
}

void watch_render_json(const watch_series *w, strbuf *out)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "watch");
    cJSON *arr = cJSON_AddArrayToObject(o, "snapshots");
    for (size_t i = 0; i < w->n; i++) {
        cJSON *s = cJSON_CreateObject();
        cJSON_AddStringToObject(s, "path", w->snaps[i].path);
        cJSON_AddNumberToObject(s, "taken_at", w->snaps[i].taken_at);
        cJSON_AddNumberToObject(s, "pause_seconds", w->pauses[i]);
        cJSON_AddNumberToObject(s, "inuse_bytes", (double)w->snaps[i].heap_bytes);
        cJSON_AddNumberToObject(s, "inuse_objects", (double)w->snaps[i].heap_objects);
        cJSON_AddNumberToObject(s, "goroutines", (double)w->snaps[i].goroutines);
        cJSON_AddItemToArray(arr, s);
    }
    cJSON *r = cJSON_AddObjectToObject(o, "rising");
    cJSON_AddItemToObject(r, "types", items_json(w->trend.types, w->trend.ntypes, 0));
    cJSON_AddItemToObject(r, "sites", items_json(w->trend.sites, w->trend.nsites, 0));
    cJSON_AddItemToObject(r, "roots", items_json(w->trend.roots, w->trend.nroots, 0));
    cJSON_AddItemToObject(r, "goroutines", items_json(w->trend.groups, w->trend.ngroups, 1));
    cJSON_AddNumberToObject(o, "untyped_bytes_per_second", w->trend.untyped_per_second);
    json_emit(o, out);
}
