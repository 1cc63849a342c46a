/* Money arithmetic: the checked helpers of money.h and the pure public
 * functions of supportkpi/money.h.  Everything is integer: quotients are
 * rounded once, half to even, from exact 128-bit intermediates. */
#include "money.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "status.h"
#include "supportkpi/money.h"

int64_t skpi_nanos_per_unit(void)
{
    return SKPI_NANOS_PER_UNIT;
}

/* |a| as an unsigned value: exact even for the most negative a. */
static skpi__u128 magnitude(skpi__i128 a)
{
    return a < 0 ? -(skpi__u128)a : (skpi__u128)a;
}

/* The signed int64 with magnitude mag and the given sign, if there is one. */
static int to_int64(skpi__u128 mag, int negative, int64_t *out)
{
    if (negative) {
        if (mag > (skpi__u128)INT64_MAX + 1)
            return SKPI_ERANGE;
        *out = mag == 0 ? 0 : (int64_t)(-(skpi__i128)mag);
        return SKPI_OK;
    }
    if (mag > INT64_MAX)
        return SKPI_ERANGE;
    *out = (int64_t)mag;
    return SKPI_OK;
}

/* Rounding half to even is symmetric under negation, so it is done on
 * magnitudes (where every quotient and remainder is representable) and the
 * sign is applied last. */
int skpi__div_half_even(skpi__i128 num, skpi__i128 den, int64_t *out)
{
    skpi__u128 n = magnitude(num), d = magnitude(den);
    skpi__u128 q = n / d, r = n % d;
    /* r > d - r rather than 2r > d: 2r can overflow. */
    if (r > d - r || (r == d - r && (q & 1)))
        q++;
    return to_int64(q, (num < 0) != (den < 0), out);
}

skpi__i128 skpi__floor_div128(skpi__i128 a, skpi__i128 b)
{
    skpi__i128 q = a / b;
    if (a % b != 0 && (a < 0) != (b < 0))
        q--;
    return q;
}

skpi__i128 skpi__floor_mod128(skpi__i128 a, skpi__i128 b)
{
    skpi__i128 r = a % b;
    if (r != 0 && (r < 0) != (b < 0))
        r += b;
    return r;
}

uint64_t skpi__gcd_u64(uint64_t a, uint64_t b)
{
    while (b != 0) {
        uint64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

int skpi__add64(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_add_overflow(a, b, &r))
        return SKPI_ERANGE;
    *out = r;
    return SKPI_OK;
}

int skpi__sub64(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_sub_overflow(a, b, &r))
        return SKPI_ERANGE;
    *out = r;
    return SKPI_OK;
}

int skpi__mul64(int64_t a, int64_t b, int64_t *out)
{
    int64_t r;
    if (__builtin_mul_overflow(a, b, &r))
        return SKPI_ERANGE;
    *out = r;
    return SKPI_OK;
}

int skpi__ratio_nanos(int64_t num, int64_t den, int64_t *nanos)
{
    if (den == 0)
        return SKPI_ABSENT;
    /* |num| × 10^9 < 2^93: exact in 128 bits. */
    return skpi__div_half_even((skpi__i128)num * SKPI_NANOS_PER_UNIT, den, nanos);
}

int skpi_cost_per(int64_t cost, int64_t count, int64_t *out, skpi_error *err)
{
    if (!out)
        return skpi__fail(err, SKPI_EINVAL, "out is NULL");
    if (count < 0)
        return skpi__fail(err, SKPI_EINVAL, "count is negative (%lld)", (long long)count);
    if (count == 0)
        return skpi__succeed(err, SKPI_ABSENT);
    /* With count >= 1 the quotient is no larger than cost: it always fits. */
    int rc = skpi__div_half_even(cost, count, out);
    return skpi__succeed(err, rc);
}

int skpi_cpr(int64_t cost, int64_t resolved_chains, int64_t *out, skpi_error *err)
{
    return skpi_cost_per(cost, resolved_chains, out, err);
}

int skpi_cpt(int64_t cost, int64_t closed_contacts, int64_t *out, skpi_error *err)
{
    return skpi_cost_per(cost, closed_contacts, out, err);
}

