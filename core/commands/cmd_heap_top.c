/* cmd_heap_top.c - `heap-top`: what fills the heap — live objects and bytes per type, per
 * allocation site (when the program keeps heap-profile records), or per size class — under a
 * header of the runtime's own statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../go/go_heap.h"
#include "../go/go_inflight.h"
#include "../go/go_memstats.h"
#include "heap_top.h"
#include "heap_top_glibc.h"
#include "models.h"
#include "session.h"

enum { O_BY, O_LIMIT, O_JSON, O_PPROF, O_LIVE, O_UNREACHABLE, O_RETAINED, O_TRY_NEWER };

static const hs_opt opts[] = {
    [O_BY] = {"by", 0, 1, "type (default), site, size or root"},
    [O_LIMIT] = {"limit", 'n', 1, "show at most N rows (text default 20; 0 = all)"},
    [O_JSON] = {"json", 0, 0, "one JSON object instead of text"},
    [O_PPROF] = {"pprof", 0, 1, "also write a gzipped profile.proto for go tool pprof"},
    [O_LIVE] = {"live", 0, 0, "only objects reachable from the program's roots"},
    [O_UNREACHABLE] = {"unreachable", 0, 0, "only garbage the collector has not freed yet"},
    [O_RETAINED] = {"retained", 0, 0, "with --by type: what each type's objects keep alive"},
    [O_TRY_NEWER] = HS_OPT_TRY_NEWER,
    {0, 0, 0, 0},
};

static int read_options(const hs_args *a, heap_top_options *o, hs_err *err)
{
    memset(o, 0, sizeof *o);
    o->json = a->v[O_JSON].present;
    o->limit = o->json ? 0 : 20;
    o->pprof = a->v[O_PPROF].arg;
    o->by = HEAP_BY_TYPE;
    if (a->npos)
        return hs_errf(err, "unexpected argument \"%s\"", a->pos[0]);
    if (a->v[O_LIMIT].present && hs_opt_uint("limit", a->v[O_LIMIT].arg, &o->limit, err) < 0)
        return -1;
    const char *by = a->v[O_BY].arg;
    static const char *const bys[] = {[HEAP_BY_TYPE] = "type", [HEAP_BY_SITE] = "site",
                                       [HEAP_BY_SIZE] = "size", [HEAP_BY_ROOT] = "root"};
    for (int i = 0; by && i < 4; i++)
        if (!strcmp(by, bys[i]))
            o->by = (enum heap_by)i, by = NULL;
    if (by)
        return hs_errf(err, "--by wants type, site, size or root, not \"%s\"", by);
    o->retained = a->v[O_RETAINED].present;
    if (o->retained && o->by != HEAP_BY_TYPE)
        return hs_errf(err, "--retained adds a column to --by type (--by root is retained already)");
    if (o->by == HEAP_BY_ROOT && a->v[O_UNREACHABLE].present)
        return hs_errf(err, "--by root counts what roots keep alive: nothing unreachable");
    if (a->v[O_LIVE].present && a->v[O_UNREACHABLE].present)
        return hs_errf(err, "--live and --unreachable exclude each other");
    o->reach = a->v[O_LIVE].present ? HS_REACH_LIVE : a->v[O_UNREACHABLE].present ? HS_REACH_UNREACHABLE
                                                                              : HS_REACH_ALL;
    if (o->reach != HS_REACH_ALL && o->by == HEAP_BY_SITE)
        return hs_errf(err, "--%s applies to --by type and --by size: --by site counts the "
                       "runtime's profile records, which are as of the last GC",
                       o->reach == HS_REACH_LIVE ? "live" : "unreachable");
    return 0;
}

/* The walk and the runtime's own statistics agree exactly in a process stopped anywhere but
 * halfway through one of the runtime's two-step heap updates (go_inflight.h: a live process is
 * stopped again until none is, a core cannot be). A difference with a thread in such a window is
 * explained; one without is a warning: the span metadata is suspect. */
