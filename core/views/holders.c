/* holders.c - root units and the chains of shortest paths (see holders.h). Chains are built in
 * the order the path forest reached objects, so an object's parent has its chain before it. */
#include "holders.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CHAINS (1u << 22) /* beyond: a new step is not added (the chain stops growing) */

int hs_units_build(const hs_graph *g, hs_units *u, hs_err *err)
{
    uint32_t nroots = hs_graph_nroots(g), maxgroup = 0;
    memset(u, 0, sizeof *u);
    for (uint32_t r = 0; r < nroots; r++)
        if (hs_graph_root(g, r)->group > maxgroup)
            maxgroup = hs_graph_root(g, r)->group;
    uint32_t *of_group = malloc(((size_t)maxgroup + 1) * sizeof *of_group);
    u->unit_of = malloc(((size_t)nroots + 1) * sizeof *u->unit_of);
    u->first = malloc(((size_t)nroots + 1) * sizeof *u->first);
    if (!of_group || !u->unit_of || !u->first) {
        free(of_group);
        hs_units_free(u);
        return hs_errf(err, "out of memory grouping %u roots", nroots);
    }
    memset(of_group, 0xff, ((size_t)maxgroup + 1) * sizeof *of_group);
    for (uint32_t r = 0; r < nroots; r++) {
        uint32_t grp = hs_graph_root(g, r)->group;
        if (grp && of_group[grp] != UINT32_MAX) {
            u->unit_of[r] = of_group[grp];
            continue;
        }
        u->first[u->n] = r;
        u->unit_of[r] = u->n;
        if (grp)
            of_group[grp] = u->n;
        u->n++;
    }
    free(of_group);
    return 0;
}

void hs_units_free(hs_units *u)
{
    free(u->unit_of);
    free(u->first);
    memset(u, 0, sizeof *u);
}

/* ---- the trie ---- */

typedef struct cnode {
    uint32_t parent, name; /* parent chain (HS_NO_CHAIN at a root), name id of the step/label */
    uint32_t root, tag;    /* the root and edge that first started this chain */
} cnode;

struct hs_chains {
    cnode *nodes;
    uint32_t n, cap;
    uint32_t *slot;   /* open-addressing table of node ids by (parent, name) */
    uint32_t nslot;   /* a power of two */
    uint32_t *of;     /* per object: its chain */
};

static uint32_t hash2(uint32_t a, uint32_t b)
{
    uint64_t h = ((uint64_t)a << 32 | b) * 0x9e3779b97f4a7c15ull;
    return (uint32_t)(h >> 32);
}

static int grow(hs_chains *c)
{
    uint32_t nslot = c->nslot ? c->nslot * 2 : 1024;
    uint32_t *slot = malloc((size_t)nslot * sizeof *slot);
    if (!slot)
        return -1;
    memset(slot, 0xff, (size_t)nslot * sizeof *slot);
    for (uint32_t i = 0; i < c->n; i++) {
        uint32_t h = hash2(c->nodes[i].parent, c->nodes[i].name) & (nslot - 1);
        while (slot[h] != UINT32_MAX)
            h = (h + 1) & (nslot - 1);
        slot[h] = i;
    }
    free(c->slot);
    c->slot = slot;
    c->nslot = nslot;
    return 0;
}

/* The chain `parent` extended by `name` (found or made); parent itself when the trie is full
 * or out of memory (the chain then stops growing: still a true prefix of the path). */
static uint32_t extend(hs_chains *c, uint32_t parent, uint32_t name, uint32_t root, uint32_t tag)
{
    if ((c->n + 1) * 2 > c->nslot && (c->n >= MAX_CHAINS || grow(c) < 0))
        return parent;
    uint32_t h = hash2(parent, name) & (c->nslot - 1);
    for (; c->slot[h] != UINT32_MAX; h = (h + 1) & (c->nslot - 1)) {
        const cnode *x = &c->nodes[c->slot[h]];
        if (x->parent == parent && x->name == name)
            return c->slot[h];
    }
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 1024;
        cnode *v = realloc(c->nodes, (size_t)cap * sizeof *v);
        if (!v)
            return parent;
        c->nodes = v;
        c->cap = cap;
    }
    c->nodes[c->n] = (cnode){parent, name, root, tag};
    c->slot[h] = c->n;
    return c->n++;
}

