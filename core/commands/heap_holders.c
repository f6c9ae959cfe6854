/* heap_holders.c - Go's roots named, and the holders' structures built (see heap_holders.h). */
#include "heap_holders.h"

#include "../glibc/glibc_graph.h"
#include "../image/dwarf_frame.h"
#include "stack_frames.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int poll_target(void *ctx) { return hs_interrupted(ctx); }

static const char *name_of(const heap_holders *hh, uint32_t id)
{
    return hs_strtab_str(hs_graph_names(hh->g), id);
}

static const char *kind_name(const hs_root *r)
{
    switch (r->kind) {
    case HS_ROOT_GLOBAL: return "global";
    case HS_ROOT_FRAME:
    case HS_ROOT_REGISTERS: return r->group ? "goroutine" : "runtime";
    case HS_ROOT_FINALIZER: return "finalizer";
    default: return "runtime";
    }
}

int heap_holders_place(const go_rt *rt, uint64_t addr, char *buf, size_t cap)
{
    uint64_t link = addr - rt->bias;
    if (link < rt->md.noptrdata || link >= rt->md.enoptrbss)
        return 0;
    int bss = link >= rt->md.bss;
    snprintf(buf, cap, ".%s+0x%llx", bss ? "bss" : "data",
             (unsigned long long)(link - (bss ? rt->md.bss : rt->md.data)));
    return 1;
}

/* A global with no symbol (a stripped binary): its place in data or bss, and what it points to. */
static void section_label(const heap_holders *hh, const hs_root *r, uint32_t tag, hs_oid first,
                          char *buf, size_t cap)
{
    if (!heap_holders_place(hh->a->rt, r->addr + (tag == UINT32_MAX ? 0 : tag), buf, cap))
        snprintf(buf, cap, "%s", name_of(hh, r->name)); /* a root outside the module: its name */
    if (first != HS_NO_OBJ && hs_graph_type(hh->a->hg.g, first)) { /* typed: what it points to */
        size_t len = strlen(buf);
        snprintf(buf + len, len < cap ? cap - len : 0, " (*%s)",
                 name_of(hh, hs_graph_type(hh->a->hg.g, first)));
    }
}

typedef struct var_search {
    uint64_t cfa, slot;
    const char *found;
} var_search;

static int var_holds(void *ctx, const hs_dwarf_var *v)
{
    var_search *vs = ctx;
    for (uint32_t i = 0; i < v->npieces && !vs->found; i++) {
        const hs_dwarf_piece *p = &v->pieces[i];
        uint64_t at = vs->cfa + (uint64_t)p->cfa_off, size = p->size ? p->size : 8;
        if (p->in_frame && vs->slot >= at && vs->slot - at < size)
            vs->found = v->name;
    }
    return vs->found != NULL;
}

/* The local variable (DWARF) of frame root r whose stack slot the edge with tag is, or NULL. */
static const char *frame_variable(const heap_holders *hh, uint32_t r, uint32_t tag)
{
    const go_heapgraph *hg = &hh->a->hg;
    const go_rt *rt = hh->a->rt;
    size_t lo = 0, hi = hg->nframes;
    while (lo < hi) { /* frames are kept in root order */
        size_t mid = (lo + hi) / 2;
        if (hg->frames[mid].root < r)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (!rt->dwarf || lo == hg->nframes || hg->frames[lo].root != r || tag == UINT32_MAX)
        return NULL;
    const go_root_frame *f = &hg->frames[lo];
    go_func fn;
    const char *name = go_pcln_find(rt->pcln, f->pc, &fn) == 0 ? go_pcln_name(rt->pcln, &fn) : NULL;
    var_search vs = {f->fp, hs_graph_root(hg->g, r)->addr + tag, NULL};
    if (name)
        hs_dwarf_frame_vars(rt->dwarf, name, f->pc, var_holds, &vs);
    if (!vs.found)
        return NULL;
    /* the compiler names the parts of a value it keeps apart "s.ptr", "s.len", "e.data", ... */
    static const char *const parts[] = {".ptr", ".len", ".cap", ".data", ".itab", ".type", ".real", ".imag"};
    char copy[256];
    snprintf(copy, sizeof copy, "%s", vs.found);
    size_t len = strlen(copy);
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        size_t pl = strlen(parts[i]);
        if (len > pl && !strcmp(copy + len - pl, parts[i]))
            copy[len - pl] = 0;
    }
    uint32_t id = hs_strtab_intern(hs_graph_names(hg->g), copy);
    return id == UINT32_MAX ? NULL : hs_strtab_str(hs_graph_names(hg->g), id);
}

