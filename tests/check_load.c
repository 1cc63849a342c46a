/* The loaders of SPEC §8 (contacts.csv, costs.csv, rates.csv) through the
 * public API: every case asserts the exact status, the exact messages (the
 * name, line and column of each `name:line:column:reason`, and a non-empty
 * reason) and, on failure, that the handle is exactly as it was.  Most input
 * is in memory; a few cases read a FILE and a path. */
#define _POSIX_C_SOURCE 200809L  /* mkstemp, fileno */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supportkpi.h"
#include "suites.h"
#include "testutil.h"

/* ---- the messages a load reported (system allocator) ---- */

#define MAX_MESSAGES 64

typedef struct messages {
    size_t n;
    char *text[MAX_MESSAGES];
} messages;

static messages got;

static void collect(void *context, const char *message)
{
    messages *m = context;
    if (m->n < MAX_MESSAGES) {
        size_t len = strlen(message);
        m->text[m->n] = malloc(len + 1);
        ck_assert_ptr_nonnull(m->text[m->n]);
        memcpy(m->text[m->n], message, len + 1);
    }
    m->n++;
}

static void forget_messages(void)
{
    for (size_t k = 0; k < got.n && k < MAX_MESSAGES; k++)
        free(got.text[k]);
    got.n = 0;
}

static void dump_messages(char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < got.n && k < MAX_MESSAGES && used < cap; k++)
        used += (size_t)snprintf(out + used, cap - used, "\n  %s", got.text[k]);
}

/* The messages are exactly `where[0..n)`, each as `where:reason` with a
 * non-empty reason. */
static void expect_messages(const char *const *where, size_t n)
{
    char all[4096];
    dump_messages(all, sizeof all);
    ck_assert_msg(got.n == n, "%zu messages, expected %zu:%s", got.n, n, all);
    for (size_t k = 0; k < n; k++) {
        const char *m = got.text[k];
        size_t len = strlen(where[k]);
        ck_assert_msg(strncmp(m, where[k], len) == 0 && m[len] == ':' && m[len + 1] != '\0',
                      "message %zu is '%s', expected '%s:<reason>'", k, m, where[k]);
    }
}

#define EXPECT_MESSAGES(...)                                                   \
    expect_messages((const char *const[]){ __VA_ARGS__ },                      \
                    sizeof((const char *const[]){ __VA_ARGS__ }) / sizeof(const char *))
#define EXPECT_NO_MESSAGES() expect_messages(NULL, 0)

/* ---- fixtures and loading helpers ---- */

static skpi_records *rec;
static skpi_ledger *ledger;       /* a costs load's result */
static skpi_ledger *rates_ledger; /* the target of rates loads */
static skpi_load_stats stats;

static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_new(&rates_ledger, "USD", NULL), SKPI_OK);
    ledger = NULL;
    got.n = 0;
}

static void teardown(void)
{
    forget_messages();
    skpi_records_free(rec);
    skpi_ledger_free(ledger);
    skpi_ledger_free(rates_ledger);
    rec = NULL;
    ledger = NULL;
    rates_ledger = NULL;
}

static skpi_load_options options_of(int skip)
{
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = skip;
    o.report = collect;
    o.context = &got;
    return o;
}

/* Load `len` bytes as contacts named c.csv (the messages collected afresh). */
static int load_contacts_n(skpi_records *r, const char *data, size_t len, int skip)
{
    forget_messages();
    skpi_load_options o = options_of(skip);
    skpi_input in = SKPI_INPUT_MEMORY(data, len, "c.csv");
    stats = (skpi_load_stats){ 99, 99 };
    return skpi_records_load(r, &in, &o, &stats);
}

static int load_contacts(skpi_records *r, const char *csv, int skip)
{
    return load_contacts_n(r, csv, strlen(csv), skip);
}

/* Load costs named k.csv into `ledger`. */
static int load_costs(const char *csv, int skip)
{
    forget_messages();
    skpi_ledger_free(ledger);
    ledger = (skpi_ledger *)&ledger;  /* must be overwritten */
    skpi_load_options o = options_of(skip);
    skpi_input in = SKPI_INPUT_MEMORY(csv, strlen(csv), "k.csv");
    skpi_error err;
    stats = (skpi_load_stats){ 99, 99 };
    int rc = skpi_ledger_load_costs(&ledger, &in, &o, &stats, &err);
    ck_assert_int_eq(err.code, rc);
    if (rc == SKPI_OK) {
        ck_assert_ptr_nonnull(ledger);
        ck_assert_str_eq(err.message, "");
    } else {
        ck_assert_ptr_null(ledger);
        ck_assert_str_ne(err.message, "");
    }
    return rc;
}

/* Load rates named r.csv into `rates_ledger`. */
static int load_rates(const char *csv, int skip)
{
    forget_messages();
    skpi_load_options o = options_of(skip);
    skpi_input in = SKPI_INPUT_MEMORY(csv, strlen(csv), "r.csv");
    stats = (skpi_load_stats){ 99, 99 };
    return skpi_ledger_load_rates(rates_ledger, &in, &o, &stats);
}

/* Records already holding one contact (and a dimension), so that "unchanged"
 * means something. */
static const char base_contacts[] = "id,opened_at,closed_at,outcome,zone\nz0,100,200,resolved,north\n";

static void populate(void)
{
    ck_assert_int_eq(load_contacts(rec, base_contacts, 0), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 1);
}

/* Load csv into the populated records: it must fail with `status`, change
 * nothing and leave a message in the handle. */
static void reject_contacts_n(const char *data, size_t len, int skip, int status)
{
    if (skpi_records_count(rec) == 0)
        populate();
    char *before = test_records_snapshot(rec);
    int rc = load_contacts_n(rec, data, len, skip);
    ck_assert_msg(rc == status, "status %d (%s), expected %d", rc, skpi_strerror(rc), status);
    ck_assert_int_eq(skpi_records_errcode(rec), status);
    ck_assert_str_ne(skpi_records_errmsg(rec), "");
    test_assert_records_snapshot(rec, before);
    free(before);
}

static void reject_contacts(const char *csv, int skip, int status)
{
    reject_contacts_n(csv, strlen(csv), skip, status);
}

static skpi_contact contact_at(const skpi_records *r, size_t i)
{
    skpi_contact c;
    ck_assert_int_eq(skpi_records_get(r, i, &c), SKPI_OK);
    return c;
}

static const char *dimension_of(const skpi_records *r, size_t i, const char *name)
{
    size_t d;
    ck_assert_int_eq(skpi_records_dimension_index(r, name, &d), SKPI_OK);
    return skpi_records_dimension_value(r, i, d);
}

/* ================= contacts: Core ================= */

START_TEST(line_endings_and_bom)
{
    static const char *const variants[] = {
        "id,customer,opened_at,closed_at,outcome\na1,alice,100,200,resolved\na2,bob,300,,open\n",
        "id,customer,opened_at,closed_at,outcome\r\na1,alice,100,200,resolved\r\na2,bob,300,,open\r\n",
        "\xEF\xBB\xBFid,customer,opened_at,closed_at,outcome\na1,alice,100,200,resolved\na2,bob,300,,open\n",
        "\xEF\xBB\xBFid,customer,opened_at,closed_at,outcome\r\na1,alice,100,200,resolved\r\na2,bob,300,,open",
        "id,customer,opened_at,closed_at,outcome\r\na1,alice,100,200,resolved\na2,bob,300,,open\r\n",
        "id,customer,opened_at,closed_at,outcome\n\n\r\na1,alice,100,200,resolved\n\n\na2,bob,300,,open\n\n",
    };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        skpi_records *r = NULL;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        ck_assert_msg(load_contacts(r, variants[v], 0) == SKPI_OK, "variant %zu", v);
        EXPECT_NO_MESSAGES();
        ck_assert_uint_eq(stats.rows, 2);
        ck_assert_uint_eq(stats.skipped, 0);
        ck_assert_uint_eq(skpi_records_count(r), 2);
        ck_assert_uint_eq(skpi_records_dimension_count(r), 0);
        skpi_contact a = contact_at(r, 0), b = contact_at(r, 1);
        ck_assert_str_eq(a.id, "a1");
        ck_assert_str_eq(a.customer, "alice");
        ck_assert_int_eq(a.opened_at, 100);
        ck_assert_int_eq(a.closed_at, 200);
        ck_assert_int_eq(a.outcome, SKPI_OUTCOME_RESOLVED);
        ck_assert_str_eq(b.id, "a2");
        ck_assert_str_eq(b.customer, "bob");
        ck_assert_int_eq(b.closed_at, SKPI_UNSET);
        ck_assert_int_eq(b.outcome, SKPI_OUTCOME_OPEN);
        skpi_records_free(r);
    }
}
END_TEST

