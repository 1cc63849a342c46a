/* Fault injection across the public surface (doc/conventions.md: "a failed
 * call changes nothing"), completing the loops of the module suites: fail
 * the Nth allocation of one call for N = 0, 1, 2 ... until the call
 * succeeds; every failure must be a clean SKPI_ENOMEM, with the handles it
 * read or changed exactly as before and no block leaked, and the success
 * must give what a call without failures gives.  Then the writers on a full
 * disk, and the validation rules of SPEC §2, §4 and §8 that no other suite
 * proved (doc/bad-input.md lists every rule and its test). */
#define _POSIX_C_SOURCE 200809L  /* mkstemp */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supportkpi.h"
#include "suites.h"
#include "testutil.h"

#define D 86400
#define B 1772323200  /* 2026-03-01T00:00Z */

/* ---- the data: contacts, chains, ledgers ---- */

enum { N = 150, FIRST_PART = 100 };

static skpi_records *rec;
static skpi_chains *chains;
static skpi_ledger *led;         /* entries and tier rates */
static skpi_ledger *led_norates; /* the same entries, no rates */

static unsigned pick(uint64_t *rng, unsigned n)
{
    return (unsigned)((test_lcg_next(rng) >> 33) % n);
}

/* Contacts [from, to) of a fixed pseudo-random set: a few dozen customers
 * and reasons (so chains form), four channels (one empty), two dimensions,
 * every outcome, tiers 0 to 3, two months of opened_at. */
static void add_contacts(skpi_records *r, int from, int to)
{
    static const char *const reasons[] = { "billing", "login", "", "refund", "bug" };
    static const char *const channels[] = { "voice", "chat", "email", "" };
    static const char *const regions[] = { "eu", "us", "", "apac" };
    static const char *const products[] = { "p1", "p2", "p3" };
    static const char *const names[] = { "region", "product" };
    uint64_t rng = 7;
    for (int i = 0; i < to; i++) {
        char id[16], customer[16];
        const char *values[2];
        snprintf(id, sizeof id, "F%04d", i);
        snprintf(customer, sizeof customer, "cust%02u", pick(&rng, 30));
        skpi_contact c = SKPI_CONTACT_INIT;
        c.id = id;
        c.customer = pick(&rng, 10) ? customer : "";
        c.reason = reasons[pick(&rng, 5)];
        c.channel = channels[pick(&rng, 4)];
        c.opened_at = B + (int64_t)pick(&rng, 60 * D);
        c.outcome = pick(&rng, 8) == 0 ? SKPI_OUTCOME_OPEN : 1 + (int)pick(&rng, 3);
        c.closed_at = c.outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET
                                                     : c.opened_at + pick(&rng, 3 * D);
        c.first_response_at = pick(&rng, 2) ? c.opened_at + pick(&rng, 3600) : SKPI_UNSET;
        c.handle_seconds = 30 + pick(&rng, 1800);
        c.tier = pick(&rng, 4);
        c.escalations = pick(&rng, 5) == 0;
        c.reopens = pick(&rng, 7) == 0;
        c.csat = pick(&rng, 3) ? 1 + pick(&rng, 5) : SKPI_UNSET;
        values[0] = regions[pick(&rng, 4)];
        values[1] = products[pick(&rng, 3)];
        c.dimension_count = 2;
        c.dimension_names = names;
        c.dimension_values = values;
        if (i >= from && skpi_records_add(r, &c) != SKPI_OK)
            ck_abort_msg("%s", skpi_records_errmsg(r));
    }
}

/* The entries of both ledgers; the one without rates has no tier_weighted
 * entry (it would need rates). */
static void add_entries(skpi_ledger *l, int tier_weighted)
{
    const char *region[] = { "region" }, *eu[] = { "eu" };
    const char *product[] = { "product" }, *p1[] = { "p1" }, *nowhere[] = { "nowhere" };
    struct {
        int category;
        int64_t amount, start, end;
        int driver;
        const char *channel;
        const char **key, **value;
    } e[] = {
        { SKPI_CATEGORY_DIRECT_LABOR, 5000003, B, B + 60 * D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL },
        { SKPI_CATEGORY_DIRECT_LABOR, 700001, B + 30 * D, B + 60 * D, SKPI_DRIVER_HANDLE_TIME, "chat", NULL, NULL },
        { SKPI_CATEGORY_TECHNOLOGY, 120007, B, B + 60 * D, SKPI_DRIVER_CONTACTS, "voice", NULL, NULL },
        { SKPI_CATEGORY_INDIRECT_LABOR, 333333, B, B + 30 * D, SKPI_DRIVER_TIER_WEIGHTED, NULL, region, eu },
        { SKPI_CATEGORY_OVERHEAD, 99991, B, B + 60 * D, SKPI_DRIVER_CONTACTS, NULL, product, p1 },
        { SKPI_CATEGORY_OTHER, 5000, B, B + 60 * D, SKPI_DRIVER_CONTACTS, NULL, product, nowhere },
        { SKPI_CATEGORY_OTHER, 4242, B - 10 * D, B - 5 * D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL },
    };
    for (size_t k = 0; k < sizeof e / sizeof e[0]; k++) {
        if (e[k].driver == SKPI_DRIVER_TIER_WEIGHTED && !tier_weighted)
            continue;
        int rc = skpi_ledger_add_entry(l, e[k].category, e[k].amount, e[k].start, e[k].end,
                                       e[k].driver, e[k].channel, e[k].key ? 1 : 0, e[k].key,
                                       e[k].value);
        ck_assert_msg(rc == SKPI_OK, "entry %zu: %s", k, skpi_ledger_errmsg(l));
    }
}

