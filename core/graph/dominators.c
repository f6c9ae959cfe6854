/* dominators.c - semi-NCA dominators (see dominators.h). Nodes: 0 the pseudo-root, 1..nunits
 * the units, nunits+1+o object o. Depth-first numbers run from 1 (the pseudo-root); arrays
 * indexed by them hold 0 for "none". */
#include "dominators.h"

#include <stdlib.h>
#include <string.h>

#include "root_sets.h"

#define POLL_EVERY 65536

struct hs_dom {
    const hs_graph *g;
    uint32_t nunits, nslots, n; /* n: reached nodes */
    uint32_t *dfn;              /* per node: depth-first number, 0 = not reached */
    uint32_t *vertex;           /* per number: the node */
    uint32_t *idom;             /* per number: the immediate dominator's number (0 for the root) */
    uint64_t *ret_bytes;        /* per number: retained bytes */
    uint32_t *ret_objs;         /* per number: retained objects */
};

typedef struct build {
    hs_dom *d;
    const uint8_t *live;
    uint32_t *ustart, *utgt; /* the units' targets (CSR) */
    uint32_t *parent, *semi, *label, *anc, *buf, *pstart, *pred;
    uint32_t nbuf;
    int (*poll)(void *);
    void *ctx;
    hs_progress *prog;
} build;

static int takes_part(const build *b, hs_oid o)
{
    const hs_graph *g = b->d->g;
    return o < b->d->nslots && hs_graph_present(g, o) && (!b->live || (b->live[o >> 3] >> (o & 7) & 1));
}

/* The k-th successor of node v (*k advanced past it), or UINT32_MAX when there are no more. */
static uint32_t next_succ(const build *b, uint32_t v, uint32_t *k)
{
    const hs_dom *d = b->d;
    if (v == 0)
        return *k < d->nunits ? 1 + (*k)++ : UINT32_MAX;
    if (v <= d->nunits) {
        uint32_t i = b->ustart[v - 1] + *k, end = b->ustart[v];
        return i < end ? ((*k)++, d->nunits + 1 + b->utgt[i]) : UINT32_MAX;
    }
    uint32_t n;
    const hs_oid *e = hs_graph_edges(d->g, v - d->nunits - 1, &n);
    while (*k < n) {
        hs_oid w = e[(*k)++];
        if (takes_part(b, w))
            return d->nunits + 1 + w;
    }
    return UINT32_MAX;
}

/* The units' targets: every root's edges to objects that take part, unit by unit (counted, then
 * filled). */
static int unit_targets(build *b, const uint32_t *unit_of, hs_err *err)
{
    const hs_graph *g = b->d->g;
    uint32_t nu = b->d->nunits, *start, *roots;
    if (hs_root_sets(g, unit_of, nu, &start, &roots, err) < 0)
        return -2; /* err says why */
    uint64_t total = 0;
    int r = (b->ustart = calloc((size_t)nu + 1, sizeof *b->ustart)) ? 0 : -1;
    for (int pass = 0; pass < 2 && r == 0; pass++) {
        total = 0;
        for (uint32_t u = 0; u < nu; u++) {
            b->ustart[u] = (uint32_t)total;
            for (uint32_t k = start[u]; k < start[u + 1]; k++) {
                uint32_t n;
                const hs_oid *e = hs_graph_root_edges(g, roots[k], &n);
                for (uint32_t i = 0; i < n; i++) {
                    if (!takes_part(b, e[i]))
                        continue;
                    if (pass == 1)
                        b->utgt[total] = e[i];
                    total++;
                }
            }
        }
        b->ustart[nu] = (uint32_t)total;
        if (pass == 0 && (total >= UINT32_MAX || !(b->utgt = malloc((size_t)(total + 1) * sizeof *b->utgt))))
            r = -1;
    }
    free(start);
    free(roots);
    return r;
}

