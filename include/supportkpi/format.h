/**
 * @file supportkpi/format.h
 * @brief Text for people: money with its currency's decimals, percentages,
 *        durations.  Used by the command's table output and by bindings.
 */
#ifndef SUPPORTKPI_FORMAT_H
#define SUPPORTKPI_FORMAT_H

#include "supportkpi/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup format Formatting
 * @brief Exact decimal text, no floating point.
 * @{
 */

/**
 * @brief Minor units as a decimal amount: 123456 USD → "1234.56", 5 JPY → "5",
 *        -5 USD → "-0.05".
 * @param minor_units the amount.
 * @param currency an ISO 4217 code (its minor digits, skpi_currency_minor_digits()).
 * @param buf receives the NUL-terminated text.
 * @param cap bytes at @p buf (32 always suffice).
 * @return ::SKPI_OK, ::SKPI_EINVAL (malformed currency), ::SKPI_ENOSPACE.
 */
SKPI_API int skpi_format_money(int64_t minor_units, const char *currency, char *buf,
                               size_t cap);

/**
 * @brief A fraction given in units of 1e-9 as a percentage with @p decimals
 *        digits, rounded half to even: 728874506, 1 → "72.9%".
 * @param nanos the fraction × 1e9 (as skpi_breakdown_get() reads a ratio).
 * @param decimals 0 to 7.
 * @param buf receives the text.
 * @param cap bytes at @p buf (32 always suffice).
 * @return ::SKPI_OK, ::SKPI_EINVAL, ::SKPI_ENOSPACE.
 */
SKPI_API int skpi_format_percent(int64_t nanos, int decimals, char *buf, size_t cap);

/**
 * @brief Seconds as the largest two units: 59 → "59s", 3600 → "1h 0m",
 *        93784 → "1d 2h", 0 → "0s".
 * @param seconds >= 0.
 * @param buf receives the text.
 * @param cap bytes at @p buf (32 always suffice).
 * @return ::SKPI_OK, ::SKPI_EINVAL (negative), ::SKPI_ENOSPACE.
 */
SKPI_API int skpi_format_duration(int64_t seconds, char *buf, size_t cap);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
