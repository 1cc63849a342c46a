/* Adaptive-width integer columns: widening, extremes, the UNSET code,
 * truncation, reservation, a random comparison against a plain array, and
 * allocation failures. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "intcol.h"
#include "suites.h"
#include "testutil.h"

static const unsigned widths[] = { 1, 2, 4, 8 };

/* Every value of the column equals the reference, and the length agrees. */
static void assert_same(const skpi__intcol *c, const int64_t *ref, size_t n)
{
    ck_assert_uint_eq(c->len, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(skpi__intcol_get(c, i) == ref[i],
                      "value %zu: %lld read back as %lld (width %u)", i, (long long)ref[i],
                      (long long)skpi__intcol_get(c, i), c->width);
}

/* Push v to the column and to the reference; check everything still reads. */
static void push_both(skpi__intcol *c, int64_t *ref, size_t *n, int64_t v)
{
    ck_assert_int_eq(skpi__intcol_push(c, v), SKPI_OK);
    ref[(*n)++] = v;
    assert_same(c, ref, *n);
}

START_TEST(new_column_is_empty)
{
    for (size_t w = 0; w < 4; w++) {
        skpi__intcol c;
        skpi__intcol_init(&c, widths[w]);
        ck_assert_uint_eq(c.len, 0);
        ck_assert_uint_eq(c.width, widths[w]);
        ck_assert_uint_eq(skpi__intcol_bytes(&c), 0);
        skpi__intcol_release(&c);
        ck_assert_ptr_null(c.data);
    }
}
END_TEST

START_TEST(widens_one_two_four_eight)
{
    skpi__intcol c;
    int64_t ref[64];
    size_t n = 0;
    skpi__intcol_init(&c, 1);
    push_both(&c, ref, &n, 0);
    push_both(&c, ref, &n, 100);
    push_both(&c, ref, &n, -100);
    ck_assert_uint_eq(c.width, 1);
    push_both(&c, ref, &n, 300);
    ck_assert_uint_eq(c.width, 2);
    push_both(&c, ref, &n, -30000);
    ck_assert_uint_eq(c.width, 2);
    push_both(&c, ref, &n, 70000);
    ck_assert_uint_eq(c.width, 4);
    push_both(&c, ref, &n, -2000000000);
    ck_assert_uint_eq(c.width, 4);
    push_both(&c, ref, &n, INT64_C(5000000000));
    ck_assert_uint_eq(c.width, 8);
    push_both(&c, ref, &n, INT64_MIN + 1);
    push_both(&c, ref, &n, INT64_MAX);
    ck_assert_uint_eq(c.width, 8);
    ck_assert_uint_eq(skpi__intcol_bytes(&c), c.cap * 8);
    skpi__intcol_release(&c);
}
END_TEST

/* The first value sits in the middle of the codes: values on either side of
 * it fit without widening, up to the edge of the width and not beyond. */
START_TEST(values_on_both_sides_of_the_base)
{
    const int64_t centres[] = { 0, 1000, -1000, INT64_C(1700000000), -INT64_C(1700000000) };
    for (size_t k = 0; k < sizeof centres / sizeof centres[0]; k++) {
        int64_t v = centres[k];
        skpi__intcol c;
        int64_t ref[16];
        size_t n = 0;
        skpi__intcol_init(&c, 1);
        push_both(&c, ref, &n, v);
        push_both(&c, ref, &n, v - 127);
        push_both(&c, ref, &n, v + 127);
        push_both(&c, ref, &n, v);
        ck_assert_uint_eq(c.width, 1);
        /* 255 codes minus the UNSET one: a spread of 255 needs two bytes */
        push_both(&c, ref, &n, v + 128);
        ck_assert_uint_eq(c.width, 2);
        push_both(&c, ref, &n, v - 30000);
        push_both(&c, ref, &n, v + 30000);
        ck_assert_uint_eq(c.width, 2);
        push_both(&c, ref, &n, v + 40000);
        ck_assert_uint_eq(c.width, 4);
        skpi__intcol_release(&c);
    }
}
END_TEST

/* A column re-centres at its width when the spread still fits. */
START_TEST(recentres_without_widening)
{
    skpi__intcol c;
    int64_t ref[16];
    size_t n = 0;
    skpi__intcol_init(&c, 1);
    push_both(&c, ref, &n, 0);
    push_both(&c, ref, &n, 200);   /* past the first base's codes: re-centred */
    ck_assert_uint_eq(c.width, 1);
    push_both(&c, ref, &n, 254);
    ck_assert_uint_eq(c.width, 1);
    push_both(&c, ref, &n, 255);
    ck_assert_uint_eq(c.width, 2);
    skpi__intcol_release(&c);

    skpi__intcol_init(&c, 2);
    n = 0;
    push_both(&c, ref, &n, 10);
    push_both(&c, ref, &n, 10 + 65534);
    ck_assert_uint_eq(c.width, 2);
    push_both(&c, ref, &n, 9);
    ck_assert_uint_eq(c.width, 4);
    skpi__intcol_release(&c);
}
END_TEST

START_TEST(negative_values)
{
    for (size_t w = 0; w < 4; w++) {
        skpi__intcol c;
        int64_t ref[16];
        size_t n = 0;
        skpi__intcol_init(&c, widths[w]);
        push_both(&c, ref, &n, -1);
        push_both(&c, ref, &n, -128);
        push_both(&c, ref, &n, -129);
        push_both(&c, ref, &n, -32768);
        push_both(&c, ref, &n, -32769);
        push_both(&c, ref, &n, INT32_MIN);
        push_both(&c, ref, &n, (int64_t)INT32_MIN - 1);
        push_both(&c, ref, &n, -INT64_C(4000000000000));
        push_both(&c, ref, &n, INT64_MIN + 1);
        skpi__intcol_release(&c);
    }
}
END_TEST

START_TEST(extremes_alone_and_together)
{
    const int64_t extremes[] = { INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, INT64_MIN + 2 };
    for (size_t w = 0; w < 4; w++) {
        for (size_t k = 0; k < 4; k++) {
            /* alone: any width holds one value, near it both sides */
            skpi__intcol c;
            int64_t ref[8];
            size_t n = 0;
            skpi__intcol_init(&c, widths[w]);
            push_both(&c, ref, &n, extremes[k]);
            push_both(&c, ref, &n, extremes[k]);
            push_both(&c, ref, &n, SKPI_UNSET);
            push_both(&c, ref, &n, extremes[k] > 0 ? extremes[k] - 100 : extremes[k] + 100);
            ck_assert_uint_eq(c.width, widths[w]);
            /* together with the other end: only eight bytes hold both */
            push_both(&c, ref, &n, extremes[k] > 0 ? INT64_MIN + 1 : INT64_MAX);
            ck_assert_uint_eq(c.width, 8);
            push_both(&c, ref, &n, 0);
            push_both(&c, ref, &n, SKPI_UNSET);
            skpi__intcol_release(&c);
        }
    }
}
END_TEST

/* UNSET reads back as UNSET at every width, before and after a widening,
 * and a value whose code would be the UNSET code is never confused with it. */
START_TEST(unset_at_every_width)
{
    for (size_t w = 0; w < 4; w++) {
        skpi__intcol c;
        int64_t ref[64];
        size_t n = 0;
        skpi__intcol_init(&c, widths[w]);
        push_both(&c, ref, &n, SKPI_UNSET);
        push_both(&c, ref, &n, SKPI_UNSET);
        ck_assert_uint_eq(c.width, widths[w]);
        push_both(&c, ref, &n, 7);
        push_both(&c, ref, &n, SKPI_UNSET);
        ck_assert_uint_eq(c.width, widths[w]);
        /* each step widens (from the start width on) and UNSETs survive */
        const int64_t steps[] = { 7 + 254, 7 + 255, 7 + 65535, 7 + INT64_C(4294967295),
                                  INT64_MAX, INT64_MIN + 1 };
        for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
            push_both(&c, ref, &n, steps[s]);
            push_both(&c, ref, &n, SKPI_UNSET);
            ck_assert_uint_ge(c.width, widths[w]);
        }
        ck_assert_uint_eq(c.width, 8);
        skpi__intcol_release(&c);
    }
    for (size_t w = 0; w < 3; w++) {
        /* the largest value code of a width is one below the UNSET code */
        skpi__intcol c;
        int64_t ref[8];
        size_t n = 0;
        int64_t top = (int64_t)skpi__intcol_unset_code(widths[w]) - 1;
        skpi__intcol_init(&c, widths[w]);
        push_both(&c, ref, &n, 0);
        push_both(&c, ref, &n, top);
        ck_assert_uint_eq(c.width, widths[w]);
        push_both(&c, ref, &n, SKPI_UNSET);
        push_both(&c, ref, &n, top + 1);
        ck_assert_uint_gt(c.width, widths[w]);
        skpi__intcol_release(&c);
    }
}
END_TEST

