/* Timestamps, integers, durations, the calendar and the time buckets, with
 * libc's gmtime_r()/strftime() as an independent reference. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "supportkpi.h"
#include "suites.h"
#include "testutil.h"
#include "timefmt.h"

static int64_t parse(const char *s, int expect_rc)
{
    int64_t v = 12345;
    int rc = skpi__parse_time(s, strlen(s), &v);
    if (rc != expect_rc)
        ck_abort_msg("'%s': got %d, expected %d", s, rc, expect_rc);
    return v;
}

/* These helpers run in loops of many thousands: a passing ck_assert costs
 * a system call, so they test with plain ifs. */
static const char *label(int64_t t, int unit)
{
    static char buf[SKPI_TIME_TEXT_SIZE];
    if (skpi__bucket_label(skpi__bucket_of(t, unit), unit, buf, sizeof buf) != SKPI_OK)
        ck_abort_msg("no label for %lld, unit %d", (long long)t, unit);
    return buf;
}

static const char *iso(int64_t t)
{
    static char buf[SKPI_TIME_TEXT_SIZE];
    if (skpi__format_iso(t, buf, sizeof buf) != SKPI_OK)
        ck_abort_msg("cannot format %lld", (long long)t);
    return buf;
}

static void expect_str(const char *got, const char *want, int64_t t)
{
    if (strcmp(got, want) != 0)
        ck_abort_msg("t = %lld: '%s', expected '%s'", (long long)t, got, want);
}

/* Noon UTC of a date given as text. */
static int64_t noon(const char *date)
{
    char text[32];
    snprintf(text, sizeof text, "%sT12:00:00Z", date);
    return parse(text, SKPI_OK);
}

/* ---- Core ---- */

