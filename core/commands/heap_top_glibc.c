/* heap_top_glibc.c - heap-top on a C/C++ program's glibc malloc heap: every in-use chunk and
 * mmapped chunk (glibc_heap.h) by class (the vtable its first word points to) or by chunk size,
 * with the statistics mallinfo2() would return, in the report Go's heap-top fills; reachable or
 * leaked blocks from the conservative mark, and per root what it alone keeps alive. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../glibc/glibc_graph.h"
#include "../glibc/glibc_heap.h"
#include "../glibc/vtable_names.h"
#include "../util/human.h"
#include "../views/graph_rows.h"
#include "../views/type_rows.h"
#include "glibc_rows.h"
#include "heap_holders_glibc.h"
#include "heap_top.h"
#include "heap_top_glibc.h"

/* The reachability figures and the note that says how the mark ran. */
static void reach_note(const glibc_graph *gg, heap_reach *reach, strbuf *note)
{
    *reach = (heap_reach){.known = 1, .live_objects = gg->live_objects, .live_bytes = gg->live_bytes,
                          .unreachable_objects = gg->objects - gg->live_objects,
                          .unreachable_bytes = gg->bytes - gg->live_bytes,
                          .conservative_bytes = gg->root_bytes, .roots = gg->nroots};
    char n[32], b[48], k[48];
    hs_format_count(reach->unreachable_objects, n, sizeof n);
    hs_format_bytes(reach->unreachable_bytes, b, sizeof b);
    sb_printf(note, "leaked (nothing points to them): %s blocks, %s", n, b);
    hs_format_count(reach->live_objects, n, sizeof n);
    hs_format_bytes(reach->live_bytes, b, sizeof b);
    hs_format_bytes(gg->root_bytes, k, sizeof k);
    sb_printf(note, "; reachable: %s blocks, %s\n(marked conservatively from %u roots: modules' data "
              "and bss, the stacks of %u thread%s, every thread's registers, TLS and other writable "
              "mappings, %s scanned; a word inside a block that points into another block is an edge)",
              n, b, gg->nroots, gg->nthreads, gg->nthreads == 1 ? "" : "s", k);
}

static void free_graph(void *p)
{
    glibc_graph_free(p);
    free(p);
}

/* Rows from the dominator tree of gg (built with GLIBC_GRAPH_HOLDERS): --by root, what each root
 * alone keeps alive (the rows' names live in the graph, which res keeps), or --retained, what
 * each of res's rows' blocks keep alive. */
static int dominator_rows(glibc_heap *h, glibc_graph *gg, int by_root, heap_top_result *res, hs_err *err)
{
    char version[32];
    snprintf(version, sizeof version, "glibc %s", h->version);
    heap_holders hh;
    if (glibc_holders_open(&hh, gg, h->t, version, HOLD_DOMINATORS, NULL, err) < 0)
        return -1;
    int rc = by_root ? heap_top_root_rows(&hh, gg->live_objects, gg->live_bytes, res, err)
                     : heap_top_rows_retained(&hh, res, err);
    heap_holders_close(&hh);
    return rc == HS_OK ? 0 : -1;
}

static glibc_graph *new_graph(glibc_heap *h, vtable_names *vt, int flags, hs_err *err)
{
    glibc_graph *gg = calloc(1, sizeof *gg);
    if (!gg) {
        hs_errf(err, "out of memory");
        return NULL;
    }
    if (glibc_graph_build(h, vt, flags, gg, err) < 0) {
        free(gg);
        return NULL;
    }
    return gg;
}

/* --live / --unreachable / --by root: rows from the conservative mark (glibc_graph.h). */
static int graph_rows(glibc_heap *h, vtable_names *vt, const heap_top_options *o, heap_top_result *res,
                      heap_reach *reach, strbuf *note, hs_err *err)
{
    int by_root = o->by == HEAP_BY_ROOT;
    glibc_graph *gg = new_graph(h, vt, o->by == HEAP_BY_SIZE ? GLIBC_GRAPH_BY_SIZE
                                       : by_root || o->retained ? GLIBC_GRAPH_HOLDERS : 0, err);
    if (!gg)
        return -1;
    reach_note(gg, reach, note);
    if (by_root) {
        int rc = dominator_rows(h, gg, 1, res, err);
        res->owned = gg, res->free_owned = free_graph;
        return rc;
    }
    hs_type_rows *rows = hs_type_rows_new();
    int rc = rows && hs_graph_type_rows(gg->g, hs_mark_bits(gg->m), o->reach, rows) == 0 ? 0 : -1;
    if (rc < 0) {
        free_graph(gg);
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory");
    }
    rc = heap_top_take_type_rows(rows, res, err);
    if (rc == 0 && o->retained)
        rc = dominator_rows(h, gg, 0, res, err);
    free_graph(gg);
    return rc;
}

/* --retained over every allocated block: the rows from the heap walk, what they keep alive from
 * a graph of a second reading of the heap (a walk counts as it goes: the first's counts stay). */
