/* core_regions.c - the core target's address -> bytes table: disjoint regions sorted by address
 * (core segments first, executable bytes in the gaps), binary-searched on every read; reads
 * that span regions, lazy library fill for the remaining gaps, and errors naming the address. */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "core_priv.h"

/* Index of the first region whose end is above addr (n when none). */
size_t hs_core_region_index(const hs_core_region *r, size_t n, uint64_t addr)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r[mid].end <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Appends r to the sorted list a, trimming overlap with the previous region and merging
 * when the bytes continue in the same mapping. */
static void push_region(hs_core_region *a, size_t *n, hs_core_region r)
{
    if (*n > 0) {
        hs_core_region *p = &a[*n - 1];
        if (r.end <= p->end)
            return;
        if (r.start < p->end) {
            r.ptr += p->end - r.start;
            r.start = p->end;
        }
        if (r.start == p->end && r.ptr == p->ptr + (p->end - p->start) &&
            r.from_core == p->from_core) {
            p->end = r.end;
            return;
        }
    }
    a[(*n)++] = r;
}

int hs_core_build_regions(hs_core_target *c, hs_err *err)
{
    c->core_regions = calloc(c->nsegs + 1, sizeof *c->core_regions);
    c->regions = calloc(c->nsegs + 1, sizeof *c->regions);
    if (!c->core_regions || !c->regions)
        return hs_errf(err, "out of memory indexing core %s", c->path);
    for (size_t i = 0; i < c->nsegs; i++) {
        const hs_core_seg *s = &c->segs[i];
        if (s->avail == 0)
            continue;
        hs_core_region r = {s->vaddr, s->vaddr + s->avail, c->map + s->offset, 1};
        push_region(c->core_regions, &c->ncore_regions, r);
    }
    memcpy(c->regions, c->core_regions, c->ncore_regions * sizeof *c->regions);
    c->nregions = c->ncore_regions;
    return 0;
}

/* Index of the first segment starting above addr. */
static size_t seg_after(const hs_core_target *c, uint64_t addr)
{
    size_t lo = 0, hi = c->nsegs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->segs[mid].vaddr <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

const hs_core_seg *hs_core_seg_at(const hs_core_target *c, uint64_t addr)
{
    size_t i = seg_after(c, addr);
    if (i == 0)
        return NULL;
    const hs_core_seg *s = &c->segs[i - 1];
    return addr - s->vaddr < s->memsz ? s : NULL;
}

int hs_core_fillable(const hs_core_target *c, uint64_t addr, uint64_t *zone_end)
{
    const hs_core_seg *s = hs_core_seg_at(c, addr);
    if (!s) { /* between segments: up to the next one */
        size_t i = seg_after(c, addr);
        *zone_end = i < c->nsegs ? c->segs[i].vaddr : UINT64_MAX;
        return 1;
    }
    uint64_t off = addr - s->vaddr;
    if (off >= s->filesz) { /* not dumped on purpose: the file holds these bytes */
        *zone_end = s->vaddr + s->memsz;
        return 1;
    }
    if (off < s->avail) {
        *zone_end = s->vaddr + s->avail;
        return 0;
    }
    *zone_end = s->vaddr + s->filesz; /* lost to truncation */
    return !(s->flags & PF_W);
}

static int regcmp(const void *a, const void *b)
{
    const hs_core_region *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Collects the ranges a fill piece must not cover (core bytes, truncated writable parts),
 * sorted and merged; ptr is unused. */
static hs_core_region *blocked_ranges(const hs_core_target *c, size_t *nout)
{
    hs_core_region *b = calloc(c->ncore_regions + c->nsegs + 1, sizeof *b);
    if (!b)
        return NULL;
    size_t n = 0;
    for (size_t i = 0; i < c->ncore_regions; i++)
        b[n++] = c->core_regions[i];
    for (size_t i = 0; i < c->nsegs; i++) {
        const hs_core_seg *s = &c->segs[i];
        if ((s->flags & PF_W) && s->avail < s->filesz)
            b[n++] = (hs_core_region){s->vaddr + s->avail, s->vaddr + s->filesz, NULL, 0};
    }
    if (n > 1)
        qsort(b, n, sizeof *b, regcmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0 && b[i].start <= b[k - 1].end) {
            if (b[i].end > b[k - 1].end)
                b[k - 1].end = b[i].end;
        } else {
            b[k++] = b[i];
        }
    }
    *nout = k;
    return b;
}

/* Appends to out the parts of piece p not covered by the sorted blocked list. */
static void subtract(const hs_core_region *blk, size_t nblk, hs_core_region p,
                     hs_core_region *out, size_t *nout)
{
    size_t i = hs_core_region_index(blk, nblk, p.start);
    while (p.start < p.end) {
        uint64_t stop = i < nblk && blk[i].start < p.end ? blk[i].start : p.end;
        if (stop > p.start)
            out[(*nout)++] = (hs_core_region){p.start, stop, p.ptr, 0};
        if (i >= nblk || blk[i].start >= p.end)
            return;
        uint64_t skip = blk[i].end < p.end ? blk[i].end : p.end;
        if (skip > p.start) {
            p.ptr += skip - p.start;
            p.start = skip;
        }
        i++;
    }
}

int hs_core_add_fill(hs_core_target *c, const hs_core_region *pieces, size_t n, hs_err *err)
{
    size_t nblk, cap = 0;
    hs_core_region *blk = blocked_ranges(c, &nblk);
    if (blk)
        cap = c->ncore_regions + n * (nblk + 1);
    hs_core_region *all = blk ? calloc(cap + 1, sizeof *all) : NULL;
    if (!all) {
        free(blk);
        return hs_errf(err, "out of memory adding executable bytes to core %s", c->path);
    }
    size_t m = c->ncore_regions;
    memcpy(all, c->core_regions, m * sizeof *all);
    for (size_t i = 0; i < n; i++)
        subtract(blk, nblk, pieces[i], all, &m);
    free(blk);
    if (m > 1)
        qsort(all, m, sizeof *all, regcmp);
    size_t k = 0;
    for (size_t i = 0; i < m; i++)
        push_region(all, &k, all[i]);
    free(c->regions);
    c->regions = all;
    c->nregions = k;
    c->last = 0;
    return 0;
}

const uint8_t *hs_core_bytes(const hs_core_target *c, uint64_t addr, size_t len)
{
    size_t i = hs_core_region_index(c->core_regions, c->ncore_regions, addr);
    if (i >= c->ncore_regions || c->core_regions[i].start > addr ||
        len > c->core_regions[i].end - addr)
        return NULL;
    return c->core_regions[i].ptr + (addr - c->core_regions[i].start);
}
