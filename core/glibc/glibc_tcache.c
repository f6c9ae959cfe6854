/* glibc_tcache.c - every thread's tcache (a tcache_perthread_struct: counts[64], entries[64], a
 * 0x290 chunk) and the chunks it holds, which the walk must not count as in use though their
 * next chunk says they are. Found three ways, each tcache taken once:
 * - the first chunk of each heap, by its shape (a thread's first allocation is its tcache);
 * - with libc's symbol table (libc6-dbg), through each thread's `tcache` TLS variable: the
 *   thread pointer leads to the dtv, and the module block that holds, at the symbol's offset, a
 *   pointer to a tcache-shaped chunk is libc's (the same module for every thread);
 * - without it, or when a thread's pointer could not be read, every other in-use 0x290 chunk of
 *   every heap whose every bin holds a chain of exactly its count of chunks of the bin's size,
 *   each with the same key, ending in NULL (threads that share an arena put their tcache
 *   anywhere in it). Such a chunk with every bin empty is not taken: a zeroed 640-byte block has
 *   that shape, and an empty tcache holds nothing to leave out. */
#include <stdio.h>
#include <string.h>

#include "glibc_heap.h"
#include "glibc_layout.h"

#define MAX_DTV 1024 /* modules with TLS that a dtv is read for */

typedef struct tc_find {
    glibc_heap *h;
    hs_addrset seen; /* tcache_perthread_structs taken */
} tc_find;

static void bin(const uint8_t *mem, int i, uint16_t *cnt, uint64_t *first)
{
    memcpy(cnt, mem + 2 * i, 2);
    memcpy(first, mem + GL_TC_ENTRIES + 8 * i, 8);
}

/* Every count paired with a non-null, aligned entry. */
static int tc_shape(const uint8_t *mem)
{
    for (int i = 0; i < GL_TC_BINS; i++) {
        uint16_t cnt;
        uint64_t e;
        bin(mem, i, &cnt, &e);
        if ((cnt == 0) != (e == 0) || (e & (GL_ALIGN - 1)) || cnt > 0x4000)
            return 0;
    }
    return 1;
}

/* The struct's 640 bytes into mem when chunk is a 0x290 chunk of that shape. */
static int tc_load(glibc_heap *h, uint64_t chunk, uint8_t *mem)
{
    uint64_t size;
    hs_err e;
    return hs_read_u64(h->t, chunk + 8, &size, &e) == 0 &&
           (size & ~(uint64_t)GL_SIZE_BITS) == GL_TC_CHUNK &&
           hs_read(h->t, chunk + GL_HDR, mem, GL_TC_CHUNK - GL_HDR, &e) == 0 && tc_shape(mem);
}

/* Takes the tcache at chunk: its chains into h->freed (warning of bad links). */
static void tc_take(tc_find *f, uint64_t chunk, const uint8_t *mem)
{
    glibc_heap *h = f->h;
    if (hs_addrset_add(&f->seen, chunk) != 1)
        return;
    h->ntcaches++;
    for (int i = 0; i < GL_TC_BINS; i++) {
        uint16_t cnt;
        uint64_t first;
        bin(mem, i, &cnt, &first);
        char what[64];
        snprintf(what, sizeof what, "tcache %#llx bin %d", (unsigned long long)chunk, i);
        glibc_follow(h, first, 1, GL_MINSIZE + 16u * (unsigned)i, cnt, &h->tcache_chunks,
                     &h->tcache_bytes, what);
    }
}

/* One bin's chain checks out: cnt chunks of the bin's size, each keyed *key (0: take the first
 * one's), then NULL. */
static int chain_ok(glibc_heap *h, uint64_t p, unsigned cnt, uint64_t size, uint64_t owner,
                    uint64_t *key)
{
    hs_err e;
    for (unsigned n = 0; n < cnt; n++) {
        uint64_t w[2], sz;
        if (!p || (p & (GL_ALIGN - 1)) || hs_read_u64(h->t, p - 8, &sz, &e) < 0 ||
            (sz & ~(uint64_t)GL_SIZE_BITS) != size || hs_read(h->t, p, w, sizeof w, &e) < 0)
            return 0;
        if (h->minor >= 34 && !*key)
            *key = w[1];
        if (h->minor >= 29 && w[1] != (h->minor >= 34 ? *key : owner))
            return 0;
        p = gl_reveal(h->minor >= 32, p, w[0]);
    }
    return p == 0;
}

