/* core_read.c - reads and views of core target memory: binary search over the region table
 * (with a last-hit hint), copies across adjacent regions, library bytes for gaps, and an error
 * that names the address and says why its bytes are missing. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core_priv.h"

/* A walk over a multi-gigabyte core would otherwise keep every page it touched resident (they
 * count as ours while mapped), and the kernel maps a whole 64 KiB window around each page that
 * faults in. So touched windows are counted, and after TRIM_AFTER_BYTES of them the mapping is
 * trimmed: the kernel drops our page table entries and later reads fault the same bytes back in
 * from the page cache, so pointers handed out by view stay valid. */
#define TRIM_AFTER_BYTES (48u << 20)
#define FAULT_WINDOW_SHIFT 16

static void account(hs_core_target *c, const hs_core_region *r, const uint8_t *p, size_t n)
{
    if (!r->from_core)
        return;
    uint64_t window = (uint64_t)(uintptr_t)p >> FAULT_WINDOW_SHIFT;
    uint64_t last = (uint64_t)(uintptr_t)(p + (n ? n - 1 : 0)) >> FAULT_WINDOW_SHIFT;
    if (window == c->last_page && last == window)
        return; /* the window counted last time */
    c->last_page = last;
    c->touched += (size_t)(last - window + 1) << FAULT_WINDOW_SHIFT;
    if (c->touched >= TRIM_AFTER_BYTES) {
        madvise((void *)c->map, c->size, MADV_DONTNEED);
        c->touched = 0;
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
