/* test_go_buildinfo.c - Go version strings and build information: parsing and support checks
 * against constructed inputs; build info of every stored fixture executable against what
 * debug/buildinfo reported (oracle.txt); the pre-1.18 pointer form and section-less files built
 * from those executables; and clean errors for non-Go, truncated and random inputs. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "go_pcln_fixtures.h"
#include "image/elf_image.h"
#include "image/go_buildinfo.h"
#include "image/go_version.h"
#include "hs_unit.h"

static fx fixtures[FX_MAX];
static size_t nfixtures;

static int setup(void **state)
{
    (void)state;
    const char *data = fx_data_dir();
    if (data)
        nfixtures = fx_list(data, fixtures, FX_MAX);
    return 0;
}

/* Fails when the stored data is missing, saying what to run. */
static void need_fixtures(void)
{
    const char *data = hs_data_dir_or_fail();
    if (nfixtures == 0)
        fail_msg("no go*/pcln fixtures under %s: run %s", data, HS_PREPARE_DATA);
}

static void test_version_parse(void **state)
{
    (void)state;
    struct {
        const char *s;
        int major, minor, patch, devel;
        const char *pre, *exp;
    } cases[] = {
        {"go1.23.5", 1, 23, 5, 0, "", ""},
        {"go1.25.12 X:greenteagc", 1, 25, 12, 0, "", "greenteagc"},
        {"go1.26.10-X:nogreenteagc", 1, 26, 10, 0, "", "nogreenteagc"},
        {"go1.22rc1", 1, 22, 0, 0, "rc1", ""},
        {"go1.21", 1, 21, 0, 0, "", ""},
        {"go1.20beta2 X:arenas,loopvar", 1, 20, 0, 0, "beta2", "arenas,loopvar"},
        {"devel go1.24-abc123def Tue Nov 5 10:00:00 2024 +0000", 1, 24, 0, 1, "", ""},
        {"devel +b7a1b2c Mon Jan 1 2024", 0, 0, 0, 1, "", ""},
        {"go1", 1, 0, 0, 0, "", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        go_version v;
        hs_err err = {{0}};
        assert_int_equal(go_version_parse(cases[i].s, &v, &err), 0);
        assert_int_equal(v.major, cases[i].major);
        assert_int_equal(v.minor, cases[i].minor);
        assert_int_equal(v.patch, cases[i].patch);
        assert_int_equal(v.devel, cases[i].devel);
        assert_string_equal(v.prerelease, cases[i].pre);
        assert_string_equal(v.experiments, cases[i].exp);
        assert_string_equal(v.full, cases[i].s);
    }
    const char *bad[] = {"", "1.23.5", "go", "gox.1", "go1.x", "hello world"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        go_version v;
        hs_err err = {{0}};
        assert_int_equal(go_version_parse(bad[i], &v, &err), -1);
        assert_non_null(strstr(err.msg, "is not a Go version string"));
    }
}

static void test_version_experiments(void **state)
{
    (void)state;
    go_version v;
    assert_int_equal(go_version_parse("go1.25.12 X:greenteagc,jsonv2", &v, NULL), 0);
    assert_int_equal(go_version_has_experiment(&v, "greenteagc"), 1);
    assert_int_equal(go_version_has_experiment(&v, "jsonv2"), 1);
    assert_int_equal(go_version_has_experiment(&v, "green"), 0);
    assert_int_equal(go_version_has_experiment(&v, ""), 0);
    assert_int_equal(go_version_parse("go1.26.10-X:nogreenteagc", &v, NULL), 0);
    assert_int_equal(go_version_has_experiment(&v, "greenteagc"), 0);
    assert_int_equal(go_version_has_experiment(&v, "nogreenteagc"), 1);
    assert_int_equal(go_version_parse("go1.26.10", &v, NULL), 0);
    assert_int_equal(go_version_has_experiment(&v, "greenteagc"), 0);
}

static void expect_supported(const char *s, const char *msg)
{
    go_version v;
    hs_err err = {{0}};
    assert_int_equal(go_version_parse(s, &v, &err), 0);
    if (!msg) {
        assert_int_equal(go_version_supported(&v, &err), 0);
        return;
    }
    assert_int_equal(go_version_supported(&v, &err), -1);
    assert_string_equal(err.msg, msg);
}

static void test_version_supported(void **state)
{
    (void)state;
    const char *ok[] = {"go1.19", "go1.19.8", "go1.20.2", "go1.21.13", "go1.22rc1",
                        "go1.25.12 X:greenteagc", "go1.26.10-X:nogreenteagc", "go1.27.3",
                        "devel go1.24-abc Tue"};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
        expect_supported(ok[i], NULL);
    expect_supported("go1.17.3",
                     "built with go1.17.3, older than the oldest supported release go1.19");
    expect_supported("go1.18.10 X:foo",
                     "built with go1.18.10, older than the oldest supported release go1.19");
    expect_supported("go1.28.1", "built with go1.28.1, newer than this heapscope knows "
                                 "(go1.19–go1.27); update heapscope");
    expect_supported("go1.28rc1-X:nogreenteagc", "built with go1.28rc1, newer than this heapscope "
                                                 "knows (go1.19–go1.27); update heapscope");
    expect_supported("go2.0.0", "built with go2.0.0, newer than this heapscope knows "
                                "(go1.19–go1.27); update heapscope");
    go_version v;
    hs_err err = {{0}};
    assert_int_equal(go_version_parse("devel +abc", &v, NULL), 0);
    assert_int_equal(go_version_supported(&v, &err), -1);
    assert_non_null(strstr(err.msg, "development Go toolchain"));
}

/* Reads the build info of path; returns go_buildinfo_read's result. */
static int read_bi(const char *path, char *vers, size_t cap, char *mainpath, size_t pcap,
                   hs_err *err)
{
    hs_image *img;
    if (hs_image_open(&img, path, err) < 0)
        return -2;
    int rc = go_buildinfo_read(img, vers, cap, mainpath, pcap, err);
    hs_image_close(img);
    return rc;
}

static void expect_oracle_bi(const fx *f, const char *path)
{
    fx_oracle o;
    assert_int_equal(fx_oracle_read(f, "oracle.txt", &o), 0);
    const fx_line *ver = fx_find(&o, "version", NULL), *mp = fx_find(&o, "mainpath", NULL);
    assert_non_null(ver);
    assert_non_null(mp);
    char vers[128], mainpath[256];
    hs_err err = {{0}};
    if (read_bi(path, vers, sizeof vers, mainpath, sizeof mainpath, &err) != 0)
        fail_msg("%s: %s", f->name, err.msg);
    assert_string_equal(vers, ver->f[1]);
    assert_string_equal(mainpath, mp->nf > 1 ? mp->f[1] : "");
    fx_oracle_free(&o);
}

static void test_buildinfo_fixtures(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        expect_oracle_bi(&fixtures[i], fixtures[i].exe);
        /* the toolchain's own name for itself (the directory) parses to the same release */
        char vers[128];
        go_version a, b;
        assert_int_equal(read_bi(fixtures[i].exe, vers, sizeof vers, NULL, 0, NULL), 0);
        assert_int_equal(go_version_parse(vers, &a, NULL), 0);
        assert_int_equal(go_version_parse(fixtures[i].name, &b, NULL), 0);
        assert_int_equal(go_version_cmp(&a, b.major, b.minor, b.patch), 0);
        assert_int_equal(go_version_supported(&a, NULL), 0);
        /* small buffers truncate, never overflow */
        char tiny[5];
        assert_int_equal(read_bi(fixtures[i].exe, tiny, sizeof tiny, NULL, 0, NULL), 0);
        assert_int_equal(strncmp(tiny, vers, 4), 0);
        assert_int_equal(strlen(tiny), 4);
    }
}

