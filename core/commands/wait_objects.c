/* wait_objects.c - what blocked goroutines wait on, and who holds it (see wait_objects.h). */
#include "wait_objects.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../image/elf_image.h"

#define MAX_STEPS 64

typedef struct builder {
    heap_holders *hh;
    const go_goroutines *gs;
    wait_objects *out;
    int64_t elemtype_off, dataqsiz_off; /* in runtime.hchan */
    const hs_symbol **syms;             /* the executable's sized symbols by address, once asked */
    size_t nsyms;
    uint32_t *type, *where, *holder, *step_ids; /* ids in out->names; step_ids back to back */
    uint32_t *first_step;                       /* per goroutine: where its steps start */
    size_t nsteps, capsteps;
    int oom;
} builder;

static uint32_t intern(builder *b, const char *s)
{
    uint32_t id = hs_strtab_intern(b->out->names, s);
    if (id == UINT32_MAX)
        b->oom = 1;
    return id == UINT32_MAX ? 0 : id;
}

static void add_step(builder *b, const char *s)
{
    if (b->nsteps == b->capsteps) {
        size_t c = b->capsteps ? b->capsteps * 2 : 256;
        uint32_t *v = realloc(b->step_ids, c * sizeof *v);
        if (!v) {
            b->oom = 1;
            return;
        }
        b->step_ids = v;
        b->capsteps = c;
    }
    b->step_ids[b->nsteps++] = intern(b, s);
}

/* ---- what it is ---- */

/* The sync object a goroutine waits on, from its wait reason, else its frames (before 1.25
 * Mutex.Lock and WaitGroup.Wait wait as "semacquire"). */
static const char *sync_kind(const hs_task *t)
{
    static const char *const kinds[][2] = {
        {"RWMutex", "sync.RWMutex"}, {"WaitGroup", "sync.WaitGroup"},
        {"Cond", "sync.Cond"}, {"Mutex", "sync.Mutex"},
    };
    for (size_t k = 0; k < 4; k++)
        if (!strncmp(t->state, kinds[k][1], strlen(kinds[k][1])))
            return kinds[k][1];
    for (uint32_t i = 0; i < t->nframes; i++)
        for (size_t k = 0; k < 4; k++) {
            char m[32];
            snprintf(m, sizeof m, "(*%s).", kinds[k][0]);
            if (strstr(t->frames[i].function, m))
                return kinds[k][1];
        }
    return "semaphore";
}

static const char *kind_of(const go_wait *x, const hs_task *t)
{
    switch (x->cls) {
    case GO_WAIT_NILCHAN: return "nil channel";
    case GO_WAIT_NOCASES: return "nothing";
    case GO_WAIT_CHAN: return "channel";
    default: return sync_kind(t);
    }
}

/* A channel's buffer and type, from its runtime.hchan. */
static void hchan_layout(builder *b)
{
    go_rt *rt = b->hh->a->rt;
    b->elemtype_off = rt->ver.minor >= 23 ? 40 : 32;
    b->dataqsiz_off = 8;
    go_layout_off(&rt->src, "runtime.hchan", "elemtype", &b->elemtype_off);
    go_layout_off(&rt->src, "runtime.hchan", "dataqsiz", &b->dataqsiz_off);
}

static void channel(builder *b, uint64_t addr, hs_waits_on *on, uint32_t *type)
{
    go_rt *rt = b->hh->a->rt;
    uint64_t qcount, dataqsiz, elemtype;
    if (hs_read_u64(rt->t, addr, &qcount, NULL) == 0 &&
        hs_read_u64(rt->t, addr + (uint64_t)b->dataqsiz_off, &dataqsiz, NULL) == 0 && qcount <= dataqsiz) {
        on->len = (int64_t)qcount;
        on->cap = (int64_t)dataqsiz;
    }
    const go_type *t = b->hh->ts && hs_read_u64(rt->t, addr + (uint64_t)b->elemtype_off, &elemtype, NULL) == 0
                       ? go_types_get(b->hh->ts, elemtype) : NULL;
    if (t && t->name) {
        char buf[512];
        snprintf(buf, sizeof buf, "chan %s", t->name);
        *type = intern(b, buf);
    }
}

/* Where in its sync object the semaphore a goroutine sleeps on lies (the same in 1.19-1.27):
 * Mutex{state, sema}; WaitGroup{state (8 bytes), sema}; RWMutex{w Mutex, writerSem,
 * readerSem, ...}, whose Lock waits on w first. Outside the heap no type says where the object
 * starts. */