static void check_walk(go_rt *rt, const go_heap *h, const go_memstats *ms, strbuf *msgs)
{
    uint64_t objects, bytes, want = ms->v[GO_MS_HEAP_OBJECTS], want_bytes = ms->v[GO_MS_HEAP_ALLOC];
    go_heap_totals(h, &objects, &bytes);
    if (!ms->have[GO_MS_HEAP_OBJECTS] || !ms->have[GO_MS_HEAP_ALLOC] ||
        (objects == want && bytes == want_bytes))
        return;
    go_inflight v[4];
    size_t n = go_inflight_threads(rt, v, 4);
    if (n == 0) {
        sb_printf(msgs, "warning: the heap walk found %llu objects (%llu bytes) in %zu in-use spans "
                  "but runtime.MemStats counts %llu (%llu bytes): the span metadata may be "
                  "corrupt, and the rows below incomplete\n", (unsigned long long)objects,
                  (unsigned long long)bytes, go_heap_nspans(h), (unsigned long long)want,
                  (unsigned long long)want_bytes);
        return;
    }
    char why[400];
    go_inflight_describe(v, n < 4 ? n : 4, why, sizeof why);
    sb_printf(msgs, "note: %s when %s was taken: the heap walk (%llu objects, %llu bytes) and "
              "runtime.MemStats (%llu, %llu) agree once it finishes\n", why,
              rt->t->description, (unsigned long long)objects, (unsigned long long)bytes,
              (unsigned long long)want, (unsigned long long)want_bytes);
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    heap_top_options o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    if (hs_session_model(s) == HS_MODEL_NATIVE)
        return heap_top_glibc(s, &o, out, msgs, err);
    go_rt *rt;
    if (hs_session_go(s, &rt, err) < 0 || hs_session_release(s, msgs, err) < 0)
        return HS_FAIL;
    go_memstats ms;
    hs_err merr;
    int have_ms = go_memstats_read(rt, &ms, &merr) == 0;
    if (!have_ms)
        sb_printf(msgs, "warning: runtime statistics unavailable: %s\n", merr.msg);
    heap_analysis an;
    int need = o.reach != HS_REACH_ALL || o.retained || o.by == HEAP_BY_ROOT;
    if (heap_analysis_open(&an, rt, need ? HEAP_NEED_GRAPH : 0, err) < 0)
        return HS_FAIL;
    if (have_ms)
        check_walk(rt, an.h, &ms, msgs);
    heap_top_result res;
    strbuf warnings;
    sb_init(&warnings);
    int status = heap_top_collect(&an, &o, &res, msgs, err);
    if (status == HS_OK) {
        heap_report r = {"go", rt->ver.full, o.by, s->target, have_ms ? &ms : NULL,
                         res.objects, res.bytes, res.rows_objects, res.rows_bytes,
                         res.typed_bytes, o.by == HEAP_BY_TYPE, res.rows, res.nrows, o.limit,
                         sb_str(&res.notes), heap_analysis_warnings(&an, &warnings), o.reach,
                         an.have_graph ? &an.reach : NULL, o.retained, NULL, NULL, 0, NULL, NULL};
        (o.json ? heap_render_json : heap_render_text)(&r, out);
        if (!o.json && *r.warnings)
            sb_puts(msgs, r.warnings);
        status = heap_top_pprof(&o, &res, msgs, err);
    }
    heap_top_result_free(&res);
    sb_free(&warnings);
    heap_analysis_close(&an);
    return status;
}

const hs_command hs_cmd_heap_top = {
    "heap-top",
    "heap-top [--by type|site|size|root] [--live|--unreachable] [--retained] [-n N] [--json] [--pprof FILE]",
    "heap-top [--by type|site|size|root] [--live|--unreachable] [--retained] [-n N] [--json] [--pprof FILE]\n"
    "  What fills the heap: allocated objects and bytes per type (default), per allocation site\n"
    "  (when the program keeps heap-profile records: it links runtime/pprof), or per size class,\n"
    "  under the runtime's own statistics (runtime.MemStats), and how much of it is reachable:\n"
    "  heapscope marks the heap from every root the collector uses (globals, every goroutine's\n"
    "  stack by its stack maps, finalizers) and counts the rest as garbage not yet collected.\n"
    "  --live           only reachable objects; --unreachable: only the garbage\n"
    "  --by type        types from the runtime's allocation headers and by following typed\n"
    "                   pointers from typed globals and stack frames; the rest is shown by size\n"
    "                   class, untyped\n"
    "  --by site        in-use objects and bytes per allocation stack, scaled as pprof scales them\n"
    "  --by size        per size class\n"
    "  --by root        per root (a global variable, a goroutine, a finalizer): the objects and\n"
    "                   bytes it alone keeps alive (its part of the dominator tree)\n"
    "  --retained       with --by type, a column of what each type's objects keep alive\n"
    "  -n, --limit N    show at most N rows (text default 20; 0 = all)\n"
    "  --json           one JSON object instead of text\n"
    "  --pprof FILE     also write a gzipped profile.proto (go tool pprof FILE)\n"
    "  --try-newer      read a Go release newer than heapscope knows (see README)\n",
    opts,
    1,
    run,
};
