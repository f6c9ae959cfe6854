/* pid_cache.c - the block cache of pid_cache.h: a pool of 64 KiB blocks in one MAP_NORESERVE
 * mapping, a linear-probing index from block number to slot, clock eviction (a hand sweeps the
 * slots, sparing each one used since it last passed), and per-page validity so that partly
 * unreadable blocks still serve their readable pages. */
#include "pid_cache.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum { PAGES = HS_BCACHE_BLOCK / HS_BCACHE_PAGE };

typedef struct slot {
    uint64_t block;
    uint8_t used; /* read since the clock hand last passed */
    uint32_t valid; /* bit p set: page p of the block was read */
    uint8_t *data;
} slot;

struct hs_bcache {
    hs_fetch_fn fetch;
    void *ctx;
    slot *slots;
    size_t nslots, used;
    uint32_t *index; /* slot number + 1, 0 = empty; size mask + 1 */
    size_t mask;
    int bits;
    slot *last;
    size_t hand;
    uint64_t fetches;
    uint8_t *mem;
};

hs_bcache *hs_bcache_new(hs_fetch_fn fetch, void *ctx, size_t nblocks)
{
    hs_bcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->fetch = fetch;
    c->ctx = ctx;
    c->nslots = nblocks ? nblocks : HS_BCACHE_BLOCKS;
    c->bits = 1;
    while (((size_t)1 << c->bits) < c->nslots * 4)
        c->bits++;
    c->mask = ((size_t)1 << c->bits) - 1;
    c->slots = calloc(c->nslots, sizeof *c->slots);
    c->index = calloc(c->mask + 1, sizeof *c->index);
    void *m = mmap(NULL, c->nslots * (size_t)HS_BCACHE_BLOCK, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    c->mem = m == MAP_FAILED ? NULL : m; /* pages are taken only when used */
    if (!c->slots || !c->index || !c->mem) {
        hs_bcache_free(c);
        return NULL;
    }
    for (size_t i = 0; i < c->nslots; i++)
        c->slots[i].data = c->mem + i * (size_t)HS_BCACHE_BLOCK;
    return c;
}

void hs_bcache_free(hs_bcache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->index);
    if (c->mem)
        munmap(c->mem, c->nslots * (size_t)HS_BCACHE_BLOCK);
    free(c);
}

uint64_t hs_bcache_fetches(const hs_bcache *c)
{
    return c->fetches;
}

static size_t home(const hs_bcache *c, uint64_t block)
{
    return (size_t)((block * 0x9E3779B97F4A7C15ull) >> (64 - c->bits));
}

static size_t find_pos(const hs_bcache *c, uint64_t block)
{
    size_t h = home(c, block);
    while (c->index[h] && c->slots[c->index[h] - 1].block != block)
        h = (h + 1) & c->mask;
    return h;
}

/* Linear-probing deletion by backward shift (no tombstones). */
static void index_remove(hs_bcache *c, uint64_t block)
{
    size_t i = find_pos(c, block), j = i;
    if (!c->index[i])
        return;
    for (;;) {
        j = (j + 1) & c->mask;
        if (!c->index[j])
            break;
        size_t k = home(c, c->slots[c->index[j] - 1].block);
        if ((j > i && (k <= i || k > j)) || (j < i && k <= i && k > j)) {
            c->index[i] = c->index[j];
            i = j;
        }
    }
    c->index[i] = 0;
}

static slot *victim(hs_bcache *c)
{
    if (c->used < c->nslots)
        return &c->slots[c->used++];
    for (;; c->hand = (c->hand + 1) % c->nslots) {
        slot *v = &c->slots[c->hand];
        if (v->used) {
            v->used = 0;
            continue;
        }
        c->hand = (c->hand + 1) % c->nslots;
        index_remove(c, v->block);
        if (c->last == v)
            c->last = NULL;
        return v;
    }
}

static void fill(hs_bcache *c, slot *s, uint64_t block)
{
    uint64_t base = block * HS_BCACHE_BLOCK;
    s->block = block;
    s->valid = 0;
    c->fetches++;
    if (c->fetch(c->ctx, base, s->data, HS_BCACHE_BLOCK) == 0) {
        s->valid = (1u << PAGES) - 1;
        return;
    }
    for (unsigned p = 0; p < PAGES; p++) {
        c->fetches++;
        if (c->fetch(c->ctx, base + (uint64_t)p * HS_BCACHE_PAGE, s->data + p * HS_BCACHE_PAGE,
                     HS_BCACHE_PAGE) == 0)
            s->valid |= 1u << p;
    }
}

static slot *get_slot(hs_bcache *c, uint64_t block)
{
    slot *s = c->last;
    if (!s || s->block != block) {
        size_t pos = find_pos(c, block);
        if (c->index[pos]) {
            s = &c->slots[c->index[pos] - 1];
        } else {
            s = victim(c);
            fill(c, s, block);
            c->index[find_pos(c, block)] = (uint32_t)(s - c->slots) + 1;
        }
    }
    s->used = 1;
    c->last = s;
    return s;
}

/* The first unreadable address in [addr, addr+len), which is known to fail as a whole:
 * usually addr itself (one call), else found by bisecting the readable prefix. */
static uint64_t first_bad(hs_bcache *c, uint64_t addr, size_t len, uint8_t *scratch)
{
    c->fetches++;
    if (c->fetch(c->ctx, addr, scratch, 1) != 0)
        return addr;
    size_t good = 1, bad = len; /* prefix of good bytes reads; of bad bytes does not */
    while (bad - good > 1) {
        size_t mid = good + (bad - good) / 2;
        c->fetches++;
        if (c->fetch(c->ctx, addr, scratch, mid) == 0)
            good = mid;
        else
            bad = mid;
    }
    return addr + good;
}

/* Copies [off, off+n) of a block, page by page, reading unreadable pages' bytes exactly. */
static int copy_partial(hs_bcache *c, const slot *s, size_t off, size_t n, uint8_t *out,
                        uint64_t *bad)
{
    uint64_t base = s->block * HS_BCACHE_BLOCK;
    while (n > 0) {
        size_t p = off / HS_BCACHE_PAGE, k = HS_BCACHE_PAGE - off % HS_BCACHE_PAGE;
        if (k > n)
            k = n;
        if (s->valid & (1u << p)) {
            memcpy(out, s->data + off, k);
        } else {
            c->fetches++;
            if (c->fetch(c->ctx, base + off, out, k) != 0) {
                *bad = first_bad(c, base + off, k, out);
                return -1;
            }
        }
        off += k;
        out += k;
        n -= k;
    }
    return 0;
}

int hs_bcache_read(hs_bcache *c, uint64_t addr, void *buf, size_t len, uint64_t *bad)
{
    uint8_t *out = buf;
    if (len >= HS_BCACHE_BLOCK) { /* large reads bypass the cache when they can */
        c->fetches++;
        if (c->fetch(c->ctx, addr, buf, len) == 0)
            return 0;
    }
    while (len > 0) {
        size_t off = (size_t)(addr % HS_BCACHE_BLOCK), n = HS_BCACHE_BLOCK - off;
        if (n > len)
            n = len;
        const slot *s = get_slot(c, addr / HS_BCACHE_BLOCK);
        uint32_t need = ((1u << ((off + n - 1) / HS_BCACHE_PAGE + 1)) - 1) &
                        ~((1u << (off / HS_BCACHE_PAGE)) - 1);
        if ((s->valid & need) == need)
            memcpy(out, s->data + off, n);
        else if (copy_partial(c, s, off, n, out, bad) < 0)
            return -1;
        addr += n;
        out += n;
        len -= n;
    }
    return 0;
}
