/* cmd_heap_top.c - `heap-top`: what fills the heap — live objects and bytes per type, per
 * allocation site (when the program keeps heap-profile records), or per size class — under a
 * header of the runtime's own statistics. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../go/go_heap.h"
#include "../go/go_memstats.h"
#include "heap_top.h"
#include "session.h"

enum { O_BY, O_LIMIT, O_JSON, O_PPROF };

static const hs_opt opts[] = {
    [O_BY] = {"by", 0, 1, "type (default), site or size"},
    [O_LIMIT] = {"limit", 'n', 1, "show at most N rows (text default 20; 0 = all)"},
    [O_JSON] = {"json", 0, 0, "one JSON object instead of text"},
    [O_PPROF] = {"pprof", 0, 1, "also write a gzipped profile.proto for go tool pprof"},
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
    if (by && strcmp(by, "type") && strcmp(by, "site") && strcmp(by, "size"))
        return hs_errf(err, "--by wants type, site or size, not \"%s\"", by);
    if (by)
        o->by = by[1] == 'y' ? HEAP_BY_TYPE : by[1] == 'i' && by[2] == 't' ? HEAP_BY_SITE : HEAP_BY_SIZE;
    return 0;
}

/* The walk and the runtime's own count of live objects agree (to 1%, a live runtime may still be
 * allocating); when they do not, the span metadata is suspect and the user is told. */
static void check_walk(const go_heap *h, const go_memstats *ms, strbuf *msgs)
{
    uint64_t objects = 0, want = ms->v[GO_MS_HEAP_OBJECTS];
    for (size_t i = 0; i < go_heap_nspans(h); i++)
        objects += go_heap_span(h, i)->nalloc;
    uint64_t diff = objects > want ? objects - want : want - objects;
    if (ms->have[GO_MS_HEAP_OBJECTS] && diff > 16 && diff * 100 > want)
        sb_printf(msgs, "warning: the heap walk found %llu objects in %zu in-use spans but "
                  "runtime.MemStats counts %llu (HeapObjects): the span metadata may be corrupt, "
                  "and the rows below incomplete\n", (unsigned long long)objects,
                  go_heap_nspans(h), (unsigned long long)want);
}

static int run(hs_session *s, const hs_args *a, strbuf *out, strbuf *msgs, hs_err *err)
{
    heap_top_options o;
    if (read_options(a, &o, err) < 0)
        return HS_USAGE;
    go_rt *rt;
    if (hs_session_go(s, &rt, err) < 0)
        return HS_FAIL;
    go_memstats ms;
    hs_err merr;
    int have_ms = go_memstats_read(rt, &ms, &merr) == 0;
    if (!have_ms)
        sb_printf(msgs, "warning: runtime statistics unavailable: %s\n", merr.msg);
    go_heap *h;
    if (go_heap_open(&h, rt, err) < 0)
        return HS_FAIL;
    if (have_ms)
        check_walk(h, &ms, msgs);
    heap_top_result res;
    int status = heap_top_collect(s, rt, h, &o, &res, msgs, err);
    if (status == HS_OK) {
        heap_report r = {"go", rt->ver.full, o.by, s->target, have_ms ? &ms : NULL,
                         res.objects, res.bytes, res.rows_objects, res.rows_bytes,
                         res.typed_bytes, o.by == HEAP_BY_TYPE, res.rows, res.nrows, o.limit,
                         sb_str(&res.notes), go_heap_warnings(h)};
        (o.json ? heap_render_json : heap_render_text)(&r, out);
        if (!o.json && *r.warnings)
            sb_puts(msgs, r.warnings);
        status = o.pprof ? heap_top_write_pprof(&o, &res, err) : HS_OK;
        if (status == HS_OK && o.pprof && !o.json)
            sb_printf(msgs, "wrote %s (go tool pprof %s)\n", o.pprof, o.pprof);
    }
    heap_top_result_free(&res);
    go_heap_close(h);
    return status;
}

const hs_command hs_cmd_heap_top = {
    "heap-top",
    "heap-top [--by type|site|size] [-n N] [--json] [--pprof FILE]",
    "heap-top [--by type|site|size] [-n N] [--json] [--pprof FILE]\n"
    "  What fills the heap: live objects and bytes per type (default), per allocation site (when\n"
    "  the program keeps heap-profile records: it links runtime/pprof), or per size class, under\n"
    "  the runtime's own statistics (runtime.MemStats).\n"
    "  --by type        types from the runtime's allocation headers and by following typed\n"
    "                   pointers from typed globals; the rest is shown by size class, untyped\n"
    "  --by site        in-use objects and bytes per allocation stack, scaled as pprof scales them\n"
    "  --by size        per size class\n"
    "  -n, --limit N    show at most N rows (text default 20; 0 = all)\n"
    "  --json           one JSON object instead of text\n"
    "  --pprof FILE     also write a gzipped profile.proto (go tool pprof FILE)\n",
    opts,
    1,
    run,
};
