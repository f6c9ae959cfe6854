/* fuzz_snapshot.c - libFuzzer target: the input is a snapshot file (JSON). It is parsed and
 * validated (snapshot_parse), compared with a fixed snapshot both ways (snapshot_diff, the text
 * and JSON renderings), and a trend is taken over the pair. Seeds: fuzz/corpus/snapshot. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "snapshot/diff_report.h"
#include "snapshot/snapshot_diff.h"
#include "snapshot/snapshot_trend.h"

static snapshot base; /* fuzz/corpus/snapshot/base, parsed once */
static int have_base;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    char path[4096];
    hs_err err;
    snprintf(path, sizeof path, "%s/corpus/snapshot/base", fz_source_dir());
    have_base = snapshot_load(path, &base, &err) == 0;
    if (!have_base)
        fprintf(stderr, "fuzz_snapshot: %s (diffs not fuzzed)\n", err.msg);
    return 0;
}

static size_t diff(const snapshot *a, const snapshot *b)
{
    snap_diff d;
    size_t len = 0;
    if (snapshot_diff(a, b, &d, NULL) < 0)
        return 0;
    strbuf out;
    sb_init(&out);
    diff_render_text(&d, 5, &out);
    diff_render_json(&d, 0, &out);
    len = out.len + (size_t)snapshot_same_program(a, b);
    sb_free(&out);
    snap_diff_free(&d);
    return len;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1); /* exactly as long as given (plus the NUL cJSON wants) */
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = 0;
    snapshot s;
    if (snapshot_parse(text, size, "fuzz", &s, NULL) == 0) {
        volatile size_t sink = diff(&s, &s);
        if (have_base) {
            sink += diff(&base, &s) + diff(&s, &base);
            snapshot pair[2] = {base, s};
            snap_trend t;
            if (snapshot_trend(pair, 2, &t, NULL) == 0) {
                sink += t.ntypes + t.nsites + t.ngroups;
                snap_trend_free(&t);
            }
        }
        (void)sink;
        snapshot_free(&s);
    }
    free(text);
    return 0;
}
