/* test_pid_target.c - the live pid target against forked copies of this test (same addresses):
 * values read match what the child reports through a pipe, every thread is stopped while
 * attached and runs on afterwards, blocked reads resume, no signal is lost or injected across
 * many attach/detach cycles, threads created and exiting during attach, and the error cases. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <grp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "target/pid_attach.h"
#include "target/pid_target.h"
#include "hs_unit.h"

/* ---- the child ---- */

static volatile uint64_t child_counter; /* advanced by the worker threads */
static volatile uint64_t child_marker;
static atomic_int rt_handled, rt_sent, storm_on;
static atomic_int victim_tid;
static int to_child[2], from_child[2];

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static void on_rt(int sig)
{
    (void)sig;
    atomic_fetch_add(&rt_handled, 1);
}

static void *worker(void *arg)
{
    (void)arg;
    for (;;) {
        child_counter++;
        usleep(200);
    }
    return NULL;
}

static void *short_lived(void *arg)
{
    (void)arg;
    usleep(500);
    return NULL;
}

static void *victim(void *arg)
{
    (void)arg;
    atomic_store(&victim_tid, (int)gettid());
    for (;;)
        usleep(1000);
    return NULL;
}

/* Keeps the victim thread busy with queued real-time signals, so that some are caught in
 * flight (signal-delivery-stop) when the thread is seized. */
static void *storm(void *arg)
{
    (void)arg;
    while (atomic_load(&victim_tid) == 0)
        usleep(100);
    while (atomic_load(&storm_on)) {
        if (tgkill(getpid(), atomic_load(&victim_tid), SIGRTMIN + 1) == 0)
            atomic_fetch_add(&rt_sent, 1);
        usleep(20);
    }
    return NULL;
}

/* Spends its life in vfork: the parent side waits uninterruptibly (no ptrace stop) while the
 * child sleeps 300 ms. */
static void *vforker(void *arg)
{
    (void)arg;
    for (;;) {
        pid_t p = vfork();
        if (p == 0) {
            struct timespec ts = {0, 300 * 1000000L};
            syscall(SYS_nanosleep, &ts, NULL);
            _exit(0);
        }
        if (p > 0)
            waitpid(p, NULL, 0);
    }
    return NULL;
}

static void *spawner(void *arg)
{
    (void)arg;
    for (;;) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (pthread_create(&t, &attr, short_lived, NULL) != 0)
            usleep(1000);
        pthread_attr_destroy(&attr);
        usleep(300);
    }
    return NULL;
}

