/* Timestamps, integers and durations as text (SPEC §8), and the calendar of
 * the time buckets (SPEC §6).
 *
 * The calendar is H. Hinnant's days_from_civil / civil_from_days
 * (http://howardhinnant.github.io/date_algorithms.html) with floor division
 * throughout, so that every int64 second, however far before 1970, lands on
 * the right day.  Parsing walks fixed positions: the ISO form has exactly
 * two lengths (20 with Z, 25 with an offset), so no general scanner is
 * needed. */
#include "timefmt.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "supportkpi/timefmt.h"
#include "status.h"

#define SECONDS_PER_DAY 86400

static const char *const bucket_names[] = { NULL, "day", "week", "month", "quarter" };

int64_t skpi__floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if (a % b != 0 && a < 0)
        q--;
    return q;
}

int64_t skpi__floor_mod(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

/* ---- integers ---- */

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Whether s[0..8) are eight ASCII digits; then *value is their number.
 * Timestamps have ten digits and there are three on every row: eight of
 * them at once (byte tricks on one word, as simdjson parses numbers) take a
 * fifth of the instructions of eight steps.  Little-endian words only. */
static bool eight_digits(const char *s, uint64_t *value)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, s, sizeof w);
    /* a byte below '0' borrows into its top bit; one above '9' carries */
    if (((w + UINT64_C(0x4646464646464646)) | (w - UINT64_C(0x3030303030303030)))
        & UINT64_C(0x8080808080808080))
        return false;
    w -= UINT64_C(0x3030303030303030);
    w = w * 10 + (w >> 8);   /* each 16-bit lane's low byte: two digits */
    const uint64_t pairs = UINT64_C(0x000000FF000000FF);
    w = ((w & pairs) * UINT64_C(0x000F424000000064)               /* 100, 1000000 << 32 */
         + ((w >> 16) & pairs) * UINT64_C(0x0000271000000001)) >> 32;   /* 1, 10000 << 32 */
    *value = w;
    return true;
#else
    (void)s;
    (void)value;
    return false;
#endif
}

int skpi__parse_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int negative = len > 0 && s[0] == '-';
    if (negative)
        i = 1;
    if (i == len)
        return SKPI_EINVAL;
    if (len - i <= 18) {
        /* The usual case, fast: eighteen digits cannot overflow. */
        uint64_t u = 0, eight;
        for (; len - i >= 8 && eight_digits(s + i, &eight); i += 8)
            u = u * 100000000 + eight;
        for (; i < len; i++) {
            unsigned digit = (unsigned)(unsigned char)s[i] - '0';
            if (digit > 9)
                return SKPI_EINVAL;
            u = u * 10 + digit;
        }
        *out = negative ? -(int64_t)u : (int64_t)u;
        return SKPI_OK;
    }
    /* Accumulate as a negative number: its range includes INT64_MIN. */
    int64_t v = 0;
    int overflow = 0;
    for (; i < len; i++) {
        if (!is_digit(s[i]))
            return SKPI_EINVAL;
        int digit = s[i] - '0';
        if (v < INT64_MIN / 10 || (v == INT64_MIN / 10 && digit > -(INT64_MIN % 10)))
            overflow = 1;   /* keep scanning: a later non-digit is EINVAL */
        else
            v = v * 10 - digit;
    }
    if (overflow || (!negative && v == INT64_MIN))
        return SKPI_ERANGE;
    *out = negative ? v : -v;
    return SKPI_OK;
}

/* ---- calendar ---- */

