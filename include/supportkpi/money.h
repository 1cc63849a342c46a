/**
 * @file supportkpi/money.h
 * @brief Exact integer arithmetic behind "no cent lost": cost per unit,
 *        apportionment, percentiles and ratios (SPEC §4, §5).
 */
#ifndef SUPPORTKPI_MONEY_H
#define SUPPORTKPI_MONEY_H

#include "supportkpi/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup money Money and exact arithmetic
 * @brief The pure rounding and sharing rules of SPEC §4 and §5, for callers
 *        that hold totals rather than records (BI plug-ins, bindings).
 *
 * Money is integer minor units (cents for USD).  Every function here is
 * pure and reentrant: it reads its inputs, never keeps a pointer to them,
 * and writes only its outputs.  No intermediate result overflows: the
 * arithmetic is exact in 128-bit integers, and a result that does not fit
 * in int64 is reported as ::SKPI_ERANGE, never wrapped.
 *
 * Each function returns ::SKPI_OK, ::SKPI_ABSENT when the value does not
 * exist (a denominator of 0: the output is then left untouched unless the
 * function says otherwise), or a negative ::skpi_status.  On any error the
 * outputs are left untouched.  The last argument, @p err, is optional: when
 * not NULL it receives the status and, on failure, a message naming the bad
 * argument or index.  A required pointer argument that is NULL is
 * ::SKPI_EINVAL.
 *
 * "Rounded half to even" means to the nearest integer, and to the even one
 * of two equally near: 5/2 gives 2, 7/2 gives 4, -5/2 gives -2.
 * @{
 */

/** @brief Units of 1e-9 in one whole: the scale of skpi_ratio_nanos(). */
#define SKPI_NANOS_PER_UNIT 1000000000

/** @brief ::SKPI_NANOS_PER_UNIT as a function, for bindings. */
SKPI_API int64_t skpi_nanos_per_unit(void);

/**
 * @brief Cost per unit: @p cost / @p count rounded half to even to whole
 *        minor units.
 *
 * The result always fits (its magnitude is at most that of @p cost).
 * @param cost any amount in minor units (may be negative).
 * @param count the number of units, >= 0.
 * @param[out] out the rounded quotient; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p count is 0; ::SKPI_EINVAL when
 *         @p count < 0 or @p out is NULL.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_cost_per(int64_t cost, int64_t count, int64_t *out,
                                            skpi_error *err);

/**
 * @brief Cost per resolution (SPEC §5 CPR): @p cost / @p resolved_chains,
 *        rounded half to even; the same rule as skpi_cost_per().
 * @param cost the exact cost allocated to the contacts, in minor units.
 * @param resolved_chains resolved chains, >= 0 (0 gives ::SKPI_ABSENT).
 * @param[out] out CPR in minor units; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return as skpi_cost_per().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_cpr(int64_t cost, int64_t resolved_chains, int64_t *out,
                                       skpi_error *err);

/**
 * @brief Cost per ticket (SPEC §5 CPT): @p cost / @p closed_contacts,
 *        rounded half to even; the same rule as skpi_cost_per().
 * @param cost the exact cost allocated to the contacts, in minor units.
 * @param closed_contacts closed contacts, >= 0 (0 gives ::SKPI_ABSENT).
 * @param[out] out CPT in minor units; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return as skpi_cost_per().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_cpt(int64_t cost, int64_t closed_contacts, int64_t *out,
                                       skpi_error *err);

/**
 * @brief Cost per unit as an exact fraction @p numerator / @p denominator in
 *        lowest terms, for callers that round later or not at all.
 * @param cost any amount in minor units.
 * @param count the number of units, >= 0.
 * @param[out] numerator has the sign of @p cost; 0 when @p cost is 0.
 * @param[out] denominator > 0; 1 when @p cost is 0.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p count is 0 (outputs untouched);
 *         ::SKPI_EINVAL when @p count < 0 or an output is NULL.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_cost_per_exact(int64_t cost, int64_t count,
                                                  int64_t *numerator, int64_t *denominator,
                                                  skpi_error *err);

/**
 * @brief Share @p amount among @p n weights by largest remainder, so that
 *        the shares sum to @p amount exactly.
 *
 * With W the sum of the weights, share i is first floor(amount × w_i / W);
 * the units left over (fewer than @p n) then go one each to the shares with
 * the largest remainders (amount × w_i mod W), ties to the earlier index.
 * A weight of 0 gets 0.
 *
 * @param amount the amount to share, >= 0.
 * @param weights @p n weights, each >= 0 (read only).
 * @param n number of weights.
 * @param[out] out @p n shares, caller-allocated.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p n is 0 or W is 0 (nothing can be
 *         shared: the amount is unallocated, and @p out is set to all 0);
 *         ::SKPI_EINVAL when @p amount or a weight is negative (the message
 *         names the index) or a pointer is NULL with @p n > 0; ::SKPI_ERANGE
 *         when W overflows int64; ::SKPI_ENOMEM (the call may allocate to
 *         rank remainders).
 */
SKPI_API SKPI_WARN_UNUSED int skpi_apportion(int64_t amount, const int64_t *weights, size_t n,
                                             int64_t *out, skpi_error *err);

/**
 * @brief The escalation-adjusted allocation of one @c direct_labor amount
 *        (SPEC §4): @p direct_labor shared by skpi_apportion() among @p n
 *        contacts with weights handle_seconds[i] × rate_per_hour[tier[i]].
 *
 * This is the pure @c tier_weighted re-drive of a single entry, for callers
 * that hold each contact's handle time and tier but no ledger.
 *
 * @param direct_labor the amount, >= 0.
 * @param handle_seconds @p n handle times, each >= 0.
 * @param tier @p n tiers: indexes into @p rate_per_hour.
 * @param n number of contacts.
 * @param rate_per_hour @p rate_count tier rates (minor units per handle hour);
 *        a negative rate marks a tier without a rate.  0 is a rate.
 * @param rate_count number of entries in @p rate_per_hour.
 * @param[out] out @p n shares, caller-allocated.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p n is 0 or every weight is 0
 *         (@p out set to all 0, as skpi_apportion()); ::SKPI_ENOTFOUND
 *         naming the tier when a contact's tier has no rate (out of range or
 *         negative); ::SKPI_EINVAL for a negative amount or handle time
 *         (naming the index) or a NULL pointer; ::SKPI_ERANGE when a weight
 *         or their sum overflows int64; ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_apportion_by_tier(int64_t direct_labor,
                                                     const int64_t *handle_seconds,
                                                     const int64_t *tier, size_t n,
                                                     const int64_t *rate_per_hour,
                                                     size_t rate_count, int64_t *out,
                                                     skpi_error *err);

/**
 * @brief Cost per unit for @p n segments at once, for callers that hold
 *        per-segment totals and no records.
 *
 * For each i: out[i] = skpi_cost_per(cost[i], count[i]) and present[i] = 1,
 * or out[i] = 0 and present[i] = 0 where count[i] is 0 (absent).
 *
 * @param cost @p n costs in minor units.
 * @param count @p n unit counts, each >= 0.
 * @param n number of segments.
 * @param[out] out @p n results, caller-allocated.
 * @param[out] present @p n flags, caller-allocated: 1 when out[i] is a value,
 *             0 when it is absent.
 * @param err optional detail of the result.
 * @return ::SKPI_OK (also when some segments are absent); ::SKPI_EINVAL
 *         naming the index of the first negative count, or for a NULL
 *         pointer with @p n > 0 (outputs untouched).
 */
SKPI_API SKPI_WARN_UNUSED int skpi_cost_per_segments(const int64_t *cost, const int64_t *count,
                                                     size_t n, int64_t *out,
                                                     unsigned char *present, skpi_error *err);

/**
 * @brief Nearest-rank percentile (SPEC §5): the value at rank
 *        max(1, ceil(p × n)) of the values sorted ascending, p =
 *        @p p_num / @p p_den.
 *
 * The computation is exact in integers: no floating point is involved.
 *
 * @param values @p n values in any order; not modified (the call sorts a
 *        private copy).
 * @param n number of values.
 * @param p_num numerator of p, 0 <= @p p_num <= @p p_den.
 * @param p_den denominator of p, > 0.
 * @param[out] out the percentile; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p n is 0; ::SKPI_EINVAL when p is
 *         not in [0, 1] or a pointer is NULL; ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_percentile(const int64_t *values, size_t n, int64_t p_num,
                                              int64_t p_den, int64_t *out, skpi_error *err);

/**
 * @brief The median as SPEC §5 defines it: skpi_percentile() with p = 1/2,
 *        so the lower middle value when @p n is even.
 * @param values @p n values in any order; not modified.
 * @param n number of values.
 * @param[out] out the median; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return as skpi_percentile().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_median(const int64_t *values, size_t n, int64_t *out,
                                          skpi_error *err);

/**
 * @brief A ratio as SPEC §5 reports it: @p num / @p den rounded half to even
 *        to 9 decimals, as an integer count of 1e-9 units (divide by
 *        skpi_nanos_per_unit() to display it).
 * @param num numerator, any sign.
 * @param den denominator, any sign; 0 gives ::SKPI_ABSENT.
 * @param[out] nanos the ratio × 10^9, rounded; untouched unless ::SKPI_OK.
 * @param err optional detail of the result.
 * @return ::SKPI_OK; ::SKPI_ABSENT when @p den is 0; ::SKPI_ERANGE when the
 *         result does not fit int64 (|ratio| above about 9.2e9);
 *         ::SKPI_EINVAL when @p nanos is NULL.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ratio_nanos(int64_t num, int64_t den, int64_t *nanos,
                                               skpi_error *err);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
