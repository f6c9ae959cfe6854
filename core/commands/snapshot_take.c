/* snapshot_take.c - taking a snapshot (see snapshot_take.h). */
#include "snapshot_take.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

#include "../go/go_memstats.h"
#include "../output/json_util.h"
#include "../output/threads_report.h"
#include "../snapshot/snapshot_file.h"
#include "../native/native_threads.h"
#include "heap_top.h"
#include "models.h"
#include "threads_collect.h"

/* When the state was captured: now for a live process; for a core, when its file was created
 * (the dumper creates it once the process is stopped), else when it was last written. */
static double taken_at(const hs_session *s)
{
    struct statx sx;
    if (s->core_path && statx(AT_FDCWD, s->core_path, 0, STATX_BTIME | STATX_MTIME, &sx) == 0) {
        if (sx.stx_mask & STATX_BTIME)
            return (double)sx.stx_btime.tv_sec + sx.stx_btime.tv_nsec / 1e9;
        return (double)sx.stx_mtime.tv_sec + sx.stx_mtime.tv_nsec / 1e9;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static cJSON *target_json(const hs_session *s)
{
    cJSON *t = json_target(s->target);
    size_t len;
    const uint8_t *id = hs_image_build_id(s->exe, &len, NULL);
    char hex[2 * 64 + 1] = "";
    for (size_t i = 0; i < len && i < 64; i++)
        snprintf(hex + 2 * i, 3, "%02x", id[i]);
    cJSON_DeleteItemFromObject(t, "executable");
    cJSON_AddStringToObject(t, "executable", hs_image_path(s->exe));
    cJSON_AddStringToObject(t, "build_id", hex);
    return t;
}

#define SNAPSHOT_ROOTS 100 /* the roots that keep the most alive */

void snapshot_add_rows(cJSON *heap, const char *key, const char *totals, enum heap_by by,
                       const heap_top_result *res)
{
    cJSON *rows = cJSON_AddArrayToObject(heap, key);
    size_t n = by == HEAP_BY_ROOT && res->nrows > SNAPSHOT_ROOTS ? SNAPSHOT_ROOTS : res->nrows;
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(rows, heap_row_json(by, &res->rows[i]));
    if (totals) {
        cJSON *tot = cJSON_AddObjectToObject(heap, totals);
        cJSON_AddNumberToObject(tot, "inuse_objects", (double)res->objects);
        cJSON_AddNumberToObject(tot, "inuse_bytes", (double)res->bytes);
        cJSON_AddNumberToObject(tot, "typed_bytes", (double)res->typed_bytes);
    }
}

static int add_rows(heap_analysis *an, enum heap_by by, enum hs_reach reach, cJSON *heap,
                    const char *key, const char *totals, hs_err *err)
{
    heap_top_options o = {.by = by, .json = 1, .reach = reach};
    heap_top_result res;
    strbuf ignored;
    sb_init(&ignored);
    int r = heap_top_collect(an, &o, &res, &ignored, err);
    sb_free(&ignored);
    if (r == HS_OK)
        snapshot_add_rows(heap, key, totals, by, &res);
    heap_top_result_free(&res);
    return r == HS_OK ? 0 : -1;
}

static int add_heap(hs_session *s, go_rt *rt, cJSON *o, strbuf *msgs, hs_err *err)
{
    (void)s;
    heap_analysis an;
    if (heap_analysis_open(&an, rt, 0, err) < 0)
        return -1;
    cJSON *heap = cJSON_AddObjectToObject(o, "heap");
    int r = add_rows(&an, HEAP_BY_TYPE, HS_REACH_ALL, heap, "by_type", "totals", err) < 0 ||
            add_rows(&an, HEAP_BY_SIZE, HS_REACH_ALL, heap, "by_size", NULL, err) < 0 ? -1 : 0;
    if (r == 0 && an.have_graph) {
        r = add_rows(&an, HEAP_BY_TYPE, HS_REACH_LIVE, heap, "live_by_type", "live_totals", err) < 0 ||
            add_rows(&an, HEAP_BY_SIZE, HS_REACH_LIVE, heap, "live_by_size", NULL, err) < 0 ||
            add_rows(&an, HEAP_BY_ROOT, HS_REACH_LIVE, heap, "by_root", NULL, err) < 0 ? -1 : 0;
        if (r == 0)
            cJSON_AddItemToObject(heap, "reachability", heap_reach_json(&an.reach));
    } else if (r == 0) {
        sb_printf(msgs, "note: no reachable rows in this snapshot: %s\n", an.graph_error);
    }
    hs_err serr;
    if (r == 0 && add_rows(&an, HEAP_BY_SITE, HS_REACH_ALL, heap, "by_site", NULL, &serr) < 0) {
        cJSON_AddStringToObject(heap, "by_site_unavailable", serr.msg);
        sb_printf(msgs, "note: no allocation sites in this snapshot: %s\n", serr.msg);
    }
    heap_analysis_close(&an);
    return r;
}

/* The groups of tasks (goroutines or native threads) under "goroutines", as diffs read them. */
static void add_groups(cJSON *o, const hs_task *tasks, const hs_task_groups *gs, size_t total,
                       size_t system)
{
    cJSON *g = cJSON_AddObjectToObject(o, "goroutines");
    cJSON_AddNumberToObject(g, "total", (double)total);
    cJSON_AddNumberToObject(g, "system", (double)system);
    cJSON *groups = cJSON_AddArrayToObject(g, "groups");
    for (size_t i = 0; i < gs->n; i++)
        cJSON_AddItemToArray(groups, threads_group_json(tasks, &gs->v[i], 0));
}

static int add_goroutines(hs_session *s, cJSON *o, hs_err *err)
{
    hs_group_filter f = {.all = 1};
    threads_data d;
    if (threads_collect(s, &f, &d, NULL, err) < 0)
        return -1;
    /* the live process's own monotonic clock (Go's nanotime): exact elapsed time between two
     * snapshots of one process (a core's clock is only the last time the runtime recorded) */
    if (d.gs.now > 0 && d.gs.now_exact)
        json_add_u64(o, "runtime_clock_ns", (uint64_t)d.gs.now);
    add_groups(o, d.tasks, &d.groups, d.total, d.nsystem);
    threads_data_free(&d);
    return 0;
}

/* A native program's threads, grouped as threads-blocked --all groups them. */
static int add_native_threads(hs_session *s, cJSON *o, hs_err *err)
{
    native_threads nt;
    if (native_threads_read(s->target, &nt, err) < 0)
        return -1;
    hs_group_filter f = {.all = 1, .system = 1};
    hs_task_groups groups;
    int rc = hs_task_groups_build(nt.tasks, nt.n, &f, &groups);
    if (rc < 0)
        hs_errf(err, "out of memory grouping %zu threads", nt.n);
    else
        add_groups(o, nt.tasks, &groups, nt.n, 0);
    if (rc == 0)
        hs_task_groups_free(&groups);
    native_threads_free(&nt);
    return rc;
}

/* format, time, target and runtime of every snapshot */
static cJSON *header(hs_session *s, const char *runtime, const char *version)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "format", HS_SNAPSHOT_FORMAT);
    cJSON_AddNumberToObject(o, "format_version", HS_SNAPSHOT_VERSION);
    cJSON_AddNumberToObject(o, "taken_at", taken_at(s));
    cJSON_AddItemToObject(o, "target", target_json(s));
    cJSON_AddStringToObject(o, "runtime", runtime);
    cJSON_AddStringToObject(o, "version", version);
    return o;
}

