/* test_pprof.c - the profile.proto writer (core/output/pprof*.c) on constructed profiles, read
 * back by independent decoders: zlib for the gzip framing, `go tool pprof -raw/-top` for the
 * profile itself (values, sample and period types, locations with inlined lines, function
 * names, files, lines and start lines, labels, mappings). Tests needing `go` skip without it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <sys/stat.h>
#include <zlib.h>

#include "output/pprof.h"
#include "output/pprof_rows.h"
#include "pprof_raw.h"
#include "hs_unit.h"

typedef struct tmp {
    char dir[64], path[128];
} tmp;

static void tmp_make(tmp *t, const char *name)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/hs-pprof-XXXXXX");
    assert_non_null(mkdtemp(t->dir));
    snprintf(t->path, sizeof t->path, "%s/%s", t->dir, name);
}

static void tmp_clean(tmp *t)
{
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", t->dir);
    assert_int_equal(system(cmd), 0);
}

static const char *const TYPES[2][2] = {{"alloc_objects", "count"}, {"inuse_space", "bytes"}};

/* The constructed profile every test reads back:
 *   sample 1: {3, 300}, stack loc1 (pkg.inner inlined into pkg.outer) -> loc2 (main.main),
 *             numeric label bytes=100 (unit "bytes")
 *   sample 2: {-1, 0},  stack loc2, string label kind=x
 *   sample 3: {7, 700}, stack main.Session (a name-only location) */
static hs_pprof *build(uint64_t ids[3])
{
    hs_pprof *p = hs_pprof_new(TYPES, 2);
    assert_non_null(p);
    hs_pprof_set_period(p, "space", "bytes", 4096);
    hs_pprof_set_default(p, "inuse_space");
    hs_pprof_set_time(p, 1700000000123456789);
    hs_pprof_add_comment(p, "constructed by test_pprof");
    assert_int_equal(hs_pprof_add_mapping(p, 0x400000, 0x500000, 0, "/bin/prog", "abcdef", 1), 1);
    hs_pprof_line l1[2] = {{"pkg.inner", NULL, "/src/a.go", 10, 8}, {"pkg.outer", NULL, "/src/b.go", 20, 15}};
    hs_frame f2 = {"main.main", "/src/m.go", 5, 0, 0};
    ids[0] = hs_pprof_location_lines(p, 0x401000, l1, 2);
    ids[1] = hs_pprof_location(p, 0x402000, &f2, 1);
    ids[2] = hs_pprof_name_location(p, "main.Session");
    assert_true(ids[0] && ids[1] && ids[2]);
    uint64_t s1[2] = {ids[0], ids[1]};
    int64_t v1[2] = {3, 300}, v2[2] = {-1, 0}, v3[2] = {7, 700};
    hs_pprof_label num = {"bytes", NULL, 100, "bytes"};
    const char *const str[1][2] = {{"kind", "x"}};
    assert_int_equal(hs_pprof_sample_labels(p, s1, 2, v1, &num, 1), 0);
    assert_int_equal(hs_pprof_sample(p, &ids[1], 1, v2, str, 1), 0);
    assert_int_equal(hs_pprof_sample(p, &ids[2], 1, v3, NULL, 0), 0);
    return p;
}

static void gzip_framing_and_write_errors(void **state)
{
    (void)state;
    tmp t;
    tmp_make(&t, "p.pb.gz");
    uint64_t ids[3];
    hs_pprof *p = build(ids);
    hs_err err;
    assert_int_equal(hs_pprof_write(p, t.path, &err), 0);
    FILE *f = fopen(t.path, "rb");
    unsigned char magic[2] = {0};
    assert_non_null(f);
    assert_int_equal(fread(magic, 1, 2, f), 2);
    fclose(f);
    assert_int_equal(magic[0], 0x1f);
    assert_int_equal(magic[1], 0x8b);
    gzFile gz = gzopen(t.path, "rb"); /* zlib decodes the whole stream (and checks its CRC) */
    unsigned char buf[4096];
    int n = gz ? gzread(gz, buf, sizeof buf) : -1;
    assert_true(n > 0);
    assert_int_equal(buf[0], (1 << 3) | 2); /* field 1 (sample_type), length-delimited */
    assert_int_equal(gzclose(gz), Z_OK);
    assert_int_equal(hs_pprof_write(p, "/nonexistent-hs-dir/p.pb.gz", &err), -1);
    assert_non_null(strstr(err.msg, "/nonexistent-hs-dir/p.pb.gz"));
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(hs_pprof_write(p, "/dev/full", &err), -1);
        assert_non_null(strstr(err.msg, "/dev/full"));
    }
    hs_pprof_free(p);
    tmp_clean(&t);
}

