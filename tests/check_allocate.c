/* Cost allocation (SPEC §4) through the public breakdown API: drivers,
 * scopes, unallocated amounts, rounding of the money columns, failure
 * demand, the escalation-adjusted allocation and its premium, missing rates,
 * overflow, CPT / CPR from the exact cost; invariants on random data;
 * allocation failures. */
#include <check.h>
#include <stdbool.h>
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
#define FAR (B + 400 * D)     /* an as-of time that settles every closed chain */

static skpi_records *rec;
static skpi_chains *chains;
static skpi_ledger *led;

static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_new(&led, "USD", NULL), SKPI_OK);
}

static void teardown(void)
{
    test_free_handles(&rec, &chains, &led);
}

/* One contact: reason "r", closed 60 s after it opened (unless open);
 * region NULL leaves the contact without a region. */
static void addc(const char *id, const char *cust, const char *channel, int tier,
                 int64_t opened, int64_t handle, int outcome, const char *region)
{
    static const char *const names[] = { "region" };
    const char *values[1] = { region };
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = cust;
    c.reason = "r";
    c.channel = channel;
    c.tier = tier;
    c.opened_at = opened;
    c.closed_at = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET : opened + 60;
    c.handle_seconds = handle;
    c.outcome = outcome;
    if (region) {
        c.dimension_count = 1;
        c.dimension_names = names;
        c.dimension_values = values;
    }
    ck_assert_msg(skpi_records_add(rec, &c) == SKPI_OK, "%s", skpi_records_errmsg(rec));
}

/* A resolved contact of its own customer (a chain of its own). */
static void solo(const char *id, const char *channel, int tier, int64_t opened, int64_t handle,
                 const char *region)
{
    addc(id, id, channel, tier, opened, handle, SKPI_OUTCOME_RESOLVED, region);
}

static void stitch(void)
{
    test_stitch(&chains, rec, FAR, SKPI_ANCHOR_FIRST);
}

static void entry(skpi_ledger *l, int category, int64_t amount, int64_t start, int64_t end,
                  int driver, const char *channel, const char *key, const char *value)
{
    const char *keys[1] = { key }, *values[1] = { value };
    int rc = skpi_ledger_add_entry(l, category, amount, start, end, driver, channel, key ? 1 : 0,
                                   keys, values);
    ck_assert_msg(rc == SKPI_OK, "%s", skpi_ledger_errmsg(l));
}

static void rate(skpi_ledger *l, int tier, int64_t r)
{
    ck_assert_int_eq(skpi_ledger_set_rate(l, tier, r), SKPI_OK);
}

static skpi_breakdown *run(const skpi_ledger *l, const char *k0, const char *k1, int bucket)
{
    return test_breakdown(chains, l, k0, k1, bucket);
}

static void key_is(const skpi_breakdown *b, size_t row, size_t column, const char *want)
{
    const char *v = skpi_breakdown_key_value(b, row, column);
    if (!want)
        ck_assert_ptr_null(v);
    else
        ck_assert_str_eq(v, want);
}

/* Every row's value of one money column, then the total. */
static void column_is(const skpi_breakdown *b, int kpi, const int64_t *rows, int64_t total)
{
    size_t n = skpi_breakdown_row_count(b);
    for (size_t r = 0; r < n; r++)
        ck_assert_msg(test_kpi(b, r, kpi) == rows[r], "%s row %zu: %lld, want %lld",
                      skpi_kpi_name(kpi), r, (long long)test_kpi(b, r, kpi), (long long)rows[r]);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, kpi), total);
}

static void ledger_is(const skpi_breakdown *b, int64_t total, int64_t unallocated,
                      int64_t adjusted_unallocated)
{
    int64_t t = -1, u = -1, a = -1;
    ck_assert_int_eq(skpi_breakdown_ledger(b, &t, &u, &a), SKPI_OK);
    ck_assert_int_eq(t, total);
    ck_assert_int_eq(u, unallocated);
    ck_assert_int_eq(a, adjusted_unallocated);
}

/* Σ rows = total in every money column present; allocated + unallocated =
 * ledger total in both allocations. */
static void money_identities(const skpi_breakdown *b)
{
    static const int money[] = { SKPI_KPI_COST, SKPI_KPI_FAILURE_DEMAND_COST,
                                 SKPI_KPI_ESCALATION_ADJUSTED_COST, SKPI_KPI_ESCALATION_PREMIUM };
    size_t n = skpi_breakdown_row_count(b);
    for (int m = 0; m < 4; m++) {
        int64_t total;
        if (skpi_breakdown_get(b, SKPI_ROW_TOTAL, money[m], &total) == SKPI_ABSENT) {
            for (size_t r = 0; r < n; r++)
                test_kpi_absent(b, r, money[m]);
            continue;
        }
        int64_t sum = 0;
        for (size_t r = 0; r < n; r++)
            sum += test_kpi(b, r, money[m]);
        ck_assert_msg(sum == total, "%s: rows sum to %lld, total %lld", skpi_kpi_name(money[m]),
                      (long long)sum, (long long)total);
    }
    int64_t lt, un, aun;
    ck_assert_int_eq(skpi_breakdown_ledger(b, &lt, &un, &aun), SKPI_OK);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_COST) + un, lt);
    if (aun != SKPI_UNSET)
        ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_ADJUSTED_COST) + aun, lt);
}

/* ---- drivers ---- */

