/* strtab.c - interned strings (see strtab.h): one allocation per distinct string, found by hash,
 * listed by id. */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

typedef struct str_entry {
    UT_hash_handle hh;
    uint32_t id;
    char s[];
} str_entry;

struct hs_strtab {
    str_entry *by_str;
    str_entry **by_id; /* by_id[0] unused */
    uint32_t n, cap;   /* n: ids handed out + 1 */
};

hs_strtab *hs_strtab_new(void)
{
    hs_strtab *t = calloc(1, sizeof *t);
    if (t)
        t->n = 1;
    return t;
}

void hs_strtab_free(hs_strtab *t)
{
    if (!t)
        return;
    str_entry *e, *tmp;
    HASH_ITER(hh, t->by_str, e, tmp) {
        HASH_DEL(t->by_str, e);
        free(e);
    }
    free(t->by_id);
    free(t);
}

uint32_t hs_strtab_intern(hs_strtab *t, const char *s)
{
    if (!s || !*s)
        return 0;
    str_entry *e = NULL;
    size_t len = strlen(s);
    HASH_FIND(hh, t->by_str, s, len, e);
    if (e)
        return e->id;
    if (t->n == t->cap || !t->by_id) {
        uint32_t cap = t->cap ? t->cap * 2 : 256;
        str_entry **v = cap > t->cap ? realloc(t->by_id, cap * sizeof *v) : NULL;
        if (!v)
            return UINT32_MAX;
        t->by_id = v;
        t->cap = cap;
    }
    e = malloc(sizeof *e + len + 1);
    if (!e)
        return UINT32_MAX;
    memcpy(e->s, s, len + 1);
    e->id = t->n;
    t->by_id[t->n++] = e;
    HASH_ADD_KEYPTR(hh, t->by_str, e->s, len, e);
    return e->id;
}

const char *hs_strtab_str(const hs_strtab *t, uint32_t id)
{
    return id && id < t->n ? t->by_id[id]->s : "";
}

uint32_t hs_strtab_count(const hs_strtab *t) { return t->n; }