/* A candidate found by the scan: some bin not empty, every chain as its count says. */
static int tc_chains_ok(glibc_heap *h, uint64_t chunk, const uint8_t *mem)
{
    uint64_t key = 0;
    int any = 0;
    for (int i = 0; i < GL_TC_BINS; i++) {
        uint16_t cnt;
        uint64_t first;
        bin(mem, i, &cnt, &first);
        any |= cnt != 0;
        if (cnt && !chain_ok(h, first, cnt, GL_MINSIZE + 16u * (unsigned)i, chunk + GL_HDR, &key))
            return 0;
    }
    return any;
}

/* Thread th's dtv and how many entries it has (at most MAX_DTV); 0 when unknown. */
static uint64_t thread_dtv(glibc_heap *h, const hs_thread *th, uint64_t *dtv)
{
    uint64_t tp = hs_thread_tp(h->t->arch, th), len;
    hs_err e;
    if (!tp || hs_read_u64(h->t, tp + gl_dtv_slot(h->t->arch), dtv, &e) < 0 ||
        hs_read_u64(h->t, *dtv - GL_DTV_ENTRY, &len, &e) < 0)
        return 0;
    return len < MAX_DTV ? len : MAX_DTV;
}

/* Module m's `tcache` in the dtv: 1 with *chunk (0: the thread has none yet), 0 when m's block
 * or the pointer cannot be read or does not point at a tcache. */
static int tls_tcache(glibc_heap *h, uint64_t dtv, uint64_t m, uint64_t *chunk, uint8_t *mem)
{
    uint64_t block, ptr;
    hs_err e;
    if (hs_read_u64(h->t, dtv + GL_DTV_ENTRY * m, &block, &e) < 0 || !block || block == UINT64_MAX ||
        hs_read_u64(h->t, block + (uint64_t)h->tcache_tls, &ptr, &e) < 0)
        return 0;
    *chunk = ptr ? ptr - GL_HDR : 0;
    return !ptr || (!(ptr & (GL_ALIGN - 1)) && tc_load(h, ptr - GL_HDR, mem));
}

/* libc's module id: the first whose block holds a pointer to a tcache, in any thread. */
static uint64_t libc_module(glibc_heap *h)
{
    uint8_t mem[GL_TC_CHUNK - GL_HDR];
    for (size_t i = 0; i < h->t->nthreads; i++) {
        uint64_t dtv, c, len = thread_dtv(h, &h->t->threads[i], &dtv);
        for (uint64_t m = 1; m < len; m++)
            if (tls_tcache(h, dtv, m, &c, mem) && c)
                return m;
    }
    return 0;
}

/* Each thread's tcache through its TLS; 1 when every thread's was read (or it has none). */
static int by_tls(tc_find *f)
{
    glibc_heap *h = f->h;
    uint64_t m = h->tcache_tls >= 0 ? libc_module(h) : 0;
    if (!m)
        return 0;
    int all = 1;
    uint8_t mem[GL_TC_CHUNK - GL_HDR];
    for (size_t i = 0; i < h->t->nthreads; i++) {
        uint64_t dtv, chunk;
        if (m >= thread_dtv(h, &h->t->threads[i], &dtv) || !tls_tcache(h, dtv, m, &chunk, mem))
            all = 0;
        else if (chunk)
            tc_take(f, chunk, mem);
    }
    return all;
}

static int on_chunk(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped)
{
    (void)word0, (void)mmapped;
    tc_find *f = ctx;
    uint8_t mem[GL_TC_CHUNK - GL_HDR];
    if (size == GL_TC_CHUNK && !hs_addrset_has(&f->seen, chunk) && tc_load(f->h, chunk, mem) &&
        tc_chains_ok(f->h, chunk, mem))
        tc_take(f, chunk, mem);
    return 0;
}

int glibc_read_tcaches(glibc_heap *h, hs_err *err)
{
    tc_find f = {.h = h};
    uint8_t mem[GL_TC_CHUNK - GL_HDR];
    for (size_t i = 0; i < h->nspans; i++)
        if (tc_load(h, h->spans[i].start, mem))
            tc_take(&f, h->spans[i].start, mem);
    int rc = 0;
    if (by_tls(&f)) {
        h->tcache_how = "through each thread's TLS";
    } else {
        h->tcache_how = "by their shape";
        rc = glibc_heap_chunks(h, on_chunk, &f, err);
    }
    hs_addrset_free(&f.seen);
    return rc;
}
