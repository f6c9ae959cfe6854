/* dwarf_index.h - DWARF of an executable through libdwarf: an index of top-level named entries
 * (types, constants, variables) and the queries the runtime models need (member offsets, type
 * sizes, constants, variable addresses). */
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

#endif