/* Chains of the objects a root reaches first: the label of the first root (in root order)
 * whose edge reaches them. */
static void first_steps(hs_chains *c, const hs_graph *g, const hs_paths *p, const hs_units *u,
                        const hs_chain_namer *nm)
{
    for (uint32_t r = 0; r < hs_graph_nroots(g); r++) {
        uint32_t n, unit;
        const hs_oid *e = hs_graph_root_edges(g, r, &n);
        const uint32_t *tags = hs_graph_root_edge_tags(g, r);
        for (uint32_t i = 0; i < n; i++) {
            hs_oid o = e[i];
            if (c->of[o] != HS_NO_CHAIN || hs_paths_parent(p, o, &unit) != HS_NO_OBJ ||
                unit != u->unit_of[r])
                continue; /* named already, or reached otherwise */
            uint32_t tag = tags ? tags[i] : 0;
            c->of[o] = extend(c, HS_NO_CHAIN, nm->label(nm->ctx, r, tag, o), r, tag);
        }
    }
}

int hs_chains_build(hs_chains **out, const hs_graph *g, const hs_paths *p, const hs_units *u,
                    const hs_chain_namer *nm, hs_err *err)
{
    hs_chains *c = calloc(1, sizeof *c);
    uint32_t nslots = hs_graph_nslots(g);
    if (!c || !(c->of = malloc(((size_t)nslots + 1) * sizeof *c->of)) || grow(c) < 0) {
        hs_chains_free(c);
        return hs_errf(err, "out of memory for reference paths");
    }
    memset(c->of, 0xff, ((size_t)nslots + 1) * sizeof *c->of);
    first_steps(c, g, p, u, nm);
    size_t n;
    const hs_oid *order = hs_paths_order(p, &n);
    for (size_t i = 0; i < n; i++) {
        hs_oid o = order[i], up;
        uint32_t unit;
        if ((up = hs_paths_parent(p, o, &unit)) == HS_NO_OBJ || c->of[up] == HS_NO_CHAIN)
            continue; /* a root's own (named above), or a parent without a chain */
        uint32_t from = c->of[up], step = nm->step(nm->ctx, up, hs_graph_name(g, up), hs_paths_tag(p, o));
        const cnode *last = &c->nodes[from];
        c->of[o] = !step || (last->parent != HS_NO_CHAIN && last->name == step)
                       ? from
                       : extend(c, from, step, last->root, last->tag);
    }
    *out = c;
    return 0;
}

void hs_chains_free(hs_chains *c)
{
    if (!c)
        return;
    free(c->nodes);
    free(c->slot);
    free(c->of);
    free(c);
}

uint32_t hs_chains_of(const hs_chains *c, hs_oid o) { return c->of[o]; }

uint32_t hs_chains_count(const hs_chains *c) { return c->n; }

uint32_t hs_chains_root(const hs_chains *c, uint32_t chain, uint32_t *tag)
{
    *tag = c->nodes[chain].tag;
    return c->nodes[chain].root;
}

size_t hs_chains_steps(const hs_chains *c, uint32_t chain, uint32_t *out, size_t max)
{
    size_t len = 0;
    for (uint32_t k = chain; k != HS_NO_CHAIN && len < MAX_CHAINS; k = c->nodes[k].parent)
        len++;
    size_t i = len;
    for (uint32_t k = chain; k != HS_NO_CHAIN && i > 0; k = c->nodes[k].parent)
        if (--i < max)
            out[i] = c->nodes[k].name;
    return len;
}
