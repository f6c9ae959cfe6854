/* go_heap_bits.c - the allocation bitmaps of all spans in one heap-wide bit array: spans sorted
 * by base (overlaps dropped), each span's allocBits read in one read, then the rule of
 * mbitmap.go's isFree applied: slot k holds an object iff k < freeindex or allocBits bit k is set
 * (bits at or above nelems mean nothing). The count is checked against mspan.allocCount. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "go_heap_priv.h"

/* By base; spans claiming the same base (corrupt) by mspan address, so the choice of which one
 * is dropped does not depend on the sort. */
static int by_base(const void *a, const void *b)
{
    const go_span *x = &((const heap_cand *)a)->s, *y = &((const heap_cand *)b)->s;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

/* Sorts, drops spans overlapping an earlier one, and gives each kept span its first bit
 * (byte-aligned, so every span's bitmap is addressable as bytes). Returns the bytes needed. */
static uint64_t place(go_heap *h, heap_cands *c)
{
    if (c->n > 1)
        qsort(c->v, c->n, sizeof *c->v, by_base);
    uint64_t end = 0, nbits = 0;
    for (size_t i = 0; i < c->n; i++) {
        go_span *s = &c->v[i].s;
        if (s->base < end) {
            heap_warn(h, "span 0x%llx (mspan 0x%llx) skipped: overlaps the span before it",
                      (unsigned long long)s->base, (unsigned long long)s->addr);
            c->v[i].skip = 1;
            continue;
        }
        end = s->base + s->npages * 8192;
        s->bit0 = nbits;
        nbits += (s->nelems + 7u) & ~7u;
    }
    return nbits / 8;
}

static uint32_t popcount(const uint8_t *p, size_t n)
{
    uint32_t k = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        memcpy(&v, p + i, 8);
        k += (uint32_t)__builtin_popcountll(v);
    }
    for (; i < n; i++)
        k += (uint32_t)__builtin_popcount(p[i]);
    return k;
}

/* Reads span c's allocBits into dst and applies freeindex and nelems. */
static int span_bits(go_heap *h, heap_cand *c, uint8_t *dst)
{
    go_span *s = &c->s;
    size_t n = (s->nelems + 7u) / 8;
    hs_err e;
    if (hs_read(h->rt->t, c->alloc_bits, dst, n, &e) < 0) {
        memset(dst, 0, n);
        heap_warn(h, "span 0x%llx (mspan 0x%llx) skipped: allocation bits unreadable: %s",
                  (unsigned long long)s->base, (unsigned long long)s->addr, e.msg);
        return -1;
    }
    size_t full = (size_t)(c->freeindex / 8);
    memset(dst, 0xff, full);
    if (c->freeindex % 8)
        dst[full] |= (uint8_t)((1u << (c->freeindex % 8)) - 1);
    if (s->nelems % 8)
        dst[n - 1] &= (uint8_t)((1u << (s->nelems % 8)) - 1);
    s->nalloc = popcount(dst, n);
    if (s->nalloc != s->alloc_count)
        heap_warn(h, "span 0x%llx (mspan 0x%llx, %llu-byte objects): %u slots allocated by "
                  "allocBits/freeindex but allocCount is %u%s", (unsigned long long)s->base,
                  (unsigned long long)s->addr, (unsigned long long)s->elemsize, s->nalloc,
                  s->alloc_count, s->unswept ? " (span not yet swept)" : "");
    return 0;
}

_Static_assert(offsetof(heap_cand, s) == 0 && sizeof(go_span) <= sizeof(heap_cand),
               "a candidate starts with its span record");

/* Moves the kept spans' records to the front of the candidates' own buffer (a record is smaller
 * than a candidate, so each lands at or before where it is read) and hands that buffer to h:
 * the walk never holds two copies of its spans. */
static void keep(go_heap *h, heap_cands *c)
{
    go_span *out = (go_span *)(void *)c->v;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->v[i].skip)
            continue;
        go_span s = c->v[i].s;
        h->nslots += s.nelems;
        h->nobjects += s.nalloc;
        h->nbytes += (uint64_t)s.nalloc * s.elemsize;
        memcpy(&out[n++], &s, sizeof s);
    }
    go_span *shrunk = n ? realloc(out, n * sizeof *out) : NULL;
    h->spans = shrunk ? shrunk : out;
    h->nspans = n;
    c->v = NULL;
    c->n = c->cap = 0;
}

int heap_read_bits(go_heap *h, heap_cands *c, hs_err *err)
{
    uint64_t bytes = place(h, c);
    h->nbits = bytes * 8;
    h->bits = calloc(bytes + 8, 1);
    if (!h->bits)
        return hs_errf(err, "out of memory for %llu bytes of allocation bitmaps",
                       (unsigned long long)bytes);
    hs_progress_phase(h->rt->t->progress, "reading allocation bits of spans", c->n, HS_PROG_COUNT);
    for (size_t i = 0; i < c->n; i++) {
        hs_progress_tick(h->rt->t->progress, i);
        if (i % GO_HEAP_POLL_EVERY == 0 && hs_interrupted(h->rt->t))
            return hs_errf(err, "interrupted");
        if (!c->v[i].skip && span_bits(h, &c->v[i], h->bits + c->v[i].s.bit0 / 8) < 0)
            c->v[i].skip = 1;
    }
    keep(h, c);
    return 0;
}
