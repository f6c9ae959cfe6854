/* go_heap_walk.c - collecting the in-use spans of runtime.mheap_.allspans: the pointer array is
 * read in chunks, each mspan in one read, and every span whose members do not hang together is
 * skipped with a warning (see go_heap_priv.h). */
#include <stdlib.h>
#include <string.h>

#include "go_heap_globals.h"
#include "go_heap_priv.h"

#define MAX_ALLSPANS (1ull << 28) /* 2 TiB of one-page spans: more means allspans is corrupt */
#define CHUNK 8192                /* span pointers read at once */

typedef struct walk {
    go_heap *h;
    go_span_layout l;
    uint32_t class_size[GO_NUM_SIZE_CLASSES];
    uint32_t heap_sweepgen;
    int headers;            /* this release puts allocation headers in objects */
    uint64_t header_min;    /* ... in scan objects of small classes larger than this */
    uint8_t *buf;           /* one mspan */
    heap_cands *out;
} walk;

static int push(heap_cands *c, const heap_cand *v)
{
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 1024;
        heap_cand *p = realloc(c->v, cap * sizeof *p);
        if (!p)
            return -1;
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = *v;
    return 0;
}

/* The record heap-top and the reachability walk use, from the raw members. */
static void fill(const walk *w, uint64_t addr, const go_span_raw *r, heap_cand *c)
{
    go_span *s = &c->s;
    memset(c, 0, sizeof *c);
    s->addr = addr;
    s->base = r->base;
    s->npages = r->npages;
    s->elemsize = r->elemsize;
    s->nelems = (uint32_t)r->nelems;
    s->alloc_count = r->alloc_count;
    s->spanclass = r->spanclass;
    s->sizeclass = (uint8_t)go_span_sizeclass(r);
    s->noscan = (uint8_t)go_span_noscan(r);
    s->header = w->headers && !s->noscan && s->sizeclass != 0 && s->elemsize > w->header_min;
    s->unswept = r->sweepgen == w->heap_sweepgen - 2 || r->sweepgen == w->heap_sweepgen + 1;
    s->large_type = s->sizeclass == 0 ? r->large_type : 0;
    s->specials = r->specials;
    uint64_t end = r->base + r->npages * GO_PAGE_SIZE;
    s->limit = r->limit;
    if (r->limit <= r->base || r->limit > end) {
        s->limit = r->base + r->nelems * r->elemsize;
        if (s->sizeclass != 0 || r->limit != 0) /* 0: a large span being set up or freed */
            heap_warn(w->h, "span 0x%llx (mspan 0x%llx): limit 0x%llx outside the span; using "
                      "base + nelems*elemsize", (unsigned long long)r->base,
                      (unsigned long long)addr, (unsigned long long)r->limit);
    }
    c->alloc_bits = r->alloc_bits;
    c->freeindex = r->freeindex;
}

static int one_span(walk *w, uint64_t addr, hs_err *err)
{
    go_heap *h = w->h;
    hs_err e;
    if (hs_read(h->rt->t, addr, w->buf, (size_t)w->l.size, &e) < 0) {
        heap_warn(h, "mspan 0x%llx skipped: %s", (unsigned long long)addr, e.msg);
        return 0;
    }
    go_span_raw r;
    go_span_decode(&w->l, w->buf, &r);
    if (r.state != (uint64_t)w->l.in_use) {
        if (r.state > 2) /* mSpanDead 0, mSpanInUse 1, mSpanManual 2 in every release */
            heap_warn(h, "mspan 0x%llx skipped: unknown state %u", (unsigned long long)addr, r.state);
        return 0;
    }
    const char *why = go_span_problem(&r, w->class_size);
    if (why) {
        heap_warn(h, "span 0x%llx (mspan 0x%llx) skipped: %s (npages %llu, nelems %llu, elemsize "
                  "%llu, class %u)", (unsigned long long)r.base, (unsigned long long)addr, why,
                  (unsigned long long)r.npages, (unsigned long long)r.nelems,
                  (unsigned long long)r.elemsize, r.spanclass);
        return 0;
    }
    heap_cand c;
    fill(w, addr, &r, &c);
    if (push(w->out, &c) < 0)
        return hs_errf(err, "out of memory for %zu spans", w->out->n + 1);
    return 0;
}

