/* go_waits.c - what blocked goroutines wait on (see go_waits.h). */
#include "go_waits.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CHAIN 4096         /* sudogs one goroutine chains (a select's cases) */
#define MAX_TREAP (1u << 20)   /* sudogs in all of the semaphore table */
#define SEMTAB 251

typedef struct sudog_off {
    int64_t g, next, prev, elem, waitlink, c;
    uint64_t ptr; /* 1.26+: elem and c are {vp, vu}, vu the value: +8 */
} sudog_off;

typedef struct g_elem { /* a goroutine waiting in the semaphore table, and on what */
    uint64_t g, elem;
} g_elem;

typedef struct reader {
    go_rt *rt;
    sudog_off so;
    go_waits *out;
    size_t capaddrs, capsudogs;
    g_elem *sema;              /* sorted by g */
    size_t nsema;
    int oom;
} reader;

static int64_t off_or(go_rt *rt, const char *field, int64_t fallback)
{
    int64_t v;
    return go_layout_off(&rt->src, "runtime.sudog", field, &v) == 0 ? v : fallback;
}

static uint64_t word(reader *r, uint64_t addr)
{
    uint64_t v = 0;
    return addr && hs_read_u64(r->rt->t, addr, &v, NULL) == 0 ? v : 0;
}

static void push(reader *r, uint64_t **v, size_t *n, size_t *cap, uint64_t x)
{
    if (*n == *cap) {
        size_t c = *cap ? *cap * 2 : 256;
        uint64_t *p = realloc(*v, c * sizeof *p);
        if (!p) {
            r->oom = 1;
            return;
        }
        *v = p;
        *cap = c;
    }
    (*v)[(*n)++] = x;
}

static void add_addr(reader *r, uint64_t a) { push(r, &r->out->addrs, &r->out->naddrs, &r->capaddrs, a); }
static void add_sudog(reader *r, uint64_t s) { push(r, &r->out->sudogs, &r->out->nsudogs, &r->capsudogs, s); }

/* ---- the semaphore table (before 1.26, g.waiting is not set for it) ---- */

static int by_g(const void *a, const void *b)
{
    const g_elem *x = a, *y = b;
    return x->g < y->g ? -1 : x->g > y->g;
}

static void sema_node(reader *r, uint64_t s, size_t *cap)
{
    for (uint64_t w = s, k = 0; w && k < MAX_CHAIN; w = word(r, w + (uint64_t)r->so.waitlink), k++) {
        if (r->nsema == *cap) {
            size_t c = *cap ? *cap * 2 : 256;
            g_elem *p = realloc(r->sema, c * sizeof *p);
            if (!p) {
                r->oom = 1;
                return;
            }
            r->sema = p;
            *cap = c;
        }
        r->sema[r->nsema++] = (g_elem){word(r, w + (uint64_t)r->so.g), word(r, w + (uint64_t)r->so.elem + r->so.ptr)};
        add_sudog(r, w);
    }
}

static void read_semtable(reader *r)
{
    uint64_t size = 0, tab = go_rt_global(r->rt, "runtime.semtable", &size);
    uint64_t stride = size >= SEMTAB * 24 ? size / SEMTAB : 64, cap = 0, nstack = 0, seen = 0;
    uint64_t *stack = malloc(MAX_CHAIN * sizeof *stack);
    if (!tab || !stack) {
        free(stack);
        return;
    }
    for (uint64_t i = 0; i < SEMTAB && !r->oom; i++) {
        uint64_t root = word(r, tab + i * stride + 8); /* semaRoot.treap */
        if (root)
            stack[nstack++] = root;
        while (nstack > 0 && seen++ < MAX_TREAP && !r->oom) {
            uint64_t s = stack[--nstack];
            sema_node(r, s, &cap);
            uint64_t kids[2] = {word(r, s + (uint64_t)r->so.prev), word(r, s + (uint64_t)r->so.next)};
            for (int k = 0; k < 2; k++)
                if (kids[k] && nstack < MAX_CHAIN)
                    stack[nstack++] = kids[k];
        }
    }
    free(stack);
    if (r->nsema > 1)
        qsort(r->sema, r->nsema, sizeof *r->sema, by_g);
}

static uint64_t sema_elem(const reader *r, uint64_t g)
{
    g_elem key = {g, 0};
    const g_elem *f = r->nsema ? bsearch(&key, r->sema, r->nsema, sizeof *f, by_g) : NULL;
    return f ? f->elem : 0;
}