START_TEST(empty_lines_count_in_line_numbers)
{
    /* lines: 1 header, 2 empty, 3 good, 4 and 5 empty, 6 bad, 7 CRLF empty, 8 bad */
    const char *csv = "id,opened_at,outcome\n\na1,100,open\n\n\na2,100,nope\r\n\r\na3,x,open\n";
    reject_contacts(csv, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:6:outcome", "c.csv:8:opened_at");
    ck_assert_uint_eq(stats.skipped, 2);
}
END_TEST

START_TEST(quoted_newline_keeps_line_numbers)
{
    const char *csv =
        "id,customer,opened_at,closed_at,outcome\n"   /* 1 */
        "a1,\"line one\nline two\",100,200,resolved\n" /* 2-3 */
        "a2,\"x\r\ny\",100,200,resolved\n"              /* 4-5 */
        "a3,c,100,200,bogus\n"                          /* 6 */
        "a4,\"\n\n\",100,,nope\n";                      /* 7-9 */
    reject_contacts(csv, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:6:outcome", "c.csv:7:outcome");
    ck_assert_uint_eq(stats.skipped, 2);

    skpi_records *r = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    ck_assert_int_eq(load_contacts(r, csv, 1), SKPI_OK);
    EXPECT_MESSAGES("c.csv:6:outcome", "c.csv:7:outcome");
    ck_assert_uint_eq(stats.rows, 2);
    ck_assert_uint_eq(stats.skipped, 2);
    ck_assert_uint_eq(skpi_records_count(r), 2);
    ck_assert_str_eq(contact_at(r, 0).customer, "line one\nline two");
    ck_assert_str_eq(contact_at(r, 1).customer, "x\r\ny");  /* verbatim inside quotes */
    skpi_records_free(r);
}
END_TEST

START_TEST(doubled_quotes_and_quoted_commas)
{
    const char *csv = "id,customer,reason,channel,opened_at,outcome\n"
                      "\"a1\",\"say \"\"hi\"\"\",\"\",\"\"\"\",100,open\n"
                      "a2,\"a,b\",\"x\"\"\",\" spaced \",\"100\",\"open\"\n";
    ck_assert_int_eq(load_contacts(rec, csv, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    skpi_contact a = contact_at(rec, 0), b = contact_at(rec, 1);
    ck_assert_str_eq(a.id, "a1");
    ck_assert_str_eq(a.customer, "say \"hi\"");
    ck_assert_str_eq(a.reason, "");
    ck_assert_str_eq(a.channel, "\"");
    ck_assert_str_eq(b.customer, "a,b");
    ck_assert_str_eq(b.reason, "x\"");
    ck_assert_str_eq(b.channel, " spaced ");  /* verbatim: no trimming */
    ck_assert_int_eq(b.opened_at, 100);
    ck_assert_int_eq(b.outcome, SKPI_OUTCOME_OPEN);
}
END_TEST

START_TEST(reordered_columns)
{
    const char *csv = "csat,outcome,closed_at,tier,reason,id,handle_seconds,opened_at,channel,"
                      "reopens,escalations,first_response_at,customer\n"
                      "4,escalated,500,3,billing,r1,60,100,voice,2,1,150,cust\n";
    ck_assert_int_eq(load_contacts(rec, csv, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 0);
    skpi_contact c = contact_at(rec, 0);
    ck_assert_str_eq(c.id, "r1");
    ck_assert_str_eq(c.customer, "cust");
    ck_assert_str_eq(c.reason, "billing");
    ck_assert_str_eq(c.channel, "voice");
    ck_assert_int_eq(c.opened_at, 100);
    ck_assert_int_eq(c.first_response_at, 150);
    ck_assert_int_eq(c.closed_at, 500);
    ck_assert_int_eq(c.handle_seconds, 60);
    ck_assert_int_eq(c.tier, 3);
    ck_assert_int_eq(c.escalations, 1);
    ck_assert_int_eq(c.reopens, 2);
    ck_assert_int_eq(c.csat, 4);
    ck_assert_int_eq(c.outcome, SKPI_OUTCOME_ESCALATED);
}
END_TEST

START_TEST(only_required_columns_and_empty_cells)
{
    ck_assert_int_eq(load_contacts(rec, "outcome,opened_at,id\nopen,100,x1\n", 0), SKPI_OK);
    /* Every column, every optional cell empty: the same defaults. */
    ck_assert_int_eq(load_contacts(rec, "id,customer,reason,channel,opened_at,first_response_at,"
                                        "closed_at,handle_seconds,tier,escalations,outcome,"
                                        "reopens,csat\nx2,,,,100,,,,,,open,,\n", 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(skpi_records_count(rec), 2);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 0);
    for (size_t i = 0; i < 2; i++) {
        skpi_contact c = contact_at(rec, i);
        ck_assert_str_eq(c.id, i ? "x2" : "x1");
        ck_assert_str_eq(c.customer, "");
        ck_assert_str_eq(c.reason, "");
        ck_assert_str_eq(c.channel, "");
        ck_assert_int_eq(c.opened_at, 100);
        ck_assert_int_eq(c.first_response_at, SKPI_UNSET);
        ck_assert_int_eq(c.closed_at, SKPI_UNSET);
        ck_assert_int_eq(c.handle_seconds, 0);
        ck_assert_int_eq(c.tier, 1);
        ck_assert_int_eq(c.escalations, 0);
        ck_assert_int_eq(c.reopens, 0);
        ck_assert_int_eq(c.csat, SKPI_UNSET);
        ck_assert_int_eq(c.outcome, SKPI_OUTCOME_OPEN);
    }
}
END_TEST

START_TEST(unknown_columns_become_dimensions)
{
    /* Names are exact and case-sensitive: "Tier" is a dimension, not tier. */
    const char *csv = "id,region,opened_at,Tier,outcome,product\n"
                      "d1,eu,100,gold,open,p1\n"
                      "d2,,100,,open,p2\n";
    ck_assert_int_eq(load_contacts(rec, csv, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 3);
    ck_assert_str_eq(skpi_records_dimension_name(rec, 0), "region");
    ck_assert_str_eq(skpi_records_dimension_name(rec, 1), "Tier");
    ck_assert_str_eq(skpi_records_dimension_name(rec, 2), "product");
    ck_assert_str_eq(dimension_of(rec, 0, "region"), "eu");
    ck_assert_str_eq(dimension_of(rec, 0, "Tier"), "gold");
    ck_assert_str_eq(dimension_of(rec, 0, "product"), "p1");
    ck_assert_ptr_null(dimension_of(rec, 1, "region"));  /* empty = absent */
    ck_assert_ptr_null(dimension_of(rec, 1, "Tier"));
    ck_assert_str_eq(dimension_of(rec, 1, "product"), "p2");
    ck_assert_int_eq(contact_at(rec, 0).tier, 1);
}
END_TEST

START_TEST(header_only_loads_nothing)
{
    static const char *const variants[] = {
        "id,opened_at,outcome\n", "id,opened_at,outcome", "\xEF\xBB\xBFid,opened_at,outcome\r\n\r\n",
    };
    populate();
    for (size_t v = 0; v < 3; v++) {
        char *before = test_records_snapshot(rec);
        ck_assert_int_eq(load_contacts(rec, variants[v], 0), SKPI_OK);
        EXPECT_NO_MESSAGES();
        ck_assert_uint_eq(stats.rows, 0);
        ck_assert_uint_eq(stats.skipped, 0);
        test_assert_records_snapshot(rec, before);
        free(before);
    }
    /* A header with a new dimension and no rows registers it. */
    ck_assert_int_eq(load_contacts(rec, "id,opened_at,outcome,colour\n", 0), SKPI_OK);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 2);
    ck_assert_ptr_null(dimension_of(rec, 0, "colour"));
}
END_TEST

START_TEST(iso_timestamps)
{
    const char *csv = "id,opened_at,first_response_at,closed_at,outcome\n"
                      "t1,2024-03-01T12:00:00+05:30,2024-03-01T12:00:00Z,2024-03-01T13:00:00+01:00,resolved\n"
                      "t2,2024-03-01 12:00:00Z,,,open\n"
                      "t3,2024-02-29T00:00:00-01:00,,,open\n"
                      "t4,-1,,1969-12-31T23:59:59Z,abandoned\n"
                      "t5,0001709294400,,,open\n";
    ck_assert_int_eq(load_contacts(rec, csv, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    skpi_contact c = contact_at(rec, 0);
    ck_assert_int_eq(c.opened_at, 1709294400 - 19800);
    ck_assert_int_eq(c.first_response_at, 1709294400);
    ck_assert_int_eq(c.closed_at, 1709294400);
    ck_assert_int_eq(contact_at(rec, 1).opened_at, 1709294400);
    ck_assert_int_eq(contact_at(rec, 2).opened_at, 1709168400);
    ck_assert_int_eq(contact_at(rec, 3).opened_at, -1);
    ck_assert_int_eq(contact_at(rec, 3).closed_at, -1);
    ck_assert_int_eq(contact_at(rec, 4).opened_at, 1709294400);
}
END_TEST

START_TEST(appending_a_second_file)
{
    ck_assert_int_eq(load_contacts(rec, "id,opened_at,outcome,region\n"
                                        "f1,100,open,eu\nf2,100,open,us\n", 0), SKPI_OK);
    /* A second file: a new dimension, and region in another column. */
    forget_messages();
    skpi_load_options o = options_of(0);
    const char *second = "product,id,region,opened_at,outcome\np1,g1,,200,open\np2,g2,eu,200,open\n";
    skpi_input in = SKPI_INPUT_MEMORY(second, strlen(second), "d.csv");
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, &stats), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(stats.rows, 2);
    ck_assert_uint_eq(skpi_records_count(rec), 4);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 2);
    ck_assert_str_eq(dimension_of(rec, 1, "region"), "us");
    ck_assert_ptr_null(dimension_of(rec, 0, "product"));  /* the first file's contacts */
    ck_assert_ptr_null(dimension_of(rec, 1, "product"));
    ck_assert_ptr_null(dimension_of(rec, 2, "region"));
    ck_assert_str_eq(dimension_of(rec, 2, "product"), "p1");
    ck_assert_str_eq(dimension_of(rec, 3, "region"), "eu");
    ck_assert_str_eq(dimension_of(rec, 3, "product"), "p2");

    /* A third file repeating an id of the first: rejected, at its line, and
     * nothing of it kept (not its new dimension either). */
    char *before = test_records_snapshot(rec);
    const char *third = "id,opened_at,outcome,colour\nh1,300,open,red\nf2,300,open,blue\n";
    in = SKPI_INPUT_MEMORY(third, strlen(third), "e.csv");
    forget_messages();
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, &stats), SKPI_EDATA);
    EXPECT_MESSAGES("e.csv:3:id");
    ck_assert_uint_eq(stats.skipped, 1);
    test_assert_records_snapshot(rec, before);
    size_t d;
    ck_assert_int_eq(skpi_records_dimension_index(rec, "colour", &d), SKPI_ENOTFOUND);
    /* The same in skip mode keeps h1 and registers colour. */
    forget_messages();
    o.skip_bad_rows = 1;
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, &stats), SKPI_OK);
    EXPECT_MESSAGES("e.csv:3:id");
    ck_assert_uint_eq(stats.rows, 1);
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_uint_eq(skpi_records_count(rec), 5);
    ck_assert_str_eq(contact_at(rec, 4).id, "h1");
    ck_assert_str_eq(dimension_of(rec, 4, "colour"), "red");
    ck_assert_ptr_null(dimension_of(rec, 0, "colour"));
    free(before);
}
END_TEST

static int progress_calls;

static void progress_count(void *context, uint64_t bytes)
{
    ck_assert_ptr_eq(context, &progress_calls);
    ck_assert_uint_gt(bytes, 0);
    progress_calls++;
}

START_TEST(file_and_path_inputs)
{
    const char *csv = "id,opened_at,outcome\nf1,100,open\nf2,oops,open\nf3,300,open\n";
    /* A stream, read from its current position. */
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_int_ge(fputs("skip me\n", f), 0);
    ck_assert_int_ge(fputs(csv, f), 0);
    ck_assert_int_eq(fseek(f, 8, SEEK_SET), 0);
    skpi_load_options o = options_of(0);
    skpi_input in = SKPI_INPUT_FILE(f, "t.csv");
    populate();
    forget_messages();
    char *before = test_records_snapshot(rec);
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, &stats), SKPI_EDATA);
    EXPECT_MESSAGES("t.csv:3:opened_at");
    test_assert_records_snapshot(rec, before);
    free(before);
    ck_assert_int_eq(fseek(f, 8, SEEK_SET), 0);
    forget_messages();
    o.skip_bad_rows = 1;
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, &stats), SKPI_OK);
    EXPECT_MESSAGES("t.csv:3:opened_at");
    ck_assert_uint_eq(stats.rows, 2);
    ck_assert_uint_eq(skpi_records_count(rec), 3);
    fclose(f);

    /* A path: messages are named after it; progress is reported. */
    char path[] = "/tmp/skpi-load-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *more = "id,opened_at,outcome\np1,100,open\np2,100,gone\n";
    ck_assert_int_eq(write(fd, more, strlen(more)), (ssize_t)strlen(more));
    close(fd);
    progress_calls = 0;
    skpi_load_options quiet = SKPI_LOAD_OPTIONS_INIT;
    quiet.progress = progress_count;
    quiet.context = &progress_calls;
    skpi_input at = SKPI_INPUT_PATH(path);
    before = test_records_snapshot(rec);
    ck_assert_int_eq(skpi_records_load(rec, &at, &quiet, &stats), SKPI_EDATA);
    ck_assert_int_ge(progress_calls, 1);
    test_assert_records_snapshot(rec, before);
    ck_assert_ptr_nonnull(strstr(skpi_records_errmsg(rec), path));
    forget_messages();
    ck_assert_int_eq(skpi_records_load(rec, &at, &o, &stats), SKPI_OK);  /* skip mode */
    char where[64];
    snprintf(where, sizeof where, "%s:3:outcome", path);
    EXPECT_MESSAGES(where);
    ck_assert_uint_eq(skpi_records_count(rec), 4);
    ck_assert_str_eq(contact_at(rec, 3).id, "p1");
    free(before);
    before = test_records_snapshot(rec);

    /* A path that cannot be opened: an I/O error, nothing changed. */
    ck_assert_int_eq(unlink(path), 0);
    forget_messages();
    o.skip_bad_rows = 0;
    ck_assert_int_eq(skpi_records_load(rec, &at, &o, &stats), SKPI_EIO);
    EXPECT_NO_MESSAGES();
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_EIO);
    ck_assert_ptr_nonnull(strstr(skpi_records_errmsg(rec), path));
    test_assert_records_snapshot(rec, before);
    free(before);
    skpi_ledger *l = (skpi_ledger *)&l;
    ck_assert_int_eq(skpi_ledger_load_costs(&l, &at, &o, NULL, NULL), SKPI_EIO);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(skpi_ledger_load_rates(rates_ledger, &at, &o, NULL), SKPI_EIO);
}
END_TEST

