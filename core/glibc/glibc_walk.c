/* glibc_walk.c - every chunk of every heap, in address order from each heap's first chunk to its
 * top chunk (or its final fencepost), and every mmapped chunk (an anonymous mapping that starts
 * with a chunk header marked IS_MMAPPED whose size fits it). A chunk is in use when the next
 * chunk's PREV_INUSE bit says so and no tcache or fastbin holds it. Reads go through a window of
 * the target's memory so a heap of millions of chunks costs few reads. A header that cannot be
 * a chunk ends that heap's walk with a counted warning. The same walk, quiet and counting
 * nothing, shows the in-use chunks before the free lists are complete (glibc_heap_chunks). */
#include <stdlib.h>
#include <string.h>

#include "glibc_heap.h"
#include "glibc_layout.h"

#define WINDOW (1u << 20)
#define PAGE 4096u

typedef struct window {
    hs_target *t;
    uint64_t base, len;
    const uint8_t *bytes;
    uint8_t *buf;
} window;

/* n bytes at addr (below limit), or NULL when unreadable. */
static const uint8_t *win_get(window *w, uint64_t addr, size_t n, uint64_t limit)
{
    if (addr >= w->base && addr - w->base + n <= w->len)
        return w->bytes + (addr - w->base);
    uint64_t want = limit - addr < WINDOW ? limit - addr : WINDOW;
    if (want < n)
        want = n;
    hs_err e;
    const uint8_t *v = hs_view(w->t, addr, want);
    if (!v && hs_read(w->t, addr, w->buf, want, &e) < 0) {
        want = n;
        if (hs_read(w->t, addr, w->buf, n, &e) < 0)
            return NULL;
    }
    w->base = addr, w->len = want, w->bytes = v ? v : w->buf;
    return w->bytes;
}

typedef struct walk {
    glibc_heap *h;
    window w;
    glibc_block_fn fn;
    void *ctx;
    int census; /* glibc_heap_chunks: fn only, no counts, no warnings */
    int stop;
} walk;

/* The chunk before the current one, now that its successor's PREV_INUSE bit is known. */
static void settle(walk *k, uint64_t chunk, uint64_t size, uint64_t word0, int prev_inuse)
{
    glibc_heap *h = k->h;
    if (size <= 1024 + GL_MINSIZE && hs_addrset_has(&h->freed, chunk))
        return; /* tcache or fastbin: counted from their lists */
    if (k->census) {
        if (prev_inuse && !k->stop)
            k->stop = k->fn(k->ctx, chunk, size, word0, 0);
        return;
    }
    if (!prev_inuse) {
        h->mi.ordblks++;
        h->mi.fordblks += size;
        return;
    }
    h->inuse_chunks++;
    h->inuse_bytes += size;
    hs_progress_tick(h->t->progress, h->inuse_bytes + h->mmapped_bytes);
    if (k->fn && !k->stop)
        k->stop = k->fn(k->ctx, chunk, size, word0, 0);
}

static int walk_span(walk *k, const glibc_span *s)
{
    glibc_heap *h = k->h;
    uint64_t p = s->start, pend = 0, psize = 0, pword = 0;
    while (p + GL_HDR <= s->end && !k->stop) {
        const uint8_t *b = win_get(&k->w, p, p + 24 <= s->end ? 24 : 16, s->end);
        if (!b) {
            if (!k->census)
                glibc_warn(h, "heap at %#llx: chunk %#llx unreadable: the rest of the heap is "
                           "skipped", (unsigned long long)s->start, (unsigned long long)p);
            h->skipped += !k->census;
            return 0;
        }
        uint64_t size, word0 = 0;
        memcpy(&size, b + 8, 8);
        if (p + 24 <= s->end)
            memcpy(&word0, b + 16, 8);
        uint64_t csz = size & ~(uint64_t)GL_SIZE_BITS;
        if (pend)
            settle(k, pend, psize, pword, size & GL_PREV_INUSE), pend = 0;
        if (p == s->top) {
            if (!k->census)
                h->mi.fordblks += csz, h->mi.ordblks++;
            if (s->arena == h->main_arena && !k->census)
                h->mi.keepcost = csz;
            return 0;
        }
        if (csz == 0 && s->end - p <= 64)
            return 0; /* the fencepost that ends a heap that is no longer the top one */
        if (csz < GL_HDR || (csz & (GL_ALIGN - 1)) || csz > s->end - p) {
            if (!k->census)
                glibc_warn(h, "heap at %#llx: chunk %#llx has a corrupt size %#llx: the rest of the "
                           "heap is skipped", (unsigned long long)s->start, (unsigned long long)p,
                           (unsigned long long)size);
            h->skipped += !k->census;
            return 0;
        }
        if (csz != GL_HDR) /* a 16-byte fencepost is no chunk */
            pend = p, psize = csz, pword = word0;
        p += csz;
        if (hs_interrupted(h->t))
            return -1;
    }
    if (pend)
        settle(k, pend, psize, pword, 1);
    return 0;
}

