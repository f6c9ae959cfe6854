/* test_graph.c - the object graph layer (core/graph): finding objects by address against plain
 * arithmetic, for every Go size class (the index and the division by multiplication); building
 * (blocks, edges, roots) and its refusals; marking against a separate reference walk over random
 * graphs with cycles, with all roots, a subset of root groups, skip flags and a continued mark;
 * interned names; rows by reachability; an object table (objects of their own sizes, as a C
 * heap's chunks): every byte of every object found against a plain search, gaps and regions
 * apart, its sizes and names, and the orders it refuses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "graph/graph.h"
#include "graph/mark.h"
#include "views/graph_rows.h"

static const uint32_t class_size[] = {
    8, 16, 24, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240, 256, 288, 320,
    352, 384, 416, 448, 480, 512, 576, 640, 704, 768, 896, 1024, 1152, 1280, 1408, 1536, 1792,
    2048, 2304, 2688, 3072, 3200, 3456, 4096, 4864, 5376, 6144, 6528, 6784, 6912, 8192, 9472,
    9728, 10240, 10880, 12288, 13568, 14336, 16384, 18432, 19072, 20480, 21760, 24576, 27264,
    28672, 32768};
#define NCLASS (sizeof class_size / sizeof class_size[0])

/* One span-like block per size class (pages: enough for at least one object, as Go's spans),
 * every slot present; then every 8th byte of every block resolves to base + k*stride. */
static void test_find_every_size_class(void **state)
{
    (void)state;
    uint64_t base = 0x7f0000000000ull, slots = 0;
    hs_block blocks[NCLASS];
    for (size_t i = 0; i < NCLASS; i++) {
        uint64_t pages = (class_size[i] + 8191) / 8192 * (i % 3 + 1);
        blocks[i] = (hs_block){base, class_size[i], (uint32_t)slots,
                               (uint32_t)(pages * 8192 / class_size[i]), 0, 0};
        slots += blocks[i].count + 7; /* gaps in the numbering, as go_span.bit0 leaves */
        base += pages * 8192 + (i % 2) * (64ull << 20); /* some blocks a region apart */
    }
    hs_graph *g = hs_graph_new((uint32_t)slots, 0);
    hs_err err;
    assert_non_null(g);
    for (size_t i = 0; i < NCLASS; i++) {
        assert_int_equal(hs_graph_add_block(g, &blocks[i], &err), 0);
        for (uint32_t k = 0; k < blocks[i].count; k++)
            hs_graph_set_present(g, blocks[i].first + k);
    }
    for (int indexed = 0; indexed < 2; indexed++) {
        if (indexed)
            assert_int_equal(hs_graph_end_blocks(g, &err), 0);
        for (size_t i = 0; i < NCLASS; i++) {
            const hs_block *b = &blocks[i];
            for (uint64_t off = 0; off < b->count * b->stride; off += 8) {
                hs_oid want = b->first + (uint32_t)(off / b->stride);
                hs_oid got = hs_graph_find(g, b->base + off);
                if (got != want)
                    fail_msg("class %u, offset %llu: slot %u, want %u", (unsigned)b->stride,
                             (unsigned long long)off, got, want);
            }
            hs_oid past = hs_graph_find(g, b->base + b->count * b->stride); /* maybe the next block */
            assert_true(past == HS_NO_OBJ || past >= b->first + b->count);
            if (b->count > 1)
                assert_int_equal(hs_graph_addr(g, b->first + 1), b->base + b->stride);
            assert_int_equal(hs_graph_size(g, b->first), b->stride);
        }
        assert_int_equal(hs_graph_find(g, 0x10), HS_NO_OBJ);
        assert_int_equal(hs_graph_find(g, blocks[0].base - 8), HS_NO_OBJ);
    }
    hs_graph_free(g);
}

