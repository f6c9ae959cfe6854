/* test_group_waits.c - a task group's waits summed up (views/group_waits.c), on groups made by
 * hand whose answer is plain from their members: how many distinct objects, whether they share
 * a type, a buffer and a holder's path, how many are held. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "views/group_waits.h"

static const char *const path_a[] = {"main.Server.jobs"};
static const char *const path_b[] = {"main.Pool.work"};

static hs_waits_on chan_on(uint64_t addr, const char *type, const char *holder, const char *const *steps)
{
    return (hs_waits_on){.kind = "channel", .type = type, .addr = addr, .nobjects = 1, .len = 0,
                         .cap = 0, .holder_kind = holder ? "global" : NULL, .holder = holder,
                         .steps = steps, .nsteps = steps ? 1 : 0};
}

static void sum(hs_task *tasks, size_t n, hs_group_waits *out)
{
    size_t members[8];
    for (size_t i = 0; i < n; i++)
        members[i] = i;
    hs_task_group g = {.first = &tasks[0], .count = n, .members = members};
    assert_int_equal(hs_group_waits_sum(tasks, &g, out), 0);
}

static void one_object_many_waiters(void **state)
{
    (void)state;
    hs_waits_on w = chan_on(0x1000, "chan int", "main.srv", path_a);
    hs_task t[3] = {{.waits_on = &w}, {.waits_on = &w}, {.waits_on = &w}};
    hs_group_waits s;
    sum(t, 3, &s);
    assert_ptr_equal(s.first, &w);
    assert_ptr_equal(s.held, &w);
    assert_int_equal(s.nobjects, 1);
    assert_int_equal(s.nheld, 3);
    assert_true(s.same_type && s.same_buffer && s.same_holder);
}

static void distinct_objects_and_holders(void **state)
{
    (void)state;
    hs_waits_on a = chan_on(0x3000, "chan int", NULL, NULL), b = chan_on(0x1000, "chan int", "main.srv", path_a),
                c = chan_on(0x2000, "chan string", "main.srv", path_b), d = chan_on(0x1000, "chan int", "main.srv", path_a);
    c.cap = 4;
    hs_task t[5] = {{.waits_on = &a}, {.waits_on = NULL}, {.waits_on = &b}, {.waits_on = &c}, {.waits_on = &d}};
    hs_group_waits s;
    sum(t, 5, &s);
    assert_ptr_equal(s.first, &a);    /* the first member that says */
    assert_ptr_equal(s.held, &b);     /* the first one held */
    assert_int_equal(s.nobjects, 3);  /* 0x1000 twice */
    assert_int_equal(s.nheld, 3);
    assert_false(s.same_type);
    assert_false(s.same_buffer);
    assert_false(s.same_holder);      /* path_b differs */
}

static void nobody_says(void **state)
{
    (void)state;
    hs_task t[2] = {{.waits_on = NULL}, {.waits_on = NULL}};
    hs_group_waits s;
    sum(t, 2, &s);
    assert_null(s.first);
    assert_null(s.held);
    assert_int_equal(s.nobjects, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_object_many_waiters),
        cmocka_unit_test(distinct_objects_and_holders),
        cmocka_unit_test(nobody_says),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
