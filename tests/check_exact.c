/* Exact sums of rationals (lib/exact.c).  The random cases are built so
 * that an independent answer fits in 128 bits: every W_k divides an lcm
 * below 2^80, and the library is also fed each term in a scaled form
 * A × (S m_k) / (W_k m_k) with large primes m_k, which leaves the values
 * unchanged but gives it a denominator of several limbs.  The random loops
 * test plainly and call Check only on a failure: Check records every
 * passing assertion, which would dominate their run time. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "exact.h"
#include "suites.h"
#include "testutil.h"

#define MAX_K 4
#define MAX_ROWS 16

/* Primes near 2^41: W_k m_k and S m_k still fit their types. */
static const int64_t scale_primes[MAX_K] = { INT64_C(2199023255579), INT64_C(2199024255559),
                                             INT64_C(2199025255573), INT64_C(2199026255581) };

/* Uniform-ish in [-bound, bound]. */
static int64_t rng_signed(test_rng *rng, int64_t bound)
{
    return (int64_t)(test_rng_next(rng) % (2 * (uint64_t)bound + 1)) - bound;
}

static skpi__i128 gcd128(skpi__i128 a, skpi__i128 b)
{
    while (b != 0) {
        skpi__i128 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static skpi__i128 floor_div(skpi__i128 a, skpi__i128 b)  /* b > 0 */
{
    skpi__i128 q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

static skpi__i128 half_even(skpi__i128 num, skpi__i128 den)  /* den > 0 */
{
    skpi__i128 q = floor_div(num, den);
    skpi__i128 twice_rem = 2 * (num - q * den);
    return (twice_rem > den || (twice_rem == den && q % 2 != 0)) ? q + 1 : q;
}

/* One money column: rows r of Σ_k amount[k] × s[k][r] / w[k]. */
typedef struct column {
    size_t k, rows;
    int64_t w[MAX_K];
    int64_t amount[MAX_K];
    int64_t s[MAX_K][MAX_ROWS];
} column;

/* The reference: each row as the integer N_r over the lcm L, then SPEC §4
 * by floors and a repeated search for the largest unused remainder. */
static void reference(const column *c, int64_t *rows_out, int64_t *total_out,
                      skpi__i128 *n_out, skpi__i128 *lcm_out)
{
    skpi__i128 lcm = 1;
    for (size_t k = 0; k < c->k; k++)
        lcm = lcm / gcd128(lcm, c->w[k]) * c->w[k];
    skpi__i128 total_n = 0, floors = 0, frac[MAX_ROWS];
    int taken[MAX_ROWS];
    for (size_t r = 0; r < c->rows; r++) {
        skpi__i128 n = 0;
        for (size_t k = 0; k < c->k; k++)
            n += (skpi__i128)c->amount[k] * c->s[k][r] * (lcm / c->w[k]);
        n_out[r] = n;
        total_n += n;
        skpi__i128 f = floor_div(n, lcm);
        rows_out[r] = (int64_t)f;
        frac[r] = n - f * lcm;
        floors += f;
        taken[r] = 0;
    }
    skpi__i128 total = half_even(total_n, lcm);
    for (; floors < total; floors++) {
        size_t best = c->rows;
        for (size_t r = 0; r < c->rows; r++)
            if (!taken[r] && (best == c->rows || frac[r] > frac[best]))
                best = r;
        taken[best] = 1;
        rows_out[best]++;
    }
    *total_out = (int64_t)total;
    *lcm_out = lcm;
}

/* Random column of one of three families: tiny denominators (many ties),
 * denominators in a common unit (one limb), unrelated ones (two limbs). */
static void random_column(column *c, int family, test_rng *rng)
{
    c->k = 1 + test_rng_next(rng) % MAX_K;
    c->rows = 1 + test_rng_next(rng) % MAX_ROWS;
    static const int64_t unit_divisors[] = { 1, 2, 3, 5, 7, 8, 11, 13, 16, 45, 720720 };
    int64_t s_bound = family == 0 ? 10 : INT64_C(1) << 18;
    for (size_t k = 0; k < c->k; k++) {
        if (family == 0)
            c->w[k] = 1 + (int64_t)(test_rng_next(rng) % 6);
        else if (family == 1)
            c->w[k] = unit_divisors[test_rng_next(rng) % 11];
        else
            c->w[k] = 1 + (int64_t)(test_rng_next(rng) % (1u << 20));
        c->amount[k] = family == 0 ? rng_signed(rng, 20)
                       : family == 1 ? rng_signed(rng, INT64_C(1) << 36)
                       : rng_signed(rng, INT64_C(1) << 18);
        for (size_t r = 0; r < c->rows; r++)
            c->s[k][r] = test_rng_next(rng) % 4 == 0 ? 0 : rng_signed(rng, s_bound);
    }
}

/* The set {W_k}, scaled or not (see the top of this file). */
static int column_denoms(const column *c, int scaled, skpi__denoms **d)
{
    int64_t w[MAX_K];
    for (size_t k = 0; k < c->k; k++)
        w[k] = scaled ? c->w[k] * scale_primes[k] : c->w[k];
    return skpi__denoms_new(d, w, c->k);
}

/* x = row r of the column, each term fed as A (S m_k) / (W_k m_k) when
 * scaled. */
static int column_row(const column *c, int scaled, size_t r, const skpi__denoms *d,
                      skpi__exact *x)
{
    int rc = skpi__exact_init(x, d);
    for (size_t k = 0; k < c->k && rc == SKPI_OK; k++) {
        skpi__i128 s = (skpi__i128)c->s[k][r] * (scaled ? scale_primes[k] : 1);
        rc = skpi__exact_add_term(x, d, k, c->amount[k], s);
    }
    return rc;
}

/* The library's SPEC §4 rounding of the column, or its first failure. */
static int library(const column *c, int scaled, int64_t *rows_out, int64_t *total_out)
{
    skpi__denoms *d;
    int rc = column_denoms(c, scaled, &d);
    if (rc != SKPI_OK)
        return rc;
    skpi__exact values[MAX_ROWS];
    memset(values, 0, sizeof values);
    for (size_t r = 0; r < c->rows && rc == SKPI_OK; r++)
        rc = column_row(c, scaled, r, d, &values[r]);
    if (rc == SKPI_OK)
        rc = skpi__exact_round_rows(values, c->rows, d, rows_out, total_out);
    for (size_t r = 0; r < c->rows; r++)
        skpi__exact_clear(&values[r]);
    skpi__denoms_free(d);
    return rc;
}

/* ---- Core ---------------------------------------------------------- */

START_TEST(rows_match_reference_on_random_columns)
{
    test_rng rng;
    test_rng_seed(&rng, 424242);
    for (int t = 0; t < 6000; t++) {
        column c;
        random_column(&c, t % 3, &rng);
        int64_t want[MAX_ROWS], want_total, got[MAX_ROWS], got_total;
        skpi__i128 n[MAX_ROWS], lcm;
        reference(&c, want, &want_total, n, &lcm);
        for (int scaled = 0; scaled <= 1; scaled++) {
            int rc = library(&c, scaled, got, &got_total);
            if (rc != SKPI_OK || got_total != want_total)
                ck_abort_msg("case %d scaled %d: rc %d", t, scaled, rc);
            int64_t sum = 0;
            for (size_t r = 0; r < c.rows; r++) {
                if (got[r] != want[r])
                    ck_abort_msg("case %d scaled %d row %zu", t, scaled, r);
                sum += got[r];
            }
            if (sum != got_total)
                ck_abort_msg("case %d scaled %d: rows do not sum to the total", t, scaled);
        }
    }
}
END_TEST

START_TEST(single_values_round_and_divide_like_reference)
{
    test_rng rng;
    test_rng_seed(&rng, 5150);
    for (int t = 0; t < 6000; t++) {
        column c;
        random_column(&c, t % 3, &rng);
        c.rows = 1;
        int64_t rows[1], total;
        skpi__i128 n[1], lcm;
        reference(&c, rows, &total, n, &lcm);
        int scaled = (t / 3) % 2;
        int64_t divisor = 1 + (int64_t)(test_rng_next(&rng) % (t % 2 ? 4 : 100000));
        skpi__denoms *d;
        skpi__exact x;
        int64_t rounded = 0, divided = 0;
        int rc = column_denoms(&c, scaled, &d);
        if (rc != SKPI_OK)
            ck_abort_msg("case %d: denoms rc %d", t, rc);
        rc = column_row(&c, scaled, 0, d, &x);
        if (rc == SKPI_OK)
            rc = skpi__exact_round(&x, d, &rounded);
        if (rc == SKPI_OK)
            rc = skpi__exact_div_round(&x, d, divisor, &divided);
        skpi__exact_clear(&x);
        skpi__denoms_free(d);
        if (rc != SKPI_OK || rounded != half_even(n[0], lcm)
            || divided != half_even(n[0], lcm * divisor))
            ck_abort_msg("case %d: rc %d", t, rc);
    }
}
END_TEST

START_TEST(spec_worked_example)
{
    /* $50,000 shared over 1,000 handle seconds, all in one row, then CPR over
     * 1,000 resolved chains. */
    const int64_t w[] = { 1000 };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, w, 1), SKPI_OK);
    skpi__exact x;
    ck_assert_int_eq(skpi__exact_init(&x, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, 5000000, 1000), SKPI_OK);
    int64_t cost, cpr;
    ck_assert_int_eq(skpi__exact_round(&x, d, &cost), SKPI_OK);
    ck_assert_int_eq(cost, 5000000);
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 1000, &cpr), SKPI_OK);
    ck_assert_int_eq(cpr, 5000);
    skpi__exact_clear(&x);
    skpi__denoms_free(d);
}
END_TEST