START_TEST(handle_time_largest_remainder)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "email", 1, B + 10, 200, NULL);
    solo("c", "voice", 1, B + 20, 300, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 601, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* exact shares 601 × {100, 200, 300} / 600 = 100.1666…, 200.333…, 300.5;
     * floors 100 + 200 + 300 = 600, one unit left: to the largest fraction,
     * .5 (voice): 100, 200, 301 */
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 3);
    key_is(b, 0, 0, "chat");
    key_is(b, 2, 0, "voice");
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 100, 200, 301 }, 601);
    ledger_is(b, 601, 0, SKPI_UNSET);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(contacts_driver)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "email", 1, B + 10, 0, NULL);   /* handle 0 still weighs 1 */
    solo("c", "voice", 1, B + 20, 900, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OVERHEAD, 100, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* 100 / 3 = 33.333… each; floors 99; the unit left goes to the equal
     * fractions' earliest row, chat: 34, 33, 33 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 34, 33, 33 }, 100);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(tier_weighted_driver)
{
    solo("a", "chat", 1, B, 600, NULL);
    solo("b", "chat", 2, B + 10, 600, NULL);
    solo("c", "chat", 3, B + 20, 1200, NULL);
    stitch();
    rate(led, 1, 3000);
    rate(led, 2, 6000);
    rate(led, 3, 9000);
    entry(led, SKPI_CATEGORY_TECHNOLOGY, 1000, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL,
          NULL);
    skpi_breakdown *b = run(led, "tier", NULL, 0);
    /* weights 600×3000 = 1.8M, 600×6000 = 3.6M, 1200×9000 = 10.8M; W = 16.2M;
     * shares 1000 × {1.8, 3.6, 10.8} / 16.2 = 111.11…, 222.22…, 666.66…;
     * floors 999, the unit to .66…: 111, 222, 667 */
    key_is(b, 0, 0, "1");
    key_is(b, 2, 0, "3");
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 111, 222, 667 }, 1000);
    /* technology is not direct_labor: the adjusted allocation keeps it */
    column_is(b, SKPI_KPI_ESCALATION_ADJUSTED_COST, (const int64_t[]){ 111, 222, 667 }, 1000);
    column_is(b, SKPI_KPI_ESCALATION_PREMIUM, (const int64_t[]){ 0, 0, 0 }, 0);
    ledger_is(b, 1000, 0, 0);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- scopes and unallocated entries ---- */

/* c0 chat/eu h100, c1 voice/eu h200, c2 voice/us h300, c3 email/- h400,
 * c4 voice/- h500, all on day 0; c5 chat/eu h0 on day 5. */
static void scope_contacts(void)
{
    solo("c0", "chat", 1, B, 100, "eu");
    solo("c1", "voice", 1, B + 1, 200, "eu");
    solo("c2", "voice", 1, B + 2, 300, "us");
    solo("c3", "email", 1, B + 3, 400, NULL);
    solo("c4", "voice", 1, B + 4, 500, NULL);
    solo("c5", "chat", 1, B + 5 * D, 0, "eu");
    stitch();
}

START_TEST(channel_scope)
{
    scope_contacts();
    entry(led, SKPI_CATEGORY_OTHER, 1000, B, B + D, SKPI_DRIVER_CONTACTS, "voice", NULL, NULL);
    /* voice contacts c1 c2 c4 share it: 333.33… each */
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    key_is(b, 0, 0, "chat");
    key_is(b, 1, 0, "email");
    key_is(b, 2, 0, "voice");
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 0, 0, 1000 }, 1000);
    skpi_breakdown_free(b);
    /* by region: null {c3 c4}, eu {c0 c1 c5}, us {c2}: 333.33… each for c4,
     * c1, c2; floors 999; ties to the earliest row (null): 334, 333, 333 */
    b = run(led, "region", NULL, 0);
    key_is(b, 0, 0, NULL);
    key_is(b, 1, 0, "eu");
    key_is(b, 2, 0, "us");
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 334, 333, 333 }, 1000);
    ledger_is(b, 1000, 0, SKPI_UNSET);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(dimension_scope)
{
    scope_contacts();
    entry(led, SKPI_CATEGORY_OTHER, 900, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, "region", "eu");
    /* eu on day 0: c0 h100, c1 h200 (c3 c4 have no region: never match):
     * 300 and 600 */
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 300, 0, 600 }, 900);
    ledger_is(b, 900, 0, SKPI_UNSET);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(channel_and_dimension_scope)
{
    scope_contacts();
    entry(led, SKPI_CATEGORY_OTHER, 777, B, B + D, SKPI_DRIVER_HANDLE_TIME, "voice", "region",
          "eu");
    /* voice and eu: c1 alone */
    skpi_breakdown *b = run(led, "channel", "region", 0);
    /* rows: chat/eu, email/null, voice/null, voice/eu, voice/us */
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 5);
    key_is(b, 3, 0, "voice");
    key_is(b, 3, 1, "eu");
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 0, 0, 0, 777, 0 }, 777);
    skpi_breakdown_free(b);
}
END_TEST

/* One entry that matches nothing: all of it unallocated, every row 0. */
static void expect_unallocated(int driver, const char *channel, const char *key,
                               const char *value, int64_t start, int64_t end)
{
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 500, start, end, driver, channel, key, value);
    entry(led, SKPI_CATEGORY_OVERHEAD, 60, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* the overhead: 60 / 5 day-0 contacts = 12 each: chat 12, email 12, voice 36 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 12, 12, 36 }, 60);
    ledger_is(b, 560, 500, SKPI_UNSET);
    money_identities(b);
    skpi_breakdown_free(b);
}

