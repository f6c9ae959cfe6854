/* heap_json.c - heap-top as the JSON object DESIGN.md specifies. */
#include "heap_report.h"
#include "json_util.h"

static cJSON *memstats_json(const go_memstats *m)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < GO_MS_COUNT; i++)
        if (m->have[i])
            json_add_u64(o, go_memstat_key((enum go_memstat)i), m->v[i]);
    return o;
}

cJSON *heap_row_json(enum heap_by by, const heap_row *row)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "name", row->name);
    if (by == HEAP_BY_ROOT) {
        cJSON_AddStringToObject(o, "kind", row->kind);
        if (row->goroutine)
            json_add_u64(o, "goroutine", row->goroutine);
        json_add_u64(o, "retained_objects", row->objects);
        json_add_u64(o, "retained_bytes", row->bytes);
        return o;
    }
    cJSON_AddNumberToObject(o, "inuse_objects", (double)row->objects);
    cJSON_AddNumberToObject(o, "inuse_bytes", (double)row->bytes);
    if (by == HEAP_BY_TYPE && !row->typed)
        cJSON_AddBoolToObject(o, "typed", 0);
    if (row->retained_bytes) {
        json_add_u64(o, "retained_objects", row->retained_objects);
        json_add_u64(o, "retained_bytes", row->retained_bytes);
    }
    if (row->nframes) {
        cJSON_AddNumberToObject(o, "alloc_objects", (double)row->alloc_objects);
        cJSON_AddNumberToObject(o, "alloc_bytes", (double)row->alloc_bytes);
        cJSON_AddItemToObject(o, "frames", json_frames(row->frames, row->symbols, row->nframes));
    }
    if (row->size_class >= 0) {
        cJSON_AddNumberToObject(o, "size_class", row->size_class);
        cJSON_AddNumberToObject(o, "elem_size", (double)row->elem_size);
        cJSON_AddNumberToObject(o, "spans", (double)row->spans);
    }
    return o;
}

cJSON *heap_reach_json(const heap_reach *r)
{
    cJSON *o = cJSON_CreateObject();
    json_add_u64(o, "live_objects", r->live_objects);
    json_add_u64(o, "live_bytes", r->live_bytes);
    json_add_u64(o, "unreachable_objects", r->unreachable_objects);
    json_add_u64(o, "unreachable_bytes", r->unreachable_bytes);
    json_add_u64(o, "conservative_bytes", r->conservative_bytes);
    cJSON *roots = cJSON_AddObjectToObject(o, "roots");
    json_add_u64(roots, "roots", r->roots);
    json_add_u64(roots, "goroutines", r->goroutines);
    json_add_u64(roots, "frames", r->frames);
    json_add_u64(roots, "frames_precise", r->frames_precise);
    json_add_u64(roots, "pointers_from_globals", r->edges_data);
    json_add_u64(roots, "pointers_from_stacks", r->edges_stack);
    json_add_u64(roots, "pointers_from_finalizers_and_runtime", r->edges_special);
    return o;
}

const char *heap_reach_name(enum hs_reach which)
{
    return which == HS_REACH_LIVE ? "live" : which == HS_REACH_UNREACHABLE ? "unreachable" : "all";
}

const char *heap_by_name(enum heap_by by)
{
    return by == HEAP_BY_SITE ? "site" : by == HEAP_BY_SIZE ? "size" : by == HEAP_BY_ROOT ? "root" : "type";
}

cJSON *heap_report_json(const heap_report *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "command", "heap-top");
    cJSON_AddStringToObject(o, "runtime", r->runtime);
    cJSON_AddStringToObject(o, "version", r->version);
    cJSON_AddStringToObject(o, "by", heap_by_name(r->by));
    cJSON_AddStringToObject(o, "objects", heap_reach_name(r->which));
    cJSON_AddItemToObject(o, "target", json_target(r->target));
    cJSON *tot = cJSON_AddObjectToObject(o, "totals");
    cJSON_AddNumberToObject(tot, "inuse_objects", (double)r->objects);
    cJSON_AddNumberToObject(tot, "inuse_bytes", (double)r->bytes);
    if (r->have_typed) {
        cJSON_AddNumberToObject(tot, "typed_bytes", (double)r->typed_bytes);
        cJSON_AddNumberToObject(tot, "typed_share", r->bytes ? (double)r->typed_bytes / (double)r->bytes : 1.0);
    }
    if (r->by == HEAP_BY_SITE) {
        cJSON *sites = cJSON_AddObjectToObject(o, "sites_totals");
        cJSON_AddNumberToObject(sites, "inuse_objects", (double)r->rows_objects);
        cJSON_AddNumberToObject(sites, "inuse_bytes", (double)r->rows_bytes);
    }
    cJSON_AddItemToObject(o, "reachability", r->reach ? heap_reach_json(r->reach) : cJSON_CreateNull());
    cJSON *ms = r->memstats ? memstats_json(r->memstats) : cJSON_CreateObject();
    for (size_t i = 0; !r->memstats && i < r->nstats; i++)
        json_add_u64(ms, r->stats[i].key, r->stats[i].v);
    cJSON_AddItemToObject(o, "memstats", ms);
    cJSON *rows = cJSON_AddArrayToObject(o, "rows");
    size_t n = r->limit > 0 && (size_t)r->limit < r->nrows ? (size_t)r->limit : r->nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(rows, heap_row_json(r->by, &r->rows[i]));
    cJSON_AddNumberToObject(o, "rows_total", (double)r->nrows);
    cJSON_AddItemToObject(o, "notes", json_lines(r->notes));
    cJSON_AddItemToObject(o, "warnings", json_lines(r->warnings));
    return o;
}

void heap_render_json(const heap_report *r, strbuf *out) { json_emit(heap_report_json(r), out); }
