/* test_host_target.c - the host debugger target: a read callback over fake memory with
 * unreadable pages and sub-page gaps (block edges, LRU eviction, call counts), a forked child
 * this test stops with ptrace itself (acting as the debugger), and a small constructed core. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target/host_target.h"

static void expect_msg(const char *msg, const char *needle)
{
    if (!strstr(msg, needle)) {
        fprintf(stderr, "message \"%s\" lacks \"%s\"\n", msg, needle);
        fail();
    }
}

/* ---- fake remote memory: readable [BASE, BASE+SIZE) except a page and a sub-page gap ---- */

#define BASE 0x7f0000000000ull
#define KB 1024ull
#define SIZE (32ull * 1024 * KB)
#define BAD_PAGE (BASE + 64 * KB - 4 * KB)         /* last page of block 0 */
#define GAP_LO (BASE + 128 * KB + 100)             /* 100 bytes inside block 2 */
#define GAP_HI (BASE + 128 * KB + 200)

typedef struct fake {
    uint64_t calls;
    int interrupted;
} fake;

static uint8_t fake_byte(uint64_t a)
{
    return (uint8_t)((a >> 2) * 29u + (a & 3) * 7u + (a >> 16));
}

static int readable(uint64_t a)
{
    return a >= BASE && a < BASE + SIZE && !(a >= BAD_PAGE && a < BAD_PAGE + 4 * KB) &&
           !(a >= GAP_LO && a < GAP_HI);
}

static int fake_read(void *ctx, uint64_t addr, void *buf, size_t len)
{
    fake *f = ctx;
    f->calls++;
    for (size_t i = 0; i < len; i++)
        if (!readable(addr + i))
            return -1;
    for (size_t i = 0; i < len; i++)
        ((uint8_t *)buf)[i] = fake_byte(addr + i);
    return 0;
}

static int fake_interrupted(void *ctx)
{
    return ((fake *)ctx)->interrupted;
}

static hs_target *open_fake(fake *f, hs_host_thread *th, size_t nth)
{
    hs_host_target host = {0};
    host.threads = th;
    host.nthreads = nth;
    host.exe_path = "/srv/remote/app";
    host.read_memory = fake_read;
    host.interrupted = fake_interrupted;
    host.ctx = f;
    hs_target *t = NULL;
    hs_err err = {{0}};
    if (hs_host_target_open(&t, &host, &err) != 0) {
        fprintf(stderr, "%s\n", err.msg);
        fail();
    }
    return t;
}

static void expect_fake(hs_target *t, uint64_t addr, size_t len)
{
    static uint8_t buf[256 * 1024];
    hs_err err = {{0}};
    assert_true(len <= sizeof buf);
    if (hs_read(t, addr, buf, len, &err) != 0) {
        fprintf(stderr, "read 0x%llx+%zu: %s\n", (unsigned long long)addr, len, err.msg);
        fail();
    }
    for (size_t i = 0; i < len; i++)
        if (buf[i] != fake_byte(addr + i)) {
            fprintf(stderr, "byte at 0x%llx differs\n", (unsigned long long)(addr + i));
            fail();
        }
}

static void expect_unreadable(hs_target *t, uint64_t addr, size_t len, uint64_t named)
{
    static uint8_t buf[256 * 1024];
    hs_err err = {{0}};
    assert_int_equal(hs_read(t, addr, buf, len, &err), -1);
    char want[64];
    snprintf(want, sizeof want, "address 0x%llx is not readable", (unsigned long long)named);
    expect_msg(err.msg, want);
}

