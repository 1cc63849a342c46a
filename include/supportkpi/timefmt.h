/**
 * @file supportkpi/timefmt.h
 * @brief Timestamps, durations and time buckets as text (SPEC §6, §8), so
 *        that the command-line tool and the bindings parse nothing themselves.
 */
#ifndef SUPPORTKPI_TIMEFMT_H
#define SUPPORTKPI_TIMEFMT_H

#include "supportkpi/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup time Time
 * @brief Unix seconds <-> ISO 8601 text, durations, and the UTC time buckets
 *        of breakdowns.
 *
 * Times are @c int64_t Unix seconds, UTC, on the proleptic Gregorian
 * calendar.  Every function here is pure and reentrant; failures fill the
 * optional caller-owned ::skpi_error.
 *
 * Years outside 0000-9999 (reachable only with times before year 0 or after
 * year 9999) are written with as many digits as they need, at least four,
 * and a negative year with a leading @c -: <tt>-0001-12-31</tt>,
 * <tt>10000-01</tt>.
 * @{
 */

/** @brief Time bucket units of a breakdown (SPEC §6).  Values are fixed. */
typedef enum skpi_bucket {
    SKPI_BUCKET_NONE = 0,    /**< no time bucket */
    SKPI_BUCKET_DAY = 1,     /**< "day": UTC calendar day, labelled <tt>2026-03-01</tt> */
    SKPI_BUCKET_WEEK = 2,    /**< "week": ISO 8601 week, Monday to Sunday, labelled <tt>2026-W09</tt> with the ISO week-numbering year */
    SKPI_BUCKET_MONTH = 3,   /**< "month": labelled <tt>2026-03</tt> */
    SKPI_BUCKET_QUARTER = 4  /**< "quarter": January-March is Q1, labelled <tt>2026-Q1</tt> */
} skpi_bucket;

/**
 * @brief Bytes that always hold the text of skpi_time_format() or
 *        skpi_bucket_label(), terminating NUL included (32).
 */
#define SKPI_TIME_TEXT_SIZE 32

/** @brief ::SKPI_TIME_TEXT_SIZE as a function, for bindings. */
SKPI_API size_t skpi_time_text_size(void);

/**
 * @brief Parse a timestamp of the interchange files (SPEC §8).
 *
 * Accepted: Unix seconds, <tt>-?[0-9]+</tt> within int64 but for INT64_MIN
 * (the library's "unset" marker, which is never a time); or ISO 8601
 * <tt>YYYY-MM-DD</tt>, then @c T or one space, <tt>hh:mm:ss</tt>, then
 * @c Z or <tt>+hh:mm</tt> / <tt>-hh:mm</tt>.  The date must exist (leap
 * years count), hh is 00-23, mm and ss 00-59 (no leap second), an offset's
 * hours 00-23 and minutes 00-59.  Refused: fractions of a second, a time
 * without a zone, a date alone, lower-case @c t or @c z (SPEC writes them
 * upper case), any space around the text.
 *
 * @param text NUL-terminated; not kept.
 * @param[out] out UTC Unix seconds; written only on success.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_ESYNTAX for text that is not such a timestamp
 *         or names no real date or time of day; ::SKPI_ERANGE for Unix
 *         seconds beyond int64 or equal to INT64_MIN; ::SKPI_EINVAL for a
 *         NULL argument.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_time_parse(const char *text, int64_t *out, skpi_error *err);

/**
 * @brief Parse a duration: a non-negative decimal integer and an optional
 *        unit, @c s (seconds, the default), @c h (hours) or @c d (days of
 *        86,400 s).
 *
 * Examples: <tt>604800</tt>, <tt>604800s</tt>, <tt>36h</tt>, <tt>7d</tt>.
 * No sign, spaces, fractions or other units; units are lower case.
 *
 * @param text NUL-terminated; not kept.
 * @param[out] seconds the duration in seconds; written only on success.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_ESYNTAX for text of another form;
 *         ::SKPI_ERANGE when the seconds do not fit in int64;
 *         ::SKPI_EINVAL for a NULL argument.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_duration_parse(const char *text, int64_t *seconds,
                                                  skpi_error *err);

/**
 * @brief Write a time as ISO 8601 UTC, <tt>YYYY-MM-DDThh:mm:ssZ</tt>.
 *
 * Every int64 is accepted, INT64_MIN too (as the instant it would be).
 *
 * @param t Unix seconds.
 * @param[out] buf receives the NUL-terminated text; on failure "" when
 *        @p cap > 0.
 * @param cap bytes available at @p buf; ::SKPI_TIME_TEXT_SIZE is always
 *        enough (20 characters and the NUL for years 0000-9999).
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_ENOSPACE when @p cap is too small;
 *         ::SKPI_EINVAL for a NULL @p buf.
 */
SKPI_API int skpi_time_format(int64_t t, char *buf, size_t cap, skpi_error *err);

/**
 * @brief The word of a bucket unit, as the command line and reports write it.
 * @param bucket a ::skpi_bucket value.
 * @return "day", "week", "month" or "quarter" (static); NULL for
 *         ::SKPI_BUCKET_NONE and out-of-range values.
 */
SKPI_API const char *skpi_bucket_name(int bucket);

/**
 * @brief Parse a bucket word (exact, case-sensitive).
 * @param name "day", "week", "month" or "quarter"; NUL-terminated.
 * @param[out] bucket the ::skpi_bucket value; written only on success.
 * @return ::SKPI_OK, or ::SKPI_EINVAL for NULL or another word.
 */
SKPI_API int skpi_bucket_from_name(const char *name, int *bucket);

/**
 * @brief The label of the bucket that holds a time (SPEC §6, UTC).
 *
 * <tt>2026-03-01</tt> (day), <tt>2026-W09</tt> (week: the ISO 8601
 * week-numbering year, weeks start on Monday, week 1 holds 4 January, so
 * 2021-01-03 is in <tt>2020-W53</tt>), <tt>2026-03</tt> (month),
 * <tt>2026-Q1</tt> (quarter).  Labels of one unit sort like their buckets
 * for years 0000-9999.
 *
 * @param t Unix seconds.
 * @param bucket ::SKPI_BUCKET_DAY .. ::SKPI_BUCKET_QUARTER.
 * @param[out] buf receives the NUL-terminated label; on failure "" when
 *        @p cap > 0.
 * @param cap bytes available at @p buf; ::SKPI_TIME_TEXT_SIZE is always enough.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_EINVAL for another @p bucket or a NULL @p buf;
 *         ::SKPI_ENOSPACE when @p cap is too small.
 */
SKPI_API int skpi_bucket_label(int64_t t, int bucket, char *buf, size_t cap, skpi_error *err);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
