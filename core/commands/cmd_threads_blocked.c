/* cmd_threads_blocked.c - `threads-blocked`: goroutines grouped by what they wait on and where. */
#include <stdlib.h>
#include <string.h>

#include "../output/json_util.h"
#include "../output/threads_report.h"
#include "../util/duration.h"
#include "models.h"
#include "threads_collect.h"
#include "threads_native.h"

enum { O_ALL, O_MIN_WAIT, O_LIMIT, O_JSON, O_GOROUTINE, O_LABEL, O_LEAKED, O_FAIL_ON_LEAK, O_THREADS,
       O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_ALL] = {"all", 0, 0, "also show running and runnable goroutines, and the runtime's own"},
    [O_MIN_WAIT] = {"min-wait", 0, 1, "only goroutines known to wait at least DUR (30s, 5m, 1h)"},
    [O_LIMIT] = {"limit", 'n', 1, "show at most N groups (text default 20; 0 = all)"},
    [O_JSON] = {"json", 0, 0, "one JSON object instead of text"},
    [O_GOROUTINE] = {"goroutine", 0, 1, "show one goroutine in full"},
    [O_LABEL] = {"label", 0, 1, "only goroutines carrying the pprof label KEY=VALUE"},
    [O_LEAKED] = {"leaked", 0, 0, "only leaked goroutines"},
    [O_FAIL_ON_LEAK] = {"fail-on-leak", 0, 0, "exit with status 3 when a goroutine is leaked"},
    [O_THREADS] = {"threads", 0, 0, "also the process's native threads (C stacks under cgo, Go's own threads)"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

typedef struct tb_options {
    int all, json;
    long limit;
    int64_t min_wait;
    long goroutine; /* -1: none */
    const char *label; /* KEY=VALUE or NULL */
    int leaked, fail_on_leak, threads;
} tb_options;

static int read_options(const hs_args *a, tb_options *o, hs_err *err)
{
    o->all = a->v[O_ALL].present;
    o->json = a->v[O_JSON].present;
    o->limit = o->json ? 0 : 20;
    o->min_wait = 0;
    o->goroutine = -1;
    o->label = a->v[O_LABEL].present ? a->v[O_LABEL].arg : NULL;
    o->leaked = a->v[O_LEAKED].present;
    o->fail_on_leak = a->v[O_FAIL_ON_LEAK].present;
    o->threads = a->v[O_THREADS].present;
    if (o->label && (!strchr(o->label, '=') || o->label[0] == '='))
        return hs_errf(err, "--label wants KEY=VALUE, not \"%s\"", o->label);
    if (a->npos)
        return hs_errf(err, "unexpected argument \"%s\"", a->pos[0]);
    if (a->v[O_LIMIT].present && hs_opt_uint("limit", a->v[O_LIMIT].arg, &o->limit, err) < 0)
        return -1;
    if (a->v[O_MIN_WAIT].present && hs_duration_parse(a->v[O_MIN_WAIT].arg, &o->min_wait, err) < 0)
        return -1;
    if (a->v[O_GOROUTINE].present && hs_opt_uint("goroutine", a->v[O_GOROUTINE].arg, &o->goroutine, err) < 0)
        return -1;
    return 0;
}

/* The goroutines, then (--threads) the native threads; a failure to read those is a warning. */
static void render_mixed(hs_session *s, const tb_options *o, threads_report *r, strbuf *out,
                         strbuf *msgs)
{
    hs_err e = {0};
    cJSON *j = o->json ? threads_report_json(r) : NULL;
    if (!o->json)
        threads_render_text(r, out);
    if (threads_native_mixed(s, o->all, o->limit, j, out, msgs, &e) != HS_OK) {
        sb_printf(msgs, "threads-blocked --threads: %s\n", e.msg);
        if (j)
            cJSON_AddStringToObject(j, "threads_error", e.msg);
    }
    if (j)
        json_emit(j, out);
}

static int render(hs_session *s, const tb_options *o, threads_report *r, strbuf *out, strbuf *msgs,
                  hs_err *err)
{
    if (o->goroutine >= 0) {
        for (size_t i = 0; i < r->ntasks; i++)
            if (r->tasks[i].id == (uint64_t)o->goroutine) {
                (o->json ? task_render_json : task_render_text)(r, &r->tasks[i], out);
                return HS_OK;
            }
        hs_errf(err, "no goroutine %ld in %s", o->goroutine, r->target->description);
        return HS_FAIL;
    }
    if (o->threads)
        render_mixed(s, o, r, out, msgs);
    else
        (o->json ? threads_render_json : threads_render_text)(r, out);
    return HS_OK;
}

/* Options that have no meaning for native threads are refused, naming the first one given. */
static int native_options(const hs_args *a, hs_err *err)
{
    static const int go_only[] = {O_MIN_WAIT, O_GOROUTINE, O_LABEL, O_LEAKED, O_FAIL_ON_LEAK};
    for (size_t i = 0; i < sizeof go_only / sizeof *go_only; i++)
        if (a->v[go_only[i]].present)
            return hs_errf(err, "--%s applies to goroutines; native threads carry no %s",
                           opts[go_only[i]].name, go_only[i] == O_MIN_WAIT ? "wait time"
                           : go_only[i] == O_LABEL ? "labels" : go_only[i] == O_GOROUTINE
                           ? "goroutine ids" : "leak verdicts");
    return 0;
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    tb_options o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    if (hs_session_model(s) == HS_MODEL_NATIVE)
        return native_options(a, err) < 0 ? HS_USAGE
                                          : threads_native_run(s, o.all, o.json, o.limit, out, msgs, err);
    hs_group_filter f = {.all = o.all, .system = o.all, .min_wait_ns = o.min_wait, .label = o.label,
                         .leaked_only = o.leaked, .verdicts = 1, .waits_on = 1};
    threads_data d;
    if (threads_collect(s, &f, &d, msgs, err) < 0)
        return HS_FAIL;
    threads_report r = {"go", d.rt->ver.full, s->target, d.tasks, d.ntasks, d.total, d.nsystem,
                        &d.groups, o.limit, o.all, d.gs.now_exact, sb_str(&d.gs.warnings),
                        d.notes.len ? -1 : (long)d.nleaked};
    int status = render(s, &o, &r, out, msgs, err);
    if (!o.json)
        sb_puts(msgs, sb_str(&d.gs.warnings));
    sb_puts(msgs, sb_str(&d.notes));
    if (status == HS_OK && o.fail_on_leak && d.nleaked > 0) {
        sb_printf(msgs, "threads-blocked: %zu goroutine%s leaked\n", d.nleaked, d.nleaked == 1 ? "" : "s");
        status = HS_LEAKED;
    }
    threads_data_free(&d);
    return status;
}

const hs_command hs_cmd_threads_blocked = {
    "threads-blocked",
    "threads-blocked [--all] [--min-wait DUR] [-n N] [--json] [--goroutine ID] [--label K=V] [--leaked] [--fail-on-leak] [--threads]",
    "threads-blocked [--all] [--min-wait DUR] [-n N] [--json] [--goroutine ID] [--label K=V] [--leaked] [--fail-on-leak] [--threads]\n"
    "  Goroutines grouped by what they wait on (the runtime's own words: chan receive, select,\n"
    "  sync.Mutex.Lock, IO wait, ...) and by stack, largest group first, with how long they have\n"
    "  waited where the runtime recorded it (it does so at each GC). A goroutine blocked on a\n"
    "  channel or sync object no goroutine that can run reaches is leaked: nothing can ever wake\n"
    "  it (Go's goroutine leak detector's rule, worked out from outside: [chan receive, leaked]).\n"
    "  --all            also show running and runnable goroutines, and the runtime's own\n"
    "  --min-wait DUR   only goroutines known to wait at least DUR (30s, 5m, 1h)\n"
    "  -n, --limit N    show at most N groups (text default 20; 0 = all)\n"
    "  --json           one JSON object instead of text\n"
    "  --goroutine ID   show one goroutine in full\n"
    "  --label K=V      only goroutines carrying the pprof label K=V (pprof.Do, SetGoroutineLabels);\n"
    "                   each group lists its members' label sets\n"
    "  --leaked         only leaked goroutines\n"
    "  --fail-on-leak   exit with status 3 when a goroutine is leaked (scripts and CI)\n"
    "  --threads        also the process's native threads after the goroutines, grouped as for a\n"
    "                   C process under their own heading, each group with its role: cgo call (C\n"
    "                   code called from Go, e.g. blocked in pthread_mutex_lock or read), go runtime\n"
    "                   (Go's own threads idle in futex, epoll_wait, ...), C (threads C started);\n"
    "                   JSON: \"threads\": {total, shown, groups[] with role, deadlocks, warnings}\n"
    "  --try-newer      read a Go release newer than heapscope knows (see README)\n"
    "  A C/C++ (native) process or core: threads grouped by state (mutex, rwlock, condition\n"
    "  variable, read, write, poll, epoll_wait, accept, sleep, futex, syscall NAME) and stack, with\n"
    "  the lock each waits on, its owner thread, and deadlock cycles; --all adds running threads.\n",
    opts,
    1,
    run,
};
