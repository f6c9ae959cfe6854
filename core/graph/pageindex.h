/* pageindex.h - which item an address may fall in, for items (blocks of an object graph, objects
 * of a table) added in rising address order without overlapping: one table per 64 MiB region of
 * address space that holds items (32 KiB each), an entry per 8 KiB page naming the first item
 * that ends above the page's start. The caller then looks from that item on. */
#ifndef HS_PAGEINDEX_H
#define HS_PAGEINDEX_H

#include <stddef.h>
#include <stdint.h>

#define HS_PAGEINDEX_NONE UINT32_MAX

typedef struct hs_pageindex_region hs_pageindex_region;

typedef struct hs_pageindex {
    hs_pageindex_region *regions; /* sorted by address */
    size_t nregions;
} hs_pageindex;

/* Item `item` covers [start, end) (end > start; items in rising order). 0, or -1 out of memory. */
int hs_pageindex_add(hs_pageindex *x, uint64_t start, uint64_t end, uint32_t item);
/* The first item ending above the start of addr's page, or HS_PAGEINDEX_NONE. */
uint32_t hs_pageindex_first(const hs_pageindex *x, uint64_t addr);
void hs_pageindex_free(hs_pageindex *x);
size_t hs_pageindex_memory(const hs_pageindex *x);

#endif