START_TEST(bad_arguments)
{
    skpi_input in = SKPI_INPUT_MEMORY("id,opened_at,outcome\n", 21, "c.csv");
    skpi_input bad = SKPI_INPUT_MEMORY(NULL, 5, "c.csv");
    ck_assert_int_eq(skpi_records_load(NULL, &in, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_load(rec, NULL, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_load(rec, &bad, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_load(rec, &in, NULL, NULL), SKPI_OK);  /* default options */
    skpi_error err;
    ck_assert_int_eq(skpi_ledger_load_costs(NULL, &in, NULL, NULL, &err), SKPI_EINVAL);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_int_eq(skpi_ledger_load_rates(NULL, &in, NULL, NULL), SKPI_EINVAL);
    ck_assert_uint_eq(skpi_records_count(rec), 0);
}
END_TEST

/* ================= contacts: Limits ================= */

START_TEST(megabyte_field)
{
    /* Two contacts with a customer of 1,000,000 bytes (UTF-8 "é"): the second
     * crosses the reader's first block when read from a stream. */
    const size_t big = 1000000;
    const char *head = "id,customer,opened_at,outcome\n";
    size_t cap = strlen(head) + 2 * (big + 32) + 64, len = 0;
    char *csv = malloc(cap);
    ck_assert_ptr_nonnull(csv);
    len += (size_t)sprintf(csv + len, "%s", head);
    for (int row = 1; row <= 2; row++) {
        len += (size_t)sprintf(csv + len, "m%d,", row);
        for (size_t k = 0; k < big; k += 2) {
            csv[len++] = '\xC3';
            csv[len++] = '\xA9';
        }
        len += (size_t)sprintf(csv + len, ",%d,open\n", row);
    }
    len += (size_t)sprintf(csv + len, "m3,\"x\",3,bad\n");
    for (int source = 0; source < 2; source++) {
        skpi_records *r = NULL;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        int rc;
        if (source == 0) {
            rc = load_contacts_n(r, csv, len, 1);
        } else {
            FILE *f = tmpfile();
            ck_assert_ptr_nonnull(f);
            ck_assert_uint_eq(fwrite(csv, 1, len, f), len);
            rewind(f);
            forget_messages();
            skpi_load_options o = options_of(1);
            skpi_input in = SKPI_INPUT_FILE(f, "c.csv");
            rc = skpi_records_load(r, &in, &o, &stats);
            fclose(f);
        }
        ck_assert_int_eq(rc, SKPI_OK);
        EXPECT_MESSAGES("c.csv:4:outcome");
        ck_assert_uint_eq(stats.rows, 2);
        ck_assert_uint_eq(stats.skipped, 1);
        ck_assert_uint_eq(skpi_records_count(r), 2);
        for (size_t i = 0; i < 2; i++) {
            skpi_contact c = contact_at(r, i);
            ck_assert_uint_eq(strlen(c.customer), big);
            ck_assert(memcmp(c.customer, "\xC3\xA9", 2) == 0);
            ck_assert(memcmp(c.customer + big - 2, "\xC3\xA9", 2) == 0);
            ck_assert_int_eq(c.opened_at, (int64_t)i + 1);
        }
        skpi_records_free(r);
    }
    free(csv);
}
END_TEST

START_TEST(every_bad_row_in_line_order)
{
    const char *csv =
        "id,customer,opened_at,closed_at,outcome,tier,csat\n" /* 1 */
        "g1,u,100,200,resolved,1,\n"                         /* 2 good */
        "b1,u,100,50,resolved,1,\n"                          /* 3 closed before opened */
        "g2,u,100,200,resolved,,5\n"                         /* 4 good */
        "b2,u,100,200,resolved,10,\n"                        /* 5 tier */
        "g1,u,100,200,resolved,1,\n"                         /* 6 duplicate id */
        "b3,u,100,200,resolved,1,6\n"                        /* 7 csat */
        "b4,u,100,200,open,1,\n"                             /* 8 closed with open */
        "b5,u,2024-03-01,,open,1,\n"                         /* 9 date only */
        "b6,u,100,200,resolved,1\n"                          /* 10 too few: csat missing */
        "b7,u,100,200,resolved,1,,x\n"                       /* 11 too many: column 8 */
        "\n"                                                 /* 12 */
        "g3,u,100,,open,,\n";                                /* 13 good */
    reject_contacts(csv, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:3:closed_at", "c.csv:5:tier", "c.csv:6:id", "c.csv:7:csat",
                    "c.csv:8:closed_at", "c.csv:9:opened_at", "c.csv:10:csat", "c.csv:11:8");
    ck_assert_uint_eq(stats.skipped, 8);
    /* The handle's message names the first. */
    ck_assert_ptr_nonnull(strstr(skpi_records_errmsg(rec), "c.csv:3:closed_at"));

    skpi_records *r = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    ck_assert_int_eq(load_contacts(r, csv, 1), SKPI_OK);
    EXPECT_MESSAGES("c.csv:3:closed_at", "c.csv:5:tier", "c.csv:6:id", "c.csv:7:csat",
                    "c.csv:8:closed_at", "c.csv:9:opened_at", "c.csv:10:csat", "c.csv:11:8");
    ck_assert_uint_eq(stats.rows, 3);
    ck_assert_uint_eq(stats.skipped, 8);
    ck_assert_uint_eq(skpi_records_count(r), 3);
    ck_assert_str_eq(contact_at(r, 0).id, "g1");
    ck_assert_str_eq(contact_at(r, 1).id, "g2");
    ck_assert_int_eq(contact_at(r, 1).csat, 5);
    ck_assert_str_eq(contact_at(r, 2).id, "g3");
    skpi_records_free(r);
}
END_TEST

/* ================= contacts: Errors ================= */

/* One bad row after a good one; the header is
 * id,customer,reason,channel,opened_at,first_response_at,closed_at,
 * handle_seconds,tier,escalations,outcome,reopens,csat,region. */
typedef struct bad_row {
    const char *row;
    const char *column;
} bad_row;

static const bad_row bad_rows[] = {
    { "x,,,,2024-03-01,,,,,,open,,,", "opened_at" },                 /* date only */
    { "x,,,,2024-03-01T12:00:00,,,,,,open,,,", "opened_at" },        /* no zone */
    { "x,,,,2023-02-29T00:00:00Z,,,,,,open,,,", "opened_at" },       /* no such date */
    { "x,,,,2024-03-01T12:00:00.5Z,,,,,,open,,,", "opened_at" },     /* fractions */
    { "x,,,,2024-03-01T24:00:00Z,,,,,,open,,,", "opened_at" },
    { "x,,,,2024-03-01t12:00:00z,,,,,,open,,,", "opened_at" },
    { "x,,,,+100,,,,,,open,,,", "opened_at" },
    { "x,,,, 100,,,,,,open,,,", "opened_at" },                       /* no trimming */
    { "x,,,,,,,,,,open,,,", "opened_at" },                           /* required */
    { "x,,,,9223372036854775808,,,,,,open,,,", "opened_at" },
    { "x,,,,100,,,,,,Resolved,,,", "outcome" },
    { "x,,,,100,,,,,,,,,", "outcome" },
    { "x,,,,100,,,,,,closed,,,", "outcome" },
    { ",,,,100,,,,,,open,,,", "id" },
    { "x,\xff,,,100,,,,,,open,,,", "customer" },
    { "x,,\xc3,,100,,,,,,open,,,", "reason" },
    { "x,,,\xc0\xaf,100,,,,,,open,,,", "channel" },
    { "x,,,,100,,,,,,open,,,\xed\xa0\x80", "region" },
    { "x,,,,100,,50,,,,resolved,,,", "closed_at" },                 /* closed before opened */
    { "x,,,,100,99,,,,,open,,,", "first_response_at" },
    { "x,,,,100,,200,,,,open,,,", "closed_at" },                    /* closed and open */
    { "x,,,,100,,,,,,abandoned,,,", "closed_at" },                  /* missing */
    { "x,,,,100,,,-1,,,open,,,", "handle_seconds" },
    { "x,,,,100,,,1.5,,,open,,,", "handle_seconds" },
    { "x,,,,100,,,99999999999999999999,,,open,,,", "handle_seconds" },
    { "x,,,,100,,,,10,,open,,,", "tier" },
    { "x,,,,100,,,,-1,,open,,,", "tier" },
    { "x,,,,100,,,,one,,open,,,", "tier" },
    { "x,,,,100,,,,,-1,open,,,", "escalations" },
    { "x,,,,100,,,,,,open,-2,,", "reopens" },
    { "x,,,,100,,,,,,open,,0,", "csat" },
    { "x,,,,100,,,,,,open,,6,", "csat" },
    { "g,,,,100,,,,,,open,,,", "id" },                               /* duplicate of line 2 */
    { "x,,,,100,,,,,,open,,", "region" },                            /* too few fields */
    { "x", "customer" },
    { "x,,,,100,,,,,,open,,,,", "15" },                              /* too many fields */
};

START_TEST(bad_row_is_reported_and_changes_nothing)
{
    const bad_row *b = &bad_rows[_i];
    char csv[512];
    snprintf(csv, sizeof csv, "id,customer,reason,channel,opened_at,first_response_at,closed_at,"
                              "handle_seconds,tier,escalations,outcome,reopens,csat,region\n"
                              "g,,,,100,,,,,,open,,,eu\n%s\n", b->row);
    char where[64];
    snprintf(where, sizeof where, "c.csv:3:%s", b->column);
    reject_contacts(csv, 0, SKPI_EDATA);
    EXPECT_MESSAGES(where);
    ck_assert_uint_eq(stats.skipped, 1);
    /* Skip mode: the good row is taken, the bad one reported and counted. */
    skpi_records *r = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    ck_assert_int_eq(load_contacts(r, csv, 1), SKPI_OK);
    EXPECT_MESSAGES(where);
    ck_assert_uint_eq(stats.rows, 1);
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_uint_eq(skpi_records_count(r), 1);
    ck_assert_str_eq(contact_at(r, 0).id, "g");
    skpi_records_free(r);
}
END_TEST

START_TEST(nul_in_a_field_is_a_bad_row)
{
    static const char csv[] = "id,customer,opened_at,outcome\nn1,a\0b,100,open\nn2,ok,100,open\n";
    reject_contacts_n(csv, sizeof csv - 1, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:2:customer");
    static const char dim[] = "id,region,opened_at,outcome\nn1,e\0u,100,open\n";
    reject_contacts_n(dim, sizeof dim - 1, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:2:region");
    static const char when[] = "id,opened_at,outcome\nn1,10\0,open\n";
    reject_contacts_n(when, sizeof when - 1, 0, SKPI_EDATA);
    EXPECT_MESSAGES("c.csv:2:opened_at");
    /* Costs: a NUL must not cut a scope or a word short. */
    static const char costs[] = "category,amount,currency,start,end,channel,scope\n"
                                "other,1,,0,1,,region=eu\0;region=us\n"
                                "other\0,1,,0,1,,\n"
                                "other,1,,0,1,voice\0,\n"
                                "other,1,US\0,0,1,,\n"
                                "other,1,,0,1,,\n";
    forget_messages();
    skpi_ledger *l = (skpi_ledger *)&l;
    skpi_load_options o = options_of(0);
    skpi_input in = SKPI_INPUT_MEMORY(costs, sizeof costs - 1, "k.csv");
    ck_assert_int_eq(skpi_ledger_load_costs(&l, &in, &o, &stats, NULL), SKPI_EDATA);
    ck_assert_ptr_null(l);
    EXPECT_MESSAGES("k.csv:2:scope", "k.csv:3:category", "k.csv:4:channel", "k.csv:5:currency");
    ck_assert_uint_eq(stats.skipped, 4);
}
END_TEST

/* A bad header fails the file in both modes. */
typedef struct bad_header {
    const char *header;
    const char *where[3];
} bad_header;

static const bad_header bad_headers[] = {
    { "id,opened_at", { "c.csv:1:outcome" } },
    { "ID,opened_at,outcome", { "c.csv:1:id" } },
    { "id,opened_at,outcome ", { "c.csv:1:outcome" } },
    { "customer,reason", { "c.csv:1:id", "c.csv:1:opened_at", "c.csv:1:outcome" } },
    { "id,,opened_at,outcome", { "c.csv:1:2" } },
    { "id,opened_at,outcome,id", { "c.csv:1:id" } },
    { "id,opened_at,region,outcome,region,", { "c.csv:1:region", "c.csv:1:6" } },
};

START_TEST(bad_header_fails_in_both_modes)
{
    const bad_header *b = &bad_headers[_i];
    size_t n = 0;
    while (n < 3 && b->where[n])
        n++;
    char csv[256];
    snprintf(csv, sizeof csv, "%s\nh1,100,open,x,y,z\n", b->header);
    for (int skip = 0; skip < 2; skip++) {
        reject_contacts(csv, skip, SKPI_ESYNTAX);
        expect_messages(b->where, n);
    }
}
END_TEST

START_TEST(empty_file_is_an_error)
{
    static const char *const variants[] = { "", "\n", "\r\n\n\r\n", "\xEF\xBB\xBF", "\xEF\xBB\xBF\n" };
    for (size_t v = 0; v < sizeof variants / sizeof variants[0]; v++) {
        for (int skip = 0; skip < 2; skip++) {
            reject_contacts(variants[v], skip, SKPI_ESYNTAX);
            EXPECT_MESSAGES("c.csv:1:1");
        }
    }
    /* Costs and rates as well. */
    ck_assert_int_eq(load_costs("", 1), SKPI_ESYNTAX);
    EXPECT_MESSAGES("k.csv:1:1");
    char *before = test_ledger_snapshot(rates_ledger);
    ck_assert_int_eq(load_rates("\n", 1), SKPI_ESYNTAX);
    EXPECT_MESSAGES("r.csv:1:1");
    test_assert_ledger_snapshot(rates_ledger, before);
    free(before);
}
END_TEST

/* A syntax error fails the file in both modes, with its line and column. */
typedef struct bad_syntax {
    const char *csv;
    const char *where;
} bad_syntax;

static const bad_syntax bad_syntaxes[] = {
    /* a quote inside an unquoted field */
    { "id,opened_at,outcome\na1,100,open\na2,1\"00,open\n", "c.csv:3:opened_at" },
    { "id,opened_at,outcome\na1,100,open\"\n", "c.csv:2:outcome" },
    /* characters after a closing quote */
    { "id,opened_at,outcome\na1,\"100\"x,open\n", "c.csv:2:opened_at" },
    /* an unterminated quote: the line the record starts on, the field the quote opens */
    { "id,opened_at,outcome\na1,100,open\na2,\"100,open\na3,100,open\n", "c.csv:3:opened_at" },
    { "id,opened_at,outcome\na1,100,\"open", "c.csv:2:outcome" },
    /* a bare CR */
    { "id,opened_at,outcome\na1,100\r,open\n", "c.csv:2:opened_at" },
    { "id,opened_at,outcome\na1,100,open\r", "c.csv:2:outcome" },
    { "id,opened_at,outcome\na1,100,open\ra2,100,open\n", "c.csv:2:outcome" },
    { "id,opened_at,outcome\n\r\n\ra1,100,open\n", "c.csv:3:id" },
    /* after a quoted line break, the line is still right */
    { "id,customer,opened_at,outcome\na1,\"x\ny\",100,open\na2,c,1\"0,open\n", "c.csv:4:opened_at" },
    /* in the header: no names yet, so positions */
    { "id,open\"ed_at,outcome\na1,100,open\n", "c.csv:1:2" },
    { "id,opened_at,outcome\r\r\na1,100,open\n", "c.csv:1:3" },
};

START_TEST(syntax_error_fails_in_both_modes)
{
    const bad_syntax *b = &bad_syntaxes[_i];
    for (int skip = 0; skip < 2; skip++) {
        reject_contacts(b->csv, skip, SKPI_ESYNTAX);
        EXPECT_MESSAGES(b->where);
    }
}
END_TEST

/* ================= costs.csv ================= */

static const char costs_header[] = "category,amount,currency,start,end,driver,channel,scope\n";

START_TEST(costs_load_every_column)
{
    char csv[1024];
    snprintf(csv, sizeof csv, "%s"
             "direct_labor,5000000,USD,2024-01-01T00:00:00Z,2024-04-01T00:00:00Z,,,\n"
             "technology,\"1200\",,100,200,contacts,voice,region=eu;product=p1\n"
             "other,0,USD,-5,-4,tier_weighted,,region=a=b\n", costs_header);
    ck_assert_int_eq(load_costs(csv, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(stats.rows, 3);
    ck_assert_uint_eq(stats.skipped, 0);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "USD");
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 3);
    int c, d;
    int64_t a, s, e, total;
    ck_assert_int_eq(skpi_ledger_entry(ledger, 0, &c, &a, &s, &e, &d), SKPI_OK);
    ck_assert_int_eq(c, SKPI_CATEGORY_DIRECT_LABOR);
    ck_assert_int_eq(a, 5000000);
    ck_assert_int_eq(s, 1704067200);
    ck_assert_int_eq(e, 1711929600);
    ck_assert_int_eq(d, SKPI_DRIVER_HANDLE_TIME);  /* the default */
    ck_assert_ptr_null(skpi_ledger_entry_channel(ledger, 0));
    ck_assert_uint_eq(skpi_ledger_entry_scope_count(ledger, 0), 0);
    ck_assert_int_eq(skpi_ledger_entry(ledger, 1, &c, &a, &s, &e, &d), SKPI_OK);
    ck_assert_int_eq(c, SKPI_CATEGORY_TECHNOLOGY);
    ck_assert_int_eq(a, 1200);
    ck_assert_int_eq(d, SKPI_DRIVER_CONTACTS);
    ck_assert_str_eq(skpi_ledger_entry_channel(ledger, 1), "voice");
    ck_assert_uint_eq(skpi_ledger_entry_scope_count(ledger, 1), 2);
    const char *k, *v;
    ck_assert_int_eq(skpi_ledger_entry_scope(ledger, 1, 0, &k, &v), SKPI_OK);
    ck_assert_str_eq(k, "region");
    ck_assert_str_eq(v, "eu");
    ck_assert_int_eq(skpi_ledger_entry_scope(ledger, 1, 1, &k, &v), SKPI_OK);
    ck_assert_str_eq(k, "product");
    ck_assert_str_eq(v, "p1");
    ck_assert_int_eq(skpi_ledger_entry(ledger, 2, &c, &a, &s, &e, &d), SKPI_OK);
    ck_assert_int_eq(d, SKPI_DRIVER_TIER_WEIGHTED);
    ck_assert_int_eq(s, -5);
    ck_assert_int_eq(skpi_ledger_entry_scope(ledger, 2, 0, &k, &v), SKPI_OK);
    ck_assert_str_eq(k, "region");
    ck_assert_str_eq(v, "a=b");  /* split at the first '=' */
    ck_assert_int_eq(skpi_ledger_total(ledger, &total), SKPI_OK);
    ck_assert_int_eq(total, 5001200);
}
END_TEST

START_TEST(costs_currency)
{
    /* No currency column, or only empty values: XXX. */
    ck_assert_int_eq(load_costs("category,amount,start,end\nother,5,0,1\n", 0), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "XXX");
    ck_assert_int_eq(load_costs("currency,category,amount,start,end\n,other,5,0,1\n,other,6,0,1\n",
                                0), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "XXX");
    /* Empty values next to a currency: that currency. */
    ck_assert_int_eq(load_costs("currency,category,amount,start,end\n,other,5,0,1\nJPY,other,6,0,1\n",
                                0), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "JPY");
    EXPECT_NO_MESSAGES();
    /* Values differing: the later row is bad. */
    const char *mixed = "currency,category,amount,start,end\nEUR,other,5,0,1\n,other,1,0,1\n"
                        "USD,other,6,0,1\nEUR,other,7,0,1\n";
    ck_assert_int_eq(load_costs(mixed, 0), SKPI_EDATA);
    EXPECT_MESSAGES("k.csv:4:currency");
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_int_eq(load_costs(mixed, 1), SKPI_OK);
    EXPECT_MESSAGES("k.csv:4:currency");
    ck_assert_uint_eq(stats.rows, 3);
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "EUR");
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 3);
    /* Only the rows taken decide: a bad row's currency counts for nothing. */
    const char *bad_first = "category,amount,currency,start,end,scope\n"
                            "other,1,EUR,0,1,region=\nother,2,EUR,5,5,\n"
                            "other,3,USD,0,1,\nother,4,EUR,0,1,\n";
    ck_assert_int_eq(load_costs(bad_first, 0), SKPI_EDATA);
    EXPECT_MESSAGES("k.csv:2:scope", "k.csv:3:end", "k.csv:5:currency");
    ck_assert_int_eq(load_costs(bad_first, 1), SKPI_OK);
    EXPECT_MESSAGES("k.csv:2:scope", "k.csv:3:end", "k.csv:5:currency");
    ck_assert_str_eq(skpi_ledger_currency(ledger), "USD");
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 1);
    /* Not a code. */
    ck_assert_int_eq(load_costs("currency,category,amount,start,end\nusd,other,5,0,1\n"
                                "US,other,5,0,1\nUSDD,other,5,0,1\n", 0), SKPI_EDATA);
    EXPECT_MESSAGES("k.csv:2:currency", "k.csv:3:currency", "k.csv:4:currency");
}
END_TEST

static const bad_row bad_cost_rows[] = {
    { "other,1,,0,1,,,region=", "scope" },
    { "other,1,,0,1,,,=eu", "scope" },
    { "other,1,,0,1,,,region=eu;", "scope" },
    { "other,1,,0,1,,,;region=eu", "scope" },
    { "other,1,,0,1,,,region=eu;region=us", "scope" },
    { "other,1,,0,1,,,region", "scope" },
    { "other,1,,0,1,,,;", "scope" },
    { "other,1,,0,1,,,channel=voice", "scope" },
    { "other,1,,0,1,,,re\xffgion=eu", "scope" },
    { "labor,1,,0,1,,,", "category" },
    { "Direct_labor,1,,0,1,,,", "category" },
    { ",1,,0,1,,,", "category" },
    { "other,1,,0,1,hours,,", "driver" },
    { "other,1,,0,1,Contacts,,", "driver" },
    { "other,-1,,0,1,,,", "amount" },
    { "other,,,0,1,,,", "amount" },
    { "other,1.50,,0,1,,,", "amount" },
    { "other,9223372036854775808,,0,1,,,", "amount" },
    { "other,1,,5,5,,,", "end" },
    { "other,1,,5,4,,,", "end" },
    { "other,1,,2024-03-01T00:00:00Z,2024-03-01T00:00:00+00:00,,,", "end" },
    { "other,1,,,1,,,", "start" },
    { "other,1,,2024-03-01,2025-01-01T00:00:00Z,,,", "start" },
    { "other,1,,0,,,,", "end" },
    { "other,1,,0,1,,\xff,", "channel" },
    { "other,1,eur,0,1,,,", "currency" },
    { "other,1,,0,1,,", "scope" },                     /* too few fields */
    { "other,1,,0,1,,,,", "9" },                       /* too many */
};

START_TEST(bad_cost_row_fails_the_load)
{
    const bad_row *b = &bad_cost_rows[_i];
    char csv[512], where[64];
    snprintf(csv, sizeof csv, "%sother,5,USD,0,10,,,\n%s\n", costs_header, b->row);
    snprintf(where, sizeof where, "k.csv:3:%s", b->column);
    ck_assert_int_eq(load_costs(csv, 0), SKPI_EDATA);
    EXPECT_MESSAGES(where);
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_int_eq(load_costs(csv, 1), SKPI_OK);
    EXPECT_MESSAGES(where);
    ck_assert_uint_eq(stats.rows, 1);
    ck_assert_uint_eq(stats.skipped, 1);
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 1);
}
END_TEST

START_TEST(costs_bad_header)
{
    static const bad_header headers[] = {
        { "category,amount,start,end,colour", { "k.csv:1:colour" } },
        { "category,amount,start,end,Channel,scopes", { "k.csv:1:Channel", "k.csv:1:scopes" } },
        { "category,amount,start", { "k.csv:1:end" } },
        { "amount,end", { "k.csv:1:category", "k.csv:1:start" } },
        { "category,amount,start,end,end", { "k.csv:1:end" } },
        { "category,,amount,start,end", { "k.csv:1:2" } },
        { "category,amount,start,end,id", { "k.csv:1:id" } },
    };
    for (size_t h = 0; h < sizeof headers / sizeof headers[0]; h++) {
        size_t n = 0;
        while (n < 3 && headers[h].where[n])
            n++;
        char csv[256];
        snprintf(csv, sizeof csv, "%s\nother,1,0,1,x,y\n", headers[h].header);
        for (int skip = 0; skip < 2; skip++) {
            ck_assert_msg(load_costs(csv, skip) == SKPI_ESYNTAX, "header %zu", h);
            expect_messages(headers[h].where, n);
        }
    }
    ck_assert_int_eq(load_costs("category,amount,start,end\nother,1,0,\"1\n", 1), SKPI_ESYNTAX);
    EXPECT_MESSAGES("k.csv:2:end");
}
END_TEST

START_TEST(costs_every_bad_row_reported)
{
    char csv[1024];
    snprintf(csv, sizeof csv, "%s"
             "other,1,,0,1,,,\n"               /* 2 */
             "other,1,,0,1,,,region=\n"        /* 3 */
             "overhead,2,,0,1,contacts,,\n"    /* 4 */
             "other,-3,,0,1,,,\n"              /* 5 */
             "\"other\",1,,1,0,,,\n"           /* 6 */
             "technology,4,,\"0\",1,,chat,\n", /* 7 */
             costs_header);
    ck_assert_int_eq(load_costs(csv, 0), SKPI_EDATA);
    EXPECT_MESSAGES("k.csv:3:scope", "k.csv:5:amount", "k.csv:6:end");
    ck_assert_uint_eq(stats.skipped, 3);
    ck_assert_int_eq(load_costs(csv, 1), SKPI_OK);
    EXPECT_MESSAGES("k.csv:3:scope", "k.csv:5:amount", "k.csv:6:end");
    ck_assert_uint_eq(stats.rows, 3);
    ck_assert_uint_eq(stats.skipped, 3);
    int64_t total;
    skpi_ledger_total(ledger, &total);
    ck_assert_int_eq(total, 7);
    ck_assert_str_eq(skpi_ledger_entry_channel(ledger, 2), "chat");
}
END_TEST

START_TEST(costs_header_only)
{
    ck_assert_int_eq(load_costs(costs_header, 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(stats.rows, 0);
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 0);
    ck_assert_str_eq(skpi_ledger_currency(ledger), "XXX");
}
END_TEST

/* ================= rates.csv ================= */

START_TEST(rates_load)
{
    ck_assert_int_eq(skpi_ledger_set_rate(rates_ledger, 5, 7), SKPI_OK);
    ck_assert_int_eq(load_rates("rate_per_hour,tier\n3000,1\n0,0\n\"9000\",2\n", 0), SKPI_OK);
    EXPECT_NO_MESSAGES();
    ck_assert_uint_eq(stats.rows, 3);
    int64_t r;
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 0, &r), SKPI_OK);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 1, &r), SKPI_OK);
    ck_assert_int_eq(r, 3000);
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 2, &r), SKPI_OK);
    ck_assert_int_eq(r, 9000);
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 3, &r), SKPI_ABSENT);
    ck_assert_int_eq(skpi_ledger_rate_count(rates_ledger), 4);  /* tier 5 kept */
    ck_assert_int_eq(load_rates("tier,rate_per_hour\n", 0), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_rate_count(rates_ledger), 4);
}
END_TEST

