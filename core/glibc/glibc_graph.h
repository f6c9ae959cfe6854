/* glibc_graph.h - a glibc heap as an object graph (core/graph) with conservative edges: every
 * in-use chunk an object, every aligned word inside one that points into another an edge, and
 * roots from every writable mapping that is not the heap (modules' data and bss, anonymous
 * mappings, thread stacks from their stack pointer, TLS) and every thread's registers. Marked
 * from all roots, what is not reached is leaked: nothing in the program points to it. */
#ifndef HS_GLIBC_GRAPH_H
#define HS_GLIBC_GRAPH_H

#include "../graph/graph.h"
#include "../graph/mark.h"
#include "glibc_heap.h"
#include "vtable_names.h"

typedef struct glibc_graph {
    hs_graph *g;
    hs_mark *m;
    uint64_t objects, bytes;            /* every in-use chunk (mmapped ones too) */
    uint64_t live_objects, live_bytes;
    uint64_t root_bytes;                /* bytes of memory scanned as roots */
    uint32_t nroots, nthreads;
    uint32_t ngroups;                   /* root groups: 1..nthreads the threads, then modules */
    uint64_t *mmapped;                  /* the mmapped chunks, sorted */
    size_t nmmapped;
} glibc_graph;

enum {
    GLIBC_GRAPH_BY_SIZE = 1, /* objects named by size only ("48 B"), not by class */
    GLIBC_GRAPH_HOLDERS = 2, /* for who holds what: global variables as roots of their own (by
                              * the modules' symbols), where each edge was found kept */
};

/* Walks the heap (glibc_heap_walk), builds the graph (types from vt when not NULL) and marks it
 * (Ctrl-C stops it: "interrupted"). */
int glibc_graph_build(glibc_heap *h, vtable_names *vt, int flags, glibc_graph *out, hs_err *err);
void glibc_graph_free(glibc_graph *gg);

/* Root ri as a person names it: reached through the word with tag ("g_cache+0x18", "stack of
 * thread 42", "thread 42 register rax", "data of libfoo.so+0x40"), or as a whole with tag
 * UINT32_MAX ("g_cache", "thread 42"). */
void glibc_root_label(const hs_graph *g, hs_arch arch, uint32_t ri, uint32_t tag, char *buf, size_t cap);

#endif
