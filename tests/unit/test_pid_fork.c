/* test_pid_fork.c - --snapshot fork (pid_fork.c, pid_inject.c) against forked copies of this
 * test (same addresses), checked by what the child itself records: reads of the fork stay as of
 * the moment it was made while the child's own counter runs on; after 30 forks the child has
 * handled every real-time signal sent to it (to the process while it was stopped, and to the
 * very thread that ran the clone), its blocking read() and clock_nanosleep() calls never failed
 * (a system call interrupted by the stop is restarted as the kernel would), it has no child
 * process left (no zombie) and no more descriptors than before. And the refusals: a seccomp
 * filter, and a memory cgroup whose headroom is below the process's resident size. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target/pid_target.h"
#include "hs_unit.h"

/* ---- the child ---- */

static volatile uint64_t counter;  /* advanced by its worker thread */
static atomic_int rt_handled, errors, reads;
static int pipefd[2];

static void on_rt(int sig) { (void)sig; atomic_fetch_add(&rt_handled, 1); }

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        counter++;
        usleep(100);
    }
    return NULL;
}

static void *writer(void *arg)
{
    (void)arg;
    for (;;) {
        usleep(2000);
        if (write(pipefd[1], "x", 1) != 1)
            atomic_fetch_add(&errors, 1);
    }
    return NULL;
}

static void *reader(void *arg)
{
    (void)arg;
    char c;
    for (;;) { /* blocks in read(); SA_RESTART: an interruption must never show */
        if (read(pipefd[0], &c, 1) != 1)
            atomic_fetch_add(&errors, 1);
        atomic_fetch_add(&reads, 1);
    }
    return NULL;
}

/* The leader (the thread heapscope runs its calls on) sleeps in clock_nanosleep, which the
 * kernel restarts through restart_syscall: only 0 or EINTR (a handler ran) may come back. */
static void child_main(size_t resident)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_rt;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN, &sa, NULL);
    if (resident) { /* memory it resides in, for the cgroup check */
        char *m = malloc(resident);
        for (size_t i = 0; m && i < resident; i += 4096)
            m[i] = 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, worker, NULL);
    pthread_create(&t, NULL, writer, NULL);
    pthread_create(&t, NULL, reader, NULL);
    for (;;) {
        struct timespec ts = {0, 3000000};
        int r = clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, NULL);
        if (r != 0 && r != EINTR)
            atomic_fetch_add(&errors, 1);
    }
}

static pid_t live_child; /* killed by the teardown when a test fails halfway */

static pid_t start_child(size_t resident)
{
    assert_int_equal(pipe(pipefd), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        child_main(resident);
    live_child = pid;
    close(pipefd[0]);
    close(pipefd[1]);
    return pid;
}

static void stop_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    live_child = 0;
}

static int teardown(void **state)
{
    (void)state;
    if (live_child)
        stop_child(live_child);
    return 0;
}

/* ---- the test's own view of the child ---- */

static void peek(pid_t pid, const volatile void *var, void *out, size_t len)
{
    struct iovec l = {out, len}, r = {(void *)(uintptr_t)var, len};
    assert_int_equal(process_vm_readv(pid, &l, 1, &r, 1, 0), (ssize_t)len);
}

static int peek_int(pid_t pid, const atomic_int *var)
{
    int v;
    peek(pid, var, &v, sizeof v);
    return v;
}

static uint64_t peek_u64(pid_t pid, const volatile uint64_t *var)
{
    uint64_t v;
    peek(pid, var, &v, sizeof v);
    return v;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* Child processes of pid, from every thread's /proc/PID/task/TID/children. */
static int children_of(pid_t pid)
{
    char path[512], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/task", pid);
    DIR *d = opendir(path);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "/proc/%d/task/%s/children", pid, e->d_name);
        FILE *f = fopen(path, "re");
        size_t got = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
        if (f)
            fclose(f);
        buf[got] = 0;
        for (char *tok = strtok(buf, " \n"); tok; tok = strtok(NULL, " \n"))
            n++;
    }
    if (d)
        closedir(d);
    return n;
}

static void wait_for(pid_t pid, const atomic_int *var, int want)
{
    for (int i = 0; i < 1000 && peek_int(pid, var) < want; i++) /* 5 s: a loaded machine is slow */
        sleep_ms(5);
}

/* ---- tests ---- */

static void fork_reads_frozen_memory_and_leaves_nothing(void **state)
{
    (void)state;
    pid_t pid = start_child(0);
    wait_for(pid, &reads, 5);
    char fdpath[64];
    snprintf(fdpath, sizeof fdpath, "/proc/%d/fd", pid);
    int fds = count_dir(fdpath), sent = 0;
    union sigval v = {0};
    for (int i = 0; i < 30; i++) {
        hs_target *t = NULL;
        hs_err err = {{0}};
        assert_int_equal(hs_pid_target_attach(&t, pid, &err), 0);
        if (i % 3 == 0 && sigqueue(pid, SIGRTMIN, v) == 0) /* pending while it is stopped */
            sent++;
        if (i % 3 == 1 && syscall(SYS_tgkill, pid, pid, SIGRTMIN) == 0) /* the clone's thread */
            sent++;
        if (hs_pid_target_fork(t, &err) != 0)
            fail_msg("fork %d: %s", i, err.msg);
        assert_true(hs_pid_target_forked(t));
        assert_true(t->as_of_ns > 0);
        uint64_t a, b;
        assert_int_equal(hs_read(t, (uint64_t)(uintptr_t)&counter, &a, 8, &err), 0);
        sleep_ms(3);
        assert_int_equal(hs_read(t, (uint64_t)(uintptr_t)&counter, &b, 8, &err), 0);
        assert_int_equal(a, b); /* the fork does not run */
        int ran = 0;
        for (int k = 0; k < 200 && !ran; k++, sleep_ms(1))
            ran = peek_u64(pid, &counter) > a; /* the child does */
        assert_true(ran);
        if (sigqueue(pid, SIGRTMIN, v) == 0)
            sent++;
        assert_int_equal(children_of(pid), 1); /* its fork, until the target closes */
        hs_target_close(t);
        assert_int_equal(children_of(pid), 0);
    }
    wait_for(pid, &rt_handled, sent);
    assert_int_equal(peek_int(pid, &rt_handled), sent);
    assert_int_equal(peek_int(pid, &errors), 0);
    assert_int_equal(count_dir(fdpath), fds);
    int before = peek_int(pid, &reads);
    wait_for(pid, &reads, before + 5); /* its blocked reader goes on reading */
    assert_true(peek_int(pid, &reads) >= before + 5);
    stop_child(pid);
}

