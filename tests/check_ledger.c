/* The cost ledger: entries, validation, totals, rates, allocation failures. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "suites.h"
#include "testutil.h"

static skpi_ledger *ledger;

static void setup(void)
{
    ck_assert_int_eq(skpi_ledger_new(&ledger, "USD", NULL), SKPI_OK);
}

static void teardown(void)
{
    skpi_ledger_free(ledger);
    ledger = NULL;
}

static int add_plain(skpi_ledger *l, int category, int64_t amount, int64_t start, int64_t end)
{
    return skpi_ledger_add_entry(l, category, amount, start, end, SKPI_DRIVER_HANDLE_TIME, NULL,
                                 0, NULL, NULL);
}

START_TEST(new_ledger_is_empty)
{
    int64_t total = -1;
    ck_assert_str_eq(skpi_ledger_currency(ledger), "USD");
    ck_assert_uint_eq(skpi_ledger_entry_count(ledger), 0);
    ck_assert_int_eq(skpi_ledger_total(ledger, &total), SKPI_OK);
    ck_assert_int_eq(total, 0);
    ck_assert_int_eq(skpi_ledger_rate_count(ledger), 0);
    ck_assert_int_eq(skpi_ledger_errcode(ledger), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_errmsg(ledger), "");
}
END_TEST

START_TEST(missing_currency_means_xxx)
{
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_ledger_new(&l, NULL, NULL), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_currency(l), "XXX");
    skpi_ledger_free(l);
    ck_assert_int_eq(skpi_ledger_new(&l, "", NULL), SKPI_OK);
    ck_assert_str_eq(skpi_ledger_currency(l), "XXX");
    skpi_ledger_free(l);
}
END_TEST

START_TEST(entries_keep_what_was_given)
{
    const char *keys[] = { "region", "product" };
    const char *values[] = { "eu", "p1" };
    ck_assert_int_eq(skpi_ledger_add_entry(ledger, SKPI_CATEGORY_DIRECT_LABOR, 1234, 100, 200,
                                           SKPI_DRIVER_TIER_WEIGHTED, "voice", 2, keys, values),
                     SKPI_OK);
    int c, d;
    int64_t a, s, e;
    ck_assert_int_eq(skpi_ledger_entry(ledger, 0, &c, &a, &s, &e, &d), SKPI_OK);
    ck_assert_int_eq(c, SKPI_CATEGORY_DIRECT_LABOR);
    ck_assert_int_eq(a, 1234);
    ck_assert_int_eq(s, 100);
    ck_assert_int_eq(e, 200);
    ck_assert_int_eq(d, SKPI_DRIVER_TIER_WEIGHTED);
    ck_assert_str_eq(skpi_ledger_entry_channel(ledger, 0), "voice");
    ck_assert_uint_eq(skpi_ledger_entry_scope_count(ledger, 0), 2);
    const char *k, *v;
    ck_assert_int_eq(skpi_ledger_entry_scope(ledger, 0, 1, &k, &v), SKPI_OK);
    ck_assert_str_eq(k, "product");
    ck_assert_str_eq(v, "p1");
    ck_assert_int_eq(skpi_ledger_entry_scope(ledger, 0, 2, &k, &v), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_ledger_entry(ledger, 1, &c, &a, &s, &e, &d), SKPI_ENOTFOUND);
    ck_assert_ptr_null(skpi_ledger_entry_channel(ledger, 1));
}
END_TEST

START_TEST(empty_channel_means_any_channel)
{
    ck_assert_int_eq(skpi_ledger_add_entry(ledger, SKPI_CATEGORY_OTHER, 1, 0, 1,
                                           SKPI_DRIVER_CONTACTS, "", 0, NULL, NULL), SKPI_OK);
    ck_assert_ptr_null(skpi_ledger_entry_channel(ledger, 0));
}
END_TEST

START_TEST(totals_overall_by_category_and_range)
{
    /* SPEC §7: a quarter's support cost of $50,000. */
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_DIRECT_LABOR, 3000000, 0, 100), SKPI_OK);
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_TECHNOLOGY, 1500000, 100, 200), SKPI_OK);
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_DIRECT_LABOR, 500000, 200, 300), SKPI_OK);
    int64_t t;
    skpi_ledger_total(ledger, &t);
    ck_assert_int_eq(t, 5000000);
    skpi_ledger_total_by_category(ledger, SKPI_CATEGORY_DIRECT_LABOR, &t);
    ck_assert_int_eq(t, 3500000);
    skpi_ledger_total_by_category(ledger, SKPI_CATEGORY_OVERHEAD, &t);
    ck_assert_int_eq(t, 0);
    skpi_ledger_total_between(ledger, 100, 200, &t);
    ck_assert_int_eq(t, 1500000);
    skpi_ledger_total_between(ledger, 0, 201, &t);
    ck_assert_int_eq(t, 5000000);
    skpi_ledger_total_between(ledger, 50, 50, &t);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(skpi_ledger_total_by_category(ledger, 5, &t), SKPI_EINVAL);
    ck_assert_int_eq(skpi_ledger_total_between(ledger, 10, 9, &t), SKPI_EINVAL);
}
END_TEST

