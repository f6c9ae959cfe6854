/* pid_cache.h - a block cache in front of a slow memory reader (syscalls into a stopped live
 * process, a host debugger's read callback): 64 KiB aligned blocks, up to 1 GiB of them by
 * default (memory is taken only for blocks read), clock (second-chance) eviction beyond that,
 * and page-wise (then exact) fallback reads where a block is partly unreadable, so readable
 * bytes next to unreadable ones still read. Only valid while the memory cannot change (the
 * process is stopped). A 16 MiB cache made the type pass of heap-top thrash on a 256 MB heap. */
#ifndef HS_PID_CACHE_H
#define HS_PID_CACHE_H

#include <stddef.h>
#include <stdint.h>

enum { HS_BCACHE_BLOCK = 64 * 1024, HS_BCACHE_PAGE = 4096, HS_BCACHE_BLOCKS = 16384 };

/* Reads exactly len bytes at addr into buf; returns 0 on success, nonzero otherwise. */
typedef int (*hs_fetch_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

typedef struct hs_bcache hs_bcache;

/* nblocks 0 means HS_BCACHE_BLOCKS. Returns NULL when out of memory. */
hs_bcache *hs_bcache_new(hs_fetch_fn fetch, void *ctx, size_t nblocks);
void hs_bcache_free(hs_bcache *c);

/* Copies len bytes at addr, or returns -1 with *bad = an address that could not be read. */
int hs_bcache_read(hs_bcache *c, uint64_t addr, void *buf, size_t len, uint64_t *bad);

/* Number of calls made to fetch so far (for tests and measurements). */
uint64_t hs_bcache_fetches(const hs_bcache *c);

#endif
