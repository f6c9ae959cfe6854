/* go_typeinfer_targets.c - following one typed word to the heap object it points to: the object
 * is typed (the first typed path to reach it wins), counted, and queued so its own pointers are
 * followed in turn. Maps, channels and closures are runtime structures with known layouts. */
#include <stdlib.h>
#include <string.h>

#include "go_typeinfer_priv.h"

#define MAX_STACK_ITEMS (256u << 20) /* a bound against corrupt metadata, never reached normally */

void ti_push(ti *t, uint64_t addr, const go_scanplan *plan, uint64_t count)
{
    if (!plan || plan->n == 0 || count == 0)
        return;
    if (t->nstack == t->capstack) {
        size_t cap = t->capstack ? t->capstack * 2 : 4096;
        ti_item *v = cap <= MAX_STACK_ITEMS ? realloc(t->stack, cap * sizeof *v) : NULL;
        if (!v) {
            t->oom = 1;
            return;
        }
        t->stack = v;
        t->capstack = cap;
    }
    t->stack[t->nstack++] = (ti_item){addr, plan, count};
}

/* The untyped object p points to the start of: its span, or NULL (not heap, interior pointer,
 * free slot, already typed, or typed by the runtime itself); *o gets its graph object. */
static const go_span *claim(ti *t, uint64_t p, uint64_t *data, uint64_t *usable, hs_oid *o)
{
    uint64_t obj;
    *o = p ? hs_graph_find_start(t->g, p, &t->hint, &obj) : HS_NO_OBJ;
    if (*o == HS_NO_OBJ || t->types[*o])
        return NULL; /* not an allocated heap object, or typed already */
    const go_span *s = go_heap_span(t->h, t->hint); /* the graph has one block per span */
    if (obj != p && !(s->noscan && s->elemsize == 16))
        return NULL; /* an interior pointer says little about the whole object; but the tiny
                        allocator packs small noscan values into 16-byte blocks: the block is
                        named after the first typed value found in it */
    if (s->header || s->large_type)
        return NULL; /* the runtime recorded its type: typed from the header */
    *data = obj;
    *usable = s->elemsize;
    return s;
}

void ti_target(ti *t, uint64_t p, const go_type *type)
{
    uint64_t data, usable;
    hs_oid o;
    if (!type)
        return;
    const go_span *s = claim(t, p, &data, &usable, &o);
    if (!s)
        return;
    uint64_t n = type->size ? usable / type->size : 1;
    /* several values fit in the slot: a backing array ("[]T"), except in a tiny-allocator block */
    int array = n >= 2 && !(s->noscan && s->elemsize == 16 && type->size < 16);
    ti_set(t, o, ti_name(t, type, array));
    if (type->ptrdata)
        ti_push(t, data, go_scanplan_get(t->plans, type->addr), n ? n : 1);
}

void ti_target_string(ti *t, uint64_t p)
{
    uint64_t data, usable;
    hs_oid o;
    if (!claim(t, p, &data, &usable, &o))
        return;
    if (!t->id_string)
        t->id_string = ti_intern(t, "string");
    ti_set(t, o, t->id_string);
}

void ti_target_iface(ti *t, uint64_t type_addr, uint64_t data)
{
    if (!type_addr || !data || !go_types_in_types(t->ts, type_addr))
        return;
    const go_type *dyn = go_types_get(t->ts, type_addr);
    if (!dyn)
        return;
    if (!dyn->direct_iface) {
        ti_target(t, data, dyn); /* a boxed copy of the value */
        return;
    }
    /* pointer-shaped values are stored in the data word itself */
    switch (dyn->kind) {
    case GO_KIND_PTR:
        ti_target(t, data, go_types_get(t->ts, dyn->elem));
        break;
    case GO_KIND_MAP:
        ti_target_map(t, data, dyn);
        break;
    case GO_KIND_CHAN:
        ti_target_chan(t, data, dyn);
        break;
    case GO_KIND_FUNC:
        ti_target_closure(t, data);
        break;
    default: { /* a struct or array holding one pointer: follow it as its plan says */
        const go_scanplan *plan = go_scanplan_get(t->plans, dyn->addr);
        if (plan && plan->n == 1 && plan->e[0].offset == 0 && plan->e[0].kind == GO_SCAN_PTR)
            ti_target(t, data, plan->e[0].type);
    }
    }
}

/* An object of a runtime-internal kind the descriptors do not describe. */
static int claim_named(ti *t, uint64_t p, const char *name)
{
    uint64_t data, usable;
    hs_oid o;
    const go_span *s = claim(t, p, &data, &usable, &o);
    if (s)
        ti_set(t, o, ti_intern(t, name));
    return s != NULL;
}