START_TEST(truncate_then_push)
{
    skpi__intcol c;
    int64_t ref[300];
    size_t n = 0;
    skpi__intcol_init(&c, 1);
    for (int64_t i = 0; i < 200; i++)
        push_both(&c, ref, &n, i % 3 == 0 ? SKPI_UNSET : i * 1000);
    unsigned w = c.width;
    skpi__intcol_truncate(&c, 250);   /* beyond the end: nothing */
    assert_same(&c, ref, 200);
    skpi__intcol_truncate(&c, 120);
    n = 120;
    assert_same(&c, ref, n);
    ck_assert_uint_eq(c.width, w);
    for (int64_t i = 0; i < 50; i++)
        push_both(&c, ref, &n, -i);
    push_both(&c, ref, &n, INT64_MAX);
    skpi__intcol_truncate(&c, 0);
    n = 0;
    assert_same(&c, ref, 0);
    push_both(&c, ref, &n, 42);
    push_both(&c, ref, &n, SKPI_UNSET);
    push_both(&c, ref, &n, INT64_MIN + 1);
    skpi__intcol_release(&c);
}
END_TEST

/* After reserve(n), n values of the current width go in without allocating. */
START_TEST(reserve_makes_room)
{
    for (size_t w = 0; w < 4; w++) {
        test_alloc_install(-1);
        skpi__intcol c;
        skpi__intcol_init(&c, widths[w]);
        ck_assert_int_eq(skpi__intcol_reserve(&c, 1000), SKPI_OK);
        ck_assert_uint_ge(c.cap, 1000);
        ck_assert_uint_ge(skpi__intcol_bytes(&c), 1000 * widths[w]);
        long calls = test_alloc_calls();
        for (int i = 0; i < 1000; i++)
            ck_assert_int_eq(skpi__intcol_push(&c, i % 2 ? 1 : SKPI_UNSET), SKPI_OK);
        ck_assert_int_eq(test_alloc_calls(), calls);
        ck_assert_int_eq(skpi__intcol_reserve(&c, 10), SKPI_OK);   /* smaller: no-op */
        ck_assert_int_eq(test_alloc_calls(), calls);
        ck_assert_uint_eq(c.len, 1000);
        for (size_t i = 0; i < 1000; i++)
            ck_assert_int_eq(skpi__intcol_get(&c, i), i % 2 ? 1 : SKPI_UNSET);
        skpi__intcol_release(&c);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
    }
}
END_TEST