static int walk_retained(hs_target *t, vtable_names *vt, heap_top_result *res, hs_err *err)
{
    glibc_heap h2;
    if (glibc_heap_open(&h2, t, err) < 0)
        return -1;
    glibc_graph *gg = new_graph(&h2, vt, GLIBC_GRAPH_HOLDERS, err);
    int rc = gg ? dominator_rows(&h2, gg, 0, res, err) : -1;
    if (gg)
        free_graph(gg);
    glibc_heap_close(&h2);
    return rc;
}

static void notes(const glibc_heap *h, const vtable_names *vt, strbuf *out)
{
    sb_printf(out, "(main_arena from %s; %zu arenas, %zu heaps; in use as mallinfo2 counts it, "
              "less %llu chunks freed into %llu tcaches (found %s); %llu mmapped chunks; C++ "
              "objects named by their vtable (%zu known), other blocks by chunk size)\n",
              h->arena_how, h->narenas, h->nspans, (unsigned long long)h->tcache_chunks,
              (unsigned long long)h->ntcaches, h->tcache_how, (unsigned long long)h->mmapped_chunks,
              vt ? vtable_names_count(vt) : 0);
}

static int refuse(const heap_top_options *o, hs_err *err)
{
    if (o->by != HEAP_BY_SITE)
        return 0;
    return hs_errf(err, "--by site is not available on a glibc malloc heap (a C/C++ program: malloc "
                   "records no allocation sites): heap-top there takes --by type, --by size, --by root, "
                   "--live, --unreachable, --retained, -n, --json and --pprof");
}

static void render(hs_session *s, const heap_top_options *o, const glibc_heap *h, const vtable_names *vt,
                   heap_top_result *res, const heap_reach *reach, const char *reach_note, strbuf *out,
                   strbuf *msgs)
{
    char version[32];
    snprintf(version, sizeof version, "glibc %s", h->version);
    heap_stat st[16];
    strbuf warn;
    sb_init(&warn);
    glibc_rows_warnings(h, &warn);
    notes(h, vt, &res->notes);
    static const char *const what[] = {"allocated blocks (heap walk)",
                                       "reachable blocks (marked conservatively from every root)",
                                       "leaked blocks (nothing points to them)"};
    heap_report r = {"glibc", version, o->by, s->target, NULL, res->objects, res->bytes,
                     res->rows_objects, res->rows_bytes, res->typed_bytes, o->by == HEAP_BY_TYPE,
                     res->rows, res->nrows, o->limit, sb_str(&res->notes), sb_str(&warn), o->reach,
                     reach, o->retained, "mallinfo2", st, glibc_mallinfo_stats(h, st),
                     *reach_note ? reach_note : "reachability not computed (--live or --unreachable "
                     "marks the heap conservatively)", what[o->reach]};
    (o->json ? heap_render_json : heap_render_text)(&r, out);
    if (!o->json)
        sb_puts(msgs, sb_str(&warn));
    sb_free(&warn);
}

int heap_top_glibc(hs_session *s, const heap_top_options *opts, strbuf *out, strbuf *msgs, hs_err *err)
{
    if (refuse(opts, err) < 0)
        return HS_USAGE;
    heap_top_options by_root = *opts; /* --by root: reachable blocks, by what keeps them */
    by_root.reach = HS_REACH_LIVE;
    const heap_top_options *o = opts->by == HEAP_BY_ROOT ? &by_root : opts;
    if (hs_session_release(s, msgs, err) < 0)
        return HS_FAIL;
    glibc_heap h;
    if (glibc_heap_open(&h, s->target, err) < 0)
        return HS_FAIL;
    glibc_rows g = {0};
    hs_err verr;
    if (o->by != HEAP_BY_SIZE && vtable_names_open(&g.vt, s->target, &verr) < 0)
        sb_printf(msgs, "warning: C++ classes not named: %s\n", verr.msg);
    heap_top_result res;
    memset(&res, 0, sizeof res);
    sb_init(&res.notes);
    heap_reach reach;
    strbuf note;
    sb_init(&note);
    int status;
    if (o->reach == HS_REACH_ALL)
        status = glibc_rows_walk(&g, &h, o->by != HEAP_BY_SIZE, o->by == HEAP_BY_SIZE, err) < 0 ||
                 glibc_rows_take(&g, &h, o->by, &res, err) < 0 ||
                 (o->retained && walk_retained(s->target, g.vt, &res, err) < 0);
    else
        status = graph_rows(&h, g.vt, o, &res, &reach, &note, err) < 0;
    status = status ? HS_FAIL : HS_OK;
    if (status == HS_OK) {
        render(s, o, &h, g.vt, &res, o->reach == HS_REACH_ALL ? NULL : &reach, sb_str(&note), out, msgs);
        status = heap_top_pprof(o, &res, msgs, err);
    }
    sb_free(&note);
    heap_top_result_free(&res);
    glibc_rows_free(&g);
    vtable_names_close(g.vt);
    glibc_heap_close(&h);
    return status;
}