static int claim_id(ti *t, uint64_t p, uint32_t name)
{
    uint64_t data, usable;
    hs_oid o;
    const go_span *s = claim(t, p, &data, &usable, &o);
    if (s)
        ti_set(t, o, name);
    return s != NULL;
}

static uint64_t word(ti *t, uint64_t addr)
{
    uint64_t v = 0;
    return hs_read_u64(t->rt->t, addr, &v, NULL) == 0 ? v : 0;
}

static void hmap_overflow_list(ti *t, uint64_t slice_hdr, const go_type *bucket)
{
    if (!claim_named(t, slice_hdr, "[]*runtime.bmap"))
        return;
    uint64_t arr = word(t, slice_hdr), len = word(t, slice_hdr + 8);
    if (!claim_named(t, arr, "[]*runtime.bmap") || len > (1u << 24))
        return;
    for (uint64_t i = 0; i < len; i++)
        ti_target(t, word(t, arr + 8 * i), bucket);
}

/* A pointerful map's overflow buckets hang off each bucket's last word, an unsafe.Pointer in
 * the bucket type (a pointer-free map lists them in mapextra instead): followed chain by chain. */
static void overflow_chains(ti *t, uint64_t arr, const go_type *bucket)
{
    uint64_t start;
    hs_oid o = arr && bucket->size >= 16 && bucket->ptrdata ? hs_graph_find_start(t->g, arr, &t->hint, &start) : HS_NO_OBJ;
    if (o == HS_NO_OBJ || arr - start > 8) /* its start, or after an allocation header */
        return;
    uint64_t n = (hs_graph_size(t->g, o) - (arr - start)) / bucket->size, steps = 0;
    for (uint64_t i = 0; i < n; i++)
        for (uint64_t b = word(t, arr + i * bucket->size + bucket->size - 8); b && steps < (1u << 20); steps++) {
            ti_target(t, b, bucket);
            b = word(t, b + bucket->size - 8);
        }
}

static void target_hmap(ti *t, uint64_t p, const go_type *bucket)
{
    if (!claim_named(t, p, "runtime.hmap"))
        return;
    /* the bucket array's slot holds 1<<B buckets and any preallocated overflow ones */
    uint64_t buckets = word(t, p + (uint64_t)t->hmap_buckets), old = word(t, p + (uint64_t)t->hmap_oldbuckets);
    ti_target(t, buckets, bucket);
    ti_target(t, old, bucket);
    overflow_chains(t, buckets, bucket);
    overflow_chains(t, old, bucket);
    uint64_t extra = word(t, p + (uint64_t)t->hmap_extra);
    if (extra && claim_named(t, extra, "runtime.mapextra")) {
        hmap_overflow_list(t, word(t, extra), bucket);
        hmap_overflow_list(t, word(t, extra + 8), bucket);
    }
}

static void target_swiss(ti *t, uint64_t p, const go_type *group)
{
    if (!claim_named(t, p, "internal/runtime/maps.Map"))
        return;
    uint64_t dir = word(t, p + (uint64_t)t->smap_dir), dirlen = word(t, p + (uint64_t)t->smap_dirlen);
    if (dirlen == 0) { /* a small map: one group, no tables */
        ti_target(t, dir, group);
        return;
    }
    if (dirlen > (1u << 24) || !claim_named(t, dir, "[]*internal/runtime/maps.table"))
        return;
    for (uint64_t i = 0; i < dirlen; i++) {
        uint64_t tab = word(t, dir + 8 * i);
        if (claim_named(t, tab, "internal/runtime/maps.table"))
            ti_target(t, word(t, tab + (uint64_t)t->table_data), group);
    }
}

void ti_target_map(ti *t, uint64_t p, const go_type *maptype)
{
    const go_type *group = maptype ? go_types_get(t->ts, maptype->map_group) : NULL;
    if (!p || !group)
        return;
    if (maptype->swiss)
        target_swiss(t, p, group);
    else
        target_hmap(t, p, group);
}

void ti_target_chan(ti *t, uint64_t p, const go_type *chantype)
{
    if (!chantype || !claim_id(t, p, ti_name(t, chantype, 0)))
        return;
    uint64_t buf = word(t, p + (uint64_t)t->hchan_buf);
    if (buf && buf != p + (uint64_t)t->hchan_size) /* a pointerful buffer is its own object */
        ti_target(t, buf, go_types_get(t->ts, chantype->elem));
}

void ti_target_closure(ti *t, uint64_t p)
{
    uint64_t fn = p ? word(t, p) : 0;
    if (fn && claim_id(t, p, ti_closure_name(t, fn)))
        ti_closure_vars(t, p, fn);
}
