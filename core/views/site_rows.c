/* site_rows.c - allocation sites grouped by stack into heap-top rows (see site_rows.h). */
#include "site_rows.h"

#include <stdlib.h>
#include <string.h>

void hs_alloc_site_values(const hs_alloc_sites *s, const hs_alloc_site *site, int64_t *alloc_objects,
                          int64_t *alloc_bytes, int64_t *inuse_objects, int64_t *inuse_bytes)
{
    uint64_t io = site->alloc_objects > site->free_objects ? site->alloc_objects - site->free_objects : 0;
    uint64_t ib = site->alloc_bytes > site->free_bytes ? site->alloc_bytes - site->free_bytes : 0;
    double c, b;
    s->scale(site->alloc_objects, site->alloc_bytes, s->rate, &c, &b);
    *alloc_objects = (int64_t)c;
    *alloc_bytes = (int64_t)b;
    s->scale(io, ib, s->rate, &c, &b);
    *inuse_objects = (int64_t)c;
    *inuse_bytes = (int64_t)b;
}

/* Names and files are usually interned: equal pointers settle most comparisons. */
static int str_cmp(const char *a, const char *b) { return a == b ? 0 : strcmp(a ? a : "", b ? b : ""); }

static int frames_cmp(const hs_frame *x, uint32_t nx, const hs_frame *y, uint32_t ny)
{
    uint32_t n = nx < ny ? nx : ny;
    for (uint32_t i = 0; i < n; i++) {
        int c = str_cmp(x[i].function, y[i].function);
        if (!c)
            c = x[i].line < y[i].line ? -1 : x[i].line > y[i].line;
        if (!c)
            c = str_cmp(x[i].file, y[i].file);
        if (c)
            return c;
    }
    return nx < ny ? -1 : nx > ny;
}

static int same_stack(const hs_alloc_site *a, const hs_alloc_site *b)
{
    return frames_cmp(a->frames, a->nframes, b->frames, b->nframes) == 0;
}

static int site_ptr_cmp(const void *pa, const void *pb)
{
    const hs_alloc_site *a = *(const hs_alloc_site *const *)pa, *b = *(const hs_alloc_site *const *)pb;
    int c = frames_cmp(a->frames, a->nframes, b->frames, b->nframes);
    return c ? c : (a < b ? -1 : a > b);
}

static int desc(int64_t a, int64_t b) { return a > b ? -1 : a < b; }

static int row_cmp(const void *pa, const void *pb)
{
    const hs_site_row *a = pa, *b = pb;
    int c = desc(a->inuse_bytes, b->inuse_bytes);
    if (!c)
        c = desc(a->inuse_objects, b->inuse_objects);
    if (!c)
        c = desc(a->alloc_bytes, b->alloc_bytes);
    if (!c)
        c = str_cmp(a->name, b->name);
    return c ? c : frames_cmp(a->frames, a->nframes, b->frames, b->nframes);
}

static void add_values(const hs_alloc_sites *s, const hs_alloc_site *site, hs_site_row *r)
{
    int64_t ao, ab, io, ib;
    hs_alloc_site_values(s, site, &ao, &ab, &io, &ib);
    r->alloc_objects += ao;
    r->alloc_bytes += ab;
    r->inuse_objects += io;
    r->inuse_bytes += ib;
    r->nsites++;
}

/* Merges runs of equal stacks in the sorted order into rows. */
static void merge(const hs_alloc_sites *s, const hs_alloc_site **order, int keep_freed,
                  hs_site_rows *out)
{
    for (size_t i = 0; i < s->n;) {
        const hs_alloc_site *first = order[i];
        hs_site_row r = {!first->nframes ? "?" : first->symbols ? first->symbols[0] : first->frames[0].function,
                         first->frames, first->nframes, first->symbols, 0, 0, 0, 0, 0};
        size_t j = i;
        for (; j < s->n && same_stack(order[i], order[j]); j++)
            add_values(s, order[j], &r);
        if (!r.name)
            r.name = "?";
        out->inuse_objects += r.inuse_objects;
        out->inuse_bytes += r.inuse_bytes;
        out->alloc_objects += r.alloc_objects;
        out->alloc_bytes += r.alloc_bytes;
        if (keep_freed || r.inuse_objects || r.inuse_bytes)
            out->v[out->n++] = r;
        i = j;
    }
}

int hs_site_rows_build(const hs_alloc_sites *s, int keep_freed, hs_site_rows *out, hs_err *err)
{
    memset(out, 0, sizeof *out);
    const hs_alloc_site **order = malloc((s->n ? s->n : 1) * sizeof *order);
    out->v = malloc((s->n ? s->n : 1) * sizeof *out->v);
    if (!order || !out->v) {
        free(order);
        hs_site_rows_free(out);
        return hs_errf(err, "out of memory for %zu allocation sites", s->n);
    }
    for (size_t i = 0; i < s->n; i++)
        order[i] = &s->v[i];
    if (s->n > 1)
        qsort(order, s->n, sizeof *order, site_ptr_cmp);
    merge(s, order, keep_freed, out);
    free(order);
    if (out->n > 1)
        qsort(out->v, out->n, sizeof *out->v, row_cmp);
    return 0;
}

void hs_site_rows_free(hs_site_rows *r)
{
    free(r->v);
    memset(r, 0, sizeof *r);
}
