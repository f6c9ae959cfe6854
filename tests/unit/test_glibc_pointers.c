/* test_glibc_pointers.c - what a word points to on a glibc heap, and how roots are named
 * (core/glibc/glibc_objects.h, glibc_graph.h): chunks of 32, 112 and 2416 bytes side by side, every
 * address from before the first to past the last resolved by hand (a block's memory is
 * [chunk+16, chunk+size): its size fields and the bytes past it are none of it), the memory scanned
 * for an ordinary and an mmapped chunk; roots labelled as a person reads them (a global with the
 * offset of the word, a thread's stack and registers on amd64 and arm64, a thread as a whole). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "glibc/glibc_graph.h"
#include "glibc/glibc_objects.h"

static const uint64_t base = 0x555555560000ull, sizes[3] = {32, 112, 2416};

static hs_graph *three_chunks(void)
{
    uint64_t *addr = malloc(3 * sizeof *addr);
    uint32_t *cls = malloc(3 * sizeof *cls);
    hs_objclass classes[3];
    for (uint32_t k = 0, at = 0; k < 3; at += (uint32_t)sizes[k], k++) {
        addr[k] = base + at, cls[k] = k;
        classes[k] = (hs_objclass){sizes[k], 0};
    }
    hs_err err;
    hs_graph *g = hs_graph_new(3, 1);
    assert_non_null(g);
    assert_int_equal(hs_graph_set_objects(g, hs_objtable_new(addr, cls, 3, classes, 3, &err), &err), 0);
    return g;
}

static void test_block_at(void **state)
{
    (void)state;
    hs_graph *g = three_chunks();
    uint64_t end = base + sizes[0] + sizes[1] + sizes[2];
    size_t hint = 0;
    for (uint64_t w = base - 64; w < end + 64; w++) {
        hs_oid want = HS_NO_OBJ;
        for (uint32_t k = 0, at = 0; k < 3; at += (uint32_t)sizes[k], k++)
            if (w >= base + at + 16 && w < base + at + sizes[k])
                want = k;
        assert_int_equal(glibc_block_at(g, w, &hint), want);
    }
    assert_int_equal(glibc_block_at(g, 8, &hint), HS_NO_OBJ);
    hs_graph_free(g);
    uint64_t from, to;
    glibc_block_memory(base, 112, 0, &from, &to);
    assert_true(from == base + 16 && to == base + 120); /* the next chunk's prev_size: its last word */
    glibc_block_memory(base, 4096, 1, &from, &to);
    assert_true(from == base + 16 && to == base + 4096);
}

static void label(const hs_graph *g, hs_arch arch, uint32_t r, uint32_t tag, const char *want)
{
    char buf[128];
    glibc_root_label(g, arch, r, tag, buf, sizeof buf);
    assert_string_equal(buf, want);
}

static void test_root_labels(void **state)
{
    (void)state;
    hs_graph *g = three_chunks();
    hs_err err;
    hs_root roots[] = {
        {HS_ROOT_GLOBAL, 1, hs_strtab_intern(hs_graph_names(g), "g_cache"), 0, 0x1000, 0},
        {HS_ROOT_FRAME, 1, hs_strtab_intern(hs_graph_names(g), "stack of thread 42"), 1, 0x7ff0, 42},
        {HS_ROOT_REGISTERS, 1, hs_strtab_intern(hs_graph_names(g), "registers of thread 42"), 1, 0, 42},
    };
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(hs_graph_add_root(g, &roots[i], &err), i);
    label(g, HS_ARCH_AMD64, 0, 0x18, "g_cache+0x18");
    label(g, HS_ARCH_AMD64, 0, 0, "g_cache");
    label(g, HS_ARCH_AMD64, 0, UINT32_MAX, "g_cache");
    label(g, HS_ARCH_AMD64, 1, 0x40, "stack of thread 42");
    label(g, HS_ARCH_AMD64, 1, UINT32_MAX, "thread 42");
    label(g, HS_ARCH_AMD64, 2, HS_RAX, "thread 42 register rax");
    label(g, HS_ARCH_AMD64, 2, HS_R15, "thread 42 register r15");
    label(g, HS_ARCH_ARM64, 2, 19, "thread 42 register x19");
    label(g, HS_ARCH_ARM64, 2, HS_A64_SP, "thread 42 register sp");
    label(g, HS_ARCH_AMD64, 2, UINT32_MAX, "thread 42");
    hs_graph_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_at),
        cmocka_unit_test(test_root_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