/* Depth-first numbering from the pseudo-root, with each node's tree parent. */
static int number(build *b, hs_err *err)
{
    hs_dom *d = b->d;
    size_t cap = 1024, sp = 0;
    uint32_t *node = malloc(cap * sizeof *node), *cur = malloc(cap * sizeof *cur);
    int r = node && cur ? 0 : -1;
    if (r == 0) {
        d->dfn[0] = d->n = 1;
        d->vertex[1] = 0;
        b->parent[1] = 0;
        node[0] = 0, cur[0] = 0, sp = 1;
    }
    hs_progress_phase(b->prog, "dominators: numbering objects", 0, HS_PROG_COUNT);
    for (uint64_t step = 0; r == 0 && sp > 0; step++) {
        if (b->poll && step % POLL_EVERY == 0 && b->poll(b->ctx)) {
            r = -2;
            hs_errf(err, "interrupted");
            break;
        }
        if (step % POLL_EVERY == 0)
            hs_progress_update(b->prog, d->n);
        uint32_t v = node[sp - 1], w;
        do
            w = next_succ(b, v, &cur[sp - 1]);
        while (w != UINT32_MAX && d->dfn[w]);
        if (w == UINT32_MAX) {
            sp--;
            continue;
        }
        d->dfn[w] = ++d->n;
        d->vertex[d->n] = w;
        b->parent[d->n] = d->dfn[v];
        if (sp == cap) {
            cap *= 2;
            uint32_t *a = realloc(node, cap * sizeof *a), *c = a ? realloc(cur, cap * sizeof *c) : NULL;
            if (a)
                node = a;
            if (c)
                cur = c;
            if (!a || !c) {
                r = -1;
                break;
            }
        }
        node[sp] = w, cur[sp] = 0, sp++;
    }
    free(node);
    free(cur);
    return r;
}

/* Predecessors of every reached node, by number (CSR in pstart/pred). */
static int predecessors(build *b)
{
    hs_dom *d = b->d;
    uint64_t total = 0;
    if (!(b->pstart = calloc((size_t)d->n + 2, sizeof *b->pstart)))
        return -1;
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t i = 1; i <= d->n; i++) {
            uint32_t k = 0, w;
            while ((w = next_succ(b, d->vertex[i], &k)) != UINT32_MAX) {
                uint32_t j = d->dfn[w];
                if (pass == 0)
                    b->pstart[j + 1]++, total++;
                else
                    b->pred[b->pstart[j]++] = i;
            }
        }
        if (pass == 0) {
            if (total >= UINT32_MAX || !(b->pred = malloc((size_t)(total + 1) * sizeof *b->pred)))
                return -1;
            for (uint32_t j = 1; j <= d->n + 1; j++)
                b->pstart[j] += b->pstart[j - 1];
        } else { /* pstart[j] now ends j's list, where j+1's begins: shift back */
            memmove(b->pstart + 1, b->pstart, (size_t)d->n * sizeof *b->pstart);
            b->pstart[0] = b->pstart[1] = 0;
        }
    }
    return 0;
}

/* The node with the least semidominator on v's path in the linked forest (path compression).
 * The path is kept in buf, grown as needed (paths are short once compressed). */
static uint32_t eval(build *b, uint32_t v)
{
    uint32_t *anc = b->anc, *label = b->label, *semi = b->semi, k = 0;
    if (!anc[v])
        return v;
    for (uint32_t x = v; anc[anc[x]]; x = anc[x]) {
        if (k == b->nbuf) {
            uint32_t *nb = realloc(b->buf, (b->nbuf * 2 + 1024) * sizeof *nb);
            if (!nb) { /* no room to compress: the answer without compressing */
                uint32_t best = label[v];
                for (uint32_t y = anc[v]; anc[y]; y = anc[y])
                    if (semi[label[y]] < semi[best])
                        best = label[y];
                return best;
            }
            b->buf = nb;
            b->nbuf = b->nbuf * 2 + 1024;
        }
        b->buf[k++] = x;
    }
    while (k > 0) {
        uint32_t x = b->buf[--k], a = anc[x];
        if (semi[label[a]] < semi[label[x]])
            label[x] = label[a];
        anc[x] = anc[a];
    }
    return label[v];
}