START_TEST(rates_bad_rows_change_nothing)
{
    static const struct { const char *csv; const char *where[3]; } cases[] = {
        { "tier,rate_per_hour\n1,999\n2,50\n1,1000\n", { "r.csv:4:tier" } },
        { "tier,rate_per_hour\n1,999\n10,50\n", { "r.csv:3:tier" } },
        { "tier,rate_per_hour\n1,999\n-1,50\n", { "r.csv:3:tier" } },
        { "tier,rate_per_hour\n1,999\n,50\n", { "r.csv:3:tier" } },
        { "tier,rate_per_hour\n1,999\n2,-1\n", { "r.csv:3:rate_per_hour" } },
        { "tier,rate_per_hour\n1,999\n2,\n", { "r.csv:3:rate_per_hour" } },
        { "tier,rate_per_hour\n1,999\n2,1.5\n3,x\n", { "r.csv:3:rate_per_hour", "r.csv:4:rate_per_hour" } },
        { "tier,rate_per_hour\n1,999\n2\n2,3,4\n", { "r.csv:3:rate_per_hour", "r.csv:4:3" } },
    };
    ck_assert_int_eq(skpi_ledger_set_rate(rates_ledger, 1, 100), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(rates_ledger, 5, 7), SKPI_OK);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = 0;
        while (n < 3 && cases[k].where[n])
            n++;
        char *before = test_ledger_snapshot(rates_ledger);
        ck_assert_msg(load_rates(cases[k].csv, 0) == SKPI_EDATA, "case %zu", k);
        expect_messages(cases[k].where, n);
        ck_assert_uint_eq(stats.skipped, n);
        ck_assert_int_eq(skpi_ledger_errcode(rates_ledger), SKPI_EDATA);
        ck_assert_str_ne(skpi_ledger_errmsg(rates_ledger), "");
        test_assert_ledger_snapshot(rates_ledger, before);
        free(before);
    }
    /* Skip mode takes the good rows. */
    ck_assert_int_eq(load_rates(cases[0].csv, 1), SKPI_OK);
    EXPECT_MESSAGES("r.csv:4:tier");
    ck_assert_uint_eq(stats.rows, 2);
    ck_assert_uint_eq(stats.skipped, 1);
    int64_t r;
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 1, &r), SKPI_OK);
    ck_assert_int_eq(r, 999);  /* the first line's */
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 2, &r), SKPI_OK);
    ck_assert_int_eq(r, 50);
    ck_assert_int_eq(skpi_ledger_rate(rates_ledger, 5, &r), SKPI_OK);
    ck_assert_int_eq(r, 7);
}
END_TEST

