/* heap_holders.h - who holds a Go heap's objects, for heap-paths and heap-top --by root /
 * --retained: the roots grouped into units (a global; a goroutine, all its frames), the shortest
 * path forest and its chains of steps, the dominator tree, and the roots named as a Go
 * programmer names them: `main.cache`, `goroutine 17 main.handle`, `finalizer of main.Fin`, and
 * for a binary without symbols the place in data or bss with the type it points to,
 * `.bss+0x1a40 (*main.holderT)`. Map internals are one step named after the map's type. */
#ifndef HS_HEAP_HOLDERS_H
#define HS_HEAP_HOLDERS_H

#include "../graph/dominators.h"
#include "../graph/paths.h"
#include "../output/paths_report.h"
#include "../views/holders.h"
#include "heap_top.h"

enum { HOLD_PATHS = 1, HOLD_DOMINATORS = 2, HOLD_MEMO = 4096 };

typedef struct step_memo { /* a step with its field, remembered: name id and offset -> step */
    uint32_t name, off, id;
} step_memo;

typedef struct heap_holders {
    heap_analysis *a;    /* a Go heap's; NULL for a glibc heap (heap_holders_glibc.h) */
    hs_graph *g;         /* the graph: a's, or the glibc heap's */
    const char *version; /* "go1.23.5", "glibc 2.36" */
    int native;          /* a glibc heap: roots named by glibc_root_label */
    struct stack_frames *frames; /* a glibc heap's, with HOLD_PATHS: stack words named by frame */
    hs_arch arch;        /* ... of the target */
    hs_units units;
    hs_paths *paths;     /* with HOLD_PATHS */
    hs_chains *chains;   /* with HOLD_PATHS */
    hs_dom *dom;         /* with HOLD_DOMINATORS */
    go_types *ts;        /* for the types finalizers record */
    uint32_t *step_of;   /* per name id: its step (UINT32_MAX: not worked out yet; 0: none) */
    uint32_t nstep;
    step_memo *memo;     /* HOLD_MEMO entries */
    uint8_t *is_struct;  /* per name id with a type: 0 not asked, 1 a struct, 2 not */
} heap_holders;

/* Builds what `what` asks for (HOLD_PATHS | HOLD_DOMINATORS) over a's marked graph, typed. */
int heap_holders_open(heap_holders *hh, heap_analysis *a, int what, hs_err *err);

/* Who may count as a holder: the roots of some goroutines left out (skip_group, per root group
 * of a->hg, may be NULL), and objects whose graph flags have a bit of skip_flags taking no part
 * (wait queues: waiters reach each other through them). */
typedef struct hold_scope {
    const uint8_t *skip_group;
    uint8_t skip_flags;
    /* When set, objects are typed only when need_types, asked once the paths are built (the
     * typing of a whole heap costs more than the paths), says the names will be used. */
    int (*need_types)(void *ctx, const struct heap_holders *hh);
    void *ctx;
} hold_scope;

int heap_holders_open_scoped(heap_holders *hh, heap_analysis *a, int what, const hold_scope *sc,
                             hs_err *err);

/* The field of object o that holds byte addr, as "main.Server.mu" (through nested structs, not
 * going inside a field whose type's name starts with stop), into buf; the object's type name
 * alone when it is no struct or is itself of such a type. Returns the field's address. */
uint64_t heap_holders_field_at(const heap_holders *hh, hs_oid o, uint64_t addr, const char *stop,
                               char *buf, size_t cap);
void heap_holders_close(heap_holders *hh);

/* Root r reached through the edge with tag to object first; the root as a whole with tag
 * UINT32_MAX and first HS_NO_OBJ. */
void heap_holders_describe(const heap_holders *hh, uint32_t r, uint32_t tag, hs_oid first,
                           hs_path_root *out, char *buf, size_t cap);
/* A place in the module's data or bss (run-time addr) as a binary without symbols names it,
 * ".bss+0x1a40" (offsets from .data or .bss); 0 when addr lies in neither. */
int heap_holders_place(const go_rt *rt, uint64_t addr, char *buf, size_t cap);

/* A path's label (hs_chain_namer.label, ctx the holders): root r as heap_holders_describe names it,
 * interned. */
uint32_t heap_holders_label(void *ctx, uint32_t root, uint32_t tag, hs_oid first);

/* The root that names unit u: a goroutine by its innermost frame outside the runtime. */
uint32_t heap_holders_unit_root(const heap_holders *hh, uint32_t u);

/* heap-top --by root's rows (heap_top_roots.c): every unit with what it alone keeps alive, of
 * live_objects and live_bytes reachable (hh opened with HOLD_DOMINATORS). HS_OK or HS_FAIL. */
int heap_top_root_rows(heap_holders *hh, uint64_t live_objects, uint64_t live_bytes, heap_top_result *res,
                       hs_err *err);
/* heap-top --retained (heap_top_roots.c): what the objects of each of res's rows keep alive,
 * rows matched to the graph's names (hh opened with HOLD_DOMINATORS). HS_OK or HS_FAIL. */
int heap_top_rows_retained(heap_holders *hh, heap_top_result *res, hs_err *err);

#endif