START_TEST(scope_with_unknown_dimension_is_unallocated)
{
    scope_contacts();
    expect_unallocated(SKPI_DRIVER_CONTACTS, NULL, "product", "x", B, B + D);
}
END_TEST

START_TEST(scope_with_unknown_value_is_unallocated)
{
    scope_contacts();
    expect_unallocated(SKPI_DRIVER_CONTACTS, NULL, "region", "apac", B, B + D);
}
END_TEST

START_TEST(scope_with_unknown_channel_is_unallocated)
{
    scope_contacts();
    expect_unallocated(SKPI_DRIVER_CONTACTS, "fax", NULL, NULL, B, B + D);
}
END_TEST

START_TEST(period_without_contacts_is_unallocated)
{
    scope_contacts();
    expect_unallocated(SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, B + D, B + 5 * D);
}
END_TEST

START_TEST(zero_weights_are_unallocated)
{
    scope_contacts();
    /* day 5 holds c5 alone, with handle 0: W = 0 */
    expect_unallocated(SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL, B + 5 * D, B + 6 * D);
}
END_TEST

START_TEST(unallocated_entries_together)
{
    scope_contacts();
    entry(led, SKPI_CATEGORY_OTHER, 1000, B, B + D, SKPI_DRIVER_CONTACTS, "voice", NULL, NULL);
    entry(led, SKPI_CATEGORY_OTHER, 900, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, "region", "eu");
    entry(led, SKPI_CATEGORY_OTHER, 1, B, B + D, SKPI_DRIVER_CONTACTS, NULL, "product", "x");
    entry(led, SKPI_CATEGORY_OTHER, 20, B, B + D, SKPI_DRIVER_CONTACTS, "fax", NULL, NULL);
    entry(led, SKPI_CATEGORY_OTHER, 300, B + D, B + 2 * D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    entry(led, SKPI_CATEGORY_OTHER, 4000, B + 5 * D, B + 6 * D, SKPI_DRIVER_HANDLE_TIME, NULL,
          NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* allocated: 1000 (voice) + 900 (300 chat, 600 voice); unallocated
     * 1 + 20 + 300 + 4000 = 4321; ledger 6221 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 300, 0, 1600 }, 1900);
    ledger_is(b, 6221, 4321, SKPI_UNSET);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(period_boundaries)
{
    solo("at_start", "chat", 1, B, 10, NULL);
    solo("before", "email", 1, B - 1, 10, NULL);
    solo("at_end", "voice", 1, B + D, 10, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 100, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* [B, B + D): opened exactly at start is in, at end is not */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 100, 0, 0 }, 100);
    ledger_is(b, 100, 0, SKPI_UNSET);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- rounding ---- */

START_TEST(rounding_ties_to_earlier_row)
{
    solo("a", "chat", 1, B, 10, NULL);
    solo("b", "voice", 1, B + 1, 10, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 1, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    /* 0.5 and 0.5: total 1, floors 0, the unit to the earlier row */
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 1, 0 }, 1);
    skpi_breakdown_free(b);
}
END_TEST

/* A chain of two contacts of customer X (chat first, then a voice repeat)
 * and an entry of `amount` over them by contacts: failure demand is the
 * voice contact's half. */
static skpi_breakdown *repeat_pair(int64_t amount)
{
    addc("x1", "X", "chat", 1, B, 100, SKPI_OUTCOME_ESCALATED, NULL);
    addc("x2", "X", "voice", 1, B + 3600, 300, SKPI_OUTCOME_RESOLVED, NULL);
    stitch();
    ck_assert_uint_eq(skpi_chains_count(chains), 1);
    entry(led, SKPI_CATEGORY_OTHER, amount, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    return run(led, "channel", NULL, 0);
}

START_TEST(failure_demand_total_half_even_down)
{
    skpi_breakdown *b = repeat_pair(5);
    /* cost 2.5 + 2.5: total 5, floors 4, the tie to chat: 3, 2.
     * failure demand: x2 only, 2.5: the total rounds half to even, to 2;
     * the voice row floors to 2 and nothing is left over */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 3, 2 }, 5);
    column_is(b, SKPI_KPI_FAILURE_DEMAND_COST, (const int64_t[]){ 0, 2 }, 2);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_REPEAT_CONTACTS), 1);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(failure_demand_total_half_even_up)
{
    skpi_breakdown *b = repeat_pair(7);
    /* cost 3.5 + 3.5: 4, 3.  failure demand 3.5: total 4 (even), the voice
     * row floor 3 + the unit left: 4 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 4, 3 }, 7);
    column_is(b, SKPI_KPI_FAILURE_DEMAND_COST, (const int64_t[]){ 0, 4 }, 4);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(failure_demand_is_repeat_contacts_cost)
{
    addc("x1", "X", "chat", 1, B, 100, SKPI_OUTCOME_ESCALATED, NULL);
    addc("x2", "X", "voice", 1, B + 3600, 300, SKPI_OUTCOME_RESOLVED, NULL);
    solo("y1", "voice", 1, B + 7200, 600, NULL);
    stitch();
    ck_assert_uint_eq(skpi_chains_count(chains), 2);
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 1000, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL,
          NULL);
    /* W = 1000: x1 100, x2 300, y1 600.  Repeat: x2 only → 300 */
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 100, 900 }, 1000);
    column_is(b, SKPI_KPI_FAILURE_DEMAND_COST, (const int64_t[]){ 0, 300 }, 300);
    skpi_breakdown_free(b);
    b = run(led, NULL, NULL, 0);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_FAILURE_DEMAND_COST), 300);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_FAILURE_DEMAND_COST), 300);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- the escalation-adjusted allocation ---- */

