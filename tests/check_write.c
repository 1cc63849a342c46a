/* The writers (SPEC §9): the JSON report into a buffer and a stream, the
 * CSV table; and the text of format.h (money, percentages, durations). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "suites.h"
#include "testdata.h"
#include "testutil.h"

#define D 86400
#define B 1772323200          /* 2026-03-01T00:00Z */
#define FAR (B + 400 * D)

/* A region value that needs every kind of JSON escape, and UTF-8 that needs none. */
#define NASTY "q\"b\\s\n\t\r\x01\x1f\xc3\xa9"
#define NASTY_JSON "\"q\\\"b\\\\s\\n\\t\\r\\u0001\\u001f\xc3\xa9\""
/* A channel that CSV must quote. */
#define COMMA "a,\"b"

static skpi_records *rec;
static skpi_chains *chains;
static skpi_ledger *led;

static void addc(const char *id, const char *channel, int tier, int64_t opened, int outcome,
                 const char *region)
{
    static const char *const names[] = { "region" };
    const char *values[1] = { region };
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = id;
    c.reason = "r";
    c.channel = channel;
    c.tier = tier;
    c.opened_at = opened;
    c.closed_at = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET : opened + 600;
    c.handle_seconds = 300;
    c.outcome = outcome;
    c.dimension_count = 1;
    c.dimension_names = names;
    c.dimension_values = values;
    ck_assert_msg(skpi_records_add(rec, &c) == SKPI_OK, "%s", skpi_records_errmsg(rec));
}

/* a: chat, tier 1, the nasty region; b: the comma channel, tier 2, eu;
 * c: no channel, tier 0, no region, open; d: chat, tier 1, eu, a month later. */