/* A random value drawn from a mix of ranges: small, timestamp-like, wide,
 * the extremes and UNSET. */
static int64_t random_value(test_rng *rng)
{
    uint64_t r = test_rng_next(rng);
    switch (r % 10) {
    case 0: return SKPI_UNSET;
    case 1: return (int64_t)(test_rng_next(rng) % 10);
    case 2: return (int64_t)(test_rng_next(rng) % 600) - 300;
    case 3: return INT64_C(1700000000) + (int64_t)(test_rng_next(rng) % 31536000);
    case 4: return (int64_t)(test_rng_next(rng) % 200000) - 100000;
    case 5: { int64_t x = (int64_t)test_rng_next(rng); return x == INT64_MIN ? 0 : x; }
    case 6: return test_rng_next(rng) % 2 ? INT64_MAX : INT64_MIN + 1;
    case 7: return (int64_t)(test_rng_next(rng) % UINT64_C(5000000000)) - INT64_C(2500000000);
    default: return (int64_t)(test_rng_next(rng) % 256);
    }
}

START_TEST(random_sequences_match_an_array)
{
    enum { N = 6000 };
    int64_t *ref = malloc(N * sizeof *ref);
    ck_assert_ptr_nonnull(ref);
    test_rng rng;   /* deterministic: every run sees the same data */
    test_rng_seed(&rng, 20240601);
    for (int round = 0; round < (test_quick() ? 8 : 40); round++) {
        skpi__intcol c;
        skpi__intcol_init(&c, widths[round % 4]);
        size_t n = 0;
        /* rounds differ in which kinds of values appear: some stay narrow */
        unsigned narrow = (unsigned)round % 5;
        for (int step = 0; step < N; step++) {
            uint64_t op = test_rng_next(&rng) % 1000;
            if (op < 3 && n > 0) {
                size_t to = (size_t)(test_rng_next(&rng) % (n + 1));
                skpi__intcol_truncate(&c, to);
                n = to;
                continue;
            }
            int64_t v;
            if (narrow == 0)
                v = test_rng_next(&rng) % 8 == 0 ? SKPI_UNSET
                  : (int64_t)(test_rng_next(&rng) % 200) + 5;
            else if (narrow == 1)
                v = test_rng_next(&rng) % 8 == 0 ? SKPI_UNSET
                  : INT64_C(1700000000) + (int64_t)(test_rng_next(&rng) % 31536000);
            else
                v = random_value(&rng);
            ck_assert_int_eq(skpi__intcol_push(&c, v), SKPI_OK);
            ref[n++] = v;
            if (step % 997 == 0)
                assert_same(&c, ref, n);
        }
        assert_same(&c, ref, n);
        if (narrow == 0)
            ck_assert_uint_eq(c.width, widths[round % 4]);
        if (narrow == 1)
            ck_assert_uint_le(c.width, widths[round % 4] < 4 ? 4 : widths[round % 4]);
        skpi__intcol_release(&c);
    }
    free(ref);
}
END_TEST

