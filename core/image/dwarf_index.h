/* dwarf_index.h - DWARF of an executable through libdwarf: an index of top-level named entries
 * (types, constants, variables) and the queries the runtime models need (member offsets, type
 * sizes, constants, variable addresses, global variables with their Go runtime types). */
#ifndef HS_DWARF_INDEX_H
#define HS_DWARF_INDEX_H

#include <stdint.h>

#include "../util/err.h"

typedef struct hs_dwarf hs_dwarf;

/* Opens the DWARF of the ELF file at path. Returns 0 with *out == NULL when the file has no
 * DWARF (stripped with -w or -s), -1 on a real error. */
int hs_dwarf_open(hs_dwarf **out, const char *path, hs_err *err);
void hs_dwarf_close(hs_dwarf *d);

/* Offset of member `path` (dotted for nested structs, e.g. "sched.sp") in struct type `type`.
 * Returns -1 when the type or a member is absent (no message needed by callers). */
int hs_dwarf_member_offset(hs_dwarf *d, const char *type, const char *path, int64_t *off);
int hs_dwarf_type_size(hs_dwarf *d, const char *type, int64_t *size);
/* Value of a DW_TAG_constant ("runtime._Gwaiting"). */
int hs_dwarf_const(hs_dwarf *d, const char *name, int64_t *val);
/* Link-time address of a global variable (DW_OP_addr location). */
int hs_dwarf_var_addr(hs_dwarf *d, const char *name, uint64_t *addr);

/* The Go linker's attribute on type entries naming the runtime type descriptor of the type
 * (cmd/internal/dwarf DW_AT_go_runtime_type, form DW_FORM_addr). Its value is NOT an address:
 * it is the descriptor's offset from the start of the section holding the type descriptors,
 * i.e. from runtime.types (moduledata.types), in every release 1.19-1.27. */
enum { HS_DW_AT_GO_KIND = 0x2900, HS_DW_AT_GO_RUNTIME_TYPE = 0x2904 };

/* A global variable: a top-level DW_TAG_variable with a DW_OP_addr location. */
typedef struct hs_dwarf_global {
    const char *name;  /* valid until hs_dwarf_close */
    uint64_t addr;     /* link-time address */
    uint64_t size;     /* DW_AT_byte_size of its type (through typedefs), 0 when absent */
    int has_rtype;     /* its type (or the type a typedef names) has HS_DW_AT_GO_RUNTIME_TYPE */
    uint64_t rtype;    /* that attribute's value: an offset from runtime.types */
    int go_kind;       /* DW_AT_go_kind (the Go kind) of that type entry, 0 when absent */
    uint64_t type;     /* the variable's DW_AT_type entry (for hs_dwarf_type_at), 0 when absent */
} hs_dwarf_global;

/* Calls fn for every global variable (in name order) until fn returns nonzero. Returns the
 * number of globals visited, or -1 (out of memory). */
typedef int (*hs_dwarf_global_fn)(void *ctx, const hs_dwarf_global *g);
long hs_dwarf_globals(hs_dwarf *d, hs_dwarf_global_fn fn, void *ctx, hs_err *err);

/* A type entry as a heap walker needs it: typedefs are followed to the entry that carries the
 * runtime type attribute, or to the underlying type. */
enum { HS_DW_AT_GO_ELEM = 0x2902 };
typedef struct hs_dwarf_type {
    uint64_t off;     /* the entry described */
    int tag;          /* DW_TAG_* */
    int go_kind;      /* DW_AT_go_kind, 0 when absent */
    uint64_t size;    /* DW_AT_byte_size, 0 when absent (pointers) */
    int has_rtype;
    uint64_t rtype;   /* DW_AT_go_runtime_type (see above), when has_rtype */
    uint64_t elem;    /* pointer, array: DW_AT_type; slice, chan, map: DW_AT_go_elem; else 0 */
    uint64_t count;   /* array: number of elements */
    const char *name; /* NULL when unnamed; valid until hs_dwarf_close */
} hs_dwarf_type;

int hs_dwarf_type_at(hs_dwarf *d, uint64_t off, hs_dwarf_type *t);

typedef struct hs_dwarf_member {
    const char *name;
    uint64_t offset;
    uint64_t type;
} hs_dwarf_member;

/* The members of the struct entry at off (up to max); returns how many, -1 if not a struct. */
long hs_dwarf_members(hs_dwarf *d, uint64_t off, hs_dwarf_member *out, size_t max);

#endif