static void test_callback_cache(void **state)
{
    (void)state;
    fake f = {0, 0};
    hs_host_thread th[2] = {{11, {0}}, {12, {0}}};
    th[1].regs[HS_RIP] = 0x401000;
    hs_target *t = open_fake(&f, th, 2);
    th[1].regs[HS_RIP] = 0; /* the target keeps its own copy */
    assert_string_equal(t->kind, "host");
    assert_int_equal(t->nthreads, 2);
    assert_int_equal(t->threads[1].tid, 12);
    assert_true(t->threads[1].regs[HS_RIP] == 0x401000);
    assert_string_equal(t->exe_path, "/srv/remote/app");
    assert_int_equal(t->live, 0);

    expect_fake(t, BASE, 8);
    uint64_t calls = f.calls;
    assert_int_equal(calls, 17); /* the 64 KiB block fails (bad page), then its 16 pages */
    expect_fake(t, BASE + 1000, 64);
    expect_fake(t, BASE + 40 * KB, 4 * KB);
    assert_int_equal(f.calls, calls); /* served from the cache */

    expect_fake(t, BAD_PAGE - 8, 8);              /* right before the unreadable page */
    expect_unreadable(t, BAD_PAGE - 4, 8, BAD_PAGE); /* running into it */
    expect_unreadable(t, BAD_PAGE + 100, 8, BAD_PAGE + 100);
    expect_fake(t, BAD_PAGE + 4 * KB, 16);        /* right after it: the next block */
    expect_fake(t, BASE + 128 * KB - 8, 16);      /* across a block boundary */
    expect_fake(t, GAP_LO - 10, 10);              /* next to a gap smaller than a page */
    expect_fake(t, GAP_HI, 16);
    expect_unreadable(t, GAP_LO - 5, 10, GAP_LO);
    expect_unreadable(t, BASE - 8, 16, BASE - 8);
    expect_unreadable(t, BASE + SIZE - 8, 16, BASE + SIZE);
    expect_fake(t, BASE + 200 * KB + 3, 150 * KB); /* a large read, bypassing the cache */
    expect_unreadable(t, BASE + 100 * KB, 100 * KB, GAP_LO);

    calls = f.calls;
    for (uint64_t b = 0; b < 300; b++) /* 300 blocks (19 MiB): more than the old 16 MiB cache */
        expect_fake(t, BASE + 1 * 1024 * KB + b * 64 * KB, 8);
    assert_int_equal(f.calls, calls + 300);
    calls = f.calls;
    expect_fake(t, BASE + 1 * 1024 * KB + 299 * 64 * KB + 8, 8); /* all still cached */
    expect_fake(t, BASE + 1 * 1024 * KB, 8);
    assert_int_equal(f.calls, calls);

    assert_int_equal(hs_interrupted(t), 0);
    f.interrupted = 1;
    assert_int_equal(hs_interrupted(t), 1);
    assert_null(hs_view(t, BASE, 8));
    hs_target_close(t);
}

static void test_no_source(void **state)
{
    (void)state;
    hs_host_target host = {0};
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_host_target_open(&t, &host, &err), -1);
    assert_null(t);
    expect_msg(err.msg, "no way to read memory");
    host.core_path = "/nonexistent/core.1";
    assert_int_equal(hs_host_target_open(&t, &host, &err), -1);
    expect_msg(err.msg, "cannot open core /nonexistent/core.1");
}

/* ---- a live child stopped by this test, as a debugger would ---- */

static volatile uint64_t host_marker;

/* A child that publishes its marker through the pipe and waits. */
static pid_t spawn_child(int p[2], uint64_t *marker)
{
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        host_marker = 0xabcdef0000000000ull | (uint64_t)getpid();
        uint64_t m = host_marker;
        if (write(p[1], &m, sizeof m) != (ssize_t)sizeof m)
            _exit(1);
        for (;;)
            pause();
    }
    assert_int_equal(read(p[0], marker, sizeof *marker), (ssize_t)sizeof *marker);
    return pid;
}

/* What a debugger does: seize, stop, fetch the registers. */
static void stop_as_debugger(pid_t pid, hs_host_thread *th)
{
    assert_int_equal(ptrace(PTRACE_SEIZE, pid, NULL, NULL), 0);
    assert_int_equal(ptrace(PTRACE_INTERRUPT, pid, NULL, NULL), 0);
    int st;
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_true(WIFSTOPPED(st));
    struct user_regs_struct regs; /* this machine's: amd64 and arm64 alike by the register set */
    struct iovec io = {&regs, sizeof regs};
    assert_int_equal(ptrace(PTRACE_GETREGSET, pid, (void *)(long)NT_PRSTATUS, &io), 0);
    th->tid = (int32_t)pid;
    memcpy(th->regs, &regs, sizeof regs);
}

