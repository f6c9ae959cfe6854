/* test_native_session.c - a libdwfl session shared among reads (native_threads_read_in, as the
 * fuzz target uses it) answers as a session of its own: the stored kernel core of
 * fuzz/data/native_tiny.c read once alone, then twice through one shared session (the second
 * time with libc's module kept from the first, and the executable under another path, so read
 * anew), gives the threads-blocked JSON a session of its own gives with the same files; the
 * session refuses a second reader while one holds it. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <cmocka.h>

#include "native/native_threads.h"
#include "output/native_report.h"
#include "target/core_target.h"

static char dir[] = "/tmp/hs-native-session-XXXXXX";

/* gunzip src (gzread also copies a plain file) into dir/name; returns the path (static). */
static const char *unpack(const char *src, const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", dir, name);
    gzFile in = gzopen(src, "rb");
    FILE *out = fopen(path, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[1 << 16];
    int n;
    while ((n = gzread(in, buf, sizeof buf)) > 0)
        assert_int_equal(fwrite(buf, 1, (size_t)n, out), (size_t)n);
    gzclose(in);
    fclose(out);
    return path;
}

/* threads-blocked --json of core (its executable at exe), through shared or a session of its
 * own (shared NULL); malloc'd. */
static char *report(const char *core, const char *exe, native_dwfl *shared)
{
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_core_target_open(&t, core, &err), 0);
    const char *orig = t->nmaps ? t->maps[0].path : NULL;
    char **saved = calloc(t->nmaps, sizeof *saved);
    assert_non_null(saved);
    for (size_t i = 0; i < t->nmaps; i++) { /* the executable's mappings name our copy */
        saved[i] = t->maps[i].path;
        if (orig && t->maps[i].path && !strcmp(t->maps[i].path, orig))
            t->maps[i].path = (char *)exe;
    }
    native_threads nt;
    assert_int_equal(native_threads_read_in(t, shared, &nt, &err), 0);
    if (shared) { /* held until freed */
        native_threads other;
        assert_int_equal(native_threads_read_in(t, shared, &other, &err), -1);
        assert_non_null(strstr(err.msg, "in use"));
    }
    hs_task_groups groups;
    assert_int_equal(hs_task_groups_build(nt.tasks, nt.n, &(hs_group_filter){.all = 1, .system = 1}, &groups), 0);
    strbuf out;
    sb_init(&out);
    native_render_json(&(native_report){t, &nt, &groups, 0, 1, 0}, &out);
    char *s = strdup(sb_str(&out));
    sb_free(&out);
    hs_task_groups_free(&groups);
    native_threads_free(&nt);
    for (size_t i = 0; i < t->nmaps; i++)
        t->maps[i].path = saved[i];
    free(saved);
    hs_target_close(t);
    return s;
}

static void shared_session_answers_alike(void **state)
{
    (void)state;
    const char *src = getenv("HS_SOURCE_DIR");
    assert_non_null(src);
    assert_non_null(mkdtemp(dir));
    char from[4096], core[4096], exe[4096], exe2[4096];
    snprintf(from, sizeof from, "%s/fuzz/data/native_tiny.core.gz", src);
    unpack(from, "core", core, sizeof core);
    snprintf(from, sizeof from, "%s/fuzz/data/native_tiny", src);
    unpack(from, "native_tiny", exe, sizeof exe);
    unpack(from, "native_tiny2", exe2, sizeof exe2);

    char *alone = report(core, exe, NULL), *alone2 = report(core, exe2, NULL);
    assert_non_null(strstr(alone, "\"runtime\":\"native\""));
    assert_non_null(strstr(alone, "\"function\":\"locker\""));
    assert_non_null(strstr(alone2, "native_tiny2")); /* frames without lines name the module */
    native_dwfl *d = NULL;
    hs_err err = {{0}};
    assert_int_equal(native_dwfl_new(&d, &err), 0);
    char *first = report(core, exe, d), *second = report(core, exe2, d);
    native_dwfl_free(d);
    assert_string_equal(first, alone);
    assert_string_equal(second, alone2);
    free(alone);
    free(alone2);
    free(first);
    free(second);
    unlink(core);
    unlink(exe);
    unlink(exe2);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(shared_session_answers_alike)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
