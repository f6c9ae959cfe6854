/* go_typeinfer_frames.c - typed roots beyond global variables:
 *   - goroutine stack frames: the DWARF variables of the frame's function at its PC (stack
 *     slots relative to the CFA), followed only through words the frame's stack maps say are
 *     live pointers, so a dead slot holding a stale pointer types nothing;
 *   - finalizers: the object a finalizer is set on has the type the finalizer records (its
 *     ot, a pointer type);
 *   - closures: the captured variables DWARF lists with their offset in the closure (1.23+). */
#include <stdlib.h>
#include <string.h>

#include "../image/dwarf_frame.h"
#include "../image/go_window.h"
#include "go_typeinfer_priv.h"

#define MAX_VARS 4096

typedef struct ti_pcvars { /* a function's variables at one PC */
    UT_hash_handle hh;
    uint64_t pc;
    hs_dwarf_var *v;
    size_t n;
} ti_pcvars;

typedef struct ti_cvars { /* a closure function's captured variables */
    UT_hash_handle hh;
    uint64_t entry;
    hs_dwarf_var *v;
    size_t n;
} ti_cvars;

typedef struct collect {
    hs_dwarf_var *v;
    size_t n, cap;
} collect;

static int collect_var(void *ctx, const hs_dwarf_var *v)
{
    collect *c = ctx;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        hs_dwarf_var *p = cap <= MAX_VARS ? realloc(c->v, cap * sizeof *p) : NULL;
        if (!p)
            return 1;
        c->v = p;
        c->cap = cap;
    }
    c->v[c->n++] = *v;
    return 0;
}

static const char *func_name(ti *t, uint64_t lpc)
{
    go_func f;
    return go_pcln_find(t->rt->pcln, lpc, &f) == 0 ? go_pcln_name(t->rt->pcln, &f) : NULL;
}

static const ti_pcvars *vars_at(ti *t, uint64_t lpc)
{
    ti_pcvars *e = NULL;
    HASH_FIND(hh, t->pcvars, &lpc, sizeof lpc, e);
    if (e)
        return e;
    if (!(e = calloc(1, sizeof *e)))
        return NULL;
    e->pc = lpc;
    const char *name = func_name(t, lpc);
    collect c = {0};
    if (name && t->rt->dwarf)
        hs_dwarf_frame_vars(t->rt->dwarf, name, lpc, collect_var, &c);
    e->v = c.v;
    e->n = c.n;
    HASH_ADD(hh, t->pcvars, pc, sizeof e->pc, e);
    return e;
}

/* Where word `o` (a byte offset) of the variable lies, when in the frame. */
static int var_word(const hs_dwarf_var *v, uint64_t cfa, uint64_t o, uint64_t *addr)
{
    uint64_t start = 0;
    for (uint32_t i = 0; i < v->npieces; i++) {
        const hs_dwarf_piece *p = &v->pieces[i];
        uint64_t size = v->npieces == 1 ? UINT64_MAX : p->size;
        if (o >= start && o - start + 8 <= size) {
            if (!p->in_frame)
                return -1;
            *addr = cfa + (uint64_t)p->cfa_off + (o - start);
            return 0;
        }
        start += p->size;
    }
    return -1;
}

/* The index of addr among the frame's live pointer slots, or -1. */
static long live_slot(const uint64_t *slots, uint32_t n, uint64_t addr)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (slots[mid] < addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && slots[lo] == addr ? (long)lo : -1;
}

/* One plan entry of a frame variable: its words read from the frame when the pointer word is
 * live. */