int skpi_cost_per_exact(int64_t cost, int64_t count, int64_t *numerator,
                        int64_t *denominator, skpi_error *err)
{
    if (!numerator || !denominator)
        return skpi__fail(err, SKPI_EINVAL, "numerator or denominator is NULL");
    if (count < 0)
        return skpi__fail(err, SKPI_EINVAL, "count is negative (%lld)", (long long)count);
    if (count == 0)
        return skpi__succeed(err, SKPI_ABSENT);
    /* gcd(0, count) = count gives 0/1.  g <= count, so it fits int64 and
     * cost / g cannot be the overflowing INT64_MIN / -1. */
    int64_t g = (int64_t)skpi__gcd_u64((uint64_t)magnitude(cost), (uint64_t)count);
    *numerator = cost / g;
    *denominator = count / g;
    return skpi__succeed(err, SKPI_OK);
}

/* One share's remainder, ranked by skpi_apportion(). */
typedef struct remainder {
    int64_t rem;
    size_t index;
} remainder;

/* Largest remainder first; ties to the earlier index. */
static int by_remainder(const void *a, const void *b)
{
    const remainder *x = a, *y = b;
    if (x->rem != y->rem)
        return x->rem < y->rem ? 1 : -1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The weights' sum; SKPI_EINVAL naming a negative weight, SKPI_ERANGE. */
static int weight_total(const int64_t *weights, size_t n, int64_t *total, skpi_error *err)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (weights[i] < 0)
            return skpi__fail(err, SKPI_EINVAL, "weights[%zu] is negative (%lld)", i,
                              (long long)weights[i]);
        if (skpi__add64(sum, weights[i], &sum) != SKPI_OK)
            return skpi__fail(err, SKPI_ERANGE,
                              "the sum of the weights overflows int64 at weights[%zu]", i);
    }
    *total = sum;
    return SKPI_OK;
}

/* The shares, once the weights are known valid with total W > 0.  amount
 * and the weights are below 2^63, so amount × w_i < 2^126 is exact; each
 * floor is at most amount, and the leftover is below n. */
static int apportion_valid(int64_t amount, const int64_t *weights, size_t n, int64_t W,
                           int64_t *out, skpi_error *err)
{
    int64_t floors_sum = 0;
    for (size_t i = 0; i < n; i++)
        floors_sum += (int64_t)((skpi__i128)amount * weights[i] / W);
    int64_t leftover = amount - floors_sum;
    /* out is written only once nothing can fail, so the floors are
     * computed again below rather than kept. */
    remainder *ranked = NULL;
    if (leftover > 0) {
        ranked = skpi__calloc(n, sizeof *ranked);
        if (!ranked)
            return skpi__fail(err, SKPI_ENOMEM, "out of memory ranking %zu remainders", n);
        for (size_t i = 0; i < n; i++) {
            ranked[i].rem = (int64_t)((skpi__i128)amount * weights[i] % W);
            ranked[i].index = i;
        }
        qsort(ranked, n, sizeof *ranked, by_remainder);
    }
    for (size_t i = 0; i < n; i++)
        out[i] = (int64_t)((skpi__i128)amount * weights[i] / W);
    for (int64_t j = 0; j < leftover; j++)
        out[ranked[j].index]++;
    skpi__free(ranked);
    return skpi__succeed(err, SKPI_OK);
}

int skpi_apportion(int64_t amount, const int64_t *weights, size_t n, int64_t *out,
                   skpi_error *err)
{
    if (n > 0 && (!weights || !out))
        return skpi__fail(err, SKPI_EINVAL, "weights or out is NULL");
    if (amount < 0)
        return skpi__fail(err, SKPI_EINVAL, "amount is negative (%lld)", (long long)amount);
    int64_t W = 0;
    int rc = weight_total(weights, n, &W, err);
    if (rc != SKPI_OK)
        return rc;
    if (W == 0) {
        for (size_t i = 0; i < n; i++)
            out[i] = 0;
        return skpi__succeed(err, SKPI_ABSENT);
    }
    return apportion_valid(amount, weights, n, W, out, err);
}