/* The chunk memalign, aligned_alloc or posix_memalign placed lead bytes into the mapping at m
 * (glibc's _int_memalign: the mapping's own header stays, stale, at m; the aligned chunk's
 * prev_size holds lead, and the bytes between are zero): lead, with the chunk's size and first
 * word, or 0. lead is 2^j - 16 for an alignment 2^j of at most a page (48 for 32), else a page
 * multiple less 16; looked for while the probes read zero, for alignments up to MAX_ALIGN. */
#define MAX_ALIGN (2u << 20)
static uint64_t aligned_lead(walk *k, uint64_t m, uint64_t end, uint64_t *csz, uint64_t *word0)
{
    for (uint64_t off = 48; off <= MAX_ALIGN + PAGE && m + off + 24 <= end;
         off = off < PAGE - 16 ? 2 * off + 16 : off + PAGE) {
        const uint8_t *b = win_get(&k->w, m + off, 24, end);
        uint64_t w[3];
        if (!b)
            return 0;
        memcpy(w, b, sizeof w);
        uint64_t sz = w[1] & ~(uint64_t)GL_SIZE_BITS;
        if (w[0] == off && (w[1] & GL_SIZE_BITS) == GL_IS_MMAPPED && sz && (off + sz) % PAGE == 0 &&
            sz <= end - m - off) {
            *csz = sz, *word0 = w[2];
            return off;
        }
        if (w[0] || w[1])
            return 0;
    }
    return 0;
}

/* The mmapped chunk at p (its whole mapping's size, 0 when p holds none) and its first word. */
static uint64_t mmapped_at(walk *k, uint64_t p, uint64_t end, uint64_t *word0)
{
    const uint8_t *b = win_get(&k->w, p, 32, end);
    uint64_t w[4], csz, lead;
    if (!b)
        return 0;
    memcpy(w, b, sizeof w);
    csz = w[1] & ~(uint64_t)GL_SIZE_BITS, *word0 = w[2];
    if (w[0] != 0 || (w[1] & GL_SIZE_BITS) != GL_IS_MMAPPED)
        return 0;
    if (!w[2] && !w[3] && (lead = aligned_lead(k, p, end, &csz, word0)))
        csz += lead;
    return csz % PAGE || csz == 0 || csz > end - p ? 0 : csz;
}

/* Mmapped chunks of an anonymous writable mapping from *at, one after another; each counts its
 * whole mapping (mallinfo2's hblkhd), an aligned chunk's lead included. Where a page holds no
 * chunk the next SKIP_PAGES pages are looked at; *at ends where the walk stopped. */
#define SKIP_PAGES 64
static void chunks_from(walk *k, const hs_region *r, uint64_t *at)
{
    glibc_heap *h = k->h;
    uint64_t p = *at;
    for (uint64_t gap = 0; p + GL_HDR <= r->end && !k->stop && gap < SKIP_PAGES;) {
        uint64_t word0, csz = mmapped_at(k, p, r->end, &word0);
        if (!csz) {
            p += PAGE, gap++;
            continue;
        }
        gap = 0;
        h->mmapped_chunks++;
        h->mmapped_bytes += csz;
        hs_progress_tick(h->t->progress, h->inuse_bytes + h->mmapped_bytes);
        if (k->fn)
            k->stop = k->fn(k->ctx, p, csz, word0, 1);
        p += csz;
    }
    *at = p;
}