/* A C program's root: a global, or a thread (a stack word by the frame holding it, when known). */
static void native_describe(const heap_holders *hh, uint32_t ri, uint32_t tag, hs_path_root *out, char *buf,
                            size_t cap)
{
    const hs_root *r = hs_graph_root(hh->g, ri);
    out->kind = r->kind == HS_ROOT_GLOBAL ? "global" : "thread";
    out->thread = r->kind == HS_ROOT_GLOBAL ? 0 : r->aux;
    const stack_frame *f = r->kind == HS_ROOT_FRAME && tag != UINT32_MAX && r->group
                           ? stack_frames_find(hh->frames, r->group - 1, r->addr + tag) : NULL;
    if (!f) {
        glibc_root_label(hh->g, hh->arch, ri, tag, buf, cap);
        return;
    }
    out->frame = f->number;
    out->function = f->function;
    out->file = f->line ? f->file : NULL;
    out->line = f->line;
    int len = snprintf(buf, cap, "thread %llu ", (unsigned long long)r->aux);
    if (len > 0 && (size_t)len < cap)
        stack_frame_label(f, buf + len, cap - (size_t)len);
}

void heap_holders_describe(const heap_holders *hh, uint32_t ri, uint32_t tag, hs_oid first,
                           hs_path_root *out, char *buf, size_t cap)
{
    const hs_graph *g = hh->g;
    const hs_root *r = hs_graph_root(g, ri);
    const char *name = name_of(hh, r->name);
    memset(out, 0, sizeof *out);
    out->kind = kind_name(r);
    out->name = buf;
    if (hh->native) { /* a C program's: globals, and threads (stack and registers) */
        native_describe(hh, ri, tag, out, buf, cap);
        return;
    }
    if (r->kind == HS_ROOT_GLOBAL && (!strcmp(name, "data") || !strcmp(name, "bss")))
        section_label(hh, r, tag, first, buf, cap);
    else if (!strcmp(out->kind, "goroutine")) {
        out->goroutine = r->group < hh->a->hg.ngroups ? hh->a->hg.group_goid[r->group] : 0;
        out->function = name;
        out->variable = frame_variable(hh, ri, tag);
        snprintf(buf, cap, "goroutine %llu %s%s%s", (unsigned long long)out->goroutine, name,
                 out->variable ? ": " : "", out->variable ? out->variable : "");
    } else if (r->kind == HS_ROOT_FINALIZER && !strcmp(name, "(finalizer)")) {
        /* the object the finalizer is set on, by the type the finalizer records (*T), else its own */
        const go_type *ot = hh->ts && r->aux ? go_types_get(hh->ts, r->aux) : NULL;
        const go_type *t = ot && ot->kind == GO_KIND_PTR ? go_types_get(hh->ts, ot->elem) : NULL;
        hs_oid o = hs_graph_find(g, r->addr);
        snprintf(buf, cap, "finalizer of %s", t && t->name ? t->name
                 : o == HS_NO_OBJ ? "?" : name_of(hh, hs_graph_name(g, o)));
    } else
        snprintf(buf, cap, "%s", name);
}

