/* test_dominators.c - the graph layer's dominator tree (core/graph/dominators.h) and shortest-path
 * forest (core/graph/paths.h) against plain references written here: on random graphs (cycles,
 * self edges, shared objects, absent and dead objects, roots left out), a node d dominates v when
 * v cannot be reached with d removed, the immediate dominator is the strict dominator every other
 * one dominates, retained sizes are the sums over dominated sets, and path depths are breadth-
 * first distances; then hand-made cases (two roots sharing, a cycle held by one root, the
 * tie-break, nested objects of one type) and a chain of a million objects. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/dominators.h"
#include "graph/graph.h"
#include "graph/paths.h"

/* The reference graph: node 0 the pseudo-root, 1..nu the units, nu+1+o object o. */
typedef struct ref {
    uint32_t nu, no, nn;
    uint8_t *adj;   /* nn*nn */
    uint8_t *takes; /* objects taking part (present and live) */
} ref;

static int edge(const ref *r, uint32_t a, uint32_t b) { return r->adj[(size_t)a * r->nn + b]; }

/* Nodes reachable from the pseudo-root without passing through `removed` (UINT32_MAX: none). */
static void reach(const ref *r, uint32_t removed, uint8_t *seen, uint32_t *dist)
{
    uint32_t *q = malloc(r->nn * sizeof *q);
    size_t h = 0, t = 0;
    memset(seen, 0, r->nn);
    if (removed != 0) {
        seen[0] = 1, q[t++] = 0;
        if (dist)
            dist[0] = 0;
    }
    while (h < t) {
        uint32_t a = q[h++];
        for (uint32_t b = 0; b < r->nn; b++)
            if (edge(r, a, b) && !seen[b] && b != removed && (b <= r->nu || r->takes[b - r->nu - 1])) {
                seen[b] = 1, q[t++] = b;
                if (dist)
                    dist[b] = dist[a] + 1;
            }
    }
    free(q);
}

/* dom[d*nn+v]: d dominates v (v reached, d != v). */
static uint8_t *dominance(const ref *r, uint8_t *reached)
{
    uint8_t *dom = calloc((size_t)r->nn * r->nn, 1), *seen = malloc(r->nn);
    reach(r, UINT32_MAX, reached, NULL);
    for (uint32_t d = 0; d < r->nn; d++) {
        reach(r, d, seen, NULL);
        for (uint32_t v = 0; v < r->nn; v++)
            dom[(size_t)d * r->nn + v] = reached[v] && v != d && !seen[v];
    }
    free(seen);
    return dom;
}

static uint32_t ref_idom(const ref *r, const uint8_t *dom, uint32_t v)
{
    for (uint32_t d = 0; d < r->nn; d++) {
        if (!dom[(size_t)d * r->nn + v])
            continue;
        int all = 1;
        for (uint32_t e = 0; e < r->nn && all; e++)
            if (e != d && dom[(size_t)e * r->nn + v] && !dom[(size_t)e * r->nn + d])
                all = 0;
        if (all)
            return d;
    }
    return UINT32_MAX;
}

typedef struct world {
    ref r;
    hs_graph *g;
    uint32_t *unit_of;
    uint8_t *live;
    uint32_t names[3];
} world;

