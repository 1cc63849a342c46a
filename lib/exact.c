/* Exact sums of rationals over a fixed set of denominators.
 *
 * Representation.  Let D = lcm(W_0, ..., W_{K-1}) and m_k = D / W_k.  Every
 * value held here is a multiple of 1/D, kept as  V = whole + frac / D  with
 * whole = floor(V) (128 bits) and 0 <= frac < D (a natural number with as
 * many 64-bit limbs as D).
 *
 * Adding a term A × S / W_k.  p = A × S is exact in 128 bits when
 * |S| < 2^64, as |A| <= 2^63.  Floor division gives p = q W_k + r with
 * 0 <= r < W_k, so the term is q + r m_k / D with 0 <= r m_k < D.  Then
 * whole += q and frac += r m_k; the new frac is below 2D, so at most one D
 * carries into whole.  Negative terms need nothing more: floor division
 * keeps r, and so frac, non-negative.  Adding two values carries the same
 * way.
 *
 * Rounding x / c half to even (c >= 1; c = 1 rounds x).  With
 * whole = q c + r, 0 <= r < c:  x / c = q + (r + frac / D) / c, whose
 * fractional part (r + frac / D) / c lies in [0, 1).  It is above, at or
 * below 1/2 as 2r + 2 frac / D is above, at or below c.  Write
 * 2 frac = e D + f with e in {0, 1} and 0 <= f < D: the integer 2r + e
 * against c decides, except when they are equal, where f = 0 is the exact
 * tie (round to even) and f > 0 rounds up.  f = 0 exactly when 2 frac = D
 * or frac = 0.  So only the comparison of 2 frac with D is needed: no
 * bignum division and no allocation.
 *
 * SPEC §4's rows.  The total T = Σ V_r is accumulated as above and rounded
 * half to even.  Row r gets whole_r = floor(V_r); the leftover
 * L = round(T) - Σ whole_r = round(Σ frac_r / D) lies in [0, n] and is at
 * most the number of rows with frac_r > 0.  It goes one unit each to the L
 * rows with the largest frac_r (all over the same D, so fractions compare
 * as natural numbers), ties to the earlier row.
 *
 * Cost.  D has fewer limbs than K + 1, and far fewer when the W_k share
 * factors: when every W_k divides the largest (one entry, or weights in a
 * common unit) D is that largest and everything is one limb.  A term costs
 * O(limbs of D); the set stores the K multipliers m_k; values of up to
 * SKPI__EXACT_SMALL limbs allocate nothing. */
#include "exact.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "supportkpi/common.h"

struct skpi__denoms {
    size_t k;        /* number of denominators */
    size_t limbs;    /* limbs of D, and of every fraction over it */
    int64_t *w;      /* the W_k, copied */
    uint64_t *lcm;   /* D */
    uint64_t *mult;  /* k rows of `limbs` limbs: m_k = D / W_k */
};

/* Natural numbers as little-endian arrays of n 64-bit limbs. */

/* a mod m, for m > 0. */
static uint64_t mod_small(const uint64_t *a, size_t n, uint64_t m)
{
    skpi__u128 r = 0;
    for (size_t i = n; i-- > 0;)
        r = ((r << 64) | a[i]) % m;
    return (uint64_t)r;
}

/* q = a / m, for m > 0 dividing a. */
static void div_small(uint64_t *q, const uint64_t *a, size_t n, uint64_t m)
{
    skpi__u128 r = 0;
    for (size_t i = n; i-- > 0;) {
        skpi__u128 cur = (r << 64) | a[i];
        q[i] = (uint64_t)(cur / m);
        r = cur % m;
    }
}

