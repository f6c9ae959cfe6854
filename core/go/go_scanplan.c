/* go_scanplan.c - building and caching scan plans (see go_scanplan.h). */
#include "go_scanplan.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define FLATTEN_MAX_WORDS 64 /* arrays up to this many words are unrolled */
#define MAX_DEPTH 12         /* nesting of structs and arrays */
#define MAX_ENTRIES 4096

typedef struct cached {
    UT_hash_handle hh;
    uint64_t addr;
    go_scanplan plan;
    go_scan_entry *entries;
} cached;

struct go_scanplans {
    go_type_resolver get;
    void *ctx;
    cached *by_addr;
};

typedef struct builder {
    go_scanplans *p;
    go_scan_entry *e;
    uint32_t n, cap;
    int overflow;
} builder;

go_scanplans *go_scanplans_new(go_type_resolver get, void *ctx)
{
    go_scanplans *p = calloc(1, sizeof *p);
    if (p) {
        p->get = get;
        p->ctx = ctx;
    }
    return p;
}

void go_scanplans_free(go_scanplans *p)
{
    if (!p)
        return;
    cached *c, *tmp;
    HASH_ITER(hh, p->by_addr, c, tmp) {
        HASH_DEL(p->by_addr, c);
        free(c->entries);
        free(c);
    }
    free(p);
}

static void add(builder *b, uint64_t offset, uint8_t kind, const go_type *t, uint64_t count)
{
    if (b->n >= MAX_ENTRIES || offset > UINT32_MAX || count > UINT32_MAX) {
        b->overflow = 1;
        return;
    }
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 8;
        go_scan_entry *v = realloc(b->e, cap * sizeof *v);
        if (!v) {
            b->overflow = 1;
            return;
        }
        b->e = v;
        b->cap = cap;
    }
    b->e[b->n++] = (go_scan_entry){(uint32_t)offset, kind, (uint32_t)count, t};
}

static void walk(builder *b, const go_type *t, uint64_t base, int depth);

static void walk_array(builder *b, const go_type *t, uint64_t base, int depth)
{
    const go_type *el = b->p->get(b->p->ctx, t->elem);
    if (!el || el->ptrdata == 0 || t->len == 0 || el->size == 0)
        return;
    if (t->len * el->size / 8 <= FLATTEN_MAX_WORDS) {
        for (uint64_t i = 0; i < t->len && !b->overflow; i++)
            walk(b, el, base + i * el->size, depth + 1);
    } else {
        add(b, base, GO_SCAN_ARRAY, el, t->len);
    }
}

static void walk_struct(builder *b, const go_type *t, uint64_t base, int depth)
{
    for (uint32_t i = 0; i < t->nfields && !b->overflow; i++) {
        const go_type *ft = b->p->get(b->p->ctx, t->fields[i].type);
        if (ft && ft->ptrdata > 0)
            walk(b, ft, base + t->fields[i].offset, depth + 1);
    }
}

static void walk(builder *b, const go_type *t, uint64_t base, int depth)
{
    if (depth > MAX_DEPTH || t->ptrdata == 0)
        return;
    switch (t->kind) {
    case GO_KIND_PTR:
        add(b, base, GO_SCAN_PTR, b->p->get(b->p->ctx, t->elem), 0);
        break;
    case GO_KIND_SLICE:
        add(b, base, GO_SCAN_SLICE, b->p->get(b->p->ctx, t->elem), 0);
        break;
    case GO_KIND_STRING:
        add(b, base, GO_SCAN_STRING, NULL, 0);
        break;
    case GO_KIND_INTERFACE:
        add(b, base, t->empty_iface ? GO_SCAN_EFACE : GO_SCAN_IFACE, NULL, 0);
        break;
    case GO_KIND_MAP:
        add(b, base, GO_SCAN_MAP, t, 0);
        break;
    case GO_KIND_CHAN:
        add(b, base, GO_SCAN_CHAN, t, 0);
        break;
    case GO_KIND_FUNC:
        add(b, base, GO_SCAN_FUNC, NULL, 0);
        break;
    case GO_KIND_ARRAY:
        walk_array(b, t, base, depth);
        break;
    case GO_KIND_STRUCT:
        walk_struct(b, t, base, depth);
        break;
    default: /* unsafe.Pointer and anything else: nothing to follow with a type */
        break;
    }
}

const go_scanplan *go_scanplan_get(go_scanplans *p, uint64_t type_addr)
{
    cached *c = NULL;
    HASH_FIND(hh, p->by_addr, &type_addr, sizeof type_addr, c);
    if (c)
        return c->plan.type ? &c->plan : NULL;
    c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->addr = type_addr;
    const go_type *t = p->get(p->ctx, type_addr);
    if (t) {
        builder b = {p, NULL, 0, 0, 0};
        walk(&b, t, 0, 0);
        c->entries = b.e;
        c->plan = (go_scanplan){t, b.e, b.n};
    }
    HASH_ADD(hh, p->by_addr, addr, sizeof c->addr, c);
    return c->plan.type ? &c->plan : NULL;
}
