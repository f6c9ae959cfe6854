/* glibc_roots.c - the roots of a glibc heap's graph (glibc_graph.h): every writable mapping that
 * is not the heap, scanned word by word, and every thread's registers. A thread's stack and its
 * registers are one group (aux: the thread's id). With GLIBC_GRAPH_HOLDERS a module's data and bss
 * are split by the ELF symbols of its global variables, a root per variable that holds a pointer
 * ("g_cache", at the variable's address: edge tags are offsets in it); the words no symbol
 * covers are roots "data of MODULE" of one group per module. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/demangle.h"
#include "glibc_graph.h"
#include "glibc_objects.h"
#include "glibc_roots.h"
#include "module_symbols.h"

#define SCAN_PIECE (1u << 20)

int glibc_scan(hs_target *t, const hs_graph *g, uint64_t start, uint64_t end, uint8_t *buf,
               int (*fn)(void *ctx, hs_oid dst, uint32_t tag, hs_err *err), void *ctx, hs_err *err)
{
    size_t hint = 0;
    start = (start + 7) & ~7ull;
    for (uint64_t p = start; p + 8 <= end;) {
        uint64_t n = end - p < SCAN_PIECE ? (end - p) & ~7ull : SCAN_PIECE;
        const uint8_t *v = hs_view(t, p, n);
        hs_err e;
        if (!v && hs_read(t, p, buf, n, &e) < 0)
            return 0; /* unreadable memory holds no pointer we can see */
        v = v ? v : buf;
        for (uint64_t i = 0; i < n; i += 8) {
            uint64_t w;
            memcpy(&w, v + i, 8);
            hs_oid o = w ? glibc_block_at(g, w, &hint) : HS_NO_OBJ;
            if (o != HS_NO_OBJ && fn(ctx, o, (uint32_t)(p + i - start), err) < 0)
                return -1;
        }
        p += n;
    }
    return 0;
}

/* ---- global variables ---- */

typedef struct gsym {
    uint64_t start, end;
    char *name;
} gsym;

typedef struct gsyms {
    gsym *v;
    size_t n, cap;
    const hs_region *regions; /* the writable ones count */
    size_t nregions;
} gsyms;

static int writable(const gsyms *s, uint64_t addr)
{
    for (size_t i = 0; i < s->nregions; i++)
        if ((s->regions[i].prot & 6) == 6 && addr >= s->regions[i].start && addr < s->regions[i].end)
            return 1;
    return 0;
}

static int add_symbols(void *ctx, const hs_mapping *m, const hs_symbol *sym, size_t n, uint64_t bias)
{
    (void)m;
    gsyms *s = ctx;
    for (size_t i = 0; i < n; i++) {
        uint64_t start = bias + sym[i].value;
        if (!sym[i].size || !*sym[i].name || !writable(s, start))
            continue;
        if (s->n == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 1024;
            gsym *v = realloc(s->v, cap * sizeof *v);
            if (!v)
                return -1;
            s->v = v, s->cap = cap;
        }
        char *d = !strncmp(sym[i].name, "_Z", 2) ? hs_demangle(sym[i].name) : NULL;
        if (!d && !(d = strdup(sym[i].name)))
            return -1;
        s->v[s->n++] = (gsym){start, start + sym[i].size, d};
    }
    return 0;
}

static int gsym_cmp(const void *a, const void *b)
{
    const gsym *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* The variable holding addr, or SIZE_MAX. */
static size_t gsym_at(const gsyms *s, uint64_t addr)
{
    size_t lo = 0, hi = s->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->v[mid].start <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo && addr < s->v[lo - 1].end ? lo - 1 : SIZE_MAX;
}

static void gsyms_free(gsyms *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i].name);
    free(s->v);
}

/* ---- roots ---- */

typedef struct rooter {
    glibc_graph *gg;
    hs_target *t;
    uint8_t *buf;
    gsyms syms;
    int named;
    /* while a module's region is split by variable: */
    uint64_t region;       /* its start */
    const char *module;    /* "data of libfoo.so" */
    uint32_t group;        /* of its words no variable covers */
    size_t cur;            /* the variable of the last root added, SIZE_MAX: none, SIZE_MAX-1: no variable */
} rooter;

