/* Text <-> time (SPEC §8 timestamps and integers) and the calendar behind the
 * time buckets of breakdowns (SPEC §6).  Everything here is pure and
 * reentrant; all times are Unix seconds, UTC, proleptic Gregorian calendar. */
#ifndef SKPI_TIMEFMT_H
#define SKPI_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Parse s[0..len) as `-?[0-9]+` within int64 (INT64_MIN included).  No `+`,
 * no spaces, no empty text; leading zeros are allowed.  s need not be
 * NUL-terminated.  Returns 0, SKPI_EINVAL (not that grammar) or SKPI_ERANGE
 * (beyond int64); *out is written only on success. */
int skpi__parse_int64(const char *s, size_t len, int64_t *out);

/* Parse a SPEC §8 timestamp: Unix seconds (skpi__parse_int64's grammar,
 * but INT64_MIN, the library's "unset" marker, is out of range) or
 * `YYYY-MM-DD` `T`-or-one-space `hh:mm:ss` then `Z` or `+hh:mm` / `-hh:mm`,
 * a real date, hh 00-23, mm and ss 00-59, offset hh 00-23 mm 00-59.  `T`
 * and `Z` are upper case only, as SPEC writes them.  No fractions, no
 * zone-less time, no date alone.  *out is UTC Unix seconds, written only on
 * success.  Returns 0, SKPI_ESYNTAX (not the grammar, or no such date or
 * time of day) or SKPI_ERANGE (Unix seconds beyond int64, or INT64_MIN). */
int skpi__parse_time(const char *s, size_t len, int64_t *out);

/* skpi__parse_time, and on failure *why (if why is not NULL) is a static
 * English reason such as "no such date". */
int skpi__parse_time_why(const char *s, size_t len, int64_t *out, const char **why);

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31), proleptic
 * Gregorian (H. Hinnant's days_from_civil).  Exact for every y whose result
 * fits in int64 with room to spare: |y| <= 10^12 is plenty for any int64
 * second. */
int64_t skpi__days_from_civil(int64_t y, int m, int d);

/* The inverse: the civil date of day z (days since 1970-01-01), for every
 * int64 z whose year fits (any floor(t / 86400) of an int64 t does). */
void skpi__civil_from_days(int64_t z, int64_t *y, int *m, int *d);

/* Whether (y, m, d) is a date of the proleptic Gregorian calendar. */
int skpi__valid_date(int64_t y, int m, int d);

/* floor(a / b) and the matching non-negative remainder, b > 0. */
int64_t skpi__floor_div(int64_t a, int64_t b);
int64_t skpi__floor_mod(int64_t a, int64_t b);

/* The bucket of time t for unit (a skpi_bucket value: SKPI_BUCKET_DAY ...
 * SKPI_BUCKET_QUARTER), as an integer whose order is the buckets' order:
 * day number (floor(t / 86400)), ISO week index (Mondays since Monday
 * 1969-12-29), year * 12 + month - 1, year * 4 + quarter - 1.  Any other unit
 * gives 0 (SKPI_BUCKET_NONE: one bucket for everything). */
int64_t skpi__bucket_of(int64_t t, int unit);

/* Write the label of a bucket (a value of skpi__bucket_of for unit) into
 * buf: `2026-03-01`, `2026-W09` (ISO week-numbering year, weeks start on
 * Monday, week 1 holds January 4), `2026-03`, `2026-Q1`.  A year outside
 * 0000-9999 takes as many digits as it needs (at least four) and a negative
 * year a leading `-`: `-0001-12-31`, `12345-06`.  Returns 0, SKPI_EINVAL for
 * an unknown unit, or SKPI_ENOSPACE when cap bytes cannot hold the label and
 * its NUL (buf then holds "" if cap > 0). */
int skpi__bucket_label(int64_t bucket, int unit, char *buf, size_t cap);

/* Write t as `YYYY-MM-DDThh:mm:ssZ` (years as in skpi__bucket_label).
 * Returns 0 or SKPI_ENOSPACE (buf then holds "" if cap > 0).  The longest
 * text, INT64_MIN's, is 29 characters. */
int skpi__format_iso(int64_t t, char *buf, size_t cap);

#endif