/* Rows given as n_r / w over one denominator: SPEC §4's rounding by hand. */
static void check_rows(int64_t w, const int64_t *n, size_t rows, const int64_t *want,
                       int64_t want_total)
{
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, &w, 1), SKPI_OK);
    skpi__exact values[MAX_ROWS];
    for (size_t r = 0; r < rows; r++) {
        ck_assert_int_eq(skpi__exact_init(&values[r], d), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&values[r], d, 0, n[r], 1), SKPI_OK);
    }
    int64_t got[MAX_ROWS], total;
    ck_assert_int_eq(skpi__exact_round_rows(values, rows, d, got, &total), SKPI_OK);
    ck_assert_int_eq(total, want_total);
    for (size_t r = 0; r < rows; r++) {
        ck_assert_int_eq(got[r], want[r]);
        skpi__exact_clear(&values[r]);
    }
    skpi__denoms_free(d);
}

START_TEST(rows_ties_go_to_the_earlier_row)
{
    /* 1/2 + 1/2 + 1/2 = 1.5 → 2: the first two rows take the units. */
    check_rows(2, (const int64_t[]){ 1, 1, 1 }, 3, (const int64_t[]){ 1, 1, 0 }, 2);
    /* 1/4, 3/4, 2/4: total 1.5 → 2, to the largest fractions. */
    check_rows(4, (const int64_t[]){ 1, 3, 2 }, 3, (const int64_t[]){ 0, 1, 1 }, 2);
    /* 5/4 + 5/4 = 2.5 → 2 (even): no unit left over. */
    check_rows(4, (const int64_t[]){ 5, 5 }, 2, (const int64_t[]){ 1, 1 }, 2);
    /* 7/4 + 7/4 = 3.5 → 4: both get one. */
    check_rows(4, (const int64_t[]){ 7, 7 }, 2, (const int64_t[]){ 2, 2 }, 4);
    /* Negative: -1/2 - 1/2 = -1; floors -1, -1; the earlier row gets the unit. */
    check_rows(2, (const int64_t[]){ -1, -1 }, 2, (const int64_t[]){ 0, -1 }, -1);
    /* -3/2 alone: total -1.5 → -2 (even) = its floor. */
    check_rows(2, (const int64_t[]){ -3 }, 1, (const int64_t[]){ -2 }, -2);
    /* Whole rows are kept as they are. */
    check_rows(3, (const int64_t[]){ 3, -6, 0 }, 3, (const int64_t[]){ 1, -2, 0 }, -1);
    /* No rows: a total of 0. */
    check_rows(3, NULL, 0, NULL, 0);
}
END_TEST