/* Without section headers the blob is found by scanning writable segments. */
static void test_buildinfo_no_section_headers(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        char tmp[] = "/tmp/hs-bi-XXXXXX";
        assert_int_equal(fx_copy(fixtures[i].exe, tmp), 0);
        assert_int_equal(fx_drop_section_headers(tmp), 0);
        hs_image *img;
        hs_err err = {{0}};
        assert_int_equal(hs_image_open(&img, tmp, &err), 0);
        assert_null(hs_image_section(img, ".go.buildinfo"));
        hs_image_close(img);
        expect_oracle_bi(&fixtures[i], tmp);
        unlink(tmp);
    }
}

/* The pre-1.18 form: flags bit 1 clear, pointers at +16 and +24 to Go string headers. Built
 * from a fixture by pointing them at runtime.buildVersion and runtime.modinfo (two Go strings
 * the linker initialises), whose contents the oracle also gives. */
static void test_buildinfo_pointer_form(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        fx_oracle o;
        assert_int_equal(fx_oracle_read(&fixtures[i], "oracle.txt", &o), 0);
        uint64_t vers = fx_addr(&o, "sym", "runtime.buildVersion", NULL);
        uint64_t mod = fx_addr(&o, "sym", "runtime.modinfo", NULL);
        fx_oracle_free(&o);
        assert_true(vers && mod);
        hs_image *img;
        assert_int_equal(hs_image_open(&img, fixtures[i].exe, NULL), 0);
        const hs_section *s = hs_image_section(img, ".go.buildinfo");
        assert_non_null(s);
        long off = (long)s->offset;
        hs_image_close(img);
        char tmp[] = "/tmp/hs-bi-XXXXXX";
        assert_int_equal(fx_copy(fixtures[i].exe, tmp), 0);
        uint8_t hdr[18] = {8, 0};
        memcpy(hdr + 2, &vers, 8);
        memcpy(hdr + 10, &mod, 8);
        assert_int_equal(fx_patch(tmp, off + 14, hdr, sizeof hdr), 0);
        expect_oracle_bi(&fixtures[i], tmp);
        unlink(tmp);
    }
}

