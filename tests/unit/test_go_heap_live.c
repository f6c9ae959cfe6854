/* test_go_heap_live.c - the heap walker and the memstats reader on live Go processes and on
 * gcore dumps of them, for every Go toolchain on this machine (~/.cache/go-toolchains, or
 * GO_TOOLCHAINS_DIR; skipped when there is none), plus builds with the experiments that change
 * the heap (1.22 noallocheaders, 1.25 greenteagc, 1.26 nogreenteagc): the heap test program is
 * built (tests/tools/build_fixture.sh), run until it prints READY and attached; its own
 * runtime.ReadMemStats line is the oracle, as in test_go_heap.c. The runtime may still do a
 * little work after that report (see DRIFT_OBJECTS), so runs are repeated until one matches it
 * exactly. A run with GOGC=10000 GOMEMLIMIT=128MiB makes the memory-limit heap goal win, so
 * NextGC is computed by that rule. The benchmark program checks the per-P caches' unflushed
 * counts. Children die with the test (PR_SET_PDEATHSIG) and are killed on every path. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "go/go_heap.h"
#include "go/go_memstats.h"
#include "go/go_runtime.h"
#include "image/elf_image.h"
#include "target/core_target.h"
#include "target/pid_target.h"
#include "test_go_heap_oracle.h"
#include "hs_unit.h"

enum { MAX_TOOLCHAINS = 32, MAX_CHILDREN = 8 };

static pid_t children[MAX_CHILDREN]; /* killed by the teardown whatever happened */
static char workdir[256];

static void remember(pid_t p)
{
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (!children[i]) {
            children[i] = p;
            return;
        }
}

static void reap(pid_t p)
{
    kill(p, SIGKILL);
    waitpid(p, NULL, 0);
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == p)
            children[i] = 0;
}

static hs_target *attached; /* the target being checked, closed by the teardown on failure */

static int teardown(void **state)
{
    (void)state;
    hs_target_close(attached); /* detach before killing: a traced process cannot be reaped */
    attached = NULL;
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i])
            reap(children[i]);
    if (workdir[0]) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", workdir);
        if (system(cmd) != 0)
            fprintf(stderr, "could not remove %s\n", workdir);
        workdir[0] = 0;
    }
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int by_minor(const void *a, const void *b)
{
    return atoi((const char *)a + 2) - atoi((const char *)b + 2);
}

/* The toolchains present (names "1.N" with a go binary). */
static size_t toolchains(char (*out)[16], char *dir, size_t dirlen)
{
    const char *env = getenv("GO_TOOLCHAINS_DIR"), *home = getenv("HOME");
    snprintf(dir, dirlen, "%s%s", env ? env : home ? home : "/nonexistent", env ? "" : "/.cache/go-toolchains");
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL && n < MAX_TOOLCHAINS) {
        char go[600];
        if (strncmp(e->d_name, "1.", 2) != 0 || strlen(e->d_name) >= 16)
            continue;
        snprintf(go, sizeof go, "%s/%s/usr/lib/go-%s/bin/go", dir, e->d_name, e->d_name);
        if (access(go, X_OK) == 0)
            memcpy(out[n++], e->d_name, strlen(e->d_name) + 1); /* < 16, checked above */
    }
    if (d)
        closedir(d);
    qsort(out, n, sizeof *out, by_minor);
    return n;
}

/* Runs argv with stdout and stderr to log, waiting at most timeout seconds; returns the exit
 * status, or -1 (after killing it) on timeout. */
