/* go_typeinfer_code.c - typed roots for a binary without DWARF: the global words the program's
 * code types (go_code_types.h), each trusted only when the object it points to has the shape
 * of the type: a slot no smaller than one value, scan or noscan as the type has pointers or
 * not, and where the heap records pointer words per object (every release's small objects
 * without a header) those words where the type has its pointers. */
#include <stdlib.h>

#include "go_code_types.h"
#include "go_ptrmap.h"
#include "go_typeinfer_priv.h"

#define MAX_WORDS 4096 /* pointer bits compared for at most the first 32 KiB of an object */

typedef struct shape {
    go_ptrmap *pm;
    size_t open_span; /* the span pm has open, or SIZE_MAX */
} shape;

/* Object bits agree with the type's mask tiled over the slot: the first value's pointer words
 * are exactly the type's, and no later word is a pointer where the type has none. */
static int same_words(const uint8_t *bits, uint64_t nwords, const uint8_t *mask, uint64_t tsize,
                      uint64_t ptrbytes)
{
    uint64_t tw = tsize / 8;
    for (uint64_t i = 0; i < nwords && i < MAX_WORDS; i++) {
        uint64_t k = i % tw;
        int obj = bits[i / 8] >> (i % 8) & 1, typ = k < ptrbytes / 8 && (mask[k / 8] >> (k % 8) & 1);
        if (obj && !typ)
            return 0;
        if (i < tw && typ && !obj)
            return 0;
    }
    return 1;
}

static int fits(ti *t, shape *sh, uint64_t p, const go_type *type)
{
    uint64_t start;
    size_t hint = t->hint;
    hs_oid o = p ? hs_graph_find_start(t->g, p, &hint, &start) : HS_NO_OBJ;
    if (o == HS_NO_OBJ || start != p || t->types[o] || !type->size)
        return 0;
    const go_span *s = go_heap_span(t->h, hint);
    if (type->size > s->elemsize || (type->ptrdata == 0) != (s->noscan != 0))
        return 0;
    if (s->noscan || s->header || s->large_type || type->size % 8)
        return !s->noscan ? !s->header && !s->large_type : 1;
    uint64_t tsize, ptrbytes;
    const uint8_t *mask;
    if (go_ptrmap_type(sh->pm, type->addr, &tsize, &ptrbytes, &mask) < 0 || !mask)
        return 0;
    if (sh->open_span != hint) {
        go_ptrmap_span(sh->pm, s, NULL);
        sh->open_span = hint;
    }
    uint64_t nwords = s->elemsize / 8;
    uint8_t *bits = calloc((size_t)(nwords + 7) / 8 + 1, 1);
    int ok = bits && go_ptrmap_object(sh->pm, (uint32_t)((p - s->base) / s->elemsize), bits) == GO_PTRS_PRECISE &&
             same_words(bits, nwords, mask, tsize, ptrbytes);
    free(bits);
    return ok;
}

static uint64_t word_at(ti *t, uint64_t addr)
{
    uint64_t v = 0;
    return hs_read_u64(t->rt->t, addr, &v, NULL) == 0 ? v : 0;
}

static void apply(ti *t, shape *sh, const go_code_global *c)
{
    const go_type *type = go_types_get(t->ts, c->type);
    if (!type)
        return;
    uint64_t p = c->kind == GO_CODE_VALUE ? 0 : word_at(t, c->addr);
    switch (c->kind) {
    case GO_CODE_PTR:
        if (fits(t, sh, p, type))
            ti_target(t, p, type);
        break;
    case GO_CODE_MAP:
        if (type->kind == GO_KIND_MAP)
            ti_target_map(t, p, type);
        break;
    case GO_CODE_CHAN:
        if (type->kind == GO_KIND_CHAN)
            ti_target_chan(t, p, type);
        break;
    case GO_CODE_VALUE:
        ti_push(t, c->addr, go_scanplan_get(t->plans, type->addr), 1);
        break;
    }
}

int ti_from_code(ti *t, uint8_t *buf, hs_err *err)
{
    const go_roots_info *ri = go_types_roots_info(t->ts);
    if (ri && ri->have_dwarf)
        return 0; /* DWARF typed the globals */
    go_code_global *v;
    size_t n;
    shape sh = {NULL, SIZE_MAX};
    if (go_code_globals(t->rt, &v, &n, err) < 0)
        return -1;
    if (n && go_ptrmap_open(&sh.pm, t->rt, err) < 0) {
        free(v);
        return -1;
    }
    int r = 0;
    for (size_t i = 0; i < n && r == 0; i++) {
        uint64_t before = t->st.typed_objects;
        apply(t, &sh, &v[i]);
        r = ti_drain(t, buf, err);
        t->st.code_roots += t->st.typed_objects > before;
    }
    go_ptrmap_close(sh.pm);
    free(v);
    return r;
}
