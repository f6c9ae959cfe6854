/* go_stacks.c - stack interning and cached symbolization (see go_stacks.h). */
#include "go_stacks.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#define MAX_INLINE_DEPTH 64

typedef struct stack {
    UT_hash_handle hh;
    uint32_t id, n;
    int truncated;
    hs_frame *frames; /* symbolized lazily */
    uint32_t nframes;
    uint64_t pcs[]; /* key: n PCs */
} stack;

typedef struct name_entry { /* printable names, owned here */
    UT_hash_handle hh;
    char name[];
} name_entry;

struct go_stacks {
    stack *by_pcs;
    stack **by_id;
    uint32_t n, cap;
    name_entry *names;
    int wrapper_funcid;
};

go_stacks *go_stacks_new(void)
{
    go_stacks *s = calloc(1, sizeof(go_stacks));
    if (s)
        s->wrapper_funcid = -1;
    return s;
}

void go_stacks_set_wrapper_funcid(go_stacks *s, int funcid) { s->wrapper_funcid = funcid; }

void go_stacks_free(go_stacks *s)
{
    if (!s)
        return;
    stack *st, *tmp;
    HASH_ITER(hh, s->by_pcs, st, tmp) {
        HASH_DEL(s->by_pcs, st);
        free(st->frames);
        free(st);
    }
    name_entry *ne, *ntmp;
    HASH_ITER(hh, s->names, ne, ntmp) {
        HASH_DEL(s->names, ne);
        free(ne);
    }
    free(s->by_id);
    free(s);
}

/* The key is the PCs, plus a sentinel word for stacks cut short, so the two never collide. */
uint32_t go_stacks_intern(go_stacks *s, const uint64_t *pcs, uint32_t n, int truncated)
{
    uint32_t nkey = n + (truncated ? 1 : 0);
    size_t keylen = nkey * sizeof *pcs;
    stack *st = calloc(1, sizeof *st + keylen + sizeof *pcs);
    if (!st)
        return UINT32_MAX;
    memcpy(st->pcs, pcs, n * sizeof *pcs);
    if (truncated)
        st->pcs[n] = UINT64_MAX;
    stack *found = NULL;
    HASH_FIND(hh, s->by_pcs, st->pcs, keylen, found);
    if (found) {
        free(st);
        return found->id;
    }
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 256;
        stack **v = realloc(s->by_id, cap * sizeof *v);
        if (!v) {
            free(st);
            return UINT32_MAX;
        }
        s->by_id = v;
        s->cap = cap;
    }
    st->n = n;
    st->truncated = truncated;
    st->id = s->n;
    s->by_id[s->n++] = st;
    HASH_ADD(hh, s->by_pcs, pcs, keylen, st);
    return st->id;
}

const uint64_t *go_stacks_pcs(const go_stacks *s, uint32_t id, uint32_t *n, int *truncated)
{
    if (id >= s->n) {
        *n = 0;
        return NULL;
    }
    *n = s->by_id[id]->n;
    if (truncated)
        *truncated = s->by_id[id]->truncated;
    return s->by_id[id]->pcs;
}

uint32_t go_stacks_count(const go_stacks *s) { return s->n; }

/* The printable form of a raw function name, stored once. */
static const char *print_name(go_stacks *s, const char *raw)
{
    char buf[1024];
    go_func_name_for_print(raw, buf, sizeof buf);
    name_entry *e = NULL;
    HASH_FIND_STR(s->names, buf, e);
    if (e)
        return e->name;
    size_t len = strlen(buf);
    e = malloc(sizeof *e + len + 1);
    if (!e)
        return raw;
    memcpy(e->name, buf, len + 1);
    HASH_ADD_STR(s->names, name, e);
    return e->name;
}

static void symbolize(go_stacks *s, const go_pcln *p, stack *st)
{
    size_t cap = st->n + 4, n = 0;
    hs_frame *out = malloc(cap * sizeof *out);
    for (uint32_t i = 0; out && i < st->n; i++) {
        go_srcframe sf[MAX_INLINE_DEPTH];
        int k = go_pcln_frames(p, st->pcs[i], sf, MAX_INLINE_DEPTH);
        if (k <= 0) {
            sf[0] = (go_srcframe){0};
            sf[0].func = "?";
            sf[0].file = "?";
            k = 1;
        }
        if (n + (size_t)k > cap) {
            cap = (n + (size_t)k) * 2;
            hs_frame *v = realloc(out, cap * sizeof *v);
            if (!v)
                break;
            out = v;
        }
        for (int j = 0; j < k; j++)
            out[n++] = (hs_frame){print_name(s, sf[j].func), sf[j].file, sf[j].line,
                                  (uint8_t)(j < k - 1),
                                  (uint8_t)(s->wrapper_funcid >= 0 && sf[j].funcid == s->wrapper_funcid)};
    }
    st->frames = out;
    st->nframes = out ? (uint32_t)n : 0;
}

const hs_frame *go_stacks_frames(go_stacks *s, const go_pcln *p, uint32_t id, uint32_t *n)
{
    if (id >= s->n) {
        *n = 0;
        return NULL;
    }
    stack *st = s->by_id[id];
    if (!st->frames)
        symbolize(s, p, st);
    *n = st->nframes;
    return st->frames;
}