static int run(char *const argv[], const char *log, double timeout)
{
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    remember(p);
    double end = now() + timeout;
    int st;
    while (waitpid(p, &st, WNOHANG) == 0) {
        if (now() > end) {
            reap(p);
            return -1;
        }
        usleep(20000);
    }
    for (int i = 0; i < MAX_CHILDREN; i++)
        if (children[i] == p)
            children[i] = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Starts the heap program and reads its output until READY; returns its pid. */
static pid_t start_program(const char *exe, const char *profile, const char *const *env,
                           char *out, size_t cap)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t p = fork();
    assert_true(p >= 0);
    if (p == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fds[1], 1);
        close(fds[0]);
        for (size_t i = 0; env && env[i]; i += 2)
            setenv(env[i], env[i + 1], 1);
        execl(exe, exe, profile, (char *)NULL);
        _exit(127);
    }
    remember(p);
    close(fds[1]);
    size_t n = 0;
    double end = now() + 60;
    while (!strstr(out, "\nREADY\n") && n + 1 < cap && now() < end) {
        struct pollfd pfd = {fds[0], POLLIN, 0};
        if (poll(&pfd, 1, 200) <= 0)
            continue;
        ssize_t k = read(fds[0], out + n, cap - 1 - n);
        if (k <= 0)
            break;
        n += (size_t)k;
        out[n] = 0;
    }
    close(fds[0]); /* the program writes nothing more */
    if (!strstr(out, "\nREADY\n"))
        fail_msg("%s did not print READY within 60 s; it printed:\n%s", exe, out);
    return p;
}

/* A live process keeps working after ReadMemStats has taken its numbers, now and then: its own
 * startTheWorld may start a new M (allocm: the m, g0 and gsignal with their stacks; ~7 objects,
 * ~5 KiB, and the heap or stack accounting moves), and the background scavenger's timer may grow
 * a P's timer heap (one small object; seen in about one run in three with GOMAXPROCS=2, one in
 * twelve with GOMAXPROCS=1). The program reports only once two reads 20 ms apart agree, which
 * makes this rare; a run where anything still moved is "drifted": checked within these bounds,
 * and the program is run again until a run is exact. */
enum { DRIFT_OBJECTS = 16, DRIFT_BYTES = 64 << 10 };

static uint64_t absdiff(uint64_t a, uint64_t b) { return a > b ? a - b : b - a; }

/* Lists the statistics that differ from the report into buf; returns how many. HeapReleased may
 * only have grown (within HeapIdle): the scavenger returns free pages in the background. */
static int differences(const go_memstats *m, const ms_oracle *o, char *buf, size_t cap)
{
    int n = 0;
    size_t len = 0;
    buf[0] = 0;
    for (int i = 0; i < GO_MS_COUNT; i++) {
        int same = i == GO_MS_HEAP_RELEASED
                       ? m->v[i] >= o->v[i] && m->v[i] <= o->v[GO_MS_HEAP_IDLE]
                       : m->v[i] == o->v[i];
        if (!m->have[i])
            fail_msg("%s missing: %s", go_memstat_name((enum go_memstat)i), m->why);
        if (same)
            continue;
        n++;
        int k = snprintf(buf + len, cap - len, " %s %" PRIu64 " (report %" PRIu64 ")",
                         go_memstat_name((enum go_memstat)i), m->v[i], o->v[i]);
        if (k > 0 && (size_t)k < cap - len)
            len += (size_t)k;
    }
    return n;
}

/* What must hold whatever moved since the report: the walk's totals equal the runtime's own
 * statistics read at the same instant, no collection ran, and the drift is bounded. */
static void check_always(const go_heap *h, const go_memstats *m, const ms_oracle *o,
                         const char *label)
{
    uint64_t objects, bytes;
    go_heap_totals(h, &objects, &bytes);
    if (objects != m->v[GO_MS_HEAP_OBJECTS] || bytes != m->v[GO_MS_HEAP_ALLOC])
        fail_msg("%s: walk %" PRIu64 " objects, %" PRIu64 " bytes; the runtime's statistics at the "
                 "same instant: %" PRIu64 ", %" PRIu64, label, objects, bytes,
                 m->v[GO_MS_HEAP_OBJECTS], m->v[GO_MS_HEAP_ALLOC]);
    const enum go_memstat gc[] = {GO_MS_NUM_GC, GO_MS_LAST_GC, GO_MS_PAUSE_TOTAL_NS};
    for (size_t i = 0; i < 3; i++)
        if (!m->have[gc[i]] || m->v[gc[i]] != o->v[gc[i]])
            fail_msg("%s: %s %" PRIu64 ", the runtime said %" PRIu64, label,
                     go_memstat_name(gc[i]), m->v[gc[i]], o->v[gc[i]]);
    if (absdiff(objects, o->v[GO_MS_HEAP_OBJECTS]) > DRIFT_OBJECTS ||
        absdiff(bytes, o->v[GO_MS_HEAP_ALLOC]) > DRIFT_BYTES)
        fail_msg("%s: walk %" PRIu64 " objects, %" PRIu64 " bytes; the runtime reported "
                 "%" PRIu64 ", %" PRIu64, label, objects, bytes, o->v[GO_MS_HEAP_OBJECTS],
                 o->v[GO_MS_HEAP_ALLOC]);
}

