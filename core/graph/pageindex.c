/* pageindex.c - the page index of items in address order (pageindex.h). */
#include "pageindex.h"

#include <stdlib.h>
#include <string.h>

#define REGION_SHIFT 26 /* one table per 64 MiB region */
#define PAGE_SHIFT 13   /* ... of one entry per 8 KiB page */
#define REGION_PAGES (1u << (REGION_SHIFT - PAGE_SHIFT))

struct hs_pageindex_region {
    uint64_t key;    /* addr >> REGION_SHIFT */
    uint32_t *first; /* per page: the first item that ends above the page's start, or NONE */
};

static hs_pageindex_region *region_of(hs_pageindex *x, uint64_t key)
{
    if (x->nregions && x->regions[x->nregions - 1].key == key)
        return &x->regions[x->nregions - 1];
    hs_pageindex_region *v = realloc(x->regions, (x->nregions + 1) * sizeof *v);
    uint32_t *first = v ? malloc(REGION_PAGES * sizeof *first) : NULL;
    if (v)
        x->regions = v;
    if (!first)
        return NULL;
    memset(first, 0xff, REGION_PAGES * sizeof *first);
    x->regions[x->nregions] = (hs_pageindex_region){key, first};
    return &x->regions[x->nregions++];
}

int hs_pageindex_add(hs_pageindex *x, uint64_t start, uint64_t end, uint32_t item)
{
    for (uint64_t page = start >> PAGE_SHIFT; page <= (end - 1) >> PAGE_SHIFT; page++) {
        hs_pageindex_region *r = region_of(x, page >> (REGION_SHIFT - PAGE_SHIFT));
        if (!r)
            return -1;
        uint32_t *e = &r->first[page & (REGION_PAGES - 1)];
        if (*e == HS_PAGEINDEX_NONE)
            *e = item;
    }
    return 0;
}

uint32_t hs_pageindex_first(const hs_pageindex *x, uint64_t addr)
{
    uint64_t key = addr >> REGION_SHIFT;
    size_t lo = 0, hi = x->nregions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (x->regions[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == x->nregions || x->regions[lo].key != key)
        return HS_PAGEINDEX_NONE;
    return x->regions[lo].first[(addr >> PAGE_SHIFT) & (REGION_PAGES - 1)];
}

void hs_pageindex_free(hs_pageindex *x)
{
    for (size_t i = 0; i < x->nregions; i++)
        free(x->regions[i].first);
    free(x->regions);
    x->regions = NULL;
    x->nregions = 0;
}

size_t hs_pageindex_memory(const hs_pageindex *x)
{
    return x->nregions * (sizeof(hs_pageindex_region) + REGION_PAGES * sizeof(uint32_t));
}