static uint64_t sema_offset(const char *kind, const hs_task *t)
{
    if (!strcmp(kind, "sync.Mutex"))
        return 4;
    if (!strcmp(kind, "sync.WaitGroup"))
        return 8;
    if (strcmp(kind, "sync.RWMutex"))
        return 0;
    if (strstr(t->state, "RLock"))
        return 12;
    for (uint32_t i = 0; i < t->nframes; i++)
        if (strstr(t->frames[i].function, "(*Mutex)."))
            return 4;
    return 8;
}

/* ---- who holds it ---- */

static int by_value(const void *a, const void *b)
{
    const hs_symbol *x = *(const hs_symbol *const *)a, *y = *(const hs_symbol *const *)b;
    return x->value < y->value ? -1 : x->value > y->value;
}

/* The sized symbol holding link-time address link: a binary search over them sorted by address,
 * made on first use (many goroutines wait on one global). */
static const hs_symbol *symbol_at(builder *b, uint64_t link)
{
    if (!b->syms) {
        size_t n = 0;
        const hs_symbol *s = hs_image_symbols(b->hh->a->rt->exe, &n);
        if (!(b->syms = malloc((n + 1) * sizeof *b->syms))) {
            b->oom = 1;
            return NULL;
        }
        for (size_t i = 0; i < n; i++)
            if (s[i].size)
                b->syms[b->nsyms++] = &s[i];
        qsort(b->syms, b->nsyms, sizeof *b->syms, by_value);
    }
    size_t lo = 0, hi = b->nsyms; /* the last symbol starting at or below link */
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (b->syms[mid]->value <= link)
            lo = mid + 1;
        else
            hi = mid;
    }
    const hs_symbol *s = lo ? b->syms[lo - 1] : NULL;
    return s && link - s->value < s->size ? s : NULL;
}

/* A global's name (the symbol holding addr, else its place in data or bss), or 0. */
static int global_name(builder *b, uint64_t addr, char *buf, size_t cap)
{
    const go_rt *rt = b->hh->a->rt;
    uint64_t link = addr - rt->bias;
    if (link < rt->md.noptrdata || link >= rt->md.enoptrbss)
        return 0;
    const hs_symbol *s = symbol_at(b, link);
    if (s) {
        snprintf(buf, cap, "%s", s->name);
        return 1;
    }
    return heap_holders_place(rt, addr, buf, cap);
}

/* Outside the heap: a global, or a goroutine's stack. */
static void held_outside(builder *b, size_t i, uint64_t addr)
{
    char buf[512];
    hs_waits_on *on = &b->out->v[i];
    if (global_name(b, addr, buf, sizeof buf)) {
        on->holder_kind = "global";
        b->holder[i] = intern(b, buf);
        return;
    }
    for (size_t k = 0; k < b->gs->n; k++) {
        const go_goroutine *g = &b->gs->v[k];
        if (addr >= g->stack_lo && addr < g->stack_hi) {
            snprintf(buf, sizeof buf, "the stack of goroutine %llu", (unsigned long long)g->goid);
            on->holder_kind = "goroutine";
            b->holder[i] = intern(b, buf);
            return;
        }
    }
}

/* In the heap: the root and steps of its shortest path; 0 when nothing reaches it. */
static int held_in_heap(builder *b, size_t i, hs_oid o)
{
    heap_holders *hh = b->hh;
    uint32_t chain = hs_chains_of(hh->chains, o), ids[MAX_STEPS], tag;
    if (chain == HS_NO_CHAIN)
        return 0;
    size_t n = hs_chains_steps(hh->chains, chain, ids, MAX_STEPS);
    n = n < MAX_STEPS ? n : MAX_STEPS;
    hs_path_root d;
    char buf[512];
    heap_holders_describe(hh, hs_chains_root(hh->chains, chain, &tag), tag, HS_NO_OBJ, &d, buf, sizeof buf);
    const hs_strtab *names = hs_graph_names(hh->a->hg.g);
    b->out->v[i].holder_kind = d.kind;
    b->holder[i] = n ? intern(b, hs_strtab_str(names, ids[0])) : intern(b, buf);
    for (size_t k = 1; k < n; k++)
        add_step(b, hs_strtab_str(names, ids[k]));
    return 1;
}

/* ---- one goroutine ---- */

