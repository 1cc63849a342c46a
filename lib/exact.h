/* Exact sums of rationals for the money columns of a breakdown (SPEC §4).
 *
 * A money column's value in row r is V_r = Σ_k A_k × S_{k,r} / W_k: A_k an
 * int64 amount, S_{k,r} a 128-bit weight sum (possibly negative), W_k > 0 an
 * int64 weight total.  The set {W_k} is fixed first (skpi__denoms); every
 * value is then held exactly over their least common multiple D, and rounded
 * to whole minor units only at output.  exact.c explains the representation. */
#ifndef SKPI_EXACT_H
#define SKPI_EXACT_H

#include <stddef.h>
#include <stdint.h>

#include "money.h"

/* The denominators {W_k} and their least common multiple D.  Immutable once
 * built: one set may serve many threads' values at once. */
typedef struct skpi__denoms skpi__denoms;

/* Build the set of k denominators w[0..k-1], each > 0 (copied; k may be 0,
 * giving D = 1).  Returns SKPI_OK, SKPI_EINVAL for a w[i] <= 0, or
 * SKPI_ENOMEM; *out is NULL on failure. */
int skpi__denoms_new(skpi__denoms **out, const int64_t *w, size_t k);

/* Free a set; NULL is ignored.  Free it only after the values that use it. */
void skpi__denoms_free(skpi__denoms *d);

/* Limbs of a fraction kept inside the value itself; a D needing more is
 * held in one allocated block per value. */
#define SKPI__EXACT_SMALL 2

/* An exact value whole + frac / D, with whole = floor(value) and
 * 0 <= frac < D.  frac is little-endian 64-bit limbs, as many as D has:
 * in `small` when that is at most SKPI__EXACT_SMALL, else in `big` (owned).
 * Use a value only with the denoms it was initialised with.  It may be
 * copied bytewise (moved), but then only one copy may be cleared. */
typedef struct skpi__exact {
    skpi__i128 whole;
    uint64_t small[SKPI__EXACT_SMALL];
    uint64_t *big;
} skpi__exact;

/* x = 0.  Returns SKPI_OK or SKPI_ENOMEM (x is then safe to clear). */
int skpi__exact_init(skpi__exact *x, const skpi__denoms *d);

/* Release x's storage.  A zero-filled skpi__exact is safe to clear, and so
 * is one cleared before. */
void skpi__exact_clear(skpi__exact *x);

/* x += amount × weight_sum / w[k].  Returns SKPI_OK; SKPI_EINVAL when k is
 * not an index of d; SKPI_ERANGE when |weight_sum| >= 2^64 (the product
 * would not be exact in 128 bits) or the running value overflows 128 bits.
 * x is unchanged on failure. */
int skpi__exact_add_term(skpi__exact *x, const skpi__denoms *d, size_t k, int64_t amount,
                         skpi__i128 weight_sum);

/* x += y (both over d).  Returns SKPI_OK or SKPI_ERANGE as above; x is
 * unchanged on failure. */
int skpi__exact_add(skpi__exact *x, const skpi__exact *y, const skpi__denoms *d);

/* x rounded half to even.  Returns SKPI_OK, or SKPI_ERANGE when the result
 * does not fit int64; *out is untouched on failure. */
int skpi__exact_round(const skpi__exact *x, const skpi__denoms *d, int64_t *out);

/* x / divisor rounded half to even (CPR = exact cost / resolved chains).
 * Returns SKPI_OK; SKPI_ABSENT when divisor is 0; SKPI_EINVAL when it is
 * negative; SKPI_ERANGE when the result does not fit int64.  *out is
 * written only on SKPI_OK. */
int skpi__exact_div_round(const skpi__exact *x, const skpi__denoms *d, int64_t divisor,
                          int64_t *out);

/* SPEC §4's rounding of one money column: *total_out = (Σ rows) rounded half
 * to even; row_out[i] = floor(rows[i]), plus one unit for each of the
 * (total - Σ floors) rows with the largest fractional parts, ties to the
 * earlier row.  So Σ row_out = *total_out.  Returns SKPI_OK, SKPI_ERANGE
 * when a result does not fit int64, or SKPI_ENOMEM; the outputs are written
 * only on SKPI_OK. */
int skpi__exact_round_rows(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                           int64_t *row_out, int64_t *total_out);

/* The same apportionment to a given total: row_out[i] = floor(rows[i]) plus
 * one unit for each of the (total - Σ floors) rows with the largest
 * fractional parts, ties to the earlier row.  SKPI_EINVAL when that count is
 * not 0..n (the total is not a rounding of the rows' sum); SKPI_ERANGE;
 * SKPI_ENOMEM.  row_out is written only on SKPI_OK. */
int skpi__exact_round_rows_to(const skpi__exact *rows, size_t n, const skpi__denoms *d,
                              int64_t total, int64_t *row_out);

#endif