START_TEST(rates_set_read_and_clear)
{
    int64_t r = -1;
    ck_assert_int_eq(skpi_ledger_rate(ledger, 2, &r), SKPI_ABSENT);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, 2, 5500), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, 0, 0), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_rate(ledger, 2, &r), SKPI_OK);
    ck_assert_int_eq(r, 5500);
    ck_assert_int_eq(skpi_ledger_rate(ledger, 0, &r), SKPI_OK);
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(skpi_ledger_rate_count(ledger), 2);
    skpi_ledger_clear_rates(ledger);
    ck_assert_int_eq(skpi_ledger_rate_count(ledger), 0);
    ck_assert_int_eq(skpi_ledger_rate(ledger, 2, &r), SKPI_ABSENT);
}
END_TEST

START_TEST(names_round_trip)
{
    for (int c = 0; c < skpi_category_count(); c++) {
        int back = -1;
        ck_assert_int_eq(skpi_category_from_name(skpi_category_name(c), &back), SKPI_OK);
        ck_assert_int_eq(back, c);
    }
    for (int d = 0; d < skpi_driver_count(); d++) {
        int back = -1;
        ck_assert_int_eq(skpi_driver_from_name(skpi_driver_name(d), &back), SKPI_OK);
        ck_assert_int_eq(back, d);
    }
    int out;
    ck_assert_int_eq(skpi_category_from_name("Direct_labor", &out), SKPI_EINVAL);
    ck_assert_int_eq(skpi_driver_from_name("handle time", &out), SKPI_EINVAL);
    ck_assert_ptr_null(skpi_category_name(5));
    ck_assert_ptr_null(skpi_driver_name(-1));
    ck_assert_int_eq(skpi_tier_max(), 9);
}
END_TEST

START_TEST(currency_minor_digits)
{
    ck_assert_int_eq(skpi_currency_minor_digits("USD"), 2);
    ck_assert_int_eq(skpi_currency_minor_digits("EUR"), 2);
    ck_assert_int_eq(skpi_currency_minor_digits("JPY"), 0);
    ck_assert_int_eq(skpi_currency_minor_digits("KWD"), 3);
    ck_assert_int_eq(skpi_currency_minor_digits("XXX"), 0);
    ck_assert_int_eq(skpi_currency_minor_digits("usd"), -1);
    ck_assert_int_eq(skpi_currency_minor_digits("F C"), -1);
}
END_TEST

START_TEST(total_may_reach_int64_max)
{
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, INT64_MAX - 1, 0, 1), SKPI_OK);
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, 1, 0, 1), SKPI_OK);
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, 0, 0, 1), SKPI_OK);
    char *before = test_ledger_snapshot(ledger);
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, 1, 0, 1), SKPI_ERANGE);
    ck_assert_ptr_nonnull(strstr(skpi_ledger_errmsg(ledger), "amount"));
    test_assert_ledger_snapshot(ledger, before);
    free(before);
}
END_TEST

START_TEST(extreme_periods_and_tiers)
{
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, 1, INT64_MIN, INT64_MAX), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, SKPI_TIER_MAX, INT64_MAX), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, SKPI_TIER_MAX + 1, 1), SKPI_EINVAL);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, -1, 1), SKPI_EINVAL);
}
END_TEST

/* One bad argument per case: the status, a message naming the field, and
 * the ledger exactly as before. */
typedef struct bad_case {
    const char *field;
    int category;
    int64_t amount, start, end;
    int driver;
    const char *channel;
    size_t n;
    const char *keys[2];
    const char *values[2];
} bad_case;

static const bad_case bad_cases[] = {
    { "category", 5, 1, 0, 1, 0, NULL, 0, { 0 }, { 0 } },
    { "category", -1, 1, 0, 1, 0, NULL, 0, { 0 }, { 0 } },
    { "amount", 0, -1, 0, 1, 0, NULL, 0, { 0 }, { 0 } },
    { "end", 0, 1, 5, 5, 0, NULL, 0, { 0 }, { 0 } },
    { "end", 0, 1, 5, 4, 0, NULL, 0, { 0 }, { 0 } },
    { "driver", 0, 1, 0, 1, 3, NULL, 0, { 0 }, { 0 } },
    { "channel", 0, 1, 0, 1, 0, "vo\xffice", 0, { 0 }, { 0 } },
    { "scope", 0, 1, 0, 1, 0, NULL, 2, { "region", "region" }, { "eu", "us" } },
    { "scope", 0, 1, 0, 1, 0, NULL, 1, { "" }, { "eu" } },
    { "scope", 0, 1, 0, 1, 0, NULL, 1, { "region" }, { "" } },
    { "scope", 0, 1, 0, 1, 0, NULL, 1, { "channel" }, { "voice" } },
    { "scope", 0, 1, 0, 1, 0, NULL, 1, { "re\xc0\xafgion" }, { "eu" } },
};