/* The checks shared by the live process and its core. Returns 1 when the run is exact: every
 * statistic equals the report; then every size class must too (oracle_check_heap). */
static int check_target(hs_target *t, const char *exe_path, const ms_oracle *o, const char *label,
                        int live, int headers)
{
    hs_image *exe = NULL;
    go_rt *rt = NULL;
    go_heap *h = NULL;
    hs_err err = {{0}};
    go_memstats m;
    attached = t;
    if (hs_image_open(&exe, exe_path, &err) < 0 ||
        (!live && hs_core_target_set_exe(t, exe, &err) < 0) || go_rt_open(&rt, t, exe, &err) < 0 ||
        go_heap_open(&h, rt, &err) < 0 || go_memstats_read(rt, &m, &err) < 0)
        fail_msg("%s: %s", label, err.msg);
    if (*go_heap_warnings(h))
        fail_msg("%s: unexpected warnings:\n%s", label, go_heap_warnings(h));
    oracle_check_pointers(h, t, exe, rt->bias, headers, label);
    check_always(h, &m, o, label);
    char diff[1024];
    int exact = differences(&m, o, diff, sizeof diff) == 0;
    if (exact)
        oracle_check_heap(h, o, label);
    else
        fprintf(stderr, "%s: drifted since the report:%s\n", label, diff);
    go_heap_close(h);
    go_rt_close(rt);
    hs_target_close(t);
    attached = NULL;
    hs_image_close(exe);
    return exact;
}

static int check_live(pid_t pid, const char *exe, const ms_oracle *o, const char *label, int headers)
{
    hs_target *t = NULL;
    hs_err err = {{0}};
    if (hs_pid_target_attach(&t, (int)pid, &err) < 0)
        fail_msg("%s: attaching: %s", label, err.msg);
    return check_target(t, exe, o, label, 1, headers);
}

/* gdb's gcore of the (detached) process, checked like the live process, then deleted. */
static int check_gcore(pid_t pid, const char *exe, const ms_oracle *o, const char *label, int headers)
{
    char prefix[400], core[450], log[450], spid[32];
    snprintf(prefix, sizeof prefix, "%s/core", workdir);
    snprintf(core, sizeof core, "%s.%d", prefix, (int)pid);
    snprintf(log, sizeof log, "%s/gcore.log", workdir);
    snprintf(spid, sizeof spid, "%d", (int)pid);
    char *argv[] = {"gcore", "-o", prefix, spid, NULL};
    if (run(argv, log, 120) != 0 || access(core, R_OK) != 0)
        fail_msg("%s: gcore failed (see %s)", label, log);
    hs_target *t = NULL;
    hs_err err = {{0}};
    if (hs_core_target_open(&t, core, &err) < 0)
        fail_msg("%s: %s", label, err.msg);
    int exact = check_target(t, exe, o, label, 0, headers);
    unlink(core);
    return exact;
}

static int have_gcore(void)
{
    const char *path = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s", path ? path : "/usr/bin:/bin");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char f[4200];
        snprintf(f, sizeof f, "%s/gcore", d);
        if (access(f, X_OK) == 0)
            return 1;
    }
    return 0;
}

/* A build: a Go release and the GOEXPERIMENT it is built with ("" for the default). */
typedef struct variant {
    char v[16];
    const char *experiment;
} variant;

/* Experiments that change what the walker must handle: 1.22 without allocation headers, 1.25
 * with Green Tea (its span layout, default only from 1.26), 1.26 without it. */
