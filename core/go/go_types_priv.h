/* go_types_priv.h - what the go_types*.c files share: the per-release offsets of the type
 * descriptor structs, the modules' type ranges read from memory, the decoded-type cache and the
 * arena that owns every string and array handed out. Not for use outside core/go/go_types*.c. */
#ifndef HS_GO_TYPES_PRIV_H
#define HS_GO_TYPES_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <uthash.h>

#include "../image/go_window.h" /* go_le32, go_le64 */
#include "go_types.h"

/* Bounds on what a descriptor may claim (larger means corrupt or not a descriptor). */
#define GT_MAX_MODULES 64          /* moduledata.next chain */
#define GT_MAX_FIELDS 65536        /* struct fields */
#define GT_MAX_NAME 65536          /* bytes of one abi.Name */
#define GT_MAX_TYPE_SIZE (1ull << 47)
#define GT_MAX_MASK_BYTES (1u << 20) /* pointer masks up to 8M words */
#define GT_MAX_NEGATIVE 1000000    /* cached "not a descriptor" answers */

/* Offsets (bytes) of the members go_types reads, resolved once per binary. */
typedef struct gt_layout {
    int64_t size, ptrdata, tflag, kind, gcdata, str; /* abi.Type / runtime._type */
    int64_t ptr_elem, slice_elem, array_elem, array_len, chan_elem;
    int64_t map_key, map_elem, map_group;
    int64_t struct_fields, field_size, field_name, field_typ, field_off;
    int64_t iface_methods;
    int64_t itab_inter, itab_type;
    int swiss;   /* maps are swiss tables (map_group is a group type) */
    int minor;   /* Go 1.<minor> */
} gt_layout;

typedef struct gt_module {
    uint64_t types, etypes; /* run-time addresses */
} gt_module;

/* A chunk of the arena. */
typedef struct gt_block {
    struct gt_block *next;
    size_t used, cap;
    _Alignas(16) unsigned char data[];
} gt_block;

typedef struct gt_entry {
    uint64_t addr;
    go_type t;
    UT_hash_handle hh;
} gt_entry;

typedef struct gt_miss {
    uint64_t addr;
    UT_hash_handle hh;
} gt_miss;

typedef struct gt_name {
    uint64_t addr;
    const char *s;
    uint8_t flags;
    UT_hash_handle hh;
} gt_name;

struct go_types {
    go_rt *rt;
    hs_target *t;
    gt_layout L;
    gt_module mods[GT_MAX_MODULES];
    size_t nmods;
    gt_entry *types;  /* decoded descriptors by address */
    gt_miss *misses;  /* addresses that hold no descriptor */
    size_t nmisses;
    gt_name *names;   /* decoded abi.Names by address */
    gt_block *arena;
    go_root *roots;
    size_t nroots;
    go_dwarf_global *untyped; /* globals DWARF types without a descriptor */
    size_t nuntyped;
    go_roots_info roots_info;
    int roots_done;
};

/* go_types_arena.c: memory owned by ts, freed at close. NULL when out of memory. */
void *gt_alloc(go_types *ts, size_t n);
char *gt_strndup(go_types *ts, const char *s, size_t n);
void gt_arena_free(go_types *ts);

/* go_types_layout.c: fills ts->L for the binary's release; fails naming a missing member. */
int gt_layout_resolve(go_types *ts, hs_err *err);

/* go_types_modules.c: reads the module list (runtime.firstmoduledata, then next) from memory. */
int gt_modules_load(go_types *ts, hs_err *err);
/* The module whose [types, etypes) holds addr, or NULL. */
const gt_module *gt_module_of(const go_types *ts, uint64_t addr);

/* go_types_name.c: the abi.Name at addr (bounded by limit, 0 = none): its text (owned by ts) and
 * flags byte. NULL when it does not decode. */
const char *gt_name_at(go_types *ts, uint64_t addr, uint64_t limit, uint8_t *flags);
/* The type's name as reflect prints it, from its Str nameOff; "?" for a runtime-made type. */
const char *gt_type_name(go_types *ts, uint64_t addr, int32_t str, uint8_t tflag);

/* go_types_decode.c: decodes the descriptor at addr into *t; 0, or -1 when implausible. */
int gt_decode(go_types *ts, uint64_t addr, go_type *t);

#endif