START_TEST(bad_entry_is_refused_and_changes_nothing)
{
    const bad_case *b = &bad_cases[_i];
    ck_assert_int_eq(add_plain(ledger, SKPI_CATEGORY_OTHER, 7, 0, 10), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, 1, 3500), SKPI_OK);
    char *before = test_ledger_snapshot(ledger);
    int rc = skpi_ledger_add_entry(ledger, b->category, b->amount, b->start, b->end, b->driver,
                                   b->channel, b->n, b->keys, b->values);
    ck_assert_int_eq(rc, SKPI_EINVAL);
    ck_assert_int_eq(skpi_ledger_errcode(ledger), SKPI_EINVAL);
    ck_assert_msg(strstr(skpi_ledger_errmsg(ledger), b->field) != NULL,
                  "message '%s' does not name '%s'", skpi_ledger_errmsg(ledger), b->field);
    test_assert_ledger_snapshot(ledger, before);
    free(before);
}
END_TEST

START_TEST(bad_currency_is_refused)
{
    const char *bad[] = { "usd", "US", "USDD", "U1D", "US " };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        skpi_ledger *l = (skpi_ledger *)&l;
        skpi_error err;
        ck_assert_int_eq(skpi_ledger_new(&l, bad[i], &err), SKPI_EINVAL);
        ck_assert_ptr_null(l);
        ck_assert_int_eq(err.code, SKPI_EINVAL);
        ck_assert_ptr_nonnull(strstr(err.message, "currency"));
    }
}
END_TEST

START_TEST(bad_rate_changes_nothing)
{
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, 1, 100), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(ledger, 1, -5), SKPI_EINVAL);
    ck_assert_ptr_nonnull(strstr(skpi_ledger_errmsg(ledger), "rate_per_hour"));
    int64_t r;
    ck_assert_int_eq(skpi_ledger_rate(ledger, 1, &r), SKPI_OK);
    ck_assert_int_eq(r, 100);
}
END_TEST

START_TEST(null_handles_are_refused)
{
    int64_t t;
    ck_assert_int_eq(skpi_ledger_new(NULL, "USD", NULL), SKPI_EINVAL);
    ck_assert_int_eq(add_plain(NULL, 0, 1, 0, 1), SKPI_EINVAL);
    ck_assert_int_eq(skpi_ledger_total(NULL, &t), SKPI_EINVAL);
    ck_assert_uint_eq(skpi_ledger_entry_count(NULL), 0);
    skpi_ledger_free(NULL);
}
END_TEST

/* Fail allocation N for N = 0, 1, 2 ... until the calls succeed: each
 * failure is a clean ENOMEM with nothing changed and nothing leaked. */
START_TEST(allocation_failures_leave_no_trace)
{
    const char *keys[] = { "region", "product" };
    const char *values[] = { "eu", "p1" };
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_install(n);
        skpi_ledger *l = NULL;
        int rc = skpi_ledger_new(&l, "EUR", NULL);
        if (rc == SKPI_OK) {
            rc = add_plain(l, SKPI_CATEGORY_OTHER, 5, 0, 10);
            if (rc == SKPI_OK) {
                char *before = test_ledger_snapshot(l);
                rc = skpi_ledger_add_entry(l, SKPI_CATEGORY_DIRECT_LABOR, 7, 0, 10,
                                           SKPI_DRIVER_CONTACTS, "chat", 2, keys, values);
                if (rc != SKPI_OK) {
                    test_assert_ledger_snapshot(l, before);
                } else {
                    succeeded = 1;
                    ck_assert_uint_eq(skpi_ledger_entry_count(l), 2);
                }
                free(before);
            }
        } else {
            ck_assert_ptr_null(l);
        }
        if (!succeeded) {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(test_alloc_failed());
        }
        skpi_ledger_free(l);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 1000);
    }
}
END_TEST

Suite *make_ledger_suite(void)
{
    Suite *s = suite_create("ledger");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, new_ledger_is_empty);
    tcase_add_test(core, missing_currency_means_xxx);
    tcase_add_test(core, entries_keep_what_was_given);
    tcase_add_test(core, empty_channel_means_any_channel);
    tcase_add_test(core, totals_overall_by_category_and_range);
    tcase_add_test(core, rates_set_read_and_clear);
    tcase_add_test(core, names_round_trip);
    tcase_add_test(core, currency_minor_digits);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, total_may_reach_int64_max);
    tcase_add_test(limits, extreme_periods_and_tiers);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_loop_test(errors, bad_entry_is_refused_and_changes_nothing, 0,
                        (int)(sizeof bad_cases / sizeof bad_cases[0]));
    tcase_add_test(errors, bad_currency_is_refused);
    tcase_add_test(errors, bad_rate_changes_nothing);
    tcase_add_test(errors, null_handles_are_refused);
    tcase_add_test(errors, allocation_failures_leave_no_trace);
    suite_add_tcase(s, errors);
    return s;
}
