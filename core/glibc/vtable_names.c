/* vtable_names.c - a sorted table of every module's vtables (symbols named _ZTV..., at their
 * run-time addresses), binary-searched per block; class names demangled on first use. */
#include <stdlib.h>
#include <string.h>

#include "../util/demangle.h"
#include "module_symbols.h"
#include "vtable_names.h"

typedef struct vt {
    uint64_t start, end;
    char *mangled, *name;
} vt;

struct vtable_names {
    vt *v;
    size_t n, cap;
    uint64_t low, high; /* the span of all vtables: most words miss it */
};

static int push(vtable_names *t, uint64_t start, uint64_t size, const char *name)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        vt *p = realloc(t->v, cap * sizeof *p);
        if (!p)
            return -1;
        t->v = p, t->cap = cap;
    }
    char *m = strdup(name);
    if (!m)
        return -1;
    t->v[t->n++] = (vt){start, start + size, m, NULL};
    return 0;
}

static int add_module(void *ctx, const hs_mapping *m, const hs_symbol *s, size_t n, uint64_t bias)
{
    (void)m;
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        if (s[i].size && !strncmp(s[i].name, "_ZTV", 4))
            rc = push(ctx, bias + s[i].value, s[i].size, s[i].name);
    return rc;
}

static int vt_cmp(const void *a, const void *b)
{
    const vt *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

int vtable_names_open(vtable_names **out, hs_target *t, hs_err *err)
{
    vtable_names *v = calloc(1, sizeof *v);
    if (!v)
        return hs_errf(err, "out of memory reading vtables");
    if (glibc_each_module(t, add_module, v) != 0) {
        vtable_names_close(v);
        return hs_errf(err, "out of memory reading vtables");
    }
    if (v->n > 1)
        qsort(v->v, v->n, sizeof *v->v, vt_cmp);
    v->low = v->n ? v->v[0].start : 0;
    for (size_t i = 0; i < v->n; i++)
        if (v->v[i].end > v->high)
            v->high = v->v[i].end;
    *out = v;
    return 0;
}

static const char *class_name(vt *e)
{
    if (!e->name) {
        char *d = hs_demangle(e->mangled);
        static const char prefix[] = "vtable for ";
        if (d && !strncmp(d, prefix, sizeof prefix - 1))
            memmove(d, d + sizeof prefix - 1, strlen(d) - sizeof prefix + 2);
        e->name = d ? d : strdup(e->mangled);
    }
    return e->name;
}

const char *vtable_names_lookup(vtable_names *v, uint64_t addr)
{
    if (addr < v->low || addr >= v->high)
        return NULL;
    size_t lo = 0, hi = v->n;
    while (lo < hi) { /* the last vtable starting at or below addr */
        size_t mid = lo + (hi - lo) / 2;
        if (v->v[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the vtable's address point is past its offset-to-top and RTTI words */
    if (lo == 0 || addr >= v->v[lo - 1].end || addr < v->v[lo - 1].start + 16)
        return NULL;
    return class_name(&v->v[lo - 1]);
}

size_t vtable_names_count(const vtable_names *v) { return v->n; }

void vtable_names_close(vtable_names *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->n; i++)
        free(v->v[i].mangled), free(v->v[i].name);
    free(v->v);
    free(v);
}