uint32_t heap_holders_unit_root(const heap_holders *hh, uint32_t u)
{
    const hs_graph *g = hh->g;
    uint32_t first = hh->units.first[u];
    const hs_root *r0 = hs_graph_root(g, first);
    if (!r0->group)
        return first;
    for (uint32_t r = first; r < hs_graph_nroots(g); r++) { /* a goroutine's roots are in a row */
        const hs_root *x = hs_graph_root(g, r);
        if (x->group != r0->group)
            break;
        if (x->kind == HS_ROOT_FRAME && strncmp(name_of(hh, x->name), "runtime.", 8) != 0)
            return r;
    }
    return first;
}

/* ---- chain names ---- */

uint32_t heap_holders_label(void *ctx, uint32_t root, uint32_t tag, hs_oid first)
{
    const heap_holders *hh = ctx;
    char buf[512];
    hs_path_root d;
    heap_holders_describe(hh, root, tag, first, &d, buf, sizeof buf);
    uint32_t id = hs_strtab_intern(hs_graph_names(hh->g), buf);
    return id == UINT32_MAX ? 0 : id;
}

/* Map internals are one step, named as the map's type: "[]map.bucket[string]*T" (hmap
 * buckets) and "map.group[string]*T" (swiss groups) become "map[string]*T"; the map header,
 * its overflow lists and swiss tables are no step of their own. */
static uint32_t step_for(heap_holders *hh, const char *n)
{
    static const char *const skip[] = {"runtime.hmap", "runtime.mapextra", "[]*runtime.bmap",
                                       "internal/runtime/maps.Map", "internal/runtime/maps.table",
                                       "[]*internal/runtime/maps.table"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(n, skip[i]))
            return 0;
    const char *p = !strncmp(n, "[]", 2) ? n + 2 : n;
    const char *rest = !strncmp(p, "map.bucket[", 11) ? p + 10 : !strncmp(p, "map.group[", 10) ? p + 9 : NULL;
    if (!rest)
        return hs_strtab_intern(hs_graph_names(hh->a->hg.g), n);
    char buf[1024];
    snprintf(buf, sizeof buf, "map%s", rest);
    uint32_t id = hs_strtab_intern(hs_graph_names(hh->a->hg.g), buf);
    return id == UINT32_MAX ? 0 : id;
}

static uint32_t type_step(heap_holders *hh, uint32_t name)
{
    if (name >= hh->nstep) {
        uint32_t n = hs_strtab_count(hs_graph_names(hh->a->hg.g)) + 1024;
        uint32_t *v = realloc(hh->step_of, (size_t)n * sizeof *v);
        if (!v)
            return name;
        memset(v + hh->nstep, 0xff, (size_t)(n - hh->nstep) * sizeof *v);
        hh->step_of = v;
        hh->nstep = n;
    }
    if (name < hh->nstep && hh->step_of[name] == UINT32_MAX) {
        char copy[1024]; /* interning may move the table the name lives in */
        snprintf(copy, sizeof copy, "%s", name_of(hh, name));
        hh->step_of[name] = step_for(hh, copy);
    }
    return name < hh->nstep ? hh->step_of[name] : name;
}

/* "main.Server.Reg": the field (through nested structs) at byte off of a struct type's value,
 * not going inside a field whose type's name starts with stop (when not NULL); returns the
 * field's offset. */
static uint64_t field_path(const heap_holders *hh, const go_type *t, uint64_t off, const char *stop,
                           char *buf, size_t cap)
{
    size_t len = strlen(buf);
    uint64_t at = 0;
    for (int depth = 0; t && t->kind == GO_KIND_STRUCT && depth < 8; depth++) {
        const go_type *in = NULL;
        for (uint32_t i = 0; i < t->nfields && !in; i++) {
            const go_field *f = &t->fields[i];
            const go_type *ft = go_types_get(hh->ts, f->type);
            if (ft && off >= f->offset && off - f->offset < ft->size && f->name) {
                len += (size_t)snprintf(buf + len, len < cap ? cap - len : 0, ".%s", f->name);
                off -= f->offset;
                at += f->offset;
                in = ft;
            }
        }
        t = in && !(stop && in->name && !strncmp(in->name, stop, strlen(stop))) ? in : NULL;
    }
    return at;
}

