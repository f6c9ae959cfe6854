/* paths.c - the shortest-path forest (see paths.h): a breadth-first walk whose queue is the
 * order array itself. parent[o] holds an object id, or UNIT_BIT | unit, or NONE. */
#include "paths.h"

#include <stdlib.h>
#include <string.h>

#include "root_sets.h"

#define UNIT_BIT 0x80000000u
#define NONE UINT32_MAX
#define POLL_EVERY 65536

struct hs_paths {
    uint32_t *parent;
    uint32_t *tag; /* with the graph's tags */
    hs_oid *order;
    size_t n;
    uint32_t nslots;
};

static int takes_part(const hs_graph *g, const uint8_t *live, hs_oid o)
{
    return o < hs_graph_nslots(g) && hs_graph_present(g, o) && (!live || (live[o >> 3] >> (o & 7) & 1));
}

/* The units' own edges first, unit by unit, roots in order within a unit. */
static int first_level(hs_paths *p, const hs_graph *g, const uint8_t *live, const uint32_t *unit_of,
                       uint32_t nunits, hs_err *err)
{
    uint32_t *start, *roots;
    if (hs_root_sets(g, unit_of, nunits, &start, &roots, err) < 0)
        return -1;
    for (uint32_t u = 0; u < nunits; u++)
        for (uint32_t k = start[u]; k < start[u + 1]; k++) {
            uint32_t n, r = roots[k];
            const hs_oid *e = hs_graph_root_edges(g, r, &n);
            const uint32_t *tags = hs_graph_root_edge_tags(g, r);
            for (uint32_t i = 0; i < n; i++)
                if (takes_part(g, live, e[i]) && p->parent[e[i]] == NONE) {
                    p->parent[e[i]] = UNIT_BIT | u;
                    if (p->tag && tags)
                        p->tag[e[i]] = tags[i];
                    p->order[p->n++] = e[i];
                }
        }
    free(start);
    free(roots);
    return 0;
}

int hs_paths_build(hs_paths **out, const hs_graph *g, const uint8_t *live, const uint32_t *unit_of,
                   uint32_t nunits, int (*poll)(void *ctx), void *ctx, hs_progress *prog,
                   hs_err *err)
{
    uint32_t nslots = hs_graph_nslots(g);
    hs_paths *p = calloc(1, sizeof *p);
    if (!p || nunits >= UNIT_BIT || nslots >= UNIT_BIT || !(p->parent = malloc(((size_t)nslots + 1) * sizeof *p->parent)) ||
        !(p->order = malloc(((size_t)nslots + 1) * sizeof *p->order))) {
        hs_paths_free(p);
        return hs_errf(err, "out of memory for the paths of %u objects", nslots);
    }
    p->nslots = nslots;
    for (uint32_t o = 0; o < nslots; o++)
        p->parent[o] = NONE;
    if (hs_graph_keeps_tags(g)) {
        if (!(p->tag = malloc((size_t)nslots * sizeof *p->tag))) {
            hs_paths_free(p);
            return hs_errf(err, "out of memory for the paths of %u objects", nslots);
        }
        memset(p->tag, 0xff, (size_t)nslots * sizeof *p->tag);
    }
    if (first_level(p, g, live, unit_of, nunits, err) < 0) {
        hs_paths_free(p);
        return -1;
    }
    hs_progress_phase(prog, "reference paths: objects", 0, HS_PROG_COUNT);
    for (size_t head = 0; head < p->n; head++) { /* every object enters the queue once */
        if (poll && head % POLL_EVERY == 0 && poll(ctx)) {
            hs_paths_free(p);
            return hs_errf(err, "interrupted");
        }
        if (head % POLL_EVERY == 0)
            hs_progress_update(prog, head);
        hs_oid o = p->order[head];
        uint32_t n;
        const hs_oid *e = hs_graph_edges(g, o, &n);
        const uint32_t *tags = p->tag ? hs_graph_edge_tags(g, o) : NULL;
        for (uint32_t i = 0; i < n; i++)
            if (takes_part(g, live, e[i]) && p->parent[e[i]] == NONE) {
                p->parent[e[i]] = o;
                if (tags)
                    p->tag[e[i]] = tags[i];
                p->order[p->n++] = e[i];
            }
    }
    *out = p;
    return 0;
}

void hs_paths_free(hs_paths *p)
{
    if (!p)
        return;
    free(p->parent);
    free(p->tag);
    free(p->order);
    free(p);
}

hs_oid hs_paths_parent(const hs_paths *p, hs_oid o, uint32_t *unit)
{
    uint32_t v = o < p->nslots ? p->parent[o] : NONE;
    *unit = v != NONE && (v & UNIT_BIT) ? v & ~UNIT_BIT : UINT32_MAX;
    return v == NONE || (v & UNIT_BIT) ? HS_NO_OBJ : v;
}

uint32_t hs_paths_tag(const hs_paths *p, hs_oid o)
{
    return p->tag && o < p->nslots ? p->tag[o] : UINT32_MAX;
}

const hs_oid *hs_paths_order(const hs_paths *p, size_t *n)
{
    *n = p->n;
    return p->order;
}
