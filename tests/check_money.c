/* The money module: rounding, apportionment, percentiles, ratios, and the
 * checked helpers of lib/money.h.  Random cases use fixed seeds and are
 * compared with simple independent references written here; those loops
 * test plainly and call Check only on a failure: Check records every
 * passing assertion, which would dominate their run time. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "supportkpi.h"
#include "money.h"
#include "suites.h"
#include "testutil.h"

#define MAX_N 64

/* Uniform-ish in [0, bound]. */
static int64_t rng_upto(test_rng *rng, int64_t bound)
{
    return (int64_t)(test_rng_next(rng) % ((uint64_t)bound + 1));
}

/* A value of a random magnitude class, so that tiny, mid and huge numbers
 * all occur. */
static int64_t rng_magnitude(test_rng *rng, int64_t bound)
{
    switch (test_rng_next(rng) % 4) {
    case 0: return rng_upto(rng, bound < 10 ? bound : 10);
    case 1: return rng_upto(rng, bound < 100000 ? bound : 100000);
    case 2: return rng_upto(rng, bound < (INT64_C(1) << 40) ? bound : (INT64_C(1) << 40));
    default: return rng_upto(rng, bound);
    }
}

/* Reference rounding: half to even via floor division, written apart from
 * the library's magnitude-based code. */
static skpi__i128 ref_floor_div(skpi__i128 a, skpi__i128 b)
{
    skpi__i128 q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q -= 1;
    return q;
}

static skpi__i128 ref_half_even(skpi__i128 num, skpi__i128 den)
{
    if (den < 0) {
        num = -num;
        den = -den;
    }
    skpi__i128 q = ref_floor_div(num, den);
    skpi__i128 twice_rem = 2 * (num - q * den);
    if (twice_rem > den || (twice_rem == den && q % 2 != 0))
        q += 1;
    return q;
}

/* Reference apportionment: floors, then the leftover units by repeated
 * O(n) search for the largest remaining remainder, earliest index first. */
static void ref_apportion(int64_t amount, const int64_t *w, size_t n, int64_t *out)
{
    skpi__i128 total = 0;
    for (size_t i = 0; i < n; i++)
        total += w[i];
    skpi__i128 rem[MAX_N];
    int taken[MAX_N];
    skpi__i128 given = 0;
    for (size_t i = 0; i < n; i++) {
        out[i] = (int64_t)((skpi__i128)amount * w[i] / total);
        rem[i] = (skpi__i128)amount * w[i] % total;
        taken[i] = 0;
        given += out[i];
    }
    for (; given < amount; given++) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (!taken[i] && (best == n || rem[i] > rem[best]))
                best = i;
        taken[best] = 1;
        out[best]++;
    }
}

static void ref_sort(int64_t *v, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && v[j - 1] > v[j]; j--) {
            int64_t t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
}

static int64_t ref_percentile(const int64_t *values, size_t n, int64_t p_num, int64_t p_den)
{
    int64_t sorted[MAX_N];
    memcpy(sorted, values, n * sizeof *sorted);
    ref_sort(sorted, n);
    skpi__i128 rank = ((skpi__i128)p_num * (skpi__i128)n + p_den - 1) / p_den;
    return sorted[rank < 1 ? 0 : (size_t)rank - 1];
}

/* ---- Core ---------------------------------------------------------- */

START_TEST(spec_worked_example)
{
    int64_t cpr = 0;
    ck_assert_int_eq(skpi_cpr(5000000, 1000, &cpr, NULL), SKPI_OK);
    ck_assert_int_eq(cpr, 5000);
    int64_t cpt = 0;
    ck_assert_int_eq(skpi_cpt(5000000, 1000, &cpt, NULL), SKPI_OK);
    ck_assert_int_eq(cpt, 5000);
}
END_TEST