START_TEST(rates_bad_header)
{
    static const struct { const char *csv; const char *where[3]; } cases[] = {
        { "tier,rate\n1,5\n", { "r.csv:1:rate" } },
        { "tier\n1\n", { "r.csv:1:rate_per_hour" } },
        { "tier,rate_per_hour,currency\n1,5,USD\n", { "r.csv:1:currency" } },
        { "tier,rate_per_hour,tier\n1,5,1\n", { "r.csv:1:tier" } },
        { "tier,rate_per_hour\n1,\"5\n", { "r.csv:2:rate_per_hour" } },
    };
    ck_assert_int_eq(skpi_ledger_set_rate(rates_ledger, 1, 100), SKPI_OK);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        size_t n = 0;
        while (n < 3 && cases[k].where[n])
            n++;
        for (int skip = 0; skip < 2; skip++) {
            char *before = test_ledger_snapshot(rates_ledger);
            ck_assert_msg(load_rates(cases[k].csv, skip) == SKPI_ESYNTAX, "case %zu", k);
            expect_messages(cases[k].where, n);
            test_assert_ledger_snapshot(rates_ledger, before);
            free(before);
        }
    }
}
END_TEST

/* ================= allocation failures ================= */

static const char small_contacts[] =
    "\xEF\xBB\xBFid,customer,reason,channel,opened_at,closed_at,handle_seconds,outcome,region,product\r\n"
    "s1,\"cu,st\",billing,voice,100,200,60,resolved,eu,p1\r\n"
    "s2,cust2,login,chat,2024-03-01T12:00:00Z,,,open,us,\r\n"
    "s3,\"say \"\"hi\"\"\",billing,voice,300,400,30,abandoned,,p2\r\n";

