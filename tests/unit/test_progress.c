/* test_progress.c - the progress line of long work (core/util/progress): nothing before the
 * delay, then at most one line per interval; the line's words for counts, bytes and percentages
 * (written out here by hand); hs_progress_tick looking at the clock only every 256th call; a
 * clear only when something was shown; and no line at all without a callback. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "util/progress.h"

typedef struct seen {
    char lines[64][160];
    int n;
} seen;

static void show(void *ctx, const char *line)
{
    seen *s = ctx;
    if (s->n < 64)
        snprintf(s->lines[s->n], sizeof s->lines[0], "%s", line);
    s->n++;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

static void start(hs_progress *p, seen *s, const char *delay_ms)
{
    memset(s, 0, sizeof *s);
    setenv("HEAPSCOPE_PROGRESS_DELAY_MS", delay_ms, 1);
    hs_progress_init(p, show, s);
    hs_progress_start(p);
}

static void test_delay_then_interval(void **state)
{
    (void)state;
    hs_progress p;
    seen s;
    start(&p, &s, "150");
    hs_progress_phase(&p, "reading spans", 10, HS_PROG_COUNT);
    for (int i = 0; i < 1000; i++)
        hs_progress_update(&p, 3);
    assert_int_equal(s.n, 0); /* too soon */
    sleep_ms(160);
    hs_progress_update(&p, 5);
    hs_progress_update(&p, 6); /* within the interval: not shown */
    assert_int_equal(s.n, 1);
    assert_string_equal(s.lines[0], "reading spans 5/10");
    sleep_ms(160);
    hs_progress_update(&p, 7);
    assert_int_equal(s.n, 2);
    assert_string_equal(s.lines[1], "reading spans 7/10");
    hs_progress_clear(&p);
    hs_progress_clear(&p); /* nothing shown since */
    assert_int_equal(s.n, 3);
    assert_string_equal(s.lines[2], "");
}

static void test_words(void **state)
{
    (void)state;
    hs_progress p;
    seen s;
    start(&p, &s, "0");
    hs_progress_phase(&p, "marking objects", 0, HS_PROG_COUNT); /* shows 0 at once */
    hs_progress_update(&p, 12);
    hs_progress_update(&p, 12345);
    hs_progress_update(&p, 12300000);
    hs_progress_phase(&p, "copying", 1181116006ull, HS_PROG_BYTES); /* 1.10 GiB */
    hs_progress_update(&p, 512ull << 20);
    hs_progress_phase(&p, "dominators", 250, HS_PROG_PERCENT);
    hs_progress_update(&p, 100);
    hs_progress_phase(&p, "walking", 0, HS_PROG_BYTES);
    hs_progress_update(&p, 1536);
    const char *want[] = {"marking objects 0",     "marking objects 12",
                          "marking objects 12.3k", "marking objects 12.3M",
                          "copying 0 B/1.10 GiB",  "copying 512 MiB/1.10 GiB",
                          "dominators 0%",         "dominators 40%",
                          "walking 0 B",           "walking 1.50 KiB"};
    assert_int_equal(s.n, 10);
    for (int i = 0; i < 10; i++)
        assert_string_equal(s.lines[i], want[i]);
}

static void test_tick_every_256th(void **state)
{
    (void)state;
    hs_progress p;
    seen s;
    start(&p, &s, "0");
    p.phase = "scanning blocks", p.total = 0, p.unit = HS_PROG_COUNT;
    for (int i = 1; i <= 255; i++)
        hs_progress_tick(&p, (uint64_t)i);
    assert_int_equal(s.n, 0);
    hs_progress_tick(&p, 256);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.lines[0], "scanning blocks 256");
}

static void test_nothing_without_a_callback(void **state)
{
    (void)state;
    hs_progress p;
    setenv("HEAPSCOPE_PROGRESS_DELAY_MS", "0", 1);
    hs_progress_init(&p, NULL, NULL);
    hs_progress_start(&p);
    hs_progress_phase(&p, "reading spans", 10, HS_PROG_COUNT);
    for (int i = 0; i < 1000; i++)
        hs_progress_tick(&p, (uint64_t)i);
    hs_progress_update(&p, 5);
    hs_progress_clear(&p);
    assert_int_equal(p.shown, 0);
    hs_progress_phase(NULL, "x", 0, HS_PROG_COUNT); /* a target without a session's line */
    hs_progress_tick(NULL, 1);
    hs_progress_update(NULL, 1);
    hs_progress_clear(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delay_then_interval),
        cmocka_unit_test(test_words),
        cmocka_unit_test(test_tick_every_256th),
        cmocka_unit_test(test_nothing_without_a_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
