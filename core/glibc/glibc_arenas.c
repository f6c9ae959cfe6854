/* glibc_arenas.c - every arena (main_arena's next list, which returns to main_arena) and the
 * heaps each one owns: main_arena's is the sbrk'd range that ends with its top chunk and is
 * system_mem long; another arena lives at the start of its first heap, and its heaps are
 * HEAP_MAX_SIZE-aligned heap_info blocks chained by prev from the one holding its top chunk. */
#include <stdlib.h>

#include "glibc_heap.h"
#include "glibc_layout.h"

#define MAX_ARENAS 4096
#define MAX_HEAPS_PER_ARENA 65536

static int push_span(glibc_heap *h, size_t *cap, glibc_span s, hs_err *err)
{
    if (h->nspans == *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        glibc_span *p = realloc(h->spans, ncap * sizeof *p);
        if (!p)
            return hs_errf(err, "out of memory listing glibc heaps");
        h->spans = p, *cap = ncap;
    }
    h->spans[h->nspans++] = s;
    return 0;
}

static uint64_t align_chunk(uint64_t p) /* chunk2mem(p) aligned to MALLOC_ALIGNMENT */
{
    return (p + GL_HDR + GL_ALIGN - 1) / GL_ALIGN * GL_ALIGN - GL_HDR;
}

static int main_span(glibc_heap *h, size_t *cap, hs_err *err)
{
    uint64_t top, sys, size;
    hs_err e;
    if (hs_read_u64(h->t, h->main_arena + GL_AR_TOP, &top, &e) < 0 ||
        hs_read_u64(h->t, h->main_arena + GL_AR_SYSTEM_MEM, &sys, &e) < 0 ||
        hs_read_u64(h->t, top + 8, &size, &e) < 0) {
        glibc_warn(h, "main_arena's top chunk is unreadable (%s): its heap is skipped", e.msg);
        return 0;
    }
    uint64_t end = top + (size & ~(uint64_t)GL_SIZE_BITS);
    if (sys > end || sys == 0) {
        glibc_warn(h, "main_arena's system_mem %#llx does not fit below its top chunk %#llx: its "
                   "heap is skipped", (unsigned long long)sys, (unsigned long long)top);
        return 0;
    }
    return push_span(h, cap, (glibc_span){align_chunk(end - sys), end, top, h->main_arena}, err);
}

/* The heaps of a non-main arena, newest (holding top) first. */
static int arena_spans(glibc_heap *h, uint64_t ar, size_t *cap, hs_addrset *seen, hs_err *err)
{
    uint64_t top, hi, first_start = align_chunk(ar + GL_AR_SIZE);
    hs_err e;
    if (hs_read_u64(h->t, ar + GL_AR_TOP, &top, &e) < 0) {
        glibc_warn(h, "arena %#llx: top unreadable (%s)", (unsigned long long)ar, e.msg);
        return 0;
    }
    uint64_t hdr = ar & (GL_HEAP_MAX - 1); /* sizeof(heap_info): the arena follows the first one */
    hi = top & ~(GL_HEAP_MAX - 1);
    for (int n = 0; hi; n++) {
        uint64_t w[3];
        if (n == MAX_HEAPS_PER_ARENA || hs_addrset_add(seen, hi) != 1 ||
            hs_read(h->t, hi, w, sizeof w, &e) < 0 || w[GL_HI_AR / 8] != ar ||
            w[GL_HI_SIZE / 8] > GL_HEAP_MAX || (hi & (GL_HEAP_MAX - 1))) {
            glibc_warn(h, "arena %#llx: heap_info at %#llx does not check out or repeats: its heaps "
                       "from there on are skipped", (unsigned long long)ar, (unsigned long long)hi);
            return 0;
        }
        uint64_t start = ar > hi && ar < hi + GL_HEAP_MAX ? first_start : hi + hdr;
        if (push_span(h, cap, (glibc_span){start, hi + w[GL_HI_SIZE / 8], top, ar}, err) < 0)
            return -1;
        hi = w[GL_HI_PREV / 8];
    }
    return 0;
}

int glibc_read_arenas(glibc_heap *h, hs_err *err)
{
    size_t acap = 16, scap = 0;
    h->arenas = malloc(acap * sizeof *h->arenas);
    if (!h->arenas)
        return hs_errf(err, "out of memory listing glibc arenas");
    uint64_t ar = h->main_arena;
    hs_err e;
    hs_addrset seen = {0}; /* arenas and heap_infos: a list that loops ends where it repeats */
    int rc = 0;
    do {
        if (h->narenas == MAX_ARENAS || hs_addrset_add(&seen, ar) != 1) {
            glibc_warn(h, "the arena list loops at %#llx (after %zu arenas): the rest are skipped",
                       (unsigned long long)ar, h->narenas);
            break;
        }
        if (h->narenas == acap) {
            uint64_t *p = realloc(h->arenas, (acap *= 2) * sizeof *p);
            if (!p) {
                rc = hs_errf(err, "out of memory listing glibc arenas");
                break;
            }
            h->arenas = p;
        }
        h->arenas[h->narenas++] = ar;
        rc = ar == h->main_arena ? main_span(h, &scap, err) : arena_spans(h, ar, &scap, &seen, err);
        if (rc < 0)
            break;
        if (hs_read_u64(h->t, ar + GL_AR_NEXT, &ar, &e) < 0 || (ar & 7)) {
            glibc_warn(h, "arena list broken after %#llx: the rest are skipped",
                       (unsigned long long)h->arenas[h->narenas - 1]);
            break;
        }
    } while (ar != h->main_arena && ar != 0);
    hs_addrset_free(&seen);
    return rc;
}
