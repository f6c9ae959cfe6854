/* test_go_mprof.c - the Go heap-profile records (core/go/go_mprof*.c), the site rows view and
 * the heap-profile writer, against independent oracles:
 *  - constructed memory: buckets laid out as runtime/mprof.go defines them, with cycle counts
 *    whose MemProfile result follows from the runtime's rules (and corrupt lists);
 *  - the stored cores of tests/fixtures/go/heap, against the program's own heap profile
 *    (heap.pprof, written by runtime/pprof) read through `go tool pprof -raw` and `-top`.
 *
 * Profile vs core. The program allocates everything in main.allocate, runs GC 1, writes
 * heap.pprof, then runs GC 2 and GC 3 and dumps core. A profile shows what was published at the
 * last GC's mark termination. So for every allocation stack under main.allocate: allocations
 * are equal (all happened before GC 1); in-use in the core can only be lower (GC 2/3 may free
 * what only sync.Pool or a dead stack slot still held at GC 1); and where main code allocated
 * objects directly into the globals and none of them had died by GC 1, in-use is equal.
 * Stacks, locations, inline grouping, addresses, names and start lines must all be equal. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <math.h>
#include <sys/stat.h>
#include <uthash.h>

#include "go/go_mprof.h"
#include "go/go_runtime.h"
#include "image/go_buildinfo.h"
#include "output/pprof_heap.h"
#include "hs_unit.h"
#include "pprof_raw.h"
#include "target/core_target.h"
#include "views/site_rows.h"

/* ---------- stored cores ---------- */

enum { MAXREL = 16 };

typedef struct release {
    char name[64], dir[1024];
} release;

static int rel_cmp(const void *a, const void *b) { return strcmp(((const release *)a)->name, ((const release *)b)->name); }

/* DATA/go1.*\/KIND directories holding a core, sorted; 0 when HS_TEST_DATA is missing. */
static size_t list_releases(const char *kind, release *out)
{
    const char *data = getenv("HS_TEST_DATA");
    DIR *d = data ? opendir(data) : NULL;
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < MAXREL) {
        if (strncmp(e->d_name, "go1.", 4) != 0 || strlen(e->d_name) >= sizeof out->name)
            continue;
        snprintf(out[n].name, sizeof out[n].name, "%.63s", e->d_name);
        snprintf(out[n].dir, sizeof out[n].dir, "%s/%s/%s", data, e->d_name, kind);
        char core[1100];
        snprintf(core, sizeof core, "%s/core", out[n].dir);
        if (access(core, R_OK) == 0)
            n++;
    }
    if (d)
        closedir(d);
    qsort(out, n, sizeof *out, rel_cmp);
    return n;
}

typedef struct opened {
    hs_target *t;
    hs_image *img;
    go_rt *rt;
} opened;

static void open_release(const release *r, opened *o)
{
    char core[1100], exe[1100];
    hs_err err;
    snprintf(core, sizeof core, "%s/core", r->dir);
    snprintf(exe, sizeof exe, "%s/exe", r->dir);
    if (hs_core_target_open(&o->t, core, &err) < 0 || hs_image_open(&o->img, exe, &err) < 0 ||
        hs_core_target_set_exe(o->t, o->img, &err) < 0 || go_rt_open(&o->rt, o->t, o->img, &err) < 0)
        fail_msg("%s: %s", r->name, err.msg);
}

static void close_release(opened *o)
{
    go_rt_close(o->rt);
    hs_target_close(o->t);
    hs_image_close(o->img);
}

/* "NumGC":N from the HEAPSCOPE-MEMSTATS line the program printed (runtime.ReadMemStats). */
static long num_gc(const release *r)
{
    char path[1100], line[16384];
    snprintf(path, sizeof path, "%s/dump.txt", r->dir);
    FILE *f = fopen(path, "r");
    long n = -1;
    while (f && fgets(line, sizeof line, f))
        if (!strncmp(line, "HEAPSCOPE-MEMSTATS ", 19) && strstr(line, "\"NumGC\":"))
            n = strtol(strstr(line, "\"NumGC\":") + 8, NULL, 10);
    if (f)
        fclose(f);
    return n;
}

#include "test_go_mprof_synth.h"
#include "test_go_mprof_cores.h"

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scale_is_pprofs_unbiasing),
        cmocka_unit_test(combines_cycles_like_memprofile),
        cmocka_unit_test(unpublished_profile_sums_every_cycle),
        cmocka_unit_test(looping_list_is_cut_without_repeats),
        cmocka_unit_test(corrupt_buckets_are_reported),
        cmocka_unit_test(empty_profile_says_why),
        cmocka_unit_test(rows_group_scale_and_sort),
        cmocka_unit_test(reads_every_release),
        cmocka_unit_test(compiled_out_is_explained),
        cmocka_unit_test(sites_match_program_profile),
        cmocka_unit_test(written_profile_matches_program_profile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
