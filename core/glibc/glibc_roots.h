/* glibc_roots.h - the roots of a glibc heap's graph, and their names (glibc_roots.c). */
#ifndef HS_GLIBC_ROOTS_H
#define HS_GLIBC_ROOTS_H

#include "glibc_graph.h"

/* Calls fn on every aligned word of [start, end) that points at an object, its tag the word's
 * offset from start (buf: 1 MiB, for reads that give no view). Unreadable memory is skipped. */
int glibc_scan(hs_target *t, const hs_graph *g, uint64_t start, uint64_t end, uint8_t *buf,
               int (*fn)(void *ctx, hs_oid dst, uint32_t tag, hs_err *err), void *ctx, hs_err *err);
/* Adds every root to gg->g (named: a module's data split by its global variables). */
int glibc_add_roots(glibc_graph *gg, glibc_heap *h, int named, uint8_t *buf, hs_err *err);

#endif
