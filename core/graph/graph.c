/* graph.c - building and querying the object graph (see graph.h). Edge and root arrays grow by
 * half again when full (realloc of large blocks remaps rather than copies) and are trimmed when
 * closed. */
#include "graph.h"
#include "pageindex.h"

#include <stdlib.h>
#include <string.h>

#define NO_BLOCK HS_PAGEINDEX_NONE

typedef struct u32vec {
    uint32_t *v;
    uint64_t n, cap;
} u32vec;

struct hs_graph {
    uint32_t nslots;
    int keep_tags;
    hs_strtab *names;
    uint8_t *present;      /* one bit per slot */
    uint32_t *type;        /* name id per slot */
    uint8_t *flags;        /* per slot, on demand */
    hs_block *blocks;
    size_t nblocks, capblocks;
    hs_objtable *table;    /* objects of their own sizes, instead of blocks */
    hs_pageindex index;    /* the address index (empty until hs_graph_end_blocks) */
    uint32_t *off;         /* nslots + 1 edge offsets */
    uint32_t next_off;     /* first slot whose offset is not written yet */
    u32vec dst, tag;
    int edges_closed;
    hs_root *roots;
    uint32_t nroots, caproots;
    uint32_t *root_off;    /* nroots + 1 */
    u32vec root_dst, root_tag;
};

hs_graph *hs_graph_new(uint32_t nslots, int keep_tags)
{
    if (nslots > HS_GRAPH_MAX_SLOTS)
        return NULL;
    hs_graph *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    g->nslots = nslots;
    g->keep_tags = keep_tags;
    g->names = hs_strtab_new();
    g->present = calloc((size_t)nslots / 8 + 8, 1);
    g->type = calloc((size_t)nslots + 1, sizeof *g->type);
    g->off = malloc(((size_t)nslots + 1) * sizeof *g->off);
    g->root_off = calloc(1, sizeof *g->root_off);
    if (!g->names || !g->present || !g->type || !g->off || !g->root_off) {
        hs_graph_free(g);
        return NULL;
    }
    return g;
}

void hs_graph_free(hs_graph *g)
{
    if (!g)
        return;
    hs_strtab_free(g->names);
    free(g->present);
    free(g->type);
    free(g->flags);
    hs_pageindex_free(&g->index);
    free(g->blocks);
    hs_objtable_free(g->table);
    free(g->off);
    free(g->dst.v);
    free(g->tag.v);
    free(g->roots);
    free(g->root_off);
    free(g->root_dst.v);
    free(g->root_tag.v);
    free(g);
}

uint32_t hs_graph_nslots(const hs_graph *g) { return g->nslots; }
hs_strtab *hs_graph_names(const hs_graph *g) { return g->names; }

/* ---- objects ---- */

int hs_graph_add_block(hs_graph *g, const hs_block *b, hs_err *err)
{
    const hs_block *last = g->nblocks ? &g->blocks[g->nblocks - 1] : NULL;
    if (b->stride == 0 || b->count == 0 || (uint64_t)b->first + b->count > g->nslots ||
        b->base + (b->count - 1) * b->stride < b->base)
        return hs_errf(err, "object block at 0x%llx: bad shape", (unsigned long long)b->base);
    if (last && (b->base < last->base + last->count * last->stride || b->first < last->first + last->count))
        return hs_errf(err, "object block at 0x%llx overlaps or precedes the one before it",
                       (unsigned long long)b->base);
    if (g->nblocks == g->capblocks) {
        size_t cap = g->capblocks ? g->capblocks * 2 : 1024;
        hs_block *v = realloc(g->blocks, cap * sizeof *v);
        if (!v)
            return hs_errf(err, "out of memory for %zu object blocks", cap);
        g->blocks = v;
        g->capblocks = cap;
    }
    /* (off * ceil(2^32/stride)) >> 32 == off / stride for every off below 2^32/stride (the error
     * term stays under 1/stride): true for the whole block when count * stride^2 <= 2^32 */
    uint64_t bytes = b->count * b->stride;
    g->blocks[g->nblocks] = *b;
    g->blocks[g->nblocks++].divmul = b->count > 1 && b->stride < (1u << 16) &&
                                             bytes * b->stride <= (1ull << 32)
                                         ? (uint32_t)(UINT32_MAX / b->stride + 1) : 0;
    return 0;
}