static int read_full(int fd, void *buf, size_t len)
{
    uint8_t *p = buf;
    while (len > 0) {
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static void write_full(int fd, const void *buf, size_t len)
{
    while (write(fd, buf, len) < 0 && errno == EINTR) {
    }
}

/* Commands on to_child: 'c' reply child_counter, 's' reply rt_handled, 'x' end the signal
 * storm and reply the number of signals sent, 'q' exit. The main thread spends its life
 * blocked in read(). mode: 1 threads come and go, 2 signal storm at a victim thread, 4 only
 * the victim thread, 8 a thread that waits in vfork most of the time, 16 the main thread exits
 * (pthread_exit) and another serves. */
static void *serve(void *arg)
{
    (void)arg;
    for (;;) {
        char cmd;
        if (read_full(to_child[0], &cmd, 1) < 0 || cmd == 'q')
            _exit(0);
        if (cmd == 'x') {
            atomic_store(&storm_on, 0);
            usleep(20000);
        }
        uint64_t v = cmd == 'c'   ? child_counter
                     : cmd == 'x' ? (uint64_t)atomic_load(&rt_sent)
                                  : (uint64_t)atomic_load(&rt_handled);
        write_full(from_child[1], &v, sizeof v);
    }
    return NULL;
}

static void child_main(int mode)
{
    close(to_child[1]);
    close(from_child[0]);
    struct sigaction sa = {0};
    sa.sa_handler = on_rt;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGRTMIN + 1, &sa, NULL);
    child_marker = 0xfeedface00000000ull | (uint64_t)getpid();
    pthread_t t;
    for (int i = 0; i < 2; i++)
        pthread_create(&t, NULL, worker, NULL);
    if (mode & 1)
        pthread_create(&t, NULL, spawner, NULL);
    if (mode & 2) {
        atomic_store(&storm_on, 1);
        pthread_create(&t, NULL, storm, NULL);
    }
    if (mode & 8)
        pthread_create(&t, NULL, vforker, NULL);
    if (mode & 6)
        pthread_create(&t, NULL, victim, NULL);
    while ((mode & 6) && atomic_load(&victim_tid) == 0)
        usleep(100);
    while (child_counter == 0)
        usleep(100);
    uint64_t m = child_marker;
    write_full(from_child[1], &m, sizeof m);
    if (mode & 16) { /* the leader leaves; another thread serves */
        pthread_create(&t, NULL, serve, NULL);
        pthread_exit(NULL);
    }
    serve(NULL);
}

typedef struct child {
    pid_t pid;
    uint64_t marker;
} child;

static child start_child(int mode)
{
    assert_int_equal(pipe(to_child), 0);
    assert_int_equal(pipe(from_child), 0);
    child c = {fork(), 0};
    assert_true(c.pid >= 0);
    if (c.pid == 0)
        child_main(mode);
    close(to_child[0]);
    close(from_child[1]);
    assert_int_equal(read_full(from_child[0], &c.marker, sizeof c.marker), 0);
    sleep_ms(20); /* let the main thread block in read() */
    return c;
}

/* Sends cmd and waits (at most 5 s) for the 8-byte answer. */
static int ask(char cmd, uint64_t *v)
{
    write_full(to_child[1], &cmd, 1);
    struct pollfd p = {from_child[0], POLLIN, 0};
    if (poll(&p, 1, 5000) != 1)
        return -1;
    return read_full(from_child[0], v, sizeof *v);
}

static void stop_child(child *c)
{
    kill(c->pid, SIGKILL);
    waitpid(c->pid, NULL, 0);
    close(to_child[1]);
    close(from_child[0]);
}

/* ---- independent views of the child through /proc ---- */

static int live_tasks(pid_t pid, char states[64], int *nstates)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    if (!d)
        return -1;
    int n = 0;
    *nstates = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;
        char sp[320], buf[512];
        snprintf(sp, sizeof sp, "/proc/%d/task/%s/stat", (int)pid, e->d_name);
        FILE *f = fopen(sp, "r");
        if (!f)
            continue;
        size_t k = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[k] = 0;
        char *p = strrchr(buf, ')');
        if (!p || p[2] == 'Z' || p[2] == 'X')
            continue;
        if (*nstates < 64)
            states[(*nstates)++] = p[2];
        n++;
    }
    closedir(d);
    return n;
}

static uint64_t peek(pid_t pid, uint64_t addr)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/mem", (int)pid);
    int fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    uint64_t v = 0;
    assert_int_equal(pread(fd, &v, sizeof v, (off_t)addr), (ssize_t)sizeof v);
    close(fd);
    return v;
}

static int in_some_mapping(pid_t pid, uint64_t addr)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "r");
    int found = 0;
    unsigned long lo, hi;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2 && addr >= lo && addr < hi)
            found = 1;
    if (f)
        fclose(f);
    return found;
}

static hs_target *attach_ok(pid_t pid)
{
    hs_target *t = NULL;
    hs_err err = {{0}};
    if (hs_pid_target_attach(&t, (int)pid, &err) != 0) {
        fprintf(stderr, "attach %d: %s\n", (int)pid, err.msg);
        fail();
    }
    return t;
}

