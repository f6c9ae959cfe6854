/* glibc_rows.h - a glibc heap's in-use blocks tallied in one walk, by class (the C++ class whose
 * vtable a block's first word points to, else "<malloc N B>") and by chunk size ("N B"): the
 * rows heap-top --by type / --by size shows and a native snapshot stores; and the mallinfo2
 * statistics of the walk under glibc's names. */
#ifndef HS_GLIBC_ROWS_H
#define HS_GLIBC_ROWS_H

#include "../glibc/glibc_heap.h"
#include "../glibc/vtable_names.h"
#include "heap_top.h"

typedef struct glibc_tally glibc_tally;

typedef struct glibc_rows {
    vtable_names *vt;      /* NULL: blocks go by size only */
    glibc_tally *t[2];     /* by type, by size */
    int want[2];
    int oom;
} glibc_rows;

/* Walks h once, tallying by type when by_type and by size when by_size (vt may be NULL). */
int glibc_rows_walk(glibc_rows *g, glibc_heap *h, int by_type, int by_size, hs_err *err);
/* The rows of one kind (HEAP_BY_TYPE or HEAP_BY_SIZE), with the arena headers mallinfo counts
 * as in use, into res (heap_top_result_free it); that kind's tally is used up. */
int glibc_rows_take(glibc_rows *g, const glibc_heap *h, enum heap_by by, heap_top_result *res,
                    hs_err *err);
/* Frees what tallies are left (not vt). */
void glibc_rows_free(glibc_rows *g);

/* The walk's warnings, and how many more were left out. */
void glibc_rows_warnings(const glibc_heap *h, strbuf *out);

/* mallinfo2's fields and tcache_chunks, tcache_bytes, arenas into st (room for 16). */
size_t glibc_mallinfo_stats(const glibc_heap *h, heap_stat *st);

#endif
