/* heap_top.h - the parts of heap-top that build rows from a walked heap (by type, by site, by
 * size) and write them as a pprof profile; cmd_heap_top.c parses options and renders. */
#ifndef HS_HEAP_TOP_H
#define HS_HEAP_TOP_H

#include "../go/go_heap.h"
#include "../output/heap_report.h"
#include "session.h"

typedef struct heap_top_options {
    enum heap_by by;
    long limit;
    int json;
    const char *pprof;
} heap_top_options;

typedef struct heap_top_result {
    heap_row *rows;
    size_t nrows;
    uint64_t objects, bytes, typed_bytes; /* the heap walk */
    uint64_t rows_objects, rows_bytes;    /* what the rows add up to (sites: sampled records) */
    const struct hs_alloc_sites *sites;   /* by site: the records, for --pprof */
    strbuf notes;
    void *owned; /* what the rows' names and frames point into */
    void (*free_owned)(void *);
} heap_top_result;

/* Fills res; returns HS_OK or HS_FAIL (err says why). */
int heap_top_collect(hs_session *s, go_rt *rt, go_heap *h, const heap_top_options *o,
                     heap_top_result *res, strbuf *msgs, hs_err *err);
int heap_top_write_pprof(const heap_top_options *o, const heap_top_result *res, hs_err *err);
void heap_top_result_free(heap_top_result *res);

#endif
