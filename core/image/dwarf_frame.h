/* dwarf_frame.h - the variables DWARF describes for one Go function: for a frame stopped at a
 * PC, each parameter and local (inlined calls' included) whose location at that PC lies in the
 * frame — Go writes DW_OP_fbreg N with frame base DW_OP_call_frame_cfa, or the CFA itself, in
 * location lists (.debug_loc, 1.25+ .debug_loclists), with DW_OP_piece for values split between
 * stack slots and registers; and for a closure's function, the captured variables with their
 * offset in the closure object (DW_AT_go_closure_offset, Go 1.23+). */
#ifndef HS_DWARF_FRAME_H
#define HS_DWARF_FRAME_H

#include <stdint.h>

#include "dwarf_index.h"

#define HS_DWARF_MAX_PIECES 8

typedef struct hs_dwarf_piece {
    int64_t cfa_off; /* where the piece lies: CFA + cfa_off (when in_frame) */
    uint32_t size;   /* bytes (the whole value when there is one piece) */
    uint8_t in_frame;
} hs_dwarf_piece;

typedef struct hs_dwarf_var {
    const char *name;  /* valid until hs_dwarf_close */
    uint64_t type;     /* its DWARF type entry (hs_dwarf_type_at) */
    uint32_t npieces;  /* >= 1; one piece: the whole value at pieces[0] */
    hs_dwarf_piece pieces[HS_DWARF_MAX_PIECES];
    int64_t closure_off; /* offset in the closure object, -1 when not a captured variable */
} hs_dwarf_var;

typedef int (*hs_dwarf_var_fn)(void *ctx, const hs_dwarf_var *v);

/* Calls fn for each variable of function `func` (its name as pclntab spells it) at link-time pc
 * that lies at least partly in the frame. Returns the number of variables reported, -1 when the
 * function has no DWARF entry. */
long hs_dwarf_frame_vars(hs_dwarf *d, const char *func, uint64_t pc, hs_dwarf_var_fn fn, void *ctx);

/* Calls fn for each variable of closure function `func` with a DW_AT_go_closure_offset
 * (npieces 0). Returns the number reported, -1 when the function has no DWARF entry. */
long hs_dwarf_closure_vars(hs_dwarf *d, const char *func, hs_dwarf_var_fn fn, void *ctx);

/* Calls fn for each formal parameter of `func`, in order (npieces 0, closure_off -1). */
long hs_dwarf_params(hs_dwarf *d, const char *func, hs_dwarf_var_fn fn, void *ctx);

#endif