static void test_buildinfo_not_go(void **state)
{
    (void)state;
    const char *path = access("/bin/true", R_OK) == 0 ? "/bin/true" : "/usr/bin/true";
    char vers[64] = "x", mp[64] = "x";
    hs_err err = {{0}};
    assert_int_equal(read_bi(path, vers, sizeof vers, mp, sizeof mp, &err), -1);
    char want[600];
    snprintf(want, sizeof want, "%s is not a Go program (no Go build information found)", path);
    assert_string_equal(err.msg, want);
    assert_string_equal(vers, "");
    assert_string_equal(mp, "");
}

/* A file of random bytes is not even an ELF file. */
static void test_buildinfo_random_file(void **state)
{
    (void)state;
    char tmp[] = "/tmp/hs-bi-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    uint8_t buf[8192];
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        buf[i] = (uint8_t)x;
    }
    assert_int_equal(write(fd, buf, sizeof buf), (ssize_t)sizeof buf);
    close(fd);
    hs_err err = {{0}};
    char vers[64];
    assert_int_equal(read_bi(tmp, vers, sizeof vers, NULL, 0, &err), -2);
    assert_true(strlen(err.msg) > 0);
    unlink(tmp);
}

/* Truncated copies either fail cleanly or, when the blob survived, give the right version. */
static void test_buildinfo_truncated(void **state)
{
    (void)state;
    need_fixtures();
    for (size_t i = 0; i < nfixtures; i++) {
        fx_oracle o;
        assert_int_equal(fx_oracle_read(&fixtures[i], "oracle.txt", &o), 0);
        struct stat st;
        assert_int_equal(stat(fixtures[i].exe, &st), 0);
        const long cuts[] = {0, 1, 63, 64, 100, 4096, st.st_size / 3, st.st_size / 2,
                             st.st_size - 1};
        for (size_t k = 0; k < sizeof cuts / sizeof cuts[0]; k++) {
            char tmp[] = "/tmp/hs-bi-XXXXXX";
            assert_int_equal(fx_copy(fixtures[i].exe, tmp), 0);
            assert_int_equal(truncate(tmp, cuts[k]), 0);
            char vers[128];
            hs_err err = {{0}};
            int rc = read_bi(tmp, vers, sizeof vers, NULL, 0, &err);
            if (rc == 0)
                assert_string_equal(vers, fx_find(&o, "version", NULL)->f[1]);
            else
                assert_true(strlen(err.msg) > 0);
            unlink(tmp);
        }
        fx_oracle_free(&o);
    }
}

/* Random bytes after the magic (lengths, flags, pointers) never crash the decoder. */
static void test_buildinfo_corrupt_blob(void **state)
{
    (void)state;
    need_fixtures();
    const fx *f = &fixtures[nfixtures - 1];
    hs_image *img;
    assert_int_equal(hs_image_open(&img, f->exe, NULL), 0);
    long off = (long)hs_image_section(img, ".go.buildinfo")->offset;
    hs_image_close(img);
    char tmp[] = "/tmp/hs-bi-XXXXXX";
    assert_int_equal(fx_copy(f->exe, tmp), 0);
    uint32_t x = 88172645u;
    for (int iter = 0; iter < 300; iter++) {
        uint8_t junk[64];
        for (size_t i = 0; i < sizeof junk; i++) {
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            junk[i] = (uint8_t)x;
        }
        if (iter % 3 == 0)
            junk[0] = 8, junk[1] = 2; /* keep a valid-looking header, random strings */
        assert_int_equal(fx_patch(tmp, off + 14, junk, sizeof junk), 0);
        char vers[64], mp[64];
        hs_err err = {{0}};
        int rc = read_bi(tmp, vers, sizeof vers, mp, sizeof mp, &err);
        assert_true(rc == 0 || rc == -1);
        assert_true(strlen(vers) < sizeof vers && strlen(mp) < sizeof mp);
    }
    unlink(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_parse),
        cmocka_unit_test(test_version_experiments),
        cmocka_unit_test(test_version_supported),
        cmocka_unit_test(test_buildinfo_fixtures),
        cmocka_unit_test(test_buildinfo_no_section_headers),
        cmocka_unit_test(test_buildinfo_pointer_form),
        cmocka_unit_test(test_buildinfo_not_go),
        cmocka_unit_test(test_buildinfo_random_file),
        cmocka_unit_test(test_buildinfo_truncated),
        cmocka_unit_test(test_buildinfo_corrupt_blob),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