static void frame_entry(ti *t, const go_root_frame *f, const hs_dwarf_var *v, uint64_t base,
                        const go_scan_entry *e)
{
    int words = e->kind == GO_SCAN_EFACE || e->kind == GO_SCAN_IFACE || e->kind == GO_SCAN_STRING ? 2 : 1;
    int ptr_word = e->kind == GO_SCAN_EFACE || e->kind == GO_SCAN_IFACE ? 1 : 0;
    uint8_t w[24] = {0};
    uint64_t a0 = 0;
    if (e->kind == GO_SCAN_ARRAY)
        return;
    for (int k = 0; k < words; k++) {
        uint64_t a, val;
        if (var_word(v, f->fp, base + e->offset + 8 * (uint64_t)k, &a) < 0)
            return;
        long slot = live_slot(t->hg->live_slots + f->live0, f->nlive, a);
        if (k == ptr_word && slot < 0)
            return; /* a dead slot: whatever it holds may be stale */
        if (slot >= 0) /* read when the stack was scanned */
            val = t->hg->live_vals[f->live0 + (uint32_t)slot];
        else if (hs_read_u64(t->rt->t, a, &val, NULL) < 0)
            return;
        memcpy(w + 8 * k, &val, 8);
        if (k == 0)
            a0 = a;
    }
    uint64_t p = go_le64(w);
    if (p >= f->lo && p < f->hi && e->type && e->type->size &&
        (e->kind == GO_SCAN_PTR || e->kind == GO_SCAN_SLICE)) {
        /* a stack object (an address-taken local, a slice's stack backing store) */
        uint64_t n = 1, a;
        if (e->kind == GO_SCAN_SLICE && (var_word(v, f->fp, base + e->offset + 16, &a) < 0 ||
                                         hs_read_u64(t->rt->t, a, &n, NULL) < 0))
            return;
        if (n > (f->hi - p) / e->type->size)
            n = (f->hi - p) / e->type->size;
        ti_push(t, p, go_scanplan_get(t->plans, e->type->addr), n);
        return;
    }
    ti_apply(t, e, w, a0);
}

/* Generic code's shape types (go.shape.*uint8) stand for many types: they type nothing. */
static int shape(const go_type *type)
{
    return !type || (type->name && strstr(type->name, "go.shape."));
}

static void frame_var(ti *t, const go_root_frame *f, const hs_dwarf_var *v)
{
    const go_type *type = go_synth_dwarf(t->synth, v->type);
    const go_scanplan *plan = !shape(type) ? go_scanplan_get(t->plans, type->addr) : NULL;
    for (uint32_t i = 0; plan && i < plan->n; i++)
        frame_entry(t, f, v, 0, &plan->e[i]);
}

