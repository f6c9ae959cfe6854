/* go_typeinfer.h - the type of every heap object of a Go target, as far as it can be known:
 * from the runtime's own allocation headers and span.largeType (Go 1.22+), then by following
 * typed pointers — the runtime's type descriptors say what each word of a typed value points
 * to — from typed global variables and from the typed objects themselves, through slices,
 * strings, interfaces, maps and channels, the way the garbage collector walks the heap but
 * with types. Objects no typed path reaches are reported by size class, honestly untyped. */
#ifndef HS_GO_TYPEINFER_H
#define HS_GO_TYPEINFER_H

#include <stdint.h>

#include "go_heapgraph.h"
#include "go_types.h"

typedef struct go_typeinfer_stats {
    uint64_t typed_objects;             /* objects given a type */
    uint64_t from_headers;              /* objects typed by the runtime itself */
    uint64_t roots;                     /* typed globals followed */
    uint64_t dwarf_roots;               /* globals followed with types pieced from DWARF */
    uint64_t code_roots;                /* globals typed by the code that stores to them (no DWARF) */
} go_typeinfer_stats;

/* Gives every object of hg's graph whose type can be known its type name (hs_graph_set_type):
 * "main.Session", "[]main.Session" for a slot holding several, runtime structures by their own
 * names ("runtime.hmap"), closures as "func literal main.f.func1"; and leaves in hg->name_type
 * the descriptor behind each single-value name. */
int go_typeinfer_run(go_rt *rt, go_heap *h, go_types *ts, go_heapgraph *hg,
                     go_typeinfer_stats *st, hs_err *err);

#endif