START_TEST(allocation_failures_in_records_load)
{
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_install(n);
        skpi_records *r = NULL;
        int rc = skpi_records_new(&r);
        if (rc == SKPI_OK) {
            const char *names[] = { "zone" }, *values[] = { "north" };
            skpi_contact c = SKPI_CONTACT_INIT;
            c.id = "z0";
            c.opened_at = 1;
            c.outcome = SKPI_OUTCOME_OPEN;
            c.dimension_count = 1;
            c.dimension_names = names;
            c.dimension_values = values;
            rc = skpi_records_add(r, &c);
        }
        if (rc == SKPI_OK) {
            char *before = test_records_snapshot(r);
            skpi_input in = SKPI_INPUT_MEMORY(small_contacts, sizeof small_contacts - 1, "s.csv");
            skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
            rc = skpi_records_load(r, &in, &o, NULL);
            if (rc == SKPI_OK) {
                succeeded = 1;
                ck_assert_uint_eq(skpi_records_count(r), 4);
                ck_assert_str_eq(dimension_of(r, 3, "product"), "p2");
            } else {
                ck_assert_int_eq(skpi_records_errcode(r), SKPI_ENOMEM);
                test_assert_records_snapshot(r, before);
            }
            free(before);
        }
        if (!succeeded) {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(test_alloc_failed());
        }
        skpi_records_free(r);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 10000);
    }
}
END_TEST

