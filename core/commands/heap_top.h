/* heap_top.h - the parts of heap-top that analyse a heap once (spans, the object graph and its
 * mark from every root, types) and build rows from it (by type, by site, by size; all objects,
 * reachable ones or unreachable ones), and write them as a pprof profile; cmd_heap_top.c parses
 * options and renders, snapshot_take.c stores rows. */
#ifndef HS_HEAP_TOP_H
#define HS_HEAP_TOP_H

#include "../go/go_heap.h"
#include "../go/go_heapgraph.h"
#include "../go/go_typeinfer.h"
#include "../output/heap_report.h"
#include "../views/graph_rows.h"
#include "session.h"

typedef struct heap_top_options {
    enum heap_by by;
    long limit;
    int json;
    const char *pprof;
    enum hs_reach reach;
    int retained;    /* --retained: what each type's objects keep alive */
} heap_top_options;

/* One target's heap, analysed once for every set of rows asked of it. */
typedef struct heap_analysis {
    go_rt *rt;
    go_heap *h;
    go_heapgraph hg;
    int have_graph;   /* the mark ran: reachability is known */
    char *graph_error; /* why it is not (when it is not) */
    int typed;        /* types are inferred into hg.g */
    go_typeinfer_stats tst;
    heap_reach reach;
} heap_analysis;

enum { HEAP_NEED_GRAPH = 1, HEAP_KEEP_TAGS = 2 };
/* Reads the heap; builds the graph and marks (keeping where each edge was found with
 * HEAP_KEEP_TAGS); fails when that fails and flags have HEAP_NEED_GRAPH, else keeps the reason
 * it could not (reachability then unknown). */
int heap_analysis_open(heap_analysis *a, go_rt *rt, int flags, hs_err *err);
/* Infers the types of the graph's objects (once). */
int heap_analysis_types(heap_analysis *a, hs_err *err);
void heap_analysis_close(heap_analysis *a);
/* Warnings of the walk and the mark, one per line (owned by a until close). */
const char *heap_analysis_warnings(heap_analysis *a, strbuf *buf);

typedef struct heap_top_result {
    heap_row *rows;
    size_t nrows;
    uint64_t objects, bytes, typed_bytes; /* the objects selected (all, live or unreachable) */
    uint64_t rows_objects, rows_bytes;    /* what the rows add up to (sites: sampled records) */
    const struct hs_alloc_sites *sites;   /* by site: the records, for --pprof */
    strbuf notes;
    void *owned; /* what the rows' names and frames point into */
    void (*free_owned)(void *);
} heap_top_result;

/* Fills res; returns HS_OK, HS_FAIL or HS_USAGE (err says why). */
int heap_top_collect(heap_analysis *a, const heap_top_options *o, heap_top_result *res,
                     strbuf *msgs, hs_err *err);
/* Rows by name from rows (which res then owns, or which is freed on failure). */
struct hs_type_rows;
int heap_top_take_type_rows(struct hs_type_rows *rows, heap_top_result *res, hs_err *err);
/* heap_top_roots.c: rows per root unit from the dominator tree; retained bytes per type row. */
int heap_top_by_root(heap_analysis *a, heap_top_result *res, hs_err *err);
int heap_top_add_retained(heap_analysis *a, heap_top_result *res, hs_err *err);
int heap_top_write_pprof(const heap_top_options *o, const heap_top_result *res, hs_err *err);
/* --pprof FILE: the rows (or sites) written there, and "wrote FILE ..." into msgs unless --json;
 * HS_OK without --pprof. */
int heap_top_pprof(const heap_top_options *o, const heap_top_result *res, strbuf *msgs, hs_err *err);
void heap_top_result_free(heap_top_result *res);

#endif
