/* go_types_roots.c - typed roots: the program's global variables whose type descriptor DWARF
 * names. The Go linker puts DW_AT_go_runtime_type on type entries (on the definition a named
 * type's typedef points to); its value is the descriptor's offset from runtime.types, the start
 * of the first module's type data (an R_ADDROFF relocation against the section holding the
 * descriptors, which runtime.types opens), in every release 1.19-1.27. So the run-time
 * descriptor is the in-memory moduledata.types plus that value, and the variable's run-time
 * address is its DW_OP_addr plus the load bias. (Exception: see root_type.) */
#include <stdlib.h>
#include <string.h>

#include "go_types_priv.h"

typedef struct roots_walk {
    go_types *ts;
    go_root *v;
    size_t n, cap;
    go_dwarf_global *u; /* untyped globals */
    size_t nu, capu;
    int oom;
} roots_walk;

static int add_untyped(roots_walk *w, const hs_dwarf_global *g)
{
    if (!g->type)
        return 0;
    if (w->nu == w->capu) {
        size_t cap = w->capu ? w->capu * 2 : 256;
        go_dwarf_global *v = realloc(w->u, cap * sizeof *v);
        if (!v)
            return -1;
        w->u = v;
        w->capu = cap;
    }
    const char *name = gt_strndup(w->ts, g->name, strlen(g->name));
    if (!name)
        return -1;
    w->u[w->nu++] = (go_dwarf_global){g->addr + w->ts->rt->bias, g->type, name};
    return 0;
}

static int add_root(roots_walk *w, const go_root *r)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        go_root *v = realloc(w->v, cap * sizeof *v);
        if (!v)
            return -1;
        w->v = v;
        w->cap = cap;
    }
    w->v[w->n++] = *r;
    return 0;
}

/* The run-time descriptor a global's attribute designates. Through 1.22 the linker gives the
 * built-in uintptr entry the attribute as an address (DW_CLS_ADDRESS) instead of an offset (and
 * unsafe.Pointer none at all); an address inside the link-time type data is taken as such. */
static int root_type(const go_types *ts, const hs_dwarf_global *g, uint64_t *type)
{
    const gt_module *m = &ts->mods[0];
    uint64_t len = m->etypes - m->types, link = ts->rt->md.types, v = g->rtype;
    if (ts->L.minor <= 22 && v >= link && v - link < len)
        v -= link;
    if (!g->has_rtype || v == 0 || v >= len)
        return -1;
    *type = m->types + v;
    return 0;
}

static int on_global(void *ctx, const hs_dwarf_global *g)
{
    roots_walk *w = ctx;
    go_types *ts = w->ts;
    go_roots_info *info = &ts->roots_info;
    uint64_t type;
    if (root_type(ts, g, &type) < 0) {
        info->untyped++;
        info->untyped_bytes += g->size;
        if (add_untyped(w, g) < 0) {
            w->oom = 1;
            return 1;
        }
        return 0;
    }
    go_root r = {g->addr + ts->rt->bias, type, gt_strndup(ts, g->name, strlen(g->name))};
    if (!r.name || add_root(w, &r) < 0) {
        w->oom = 1;
        return 1;
    }
    uint64_t size = g->size;
    if (!size && hs_read_u64(ts->t, type + (uint64_t)ts->L.size, &size, NULL) < 0)
        size = 0; /* DWARF gives no size for pointer-shaped types: the descriptor does */
    info->typed++;
    info->typed_bytes += size;
    return 0;
}

static int root_cmp(const void *a, const void *b)
{
    const go_root *x = a, *y = b;
    return x->addr < y->addr ? -1 : x->addr > y->addr;
}

int go_types_roots(go_types *ts, const go_root **roots, size_t *n, hs_err *err)
{
    if (!ts->roots_done) {
        roots_walk w = {ts, NULL, 0, 0, NULL, 0, 0, 0};
        memset(&ts->roots_info, 0, sizeof ts->roots_info);
        ts->roots_info.have_dwarf = ts->rt->dwarf != NULL;
        if (ts->rt->dwarf && (hs_dwarf_globals(ts->rt->dwarf, on_global, &w, err) < 0 || w.oom)) {
            free(w.v);
            free(w.u);
            memset(&ts->roots_info, 0, sizeof ts->roots_info);
            return w.oom ? hs_errf(err, "out of memory listing global variables") : -1;
        }
        if (w.n)
            qsort(w.v, w.n, sizeof *w.v, root_cmp);
        ts->roots = w.v;
        ts->nroots = w.n;
        ts->untyped = w.u;
        ts->nuntyped = w.nu;
        ts->roots_done = 1;
    }
    *roots = ts->roots;
    *n = ts->nroots;
    return 0;
}

void go_types_untyped_globals(const go_types *ts, const go_dwarf_global **out, size_t *n)
{
    *out = ts->untyped;
    *n = ts->nuntyped;
}

uint64_t go_types_from_dwarf(const go_types *ts, uint64_t rtype_attr)
{
    hs_dwarf_global g = {0};
    uint64_t type;
    g.has_rtype = 1;
    g.rtype = rtype_attr;
    return root_type(ts, &g, &type) == 0 ? type : 0;
}

const go_roots_info *go_types_roots_info(const go_types *ts)
{
    return &ts->roots_info;
}