static int semi_nca(build *b, hs_err *err)
{
    hs_dom *d = b->d;
    uint32_t n = d->n, end = b->pstart[n + 1];
    for (uint32_t i = 1; i <= n; i++)
        b->label[i] = i, b->anc[i] = 0;
    /* a node's semidominator takes its place in pstart once its predecessors are read: the
     * nodes numbered above i hold theirs; the others (unlinked) are their own */
    b->semi = b->pstart;
    hs_progress_phase(b->prog, "dominators", n, HS_PROG_PERCENT);
    for (uint32_t i = n; i >= 2; i--) {
        if (b->poll && i % POLL_EVERY == 0 && b->poll(b->ctx))
            return hs_errf(err, "interrupted"), -2;
        if (i % POLL_EVERY == 0)
            hs_progress_update(b->prog, n - i);
        uint32_t start = b->pstart[i], s = i;
        for (uint32_t p = start; p < end; p++) {
            uint32_t u = eval(b, b->pred[p]), su = u > i ? b->semi[u] : u;
            if (su < s)
                s = su;
        }
        end = start;
        b->semi[i] = s;
        b->anc[i] = b->parent[i];
    }
    d->idom = b->parent; /* the parent, then up the tree to the nearest common ancestor */
    b->parent = NULL;
    d->idom[1] = 0;
    for (uint32_t i = 2; i <= n; i++)
        while (d->idom[i] > b->semi[i])
            d->idom[i] = d->idom[d->idom[i]];
    return 0;
}

static int retained(hs_dom *d)
{
    d->ret_bytes = calloc((size_t)d->n + 1, sizeof *d->ret_bytes);
    d->ret_objs = calloc((size_t)d->n + 1, sizeof *d->ret_objs);
    if (!d->ret_bytes || !d->ret_objs)
        return -1;
    for (uint32_t i = d->n; i >= 1; i--) {
        uint32_t v = d->vertex[i];
        if (v > d->nunits) {
            d->ret_objs[i]++;
            d->ret_bytes[i] += hs_graph_size(d->g, v - d->nunits - 1);
        }
        if (i > 1) {
            d->ret_objs[d->idom[i]] += d->ret_objs[i];
            d->ret_bytes[d->idom[i]] += d->ret_bytes[i];
        }
    }
    return 0;
}

static void build_free(build *b)
{
    free(b->ustart);
    free(b->utgt);
    free(b->parent);
    free(b->label);
    free(b->anc);
    free(b->buf);
    free(b->pstart);
    free(b->pred);
}

int hs_dom_build(hs_dom **out, const hs_graph *g, const uint8_t *live, const uint32_t *unit_of,
                 uint32_t nunits, int (*poll)(void *ctx), void *ctx, hs_progress *prog, hs_err *err)
{
    hs_dom *d = calloc(1, sizeof *d);
    build b = {.d = d, .live = live, .poll = poll, .ctx = ctx, .prog = prog};
    uint64_t nodes = 1 + (uint64_t)nunits + hs_graph_nslots(g);
    int r = d && nodes < UINT32_MAX ? 0 : -1;
    if (r == 0) {
        d->g = g, d->nunits = nunits, d->nslots = hs_graph_nslots(g);
        d->dfn = calloc(nodes, sizeof *d->dfn);
        d->vertex = malloc((nodes + 1) * sizeof *d->vertex);
        b.parent = malloc((nodes + 1) * sizeof *b.parent);
        r = d->dfn && d->vertex && b.parent ? unit_targets(&b, unit_of, err) : -1;
    }
    if (r == 0)
        r = number(&b, err);
    if (r == 0) {
        size_t m = (size_t)d->n + 1;
        uint32_t *v = realloc(d->vertex, m * sizeof *v), *p; /* shrink to what was reached */
        if (v)
            d->vertex = v;
        if ((p = realloc(b.parent, (m + 1) * sizeof *p)))
            b.parent = p;
        r = predecessors(&b);
        free(d->dfn); /* not needed until the questions: made again from vertex below */
        d->dfn = NULL;
        b.label = malloc(m * sizeof *b.label);
        b.anc = malloc(m * sizeof *b.anc);
        r = r == 0 && b.label && b.anc ? semi_nca(&b, err) : r < 0 ? r : -1;
    }
    build_free(&b);
    if (r == 0 && !(d->dfn = calloc(nodes, sizeof *d->dfn)))
        r = -1;
    for (uint32_t i = 1; r == 0 && i <= d->n; i++)
        d->dfn[d->vertex[i]] = i;
    if (r == 0 && retained(d) < 0)
        r = -1;
    if (r < 0) {
        if (r == -1) /* -2: err says why already (interrupted) */
            hs_errf(err, "out of memory for the dominator tree of %u objects", hs_graph_nslots(g));
        hs_dom_free(d);
        return -1;
    }
    *out = d;
    return 0;
}