START_TEST(sums_of_values_are_exact)
{
    const int64_t w[] = { 3, 7, 720720 };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, w, 3), SKPI_OK);
    skpi__exact a, b, both;
    ck_assert_int_eq(skpi__exact_init(&a, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_init(&b, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_init(&both, d), SKPI_OK);
    /* a = 2/3, b = 1/3 + 5/7 - 5/7: a + b = 1 exactly. */
    ck_assert_int_eq(skpi__exact_add_term(&a, d, 0, 2, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&b, d, 0, 1, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&b, d, 1, 5, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&b, d, 1, -5, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add(&both, &a, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add(&both, &b, d), SKPI_OK);
    ck_assert(both.whole == 1);
    int64_t out;
    ck_assert_int_eq(skpi__exact_div_round(&both, d, 2, &out), SKPI_OK);
    ck_assert_int_eq(out, 0);  /* 1/2 → 0 (even) */
    ck_assert_int_eq(skpi__exact_add_term(&both, d, 2, 1, 720720), SKPI_OK);
    ck_assert_int_eq(skpi__exact_div_round(&both, d, 2, &out), SKPI_OK);
    ck_assert_int_eq(out, 1);  /* 2/2 */
    ck_assert_int_eq(skpi__exact_add_term(&both, d, 2, 1, 720720), SKPI_OK);
    ck_assert_int_eq(skpi__exact_div_round(&both, d, 2, &out), SKPI_OK);
    ck_assert_int_eq(out, 2);  /* 3/2 → 2 (even) */
    /* Without any denominator the value is an integer. */
    skpi__denoms *none;
    ck_assert_int_eq(skpi__denoms_new(&none, NULL, 0), SKPI_OK);
    skpi__exact z;
    ck_assert_int_eq(skpi__exact_init(&z, none), SKPI_OK);
    ck_assert_int_eq(skpi__exact_round(&z, none, &out), SKPI_OK);
    ck_assert_int_eq(out, 0);
    skpi__exact_clear(&z);
    skpi__exact_clear(&z);  /* twice is harmless */
    skpi__denoms_free(none);
    skpi__exact_clear(&a);
    skpi__exact_clear(&b);
    skpi__exact_clear(&both);
    skpi__denoms_free(d);
    skpi__denoms_free(NULL);
}
END_TEST

/* ---- Limits -------------------------------------------------------- */

START_TEST(weight_sums_beyond_64_bits_are_refused)
{
    const int64_t w[] = { 1 };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, w, 1), SKPI_OK);
    skpi__exact x;
    ck_assert_int_eq(skpi__exact_init(&x, d), SKPI_OK);
    const skpi__i128 two64 = (skpi__i128)1 << 64;
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, 1, two64), SKPI_ERANGE);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, 1, -two64), SKPI_ERANGE);
    ck_assert(x.whole == 0);
    /* The largest product: INT64_MIN × -(2^64 - 1) = 2^127 - 2^63. */
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, INT64_MIN, -(two64 - 1)), SKPI_OK);
    ck_assert(x.whole == (skpi__i128)(((skpi__u128)1 << 127) - ((skpi__u128)1 << 63)));
    int64_t out = 6;
    ck_assert_int_eq(skpi__exact_round(&x, d, &out), SKPI_ERANGE);
    ck_assert_int_eq(out, 6);
    /* One more such term would leave 128 bits: refused, x unchanged. */
    skpi__i128 before = x.whole;
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, INT64_MIN, -(two64 - 1)), SKPI_ERANGE);
    ck_assert(x.whole == before);
    ck_assert_int_eq(skpi__exact_add(&x, &x, d), SKPI_ERANGE);
    ck_assert(x.whole == before);
    skpi__exact_clear(&x);
    skpi__denoms_free(d);
}
END_TEST

