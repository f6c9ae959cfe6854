/* go_dwarf_synth.c - Go types from DWARF where the runtime has no descriptor (see
 * go_dwarf_synth.h). */
#include "go_dwarf_synth.h"

#include <dwarf.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define MAX_DEPTH 16
#define MAX_MEMBERS 4096

typedef struct synth_node {
    UT_hash_handle hh;
    uint64_t off;     /* DWARF entry */
    go_type t;        /* t.addr = GO_SYNTH_BIT | off; kind 0 while being built or when empty */
    const go_type *real; /* the runtime's descriptor, when DWARF names one */
    go_field *fields;
    char *name;
} synth_node;

struct go_synth {
    go_rt *rt;
    go_types *ts;
    synth_node *nodes;
};

go_synth *go_synth_new(go_rt *rt, go_types *ts)
{
    go_synth *s = calloc(1, sizeof *s);
    if (s) {
        s->rt = rt;
        s->ts = ts;
    }
    return s;
}

void go_synth_free(go_synth *s)
{
    if (!s)
        return;
    synth_node *n, *tmp;
    HASH_ITER(hh, s->nodes, n, tmp) {
        HASH_DEL(s->nodes, n);
        free(n->fields);
        free(n->name);
        free(n);
    }
    free(s);
}

static const go_type *build(go_synth *s, uint64_t off, int depth);

static const go_type *result(const synth_node *n)
{
    return n->real ? n->real : n->t.kind && n->t.ptrdata ? &n->t : NULL;
}

static void set_name(synth_node *n, const hs_dwarf_type *dt, const char *fallback)
{
    n->name = strdup(dt->name ? dt->name : fallback);
    n->t.name = n->name ? n->name : "?";
}

/* Pointers, slices and arrays: one element type. */
static void build_elem(go_synth *s, synth_node *n, const hs_dwarf_type *dt, int depth)
{
    const go_type *el = dt->elem ? build(s, dt->elem, depth + 1) : NULL;
    if (dt->tag == DW_TAG_pointer_type || dt->go_kind == GO_KIND_PTR) {
        if (!el) /* pointee without descriptor and without pointers: nothing to type */
            return;
        n->t = (go_type){.kind = GO_KIND_PTR, .size = 8, .ptrdata = 8, .elem = el->addr};
    } else if (dt->go_kind == GO_KIND_SLICE) {
        if (!el)
            return;
        n->t = (go_type){.kind = GO_KIND_SLICE, .size = 24, .ptrdata = 8, .elem = el->addr};
    } else if (dt->tag == DW_TAG_array_type && el && el->ptrdata && dt->count) {
        n->t = (go_type){.kind = GO_KIND_ARRAY, .size = dt->count * el->size, .elem = el->addr,
                         .len = dt->count, .ptrdata = (dt->count - 1) * el->size + el->ptrdata};
    }
}

static void build_struct(go_synth *s, synth_node *n, const hs_dwarf_type *dt, int depth)
{
    hs_dwarf_member *m = malloc(MAX_MEMBERS * sizeof *m);
    long k = m ? hs_dwarf_members(s->rt->dwarf, dt->off, m, MAX_MEMBERS) : -1;
    n->fields = k > 0 ? calloc((size_t)k, sizeof *n->fields) : NULL;
    uint64_t ptrdata = 0;
    uint32_t nf = 0;
    for (long i = 0; n->fields && i < k; i++) {
        const go_type *ft = build(s, m[i].type, depth + 1);
        if (!ft || !ft->ptrdata)
            continue;
        n->fields[nf++] = (go_field){.name = m[i].name ? m[i].name : "", .offset = m[i].offset,
                                     .type = ft->addr};
        if (m[i].offset + ft->ptrdata > ptrdata)
            ptrdata = m[i].offset + ft->ptrdata;
    }
    free(m);
    if (nf)
        n->t = (go_type){.kind = GO_KIND_STRUCT, .size = dt->size, .ptrdata = ptrdata,
                         .fields = n->fields, .nfields = nf};
}

static void build_node(go_synth *s, synth_node *n, const hs_dwarf_type *dt, int depth)
{
    if (dt->has_rtype) {
        n->real = go_types_get(s->ts, go_types_from_dwarf(s->ts, dt->rtype));
        if (n->real)
            return;
    }
    switch (dt->go_kind) {
    case GO_KIND_STRING:
        n->t = (go_type){.kind = GO_KIND_STRING, .size = 16, .ptrdata = 8};
        break;
    case GO_KIND_INTERFACE:
        n->t = (go_type){.kind = GO_KIND_INTERFACE, .size = 16, .ptrdata = 16,
                         .empty_iface = dt->name && strcmp(dt->name, "interface {}") == 0};
        break;
    case GO_KIND_FUNC:
        n->t = (go_type){.kind = GO_KIND_FUNC, .size = 8, .ptrdata = 8};
        break;
    case GO_KIND_MAP: case GO_KIND_CHAN: /* need the runtime's descriptor for their layout */
        break;
    default:
        if (dt->tag == DW_TAG_structure_type)
            build_struct(s, n, dt, depth);
        else
            build_elem(s, n, dt, depth);
    }
    set_name(n, dt, "?");
}

static const go_type *build(go_synth *s, uint64_t off, int depth)
{
    synth_node *n = NULL;
    HASH_FIND(hh, s->nodes, &off, sizeof off, n);
    if (n)
        return result(n);
    hs_dwarf_type dt;
    if (depth > MAX_DEPTH || hs_dwarf_type_at(s->rt->dwarf, off, &dt) < 0)
        return NULL;
    if (dt.off != off) { /* a typedef: share the node of what it names */
        const go_type *t = build(s, dt.off, depth);
        return t;
    }
    n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->off = off;
    HASH_ADD(hh, s->nodes, off, sizeof n->off, n); /* added first: cycles end at it */
    build_node(s, n, &dt, depth);
    n->t.addr = GO_SYNTH_BIT | off;
    return result(n);
}

const go_type *go_synth_dwarf(go_synth *s, uint64_t off)
{
    return s->rt->dwarf ? build(s, off, 0) : NULL;
}

const go_type *go_synth_get(go_synth *s, uint64_t addr)
{
    if (!(addr & GO_SYNTH_BIT))
        return go_types_get(s->ts, addr);
    uint64_t off = addr & ~GO_SYNTH_BIT;
    synth_node *n = NULL;
    HASH_FIND(hh, s->nodes, &off, sizeof off, n);
    return n ? result(n) : NULL;
}
