/* heap_top_rows.c - heap-top's analysis and rows: the heap read and marked once, then rows by
 * type (types inferred into the object graph), by size class (straight from the spans), by
 * allocation site (the runtime's heap-profile records), over all objects, reachable ones or
 * unreachable ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../go/go_mprof.h"
#include "../output/pprof_heap.h"
#include "../output/pprof_rows.h"
#include "../views/site_rows.h"
#include "heap_top.h"

/* ---- the analysis ---- */

static void fill_reach(heap_analysis *a)
{
    const go_heapgraph *hg = &a->hg;
    heap_reach *r = &a->reach;
    r->known = 1;
    r->live_objects = hg->live_objects;
    r->live_bytes = hg->live_bytes;
    r->unreachable_objects = hg->objects - hg->live_objects;
    r->unreachable_bytes = hg->bytes - hg->live_bytes;
    r->conservative_bytes = hg->st.conservative_bytes;
    r->roots = hs_graph_nroots(hg->g);
    r->goroutines = hg->st.goroutines;
    r->frames = hg->st.frames;
    r->frames_precise = hg->st.frames_precise;
    r->edges_data = hg->st.roots_data;
    r->edges_stack = hg->st.roots_stack;
    r->edges_special = hg->st.roots_special;
}

int heap_analysis_open(heap_analysis *a, go_rt *rt, int flags, hs_err *err)
{
    int need_graph = flags & HEAP_NEED_GRAPH;
    memset(a, 0, sizeof *a);
    a->rt = rt;
    if (go_heap_open(&a->h, rt, err) < 0)
        return -1;
    hs_err gerr;
    if (go_heapgraph_build(rt, a->h, (flags & HEAP_KEEP_TAGS) != 0, &a->hg, &gerr) < 0) {
        if (need_graph || strcmp(gerr.msg, "interrupted") == 0 ||
            go_heapgraph_objects(a->h, &a->hg, err) < 0) { /* rows by type still need objects */
            if (need_graph)
                *err = gerr;
            heap_analysis_close(a);
            return -1;
        }
        a->graph_error = strdup(gerr.msg);
        return 0;
    }
    a->have_graph = 1;
    fill_reach(a);
    return 0;
}

void heap_analysis_close(heap_analysis *a)
{
    go_heapgraph_free(&a->hg);
    go_heap_close(a->h);
    free(a->graph_error);
    memset(a, 0, sizeof *a);
}

const char *heap_analysis_warnings(heap_analysis *a, strbuf *buf)
{
    sb_puts(buf, go_heap_warnings(a->h));
    if (a->have_graph)
        sb_puts(buf, sb_str(&a->hg.warnings));
    else if (a->graph_error)
        sb_printf(buf, "reachability unknown: %s\n", a->graph_error);
    return sb_str(buf);
}

int heap_analysis_types(heap_analysis *a, hs_err *err)
{
    if (a->typed)
        return 0;
    go_types *ts;
    if (go_types_open(&ts, a->rt, err) < 0)
        return -1;
    int r = go_typeinfer_run(a->rt, a->h, ts, &a->hg, &a->tst, err);
    go_types_close(ts);
    a->typed = r == 0;
    return r;
}

static const uint8_t *marks(const heap_analysis *a)
{
    return a->have_graph ? hs_mark_bits(a->hg.live) : NULL;
}

/* ---- rows ---- */

static void free_type_rows(void *p) { hs_type_rows_free(p); }

int heap_top_take_type_rows(hs_type_rows *rows, heap_top_result *res, hs_err *err)
{
    size_t n;
    const hs_type_row *sorted = hs_type_rows_sorted(rows, &n);
    res->rows = calloc(n ? n : 1, sizeof *res->rows);
    if (!sorted || !res->rows) {
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory");
    }
    for (size_t i = 0; i < n; i++)
        res->rows[i] = (heap_row){.name = sorted[i].name, .objects = sorted[i].objects,
                                  .bytes = sorted[i].bytes, .typed = sorted[i].typed, .size_class = -1};
    res->nrows = n;
    uint64_t typed_objects;
    hs_type_rows_totals(rows, &res->objects, &res->bytes, &typed_objects, &res->typed_bytes);
    res->rows_objects = res->objects;
    res->rows_bytes = res->bytes;
    res->owned = rows;
    res->free_owned = free_type_rows;
    return 0;
}