static void test_build_refusals(void **state)
{
    (void)state;
    hs_err err;
    hs_graph *g = hs_graph_new(100, 1);
    hs_block a = {0x1000, 16, 0, 10, 0, 0}, overlap = {0x1090, 16, 10, 4, 0, 0}, early = {0x2000, 16, 5, 4, 0, 0};
    hs_block zero = {0x3000, 0, 20, 4, 0, 0}, past = {0x4000, 8, 98, 4, 0, 0};
    assert_int_equal(hs_graph_add_block(g, &a, &err), 0);
    assert_int_equal(hs_graph_add_block(g, &overlap, &err), -1);
    assert_int_equal(hs_graph_add_block(g, &early, &err), -1);
    assert_int_equal(hs_graph_add_block(g, &zero, &err), -1);
    assert_int_equal(hs_graph_add_block(g, &past, &err), -1);
    assert_int_equal(hs_graph_add_edge(g, 5, 6, 8, &err), 0);
    assert_int_equal(hs_graph_add_edge(g, 4, 6, 8, &err), -1); /* sources must rise */
    assert_int_equal(hs_graph_add_edge(g, 7, 100, 8, &err), -1); /* no such slot */
    assert_int_equal(hs_graph_add_root_edge(g, 3, 0, &err), -1); /* no root yet */
    hs_graph_end_edges(g);
    assert_int_equal(hs_graph_add_edge(g, 9, 1, 0, &err), -1); /* closed */
    uint32_t n;
    const hs_oid *e = hs_graph_edges(g, 5, &n);
    assert_int_equal(n, 1);
    assert_int_equal(e[0], 6);
    assert_int_equal(hs_graph_edge_tags(g, 5)[0], 8);
    hs_graph_edges(g, 6, &n);
    assert_int_equal(n, 0);
    hs_graph_free(g);
    assert_null(hs_graph_new(UINT32_MAX, 0));
}

/* The reference: a plain breadth-first walk over an adjacency matrix kept by the test. */
typedef struct ref {
    uint32_t n;
    uint8_t *adj; /* n*n */
    uint8_t *present;
} ref;

static void ref_mark(const ref *r, const uint32_t *starts, size_t nstarts, const uint8_t *skip, uint8_t *out)
{
    uint32_t *queue = malloc(r->n * sizeof *queue);
    size_t head = 0, tail = 0;
    memset(out, 0, r->n);
    for (size_t i = 0; i < nstarts; i++)
        if (r->present[starts[i]] && !out[starts[i]]) {
            out[starts[i]] = 1;
            queue[tail++] = starts[i];
        }
    while (head < tail) {
        uint32_t o = queue[head++];
        if (skip && skip[o])
            continue;
        for (uint32_t d = 0; d < r->n; d++)
            if (r->adj[(size_t)o * r->n + d] && r->present[d] && !out[d]) {
                out[d] = 1;
                queue[tail++] = d;
            }
    }
    free(queue);
}

static int group_even(void *ctx, uint32_t root)
{
    const hs_root *r = hs_graph_root(ctx, root);
    return r->group % 2 == 0;
}