static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    addc("a", "chat", 1, B, SKPI_OUTCOME_RESOLVED, NASTY);
    addc("b", COMMA, 2, B + 10, SKPI_OUTCOME_ABANDONED, "eu");
    addc("c", "", 0, B + 20, SKPI_OUTCOME_OPEN, NULL);
    addc("d", "chat", 1, B + 31 * D, SKPI_OUTCOME_RESOLVED, "eu");
    test_stitch(&chains, rec, FAR, SKPI_ANCHOR_FIRST);
    ck_assert_int_eq(skpi_ledger_new(&led, "EUR", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(led, SKPI_CATEGORY_DIRECT_LABOR, 100000, B, B + 60 * D,
                                           SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(led, SKPI_CATEGORY_OTHER, 999, B - 10 * D, B - D,
                                           SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL), SKPI_OK);
}

static void teardown(void)
{
    test_free_handles(&rec, &chains, &led);
}

static skpi_breakdown *run(const skpi_ledger *l, const char *k0, int bucket)
{
    return test_breakdown(chains, l, k0, NULL, bucket);
}

/* Everything written to a stream by `write` (caller frees). */
static char *stream_text(FILE *f, size_t *len)
{
    long end = ftell(f);
    ck_assert_int_ge(end, 0);
    rewind(f);
    char *text = malloc((size_t)end + 1);
    ck_assert_ptr_nonnull(text);
    ck_assert_uint_eq(fread(text, 1, (size_t)end, f), (size_t)end);
    text[end] = '\0';
    *len = (size_t)end;
    return text;
}

static void contains(const char *text, const char *part)
{
    ck_assert_msg(strstr(text, part) != NULL, "no '%s' in:\n%s", part, text);
}

/* ---- JSON ---- */

START_TEST(json_buffer_equals_stream)
{
    static const struct { const char *by; int bucket; int ledger; int64_t skipped; } cases[] = {
        { "channel", SKPI_BUCKET_MONTH, 1, SKPI_UNSET },
        { "region", 0, 1, 7 },
        { "tier", SKPI_BUCKET_WEEK, 0, 0 },
        { NULL, 0, 1, SKPI_UNSET },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        skpi_breakdown *b = run(cases[k].ledger ? led : NULL, cases[k].by, cases[k].bucket);
        char *json = test_breakdown_json(b, cases[k].skipped);
        FILE *f = tmpfile();
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(skpi_breakdown_write_json(b, f, cases[k].skipped), SKPI_OK);
        size_t len;
        char *streamed = stream_text(f, &len);
        ck_assert_uint_eq(len, strlen(json));
        ck_assert_int_eq(memcmp(json, streamed, len), 0);
        ck_assert_int_eq(json[0], '{');
        ck_assert_int_eq(json[len - 1], '\n');
        free(streamed);
        free(json);
        fclose(f);
        skpi_breakdown_free(b);
    }
}
END_TEST

START_TEST(json_too_small_buffer)
{
    skpi_breakdown *b = run(led, "channel", 0);
    char *json = test_breakdown_json(b, SKPI_UNSET);
    size_t len = strlen(json);
    char *buf = malloc(len + 1);
    ck_assert_ptr_nonnull(buf);
    size_t caps[] = { 1, 2, len / 2, len };
    for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
        size_t needed = 0;
        memset(buf, 'x', len + 1);
        ck_assert_int_eq(skpi_breakdown_json(b, buf, caps[k], &needed, SKPI_UNSET), SKPI_ENOSPACE);
        ck_assert_uint_eq(needed, len + 1);
        ck_assert_int_eq(buf[0], '\0');
        ck_assert_int_eq(buf[caps[k]], 'x');   /* nothing written past cap */
    }
    /* exactly enough */
    ck_assert_int_eq(skpi_breakdown_json(b, buf, len + 1, NULL, SKPI_UNSET), SKPI_OK);
    ck_assert_str_eq(buf, json);
    /* a NULL buffer with a capacity is a mistake */
    ck_assert_int_eq(skpi_breakdown_json(b, NULL, 10, NULL, SKPI_UNSET), SKPI_EINVAL);
    ck_assert_int_eq(skpi_breakdown_json(NULL, buf, len + 1, NULL, SKPI_UNSET), SKPI_EINVAL);
    free(buf);
    free(json);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(failing_stream_is_eio)
{
    FILE *f = fopen("/dev/full", "w");
    if (!f)
        return;  /* not on this system */
    skpi_breakdown *b = run(led, "channel", 0);
    ck_assert_int_eq(skpi_breakdown_write_json(b, f, SKPI_UNSET), SKPI_EIO);
    fclose(f);
    f = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(skpi_breakdown_write_csv(b, f), SKPI_EIO);
    fclose(f);
    /* unbuffered: the first write already fails */
    f = fopen("/dev/full", "w");
    ck_assert_ptr_nonnull(f);
    setvbuf(f, NULL, _IONBF, 0);
    ck_assert_int_eq(skpi_breakdown_write_json(b, f, SKPI_UNSET), SKPI_EIO);
    fclose(f);
    ck_assert_int_eq(skpi_breakdown_write_json(b, NULL, SKPI_UNSET), SKPI_EINVAL);
    ck_assert_int_eq(skpi_breakdown_write_csv(b, NULL), SKPI_EINVAL);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(json_escapes_key_values)
{
    skpi_breakdown *b = run(led, "region", 0);
    /* rows: null (c), eu (b d), the nasty value (a) */
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 3);
    ck_assert_str_eq(skpi_breakdown_key_value(b, 2, 0), NASTY);
    char *json = test_breakdown_json(b, SKPI_UNSET);
    contains(json, "\"region\": " NASTY_JSON "\n");
    contains(json, "\"region\": null\n");
    contains(json, "\"region\": \"eu\"\n");
    contains(json, "\"by\": [\n      \"region\"\n    ],\n");
    /* no raw control character anywhere */
    for (const char *p = json; *p; p++)
        ck_assert_msg(*p == '\n' || (unsigned char)*p >= 0x20, "raw byte %d", *p);
    free(json);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(json_tier_key_is_a_number)
{
    skpi_breakdown *b = run(led, "tier", SKPI_BUCKET_MONTH);
    char *json = test_breakdown_json(b, SKPI_UNSET);
    contains(json, "\"tier\": 0,\n");
    contains(json, "\"tier\": 1,\n");
    contains(json, "\"tier\": 2,\n");
    ck_assert_ptr_null(strstr(json, "\"tier\": \""));
    contains(json, "\"month\": \"2026-03\"\n");
    contains(json, "\"bucket\": \"month\"");
    free(json);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(json_skipped_rows_only_when_set)
{
    skpi_breakdown *b = run(led, NULL, 0);
    char *json = test_breakdown_json(b, SKPI_UNSET);
    ck_assert_ptr_null(strstr(json, "skipped_rows"));
    contains(json, "\"bucket\": null\n  },\n");
    free(json);
    json = test_breakdown_json(b, 0);
    contains(json, "\"bucket\": null,\n    \"skipped_rows\": 0\n  },\n");
    free(json);
    json = test_breakdown_json(b, 12);
    contains(json, "\"skipped_rows\": 12\n");
    free(json);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(json_ledger_figures_and_absent_values)
{
    skpi_breakdown *b = run(led, "channel", 0);
    char *json = test_breakdown_json(b, SKPI_UNSET);
    /* 100000 over the 4 contacts; the 999 entry predates them all */
    contains(json, "{\n  \"currency\": \"EUR\",\n");
    contains(json, "\"ledger_total\": 100999,\n  \"unallocated\": 999,\n"
                   "  \"escalation_adjusted_unallocated\": null,\n");
    contains(json, "\"cost\": 100000,\n");
    contains(json, "\"escalation_premium\": null,\n");
    contains(json, "\"open_chains\": 1,\n    \"pending_chains\": 0\n  },\n");
    /* the null-channel row: c, open: CPT absent */
    contains(json, "\"key\": {\n        \"channel\": null\n      },\n      \"contacts\": 1,\n");
    contains(json, "\"channel\": \"a,\\\"b\"\n");
    contains(json, "\"by\": [\n      \"channel\"\n    ],\n");
    free(json);
    skpi_breakdown_free(b);
    /* no ledger: every ledger figure null */
    b = run(NULL, NULL, 0);
    json = test_breakdown_json(b, SKPI_UNSET);
    contains(json, "\"currency\": null,\n");
    contains(json, "\"ledger_total\": null,\n  \"unallocated\": null,\n"
                   "  \"escalation_adjusted_unallocated\": null,\n");
    contains(json, "\"cost\": null,\n");
    contains(json, "\"key\": {},\n");
    contains(json, "\"by\": [],\n");
    free(json);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- CSV ---- */

/* Split one CSV line (RFC 4180 quoting) into fields; returns their number. */
static size_t split_csv(const char *line, char fields[][128], size_t max)
{
    size_t n = 0;
    const char *p = line;
    for (;;) {
        ck_assert_uint_lt(n, max);
        char *out = fields[n++];
        size_t len = 0;
        if (*p == '"') {
            for (p++;; p++) {
                ck_assert_msg(*p != '\0', "unterminated quote in %s", line);
                if (*p == '"' && p[1] == '"')
                    p++;
                else if (*p == '"') {
                    p++;
                    break;
                }
                out[len++] = *p;
            }
        } else {
            while (*p && *p != ',' && *p != '\n')
                out[len++] = *p++;
        }
        out[len] = '\0';
        if (*p == ',') {
            p++;
            continue;
        }
        ck_assert_msg(*p == '\n' || *p == '\0', "junk after a field in %s", line);
        return n;
    }
}

static char *csv_of(const skpi_breakdown *b)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(skpi_breakdown_write_csv(b, f), SKPI_OK);
    size_t len;
    char *text = stream_text(f, &len);
    fclose(f);
    return text;
}

START_TEST(csv_table)
{
    skpi_breakdown *b = run(led, "channel", SKPI_BUCKET_MONTH);
    char *csv = csv_of(b);
    /* the header: kind, the keys, the 34 KPI names */
    char header[2048] = "kind,channel,month";
    for (int k = 0; k < skpi_kpi_count(); k++) {
        strcat(header, ",");
        strcat(header, skpi_kpi_name(k));
    }
    strcat(header, "\n");
    ck_assert_int_eq(strncmp(csv, header, strlen(header)), 0);
    ck_assert_int_eq(skpi_kpi_count(), 34);
    /* rows: null/03, "a,\"b"/03, chat/03, chat/04 (bytewise); then the total */
    size_t rows = skpi_breakdown_row_count(b);
    ck_assert_uint_eq(rows, 4);
    static char fields[64][128];
    const char *line = strchr(csv, '\n') + 1;
    size_t lines = 0;
    for (; *line; line = strchr(line, '\n') + 1, lines++) {
        size_t row = lines < rows ? lines : SKPI_ROW_TOTAL;
        ck_assert_uint_le(lines, rows);
        ck_assert_uint_eq(split_csv(line, fields, 64), 3 + 34);
        ck_assert_str_eq(fields[0], lines < rows ? "row" : "total");
        for (size_t j = 0; j < 2; j++) {
            const char *v = row == SKPI_ROW_TOTAL ? NULL : skpi_breakdown_key_value(b, row, j);
            ck_assert_str_eq(fields[1 + j], v ? v : "");
        }
        for (int k = 0; k < 34; k++) {
            char text[48];
            int rc = skpi_breakdown_text(b, row, k, text, sizeof text);
            ck_assert(rc == SKPI_OK || rc == SKPI_ABSENT);
            ck_assert_msg(strcmp(fields[3 + k], text) == 0, "line %zu %s: '%s' vs '%s'", lines,
                          skpi_kpi_name(k), fields[3 + k], text);
        }
    }
    ck_assert_uint_eq(lines, rows + 1);
    /* the quoted channel, the empty (null) channel, the total line last */
    contains(csv, "\nrow,\"a,\"\"b\",2026-03,1,");
    contains(csv, "\nrow,,2026-03,1,0,");
    char *last = strstr(csv, "\ntotal,,,4,3,");
    ck_assert_ptr_nonnull(last);
    ck_assert_ptr_eq(strchr(last + 1, '\n'), csv + strlen(csv) - 1);
    /* absent → an empty cell: the null row's contact is open, so its CPT is
     * empty; the total carries open_chains and pending_chains at the end */
    ck_assert(strstr(last, ",1,0\n") != NULL);
    free(csv);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(csv_absent_cells_are_empty)
{
    skpi_breakdown *b = run(NULL, "channel", 0);
    char *csv = csv_of(b);
    static char fields[64][128];
    /* the null-channel row: contact c, open; no ledger: every money cell empty */
    const char *line = strchr(csv, '\n') + 1;
    ck_assert_uint_eq(split_csv(line, fields, 64), 2 + 34);
    ck_assert_str_eq(fields[0], "row");
    ck_assert_str_eq(fields[1], "");
    ck_assert_str_eq(fields[2 + SKPI_KPI_CONTACTS], "1");
    ck_assert_str_eq(fields[2 + SKPI_KPI_CLOSED_CONTACTS], "0");
    ck_assert_str_eq(fields[2 + SKPI_KPI_COST], "");
    ck_assert_str_eq(fields[2 + SKPI_KPI_CPT], "");
    ck_assert_str_eq(fields[2 + SKPI_KPI_REOPEN_RATE], "");
    ck_assert_str_eq(fields[2 + SKPI_KPI_REPEAT_RATE], "0.0");
    ck_assert_str_eq(fields[2 + SKPI_KPI_OPEN_CHAINS], "");   /* the total's only */
    free(csv);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(csv_quotes_key_names_and_values)
{
    skpi_breakdown *b = run(led, "region", 0);
    char *csv = csv_of(b);
    /* the nasty value holds a quote, a newline and a CR: quoted, quotes doubled */
    contains(csv, "\nrow,\"q\"\"b\\s\n\t\r\x01\x1f\xc3\xa9\",1,");
    contains(csv, "\nrow,eu,2,");
    free(csv);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- format.h ---- */

static void money_is(int64_t v, const char *currency, const char *want)
{
    char buf[32];
    ck_assert_int_eq(skpi_format_money(v, currency, buf, sizeof buf), SKPI_OK);
    ck_assert_str_eq(buf, want);
}

START_TEST(format_money)
{
    money_is(123456, "USD", "1234.56");
    money_is(5, "USD", "0.05");
    money_is(-5, "USD", "-0.05");
    money_is(-123456, "USD", "-1234.56");
    money_is(0, "USD", "0.00");
    money_is(5, "JPY", "5");
    money_is(-5, "JPY", "-5");
    money_is(12345, "KWD", "12.345");
    money_is(-1, "KWD", "-0.001");
    money_is(123456, "XXX", "123456");
    money_is(12345, "CLF", "1.2345");
    money_is(100, "ABC", "1.00");  /* well formed, not listed: 2 digits */
    money_is(INT64_MIN, "USD", "-92233720368547758.08");
    money_is(INT64_MAX, "USD", "92233720368547758.07");
    money_is(INT64_MIN, "JPY", "-9223372036854775808");
    char buf[32] = "x";
    ck_assert_int_eq(skpi_format_money(1, "usd", buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(1, "US", buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(1, "USDX", buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(1, "", buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(1, NULL, buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(123456, "USD", buf, 7), SKPI_ENOSPACE);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(skpi_format_money(123456, "USD", buf, 8), SKPI_OK);
    ck_assert_str_eq(buf, "1234.56");
    ck_assert_int_eq(skpi_format_money(1, "USD", NULL, 8), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_money(1, "USD", buf, 0), SKPI_EINVAL);
}
END_TEST

static void percent_is(int64_t nanos, int decimals, const char *want)
{
    char buf[32];
    ck_assert_int_eq(skpi_format_percent(nanos, decimals, buf, sizeof buf), SKPI_OK);
    ck_assert_msg(strcmp(buf, want) == 0, "%lld, %d: '%s', want '%s'", (long long)nanos,
                  decimals, buf, want);
}

START_TEST(format_percent)
{
    percent_is(728874506, 1, "72.9%");
    percent_is(728874506, 0, "73%");
    percent_is(728874506, 7, "72.8874506%");
    percent_is(1234500, 1, "0.1%");       /* 0.12345 % */
    percent_is(1234500, 3, "0.123%");     /* 123.45 → 123 */
    percent_is(1235500, 3, "0.124%");     /* 123.55 → 124 */
    percent_is(1250000, 2, "0.12%");      /* 12.5, a tie: to even */
    percent_is(1350000, 2, "0.14%");      /* 13.5: to even */
    percent_is(1500000, 1, "0.2%");
    percent_is(2500000, 1, "0.2%");
    percent_is(5000000, 0, "0%");         /* 0.5 % */
    percent_is(15000000, 0, "2%");
    percent_is(25000000, 0, "2%");
    percent_is(1000000000, 1, "100.0%");
    percent_is(0, 2, "0.00%");
    percent_is(1, 7, "0.0000001%");
    percent_is(-15000000, 0, "-2%");
    percent_is(-1234500, 1, "-0.1%");
    percent_is(-5000000, 0, "0%");        /* -0.5 → 0, without a sign */
    percent_is(INT64_MAX, 7, "922337203685.4775807%");
    char buf[32] = "x";
    ck_assert_int_eq(skpi_format_percent(1, 8, buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_percent(1, -1, buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_percent(728874506, 1, buf, 5), SKPI_ENOSPACE);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(skpi_format_percent(728874506, 1, buf, 6), SKPI_OK);
    ck_assert_str_eq(buf, "72.9%");
}
END_TEST

static void duration_is(int64_t seconds, const char *want)
{
    char buf[32];
    ck_assert_int_eq(skpi_format_duration(seconds, buf, sizeof buf), SKPI_OK);
    ck_assert_str_eq(buf, want);
}

START_TEST(format_duration)
{
    duration_is(0, "0s");
    duration_is(1, "1s");
    duration_is(59, "59s");
    duration_is(60, "1m 0s");
    duration_is(61, "1m 1s");
    duration_is(3599, "59m 59s");
    duration_is(3600, "1h 0m");
    duration_is(3661, "1h 1m");
    duration_is(86399, "23h 59m");
    duration_is(86400, "1d 0h");
    duration_is(93784, "1d 2h");         /* 1 d 2 h 3 m 4 s */
    duration_is(INT64_MAX, "106751991167300d 15h");
    char buf[32] = "x";
    ck_assert_int_eq(skpi_format_duration(-1, buf, sizeof buf), SKPI_EINVAL);
    ck_assert_int_eq(skpi_format_duration(93784, buf, 5), SKPI_ENOSPACE);
    ck_assert_str_eq(buf, "");
    ck_assert_int_eq(skpi_format_duration(93784, buf, 6), SKPI_OK);
    ck_assert_str_eq(buf, "1d 2h");
}
END_TEST

Suite *make_write_suite(void)
{
    Suite *s = suite_create("write");
    TCase *json = tcase_create("Json");
    tcase_add_checked_fixture(json, setup, teardown);
    tcase_add_test(json, json_buffer_equals_stream);
    tcase_add_test(json, json_too_small_buffer);
    tcase_add_test(json, json_escapes_key_values);
    tcase_add_test(json, json_tier_key_is_a_number);
    tcase_add_test(json, json_skipped_rows_only_when_set);
    tcase_add_test(json, json_ledger_figures_and_absent_values);
    suite_add_tcase(s, json);

    TCase *csv = tcase_create("Csv");
    tcase_add_checked_fixture(csv, setup, teardown);
    tcase_add_test(csv, csv_table);
    tcase_add_test(csv, csv_absent_cells_are_empty);
    tcase_add_test(csv, csv_quotes_key_names_and_values);
    suite_add_tcase(s, csv);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, failing_stream_is_eio);
    suite_add_tcase(s, errors);

    TCase *format = tcase_create("Format");
    tcase_add_test(format, format_money);
    tcase_add_test(format, format_percent);
    tcase_add_test(format, format_duration);
    suite_add_tcase(s, format);
    return s;
}
