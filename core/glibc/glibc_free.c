/* glibc_free.c - the freed chunks whose next chunk still says "in use": each thread's tcache
 * and each arena's fastbins. A tcache_perthread_struct is found by its shape — the first chunk
 * of an arena's heap in practice (the first allocation of a thread is its tcache), 0x290 bytes,
 * every count paired with a non-null entry — rather than through each thread's TLS, so libc
 * needs no symbols. Links are demangled (safe-linking) from glibc 2.32 on; every list is bounded
 * and a loop or a bad link ends it with a counted warning. */
#include <stdio.h>
#include <string.h>

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

/* Follows a singly linked list of chunks (user pointer p, next at offset 0 for tcache;
 * chunk pointer, fd at +16 for fastbins) whose chunks are all want_size bytes. */
static void follow(glibc_heap *h, uint64_t first, int is_tcache, uint64_t want_size, uint64_t limit,
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

/* A tcache_perthread_struct at chunk c (its 640 bytes at mem) when its shape checks out. */
static int tcache_shape(const uint8_t *mem)
{
    for (int i = 0; i < GL_TC_BINS; i++) {
        uint16_t cnt;
        uint64_t e;
        memcpy(&cnt, mem + 2 * i, 2);
        memcpy(&e, mem + GL_TC_ENTRIES + 8 * i, 8);
        if ((cnt == 0) != (e == 0) || (e & (GL_ALIGN - 1)) || cnt > 0x4000)
            return 0;
    }
    return 1;
}

static void read_tcache(glibc_heap *h, uint64_t chunk)
{
    uint8_t mem[GL_TC_CHUNK - GL_HDR];
    uint64_t size;
    hs_err e;
    if (hs_read_u64(h->t, chunk + 8, &size, &e) < 0 || (size & ~(uint64_t)GL_SIZE_BITS) != GL_TC_CHUNK ||
        hs_read(h->t, chunk + GL_HDR, mem, sizeof mem, &e) < 0 || !tcache_shape(mem))
        return;
    h->ntcaches++;
    for (int i = 0; i < GL_TC_BINS; i++) {
        uint16_t cnt;
        uint64_t first;
        memcpy(&cnt, mem + 2 * i, 2);
        memcpy(&first, mem + GL_TC_ENTRIES + 8 * i, 8);
        char what[64];
        snprintf(what, sizeof what, "tcache %#llx bin %d", (unsigned long long)chunk, i);
        follow(h, first, 1, GL_MINSIZE + 16u * (unsigned)i, cnt, &h->tcache_chunks, &h->tcache_bytes, what);
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
        follow(h, heads[i], 0, GL_MINSIZE + 16u * (unsigned)i, MAX_LIST, &h->fast_chunks,
               &h->fast_bytes, what);
    }
}

int glibc_read_free_lists(glibc_heap *h, hs_err *err)
{
    (void)err;
    for (size_t i = 0; i < h->narenas; i++)
        read_fastbins(h, h->arenas[i]);
    for (size_t i = 0; i < h->nspans; i++)
        read_tcache(h, h->spans[i].start);
    return 0;
}
