/* fuzz_goroutines.c - libFuzzer target: the goroutine walker over corrupted runtime memory.
 * The stored Go 1.26 and Go 1.19 "blocked" cores ($HS_TEST_DATA/go1.*\/blocked) and the arm64
 * ones (arm64/go1.*\/blocked: crash cores, threads in signal frames, the LR unwinder) are opened
 * once; each input picks one (first byte) and is a list of patch records (rt_world.c) laid over
 * allgs, the g structs, the m list, saved stacks, runtime.sched, thread stacks and a scratch
 * area; then everything threads-blocked does runs: go_goroutines_read, go_tasks_build,
 * grouping with each filter, and the text and JSON renderings of the groups and of one
 * goroutine; and the search for threads inside the runtime's heap updates (go_inflight). Reads are budgeted per input, so a pathological input cannot run for long. */
#include <stdio.h>
#include <stdlib.h>

#include "go/go_goroutines.h"
#include "go/go_inflight.h"
#include "go/go_tasks.h"
#include "output/threads_report.h"
#include "rt_world.h"
#include "views/task_groups.h"

#define NWORLDS 4
static rt_world *worlds[NWORLDS];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    worlds[0] = w_open("go1.26.10/blocked");
    worlds[1] = w_open("go1.19.8/blocked");
    worlds[2] = w_open("arm64/go1.27.3/blocked");
    worlds[3] = w_open("arm64/go1.19.8/blocked");
    if (!worlds[0] || !worlds[1] || !worlds[2] || !worlds[3]) {
        fprintf(stderr, "fuzz_goroutines: stored cores missing under %s (set HS_TEST_DATA, or run "
                        "tests/prepare_data.sh)\n", fz_test_data());
        exit(1);
    }
    return 0;
}

static size_t render(const go_rt *rt, const go_goroutines *gs, const hs_task *tasks,
                     const hs_group_filter *f, const hs_task_groups *groups)
{
    threads_report r = {.runtime = "go", .version = rt->ver.full, .target = rt->t,
                        .tasks = tasks, .ntasks = gs->n, .total = gs->n, .groups = groups,
                        .limit = 5, .all = f->all, .clock_exact = gs->now_exact,
                        .warnings = sb_str(&gs->warnings)};
    strbuf out;
    sb_init(&out);
    threads_render_text(&r, &out);
    threads_render_json(&r, &out);
    if (gs->n) {
        task_render_text(&r, &tasks[gs->n - 1], &out);
        task_render_json(&r, &tasks[0], &out);
    }
    size_t len = out.len;
    sb_free(&out);
    return len;
}

static void run(rt_world *w)
{
    go_goroutines gs;
    hs_err err;
    w->ov.max_reads = 200000;
    go_inflight v[4];
    char why[400];
    size_t n = go_inflight_threads(w->rt, v, 4);
    go_inflight_describe(v, n < 4 ? n : 4, why, sizeof why);
    if (go_goroutines_read(w->rt, &gs, &err) < 0)
        return;
    hs_task *tasks = NULL;
    if (go_tasks_build(w->rt, &gs, &tasks, &err) == 0) {
        static const hs_group_filter filters[] = {
            {.all = 0, .system = 0, .min_wait_ns = 0},
            {.all = 1, .system = 1, .min_wait_ns = 1},
        };
        for (size_t i = 0; i < 2; i++) {
            hs_task_groups groups = {0};
            if (hs_task_groups_build(tasks, gs.n, &filters[i], &groups) == 0)
                render(w->rt, &gs, tasks, &filters[i], &groups);
            hs_task_groups_free(&groups);
        }
        free(tasks);
    }
    go_goroutines_free(&gs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    rt_world *w = worlds[data[0] % NWORLDS];
    fz_cursor c = {data + 1, size - 1};
    w_apply(w, &c);
    run(w);
    return 0;
}