/* weights[i] = handle_seconds[i] × rate_per_hour[tier[i]], checked. */
static int tier_weights(const int64_t *handle_seconds, const int64_t *tier, size_t n,
                        const int64_t *rate_per_hour, size_t rate_count, int64_t *weights,
                        skpi_error *err)
{
    for (size_t i = 0; i < n; i++) {
        if (handle_seconds[i] < 0)
            return skpi__fail(err, SKPI_EINVAL, "handle_seconds[%zu] is negative (%lld)", i,
                              (long long)handle_seconds[i]);
        if (tier[i] < 0 || (uint64_t)tier[i] >= rate_count || rate_per_hour[tier[i]] < 0)
            return skpi__fail(err, SKPI_ENOTFOUND, "no rate for tier %lld (tier[%zu])",
                              (long long)tier[i], i);
        if (skpi__mul64(handle_seconds[i], rate_per_hour[tier[i]], &weights[i]) != SKPI_OK)
            return skpi__fail(err, SKPI_ERANGE, "handle_seconds[%zu] * rate overflows int64", i);
    }
    return SKPI_OK;
}

int skpi_apportion_by_tier(int64_t direct_labor, const int64_t *handle_seconds,
                           const int64_t *tier, size_t n, const int64_t *rate_per_hour,
                           size_t rate_count, int64_t *out, skpi_error *err)
{
    if (n > 0 && (!handle_seconds || !tier || !out || (rate_count > 0 && !rate_per_hour)))
        return skpi__fail(err, SKPI_EINVAL, "an input or output array is NULL");
    if (direct_labor < 0)
        return skpi__fail(err, SKPI_EINVAL, "direct_labor is negative (%lld)",
                          (long long)direct_labor);
    if (n == 0)
        return skpi__succeed(err, SKPI_ABSENT);
    int64_t *weights = skpi__calloc(n, sizeof *weights);
    if (!weights)
        return skpi__fail(err, SKPI_ENOMEM, "out of memory for %zu weights", n);
    int rc = tier_weights(handle_seconds, tier, n, rate_per_hour, rate_count, weights, err);
    if (rc == SKPI_OK)
        rc = skpi_apportion(direct_labor, weights, n, out, err);
    skpi__free(weights);
    return rc;
}

int skpi_cost_per_segments(const int64_t *cost, const int64_t *count, size_t n, int64_t *out,
                           unsigned char *present, skpi_error *err)
{
    if (n > 0 && (!cost || !count || !out || !present))
        return skpi__fail(err, SKPI_EINVAL, "an input or output array is NULL");
    for (size_t i = 0; i < n; i++)
        if (count[i] < 0)
            return skpi__fail(err, SKPI_EINVAL, "count[%zu] is negative (%lld)", i,
                              (long long)count[i]);
    for (size_t i = 0; i < n; i++) {
        out[i] = 0;
        present[i] = skpi_cost_per(cost[i], count[i], &out[i], NULL) == SKPI_OK;
    }
    return skpi__succeed(err, SKPI_OK);
}

static int ascending(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int skpi_percentile(const int64_t *values, size_t n, int64_t p_num, int64_t p_den,
                    int64_t *out, skpi_error *err)
{
    if (!out || (n > 0 && !values))
        return skpi__fail(err, SKPI_EINVAL, "values or out is NULL");
    if (p_den <= 0 || p_num < 0 || p_num > p_den)
        return skpi__fail(err, SKPI_EINVAL, "p = %lld/%lld is not in [0, 1]",
                          (long long)p_num, (long long)p_den);
    if (n == 0)
        return skpi__succeed(err, SKPI_ABSENT);
    /* rank = ceil(p_num × n / p_den), exact: p_num × n < 2^127. */
    skpi__i128 rank = -skpi__floor_div128(-(skpi__i128)p_num * (skpi__i128)n, p_den);
    if (rank < 1)
        rank = 1;
    int64_t *sorted = skpi__calloc(n, sizeof *sorted);
    if (!sorted)
        return skpi__fail(err, SKPI_ENOMEM, "out of memory sorting %zu values", n);
    memcpy(sorted, values, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, ascending);
    *out = sorted[(size_t)rank - 1];
    skpi__free(sorted);
    return skpi__succeed(err, SKPI_OK);
}

int skpi_median(const int64_t *values, size_t n, int64_t *out, skpi_error *err)
{
    return skpi_percentile(values, n, 1, 2, out, err);
}

int skpi_ratio_nanos(int64_t num, int64_t den, int64_t *nanos, skpi_error *err)
{
    if (!nanos)
        return skpi__fail(err, SKPI_EINVAL, "nanos is NULL");
    int rc = skpi__ratio_nanos(num, den, nanos);
    if (rc == SKPI_ERANGE)
        return skpi__fail(err, rc, "%lld/%lld * 10^9 does not fit int64", (long long)num,
                          (long long)den);
    return skpi__succeed(err, rc);
}
