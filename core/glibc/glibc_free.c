/* glibc_free.c - the freed chunks whose next chunk still says "in use": each arena's fastbins,
 * and the list walk they share with each thread's tcache (glibc_tcache.c finds those). Links are
 * demangled (safe-linking) from glibc 2.32 on; every list is bounded and a loop or a bad link
 * ends it with a counted warning. */
#include <stdio.h>

#include "glibc_heap.h"
#include "glibc_layout.h"

#define MAX_LIST 1000000

static int add_freed(glibc_heap *h, uint64_t chunk, uint64_t *n)
{
    int r = hs_addrset_add(&h->freed, chunk);
    if (r == 1)
        ++*n;
    return r;
}

void glibc_follow(glibc_heap *h, uint64_t first, int is_tcache, uint64_t want_size, uint64_t limit,
                  uint64_t *count, uint64_t *bytes, const char *what)
{
    uint64_t p = first, n = 0;
    int mangled = h->minor >= 32;
    hs_err e;
    while (p && n < limit) {
        uint64_t chunk = is_tcache ? p - GL_HDR : p, size, link, pos = chunk + GL_HDR;
        if ((p & (GL_ALIGN - 1)) || hs_read_u64(h->t, chunk + 8, &size, &e) < 0 ||
            hs_read_u64(h->t, pos, &link, &e) < 0 || (size & ~(uint64_t)GL_SIZE_BITS) != want_size) {
            glibc_warn(h, "%s: bad link %#llx after %llu chunks: the rest of the list is skipped",
                       what, (unsigned long long)p, (unsigned long long)n);
            return;
        }
        int r = add_freed(h, chunk, count);
        if (r == 0) {
            glibc_warn(h, "%s: the list loops at %#llx: the rest is skipped", what, (unsigned long long)p);
            return;
        }
        if (r == 1)
            *bytes += want_size;
        n++;
        p = gl_reveal(mangled, pos, link);
    }
}

static void read_fastbins(glibc_heap *h, uint64_t ar)
{
    uint64_t heads[GL_NFASTBINS];
    hs_err e;
    if (hs_read(h->t, ar + GL_AR_FASTBINS, heads, sizeof heads, &e) < 0) {
        glibc_warn(h, "arena %#llx: fastbins unreadable (%s)", (unsigned long long)ar, e.msg);
        return;
    }
    for (int i = 0; i < GL_NFASTBINS; i++) {
        char what[64];
        snprintf(what, sizeof what, "arena %#llx fastbin %d", (unsigned long long)ar, i);
        glibc_follow(h, heads[i], 0, GL_MINSIZE + 16u * (unsigned)i, MAX_LIST, &h->fast_chunks,
                     &h->fast_bytes, what);
    }
}

int glibc_read_free_lists(glibc_heap *h, hs_err *err)
{
    for (size_t i = 0; i < h->narenas; i++)
        read_fastbins(h, h->arenas[i]);
    return glibc_read_tcaches(h, err);
}