/* Fail allocation N, N = 0, 1, ... until the push succeeds: a failed push
 * (one that must widen, or one that must grow) leaves the column readable and
 * unchanged and holds no new block. */
static void push_under_failures(unsigned start_width, const int64_t *before, size_t count,
                                int64_t v)
{
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_start(-1);
        skpi__intcol c;
        skpi__intcol_init(&c, start_width);
        for (size_t i = 0; i < count; i++)
            ck_assert_int_eq(skpi__intcol_push(&c, before[i]), SKPI_OK);
        unsigned width = c.width;
        long live = test_alloc_live_total();
        test_alloc_rearm(n);
        int rc = skpi__intcol_push(&c, v);
        if (rc == SKPI_OK) {
            succeeded = 1;
        } else {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(test_alloc_failed());
            ck_assert_int_eq(test_alloc_live_total(), live);
            ck_assert_uint_eq(c.width, width);
            assert_same(&c, before, count);
            /* and still usable: the same push works once memory is back */
            test_alloc_rearm(-1);
            ck_assert_int_eq(skpi__intcol_push(&c, v), SKPI_OK);
        }
        test_alloc_rearm(-1);
        ck_assert_uint_eq(c.len, count + 1);
        for (size_t i = 0; i < count; i++)
            ck_assert_int_eq(skpi__intcol_get(&c, i), before[i]);
        ck_assert_int_eq(skpi__intcol_get(&c, count), v);
        skpi__intcol_release(&c);
        ck_assert_int_eq(test_alloc_live_total(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 100);
    }
}

START_TEST(failed_push_changes_nothing)
{
    int64_t before[40];
    size_t count = 0;
    before[count++] = 5;
    before[count++] = SKPI_UNSET;
    before[count++] = -20;
    before[count++] = 100;
    /* widen 1 -> 2, 1 -> 4, 1 -> 8 */
    push_under_failures(1, before, count, 1000);
    push_under_failures(1, before, count, 100000);
    push_under_failures(1, before, count, INT64_MAX);
    /* 2 -> 4, 4 -> 8 */
    before[count++] = 30000;
    push_under_failures(1, before, count, -100000);
    before[count++] = 3000000000;
    push_under_failures(1, before, count, INT64_MIN + 1);
    /* re-centring at the same width also reallocates */
    int64_t narrow[] = { 0, 10, SKPI_UNSET };
    push_under_failures(1, narrow, 3, 250);
    /* growth without widening, at each width, with full capacity */
    for (size_t w = 0; w < 4; w++) {
        int64_t full[16];
        for (size_t i = 0; i < 16; i++)
            full[i] = i % 4 == 3 ? SKPI_UNSET : (int64_t)i;
        push_under_failures(widths[w], full, 8, 3);      /* 8 x width bytes: full at 1 */
        push_under_failures(widths[w], full, 16, SKPI_UNSET);
    }
    /* the very first push */
    push_under_failures(2, before, 0, 77);
    push_under_failures(2, before, 0, SKPI_UNSET);
}
END_TEST

/* Trimming gives back the growth room and keeps every value. */
START_TEST(trim_keeps_values)
{
    skpi__intcol c;
    skpi__intcol_init(&c, 1);
    int64_t ref[301];   /* 300 values, then one more after the trim */
    size_t n = 0;
    for (int64_t i = 0; i < 300; i++)
        push_both(&c, ref, &n, i % 7 == 0 ? SKPI_UNSET : i * 1000);
    ck_assert_uint_gt(c.cap, c.len);  /* grown by half again: room to give back */
    skpi__intcol_trim(&c);
    ck_assert_uint_eq(c.cap, c.len);
    ck_assert_uint_eq(skpi__intcol_bytes(&c), c.len * c.width);
    assert_same(&c, ref, n);
    push_both(&c, ref, &n, -5);          /* and it still grows afterwards */
    assert_same(&c, ref, n);
    skpi__intcol_release(&c);
}
END_TEST

Suite *make_intcol_suite(void)
{
    Suite *s = suite_create("intcol");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, new_column_is_empty);
    tcase_add_test(core, widens_one_two_four_eight);
    tcase_add_test(core, trim_keeps_values);
    tcase_add_test(core, values_on_both_sides_of_the_base);
    tcase_add_test(core, recentres_without_widening);
    tcase_add_test(core, negative_values);
    tcase_add_test(core, truncate_then_push);
    tcase_add_test(core, reserve_makes_room);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, extremes_alone_and_together);
    tcase_add_test(limits, unset_at_every_width);
    tcase_add_test(limits, random_sequences_match_an_array);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_set_timeout(errors, 120);
    tcase_add_test(errors, failed_push_changes_nothing);
    suite_add_tcase(s, errors);
    return s;
}
