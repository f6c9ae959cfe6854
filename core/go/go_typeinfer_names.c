/* go_typeinfer_names.c - the type names inferred objects get, interned in the graph's string
 * table, and giving an object its name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go_typeinfer_priv.h"

uint32_t ti_intern(ti *t, const char *name)
{
    uint32_t id = hs_strtab_intern(hs_graph_names(t->g), name);
    if (id == UINT32_MAX) {
        t->oom = 1;
        return 0;
    }
    return id;
}

static ti_names *names_of(ti *t, const go_type *type)
{
    ti_names *n = NULL;
    HASH_FIND(hh, t->names, &type->addr, sizeof type->addr, n);
    if (n)
        return n;
    n = calloc(1, sizeof *n);
    if (!n) {
        t->oom = 1;
        return NULL;
    }
    const char *base = type->name && *type->name ? type->name : "?";
    char *array = NULL;
    if (asprintf(&array, "[]%s", base) < 0)
        array = NULL;
    n->single = ti_intern(t, base);
    n->array = array ? ti_intern(t, array) : 0;
    free(array);
    n->type = type->addr;
    HASH_ADD(hh, t->names, type, sizeof n->type, n);
    return n;
}

/* The name of an object holding one value of type (array 0), or several (array 1):
 * "main.Session" or "[]main.Session" — the same names the allocation headers lead to. */
uint32_t ti_name(ti *t, const go_type *type, int array)
{
    ti_names *n = names_of(t, type);
    if (!n)
        return 0;
    return array ? n->array : n->single;
}

uint32_t ti_closure_name(ti *t, uint64_t fn)
{
    ti_closure *c = NULL;
    HASH_FIND(hh, t->closures, &fn, sizeof fn, c);
    if (c)
        return c->name;
    go_func f;
    const char *raw = go_pcln_find(t->rt->pcln, go_rt_linkpc(t->rt, fn), &f) == 0
                          ? go_pcln_name(t->rt->pcln, &f) : NULL;
    char buf[512], name[600];
    go_func_name_for_print(raw ? raw : "?", buf, sizeof buf);
    snprintf(name, sizeof name, "func literal %s", buf);
    c = calloc(1, sizeof *c);
    if (!c) {
        t->oom = 1;
        return 0;
    }
    c->entry = fn;
    c->name = ti_intern(t, name);
    HASH_ADD(hh, t->closures, entry, sizeof c->entry, c);
    return c->name;
}

void ti_set(ti *t, hs_oid o, uint32_t name)
{
    if (!name)
        return;
    hs_graph_set_type(t->g, o, name);
    t->st.typed_objects++;
}

void ti_names_export(ti *t)
{
    uint32_t count = hs_strtab_count(hs_graph_names(t->g));
    free(t->hg->name_type);
    t->hg->nname_type = 0;
    if (!(t->hg->name_type = calloc(count + 1, sizeof *t->hg->name_type)))
        return; /* steps are then named by type alone */
    t->hg->nname_type = count;
    ti_names *n, *ntmp;
    HASH_ITER(hh, t->names, n, ntmp)
        if (n->single && n->single < count)
            t->hg->name_type[n->single] = n->type;
}

void ti_names_free(ti *t)
{
    ti_names *n, *ntmp;
    HASH_ITER(hh, t->names, n, ntmp) {
        HASH_DEL(t->names, n);
        free(n);
    }
    ti_closure *k, *ktmp;
    HASH_ITER(hh, t->closures, k, ktmp) {
        HASH_DEL(t->closures, k);
        free(k);
    }
}
