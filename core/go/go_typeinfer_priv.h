/* go_typeinfer_priv.h - the state of one type-inference walk, shared by go_typeinfer.c (phases
 * and the work loop), go_typeinfer_targets.c (what a typed word points to) and
 * go_typeinfer_names.c (row names and counts). */
#ifndef HS_GO_TYPEINFER_PRIV_H
#define HS_GO_TYPEINFER_PRIV_H

#include <uthash.h>

#include "go_dwarf_synth.h"
#include "go_scanplan.h"
#include "go_typeinfer.h"

typedef struct ti_item { /* `count` consecutive values described by `plan`, at addr */
    uint64_t addr;
    const go_scanplan *plan;
    uint64_t count;
} ti_item;

typedef struct ti_names { /* the two row names of one type descriptor (graph name ids) */
    UT_hash_handle hh;
    uint64_t type;
    uint32_t single, array;
} ti_names;

typedef struct ti_closure { /* row name of closures, by function entry */
    UT_hash_handle hh;
    uint64_t entry;
    uint32_t name;
} ti_closure;

typedef struct ti {
    go_rt *rt;
    go_heap *h;
    go_heapgraph *hg;
    hs_graph *g;
    go_types *ts;
    go_scanplans *plans;
    go_synth *synth;
    ti_item *stack;
    size_t nstack, capstack;
    ti_names *names;
    ti_closure *closures;
    go_typeinfer_stats st;
    int64_t hmap_buckets, hmap_oldbuckets, hmap_extra;
    int64_t smap_dir, smap_dirlen, table_data, table_mask;
    int64_t hchan_dataqsiz, hchan_buf, hchan_size;
    struct ti_pcvars *pcvars;  /* DWARF variables of frames, by PC (go_typeinfer_frames.c) */
    struct ti_cvars *cvars;    /* captured variables of closures, by function entry */
    struct ti_itab *itabs;     /* itab -> dynamic type, for interface words in untyped objects */
    uint32_t *types;           /* the graph's type names per slot */
    const uint8_t *present;    /* and its presence bits */
    size_t hint;               /* hs_graph_block_at_hint */
    uint32_t id_string;        /* the name "string", once interned */
    uint64_t scanned;          /* values scanned so far, for the progress line */
    int oom;
} ti;

/* go_typeinfer_names.c: name ids in the graph's string table (0 when out of memory) */
uint32_t ti_name(ti *t, const go_type *type, int array);
uint32_t ti_closure_name(ti *t, uint64_t fn);
uint32_t ti_intern(ti *t, const char *name);
/* Gives object o its type name. */
void ti_set(ti *t, hs_oid o, uint32_t name);
void ti_names_free(ti *t);
/* Leaves in hg->name_type the type descriptor of each single-value name handed out. */
void ti_names_export(ti *t);

/* go_typeinfer.c: follows one scan-plan entry whose words are at w (24 bytes), found at addr */
void ti_apply(ti *t, const go_scan_entry *e, const uint8_t *w, uint64_t addr);
/* Follows everything pushed so far. */
int ti_drain(ti *t, uint8_t *buf, hs_err *err);

/* go_typeinfer_frames.c: typed roots beyond globals */
int ti_from_frames(ti *t, uint8_t *buf, hs_err *err);     /* stack frames' DWARF variables */
int ti_from_finalizers(ti *t, uint8_t *buf, hs_err *err); /* a finalizer's object, by its type */
void ti_closure_vars(ti *t, uint64_t closure, uint64_t fn); /* a closure's captured variables */
void ti_frames_free(ti *t);

/* go_typeinfer_code.c: without DWARF, the global words the program's code types */
int ti_from_code(ti *t, uint8_t *buf, hs_err *err);

/* go_typeinfer_ifaces.c: interface values (type word, data word) in objects no typed path
 * reached: the type word says what the data word points to. Repeats until nothing new. */
int ti_from_interfaces(ti *t, uint8_t *buf, hs_err *err);
void ti_ifaces_free(ti *t);

/* go_typeinfer_targets.c: what a typed word points to */
void ti_push(ti *t, uint64_t addr, const go_scanplan *plan, uint64_t count);
void ti_target(ti *t, uint64_t p, const go_type *type);
void ti_target_string(ti *t, uint64_t p);
void ti_target_iface(ti *t, uint64_t type_addr, uint64_t data);
void ti_target_map(ti *t, uint64_t p, const go_type *maptype);
void ti_target_chan(ti *t, uint64_t p, const go_type *chantype);
void ti_target_closure(ti *t, uint64_t p);

#endif