void hs_dom_free(hs_dom *d)
{
    if (!d)
        return;
    free(d->dfn);
    free(d->vertex);
    free(d->idom);
    free(d->ret_bytes);
    free(d->ret_objs);
    free(d);
}

static uint32_t num_of(const hs_dom *d, hs_oid o)
{
    return o < d->nslots ? d->dfn[d->nunits + 1 + o] : 0;
}

int hs_dom_reached(const hs_dom *d, hs_oid o) { return num_of(d, o) != 0; }

hs_oid hs_dom_idom(const hs_dom *d, hs_oid o, uint32_t *unit)
{
    uint32_t i = num_of(d, o), up = i ? d->idom[i] : 0, v = up ? d->vertex[up] : 0;
    *unit = v >= 1 && v <= d->nunits ? v - 1 : UINT32_MAX;
    return v > d->nunits ? v - d->nunits - 1 : HS_NO_OBJ;
}

hs_oid hs_dom_idom_object(const hs_dom *d, hs_oid o)
{
    uint32_t unit;
    return hs_dom_idom(d, o, &unit);
}

void hs_dom_retained_object(const hs_dom *d, hs_oid o, uint64_t *objects, uint64_t *bytes)
{
    uint32_t i = num_of(d, o);
    *objects = i ? d->ret_objs[i] : 0;
    *bytes = i ? d->ret_bytes[i] : 0;
}

void hs_dom_retained_unit(const hs_dom *d, uint32_t u, uint64_t *objects, uint64_t *bytes)
{
    uint32_t i = u < d->nunits ? d->dfn[u + 1] : 0;
    *objects = i ? d->ret_objs[i] : 0;
    *bytes = i ? d->ret_bytes[i] : 0;
}

/* Children lists of the dominator tree, by number (CSR). */
static int children(const hs_dom *d, uint32_t **start, uint32_t **kids)
{
    *start = calloc((size_t)d->n + 2, sizeof **start);
    *kids = malloc(((size_t)d->n + 1) * sizeof **kids);
    if (!*start || !*kids)
        return -1;
    for (uint32_t i = 2; i <= d->n; i++)
        (*start)[d->idom[i] + 1]++;
    for (uint32_t i = 1; i <= d->n + 1; i++)
        (*start)[i] += (*start)[i - 1];
    for (uint32_t i = 2; i <= d->n; i++) /* fills the list of idom[i] from its start, moving it */
        (*kids)[(*start)[d->idom[i]]++] = i;
    for (uint32_t i = d->n + 1; i >= 1; i--)
        (*start)[i] = (*start)[i - 1];
    (*start)[0] = 0;
    return 0;
}

int hs_dom_type_retained(const hs_dom *d, const hs_graph *g, uint64_t *objects, uint64_t *bytes,
                         uint32_t nnames)
{
    uint32_t *start = NULL, *kids = NULL, *depth = calloc((size_t)nnames + 1, sizeof *depth);
    uint32_t *stack = malloc(((size_t)d->n + 1) * sizeof *stack), *cur = malloc(((size_t)d->n + 1) * sizeof *cur);
    int r = depth && stack && cur && children(d, &start, &kids) == 0 ? 0 : -1;
    size_t sp = 0;
    if (r == 0 && d->n)
        stack[sp] = 1, cur[sp] = start[1], sp++;
    while (r == 0 && sp > 0) { /* depth[name]: objects of that name on the path from the root */
        uint32_t i = stack[sp - 1], v = d->vertex[i];
        uint32_t name = v > d->nunits ? hs_graph_name(g, v - d->nunits - 1) : UINT32_MAX;
        if (cur[sp - 1] == start[i] && name < nnames && depth[name]++ == 0) { /* entering i */
            objects[name] += d->ret_objs[i];
            bytes[name] += d->ret_bytes[i];
        }
        if (cur[sp - 1] < start[i + 1]) {
            uint32_t c = kids[cur[sp - 1]++];
            stack[sp] = c, cur[sp] = start[c], sp++;
            continue;
        }
        if (name < nnames) /* leaving i */
            depth[name]--;
        sp--;
    }
    free(start);
    free(kids);
    free(depth);
    free(stack);
    free(cur);
    return r;
}