/* Reads the allspans slice header of runtime.mheap_, and mheap_.sweepgen. */
static int read_mheap(walk *w, uint64_t *ptr, uint64_t *len, hs_err *err)
{
    go_rt *rt = w->h->rt;
    uint64_t mheap = go_rt_global(rt, "runtime.mheap_", NULL);
    if (!mheap)
        return hs_errf(err, "%s has no symbol runtime.mheap_: heapscope needs the symbol table to "
                       "find the Go heap (rebuild without -ldflags=-s)", hs_image_path(rt->exe));
    uint64_t hdr[3];
    if (hs_read(rt->t, mheap + (uint64_t)w->l.mheap_allspans, hdr, sizeof hdr, err) < 0 ||
        hs_read_u32(rt->t, mheap + (uint64_t)w->l.mheap_sweepgen, &w->heap_sweepgen, err) < 0)
        return hs_errctx(err, "reading runtime.mheap_");
    if (hdr[1] > hdr[2] || hdr[1] > MAX_ALLSPANS || (hdr[1] && !hdr[0]))
        return hs_errf(err, "runtime.mheap_.allspans is corrupt (len %llu, cap %llu)",
                       (unsigned long long)hdr[1], (unsigned long long)hdr[2]);
    *ptr = hdr[0];
    *len = hdr[1];
    return 0;
}

static int walk_allspans(walk *w, uint64_t ptr, uint64_t len, hs_err *err)
{
    hs_target *t = w->h->rt->t;
    uint64_t *chunk = malloc(CHUNK * sizeof *chunk);
    if (!chunk)
        return hs_errf(err, "out of memory");
    int r = 0;
    hs_progress_phase(t->progress, "reading spans", len, HS_PROG_COUNT);
    for (uint64_t i = 0; i < len && r == 0; i += CHUNK) {
        size_t n = len - i < CHUNK ? (size_t)(len - i) : CHUNK;
        if (hs_read(t, ptr + i * 8, chunk, n * 8, err) < 0) {
            r = hs_errctx(err, "reading runtime.mheap_.allspans[%llu:%llu]",
                          (unsigned long long)i, (unsigned long long)(i + n));
            break;
        }
        for (size_t k = 0; k < n && r == 0; k++) {
            if (((i + k) % GO_HEAP_POLL_EVERY) == 0 && hs_interrupted(t))
                r = hs_errf(err, "interrupted");
            else if (chunk[k])
                r = one_span(w, chunk[k], err);
            hs_progress_tick(t->progress, i + k);
        }
    }
    free(chunk);
    return r;
}

int heap_collect(go_heap *h, heap_cands *out, hs_err *err)
{
    go_rt *rt = h->rt;
    walk w = {.h = h, .out = out};
    if (go_span_layout_resolve(rt, &w.l, err) < 0)
        return -1;
    go_size_classes(rt, w.class_size);
    w.headers = rt->ver.minor >= 23 ||
                (rt->ver.minor == 22 && !go_version_has_experiment(&rt->ver, "noallocheaders"));
    w.header_min = (uint64_t)go_layout_const_or(rt, "runtime.minSizeForMallocHeader", 512);
    uint64_t gcphase = go_rt_global(rt, "runtime.gcphase", NULL);
    uint32_t phase;
    if (gcphase && hs_read_u32(rt->t, gcphase, &phase, NULL) == 0 && phase <= 2)
        h->gcphase = (int)phase;
    if (go_version_has_experiment(&rt->ver, "runtimefreegc"))
        heap_warn(h, "%s was built with GOEXPERIMENT=runtimefreegc: objects freed explicitly and "
                  "waiting in an mcache for reuse still count as allocated", hs_image_path(rt->exe));
    uint64_t ptr = 0, len = 0;
    if (read_mheap(&w, &ptr, &len, err) < 0)
        return -1;
    w.buf = malloc((size_t)w.l.size);
    if (!w.buf)
        return hs_errf(err, "out of memory");
    int r = walk_allspans(&w, ptr, len, err);
    free(w.buf);
    return r;
}
