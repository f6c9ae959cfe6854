/* test_leaks.c - the leaked-waiter verdicts of the graph layer (core/graph/leaks.h) against a
 * plain reference written here (breadth-first walks repeated until no waiter wakes) on random
 * graphs with wait-queue objects, waiters of every kind and waiters waking each other in chains;
 * and the cases Go's detector names: a channel only the waiter holds, one a global holds, one a
 * blocked but reachable goroutine holds (the fixpoint), two goroutines waiting on each other's
 * channel with nothing else reaching them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/leaks.h"

#define QUEUE_FLAG 4

typedef struct world {
    hs_graph *g;
    uint32_t n;
    uint8_t *adj, *queue;       /* n*n edges; wait-queue objects */
    uint32_t nroots, *root_group;
    uint8_t *root_to;           /* nroots*n: root edges */
} world;

/* The reference: marked objects from the roots `on` (per group), queues not followed. */
static void ref_mark(const world *w, const uint8_t *group_on, uint8_t *marked)
{
    uint32_t *q = malloc(w->n * sizeof *q);
    size_t h = 0, t = 0;
    memset(marked, 0, w->n);
    for (uint32_t r = 0; r < w->nroots; r++)
        if (group_on[w->root_group[r]])
            for (uint32_t o = 0; o < w->n; o++)
                if (w->root_to[(size_t)r * w->n + o] && !marked[o])
                    marked[o] = 1, q[t++] = o;
    while (h < t) {
        uint32_t o = q[h++];
        if (w->queue[o])
            continue;
        for (uint32_t d = 0; d < w->n; d++)
            if (w->adj[(size_t)o * w->n + d] && !marked[d])
                marked[d] = 1, q[t++] = d;
    }
    free(q);
}

static void ref_verdicts(const world *w, const hs_waiter *ws, size_t nw, uint32_t ngroups, uint8_t *leaked)
{
    uint8_t *on = calloc(ngroups, 1), *marked = malloc(w->n);
    for (uint32_t grp = 0; grp < ngroups; grp++)
        on[grp] = 1;
    for (size_t i = 0; i < nw; i++) {
        on[ws[i].group] = ws[i].kind == HS_WAIT_NONE;
        leaked[i] = ws[i].kind != HS_WAIT_NONE;
    }
    for (int changed = 1; changed;) {
        changed = 0;
        ref_mark(w, on, marked);
        for (size_t i = 0; i < nw; i++) {
            int wake = ws[i].kind == HS_WAIT_OBJECTS && leaked[i] && ws[i].reachable;
            for (uint32_t k = 0; ws[i].kind == HS_WAIT_OBJECTS && leaked[i] && k < ws[i].nobjects; k++)
                wake |= marked[ws[i].objects[k]];
            if (wake)
                leaked[i] = 0, on[ws[i].group] = 1, changed = 1;
        }
    }
    free(on);
    free(marked);
}

static void make_world(world *w, uint32_t n, uint32_t ngroups, uint32_t nroots)
{
    hs_err err;
    memset(w, 0, sizeof *w);
    w->n = n;
    w->g = hs_graph_new(n, 0);
    hs_block b = {0x10000, 32, 0, n, 0, 0};
    assert_int_equal(hs_graph_add_block(w->g, &b, &err), 0);
    w->adj = calloc((size_t)n * n, 1);
    w->queue = calloc(n, 1);
    uint8_t *flags = hs_graph_flags(w->g);
    for (uint32_t o = 0; o < n; o++) {
        hs_graph_set_present(w->g, o);
        if (rand() % 8 == 0)
            w->queue[o] = 1, flags[o] = QUEUE_FLAG;
    }
    for (uint32_t o = 0; o < n; o++)
        for (int k = rand() % 3; k > 0; k--) {
            uint32_t d = (uint32_t)rand() % n;
            if (!w->adj[(size_t)o * n + d]) {
                w->adj[(size_t)o * n + d] = 1;
                assert_int_equal(hs_graph_add_edge(w->g, o, d, 0, &err), 0);
            }
        }
    hs_graph_end_edges(w->g);
    w->nroots = nroots;
    w->root_group = calloc(nroots, sizeof *w->root_group);
    w->root_to = calloc((size_t)nroots * n, 1);
    for (uint32_t r = 0; r < nroots; r++) { /* groups 0 (globals) and 1..ngroups-1 (goroutines) */
        hs_root root = {HS_ROOT_FRAME, 0, 0, (uint32_t)rand() % ngroups, 0, 0};
        w->root_group[r] = root.group;
        assert_int_not_equal(hs_graph_add_root(w->g, &root, &err), UINT32_MAX);
        for (int e = rand() % 3; e > 0; e--) {
            uint32_t d = (uint32_t)rand() % n;
            assert_int_equal(hs_graph_add_root_edge(w->g, d, 0, &err), 0);
            w->root_to[(size_t)r * n + d] = 1;
        }
    }
}