static int by_type(heap_analysis *a, const heap_top_options *o, heap_top_result *res, hs_err *err)
{
    if (heap_analysis_types(a, err) < 0)
        return HS_FAIL;
    hs_type_rows *rows = hs_type_rows_new();
    if (!rows || hs_graph_type_rows(a->hg.g, marks(a), o->reach, rows) < 0) {
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory"), HS_FAIL;
    }
    if (heap_top_take_type_rows(rows, res, err) < 0)
        return HS_FAIL;
    sb_printf(&res->notes, "(%llu objects typed by the runtime's own records, the rest by following "
              "typed pointers from %llu global variables%s, %zu stack frames, finalizers and interface "
              "values; objects of unknown type are listed by size as <noscan|scan SIZE>)\n",
              (unsigned long long)a->tst.from_headers,
              (unsigned long long)(a->tst.roots + a->tst.dwarf_roots + a->tst.code_roots),
              a->tst.code_roots ? " (typed by the code that stores to them: the binary has no DWARF)" : "",
              a->hg.nframes);
    return HS_OK;
}

static int size_cmp(const void *pa, const void *pb)
{
    const heap_row *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    return a->size_class - b->size_class;
}

typedef struct size_names {
    char names[256][24];
} size_names;

static int by_size(heap_analysis *a, const heap_top_options *o, heap_top_result *res, hs_err *err)
{
    size_names *nm = calloc(1, sizeof *nm);
    res->rows = calloc(256, sizeof *res->rows);
    if (!nm || !res->rows) {
        free(nm);
        return hs_errf(err, "out of memory"), HS_FAIL;
    }
    for (size_t i = 0; i < go_heap_nspans(a->h); i++) {
        const go_span *s = go_heap_span(a->h, i);
        uint64_t n = o->reach == HS_REACH_ALL
                         ? s->nalloc
                         : hs_graph_count(a->hg.g, marks(a), o->reach, (hs_oid)s->bit0, s->nelems);
        heap_row *row = &res->rows[s->sizeclass];
        if (!row->name) {
            if (s->sizeclass == 0)
                strcpy(nm->names[0], "large (> 32 KiB)");
            else
                snprintf(nm->names[s->sizeclass], sizeof nm->names[0], "%llu B",
                         (unsigned long long)s->elemsize);
            *row = (heap_row){.name = nm->names[s->sizeclass], .size_class = s->sizeclass,
                              .elem_size = s->sizeclass ? s->elemsize : 0};
        }
        row->objects += n;
        row->bytes += n * s->elemsize;
        row->spans++;
        res->objects += n;
        res->bytes += n * s->elemsize;
    }
    size_t n = 0;
    for (size_t i = 0; i < 256; i++)
        if (res->rows[i].name && (res->rows[i].objects || o->reach == HS_REACH_ALL))
            res->rows[n++] = res->rows[i];
    qsort(res->rows, n, sizeof *res->rows, size_cmp);
    res->nrows = n;
    res->rows_objects = res->objects;
    res->rows_bytes = res->bytes;
    res->owned = nm;
    res->free_owned = free;
    return HS_OK;
}

typedef struct site_owned {
    go_mprof *mp;
    hs_site_rows rows;
} site_owned;

static void free_sites(void *p)
{
    site_owned *o = p;
    hs_site_rows_free(&o->rows);
    go_mprof_close(o->mp);
    free(o);
}