/* The last block whose base is at or below addr, or nblocks when none. */
static size_t block_at(const hs_graph *g, uint64_t addr)
{
    size_t lo = 0, hi = g->nblocks; /* first block with base > addr */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->blocks[mid].base <= addr)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo ? lo - 1 : g->nblocks;
}

static hs_oid in_block(const hs_graph *g, const hs_block *b, uint64_t addr)
{
    if (addr < b->base)
        return HS_NO_OBJ;
    uint64_t off = addr - b->base, k;
    uint32_t mul = b->divmul;
    if (b->count == 1)
        k = off < b->stride ? 0 : 1;
    else if (mul && off < b->count * b->stride)
        k = (off * mul) >> 32;
    else
        k = off / b->stride;
    if (k >= b->count)
        return HS_NO_OBJ;
    hs_oid o = b->first + (uint32_t)k;
    return hs_graph_present(g, o) ? o : HS_NO_OBJ;
}

int hs_graph_end_blocks(hs_graph *g, hs_err *err)
{
    if (g->index.nregions || g->nblocks > NO_BLOCK)
        return 0;
    for (size_t i = 0; i < g->nblocks; i++) {
        const hs_block *b = &g->blocks[i];
        if (hs_pageindex_add(&g->index, b->base, b->base + b->count * b->stride, (uint32_t)i) < 0)
            return hs_errf(err, "out of memory for the address index");
    }
    return 0;
}

size_t hs_graph_block_at(const hs_graph *g, uint64_t addr)
{
    if (!g->index.nregions) {
        size_t i = block_at(g, addr);
        if (i < g->nblocks && addr - g->blocks[i].base < g->blocks[i].count * g->blocks[i].stride)
            return i;
        return SIZE_MAX;
    }
    uint32_t i = hs_pageindex_first(&g->index, addr);
    for (; i != NO_BLOCK && i < g->nblocks && g->blocks[i].base <= addr; i++) {
        const hs_block *b = &g->blocks[i];
        if (addr - b->base < b->count * b->stride)
            return i;
    }
    return SIZE_MAX;
}

hs_oid hs_graph_find_start(const hs_graph *g, uint64_t addr, size_t *hint, uint64_t *start)
{
    hs_oid o = hs_graph_find_hint(g, addr, hint);
    if (o != HS_NO_OBJ && g->table)
        *start = hs_objtable_addr(g->table, o);
    else if (o != HS_NO_OBJ) {
        const hs_block *b = &g->blocks[*hint];
        *start = b->base + (uint64_t)(o - b->first) * b->stride;
    }
    return o;
}

size_t hs_graph_block_at_hint(const hs_graph *g, uint64_t addr, size_t *hint)
{
    if (*hint < g->nblocks) {
        const hs_block *b = &g->blocks[*hint];
        if (addr >= b->base && addr - b->base < b->count * b->stride)
            return *hint;
    }
    size_t i = hs_graph_block_at(g, addr);
    if (i != SIZE_MAX)
        *hint = i;
    return i;
}

int hs_graph_set_objects(hs_graph *g, hs_objtable *t, hs_err *err)
{
    if (g->nblocks || g->table || hs_objtable_count(t) != g->nslots) {
        hs_objtable_free(t);
        return hs_errf(err, "an object table of %u objects for a graph of %u slots and %zu blocks",
                       hs_objtable_count(t), g->nslots, g->nblocks);
    }
    g->table = t;
    memset(g->present, 0xff, (size_t)g->nslots / 8);
    for (uint32_t o = g->nslots & ~7u; o < g->nslots; o++)
        hs_graph_set_present(g, o);
    return 0;
}

/* hs_graph_find_hint on an object table (the hint is an object there). */
static hs_oid table_find(const hs_graph *g, uint64_t addr, size_t *hint)
{
    uint32_t h = *hint < g->nslots ? (uint32_t)*hint : 0;
    uint32_t k = hs_objtable_find(g->table, addr, &h);
    *hint = h;
    return k == UINT32_MAX || !hs_graph_present(g, k) ? HS_NO_OBJ : k;
}

size_t hs_graph_nblocks(const hs_graph *g) { return g->nblocks; }

const hs_block *hs_graph_block(const hs_graph *g, size_t i) { return i < g->nblocks ? &g->blocks[i] : NULL; }