/* The threads first, read in place while the process is stopped; then its glibc heap (from a
 * copy of a live process's memory, as heap-top reads it). A program without a glibc heap (a
 * static binary, another allocator) keeps its threads, with why there is no heap. */
static cJSON *take_native(hs_session *s, strbuf *msgs, hs_err *err)
{
    cJSON *o = header(s, "native", "");
    if (add_native_threads(s, o, err) < 0) {
        cJSON_Delete(o);
        return NULL;
    }
    hs_err herr;
    if (snapshot_add_glibc(s, o, msgs, &herr) < 0) {
        cJSON_AddStringToObject(o, "heap_unavailable", herr.msg);
        sb_printf(msgs, "note: no heap in this snapshot: %s\n", herr.msg);
    }
    return o;
}

static cJSON *memstats_json(go_rt *rt)
{
    cJSON *m = cJSON_CreateObject();
    go_memstats ms;
    hs_err e;
    if (go_memstats_read(rt, &ms, &e) == 0)
        for (int i = 0; i < GO_MS_COUNT; i++)
            if (ms.have[i])
                json_add_u64(m, go_memstat_key((enum go_memstat)i), ms.v[i]);
    return m;
}

cJSON *snapshot_take(hs_session *s, strbuf *msgs, hs_err *err)
{
    if (hs_session_model(s) == HS_MODEL_NATIVE)
        return take_native(s, msgs, err);
    go_rt *rt;
    if (hs_session_go(s, &rt, err) < 0 || hs_session_release(s, msgs, err) < 0)
        return NULL;
    cJSON *o = header(s, "go", rt->ver.full);
    cJSON_AddItemToObject(o, "memstats", memstats_json(rt));
    /* goroutines first: their read takes the process's clock, which should be as close as can
     * be to the moment the process stopped, before the longer heap analysis */
    if (add_goroutines(s, o, err) < 0 || add_heap(s, rt, o, msgs, err) < 0) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}
