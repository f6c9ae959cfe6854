/* addrset.c - a set of nonzero 64-bit addresses (see addrset.h). */
#include "addrset.h"

#include <stdlib.h>

static size_t slot_of(uint64_t addr, size_t mask)
{
    return (size_t)((addr * 0x9E3779B97F4A7C15ull) >> 17) & mask;
}

/* Inserts without growing; 1 new, 0 present. The table always has a free slot. */
static int put(uint64_t *slots, size_t cap, uint64_t addr)
{
    for (size_t i = slot_of(addr, cap - 1);; i = (i + 1) & (cap - 1)) {
        if (slots[i] == addr)
            return 0;
        if (slots[i] == 0) {
            slots[i] = addr;
            return 1;
        }
    }
}

static int grow(hs_addrset *s)
{
    size_t cap = s->cap ? s->cap * 2 : 64;
    uint64_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i])
            put(slots, cap, s->slots[i]);
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

int hs_addrset_add(hs_addrset *s, uint64_t addr)
{
    if (addr == 0)
        return 0;
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return -1;
    int added = put(s->slots, s->cap, addr);
    s->n += (size_t)added;
    return added;
}

void hs_addrset_free(hs_addrset *s)
{
    free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}

int hs_addrset_has(const hs_addrset *s, uint64_t addr)
{
    if (addr == 0 || s->cap == 0)
        return 0;
    for (size_t i = slot_of(addr, s->cap - 1);; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == addr)
            return 1;
        if (s->slots[i] == 0)
            return 0;
    }
}