static const variant experiments[] = {{"1.22", "noallocheaders"}, {"1.25", "greenteagc"},
                                      {"1.26", "nogreenteagc"}};

/* Builds a test program (tests/fixtures/go/PROGRAM) into DIR/NAME/exe. */
static void build(const variant *b, const char *program, const char *name, char *exe, size_t cap)
{
    const char *src = getenv("HS_SOURCE_DIR");
    char script[1024], out[512], log[600], exp[64];
    snprintf(script, sizeof script, "%s/tests/tools/build_fixture.sh", src ? src : ".");
    snprintf(out, sizeof out, "%.255s/%.40s", workdir, name);
    snprintf(log, sizeof log, "%.255s/build-%.40s.log", workdir, name);
    snprintf(exp, sizeof exp, "GOEXPERIMENT=%.40s", b->experiment);
    snprintf(exe, cap, "%s/exe", out);
    char *argv[] = {"env", exp, "bash", script, (char *)b->v, (char *)program, out, NULL};
    if (run(argv, log, 240) != 0 || access(exe, X_OK) != 0)
        fail_msg("building %s for %s failed (see %s)", program, name, log);
}

static int limited(const char *const *env)
{
    for (size_t i = 0; env && env[i]; i += 2)
        if (strcmp(env[i], "GOMEMLIMIT") == 0)
            return 1;
    return 0;
}

/* Runs the program: with `tries` 1, once (checked within the drift bounds, and a gcore of it
 * when asked); else until a run is exact, failing when none of `tries` runs is. */
static void runs(const char *exe, const char *profile, const char *const *env, const char *name,
                 int headers, int gcore, int tries)
{
    static char out[1 << 16];
    char label[128];
    int exact = 0;
    for (int attempt = 0; attempt < tries && !exact; attempt++) {
        out[0] = 0;
        pid_t pid = start_program(exe, profile, env, out, sizeof out);
        ms_oracle o;
        if (oracle_parse(out, &o) < 0)
            fail_msg("%s: no HEAPSCOPE-MEMSTATS line in:\n%s", name, out);
        if (limited(env) && o.v[GO_MS_NEXT_GC] >= (128u << 20))
            fail_msg("%s: NextGC %" PRIu64 " with GOMEMLIMIT=128MiB: the limit did not set the "
                     "goal", name, o.v[GO_MS_NEXT_GC]);
        snprintf(label, sizeof label, "%.80s live", name);
        exact = check_live(pid, exe, &o, label, headers);
        if (gcore && attempt == 0) {
            snprintf(label, sizeof label, "%.80s gcore", name);
            check_gcore(pid, exe, &o, label, headers);
        }
        reap(pid);
    }
    if (tries > 1 && !exact)
        fail_msg("%s: no run matched the runtime's report exactly in %d runs", name, tries);
}

/* One build: as is (several Ps; with a gcore), then with GOMAXPROCS=1 (fewer threads, so runs
 * where nothing moves after the report are common) until a run is exact, then the same with
 * GOGC=10000 GOMEMLIMIT=128MiB so that the memory-limit rule sets NextGC. */
static void one_build(const variant *b, int gcore)
{
    char name[64], exe[600], profile[600], dir[64];
    snprintf(name, sizeof name, "Go %s%s%s", b->v, *b->experiment ? " X:" : "", b->experiment);
    snprintf(dir, sizeof dir, "%s%s%s", b->v, *b->experiment ? "-" : "", b->experiment);
    build(b, "heap", dir, exe, sizeof exe);
    snprintf(profile, sizeof profile, "%.255s/%.40s/heap.pprof", workdir, dir);
    int minor = atoi(b->v + 2);
    int headers = minor >= 22 && strcmp(b->experiment, "noallocheaders") != 0;
    runs(exe, profile, NULL, name, headers, gcore, 1);
    const char *one[] = {"GOMAXPROCS", "1", NULL};
    const char *limited[] = {"GOMAXPROCS", "1", "GOGC", "10000", "GOMEMLIMIT", "128MiB", NULL};
    char lname[96];
    snprintf(lname, sizeof lname, "%s GOMAXPROCS=1", name);
    runs(exe, profile, one, lname, headers, 0, 8);
    snprintf(lname, sizeof lname, "%s GOMAXPROCS=1 GOMEMLIMIT", name);
    runs(exe, profile, limited, lname, headers, 0, 8);
}

