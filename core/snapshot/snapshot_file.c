/* snapshot_file.c - writing and loading snapshot files (see snapshot_file.h). */
#include "snapshot_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../output/json_util.h"
#include "../util/strbuf.h"

#define MAX_SNAPSHOT_BYTES (512u << 20)
#define MAX_ROWS 10000000u

int snapshot_write(const cJSON *obj, const char *path, hs_err *err)
{
    return json_write_file(obj, path, err);
}

/* ---- validating reads; each names the field that is wrong ---- */

static const cJSON *member(const cJSON *o, const char *key) { return cJSON_GetObjectItemCaseSensitive(o, key); }

static int get_str(const cJSON *o, const char *key, const char **out, const char *ctx, hs_err *err)
{
    const cJSON *v = member(o, key);
    if (!cJSON_IsString(v))
        return hs_errf(err, "%s.%s is missing or not a string", ctx, key);
    *out = v->valuestring;
    return 0;
}

static int get_num(const cJSON *o, const char *key, double *out, const char *ctx, hs_err *err)
{
    const cJSON *v = member(o, key);
    if (!cJSON_IsNumber(v) || v->valuedouble < 0)
        return hs_errf(err, "%s.%s is missing or not a non-negative number", ctx, key);
    *out = v->valuedouble;
    return 0;
}

static int get_u64(const cJSON *o, const char *key, uint64_t *out, const char *ctx, hs_err *err)
{
    double d = 0;
    if (get_num(o, key, &d, ctx, err) < 0)
        return -1;
    *out = d >= 1.8e19 ? UINT64_MAX : (uint64_t)d;
    return 0;
}

/* "function file:line|..." - what sites and goroutine groups are matched by. */
static char *frames_key(const char *prefix, const cJSON *frames)
{
    strbuf b;
    sb_init(&b);
    sb_puts(&b, prefix);
    const cJSON *f;
    cJSON_ArrayForEach(f, frames) {
        const cJSON *fn = member(f, "function"), *file = member(f, "file"), *line = member(f, "line");
        sb_printf(&b, "|%s %s:%d", cJSON_IsString(fn) ? fn->valuestring : "?",
                  cJSON_IsString(file) ? file->valuestring : "?",
                  cJSON_IsNumber(line) ? line->valueint : 0);
    }
    return sb_detach(&b);
}

/* Keeps a built key with the snapshot; returns it, or "" when out of memory. */
static const char *keep(snapshot *s, char *key)
{
    if (s->nkeys == s->capkeys) {
        size_t cap = s->capkeys ? s->capkeys * 2 : 64;
        char **v = realloc(s->keys, cap * sizeof *v);
        if (!v) {
            free(key);
            return "";
        }
        s->keys = v;
        s->capkeys = cap;
    }
    s->keys[s->nkeys++] = key;
    return key;
}

/* Rows of heap[key] counting objects and bytes under "PREFIX_objects" and "PREFIX_bytes". */
static int load_rows_as(snapshot *s, const cJSON *heap, const char *key, const char *prefix,
                        snap_rows *out, hs_err *err)
{
    const cJSON *arr = member(heap, key);
    char ctx[64];
    memset(out, 0, sizeof *out);
    if (!arr)
        return 0;
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > MAX_ROWS)
        return hs_errf(err, "heap.%s is not an array", key);
    out->present = 1;
    out->v = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *out->v);
    if (!out->v)
        return hs_errf(err, "out of memory");
    const cJSON *r;
    cJSON_ArrayForEach(r, arr) {
        snap_row *row = &out->v[out->n];
        snprintf(ctx, sizeof ctx, "heap.%s[%zu]", key, out->n);
        char ko[32], kb[32];
        snprintf(ko, sizeof ko, "%s_objects", prefix);
        snprintf(kb, sizeof kb, "%s_bytes", prefix);
        if (get_str(r, "name", &row->name, ctx, err) < 0 || get_u64(r, ko, &row->objects, ctx, err) < 0 ||
            get_u64(r, kb, &row->bytes, ctx, err) < 0)
            return -1;
        const cJSON *frames = member(r, "frames");
        row->frames = cJSON_IsArray(frames) ? frames : NULL;
        row->key = row->frames ? keep(s, frames_key(row->name, frames)) : row->name;
        out->n++;
    }
    return 0;
}