static int new_root(rooter *ro, uint8_t kind, const char *name, uint32_t group, uint64_t addr, uint64_t aux,
                    hs_err *err)
{
    hs_root r = {kind, 1, hs_strtab_intern(hs_graph_names(ro->gg->g), name), group, addr, aux};
    if (r.name == UINT32_MAX || hs_graph_add_root(ro->gg->g, &r, err) == UINT32_MAX)
        return hs_errf(err, "out of memory for the heap's roots");
    ro->gg->nroots++;
    return 0;
}

static int root_edge(void *ctx, hs_oid dst, uint32_t tag, hs_err *err)
{
    return hs_graph_add_root_edge(((rooter *)ctx)->gg->g, dst, tag, err);
}

/* A pointer at region+tag of a module split by variable: into the variable's root (made when
 * the last pointer was elsewhere), or the module's. */
static int variable_edge(void *ctx, hs_oid dst, uint32_t tag, hs_err *err)
{
    rooter *ro = ctx;
    uint64_t at = ro->region + tag;
    size_t k = gsym_at(&ro->syms, at), key = k == SIZE_MAX ? SIZE_MAX - 1 : k;
    if (key != ro->cur) {
        int rc = k == SIZE_MAX ? new_root(ro, HS_ROOT_GLOBAL, ro->module, ro->group, ro->region, 0, err)
                               : new_root(ro, HS_ROOT_GLOBAL, ro->syms.v[k].name, 0, ro->syms.v[k].start, 0, err);
        if (rc < 0)
            return -1;
        ro->cur = key;
    }
    const hs_root *r = hs_graph_root(ro->gg->g, hs_graph_nroots(ro->gg->g) - 1);
    return hs_graph_add_root_edge(ro->gg->g, dst, (uint32_t)(at - r->addr), err);
}

/* The module whose data (or bss right after it) r is, or NULL. */
static const char *module_of(const hs_target *t, const hs_region *r)
{
    const hs_mapping *m = hs_target_module_of(t, r->start, r->end);
    const char *s = m ? strrchr(m->path, '/') : NULL;
    return s ? s + 1 : m ? m->path : NULL;
}

static int stack_root(rooter *ro, const hs_region *r, size_t k, hs_err *err)
{
    const hs_thread *th = &ro->t->threads[k];
    char name[64];
    snprintf(name, sizeof name, "stack of thread %d", th->tid);
    uint64_t sp = hs_thread_sp(ro->t->arch, th), from = sp - 128 > r->start ? sp - 128 : r->start;
    ro->gg->nthreads++;
    ro->gg->root_bytes += r->end - from;
    if (new_root(ro, HS_ROOT_FRAME, name, (uint32_t)k + 1, from, (uint64_t)th->tid, err) < 0)
        return -1;
    return glibc_scan(ro->t, ro->gg->g, from, r->end, ro->buf, root_edge, ro, err);
}

/* A writable range with no heap block in it: a thread's stack, a module's data, or another
 * mapping. */
static int piece_roots(rooter *ro, const hs_region *r, hs_err *err)
{
    for (size_t k = 0; k < ro->t->nthreads; k++) { /* a stack: from below the red zone up */
        uint64_t sp = hs_thread_sp(ro->t->arch, &ro->t->threads[k]);
        if (sp > r->start && sp <= r->end)
            return stack_root(ro, r, k, err);
    }
    char name[300];
    const char *mod = module_of(ro->t, r);
    if (mod)
        snprintf(name, sizeof name, "data of %s", mod);
    else
        snprintf(name, sizeof name, "mapping %#llx", (unsigned long long)r->start);
    ro->gg->root_bytes += r->end - r->start;
    if (mod && ro->named) {
        ro->region = r->start, ro->module = name, ro->cur = SIZE_MAX, ro->group = ++ro->gg->ngroups;
        return glibc_scan(ro->t, ro->gg->g, r->start, r->end, ro->buf, variable_edge, ro, err);
    }
    if (new_root(ro, HS_ROOT_GLOBAL, name, 0, r->start, 0, err) < 0)
        return -1;
    return glibc_scan(ro->t, ro->gg->g, r->start, r->end, ro->buf, root_edge, ro, err);
}

/* A writable mapping that is not one of the heaps: its ranges between mmapped chunks, which the
 * kernel may have merged with a thread's stack, its TLS or other anonymous memory (every chunk
 * starts a page, so the range is looked at page by page). */