/* The lowest page from p on where a thread's stack pointer or thread pointer lies in r, or 0. */
static uint64_t next_anchor(const hs_target *t, const hs_region *r, uint64_t p)
{
    uint64_t best = 0;
    for (size_t i = 0; i < t->nthreads; i++) {
        const hs_thread *th = &t->threads[i];
        uint64_t v[2] = {hs_thread_sp(t->arch, th), hs_thread_tp(t->arch, th)};
        for (int j = 0; j < 2; j++) {
            uint64_t pg = v[j] & ~(uint64_t)(PAGE - 1);
            if (pg >= p && pg >= r->start && v[j] < r->end && (!best || pg < best))
                best = pg;
        }
    }
    return best;
}

/* The kernel merges adjacent anonymous mappings: a mapping may hold chunks after a thread's
 * stack (the stack's top, where its thread pointer and stack pointer lie, is where they start),
 * so besides its start the walk starts again above each thread's stack and thread pointer. */
static void walk_mmapped(walk *k, const hs_region *r)
{
    uint64_t p = r->start;
    chunks_from(k, r, &p);
    for (uint64_t a; !k->stop && (a = next_anchor(k->h->t, r, p));) {
        p = a;
        chunks_from(k, r, &p);
    }
}

static int in_spans(const glibc_heap *h, const hs_region *r)
{
    for (size_t i = 0; i < h->nspans; i++)
        if (h->spans[i].start < r->end && r->start < h->spans[i].end)
            return 1;
    return 0;
}

static void mallinfo_finish(glibc_heap *h, const uint64_t *sys)
{
    glibc_mallinfo *m = &h->mi;
    m->arena = *sys;
    m->smblks = h->fast_chunks;
    m->fsmblks = h->fast_bytes;
    m->fordblks += h->fast_bytes;
    m->uordblks = m->arena > m->fordblks ? m->arena - m->fordblks : 0;
    m->hblks = h->mmapped_chunks;
    m->hblkhd = h->mmapped_bytes;
    uint64_t counted = h->inuse_bytes + h->tcache_bytes;
    h->overhead_bytes = m->uordblks > counted ? m->uordblks - counted : 0;
}

int glibc_heap_chunks(glibc_heap *h, glibc_block_fn fn, void *ctx, hs_err *err)
{
    walk k = {.h = h, .w = {.t = h->t, .buf = malloc(WINDOW)}, .fn = fn, .ctx = ctx, .census = 1};
    if (!k.w.buf)
        return hs_errf(err, "out of memory walking the glibc heap");
    int rc = 0;
    for (size_t i = 0; i < h->nspans && rc == 0 && !k.stop; i++)
        rc = walk_span(&k, &h->spans[i]);
    free(k.w.buf);
    return rc < 0 ? hs_errf(err, "interrupted") : 0;
}

int glibc_heap_walk(glibc_heap *h, glibc_block_fn fn, void *ctx, hs_err *err)
{
    walk k = {.h = h, .w = {.t = h->t, .buf = malloc(WINDOW)}, .fn = fn, .ctx = ctx};
    if (!k.w.buf)
        return hs_errf(err, "out of memory walking the glibc heap");
    uint64_t sys = 0;
    int rc = 0;
    hs_progress_phase(h->t->progress, "walking the glibc heap", 0, HS_PROG_BYTES);
    for (size_t i = 0; i < h->nspans && rc == 0; i++)
        rc = walk_span(&k, &h->spans[i]);
    for (size_t i = 0; i < h->narenas; i++) {
        uint64_t v;
        hs_err e;
        if (hs_read_u64(h->t, h->arenas[i] + GL_AR_SYSTEM_MEM, &v, &e) == 0)
            sys += v;
    }
    hs_region *owned = NULL;
    const hs_region *r = h->given_regions;
    size_t nr = h->ngiven_regions;
    hs_err e;
    if (rc == 0 && !r && hs_target_regions(h->t, &owned, &nr, &e) < 0)
        glibc_warn(h, "mmapped chunks not looked for: %s", e.msg);
    r = r ? r : owned;
    for (size_t i = 0; i < nr && rc == 0; i++)
        if (!r[i].named && (r[i].prot & 2) && !in_spans(h, &r[i]))
            walk_mmapped(&k, &r[i]);
    free(owned);
    free(k.w.buf);
    if (rc < 0)
        return hs_errf(err, "interrupted");
    mallinfo_finish(h, &sys);
    return 0;
}