/* The malloc header before an object's value (1.22+ spans that have one): 8, else 0. */
static uint64_t header_of(const heap_holders *hh, hs_oid o)
{
    size_t blk = hs_graph_block_at(hh->a->hg.g, hs_graph_addr(hh->a->hg.g, o)); /* a block per span */
    return blk < go_heap_nspans(hh->a->h) && go_heap_span(hh->a->h, blk)->header ? 8 : 0;
}

uint64_t heap_holders_field_at(const heap_holders *hh, hs_oid o, uint64_t addr, const char *stop,
                               char *buf, size_t cap)
{
    const go_heapgraph *hg = &hh->a->hg;
    uint32_t name = hs_graph_name(hg->g, o);
    uint64_t start = hs_graph_addr(hg->g, o) + header_of(hh, o);
    snprintf(buf, cap, "%s", name_of(hh, name));
    const go_type *t = hh->ts && name < hg->nname_type && hg->name_type[name]
                       ? go_types_get(hh->ts, hg->name_type[name]) : NULL;
    if (addr < start || !t || t->kind != GO_KIND_STRUCT || (t->name && stop && !strncmp(t->name, stop, strlen(stop))))
        return addr < start ? addr : start;
    return start + field_path(hh, t, addr - start, stop, buf, cap);
}

/* The step an object makes: its type's name, with the field its pointer is in for a struct. */
static uint32_t step(void *ctx, hs_oid obj, uint32_t name, uint32_t tag)
{
    heap_holders *hh = ctx;
    const go_heapgraph *hg = &hh->a->hg;
    uint32_t base = type_step(hh, name);
    if (base != name || tag == UINT32_MAX || !hh->ts || name >= hg->nname_type || !hg->name_type[name])
        return base; /* renamed (a map's buckets are the map) or left out, or nothing to say */
    if (!hh->is_struct[name]) { /* 1 struct, 2 not: asked once per name */
        const go_type *t = go_types_get(hh->ts, hg->name_type[name]);
        hh->is_struct[name] = t && t->kind == GO_KIND_STRUCT ? 1 : 2;
    }
    if (hh->is_struct[name] != 1)
        return base;
    uint64_t hdr = header_of(hh, obj);
    uint64_t off = tag >= hdr ? tag - hdr : 0;
    step_memo *m = &hh->memo[(name * 31u + (uint32_t)off) % HOLD_MEMO];
    if (m->name == name && m->off == off && m->id)
        return m->id;
    const go_type *t = go_types_get(hh->ts, hg->name_type[name]);
    if (!t || t->kind != GO_KIND_STRUCT)
        return base;
    char buf[512];
    snprintf(buf, sizeof buf, "%s", name_of(hh, base));
    field_path(hh, t, off, NULL, buf, sizeof buf);
    uint32_t id = hs_strtab_intern(hs_graph_names(hg->g), buf);
    if (id == UINT32_MAX)
        return base;
    *m = (step_memo){name, (uint32_t)off, id};
    return id;
}

/* ---- building ---- */

/* The units and live bits the path forest starts from and walks through, narrowed by scope:
 * roots of the groups it skips left out, objects with its flags taking no part. */
static int scoped(const heap_holders *hh, const hold_scope *sc, uint32_t **unit_of, uint8_t **live,
                  hs_err *err)
{
    const hs_graph *g = hh->a->hg.g;
    uint32_t nroots = hs_graph_nroots(g), nslots = hs_graph_nslots(g);
    *unit_of = malloc(((size_t)nroots + 1) * sizeof **unit_of);
    *live = malloc((size_t)nslots / 8 + 1);
    if (!*unit_of || !*live)
        return hs_errf(err, "out of memory for reference paths");
    memcpy(*live, hs_mark_bits(hh->a->hg.live), (size_t)nslots / 8 + (nslots % 8 != 0));
    for (uint32_t r = 0; r < nroots; r++) {
        uint32_t grp = hs_graph_root(g, r)->group;
        int skip = sc->skip_group && grp && grp < hh->a->hg.ngroups && sc->skip_group[grp];
        (*unit_of)[r] = skip ? UINT32_MAX : hh->units.unit_of[r];
    }
    const uint8_t *flags = hs_graph_flags((hs_graph *)g);
    for (uint32_t o = 0; sc->skip_flags && flags && o < nslots; o++)
        if (flags[o] & sc->skip_flags)
            (*live)[o / 8] &= (uint8_t)~(1u << (o % 8));
    return 0;
}