/* A random graph: objects in two blocks (strides 16 and 48), random names, roots in units. */
static void make_world(world *w, uint32_t no, uint32_t nu, uint32_t nroots)
{
    hs_err err;
    memset(w, 0, sizeof *w);
    w->r.nu = nu, w->r.no = no, w->r.nn = 1 + nu + no;
    w->r.adj = calloc((size_t)w->r.nn * w->r.nn, 1);
    w->r.takes = calloc(no + 1, 1);
    w->g = hs_graph_new(no, 1);
    uint32_t half = no / 2;
    hs_block b1 = {0x10000, 16, 0, half, 0, 0}, b2 = {0x90000, 48, half, no - half, 0, 0};
    if (half)
        assert_int_equal(hs_graph_add_block(w->g, &b1, &err), 0);
    if (no - half)
        assert_int_equal(hs_graph_add_block(w->g, &b2, &err), 0);
    const char *nm[3] = {"main.A", "main.B", "[]*main.A"};
    for (int i = 0; i < 3; i++)
        w->names[i] = hs_strtab_intern(hs_graph_names(w->g), nm[i]);
    w->live = calloc(no / 8 + 1, 1);
    for (uint32_t o = 0; o < no; o++) {
        int present = rand() % 10 != 0, live = present && rand() % 8 != 0;
        if (present)
            hs_graph_set_present(w->g, o);
        if (live)
            w->live[o / 8] |= (uint8_t)(1u << (o % 8));
        w->r.takes[o] = (uint8_t)live;
        if (rand() % 4)
            hs_graph_set_type(w->g, o, w->names[rand() % 3]);
    }
    for (uint32_t o = 0; o < no; o++)
        for (int k = rand() % 4; k > 0; k--) {
            uint32_t d = (uint32_t)rand() % no;
            size_t at = (size_t)(nu + 1 + o) * w->r.nn + nu + 1 + d;
            if (!w->r.adj[at]) {
                w->r.adj[at] = 1;
                assert_int_equal(hs_graph_add_edge(w->g, o, d, 8u * (uint32_t)k, &err), 0);
            }
        }
    hs_graph_end_edges(w->g);
    w->unit_of = malloc((nroots + 1) * sizeof *w->unit_of);
    for (uint32_t k = 0; k < nroots; k++) {
        hs_root root = {HS_ROOT_GLOBAL, 0, 0, 0, 0x500 + 64 * k, 0};
        assert_int_not_equal(hs_graph_add_root(w->g, &root, &err), UINT32_MAX);
        w->unit_of[k] = rand() % 6 == 0 ? UINT32_MAX : (uint32_t)rand() % nu;
        for (int e = rand() % 4; e > 0; e--) {
            uint32_t d = (uint32_t)rand() % no;
            assert_int_equal(hs_graph_add_root_edge(w->g, d, 8u * (uint32_t)e, &err), 0);
            if (w->unit_of[k] != UINT32_MAX)
                w->r.adj[(size_t)(1 + w->unit_of[k]) * w->r.nn + nu + 1 + d] = 1;
        }
    }
    for (uint32_t u = 0; u < nu; u++)
        w->r.adj[1 + u] = 1; /* the pseudo-root's edges */
}

static void free_world(world *w)
{
    free(w->r.adj);
    free(w->r.takes);
    free(w->unit_of);
    free(w->live);
    hs_graph_free(w->g);
}

static void check_dominators(world *w, const hs_dom *d)
{
    ref *r = &w->r;
    uint8_t *reached = malloc(r->nn), *dom = dominance(r, reached);
    for (uint32_t o = 0; o < r->no; o++) {
        uint32_t v = r->nu + 1 + o, unit;
        assert_int_equal(hs_dom_reached(d, o), reached[v]);
        hs_oid got = hs_dom_idom(d, o, &unit);
        uint64_t objs, bytes, want_objs = reached[v], want_bytes = reached[v] ? hs_graph_size(w->g, o) : 0;
        if (reached[v]) {
            uint32_t want = ref_idom(r, dom, v);
            if (want > r->nu)
                assert_int_equal(got, want - r->nu - 1);
            else {
                assert_int_equal(got, HS_NO_OBJ);
                assert_int_equal(unit, want == 0 ? UINT32_MAX : want - 1);
            }
        }
        for (uint32_t x = 0; x < r->no; x++)
            if (dom[(size_t)v * r->nn + r->nu + 1 + x])
                want_objs++, want_bytes += hs_graph_size(w->g, x);
        hs_dom_retained_object(d, o, &objs, &bytes);
        assert_int_equal(objs, want_objs);
        assert_int_equal(bytes, want_bytes);
    }
    for (uint32_t u = 0; u < r->nu; u++) {
        uint64_t objs, bytes, want_objs = 0, want_bytes = 0;
        for (uint32_t x = 0; x < r->no; x++)
            if (dom[(size_t)(1 + u) * r->nn + r->nu + 1 + x])
                want_objs++, want_bytes += hs_graph_size(w->g, x);
        hs_dom_retained_unit(d, u, &objs, &bytes);
        assert_int_equal(objs, want_objs);
        assert_int_equal(bytes, want_bytes);
    }
    /* per name: objects with no dominating object of their own name count their retained size */
    uint32_t nnames = hs_strtab_count(hs_graph_names(w->g));
    uint64_t *got_o = calloc(nnames, 8), *got_b = calloc(nnames, 8), *want_b = calloc(nnames, 8);
    assert_int_equal(hs_dom_type_retained(d, w->g, got_o, got_b, nnames), 0);
    for (uint32_t o = 0; o < r->no; o++) {
        uint32_t v = r->nu + 1 + o, nm = hs_graph_name(w->g, o), nested = 0;
        if (!reached[v])
            continue;
        for (uint32_t x = 0; x < r->no; x++)
            nested |= dom[(size_t)(r->nu + 1 + x) * r->nn + v] && hs_graph_name(w->g, x) == nm;
        if (!nested) {
            uint64_t objs, bytes;
            hs_dom_retained_object(d, o, &objs, &bytes);
            want_b[nm] += bytes;
        }
    }
    for (uint32_t nm = 0; nm < nnames; nm++)
        assert_int_equal(got_b[nm], want_b[nm]);
    free(got_o);
    free(got_b);
    free(want_b);
    free(reached);
    free(dom);
}

