/* glibc_heap.h - the glibc malloc model: libc among the target's modules, main_arena and every
 * other arena, their heaps, the freed chunks that still look in use (tcache, fastbins), and a
 * walk of every in-use chunk of every heap and every mmapped chunk, with the statistics
 * mallinfo2() would return at that moment. */
#ifndef HS_GLIBC_HEAP_H
#define HS_GLIBC_HEAP_H

#include <stddef.h>
#include <stdint.h>

#include "../target/target.h"
#include "../util/addrset.h"
#include "../util/err.h"
#include "../util/strbuf.h"

/* What mallinfo2() returns, computed from the arenas and the walk as glibc computes it. */
typedef struct glibc_mallinfo {
    uint64_t arena, ordblks, smblks, hblks, hblkhd, fsmblks, uordblks, fordblks, keepcost;
} glibc_mallinfo;

/* One heap to walk: chunks from start to end; top is the arena's top chunk when it lies here. */
typedef struct glibc_span {
    uint64_t start, end, top, arena;
} glibc_span;

typedef struct glibc_heap {
    hs_target *t;
    char version[16];       /* "2.36" */
    int minor;              /* 36 */
    const char *arena_how;  /* how main_arena was found */
    int64_t tcache_tls;     /* the TLS offset of libc's `tcache` (libc6-dbg), -1 when unknown */
    const char *tcache_how; /* how the tcaches were found */
    const hs_region *given_regions; /* glibc_given's regions, or NULL */
    size_t ngiven_regions;
    uint64_t main_arena;
    uint64_t *arenas;       /* main_arena first, in list order */
    size_t narenas;
    glibc_span *spans;      /* every heap of every arena */
    size_t nspans;
    hs_addrset freed;       /* chunks in a tcache or a fastbin (their next chunk says in use) */
    uint64_t tcache_chunks, tcache_bytes, ntcaches;
    uint64_t fast_chunks, fast_bytes;
    uint64_t inuse_chunks, inuse_bytes, mmapped_chunks, mmapped_bytes;
    uint64_t overhead_bytes;  /* arena headers, fenceposts: in use as mallinfo counts */
    glibc_mallinfo mi;
    uint64_t skipped;         /* corrupt headers and broken lists, each a warning */
    strbuf warnings;
    size_t nwarnings;
} glibc_heap;

/* One in-use block: its chunk, the chunk's size as mallinfo counts it, its first word. */
typedef int (*glibc_block_fn)(void *ctx, uint64_t chunk, uint64_t size, uint64_t word0, int mmapped);

/* Finds libc, the arenas, their heaps and free lists; fails with one line when the target has
 * no glibc malloc heap (another allocator, a static binary, no libc). */
int glibc_heap_open(glibc_heap *h, hs_target *t, hs_err *err);
/* What glibc_heap_open_at is told instead of finding it (the fuzz target's world). */
typedef struct glibc_given {
    uint64_t main_arena;
    int minor;                /* glibc 2.MINOR */
    int64_t tcache_tls;       /* the TLS offset of `tcache`, -1 when unknown */
    const hs_region *regions; /* where mmapped chunks are looked for (NULL: the target's) */
    size_t nregions;
} glibc_given;
/* The same from what is given. */
int glibc_heap_open_at(glibc_heap *h, hs_target *t, const glibc_given *g, hs_err *err);
/* Calls fn for every in-use chunk (tcache and fastbin chunks excluded) and every mmapped chunk,
 * filling the counts and h->mi. fn returning nonzero stops the walk. */
int glibc_heap_walk(glibc_heap *h, glibc_block_fn fn, void *ctx, hs_err *err);
/* Calls fn for every chunk of every heap that looks in use (mmapped chunks excluded), counting
 * nothing and warning of nothing: a look before the walk proper. */
int glibc_heap_chunks(glibc_heap *h, glibc_block_fn fn, void *ctx, hs_err *err);
void glibc_heap_close(glibc_heap *h);

/* A warning line, counted; the first GLIBC_MAX_WARNINGS are kept. */
#define GLIBC_MAX_WARNINGS 8
#define glibc_warn(h, fmt, ...)                                                                  \
    sb_capped_line(&(h)->warnings, &(h)->nwarnings, GLIBC_MAX_WARNINGS,                          \
                   "warning: glibc heap: " fmt, __VA_ARGS__)

/* glibc_libc.c: libc's module, glibc version and main_arena. */
int glibc_find_main_arena(glibc_heap *h, hs_err *err);
/* glibc_arenas.c: the arena list and each arena's heaps into h->arenas, h->spans. */
int glibc_read_arenas(glibc_heap *h, hs_err *err);
/* glibc_free.c: tcache and fastbin chunks into h->freed. */
int glibc_read_free_lists(glibc_heap *h, hs_err *err);
/* glibc_free.c: a singly linked list of freed chunks of want_size bytes from first (a user
 * pointer, next at offset 0, for a tcache; a chunk, fd at +16, for a fastbin), at most limit,
 * into h->freed, *count and *bytes; a bad link or a loop ends it with a warning naming what. */
void glibc_follow(glibc_heap *h, uint64_t first, int is_tcache, uint64_t want_size, uint64_t limit,
                  uint64_t *count, uint64_t *bytes, const char *what);
/* glibc_tcache.c: every thread's tcache and its chunks into h->freed. */
int glibc_read_tcaches(glibc_heap *h, hs_err *err);

#endif
