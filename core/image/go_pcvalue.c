/* go_pcvalue.c - the pclntab's PC-value tables (pcsp, pcfile, pcln, pcdata) and the caller-owned
 * lookup cache (see go_pclntab.h). A table is a run of (value delta, pc delta) pairs: the value
 * delta a zig-zag uvarint, the pc delta a uvarint in units of the instruction quantum, starting
 * from value -1 at the function entry; a zero byte after the first pair ends the table. A
 * value holds for pcs below the pc reached by its pair. */
#include "go_pcln_internal.h"

#include <string.h>

void go_pcache_reset(go_pcache *c)
{
    memset(c, 0, sizeof *c);
}

/* The cache is GO_PCACHE_WAYS-way set associative: a key (off, relpc) may sit in any entry of
 * its set (64 bytes), the most recently stored first. relpc is pc - entry: identical tables
 * (the linker shares them between functions) give identical values at identical offsets from
 * the entry. The top bit of a stored off marks "the table does not cover this pc". */
#define PCACHE_MISS 0x80000000u

static go_pcache_entry *set_of(go_pcache *c, uint32_t off, uint64_t relpc)
{
    uint64_t h = (relpc * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)off * 0xc2b2ae3d27d4eb4full);
    return &c->e[((h >> 32) % (GO_PCACHE_SIZE / GO_PCACHE_WAYS)) * GO_PCACHE_WAYS];
}

/* 0 with *val (or 1 for a cached "not covered"), -1 when the key is not cached. */
static int cache_get(const go_pcln *p, go_pcache *c, uint32_t off, uint64_t relpc, int32_t *val)
{
    if (!c || off >= PCACHE_MISS)
        return -1;
    if (c->owner != p) {
        go_pcache_reset(c);
        c->owner = p;
    }
    const go_pcache_entry *e = set_of(c, off, relpc);
    for (int w = 0; w < GO_PCACHE_WAYS; w++)
        if ((e[w].off & ~PCACHE_MISS) == off && e[w].pc == relpc) {
            c->hits++;
            *val = e[w].val;
            return e[w].off & PCACHE_MISS ? 1 : 0;
        }
    c->misses++;
    return -1;
}

static void cache_put(go_pcache *c, uint32_t off, uint64_t relpc, int32_t val, int found)
{
    if (!c || off >= PCACHE_MISS)
        return;
    go_pcache_entry *e = set_of(c, off, relpc);
    memmove(e + 1, e, (GO_PCACHE_WAYS - 1) * sizeof *e);
    e[0] = (go_pcache_entry){relpc, found ? off : off | PCACHE_MISS, val};
}

/* A uvarint of at most 5 bytes (a uint32) at t[*i], t having len bytes. */
static int uvarint32(const uint8_t *t, size_t len, size_t *i, uint32_t *v)
{
    uint32_t x = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*i >= len)
            return -1;
        uint8_t b = t[(*i)++];
        x |= (uint32_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            *v = x;
            return 0;
        }
    }
    return -1;
}

/* Walks the table; every pair consumes at least two bytes, so the walk ends within len. */
static int walk(const go_pcln *p, const go_func *f, uint32_t off, uint64_t targetpc, int32_t *val)
{
    const uint8_t *t = p->pctab.p + off;
    size_t len = p->pctab.len - off, i = 0;
    uint64_t pc = f->entry;
    uint32_t v = (uint32_t)-1; /* unsigned arithmetic: corrupt deltas wrap instead of overflowing */
    for (;;) {
        uint32_t uv, pcdelta;
        if (i >= len || (t[i] == 0 && pc != f->entry))
            return -1;
        if (uvarint32(t, len, &i, &uv) < 0 || uvarint32(t, len, &i, &pcdelta) < 0)
            return -1;
        v += (uint32_t)(-(uv & 1)) ^ (uv >> 1);
        pc += (uint64_t)pcdelta * p->h.minlc;
        if (targetpc < pc) {
            *val = (int32_t)v;
            return 0;
        }
    }
}

int go_pcvalue(const go_pcln *p, const go_func *f, uint32_t off, uint64_t targetpc, int32_t *val,
               go_pcache *cache)
{
    *val = -1;
    if (off == 0 || off >= p->pctab.len)
        return -1;
    uint64_t relpc = targetpc - f->entry;
    int rc = cache_get(p, cache, off, relpc, val);
    if (rc >= 0)
        return rc ? -1 : 0;
    if (walk(p, f, off, targetpc, val) < 0) {
        *val = -1;
        cache_put(cache, off, relpc, -1, 0);
        return -1;
    }
    cache_put(cache, off, relpc, *val, 1);
    return 0;
}

int go_pcln_spdelta_cached(const go_pcln *p, const go_func *f, uint64_t pc, int32_t *sp,
                           go_pcache *cache)
{
    return go_pcvalue(p, f, f->pcsp, pc, sp, cache);
}

int go_pcln_spdelta(const go_pcln *p, const go_func *f, uint64_t pc, int32_t *sp)
{
    return go_pcvalue(p, f, f->pcsp, pc, sp, NULL);
}

int go_pcln_pcdata(const go_pcln *p, const go_func *f, uint32_t table, uint64_t pc, int32_t *val)
{
    return go_pcln_pcdata_cached(p, f, table, pc, val, NULL);
}

int go_pcln_pcdata_cached(const go_pcln *p, const go_func *f, uint32_t table, uint64_t pc,
                          int32_t *val, go_pcache *cache)
{
    *val = -1;
    if (table >= f->npcdata)
        return -1;
    uint64_t at = (uint64_t)f->funcoff + p->funcsize + 4ull * table;
    if (at + 4 > p->pclntable.len)
        return -1;
    return go_pcvalue(p, f, go_le32(p->pclntable.p + at), pc, val, cache);
}

int go_pcln_fileline(const go_pcln *p, const go_func *f, uint64_t pc, const char **file,
                     int32_t *line, go_pcache *cache)
{
    int32_t fileno, ln;
    *file = "?";
    *line = 0;
    if (go_pcvalue(p, f, f->pcfile, pc, &fileno, cache) < 0 ||
        go_pcvalue(p, f, f->pcln, pc, &ln, cache) < 0 || fileno < 0 || ln == -1)
        return -1;
    uint64_t idx = (uint64_t)f->cuoff + (uint32_t)fileno;
    if ((idx + 1) * 4 > p->cutab.len)
        return -1;
    uint32_t fileoff = go_le32(p->cutab.p + idx * 4);
    const char *s = fileoff == UINT32_MAX ? NULL : go_region_cstr(p->filetab, fileoff);
    if (!s)
        return -1;
    *file = s;
    *line = ln;
    return 0;
}