static int by_site(heap_analysis *a, heap_top_result *res, strbuf *msgs, hs_err *err)
{
    site_owned *o = calloc(1, sizeof *o);
    const hs_alloc_sites *sites;
    if (!o)
        return hs_errf(err, "out of memory"), HS_FAIL;
    res->owned = o;
    res->free_owned = free_sites;
    if (go_mprof_read(a->rt, &o->mp, err) < 0 || go_mprof_sites(o->mp, &sites, err) < 0 ||
        hs_site_rows_build(sites, 0, &o->rows, err) < 0)
        return HS_FAIL;
    sb_puts(msgs, go_mprof_warnings(o->mp));
    res->rows = calloc(o->rows.n ? o->rows.n : 1, sizeof *res->rows);
    if (!res->rows)
        return hs_errf(err, "out of memory"), HS_FAIL;
    for (size_t i = 0; i < o->rows.n; i++) {
        const hs_site_row *r = &o->rows.v[i];
        res->rows[i] = (heap_row){.name = r->name, .objects = (uint64_t)r->inuse_objects,
                                  .bytes = (uint64_t)r->inuse_bytes, .typed = 1,
                                  .alloc_objects = (uint64_t)r->alloc_objects,
                                  .alloc_bytes = (uint64_t)r->alloc_bytes, .frames = r->frames,
                                  .nframes = r->nframes, .symbols = r->symbols, .size_class = -1};
    }
    res->nrows = o->rows.n;
    res->sites = sites;
    go_heap_totals(a->h, &res->objects, &res->bytes);
    res->rows_objects = (uint64_t)o->rows.inuse_objects;
    res->rows_bytes = (uint64_t)o->rows.inuse_bytes;
    sb_printf(&res->notes, "(allocation sites from the runtime's heap-profile records, sampled every "
              "%lld bytes and scaled as pprof scales them, as of the last completed GC)\n",
              (long long)sites->rate);
    return HS_OK;
}

int heap_top_collect(heap_analysis *a, const heap_top_options *o, heap_top_result *res,
                     strbuf *msgs, hs_err *err)
{
    memset(res, 0, sizeof *res);
    sb_init(&res->notes);
    if (o->reach != HS_REACH_ALL && !a->have_graph)
        return hs_errf(err, "%s", a->graph_error ? a->graph_error : "reachability unknown"), HS_FAIL;
    switch (o->by) {
    case HEAP_BY_TYPE: {
        int r = by_type(a, o, res, err);
        return r == HS_OK && o->retained ? heap_top_add_retained(a, res, err) : r;
    }
    case HEAP_BY_ROOT:
        return heap_top_by_root(a, res, err);
    case HEAP_BY_SIZE:
        return by_size(a, o, res, err);
    case HEAP_BY_SITE:
        if (o->reach != HS_REACH_ALL)
            return hs_errf(err, "--live and --unreachable select objects by a mark of the heap; "
                           "--by site counts the runtime's profile records, which are as of the "
                           "last GC (use --by type or --by size)"), HS_USAGE;
        return by_site(a, res, msgs, err);
    }
    return hs_errf(err, "unknown --by"), HS_USAGE;
}

int heap_top_write_pprof(const heap_top_options *o, const heap_top_result *res, hs_err *err)
{
    if (o->by == HEAP_BY_SITE)
        return hs_pprof_write_heap(o->pprof, res->sites, "heap-top --by site", 0, err) < 0 ? HS_FAIL : HS_OK;
    hs_pprof_row *rows = calloc(res->nrows ? res->nrows : 1, sizeof *rows);
    if (!rows)
        return hs_errf(err, "out of memory"), HS_FAIL;
    for (size_t i = 0; i < res->nrows; i++)
        rows[i] = (hs_pprof_row){res->rows[i].name, (int64_t)res->rows[i].objects,
                                 (int64_t)res->rows[i].bytes};
    int r = hs_pprof_write_rows(o->pprof, rows, res->nrows,
                                o->by == HEAP_BY_TYPE ? "heap-top --by type"
                                : o->by == HEAP_BY_ROOT ? "heap-top --by root (retained)" : "heap-top --by size", err);
    free(rows);
    return r < 0 ? HS_FAIL : HS_OK;
}

int heap_top_pprof(const heap_top_options *o, const heap_top_result *res, strbuf *msgs, hs_err *err)
{
    if (!o->pprof)
        return HS_OK;
    int status = heap_top_write_pprof(o, res, err);
    if (status == HS_OK && !o->json)
        sb_printf(msgs, "wrote %s (go tool pprof %s)\n", o->pprof, o->pprof);
    return status;
}

void heap_top_result_free(heap_top_result *res)
{
    free(res->rows);
    if (res->free_owned)
        res->free_owned(res->owned);
    sb_free(&res->notes);
    memset(res, 0, sizeof *res);
}
