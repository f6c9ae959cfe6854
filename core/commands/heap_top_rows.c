/* heap_top_rows.c - heap-top's rows: by type (type inference over the walked heap), by size
 * class (straight from the spans), by allocation site (the runtime's heap-profile records). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../go/go_mprof.h"
#include "../go/go_typeinfer.h"
#include "../output/pprof_heap.h"
#include "../output/pprof_rows.h"
#include "../views/site_rows.h"
#include "heap_top.h"

static void free_type_rows(void *p) { hs_type_rows_free(p); }

static int by_type(go_rt *rt, go_heap *h, heap_top_result *res, hs_err *err)
{
    go_types *ts;
    if (go_types_open(&ts, rt, err) < 0)
        return HS_FAIL;
    hs_type_rows *rows = hs_type_rows_new();
    go_typeinfer_stats st;
    int r = rows ? go_typeinfer_run(rt, h, ts, rows, &st, err) : hs_errf(err, "out of memory");
    go_types_close(ts);
    if (r < 0) {
        hs_type_rows_free(rows);
        return HS_FAIL;
    }
    size_t n;
    const hs_type_row *sorted = hs_type_rows_sorted(rows, &n);
    res->rows = calloc(n ? n : 1, sizeof *res->rows);
    if (!sorted || !res->rows) {
        hs_type_rows_free(rows);
        return hs_errf(err, "out of memory"), HS_FAIL;
    }
    for (size_t i = 0; i < n; i++)
        res->rows[i] = (heap_row){sorted[i].name, sorted[i].objects, sorted[i].bytes,
                                  sorted[i].typed, 0, 0, NULL, 0, -1, 0, 0};
    res->nrows = n;
    res->objects = res->rows_objects = st.objects;
    res->bytes = res->rows_bytes = st.bytes;
    res->typed_bytes = st.typed_bytes;
    res->owned = rows;
    res->free_owned = free_type_rows;
    sb_printf(&res->notes, "(%llu objects typed by the runtime's own records, the rest by following "
              "typed pointers from %llu global variables; objects of unknown type are listed by size "
              "as <noscan|scan SIZE>)\n", (unsigned long long)st.from_headers,
              (unsigned long long)(st.roots + st.dwarf_roots));
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

static int by_size(go_heap *h, heap_top_result *res, hs_err *err)
{
    size_names *nm = calloc(1, sizeof *nm);
    res->rows = calloc(256, sizeof *res->rows);
    if (!nm || !res->rows) {
        free(nm);
        return hs_errf(err, "out of memory"), HS_FAIL;
    }
    for (size_t i = 0; i < go_heap_nspans(h); i++) {
        const go_span *s = go_heap_span(h, i);
        heap_row *row = &res->rows[s->sizeclass];
        if (!row->name) {
            if (s->sizeclass == 0)
                strcpy(nm->names[0], "large (> 32 KiB)");
            else
                snprintf(nm->names[s->sizeclass], sizeof nm->names[0], "%llu B",
                         (unsigned long long)s->elemsize);
            *row = (heap_row){nm->names[s->sizeclass], 0, 0, 0, 0, 0, NULL, 0, s->sizeclass,
                              s->sizeclass ? s->elemsize : 0, 0};
        }
        row->objects += s->nalloc;
        row->bytes += (uint64_t)s->nalloc * s->elemsize;
        row->spans++;
        res->objects += s->nalloc;
        res->bytes += (uint64_t)s->nalloc * s->elemsize;
    }
    size_t n = 0;
    for (size_t i = 0; i < 256; i++)
        if (res->rows[i].name)
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

static int by_site(go_rt *rt, go_heap *h, heap_top_result *res, strbuf *msgs, hs_err *err)
{
    site_owned *o = calloc(1, sizeof *o);
    const hs_alloc_sites *sites;
    if (!o)
        return hs_errf(err, "out of memory"), HS_FAIL;
    res->owned = o;
    res->free_owned = free_sites;
    if (go_mprof_read(rt, &o->mp, err) < 0 || go_mprof_sites(o->mp, &sites, err) < 0 ||
        hs_site_rows_build(sites, 0, &o->rows, err) < 0)
        return HS_FAIL;
    sb_puts(msgs, go_mprof_warnings(o->mp));
    res->rows = calloc(o->rows.n ? o->rows.n : 1, sizeof *res->rows);
    if (!res->rows)
        return hs_errf(err, "out of memory"), HS_FAIL;
    for (size_t i = 0; i < o->rows.n; i++) {
        const hs_site_row *r = &o->rows.v[i];
        res->rows[i] = (heap_row){r->name, (uint64_t)r->inuse_objects, (uint64_t)r->inuse_bytes, 1,
                                  (uint64_t)r->alloc_objects, (uint64_t)r->alloc_bytes, r->frames,
                                  r->nframes, -1, 0, 0};
    }
    res->nrows = o->rows.n;
    res->sites = sites;
    for (size_t i = 0; i < go_heap_nspans(h); i++) {
        const go_span *sp = go_heap_span(h, i);
        res->objects += sp->nalloc;
        res->bytes += (uint64_t)sp->nalloc * sp->elemsize;
    }
    res->rows_objects = (uint64_t)o->rows.inuse_objects;
    res->rows_bytes = (uint64_t)o->rows.inuse_bytes;
    sb_printf(&res->notes, "(allocation sites from the runtime's heap-profile records, sampled every "
              "%lld bytes and scaled as pprof scales them, as of the last completed GC)\n",
              (long long)sites->rate);
    return HS_OK;
}

int heap_top_collect(hs_session *s, go_rt *rt, go_heap *h, const heap_top_options *o,
                     heap_top_result *res, strbuf *msgs, hs_err *err)
{
    (void)s;
    memset(res, 0, sizeof *res);
    sb_init(&res->notes);
    switch (o->by) {
    case HEAP_BY_TYPE:
        return by_type(rt, h, res, err);
    case HEAP_BY_SIZE:
        return by_size(h, res, err);
    case HEAP_BY_SITE:
        return by_site(rt, h, res, msgs, err);
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
                                o->by == HEAP_BY_TYPE ? "heap-top --by type" : "heap-top --by size", err);
    free(rows);
    return r < 0 ? HS_FAIL : HS_OK;
}

void heap_top_result_free(heap_top_result *res)
{
    free(res->rows);
    if (res->free_owned)
        res->free_owned(res->owned);
    sb_free(&res->notes);
    memset(res, 0, sizeof *res);
}