static void check_paths(world *w, const hs_paths *p)
{
    ref *r = &w->r;
    uint8_t *seen = malloc(r->nn);
    uint32_t *dist = calloc(r->nn, sizeof *dist), *depth = calloc(r->no + 1, sizeof *depth);
    reach(r, UINT32_MAX, seen, dist);
    size_t n;
    const hs_oid *order = hs_paths_order(p, &n);
    size_t count = 0;
    for (uint32_t o = 0; o < r->no; o++)
        count += seen[r->nu + 1 + o];
    assert_int_equal(n, count);
    for (size_t i = 0; i < n; i++) { /* parents come first; each step is an edge one level up */
        hs_oid o = order[i];
        uint32_t unit, v = r->nu + 1 + o;
        hs_oid up = hs_paths_parent(p, o, &unit);
        assert_true(seen[v]);
        if (up == HS_NO_OBJ) {
            assert_int_not_equal(unit, UINT32_MAX);
            assert_true(edge(r, 1 + unit, v));
            depth[o] = 2;
        } else {
            assert_true(edge(r, r->nu + 1 + up, v));
            assert_int_not_equal(depth[up], 0);
            depth[o] = depth[up] + 1;
        }
        assert_int_equal(depth[o], dist[v]);
    }
    free(seen);
    free(dist);
    free(depth);
}

static void test_random_graphs(void **state)
{
    (void)state;
    srand(2026);
    for (int round = 0; round < 300; round++) {
        world w;
        uint32_t no = 1 + (uint32_t)(rand() % 60), nu = 1 + (uint32_t)(rand() % 5);
        make_world(&w, no, nu, 1 + (uint32_t)(rand() % 8));
        hs_err err;
        hs_dom *d;
        hs_paths *p;
        assert_int_equal(hs_dom_build(&d, w.g, w.live, w.unit_of, nu, NULL, NULL, NULL, &err), 0);
        check_dominators(&w, d);
        hs_dom_free(d);
        assert_int_equal(hs_paths_build(&p, w.g, w.live, w.unit_of, nu, NULL, NULL, NULL, &err), 0);
        check_paths(&w, p);
        hs_paths_free(p);
        free_world(&w);
    }
}

/* Objects 0..n-1 of 32 bytes, all present; edges and roots by the caller. */
static hs_graph *small_graph(uint32_t n)
{
    hs_err err;
    hs_graph *g = hs_graph_new(n, 1);
    hs_block b = {0x1000, 32, 0, n, 0, 0};
    hs_graph_add_block(g, &b, &err);
    for (hs_oid o = 0; o < n; o++)
        hs_graph_set_present(g, o);
    return g;
}

static void add_root(hs_graph *g, const hs_oid *to, size_t n)
{
    hs_err err;
    hs_root root = {HS_ROOT_GLOBAL, 0, 0, 0, 0x500, 0};
    hs_graph_add_root(g, &root, &err);
    for (size_t i = 0; i < n; i++)
        hs_graph_add_root_edge(g, to[i], 0, &err);
}