int64_t skpi__days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = skpi__floor_div(y, 400);
    int64_t yoe = y - era * 400;                        /* [0, 399] */
    int64_t mp = m > 2 ? m - 3 : m + 9;                 /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + d - 1;           /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void skpi__civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;                                        /* days since 0000-03-01 */
    int64_t era = skpi__floor_div(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int skpi__valid_date(int64_t y, int m, int d)
{
    static const int days_in[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    if (m < 1 || m > 12 || d < 1)
        return 0;
    int last = days_in[m - 1] + (m == 2 && is_leap(y));
    return d <= last;
}

/* ---- timestamps ---- */

static const char not_a_timestamp[] =
    "not a timestamp (Unix seconds, or YYYY-MM-DDThh:mm:ss with Z or +hh:mm)";

/* The number written by n digits at s; the caller checked they are digits. */
static int digits_value(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Whether s[0..len) has the shape of `YYYY-MM-DD?hh:mm:ss` then `Z` or
 * `?hh:mm`, digits where the template has them; the separators between
 * date and time and before the offset are checked by the caller. */
static int iso_shape(const char *s, size_t len)
{
    static const char shape[] = "dddd-dd-dd?dd:dd:dd?dd:dd";
    if (len != 20 && len != 25)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char want = shape[i];
        if (want == 'd' && !is_digit(s[i]))
            return 0;
        if (want != 'd' && want != '?' && s[i] != want)
            return 0;
    }
    if (s[10] != 'T' && s[10] != ' ')
        return 0;
    if (len == 20)
        return s[19] == 'Z';
    return s[19] == '+' || s[19] == '-';
}

static int parse_iso(const char *s, size_t len, int64_t *out, const char **why)
{
    if (!iso_shape(s, len)) {
        *why = not_a_timestamp;
        return SKPI_ESYNTAX;
    }
    int64_t year = digits_value(s, 4);
    int month = digits_value(s + 5, 2), day = digits_value(s + 8, 2);
    int hh = digits_value(s + 11, 2), mm = digits_value(s + 14, 2);
    int ss = digits_value(s + 17, 2);
    if (!skpi__valid_date(year, month, day)) {
        *why = "no such date";
        return SKPI_ESYNTAX;
    }
    if (hh > 23 || mm > 59 || ss > 59) {
        *why = "no such time of day (00:00:00 to 23:59:59)";
        return SKPI_ESYNTAX;
    }
    int64_t offset = 0;
    if (len == 25) {
        int oh = digits_value(s + 20, 2), om = digits_value(s + 23, 2);
        if (oh > 23 || om > 59) {
            *why = "offset out of range (-23:59 to +23:59)";
            return SKPI_ESYNTAX;
        }
        offset = (s[19] == '-' ? -1 : 1) * (int64_t)(oh * 3600 + om * 60);
    }
    /* The text is local time = UTC + offset, so UTC = local - offset. */
    *out = skpi__days_from_civil(year, month, day) * SECONDS_PER_DAY + hh * 3600 + mm * 60 + ss
           - offset;
    return SKPI_OK;
}

int skpi__parse_time_why(const char *s, size_t len, int64_t *out, const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    int64_t v;
    int rc = skpi__parse_int64(s, len, &v);
    if (rc != SKPI_EINVAL) {   /* [-]digits: Unix seconds */
        /* INT64_MIN means "unset" everywhere in the library: no time has it. */
        if (rc == SKPI_OK && v == INT64_MIN)
            rc = SKPI_ERANGE;
        if (rc == SKPI_ERANGE)
            *why = "Unix seconds beyond int64 (or INT64_MIN, which means unset)";
        if (rc == SKPI_OK)
            *out = v;
        return rc;
    }
    return parse_iso(s, len, out, why);
}

int skpi__parse_time(const char *s, size_t len, int64_t *out)
{
    return skpi__parse_time_why(s, len, out, NULL);
}

/* ---- output ---- */

/* snprintf's result checked against cap: ENOSPACE leaves "" behind. */
static int fitted(int n, char *buf, size_t cap)
{
    if (n < 0 || (size_t)n >= cap) {
        if (cap > 0)
            buf[0] = '\0';
        return SKPI_ENOSPACE;
    }
    return SKPI_OK;
}

/* The sign of a year, printed separately so that the digits keep their
 * width of four: -1 is "-0001", as ISO 8601's expanded years. */
static const char *year_sign(int64_t y)
{
    return y < 0 ? "-" : "";
}

static long long year_digits(int64_t y)
{
    return (long long)(y < 0 ? -y : y);
}

int skpi__format_iso(int64_t t, char *buf, size_t cap)
{
    int64_t days = skpi__floor_div(t, SECONDS_PER_DAY);
    int64_t secs = skpi__floor_mod(t, SECONDS_PER_DAY);
    int64_t y;
    int m, d;
    skpi__civil_from_days(days, &y, &m, &d);
    int n = snprintf(buf, cap, "%s%04lld-%02d-%02dT%02d:%02d:%02dZ", year_sign(y),
                     year_digits(y), m, d, (int)(secs / 3600), (int)(secs / 60 % 60),
                     (int)(secs % 60));
    return fitted(n, buf, cap);
}

/* ---- buckets ---- */

/* Days since 1970-01-01, a Thursday, shifted so that weeks start on Monday:
 * week 0 is Monday 1969-12-29 to Sunday 1970-01-04. */
static int64_t week_of_day(int64_t day)
{
    return skpi__floor_div(day + 3, 7);
}

int64_t skpi__bucket_of(int64_t t, int unit)
{
    int64_t day = skpi__floor_div(t, SECONDS_PER_DAY);
    int64_t y;
    int m, d;
    switch (unit) {
    case SKPI_BUCKET_DAY:
        return day;
    case SKPI_BUCKET_WEEK:
        return week_of_day(day);
    case SKPI_BUCKET_MONTH:
        skpi__civil_from_days(day, &y, &m, &d);
        return y * 12 + (m - 1);
    case SKPI_BUCKET_QUARTER:
        skpi__civil_from_days(day, &y, &m, &d);
        return y * 4 + (m - 1) / 3;
    default:
        return 0;
    }
}

/* An ISO week belongs to the year of its Thursday, and is numbered from the
 * week holding that year's first Thursday (the one holding 4 January). */
static int week_label(int64_t week, char *buf, size_t cap)
{
    int64_t thursday = week * 7;            /* Monday of week 0 is day -3 */
    int64_t y;
    int m, d;
    skpi__civil_from_days(thursday, &y, &m, &d);
    int64_t number = (thursday - skpi__days_from_civil(y, 1, 1)) / 7 + 1;
    return fitted(snprintf(buf, cap, "%s%04lld-W%02d", year_sign(y), year_digits(y),
                           (int)number), buf, cap);
}

static int day_label(int64_t day, char *buf, size_t cap)
{
    int64_t y;
    int m, d;
    skpi__civil_from_days(day, &y, &m, &d);
    return fitted(snprintf(buf, cap, "%s%04lld-%02d-%02d", year_sign(y), year_digits(y), m, d),
                  buf, cap);
}

static int month_label(int64_t bucket, char *buf, size_t cap)
{
    int64_t y = skpi__floor_div(bucket, 12);
    int m = (int)skpi__floor_mod(bucket, 12) + 1;
    return fitted(snprintf(buf, cap, "%s%04lld-%02d", year_sign(y), year_digits(y), m), buf,
                  cap);
}

static int quarter_label(int64_t bucket, char *buf, size_t cap)
{
    int64_t y = skpi__floor_div(bucket, 4);
    int q = (int)skpi__floor_mod(bucket, 4) + 1;
    return fitted(snprintf(buf, cap, "%s%04lld-Q%d", year_sign(y), year_digits(y), q), buf,
                  cap);
}

int skpi__bucket_label(int64_t bucket, int unit, char *buf, size_t cap)
{
    if (unit < SKPI_BUCKET_DAY || unit > SKPI_BUCKET_QUARTER) {
        if (cap > 0)
            buf[0] = '\0';
        return SKPI_EINVAL;
    }
    /* Only buckets of some int64 time have a label: beyond them the
     * calendar arithmetic could overflow. */
    if (bucket < skpi__bucket_of(INT64_MIN, unit) || bucket > skpi__bucket_of(INT64_MAX, unit)) {
        if (cap > 0)
            buf[0] = '\0';
        return SKPI_ERANGE;
    }
    switch (unit) {
    case SKPI_BUCKET_DAY:
        return day_label(bucket, buf, cap);
    case SKPI_BUCKET_WEEK:
        return week_label(bucket, buf, cap);
    case SKPI_BUCKET_MONTH:
        return month_label(bucket, buf, cap);
    default:
        return quarter_label(bucket, buf, cap);
    }
}

/* ---- the public surface ---- */

size_t skpi_time_text_size(void)
{
    return SKPI_TIME_TEXT_SIZE;
}

int skpi_time_parse(const char *text, int64_t *out, skpi_error *err)
{
    if (!text || !out)
        return skpi__fail(err, SKPI_EINVAL, "timestamp: NULL argument");
    const char *why = NULL;
    int rc = skpi__parse_time_why(text, strlen(text), out, &why);
    if (rc != SKPI_OK)
        return skpi__fail(err, rc, "timestamp: %s: '%.64s'", why, text);
    return skpi__succeed(err, SKPI_OK);
}

/* The seconds of one unit of a duration suffix, 0 for none. */
static int64_t unit_seconds(char suffix)
{
    switch (suffix) {
    case 's': return 1;
    case 'h': return 3600;
    case 'd': return SECONDS_PER_DAY;
    default: return 0;
    }
}

int skpi_duration_parse(const char *text, int64_t *seconds, skpi_error *err)
{
    if (!text || !seconds)
        return skpi__fail(err, SKPI_EINVAL, "duration: NULL argument");
    size_t len = strlen(text);
    int64_t unit = len > 0 ? unit_seconds(text[len - 1]) : 0;
    size_t digits = unit ? len - 1 : len;
    if (unit == 0)
        unit = 1;
    int64_t v = 0;
    /* A leading digit rules out the sign skpi__parse_int64 would take. */
    int rc = digits > 0 && is_digit(text[0]) ? skpi__parse_int64(text, digits, &v) : SKPI_EINVAL;
    if (rc == SKPI_OK && v > INT64_MAX / unit)
        rc = SKPI_ERANGE;
    if (rc == SKPI_ERANGE)
        return skpi__fail(err, rc, "duration: too long for int64 seconds: '%.64s'", text);
    if (rc != SKPI_OK)
        return skpi__fail(err, SKPI_ESYNTAX,
                          "duration: expected digits and an optional unit s, h or d: '%.64s'",
                          text);
    *seconds = v * unit;
    return skpi__succeed(err, SKPI_OK);
}

int skpi_time_format(int64_t t, char *buf, size_t cap, skpi_error *err)
{
    if (!buf)
        return skpi__fail(err, SKPI_EINVAL, "time format: NULL buffer");
    if (skpi__format_iso(t, buf, cap) != SKPI_OK)
        return skpi__fail(err, SKPI_ENOSPACE, "time format: %zu bytes cannot hold the text", cap);
    return skpi__succeed(err, SKPI_OK);
}

const char *skpi_bucket_name(int bucket)
{
    if (bucket <= SKPI_BUCKET_NONE || bucket > SKPI_BUCKET_QUARTER)
        return NULL;
    return bucket_names[bucket];
}

int skpi_bucket_from_name(const char *name, int *bucket)
{
    if (!name || !bucket)
        return SKPI_EINVAL;
    for (int b = SKPI_BUCKET_DAY; b <= SKPI_BUCKET_QUARTER; b++) {
        if (strcmp(name, bucket_names[b]) == 0) {
            *bucket = b;
            return SKPI_OK;
        }
    }
    return SKPI_EINVAL;
}

int skpi_bucket_label(int64_t t, int bucket, char *buf, size_t cap, skpi_error *err)
{
    if (!buf)
        return skpi__fail(err, SKPI_EINVAL, "bucket label: NULL buffer");
    if (!skpi_bucket_name(bucket)) {
        if (cap > 0)
            buf[0] = '\0';
        return skpi__fail(err, SKPI_EINVAL, "bucket: unknown unit %d", bucket);
    }
    if (skpi__bucket_label(skpi__bucket_of(t, bucket), bucket, buf, cap) != SKPI_OK)
        return skpi__fail(err, SKPI_ENOSPACE, "bucket label: %zu bytes cannot hold the label",
                          cap);
    return skpi__succeed(err, SKPI_OK);
}