static void test_mark_against_reference(void **state)
{
    (void)state;
    srand(12);
    for (int round = 0; round < 40; round++) {
        uint32_t n = 20 + (uint32_t)(rand() % 300);
        ref r = {n, calloc((size_t)n * n, 1), calloc(n, 1)};
        hs_graph *g = hs_graph_new(n, round % 2);
        hs_err err;
        hs_block b = {0x10000, 32, 0, n, 0, 0};
        assert_int_equal(hs_graph_add_block(g, &b, &err), 0);
        for (uint32_t o = 0; o < n; o++)
            if (rand() % 10) {
                r.present[o] = 1;
                hs_graph_set_present(g, o);
            }
        for (uint32_t o = 0; o < n; o++) /* edges to absent slots too: they must not count */
            for (int k = rand() % 4; k > 0; k--) {
                uint32_t d = (uint32_t)rand() % n;
                if (!r.adj[(size_t)o * n + d]) {
                    r.adj[(size_t)o * n + d] = 1;
                    assert_int_equal(hs_graph_add_edge(g, o, d, (uint32_t)k, &err), 0);
                }
            }
        hs_graph_end_edges(g);
        uint32_t starts_all[64], starts_even[64];
        size_t nall = 0, neven = 0;
        for (uint32_t k = 0; k < 12; k++) {
            hs_root root = {HS_ROOT_FRAME, 0, 0, k % 4, 0, 0};
            assert_int_not_equal(hs_graph_add_root(g, &root, &err), UINT32_MAX);
            for (int e = rand() % 3; e > 0; e--) {
                uint32_t d = (uint32_t)rand() % n;
                if (!r.present[d])
                    continue; /* root edges are only added to objects */
                assert_int_equal(hs_graph_add_root_edge(g, d, 0, &err), 0);
                starts_all[nall++] = d;
                if (root.group % 2 == 0)
                    starts_even[neven++] = d;
            }
        }
        uint8_t *want = malloc(n), *skip = calloc(n, 1);
        /* every root */
        hs_mark *m = hs_mark_new(g);
        hs_mark_roots(m, NULL, NULL);
        assert_int_equal(hs_mark_run(m, 0, NULL, NULL, &err), 0);
        ref_mark(&r, starts_all, nall, NULL, want);
        uint64_t objs, bytes, count = 0;
        for (uint32_t o = 0; o < n; o++) {
            assert_int_equal(hs_mark_is(m, o), want[o]);
            count += want[o];
        }
        hs_mark_totals(m, &objs, &bytes);
        assert_int_equal(objs, count);
        assert_int_equal(bytes, count * 32);
        hs_mark_free(m);
        /* even groups only, with skip flags; then continued from the rest of the roots */
        uint8_t *flags = hs_graph_flags(g);
        for (uint32_t o = 0; o < n; o++)
            if (rand() % 7 == 0)
                flags[o] = skip[o] = 2;
        m = hs_mark_new(g);
        hs_mark_roots(m, group_even, g);
        assert_int_equal(hs_mark_run(m, 2, NULL, NULL, &err), 0);
        ref_mark(&r, starts_even, neven, skip, want);
        for (uint32_t o = 0; o < n; o++)
            assert_int_equal(hs_mark_is(m, o), want[o]);
        hs_mark_roots(m, NULL, NULL); /* the rest: a continued mark reaches what a full one does */
        assert_int_equal(hs_mark_run(m, 2, NULL, NULL, &err), 0);
        ref_mark(&r, starts_all, nall, skip, want);
        for (uint32_t o = 0; o < n; o++)
            assert_int_equal(hs_mark_is(m, o), want[o]);
        hs_mark_free(m);
        free(want);
        free(skip);
        free(r.adj);
        free(r.present);
        hs_graph_free(g);
    }
}

static int stop_now(void *ctx)
{
    (void)ctx;
    return 1;
}

static void test_mark_interrupt_and_cycle(void **state)
{
    (void)state;
    hs_err err;
    hs_graph *g = hs_graph_new(4, 0);
    hs_block b = {0x1000, 8, 0, 4, 0, 0};
    hs_graph_add_block(g, &b, &err);
    for (hs_oid o = 0; o < 4; o++)
        hs_graph_set_present(g, o);
    for (hs_oid o = 0; o < 4; o++) /* a cycle through every object, and a self edge */
        hs_graph_add_edge(g, o, (o + 1) % 4, 0, &err);
    hs_graph_end_edges(g);
    hs_root root = {HS_ROOT_GLOBAL, 0, 0, 0, 0x500, 0};
    hs_graph_add_root(g, &root, &err);
    hs_graph_add_root_edge(g, 2, 0, &err);
    hs_mark *m = hs_mark_new(g);
    hs_mark_roots(m, NULL, NULL);
    assert_int_equal(hs_mark_run(m, 0, stop_now, NULL, &err), -1);
    assert_string_equal(err.msg, "interrupted");
    assert_int_equal(hs_mark_run(m, 0, NULL, NULL, &err), 0);
    uint64_t objs;
    hs_mark_totals(m, &objs, NULL);
    assert_int_equal(objs, 4); /* the interrupted mark goes on where it stopped: the whole cycle */
    hs_mark_free(m);
    hs_graph_free(g);
}