static skpi_chain_options chain_options(void)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.as_of = B + 80 * D;
    return o;
}

/* Every handle of a test is made through the counting allocator, which
 * fails nothing until a test arms it. */
static void setup(void)
{
    test_alloc_start(-1);
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    add_contacts(rec, 0, N);
    skpi_chain_options o = chain_options();
    ck_assert_int_eq(skpi_chains_new(&chains, rec, &o, NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_new(&led, "EUR", NULL), SKPI_OK);
    add_entries(led, 1);
    for (int t = 0; t <= 3; t++)
        ck_assert_int_eq(skpi_ledger_set_rate(led, t, 1000 + 2500 * t), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_new(&led_norates, "EUR", NULL), SKPI_OK);
    add_entries(led_norates, 0);
}

static void teardown(void)
{
    skpi_chains_free(chains);
    skpi_records_free(rec);
    skpi_ledger_free(led);
    skpi_ledger_free(led_norates);
    chains = NULL;
    rec = NULL;
    led = led_norates = NULL;
    long live = test_alloc_live_total();
    test_alloc_restore();
    ck_assert_msg(live == 0, "%ld blocks leaked", live);
}

/* ---- snapshots: everything the public accessors show ---- */

static char *chains_snapshot(const skpi_chains *c)
{
    test_text t = { NULL, 0, 0 };
    skpi_chain_options o;
    ck_assert_int_eq(skpi_chains_options(c, &o), SKPI_OK);
    const int64_t head[] = { o.window_seconds, o.as_of, o.provisional, o.anchor,
                             (int64_t)skpi_chains_contact_count(c),
                             (int64_t)skpi_chains_count(c) };
    for (size_t k = 0; k < 6; k++)
        test_text_put_int(&t, head[k]);
    test_text_put(&t, "\n", 1);
    for (size_t k = 0; k < skpi_chains_count(c); k++) {
        const int64_t chain[] = { skpi_chain_get_status(c, k), skpi_chain_is_provisional(c, k),
                                  skpi_chain_first_opened(c, k), skpi_chain_latest_close(c, k),
                                  (int64_t)skpi_chain_anchor(c, k) };
        for (size_t j = 0; j < 5; j++)
            test_text_put_int(&t, chain[j]);
        for (size_t p = 0; p < skpi_chain_size(c, k); p++)
            test_text_put_int(&t, (int64_t)skpi_chain_contact(c, k, p));
        test_text_put(&t, "/", 1);
        for (size_t ch = 0; ch < skpi_chain_channel_count(c, k); ch++)
            test_text_put_str(&t, skpi_chain_channel(c, k, ch));
        test_text_put(&t, "\n", 1);
    }
    for (size_t i = 0; i < skpi_chains_contact_count(c); i++) {
        size_t chain = SIZE_MAX, position = SIZE_MAX;
        TEST_REQUIRE(skpi_chains_find_contact(c, i, &chain, &position) == SKPI_OK);
        test_text_put_int(&t, (int64_t)chain);
        test_text_put_int(&t, (int64_t)position);
    }
    return t.p;
}

/* The records, chains and both ledgers: what a read-only call must leave. */
static char *world_snapshot(void)
{
    test_text t = { NULL, 0, 0 };
    test_records_text(&t, rec);
    char *c = chains_snapshot(chains);
    test_text_put(&t, c, strlen(c));
    free(c);
    test_ledger_text(&t, led);
    test_ledger_text(&t, led_norates);
    return t.p;
}

static char *explain_text(const skpi_explain *e)
{
    test_text t = { NULL, 0, 0 };
    test_text_printf(&t, "contacts %zu chains %zu\n", skpi_explain_contact_count(e),
                     skpi_explain_chain_count(e));
    for (size_t k = 0; k < skpi_explain_contact_count(e); k++) {
        size_t i = SIZE_MAX;
        int64_t cost = -1;
        int rc = skpi_explain_contact(e, k, &i, &cost);
        test_text_printf(&t, "c %zu %d %lld\n", i, rc, (long long)(rc == SKPI_OK ? cost : -1));
    }
    for (size_t k = 0; k < skpi_explain_chain_count(e); k++) {
        size_t i = SIZE_MAX;
        int64_t cost = -1;
        int rc = skpi_explain_chain(e, k, &i, &cost);
        test_text_printf(&t, "k %zu %d %lld\n", i, rc, (long long)(rc == SKPI_OK ? cost : -1));
    }
    return t.p;
}

/* ---- the loop ---- */

/* One call under test.  It returns the call's status and, on SKPI_OK, the
 * text of what it produced (system malloc) after freeing the result. */
typedef int (*fault_call)(const void *arg, skpi_error *err, char **result);

/* Fail allocation n of `call` for n = 0, 1, ... until it succeeds.  Each
 * failure: SKPI_ENOMEM (in err too when the call fills one), an allocation
 * refused, the world as before, no block kept.  The success: the result
 * of a call without failures.  Returns how many failures were seen. */
static long under_failures(const char *what, fault_call call, const void *arg, int fills_err)
{
    char *want = NULL;
    skpi_error err;
    ck_assert_msg(call(arg, &err, &want) == SKPI_OK, "%s: %s", what, err.message);
    char *before = world_snapshot();
    long failures = 0;
    for (long n = 0;; n++) {
        ck_assert_msg(n < 100000, "%s: no success after %ld failures", what, n);
        long live = test_alloc_live_total();
        char *got = NULL;
        memset(&err, 0x55, sizeof err);
        test_alloc_rearm(n);
        int rc = call(arg, &err, &got);
        int refused = test_alloc_failed();
        test_alloc_rearm(-1);
        ck_assert_msg(test_alloc_live_total() == live,
                      "%s, allocation %ld: %ld blocks leaked (rc %d)", what, n,
                      test_alloc_live_total() - live, rc);
        if (rc == SKPI_OK) {
            ck_assert_msg(strcmp(got, want) == 0, "%s, allocation %ld: a different result", what,
                          n);
            free(got);
            break;
        }
        failures++;
        ck_assert_msg(rc == SKPI_ENOMEM, "%s, allocation %ld: status %d", what, n, rc);
        ck_assert_msg(refused, "%s, allocation %ld: ENOMEM with no allocation refused", what, n);
        if (fills_err) {
            ck_assert_int_eq(err.code, SKPI_ENOMEM);
            ck_assert_msg(memchr(err.message, '\0', sizeof err.message) && err.message[0],
                          "%s: no message", what);
        }
        char *after = world_snapshot();
        ck_assert_msg(strcmp(before, after) == 0, "%s, allocation %ld: a handle changed", what, n);
        free(after);
    }
    ck_assert_msg(failures > 0, "%s allocates nothing", what);
    if (getenv("SKPI_FAULTS_VERBOSE"))
        fprintf(stderr, "%s: %ld failures\n", what, failures);
    free(before);
    free(want);
    return failures;
}

/* ---- skpi_chains_new ---- */

static int call_chains_new(const void *arg, skpi_error *err, char **result)
{
    const skpi_chain_options *o = arg;
    skpi_chains *c = (skpi_chains *)&c;
    int rc = skpi_chains_new(&c, rec, o, err);
    if (rc != SKPI_OK) {
        ck_assert_ptr_null(c);
        return rc;
    }
    *result = chains_snapshot(c);
    skpi_chains_free(c);
    return rc;
}

START_TEST(chains_new_under_failures)
{
    under_failures("chains_new (defaults)", call_chains_new, NULL, 1);
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = 3 * D;
    o.as_of = B + 40 * D;
    o.provisional = 1;
    o.anchor = SKPI_ANCHOR_LAST;
    under_failures("chains_new (options)", call_chains_new, &o, 1);
    /* an allocation refused on either thread */
    o.threads = 2;
    under_failures("chains_new (options, two threads)", call_chains_new, &o, 1);
}
END_TEST

/* ---- skpi_chains_update ---- */

/* Chains of the first part of the contacts, then the rest appended to the
 * records: an update fails with the chains as they were (the accessors
 * compared), and succeeds with the chains a fresh build gives. */
START_TEST(chains_update_under_failures)
{
    for (int explicit_as_of = 0; explicit_as_of < 2; explicit_as_of++) {
        skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
        if (explicit_as_of)
            o = chain_options();
        skpi_records *r;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        add_contacts(r, 0, N);
        skpi_chains *fresh;
        ck_assert_int_eq(skpi_chains_new(&fresh, r, &o, NULL), SKPI_OK);
        char *want = chains_snapshot(fresh);
        skpi_chains_free(fresh);
        skpi_records_free(r);
        long failures = 0;
        for (long n = 0;; n++) {
            ck_assert_int_lt(n, 10000);
            ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
            add_contacts(r, 0, FIRST_PART);
            skpi_chains *c;
            ck_assert_int_eq(skpi_chains_new(&c, r, &o, NULL), SKPI_OK);
            add_contacts(r, FIRST_PART, N);
            char *before = chains_snapshot(c);
            long live = test_alloc_live_total();
            test_alloc_rearm(n);
            int rc = skpi_chains_update(c);
            int refused = test_alloc_failed();
            test_alloc_rearm(-1);
            char *after = chains_snapshot(c);
            if (rc == SKPI_OK) {
                ck_assert_str_eq(after, want);
                ck_assert_int_eq(skpi_chains_errcode(c), SKPI_OK);
            } else {
                failures++;
                ck_assert_int_eq(rc, SKPI_ENOMEM);
                ck_assert(refused);
                ck_assert_int_eq(test_alloc_live_total(), live);
                ck_assert_int_eq(skpi_chains_errcode(c), SKPI_ENOMEM);
                ck_assert_str_ne(skpi_chains_errmsg(c), "");
                ck_assert_msg(strcmp(before, after) == 0, "allocation %ld: the chains changed", n);
                ck_assert_uint_eq(skpi_chains_contact_count(c), FIRST_PART);
                /* and the same call then succeeds */
                ck_assert_int_eq(skpi_chains_update(c), SKPI_OK);
                free(after);
                after = chains_snapshot(c);
                ck_assert_str_eq(after, want);
            }
            free(before);
            free(after);
            skpi_chains_free(c);
            skpi_records_free(r);
            if (rc == SKPI_OK)
                break;
        }
        ck_assert_int_gt(failures, 0);
        free(want);
    }
}
END_TEST

/* ---- skpi_breakdown_new ---- */

typedef struct breakdown_case {
    const char *what;
    int ledger;           /* 0 none, 1 with rates, 2 without */
    const char *by[3];
    int bucket;
    int view;
    int null_options;
    unsigned threads;
} breakdown_case;

static const breakdown_case breakdown_cases[] = {
    { "no ledger, no options", 0, { NULL }, 0, SKPI_VIEW_PERIOD, 1, 1 },
    { "no ledger, reason+tier by week, cohort", 0, { "reason", "tier" }, SKPI_BUCKET_WEEK,
      SKPI_VIEW_COHORT, 0, 1 },
    { "ledger with rates, no grouping", 1, { NULL }, 0, SKPI_VIEW_PERIOD, 0, 1 },
    { "ledger with rates, channel+region by month", 1, { "channel", "region" },
      SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD, 0, 1 },
    { "ledger with rates, product+outcome+tier by week, cohort", 1,
      { "product", "outcome", "tier" }, SKPI_BUCKET_WEEK, SKPI_VIEW_COHORT, 0, 1 },
    { "ledger without rates, outcome by quarter", 2, { "outcome" }, SKPI_BUCKET_QUARTER,
      SKPI_VIEW_PERIOD, 0, 1 },
    /* an allocation refused on either thread */
    { "two threads, no ledger, reason+tier by week, cohort", 0, { "reason", "tier" },
      SKPI_BUCKET_WEEK, SKPI_VIEW_COHORT, 0, 2 },
    { "two threads, ledger with rates, channel+region by month", 1, { "channel", "region" },
      SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD, 0, 2 },
};

static const skpi_ledger *ledger_of(int which)
{
    return which == 1 ? led : which == 2 ? led_norates : NULL;
}

static int call_breakdown_new(const void *arg, skpi_error *err, char **result)
{
    const breakdown_case *k = arg;
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = k->by;
    while (o.by_count < 3 && k->by[o.by_count])
        o.by_count++;
    o.bucket = k->bucket;
    o.view = k->view;
    o.threads = k->threads;
    skpi_breakdown *b = (skpi_breakdown *)&b;
    int rc = skpi_breakdown_new(&b, chains, ledger_of(k->ledger), k->null_options ? NULL : &o,
                                err);
    if (rc != SKPI_OK) {
        ck_assert_ptr_null(b);
        return rc;
    }
    *result = test_breakdown_json(b, SKPI_UNSET);
    skpi_breakdown_free(b);
    return rc;
}

START_TEST(breakdown_new_under_failures)
{
    const breakdown_case *k = &breakdown_cases[_i];
    under_failures(k->what, call_breakdown_new, k, 1);
}
END_TEST

/* ---- skpi_explain_new ---- */

typedef struct explain_case {
    const skpi_breakdown *b;
    size_t row;
    const skpi_ledger *ledger;
} explain_case;

static int call_explain_new(const void *arg, skpi_error *err, char **result)
{
    const explain_case *k = arg;
    skpi_explain *e = (skpi_explain *)&e;
    int rc = skpi_explain_new(&e, k->b, k->row, k->ledger, err);
    if (rc != SKPI_OK) {
        ck_assert_ptr_null(e);
        return rc;
    }
    *result = explain_text(e);
    skpi_explain_free(e);
    return rc;
}

START_TEST(explain_new_under_failures)
{
    const char *by[] = { "channel", "region" };
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = by;
    o.by_count = 2;
    o.bucket = SKPI_BUCKET_MONTH;
    skpi_breakdown *plain, *costed;
    ck_assert_int_eq(skpi_breakdown_new(&plain, chains, NULL, &o, NULL), SKPI_OK);
    ck_assert_int_eq(skpi_breakdown_new(&costed, chains, led, &o, NULL), SKPI_OK);
    ck_assert_uint_gt(skpi_breakdown_row_count(plain), 3);
    const explain_case cases[] = {
        { plain, 0, NULL }, { plain, 3, NULL }, { plain, SKPI_ROW_TOTAL, NULL },
        { costed, 2, led }, { costed, 2, NULL },
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char what[64];
        snprintf(what, sizeof what, "explain_new case %zu", k);
        under_failures(what, call_explain_new, &cases[k], 1);
    }
    skpi_breakdown_free(plain);
    skpi_breakdown_free(costed);
}
END_TEST

/* ---- skpi_percentile, skpi_median ---- */

static const int64_t percentile_values[] = { 90, -4, 17, 17, 3, 250, 0, 17, 42, -4, 8, 1000,
                                             5, 6, 7, 61, 13, 2, 2, 99, 41 };
#define PERCENTILE_N (sizeof percentile_values / sizeof percentile_values[0])

static int call_percentile(const void *arg, skpi_error *err, char **result)
{
    int median = arg != NULL;
    int64_t copy[PERCENTILE_N];
    memcpy(copy, percentile_values, sizeof copy);
    int64_t out = 777;
    int rc = median ? skpi_median(copy, PERCENTILE_N, &out, err)
                    : skpi_percentile(copy, PERCENTILE_N, 9, 10, &out, err);
    ck_assert(memcmp(copy, percentile_values, sizeof copy) == 0);  /* not modified */
    if (rc != SKPI_OK) {
        ck_assert_int_eq(out, 777);  /* untouched */
        return rc;
    }
    test_text t = { NULL, 0, 0 };
    test_text_printf(&t, "%lld", (long long)out);
    *result = t.p;
    return rc;
}

START_TEST(percentile_under_failures)
{
    under_failures("percentile", call_percentile, NULL, 1);
    under_failures("median", call_percentile, "median", 1);
}
END_TEST

/* ---- the loaders, from a file and in skip mode (the module suite reads
 * memory, failing on bad rows) ---- */

typedef struct collected {
    test_text messages;
    int calls;
} collected;

static void collect(void *context, const char *message)
{
    collected *c = context;
    c->calls++;
    test_text_printf(&c->messages, "%s\n", message);
}

static const char contacts_csv[] =
    "id,customer,reason,channel,opened_at,first_response_at,closed_at,handle_seconds,tier,"
    "escalations,outcome,reopens,csat,region,site\r\n"
    "L1,\"c,1\",billing,voice,100,150,200,60,2,1,resolved,0,5,eu,s1\r\n"
    "L2,c2,login,chat,2024-03-01T12:00:00Z,,,30,,,open,,,us,\r\n"
    "L3,c1,billing,voice,300,,250,30,1,0,abandoned,,,eu,s2\r\n"   /* closed before opened */
    "L4,c3,,email,400,,500,,0,,escalated,1,2,,s9\r\n";

START_TEST(records_load_from_file_under_failures)
{
    FILE *f = test_file_of(contacts_csv, strlen(contacts_csv));
    long failures = 0;
    for (long n = 0;; n++) {
        ck_assert_int_lt(n, 10000);
        skpi_records *r;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        add_contacts(r, 0, 20);   /* with dimensions region and product already */
        test_text before = { NULL, 0, 0 };
        test_records_text(&before, r);
        collected seen = { { NULL, 0, 0 }, 0 };
        skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
        o.skip_bad_rows = 1;
        o.report = collect;
        o.context = &seen;
        skpi_load_stats stats = { 99, 99 };
        rewind(f);
        skpi_input in = SKPI_INPUT_FILE(f, "c.csv");
        long live = test_alloc_live_total();
        test_alloc_rearm(n);
        int rc = skpi_records_load(r, &in, &o, &stats);
        int refused = test_alloc_failed();
        test_alloc_rearm(-1);
        test_text after = { NULL, 0, 0 };
        test_records_text(&after, r);
        if (rc == SKPI_OK) {
            ck_assert_uint_eq(stats.rows, 3);
            ck_assert_uint_eq(stats.skipped, 1);
            ck_assert_uint_eq(skpi_records_count(r), 23);
            ck_assert_str_eq(seen.messages.p, "c.csv:4:closed_at:is before opened_at\n");
            size_t d;
            ck_assert_int_eq(skpi_records_dimension_index(r, "site", &d), SKPI_OK);
            ck_assert_str_eq(skpi_records_dimension_value(r, 22, d), "s9");
        } else {
            failures++;
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(refused);
            ck_assert_int_eq(skpi_records_errcode(r), SKPI_ENOMEM);
            ck_assert_uint_eq(stats.rows, 0);
            ck_assert_str_eq(before.p, after.p);
            ck_assert_int_eq(test_alloc_live_total(), live);
        }
        free(before.p);
        free(after.p);
        free(seen.messages.p);
        skpi_records_free(r);
        if (rc == SKPI_OK)
            break;
    }
    ck_assert_int_gt(failures, 0);
    fclose(f);
}
END_TEST

static const char costs_csv[] =
    "category,amount,currency,start,end,driver,channel,scope\n"
    "direct_labor,100,JPY,0,10,tier_weighted,voice,region=eu;product=p1\n"
    "other,5,,2024-01-01T00:00:00Z,2024-02-01T00:00:00Z,,,\n"
    "other,-5,,0,1,,,\n"
    "technology,7,JPY,0,1,contacts,chat,\n";

START_TEST(costs_load_from_path_under_failures)
{
    char path[] = "/tmp/skpi-faults-costs.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, costs_csv, strlen(costs_csv)), (ssize_t)strlen(costs_csv));
    close(fd);
    long failures = 0;
    for (long n = 0;; n++) {
        ck_assert_int_lt(n, 10000);
        collected seen = { { NULL, 0, 0 }, 0 };
        skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
        o.skip_bad_rows = 1;
        o.report = collect;
        o.context = &seen;
        skpi_input in = SKPI_INPUT_PATH(path);
        in.name = "k.csv";
        skpi_ledger *l = (skpi_ledger *)&l;
        skpi_error err;
        long live = test_alloc_live_total();
        test_alloc_rearm(n);
        int rc = skpi_ledger_load_costs(&l, &in, &o, NULL, &err);
        int refused = test_alloc_failed();
        test_alloc_rearm(-1);
        if (rc == SKPI_OK) {
            ck_assert_uint_eq(skpi_ledger_entry_count(l), 3);
            ck_assert_str_eq(skpi_ledger_currency(l), "JPY");
            ck_assert_str_eq(seen.messages.p, "k.csv:4:amount:-5 is negative\n");
            skpi_ledger_free(l);
        } else {
            failures++;
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(refused);
            ck_assert_int_eq(err.code, SKPI_ENOMEM);
            ck_assert_ptr_null(l);
            ck_assert_int_eq(test_alloc_live_total(), live);
        }
        free(seen.messages.p);
        if (rc == SKPI_OK)
            break;
    }
    ck_assert_int_gt(failures, 0);
    unlink(path);
}
END_TEST

/* A rates load on a ledger that has entries and rates: every failure leaves
 * the whole ledger (entries, total, currency, rates) as it was. */
START_TEST(rates_load_under_failures)
{
    static const char rates[] = "rate_per_hour,tier\n3000,1\n\"9000\",2\n11,-1\n0,0\n";
    long failures = 0;
    for (int from_file = 0; from_file < 2; from_file++) {
        FILE *f = test_file_of(rates, strlen(rates));
        for (long n = 0;; n++) {
            ck_assert_int_lt(n, 10000);
            test_text before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
            test_ledger_text(&before, led);
            collected seen = { { NULL, 0, 0 }, 0 };
            skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
            o.skip_bad_rows = 1;
            o.report = collect;
            o.context = &seen;
            rewind(f);
            skpi_input in = from_file ? SKPI_INPUT_FILE(f, "r.csv")
                                      : SKPI_INPUT_MEMORY(rates, sizeof rates - 1, "r.csv");
            long live = test_alloc_live_total();
            test_alloc_rearm(n);
            int rc = skpi_ledger_load_rates(led, &in, &o, NULL);
            int refused = test_alloc_failed();
            test_alloc_rearm(-1);
            test_ledger_text(&after, led);
            if (rc == SKPI_OK) {
                ck_assert_str_eq(seen.messages.p, "r.csv:4:tier:not 0..9\n");
                int64_t r;
                ck_assert_int_eq(skpi_ledger_rate(led, 2, &r), SKPI_OK);
                ck_assert_int_eq(r, 9000);
                ck_assert_int_eq(skpi_ledger_rate(led, 3, &r), SKPI_OK);  /* kept */
                ck_assert_int_eq(r, 8500);
            } else {
                failures++;
                ck_assert_int_eq(rc, SKPI_ENOMEM);
                ck_assert(refused);
                ck_assert_int_eq(skpi_ledger_errcode(led), SKPI_ENOMEM);
                ck_assert_str_eq(before.p, after.p);
                ck_assert_int_eq(test_alloc_live_total(), live);
            }
            free(before.p);
            free(after.p);
            free(seen.messages.p);
            if (rc == SKPI_OK)
                break;
        }
        fclose(f);
    }
    ck_assert_int_gt(failures, 0);
}
END_TEST

/* ---- the writers ---- */

/* The JSON and CSV writers (to a stream or a buffer) allocate nothing: with every allocation refused
 * they still succeed (so they have no out-of-memory path to test). */
START_TEST(writers_allocate_nothing)
{
    const char *by[] = { "channel", "region" };
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = by;
    o.by_count = 2;
    o.bucket = SKPI_BUCKET_WEEK;
    skpi_breakdown *b;
    ck_assert_int_eq(skpi_breakdown_new(&b, chains, led, &o, NULL), SKPI_OK);
    char *want = test_breakdown_json(b, SKPI_UNSET);
    size_t size = strlen(want) + 1;
    char *buf = malloc(size);
    ck_assert_ptr_nonnull(buf);
    FILE *json = tmpfile(), *csv = tmpfile();
    ck_assert(json && csv);
    size_t needed = 0;
    test_alloc_rearm(0);
    int rc_small = skpi_breakdown_json(b, buf, 10, &needed, 12);
    int rc_buf = skpi_breakdown_json(b, buf, size, NULL, SKPI_UNSET);
    int rc_json = skpi_breakdown_write_json(b, json, SKPI_UNSET);
    int rc_csv = skpi_breakdown_write_csv(b, csv);
    size_t csv_needed = 0;
    int rc_csv_size = skpi_breakdown_csv(b, NULL, 0, &csv_needed);
    long calls = test_alloc_calls();
    test_alloc_rearm(-1);
    ck_assert_int_eq(calls, 0);
    ck_assert_int_eq(rc_small, SKPI_ENOSPACE);
    ck_assert_uint_eq(needed, size + strlen(",\n    \"skipped_rows\": 12"));
    ck_assert_int_eq(rc_buf, SKPI_OK);
    ck_assert_str_eq(buf, want);
    ck_assert_int_eq(rc_json, SKPI_OK);
    ck_assert_int_eq(rc_csv, SKPI_OK);
    ck_assert_int_eq(rc_csv_size, SKPI_ENOSPACE);
    ck_assert_int_eq(ftell(json), (long)size - 1);
    ck_assert_int_eq(ftell(csv), (long)csv_needed - 1);
    fclose(json);
    fclose(csv);
    free(buf);
    free(want);
    skpi_breakdown_free(b);
}
END_TEST

/* A full disk is SKPI_EIO for both writers, whether the stream fails at the
 * first write (unbuffered), in the middle (a report larger than the stdio
 * buffer) or only at the final flush (a report that fits in it). */
START_TEST(writers_on_a_full_disk)
{
    FILE *probe = fopen("/dev/full", "w");
    if (!probe)
        return;  /* no /dev/full on this system */
    fclose(probe);
    const char *by[] = { "product", "region", "tier" };
    skpi_breakdown_options big = SKPI_BREAKDOWN_OPTIONS_INIT;
    big.by = by;
    big.by_count = 3;
    big.bucket = SKPI_BUCKET_DAY;
    skpi_breakdown *small_b, *big_b;
    ck_assert_int_eq(skpi_breakdown_new(&small_b, chains, NULL, NULL, NULL), SKPI_OK);
    ck_assert_int_eq(skpi_breakdown_new(&big_b, chains, led, &big, NULL), SKPI_OK);
    ck_assert_uint_gt(skpi_breakdown_row_count(big_b), 100);  /* far beyond BUFSIZ */
    const skpi_breakdown *each[] = { small_b, big_b };
    for (int which = 0; which < 2; which++) {
        for (int unbuffered = 0; unbuffered < 2; unbuffered++) {
            for (int csv = 0; csv < 2; csv++) {
                FILE *f = fopen("/dev/full", "w");
                ck_assert_ptr_nonnull(f);
                if (unbuffered)
                    setvbuf(f, NULL, _IONBF, 0);
                int rc = csv ? skpi_breakdown_write_csv(each[which], f)
                             : skpi_breakdown_write_json(each[which], f, 3);
                ck_assert_msg(rc == SKPI_EIO, "%s, %s, %s: %d", which ? "big" : "small",
                              unbuffered ? "unbuffered" : "buffered", csv ? "csv" : "json", rc);
                fclose(f);
            }
        }
    }
    skpi_breakdown_free(small_b);
    skpi_breakdown_free(big_b);
}
END_TEST

/* ---- validation rules no other suite proved (doc/bad-input.md) ---- */

/* SPEC §2: strings that contain NUL are refused; a C string cannot hold one,
 * a column can. */
START_TEST(columns_with_nul_are_refused)
{
    static const char *const names[] = { "region" };
    for (int where = 0; where < 3; where++) {
        char ids[] = "N0N1N2";
        char cust[] = "ab";
        char region[] = "euus";
        int64_t id_off[] = { 0, 2, 4, 6 }, two_off[] = { 0, 1, 1, 2 };
        int64_t opened[] = { 10, 20, 30 }, outcome[] = { 0, 0, 0 };
        if (where == 0)
            ids[3] = '\0';      /* row 1's id is "N\0" */
        else if (where == 1)
            cust[1] = '\0';     /* row 2's customer is "\0" */
        else
            region[1] = '\0';   /* row 2's region is "\0" */
        skpi_text_column dims[] = { { region, two_off } };
        skpi_contact_columns c = SKPI_COLUMNS_INIT;
        c.count = 3;
        c.id.bytes = ids;
        c.id.offsets = id_off;
        c.customer.bytes = cust;
        c.customer.offsets = two_off;
        c.opened_at = opened;
        c.outcome = outcome;
        c.dimension_count = 1;
        c.dimension_names = names;
        c.dimensions = dims;
        test_text before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
        test_records_text(&before, rec);
        ck_assert_int_eq(skpi_records_append_columns(rec, &c), SKPI_EINVAL);
        ck_assert_int_eq(skpi_records_errcode(rec), SKPI_EINVAL);
        const char *msg = skpi_records_errmsg(rec);
        static const char *const want[][2] = { { "row 1", "id:" }, { "row 2", "customer:" },
                                               { "row 2", "region:" } };
        ck_assert_msg(strstr(msg, want[where][0]) && strstr(msg, want[where][1]),
                      "message '%s' does not name %s and %s", msg, want[where][0],
                      want[where][1]);
        test_records_text(&after, rec);
        ck_assert_str_eq(before.p, after.p);
        free(before.p);
        free(after.p);
    }
}
END_TEST

/* SPEC §4 arguments of skpi_ledger_add_entry not covered by the ledger
 * suite's table: arrays missing for a scope, a NULL key or value, a value
 * that is not valid UTF-8. */
START_TEST(ledger_scope_arguments)
{
    const char *key[] = { "region" }, *null_key[] = { NULL };
    const char *bad_value[] = { "e\xffu" }, *null_value[] = { NULL }, *eu[] = { "eu" };
    struct {
        const char *const *keys, *const *values;
    } cases[] = {
        { NULL, eu }, { key, NULL }, { null_key, eu }, { key, null_value }, { key, bad_value },
    };
    test_text before = { NULL, 0, 0 };
    test_ledger_text(&before, led);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        int rc = skpi_ledger_add_entry(led, SKPI_CATEGORY_OTHER, 1, 0, 1, SKPI_DRIVER_CONTACTS,
                                       NULL, 1, cases[k].keys, cases[k].values);
        ck_assert_msg(rc == SKPI_EINVAL, "case %zu: %d", k, rc);
        ck_assert_int_eq(skpi_ledger_errcode(led), SKPI_EINVAL);
        ck_assert_msg(strncmp(skpi_ledger_errmsg(led), "scope: ", 7) == 0, "case %zu: '%s'", k,
                      skpi_ledger_errmsg(led));
        test_text after = { NULL, 0, 0 };
        test_ledger_text(&after, led);
        ck_assert_str_eq(before.p, after.p);
        free(after.p);
    }
    free(before.p);
}
END_TEST

