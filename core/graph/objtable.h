/* objtable.h - objects each of its own size (the chunks of a C heap), for the object graph
 * (graph.h) instead of blocks of equal slots: a rising array of start addresses, and per object a
 * size class (its size and the name its objects of unknown type count under). Finding the object
 * that holds an address goes through a page index (pageindex.h), then a binary search among the
 * objects from the one it names.
 * Memory: 12 bytes per object, 16 per class, 32 KiB per 64 MiB region of the heap. */
#ifndef HS_OBJTABLE_H
#define HS_OBJTABLE_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "pageindex.h"

typedef struct hs_objclass {
    uint64_t size;    /* bytes of every object of the class */
    uint32_t untyped; /* name id for its objects of unknown type ("<malloc 48 B>") */
} hs_objclass;

typedef struct hs_objtable hs_objtable;

/* Takes addr and cls (n entries each, malloc'ed; addr rising, objects not overlapping) and copies
 * classes. NULL with err set when the order is wrong or memory runs out; addr and cls are then
 * freed too. */
hs_objtable *hs_objtable_new(uint64_t *addr, uint32_t *cls, uint32_t n, const hs_objclass *classes,
                             uint32_t nclasses, hs_err *err);
void hs_objtable_free(hs_objtable *t);

uint32_t hs_objtable_count(const hs_objtable *t);
uint64_t hs_objtable_addr(const hs_objtable *t, uint32_t k);
uint64_t hs_objtable_size(const hs_objtable *t, uint32_t k);
uint32_t hs_objtable_untyped(const hs_objtable *t, uint32_t k);
/* The object holding addr, or UINT32_MAX; *hint (start with 0) is tried first, and its
 * neighbour, and left at the object found. */
uint32_t hs_objtable_find(const hs_objtable *t, uint64_t addr, uint32_t *hint);
size_t hs_objtable_memory(const hs_objtable *t);

#endif