START_TEST(cost_per_rounds_half_to_even)
{
    static const int64_t cases[][3] = {
        { 5, 2, 2 }, { 7, 2, 4 }, { -5, 2, -2 }, { -7, 2, -4 }, { 1, 2, 0 }, { 3, 2, 2 },
        { -1, 2, 0 }, { -3, 2, -2 }, { 1, 3, 0 }, { 2, 3, 1 }, { -2, 3, -1 }, { -1, 3, 0 },
        { 0, 7, 0 }, { 10, 4, 2 }, { 14, 4, 4 }, { 15, 4, 4 }, { 17, 4, 4 }, { 18, 4, 4 },
        { 1999, 1000, 2 }, { 2500, 1000, 2 }, { 3500, 1000, 4 }, { 2501, 1000, 3 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t out = -999;
        skpi_error err = { -100, "x" };
        ck_assert_int_eq(skpi_cost_per(cases[i][0], cases[i][1], &out, &err), SKPI_OK);
        ck_assert_msg(out == cases[i][2], "%lld/%lld gave %lld", (long long)cases[i][0],
                      (long long)cases[i][1], (long long)out);
        ck_assert_int_eq(err.code, SKPI_OK);
        ck_assert_str_eq(err.message, "");
    }
}
END_TEST

START_TEST(cost_per_by_zero_is_absent)
{
    int64_t out = 77;
    skpi_error err = { -100, "x" };
    ck_assert_int_eq(skpi_cost_per(5000, 0, &out, &err), SKPI_ABSENT);
    ck_assert_int_eq(out, 77);
    ck_assert_int_eq(err.code, SKPI_ABSENT);
    ck_assert_int_eq(skpi_cpr(5000, 0, &out, NULL), SKPI_ABSENT);
    ck_assert_int_eq(skpi_cpt(0, 0, &out, NULL), SKPI_ABSENT);
    ck_assert_int_eq(out, 77);
}
END_TEST

START_TEST(cost_per_matches_reference_on_random_input)
{
    test_rng rng;
    test_rng_seed(&rng, 11);
    for (int t = 0; t < 20000; t++) {
        int64_t cost = rng_magnitude(&rng, INT64_MAX) * (test_rng_next(&rng) % 2 ? 1 : -1);
        int64_t count = 1 + rng_magnitude(&rng, INT64_MAX - 1);
        int64_t out = 0;
        int rc = skpi_cost_per(cost, count, &out, NULL);
        if (rc != SKPI_OK || out != (int64_t)ref_half_even(cost, count))
            ck_abort_msg("case %d: %lld/%lld gave %lld (rc %d)", t, (long long)cost,
                         (long long)count, (long long)out, rc);
    }
}
END_TEST

START_TEST(cost_per_exact_reduces)
{
    int64_t num = 0, den = 0;
    ck_assert_int_eq(skpi_cost_per_exact(6, 4, &num, &den, NULL), SKPI_OK);
    ck_assert_int_eq(num, 3);
    ck_assert_int_eq(den, 2);
    ck_assert_int_eq(skpi_cost_per_exact(-6, 4, &num, &den, NULL), SKPI_OK);
    ck_assert_int_eq(num, -3);
    ck_assert_int_eq(den, 2);
    ck_assert_int_eq(skpi_cost_per_exact(0, 5, &num, &den, NULL), SKPI_OK);
    ck_assert_int_eq(num, 0);
    ck_assert_int_eq(den, 1);
    ck_assert_int_eq(skpi_cost_per_exact(5000000, 1000, &num, &den, NULL), SKPI_OK);
    ck_assert_int_eq(num, 5000);
    ck_assert_int_eq(den, 1);
    ck_assert_int_eq(skpi_cost_per_exact(7, 13, &num, &den, NULL), SKPI_OK);
    ck_assert_int_eq(num, 7);
    ck_assert_int_eq(den, 13);
    num = den = 42;
    ck_assert_int_eq(skpi_cost_per_exact(7, 0, &num, &den, NULL), SKPI_ABSENT);
    ck_assert_int_eq(num, 42);
    ck_assert_int_eq(den, 42);
}
END_TEST

START_TEST(ratio_nanos_rounds_to_nine_decimals)
{
    static const int64_t cases[][3] = {
        { 1, 3, 333333333 }, { 2, 3, 666666667 }, { 1, 2, 500000000 }, { 1, 1, 1000000000 },
        { -1, 3, -333333333 }, { 1, -3, -333333333 }, { -2, -3, 666666667 }, { 0, 5, 0 },
        /* exact ties at the ninth decimal */
        { 1, 2000000000, 0 }, { 3, 2000000000, 2 }, { 5, 2000000000, 2 },
        { -3, 2000000000, -2 }, { 7, 4, 1750000000 }, { 41, 50, 820000000 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int64_t nanos = -999;
        ck_assert_int_eq(skpi_ratio_nanos(cases[i][0], cases[i][1], &nanos, NULL), SKPI_OK);
        ck_assert_msg(nanos == cases[i][2], "%lld/%lld gave %lld", (long long)cases[i][0],
                      (long long)cases[i][1], (long long)nanos);
    }
    int64_t nanos = 5;
    ck_assert_int_eq(skpi_ratio_nanos(3, 0, &nanos, NULL), SKPI_ABSENT);
    ck_assert_int_eq(nanos, 5);
    ck_assert_int_eq(skpi_nanos_per_unit(), 1000000000);
}
END_TEST

START_TEST(apportion_examples)
{
    int64_t out[4];
    const int64_t thirds[] = { 1, 1, 1 };
    ck_assert_int_eq(skpi_apportion(100, thirds, 3, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 34);
    ck_assert_int_eq(out[1], 33);
    ck_assert_int_eq(out[2], 33);

    const int64_t gaps[] = { 0, 5, 0, 5 };
    ck_assert_int_eq(skpi_apportion(7, gaps, 4, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 0);
    ck_assert_int_eq(out[1], 4);
    ck_assert_int_eq(out[2], 0);
    ck_assert_int_eq(out[3], 3);

    /* 10 × {1,2,3,4}/10 is exact: no leftover. */
    const int64_t ramp[] = { 1, 2, 3, 4 };
    ck_assert_int_eq(skpi_apportion(10, ramp, 4, out, NULL), SKPI_OK);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(out[i], i + 1);

    /* 11 × {1,2,3,4}/10: remainders 1,2,3,4 → the unit goes to the last. */
    ck_assert_int_eq(skpi_apportion(11, ramp, 4, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 1);
    ck_assert_int_eq(out[1], 2);
    ck_assert_int_eq(out[2], 3);
    ck_assert_int_eq(out[3], 5);

    /* A later, larger remainder beats an earlier, smaller one. */
    const int64_t uneven[] = { 2, 3 };
    ck_assert_int_eq(skpi_apportion(1, uneven, 2, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 0);
    ck_assert_int_eq(out[1], 1);

    const int64_t zero[] = { 0, 0 };
    out[0] = out[1] = 9;
    skpi_error err;
    ck_assert_int_eq(skpi_apportion(50, zero, 2, out, &err), SKPI_ABSENT);
    ck_assert_int_eq(err.code, SKPI_ABSENT);
    ck_assert_int_eq(out[0], 0);
    ck_assert_int_eq(out[1], 0);
    ck_assert_int_eq(skpi_apportion(50, NULL, 0, NULL, NULL), SKPI_ABSENT);
}
END_TEST

START_TEST(apportion_matches_brute_force)
{
    test_rng rng;
    test_rng_seed(&rng, 20260301);
    for (int t = 0; t < 5000; t++) {
        size_t n = 1 + (size_t)(test_rng_next(&rng) % (t < 2500 ? 8 : MAX_N));
        int64_t w[MAX_N], got[MAX_N], want[MAX_N];
        int64_t cap = (INT64_MAX - 1) / (int64_t)n;  /* room for the |= 1 below */
        for (size_t i = 0; i < n; i++)
            w[i] = test_rng_next(&rng) % 5 == 0 ? 0 : rng_magnitude(&rng, cap);
        w[test_rng_next(&rng) % n] |= 1;  /* W > 0 */
        int64_t amount = rng_magnitude(&rng, INT64_MAX);
        ref_apportion(amount, w, n, want);
        if (skpi_apportion(amount, w, n, got, NULL) != SKPI_OK)
            ck_abort_msg("case %d failed", t);
        skpi__i128 sum = 0;
        for (size_t i = 0; i < n; i++) {
            if (got[i] != want[i])
                ck_abort_msg("case %d index %zu", t, i);
            sum += got[i];
        }
        if (sum != amount)
            ck_abort_msg("case %d: shares do not sum to the amount", t);
    }
}
END_TEST

START_TEST(apportion_by_tier_uses_rates)
{
    const int64_t handle[] = { 3600, 3600, 1800, 0 };
    const int64_t tier[] = { 1, 2, 2, 3 };
    const int64_t rate[] = { -1, 3000, 6000, 9000 };
    int64_t out[4];
    /* weights 3000×3600, 6000×3600, 6000×1800, 0 → 2 : 4 : 2 : 0 of 8 */
    ck_assert_int_eq(skpi_apportion_by_tier(1000, handle, tier, 4, rate, 4, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 250);
    ck_assert_int_eq(out[1], 500);
    ck_assert_int_eq(out[2], 250);
    ck_assert_int_eq(out[3], 0);
    /* 1002: 250.5, 501, 250.5: the tie goes to the earlier index. */
    ck_assert_int_eq(skpi_apportion_by_tier(1002, handle, tier, 4, rate, 4, out, NULL), SKPI_OK);
    ck_assert_int_eq(out[0], 251);
    ck_assert_int_eq(out[1], 501);
    ck_assert_int_eq(out[2], 250);
    /* A rate of 0 weighs nothing; all zero is absent. */
    const int64_t free_rate[] = { 0, 0, 0, 0 };
    out[0] = 5;
    ck_assert_int_eq(skpi_apportion_by_tier(1000, handle, tier, 4, free_rate, 4, out, NULL),
                     SKPI_ABSENT);
    ck_assert_int_eq(out[0], 0);
    ck_assert_int_eq(skpi_apportion_by_tier(1000, NULL, NULL, 0, NULL, 0, NULL, NULL),
                     SKPI_ABSENT);
}
END_TEST

START_TEST(cost_per_segments_marks_absent)
{
    const int64_t cost[] = { 5000000, 5, 100, -7, 9 };
    const int64_t count[] = { 1000, 2, 0, 2, 0 };
    int64_t out[5];
    unsigned char present[5];
    memset(out, 0x55, sizeof out);
    memset(present, 0x55, sizeof present);
    ck_assert_int_eq(skpi_cost_per_segments(cost, count, 5, out, present, NULL), SKPI_OK);
    const int64_t want[] = { 5000, 2, 0, -4, 0 };
    const unsigned char want_present[] = { 1, 1, 0, 1, 0 };
    for (int i = 0; i < 5; i++) {
        ck_assert_int_eq(out[i], want[i]);
        ck_assert_int_eq(present[i], want_present[i]);
    }
    ck_assert_int_eq(skpi_cost_per_segments(NULL, NULL, 0, NULL, NULL, NULL), SKPI_OK);
}
END_TEST

START_TEST(percentile_examples)
{
    const int64_t v[] = { 40, 15, 50, 20, 35 };
    int64_t out = 0;
    ck_assert_int_eq(skpi_percentile(v, 5, 3, 10, &out, NULL), SKPI_OK);  /* rank 2 */
    ck_assert_int_eq(out, 20);
    ck_assert_int_eq(skpi_percentile(v, 5, 4, 10, &out, NULL), SKPI_OK);  /* rank 2 */
    ck_assert_int_eq(out, 20);
    ck_assert_int_eq(skpi_percentile(v, 5, 9, 10, &out, NULL), SKPI_OK);  /* rank 5 */
    ck_assert_int_eq(out, 50);
    ck_assert_int_eq(skpi_percentile(v, 5, 0, 1, &out, NULL), SKPI_OK);   /* rank 1 */
    ck_assert_int_eq(out, 15);
    ck_assert_int_eq(skpi_percentile(v, 5, 1, 1, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 50);
    ck_assert_int_eq(skpi_median(v, 5, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 35);
    const int64_t even[] = { 4, 1, 3, 2 };
    ck_assert_int_eq(skpi_median(even, 4, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 2);  /* lower middle */
    const int64_t one[] = { -8 };
    ck_assert_int_eq(skpi_percentile(one, 1, 0, 1, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, -8);
    ck_assert_int_eq(skpi_percentile(one, 1, 9, 10, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, -8);
    out = 3;
    ck_assert_int_eq(skpi_median(NULL, 0, &out, NULL), SKPI_ABSENT);
    ck_assert_int_eq(out, 3);
}
END_TEST

START_TEST(percentile_matches_sorted_reference)
{
    static const int64_t ps[][2] = { { 0, 1 }, { 1, 1 }, { 1, 2 }, { 9, 10 }, { 1, 3 },
                                     { 99, 100 }, { 1, 100 }, { 2, 3 } };
    test_rng rng;
    test_rng_seed(&rng, 7);
    for (int t = 0; t < 5000; t++) {
        size_t n = 1 + (size_t)(test_rng_next(&rng) % MAX_N);
        int64_t v[MAX_N], copy[MAX_N];
        for (size_t i = 0; i < n; i++)   /* repeats, negatives */
            v[i] = (int64_t)test_rng_next(&rng) >> (test_rng_next(&rng) % 64);
        memcpy(copy, v, sizeof v);
        const int64_t *p = ps[t % 8];
        int64_t out = 0;
        if (skpi_percentile(v, n, p[0], p[1], &out, NULL) != SKPI_OK
            || out != ref_percentile(v, n, p[0], p[1]))
            ck_abort_msg("case %d: p = %lld/%lld, n = %zu", t, (long long)p[0],
                         (long long)p[1], n);
        if (memcmp(v, copy, n * sizeof *v) != 0)
            ck_abort_msg("case %d: the caller's array changed", t);
    }
}
END_TEST

START_TEST(div_half_even_matches_reference)
{
    test_rng rng;
    test_rng_seed(&rng, 99);
    for (int t = 0; t < 20000; t++) {
        skpi__i128 num = (skpi__i128)rng_magnitude(&rng, INT64_MAX)
                         * rng_magnitude(&rng, INT64_MAX / 4);
        skpi__i128 den = 1 + rng_magnitude(&rng, INT64_MAX - 1);
        if (test_rng_next(&rng) % 2)
            num = -num;
        if (test_rng_next(&rng) % 2)
            den = -den;
        skpi__i128 want = ref_half_even(num, den);
        int64_t out = 12345;
        int rc = skpi__div_half_even(num, den, &out);
        int fits = want >= INT64_MIN && want <= INT64_MAX;
        if (fits ? rc != SKPI_OK || out != want : rc != SKPI_ERANGE || out != 12345)
            ck_abort_msg("case %d: rc %d", t, rc);
    }
}
END_TEST

START_TEST(floor_division_helpers)
{
    static const int64_t cases[][4] = {  /* a, b, floor(a/b), a mod b */
        { 7, 2, 3, 1 }, { -7, 2, -4, 1 }, { 7, -2, -4, -1 }, { -7, -2, 3, -1 },
        { 6, 3, 2, 0 }, { -6, 3, -2, 0 }, { 0, 5, 0, 0 }, { -1, 1000, -1, 999 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ck_assert(skpi__floor_div128(cases[i][0], cases[i][1]) == cases[i][2]);
        ck_assert(skpi__floor_mod128(cases[i][0], cases[i][1]) == cases[i][3]);
    }
    ck_assert(skpi__gcd_u64(12, 18) == 6);
    ck_assert(skpi__gcd_u64(0, 5) == 5);
    ck_assert(skpi__gcd_u64(7, 0) == 7);
}
END_TEST

/* ---- Limits -------------------------------------------------------- */

START_TEST(cost_per_at_int64_extremes)
{
    int64_t out;
    ck_assert_int_eq(skpi_cost_per(INT64_MIN, 1, &out, NULL), SKPI_OK);
    ck_assert(out == INT64_MIN);
    ck_assert_int_eq(skpi_cost_per(INT64_MAX, 1, &out, NULL), SKPI_OK);
    ck_assert(out == INT64_MAX);
    ck_assert_int_eq(skpi_cost_per(INT64_MAX, INT64_MAX, &out, NULL), SKPI_OK);
    ck_assert(out == 1);
    ck_assert_int_eq(skpi_cost_per(INT64_MIN, INT64_MAX, &out, NULL), SKPI_OK);
    ck_assert(out == -1);
    /* INT64_MAX / 2 = 4611686018427387903.5 → to even */
    ck_assert_int_eq(skpi_cost_per(INT64_MAX, 2, &out, NULL), SKPI_OK);
    ck_assert(out == INT64_C(4611686018427387904));
    ck_assert_int_eq(skpi_cost_per(INT64_MIN, 2, &out, NULL), SKPI_OK);
    ck_assert(out == INT64_MIN / 2);
    int64_t num, den;
    ck_assert_int_eq(skpi_cost_per_exact(INT64_MIN, INT64_MAX, &num, &den, NULL), SKPI_OK);
    ck_assert(num == INT64_MIN && den == INT64_MAX);
    ck_assert_int_eq(skpi_cost_per_exact(INT64_MIN, 2, &num, &den, NULL), SKPI_OK);
    ck_assert(num == INT64_MIN / 2 && den == 1);
}
END_TEST

START_TEST(ratio_nanos_out_of_range)
{
    int64_t nanos = 1;
    skpi_error err;
    ck_assert_int_eq(skpi_ratio_nanos(INT64_C(9223372036), 1, &nanos, NULL), SKPI_OK);
    ck_assert(nanos == INT64_C(9223372036000000000));
    ck_assert_int_eq(skpi_ratio_nanos(INT64_C(-9223372036), 1, &nanos, NULL), SKPI_OK);
    ck_assert(nanos == INT64_C(-9223372036000000000));
    nanos = 1;
    ck_assert_int_eq(skpi_ratio_nanos(INT64_C(9223372037), 1, &nanos, &err), SKPI_ERANGE);
    ck_assert_int_eq(err.code, SKPI_ERANGE);
    ck_assert(strlen(err.message) > 0);
    ck_assert_int_eq(skpi_ratio_nanos(INT64_MIN, 1, &nanos, NULL), SKPI_ERANGE);
    ck_assert_int_eq(skpi_ratio_nanos(INT64_MAX, INT64_MAX, &nanos, NULL), SKPI_OK);
    ck_assert(nanos == 1000000000);
    ck_assert_int_eq(skpi_ratio_nanos(INT64_MIN, INT64_MIN, &nanos, NULL), SKPI_OK);
    ck_assert(nanos == 1000000000);
    ck_assert_int_eq(skpi_ratio_nanos(1, INT64_MAX, &nanos, NULL), SKPI_OK);
    ck_assert(nanos == 0);
}
END_TEST

START_TEST(apportion_at_int64_extremes)
{
    int64_t out[3];
    const int64_t one[] = { INT64_MAX };
    ck_assert_int_eq(skpi_apportion(INT64_MAX, one, 1, out, NULL), SKPI_OK);
    ck_assert(out[0] == INT64_MAX);
    const int64_t big[] = { INT64_MAX - 1, 1 };
    ck_assert_int_eq(skpi_apportion(INT64_MAX, big, 2, out, NULL), SKPI_OK);
    ck_assert(out[0] == INT64_MAX - 1 && out[1] == 1);
    const int64_t halves[] = { INT64_MAX / 2, INT64_MAX / 2 };
    ck_assert_int_eq(skpi_apportion(INT64_MAX, halves, 2, out, NULL), SKPI_OK);
    ck_assert(out[0] == INT64_MAX / 2 + 1 && out[1] == INT64_MAX / 2);

    const int64_t overflow[] = { INT64_MAX / 2 + 1, INT64_MAX / 2 + 1, 1 };
    out[0] = out[1] = out[2] = 4;
    skpi_error err;
    ck_assert_int_eq(skpi_apportion(10, overflow, 3, out, &err), SKPI_ERANGE);
    ck_assert_int_eq(err.code, SKPI_ERANGE);
    ck_assert(out[0] == 4 && out[1] == 4 && out[2] == 4);
}
END_TEST

START_TEST(apportion_by_tier_overflow)
{
    const int64_t handle[] = { INT64_MAX / 2, 1 };
    const int64_t tier[] = { 1, 1 };
    const int64_t rate[] = { 1, 3 };
    int64_t out[2] = { 6, 6 };
    ck_assert_int_eq(skpi_apportion_by_tier(10, handle, tier, 2, rate, 2, out, NULL),
                     SKPI_ERANGE);
    const int64_t rate2[] = { 1, 2 };  /* each weight fits, their sum does not */
    ck_assert_int_eq(skpi_apportion_by_tier(10, handle, tier, 2, rate2, 2, out, NULL),
                     SKPI_ERANGE);
    ck_assert(out[0] == 6 && out[1] == 6);
}
END_TEST

START_TEST(percentile_with_extreme_p)
{
    int64_t v[1000];
    for (int i = 0; i < 1000; i++)
        v[i] = 999 - i;
    int64_t out;
    ck_assert_int_eq(skpi_percentile(v, 1000, INT64_MAX - 1, INT64_MAX, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 999);  /* ceil(999.99...) = rank 1000 */
    ck_assert_int_eq(skpi_percentile(v, 1000, 1, INT64_MAX, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 0);
    ck_assert_int_eq(skpi_percentile(v, 1000, INT64_MAX, INT64_MAX, &out, NULL), SKPI_OK);
    ck_assert_int_eq(out, 999);
    const int64_t ends[] = { INT64_MAX, INT64_MIN, 0 };
    ck_assert_int_eq(skpi_median(ends, 3, &out, NULL), SKPI_OK);
    ck_assert(out == 0);
    ck_assert_int_eq(skpi_percentile(ends, 3, 0, 1, &out, NULL), SKPI_OK);
    ck_assert(out == INT64_MIN);
}
END_TEST

START_TEST(div_half_even_at_int128_extremes)
{
    const skpi__i128 i128_max = (skpi__i128)(((skpi__u128)1 << 127) - 1);
    const skpi__i128 i128_min = -i128_max - 1;
    int64_t out = 3;
    ck_assert_int_eq(skpi__div_half_even(i128_min, -1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__div_half_even(i128_min, 1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__div_half_even(i128_max, 1, &out), SKPI_ERANGE);
    ck_assert_int_eq(out, 3);
    ck_assert_int_eq(skpi__div_half_even(i128_min, i128_min, &out), SKPI_OK);
    ck_assert_int_eq(out, 1);
    ck_assert_int_eq(skpi__div_half_even(i128_max, i128_min, &out), SKPI_OK);
    ck_assert_int_eq(out, -1);
    ck_assert_int_eq(skpi__div_half_even(1, i128_min, &out), SKPI_OK);
    ck_assert_int_eq(out, 0);
    ck_assert_int_eq(skpi__div_half_even(i128_min, (skpi__i128)1 << 64, &out), SKPI_OK);
    ck_assert(out == INT64_MIN);
    ck_assert_int_eq(skpi__div_half_even(-((skpi__i128)1 << 63), 1, &out), SKPI_OK);
    ck_assert(out == INT64_MIN);
    ck_assert_int_eq(skpi__div_half_even(-((skpi__i128)1 << 63) - 1, 1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__div_half_even((skpi__i128)1 << 63, 1, &out), SKPI_ERANGE);
    /* (2^64 - 1) / 2 = 2^63 - 0.5 → 2^63 (even) does not fit; -2^63 does. */
    ck_assert_int_eq(skpi__div_half_even(((skpi__i128)1 << 64) - 1, 2, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__div_half_even(-((skpi__i128)1 << 64) + 1, 2, &out), SKPI_OK);
    ck_assert(out == INT64_MIN);
}
END_TEST

START_TEST(checked_int64_operations)
{
    int64_t out = 5;
    ck_assert_int_eq(skpi__add64(INT64_MAX, 1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__sub64(INT64_MIN, 1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__mul64(INT64_MIN, -1, &out), SKPI_ERANGE);
    ck_assert_int_eq(skpi__mul64(INT64_C(1) << 32, INT64_C(1) << 31, &out), SKPI_ERANGE);
    ck_assert_int_eq(out, 5);
    ck_assert_int_eq(skpi__add64(INT64_MAX - 1, 1, &out), SKPI_OK);
    ck_assert(out == INT64_MAX);
    ck_assert_int_eq(skpi__sub64(INT64_MIN + 1, 1, &out), SKPI_OK);
    ck_assert(out == INT64_MIN);
    ck_assert_int_eq(skpi__mul64(INT64_C(1) << 31, INT64_C(1) << 31, &out), SKPI_OK);
    ck_assert(out == INT64_C(1) << 62);
    ck_assert_int_eq(skpi__ratio_nanos(1, 4, &out), SKPI_OK);
    ck_assert(out == 250000000);
    ck_assert_int_eq(skpi__ratio_nanos(1, 0, &out), SKPI_ABSENT);
    ck_assert(out == 250000000);
}
END_TEST

/* ---- Errors -------------------------------------------------------- */

START_TEST(negative_counts_are_invalid)
{
    int64_t out = 8, num = 8, den = 8;
    skpi_error err;
    ck_assert_int_eq(skpi_cost_per(10, -1, &out, &err), SKPI_EINVAL);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "count"));
    ck_assert_int_eq(skpi_cpr(10, INT64_MIN, &out, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_cost_per_exact(10, -2, &num, &den, NULL), SKPI_EINVAL);
    ck_assert(out == 8 && num == 8 && den == 8);
    ck_assert_int_eq(skpi_cost_per(1, 1, NULL, &err), SKPI_EINVAL);
    ck_assert_int_eq(skpi_cost_per_exact(1, 1, &num, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_ratio_nanos(1, 1, NULL, NULL), SKPI_EINVAL);
}
END_TEST

START_TEST(apportion_names_the_bad_index)
{
    const int64_t w[] = { 1, 2, -3, 4 };
    int64_t out[4] = { 9, 9, 9, 9 };
    skpi_error err;
    ck_assert_int_eq(skpi_apportion(10, w, 4, out, &err), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "weights[2]"));
    const int64_t ok[] = { 1, 2, 3, 4 };
    ck_assert_int_eq(skpi_apportion(-1, ok, 4, out, &err), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "amount"));
    ck_assert_int_eq(skpi_apportion(10, NULL, 4, out, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_apportion(10, ok, 4, NULL, NULL), SKPI_EINVAL);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(out[i], 9);
}
END_TEST

START_TEST(apportion_by_tier_errors)
{
    const int64_t handle[] = { 60, 60, 60 };
    const int64_t tier[] = { 0, 2, 5 };
    const int64_t rate[] = { 100, 200, 300 };
    int64_t out[3] = { 1, 2, 3 };
    skpi_error err;
    ck_assert_int_eq(skpi_apportion_by_tier(100, handle, tier, 3, rate, 3, out, &err),
                     SKPI_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "tier 5"));
    const int64_t unset[] = { 100, 200, -1 };
    const int64_t tier2[] = { 0, 2, 1 };
    ck_assert_int_eq(skpi_apportion_by_tier(100, handle, tier2, 3, unset, 3, out, &err),
                     SKPI_ENOTFOUND);
    ck_assert_ptr_nonnull(strstr(err.message, "tier 2"));
    const int64_t negative_tier[] = { 0, -1, 1 };
    ck_assert_int_eq(skpi_apportion_by_tier(100, handle, negative_tier, 3, rate, 3, out, &err),
                     SKPI_ENOTFOUND);
    const int64_t bad_handle[] = { 60, -60, 60 };
    ck_assert_int_eq(skpi_apportion_by_tier(100, bad_handle, tier2, 3, rate, 3, out, &err),
                     SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "handle_seconds[1]"));
    ck_assert_int_eq(skpi_apportion_by_tier(-5, handle, tier2, 3, rate, 3, out, &err),
                     SKPI_EINVAL);
    ck_assert_int_eq(skpi_apportion_by_tier(5, handle, tier2, 3, NULL, 3, out, NULL),
                     SKPI_EINVAL);
    ck_assert(out[0] == 1 && out[1] == 2 && out[2] == 3);
}
END_TEST

START_TEST(cost_per_segments_names_the_bad_index)
{
    const int64_t cost[] = { 1, 2, 3 };
    const int64_t count[] = { 1, 0, -4 };
    int64_t out[3] = { 7, 7, 7 };
    unsigned char present[3] = { 7, 7, 7 };
    skpi_error err;
    ck_assert_int_eq(skpi_cost_per_segments(cost, count, 3, out, present, &err), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "count[2]"));
    ck_assert_int_eq(skpi_cost_per_segments(cost, count, 3, out, NULL, &err), SKPI_EINVAL);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(out[i], 7);
        ck_assert_int_eq(present[i], 7);
    }
}
END_TEST

START_TEST(percentile_refuses_bad_p)
{
    const int64_t v[] = { 1, 2, 3 };
    static const int64_t bad[][2] = { { 1, 0 }, { -1, 2 }, { 3, 2 }, { 1, -2 }, { -1, -2 },
                                      { INT64_MAX, 1 } };
    int64_t out = 4;
    skpi_error err;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(skpi_percentile(v, 3, bad[i][0], bad[i][1], &out, &err), SKPI_EINVAL);
        ck_assert_int_eq(err.code, SKPI_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.message, "p ="));
    }
    ck_assert_int_eq(skpi_percentile(v, 3, 1, 2, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_percentile(NULL, 3, 1, 2, &out, NULL), SKPI_EINVAL);
    ck_assert_int_eq(out, 4);
}
END_TEST

/* Fail the Nth allocation for N = 0, 1, 2 ... until a call succeeds: every
 * failure must be a clean ENOMEM with outputs untouched and nothing leaked. */
START_TEST(allocation_failures_are_clean)
{
    const int64_t w[] = { 1, 1, 1, 5, 0 };
    const int64_t handle[] = { 10, 10, 10, 50, 0 };
    const int64_t tier[] = { 1, 1, 1, 2, 1 };
    const int64_t rate[] = { 0, 7, 7 };
    const int64_t values[] = { 9, 3, 7, 1, 5 };
    for (int which = 0; which < 3; which++) {
        for (long fail = 0;; fail++) {
            int64_t out[5] = { -1, -1, -1, -1, -1 };
            skpi_error err = { 0, "" };
            test_alloc_install(fail);
            int rc;
            if (which == 0)
                rc = skpi_apportion(101, w, 5, out, &err);
            else if (which == 1)
                rc = skpi_apportion_by_tier(101, handle, tier, 5, rate, 3, out, &err);
            else
                rc = skpi_percentile(values, 5, 9, 10, out, &err);
            long live = test_alloc_live();
            int refused = test_alloc_failed();
            test_alloc_restore();
            ck_assert_int_eq(live, 0);
            if (!refused) {
                ck_assert_int_eq(rc, SKPI_OK);
                ck_assert_int_eq(out[0], which == 2 ? 9 : 13);
                break;
            }
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert_int_eq(err.code, SKPI_ENOMEM);
            for (int i = 0; i < 5; i++)
                ck_assert_int_eq(out[i], -1);
        }
    }
}
END_TEST

Suite *make_money_suite(void)
{
    Suite *s = suite_create("money");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, spec_worked_example);
    tcase_add_test(core, cost_per_rounds_half_to_even);
    tcase_add_test(core, cost_per_by_zero_is_absent);
    tcase_add_test(core, cost_per_matches_reference_on_random_input);
    tcase_add_test(core, cost_per_exact_reduces);
    tcase_add_test(core, ratio_nanos_rounds_to_nine_decimals);
    tcase_add_test(core, apportion_examples);
    tcase_add_test(core, apportion_matches_brute_force);
    tcase_add_test(core, apportion_by_tier_uses_rates);
    tcase_add_test(core, cost_per_segments_marks_absent);
    tcase_add_test(core, percentile_examples);
    tcase_add_test(core, percentile_matches_sorted_reference);
    tcase_add_test(core, div_half_even_matches_reference);
    tcase_add_test(core, floor_division_helpers);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, cost_per_at_int64_extremes);
    tcase_add_test(limits, ratio_nanos_out_of_range);
    tcase_add_test(limits, apportion_at_int64_extremes);
    tcase_add_test(limits, apportion_by_tier_overflow);
    tcase_add_test(limits, percentile_with_extreme_p);
    tcase_add_test(limits, div_half_even_at_int128_extremes);
    tcase_add_test(limits, checked_int64_operations);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_test(errors, negative_counts_are_invalid);
    tcase_add_test(errors, apportion_names_the_bad_index);
    tcase_add_test(errors, apportion_by_tier_errors);
    tcase_add_test(errors, cost_per_segments_names_the_bad_index);
    tcase_add_test(errors, percentile_refuses_bad_p);
    tcase_add_test(errors, allocation_failures_are_clean);
    suite_add_tcase(s, errors);
    return s;
}
