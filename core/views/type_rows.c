/* type_rows.c - rows of heap objects by name (see type_rows.h). */
#include "type_rows.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

typedef struct entry {
    UT_hash_handle hh;
    hs_type_row row;
    char name[];
} entry;

struct hs_type_rows {
    entry *by_name;
    hs_type_row *sorted;
    size_t n;
    int dirty;
    uint64_t objects, bytes, typed_objects, typed_bytes;
};

hs_type_rows *hs_type_rows_new(void) { return calloc(1, sizeof(hs_type_rows)); }

void hs_type_rows_free(hs_type_rows *r)
{
    if (!r)
        return;
    entry *e, *tmp;
    HASH_ITER(hh, r->by_name, e, tmp) {
        HASH_DEL(r->by_name, e);
        free(e);
    }
    free(r->sorted);
    free(r);
}

int hs_type_rows_add(hs_type_rows *r, const char *name, int typed, uint64_t objects, uint64_t bytes)
{
    entry *e = NULL;
    HASH_FIND_STR(r->by_name, name, e);
    if (!e) {
        size_t len = strlen(name);
        e = calloc(1, sizeof *e + len + 1);
        if (!e)
            return -1;
        memcpy(e->name, name, len + 1);
        e->row.name = e->name;
        e->row.typed = (uint8_t)typed;
        HASH_ADD_STR(r->by_name, name, e);
        r->n++;
    }
    e->row.objects += objects;
    e->row.bytes += bytes;
    r->objects += objects;
    r->bytes += bytes;
    if (typed) {
        r->typed_objects += objects;
        r->typed_bytes += bytes;
    }
    r->dirty = 1;
    return 0;
}

static int row_cmp(const void *pa, const void *pb)
{
    const hs_type_row *a = pa, *b = pb;
    if (a->bytes != b->bytes)
        return a->bytes > b->bytes ? -1 : 1;
    if (a->objects != b->objects)
        return a->objects > b->objects ? -1 : 1;
    return strcmp(a->name, b->name);
}

const hs_type_row *hs_type_rows_sorted(hs_type_rows *r, size_t *n)
{
    if (r->dirty || !r->sorted) {
        hs_type_row *v = realloc(r->sorted, (r->n ? r->n : 1) * sizeof *v);
        if (!v) {
            *n = 0;
            return NULL;
        }
        size_t i = 0;
        for (entry *e = r->by_name; e; e = e->hh.next)
            v[i++] = e->row;
        if (i > 1)
            qsort(v, i, sizeof *v, row_cmp);
        r->sorted = v;
        r->dirty = 0;
    }
    *n = r->n;
    return r->sorted;
}

void hs_type_rows_totals(const hs_type_rows *r, uint64_t *objects, uint64_t *bytes,
                         uint64_t *typed_objects, uint64_t *typed_bytes)
{
    *objects = r->objects;
    *bytes = r->bytes;
    *typed_objects = r->typed_objects;
    *typed_bytes = r->typed_bytes;
}