START_TEST(allocation_failures_in_costs_and_rates_load)
{
    const char *csv = "category,amount,currency,start,end,driver,channel,scope\n"
                      "direct_labor,100,EUR,0,10,tier_weighted,voice,region=eu;product=p1\n"
                      "\"other\",5,,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,,,\n";
    const char *rates = "tier,rate_per_hour\n1,100\n2,200\n";
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_install(n);
        skpi_ledger *l = (skpi_ledger *)&l;
        skpi_input in = SKPI_INPUT_MEMORY(csv, strlen(csv), "k.csv");
        skpi_error err;
        int rc = skpi_ledger_load_costs(&l, &in, NULL, NULL, &err);
        if (rc == SKPI_OK) {
            ck_assert_uint_eq(skpi_ledger_entry_count(l), 2);
            ck_assert_str_eq(skpi_ledger_currency(l), "EUR");
            char *before = test_ledger_snapshot(l);
            skpi_input rin = SKPI_INPUT_MEMORY(rates, strlen(rates), "r.csv");
            rc = skpi_ledger_load_rates(l, &rin, NULL, NULL);
            if (rc == SKPI_OK) {
                succeeded = 1;
                ck_assert_int_eq(skpi_ledger_rate_count(l), 2);
            } else {
                test_assert_ledger_snapshot(l, before);
            }
            free(before);
        } else {
            ck_assert_ptr_null(l);
            ck_assert_int_eq(err.code, SKPI_ENOMEM);
        }
        if (!succeeded) {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(test_alloc_failed());
        }
        skpi_ledger_free(l);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 10000);
    }
}
END_TEST