/* a *= f; returns the limb carried out of the top. */
static uint64_t mul_small(uint64_t *a, size_t n, uint64_t f)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < n; i++) {
        skpi__u128 t = (skpi__u128)a[i] * f + carry;
        a[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry;
}

/* acc += a × f; returns the carry out of the top.  (2^64 - 1)^2 plus two
 * limbs is exactly 2^128 - 1, so a limb's sum never overflows. */
static uint64_t muladd_small(uint64_t *acc, const uint64_t *a, size_t n, uint64_t f)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < n; i++) {
        skpi__u128 t = (skpi__u128)a[i] * f + acc[i] + carry;
        acc[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry;
}

/* acc += a; returns the carry out of the top. */
static uint64_t add_n(uint64_t *acc, const uint64_t *a, size_t n)
{
    uint64_t carry = 0;
    for (size_t i = 0; i < n; i++) {
        skpi__u128 t = (skpi__u128)acc[i] + a[i] + carry;
        acc[i] = (uint64_t)t;
        carry = (uint64_t)(t >> 64);
    }
    return carry;
}

/* acc -= a, modulo 2^(64n). */
static void sub_n(uint64_t *acc, const uint64_t *a, size_t n)
{
    uint64_t borrow = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t t = acc[i] - a[i] - borrow;
        borrow = acc[i] < a[i] || (acc[i] == a[i] && borrow);
        acc[i] = t;
    }
}

/* Sign of a - b. */
static int cmp_n(const uint64_t *a, const uint64_t *b, size_t n)
{
    for (size_t i = n; i-- > 0;)
        if (a[i] != b[i])
            return a[i] > b[i] ? 1 : -1;
    return 0;
}

/* Sign of 2a - b. */
static int cmp_twice(const uint64_t *a, const uint64_t *b, size_t n)
{
    if (a[n - 1] >> 63)
        return 1;  /* 2a >= 2^(64n) > b */
    for (size_t i = n; i-- > 0;) {
        uint64_t twice = (a[i] << 1) | (i > 0 ? a[i - 1] >> 63 : 0);
        if (twice != b[i])
            return twice > b[i] ? 1 : -1;
    }
    return 0;
}

static int is_zero(const uint64_t *a, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i] != 0)
            return 0;
    return 1;
}

/* D = lcm(w[0..k-1]), grown one limb at a time as the factors need. */
static int build_lcm(skpi__denoms *d, const int64_t *w, size_t k)
{
    void *limbs = NULL;
    size_t cap = 0;
    if (skpi__reserve(&limbs, &cap, 1, sizeof(uint64_t)) != SKPI_OK)
        return SKPI_ENOMEM;
    d->lcm = limbs;
    d->lcm[0] = 1;
    d->limbs = 1;
    for (size_t i = 0; i < k; i++) {
        uint64_t wi = (uint64_t)w[i];
        uint64_t g = skpi__gcd_u64(mod_small(d->lcm, d->limbs, wi), wi);
        uint64_t carry = mul_small(d->lcm, d->limbs, wi / g);
        if (carry == 0)
            continue;
        int rc = skpi__reserve(&limbs, &cap, d->limbs + 1, sizeof(uint64_t));
        d->lcm = limbs;
        if (rc != SKPI_OK)
            return rc;
        d->lcm[d->limbs++] = carry;
    }
    return SKPI_OK;
}

static int build_multipliers(skpi__denoms *d, const int64_t *w, size_t k)
{
    d->w = skpi__calloc(k, sizeof *d->w);
    d->mult = skpi__calloc(k, d->limbs * sizeof *d->mult);
    if (!d->w || !d->mult)
        return SKPI_ENOMEM;
    d->k = k;
    for (size_t i = 0; i < k; i++) {
        d->w[i] = w[i];
        div_small(d->mult + i * d->limbs, d->lcm, d->limbs, (uint64_t)w[i]);
    }
    return SKPI_OK;
}

int skpi__denoms_new(skpi__denoms **out, const int64_t *w, size_t k)
{
    *out = NULL;
    for (size_t i = 0; i < k; i++)
        if (w[i] <= 0)
            return SKPI_EINVAL;
    skpi__denoms *d = skpi__calloc(1, sizeof *d);
    if (!d)
        return SKPI_ENOMEM;
    int rc = build_lcm(d, w, k);
    if (rc == SKPI_OK)
        rc = build_multipliers(d, w, k);
    if (rc != SKPI_OK) {
        skpi__denoms_free(d);
        return rc;
    }
    *out = d;
    return SKPI_OK;
}