const hs_block *hs_graph_block_of(const hs_graph *g, hs_oid o)
{
    size_t lo = 0, hi = g->nblocks; /* first block with first > o */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->blocks[mid].first <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return NULL;
    const hs_block *b = &g->blocks[lo - 1];
    return o - b->first < b->count ? b : NULL;
}

void hs_graph_set_present(hs_graph *g, hs_oid o)
{
    if (o < g->nslots)
        g->present[o >> 3] |= (uint8_t)(1u << (o & 7));
}

void hs_graph_copy_present(hs_graph *g, hs_oid first, const uint8_t *bits, uint32_t count)
{
    if (first >= g->nslots || count > g->nslots - first)
        return;
    if ((first & 7) == 0 && (count & 7) == 0) {
        memcpy(g->present + first / 8, bits, count / 8);
        return;
    }
    for (uint32_t k = 0; k < count; k++)
        if (bits[k >> 3] >> (k & 7) & 1)
            hs_graph_set_present(g, first + k);
}

int hs_graph_present(const hs_graph *g, hs_oid o)
{
    return o < g->nslots && (g->present[o >> 3] >> (o & 7) & 1);
}

const uint8_t *hs_graph_present_bits(const hs_graph *g) { return g->present; }

hs_oid hs_graph_find(const hs_graph *g, uint64_t addr)
{
    size_t hint = 0;
    if (g->table)
        return table_find(g, addr, &hint);
    size_t i = hs_graph_block_at(g, addr);
    return i < g->nblocks ? in_block(g, &g->blocks[i], addr) : HS_NO_OBJ;
}

hs_oid hs_graph_find_hint(const hs_graph *g, uint64_t addr, size_t *hint)
{
    if (g->table)
        return table_find(g, addr, hint);
    if (*hint < g->nblocks) {
        const hs_block *b = &g->blocks[*hint];
        if (addr >= b->base && addr - b->base < b->count * b->stride)
            return in_block(g, b, addr);
    }
    size_t i = hs_graph_block_at(g, addr);
    if (i >= g->nblocks)
        return HS_NO_OBJ;
    *hint = i;
    return in_block(g, &g->blocks[i], addr);
}

uint64_t hs_graph_addr(const hs_graph *g, hs_oid o)
{
    if (g->table)
        return hs_objtable_addr(g->table, o);
    const hs_block *b = hs_graph_block_of(g, o);
    return b ? b->base + (uint64_t)(o - b->first) * b->stride : 0;
}

uint64_t hs_graph_size(const hs_graph *g, hs_oid o)
{
    if (g->table)
        return hs_objtable_size(g->table, o);
    const hs_block *b = hs_graph_block_of(g, o);
    return b ? b->stride : 0;
}

uint32_t hs_graph_type(const hs_graph *g, hs_oid o) { return o < g->nslots ? g->type[o] : 0; }

uint32_t hs_graph_name(const hs_graph *g, hs_oid o)
{
    uint32_t t = hs_graph_type(g, o);
    if (t)
        return t;
    if (g->table)
        return hs_objtable_untyped(g->table, o);
    const hs_block *b = hs_graph_block_of(g, o);
    return b ? b->untyped : 0;
}

void hs_graph_set_type(hs_graph *g, hs_oid o, uint32_t name)
{
    if (o < g->nslots)
        g->type[o] = name;
}

uint32_t *hs_graph_types(hs_graph *g) { return g->type; }

uint8_t *hs_graph_flags(hs_graph *g)
{
    if (!g->flags)
        g->flags = calloc((size_t)g->nslots + 1, 1);
    return g->flags;
}

/* ---- edges ---- */

