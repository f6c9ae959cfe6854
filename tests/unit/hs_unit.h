/* hs_unit.h - the suite's rules, for cmocka tests (include after <cmocka.h>): missing stored
 * data or a missing Go toolchain fails with a line saying what to run; a skip prints its reason
 * on an "HS-SKIP ..." line, which tests/tools/census.py reads. On the machine the README sets up
 * only skips for reasons listed in tests/skip_reasons.txt ("[KEY] ...") are allowed; others fail
 * there (HS_SKIP_PLATFORM for a listed one, HS_SKIP for anything else). */
#ifndef HS_TEST_UNIT_H
#define HS_TEST_UNIT_H

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HS_SKIP(...)                                                                                    \
    do {                                                                                                \
        printf("HS-SKIP ");                                                                             \
        printf(__VA_ARGS__);                                                                            \
        printf("\n");                                                                                   \
        fflush(stdout);                                                                                 \
        skip();                                                                                         \
    } while (0)

#define HS_SKIP_PLATFORM(key, ...) HS_SKIP("[" key "] " __VA_ARGS__)

#define HS_PREPARE_DATA "ctest -R prepare-test-data (tests/prepare_data.sh tests/cores BUILD/test-data)"

/* The unpacked stored data directory ($HS_TEST_DATA); fails the test when it is not there. */
static inline const char *hs_data_dir_or_fail(void)
{
    const char *d = getenv("HS_TEST_DATA");
    if (!d || !*d)
        fail_msg("HS_TEST_DATA is not set: run the test through ctest, or set it to BUILD/test-data");
    glob_t g;
    char pat[4096];
    snprintf(pat, sizeof pat, "%s/go1.*", d);
    int found = glob(pat, GLOB_ONLYDIR, NULL, &g) == 0 && g.gl_pathc > 0;
    globfree(&g);
    if (!found)
        fail_msg("no stored cores under %s: run %s", d, HS_PREPARE_DATA);
    return d;
}

/* Fails the test when n stored items of what ("heap cores") were found (n == 0). */
static inline void hs_need_data(size_t n, const char *what)
{
    if (n == 0)
        fail_msg("no stored %s under %s: run %s", what, getenv("HS_TEST_DATA") ? getenv("HS_TEST_DATA") : "(HS_TEST_DATA unset)",
                 HS_PREPARE_DATA);
}

/* Fails the test when found < 0: the Go toolchain the test needs is not installed. */
static inline void hs_need_go(int found)
{
    if (found < 0)
        fail_msg("no Go toolchain (go on PATH, HS_GO, or ~/.cache/go-toolchains): run scripts/setup.sh --all-go");
}

/* /proc/sys/kernel/core_pattern (or HS_TEST_CORE_PATTERN, with which the harness self-test
 * pretends a pattern) into buf; returns buf. */
static inline const char *hs_core_pattern(char *buf, size_t cap)
{
    const char *sim = getenv("HS_TEST_CORE_PATTERN");
    buf[0] = 0;
    if (sim) {
        snprintf(buf, cap, "%s", sim);
        return buf;
    }
    FILE *f = fopen("/proc/sys/kernel/core_pattern", "r");
    if (f) {
        if (!fgets(buf, (int)cap, f))
            buf[0] = 0;
        fclose(f);
    }
    buf[strcspn(buf, "\n")] = 0;
    return buf;
}

#endif