void skpi__denoms_free(skpi__denoms *d)
{
    if (!d)
        return;
    skpi__free(d->w);
    skpi__free(d->lcm);
    skpi__free(d->mult);
    skpi__free(d);
}

static uint64_t *frac_of(skpi__exact *x, const skpi__denoms *d)
{
    return d->limbs <= SKPI__EXACT_SMALL ? x->small : x->big;
}

static const uint64_t *frac_ro(const skpi__exact *x, const skpi__denoms *d)
{
    return d->limbs <= SKPI__EXACT_SMALL ? x->small : x->big;
}

int skpi__exact_init(skpi__exact *x, const skpi__denoms *d)
{
    memset(x, 0, sizeof *x);
    if (d->limbs > SKPI__EXACT_SMALL) {
        x->big = skpi__calloc(d->limbs, sizeof *x->big);
        if (!x->big)
            return SKPI_ENOMEM;
    }
    return SKPI_OK;
}

void skpi__exact_clear(skpi__exact *x)
{
    skpi__free(x->big);
    x->big = NULL;
}

/* whole + q, and room for the one D a fraction may carry, checked before
 * anything changes so that a failed add leaves the value as it was. */
static int checked_whole(skpi__i128 whole, skpi__i128 q, skpi__i128 *sum)
{
    skpi__i128 plus_one;
    if (__builtin_add_overflow(whole, q, sum) || __builtin_add_overflow(*sum, 1, &plus_one))
        return SKPI_ERANGE;
    return SKPI_OK;
}

/* After frac grew by less than D (carry: the bit out of its top limb):
 * take one D back out of it if it reached D.  Returns 1 if it did. */
static int settle(uint64_t *frac, uint64_t carry, const skpi__denoms *d)
{
    if (carry == 0 && cmp_n(frac, d->lcm, d->limbs) < 0)
        return 0;
    /* The true frac is below 2D, so subtracting modulo 2^(64n) is exact. */
    sub_n(frac, d->lcm, d->limbs);
    return 1;
}

int skpi__exact_add_term(skpi__exact *x, const skpi__denoms *d, size_t k, int64_t amount,
                         skpi__i128 weight_sum)
{
    const skpi__i128 limit = (skpi__i128)1 << 64;
    if (k >= d->k)
        return SKPI_EINVAL;
    if (weight_sum >= limit || weight_sum <= -limit)
        return SKPI_ERANGE;
    skpi__i128 p = (skpi__i128)amount * weight_sum;
    skpi__i128 q = skpi__floor_div128(p, d->w[k]);
    uint64_t r = (uint64_t)(p - q * d->w[k]);
    skpi__i128 whole;
    if (checked_whole(x->whole, q, &whole) != SKPI_OK)
        return SKPI_ERANGE;
    uint64_t *frac = frac_of(x, d);
    uint64_t carry = muladd_small(frac, d->mult + k * d->limbs, d->limbs, r);
    x->whole = whole + settle(frac, carry, d);
    return SKPI_OK;
}

int skpi__exact_add(skpi__exact *x, const skpi__exact *y, const skpi__denoms *d)
{
    skpi__i128 whole;
    if (checked_whole(x->whole, y->whole, &whole) != SKPI_OK)
        return SKPI_ERANGE;
    uint64_t *frac = frac_of(x, d);
    uint64_t carry = add_n(frac, frac_ro(y, d), d->limbs);
    x->whole = whole + settle(frac, carry, d);
    return SKPI_OK;
}

int skpi__exact_div_round(const skpi__exact *x, const skpi__denoms *d, int64_t divisor,
                          int64_t *out)
{
    if (divisor == 0)
        return SKPI_ABSENT;
    if (divisor < 0)
        return SKPI_EINVAL;
    skpi__i128 q = skpi__floor_div128(x->whole, divisor);
    skpi__i128 r = x->whole - q * divisor;
    const uint64_t *frac = frac_ro(x, d);
    int twice = cmp_twice(frac, d->lcm, d->limbs);
    skpi__i128 doubled = 2 * r + (twice >= 0);  /* 2r + e, below 2^65 */
    int up;
    if (doubled != divisor)
        up = doubled > divisor;
    else if (twice == 0 || is_zero(frac, d->limbs))
        up = (int)(q & 1);  /* the exact tie: to even */
    else
        up = 1;
    q += up;
    if (q < INT64_MIN || q > INT64_MAX)
        return SKPI_ERANGE;
    *out = (int64_t)q;
    return SKPI_OK;
}

