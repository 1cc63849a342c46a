/* Explain (explain.h): the contacts and chains behind a row, each with its
 * cost: contacts sum exactly to the row's cost, chains are the rounded
 * exact sums of their contacts; no ledger, a foreign ledger, rows past the
 * end; allocation failures. */
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

static void addc(const char *id, const char *cust, const char *channel, int64_t opened,
                 int outcome)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = cust;
    c.reason = "r";
    c.channel = channel;
    c.opened_at = opened;
    c.closed_at = opened + 60;
    c.handle_seconds = 100;
    c.outcome = outcome;
    ck_assert_msg(skpi_records_add(rec, &c) == SKPI_OK, "%s", skpi_records_errmsg(rec));
}

static void stitch(void)
{
    test_stitch(&chains, rec, FAR, SKPI_ANCHOR_FIRST);
}

static skpi_breakdown *run(const skpi_ledger *l, const char *k0, int bucket)
{
    return test_breakdown(chains, l, k0, NULL, bucket);
}

static skpi_explain *explain(const skpi_breakdown *b, size_t row, const skpi_ledger *l)
{
    skpi_explain *e = NULL;
    skpi_error err;
    int rc = skpi_explain_new(&e, b, row, l, &err);
    ck_assert_msg(rc == SKPI_OK, "row %zu: rc %d: %s", row, rc, err.message);
    ck_assert_int_eq(err.code, SKPI_OK);
    return e;
}

static void contact_is(const skpi_explain *e, size_t k, size_t index, int64_t cost)
{
    size_t i = SIZE_MAX;
    int64_t c = -1;
    ck_assert_int_eq(skpi_explain_contact(e, k, &i, &c), SKPI_OK);
    ck_assert_uint_eq(i, index);
    ck_assert_msg(c == cost, "contact %zu: cost %lld, want %lld", k, (long long)c,
                  (long long)cost);
}

static void chain_is(const skpi_explain *e, size_t k, size_t chain, int64_t cost)
{
    size_t i = SIZE_MAX;
    int64_t c = -1;
    ck_assert_int_eq(skpi_explain_chain(e, k, &i, &c), SKPI_OK);
    ck_assert_uint_eq(i, chain);
    ck_assert_msg(c == cost, "chain %zu: cost %lld, want %lld", k, (long long)c, (long long)cost);
}

/* ---- by hand ----
 *
 * #  id  customer channel opened      chain
 * 0  x1  X        chat    B           0 (x1 x2), placed in chat by x1
 * 1  x2  X        voice   B + 1h      0
 * 2  y1  Y        chat    B + 2h      1
 * 3  z1  Z        voice   B + 2h + 5m 2, placed in voice
 *
 * One entry of `amount` by contacts: amount / 4 each. */
static void hand_set(int64_t amount)
{
    addc("x1", "X", "chat", B, SKPI_OUTCOME_ESCALATED);
    addc("x2", "X", "voice", B + 3600, SKPI_OUTCOME_RESOLVED);
    addc("y1", "Y", "chat", B + 7200, SKPI_OUTCOME_RESOLVED);
    addc("z1", "Z", "voice", B + 7500, SKPI_OUTCOME_RESOLVED);
    stitch();
    ck_assert_uint_eq(skpi_chains_count(chains), 3);
    ck_assert_int_eq(skpi_ledger_add_entry(led, SKPI_CATEGORY_OTHER, amount, B, B + D,
                                           SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL), SKPI_OK);
}

