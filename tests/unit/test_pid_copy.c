/* test_pid_copy.c - the copy of a live process's memory (pid_copy.c) against a forked child that
 * fills known pages of a large mapping and leaves the rest untouched: the copied bytes are the
 * pages the kernel says the child has (its /proc/PID/smaps Rss of that mapping), every filled
 * page reads back its pattern, untouched pages read zero, unmapped addresses and a shared
 * mapping (not the process's own state, left out) fail (under
 * AddressSanitizer, whose 16 TiB shadow the child inherits: the copy is refused, saying why,
 * as it is for any process whose memory spans that much address space). And the block
 * cache (pid_cache.c) over a counting reader: what it returns equals the reader's bytes under
 * eviction, and a working set that fits is fetched once. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "target/pid_cache.h"
#include "target/pid_copy.h"
#include "hs_unit.h"

enum { PAGE = 4096, NPAGES = 4096 }; /* a 16 MiB mapping, every 3rd page filled */

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

static uint64_t pattern(uint64_t addr) { return addr * 0x9E3779B97F4A7C15ull ^ 0x5bd1e995; }

static uint8_t *shared; /* a shared mapping of the child's, 16 pages, filled: left out */

/* The child: maps, fills, reports the address, waits to be killed. */
static pid_t start_child(uint8_t **base)
{
    uint8_t *m = mmap(NULL, (size_t)NPAGES * PAGE, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(m != MAP_FAILED);
    *base = m;
    shared = mmap(NULL, 16 * PAGE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(shared != MAP_FAILED);
    memset(shared, 0x5a, 16 * PAGE);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (size_t p = 0; p < NPAGES; p += 3)
            for (size_t w = 0; w < PAGE / 8; w++) {
                uint64_t a = (uint64_t)(uintptr_t)(m + p * PAGE + w * 8);
                memcpy(m + p * PAGE + w * 8, &(uint64_t){pattern(a)}, 8);
            }
        if (write(fds[1], "x", 1) != 1)
            _exit(1);
        for (;;)
            pause();
    }
    char c;
    close(fds[1]);
    assert_int_equal(read(fds[0], &c, 1), 1);
    close(fds[0]);
    return pid;
}

/* Rss of the child's mapping at base, from /proc/PID/smaps (the kernel's count). */
static uint64_t rss_of(pid_t pid, const uint8_t *base)
{
    char path[64], line[512];
    snprintf(path, sizeof path, "/proc/%d/smaps", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    int in = 0;
    unsigned long long start, kib = 0;
    while (fgets(line, sizeof line, f)) {
        if (sscanf(line, "%llx-", &start) == 1 && strchr(line, '-') && strchr(line, ' '))
            in = start == (uint64_t)(uintptr_t)base;
        else if (in && sscanf(line, "Rss: %llu kB", &kib) == 1)
            break;
    }
    fclose(f);
    return (uint64_t)kib * 1024;
}

static void copy_of_child(void **state)
{
    (void)state;
    uint8_t *base;
    pid_t pid = start_child(&base);
    hs_memcopy *c = NULL;
    hs_err err = {{0}};
    uint64_t need = 0;
    if (UNDER_ASAN) {
        assert_int_equal(hs_memcopy_take(&c, pid, UINT64_MAX, &need, NULL, &err), 1);
        assert_null(c);
        assert_non_null(strstr(err.msg, "GiB of address space"));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        munmap(base, (size_t)NPAGES * PAGE);
        munmap(shared, 16 * PAGE);
        return;
    }
    uint64_t small_need = 0; /* a budget below what it needs: no copy, the need said */
    assert_int_equal(hs_memcopy_take(&c, pid, 4096, &small_need, NULL, &err), 1);
    assert_null(c);
    assert_string_equal(err.msg, "");
    assert_int_equal(hs_memcopy_take(&c, pid, UINT64_MAX, &need, NULL, &err), 0);
    assert_int_equal(small_need, need);
    uint64_t rss = rss_of(pid, base);
    assert_int_equal(rss, (uint64_t)(NPAGES + 2) / 3 * PAGE);
    assert_true(hs_memcopy_size(c) >= rss);
    assert_int_equal(hs_memcopy_size(c), need);
    uint8_t buf[PAGE];
    uint64_t bad;
    for (size_t p = 0; p < NPAGES; p++) {
        uint64_t a = (uint64_t)(uintptr_t)(base + p * PAGE);
        assert_int_equal(hs_memcopy_read(c, a, buf, PAGE, &bad), 0);
        for (size_t w = 0; w < PAGE / 8; w += 97) {
            uint64_t v;
            memcpy(&v, buf + w * 8, 8);
            assert_int_equal(v, p % 3 == 0 ? pattern(a + w * 8) : 0);
        }
    }
    const uint8_t *view = hs_memcopy_view(c, (uint64_t)(uintptr_t)base, PAGE);
    assert_non_null(view);
    uint64_t first;
    memcpy(&first, view, 8);
    assert_int_equal(first, pattern((uint64_t)(uintptr_t)base));
    assert_int_equal(hs_memcopy_read(c, 8, buf, 8, &bad), -1);
    assert_int_equal(bad, 8);
    /* a shared mapping is not the process's own state: left out of the copy */
    assert_int_equal(hs_memcopy_read(c, (uint64_t)(uintptr_t)shared, buf, 8, &bad), -1);
    assert_int_equal(bad, (uint64_t)(uintptr_t)shared);
    hs_memcopy_free(c);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    munmap(base, (size_t)NPAGES * PAGE);
    munmap(shared, 16 * PAGE);
}

static void copy_of_gone_process(void **state)
{
    (void)state;
    pid_t pid = fork();
    if (pid == 0)
        _exit(0);
    waitpid(pid, NULL, 0);
    hs_memcopy *c = NULL;
    hs_err err = {{0}};
    uint64_t need;
    assert_int_equal(hs_memcopy_take(&c, pid, UINT64_MAX, &need, NULL, &err), -1);
    assert_non_null(strstr(err.msg, "cannot read /proc/"));
}

/* ---- the block cache ---- */

typedef struct reader {
    uint64_t fetches;
} reader;

static int fake_fetch(void *ctx, uint64_t addr, void *buf, size_t len)
{
    ((reader *)ctx)->fetches++;
    if (addr >= (1ull << 40))
        return -1;
    uint8_t *o = buf;
    for (size_t i = 0; i < len; i++)
        o[i] = (uint8_t)((addr + i) * 131 >> 3);
    return 0;
}

static void cache_evicts_and_keeps(void **state)
{
    (void)state;
    reader r = {0};
    hs_bcache *c = hs_bcache_new(fake_fetch, &r, 8);
    assert_non_null(c);
    uint8_t buf[100], want[100];
    uint64_t bad;
    for (int round = 0; round < 3; round++) /* 8 blocks fit: fetched once each */
        for (uint64_t b = 0; b < 8; b++) {
            assert_int_equal(hs_bcache_read(c, b * HS_BCACHE_BLOCK + 7, buf, 100, &bad), 0);
            fake_fetch(&(reader){0}, b * HS_BCACHE_BLOCK + 7, want, 100);
            assert_memory_equal(buf, want, 100);
        }
    assert_int_equal(r.fetches, 8);
    for (uint64_t b = 0; b < 200; b++) { /* 200 blocks through 8 slots: right bytes throughout */
        uint64_t a = (b * 7919 % 200) * HS_BCACHE_BLOCK + HS_BCACHE_BLOCK - 50; /* spans two */
        assert_int_equal(hs_bcache_read(c, a, buf, 100, &bad), 0);
        fake_fetch(&(reader){0}, a, want, 100);
        assert_memory_equal(buf, want, 100);
    }
    assert_int_equal(hs_bcache_read(c, 1ull << 40, buf, 8, &bad), -1);
    assert_int_equal(bad, 1ull << 40);
    hs_bcache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(copy_of_child),
        cmocka_unit_test(copy_of_gone_process),
        cmocka_unit_test(cache_evicts_and_keeps),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