static void expect_msg(const char *msg, const char *needle)
{
    if (!strstr(msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        fail();
    }
}

/* ---- tests ---- */

/* While attached: all threads in a tracing stop, sane registers, the child's values. Returns
 * the counter as read. */
static uint64_t check_attached(hs_target *t, const child *c)
{
    char states[64];
    int ns, tasks = live_tasks(c->pid, states, &ns);
    assert_int_equal((int)t->nthreads, tasks);
    assert_int_equal(t->nthreads, 3);
    for (int i = 0; i < ns; i++)
        assert_int_equal(states[i], 't');
    assert_int_equal(t->threads[0].tid, c->pid);
    for (size_t i = 0; i < t->nthreads; i++) {
        assert_true(t->threads[i].regs[HS_RIP] != 0);
        assert_true(in_some_mapping(c->pid, t->threads[i].regs[HS_RSP]));
        assert_true(in_some_mapping(c->pid, t->threads[i].regs[HS_RIP]));
    }
    uint64_t v = 0, c1 = 0;
    hs_err err = {{0}};
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&child_marker, &v, &err), 0);
    assert_true(v == c->marker);
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&child_counter, &c1, &err), 0);
    assert_true(c1 > 0);
    assert_true(peek(c->pid, (uint64_t)(uintptr_t)&child_counter) == c1);
    sleep_ms(50); /* stopped: the counter stands still */
    assert_true(peek(c->pid, (uint64_t)(uintptr_t)&child_counter) == c1);
    assert_int_equal(hs_read_u64(t, 8, &v, &err), -1); /* page zero is never mapped */
    expect_msg(err.msg, "address 0x8 is not mapped");
    return c1;
}

static void check_process_facts(hs_target *t, const child *c)
{
    char self[PATH_MAX];
    assert_non_null(realpath("/proc/self/exe", self));
    assert_string_equal(t->kind, "pid");
    assert_int_equal(t->pid, c->pid);
    assert_int_equal(t->live, 1);
    assert_string_equal(t->exe_path, self);
    assert_true(t->auxv_entry != 0 && t->auxv_phdr != 0);
    int exe_mapped = 0;
    for (size_t i = 0; i < t->nmaps; i++)
        exe_mapped |= strcmp(t->maps[i].path, self) == 0 && t->maps[i].file_offset == 0;
    assert_true(exe_mapped);
}

/* After detach: running, not traced, the blocked read() got its data, the counter moves. */
static void check_released(const child *c, uint64_t c1)
{
    char states[64];
    int ns;
    live_tasks(c->pid, states, &ns);
    for (int i = 0; i < ns; i++)
        assert_true(states[i] != 't' && states[i] != 'T');
    uint64_t c2 = 0, c3 = 0;
    sleep_ms(20); /* give the workers time to run */
    assert_int_equal(ask('c', &c2), 0);
    assert_true(c2 > c1);
    sleep_ms(20);
    assert_int_equal(ask('c', &c3), 0);
    assert_true(c3 > c2);
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%d/status", (int)c->pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t k = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[k] = 0;
    int tracer = -1;
    assert_int_equal(sscanf(strstr(buf, "TracerPid:"), "TracerPid: %d", &tracer), 1);
    assert_int_equal(tracer, 0);
}

static void test_attach_read_detach(void **state)
{
    (void)state;
    child c = start_child(0);
    hs_target *t = attach_ok(c.pid);
    check_process_facts(t, &c);
    uint64_t c1 = check_attached(t, &c);
    hs_target_close(t);
    check_released(&c, c1);
    stop_child(&c);
}

/* Real-time signals queue (they never merge), so each one sent must be handled exactly once:
 * sent just before attaching (possibly caught in flight) and while stopped. */
static void test_signals_survive(void **state)
{
    (void)state;
    child c = start_child(1);
    const int rounds = 20;
    for (int i = 0; i < rounds; i++) {
        kill(c.pid, SIGRTMIN + 1);
        hs_target *t = attach_ok(c.pid);
        kill(c.pid, SIGRTMIN + 1);
        uint64_t v = 0;
        hs_err err = {{0}};
        assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&child_marker, &v, &err), 0);
        assert_true(v == c.marker);
        hs_target_close(t);
    }
    uint64_t handled = 0;
    for (int tries = 0; tries < 200; tries++) {
        assert_int_equal(ask('s', &handled), 0);
        if (handled >= (uint64_t)(2 * rounds))
            break;
        sleep_ms(10);
    }
    sleep_ms(50);
    assert_int_equal(ask('s', &handled), 0);
    assert_int_equal(handled, 2 * rounds);
    uint64_t cnt = 0;
    assert_int_equal(ask('c', &cnt), 0); /* still alive and serving: nothing stopped/killed it */
    stop_child(&c);
}