static void free_world(world *w)
{
    hs_graph_free(w->g);
    free(w->adj);
    free(w->queue);
    free(w->root_group);
    free(w->root_to);
}

static void test_random(void **state)
{
    (void)state;
    srand(14);
    for (int round = 0; round < 400; round++) {
        uint32_t n = 1 + (uint32_t)(rand() % 50), ngroups = 2 + (uint32_t)(rand() % 8);
        world w;
        make_world(&w, n, ngroups, 1 + (uint32_t)(rand() % 16));
        hs_waiter ws[16];
        hs_oid objs[16][3];
        size_t nw = 0;
        for (uint32_t grp = 1; grp < ngroups; grp++) {
            hs_waiter *x = &ws[nw];
            x->group = grp;
            x->kind = (uint8_t)(rand() % 3);
            x->reachable = rand() % 10 == 0;
            x->nobjects = (uint32_t)(rand() % 4);
            for (uint32_t k = 0; k < x->nobjects; k++)
                objs[nw][k] = (hs_oid)((uint32_t)rand() % n);
            x->objects = objs[nw];
            nw++;
        }
        uint8_t got[16], want[16];
        hs_err err;
        assert_int_equal(hs_leak_verdicts(w.g, ws, nw, QUEUE_FLAG, got, NULL, NULL, &err), 0);
        ref_verdicts(&w, ws, nw, ngroups, want);
        assert_memory_equal(got, want, nw);
        free_world(&w);
    }
}

/* Objects 0..n-1, edges given; roots: (group, object) pairs. */
static hs_graph *hand(uint32_t n, const uint32_t (*edges)[2], size_t ne, const uint32_t (*roots)[2], size_t nr)
{
    hs_err err;
    hs_graph *g = hs_graph_new(n, 0);
    hs_block b = {0x1000, 16, 0, n, 0, 0};
    hs_graph_add_block(g, &b, &err);
    for (hs_oid o = 0; o < n; o++)
        hs_graph_set_present(g, o);
    for (size_t i = 0; i < ne; i++)
        hs_graph_add_edge(g, edges[i][0], edges[i][1], 0, &err);
    hs_graph_end_edges(g);
    for (size_t i = 0; i < nr; i++) {
        hs_root root = {roots[i][0] ? HS_ROOT_FRAME : HS_ROOT_GLOBAL, 0, 0, roots[i][0], 0, 0};
        hs_graph_add_root(g, &root, &err);
        hs_graph_add_root_edge(g, roots[i][1], 0, &err);
    }
    return g;
}

static void test_go_cases(void **state)
{
    (void)state;
    hs_err err;
    /* objects: 0 ch held by global; 1 ch only goroutine 1 holds; 2 ch held by blocked goroutine 3,
     * which waits on 0 (reachable): the fixpoint wakes 3 and so 2's waiter 4; 5 and 6: goroutines
     * 5 and 6 each hold the other's channel, nothing else does; 7 a queue linking 1 to 0 */
    const uint32_t edges[][2] = {{7, 1}, {0, 7}};
    const uint32_t roots[][2] = {{0, 0}, {1, 1}, {3, 2}, {5, 6}, {6, 5}, {2, 3}};
    hs_graph *g = hand(8, edges, 2, roots, 6);
    hs_graph_flags(g)[7] = QUEUE_FLAG;
    hs_oid o0[] = {0}, o1[] = {1}, o2[] = {2}, o5[] = {5}, o6[] = {6};
    hs_waiter ws[] = {
        {1, HS_WAIT_OBJECTS, 0, o1, 1}, /* waits on a channel only it holds: leaked */
        {2, HS_WAIT_OBJECTS, 0, o0, 1}, /* on the global's: not leaked */
        {3, HS_WAIT_OBJECTS, 0, o0, 1}, /* blocked, reachable channel: runnable, holds 2 */
        {4, HS_WAIT_OBJECTS, 0, o2, 1}, /* on 2, held by 3's stack: not leaked (fixpoint) */
        {5, HS_WAIT_OBJECTS, 0, o5, 1}, /* 5 and 6: each other's channels only: both leaked */
        {6, HS_WAIT_OBJECTS, 0, o6, 1},
        {7, HS_WAIT_NEVER, 0, NULL, 0},  /* a nil channel */
        {8, HS_WAIT_NONE, 0, NULL, 0},   /* asleep: no verdict */
    };
    uint8_t got[8];
    assert_int_equal(hs_leak_verdicts(g, ws, 8, QUEUE_FLAG, got, NULL, NULL, &err), 0);
    const uint8_t want[8] = {1, 0, 0, 0, 1, 1, 1, 0};
    assert_memory_equal(got, want, 8);
    hs_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_go_cases),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
