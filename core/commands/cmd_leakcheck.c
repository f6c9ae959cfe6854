/* cmd_leakcheck.c - `leakcheck`: what a program leaves behind as it exits. The CLI runs the
 * program (heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS], cli/leakcheck_*.c) and runs this
 * command on it at its exit stop; this reports the goroutines still alive besides the runtime's
 * own and main (threads-blocked's groups and verdicts), the live heap with --heap, and returns
 * HS_LEAKED when any goroutine is alive or the heap exceeds --heap-max. */
#include <stdlib.h>
#include <string.h>

#include "../image/go_buildinfo.h"
#include "../output/json_util.h"
#include "../output/leakcheck_report.h"
#include "../util/clock.h"
#include "../util/size_parse.h"
#include "leakcheck_heap.h"
#include "threads_collect.h"

enum { O_IGNORE, O_HEAP, O_HEAP_MAX, O_JSON, O_LIMIT, O_PROGRAM, O_EXIT_STATUS, O_CHECK_OPTIONS, O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_IGNORE] = {"ignore", 0, HS_OPT_REPEAT, "leave out goroutines with FUNC in their stack (repeatable)"},
    [O_HEAP] = {"heap", 0, 0, "also show the live heap at exit by type"},
    [O_HEAP_MAX] = {"heap-max", 0, 1, "fail when the live heap at exit exceeds SIZE (64MiB, 10MB)"},
    [O_JSON] = {"json", 0, 1, "also write the report as JSON to FILE"},
    [O_LIMIT] = {"limit", 'n', 1, "show at most N groups and heap rows (default 10; 0 = all)"},
    [O_PROGRAM] = {"program", 0, 1, "(set by the CLI) the program's name for the report"},
    [O_EXIT_STATUS] = {"exit-status", 0, 1, "(set by the CLI) the program's exit status"},
    [O_CHECK_OPTIONS] = {"check-options", 0, 0, "(set by the CLI) only check the options"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

/* Goroutines alive at exit that are the program's normal state, not leaks: the main goroutine
 * (it is the one exiting) and what a test binary keeps by design. */
static const char *const builtin_ignore[] = {
    "runtime.main",   /* the main goroutine */
    "os/signal.loop", /* signal.Notify's delivery goroutine: once started, it runs for good */
    "runtime.goexit1", /* a goroutine that has returned, caught while it is torn down (a test
                          goroutine that just finished, under load) */
    "testing.tRunner.func1", /* a test's goroutine after the test returned, still signalling
                                its end to the runner that already went on to exit */
};
#define NBUILTIN (sizeof builtin_ignore / sizeof builtin_ignore[0])

typedef struct lc_options {
    const char *ignore[HS_MAX_REPEATED + NBUILTIN];
    size_t nignore;
    int heap;
    uint64_t heap_max;
    const char *json, *program;
    long limit, exit_status;
} lc_options;

static int read_options(const hs_args *a, lc_options *o, hs_err *err)
{
    memset(o, 0, sizeof *o);
    for (size_t i = 0; i < NBUILTIN; i++)
        o->ignore[o->nignore++] = builtin_ignore[i];
    for (const char *f; (f = hs_opt_repeated(a, O_IGNORE, o->nignore - NBUILTIN)) != NULL;)
        o->ignore[o->nignore++] = f;
    o->heap = a->v[O_HEAP].present || a->v[O_HEAP_MAX].present;
    o->json = a->v[O_JSON].arg;
    o->program = a->v[O_PROGRAM].present ? a->v[O_PROGRAM].arg : "the program";
    o->limit = 10;
    if (a->npos)
        return hs_errf(err, "unexpected argument \"%s\" (the program goes after --: heapscope "
                       "leakcheck [OPTIONS] -- PROGRAM [ARGS])", a->pos[0]);
    if (a->v[O_HEAP_MAX].present && (hs_size_parse(a->v[O_HEAP_MAX].arg, &o->heap_max, err) < 0 ||
                                     (o->heap_max == 0 && hs_errf(err, "--heap-max wants a size above 0") < 0)))
        return -1;
    if (a->v[O_LIMIT].present && hs_opt_uint("limit", a->v[O_LIMIT].arg, &o->limit, err) < 0)
        return -1;
    if (a->v[O_EXIT_STATUS].present && hs_opt_uint("exit-status", a->v[O_EXIT_STATUS].arg, &o->exit_status, err) < 0)
        return -1;
    return 0;
}

/* Renders the report, writes --json, and gives the status: HS_LEAKED when something leaked. */
static int finish(const lc_options *o, const leakcheck_report *rep, strbuf *out, hs_err *err)
{
    leakcheck_render_text(rep, out);
    if (o->json) {
        cJSON *j = leakcheck_report_json(rep);
        int r = json_write_file(j, o->json, err);
        cJSON_Delete(j);
        if (r < 0)
            return HS_FAIL;
    }
    return leakcheck_alive(rep) || leakcheck_heap_over(rep) ? HS_LEAKED : HS_OK;
}

static long verdicts_shown(const threads_data *d)
{
    long n = 0;
    for (size_t i = 0; i < d->groups.n; i++)
        n += d->groups.v[i].first->leaked == 1 ? (long)d->groups.v[i].count : 0;
    return d->notes.len ? -1 : n;
}

static int check(hs_session *s, const lc_options *o, leakcheck_report *rep, const char *mainpath,
                 strbuf *out, strbuf *msgs, hs_err *err)
{
    hs_group_filter f = {.all = 1, .verdicts = 1, .waits_on = 1, .ignore = o->ignore,
                         .nignore = o->nignore};
    threads_data d;
    if (threads_collect(s, &f, &d, NULL, err) < 0)
        return HS_FAIL;
    threads_report tr = {"go", d.rt->ver.full, s->target, d.tasks, d.ntasks, d.total, d.nsystem,
                         &d.groups, o->limit, 1, d.gs.now_exact, sb_str(&d.gs.warnings),
                         verdicts_shown(&d)};
    rep->threads = &tr;
    leakcheck_heap h;
    int status = o->heap ? leakcheck_heap_read(&h, s, d.rt, mainpath, o->limit, msgs, err) : HS_OK;
    if (status == HS_OK) {
        rep->heap = o->heap ? &h.report : NULL;
        status = finish(o, rep, out, err);
        if (o->heap)
            leakcheck_heap_free(&h);
    }
    sb_puts(msgs, sb_str(&d.gs.warnings));
    sb_puts(msgs, sb_str(&d.notes));
    threads_data_free(&d);
    return status;
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    lc_options o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    if (a->v[O_CHECK_OPTIONS].present) /* before the program starts */
        return HS_OK;
    leakcheck_report rep = {o.program, (int)o.exit_status, NULL, NULL, o.ignore, o.nignore, NULL,
                            o.heap_max, hs_mono_s()};
    char version[128], mainpath[512];
    hs_err berr;
    if (o.exit_status != 0)
        rep.not_checked = "the program failed";
    else if (!s->target)
        return hs_errf(err, "no program: heapscope leakcheck [OPTIONS] -- PROGRAM [ARGS]"), HS_USAGE;
    else if (go_buildinfo_read(s->exe, version, sizeof version, mainpath, sizeof mainpath, &berr) < 0) {
        rep.not_checked = "not a Go program";
        sb_printf(msgs, "leakcheck: %s is not a Go program; not checked\n", o.program);
    }
    if (rep.not_checked)
        return finish(&o, &rep, out, err);
    return check(s, &o, &rep, mainpath, out, msgs, err);
}

const hs_command hs_cmd_leakcheck = {
    "leakcheck",
    "leakcheck [--ignore FUNC]... [--heap] [--heap-max SIZE] [--json FILE] [-n N] -- PROGRAM [ARGS]",
    "leakcheck [--ignore FUNC]... [--heap] [--heap-max SIZE] [--json FILE] [-n N] -- PROGRAM [ARGS]\n"
    "  Runs PROGRAM (a go test binary: go test -exec 'heapscope leakcheck --' ./...) under ptrace,\n"
    "  with its input, output and signals untouched, and reads it as it exits: the goroutines\n"
    "  still alive besides the runtime's own and main are leaked (goleak's rule), shown as\n"
    "  threads-blocked shows them, with the leak verdict per group, on stderr. Exit status: the\n"
    "  program's own when it failed (then nothing is checked), else 0, or 3 when a goroutine\n"
    "  leaked or the live heap exceeds --heap-max. A program that is not Go runs unchecked.\n"
    "  --ignore FUNC    leave out goroutines with FUNC (e.g. main.poller) anywhere in their stack\n"
    "  --heap           also show the live (reachable) heap at exit by type, own packages first\n"
    "  --heap-max SIZE  fail (status 3) when the live heap exceeds SIZE (64MiB, 10MB, 4096)\n"
    "  --json FILE      also write the report to FILE as one JSON object (CI)\n"
    "  -n, --limit N    show at most N groups and heap rows (default 10; 0 = all)\n"
    "  --try-newer      read a Go release newer than heapscope knows (see README)\n",
    opts,
    0,
    run,
};
