/* fuzz_labels.c - libFuzzer target: the goroutine-label reader (go_labels.c) over fuzzed memory.
 * The stored Go 1.27 and Go 1.19 "blocked" cores are opened once (the two layouts: a sorted
 * slice of pairs, and a map[string]string behind a pointer); the first input byte picks one,
 * the rest becomes the overlay's scratch area, and g.labels is taken to point at its start.
 * Pointers the input writes into the scratch area (OV_SCRATCH_ADDR + offset) reach further
 * fuzzed bytes: slice arrays, hmap buckets and overflow chains, key and value bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "go/go_labels.h"
#include "rt_world.h"

static rt_world *worlds[2];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    worlds[0] = w_open("go1.27.3/blocked");
    worlds[1] = w_open("go1.19.8/blocked");
    if (!worlds[0] && !worlds[1]) {
        fprintf(stderr, "fuzz_labels: no stored cores under %s (set HS_TEST_DATA, or run "
                        "tests/prepare_data.sh)\n", fz_test_data());
        exit(1);
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rt_world *w = worlds[data[0] & 1] ? worlds[data[0] & 1] : worlds[!(data[0] & 1)];
    ov_reset(&w->ov);
    w->ov.max_reads = 20000;
    size_t n = size - 1 < OV_SCRATCH_SIZE ? size - 1 : OV_SCRATCH_SIZE;
    memcpy(w->ov.scratch, data + 1, n);
    strbuf out;
    sb_init(&out);
    hs_err err;
    go_labels_read(w->rt, OV_SCRATCH_ADDR, &out, &err);
    sb_free(&out);
    return 0;
}