/* Under a storm of thread-directed signals, attach and detach many times: every signal sent is
 * handled exactly once (none lost in a signal-delivery-stop, none made up from our stops). */
static void test_signal_storm(void **state)
{
    (void)state;
    child c = start_child(2);
    for (int i = 0; i < 50; i++) {
        hs_target *t = attach_ok(c.pid);
        assert_int_equal(t->nthreads, 5);
        hs_target_close(t);
        sleep_ms(2);
    }
    uint64_t sent = 0, handled = 0;
    assert_int_equal(ask('x', &sent), 0);
    assert_true(sent > 0);
    for (int tries = 0; tries < 100; tries++) {
        assert_int_equal(ask('s', &handled), 0);
        if (handled >= sent)
            break;
        sleep_ms(10);
    }
    fprintf(stderr, "signal storm: %llu sent, %llu handled\n", (unsigned long long)sent,
            (unsigned long long)handled);
    assert_int_equal(handled, sent);
    stop_child(&c);
}

typedef struct in_flight {
    pid_t pid;
    int victim, caught;
} in_flight;

/* Between seize and interrupt of the victim, sends it a signal and waits until the thread
 * has stopped for it (signal-delivery-stop, state 't'). */
static void catch_in_flight(void *ctx, int tid)
{
    in_flight *f = ctx;
    if (tid != f->victim)
        return;
    syscall(SYS_tgkill, (int)f->pid, tid, SIGRTMIN + 1);
    char path[96], buf[512];
    snprintf(path, sizeof path, "/proc/%d/task/%d/stat", (int)f->pid, tid);
    for (int i = 0; i < 2000 && !f->caught; i++) {
        FILE *fp = fopen(path, "r");
        size_t k = fp ? fread(buf, 1, sizeof buf - 1, fp) : 0;
        if (fp)
            fclose(fp);
        buf[k] = 0;
        char *p = strrchr(buf, ')');
        f->caught = p && p[2] == 't';
        if (!f->caught)
            sleep_ms(1);
    }
}

/* A signal caught in flight during the attach is delivered once after the detach. */
static void test_signal_caught_in_flight(void **state)
{
    (void)state;
    child c = start_child(4);
    in_flight f = {c.pid, (int)peek(c.pid, (uint64_t)(uintptr_t)&victim_tid), 0};
    assert_true(f.victim > 0);
    hs_attach a = {.pid = (int)c.pid, .after_seize = catch_in_flight, .hook_ctx = &f};
    hs_err err = {{0}};
    assert_int_equal(hs_attach_all(&a, &err), 0);
    assert_true(f.caught);
    int seen = 0;
    for (size_t i = 0; i < a.n; i++)
        if (a.th[i].tid == f.victim) {
            assert_int_equal(a.th[i].sig, SIGRTMIN + 1);
            seen = 1;
        } else {
            assert_int_equal(a.th[i].sig, 0);
        }
    assert_true(seen);
    uint64_t handled = 99;
    hs_detach_all(&a);
    for (int tries = 0; tries < 100 && handled != 1; tries++) {
        sleep_ms(5);
        assert_int_equal(ask('s', &handled), 0);
    }
    assert_int_equal(handled, 1);
    sleep_ms(50);
    assert_int_equal(ask('s', &handled), 0);
    assert_int_equal(handled, 1);
    stop_child(&c);
}

static int give_up(void *ctx)
{
    return ++*(int *)ctx > 3;
}

/* A thread that cannot stop at once (waiting in vfork): the attach waits for it; an attach
 * abandoned through the interrupted callback still releases every thread. */