static int load_text(const char *csv, int kind, int skip, collected *seen, skpi_ledger **out)
{
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = skip;
    o.report = collect;
    o.context = seen;
    skpi_input in = SKPI_INPUT_MEMORY(csv, strlen(csv), kind == 0 ? "c.csv" : "k.csv");
    if (kind == 0)
        return skpi_records_load(rec, &in, &o, NULL);
    *out = NULL;
    return skpi_ledger_load_costs(out, &in, &o, NULL, NULL);
}

/* SPEC §4/§8: a costs.csv row whose amount would overflow the ledger total
 * is a bad row of column amount, like any other. */
START_TEST(costs_total_overflow_is_a_bad_row)
{
    const char *csv = "category,amount,start,end\n"
                      "other,9223372036854775000,0,1\n"
                      "other,807,0,1\n"
                      "other,808,0,1\n"
                      "other,0,0,1\n";
    for (int skip = 0; skip < 2; skip++) {
        collected seen = { { NULL, 0, 0 }, 0 };
        skpi_ledger *l;
        int rc = load_text(csv, 1, skip, &seen, &l);
        ck_assert_int_eq(seen.calls, 1);
        ck_assert_msg(strncmp(seen.messages.p, "k.csv:4:amount:", 15) == 0, "%s",
                      seen.messages.p);
        if (skip) {
            ck_assert_int_eq(rc, SKPI_OK);
            int64_t total;
            skpi_ledger_total(l, &total);
            ck_assert(total == INT64_MAX);
            ck_assert_uint_eq(skpi_ledger_entry_count(l), 3);
            skpi_ledger_free(l);
        } else {
            ck_assert_int_eq(rc, SKPI_EDATA);
            ck_assert_ptr_null(l);
        }
        free(seen.messages.p);
    }
}
END_TEST