START_TEST(results_beyond_int64_are_refused)
{
    const int64_t w[] = { 2 };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, w, 1), SKPI_OK);
    skpi__exact rows[2];
    ck_assert_int_eq(skpi__exact_init(&rows[0], d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_init(&rows[1], d), SKPI_OK);
    /* rows[0] = INT64_MAX / 2 (a half-integer), rows[1] = INT64_MAX: each
     * fits, their total does not. */
    ck_assert_int_eq(skpi__exact_add_term(&rows[0], d, 0, INT64_MAX, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&rows[1], d, 0, INT64_MAX, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&rows[1], d, 0, INT64_MAX, 1), SKPI_OK);
    int64_t out[2] = { 3, 3 }, total = 3;
    ck_assert_int_eq(skpi__exact_round_rows(rows, 2, d, out, &total), SKPI_ERANGE);
    ck_assert(out[0] == 3 && out[1] == 3 && total == 3);
    /* A single row at exactly INT64_MAX is fine. */
    ck_assert_int_eq(skpi__exact_round_rows(&rows[1], 1, d, out, &total), SKPI_OK);
    ck_assert(out[0] == INT64_MAX && total == INT64_MAX);
    /* 2^62 - 1/2 rounds to the even 2^62. */
    ck_assert_int_eq(skpi__exact_round(&rows[0], d, &total), SKPI_OK);
    ck_assert(total == INT64_C(4611686018427387904));
    /* Negative extreme: -2^63 fits, one less does not. */
    skpi__exact low;
    ck_assert_int_eq(skpi__exact_init(&low, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&low, d, 0, INT64_MIN, 2), SKPI_OK);
    ck_assert_int_eq(skpi__exact_round_rows(&low, 1, d, out, &total), SKPI_OK);
    ck_assert(out[0] == INT64_MIN && total == INT64_MIN);
    ck_assert_int_eq(skpi__exact_add_term(&low, d, 0, -1, 1), SKPI_OK);  /* -2^63 - 1/2 */
    ck_assert_int_eq(skpi__exact_round(&low, d, &total), SKPI_OK);  /* → -2^63 (even) */
    ck_assert(total == INT64_MIN);
    ck_assert_int_eq(skpi__exact_round_rows(&low, 1, d, out, &total), SKPI_OK);
    ck_assert(out[0] == INT64_MIN && total == INT64_MIN);  /* floor -2^63-1, plus the unit */
    ck_assert_int_eq(skpi__exact_add_term(&low, d, 0, -1, 1), SKPI_OK);  /* -2^63 - 1 */
    ck_assert_int_eq(skpi__exact_round(&low, d, &total), SKPI_ERANGE);
    skpi__exact_clear(&low);
    skpi__exact_clear(&rows[0]);
    skpi__exact_clear(&rows[1]);
    skpi__denoms_free(d);
}
END_TEST