int heap_holders_open(heap_holders *hh, heap_analysis *a, int what, hs_err *err)
{
    return heap_holders_open_scoped(hh, a, what, NULL, err);
}

int heap_holders_open_scoped(heap_holders *hh, heap_analysis *a, int what, const hold_scope *sc,
                             hs_err *err)
{
    memset(hh, 0, sizeof *hh);
    hh->a = a;
    hh->g = a->hg.g;
    hh->version = a->rt->ver.full;
    if (!a->have_graph)
        return hs_errf(err, "who holds what needs the mark of every root, which could not run: %s",
                       a->graph_error ? a->graph_error : "unknown reason");
    size_t nsyms = 0;
    hs_image_symbols(a->rt->exe, &nsyms);
    /* steps are named by type, and so are globals no symbol names (then all of them) */
    int lazy = sc && sc->need_types; /* types only once the paths show they name something */
    if (!lazy && ((what & HOLD_PATHS) || nsyms == 0) && heap_analysis_types(a, err) < 0)
        return -1;
    if (hs_units_build(a->hg.g, &hh->units, err) < 0)
        return -1;
    hs_err terr;
    if (go_types_open(&hh->ts, a->rt, &terr) < 0)
        hh->ts = NULL; /* finalizers are then named by their object's type alone, steps too */
    hh->memo = calloc(HOLD_MEMO, sizeof *hh->memo);
    if (!hh->memo) {
        heap_holders_close(hh);
        return hs_errf(err, "out of memory for reference paths");
    }
    const uint8_t *live = hs_mark_bits(a->hg.live);
    hs_target *t = a->rt->t;
    uint32_t *unit_of = NULL;
    uint8_t *narrow = NULL;
    int r = sc ? scoped(hh, sc, &unit_of, &narrow, err) : 0;
    if (r == 0 && (what & HOLD_PATHS)) {
        hs_chain_namer nm = {heap_holders_label, step, hh};
        r = hs_paths_build(&hh->paths, a->hg.g, narrow ? narrow : live,
                           unit_of ? unit_of : hh->units.unit_of, hh->units.n, poll_target, t,
                           t->progress, err);
        if (r == 0 && lazy && sc->need_types(sc->ctx, hh))
            r = heap_analysis_types(a, err);
        if (r == 0 && !(hh->is_struct = calloc((size_t)a->hg.nname_type + 1, 1))) /* once typed */
            r = hs_errf(err, "out of memory for reference paths");
        if (r == 0)
            r = hs_chains_build(&hh->chains, a->hg.g, hh->paths, &hh->units, &nm, err);
    }
    if (r == 0 && (what & HOLD_DOMINATORS))
        r = hs_dom_build(&hh->dom, a->hg.g, narrow ? narrow : live,
                         unit_of ? unit_of : hh->units.unit_of, hh->units.n, poll_target, t,
                         t->progress, err);
    free(unit_of);
    free(narrow);
    if (r < 0)
        heap_holders_close(hh);
    return r;
}

void heap_holders_close(heap_holders *hh)
{
    hs_chains_free(hh->chains);
    hs_paths_free(hh->paths);
    hs_dom_free(hh->dom);
    stack_frames_close(hh->frames);
    hs_units_free(&hh->units);
    go_types_close(hh->ts);
    free(hh->step_of);
    free(hh->memo);
    free(hh->is_struct);
    memset(hh, 0, sizeof *hh);
}