START_TEST(escalation_adjusted_and_premium)
{
    solo("a", "chat", 1, B, 600, NULL);
    solo("b", "chat", 2, B + 10, 600, NULL);
    solo("c", "chat", 3, B + 20, 1200, NULL);
    stitch();
    rate(led, 1, 3000);
    rate(led, 2, 6000);
    rate(led, 3, 9000);
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 1000, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL,
          NULL);
    entry(led, SKPI_CATEGORY_INDIRECT_LABOR, 300, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL,
          NULL);
    skpi_breakdown *b = run(led, "tier", NULL, 0);
    /* standard: direct by handle 600/2400, 600/2400, 1200/2400 of 1000 =
     * 250 250 500, indirect 100 each: 350 350 600 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 350, 350, 600 }, 1300);
    /* adjusted: direct by handle × rate (1.8M 3.6M 10.8M of 16.2M):
     * 111.11… 222.22… 666.66…, indirect kept: 211.11… 322.22… 766.66…;
     * floors 1299, the unit to .66…: 211 322 767 */
    column_is(b, SKPI_KPI_ESCALATION_ADJUSTED_COST, (const int64_t[]){ 211, 322, 767 }, 1300);
    /* premium: tier 2: 222.22… × (6000-3000)/6000 = 111.11…;
     * tier 3: 666.66… × (9000-3000)/9000 = 444.44…; total 555.55… → 556;
     * floors 0 111 444 = 555, the unit to .44…: 0 111 445 */
    column_is(b, SKPI_KPI_ESCALATION_PREMIUM, (const int64_t[]){ 0, 111, 445 }, 556);
    /* CPR: one resolved chain per row, from the exact costs */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPR), 350);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPR_ESCALATION_ADJUSTED), 211);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CPR_ESCALATION_ADJUSTED), 322);
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_CPR_ESCALATION_ADJUSTED), 767);
    /* 1300 / 3 = 433.33… */
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR_ESCALATION_ADJUSTED), 433);
    ledger_is(b, 1300, 0, 0);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(premium_negative_when_higher_tier_is_cheaper)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "chat", 2, B + 10, 100, NULL);
    solo("c", "chat", 3, B + 20, 100, NULL);
    stitch();
    rate(led, 1, 6000);
    rate(led, 2, 3000);
    rate(led, 3, 0);
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 900, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "tier", NULL, 0);
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 300, 300, 300 }, 900);
    /* adjusted weights 100×6000, 100×3000, 100×0: 600 300 0 */
    column_is(b, SKPI_KPI_ESCALATION_ADJUSTED_COST, (const int64_t[]){ 600, 300, 0 }, 900);
    /* tier 2: 300 × (3000-6000)/3000 = -300; tier 3 (rate 0): 0 */
    column_is(b, SKPI_KPI_ESCALATION_PREMIUM, (const int64_t[]){ 0, -300, 0 }, -300);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(adjusted_unallocated_apart)
{
    solo("a", "chat", 0, B, 100, NULL);
    solo("b", "chat", 1, B + D, 100, NULL);
    stitch();
    rate(led, 0, 0);
    rate(led, 1, 5000);
    /* day 0: only the tier-0 contact, whose rate is 0: the standard
     * allocation shares it by handle, the adjusted one cannot (W = 0) */
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 700, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL,
          NULL);
    entry(led, SKPI_CATEGORY_OVERHEAD, 50, B, B + 2 * D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "tier", NULL, 0);
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 725, 25 }, 750);
    column_is(b, SKPI_KPI_ESCALATION_ADJUSTED_COST, (const int64_t[]){ 25, 25 }, 50);
    ledger_is(b, 750, 0, 700);
    money_identities(b);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(no_rates_no_escalation_figures)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "voice", 2, B + 10, 100, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 1000, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL,
          NULL);
    for (int pass = 0; pass < 2; pass++) {
        skpi_breakdown *b = run(led, "channel", NULL, 0);
        for (size_t r = 0; r < 2; r++) {
            ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_COST), 500);
            test_kpi_absent(b, r, SKPI_KPI_ESCALATION_ADJUSTED_COST);
            test_kpi_absent(b, r, SKPI_KPI_ESCALATION_PREMIUM);
            test_kpi_absent(b, r, SKPI_KPI_CPR_ESCALATION_ADJUSTED);
        }
        test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_ADJUSTED_COST);
        test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_PREMIUM);
        test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR_ESCALATION_ADJUSTED);
        ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR), 500);
        ledger_is(b, 1000, 0, SKPI_UNSET);
        skpi_breakdown_free(b);
        /* a table set and cleared again is no table */
        rate(led, 1, 100);
        skpi_ledger_clear_rates(led);
    }
}
END_TEST

START_TEST(no_ledger_no_money)
{
    solo("a", "chat", 1, B, 100, NULL);
    stitch();
    skpi_breakdown *b = run(NULL, "channel", NULL, 0);
    for (int k = SKPI_KPI_COST; k <= SKPI_KPI_CPR_ESCALATION_ADJUSTED; k++) {
        test_kpi_absent(b, 0, k);
        test_kpi_absent(b, SKPI_ROW_TOTAL, k);
    }
    int64_t t = 7;
    ck_assert_int_eq(skpi_breakdown_ledger(b, &t, NULL, NULL), SKPI_ABSENT);
    ck_assert_int_eq(t, 7);
    ck_assert_ptr_null(skpi_breakdown_currency(b));
    skpi_breakdown_free(b);
}
END_TEST

