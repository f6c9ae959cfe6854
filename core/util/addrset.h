/* addrset.h - a set of nonzero 64-bit addresses (open addressing, grows as it fills): what
 * walkers of target lists use to notice an address they have already visited (a corrupt list
 * that loops, an array that names one object twice) without a malloc per entry. */
#ifndef HS_ADDRSET_H
#define HS_ADDRSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct hs_addrset {
    uint64_t *slots; /* 0 = empty */
    size_t cap, n;   /* cap: a power of two, or 0 before the first insert */
} hs_addrset;

/* 1 when addr was not in the set (it is now), 0 when it was already there or is 0, -1 when
 * out of memory (addr not added). Zero-initialise the set before the first call. */
int hs_addrset_add(hs_addrset *s, uint64_t addr);
/* 1 when addr is in the set. */
int hs_addrset_has(const hs_addrset *s, uint64_t addr);
void hs_addrset_free(hs_addrset *s);

#endif