/* ---- one goroutine ---- */

static int reason_class(const char *s)
{
    static const char *const nilchan[] = {"chan receive (nil chan)", "chan send (nil chan)"};
    static const char *const chan[] = {"chan receive", "chan send", "select"};
    /* semacquire too: before 1.25 sync.Mutex.Lock and WaitGroup.Wait wait as "semacquire" (a
     * semaphore a global holds, as the runtime's own are, is never leaked) */
    static const char *const sync[] = {"sync.Cond.Wait", "sync.WaitGroup.Wait", "sync.Mutex.Lock",
                                       "sync.RWMutex.Lock", "sync.RWMutex.RLock", "semacquire"};
    if (!s)
        return GO_WAIT_OTHER;
    for (size_t i = 0; i < 2; i++)
        if (!strcmp(s, nilchan[i]))
            return GO_WAIT_NILCHAN;
    if (!strcmp(s, "select (no cases)"))
        return GO_WAIT_NOCASES;
    for (size_t i = 0; i < 3; i++)
        if (!strcmp(s, chan[i]))
            return GO_WAIT_CHAN;
    for (size_t i = 0; i < 6; i++)
        if (!strcmp(s, sync[i]))
            return GO_WAIT_SYNC;
    return GO_WAIT_OTHER;
}

static void one(reader *r, const go_goroutine *g, go_wait *w)
{
    const go_offsets *o = &r->rt->off;
    w->first = (uint32_t)r->out->naddrs;
    int leaked = o->gleaked >= 0 && g->status == (uint32_t)o->gleaked;
    int cls = leaked || (g->status == (uint32_t)o->gwaiting && g->waitreason)
                  ? reason_class(go_rt_wait_reason(r->rt, g->waitreason)) : GO_WAIT_OTHER;
    w->cls = (uint8_t)cls;
    if (leaked) {
        w->kind = HS_WAIT_NEVER;
        w->runtime_leaked = 1;
        return;
    }
    if (cls == GO_WAIT_NILCHAN || cls == GO_WAIT_NOCASES)
        w->kind = HS_WAIT_NEVER;
    if (cls == GO_WAIT_CHAN)
        for (uint64_t s = g->waiting, k = 0; s && k < MAX_CHAIN; s = word(r, s + (uint64_t)r->so.waitlink), k++) {
            add_addr(r, word(r, s + (uint64_t)r->so.c + r->so.ptr));
            add_sudog(r, s);
        }
    if (cls == GO_WAIT_SYNC) {
        uint64_t e = r->rt->ver.minor >= 26 ? word(r, g->waiting + (uint64_t)r->so.elem + r->so.ptr) : sema_elem(r, g->g);
        if (r->rt->ver.minor >= 26 && g->waiting)
            add_sudog(r, g->waiting);
        if (e)
            add_addr(r, e);
    }
    w->n = (uint32_t)(r->out->naddrs - w->first);
    if (cls == GO_WAIT_CHAN || cls == GO_WAIT_SYNC)
        w->kind = w->n ? HS_WAIT_OBJECTS : HS_WAIT_NONE; /* nothing found: no verdict */
}

int go_waits_read(go_rt *rt, const go_goroutines *gs, go_waits *out, hs_err *err)
{
    memset(out, 0, sizeof *out);
    reader r = {.rt = rt, .out = out};
    r.so = (sudog_off){off_or(rt, "g", 0), off_or(rt, "next", 8), off_or(rt, "prev", 16),
                       off_or(rt, "elem", 24), off_or(rt, "waitlink", rt->ver.minor >= 26 ? 72 : 64),
                       off_or(rt, "c", rt->ver.minor >= 26 ? 88 : 80), rt->ver.minor >= 26 ? 8 : 0};
    if (!(out->v = calloc(gs->n + 1, sizeof *out->v)))
        return hs_errf(err, "out of memory reading what goroutines wait on");
    if (rt->ver.minor < 26)
        read_semtable(&r);
    for (size_t i = 0; i < gs->n && !r.oom; i++)
        one(&r, &gs->v[i], &out->v[i]);
    free(r.sema);
    if (r.oom) {
        go_waits_free(out);
        return hs_errf(err, "out of memory reading what goroutines wait on");
    }
    return 0;
}

void go_waits_free(go_waits *w)
{
    free(w->v);
    free(w->addrs);
    free(w->sudogs);
    memset(w, 0, sizeof *w);
}