/* ---- many rows: the row table holds a few classes at a time ---- */

enum { MANY = 12000 };                 /* rows: one per contact */
static const int64_t many_rate[4] = { 100, 300, 500, 900 };

/* Contact i of the many-rows data; they are added in a scrambled order. */
static int64_t many_handle(int i) { return 1 + i % 7; }
static int many_tier(int i) { return i % 4; }
static bool many_voice(int i) { return i % 3 == 0; }
static bool many_eu(int i) { return i % 2 == 1; }
static bool many_first_period(int i) { return i % 5 < 3; }

static int many_contact_at(size_t record)
{
    return (int)(record * 7919 % MANY);
}

static void add_many_contacts(void)
{
    static const char *const names[] = { "region", "ref" };
    for (size_t k = 0; k < MANY; k++) {
        int i = many_contact_at(k);
        char id[16], ref[16];
        snprintf(id, sizeof id, "c%05d", i);
        snprintf(ref, sizeof ref, "r%05d", i);
        const char *values[2] = { many_eu(i) ? "eu" : "us", ref };
        skpi_contact c = SKPI_CONTACT_INIT;
        c.id = id;
        c.customer = id;
        c.reason = "r";
        c.channel = many_voice(i) ? "voice" : "chat";
        c.tier = many_tier(i);
        c.opened_at = (many_first_period(i) ? B : B + 30 * D) + (int64_t)i * 37 % (29 * D);
        c.closed_at = c.opened_at + 60;
        c.handle_seconds = many_handle(i);
        c.outcome = SKPI_OUTCOME_RESOLVED;
        c.dimension_count = 2;
        c.dimension_names = names;
        c.dimension_values = values;
        ck_assert_msg(skpi_records_add(rec, &c) == SKPI_OK, "%s", skpi_records_errmsg(rec));
    }
}

/* Entries whose shares are whole: an amount that is a multiple of the
 * weight total gives each contact its weight times the multiple. */
START_TEST(many_rows_in_batches)
{
    add_many_contacts();
    stitch();
    int64_t first_handles = 0, voice = 0, second_eu_handles = 0, chat_handles = 0, chat_tiered = 0;
    for (int i = 0; i < MANY; i++) {
        first_handles += many_first_period(i) ? many_handle(i) : 0;
        voice += many_voice(i);
        second_eu_handles += !many_first_period(i) && many_eu(i) ? many_handle(i) : 0;
        if (many_first_period(i) && !many_voice(i)) {
            chat_handles += many_handle(i);
            chat_tiered += many_handle(i) * many_rate[many_tier(i)];
        }
    }
    for (int t = 0; t < 4; t++)
        rate(led, t, many_rate[t]);
    entry(led, SKPI_CATEGORY_OTHER, 3 * first_handles, B, B + 30 * D, SKPI_DRIVER_HANDLE_TIME,
          NULL, NULL, NULL);
    entry(led, SKPI_CATEGORY_INDIRECT_LABOR, 5 * voice, B, B + 60 * D, SKPI_DRIVER_CONTACTS,
          "voice", NULL, NULL);
    entry(led, SKPI_CATEGORY_OVERHEAD, 2 * second_eu_handles, B + 30 * D, B + 60 * D,
          SKPI_DRIVER_HANDLE_TIME, NULL, "region", "eu");
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, chat_handles * chat_tiered, B, B + 30 * D,
          SKPI_DRIVER_HANDLE_TIME, "chat", NULL, NULL);
    skpi_breakdown *b = run(led, "ref", NULL, SKPI_BUCKET_NONE);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), MANY);
    int64_t total = 0, adjusted_total = 0, premium_total = 0;
    for (size_t row = 0; row < MANY; row++) {
        int i = many_contact_at(skpi_breakdown_row_contact(b, row, 0));
        int64_t h = many_handle(i), rate_t = many_rate[many_tier(i)];
        bool first = many_first_period(i), chat = !many_voice(i);
        int64_t common = (first ? 3 * h : 0) + (many_voice(i) ? 5 : 0)
                         + (!first && many_eu(i) ? 2 * h : 0);
        int64_t cost = common + (first && chat ? chat_tiered * h : 0);
        int64_t adjusted = common + (first && chat ? chat_handles * h * rate_t : 0);
        int64_t premium = first && chat && many_tier(i) > 1
                              ? chat_handles * h * (rate_t - many_rate[1]) : 0;
        ck_assert_int_eq(test_kpi(b, row, SKPI_KPI_COST), cost);
        ck_assert_int_eq(test_kpi(b, row, SKPI_KPI_ESCALATION_ADJUSTED_COST), adjusted);
        ck_assert_int_eq(test_kpi(b, row, SKPI_KPI_ESCALATION_PREMIUM), premium);
        ck_assert_int_eq(test_kpi(b, row, SKPI_KPI_FAILURE_DEMAND_COST), 0);
        total += cost, adjusted_total += adjusted, premium_total += premium;
    }
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_COST), total);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_ADJUSTED_COST),
                     adjusted_total);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_PREMIUM), premium_total);
    ledger_is(b, total, 0, 0);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- errors ---- */

static void expect_failure(int want, const char *words)
{
    skpi_breakdown *b = (skpi_breakdown *)&b;
    skpi_error err;
    int rc = test_breakdown_rc(&b, chains, led, "channel", NULL, 0, &err);
    ck_assert_int_eq(rc, want);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(err.code, want);
    ck_assert_msg(strstr(err.message, words) != NULL, "'%s' lacks '%s'", err.message, words);
}