/* The benchmark program at 32 MiB, told to allocate after its ReadMemStats (after reporting
 * it): those allocations sit in the per-P caches, unflushed, so the statistics must add the
 * caches' counts to equal the heap walked at the same instant. */
static void unflushed_caches(const variant *b)
{
    char exe[600], dir[64], label[64];
    static char out[1 << 16];
    snprintf(dir, sizeof dir, "%s-bigheap", b->v);
    snprintf(label, sizeof label, "Go %s bigheap", b->v);
    build(b, "bigheap", dir, exe, sizeof exe);
    out[0] = 0;
    const char *after[] = {"BIGHEAP_ALLOC_AFTER", "1", NULL};
    pid_t pid = start_program(exe, "32", after, out, sizeof out);
    uint64_t reported = 0;
    if (oracle_number(out, "HeapAlloc", &reported) < 0)
        fail_msg("%s: no HeapAlloc in:\n%s", label, out);
    hs_target *t = NULL;
    hs_image *img = NULL;
    go_rt *rt = NULL;
    go_heap *h = NULL;
    hs_err err = {{0}};
    if (hs_pid_target_attach(&t, (int)pid, &err) < 0)
        fail_msg("%s: attaching: %s", label, err.msg);
    attached = t;
    go_memstats m;
    if (hs_image_open(&img, exe, &err) < 0 || go_rt_open(&rt, t, img, &err) < 0 ||
        go_heap_open(&h, rt, &err) < 0 || go_memstats_read(rt, &m, &err) < 0)
        fail_msg("%s: %s", label, err.msg);
    uint64_t objects, bytes;
    go_heap_totals(h, &objects, &bytes);
    if (objects != m.v[GO_MS_HEAP_OBJECTS] || bytes != m.v[GO_MS_HEAP_ALLOC] || *go_heap_warnings(h))
        fail_msg("%s: walk %" PRIu64 " objects, %" PRIu64 " bytes; the runtime's statistics: %" PRIu64
                 ", %" PRIu64 "\n%s", label, objects, bytes, m.v[GO_MS_HEAP_OBJECTS],
                 m.v[GO_MS_HEAP_ALLOC], go_heap_warnings(h));
    if (bytes <= reported || bytes < (32u << 20))
        fail_msg("%s: %" PRIu64 " bytes live, the program reported %" PRIu64 " before allocating "
                 "more", label, bytes, reported);
    go_heap_close(h);
    go_rt_close(rt);
    hs_target_close(t);
    attached = NULL;
    hs_image_close(img);
    reap(pid);
}

static void live_heaps(void **state)
{
    (void)state;
    char dir[512], vs[MAX_TOOLCHAINS][16];
    size_t n = toolchains(vs, dir, sizeof dir);
    if (n == 0)
        HS_SKIP("no Go toolchains under %s: run scripts/setup.sh --all-go", dir);
    snprintf(workdir, sizeof workdir, "/tmp/hs-heap-live.XXXXXX");
    assert_non_null(mkdtemp(workdir));
    int gcore = have_gcore();
    if (!gcore)
        fail_msg("no gcore on PATH (it comes with gdb): run scripts/setup.sh");
    for (size_t i = 0; i < n; i++) {
        double t0 = now();
        variant b = {"", ""};
        memcpy(b.v, vs[i], sizeof b.v);
        one_build(&b, gcore);
        unflushed_caches(&b);
        for (size_t k = 0; k < sizeof experiments / sizeof experiments[0]; k++)
            if (strcmp(experiments[k].v, vs[i]) == 0)
                one_build(&experiments[k], 0);
        fprintf(stderr, "Go %s: built, checked live%s in %.1f s\n", vs[i], gcore ? " and gcore" : "",
                now() - t0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(live_heaps, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