START_TEST(chain_across_two_rows_halves)
{
    hand_set(2);
    skpi_breakdown *b = run(led, "channel", 0);
    /* 0.5 per contact: chat {x1 y1} = 1, voice {x2 z1} = 1 */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_COST), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_COST), 1);
    skpi_explain *e = explain(b, 0, led);
    /* chat: x1 0.5, y1 0.5 apportioned 1: the tie to the earlier contact */
    ck_assert_uint_eq(skpi_explain_contact_count(e), 2);
    contact_is(e, 0, 0, 1);
    contact_is(e, 1, 2, 0);
    /* chain 0 = x1 + x2 (in the voice row) = 0.5 + 0.5 = 1, although the
     * contacts as listed cost 1 + 1; chain 1 = 0.5 → 0 (half to even) */
    ck_assert_uint_eq(skpi_explain_chain_count(e), 2);
    chain_is(e, 0, 0, 1);
    chain_is(e, 1, 1, 0);
    skpi_explain_free(e);
    e = explain(b, 1, led);
    ck_assert_uint_eq(skpi_explain_contact_count(e), 2);
    contact_is(e, 0, 1, 1);
    contact_is(e, 1, 3, 0);
    ck_assert_uint_eq(skpi_explain_chain_count(e), 1);
    chain_is(e, 0, 2, 0);
    skpi_explain_free(e);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(chain_across_two_rows_one_and_a_half)
{
    hand_set(6);
    skpi_breakdown *b = run(led, "channel", 0);
    /* 1.5 per contact: chat 3, voice 3 */
    skpi_explain *e = explain(b, 0, led);
    /* chat: 1.5 + 1.5 apportioned 3: floors 2, the unit to x1: 2, 1 */
    contact_is(e, 0, 0, 2);
    contact_is(e, 1, 2, 1);
    /* chain 0: 1.5 + 1.5 = 3 (the listed contacts: 2 + 2); chain 1: 1.5 → 2 */
    chain_is(e, 0, 0, 3);
    chain_is(e, 1, 1, 2);
    skpi_explain_free(e);
    e = explain(b, 1, led);
    contact_is(e, 0, 1, 2);
    contact_is(e, 1, 3, 1);
    chain_is(e, 0, 2, 2);
    skpi_explain_free(e);
    /* the total: every contact, 1.5 each apportioned 6: ties in record order */
    e = explain(b, SKPI_ROW_TOTAL, led);
    ck_assert_uint_eq(skpi_explain_contact_count(e), 4);
    contact_is(e, 0, 0, 2);
    contact_is(e, 1, 1, 2);
    contact_is(e, 2, 2, 1);
    contact_is(e, 3, 3, 1);
    ck_assert_uint_eq(skpi_explain_chain_count(e), 3);
    chain_is(e, 0, 0, 3);
    chain_is(e, 1, 1, 2);
    chain_is(e, 2, 2, 2);
    skpi_explain_free(e);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(without_ledger_costs_are_absent)
{
    hand_set(6);
    for (int with = 0; with < 2; with++) {
        /* a breakdown without costs, or one with costs explained without */
        skpi_breakdown *b = run(with ? led : NULL, "channel", 0);
        skpi_explain *e = explain(b, 0, NULL);
        ck_assert_uint_eq(skpi_explain_contact_count(e), 2);
        size_t i = SIZE_MAX, c = SIZE_MAX;
        int64_t cost = -7;
        ck_assert_int_eq(skpi_explain_contact(e, 1, &i, &cost), SKPI_ABSENT);
        ck_assert_uint_eq(i, 2);
        ck_assert_int_eq(cost, -7);
        ck_assert_int_eq(skpi_explain_chain(e, 0, &c, &cost), SKPI_ABSENT);
        ck_assert_uint_eq(c, 0);
        ck_assert_int_eq(cost, -7);
        ck_assert_int_eq(skpi_explain_contact(e, 0, NULL, NULL), SKPI_ABSENT);
        skpi_explain_free(e);
        skpi_breakdown_free(b);
    }
}
END_TEST

START_TEST(past_the_end)
{
    hand_set(6);
    skpi_breakdown *b = run(led, "channel", 0);
    skpi_explain *e = (skpi_explain *)&e;
    skpi_error err;
    ck_assert_int_eq(skpi_explain_new(&e, b, 2, led, &err), SKPI_ENOTFOUND);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(err.code, SKPI_ENOTFOUND);
    e = (skpi_explain *)&e;
    ck_assert_int_eq(skpi_explain_new(&e, b, SIZE_MAX - 1, NULL, NULL), SKPI_ENOTFOUND);
    ck_assert_ptr_null(e);
    e = explain(b, 1, led);
    size_t i = 99;
    int64_t cost = -7;
    ck_assert_int_eq(skpi_explain_contact(e, 2, &i, &cost), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_explain_chain(e, 1, &i, &cost), SKPI_ENOTFOUND);
    ck_assert_uint_eq(i, 99);
    ck_assert_int_eq(cost, -7);
    skpi_explain_free(e);
    skpi_explain_free(NULL);
    ck_assert_uint_eq(skpi_explain_contact_count(NULL), 0);
    ck_assert_uint_eq(skpi_explain_chain_count(NULL), 0);
    ck_assert_int_eq(skpi_explain_new(NULL, b, 0, NULL, NULL), SKPI_EINVAL);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(foreign_ledger)
{
    hand_set(6);
    skpi_ledger *other = NULL;
    ck_assert_int_eq(skpi_ledger_new(&other, "USD", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(other, SKPI_CATEGORY_OTHER, 1000, B, B + D,
                                           SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL), SKPI_OK);
    skpi_breakdown *b = run(led, "channel", 0);
    skpi_explain *e = (skpi_explain *)&e;
    skpi_error err;
    ck_assert_int_eq(skpi_explain_new(&e, b, 0, other, &err), SKPI_EINVAL);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_msg(strstr(err.message, "ledger") != NULL, "%s", err.message);
    /* the same total spread otherwise: the chat row's cost, 3, is no
     * rounding of its contacts' costs under this ledger (0 and 0) */
    skpi_ledger *same_total = NULL;
    ck_assert_int_eq(skpi_ledger_new(&same_total, "USD", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(same_total, SKPI_CATEGORY_OTHER, 6, B, B + D,
                                           SKPI_DRIVER_CONTACTS, "voice", 0, NULL, NULL), SKPI_OK);
    e = (skpi_explain *)&e;
    memset(&err, 0x55, sizeof err);
    ck_assert_int_eq(skpi_explain_new(&e, b, 0, same_total, &err), SKPI_EINVAL);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_msg(strstr(err.message, "ledger") != NULL, "%s", err.message);
    skpi_ledger_free(same_total);
    /* the breakdown's own ledger, changed afterwards (a rate no contact even
     * uses): its fingerprint no longer matches */
    ck_assert_int_eq(skpi_ledger_set_rate(led, 9, 777), SKPI_OK);
    e = (skpi_explain *)&e;
    ck_assert_int_eq(skpi_explain_new(&e, b, 0, led, &err), SKPI_EINVAL);
    ck_assert_ptr_null(e);
    skpi_breakdown_free(b);
    /* a breakdown without a ledger has none to explain with */
    b = run(NULL, "channel", 0);
    e = (skpi_explain *)&e;
    ck_assert_int_eq(skpi_explain_new(&e, b, 0, led, NULL), SKPI_EINVAL);
    ck_assert_ptr_null(e);
    skpi_breakdown_free(b);
    skpi_ledger_free(other);
}
END_TEST

/* ---- random data ---- */

/* Every row of a breakdown explained: the listing is the breakdown's
 * drill-down, the contacts' costs sum to the row's cost, and each cost is
 * within a unit of the contact's exact cost (the total's listing, within a
 * unit too, stands in for it). */
static void explain_every_row(const skpi_breakdown *b, const skpi_explain *all)
{
    size_t rows = skpi_breakdown_row_count(b);
    size_t chains_seen = 0;
    for (size_t r = 0; r < rows; r++) {
        skpi_explain *e = explain(b, r, led);
        size_t n = skpi_explain_contact_count(e);
        ck_assert_uint_eq(n, skpi_breakdown_row_contact_count(b, r));
        int64_t sum = 0;
        for (size_t k = 0; k < n; k++) {
            size_t i, j;
            int64_t cost, whole;
            ck_assert_int_eq(skpi_explain_contact(e, k, &i, &cost), SKPI_OK);
            ck_assert_uint_eq(i, skpi_breakdown_row_contact(b, r, k));
            ck_assert_int_eq(skpi_explain_contact(all, i, &j, &whole), SKPI_OK);
            ck_assert_uint_eq(j, i);
            ck_assert_msg(cost - whole <= 1 && whole - cost <= 1, "contact %zu: %lld vs %lld", i,
                          (long long)cost, (long long)whole);
            sum += cost;
        }
        ck_assert_int_eq(sum, test_kpi(b, r, SKPI_KPI_COST));
        size_t m = skpi_explain_chain_count(e);
        ck_assert_uint_eq(m, skpi_breakdown_row_chain_count(b, r));
        for (size_t k = 0; k < m; k++) {
            size_t c;
            int64_t cost;
            ck_assert_int_eq(skpi_explain_chain(e, k, &c, &cost), SKPI_OK);
            ck_assert_uint_eq(c, skpi_breakdown_row_chain(b, r, k));
            /* Σ of its contacts' listed costs, each within a unit of exact */
            int64_t listed = 0;
            size_t size = skpi_chain_size(chains, c);
            for (size_t p = 0; p < size; p++) {
                int64_t whole;
                ck_assert_int_eq(skpi_explain_contact(all, skpi_chain_contact(chains, c, p), NULL,
                                                      &whole), SKPI_OK);
                listed += whole;
            }
            ck_assert_msg(cost - listed <= (int64_t)size && listed - cost <= (int64_t)size,
                          "chain %zu: %lld vs listed %lld", c, (long long)cost, (long long)listed);
            ck_assert_int_ge(cost, 0);
        }
        chains_seen += m;
        skpi_explain_free(e);
    }
    ck_assert_uint_eq(chains_seen, skpi_explain_chain_count(all));
}

START_TEST(random_rows_explained)
{
    enum { N = 2000 };
    static const uint64_t seeds[] = { 3, 4 };
    test_add_random_contacts(rec, N, seeds[_i], B);
    test_stitch(&chains, rec, B + 100 * D, SKPI_ANCHOR_FIRST);
    test_random_ledger(led, seeds[_i], 30, B);
    for (int bucket = 0; bucket <= SKPI_BUCKET_MONTH; bucket += SKPI_BUCKET_MONTH) {
        skpi_breakdown *b = run(led, "channel", bucket);
        skpi_explain *all = explain(b, SKPI_ROW_TOTAL, led);
        ck_assert_uint_eq(skpi_explain_contact_count(all), N);
        int64_t sum = 0;
        for (size_t k = 0; k < N; k++) {
            size_t i;
            int64_t cost;
            ck_assert_int_eq(skpi_explain_contact(all, k, &i, &cost), SKPI_OK);
            ck_assert_uint_eq(i, k);
            sum += cost;
        }
        ck_assert_int_eq(sum, test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_COST));
        ck_assert_uint_eq(skpi_explain_chain_count(all),
                          skpi_breakdown_row_chain_count(b, SKPI_ROW_TOTAL));
        explain_every_row(b, all);
        skpi_explain_free(all);
        skpi_breakdown_free(b);
    }
}
END_TEST

START_TEST(allocation_failures)
{
    enum { N = 300 };
    test_add_random_contacts(rec, N, 88, B);
    stitch();
    test_random_ledger(led, 88, 12, B);
    skpi_breakdown *b = run(led, "channel", SKPI_BUCKET_MONTH);
    static const size_t rows[] = { 0, 3, SKPI_ROW_TOTAL };
    for (size_t w = 0; w < 3; w++) {
        /* the same explanation without failures, to compare with */
        skpi_explain *want = explain(b, rows[w], led);
        int succeeded = 0;
        for (long n = 0; !succeeded; n++) {
            test_alloc_install(n);
            long before = test_alloc_live();
            skpi_explain *e = (skpi_explain *)&e;
            skpi_error err;
            int rc = skpi_explain_new(&e, b, rows[w], led, &err);
            if (rc == SKPI_OK) {
                succeeded = 1;
                ck_assert_uint_eq(skpi_explain_contact_count(e), skpi_explain_contact_count(want));
                for (size_t k = 0; k < skpi_explain_contact_count(e); k++) {
                    int64_t c1, c2;
                    ck_assert_int_eq(skpi_explain_contact(e, k, NULL, &c1), SKPI_OK);
                    ck_assert_int_eq(skpi_explain_contact(want, k, NULL, &c2), SKPI_OK);
                    ck_assert_int_eq(c1, c2);
                }
                skpi_explain_free(e);
            } else {
                ck_assert_msg(rc == SKPI_ENOMEM, "n %ld: rc %d (%s)", n, rc, err.message);
                ck_assert_int_eq(err.code, SKPI_ENOMEM);
                ck_assert_ptr_null(e);
                ck_assert(test_alloc_failed());
            }
            ck_assert_msg(test_alloc_live() == before, "n %ld: %ld blocks leaked", n,
                          test_alloc_live() - before);
            test_alloc_restore();
            ck_assert_int_lt(n, 100000);
        }
        skpi_explain_free(want);
    }
    skpi_breakdown_free(b);
}
END_TEST

Suite *make_explain_suite(void)
{
    Suite *s = suite_create("explain");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, chain_across_two_rows_halves);
    tcase_add_test(core, chain_across_two_rows_one_and_a_half);
    tcase_add_test(core, without_ledger_costs_are_absent);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_set_timeout(limits, 120);
    tcase_add_loop_test(limits, random_rows_explained, 0, 2);
    tcase_add_test(limits, allocation_failures);
    suite_add_tcase(s, limits);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, past_the_end);
    tcase_add_test(errors, foreign_ledger);
    suite_add_tcase(s, errors);
    return s;
}