START_TEST(tier_weighted_missing_rate)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "chat", 2, B + 10, 100, NULL);
    solo("c", "chat", 4, B + 2 * D, 100, NULL);
    stitch();
    rate(led, 1, 100);
    rate(led, 4, 0);  /* a rate of 0 is a rate */
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    expect_failure(SKPI_ENOTFOUND, "tier 2");
}
END_TEST

START_TEST(tier_weighted_rate_only_for_tiers_touched)
{
    solo("a", "chat", 1, B, 100, NULL);
    solo("b", "chat", 2, B + 2 * D, 100, NULL);
    stitch();
    rate(led, 1, 100);
    /* the entry's period holds tier 1 only: no rate for tier 2 is needed */
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_COST), 10);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(premium_needs_tier1_rate)
{
    solo("b", "chat", 2, B, 100, NULL);
    solo("c", "chat", 3, B + 10, 100, NULL);
    stitch();
    rate(led, 2, 6000);
    rate(led, 3, 9000);
    /* a non-direct entry needs nothing more */
    entry(led, SKPI_CATEGORY_INDIRECT_LABOR, 10, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_ESCALATION_PREMIUM), 0);
    skpi_breakdown_free(b);
    /* a direct_labor entry touching tier 2 and 3: the premium compares with tier 1 */
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 10, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    expect_failure(SKPI_ENOTFOUND, "tier 1");
}
END_TEST

START_TEST(weights_overflow_int64)
{
    solo("a", "chat", 1, B, INT64_MAX - 5, NULL);
    solo("b", "chat", 1, B + 10, INT64_MAX / 2 + 10, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL);
    expect_failure(SKPI_ERANGE, "entry 0: its weights overflow");
}
END_TEST

START_TEST(weight_product_overflows_int64)
{
    solo("a", "chat", 1, B, INT64_MAX / 100, NULL);
    stitch();
    rate(led, 1, 1000);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    expect_failure(SKPI_ERANGE, "entry 0: a weight overflows");
}
END_TEST

START_TEST(first_failure_in_opened_order)
{
    /* recorded in the reverse of opened_at order: the failure met first in
     * opened_at order is tier 3's */
    solo("b", "chat", 2, B + 20, 100, NULL);
    solo("a", "chat", 3, B + 10, 100, NULL);
    solo("c", "chat", 1, B, 100, NULL);
    stitch();
    rate(led, 1, 100);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    expect_failure(SKPI_ENOTFOUND, "tier 3");
}
END_TEST

START_TEST(overflow_before_missing_rate)
{
    /* the weights overflow before the contact without a rate opens */
    solo("c", "chat", 2, B + 30, 1, NULL);
    solo("b", "chat", 1, B + 20, INT64_MAX / 2 + 10, NULL);
    solo("a", "chat", 1, B + 10, INT64_MAX / 2 + 10, NULL);
    stitch();
    rate(led, 1, 1);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    expect_failure(SKPI_ERANGE, "entry 0: its weights overflow");
}
END_TEST

START_TEST(missing_rate_before_overflow)
{
    /* the contact without a rate opens before the weights overflow */
    solo("c", "chat", 1, B + 30, INT64_MAX / 2 + 10, NULL);
    solo("b", "chat", 1, B + 20, INT64_MAX / 2 + 10, NULL);
    solo("a", "chat", 2, B + 10, 1, NULL);
    stitch();
    rate(led, 1, 1);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL);
    expect_failure(SKPI_ENOTFOUND, "tier 2");
}
END_TEST

START_TEST(standard_failure_before_adjusted)
{
    /* entry 1 fails only in the adjusted allocation, entry 2 in the
     * standard one, which is reported first */
    solo("a", "chat", 2, B, 100, NULL);
    stitch();
    rate(led, 1, 100);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 10, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    entry(led, SKPI_CATEGORY_OTHER, 10, B, B + D, SKPI_DRIVER_TIER_WEIGHTED, "chat", NULL, NULL);
    expect_failure(SKPI_ENOTFOUND, "entry 2: no rate for tier 2 (its tier_weighted");
}
END_TEST

START_TEST(large_weights_that_fit)
{
    /* the weight total is exactly INT64_MAX: it fits */
    solo("a", "chat", 1, B, INT64_MAX - 1000, NULL);
    solo("b", "voice", 1, B + 10, 1000, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, INT64_MAX, B, B + D, SKPI_DRIVER_HANDLE_TIME, NULL, NULL,
          NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* shares: INT64_MAX - 1000 and 1000, exactly */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ INT64_MAX - 1000, 1000 }, INT64_MAX);
    ledger_is(b, INT64_MAX, 0, SKPI_UNSET);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- CPT and CPR ---- */

