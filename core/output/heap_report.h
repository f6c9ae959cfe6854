/* heap_report.h - what heap-top shows: the runtime's statistics, the totals of the heap walk,
 * and rows (by type, by allocation site, by size class), as text for people or as the JSON
 * object DESIGN.md specifies. */
#ifndef HS_HEAP_REPORT_H
#define HS_HEAP_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "../go/go_memstats.h"
#include "../target/target.h"
#include "../util/strbuf.h"
#include "../views/graph_rows.h"
#include "../views/records.h"

enum heap_by { HEAP_BY_TYPE, HEAP_BY_SITE, HEAP_BY_SIZE, HEAP_BY_ROOT };

typedef struct heap_row {
    const char *name;
    uint64_t objects, bytes;
    uint8_t typed;            /* by type: 0 for an untyped size-class row */
    /* by site */
    uint64_t alloc_objects, alloc_bytes;
    const hs_frame *frames;
    uint32_t nframes;
    const char *const *symbols; /* per frame, the name pprof writes for it (NULL: the functions) */
    /* by size */
    int size_class;           /* -1 when not a size row; 0 = large objects */
    uint64_t elem_size, spans;
    /* by root (objects and bytes are then what the root alone keeps alive), --retained */
    const char *kind;         /* by root: "global", "goroutine", "finalizer", "runtime" */
    uint64_t goroutine;       /* by root, a goroutine: its id */
    uint64_t retained_objects, retained_bytes; /* --retained: what the row's objects keep alive */
} heap_row;

/* What a mark from every root found: reachable objects and garbage not yet collected. */
typedef struct heap_reach {
    int known;
    uint64_t live_objects, live_bytes, unreachable_objects, unreachable_bytes;
    uint64_t conservative_bytes;  /* stacks and registers scanned without a map */
    uint64_t roots, goroutines, frames, frames_precise;
    uint64_t edges_data, edges_stack, edges_special; /* root edges by origin */
} heap_reach;

/* A statistic of a runtime other than Go's (glibc's mallinfo2 fields), as the runtime names it. */
typedef struct heap_stat {
    const char *key;
    uint64_t v;
    int bytes; /* shown as a size in text */
} heap_stat;

typedef struct heap_report {
    const char *runtime, *version;
    enum heap_by by;
    const hs_target *target;
    const go_memstats *memstats; /* may be NULL */
    uint64_t objects, bytes;     /* the walk's totals */
    uint64_t rows_objects, rows_bytes; /* what the rows add up to: percentages are of this */
    uint64_t typed_bytes;        /* by type */
    int have_typed;
    const heap_row *rows;
    size_t nrows;
    long limit;                  /* rows to show, 0 = all */
    const char *notes;           /* lines printed under the header (text) / "notes" (JSON) */
    const char *warnings;
    enum hs_reach which;         /* the objects shown: all, reachable, unreachable */
    const heap_reach *reach;     /* NULL when the mark could not run */
    int have_retained;           /* rows carry retained_objects/bytes (--retained) */
    /* when memstats is NULL: the runtime's own statistics under their name ("mallinfo2"), in
     * the text header and as JSON "memstats" */
    const char *stats_title;
    const heap_stat *stats;
    size_t nstats;
    const char *reach_note;      /* said instead of the runtime-neutral reachability lines */
    const char *objects_word;    /* what the objects shown are, when not the Go words */
} heap_report;

const char *heap_by_name(enum heap_by by); /* "type", "site", "size" */

void heap_render_text(const heap_report *r, strbuf *out);
/* One row as the JSON object heap-top --json and snapshots hold ("name", "inuse_objects", ...). */
struct cJSON *heap_row_json(enum heap_by by, const heap_row *row);
/* {"live_objects": N, "live_bytes": N, "unreachable_objects": N, "unreachable_bytes": N, ...} */
struct cJSON *heap_reach_json(const heap_reach *r);
const char *heap_reach_name(enum hs_reach which); /* "all", "live", "unreachable" */
void heap_render_json(const heap_report *r, strbuf *out);
/* The object heap_render_json prints (the caller owns it; leakcheck nests it). */
struct cJSON *heap_report_json(const heap_report *r);

#endif
