/* test_go_layout.c - the per-release layout tables (core/go/go_tables_{amd64,arm64}.c) against the
 * DWARF the Go compiler wrote into each stored test executable (arm64: the stored arm64 cores'): two independent sources of the same
 * offsets. Every struct member both know must agree, and the offsets the goroutine model uses
 * must resolve identically with DWARF and without it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "go_pcln_fixtures.h"
#include "go/go_layout.h"
#include "go/go_tables.h"
#include "image/dwarf_index.h"
#include "image/elf_image.h"
#include "image/go_buildinfo.h"
#include "image/go_version.h"
#include "hs_unit.h"

typedef struct opened {
    hs_dwarf *dw;
    go_version v;
} opened;

static int open_fixture(const fx *f, opened *o)
{
    hs_err err;
    hs_image *img;
    char ver[128], path[256];
    if (hs_image_open(&img, f->exe, &err) < 0)
        fail_msg("%s: %s", f->exe, err.msg);
    if (go_buildinfo_read(img, ver, sizeof ver, path, sizeof path, &err) < 0 ||
        go_version_parse(ver, &o->v, &err) < 0)
        fail_msg("%s: %s", f->exe, err.msg);
    hs_image_close(img);
    if (hs_dwarf_open(&o->dw, f->exe, &err) < 0 || !o->dw)
        fail_msg("%s: no DWARF (%s)", f->exe, err.msg);
    return o->v.minor - GO_TABLE_FIRST_MINOR;
}

/* The stored arm64 cores' executables, DATA/arm64/go1.*\/heap/exe (tests/cores/arm64). */
static size_t arm64_list(const char *data, fx *out, size_t max)
{
    char dir[512];
    snprintf(dir, sizeof dir, "%s/arm64", data);
    return fx_list_in(dir, "heap", "arm64 ", out, max);
}

static void check_tables(const go_tables *tb, const fx *fxs, size_t n)
{
    assert_true(n >= 7);
    for (size_t i = 0; i < n; i++) {
        opened o;
        int vi = open_fixture(&fxs[i], &o);
        assert_in_range(vi, 0, GO_TABLE_NVERSIONS - 1);
        size_t compared = 0;
        for (const go_table_field *t = tb->fields; t->type; t++) {
            int64_t off;
            if (t->off[vi] < 0 || hs_dwarf_member_offset(o.dw, t->type, t->field, &off) < 0)
                continue;
            if (off != t->off[vi])
                fail_msg("%s: %s.%s is at %lld in DWARF but %d in the table", fxs[i].name,
                         t->type, t->field, (long long)off, t->off[vi]);
            compared++;
        }
        /* the test program links the runtime: most runtime structs are in its DWARF */
        if (compared < 200)
            fail_msg("%s: only %zu members compared", fxs[i].name, compared);
        hs_dwarf_close(o.dw);
    }
}

static void check_model_offsets(const go_tables *tb, const fx *fxs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        opened o;
        open_fixture(&fxs[i], &o);
        go_offsets with, without;
        hs_err err;
        go_layout_src a = {o.dw, o.v.minor, tb}, b = {NULL, o.v.minor, tb};
        if (go_offsets_resolve(&a, &with, &err) < 0 || go_offsets_resolve(&b, &without, &err) < 0)
            fail_msg("%s: %s", fxs[i].name, err.msg);
        const int64_t *x = (const int64_t *)&with, *y = (const int64_t *)&without;
        for (size_t k = 0; k < sizeof with / sizeof *x; k++) {
            if (k == offsetof(go_offsets, sched_lastpoll) / sizeof *x)
                continue; /* runtime.schedt is not in the tables: DWARF-only */
            if (x[k] != y[k])
                fail_msg("%s: go_offsets field #%zu is %lld with DWARF, %lld without",
                         fxs[i].name, k, (long long)x[k], (long long)y[k]);
        }
        hs_dwarf_close(o.dw);
    }
}

static void tables_match_dwarf(void **state)
{
    (void)state;
    fx fxs[FX_MAX];
    check_tables(&go_tables_amd64, fxs, fx_list(hs_data_dir_or_fail(), fxs, FX_MAX));
}

static void model_offsets_same_without_dwarf(void **state)
{
    (void)state;
    fx fxs[FX_MAX];
    check_model_offsets(&go_tables_amd64, fxs, fx_list(hs_data_dir_or_fail(), fxs, FX_MAX));
}

/* arm64's own tables (its layouts differ: mheap, gcControllerState, ...) against the DWARF of the
 * stored arm64 executables. */
static void arm64_tables_match_dwarf(void **state)
{
    (void)state;
    fx fxs[FX_MAX];
    size_t n = arm64_list(hs_data_dir_or_fail(), fxs, FX_MAX);
    check_tables(&go_tables_arm64, fxs, n);
    check_model_offsets(&go_tables_arm64, fxs, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables_match_dwarf),
        cmocka_unit_test(model_offsets_same_without_dwarf),
        cmocka_unit_test(arm64_tables_match_dwarf),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