START_TEST(cpt_and_cpr_from_the_exact_cost)
{
    /* chat: 2 resolved contacts; voice: 8, of which 2 abandoned, 1 open */
    solo("a0", "chat", 1, B, 1, NULL);
    solo("a1", "chat", 1, B + 1, 1, NULL);
    char id[16];
    for (int i = 0; i < 8; i++) {
        snprintf(id, sizeof id, "v%d", i);
        int outcome = i < 2 ? SKPI_OUTCOME_ABANDONED : i == 2 ? SKPI_OUTCOME_OPEN
                                                              : SKPI_OUTCOME_RESOLVED;
        addc(id, id, "voice", 1, B + 10 + i, 1, outcome, NULL);
    }
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 27, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* 2.7 per contact: chat 5.4, voice 21.6; floors 5 + 21, the unit to .6:
     * chat 5, voice 22 */
    column_is(b, SKPI_KPI_COST, (const int64_t[]){ 5, 22 }, 27);
    /* chat: CPT = CPR = 5.4 / 2 = 2.7 → 3 (the rounded cost would give
     * 5 / 2 = 2.5 → 2) */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPT), 3);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPR), 3);
    /* voice: 7 closed, 5 resolved: CPT 21.6 / 7 = 3.0857 → 3; CPR 21.6 / 5 =
     * 4.32 → 4 (22 / 5 = 4.4 would also give 4) */
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CPT), 3);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CPR), 4);
    /* total: 27 / 9 closed = 3; 27 / 7 resolved = 3.857 → 4 */
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPT), 3);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR), 4);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(cpr_half_to_even)
{
    solo("a", "chat", 1, B, 1, NULL);
    solo("b", "chat", 1, B, 1, NULL);
    solo("c", "voice", 1, B + 2, 1, NULL);
    solo("d", "voice", 1, B + 3, 1, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 5, B, B + 1, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    entry(led, SKPI_CATEGORY_OTHER, 7, B + 2, B + 4, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    /* chat: 5 over 2 resolved = 2.5 → 2; voice 7 / 2 = 3.5 → 4; total 12 / 4 = 3 */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPR), 2);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CPR), 4);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPT), 2);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR), 3);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(cpr_absent_without_resolutions)
{
    addc("a", "A", "chat", 1, B, 10, SKPI_OUTCOME_ABANDONED, NULL);
    addc("b", "B", "voice", 1, B, 10, SKPI_OUTCOME_OPEN, NULL);
    stitch();
    entry(led, SKPI_CATEGORY_OTHER, 100, B, B + D, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL);
    skpi_breakdown *b = run(led, "channel", NULL, 0);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CPT), 50);
    test_kpi_absent(b, 0, SKPI_KPI_CPR);
    test_kpi_absent(b, 1, SKPI_KPI_CPT);   /* the open contact: no closed contact */
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_COST), 50);
    test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(spec_worked_example)
{
    /* SPEC §7: $50,000 over 1,000 resolutions → CPR $50.00 */
    char id[16];
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "t%04d", i);
        solo(id, i % 2 ? "chat" : "voice", 1, B + i * 600, 300 + i % 7, NULL);
    }
    stitch();
    entry(led, SKPI_CATEGORY_DIRECT_LABOR, 5000000, B, B + 90 * D, SKPI_DRIVER_HANDLE_TIME, NULL,
          NULL, NULL);
    skpi_breakdown *b = run(led, NULL, NULL, 0);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_RESOLVED_CHAINS), 1000);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_COST), 5000000);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR), 5000);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPT), 5000);
    char text[48];
    ck_assert_int_eq(skpi_format_money(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CPR),
                                       skpi_breakdown_currency(b), text, sizeof text), SKPI_OK);
    ck_assert_str_eq(text, "50.00");
    skpi_breakdown_free(b);
}
END_TEST

/* ---- random data ---- */

/* CPT and CPR are the exact cost over a count, rounded: against the rounded
 * cost they may differ by at most count / 2 + 1 units of the product. */
static void cost_per_is_close(const skpi_breakdown *b, size_t row, int kpi, int count_kpi)
{
    int64_t cost = test_kpi(b, row, SKPI_KPI_COST), count = test_kpi(b, row, count_kpi), per;
    int rc = skpi_breakdown_get(b, row, kpi, &per);
    if (count == 0) {
        ck_assert_int_eq(rc, SKPI_ABSENT);
        return;
    }
    ck_assert_int_eq(rc, SKPI_OK);
    int64_t diff = per * count - cost;
    ck_assert_msg((diff < 0 ? -diff : diff) <= count / 2 + 1, "row %zu %s %lld × %lld vs %lld",
                  row, skpi_kpi_name(kpi), (long long)per, (long long)count, (long long)cost);
}

