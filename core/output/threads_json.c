/* threads_json.c - threads-blocked as the JSON object DESIGN.md specifies. */
#include <stdlib.h>
#include <string.h>

#include "json_util.h"
#include "threads_report.h"
#include "waits_render.h"

static void add_wait(cJSON *o, const char *key, int64_t ns)
{
    if (ns >= 0)
        cJSON_AddNumberToObject(o, key, (double)ns / 1e9);
    else
        cJSON_AddNullToObject(o, key);
}

/* A label set as one object {"key": "value", ...}. */
static cJSON *json_labels(const char *labels)
{
    cJSON *o = cJSON_CreateObject();
    const char *pos = labels, *k, *v;
    size_t nk, nv;
    while (hs_labels_next(&pos, &k, &nk, &v, &nv)) {
        char *key = strndup(k, nk), *value = strndup(v, nv);
        if (key && value)
            cJSON_AddStringToObject(o, key, value);
        free(key);
        free(value);
    }
    return o;
}

cJSON *threads_group_json(const hs_task *tasks, const hs_task_group *g, int with_ids)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "state", g->first->state);
    cJSON_AddItemToObject(o, "leaked", g->first->leaked < 0 ? cJSON_CreateNull() : cJSON_CreateBool(g->first->leaked));
    cJSON_AddNumberToObject(o, "count", (double)g->count);
    add_wait(o, "max_wait_seconds", g->max_wait_ns);
    cJSON_AddItemToObject(o, "frames", json_frames(g->first->frames, NULL, g->first->nframes));
    if (g->first->truncated)
        cJSON_AddBoolToObject(o, "truncated", 1);
    cJSON *cb = cJSON_AddArrayToObject(o, "created_by");
    for (size_t i = 0; i < g->ncreators; i++) {
        cJSON *c = json_frame(&g->creators[i].frame);
        cJSON_AddNumberToObject(c, "count", (double)g->creators[i].count);
        cJSON_AddItemToArray(cb, c);
    }
    cJSON *ls = cJSON_AddArrayToObject(o, "labels");
    for (size_t i = 0; i < g->nlabelsets; i++)
        cJSON_AddItemToArray(ls, json_labels(g->labelsets[i].labels));
    if (!with_ids)
        return o;
    cJSON *ids = cJSON_AddArrayToObject(o, "goroutine_ids");
    for (size_t i = 0; i < g->count; i++)
        cJSON_AddItemToArray(ids, cJSON_CreateNumber((double)tasks[g->members[i]].id));
    return o;
}

static cJSON *report_head(const threads_report *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "threads-blocked");
    cJSON_AddStringToObject(o, "runtime", r->runtime);
    cJSON_AddStringToObject(o, "version", r->version);
    cJSON_AddItemToObject(o, "target", json_target(r->target));
    return o;
}

cJSON *threads_report_json(const threads_report *r)
{
    cJSON *o = report_head(r);
    cJSON_AddNumberToObject(o, "total", (double)r->total);
    cJSON_AddNumberToObject(o, "system", (double)r->nsystem);
    cJSON_AddItemToObject(o, "leaked", r->nleaked < 0 ? cJSON_CreateNull() : cJSON_CreateNumber((double)r->nleaked));
    cJSON_AddNumberToObject(o, "shown", (double)r->groups->ntasks);
    cJSON_AddStringToObject(o, "wait_clock", r->clock_exact ? "live" : "core");
    cJSON *groups = cJSON_AddArrayToObject(o, "groups");
    size_t n = r->groups->n;
    if (r->limit > 0 && (size_t)r->limit < n)
        n = (size_t)r->limit;
    for (size_t i = 0; i < n; i++) {
        cJSON *g = threads_group_json(r->tasks, &r->groups->v[i], 1);
        cJSON_AddItemToObject(g, "waits_on", waits_render_json(r->tasks, &r->groups->v[i]));
        cJSON_AddItemToArray(groups, g);
    }
    cJSON_AddNumberToObject(o, "groups_total", (double)r->groups->n);
    cJSON_AddItemToObject(o, "warnings", json_lines(r->warnings));
    return o;
}

void threads_render_json(const threads_report *r, strbuf *out) { json_emit(threads_report_json(r), out); }

void task_render_json(const threads_report *r, const hs_task *t, strbuf *out)
{
    cJSON *o = report_head(r);
    cJSON *g = cJSON_AddObjectToObject(o, "goroutine");
    cJSON_AddNumberToObject(g, "id", (double)t->id);
    cJSON_AddStringToObject(g, "state", t->state);
    cJSON_AddItemToObject(g, "leaked", t->leaked < 0 ? cJSON_CreateNull() : cJSON_CreateBool(t->leaked));
    add_wait(g, "wait_seconds", t->wait_ns);
    if (t->tid)
        cJSON_AddNumberToObject(g, "thread", t->tid);
    cJSON_AddBoolToObject(g, "system", t->system);
    cJSON_AddItemToObject(g, "frames", json_frames(t->frames, NULL, t->nframes));
    if (t->created_by.function)
        cJSON_AddItemToObject(g, "created_by", json_frame(&t->created_by));
    if (t->parent_id)
        cJSON_AddNumberToObject(g, "parent_id", (double)t->parent_id);
    cJSON_AddItemToObject(g, "labels", json_labels(t->labels));
    size_t self = (size_t)(t - r->tasks);
    hs_task_group alone = {.first = t, .count = 1, .members = &self};
    cJSON_AddItemToObject(g, "waits_on", waits_render_json(r->tasks, &alone));
    cJSON_AddItemToObject(o, "warnings", json_lines(r->warnings));
    json_emit(o, out);
}
