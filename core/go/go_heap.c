/* go_heap.c - the Go heap of a target (see go_heap.h): opening it in two steps (collect the
 * in-use spans, go_heap_walk.c; read their bitmaps, go_heap_bits.c), queries, and warnings. */
#include "go_heap_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void heap_warn(go_heap *h, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    sb_capped_line(&h->warnings, &h->nproblems, GO_HEAP_MAX_LISTED, "%s", line);
}

void heap_warn_finish(go_heap *h)
{
    if (h->nproblems > GO_HEAP_MAX_LISTED)
        sb_printf(&h->warnings, "... and %zu more heap metadata problems like these (not listed)\n",
                  h->nproblems - GO_HEAP_MAX_LISTED);
}

int go_heap_open(go_heap **out, go_rt *rt, hs_err *err)
{
    *out = NULL;
    go_heap *h = calloc(1, sizeof *h);
    if (!h)
        return hs_errf(err, "out of memory");
    h->rt = rt;
    h->gcphase = -1;
    sb_init(&h->warnings);
    heap_cands c = {0};
    int r = heap_collect(h, &c, err);
    if (r == 0)
        r = heap_read_bits(h, &c, err);
    free(c.v);
    if (r < 0) {
        go_heap_close(h);
        return -1;
    }
    heap_warn_finish(h);
    *out = h;
    return 0;
}

void go_heap_close(go_heap *h)
{
    if (!h)
        return;
    free(h->spans);
    free(h->bits);
    sb_free(&h->warnings);
    free(h);
}

size_t go_heap_nspans(const go_heap *h) { return h->nspans; }

const go_span *go_heap_span(const go_heap *h, size_t i) { return i < h->nspans ? &h->spans[i] : NULL; }

uint64_t go_heap_nslots(const go_heap *h) { return h->nslots; }

uint64_t go_heap_nbits(const go_heap *h) { return h->nbits; }

const uint8_t *go_heap_alloc_bits(const go_heap *h, size_t i)
{
    return i < h->nspans ? h->bits + h->spans[i].bit0 / 8 : NULL;
}

long go_heap_find(const go_heap *h, uint64_t addr, uint32_t *slot)
{
    size_t lo = 0, hi = h->nspans; /* first span with base > addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (h->spans[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return -1;
    const go_span *s = &h->spans[lo - 1];
    if (addr >= s->limit)
        return -1;
    uint64_t k = (addr - s->base) / s->elemsize;
    if (k >= s->nelems)
        return -1;
    if (slot)
        *slot = (uint32_t)k;
    return (long)(lo - 1);
}

int go_heap_allocated(const go_heap *h, size_t span, uint32_t slot)
{
    if (span >= h->nspans || slot >= h->spans[span].nelems)
        return 0;
    uint64_t bit = h->spans[span].bit0 + slot;
    return (h->bits[bit / 8] >> (bit % 8)) & 1;
}

void go_heap_totals(const go_heap *h, uint64_t *objects, uint64_t *bytes)
{
    if (objects)
        *objects = h->nobjects;
    if (bytes)
        *bytes = h->nbytes;
}

int go_heap_gcphase(const go_heap *h) { return h->gcphase; }

const char *go_heap_warnings(const go_heap *h) { return sb_str(&h->warnings); }