static void test_live_pid(void **state)
{
    (void)state;
    int p[2];
    uint64_t marker = 0, v = 0;
    pid_t pid = spawn_child(p, &marker);
    hs_host_thread th;
    stop_as_debugger(pid, &th);
    hs_host_target host = {0};
    host.pid = (int)pid;
    host.threads = &th;
    host.nthreads = 1;
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_host_target_open(&t, &host, &err), 0);
    assert_int_equal(t->pid, pid);
    assert_int_equal(t->live, 1);
    assert_int_equal(t->nthreads, 1);
    assert_true(t->threads[0].regs[HS_RIP] == th.regs[HS_RIP] && th.regs[HS_RIP] != 0);
    assert_int_equal(hs_read_u64(t, (uint64_t)(uintptr_t)&host_marker, &v, &err), 0);
    assert_true(v == marker);
    char self[PATH_MAX];
    assert_non_null(realpath("/proc/self/exe", self));
    assert_string_equal(t->exe_path, self);
    assert_true(t->auxv_entry == getauxval(AT_ENTRY)); /* a fork: same executable, same place */
    assert_true(t->nmaps > 0);
    assert_int_equal(hs_read_u64(t, 16, &v, &err), -1);
    expect_msg(err.msg, "address 0x10 is not mapped");
    hs_target_close(t);

    host.exe_path = "/opt/given/by/debugger";
    assert_int_equal(hs_host_target_open(&t, &host, &err), 0);
    assert_string_equal(t->exe_path, "/opt/given/by/debugger");
    hs_target_close(t);

    /* the debugger (this test) still holds the child: the target never touched ptrace */
    assert_int_equal(ptrace(PTRACE_DETACH, pid, NULL, NULL), 0);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    close(p[0]);
    close(p[1]);
}

/* ---- a core: threads from the debugger when given, else the core's ---- */

static void write_tiny_core(const char *path)
{
    uint8_t f[4096] = {0};
    Elf64_Ehdr *eh = (Elf64_Ehdr *)f;
    memcpy(eh->e_ident, ELFMAG, SELFMAG);
    eh->e_ident[EI_CLASS] = ELFCLASS64;
    eh->e_ident[EI_DATA] = ELFDATA2LSB;
    eh->e_ident[EI_VERSION] = EV_CURRENT;
    eh->e_type = ET_CORE;
    eh->e_machine = EM_X86_64;
    eh->e_version = EV_CURRENT;
    eh->e_phoff = 64;
    eh->e_ehsize = 64;
    eh->e_phentsize = 56;
    eh->e_phnum = 2;
    uint8_t *note = f + 512; /* one NT_PRSTATUS: tid 77, rip 0x4242 */
    uint32_t hdr[3] = {5, 336, NT_PRSTATUS};
    memcpy(note, hdr, 12);
    memcpy(note + 12, "CORE", 5);
    int32_t tid = 77;
    memcpy(note + 20 + 32, &tid, 4);
    uint64_t rip = 0x4242;
    memcpy(note + 20 + 112 + 8 * HS_RIP, &rip, 8);
    Elf64_Phdr ph[2] = {{PT_NOTE, 0, 512, 0, 0, 20 + 336, 0, 4},
                        {PT_LOAD, PF_R | PF_W, 2048, 0x10000, 0, 1024, 1024, 1}};
    memcpy(f + 64, ph, sizeof ph);
    for (int i = 0; i < 1024; i++)
        f[2048 + i] = (uint8_t)(i * 5 + 1);
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    assert_int_equal(fwrite(f, 1, 2048 + 1024, out), 2048 + 1024);
    fclose(out);
}

static void test_core(void **state)
{
    (void)state;
    char path[] = "/tmp/hs-host-core-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_tiny_core(path);
    hs_host_target host = {0};
    host.core_path = path;
    hs_target *t = NULL;
    hs_err err = {{0}};
    assert_int_equal(hs_host_target_open(&t, &host, &err), 0);
    assert_int_equal(t->nthreads, 1);
    assert_int_equal(t->threads[0].tid, 77);
    assert_true(t->threads[0].regs[HS_RIP] == 0x4242);
    uint8_t b[4];
    assert_int_equal(hs_read(t, 0x10000 + 10, b, 4, &err), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(b[i], (uint8_t)((10 + i) * 5 + 1));
    const uint8_t *v = hs_view(t, 0x10000, 16);
    assert_non_null(v);
    assert_int_equal(v[3], 16);
    assert_int_equal(hs_read(t, 0x10000 + 1020, b, 8, &err), -1);
    expect_msg(err.msg, "address 0x10400 is not in the core");
    assert_null(hs_host_target_warning(t));
    hs_target_close(t);

    hs_host_thread th[2] = {{5, {0}}, {6, {0}}};
    host.threads = th;
    host.nthreads = 2;
    assert_int_equal(hs_host_target_open(&t, &host, &err), 0);
    assert_int_equal(t->nthreads, 2);
    assert_int_equal(t->threads[1].tid, 6);
    hs_target_close(t);

    host.exe_path = "/nonexistent/exe";
    assert_int_equal(hs_host_target_open(&t, &host, &err), -1);
    expect_msg(err.msg, "/nonexistent/exe");
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_callback_cache),
        cmocka_unit_test(test_no_source),
        cmocka_unit_test(test_live_pid),
        cmocka_unit_test(test_core),
    };
    return cmocka_run_group_tests_name("host_target", tests, NULL, NULL);
}
