/* glibc_objects.h - every in-use chunk of a glibc heap (glibc_heap_walk) as the objects of an
 * object graph: an object table (core/graph/objtable.h) in address order, chunks of one size
 * sharing a size class named "<malloc 48 B>" (or "48 B" by size), C++ objects typed by the class
 * their vtable names. 16 bytes per chunk while walking, 12 kept by the table and 4 by the types. */
#ifndef HS_GLIBC_OBJECTS_H
#define HS_GLIBC_OBJECTS_H

#include "../graph/graph.h"
#include "glibc_heap.h"
#include "vtable_names.h"

/* A graph of every in-use chunk (no edges yet); *objects and *bytes count them, *mmapped (sorted,
 * malloc'ed) lists the mmapped ones. keep_tags as hs_graph_new. */
int glibc_objects_graph(glibc_heap *h, vtable_names *vt, int by_size, int keep_tags, hs_graph **out,
                        uint64_t *objects, uint64_t *bytes, uint64_t **mmapped, size_t *nmmapped,
                        hs_err *err);

/* What a pointer points to: the block whose memory holds w, [c+16, c+size) of a chunk at c of
 * size bytes (its graph object is the whole chunk, the bytes mallinfo counts). A pointer to a
 * chunk's size fields is none: it is where the block before ends (a vector's end pointer just past
 * its buffer). The last 8 bytes a block may use, the next chunk's prev_size field, do not count:
 * as valgrind, which counts pointers into what was asked for, an end pointer there reaches no
 * block (malloc(100): p+100). */
hs_oid glibc_block_at(const hs_graph *g, uint64_t w, size_t *hint);
/* A block's memory as the program may use it, scanned for pointers: [*from, *to), c+16 to
 * c+size+8 (the next chunk's prev_size field included), or to c+size for an mmapped chunk. */
void glibc_block_memory(uint64_t chunk, uint64_t size, int mmapped, uint64_t *from, uint64_t *to);

#endif