int skpi__exact_round(const skpi__exact *x, const skpi__denoms *d, int64_t *out)
{
    return skpi__exact_div_round(x, d, 1, out);
}

/* A row ranked by its fractional part for the leftover units. */
typedef struct ranked_row {
    const uint64_t *frac;
    size_t limbs;
    size_t row;
} ranked_row;

/* Largest fraction first; ties to the earlier row. */
static int by_fraction(const void *a, const void *b)
{
    const ranked_row *x = a, *y = b;
    int c = cmp_n(y->frac, x->frac, x->limbs);
    if (c != 0)
        return c;
    return (x->row > y->row) - (x->row < y->row);
}

/* The exact sum of the rows, rounded half to even. */
static int rounded_total(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                         int64_t *total)
{
    skpi__exact sum;
    int rc = skpi__exact_init(&sum, d);
    for (size_t i = 0; i < n && rc == SKPI_OK; i++)
        rc = skpi__exact_add(&sum, &rows[i], d);
    if (rc == SKPI_OK)
        rc = skpi__exact_round(&sum, d, total);
    skpi__exact_clear(&sum);
    return rc;
}

/* Rows by falling fraction, or NULL with no leftover (then rows keep their
 * order: none gets a unit). */
static int rank_rows(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                     skpi__i128 leftover, ranked_row **ranked)
{
    *ranked = NULL;
    if (leftover == 0)
        return SKPI_OK;
    ranked_row *r = skpi__calloc(n, sizeof *r);
    if (!r)
        return SKPI_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        r[i].frac = frac_ro(&rows[i], d);
        r[i].limbs = d->limbs;
        r[i].row = i;
    }
    qsort(r, n, sizeof *r, by_fraction);
    *ranked = r;
    return SKPI_OK;
}

/* Σ floor(rows[i]) in 128 bits, ERANGE when a row is too large for int64
 * even before a unit is added. */
static int sum_floors(const skpi__exact *rows, size_t n, skpi__i128 *floors)
{
    *floors = 0;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].whole < (skpi__i128)INT64_MIN - 1 || rows[i].whole > INT64_MAX)
            return SKPI_ERANGE;
        *floors += rows[i].whole;
    }
    return SKPI_OK;
}

int skpi__exact_round_rows_to(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                              int64_t total, int64_t *row_out)
{
    skpi__i128 floors;
    int rc = sum_floors(rows, n, &floors);
    if (rc != SKPI_OK)
        return rc;
    skpi__i128 leftover = total - floors;
    if (leftover < 0 || leftover > (skpi__i128)n)
        return SKPI_EINVAL;
    ranked_row *ranked;
    rc = rank_rows(rows, n, d, leftover, &ranked);
    if (rc != SKPI_OK)
        return rc;
    for (size_t j = 0; j < n && rc == SKPI_OK; j++) {
        skpi__i128 v = rows[ranked ? ranked[j].row : j].whole + (j < leftover);
        if (v < INT64_MIN || v > INT64_MAX)
            rc = SKPI_ERANGE;
    }
    for (size_t j = 0; j < n && rc == SKPI_OK; j++) {
        size_t i = ranked ? ranked[j].row : j;
        row_out[i] = (int64_t)(rows[i].whole + (j < leftover));
    }
    skpi__free(ranked);
    return rc;
}

int skpi__exact_round_rows(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                           int64_t *row_out, int64_t *total_out)
{
    /* Bounding each floor first keeps Σ floors well inside 128 bits. */
    skpi__i128 floors;
    int rc = sum_floors(rows, n, &floors);
    int64_t total;
    if (rc == SKPI_OK)
        rc = rounded_total(rows, n, d, &total);
    if (rc == SKPI_OK)
        rc = skpi__exact_round_rows_to(rows, n, d, total, row_out);
    if (rc == SKPI_OK)
        *total_out = total;
    return rc;
}
