/* go_typeinfer.h - the type of every heap object of a Go target, as far as it can be known:
 * from the runtime's own allocation headers and span.largeType (Go 1.22+), then by following
 * typed pointers — the runtime's type descriptors say what each word of a typed value points
 * to — from typed global variables and from the typed objects themselves, through slices,
 * strings, interfaces, maps and channels, the way the garbage collector walks the heap but
 * with types. Objects no typed path reaches are reported by size class, honestly untyped. */
#ifndef HS_GO_TYPEINFER_H
#define HS_GO_TYPEINFER_H

#include <stdint.h>

#include "../views/type_rows.h"
#include "go_heap.h"
#include "go_types.h"

typedef struct go_typeinfer_stats {
    uint64_t objects, bytes;            /* every allocated object */
    uint64_t typed_objects, typed_bytes;
    uint64_t from_headers;              /* objects typed by the runtime itself */
    uint64_t roots;                     /* typed globals followed */
    uint64_t dwarf_roots;               /* globals followed with types pieced from DWARF */
} go_typeinfer_stats;

/* Adds one row per type (and per untyped size class) to rows. */
int go_typeinfer_run(go_rt *rt, go_heap *h, go_types *ts, hs_type_rows *rows,
                     go_typeinfer_stats *st, hs_err *err);

#endif
