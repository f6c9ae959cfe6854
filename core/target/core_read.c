/* core_read.c - reads and views of core target memory: binary search over the region table
 * (with a last-hit hint), copies across adjacent regions, library bytes for gaps, and an error
 * that names the address and says why its bytes are missing. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core_priv.h"

/* A walk over a multi-gigabyte core would otherwise keep every page it touched resident (they
 * count as ours while mapped), and the kernel maps a whole 64 KiB window around each page that
 * faults in. So the distinct windows touched are counted (a bit each), and after
 * TRIM_AFTER_BYTES of them the mapping is trimmed: the kernel drops our page table entries and
 * later reads fault the same bytes back in from the page cache, so pointers handed out by view
 * stay valid. Windows touched again before a trim are not counted again: a walk that keeps
 * coming back to the same 48 MiB (a map's buckets and their entries) is never trimmed. */
#define TRIM_AFTER_BYTES (48u << 20)
#define FAULT_WINDOW_SHIFT 16

/* Marks window w touched; 1 when it was not yet. Without the bit table (out of memory) every
 * touch counts, as if new. */
static int first_touch(hs_core_target *c, uint64_t w)
{
    if (!c->windows) {
        size_t nwords = ((c->size >> FAULT_WINDOW_SHIFT) + 64) / 64;
        c->windows = calloc(nwords, sizeof *c->windows);
        if (!c->windows)
            return 1;
    }
    uint64_t bit = 1ull << (w & 63);
    if (c->windows[w >> 6] & bit)
        return 0;
    c->windows[w >> 6] |= bit;
    return 1;
}

static void account(hs_core_target *c, const hs_core_region *r, const uint8_t *p, size_t n)
{
    if (!r->from_core || p < c->map || p >= c->map + c->size)
        return;
    uint64_t window = (uint64_t)(p - c->map) >> FAULT_WINDOW_SHIFT; /* of the mapping */
    uint64_t last = (uint64_t)(p - c->map + (n ? n - 1 : 0)) >> FAULT_WINDOW_SHIFT;
    if (window == c->last_page && last == window)
        return; /* the window counted last time */
    c->last_page = last;
    for (uint64_t w = window; w <= last; w++)
        c->touched += first_touch(c, w) ? (size_t)1 << FAULT_WINDOW_SHIFT : 0;
    if (c->touched >= TRIM_AFTER_BYTES) {
        madvise((void *)c->map, c->size, MADV_DONTNEED);
        c->touched = 0;
        if (c->windows)
            memset(c->windows, 0, ((c->size >> FAULT_WINDOW_SHIFT) + 64) / 64 * sizeof *c->windows);
    }
}

static size_t find_region(hs_core_target *c, uint64_t addr)
{
    const hs_core_region *r = c->regions;
    if (c->last < c->nregions && r[c->last].start <= addr && addr < r[c->last].end)
        return c->last;
    return hs_core_region_index(r, c->nregions, addr);
}

static const char *mapping_path(const hs_core_target *c, uint64_t addr)
{
    const hs_target *t = &c->base;
    for (size_t i = 0; i < t->nmaps; i++)
        if (addr >= t->maps[i].start && addr < t->maps[i].end)
            return t->maps[i].path;
    return NULL;
}

static const char *lib_problem(const hs_core_target *c, const char *path)
{
    for (size_t i = 0; path && i < c->nlibs; i++)
        if (strcmp(c->libs[i].path, path) == 0 && c->libs[i].why)
            return c->libs[i].why;
    return NULL;
}

static int missing(const hs_core_target *c, uint64_t addr, hs_err *err)
{
    unsigned long long a = (unsigned long long)addr;
    const hs_core_seg *s = hs_core_seg_at(c, addr);
    if (s && addr - s->vaddr < s->filesz)
        return hs_errf(err, "address 0x%llx is in the part of core %s lost to truncation", a,
                       c->path);
    const char *file = mapping_path(c, addr);
    if (s && !c->exe)
        return hs_errf(err, "address 0x%llx was not dumped into core %s (file-backed memory%s%s);"
                       " pass the executable with --exe", a, c->path, file ? " of " : "",
                       file ? file : "");
    const char *why = lib_problem(c, file);
    if (file && why)
        return hs_errf(err, "address 0x%llx is not in the core or the executable (it maps %s: "
                       "%s)", a, file, why);
    if (s && file)
        return hs_errf(err, "address 0x%llx is not in the core or the executable (core %s did "
                       "not dump it; it maps %s)", a, c->path, file);
    return hs_errf(err, "address 0x%llx is not in the core or the executable", a);
}

int hs_core_read(hs_target *t, uint64_t addr, void *buf, size_t len, hs_err *err)
{
    hs_core_target *c = (hs_core_target *)t;
    uint8_t *out = buf;
    size_t i = find_region(c, addr);
    while (len > 0) {
        const hs_core_region *r = i < c->nregions ? &c->regions[i] : NULL;
        size_t n;
        if (r && r->start <= addr) {
            n = r->end - addr < len ? (size_t)(r->end - addr) : len;
            memcpy(out, r->ptr + (addr - r->start), n);
            account(c, r, r->ptr + (addr - r->start), n);
            c->last = i++;
        } else {
            size_t max = r && r->start - addr < len ? (size_t)(r->start - addr) : len;
            n = c->exe ? hs_core_lib_fill(c, addr, out, max) : 0;
            if (n == 0)
                return missing(c, addr, err);
        }
        out += n;
        addr += n;
        len -= n;
    }
    return 0;
}

const void *hs_core_view(hs_target *t, uint64_t addr, size_t len)
{
    hs_core_target *c = (hs_core_target *)t;
    size_t i = find_region(c, addr);
    if (i >= c->nregions || c->regions[i].start > addr || len > c->regions[i].end - addr)
        return NULL;
    c->last = i;
    const uint8_t *p = c->regions[i].ptr + (addr - c->regions[i].start);
    account(c, &c->regions[i], p, len);
    return p;
}