/* Two instances of one real-time signal pending on the thread that runs the clone: both are
 * dequeued while it runs the call, and both must reach the program (it counts them). */
static void two_realtime_signals_on_the_cloning_thread_both_arrive(void **state)
{
    (void)state;
    pid_t pid = start_child(0);
    wait_for(pid, &reads, 5);
    int before = peek_int(pid, &rt_handled);
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_pid_target_attach(&t, pid, &err), 0);
    assert_int_equal(syscall(SYS_tgkill, pid, pid, SIGRTMIN), 0);
    assert_int_equal(syscall(SYS_tgkill, pid, pid, SIGRTMIN), 0);
    if (hs_pid_target_fork(t, &err) != 0)
        fail_msg("fork: %s", err.msg);
    hs_target_close(t);
    wait_for(pid, &rt_handled, before + 2);
    assert_int_equal(peek_int(pid, &rt_handled), before + 2);
    stop_child(pid);
}

static void refused_under_seccomp(void **state)
{
    (void)state;
    int go[2];
    assert_int_equal(pipe(go), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        live_child = 0;
        struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
        struct sock_fprog prog = {1, &allow};
        prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
        prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
        if (write(go[1], "s", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    live_child = pid;
    char c;
    assert_int_equal(read(go[0], &c, 1), 1);
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_pid_target_attach(&t, pid, &err), 0);
    assert_int_equal(hs_pid_target_fork(t, &err), -1);
    assert_non_null(strstr(err.msg, "seccomp filter"));
    assert_int_equal(children_of(pid), 0);
    hs_target_close(t);
    stop_child(pid);
    close(go[0]);
    close(go[1]);
}

/* Our own memory cgroup (v2, or v1's memory hierarchy) as a directory, or 0. */
static int own_memory_cgroup(char *dir, size_t len)
{
    FILE *f = fopen("/proc/self/cgroup", "re");
    char line[1024];
    int found = 0;
    while (f && !found && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *ctl = strchr(line, ':'), *rel = ctl ? strchr(ctl + 1, ':') : NULL;
        if (!rel)
            continue;
        *rel++ = 0;
        if (ctl[1] == 0 && access("/sys/fs/cgroup/cgroup.controllers", F_OK) == 0)
            found = snprintf(dir, len, "/sys/fs/cgroup%s", rel) > 0;
        else if (strstr(ctl + 1, "memory"))
            found = snprintf(dir, len, "/sys/fs/cgroup/memory%s", rel) > 0;
    }
    if (f)
        fclose(f);
    return found;
}

static int write_file(const char *dir, const char *name, const char *text)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "we");
    if (!f)
        return -1;
    int ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok ? 0 : -1;
}

static void refused_when_cgroup_headroom_is_below_resident(void **state)
{
    (void)state;
    char parent[4096], dir[4200], num[64];
    if (!own_memory_cgroup(parent, sizeof parent))
        HS_SKIP_PLATFORM("no-cgroup-write", "this test runs in no memory cgroup");
    snprintf(dir, sizeof dir, "%s/hs-fork-test-%d", parent, (int)getpid());
    if (mkdir(dir, 0755) != 0)
        HS_SKIP_PLATFORM("no-cgroup-write", "cannot create a memory cgroup under %s: %s", parent,
                         strerror(errno));
    pid_t pid = start_child(64 << 20); /* resides in 64 MiB, charged where it was */
    wait_for(pid, &reads, 2);
    int v2 = strncmp(dir, "/sys/fs/cgroup/memory/", 22) != 0;
    snprintf(num, sizeof num, "%d", (int)pid);
    int moved = write_file(dir, "cgroup.procs", num) == 0;
    snprintf(num, sizeof num, "%d", 16 << 20); /* the charges stay behind: 16 MiB of headroom */
    int limited = moved && write_file(dir, v2 ? "memory.max" : "memory.limit_in_bytes", num) == 0;
    hs_target *t = NULL;
    hs_err err = {{0}};
    int rc = 0;
    if (limited) {
        assert_int_equal(hs_pid_target_attach(&t, pid, &err), 0);
        rc = hs_pid_target_fork(t, &err);
        hs_target_close(t);
    }
    stop_child(pid);
    rmdir(dir);
    if (!limited)
        HS_SKIP_PLATFORM("no-cgroup-write", "cannot move a process into %s or limit it", dir);
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err.msg, "memory cgroup"));
    assert_non_null(strstr(err.msg, "MiB left below its limit"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(fork_reads_frozen_memory_and_leaves_nothing, teardown),
        cmocka_unit_test_teardown(two_realtime_signals_on_the_cloning_thread_both_arrive, teardown),
        cmocka_unit_test_teardown(refused_under_seccomp, teardown),
        cmocka_unit_test_teardown(refused_when_cgroup_headroom_is_below_resident, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