START_TEST(many_large_denominators)
{
    /* Twelve primes near 2^62: D has twelve limbs. */
    static const int64_t p[12] = {
        INT64_C(4611686018427388039), INT64_C(4611686019427387913), INT64_C(4611686020427387939),
        INT64_C(4611686021427387907), INT64_C(4611686022427387907), INT64_C(4611686023427388019),
        INT64_C(4611686024427387947), INT64_C(4611686025427387909), INT64_C(4611686026427388001),
        INT64_C(4611686027427387991), INT64_C(4611686028427387909), INT64_C(4611686029427387917),
    };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, p, 12), SKPI_OK);
    skpi__exact x;
    ck_assert_int_eq(skpi__exact_init(&x, d), SKPI_OK);
    /* Σ_k (p_k - 1) / p_k = 12 - Σ 1/p_k: just below 12. */
    for (size_t k = 0; k < 12; k++)
        ck_assert_int_eq(skpi__exact_add_term(&x, d, k, 1, p[k] - 1), SKPI_OK);
    ck_assert(x.whole == 11);
    /* Adding 1/p_k back for every k makes it exactly 12. */
    for (size_t k = 0; k < 12; k++)
        ck_assert_int_eq(skpi__exact_add_term(&x, d, k, 1, 1), SKPI_OK);
    ck_assert(x.whole == 12);
    int64_t out;
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 24, &out), SKPI_OK);
    ck_assert_int_eq(out, 0);  /* 1/2 → 0 */
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 8, &out), SKPI_OK);
    ck_assert_int_eq(out, 2);  /* 1.5 → 2 */
    /* A hair above and below 12/24, then exactly 36/24. */
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 5, 1, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 24, &out), SKPI_OK);
    ck_assert_int_eq(out, 1);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 5, -2, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 24, &out), SKPI_OK);
    ck_assert_int_eq(out, 0);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 5, 1, 1), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, 24, p[0]), SKPI_OK);  /* + 24 */
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 24, &out), SKPI_OK);
    ck_assert_int_eq(out, 2);  /* 36/24 = 1.5 → 2 */
    skpi__exact_clear(&x);
    skpi__denoms_free(d);
}
END_TEST

