/* cmd_watch.c - `watch --pid PID --interval DUR --count N`: snapshots of a live process at
 * intervals, the process paused only while each one is read; prints the growth of each
 * interval, then flags what rose in every interval (types, sites, goroutine groups). */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../snapshot/snapshot_file.h"
#include "../util/duration.h"
#include "../util/human.h"
#include "../target/pid_target.h"
#include "snapshot_take.h"
#include "../snapshot/watch_report.h"

enum { O_PID, O_INTERVAL, O_COUNT, O_DIR, O_JSON, O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_PID] = {"pid", 0, 1, "the process to watch"},
    [O_INTERVAL] = {"interval", 0, 1, "time between snapshots (default 10s)"},
    [O_COUNT] = {"count", 0, 1, "number of snapshots (default 6)"},
    [O_DIR] = {"dir", 0, 1, "where to keep the snapshot files (default heapscope-watch-PID)"},
    [O_JSON] = {"json", 0, 0, "one JSON object at the end instead of text"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

static double now_s(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps up to ns, in short steps so an interrupt ends the wait. */
static int nap(hs_session *s, int64_t ns)
{
    double end = now_s(CLOCK_MONOTONIC) + (double)ns / 1e9;
    while (now_s(CLOCK_MONOTONIC) < end) {
        if (s->interrupted && s->interrupted(s->interrupt_ctx))
            return -1;
        struct timespec step = {0, 50 * 1000 * 1000};
        nanosleep(&step, NULL);
    }
    return 0;
}

/* One snapshot: attach, read, detach; returns the pause in seconds or -1. */
static double take_one(hs_session *s, long pid, const char *path, strbuf *msgs, hs_err *err)
{
    char e[1024];
    if (hs_session_attach_pid(s, (int)pid, e, sizeof e) < 0)
        return hs_errf(err, "%s", e);
    cJSON *snap = snapshot_take(s, msgs, err);
    int released;
    double pause = s->target ? hs_pid_target_stopped(s->target, &released) : 0;
    hs_session_close_target(s);
    int r = snap ? snapshot_write(snap, path, err) : -1;
    cJSON_Delete(snap);
    return r < 0 ? -1 : pause;
}

typedef struct watch_opts {
    long pid, count;
    int64_t interval;
    char dir[1024];
} watch_opts;

static int read_options(const hs_args *a, watch_opts *o, hs_err *err)
{
    o->count = 6;
    o->interval = 10000000000LL;
    if (!a->v[O_PID].present || hs_opt_uint("pid", a->v[O_PID].arg, &o->pid, err) < 0 || o->pid <= 0)
        return err->msg[0] ? -1 : hs_errf(err, "wants the process: watch --pid PID");
    if (a->v[O_COUNT].present && (hs_opt_uint("count", a->v[O_COUNT].arg, &o->count, err) < 0 || o->count < 2))
        return err->msg[0] ? -1 : hs_errf(err, "--count wants at least 2 snapshots");
    if (a->v[O_INTERVAL].present && hs_duration_parse(a->v[O_INTERVAL].arg, &o->interval, err) < 0)
        return -1;
    snprintf(o->dir, sizeof o->dir, "%s", a->v[O_DIR].present ? a->v[O_DIR].arg : "");
    if (!o->dir[0])
        snprintf(o->dir, sizeof o->dir, "heapscope-watch-%ld", o->pid);
    return a->npos ? hs_errf(err, "unexpected argument \"%s\"", a->pos[0]) : 0;
}

static int collect(hs_session *s, const watch_opts *o, watch_series *w, strbuf *out, strbuf *msgs,
                   int json, hs_err *err)
{
    strbuf repeated; /* the same notes again for every snapshot: said once */
    sb_init(&repeated);
    mkdir(o->dir, 0777);
    for (long i = 0; i < o->count; i++) {
        if (i > 0 && nap(s, o->interval) < 0) {
            sb_free(&repeated);
            return hs_errf(err, "interrupted");
        }
        char path[1200];
        snprintf(path, sizeof path, "%s/snapshot-%02ld.json", o->dir, i);
        double pause = take_one(s, o->pid, path, i ? &repeated : msgs, err);
        if (pause < 0 || watch_series_add(w, path, pause, err) < 0) {
            sb_free(&repeated);
            return -1;
        }
        if (!json) {
            watch_render_step(w, out);
            hs_session_flush(s, out);
        }
    }
    sb_free(&repeated);
    return 0;
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    watch_opts o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    watch_series w;
    watch_series_init(&w);
    int status = collect(s, &o, &w, out, msgs, a->v[O_JSON].present, err) < 0 ? HS_FAIL : HS_OK;
    if (status == HS_OK && watch_series_trend(&w, err) < 0)
        status = HS_FAIL;
    if (status == HS_OK)
        (a->v[O_JSON].present ? watch_render_json : watch_render_summary)(&w, out);
    watch_series_free(&w);
    return status;
}

const hs_command hs_cmd_watch = {
    "watch",
    "watch --pid PID [--interval DUR] [--count N] [--dir DIR] [--json]",
    "watch --pid PID [--interval DUR] [--count N] [--dir DIR] [--json]\n"
    "  Takes N snapshots of a live process, DUR apart (default 6 snapshots, 10s apart), keeping\n"
    "  the files; the process is stopped only while each snapshot is read, and each pause is\n"
    "  shown. Prints the growth of every interval, then flags the types, allocation sites and\n"
    "  goroutine groups that rose in every interval: the \"inuse_space keeps rising\" signal.\n"
    "  Of a C/C++ program: the classes and block sizes of its glibc heap, and thread groups.\n"
    "  --interval DUR   time between snapshots (30s, 5m; default 10s)\n"
    "  --count N        number of snapshots, at least 2 (default 6)\n"
    "  --dir DIR        where to keep the snapshots (default heapscope-watch-PID)\n"
    "  --json           one JSON object at the end instead of text\n"
    "  --try-newer      read a Go release newer than heapscope knows (see README)\n",
    opts,
    0,
    run,
};