static void test_slow_thread(void **state)
{
    (void)state;
    child c = start_child(8);
    sleep_ms(50);
    hs_target *t = attach_ok(c.pid); /* waits up to 300 ms for the vfork to end */
    assert_int_equal(t->nthreads, 4);
    hs_target_close(t);
    int polls = 0;
    hs_err err = {{0}};
    sleep_ms(50);
    assert_int_equal(hs_pid_target_attach_ex(&t, (int)c.pid, give_up, &polls, &err), -1);
    expect_msg(err.msg, "interrupted while stopping the threads of process");
    assert_true(polls > 3);
    sleep_ms(50);
    char states[64];
    int ns;
    live_tasks(c.pid, states, &ns);
    for (int i = 0; i < ns; i++)
        assert_true(states[i] != 't');
    uint64_t cnt = 0;
    assert_int_equal(ask('c', &cnt), 0);
    hs_target *t2 = attach_ok(c.pid); /* nothing left traced */
    hs_target_close(t2);
    stop_child(&c);
}

/* The leader is a zombie (it called pthread_exit) while the other threads run on. */
static void test_zombie_leader(void **state)
{
    (void)state;
    child c = start_child(16);
    char states[64];
    int ns;
    for (int i = 0; i < 200 && live_tasks(c.pid, states, &ns) != 3; i++)
        sleep_ms(5);
    hs_target *t = attach_ok(c.pid);
    assert_int_equal((int)t->nthreads, live_tasks(c.pid, states, &ns));
    assert_int_equal(t->nthreads, 3); /* two workers and the server */
    for (size_t i = 0; i < t->nthreads; i++)
        assert_true(t->threads[i].tid != c.pid);
    uint64_t v = 0;
    hs_err err = {{0}};
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&child_marker, &v, &err), 0);
    assert_true(v == c.marker);
    hs_target_close(t);
    assert_int_equal(ask('c', &v), 0);
    stop_child(&c);
}

/* Threads appear and exit all the time: every live thread is stopped each time. */
static void test_thread_churn(void **state)
{
    (void)state;
    child c = start_child(1);
    for (int i = 0; i < 10; i++) {
        hs_target *t = attach_ok(c.pid);
        char states[64];
        int ns, tasks = live_tasks(c.pid, states, &ns);
        assert_int_equal((int)t->nthreads, tasks);
        for (int k = 0; k < ns; k++)
            assert_int_equal(states[k], 't');
        hs_target_close(t);
        sleep_ms(5);
    }
    uint64_t cnt = 0;
    assert_int_equal(ask('c', &cnt), 0);
    stop_child(&c);
}

static void test_no_such_process(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_pid_target_attach(&t, (int)pid, &err), -1);
    assert_null(t);
    char want[64];
    snprintf(want, sizeof want, "no process with pid %d", (int)pid);
    assert_string_equal(err.msg, want);
    assert_int_equal(hs_pid_target_attach(&t, -5, &err), -1);
    expect_msg(err.msg, "no process with pid -5");
    assert_int_equal(hs_pid_target_attach(&t, (int)getpid(), &err), -1);
    expect_msg(err.msg, "heapscope itself");
}

/* Attaching to pid 1 as an ordinary user (as root: in a child that became "nobody"). */
static void test_not_permitted(void **state)
{
    (void)state;
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        hs_target *t = NULL;
        hs_err err = {{0}};
        if (geteuid() == 0 && (setgroups(0, NULL) != 0 || setgid(65534) != 0 || setuid(65534) != 0))
            snprintf(err.msg, sizeof err.msg, "could not drop privileges");
        else if (hs_pid_target_attach(&t, 1, &err) == 0)
            snprintf(err.msg, sizeof err.msg, "attached to pid 1 unexpectedly");
        write_full(p[1], err.msg, strlen(err.msg) + 1);
        _exit(0);
    }
    close(p[1]);
    char msg[sizeof(((hs_err *)0)->msg)] = {0};
    size_t n = 0;
    for (ssize_t r; n < sizeof msg - 1 && (r = read(p[0], msg + n, sizeof msg - 1 - n)) > 0;)
        n += (size_t)r;
    close(p[0]);
    waitpid(pid, NULL, 0);
    if (strstr(msg, "could not drop privileges"))
        HS_SKIP_PLATFORM("no-other-user", "root could not become user 65534 here (setuid failed)");
    expect_msg(msg, "cannot attach to process 1: Operation not permitted");
    expect_msg(msg, "run as the same user or as root");
    expect_msg(msg, "ptrace_scope");
}

