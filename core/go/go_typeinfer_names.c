/* go_typeinfer_names.c - row names for inferred types and the per-name counts of one walk. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_typeinfer_priv.h"

static ti_names *names_of(ti *t, const go_type *type)
{
    ti_names *n = NULL;
    HASH_FIND(hh, t->names, &type->addr, sizeof type->addr, n);
    if (n)
        return n;
    n = calloc(1, sizeof *n);
    const char *base = type->name && *type->name ? type->name : "?";
    if (!n || asprintf(&n->array, "[]%s", base) < 0) {
        free(n);
        t->oom = 1;
        return NULL;
    }
    n->single = strdup(base);
    n->type = type->addr;
    HASH_ADD(hh, t->names, type, sizeof n->type, n);
    return n;
}

/* The row an object holding one value of type (array 0), or several (array 1), counts in:
 * "main.Session" or "[]main.Session" — the same names the allocation headers lead to. */
const char *ti_name(ti *t, const go_type *type, int array)
{
    ti_names *n = names_of(t, type);
    if (!n || !n->single)
        return "?";
    return array ? n->array : n->single;
}

const char *ti_closure_name(ti *t, uint64_t fn)
{
    ti_closure *c = NULL;
    HASH_FIND(hh, t->closures, &fn, sizeof fn, c);
    if (c)
        return c->name;
    go_func f;
    const char *raw = go_pcln_find(t->rt->pcln, go_rt_linkpc(t->rt, fn), &f) == 0
                          ? go_pcln_name(t->rt->pcln, &f) : NULL;
    char buf[512];
    go_func_name_for_print(raw ? raw : "?", buf, sizeof buf);
    c = calloc(1, sizeof *c);
    if (!c || asprintf(&c->name, "func literal %s", buf) < 0) {
        free(c);
        t->oom = 1;
        return "func literal";
    }
    c->entry = fn;
    HASH_ADD(hh, t->closures, entry, sizeof c->entry, c);
    return c->name;
}

void ti_count_add(ti *t, const char *name, uint64_t bytes)
{
    ti_count *c = NULL;
    HASH_FIND_PTR(t->counts, &name, c);
    if (!c) {
        c = calloc(1, sizeof *c);
        if (!c) {
            t->oom = 1;
            return;
        }
        c->name = name;
        HASH_ADD_PTR(t->counts, name, c);
    }
    c->objects++;
    c->bytes += bytes;
    t->st.typed_objects++;
    t->st.typed_bytes += bytes;
}

int ti_emit(ti *t, hs_type_rows *rows)
{
    for (ti_count *c = t->counts; c; c = c->hh.next)
        if (hs_type_rows_add(rows, c->name, 1, c->objects, c->bytes) < 0)
            return -1;
    return 0;
}

void ti_names_free(ti *t)
{
    ti_names *n, *ntmp;
    HASH_ITER(hh, t->names, n, ntmp) {
        HASH_DEL(t->names, n);
        free(n->single);
        free(n->array);
        free(n);
    }
    ti_count *c, *ctmp;
    HASH_ITER(hh, t->counts, c, ctmp) {
        HASH_DEL(t->counts, c);
        free(c);
    }
    ti_closure *k, *ktmp;
    HASH_ITER(hh, t->closures, k, ktmp) {
        HASH_DEL(t->closures, k);
        free(k->name);
        free(k);
    }
}