static void dedup_returns_same_ids(void **state)
{
    (void)state;
    uint64_t ids[3];
    hs_pprof *p = build(ids);
    hs_frame f2 = {"main.main", "/src/m.go", 5, 0, 0}, f3 = {"main.main", "/src/m.go", 6, 0, 0};
    assert_int_equal(hs_pprof_location(p, 0x402000, &f2, 1), ids[1]);
    assert_int_equal(hs_pprof_name_location(p, "main.Session"), ids[2]);
    uint64_t other = hs_pprof_location(p, 0x402000, &f3, 1);
    assert_true(other != 0 && other != ids[0] && other != ids[1] && other != ids[2]);
    hs_pprof_free(p);
}

static void expect_line(const raw_line *l, const char *func, const char *file, long line, long start)
{
    assert_non_null(l->func);
    assert_string_equal(l->func, func);
    assert_string_equal(l->file ? l->file : "", file);
    assert_int_equal(l->line, line);
    assert_int_equal(l->start, start);
}

static void check_readback(const raw_profile *r)
{
    assert_string_equal(r->period_type, "space bytes");
    assert_int_equal(r->period, 4096);
    assert_string_equal(r->types, "alloc_objects/count inuse_space/bytes[dflt]");
    assert_int_equal(r->ns, 3);
    const int64_t want[3][2] = {{3, 300}, {-1, 0}, {7, 700}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(r->s[i].nv, 2);
        assert_int_equal(r->s[i].v[0], want[i][0]);
        assert_int_equal(r->s[i].v[1], want[i][1]);
    }
    assert_int_equal(r->s[0].nlocs, 2);
    const raw_loc *a = raw_loc_by_id(r, r->s[0].locs[0]), *b = raw_loc_by_id(r, r->s[0].locs[1]);
    assert_true(a && b && a->nlines == 2 && b->nlines == 1);
    assert_int_equal(a->addr, 0x401000);
    assert_int_equal(a->mapping, 1);
    expect_line(&a->lines[0], "pkg.inner", "/src/a.go", 10, 8);
    expect_line(&a->lines[1], "pkg.outer", "/src/b.go", 20, 15);
    expect_line(&b->lines[0], "main.main", "/src/m.go", 5, 0);
    assert_non_null(strstr(r->s[0].labels, "bytes:[100 bytes]"));
    assert_non_null(strstr(r->s[1].labels, "kind:[x]"));
    assert_int_equal(r->s[1].locs[0], r->s[0].locs[1]);
    const raw_loc *c = raw_loc_by_id(r, r->s[2].locs[0]);
    assert_true(c && c->nlines == 1 && c->addr == 0);
    assert_string_equal(c->lines[0].func, "main.Session");
    assert_non_null(strstr(r->mapping1, "0x400000/0x500000/0x0 /bin/prog abcdef [FN]"));
}

static void reads_back_with_go_tool_pprof(void **state)
{
    (void)state;
    char go[1024];
    hs_need_go(raw_find_go(go, sizeof go));
    tmp t;
    tmp_make(&t, "p.pb.gz");
    uint64_t ids[3];
    hs_pprof *p = build(ids);
    hs_err err;
    assert_int_equal(hs_pprof_write(p, t.path, &err), 0);
    hs_pprof_free(p);
    raw_profile r;
    assert_int_equal(raw_read(go, t.path, &r), 0);
    check_readback(&r);
    raw_free(&r);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' tool pprof -top -symbolize=none '%s'", go, t.path);
    int st;
    char *top = raw_run(cmd, &st);
    assert_non_null(top);
    assert_int_equal(st, 0);
    assert_non_null(strstr(top, "Type: inuse_space")); /* the default sample type */
    assert_non_null(strstr(top, "constructed by test_pprof"));
    assert_non_null(strstr(top, "Time: 2023-11-14 22:13:20"));
    free(top);
    tmp_clean(&t);
}

