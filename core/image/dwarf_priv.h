/* dwarf_priv.h - what dwarf_index.c shares with the other readers of the same DWARF
 * (dwarf_frame.c): the libdwarf handle and the index of named entries. Not for use outside
 * core/image. */
#ifndef HS_DWARF_PRIV_H
#define HS_DWARF_PRIV_H

#include <libdwarf.h>

#include "dwarf_index.h"

Dwarf_Debug hs_dwarf_debug(const hs_dwarf *d);
/* An attribute of die as a signed or unsigned constant / as a reference to another entry. */
int hs_dwarf_attr_int(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, int64_t *v);
int hs_dwarf_attr_ref(const hs_dwarf *d, Dwarf_Die die, Dwarf_Half at, uint64_t *off);
/* The DW_TAG_subprogram entry named name (a Go function's name as pclntab spells it). */
int hs_dwarf_subprogram(const hs_dwarf *d, const char *name, uint64_t *off);

#endif
