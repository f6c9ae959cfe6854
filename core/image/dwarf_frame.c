/* dwarf_frame.c - a Go function's variables and where they are at a PC (see dwarf_frame.h),
 * read with libdwarf's location-list interface (DWARF 4 .debug_loc and 5 .debug_loclists). */
#include "dwarf_frame.h"

#include <dwarf.h>
#include <string.h>

#include "dwarf_priv.h"

#define MAX_CHILDREN 100000
#define MAX_DEPTH 16
#define MAX_OPS 64
#define DW_AT_GO_CLOSURE_OFFSET 0x2907

enum { WALK_FRAME, WALK_CLOSURE, WALK_PARAMS };

typedef struct walk {
    const hs_dwarf *d;
    Dwarf_Debug dbg;
    uint64_t pc;
    int mode;     /* WALK_FRAME, WALK_CLOSURE, WALK_PARAMS */
    hs_dwarf_var_fn fn;
    void *ctx;
    long n;
    int stop;
} walk;

static void drop_err(Dwarf_Debug dbg, Dwarf_Error *e)
{
    if (*e)
        dwarf_dealloc_error(dbg, *e);
    *e = NULL;
}

/* Name and type of a variable entry, from its abstract origin when it has one (inlined calls). */
static int name_type(const hs_dwarf *d, Dwarf_Debug dbg, Dwarf_Die die, hs_dwarf_var *v)
{
    uint64_t origin, type;
    Dwarf_Die src = die, od = NULL;
    Dwarf_Error e = NULL;
    if (hs_dwarf_attr_ref(d, die, DW_AT_abstract_origin, &origin) == 0 &&
        dwarf_offdie_b(dbg, origin, 1, &od, &e) == DW_DLV_OK)
        src = od;
    drop_err(dbg, &e);
    char *name = NULL;
    if (dwarf_diename(src, &name, &e) != DW_DLV_OK)
        name = NULL;
    drop_err(dbg, &e);
    int ok = hs_dwarf_attr_ref(d, src, DW_AT_type, &type) == 0;
    v->name = name ? name : "?";
    v->type = ok ? type : 0;
    if (od)
        dwarf_dealloc_die(od);
    return ok ? 0 : -1;
}

/* Decodes one location expression into pieces; 0 when at least one piece lies in the frame. */
static int decode_expr(Dwarf_Debug dbg, Dwarf_Locdesc_c desc, Dwarf_Unsigned nops, hs_dwarf_var *v)
{
    Dwarf_Error e = NULL;
    hs_dwarf_piece cur = {0, 0, 0};
    int any = 0;
    v->npieces = 0;
    for (Dwarf_Unsigned j = 0; j < nops && j < MAX_OPS; j++) {
        Dwarf_Small op = 0;
        Dwarf_Unsigned op1 = 0, op2 = 0, op3 = 0, br = 0;
        if (dwarf_get_location_op_value_c(desc, j, &op, &op1, &op2, &op3, &br, &e) != DW_DLV_OK) {
            drop_err(dbg, &e);
            return -1;
        }
        if (op == DW_OP_call_frame_cfa) {
            cur = (hs_dwarf_piece){0, 0, 1};
        } else if (op == DW_OP_fbreg) {
            cur = (hs_dwarf_piece){(int64_t)op1, 0, 1};
        } else if (op == DW_OP_plus_uconst && cur.in_frame) {
            cur.cfa_off += (int64_t)op1;
        } else if (op == DW_OP_consts && cur.in_frame && j + 1 < nops) {
            cur.cfa_off += (int64_t)op1; /* Go writes "cfa; consts N; plus" */
            j++;
        } else if (op == DW_OP_piece) {
            if (v->npieces == HS_DWARF_MAX_PIECES)
                return -1;
            cur.size = (uint32_t)op1;
            any |= cur.in_frame;
            v->pieces[v->npieces++] = cur;
            cur = (hs_dwarf_piece){0, 0, 0};
        } else {
            cur.in_frame = 0; /* a register, a constant, or something computed */
        }
    }
    if (v->npieces == 0) {
        v->pieces[v->npieces++] = cur;
        any = cur.in_frame;
    }
    return any ? 0 : -1;
}