START_TEST(integers)
{
    int64_t v = 0;
    ck_assert_int_eq(skpi__parse_int64("0", 1, &v), SKPI_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(skpi__parse_int64("-0", 2, &v), SKPI_OK);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(skpi__parse_int64("007", 3, &v), SKPI_OK);
    ck_assert_int_eq(v, 7);
    ck_assert_int_eq(skpi__parse_int64("-42", 3, &v), SKPI_OK);
    ck_assert_int_eq(v, -42);
    /* A slice of a longer text: only len bytes count. */
    ck_assert_int_eq(skpi__parse_int64("123,456", 3, &v), SKPI_OK);
    ck_assert_int_eq(v, 123);
}
END_TEST

/* The reference: [-]digits, value by strtoll() (ERANGE beyond int64). */
static int reference_int64(const char *s, size_t len, int64_t *out)
{
    size_t i = len > 0 && s[0] == '-';
    if (i == len)
        return SKPI_EINVAL;
    for (size_t k = i; k < len; k++)
        if (s[k] < '0' || s[k] > '9')
            return SKPI_EINVAL;
    char copy[64];
    memcpy(copy, s, len);
    copy[len] = '\0';
    errno = 0;
    long long v = strtoll(copy, NULL, 10);
    if (errno == ERANGE)
        return SKPI_ERANGE;
    *out = v;
    return SKPI_OK;
}

/* Every length to 21 digits, signed or not, and a non-digit (bytes on both
 * sides of '0'..'9', high bytes) at every position: the parser agrees with
 * the reference, and a timestamp of digits is the same number. */
START_TEST(integers_against_a_reference)
{
    static const char strays[] = { '/', ':', ' ', 'a', '\x80', '\xff', '.', '+' };
    test_rng rng;
    test_rng_seed(&rng, 2025);
    char s[24];
    for (int round = 0; round < 40; round++) {
        for (size_t len = 1; len <= 22; len++) {
            for (size_t k = 0; k < len; k++)
                s[k] = (char)('0' + test_rng_below(&rng, 10));
            if (round % 2)
                s[0] = '-';
            for (size_t stray = 0; stray <= len; stray++) {
                char t[24];
                memcpy(t, s, len);
                if (stray < len)
                    t[stray] = strays[test_rng_below(&rng, sizeof strays)];
                int64_t got = 12345, want = 12345;
                int rc = skpi__parse_int64(t, len, &got);
                ck_assert_int_eq(rc, reference_int64(t, len, &want));
                ck_assert_int_eq(got, rc == SKPI_OK ? want : 12345);
                int64_t when = 0;
                if (rc == SKPI_OK && got != INT64_MIN) {
                    ck_assert_int_eq(skpi__parse_time(t, len, &when), SKPI_OK);
                    ck_assert_int_eq(when, got);
                }
            }
        }
    }
}
END_TEST

START_TEST(epoch_seconds)
{
    ck_assert_int_eq(parse("0", SKPI_OK), 0);
    ck_assert_int_eq(parse("1700000000", SKPI_OK), 1700000000);
    ck_assert_int_eq(parse("-1", SKPI_OK), -1);
    ck_assert_int_eq(parse("-86401", SKPI_OK), -86401);
    ck_assert_int_eq(parse("0001700000000", SKPI_OK), 1700000000);
}
END_TEST

START_TEST(iso_with_zone)
{
    ck_assert_int_eq(parse("1970-01-01T00:00:00Z", SKPI_OK), 0);
    ck_assert_int_eq(parse("2024-02-29T12:34:56Z", SKPI_OK), 1709210096);
    ck_assert_int_eq(parse("2026-03-01T00:00:00Z", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("2026-03-01 00:00:00Z", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("2026-03-01T05:30:00+05:30", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("2026-02-28T16:00:00-08:00", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("2026-03-01 00:00:00+00:00", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("2026-03-01T00:00:00-00:00", SKPI_OK), 1772323200);
    ck_assert_int_eq(parse("1969-12-31T23:59:59Z", SKPI_OK), -1);
    ck_assert_int_eq(parse("2000-03-01T00:00:00Z", SKPI_OK), 951868800);
    ck_assert_int_eq(parse("2024-02-29T00:00:00Z", SKPI_OK), 1709164800);
}
END_TEST

START_TEST(format_iso)
{
    ck_assert_str_eq(iso(0), "1970-01-01T00:00:00Z");
    ck_assert_str_eq(iso(-1), "1969-12-31T23:59:59Z");
    ck_assert_str_eq(iso(1709210096), "2024-02-29T12:34:56Z");
    ck_assert_str_eq(iso(951868800), "2000-03-01T00:00:00Z");
    ck_assert_str_eq(iso(-62135596800), "0001-01-01T00:00:00Z");
}
END_TEST

START_TEST(week_labels_across_years)
{
    ck_assert_str_eq(label(noon("2020-12-31"), SKPI_BUCKET_WEEK), "2020-W53");
    ck_assert_str_eq(label(noon("2021-01-03"), SKPI_BUCKET_WEEK), "2020-W53");
    ck_assert_str_eq(label(noon("2021-01-04"), SKPI_BUCKET_WEEK), "2021-W01");
    ck_assert_str_eq(label(noon("2026-12-31"), SKPI_BUCKET_WEEK), "2026-W53");
    ck_assert_str_eq(label(noon("2027-01-01"), SKPI_BUCKET_WEEK), "2026-W53");
    ck_assert_str_eq(label(noon("2027-01-04"), SKPI_BUCKET_WEEK), "2027-W01");
    ck_assert_str_eq(label(noon("2019-12-30"), SKPI_BUCKET_WEEK), "2020-W01");
    ck_assert_str_eq(label(noon("2026-03-01"), SKPI_BUCKET_WEEK), "2026-W09");
    /* A week runs Monday 00:00:00 to Sunday 23:59:59 UTC. */
    int64_t monday = parse("2026-03-02T00:00:00Z", SKPI_OK);
    ck_assert_str_eq(label(monday - 1, SKPI_BUCKET_WEEK), "2026-W09");
    ck_assert_str_eq(label(monday, SKPI_BUCKET_WEEK), "2026-W10");
    ck_assert_int_eq(skpi__bucket_of(monday, SKPI_BUCKET_WEEK),
                     skpi__bucket_of(monday - 1, SKPI_BUCKET_WEEK) + 1);
    /* 1970-01-01 is a Thursday: week 0 starts Monday 1969-12-29. */
    ck_assert_int_eq(skpi__bucket_of(0, SKPI_BUCKET_WEEK), 0);
    ck_assert_int_eq(skpi__bucket_of(-3 * 86400, SKPI_BUCKET_WEEK), 0);
    ck_assert_int_eq(skpi__bucket_of(-3 * 86400 - 1, SKPI_BUCKET_WEEK), -1);
    ck_assert_str_eq(label(0, SKPI_BUCKET_WEEK), "1970-W01");
}
END_TEST

START_TEST(day_month_quarter_labels)
{
    int64_t t = parse("2026-03-01T23:59:59Z", SKPI_OK);
    ck_assert_str_eq(label(t, SKPI_BUCKET_DAY), "2026-03-01");
    ck_assert_str_eq(label(t + 1, SKPI_BUCKET_DAY), "2026-03-02");
    ck_assert_str_eq(label(t, SKPI_BUCKET_MONTH), "2026-03");
    ck_assert_str_eq(label(t, SKPI_BUCKET_QUARTER), "2026-Q1");
    ck_assert_str_eq(label(noon("2026-04-01"), SKPI_BUCKET_QUARTER), "2026-Q2");
    ck_assert_str_eq(label(noon("2026-09-30"), SKPI_BUCKET_QUARTER), "2026-Q3");
    ck_assert_str_eq(label(noon("2026-12-31"), SKPI_BUCKET_QUARTER), "2026-Q4");
    ck_assert_str_eq(label(noon("2026-12-31"), SKPI_BUCKET_MONTH), "2026-12");
    ck_assert_int_eq(skpi__bucket_of(t, SKPI_BUCKET_MONTH), 2026 * 12 + 2);
    ck_assert_int_eq(skpi__bucket_of(t, SKPI_BUCKET_QUARTER), 2026 * 4 + 0);
    ck_assert_int_eq(skpi__bucket_of(t, SKPI_BUCKET_NONE), 0);
}
END_TEST

START_TEST(labels_of_negative_times)
{
    ck_assert_str_eq(label(-1, SKPI_BUCKET_DAY), "1969-12-31");
    ck_assert_str_eq(label(-86400, SKPI_BUCKET_DAY), "1969-12-31");
    ck_assert_str_eq(label(-86401, SKPI_BUCKET_DAY), "1969-12-30");
    ck_assert_int_eq(skpi__bucket_of(-1, SKPI_BUCKET_DAY), -1);
    ck_assert_str_eq(label(-1, SKPI_BUCKET_MONTH), "1969-12");
    ck_assert_str_eq(label(-1, SKPI_BUCKET_QUARTER), "1969-Q4");
    ck_assert_str_eq(label(-1, SKPI_BUCKET_WEEK), "1970-W01");
    ck_assert_str_eq(label(noon("1900-03-01"), SKPI_BUCKET_DAY), "1900-03-01");
    ck_assert_str_eq(label(noon("1900-02-28") + 86400, SKPI_BUCKET_DAY), "1900-03-01");
}
END_TEST

START_TEST(calendar_round_trip)
{
    /* Every day of 0000-03-01 .. 2400-03-01, both directions. */
    int64_t first = skpi__days_from_civil(0, 3, 1), last = skpi__days_from_civil(2400, 3, 1);
    int64_t y = 0;
    int m = 3, d = 1;
    for (int64_t z = first; z <= last; z++) {
        int64_t yy;
        int mm, dd;
        skpi__civil_from_days(z, &yy, &mm, &dd);
        /* Plain tests: a passing ck_assert costs a system call. */
        if (yy != y || mm != m || dd != d || skpi__days_from_civil(yy, mm, dd) != z)
            ck_abort_msg("day %lld: %lld-%d-%d, expected %lld-%d-%d", (long long)z,
                         (long long)yy, mm, dd, (long long)y, m, d);
        d++;
        if (!skpi__valid_date(y, m, d)) {
            d = 1;
            if (++m == 13) {
                m = 1;
                y++;
            }
        }
    }
    ck_assert(skpi__valid_date(2000, 2, 29));
    ck_assert(!skpi__valid_date(1900, 2, 29));
    ck_assert(skpi__valid_date(2024, 2, 29));
    ck_assert(!skpi__valid_date(2023, 2, 29));
    ck_assert(!skpi__valid_date(2023, 4, 31));
    ck_assert(!skpi__valid_date(2023, 0, 1));
}
END_TEST

START_TEST(public_time_parse_and_format)
{
    int64_t t = 0;
    skpi_error err;
    ck_assert_int_eq(skpi_time_parse("2026-03-01T05:30:00+05:30", &t, &err), SKPI_OK);
    ck_assert_int_eq(t, 1772323200);
    ck_assert_int_eq(err.code, SKPI_OK);
    ck_assert_str_eq(err.message, "");
    char buf[SKPI_TIME_TEXT_SIZE];
    ck_assert_int_eq(skpi_time_format(t, buf, sizeof buf, &err), SKPI_OK);
    ck_assert_str_eq(buf, "2026-03-01T00:00:00Z");
    ck_assert_uint_eq(skpi_time_text_size(), SKPI_TIME_TEXT_SIZE);
    ck_assert_int_eq(skpi_bucket_label(t, SKPI_BUCKET_WEEK, buf, sizeof buf, &err), SKPI_OK);
    ck_assert_str_eq(buf, "2026-W09");
    ck_assert_int_eq(skpi_bucket_label(t, SKPI_BUCKET_QUARTER, buf, sizeof buf, NULL), SKPI_OK);
    ck_assert_str_eq(buf, "2026-Q1");
}
END_TEST

START_TEST(durations)
{
    int64_t s = -1;
    ck_assert_int_eq(skpi_duration_parse("7d", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 604800);
    ck_assert_int_eq(skpi_duration_parse("36h", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 129600);
    ck_assert_int_eq(skpi_duration_parse("604800s", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 604800);
    ck_assert_int_eq(skpi_duration_parse("604800", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 604800);
    ck_assert_int_eq(skpi_duration_parse("0", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(skpi_duration_parse("0d", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(skpi_duration_parse("90d", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 7776000);
}
END_TEST

START_TEST(bucket_names)
{
    const char *names[] = { "day", "week", "month", "quarter" };
    for (int b = SKPI_BUCKET_DAY; b <= SKPI_BUCKET_QUARTER; b++) {
        ck_assert_str_eq(skpi_bucket_name(b), names[b - 1]);
        int back = -1;
        ck_assert_int_eq(skpi_bucket_from_name(names[b - 1], &back), SKPI_OK);
        ck_assert_int_eq(back, b);
    }
    ck_assert_ptr_null(skpi_bucket_name(SKPI_BUCKET_NONE));
    ck_assert_ptr_null(skpi_bucket_name(5));
    ck_assert_ptr_null(skpi_bucket_name(-1));
}
END_TEST

/* ---- Limits ---- */

START_TEST(int64_bounds)
{
    int64_t v = 0;
    ck_assert_int_eq(skpi__parse_int64("9223372036854775807", 19, &v), SKPI_OK);
    ck_assert(v == INT64_MAX);
    ck_assert_int_eq(skpi__parse_int64("-9223372036854775808", 20, &v), SKPI_OK);
    ck_assert(v == INT64_MIN);
    ck_assert_int_eq(skpi__parse_int64("00000000000000000000009223372036854775807", 41, &v),
                     SKPI_OK);
    ck_assert(v == INT64_MAX);
    v = 5;
    ck_assert_int_eq(skpi__parse_int64("9223372036854775808", 19, &v), SKPI_ERANGE);
    ck_assert_int_eq(skpi__parse_int64("-9223372036854775809", 20, &v), SKPI_ERANGE);
    ck_assert_int_eq(skpi__parse_int64("99999999999999999999999", 23, &v), SKPI_ERANGE);
    ck_assert_int_eq(v, 5);
    ck_assert(parse("9223372036854775807", SKPI_OK) == INT64_MAX);
    ck_assert(parse("-9223372036854775807", SKPI_OK) == INT64_MIN + 1);
    /* INT64_MIN is the library's "unset": no time has it. */
    parse("-9223372036854775808", SKPI_ERANGE);
    parse("9223372036854775808", SKPI_ERANGE);
    parse("-9223372036854775809", SKPI_ERANGE);
}
END_TEST

START_TEST(extreme_instants)
{
    ck_assert_str_eq(iso(INT64_MAX), "292277026596-12-04T15:30:07Z");
    ck_assert_str_eq(iso(INT64_MIN), "-292277022657-01-27T08:29:52Z");
    ck_assert_uint_lt(strlen(iso(INT64_MIN)), SKPI_TIME_TEXT_SIZE);
    ck_assert_str_eq(label(INT64_MAX, SKPI_BUCKET_WEEK), "292277026596-W48");
    ck_assert_str_eq(label(INT64_MIN, SKPI_BUCKET_WEEK), "-292277022657-W04");
    ck_assert_str_eq(label(INT64_MIN, SKPI_BUCKET_DAY), "-292277022657-01-27");
    ck_assert_str_eq(label(INT64_MIN, SKPI_BUCKET_MONTH), "-292277022657-01");
    ck_assert_str_eq(label(INT64_MAX, SKPI_BUCKET_QUARTER), "292277026596-Q4");
    /* Years 0000 and 9999, and beyond them through an offset. */
    ck_assert_int_eq(parse("0000-01-01T00:00:00Z", SKPI_OK), -62167219200);
    ck_assert_int_eq(parse("9999-12-31T23:59:59Z", SKPI_OK), 253402300799);
    ck_assert_str_eq(iso(parse("0000-01-01T00:00:00+01:00", SKPI_OK)), "-0001-12-31T23:00:00Z");
    ck_assert_str_eq(iso(parse("9999-12-31T23:59:59-00:01", SKPI_OK)), "10000-01-01T00:00:59Z");
    ck_assert_str_eq(iso(-62167219200), "0000-01-01T00:00:00Z");
    ck_assert_str_eq(label(-62167219200 - 1, SKPI_BUCKET_QUARTER), "-0001-Q4");
    ck_assert_str_eq(iso(parse("0000-02-29T00:00:00Z", SKPI_OK)), "0000-02-29T00:00:00Z");
    char buf[SKPI_TIME_TEXT_SIZE];
    ck_assert_int_eq(skpi_time_format(INT64_MIN, buf, sizeof buf, NULL), SKPI_OK);
}
END_TEST

START_TEST(every_field_at_its_bounds)
{
    ck_assert_int_eq(parse("2026-01-01T23:59:59Z", SKPI_OK), 1767311999);
    ck_assert_int_eq(parse("2026-01-01T00:00:00+23:59", SKPI_OK), 1767225600 - 86340);
    ck_assert_int_eq(parse("2026-01-01T00:00:00-23:59", SKPI_OK), 1767225600 + 86340);
    ck_assert_int_eq(parse("2026-12-31T00:00:00Z", SKPI_OK), 1798675200);
}
END_TEST

START_TEST(exact_buffer_sizes)
{
    char buf[SKPI_TIME_TEXT_SIZE];
    ck_assert_int_eq(skpi__format_iso(0, buf, 21), SKPI_OK);
    ck_assert_int_eq(skpi__format_iso(0, buf, 20), SKPI_ENOSPACE);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(skpi__format_iso(0, buf, 0), SKPI_ENOSPACE);
    int64_t week = skpi__bucket_of(0, SKPI_BUCKET_WEEK);
    ck_assert_int_eq(skpi__bucket_label(week, SKPI_BUCKET_WEEK, buf, 9), SKPI_OK);
    ck_assert_str_eq(buf, "1970-W01");
    ck_assert_int_eq(skpi__bucket_label(week, SKPI_BUCKET_WEEK, buf, 8), SKPI_ENOSPACE);
    ck_assert_str_eq(buf, "");
    skpi_error err;
    ck_assert_int_eq(skpi_time_format(0, buf, 20, &err), SKPI_ENOSPACE);
    ck_assert_int_eq(err.code, SKPI_ENOSPACE);
    ck_assert_int_eq(skpi_bucket_label(0, SKPI_BUCKET_DAY, buf, 10, &err), SKPI_ENOSPACE);
    ck_assert_int_eq(skpi_bucket_label(0, SKPI_BUCKET_DAY, buf, 11, &err), SKPI_OK);
    ck_assert_str_eq(buf, "1970-01-01");
}
END_TEST

START_TEST(buckets_beyond_int64_times_have_no_label)
{
    char buf[SKPI_TIME_TEXT_SIZE];
    for (int unit = SKPI_BUCKET_DAY; unit <= SKPI_BUCKET_QUARTER; unit++) {
        int64_t lo = skpi__bucket_of(INT64_MIN, unit), hi = skpi__bucket_of(INT64_MAX, unit);
        ck_assert_int_eq(skpi__bucket_label(lo, unit, buf, sizeof buf), SKPI_OK);
        ck_assert_int_eq(skpi__bucket_label(hi, unit, buf, sizeof buf), SKPI_OK);
        ck_assert_int_eq(skpi__bucket_label(lo - 1, unit, buf, sizeof buf), SKPI_ERANGE);
        ck_assert_int_eq(skpi__bucket_label(hi + 1, unit, buf, sizeof buf), SKPI_ERANGE);
        ck_assert_int_eq(skpi__bucket_label(INT64_MAX, unit, buf, sizeof buf), SKPI_ERANGE);
    }
    ck_assert_int_eq(skpi__bucket_label(0, SKPI_BUCKET_NONE, buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi__bucket_label(0, 5, buf, sizeof buf), SKPI_EINVAL);
}
END_TEST

/* A small deterministic generator (xorshift64*), so failures reproduce. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;

static uint64_t next_random(void)
{
    return test_xorshift_next(&rng_state);
}

/* libc's view of t, for years 0001-9999.  glibc's %Y and %G do not pad
 * years before 1000 to four digits, so the year is printed here. */
static void reference(int64_t t, char *iso_text, char *day, char *month, char *week,
                      char *quarter)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm))
        ck_abort_msg("gmtime_r(%lld) failed", (long long)t);
    int y = tm.tm_year + 1900, m = tm.tm_mon + 1;
    snprintf(iso_text, 128, "%04d-%02d-%02dT%02d:%02d:%02dZ", y, m, tm.tm_mday, tm.tm_hour,
             tm.tm_min, tm.tm_sec);
    snprintf(day, 128, "%04d-%02d-%02d", y, m, tm.tm_mday);
    snprintf(month, 128, "%04d-%02d", y, m);
    snprintf(quarter, 128, "%04d-Q%d", y, (m - 1) / 3 + 1);
    char iso_year[16], iso_week[16];
    strftime(iso_year, sizeof iso_year, "%G", &tm);
    strftime(iso_week, sizeof iso_week, "%V", &tm);
    snprintf(week, 128, "%04d-W%s", atoi(iso_year), iso_week);
}

START_TEST(agrees_with_libc_on_random_instants)
{
    ck_assert_uint_ge(sizeof(time_t), 8);
    const int64_t lo = -62135596800;        /* 0001-01-01 */
    const int64_t span = 253402300799 - lo; /* to 9999-12-31T23:59:59 */
    for (int i = 0; i < (test_quick() ? 10000 : 200000); i++) {
        /* Half anywhere in 0001-9999, half in 1900-2100 where data lives. */
        int64_t t = i % 2 ? lo + (int64_t)(next_random() % (uint64_t)span)
                          : -2208988800 + (int64_t)(next_random() % 6311433600u);
        char want_iso[128], want_day[128], want_month[128], want_week[128], want_quarter[128];
        reference(t, want_iso, want_day, want_month, want_week, want_quarter);
        expect_str(iso(t), want_iso, t);
        expect_str(label(t, SKPI_BUCKET_DAY), want_day, t);
        expect_str(label(t, SKPI_BUCKET_MONTH), want_month, t);
        expect_str(label(t, SKPI_BUCKET_WEEK), want_week, t);
        expect_str(label(t, SKPI_BUCKET_QUARTER), want_quarter, t);
        /* The text reads back as the same instant. */
        if (parse(want_iso, SKPI_OK) != t)
            ck_abort_msg("'%s' does not read back as %lld", want_iso, (long long)t);
    }
}
END_TEST

START_TEST(offsets_agree_with_utc)
{
    /* The same instant written in every offset of a 15-minute grid. */
    for (int i = 0; i < (test_quick() ? 2000 : 20000); i++) {
        int64_t t = -2208988800 + (int64_t)(next_random() % 6311433600u);
        int offset = (int)(next_random() % (2 * 96 + 1)) * 15 - 96 * 15;   /* minutes */
        if (offset <= -24 * 60 || offset >= 24 * 60)
            continue;
        int64_t local = t + offset * 60;
        char text[64];
        ck_assert_int_eq(skpi__format_iso(local, text, sizeof text), SKPI_OK);
        int a = offset < 0 ? -offset : offset;
        snprintf(text + 19, sizeof text - 19, "%c%02d:%02d", offset < 0 ? '-' : '+', a / 60,
                 a % 60);
        if (parse(text, SKPI_OK) != t)
            ck_abort_msg("'%s' is not %lld", text, (long long)t);
    }
}
END_TEST

START_TEST(buckets_are_ordered)
{
    /* Consecutive days never step a bucket back, and a bucket number changes
     * exactly when its label does. */
    for (int unit = SKPI_BUCKET_DAY; unit <= SKPI_BUCKET_QUARTER; unit++) {
        int64_t t = parse("1899-12-25T00:00:00Z", SKPI_OK);
        int64_t prev = skpi__bucket_of(t, unit);
        char prev_label[SKPI_TIME_TEXT_SIZE];
        strcpy(prev_label, label(t, unit));
        for (int day = 0; day < 200 * 366; day++) {
            t += 86400;
            int64_t b = skpi__bucket_of(t, unit);
            const char *l = label(t, unit);
            int order = strcmp(l, prev_label);
            if (b < prev || b > prev + 1 || (b != prev) != (order != 0) || order < 0)
                ck_abort_msg("unit %d, t = %lld: bucket %lld '%s' after %lld '%s'", unit,
                             (long long)t, (long long)b, l, (long long)prev, prev_label);
            prev = b;
            strcpy(prev_label, l);
        }
    }
}
END_TEST

/* ---- Errors ---- */

typedef struct bad_time {
    const char *text;
    int rc;
} bad_time;

static const bad_time bad_times[] = {
    { "", SKPI_ESYNTAX },
    { "-", SKPI_ESYNTAX },
    { "+1", SKPI_ESYNTAX },
    { " 1", SKPI_ESYNTAX },
    { "1 ", SKPI_ESYNTAX },
    { "1.5", SKPI_ESYNTAX },
    { "1e5", SKPI_ESYNTAX },
    { "0x10", SKPI_ESYNTAX },
    { "--1", SKPI_ESYNTAX },
    { "12a", SKPI_ESYNTAX },
    { "99999999999999999999", SKPI_ERANGE },
    { "2023-02-29T00:00:00Z", SKPI_ESYNTAX },      /* not a leap year */
    { "1900-02-29T00:00:00Z", SKPI_ESYNTAX },
    { "2024-02-30T00:00:00Z", SKPI_ESYNTAX },
    { "2024-04-31T00:00:00Z", SKPI_ESYNTAX },
    { "2024-13-01T00:00:00Z", SKPI_ESYNTAX },
    { "2024-00-10T00:00:00Z", SKPI_ESYNTAX },
    { "2024-01-00T00:00:00Z", SKPI_ESYNTAX },
    { "2024-01-01T24:00:00Z", SKPI_ESYNTAX },
    { "2024-01-01T23:60:00Z", SKPI_ESYNTAX },
    { "2024-01-01T23:59:60Z", SKPI_ESYNTAX },      /* no leap second */
    { "2024-01-01T00:00:00", SKPI_ESYNTAX },       /* no zone */
    { "2024-01-01 00:00:00", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00.5Z", SKPI_ESYNTAX },    /* no fraction */
    { "2024-01-01T00:00:00.000+01:00", SKPI_ESYNTAX },
    { "2024-01-01", SKPI_ESYNTAX },                /* a date alone */
    { "2024-01-01T00:00Z", SKPI_ESYNTAX },
    { "2024-01-01t00:00:00Z", SKPI_ESYNTAX },      /* T and Z upper case only */
    { "2024-01-01T00:00:00z", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00+24:00", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00+05:60", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00+0530", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00+05", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00 +05:00", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00Z+05:00", SKPI_ESYNTAX },
    { "2024-01-01  00:00:00Z", SKPI_ESYNTAX },
    { "2024-01-01_00:00:00Z", SKPI_ESYNTAX },
    { "24-01-01T00:00:00Z", SKPI_ESYNTAX },
    { "2024-1-01T00:00:00Z", SKPI_ESYNTAX },
    { "+2024-01-01T00:00:00Z", SKPI_ESYNTAX },
    { "-2024-01-01T00:00:00Z", SKPI_ESYNTAX },
    { "02024-01-01T00:00:00Z", SKPI_ESYNTAX },
    { "2024/01/01T00:00:00Z", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00Z ", SKPI_ESYNTAX },
    { " 2024-01-01T00:00:00Z", SKPI_ESYNTAX },
    { "2024-01-01T00:00:00UTC", SKPI_ESYNTAX },
    { "2024-01-01T0a:00:00Z", SKPI_ESYNTAX },
};

START_TEST(bad_timestamps)
{
    const bad_time *b = &bad_times[_i];
    int64_t v = 777;
    int rc = skpi__parse_time(b->text, strlen(b->text), &v);
    ck_assert_msg(rc == b->rc, "'%s': got %d, expected %d", b->text, rc, b->rc);
    ck_assert_int_eq(v, 777);
    skpi_error err;
    ck_assert_int_eq(skpi_time_parse(b->text, &v, &err), b->rc);
    ck_assert_int_eq(err.code, b->rc);
    ck_assert_ptr_nonnull(strstr(err.message, "timestamp"));
    ck_assert_int_eq(v, 777);
}
END_TEST

START_TEST(bad_integers)
{
    const char *bad[] = { "", "-", "+1", " 1", "1 ", "1.0", "1,000", "--1", "1-", "x" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int64_t v = 9;
        ck_assert_int_eq(skpi__parse_int64(bad[i], strlen(bad[i]), &v), SKPI_EINVAL);
        ck_assert_int_eq(v, 9);
    }
    /* An overlong text that is no number at all is EINVAL, not ERANGE. */
    int64_t v;
    ck_assert_int_eq(skpi__parse_int64("99999999999999999999x", 21, &v), SKPI_EINVAL);
    /* A NUL inside the slice is not a digit. */
    ck_assert_int_eq(skpi__parse_int64("1\0002", 3, &v), SKPI_EINVAL);
}
END_TEST

START_TEST(reasons_are_given)
{
    skpi_error err;
    int64_t v;
    ck_assert_int_eq(skpi_time_parse("2023-02-29T00:00:00Z", &v, &err), SKPI_ESYNTAX);
    ck_assert_ptr_nonnull(strstr(err.message, "no such date"));
    ck_assert_ptr_nonnull(strstr(err.message, "2023-02-29T00:00:00Z"));
    ck_assert_int_eq(skpi_time_parse("2024-01-01T24:00:00Z", &v, &err), SKPI_ESYNTAX);
    ck_assert_ptr_nonnull(strstr(err.message, "time of day"));
    ck_assert_int_eq(skpi_time_parse("2024-01-01T00:00:00+24:00", &v, &err), SKPI_ESYNTAX);
    ck_assert_ptr_nonnull(strstr(err.message, "offset"));
    ck_assert_int_eq(skpi_time_parse("yesterday", &v, &err), SKPI_ESYNTAX);
    ck_assert_ptr_nonnull(strstr(err.message, "not a timestamp"));
    ck_assert_int_eq(skpi_time_parse("9223372036854775808", &v, &err), SKPI_ERANGE);
    ck_assert_ptr_nonnull(strstr(err.message, "int64"));
    const char *why = NULL;
    ck_assert_int_eq(skpi__parse_time_why("2024-02-30T00:00:00Z", 20, &v, &why), SKPI_ESYNTAX);
    ck_assert_str_eq(why, "no such date");
}
END_TEST

START_TEST(bad_durations)
{
    const char *syntax[] = { "", "d", "s", "-1d", "+1d", "-1", "1w", "1.5h", "1 d", " 1",
                             "1 ", "1D", "1dd", "d1", "1m", "0x1", "1h30m" };
    for (size_t i = 0; i < sizeof syntax / sizeof syntax[0]; i++) {
        int64_t s = 5;
        skpi_error err;
        ck_assert_msg(skpi_duration_parse(syntax[i], &s, &err) == SKPI_ESYNTAX, "'%s'",
                      syntax[i]);
        ck_assert_int_eq(err.code, SKPI_ESYNTAX);
        ck_assert_ptr_nonnull(strstr(err.message, "duration"));
        ck_assert_int_eq(s, 5);
    }
    int64_t s = 5;
    ck_assert_int_eq(skpi_duration_parse("9223372036854775807", &s, NULL), SKPI_OK);
    ck_assert(s == INT64_MAX);
    ck_assert_int_eq(skpi_duration_parse("9223372036854775807s", &s, NULL), SKPI_OK);
    ck_assert_int_eq(skpi_duration_parse("9223372036854775808", &s, NULL), SKPI_ERANGE);
    ck_assert_int_eq(skpi_duration_parse("106751991167300d", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 106751991167300 * 86400);
    ck_assert_int_eq(skpi_duration_parse("106751991167301d", &s, NULL), SKPI_ERANGE);
    ck_assert_int_eq(skpi_duration_parse("2562047788015215h", &s, NULL), SKPI_OK);
    ck_assert_int_eq(s, 2562047788015215 * 3600);
    ck_assert_int_eq(skpi_duration_parse("2562047788015216h", &s, NULL), SKPI_ERANGE);
    ck_assert_int_eq(skpi_duration_parse("99999999999999999999999d", &s, NULL), SKPI_ERANGE);
}
END_TEST

START_TEST(null_arguments)
{
    int64_t v;
    char buf[SKPI_TIME_TEXT_SIZE];
    skpi_error err;
    ck_assert_int_eq(skpi_time_parse(NULL, &v, &err), SKPI_EINVAL);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_int_eq(skpi_time_parse("0", NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_duration_parse(NULL, &v, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_duration_parse("1d", NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_time_format(0, NULL, 32, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_label(0, SKPI_BUCKET_DAY, NULL, 32, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_label(0, SKPI_BUCKET_NONE, buf, sizeof buf, &err), SKPI_EINVAL);
    ck_assert_str_eq(buf, "");
    ck_assert_ptr_nonnull(strstr(err.message, "bucket"));
    ck_assert_int_eq(skpi_bucket_label(0, 9, buf, sizeof buf, NULL), SKPI_EINVAL);
    int b = 7;
    ck_assert_int_eq(skpi_bucket_from_name(NULL, &b), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_from_name("day", NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_from_name("Day", &b), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_from_name("none", &b), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_from_name("", &b), SKPI_EINVAL);
    ck_assert_int_eq(skpi_bucket_from_name("weeks", &b), SKPI_EINVAL);
    ck_assert_int_eq(b, 7);
}
END_TEST

Suite *make_timefmt_suite(void)
{
    Suite *s = suite_create("timefmt");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, integers);
    tcase_add_test(core, integers_against_a_reference);
    tcase_add_test(core, epoch_seconds);
    tcase_add_test(core, iso_with_zone);
    tcase_add_test(core, format_iso);
    tcase_add_test(core, week_labels_across_years);
    tcase_add_test(core, day_month_quarter_labels);
    tcase_add_test(core, labels_of_negative_times);
    tcase_add_test(core, calendar_round_trip);
    tcase_add_test(core, public_time_parse_and_format);
    tcase_add_test(core, durations);
    tcase_add_test(core, bucket_names);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, int64_bounds);
    tcase_add_test(limits, extreme_instants);
    tcase_add_test(limits, every_field_at_its_bounds);
    tcase_add_test(limits, exact_buffer_sizes);
    tcase_add_test(limits, buckets_beyond_int64_times_have_no_label);
    tcase_add_test(limits, agrees_with_libc_on_random_instants);
    tcase_add_test(limits, offsets_agree_with_utc);
    tcase_add_test(limits, buckets_are_ordered);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_loop_test(errors, bad_timestamps, 0, (int)(sizeof bad_times / sizeof bad_times[0]));
    tcase_add_test(errors, bad_integers);
    tcase_add_test(errors, reasons_are_given);
    tcase_add_test(errors, bad_durations);
    tcase_add_test(errors, null_arguments);
    suite_add_tcase(s, errors);
    return s;
}
