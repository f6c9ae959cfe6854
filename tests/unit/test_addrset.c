/* test_addrset.c - the address set walkers use to notice revisits (core/util/addrset.h):
 * membership against a constructed sequence, growth past many resizes, zero never a member. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "util/addrset.h"

static void test_membership(void **state)
{
    (void)state;
    hs_addrset s = {0};
    assert_int_equal(hs_addrset_add(&s, 0x1000), 1);
    assert_int_equal(hs_addrset_add(&s, 0x2000), 1);
    assert_int_equal(hs_addrset_add(&s, 0x1000), 0);
    assert_int_equal(hs_addrset_add(&s, 0), 0);
    assert_int_equal(hs_addrset_add(&s, 0), 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(hs_addrset_has(&s, 0x1000), 1); /* a lookup adds nothing */
    assert_int_equal(hs_addrset_has(&s, 0x3000), 0);
    assert_int_equal(hs_addrset_has(&s, 0), 0);
    assert_int_equal(s.n, 2);
    hs_addrset_free(&s);
    assert_int_equal(hs_addrset_has(&s, 0x1000), 0); /* an empty set */
    assert_int_equal(hs_addrset_add(&s, 0x1000), 1); /* usable again after free */
    hs_addrset_free(&s);
}

/* 100,000 addresses spaced like g structs, each added twice: every first add is new, every
 * second is not, whatever resizes happened in between. */
static void test_growth(void **state)
{
    (void)state;
    hs_addrset s = {0};
    enum { N = 100000 };
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(hs_addrset_add(&s, 0xc000000000ull + i * 0x1a0), 1);
    for (uint64_t i = 0; i < N; i++)
        assert_int_equal(hs_addrset_add(&s, 0xc000000000ull + i * 0x1a0), 0);
    assert_int_equal(s.n, N);
    assert_true(s.cap >= 2 * N);
    hs_addrset_free(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_membership),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