static void test_shared_cycle_and_ties(void **state)
{
    (void)state;
    hs_err err;
    /* root 0 -> 0 -> 1 -> 2 -> 0 (a cycle held by one root); roots 1 and 2 both -> 3 -> 4 */
    hs_graph *g = small_graph(5);
    hs_graph_add_edge(g, 0, 1, 8, &err);
    hs_graph_add_edge(g, 1, 2, 16, &err);
    hs_graph_add_edge(g, 2, 0, 24, &err);
    hs_graph_add_edge(g, 3, 4, 0, &err);
    hs_graph_end_edges(g);
    hs_oid r0[] = {0}, r1[] = {3};
    add_root(g, r0, 1);
    add_root(g, r1, 1);
    add_root(g, r1, 1);
    uint32_t unit_of[] = {0, 1, 2};
    hs_dom *d;
    assert_int_equal(hs_dom_build(&d, g, NULL, unit_of, 3, NULL, NULL, NULL, &err), 0);
    uint64_t objs, bytes;
    hs_dom_retained_unit(d, 0, &objs, &bytes);
    assert_int_equal(objs, 3);
    assert_int_equal(bytes, 96);
    hs_dom_retained_unit(d, 1, &objs, &bytes);
    assert_int_equal(objs, 0); /* shared with unit 2: neither keeps it alone */
    uint32_t unit;
    assert_int_equal(hs_dom_idom(d, 3, &unit), HS_NO_OBJ);
    assert_int_equal(unit, UINT32_MAX); /* the pseudo-root */
    assert_int_equal(hs_dom_idom_object(d, 4), 3);
    hs_dom_free(d);
    hs_paths *p;
    assert_int_equal(hs_paths_build(&p, g, NULL, unit_of, 3, NULL, NULL, NULL, &err), 0);
    assert_int_equal(hs_paths_parent(p, 3, &unit), HS_NO_OBJ);
    assert_int_equal(unit, 1); /* a tie goes to the earlier unit */
    assert_int_equal(hs_paths_parent(p, 2, &unit), 1);
    hs_paths_free(p);
    hs_graph_free(g);
}

static int stop_now(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_long_chain_and_interrupt(void **state)
{
    (void)state;
    hs_err err;
    uint32_t n = 1000000;
    hs_graph *g = small_graph(n);
    for (hs_oid o = 0; o + 1 < n; o++)
        hs_graph_add_edge(g, o, o + 1, 0, &err);
    hs_graph_end_edges(g);
    hs_oid r0[] = {0};
    add_root(g, r0, 1);
    uint32_t unit_of[] = {0};
    hs_dom *d;
    assert_int_equal(hs_dom_build(&d, g, NULL, unit_of, 1, NULL, NULL, NULL, &err), 0);
    uint64_t objs, bytes;
    hs_dom_retained_unit(d, 0, &objs, &bytes);
    assert_int_equal(objs, n);
    assert_int_equal(bytes, 32ull * n);
    assert_int_equal(hs_dom_idom_object(d, n - 1), n - 2);
    hs_dom_retained_object(d, n / 2, &objs, &bytes);
    assert_int_equal(objs, n - n / 2);
    hs_dom_free(d);
    hs_paths *p;
    uint32_t unit;
    assert_int_equal(hs_paths_build(&p, g, NULL, unit_of, 1, NULL, NULL, NULL, &err), 0);
    assert_int_equal(hs_paths_parent(p, n - 1, &unit), n - 2);
    hs_paths_free(p);
    assert_int_equal(hs_dom_build(&d, g, NULL, unit_of, 1, stop_now, NULL, NULL, &err), -1);
    assert_string_equal(err.msg, "interrupted");
    assert_int_equal(hs_paths_build(&p, g, NULL, unit_of, 1, stop_now, NULL, NULL, &err), -1);
    assert_string_equal(err.msg, "interrupted");
    hs_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_random_graphs),
        cmocka_unit_test(test_shared_cycle_and_ties),
        cmocka_unit_test(test_long_chain_and_interrupt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
