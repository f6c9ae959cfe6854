/* go_heapgraph_priv.h - the state of one graph build, shared by go_heapgraph.c (orchestration,
 * objects and edges) and the root readers go_roots_data.c, go_roots_stack.c, go_roots_special.c. */
#ifndef HS_GO_HEAPGRAPH_PRIV_H
#define HS_GO_HEAPGRAPH_PRIV_H

#include <stdarg.h>

#include "go_heapgraph.h"
#include "go_ptrmap.h"

#define HG_MAX_LISTED 20 /* warnings listed; more are counted */

typedef struct hg_build {
    go_rt *rt;
    go_heap *h;
    hs_graph *g;
    go_ptrmap *pm;
    go_heapgraph *out;
    size_t hint;          /* hs_graph_find_hint */
    uint8_t *bits;        /* pointer bits of one object */
    size_t capbits;
    uint8_t *buf;         /* target bytes */
    size_t capbuf;
    size_t nwarn;
    size_t caplive, capframes;
    hs_oid *pend;         /* pending root edges and their tags */
    uint32_t *pend_tag;
    size_t npend, cappend;
} hg_build;

/* A counted warning line (only the first HG_MAX_LISTED are kept). */
void hg_warn(hg_build *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Resizable scratch buffers; NULL when out of memory. */
uint8_t *hg_buf(hg_build *b, size_t n);
uint8_t *hg_bits(hg_build *b, size_t n);

/* Roots are built in two steps: the edges a root would have are collected (pending), then
 * hg_flush makes a root of them when there are any, so roots without heap edges (most globals
 * and frames) cost nothing. */
/* If v points into an allocated heap object, a pending edge to it (tag: off). Returns 1 when
 * it did, 0 when v is not a heap object, -1 out of memory. */
int hg_pend_word(hg_build *b, uint64_t v, uint64_t off, hs_err *err);
/* The same for n words at mem: those whose bit is set in mask (LSB first), or every word when
 * mask is NULL (conservative). Tags are tag0 + 8*i. Returns the edges added, or -1. */
long hg_pend_words(hg_build *b, const uint8_t *mem, uint64_t n, const uint8_t *mask,
                   uint64_t tag0, hs_err *err);
/* Pending edges: heap object o's own pointers (a finalizer keeps what its object points to). */
int hg_pend_object_edges(hg_build *b, hs_oid o, hs_err *err);
/* Makes a root of the pending edges when there are any and forgets them. Returns the root's
 * index, HG_NO_ROOT when nothing was pending, or UINT32_MAX (err set). */
#define HG_NO_ROOT (UINT32_MAX - 1)
uint32_t hg_flush(hg_build *b, enum hs_root_kind kind, const char *name, uint32_t group,
                  uint64_t addr, uint64_t aux, int conservative, hs_err *err);

/* The root readers. */
int hg_roots_data(hg_build *b, hs_err *err);
int hg_roots_stacks(hg_build *b, hs_err *err);
int hg_roots_specials(hg_build *b, hs_err *err);

#endif