/* The location of a variable at w->pc; 0 when it lies (partly) in the frame. */
static int location_at(walk *w, Dwarf_Die die, hs_dwarf_var *v)
{
    Dwarf_Error e = NULL;
    Dwarf_Attribute a = NULL;
    Dwarf_Loc_Head_c head = NULL;
    Dwarf_Unsigned count = 0;
    int ok = -1;
    if (dwarf_attr(die, DW_AT_location, &a, &e) != DW_DLV_OK)
        goto out;
    if (dwarf_get_loclist_c(a, &head, &count, &e) != DW_DLV_OK)
        goto out;
    for (Dwarf_Unsigned i = 0; i < count && ok < 0; i++) {
        Dwarf_Small lle = 0, source = 0;
        Dwarf_Unsigned rawlo = 0, rawhi = 0, nops = 0, exproff = 0, descoff = 0;
        Dwarf_Bool unavailable = 0;
        Dwarf_Addr lo = 0, hi = 0;
        Dwarf_Locdesc_c desc = NULL;
        if (dwarf_get_locdesc_entry_d(head, i, &lle, &rawlo, &rawhi, &unavailable, &lo, &hi, &nops,
                                      &desc, &source, &exproff, &descoff, &e) != DW_DLV_OK) {
            drop_err(w->dbg, &e);
            break;
        }
        if (nops == 0 || unavailable || (source != 0 && (w->pc < lo || w->pc >= hi)))
            continue;
        ok = decode_expr(w->dbg, desc, nops, v);
    }
out:
    if (head)
        dwarf_loc_head_c_dealloc(head);
    if (a)
        dwarf_dealloc_attribute(a);
    drop_err(w->dbg, &e);
    return ok;
}

static void one_var(walk *w, Dwarf_Die die, Dwarf_Half tag)
{
    hs_dwarf_var v;
    memset(&v, 0, sizeof v);
    v.closure_off = -1;
    if ((w->mode == WALK_PARAMS && tag != DW_TAG_formal_parameter) || name_type(w->d, w->dbg, die, &v) < 0)
        return;
    if (w->mode == WALK_PARAMS) {
        /* its type is all a caller wants */
    } else if (w->mode == WALK_CLOSURE) {
        int64_t off;
        if (hs_dwarf_attr_int(w->d, die, DW_AT_GO_CLOSURE_OFFSET, &off) < 0 || off < 0)
            return;
        v.closure_off = off;
    } else if (location_at(w, die, &v) < 0) {
        return;
    }
    w->n++;
    w->stop = w->fn(w->ctx, &v) != 0;
}

static void children(walk *w, Dwarf_Die parent, int depth)
{
    Dwarf_Die child = NULL;
    Dwarf_Error e = NULL;
    if (depth > MAX_DEPTH || dwarf_child(parent, &child, &e) != DW_DLV_OK) {
        drop_err(w->dbg, &e);
        return;
    }
    for (unsigned i = 0; child && i < MAX_CHILDREN && !w->stop; i++) {
        Dwarf_Half tag = 0;
        if (dwarf_tag(child, &tag, &e) == DW_DLV_OK) {
            if (tag == DW_TAG_variable || tag == DW_TAG_formal_parameter)
                one_var(w, child, tag);
            else if (w->mode != WALK_PARAMS &&
                     (tag == DW_TAG_lexical_block || tag == DW_TAG_inlined_subroutine))
                children(w, child, depth + 1);
        }
        drop_err(w->dbg, &e);
        Dwarf_Die next = NULL;
        int r = dwarf_siblingof_b(w->dbg, child, 1, &next, &e);
        dwarf_dealloc_die(child);
        drop_err(w->dbg, &e);
        child = r == DW_DLV_OK ? next : NULL;
    }
    if (child)
        dwarf_dealloc_die(child);
}

static long walk_function(hs_dwarf *d, const char *func, walk *w)
{
    uint64_t off;
    Dwarf_Die die = NULL;
    Dwarf_Error e = NULL;
    if (!d || hs_dwarf_subprogram(d, func, &off) < 0)
        return -1;
    w->d = d;
    w->dbg = hs_dwarf_debug(d);
    if (dwarf_offdie_b(w->dbg, off, 1, &die, &e) != DW_DLV_OK) {
        drop_err(w->dbg, &e);
        return -1;
    }
    children(w, die, 0);
    dwarf_dealloc_die(die);
    return w->n;
}

long hs_dwarf_frame_vars(hs_dwarf *d, const char *func, uint64_t pc, hs_dwarf_var_fn fn, void *ctx)
{
    walk w = {NULL, NULL, pc, WALK_FRAME, fn, ctx, 0, 0};
    return walk_function(d, func, &w);
}

long hs_dwarf_closure_vars(hs_dwarf *d, const char *func, hs_dwarf_var_fn fn, void *ctx)
{
    walk w = {NULL, NULL, 0, WALK_CLOSURE, fn, ctx, 0, 0};
    return walk_function(d, func, &w);
}

long hs_dwarf_params(hs_dwarf *d, const char *func, hs_dwarf_var_fn fn, void *ctx)
{
    walk w = {NULL, NULL, 0, WALK_PARAMS, fn, ctx, 0, 0};
    return walk_function(d, func, &w);
}