static void test_already_traced(void **state)
{
    (void)state;
    child c = start_child(0);
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    pid_t tracer = fork();
    assert_true(tracer >= 0);
    if (tracer == 0) {
        char ok = ptrace(PTRACE_SEIZE, c.pid, NULL, NULL) == 0 ? 'y' : 'n';
        write_full(ready[1], &ok, 1);
        for (;;)
            pause();
    }
    char ok = 0;
    assert_int_equal(read_full(ready[0], &ok, 1), 0);
    assert_int_equal(ok, 'y');
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_pid_target_attach(&t, (int)c.pid, &err), -1);
    char want[128];
    snprintf(want, sizeof want, "process %d is already being traced by pid %d", (int)c.pid,
             (int)tracer);
    expect_msg(err.msg, want);
    expect_msg(err.msg, "detach it first or run heapscope inside that debugger");
    kill(tracer, SIGKILL);
    waitpid(tracer, NULL, 0);
    close(ready[0]);
    close(ready[1]);
    uint64_t cnt = 0;
    assert_int_equal(ask('c', &cnt), 0); /* released by the dead tracer, still fine */
    stop_child(&c);
}

static void test_exit_while_attached(void **state)
{
    (void)state;
    child c = start_child(0);
    hs_target *t = attach_ok(c.pid);
    kill(c.pid, SIGKILL);
    for (int i = 0; i < 200; i++) { /* until the leader is a zombie */
        char states[64];
        int ns;
        if (live_tasks(c.pid, states, &ns) == 0)
            break;
        sleep_ms(5);
    }
    uint64_t v;
    hs_err err = {{0}};
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&child_marker, &v, &err), -1);
    char want[64];
    snprintf(want, sizeof want, "process %d exited while being read", (int)c.pid);
    expect_msg(err.msg, want);
    hs_target_close(t);
    int st = 0;
    assert_int_equal(waitpid(c.pid, &st, 0), c.pid); /* the exit status is still ours */
    assert_true(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    close(to_child[1]);
    close(from_child[0]);
}

/* Many small reads: the cache keeps them off the system call path. */
static void test_read_speed(void **state)
{
    (void)state;
    child c = start_child(0);
    hs_target *t = attach_ok(c.pid);
    hs_err err = {{0}};
    uint64_t base = (uint64_t)(uintptr_t)&child_marker, sum = 0, v;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    const int n = 1000000;
    for (int i = 0; i < n; i++) {
        assert_int_equal(hs_read_u64(t, base, &v, &err), 0);
        sum += v;
    }
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = ((double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec)) / n;
    fprintf(stderr, "pid target: %.1f ns per cached 8-byte read\n", ns);
    assert_true(sum == c.marker * (uint64_t)n);
    hs_target_close(t);
    stop_child(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_attach_read_detach),
        cmocka_unit_test(test_signals_survive),
        cmocka_unit_test(test_signal_storm),
        cmocka_unit_test(test_signal_caught_in_flight),
        cmocka_unit_test(test_slow_thread),
        cmocka_unit_test(test_thread_churn),
        cmocka_unit_test(test_zombie_leader),
        cmocka_unit_test(test_no_such_process),
        cmocka_unit_test(test_not_permitted),
        cmocka_unit_test(test_already_traced),
        cmocka_unit_test(test_exit_while_attached),
        cmocka_unit_test(test_read_speed),
    };
    return cmocka_run_group_tests_name("pid_target", tests, NULL, NULL);
}