/* ---- a second thread for the customers (options.threads = 2) ---- */

/* A contacts file of `rows` rows with repeated customers, so that the
 * worker gets several batches (stage.h: 4096 rows each) and finds customers
 * it has seen; row `bad` (0: none) has closed_at before opened_at. */
static char *many_contacts(size_t rows, size_t bad, size_t *len)
{
    test_text t = { NULL, 0, 0 };
    test_text_printf(&t, "id,customer,reason,opened_at,closed_at,outcome,zone\n");
    for (size_t i = 1; i <= rows; i++)
        test_text_printf(&t, "T%06zu,cust-%zu,r%zu,%zu,%zu,resolved,z%zu\n", i,
                         (i * 7919) % (rows / 3 + 1), i % 5, 1000 + i, i == bad ? 10 : 2000 + i,
                         i % 3);
    *len = t.len;
    return t.p;
}

static int load_threaded(skpi_records *r, const char *data, size_t len, unsigned threads,
                         int skip)
{
    forget_messages();
    skpi_load_options o = options_of(skip);
    o.threads = threads;
    skpi_input in = SKPI_INPUT_MEMORY(data, len, "c.csv");
    stats = (skpi_load_stats){ 99, 99 };
    return skpi_records_load(r, &in, &o, &stats);
}

/* Two threads load exactly what one does, also appended after rows already
 * held and with a bad row skipped. */
START_TEST(two_threads_load_what_one_does)
{
    size_t len;
    char *csv = many_contacts(20000, 12345, &len);
    skpi_records *one, *two;
    ck_assert_int_eq(skpi_records_new(&one), SKPI_OK);
    ck_assert_int_eq(skpi_records_new(&two), SKPI_OK);
    ck_assert_int_eq(load_contacts(one, base_contacts, 0), SKPI_OK);
    ck_assert_int_eq(load_contacts(two, base_contacts, 0), SKPI_OK);
    ck_assert_int_eq(load_threaded(one, csv, len, 1, 1), SKPI_OK);
    ck_assert_int_eq(load_threaded(two, csv, len, 2, 1), SKPI_OK);
    ck_assert_uint_eq(stats.rows, 19999);
    ck_assert_uint_eq(stats.skipped, 1);
    test_text a = { NULL, 0, 0 }, b = { NULL, 0, 0 };
    test_records_text(&a, one);
    test_records_text(&b, two);
    ck_assert_str_eq(a.p, b.p);
    skpi_contact c = contact_at(two, 19999);   /* after z0 and 19998 good rows */
    ck_assert_str_eq(c.id, "T020000");
    ck_assert_str_eq(c.customer, "cust-5415");   /* 20000 * 7919 % 6667 */
    free(a.p);
    free(b.p);
    free(csv);
    skpi_records_free(one);
    skpi_records_free(two);
}
END_TEST

/* A bad row ends a threaded load while the worker holds customers: the
 * handle is as it was, and the same handle then loads the good rows. */
START_TEST(threaded_load_that_fails_changes_nothing)
{
    size_t len;
    char *csv = many_contacts(20000, 15000, &len);
    populate();
    test_text before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    test_records_text(&before, rec);
    ck_assert_int_eq(load_threaded(rec, csv, len, 2, 0), SKPI_EDATA);
    ck_assert_uint_eq(stats.rows, 0);
    test_records_text(&after, rec);
    ck_assert_str_eq(before.p, after.p);
    ck_assert_int_eq(load_threaded(rec, csv, len, 2, 1), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 1 + 19999);
    free(before.p);
    free(after.p);
    free(csv);
}
END_TEST

/* Allocation N fails, on whichever thread makes it: the load fails with
 * SKPI_ENOMEM, the handle is as it was, nothing leaks. */
START_TEST(threaded_load_under_failures)
{
    size_t len;
    char *csv = many_contacts(9000, 0, &len);
    long failures = 0, step = test_quick() ? 7 : 1;
    for (long n = 0;; n += step) {
        ck_assert_int_lt(n, 20000);
        test_alloc_start(-1);
        skpi_records *r;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        ck_assert_int_eq(load_contacts(r, base_contacts, 0), SKPI_OK);
        test_text before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
        test_records_text(&before, r);
        test_alloc_rearm(n);
        int rc = load_threaded(r, csv, len, 2, 0);
        test_alloc_rearm(-1);
        test_records_text(&after, r);
        if (rc != SKPI_OK) {
            failures++;
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert_str_eq(before.p, after.p);
        } else {
            ck_assert_uint_eq(skpi_records_count(r), 9001);
        }
        free(before.p);
        free(after.p);
        skpi_records_free(r);
        ck_assert_int_eq(test_alloc_live_total(), 0);
        test_alloc_restore();
        if (rc == SKPI_OK)
            break;
    }
    ck_assert_int_gt(failures, 0);
    free(csv);
}
END_TEST

/* Version 1 options (without `threads`) still load; an unknown version is
 * refused before anything is read. */
START_TEST(options_versions)
{
    skpi_load_options o = options_of(0);
    o.version = 1;
    o.threads = 12345;   /* a version-1 caller has no such member: never read */
    skpi_input in = SKPI_INPUT_MEMORY(base_contacts, strlen(base_contacts), "c.csv");
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 1);
    o.version = 3;
    ck_assert_int_eq(skpi_records_load(rec, &in, &o, NULL), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(skpi_records_errmsg(rec), "version 3"));
    ck_assert_uint_eq(skpi_records_count(rec), 1);
    skpi_error err;
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_ledger_load_costs(&l, &in, &o, NULL, &err), SKPI_EINVAL);
    ck_assert_ptr_null(l);
    ck_assert_int_eq(skpi_ledger_load_rates(rates_ledger, &in, &o, NULL), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(skpi_ledger_errmsg(rates_ledger), "version 3"));
}
END_TEST

Suite *make_load_suite(void)
{
    Suite *s = suite_create("load");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, line_endings_and_bom);
    tcase_add_test(core, empty_lines_count_in_line_numbers);
    tcase_add_test(core, quoted_newline_keeps_line_numbers);
    tcase_add_test(core, doubled_quotes_and_quoted_commas);
    tcase_add_test(core, reordered_columns);
    tcase_add_test(core, only_required_columns_and_empty_cells);
    tcase_add_test(core, unknown_columns_become_dimensions);
    tcase_add_test(core, header_only_loads_nothing);
    tcase_add_test(core, iso_timestamps);
    tcase_add_test(core, appending_a_second_file);
    tcase_add_test(core, file_and_path_inputs);
    tcase_add_test(core, costs_load_every_column);
    tcase_add_test(core, costs_currency);
    tcase_add_test(core, costs_header_only);
    tcase_add_test(core, rates_load);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, megabyte_field);
    tcase_add_test(limits, every_bad_row_in_line_order);
    tcase_add_test(limits, costs_every_bad_row_reported);
    tcase_add_test(limits, two_threads_load_what_one_does);
    tcase_add_test(limits, threaded_load_that_fails_changes_nothing);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_set_timeout(errors, 60);
    tcase_add_test(errors, bad_arguments);
    tcase_add_test(errors, options_versions);
    tcase_add_test(errors, threaded_load_under_failures);
    tcase_add_loop_test(errors, bad_row_is_reported_and_changes_nothing, 0,
                        (int)(sizeof bad_rows / sizeof bad_rows[0]));
    tcase_add_test(errors, nul_in_a_field_is_a_bad_row);
    tcase_add_loop_test(errors, bad_header_fails_in_both_modes, 0,
                        (int)(sizeof bad_headers / sizeof bad_headers[0]));
    tcase_add_test(errors, empty_file_is_an_error);
    tcase_add_loop_test(errors, syntax_error_fails_in_both_modes, 0,
                        (int)(sizeof bad_syntaxes / sizeof bad_syntaxes[0]));
    tcase_add_loop_test(errors, bad_cost_row_fails_the_load, 0,
                        (int)(sizeof bad_cost_rows / sizeof bad_cost_rows[0]));
    tcase_add_test(errors, costs_bad_header);
    tcase_add_test(errors, rates_bad_rows_change_nothing);
    tcase_add_test(errors, rates_bad_header);
    tcase_add_test(errors, allocation_failures_in_records_load);
    tcase_add_test(errors, allocation_failures_in_costs_and_rates_load);
    suite_add_tcase(s, errors);
    return s;
}
