/* go_types.h - Go runtime type descriptors (*abi.Type / *runtime._type) read from the target:
 * names as the runtime prints them, kinds, sizes, pointer masks, and the parts a heap walker
 * follows (struct fields, element, key and map group types, itab -> type); and typed roots:
 * global variables whose runtime type is known from DWARF. */
#ifndef HS_GO_TYPES_H
#define HS_GO_TYPES_H

#include <stddef.h>
#include <stdint.h>

#include "go_runtime.h"

/* abi.Kind values (Kind_ & 0x1f), the same in every release 1.19-1.27. */
enum go_kind {
    GO_KIND_BOOL = 1, GO_KIND_INT = 2, GO_KIND_UINTPTR = 12, GO_KIND_FLOAT64 = 14,
    GO_KIND_COMPLEX128 = 16, GO_KIND_ARRAY = 17, GO_KIND_CHAN = 18, GO_KIND_FUNC = 19,
    GO_KIND_INTERFACE = 20, GO_KIND_MAP = 21, GO_KIND_PTR = 22, GO_KIND_SLICE = 23,
    GO_KIND_STRING = 24, GO_KIND_STRUCT = 25, GO_KIND_UNSAFEPTR = 26
};

typedef struct go_field {
    const char *name; /* as reflect's StructField.Name: an embedded field's is its type's name */
    uint64_t offset;
    uint64_t type;    /* descriptor address */
    uint8_t embedded;
} go_field;

typedef struct go_type {
    uint64_t addr;
    uint64_t size, ptrdata;
    uint8_t kind;         /* enum go_kind */
    uint8_t tflag;
    uint8_t direct_iface; /* stored directly in an interface's data word */
    uint8_t empty_iface;  /* Interface kind with no methods (eface), else iface */
    uint8_t runtime_made; /* not in any module's type data: made by reflect at run time (its
                             name is then "?", and other fields are less trustworthy) */
    const char *name;     /* as reflect's Type.String() prints it, which in 1.19-1.27 is always the
                             descriptor's own string: "main.Session", "*main.Session", "[]uint8",
                             "map[string]int", "main.Pair[int,string]", "struct { A int }",
                             "map.bucket[string]int" (1.24+: "map.group[string]int"); "?" for
                             a runtime-made type */
    uint64_t elem;        /* Ptr, Slice, Array, Chan: the element type; Map: the value type */
    uint64_t key;         /* Map: the key type */
    uint64_t len;         /* Array: the length */
    uint64_t map_group;   /* Map: the bucket type (hmap maps) or group type (swiss maps, 1.24+) */
    uint8_t swiss;        /* Map: 1 for swiss tables (internal/runtime/maps), 0 for hmap */
    const go_field *fields; /* Struct */
    uint32_t nfields;
    /* One bit per pointer-sized word over ptrdata (LSB first), (ptrdata/8+7)/8 bytes; NULL when
     * ptrdata is 0, or when the type has a GC program (<= 1.23) or an on-demand mask
     * (1.24+, TFlagGCMaskOnDemand) that the runtime has not built, or the mask is over 1 MiB. */
    const uint8_t *ptrmask;
} go_type;

typedef struct go_types go_types;

int go_types_open(go_types **out, go_rt *rt, hs_err *err);
void go_types_close(go_types *ts);

/* The decoded descriptor at addr (cached; stable pointer until close), or NULL when addr does not
 * hold a plausible type descriptor. */
const go_type *go_types_get(go_types *ts, uint64_t addr);
/* The dynamic type of an itab (non-empty interface's first word), or 0. */
uint64_t go_types_itab_type(go_types *ts, uint64_t itab);
/* Quick check: addr lies where type descriptors live: a module's [types, etypes), or a
 * runtime-created descriptor that go_types_get has already decoded. */
int go_types_in_types(const go_types *ts, uint64_t addr);

/* A global variable whose runtime type is known (DWARF DW_AT_go_runtime_type of its type). */
typedef struct go_root {
    uint64_t addr; /* run-time address of the variable */
    uint64_t type; /* its type descriptor */
    const char *name;
} go_root;

/* A global variable whose DWARF type has no runtime descriptor (e.g. []*T when only T has one):
 * a walker can piece its type together from DWARF (hs_dwarf_type_at on dwarf_type). */
typedef struct go_dwarf_global {
    uint64_t addr;       /* run-time address */
    uint64_t dwarf_type; /* the DWARF type entry */
    const char *name;
} go_dwarf_global;

/* The globals go_types_roots left out for want of a descriptor (valid after go_types_roots). */
void go_types_untyped_globals(const go_types *ts, const go_dwarf_global **out, size_t *n);
/* The run-time descriptor a DW_AT_go_runtime_type value designates, or 0. */
uint64_t go_types_from_dwarf(const go_types *ts, uint64_t rtype_attr);

/* All typed roots, sorted by address; the array belongs to ts. Zero roots (no DWARF) is not an
 * error. Globals whose type has no runtime type descriptor are left out (see below). */
int go_types_roots(go_types *ts, const go_root **roots, size_t *n, hs_err *err);

/* How much of the global data the roots cover, valid after go_types_roots: globals with a
 * runtime type (the roots) and without one (their types never reach the runtime, so the
 * linker kept no descriptor; through 1.22 also unsafe.Pointer), with their sizes (typed: from
 * DWARF or the descriptor; untyped: from DWARF, which gives none for pointer-shaped types). */
typedef struct go_roots_info {
    size_t typed, untyped;
    uint64_t typed_bytes, untyped_bytes;
    int have_dwarf;
} go_roots_info;
const go_roots_info *go_types_roots_info(const go_types *ts);

#endif