static int load_rows(snapshot *s, const cJSON *heap, const char *key, snap_rows *out, hs_err *err)
{
    return load_rows_as(s, heap, key, "inuse", out, err);
}

static int load_groups(snapshot *s, const cJSON *g, hs_err *err)
{
    const cJSON *arr = member(g, "groups");
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) > MAX_ROWS)
        return hs_errf(err, "goroutines.groups is missing or not an array");
    s->groups = calloc((size_t)cJSON_GetArraySize(arr) + 1, sizeof *s->groups);
    if (!s->groups)
        return hs_errf(err, "out of memory");
    const cJSON *r;
    char ctx[64];
    cJSON_ArrayForEach(r, arr) {
        snap_group *gr = &s->groups[s->ngroups];
        snprintf(ctx, sizeof ctx, "goroutines.groups[%zu]", s->ngroups);
        if (get_str(r, "state", &gr->state, ctx, err) < 0 || get_u64(r, "count", &gr->count, ctx, err) < 0)
            return -1;
        gr->frames = member(r, "frames");
        if (!cJSON_IsArray(gr->frames))
            return hs_errf(err, "%s.frames is missing or not an array", ctx);
        gr->key = keep(s, frames_key(gr->state, gr->frames));
        s->ngroups++;
    }
    return 0;
}

static int load_stats(snapshot *s, const cJSON *m, hs_err *err)
{
    if (!cJSON_IsObject(m))
        return hs_errf(err, "memstats is missing or not an object");
    s->stats = calloc((size_t)cJSON_GetArraySize(m) + 1, sizeof *s->stats);
    if (!s->stats)
        return hs_errf(err, "out of memory");
    const cJSON *v;
    cJSON_ArrayForEach(v, m) {
        if (!cJSON_IsNumber(v) || !v->string)
            return hs_errf(err, "memstats.%s is not a number", v->string ? v->string : "?");
        s->stats[s->nstats++] = (snap_stat){v->string, v->valuedouble};
    }
    return 0;
}

static int load_target(snapshot *s, hs_err *err)
{
    const cJSON *t = member(s->root, "target");
    const char *fmt = "";
    double ver = 0, pid = 0;
    if (get_str(s->root, "format", &fmt, "snapshot", err) < 0 || strcmp(fmt, HS_SNAPSHOT_FORMAT) != 0)
        return hs_errf(err, "not a heapscope snapshot (no \"format\": \"%s\")", HS_SNAPSHOT_FORMAT);
    if (get_num(s->root, "format_version", &ver, "snapshot", err) < 0)
        return -1;
    if (ver != 1 && ver != HS_SNAPSHOT_VERSION)
        return hs_errf(err, "snapshot format version %g; this heapscope reads versions 1 to %d (take "
                       "the snapshot again with this heapscope)", ver, HS_SNAPSHOT_VERSION);
    if (!cJSON_IsObject(t))
        return hs_errf(err, "target is missing or not an object");
    if (get_str(t, "description", &s->description, "target", err) < 0 ||
        get_str(s->root, "version", &s->version, "snapshot", err) < 0 ||
        get_num(s->root, "taken_at", &s->taken_at, "snapshot", err) < 0)
        return -1;
    double clock = 0;
    if (get_num(s->root, "runtime_clock_ns", &clock, "snapshot", NULL) == 0)
        s->runtime_clock = clock / 1e9;
    get_str(t, "executable", &s->executable, "target", NULL);
    get_str(t, "build_id", &s->build_id, "target", NULL);
    get_num(t, "pid", &pid, "target", NULL);
    s->pid = pid <= INT32_MAX ? (int64_t)pid : 0; /* no such pid: unknown */
    return 0;
}