static void describe(builder *b, size_t i, const go_waits *w, const hs_task *t)
{
    const go_wait *x = &w->v[i];
    hs_waits_on *on = &b->out->v[i];
    *on = (hs_waits_on){.kind = kind_of(x, t), .len = -1, .cap = -1, .nobjects = x->n};
    const hs_graph *g = b->hh->a->hg.g;
    int chan = x->cls == GO_WAIT_CHAN;
    for (uint32_t k = 0; k < x->n && !on->holder_kind; k++) { /* a select: the first held */
        uint64_t addr = w->addrs[x->first + k];
        if (k == 0 || chan)
            on->addr = addr;
        size_t hint = 0;
        uint64_t start = 0;
        hs_oid o = hs_graph_find_start(g, addr, &hint, &start);
        if (!chan && o != HS_NO_OBJ) {
            char buf[512];
            on->addr = heap_holders_field_at(b->hh, o, addr, "sync.", buf, sizeof buf);
            const char *type = hs_strtab_str(hs_graph_names(g), hs_graph_name(g, o));
            if (strncmp(buf, type, strlen(type)) == 0 && buf[strlen(type)] == '.')
                b->where[i] = intern(b, buf); /* a field of its object */
        }
        if (o == HS_NO_OBJ && !chan && on->addr >= sema_offset(on->kind, t))
            on->addr -= sema_offset(on->kind, t);
        if (o == HS_NO_OBJ)
            held_outside(b, i, addr);
        else
            held_in_heap(b, i, o);
    }
    if (chan && x->n) {
        uint64_t first = on->holder_kind ? on->addr : w->addrs[x->first];
        on->addr = first;
        channel(b, first, on, &b->type[i]);
    }
}

/* ---- building ---- */

static void resolve(builder *b, const go_waits *w, hs_task *tasks, size_t n)
{
    wait_objects *out = b->out;
    for (size_t k = 0; k < b->nsteps; k++)
        out->steps[k] = hs_strtab_str(out->names, b->step_ids[k]);
    for (size_t i = 0; i < n; i++) {
        if (w->v[i].kind == HS_WAIT_NONE)
            continue;
        hs_waits_on *on = &out->v[i];
        on->type = b->type[i] ? hs_strtab_str(out->names, b->type[i]) : NULL;
        on->where = b->where[i] ? hs_strtab_str(out->names, b->where[i]) : NULL;
        on->holder = b->holder[i] ? hs_strtab_str(out->names, b->holder[i]) : NULL;
        if (!on->holder)
            on->holder_kind = NULL;
        uint32_t end = i + 1 < n ? b->first_step[i + 1] : (uint32_t)b->nsteps;
        on->steps = out->steps + b->first_step[i];
        on->nsteps = end - b->first_step[i];
        tasks[i].waits_on = on;
    }
}

int wait_objects_describe(heap_holders *hh, const go_goroutines *gs, const go_waits *w,
                          hs_task *tasks, wait_objects *out, hs_err *err)
{
    size_t n = gs->n;
    memset(out, 0, sizeof *out);
    builder b = {.hh = hh, .gs = gs, .out = out};
    out->v = calloc(n + 1, sizeof *out->v);
    out->names = hs_strtab_new();
    b.type = calloc(n + 1, sizeof *b.type);
    b.where = calloc(n + 1, sizeof *b.where);
    b.holder = calloc(n + 1, sizeof *b.holder);
    b.first_step = calloc(n + 1, sizeof *b.first_step);
    b.oom = !out->v || !out->names || !b.type || !b.where || !b.holder || !b.first_step;
    hchan_layout(&b);
    for (size_t i = 0; i < n && !b.oom; i++) {
        b.first_step[i] = (uint32_t)b.nsteps;
        if (w->v[i].kind != HS_WAIT_NONE)
            describe(&b, i, w, &tasks[i]);
    }
    if (!b.oom && !(out->steps = calloc(b.nsteps + 1, sizeof *out->steps)))
        b.oom = 1;
    if (!b.oom)
        resolve(&b, w, tasks, n);
    free(b.type);
    free(b.where);
    free(b.holder);
    free(b.first_step);
    free(b.step_ids);
    free(b.syms);
    if (b.oom) {
        for (size_t i = 0; i < n; i++)
            tasks[i].waits_on = NULL;
        wait_objects_free(out);
        return hs_errf(err, "out of memory naming what goroutines wait on");
    }
    return 0;
}

void wait_objects_free(wait_objects *wo)
{
    free(wo->v);
    hs_strtab_free(wo->names);
    free(wo->steps);
    memset(wo, 0, sizeof *wo);
}