static void test_names_and_rows(void **state)
{
    (void)state;
    hs_err err;
    hs_graph *g = hs_graph_new(16, 0);
    hs_strtab *t = hs_graph_names(g);
    uint32_t untyped = hs_strtab_intern(t, "<scan 16B>"), a = hs_strtab_intern(t, "main.A");
    assert_int_equal(hs_strtab_intern(t, "main.A"), a);
    assert_int_equal(hs_strtab_intern(t, ""), 0);
    assert_string_equal(hs_strtab_str(t, a), "main.A");
    assert_string_equal(hs_strtab_str(t, 999), "");
    hs_block b = {0x1000, 16, 0, 16, untyped, 0};
    hs_graph_add_block(g, &b, &err);
    for (hs_oid o = 0; o < 10; o++)
        hs_graph_set_present(g, o);
    for (hs_oid o = 0; o < 4; o++)
        hs_graph_set_type(g, o, a);
    hs_graph_end_edges(g);
    uint8_t marks[2] = {0x0f, 0x01}; /* 0-3 and 8 marked */
    static const struct { enum hs_reach which; uint64_t a, untyped; } cases[] = {
        {HS_REACH_ALL, 4, 6}, {HS_REACH_LIVE, 4, 1}, {HS_REACH_UNREACHABLE, 0, 5}};
    for (size_t i = 0; i < 3; i++) {
        hs_type_rows *rows = hs_type_rows_new();
        assert_int_equal(hs_graph_type_rows(g, marks, cases[i].which, rows), 0);
        size_t n;
        const hs_type_row *v = hs_type_rows_sorted(rows, &n);
        uint64_t got_a = 0, got_u = 0;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(v[k].name, "main.A") == 0)
                got_a = v[k].objects, assert_true(v[k].typed);
            if (strcmp(v[k].name, "<scan 16B>") == 0)
                got_u = v[k].objects, assert_false(v[k].typed);
        }
        assert_int_equal(got_a, cases[i].a);
        assert_int_equal(got_u, cases[i].untyped);
        assert_int_equal(hs_graph_count(g, marks, cases[i].which, 0, 16), cases[i].a + cases[i].untyped);
        hs_type_rows_free(rows);
    }
    hs_graph_free(g);
}

/* Objects of sizes 16..4096 with gaps, some a region (64 MiB) apart, one spanning regions. */
static void test_object_table(void **state)
{
    (void)state;
    enum { N = 3000 };
    uint64_t *addr = malloc(N * sizeof *addr), at = 0x555500001000ull, start[N], size[N];
    uint32_t *cls = malloc(N * sizeof *cls);
    hs_objclass classes[5] = {{16, 1}, {48, 2}, {4096, 3}, {208, 4}, {200ull << 20, 5}};
    for (uint32_t k = 0; k < N; k++) {
        cls[k] = k == N / 2 ? 4 : k % 4;
        addr[k] = start[k] = at;
        size[k] = classes[cls[k]].size;
        at += size[k] + (k % 5 == 0 ? 32 : 0) + (k % 700 == 0 ? (64ull << 20) : 0);
    }
    hs_err err;
    hs_graph *g = hs_graph_new(N, 0);
    assert_int_equal(hs_graph_set_objects(g, hs_objtable_new(addr, cls, N, classes, 5, &err), &err), 0);
    size_t hint = 0;
    for (uint32_t k = 0; k < N; k++) {
        assert_int_equal(hs_graph_addr(g, k), start[k]);
        assert_int_equal(hs_graph_size(g, k), size[k]);
        assert_int_equal(hs_graph_name(g, k), (k == N / 2 ? 4 : k % 4) + 1);
        uint64_t step = size[k] > 4096 ? 4093 : 8;
        for (uint64_t off = 0; off < size[k]; off += step) {
            assert_int_equal(hs_graph_find(g, start[k] + off), k);
            uint64_t s = 0;
            assert_int_equal(hs_graph_find_start(g, start[k] + off, &hint, &s), k);
            assert_int_equal(s, start[k]);
        }
        uint64_t end = start[k] + size[k];
        assert_int_equal(hs_graph_find(g, end), k + 1 < N && start[k + 1] == end ? k + 1 : HS_NO_OBJ);
    }
    assert_int_equal(hs_graph_find(g, start[0] - 1), HS_NO_OBJ);
    hs_graph_free(g);
    /* out of order, and overlapping: refused (the arrays freed) */
    uint64_t bad[2][2] = {{0x2000, 0x1000}, {0x1000, 0x1008}};
    for (int i = 0; i < 2; i++) {
        uint64_t *a = malloc(2 * sizeof *a);
        uint32_t *c = calloc(2, sizeof *c);
        memcpy(a, bad[i], sizeof bad[i]);
        assert_null(hs_objtable_new(a, c, 2, classes, 1, &err));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_find_every_size_class),
        cmocka_unit_test(test_build_refusals),
        cmocka_unit_test(test_mark_against_reference),
        cmocka_unit_test(test_mark_interrupt_and_cycle),
        cmocka_unit_test(test_names_and_rows),
        cmocka_unit_test(test_object_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