static int push(u32vec *v, uint32_t x)
{
    if (v->n == v->cap) {
        uint64_t cap = v->cap ? v->cap + v->cap / 2 : 4096;
        if (cap > UINT32_MAX)
            cap = UINT32_MAX;
        if (cap <= v->n)
            return -1;
        uint32_t *p = realloc(v->v, cap * sizeof *p);
        if (!p)
            return -1;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}

static void trim(u32vec *v)
{
    if (v->n && v->n < v->cap) {
        uint32_t *p = realloc(v->v, v->n * sizeof *p);
        if (p) {
            v->v = p;
            v->cap = v->n;
        }
    }
}

int hs_graph_add_edge(hs_graph *g, hs_oid src, hs_oid dst, uint32_t tag, hs_err *err)
{
    if (g->edges_closed || src >= g->nslots || dst >= g->nslots || (g->next_off && src + 1 < g->next_off))
        return hs_errf(err, "edge %u -> %u out of order or out of range", src, dst);
    while (g->next_off <= src)
        g->off[g->next_off++] = (uint32_t)g->dst.n;
    if (push(&g->dst, dst) < 0 || (g->keep_tags && push(&g->tag, tag) < 0))
        return hs_errf(err, "out of memory for %llu edges (or more than 4 billion)",
                       (unsigned long long)g->dst.n + 1);
    return 0;
}

void hs_graph_end_edges(hs_graph *g)
{
    if (g->edges_closed)
        return;
    while (g->next_off <= g->nslots)
        g->off[g->next_off++] = (uint32_t)g->dst.n;
    trim(&g->dst);
    trim(&g->tag);
    g->edges_closed = 1;
}

const hs_oid *hs_graph_edges(const hs_graph *g, hs_oid o, uint32_t *n)
{
    if (!g->edges_closed || o >= g->nslots) {
        *n = 0;
        return NULL;
    }
    *n = g->off[o + 1] - g->off[o];
    return g->dst.v ? g->dst.v + g->off[o] : NULL;
}

int hs_graph_keeps_tags(const hs_graph *g) { return g->keep_tags; }

const uint32_t *hs_graph_edge_tags(const hs_graph *g, hs_oid o)
{
    if (!g->keep_tags || !g->edges_closed || o >= g->nslots || !g->tag.v)
        return NULL;
    return g->tag.v + g->off[o];
}

uint64_t hs_graph_nedges(const hs_graph *g) { return g->dst.n; }

/* ---- roots ---- */

uint32_t hs_graph_add_root(hs_graph *g, const hs_root *r, hs_err *err)
{
    if (g->nroots + 1 >= g->caproots) {
        uint32_t cap = g->caproots ? g->caproots * 2 : 1024;
        hs_root *v = realloc(g->roots, cap * sizeof *v);
        uint32_t *o = v ? realloc(g->root_off, ((size_t)cap + 1) * sizeof *o) : NULL;
        if (v)
            g->roots = v;
        if (!o) {
            hs_errf(err, "out of memory for %u roots", cap);
            return UINT32_MAX;
        }
        g->root_off = o;
        g->caproots = cap;
    }
    g->roots[g->nroots] = *r;
    g->root_off[g->nroots] = (uint32_t)g->root_dst.n;
    g->root_off[++g->nroots] = (uint32_t)g->root_dst.n;
    return g->nroots - 1;
}

int hs_graph_add_root_edge(hs_graph *g, hs_oid dst, uint32_t tag, hs_err *err)
{
    if (g->nroots == 0 || dst >= g->nslots)
        return hs_errf(err, "root edge to %u without a root or out of range", dst);
    if (push(&g->root_dst, dst) < 0 || (g->keep_tags && push(&g->root_tag, tag) < 0))
        return hs_errf(err, "out of memory for root edges");
    g->root_off[g->nroots] = (uint32_t)g->root_dst.n;
    return 0;
}

uint32_t hs_graph_nroots(const hs_graph *g) { return g->nroots; }

const hs_root *hs_graph_root(const hs_graph *g, uint32_t r) { return r < g->nroots ? &g->roots[r] : NULL; }

const hs_oid *hs_graph_root_edges(const hs_graph *g, uint32_t r, uint32_t *n)
{
    if (r >= g->nroots) {
        *n = 0;
        return NULL;
    }
    *n = g->root_off[r + 1] - g->root_off[r];
    return g->root_dst.v ? g->root_dst.v + g->root_off[r] : NULL;
}

const uint32_t *hs_graph_root_edge_tags(const hs_graph *g, uint32_t r)
{
    if (!g->keep_tags || r >= g->nroots || !g->root_tag.v)
        return NULL;
    return g->root_tag.v + g->root_off[r];
}

size_t hs_graph_memory(const hs_graph *g)
{
    size_t n = (size_t)g->nslots / 8 + (size_t)g->nslots * 8 + (g->flags ? g->nslots : 0);
    n += g->capblocks * sizeof(hs_block) + (g->dst.cap + g->tag.cap + g->root_dst.cap + g->root_tag.cap) * 4;
    n += hs_pageindex_memory(&g->index) + (g->table ? hs_objtable_memory(g->table) : 0);
    return n + (size_t)g->caproots * (sizeof(hs_root) + 4);
}