/* Fractions chosen (by the Chinese remainder theorem, offline) so that
 * F1 + F2 = D + 2^128 - 1, whose limbs are D's with the lowest one less and
 * the top one more: taking D back out must borrow through an equal limb. */
START_TEST(carry_borrows_through_an_equal_limb)
{
    static const int64_t p[3] = { INT64_C(4611686018427388039), INT64_C(4611686019427387913),
                                  INT64_C(4611686020427387939) };
    static const int64_t r1[3] = { INT64_C(2723587912313240012), INT64_C(3873980386793351327),
                                   INT64_C(319960729513287044) };
    static const int64_t r2[3] = { INT64_C(45081739145738304), INT64_C(165813575431226248),
                                   INT64_C(2094947695581223258) };
    skpi__denoms *d;
    ck_assert_int_eq(skpi__denoms_new(&d, p, 3), SKPI_OK);
    skpi__exact x, y, z;
    ck_assert_int_eq(skpi__exact_init(&x, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_init(&y, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_init(&z, d), SKPI_OK);
    for (size_t k = 0; k < 3; k++) {
        ck_assert_int_eq(skpi__exact_add_term(&x, d, k, r1[k], 1), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&y, d, k, r2[k], 1), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&z, d, k, r1[k], 1), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&z, d, k, r2[k], 1), SKPI_OK);
    }
    ck_assert(x.whole == 1 && y.whole == 0);
    ck_assert_int_eq(skpi__exact_add(&x, &y, d), SKPI_OK);
    const skpi__exact *sums[2] = { &x, &z };
    for (int i = 0; i < 2; i++) {
        ck_assert(sums[i]->whole == 2);
        ck_assert(sums[i]->big[0] == UINT64_MAX && sums[i]->big[1] == UINT64_MAX);
        ck_assert(sums[i]->big[2] == 0);
    }
    skpi__exact_clear(&x);
    skpi__exact_clear(&y);
    skpi__exact_clear(&z);
    skpi__denoms_free(d);
}
END_TEST

/* ---- Errors -------------------------------------------------------- */

START_TEST(bad_arguments_are_refused)
{
    skpi__denoms *d = (skpi__denoms *)&d;  /* any non-NULL: must be reset */
    const int64_t zero[] = { 5, 0 };
    ck_assert_int_eq(skpi__denoms_new(&d, zero, 2), SKPI_EINVAL);
    ck_assert_ptr_null(d);
    const int64_t negative[] = { -5 };
    ck_assert_int_eq(skpi__denoms_new(&d, negative, 1), SKPI_EINVAL);
    ck_assert_ptr_null(d);
    const int64_t w[] = { 4 };
    ck_assert_int_eq(skpi__denoms_new(&d, w, 1), SKPI_OK);
    skpi__exact x;
    ck_assert_int_eq(skpi__exact_init(&x, d), SKPI_OK);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 1, 5, 5), SKPI_EINVAL);
    ck_assert_int_eq(skpi__exact_add_term(&x, d, 0, 5, 1), SKPI_OK);
    int64_t out = 9;
    ck_assert_int_eq(skpi__exact_div_round(&x, d, 0, &out), SKPI_ABSENT);
    ck_assert_int_eq(skpi__exact_div_round(&x, d, -1, &out), SKPI_EINVAL);
    ck_assert_int_eq(out, 9);
    skpi__exact_clear(&x);
    skpi__denoms_free(d);
}
END_TEST