int ti_from_frames(ti *t, uint8_t *buf, hs_err *err)
{
    const go_heapgraph *hg = t->hg;
    for (size_t i = 0; i < hg->nframes; i++) {
        const go_root_frame *f = &hg->frames[i];
        if (f->nlive == 0)
            continue;
        const ti_pcvars *pv = vars_at(t, f->pc);
        for (size_t k = 0; pv && k < pv->n; k++)
            frame_var(t, f, &pv->v[k]);
        if ((i & 255) == 0 && hs_interrupted(t->rt->t))
            return hs_errf(err, "interrupted");
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    return 0;
}

static uint64_t word(ti *t, uint64_t a)
{
    uint64_t v = 0;
    return hs_read_u64(t->rt->t, a, &v, NULL) == 0 ? v : 0;
}

static int first_param(void *ctx, const hs_dwarf_var *v)
{
    *(uint64_t *)ctx = v->type;
    return 1;
}

/* A cleanup's argument has the type of its function's parameter (AddCleanup[T, S](ptr *T,
 * cleanup func(S), arg S): S a pointer type). The argument is the word arg, or (cell != 0)
 * the variable at cell that holds it, an escaped copy of type S itself. */
static void cleanup_arg(ti *t, uint64_t fnval, uint64_t arg, uint64_t cell)
{
    const char *name = fnval ? func_name(t, go_rt_linkpc(t->rt, word(t, fnval))) : NULL;
    uint64_t ptype = 0;
    if (!name || hs_dwarf_params(t->rt->dwarf, name, first_param, &ptype) <= 0)
        return;
    const go_type *pt = go_synth_dwarf(t->synth, ptype);
    if (shape(pt) || pt->kind != GO_KIND_PTR)
        return;
    if (cell)
        ti_target(t, cell, pt);
    else
        ti_target(t, arg, go_synth_get(t->synth, pt->elem));
}

static int named(void *ctx, const hs_dwarf_var *v)
{
    /* [0]: "cleanup" or "&cleanup" (then [3] = 1), [1]: "arg" or "&arg" (then [2] = 1): a
     * variable captured by reference is a pointer to where it lives */
    int64_t *offs = ctx;
    if (strcmp(v->name, "cleanup") == 0 || strcmp(v->name, "&cleanup") == 0) {
        offs[0] = v->closure_off;
        offs[3] = v->name[0] == '&';
    } else if (strcmp(v->name, "arg") == 0 || strcmp(v->name, "&arg") == 0) {
        offs[1] = v->closure_off;
        offs[2] = v->name[0] == '&';
    }
    return 0;
}

/* A cleanup root: 1.26 keeps {call, fn, arg} in the special; 1.24-1.25 keep the closure
 * AddCleanup made, which captured `cleanup` and `arg`. */
static void cleanup_root(ti *t, const hs_root *root)
{
    if (!t->rt->dwarf)
        return;
    if (t->rt->ver.minor >= 26) {
        cleanup_arg(t, word(t, root->addr + 8), word(t, root->addr + 16), 0);
        return;
    }
    uint64_t closure = word(t, root->addr);
    int64_t offs[4] = {0, 0, 0, 0};
    const char *name = closure ? func_name(t, go_rt_linkpc(t->rt, word(t, closure))) : NULL;
    if (!name || hs_dwarf_closure_vars(t->rt->dwarf, name, named, offs) <= 0 || offs[0] <= 0 || offs[1] <= 0)
        return;
    uint64_t fnval = word(t, closure + (uint64_t)offs[0]), v = word(t, closure + (uint64_t)offs[1]);
    if (offs[3])
        fnval = word(t, fnval);
    cleanup_arg(t, fnval, offs[2] ? 0 : v, offs[2] ? v : 0);
}

int ti_from_finalizers(ti *t, uint8_t *buf, hs_err *err)
{
    hs_graph *g = t->g;
    uint32_t fin = hs_strtab_intern(hs_graph_names(g), "(finalizer)");
    uint32_t cln = hs_strtab_intern(hs_graph_names(g), "(cleanup)");
    for (uint32_t r = 0; r < hs_graph_nroots(g); r++) {
        const hs_root *root = hs_graph_root(g, r);
        if (root->kind != HS_ROOT_FINALIZER)
            continue;
        if (root->name == fin && root->aux) {
            const go_type *pt = go_types_get(t->ts, root->aux);
            if (pt && pt->kind == GO_KIND_PTR)
                ti_target(t, root->addr, go_types_get(t->ts, pt->elem));
        } else if (root->name == cln) {
            cleanup_root(t, root);
        }
        if (ti_drain(t, buf, err) < 0)
            return -1;
    }
    return 0;
}

void ti_closure_vars(ti *t, uint64_t closure, uint64_t fn)
{
    if (!t->rt->dwarf || t->rt->ver.minor < 23)
        return;
    uint64_t entry = go_rt_linkpc(t->rt, fn);
    ti_cvars *e = NULL;
    HASH_FIND(hh, t->cvars, &entry, sizeof entry, e);
    if (!e) {
        if (!(e = calloc(1, sizeof *e)))
            return;
        e->entry = entry;
        const char *name = func_name(t, entry);
        collect c = {0};
        if (name)
            hs_dwarf_closure_vars(t->rt->dwarf, name, collect_var, &c);
        e->v = c.v;
        e->n = c.n;
        HASH_ADD(hh, t->cvars, entry, sizeof e->entry, e);
    }
    for (size_t i = 0; i < e->n; i++) {
        const go_type *type = go_synth_dwarf(t->synth, e->v[i].type);
        if (!shape(type) && e->v[i].closure_off > 0)
            ti_push(t, closure + (uint64_t)e->v[i].closure_off, go_scanplan_get(t->plans, type->addr), 1);
    }
}

void ti_frames_free(ti *t)
{
    ti_pcvars *p, *ptmp;
    HASH_ITER(hh, t->pcvars, p, ptmp) {
        HASH_DEL(t->pcvars, p);
        free(p->v);
        free(p);
    }
    ti_cvars *c, *ctmp;
    HASH_ITER(hh, t->cvars, c, ctmp) {
        HASH_DEL(t->cvars, c);
        free(c->v);
        free(c);
    }
}