static int region_roots(rooter *ro, glibc_heap *h, const hs_region *r, hs_err *err)
{
    for (size_t i = 0; i < h->nspans; i++)
        if (h->spans[i].start < r->end && r->start < h->spans[i].end)
            return 0; /* the heap itself */
    uint64_t from = r->start, at = r->start;
    while (at < r->end) {
        hs_oid o = hs_graph_find(ro->gg->g, at);
        if (o == HS_NO_OBJ) {
            at += 4096;
            continue;
        }
        uint64_t start = hs_graph_addr(ro->gg->g, o), end = start + hs_graph_size(ro->gg->g, o);
        hs_region piece = *r;
        piece.start = from, piece.end = start > from ? start : from; /* a memalign'd chunk's lead too */
        if (piece.end > from && piece_roots(ro, &piece, err) < 0)
            return -1;
        from = at = end > at ? (end + 4095) & ~(uint64_t)4095 : at + 4096;
    }
    hs_region piece = *r;
    piece.start = from, piece.end = r->end;
    return from < r->end ? piece_roots(ro, &piece, err) : 0;
}

static int register_roots(rooter *ro, hs_err *err)
{
    hs_target *t = ro->t;
    for (size_t k = 0; k < t->nthreads; k++) {
        char name[64];
        snprintf(name, sizeof name, "registers of thread %d", t->threads[k].tid);
        if (new_root(ro, HS_ROOT_REGISTERS, name, (uint32_t)k + 1, 0, (uint64_t)t->threads[k].tid, err) < 0)
            return -1;
        size_t hint = 0;
        for (int j = 0; j < hs_arch_nregs(t->arch); j++) {
            hs_oid o = glibc_block_at(ro->gg->g, t->threads[k].regs[j], &hint);
            if (o != HS_NO_OBJ && hs_graph_add_root_edge(ro->gg->g, o, (uint32_t)j, err) < 0)
                return -1;
        }
    }
    return 0;
}

int glibc_add_roots(glibc_graph *gg, glibc_heap *h, int named, uint8_t *buf, hs_err *err)
{
    rooter ro = {.gg = gg, .t = h->t, .buf = buf, .named = named};
    hs_region *r;
    size_t n;
    if (hs_target_regions(h->t, &r, &n, err) < 0)
        return -1;
    gg->ngroups = (uint32_t)h->t->nthreads; /* groups 1..nthreads: the threads */
    ro.syms.regions = r, ro.syms.nregions = n;
    int rc = named && glibc_each_module(h->t, add_symbols, &ro.syms) != 0
             ? hs_errf(err, "out of memory reading the modules' symbols") : 0;
    if (ro.syms.n > 1)
        qsort(ro.syms.v, ro.syms.n, sizeof *ro.syms.v, gsym_cmp);
    for (size_t i = 0; i < n && rc == 0; i++)
        if ((r[i].prot & 6) == 6)
            rc = region_roots(&ro, h, &r[i], err);
    if (rc == 0)
        rc = register_roots(&ro, err);
    free(r);
    gsyms_free(&ro.syms);
    return rc;
}

/* ---- names ---- */

static const char *const amd64_regs[HS_NREGS] = {
    "r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8", "rax", "rcx", "rdx", "rsi",
    "rdi", "orig_rax", "rip", "cs", "eflags", "rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"};

void glibc_root_label(const hs_graph *g, hs_arch arch, uint32_t ri, uint32_t tag, char *buf, size_t cap)
{
    const hs_root *r = hs_graph_root(g, ri);
    const char *name = hs_strtab_str(hs_graph_names(g), r->name);
    int whole = tag == UINT32_MAX;
    char reg[16];
    if (arch == HS_ARCH_ARM64)
        snprintf(reg, sizeof reg, tag == HS_A64_SP ? "sp" : tag == HS_A64_PC ? "pc" : "x%u", tag);
    else
        snprintf(reg, sizeof reg, "%s", tag < HS_NREGS ? amd64_regs[tag] : "?");
    if (r->kind == HS_ROOT_REGISTERS && !whole)
        snprintf(buf, cap, "thread %llu register %s", (unsigned long long)r->aux, reg);
    else if (r->kind == HS_ROOT_REGISTERS || r->kind == HS_ROOT_FRAME)
        snprintf(buf, cap, whole ? "thread %llu" : "stack of thread %llu", (unsigned long long)r->aux);
    else if (!whole && tag)
        snprintf(buf, cap, "%s+%#x", name, tag);
    else
        snprintf(buf, cap, "%s", name);
}