/* The oracle can fail: a file cut in half is rejected by go tool pprof. */
static void truncated_file_is_rejected(void **state)
{
    (void)state;
    char go[1024];
    hs_need_go(raw_find_go(go, sizeof go));
    tmp t;
    tmp_make(&t, "p.pb.gz");
    uint64_t ids[3];
    hs_pprof *p = build(ids);
    hs_err err;
    assert_int_equal(hs_pprof_write(p, t.path, &err), 0);
    hs_pprof_free(p);
    struct stat st;
    assert_int_equal(stat(t.path, &st), 0);
    assert_int_equal(truncate(t.path, st.st_size / 2), 0);
    raw_profile r;
    assert_int_equal(raw_read(go, t.path, &r), -1);
    tmp_clean(&t);
}

static void rows_profile_reads_back(void **state)
{
    (void)state;
    char go[1024];
    hs_need_go(raw_find_go(go, sizeof go));
    tmp t;
    tmp_make(&t, "rows.pb.gz");
    hs_pprof_row rows[3] = {{"main.Small", 1000, 32000}, {"[]uint8", 502, 514048}, {"main.Box", 50, 1200}};
    hs_err err;
    assert_int_equal(hs_pprof_write_rows(t.path, rows, 3, "by type", &err), 0);
    raw_profile r;
    assert_int_equal(raw_read(go, t.path, &r), 0);
    assert_string_equal(r.types, "inuse_objects/count inuse_space/bytes[dflt]");
    assert_int_equal(r.ns, 3);
    for (int i = 0; i < 3; i++) {
        const raw_loc *l = raw_loc_by_id(&r, r.s[i].locs[0]);
        assert_true(r.s[i].nlocs == 1 && l && l->nlines == 1);
        assert_string_equal(l->lines[0].func, rows[i].name);
        assert_int_equal(r.s[i].v[0], rows[i].objects);
        assert_int_equal(r.s[i].v[1], rows[i].bytes);
    }
    raw_free(&r);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' tool pprof -top -unit=B -nodefraction=0 -symbolize=none '%s'", go, t.path);
    int st;
    char *top = raw_run(cmd, &st);
    assert_true(top && st == 0);
    assert_non_null(strstr(top, "Type: inuse_space"));
    char *a = strstr(top, "514048B"), *b = strstr(top, "32000B"), *c = strstr(top, "1200B");
    assert_true(a && b && c && a < b && b < c); /* largest first */
    free(top);
    tmp_clean(&t);
}

/* Thousands of distinct locations and samples: buffers grow, ids stay consistent. */
static void many_samples_read_back(void **state)
{
    (void)state;
    char go[1024];
    hs_need_go(raw_find_go(go, sizeof go));
    tmp t;
    tmp_make(&t, "many.pb.gz");
    hs_pprof *p = hs_pprof_new(TYPES, 2);
    enum { N = 5000 };
    int64_t sum = 0;
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "pkg.f%d", i);
        hs_frame f = {name, "/src/many.go", i + 1, 0, 0};
        uint64_t loc = hs_pprof_location(p, 0x1000 + 16 * (uint64_t)i, &f, 1);
        int64_t v[2] = {i, 1000000007LL * i};
        sum += v[1];
        assert_int_equal(hs_pprof_sample(p, &loc, 1, v, NULL, 0), 0);
    }
    hs_err err;
    assert_int_equal(hs_pprof_write(p, t.path, &err), 0);
    hs_pprof_free(p);
    raw_profile r;
    assert_int_equal(raw_read(go, t.path, &r), 0);
    assert_int_equal(r.ns, N);
    int64_t got = 0;
    for (size_t i = 0; i < r.ns; i++)
        got += r.s[i].v[1];
    assert_int_equal(got, sum);
    const raw_loc *l = raw_loc_by_id(&r, r.s[N - 1].locs[0]);
    assert_true(l && l->nlines == 1 && l->lines[0].line == N);
    assert_string_equal(l->lines[0].func, "pkg.f4999");
    raw_free(&r);
    tmp_clean(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gzip_framing_and_write_errors),
        cmocka_unit_test(dedup_returns_same_ids),
        cmocka_unit_test(reads_back_with_go_tool_pprof),
        cmocka_unit_test(truncated_file_is_rejected),
        cmocka_unit_test(rows_profile_reads_back),
        cmocka_unit_test(many_samples_read_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
