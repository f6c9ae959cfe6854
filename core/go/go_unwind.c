/* go_unwind.c - pcsp-based stack unwinding for amd64 (see go_unwind.h). Per-PC facts (function
 * entry, SP delta, flags) are cached: goroutines parked at the same place share them. */
#include "go_unwind.h"

#include <stdlib.h>
#include <string.h>
#include <uthash.h>

enum { FUNCFLAG_TOPFRAME = 1, FUNCFLAG_SPWRITE = 2 };
enum { KIND_NORMAL, KIND_GOEXIT, KIND_SIGPANIC };

typedef struct pcinfo {
    UT_hash_handle hh;
    uint64_t pc; /* link-time */
    uint64_t entry;
    int32_t spdelta;
    uint8_t found, flag, kind, spvalid;
} pcinfo;

struct go_unwinder {
    go_rt *rt;
    pcinfo *cache;
    size_t ncache;
};

go_unwinder *go_unwinder_new(go_rt *rt)
{
    go_unwinder *u = calloc(1, sizeof *u);
    if (u)
        u->rt = rt;
    return u;
}

void go_unwinder_free(go_unwinder *u)
{
    if (!u)
        return;
    pcinfo *e, *tmp;
    HASH_ITER(hh, u->cache, e, tmp) {
        HASH_DEL(u->cache, e);
        free(e);
    }
    free(u);
}

static void fill_info(const go_pcln *p, pcinfo *e)
{
    go_func f;
    if (go_pcln_find(p, e->pc, &f) < 0)
        return;
    e->found = 1;
    e->entry = f.entry;
    e->flag = go_pcln_flag(p, &f);
    const char *name = go_pcln_name(p, &f);
    if (name && strcmp(name, "runtime.goexit") == 0)
        e->kind = KIND_GOEXIT;
    else if (name && strcmp(name, "runtime.sigpanic") == 0)
        e->kind = KIND_SIGPANIC;
    e->spvalid = go_pcln_spdelta(p, &f, e->pc, &e->spdelta) == 0;
}

static const pcinfo *lookup(go_unwinder *u, uint64_t pc)
{
    pcinfo *e = NULL;
    HASH_FIND(hh, u->cache, &pc, sizeof pc, e);
    if (e)
        return e;
    e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->pc = pc;
    fill_info(u->rt->pcln, e);
    HASH_ADD(hh, u->cache, pc, sizeof e->pc, e);
    u->ncache++;
    return e;
}

uint32_t go_unwind(go_unwinder *u, const go_unwind_start *st, uint64_t *pcs, uint32_t max,
                   int *truncated)
{
    uint64_t pc = st->pc, sp = st->sp;
    int is_call = !st->exact;
    uint32_t n = 0;
    *truncated = 0;
    while (n < max) {
        uint64_t lpc = go_rt_linkpc(u->rt, pc);
        const pcinfo *e = lookup(u, lpc);
        if (!e || !e->found) {
            *truncated = n > 0; /* a return address outside Go code: the walk went astray */
            return n;
        }
        pcs[n++] = is_call && lpc > e->entry ? lpc - 1 : lpc;
        if ((e->flag & FUNCFLAG_TOPFRAME) || e->kind == KIND_GOEXIT)
            return n;
        if (!e->spvalid || ((e->flag & FUNCFLAG_SPWRITE) && n > 1)) {
            *truncated = 1;
            return n;
        }
        uint64_t fp = sp + (uint64_t)(int64_t)e->spdelta + 8, ret;
        if (sp < st->lo || fp > st->hi || fp <= sp ||
            hs_read_u64(u->rt->t, fp - 8, &ret, NULL) < 0) {
            *truncated = 1;
            return n;
        }
        if (ret == 0)
            return n;
        is_call = e->kind != KIND_SIGPANIC;
        pc = ret;
        sp = fp;
    }
    *truncated = 1;
    return n;
}