static int load_all(snapshot *s, hs_err *err)
{
    const cJSON *heap = member(s->root, "heap"), *g = member(s->root, "goroutines");
    const cJSON *tot = heap ? member(heap, "totals") : NULL;
    if (load_target(s, err) < 0)
        return -1;
    const char *runtime = "go";
    get_str(s->root, "runtime", &runtime, "snapshot", NULL);
    s->native = strcmp(runtime, "native") == 0;
    if (s->native && !heap) { /* threads only */
        if (!cJSON_IsObject(g))
            return hs_errf(err, "goroutines (the thread groups) is missing");
        return get_u64(g, "total", &s->goroutines, "goroutines", err) < 0 ? -1 : load_groups(s, g, err);
    }
    if (!cJSON_IsObject(heap) || !cJSON_IsObject(tot) || !cJSON_IsObject(g))
        return hs_errf(err, "heap, heap.totals or goroutines is missing");
    s->heap_runtime = "go";
    if (member(heap, "runtime") && get_str(heap, "runtime", &s->heap_runtime, "heap", err) < 0)
        return -1;
    if (get_u64(tot, "inuse_objects", &s->heap_objects, "heap.totals", err) < 0 ||
        get_u64(tot, "inuse_bytes", &s->heap_bytes, "heap.totals", err) < 0 ||
        get_u64(g, "total", &s->goroutines, "goroutines", err) < 0)
        return -1;
    if (load_rows(s, heap, "by_type", &s->types, err) < 0 || load_rows(s, heap, "by_site", &s->sites, err) < 0 ||
        load_rows(s, heap, "by_size", &s->sizes, err) < 0 ||
        load_rows(s, heap, "live_by_type", &s->live_types, err) < 0 ||
        load_rows(s, heap, "live_by_size", &s->live_sizes, err) < 0 ||
        load_rows_as(s, heap, "by_root", "retained", &s->roots, err) < 0)
        return -1;
    const cJSON *lt = member(heap, "live_totals");
    if (s->live_types.present && cJSON_IsObject(lt)) {
        if (get_u64(lt, "inuse_objects", &s->live_objects, "heap.live_totals", err) < 0 ||
            get_u64(lt, "inuse_bytes", &s->live_bytes, "heap.live_totals", err) < 0)
            return -1;
        s->has_live = 1;
    }
    return load_groups(s, g, err) < 0 || load_stats(s, member(s->root, "memstats"), err) < 0 ? -1 : 0;
}

int snapshot_parse(const char *text, size_t len, const char *path, snapshot *s, hs_err *err)
{
    memset(s, 0, sizeof *s);
    s->path = path;
    s->root = cJSON_ParseWithLength(text, len);
    if (!s->root)
        return hs_errf(err, "%s is not a heapscope snapshot (not JSON)", path);
    if (!cJSON_IsObject(s->root) || load_all(s, err) < 0) {
        if (!cJSON_IsObject(s->root))
            hs_errf(err, "not a heapscope snapshot (not a JSON object)");
        hs_errctx(err, "%s", path);
        snapshot_free(s);
        return -1;
    }
    return 0;
}

int snapshot_load(const char *path, snapshot *s, hs_err *err)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return hs_errf(err, "cannot open snapshot %s: %s", path, strerror(errno));
    strbuf b;
    sb_init(&b);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0 && b.len <= MAX_SNAPSHOT_BYTES)
        sb_putn(&b, chunk, n);
    fclose(f);
    if (b.len > MAX_SNAPSHOT_BYTES) {
        sb_free(&b);
        return hs_errf(err, "%s is too large to be a snapshot", path);
    }
    int r = snapshot_parse(sb_str(&b), b.len, path, s, err);
    sb_free(&b);
    return r;
}

#define SWAP(T, x, y) do { T tmp_ = (x); (x) = (y); (y) = tmp_; } while (0)

static void swap_rows(snapshot *s)
{
    SWAP(snap_rows, s->types, s->live_types);
    SWAP(snap_rows, s->sizes, s->live_sizes);
    SWAP(uint64_t, s->heap_objects, s->live_objects);
    SWAP(uint64_t, s->heap_bytes, s->live_bytes);
    s->live = !s->live;
}

void snapshot_use_live(snapshot *s)
{
    if (s->has_live && !s->live)
        swap_rows(s);
}

void snapshot_use_all(snapshot *s)
{
    if (s->live)
        swap_rows(s);
}

int snapshot_use_live_all(snapshot *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!s[i].has_live)
            return 0;
    for (size_t i = 0; i < n; i++)
        snapshot_use_live(&s[i]);
    return n > 0;
}

void snapshot_free(snapshot *s)
{
    free(s->types.v);
    free(s->sites.v);
    free(s->sizes.v);
    free(s->live_types.v);
    free(s->live_sizes.v);
    free(s->roots.v);
    free(s->groups);
    free(s->stats);
    for (size_t i = 0; i < s->nkeys; i++)
        free(s->keys[i]);
    free(s->keys);
    cJSON_Delete(s->root);
    memset(s, 0, sizeof *s);
}