/* SPEC §8: one message per bad row, even when several of its fields are bad;
 * and INT64_MIN (the library's "unset") is out of range in every integer and
 * timestamp column. */
START_TEST(one_message_per_bad_row)
{
    const char *csv = "id,opened_at,closed_at,outcome,tier,csat,handle_seconds\n"
                      "m1,100,50,resolved,10,9,-1\n"                    /* 2: three bad fields */
                      "m2,100,,open,,,-9223372036854775808\n"           /* 3 */
                      "m3,-9223372036854775808,,open,,,\n"              /* 4 */
                      "m4,100,,bogus,x,,\n"                             /* 5 */
                      "m5,100,,open,,,\n";                              /* 6: good */
    collected seen = { { NULL, 0, 0 }, 0 };
    test_text before = { NULL, 0, 0 }, after = { NULL, 0, 0 };
    test_records_text(&before, rec);
    ck_assert_int_eq(load_text(csv, 0, 0, &seen, NULL), SKPI_EDATA);
    ck_assert_int_eq(seen.calls, 4);
    ck_assert_str_eq(seen.messages.p, "c.csv:2:closed_at:is before opened_at\n"
                                      "c.csv:3:handle_seconds:integer out of range\n"
                                      "c.csv:4:opened_at:Unix seconds beyond int64 (or INT64_MIN, which means unset)\n"
                                      "c.csv:5:outcome:not one of open, resolved, escalated, abandoned\n");
    test_records_text(&after, rec);
    ck_assert_str_eq(before.p, after.p);
    free(before.p);
    free(after.p);
    free(seen.messages.p);
}
END_TEST

Suite *make_faults_suite(void)
{
    Suite *s = suite_create("faults");
    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_set_timeout(errors, 120);
    tcase_add_test(errors, chains_new_under_failures);
    tcase_add_test(errors, chains_update_under_failures);
    tcase_add_loop_test(errors, breakdown_new_under_failures, 0,
                        (int)(sizeof breakdown_cases / sizeof breakdown_cases[0]));
    tcase_add_test(errors, explain_new_under_failures);
    tcase_add_test(errors, percentile_under_failures);
    tcase_add_test(errors, records_load_from_file_under_failures);
    tcase_add_test(errors, costs_load_from_path_under_failures);
    tcase_add_test(errors, rates_load_under_failures);
    tcase_add_test(errors, writers_allocate_nothing);
    tcase_add_test(errors, writers_on_a_full_disk);
    tcase_add_test(errors, columns_with_nul_are_refused);
    tcase_add_test(errors, ledger_scope_arguments);
    tcase_add_test(errors, costs_total_overflow_is_a_bad_row);
    tcase_add_test(errors, one_message_per_bad_row);
    suite_add_tcase(s, errors);
    return s;
}