static void random_invariants(uint64_t seed)
{
    enum { N = 2000 };
    test_contact *g = calloc(N, sizeof *g);
    size_t *order = calloc(N, sizeof *order);
    ck_assert(g && order);
    test_random_contacts(g, N, seed, B);
    test_add_contacts(rec, g, NULL, N);
    test_random_ledger(led, seed, 30, B);
    struct { const char *k0, *k1; int bucket; } views[] = {
        { "channel", NULL, 0 },
        { "tier", NULL, SKPI_BUCKET_MONTH },
        { "region", NULL, 0 },
        { "channel", "product", SKPI_BUCKET_WEEK },
        { NULL, NULL, 0 },
    };
    /* the same contacts added in another order */
    test_rng rng;
    test_rng_seed(&rng, seed * 31 + 7);
    for (size_t i = 0; i < N; i++)
        order[i] = i;
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = (size_t)test_rng_below(&rng, (int64_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    skpi_records *r2 = NULL;
    skpi_chains *c2 = NULL;
    ck_assert_int_eq(skpi_records_new(&r2), SKPI_OK);
    test_add_contacts(r2, g, order, N);
    /* some chains pending, some settled */
    test_stitch(&chains, rec, FAR - 300 * D, SKPI_ANCHOR_FIRST);
    test_stitch(&c2, r2, FAR - 300 * D, SKPI_ANCHOR_FIRST);
    int64_t ledger_total;
    skpi_ledger_total(led, &ledger_total);
    for (size_t v = 0; v < sizeof views / sizeof views[0]; v++) {
        skpi_breakdown *b = run(led, views[v].k0, views[v].k1, views[v].bucket);
        money_identities(b);
        int64_t lt, un, aun;
        ck_assert_int_eq(skpi_breakdown_ledger(b, &lt, &un, &aun), SKPI_OK);
        ck_assert_int_eq(lt, ledger_total);
        ck_assert_int_ne(aun, SKPI_UNSET);
        ck_assert_int_ge(un, 0);
        ck_assert_int_ge(aun, 0);
        for (size_t r = 0; r < skpi_breakdown_row_count(b); r++) {
            cost_per_is_close(b, r, SKPI_KPI_CPT, SKPI_KPI_CLOSED_CONTACTS);
            cost_per_is_close(b, r, SKPI_KPI_CPR, SKPI_KPI_RESOLVED_CHAINS);
        }
        /* the order contacts were added in changes nothing */
        skpi_breakdown *b2 = NULL;
        ck_assert_int_eq(test_breakdown_rc(&b2, c2, led, views[v].k0, views[v].k1, views[v].bucket,
                                           NULL), SKPI_OK);
        char *j1 = test_breakdown_json(b, SKPI_UNSET), *j2 = test_breakdown_json(b2, SKPI_UNSET);
        ck_assert_uint_eq(strlen(j1), strlen(j2));
        ck_assert_msg(strcmp(j1, j2) == 0, "view %zu: the JSON depends on the order of contacts",
                      v);
        free(j1);
        free(j2);
        skpi_breakdown_free(b2);
        skpi_breakdown_free(b);
    }
    skpi_chains_free(c2);
    skpi_records_free(r2);
    free(order);
    free(g);
}

START_TEST(random_invariants_seed)
{
    static const uint64_t seeds[] = { 1, 2, 20260301 };
    random_invariants(seeds[_i]);
}
END_TEST

/* ---- allocation failures ---- */

START_TEST(allocation_failures)
{
    enum { N = 300 };
    test_add_random_contacts(rec, N, 77, B);
    stitch();
    test_random_ledger(led, 77, 12, B);
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_install(n);
        long before = test_alloc_live();
        skpi_breakdown *b = (skpi_breakdown *)&b;
        skpi_error err;
        int rc = test_breakdown_rc(&b, chains, led, "channel", "region", SKPI_BUCKET_MONTH,
                                   &err);
        if (rc == SKPI_OK) {
            succeeded = 1;
            ck_assert_ptr_nonnull(b);
            money_identities(b);
            skpi_breakdown_free(b);
        } else {
            ck_assert_msg(rc == SKPI_ENOMEM, "n %ld: rc %d (%s)", n, rc, err.message);
            ck_assert_int_eq(err.code, SKPI_ENOMEM);
            ck_assert_ptr_null(b);
            ck_assert(test_alloc_failed());
        }
        ck_assert_msg(test_alloc_live() == before, "n %ld: %ld blocks leaked", n,
                      test_alloc_live() - before);
        test_alloc_restore();
        ck_assert_int_lt(n, 100000);
    }
}
END_TEST

Suite *make_allocate_suite(void)
{
    Suite *s = suite_create("allocate");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, handle_time_largest_remainder);
    tcase_add_test(core, contacts_driver);
    tcase_add_test(core, tier_weighted_driver);
    tcase_add_test(core, channel_scope);
    tcase_add_test(core, dimension_scope);
    tcase_add_test(core, channel_and_dimension_scope);
    tcase_add_test(core, scope_with_unknown_dimension_is_unallocated);
    tcase_add_test(core, scope_with_unknown_value_is_unallocated);
    tcase_add_test(core, scope_with_unknown_channel_is_unallocated);
    tcase_add_test(core, period_without_contacts_is_unallocated);
    tcase_add_test(core, zero_weights_are_unallocated);
    tcase_add_test(core, unallocated_entries_together);
    tcase_add_test(core, period_boundaries);
    tcase_add_test(core, rounding_ties_to_earlier_row);
    tcase_add_test(core, failure_demand_total_half_even_down);
    tcase_add_test(core, failure_demand_total_half_even_up);
    tcase_add_test(core, failure_demand_is_repeat_contacts_cost);
    tcase_add_test(core, escalation_adjusted_and_premium);
    tcase_add_test(core, premium_negative_when_higher_tier_is_cheaper);
    tcase_add_test(core, adjusted_unallocated_apart);
    tcase_add_test(core, no_rates_no_escalation_figures);
    tcase_add_test(core, no_ledger_no_money);
    tcase_add_test(core, cpt_and_cpr_from_the_exact_cost);
    tcase_add_test(core, cpr_half_to_even);
    tcase_add_test(core, cpr_absent_without_resolutions);
    tcase_add_test(core, spec_worked_example);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_test(limits, large_weights_that_fit);
    tcase_add_test(limits, many_rows_in_batches);
    tcase_add_loop_test(limits, random_invariants_seed, 0, 3);
    tcase_add_test(limits, allocation_failures);
    suite_add_tcase(s, limits);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, tier_weighted_missing_rate);
    tcase_add_test(errors, tier_weighted_rate_only_for_tiers_touched);
    tcase_add_test(errors, premium_needs_tier1_rate);
    tcase_add_test(errors, weights_overflow_int64);
    tcase_add_test(errors, weight_product_overflows_int64);
    tcase_add_test(errors, first_failure_in_opened_order);
    tcase_add_test(errors, overflow_before_missing_rate);
    tcase_add_test(errors, missing_rate_before_overflow);
    tcase_add_test(errors, standard_failure_before_adjusted);
    suite_add_tcase(s, errors);
    return s;
}
