/* glibc_objects.h - every in-use chunk of a glibc heap (glibc_heap_walk) as the objects of an
 * object graph: an object table (core/graph/objtable.h) in address order, chunks of one size
 * sharing a size class named "<malloc 48 B>" (or "48 B" by size), C++ objects typed by the class
 * their vtable names. 16 bytes per chunk while walking, 12 kept by the table and 4 by the types. */
#ifndef HS_GLIBC_OBJECTS_H
#define HS_GLIBC_OBJECTS_H

#include "../graph/graph.h"
#include "glibc_heap.h"
#include "vtable_names.h"

/* A graph of every in-use chunk (no edges yet); *objects and *bytes count them. keep_tags as
 * hs_graph_new. */
int glibc_objects_graph(glibc_heap *h, vtable_names *vt, int by_size, int keep_tags, hs_graph **out,
                        uint64_t *objects, uint64_t *bytes, hs_err *err);

#endif
