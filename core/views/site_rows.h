/* site_rows.h - allocation sites: the neutral records a runtime model gives for its heap-profile
 * records (hs_alloc_site: a symbolized allocation stack with allocation and free counts), and
 * the view heap-top --by site shows: rows keyed by allocation stack with in-use and allocated
 * objects and bytes, unbiased for sampling as pprof does, largest in-use bytes first. */
#ifndef HS_SITE_ROWS_H
#define HS_SITE_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "../util/err.h"
#include "records.h"

/* One machine location of a stack: the logical frames [first, first+n) of the site, the
 * innermost inlined ones first and the physical function last, at one code address. */
typedef struct hs_site_loc {
    uint64_t address; /* run-time address of the call instruction (0: none) */
    uint32_t first, n;
} hs_site_loc;

typedef struct hs_alloc_site {
    const hs_frame *frames;     /* innermost first, inlined calls expanded */
    const char *const *symbols; /* per frame: the name profiles key its function by */
    const int32_t *start_lines; /* per frame: the function's first line, 0 when unknown */
    uint32_t nframes;
    const hs_site_loc *locs;    /* the frames grouped by machine location */
    uint32_t nlocs;
    uint64_t alloc_objects, alloc_bytes, free_objects, free_bytes; /* as sampled */
} hs_alloc_site;

/* What a runtime model hands over: the sites, how to unbias a sampled (count, bytes) pair,
 * and the executable's text mapping for profiles. */
typedef struct hs_alloc_sites {
    const hs_alloc_site *v;
    size_t n;
    int64_t rate; /* sampling rate (bytes); <= 1: every allocation recorded */
    void (*scale)(uint64_t count, uint64_t bytes, int64_t rate, double *scount, double *sbytes);
    struct {
        uint64_t start, limit, offset; /* limit 0: unknown */
        const char *file, *build_id;
    } text;
} hs_alloc_sites;

/* Unbiased values of one site as pprof computes them (truncated toward zero). */
void hs_alloc_site_values(const hs_alloc_sites *s, const hs_alloc_site *site, int64_t *alloc_objects,
                          int64_t *alloc_bytes, int64_t *inuse_objects, int64_t *inuse_bytes);

typedef struct hs_site_row {
    const char *name; /* the innermost frame's function (pprof's flat attribution), "?" if none */
    const hs_frame *frames;
    uint32_t nframes;
    const char *const *symbols; /* per frame, the name profiles key its function by, or NULL */
    int64_t inuse_objects, inuse_bytes, alloc_objects, alloc_bytes; /* unbiased, summed */
    size_t nsites; /* records merged into the row (one per allocation size) */
} hs_site_row;

typedef struct hs_site_rows {
    hs_site_row *v;
    size_t n;
    int64_t inuse_objects, inuse_bytes, alloc_objects, alloc_bytes; /* totals over all sites */
} hs_site_rows;

/* Groups sites with equal frames (function, file, line) into rows, sorted by in-use bytes,
 * then in-use objects, then allocated bytes, descending. Sites with nothing in use are left
 * out unless keep_freed. Rows point into s, which must outlive them. */
int hs_site_rows_build(const hs_alloc_sites *s, int keep_freed, hs_site_rows *out, hs_err *err);
void hs_site_rows_free(hs_site_rows *r);

#endif