/* Everything the breakdown does, over a twelve-limb D (so values allocate)
 * with a leftover unit (so the rows are ranked). */
static int pipeline(int64_t *rows_out, int64_t *total_out)
{
    static const int64_t p[12] = {
        INT64_C(4611686018427388039), INT64_C(4611686019427387913), INT64_C(4611686020427387939),
        INT64_C(4611686021427387907), INT64_C(4611686022427387907), INT64_C(4611686023427388019),
        INT64_C(4611686024427387947), INT64_C(4611686025427387909), INT64_C(4611686026427388001),
        INT64_C(4611686027427387991), INT64_C(4611686028427387909), INT64_C(4611686029427387917),
    };
    skpi__denoms *d;
    int rc = skpi__denoms_new(&d, p, 12);
    if (rc != SKPI_OK)
        return rc;
    skpi__exact rows[3];
    memset(rows, 0, sizeof rows);
    for (size_t r = 0; r < 3 && rc == SKPI_OK; r++)
        rc = skpi__exact_init(&rows[r], d);
    if (rc == SKPI_OK) {
        /* 5 - 5/p0, 3.5 - 3.5/p1, 1/p2: total 8.5 - a hair → 8. */
        ck_assert_int_eq(skpi__exact_add_term(&rows[0], d, 0, 10, (p[0] - 1) / 2), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&rows[1], d, 1, 7, (p[1] - 1) / 2), SKPI_OK);
        ck_assert_int_eq(skpi__exact_add_term(&rows[2], d, 2, 1, 1), SKPI_OK);
        rc = skpi__exact_round_rows(rows, 3, d, rows_out, total_out);
    }
    for (size_t r = 0; r < 3; r++)
        skpi__exact_clear(&rows[r]);
    skpi__denoms_free(d);
    return rc;
}

START_TEST(allocation_failures_are_clean)
{
    for (long fail = 0;; fail++) {
        int64_t rows[3] = { -1, -1, -1 }, total = -1;
        test_alloc_install(fail);
        int rc = pipeline(rows, &total);
        long live = test_alloc_live();
        int refused = test_alloc_failed();
        test_alloc_restore();
        ck_assert_int_eq(live, 0);
        if (!refused) {
            ck_assert_int_eq(rc, SKPI_OK);
            ck_assert(rows[0] == 5 && rows[1] == 3 && rows[2] == 0 && total == 8);
            ck_assert_int_ge(fail, 5);  /* denoms, three values, sum, ranking */
            break;
        }
        ck_assert_int_eq(rc, SKPI_ENOMEM);
        ck_assert(rows[0] == -1 && rows[1] == -1 && rows[2] == -1 && total == -1);
    }
}
END_TEST

Suite *make_exact_suite(void)
{
    Suite *s = suite_create("exact");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, rows_match_reference_on_random_columns);
    tcase_add_test(core, single_values_round_and_divide_like_reference);
    tcase_add_test(core, spec_worked_example);
    tcase_add_test(core, rows_ties_go_to_the_earlier_row);
    tcase_add_test(core, sums_of_values_are_exact);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, weight_sums_beyond_64_bits_are_refused);
    tcase_add_test(limits, results_beyond_int64_are_refused);
    tcase_add_test(limits, many_large_denominators);
    tcase_add_test(limits, carry_borrows_through_an_equal_limb);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_test(errors, bad_arguments_are_refused);
    tcase_add_test(errors, allocation_failures_are_clean);
    suite_add_tcase(s, errors);
    return s;
}
