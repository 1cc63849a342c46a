/* The issue records (SPEC §2): every field, dimensions, every rejection
 * (each leaving the handle exactly as it was), columnar append against
 * contact-at-a-time, allocation failures, and the memory per contact. */
#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "records.h"
#include "suites.h"
#include "testdata.h"
#include "testutil.h"

static skpi_records *rec;

static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
}

static void teardown(void)
{
    test_free_handles(&rec, NULL, NULL);
}

/* ---- snapshots (testutil.h) ---- */

/* The two records are, to their users, the same. */
static void assert_same_records(const skpi_records *a, const skpi_records *b)
{
    char *sa = test_records_snapshot(a);
    test_assert_records_snapshot(b, sa);
    free(sa);
}

/* ---- contacts ---- */

static skpi_contact good_contact(const char *id)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = "cust-1";
    c.reason = "billing";
    c.channel = "voice";
    c.opened_at = 1700000000;
    c.first_response_at = 1700000060;
    c.closed_at = 1700003600;
    c.handle_seconds = 600;
    c.tier = 2;
    c.escalations = 1;
    c.reopens = 0;
    c.csat = 4;
    c.outcome = SKPI_OUTCOME_RESOLVED;
    return c;
}

static const char *const region_product[] = { "region", "product" };
static const char *const eu_p1[] = { "eu", "p1" };
static const char *const region_only[] = { "region" };
static const char *const us_only[] = { "us" };

/* Three contacts with dimensions region and product. */
static void populate(skpi_records *r)
{
    skpi_contact c = good_contact("A1");
    c.dimension_count = 2;
    c.dimension_names = region_product;
    c.dimension_values = eu_p1;
    ck_assert_int_eq(skpi_records_add(r, &c), SKPI_OK);
    c = good_contact("A2");
    c.customer = "cust-2";
    c.outcome = SKPI_OUTCOME_OPEN;
    c.closed_at = SKPI_UNSET;
    c.dimension_count = 1;
    c.dimension_names = region_only;
    c.dimension_values = us_only;
    ck_assert_int_eq(skpi_records_add(r, &c), SKPI_OK);
    c = good_contact("A3");
    c.reason = NULL;
    c.channel = "chat";
    c.csat = SKPI_UNSET;
    ck_assert_int_eq(skpi_records_add(r, &c), SKPI_OK);
}

static void assert_message_names(const skpi_records *r, const char *a, const char *b)
{
    const char *msg = skpi_records_errmsg(r);
    ck_assert_msg(strstr(msg, a) != NULL, "message '%s' does not name '%s'", msg, a);
    if (b)
        ck_assert_msg(strstr(msg, b) != NULL, "message '%s' does not name '%s'", msg, b);
}

/* ---- Core ---- */

START_TEST(new_records_are_empty)
{
    ck_assert_uint_eq(skpi_records_count(rec), 0);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 0);
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_OK);
    ck_assert_str_eq(skpi_records_errmsg(rec), "");
    skpi_contact c;
    ck_assert_int_eq(skpi_records_get(rec, 0, &c), SKPI_ENOTFOUND);
    size_t i;
    ck_assert_int_eq(skpi_records_find(rec, "x", &i), SKPI_ENOTFOUND);
    ck_assert_ptr_null(skpi_records_dimension_name(rec, 0));
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 0, 0));
    ck_assert_uint_gt(skpi_records_memory(rec), 0);
    ck_assert_int_eq(skpi_records_add_batch(rec, NULL, 0), SKPI_OK);
    skpi_contact_columns none = SKPI_COLUMNS_INIT;
    ck_assert_int_eq(skpi_records_append_columns(rec, &none), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 0);
}
END_TEST

START_TEST(outcome_names_round_trip)
{
    ck_assert_int_eq(skpi_outcome_count(), 4);
    const char *words[] = { "open", "resolved", "escalated", "abandoned" };
    for (int o = 0; o < 4; o++) {
        int back = -1;
        ck_assert_str_eq(skpi_outcome_name(o), words[o]);
        ck_assert_int_eq(skpi_outcome_from_name(words[o], &back), SKPI_OK);
        ck_assert_int_eq(back, o);
    }
    int out;
    ck_assert_ptr_null(skpi_outcome_name(4));
    ck_assert_ptr_null(skpi_outcome_name(-1));
    ck_assert_int_eq(skpi_outcome_from_name("Resolved", &out), SKPI_EINVAL);
    ck_assert_int_eq(skpi_outcome_from_name("resolved ", &out), SKPI_EINVAL);
    ck_assert_int_eq(skpi_outcome_from_name("", &out), SKPI_EINVAL);
    ck_assert_int_eq(skpi_outcome_from_name(NULL, &out), SKPI_EINVAL);
}
END_TEST

START_TEST(every_field_round_trips)
{
    skpi_contact in = SKPI_CONTACT_INIT;
    in.id = "T-\xe2\x82\xac-42";
    in.customer = "K\xc3\xb6nig GmbH";
    in.reason = "password \xf0\x9f\x94\x91 reset";
    in.channel = "self_service";
    in.opened_at = -86400;
    in.first_response_at = 5000;        /* after closed_at: allowed */
    in.closed_at = 4000;
    in.handle_seconds = 1234567;
    in.tier = 9;
    in.escalations = 7;
    in.reopens = 3;
    in.csat = 5;
    in.outcome = SKPI_OUTCOME_ESCALATED;
    ck_assert_int_eq(skpi_records_add(rec, &in), SKPI_OK);
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_OK);
    skpi_contact out;
    memset(&out, 0xAB, sizeof out);
    ck_assert_int_eq(skpi_records_get(rec, 0, &out), SKPI_OK);
    ck_assert_uint_eq(out.version, SKPI_CONTACT_VERSION);
    ck_assert_str_eq(out.id, in.id);
    ck_assert_str_eq(out.customer, in.customer);
    ck_assert_str_eq(out.reason, in.reason);
    ck_assert_str_eq(out.channel, in.channel);
    ck_assert_int_eq(out.opened_at, -86400);
    ck_assert_int_eq(out.first_response_at, 5000);
    ck_assert_int_eq(out.closed_at, 4000);
    ck_assert_int_eq(out.handle_seconds, 1234567);
    ck_assert_int_eq(out.tier, 9);
    ck_assert_int_eq(out.escalations, 7);
    ck_assert_int_eq(out.reopens, 3);
    ck_assert_int_eq(out.csat, 5);
    ck_assert_int_eq(out.outcome, SKPI_OUTCOME_ESCALATED);
    ck_assert_uint_eq(out.dimension_count, 0);

    /* the other ends of every range */
    skpi_contact low = good_contact("low");
    low.tier = 0;
    low.csat = 1;
    low.handle_seconds = 0;
    low.escalations = 0;
    low.reopens = 0;
    low.first_response_at = low.opened_at;
    low.closed_at = low.opened_at;
    low.outcome = SKPI_OUTCOME_ABANDONED;
    ck_assert_int_eq(skpi_records_add(rec, &low), SKPI_OK);
    ck_assert_int_eq(skpi_records_get(rec, 1, &out), SKPI_OK);
    ck_assert_int_eq(out.tier, 0);
    ck_assert_int_eq(out.csat, 1);
    ck_assert_int_eq(out.closed_at, low.opened_at);
    ck_assert_int_eq(out.first_response_at, low.opened_at);
    ck_assert_int_eq(out.outcome, SKPI_OUTCOME_ABANDONED);
    skpi_contact big = good_contact("big");
    big.opened_at = INT64_MIN + 1;
    big.first_response_at = INT64_MAX;
    big.closed_at = INT64_MAX;
    big.handle_seconds = INT64_MAX;
    big.escalations = INT64_MAX;
    big.reopens = INT64_MAX;
    ck_assert_int_eq(skpi_records_add(rec, &big), SKPI_OK);
    ck_assert_int_eq(skpi_records_get(rec, 2, &out), SKPI_OK);
    ck_assert_int_eq(out.opened_at, INT64_MIN + 1);
    ck_assert_int_eq(out.first_response_at, INT64_MAX);
    ck_assert_int_eq(out.closed_at, INT64_MAX);
    ck_assert_int_eq(out.handle_seconds, INT64_MAX);
    ck_assert_int_eq(out.escalations, INT64_MAX);
    ck_assert_int_eq(out.reopens, INT64_MAX);
    /* the first contacts still read the same after the columns widened */
    ck_assert_int_eq(skpi_records_get(rec, 0, &out), SKPI_OK);
    ck_assert_int_eq(out.opened_at, -86400);
    ck_assert_int_eq(out.handle_seconds, 1234567);
    ck_assert_str_eq(out.id, in.id);
    ck_assert_uint_eq(skpi_records_count(rec), 3);
}
END_TEST

START_TEST(defaults_apply_and_absent_reads_unset)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = "D1";
    c.opened_at = 100;
    c.outcome = SKPI_OUTCOME_OPEN;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    c.id = "D2";
    c.customer = "";
    c.reason = "";
    c.channel = "";
    c.closed_at = 100;
    c.outcome = SKPI_OUTCOME_RESOLVED;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    for (size_t i = 0; i < 2; i++) {
        skpi_contact out;
        ck_assert_int_eq(skpi_records_get(rec, i, &out), SKPI_OK);
        ck_assert_str_eq(out.customer, "");
        ck_assert_str_eq(out.reason, "");
        ck_assert_str_eq(out.channel, "");
        ck_assert_int_eq(out.opened_at, 100);
        ck_assert_int_eq(out.first_response_at, SKPI_UNSET);
        ck_assert_int_eq(out.closed_at, i == 0 ? SKPI_UNSET : 100);
        ck_assert_int_eq(out.handle_seconds, 0);
        ck_assert_int_eq(out.tier, 1);
        ck_assert_int_eq(out.escalations, 0);
        ck_assert_int_eq(out.reopens, 0);
        ck_assert_int_eq(out.csat, SKPI_UNSET);
        ck_assert_int_eq(out.outcome, i == 0 ? SKPI_OUTCOME_OPEN : SKPI_OUTCOME_RESOLVED);
    }
}
END_TEST

START_TEST(dimensions_register_on_first_use)
{
    populate(rec);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 2);
    ck_assert_str_eq(skpi_records_dimension_name(rec, 0), "region");
    ck_assert_str_eq(skpi_records_dimension_name(rec, 1), "product");
    size_t d = 9;
    ck_assert_int_eq(skpi_records_dimension_index(rec, "product", &d), SKPI_OK);
    ck_assert_uint_eq(d, 1);
    ck_assert_int_eq(skpi_records_dimension_index(rec, "Product", &d), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_dimension_index(rec, "prod", &d), SKPI_ENOTFOUND);
    ck_assert_str_eq(skpi_records_dimension_value(rec, 0, 0), "eu");
    ck_assert_str_eq(skpi_records_dimension_value(rec, 0, 1), "p1");
    ck_assert_str_eq(skpi_records_dimension_value(rec, 1, 0), "us");
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 1, 1));  /* not given */
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 2, 0));  /* no dimensions at all */
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 2, 1));
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 0, 2));  /* past the end */
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 3, 0));

    /* a dimension given in another order, with "" and NULL values (absent) */
    const char *names[] = { "product", "site", "region" };
    const char *values[] = { "p2", "", NULL };
    skpi_contact c = good_contact("A4");
    c.dimension_count = 3;
    c.dimension_names = names;
    c.dimension_values = values;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 3);
    ck_assert_str_eq(skpi_records_dimension_name(rec, 2), "site");
    ck_assert_str_eq(skpi_records_dimension_value(rec, 3, 1), "p2");
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 3, 0));
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 3, 2));
    for (size_t i = 0; i < 3; i++)
        ck_assert_ptr_null(skpi_records_dimension_value(rec, i, 2));

    /* registered explicitly after contacts exist: absent for all of them */
    size_t idx = 99;
    ck_assert_int_eq(skpi_records_add_dimension(rec, "priority", &idx), SKPI_OK);
    ck_assert_uint_eq(idx, 3);
    ck_assert_int_eq(skpi_records_add_dimension(rec, "region", &idx), SKPI_OK);
    ck_assert_uint_eq(idx, 0);
    ck_assert_int_eq(skpi_records_add_dimension(rec, "priority", NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_ptr_null(skpi_records_dimension_value(rec, i, 3));
    const char *pname[] = { "priority" };
    const char *pval[] = { "P1" };
    c = good_contact("A5");
    c.dimension_count = 1;
    c.dimension_names = pname;
    c.dimension_values = pval;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    ck_assert_str_eq(skpi_records_dimension_value(rec, 4, 3), "P1");
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 4, 0));
    /* the same value from another contact shares the string */
    c = good_contact("A6");
    c.dimension_count = 1;
    c.dimension_names = pname;
    c.dimension_values = pval;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    ck_assert_ptr_eq(skpi_records_dimension_value(rec, 5, 3),
                     skpi_records_dimension_value(rec, 4, 3));
    /* earlier values are intact */
    ck_assert_str_eq(skpi_records_dimension_value(rec, 0, 0), "eu");
    ck_assert_str_eq(skpi_records_dimension_value(rec, 1, 0), "us");
}
END_TEST

START_TEST(bad_dimension_names_are_refused)
{
    populate(rec);
    char *before = test_records_snapshot(rec);
    const char *bad[] = { "", "tier", "id", "csat", "opened_at", "re\xffgion", "re\xc0\xafgion" };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        size_t idx = 77;
        ck_assert_int_eq(skpi_records_add_dimension(rec, bad[k], &idx), SKPI_EINVAL);
        ck_assert_uint_eq(idx, 77);
        ck_assert_int_eq(skpi_records_errcode(rec), SKPI_EINVAL);
        assert_message_names(rec, "dimension", NULL);
        test_assert_records_snapshot(rec, before);
    }
    ck_assert_int_eq(skpi_records_add_dimension(rec, NULL, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_add_dimension(rec, "tiers", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_OK);
    ck_assert_str_eq(skpi_records_errmsg(rec), "");
    free(before);
}
END_TEST

START_TEST(find_by_id)
{
    populate(rec);
    size_t i = 99;
    ck_assert_int_eq(skpi_records_find(rec, "A2", &i), SKPI_OK);
    ck_assert_uint_eq(i, 1);
    ck_assert_int_eq(skpi_records_find(rec, "A3", &i), SKPI_OK);
    ck_assert_uint_eq(i, 2);
    ck_assert_int_eq(skpi_records_find(rec, "A1", &i), SKPI_OK);
    ck_assert_uint_eq(i, 0);
    i = 99;
    ck_assert_int_eq(skpi_records_find(rec, "A4", &i), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "a1", &i), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "A", &i), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "", &i), SKPI_ENOTFOUND);
    ck_assert_uint_eq(i, 99);
    /* strings of other fields are not ids */
    ck_assert_int_eq(skpi_records_find(rec, "cust-1", &i), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(NULL, "A1", &i), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_find(rec, NULL, &i), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_find(rec, "A1", NULL), SKPI_EINVAL);
}
END_TEST

START_TEST(null_arguments_are_refused)
{
    skpi_contact c = good_contact("N1");
    ck_assert_int_eq(skpi_records_new(NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_add(NULL, &c), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_add(rec, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_add_batch(rec, NULL, 1), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_append_columns(rec, NULL), SKPI_EINVAL);
    skpi_contact_columns cols = SKPI_COLUMNS_INIT;
    ck_assert_int_eq(skpi_records_append_columns(NULL, &cols), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_get(rec, 0, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_get(NULL, 0, &c), SKPI_EINVAL);
    ck_assert_uint_eq(skpi_records_count(NULL), 0);
    ck_assert_uint_eq(skpi_records_dimension_count(NULL), 0);
    ck_assert_ptr_null(skpi_records_dimension_name(NULL, 0));
    ck_assert_ptr_null(skpi_records_dimension_value(NULL, 0, 0));
    ck_assert_uint_eq(skpi_records_memory(NULL), 0);
    ck_assert_int_eq(skpi_records_errcode(NULL), SKPI_EINVAL);
    ck_assert_ptr_nonnull(skpi_records_errmsg(NULL));
    size_t d;
    ck_assert_int_eq(skpi_records_dimension_index(rec, NULL, &d), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_add_dimension(NULL, "x", &d), SKPI_EINVAL);
    skpi_records_free(NULL);
    /* names given without values (or the reverse) */
    c.dimension_count = 1;
    c.dimension_names = region_only;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_EINVAL);
    assert_message_names(rec, "dimension", "N1");
    ck_assert_uint_eq(skpi_records_count(rec), 0);
    c.dimension_names = NULL;
    c.dimension_values = us_only;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_EINVAL);
    ck_assert_uint_eq(skpi_records_count(rec), 0);
}
END_TEST

/* A success after a failure clears the handle's error. */
START_TEST(success_clears_the_error)
{
    skpi_contact c = good_contact("E1");
    c.tier = 11;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_EINVAL);
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_EINVAL);
    ck_assert_str_ne(skpi_records_errmsg(rec), "");
    c.tier = 3;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    ck_assert_int_eq(skpi_records_errcode(rec), SKPI_OK);
    ck_assert_str_eq(skpi_records_errmsg(rec), "");
}
END_TEST

/* ---- rejections (SPEC §2), one per case ---- */

enum bad_kind {
    K_ID, K_CUSTOMER, K_REASON, K_CHANNEL, K_DIMVAL, K_DIMNAME, K_DIM_TWICE,
    K_OPENED, K_FIRST, K_CLOSED, K_HANDLE, K_TIER, K_ESC, K_REOPENS, K_CSAT, K_OUTCOME,
    K_OPEN_WITH_CLOSE, K_MISSING_CLOSE, K_VERSION
};

typedef struct bad_case {
    enum bad_kind kind;
    int64_t value;
    const char *str;
    int status;
    const char *field;   /* the message names it */
} bad_case;

static const bad_case bad_cases[] = {
    { K_ID, 0, "A1", SKPI_EDUPLICATE, "id" },
    { K_ID, 0, "", SKPI_EINVAL, "id" },
    { K_ID, 0, NULL, SKPI_EINVAL, "id" },
    { K_CLOSED, 1700000000 - 1, NULL, SKPI_EINVAL, "closed_at" },
    { K_FIRST, 1700000000 - 1, NULL, SKPI_EINVAL, "first_response_at" },
    { K_TIER, -1, NULL, SKPI_EINVAL, "tier" },
    { K_TIER, 10, NULL, SKPI_EINVAL, "tier" },
    { K_TIER, INT64_MAX, NULL, SKPI_EINVAL, "tier" },
    { K_HANDLE, -1, NULL, SKPI_EINVAL, "handle_seconds" },
    { K_HANDLE, INT64_MIN + 1, NULL, SKPI_EINVAL, "handle_seconds" },
    { K_ESC, -1, NULL, SKPI_EINVAL, "escalations" },
    { K_REOPENS, -1, NULL, SKPI_EINVAL, "reopens" },
    { K_CSAT, 0, NULL, SKPI_EINVAL, "csat" },
    { K_CSAT, 6, NULL, SKPI_EINVAL, "csat" },
    { K_CSAT, -3, NULL, SKPI_EINVAL, "csat" },
    { K_OUTCOME, 4, NULL, SKPI_EINVAL, "outcome" },
    { K_OUTCOME, -1, NULL, SKPI_EINVAL, "outcome" },
    { K_OUTCOME, 1000, NULL, SKPI_EINVAL, "outcome" },
    { K_OPEN_WITH_CLOSE, 0, NULL, SKPI_EINVAL, "closed_at" },
    { K_MISSING_CLOSE, SKPI_OUTCOME_RESOLVED, NULL, SKPI_EINVAL, "closed_at" },
    { K_MISSING_CLOSE, SKPI_OUTCOME_ESCALATED, NULL, SKPI_EINVAL, "closed_at" },
    { K_MISSING_CLOSE, SKPI_OUTCOME_ABANDONED, NULL, SKPI_EINVAL, "closed_at" },
    { K_OPENED, 0, NULL, SKPI_EINVAL, "opened_at" },
    { K_ID, 0, "bad\xff", SKPI_EINVAL, "id" },
    { K_ID, 0, "bad\xc0\xaf", SKPI_EINVAL, "id" },
    { K_CUSTOMER, 0, "cust\xfe", SKPI_EINVAL, "customer" },
    { K_CUSTOMER, 0, "cust\xc0\x80", SKPI_EINVAL, "customer" },
    { K_CUSTOMER, 0, "cust\xe2\x82", SKPI_EINVAL, "customer" },
    { K_REASON, 0, "\x80reason", SKPI_EINVAL, "reason" },
    { K_REASON, 0, "reason\xe0\x80\xaf", SKPI_EINVAL, "reason" },
    { K_REASON, 0, "reason\xed\xa0\x80", SKPI_EINVAL, "reason" },
    { K_CHANNEL, 0, "vo\xffice", SKPI_EINVAL, "channel" },
    { K_CHANNEL, 0, "chat\xf0\x80\x80\xaf", SKPI_EINVAL, "channel" },
    { K_CHANNEL, 0, "chat\xf4\x90\x80\x80", SKPI_EINVAL, "channel" },
    { K_DIMVAL, 0, "e\xffu", SKPI_EINVAL, "region" },
    { K_DIMVAL, 0, "eu\xc1\xbf", SKPI_EINVAL, "region" },
    { K_DIMNAME, 0, "tier", SKPI_EINVAL, "tier" },
    { K_DIMNAME, 0, "customer", SKPI_EINVAL, "customer" },
    { K_DIMNAME, 0, "", SKPI_EINVAL, "dimension" },
    { K_DIMNAME, 0, NULL, SKPI_EINVAL, "dimension" },
    { K_DIMNAME, 0, "si\xc0\xafte", SKPI_EINVAL, "dimension" },
    { K_DIM_TWICE, 0, "region", SKPI_EINVAL, "region" },
    { K_DIM_TWICE, 0, "site", SKPI_EINVAL, "site" },
    { K_VERSION, 0, NULL, SKPI_EINVAL, "version" },
    { K_VERSION, 2, NULL, SKPI_EINVAL, "version" },
};

/* Storage for the dimension arrays of a bad contact. */
static const char *bad_names[2];
static const char *bad_values[2];

static skpi_contact make_bad(const bad_case *b)
{
    skpi_contact c = good_contact("BAD");
    switch (b->kind) {
    case K_ID: c.id = b->str; break;
    case K_CUSTOMER: c.customer = b->str; break;
    case K_REASON: c.reason = b->str; break;
    case K_CHANNEL: c.channel = b->str; break;
    case K_DIMVAL:
        bad_names[0] = "region";
        bad_values[0] = b->str;
        c.dimension_count = 1;
        break;
    case K_DIMNAME:
        bad_names[0] = b->str;
        bad_values[0] = "x";
        c.dimension_count = 1;
        break;
    case K_DIM_TWICE:
        bad_names[0] = bad_names[1] = b->str;
        bad_values[0] = "eu";
        bad_values[1] = "us";
        c.dimension_count = 2;
        break;
    case K_OPENED: c.opened_at = SKPI_UNSET; break;
    case K_FIRST: c.first_response_at = b->value; break;
    case K_CLOSED: c.closed_at = b->value; break;
    case K_HANDLE: c.handle_seconds = b->value; break;
    case K_TIER: c.tier = b->value; break;
    case K_ESC: c.escalations = b->value; break;
    case K_REOPENS: c.reopens = b->value; break;
    case K_CSAT: c.csat = b->value; break;
    case K_OUTCOME: c.outcome = (int)b->value; break;
    case K_OPEN_WITH_CLOSE: c.outcome = SKPI_OUTCOME_OPEN; break;
    case K_MISSING_CLOSE:
        c.outcome = (int)b->value;
        c.closed_at = SKPI_UNSET;
        break;
    case K_VERSION: c.version = (unsigned)b->value; break;
    }
    c.dimension_names = bad_names;
    c.dimension_values = bad_values;
    return c;
}

/* Whether the bad contact is named in the message by its id (when it has a
 * printable one). */
static void assert_names_record(const skpi_records *r, const skpi_contact *c, const char *index)
{
    assert_message_names(r, index, NULL);
    if (c->id && *c->id) {
        char quoted[80];
        snprintf(quoted, sizeof quoted, "'%s'", c->id);
        assert_message_names(r, quoted, NULL);
    }
}

START_TEST(bad_contact_is_refused_and_changes_nothing)
{
    const bad_case *b = &bad_cases[_i];
    populate(rec);
    char *before = test_records_snapshot(rec);
    skpi_contact c = make_bad(b);
    int rc = skpi_records_add(rec, &c);
    ck_assert_msg(rc == b->status, "case %d: status %d, expected %d (%s)", _i, rc, b->status,
                  skpi_records_errmsg(rec));
    ck_assert_int_eq(skpi_records_errcode(rec), b->status);
    assert_message_names(rec, b->field, NULL);
    assert_names_record(rec, &c, "contact 0");
    test_assert_records_snapshot(rec, before);
    if (b->kind == K_DIMNAME && b->str && *b->str) {
        size_t d;
        ck_assert_int_eq(skpi_records_dimension_index(rec, b->str, &d), SKPI_ENOTFOUND);
    }
    /* and the handle still takes good contacts */
    skpi_contact ok = good_contact("AFTER");
    ck_assert_int_eq(skpi_records_add(rec, &ok), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 4);
    free(before);
}
END_TEST

/* The same bad contact as the last of a batch of 50 whose first contact
 * registered a new dimension: nothing of the batch is kept. */
START_TEST(bad_last_of_batch_changes_nothing)
{
    const bad_case *b = &bad_cases[_i];
    populate(rec);
    char *before = test_records_snapshot(rec);
    skpi_contact batch[50];
    char ids[49][16];
    const char *names[] = { "batchdim", "region" };
    const char *values[] = { "x", "eu" };
    for (int i = 0; i < 49; i++) {
        snprintf(ids[i], sizeof ids[i], "B%02d", i);
        batch[i] = good_contact(ids[i]);
        batch[i].customer = i % 2 ? "new-customer" : "cust-1";
        batch[i].reason = "new-reason";
        if (i == 0) {
            batch[i].dimension_count = 2;
            batch[i].dimension_names = names;
            batch[i].dimension_values = values;
        }
    }
    batch[49] = make_bad(b);
    int rc = skpi_records_add_batch(rec, batch, 50);
    ck_assert_msg(rc == b->status, "case %d: status %d, expected %d (%s)", _i, rc, b->status,
                  skpi_records_errmsg(rec));
    ck_assert_int_eq(skpi_records_errcode(rec), b->status);
    assert_message_names(rec, b->field, NULL);
    assert_names_record(rec, &batch[49], "contact 49");
    test_assert_records_snapshot(rec, before);
    size_t d, i;
    ck_assert_int_eq(skpi_records_dimension_index(rec, "batchdim", &d), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "B00", &i), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "B48", &i), SKPI_ENOTFOUND);
    /* the first 49 alone go in, as if the failed batch had never been */
    ck_assert_int_eq(skpi_records_add_batch(rec, batch, 49), SKPI_OK);
    skpi_records *fresh;
    ck_assert_int_eq(skpi_records_new(&fresh), SKPI_OK);
    populate(fresh);
    ck_assert_int_eq(skpi_records_add_batch(fresh, batch, 49), SKPI_OK);
    assert_same_records(fresh, rec);
    skpi_records_free(fresh);
    free(before);
}
END_TEST

/* The later of two equal ids is the bad one, also inside one batch. */
START_TEST(duplicate_inside_a_batch)
{
    populate(rec);
    char *before = test_records_snapshot(rec);
    skpi_contact batch[10];
    char ids[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(ids[i], sizeof ids[i], "Q%d", i);
        batch[i] = good_contact(ids[i]);
    }
    batch[7].id = "Q2";
    ck_assert_int_eq(skpi_records_add_batch(rec, batch, 10), SKPI_EDUPLICATE);
    assert_message_names(rec, "contact 7", "'Q2'");
    assert_message_names(rec, "id", NULL);
    test_assert_records_snapshot(rec, before);
    /* the earlier A1 keeps its data when a later A1 differs */
    skpi_contact again = good_contact("A1");
    again.customer = "someone else";
    ck_assert_int_eq(skpi_records_add(rec, &again), SKPI_EDUPLICATE);
    test_assert_records_snapshot(rec, before);
    skpi_contact got;
    ck_assert_int_eq(skpi_records_get(rec, 0, &got), SKPI_OK);
    ck_assert_str_eq(got.customer, "cust-1");
    free(before);
}
END_TEST

/* ---- columns ---- */

/* One generated row: the contact and its dimension values by name. */
typedef struct gen_row {
    char id[24];
    const char *customer, *reason, *channel;
    int64_t opened, first, closed, handle, tier, esc, reopens, csat;
    int outcome;
    const char *region, *product, *priority, *site;
} gen_row;

static unsigned pick(test_rng *rng, unsigned n)
{
    return (unsigned)(test_rng_next(rng) % n);
}

static char customer_names[1500][16];
static const char *const reasons[] = { "", "billing", "login", "r\xc3\xa9seau", "shipping",
                                       "refund", "bug", "how-to", "cancel", "other" };
static const char *const channels[] = { "", "voice", "chat", "email", "self_service", "social" };
static const char *const regions[] = { "", "eu", "us", "apac", "\xe6\x9d\xb1\xe4\xba\xac" };
static char product_names[50][16];
static const char *const priorities[] = { "", "P1", "P2", "P3", "P4" };
static const char *const sites[] = { "", "s1", "s2" };

/* `unset` in 1/n of the cases, else v. */
static int64_t maybe(test_rng *rng, unsigned n, int64_t v)
{
    return pick(rng, n) == 0 ? SKPI_UNSET : v;
}

static void generate(gen_row *rows, size_t n, uint64_t seed)
{
    test_rng rng;
    test_rng_seed(&rng, seed);
    for (unsigned i = 0; i < 1500; i++)
        snprintf(customer_names[i], sizeof customer_names[i], "cust%04u", i);
    for (unsigned i = 0; i < 50; i++)
        snprintf(product_names[i], sizeof product_names[i], "p%02u", i);
    for (size_t i = 0; i < n; i++) {
        gen_row *g = &rows[i];
        snprintf(g->id, sizeof g->id, "G%07zu", i);
        g->customer = pick(&rng, 10) == 0 ? "" : customer_names[pick(&rng, 1500)];
        g->reason = reasons[pick(&rng, 10)];
        g->channel = channels[pick(&rng, 6)];
        g->opened = INT64_C(1700000000) + (int64_t)pick(&rng, 31536000);
        g->outcome = (int)pick(&rng, 4);
        g->closed = g->outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET : g->opened + pick(&rng, 200000);
        g->first = maybe(&rng, 3, g->opened + pick(&rng, 300000));   /* may follow closed_at */
        g->handle = maybe(&rng, 10, pick(&rng, 3601));
        g->tier = maybe(&rng, 10, pick(&rng, 10));
        g->esc = maybe(&rng, 10, pick(&rng, 3));
        g->reopens = maybe(&rng, 5, pick(&rng, 2));
        g->csat = maybe(&rng, 2, 1 + pick(&rng, 5));
        g->region = regions[pick(&rng, 5)];
        g->product = pick(&rng, 7) == 0 ? NULL : product_names[pick(&rng, 50)];
        g->priority = priorities[pick(&rng, 5)];
        g->site = sites[pick(&rng, 3)];
    }
}

/* The generated rows [from, to) as columns.  Part 0 has no reopens column
 * (not given), priority as an all-empty column and dimensions region,
 * product, priority; part 1 has no channel and no tier column and dimensions
 * site, product, region. */
typedef struct built_columns {
    skpi_contact_columns cols;
    char *bytes[8];
    int64_t *offsets[8];
    int64_t *ints[9];
    skpi_text_column dims[3];
    const char *dim_names[3];
} built_columns;

static skpi_text_column text_column(built_columns *b, int slot, const gen_row *rows,
                                    size_t from, size_t to, size_t field_offset)
{
    size_t total = 0;
    for (size_t i = from; i < to; i++) {
        const char *s = *(const char *const *)((const char *)&rows[i] + field_offset);
        total += s ? strlen(s) : 0;
    }
    char *bytes = malloc(total + 1);
    int64_t *offsets = malloc((to - from + 1) * sizeof *offsets);
    ck_assert(bytes && offsets);
    size_t at = 0;
    offsets[0] = 0;
    for (size_t i = from; i < to; i++) {
        const char *s = *(const char *const *)((const char *)&rows[i] + field_offset);
        size_t len = s ? strlen(s) : 0;
        memcpy(bytes + at, s ? s : "", len);
        at += len;
        offsets[i - from + 1] = (int64_t)at;
    }
    b->bytes[slot] = bytes;
    b->offsets[slot] = offsets;
    skpi_text_column t = { bytes, offsets };
    return t;
}

static skpi_text_column id_column(built_columns *b, int slot, const gen_row *rows, size_t from,
                                  size_t to)
{
    char *bytes = malloc((to - from) * 16 + 1);
    int64_t *offsets = malloc((to - from + 1) * sizeof *offsets);
    ck_assert(bytes && offsets);
    size_t at = 0;
    offsets[0] = 0;
    for (size_t i = from; i < to; i++) {
        size_t len = strlen(rows[i].id);
        memcpy(bytes + at, rows[i].id, len);
        at += len;
        offsets[i - from + 1] = (int64_t)at;
    }
    b->bytes[slot] = bytes;
    b->offsets[slot] = offsets;
    skpi_text_column t = { bytes, offsets };
    return t;
}

static int64_t *int_column(built_columns *b, int slot, const gen_row *rows, size_t from,
                           size_t to, size_t field_offset)
{
    int64_t *v = malloc((to - from + 1) * sizeof *v);
    ck_assert_ptr_nonnull(v);
    for (size_t i = from; i < to; i++)
        v[i - from] = *(const int64_t *)((const char *)&rows[i] + field_offset);
    b->ints[slot] = v;
    return v;
}

#define TEXT_FIELD(f) offsetof(gen_row, f)

static void build_columns(built_columns *b, const gen_row *rows, size_t from, size_t to,
                          int part)
{
    memset(b, 0, sizeof *b);
    skpi_contact_columns init = SKPI_COLUMNS_INIT;
    b->cols = init;
    b->cols.count = to - from;
    b->cols.id = id_column(b, 0, rows, from, to);
    b->cols.customer = text_column(b, 1, rows, from, to, TEXT_FIELD(customer));
    b->cols.reason = text_column(b, 2, rows, from, to, TEXT_FIELD(reason));
    if (part == 0)
        b->cols.channel = text_column(b, 3, rows, from, to, TEXT_FIELD(channel));
    b->cols.opened_at = int_column(b, 0, rows, from, to, offsetof(gen_row, opened));
    b->cols.first_response_at = int_column(b, 1, rows, from, to, offsetof(gen_row, first));
    b->cols.closed_at = int_column(b, 2, rows, from, to, offsetof(gen_row, closed));
    b->cols.handle_seconds = int_column(b, 3, rows, from, to, offsetof(gen_row, handle));
    if (part == 1)
        b->cols.tier = int_column(b, 4, rows, from, to, offsetof(gen_row, tier));
    b->cols.escalations = int_column(b, 5, rows, from, to, offsetof(gen_row, esc));
    if (part == 1)
        b->cols.reopens = int_column(b, 6, rows, from, to, offsetof(gen_row, reopens));
    b->cols.csat = int_column(b, 7, rows, from, to, offsetof(gen_row, csat));
    int64_t *outcome = malloc((to - from + 1) * sizeof *outcome);
    ck_assert_ptr_nonnull(outcome);
    for (size_t i = from; i < to; i++)
        outcome[i - from] = rows[i].outcome;
    b->ints[8] = outcome;
    b->cols.outcome = outcome;
    if (part == 0) {
        b->dim_names[0] = "region";
        b->dims[0] = text_column(b, 4, rows, from, to, TEXT_FIELD(region));
        b->dim_names[1] = "product";
        b->dims[1] = text_column(b, 5, rows, from, to, TEXT_FIELD(product));
        b->dim_names[2] = "priority";
        b->dims[2].bytes = NULL;
        b->dims[2].offsets = NULL;
    } else {
        b->dim_names[0] = "site";
        b->dims[0] = text_column(b, 4, rows, from, to, TEXT_FIELD(site));
        b->dim_names[1] = "product";
        b->dims[1] = text_column(b, 5, rows, from, to, TEXT_FIELD(product));
        b->dim_names[2] = "region";
        b->dims[2] = text_column(b, 6, rows, from, to, TEXT_FIELD(region));
    }
    b->cols.dimension_count = 3;
    b->cols.dimension_names = b->dim_names;
    b->cols.dimensions = b->dims;
}

static void free_columns(built_columns *b)
{
    for (int k = 0; k < 8; k++) {
        free(b->bytes[k]);
        free(b->offsets[k]);
    }
    for (int k = 0; k < 9; k++)
        free(b->ints[k]);
}

/* The same rows as contacts, with exactly what the columns give. */
typedef struct built_contact {
    const char *names[3];
    const char *values[3];
} built_contact;

static void build_contacts(skpi_contact *out, built_contact *dims, const gen_row *rows,
                           size_t from, size_t to, int part)
{
    for (size_t i = from; i < to; i++) {
        const gen_row *g = &rows[i];
        skpi_contact c = SKPI_CONTACT_INIT;
        c.id = g->id;
        c.customer = g->customer;
        c.reason = g->reason;
        c.channel = part == 0 ? g->channel : NULL;
        c.opened_at = g->opened;
        c.first_response_at = g->first;
        c.closed_at = g->closed;
        c.handle_seconds = g->handle;
        c.tier = part == 1 ? g->tier : SKPI_UNSET;
        c.escalations = g->esc;
        c.reopens = part == 1 ? g->reopens : SKPI_UNSET;
        c.csat = g->csat;
        c.outcome = g->outcome;
        built_contact *d = &dims[i];
        if (part == 0) {
            d->names[0] = "region";
            d->values[0] = g->region;
            d->names[1] = "product";
            d->values[1] = g->product;
            d->names[2] = "priority";
            d->values[2] = NULL;
        } else {
            d->names[0] = "site";
            d->values[0] = g->site;
            d->names[1] = "product";
            d->values[1] = g->product;
            d->names[2] = "region";
            d->values[2] = g->region;
        }
        c.dimension_count = 3;
        c.dimension_names = d->names;
        c.dimension_values = d->values;
        out[i] = c;
    }
}

static const char *or_empty(const char *s)
{
    return s ? s : "";
}

static int64_t or_value(int64_t v, int64_t fallback)
{
    return v == SKPI_UNSET ? fallback : v;
}

static void assert_dim(const skpi_records *r, size_t i, const char *name, const char *want)
{
    size_t d;
    ck_assert_int_eq(skpi_records_dimension_index(r, name, &d), SKPI_OK);
    const char *got = skpi_records_dimension_value(r, i, d);
    if (!want || !*want)
        ck_assert_ptr_null(got);
    else
        ck_assert_str_eq(got, want);
}

/* Row i of r is the generated row, defaults applied (split: the first row of
 * part 1). */
static void assert_generated(const skpi_records *r, const gen_row *rows, size_t n, size_t split)
{
    ck_assert_uint_eq(skpi_records_count(r), n);
    for (size_t i = 0; i < n; i++) {
        const gen_row *g = &rows[i];
        int part = i >= split;
        skpi_contact c;
        ck_assert_int_eq(skpi_records_get(r, i, &c), SKPI_OK);
        ck_assert_str_eq(c.id, g->id);
        ck_assert_str_eq(c.customer, g->customer);
        ck_assert_str_eq(c.reason, g->reason);
        ck_assert_str_eq(c.channel, part == 0 ? g->channel : "");
        ck_assert_int_eq(c.opened_at, g->opened);
        ck_assert_int_eq(c.first_response_at, g->first);
        ck_assert_int_eq(c.closed_at, g->closed);
        ck_assert_int_eq(c.handle_seconds, or_value(g->handle, 0));
        ck_assert_int_eq(c.tier, part == 1 ? or_value(g->tier, 1) : 1);
        ck_assert_int_eq(c.escalations, or_value(g->esc, 0));
        ck_assert_int_eq(c.reopens, part == 1 ? or_value(g->reopens, 0) : 0);
        ck_assert_int_eq(c.csat, g->csat);
        ck_assert_int_eq(c.outcome, g->outcome);
        assert_dim(r, i, "region", g->region);
        assert_dim(r, i, "product", or_empty(g->product));
        assert_dim(r, i, "priority", NULL);
        assert_dim(r, i, "site", part == 1 ? g->site : NULL);
        size_t at;
        ck_assert_int_eq(skpi_records_find(r, g->id, &at), SKPI_OK);
        ck_assert_uint_eq(at, i);
    }
}

START_TEST(columns_equal_contacts)
{
    enum { N = 5000, SPLIT = 3000 };
    gen_row *rows = malloc(N * sizeof *rows);
    skpi_contact *contacts = malloc(N * sizeof *contacts);
    built_contact *dims = malloc(N * sizeof *dims);
    ck_assert(rows && contacts && dims);
    generate(rows, N, 77);
    build_contacts(contacts, dims, rows, 0, SPLIT, 0);
    build_contacts(contacts, dims, rows, SPLIT, N, 1);

    skpi_records *by_batch, *by_one, *by_cols;
    ck_assert_int_eq(skpi_records_new(&by_batch), SKPI_OK);
    ck_assert_int_eq(skpi_records_new(&by_one), SKPI_OK);
    ck_assert_int_eq(skpi_records_new(&by_cols), SKPI_OK);
    ck_assert_int_eq(skpi_records_add_batch(by_batch, contacts, N), SKPI_OK);
    for (size_t i = 0; i < N; i++)
        ck_assert_int_eq(skpi_records_add(by_one, &contacts[i]), SKPI_OK);
    built_columns a, b;
    build_columns(&a, rows, 0, SPLIT, 0);
    build_columns(&b, rows, SPLIT, N, 1);
    ck_assert_int_eq(skpi_records_append_columns(by_cols, &a.cols), SKPI_OK);
    ck_assert_int_eq(skpi_records_append_columns(by_cols, &b.cols), SKPI_OK);

    ck_assert_uint_eq(skpi_records_dimension_count(by_cols), 4);
    ck_assert_str_eq(skpi_records_dimension_name(by_cols, 3), "site");
    assert_generated(by_cols, rows, N, SPLIT);
    assert_same_records(by_batch, by_cols);
    assert_same_records(by_one, by_cols);
    /* memory grows with contacts and is the same whichever way they came */
    ck_assert_uint_gt(skpi_records_memory(by_cols), 5000);

    free_columns(&a);
    free_columns(&b);
    skpi_records_free(by_batch);
    skpi_records_free(by_one);
    skpi_records_free(by_cols);
    free(rows);
    free(contacts);
    free(dims);
}
END_TEST

/* Small hand-made columns: 10 rows with ids R0..R9. */
typedef struct small_columns {
    skpi_contact_columns cols;
    char ids[64];
    int64_t id_off[11];
    char customers[64];
    int64_t cust_off[11];
    int64_t opened[10], closed[10], tier[10], outcome[10];
    const char *dim_names[2];
    skpi_text_column dims[2];
    char dim_bytes[64];
    int64_t dim_off[11];
} small_columns;

static void small(small_columns *s)
{
    memset(s, 0, sizeof *s);
    skpi_contact_columns init = SKPI_COLUMNS_INIT;
    s->cols = init;
    s->cols.count = 10;
    size_t at = 0, cat = 0, dat = 0;
    for (int i = 0; i < 10; i++) {
        at += (size_t)sprintf(s->ids + at, "R%d", i);
        s->id_off[i + 1] = (int64_t)at;
        cat += (size_t)sprintf(s->customers + cat, "%s", i % 3 ? "k" : "kk");
        s->cust_off[i + 1] = (int64_t)cat;
        dat += (size_t)sprintf(s->dim_bytes + dat, "%s", i % 2 ? "gold" : "");
        s->dim_off[i + 1] = (int64_t)dat;
        s->opened[i] = 1000 + i;
        s->closed[i] = i % 4 == 0 ? SKPI_UNSET : 2000 + i;
        s->outcome[i] = i % 4 == 0 ? SKPI_OUTCOME_OPEN : SKPI_OUTCOME_RESOLVED;
        s->tier[i] = i % 3;
    }
    s->cols.id.bytes = s->ids;
    s->cols.id.offsets = s->id_off;
    s->cols.customer.bytes = s->customers;
    s->cols.customer.offsets = s->cust_off;
    s->cols.opened_at = s->opened;
    s->cols.closed_at = s->closed;
    s->cols.tier = s->tier;
    s->cols.outcome = s->outcome;
    s->dim_names[0] = "tierlevel";
    s->dims[0].bytes = s->dim_bytes;
    s->dims[0].offsets = s->dim_off;
    s->dim_names[1] = "region";    /* exists: populate() made it */
    s->dims[1].bytes = s->dim_bytes;
    s->dims[1].offsets = s->dim_off;
    s->cols.dimension_count = 2;
    s->cols.dimension_names = s->dim_names;
    s->cols.dimensions = s->dims;
}

START_TEST(small_columns_read_back)
{
    populate(rec);
    small_columns s;
    small(&s);
    ck_assert_int_eq(skpi_records_append_columns(rec, &s.cols), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 13);
    ck_assert_uint_eq(skpi_records_dimension_count(rec), 3);
    for (int i = 0; i < 10; i++) {
        skpi_contact c;
        char id[16];
        snprintf(id, sizeof id, "R%d", i);
        ck_assert_int_eq(skpi_records_get(rec, 3 + (size_t)i, &c), SKPI_OK);
        ck_assert_str_eq(c.id, id);
        ck_assert_str_eq(c.customer, i % 3 ? "k" : "kk");
        ck_assert_str_eq(c.reason, "");
        ck_assert_str_eq(c.channel, "");
        ck_assert_int_eq(c.opened_at, 1000 + i);
        ck_assert_int_eq(c.closed_at, i % 4 == 0 ? SKPI_UNSET : 2000 + i);
        ck_assert_int_eq(c.tier, i % 3);
        ck_assert_int_eq(c.handle_seconds, 0);
        ck_assert_int_eq(c.first_response_at, SKPI_UNSET);
        ck_assert_int_eq(c.csat, SKPI_UNSET);
        const char *v = skpi_records_dimension_value(rec, 3 + (size_t)i, 2);
        const char *w = skpi_records_dimension_value(rec, 3 + (size_t)i, 0);
        if (i % 2) {
            ck_assert_str_eq(v, "gold");
            ck_assert_str_eq(w, "gold");
        } else {
            ck_assert_ptr_null(v);
            ck_assert_ptr_null(w);
        }
        ck_assert_ptr_null(skpi_records_dimension_value(rec, 3 + (size_t)i, 1));
    }
    ck_assert_ptr_null(skpi_records_dimension_value(rec, 0, 2));
    ck_assert_str_eq(skpi_records_dimension_value(rec, 0, 0), "eu");
    /* no closed_at column: every row must be open */
    small_columns o;
    small(&o);
    for (int i = 0; i < 10; i++)
        o.outcome[i] = SKPI_OUTCOME_OPEN;
    for (int i = 0; i < 64; i++)   /* new ids S0 .. S9 */
        if (o.ids[i] == 'R')
            o.ids[i] = 'S';
    o.cols.closed_at = NULL;
    ck_assert_int_eq(skpi_records_append_columns(rec, &o.cols), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), 23);
}
END_TEST

/* A failing columnar call, checked against the snapshot, and the handle then
 * takes the corrected call exactly as a fresh one would. */
static void columns_refused(small_columns *s, int status, const char *field, const char *row,
                            void (*repair)(small_columns *))
{
    populate(rec);
    char *before = test_records_snapshot(rec);
    int rc = skpi_records_append_columns(rec, &s->cols);
    ck_assert_msg(rc == status, "status %d, expected %d (%s)", rc, status,
                  skpi_records_errmsg(rec));
    ck_assert_int_eq(skpi_records_errcode(rec), status);
    assert_message_names(rec, field, row);
    test_assert_records_snapshot(rec, before);
    size_t d, i;
    ck_assert_int_eq(skpi_records_dimension_index(rec, "tierlevel", &d), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_find(rec, "R0", &i), SKPI_ENOTFOUND);
    if (repair) {
        repair(s);
        ck_assert_int_eq(skpi_records_append_columns(rec, &s->cols), SKPI_OK);
        skpi_records *fresh;
        ck_assert_int_eq(skpi_records_new(&fresh), SKPI_OK);
        populate(fresh);
        ck_assert_int_eq(skpi_records_append_columns(fresh, &s->cols), SKPI_OK);
        assert_same_records(fresh, rec);
        skpi_records_free(fresh);
    }
    free(before);
}

static void repair_offsets(small_columns *s)
{
    small_columns good;
    small(&good);
    memcpy(s->cust_off, good.cust_off, sizeof good.cust_off);
    memcpy(s->dim_off, good.dim_off, sizeof good.dim_off);
}

START_TEST(decreasing_offsets_name_the_row)
{
    small_columns s;
    small(&s);
    s.cust_off[8] = s.cust_off[7] - 1;
    columns_refused(&s, SKPI_EINVAL, "customer", "row 7", repair_offsets);
}
END_TEST

START_TEST(negative_offsets_name_the_row)
{
    small_columns s;
    small(&s);
    s.cust_off[0] = -1;
    columns_refused(&s, SKPI_EINVAL, "customer", "row 0", repair_offsets);
}
END_TEST

START_TEST(bad_dimension_offsets_name_the_dimension)
{
    small_columns s;
    small(&s);
    s.dim_off[9] = 0;   /* row 8 goes backwards */
    columns_refused(&s, SKPI_EINVAL, "tierlevel", "row 8", repair_offsets);
}
END_TEST

static void repair_ids(small_columns *s)
{
    small_columns good;
    small(&good);
    memcpy(s->ids, good.ids, sizeof good.ids);
    memcpy(s->id_off, good.id_off, sizeof good.id_off);
}

START_TEST(duplicate_inside_columns_keeps_nothing)
{
    small_columns s;
    small(&s);
    /* row 6's id becomes "R2": same length, same bytes */
    ck_assert_int_eq(s.ids[s.id_off[6]], 'R');
    s.ids[s.id_off[6] + 1] = '2';
    columns_refused(&s, SKPI_EDUPLICATE, "row 6", "'R2'", repair_ids);
}
END_TEST

START_TEST(duplicate_of_stored_id_in_columns)
{
    small_columns s;
    small(&s);
    /* row 9 "R9" becomes "A1", an id populate() stored */
    s.ids[s.id_off[9]] = 'A';
    s.ids[s.id_off[9] + 1] = '1';
    columns_refused(&s, SKPI_EDUPLICATE, "row 9", "'A1'", repair_ids);
}
END_TEST

static void repair_tier(small_columns *s)
{
    s->tier[9] = 9;
}

START_TEST(bad_last_row_keeps_nothing)
{
    small_columns s;
    small(&s);
    s.tier[9] = 10;
    columns_refused(&s, SKPI_EINVAL, "tier", "row 9", repair_tier);
}
END_TEST

static void repair_utf8(small_columns *s)
{
    small_columns good;
    small(&good);
    memcpy(s->dim_bytes, good.dim_bytes, sizeof good.dim_bytes);
}

START_TEST(bad_utf8_in_a_dimension_column)
{
    small_columns s;
    small(&s);
    /* "gold" -> "\xC0old" at row 5, in both columns that share the bytes:
     * region (dimension 0) is checked first */
    s.dim_bytes[s.dim_off[5]] = (char)0xC0;
    columns_refused(&s, SKPI_EINVAL, "region", "row 5", repair_utf8);
}
END_TEST

static void repair_closed(small_columns *s)
{
    s->closed[4] = 2004;
}

START_TEST(missing_close_in_columns)
{
    small_columns s;
    small(&s);
    s.outcome[4] = SKPI_OUTCOME_RESOLVED;   /* row 4 was open: no closed_at */
    s.closed[4] = SKPI_UNSET;
    columns_refused(&s, SKPI_EINVAL, "closed_at", "row 4", repair_closed);
}
END_TEST

START_TEST(columns_without_closed_at_must_be_open)
{
    small_columns s;
    small(&s);
    s.cols.closed_at = NULL;
    columns_refused(&s, SKPI_EINVAL, "closed_at", "row 1", NULL);
}
END_TEST

START_TEST(bad_outcome_code_in_columns)
{
    small_columns s;
    small(&s);
    s.outcome[3] = 4;
    columns_refused(&s, SKPI_EINVAL, "outcome", "row 3", NULL);
}
END_TEST

START_TEST(dimension_twice_in_columns)
{
    small_columns s;
    small(&s);
    s.dim_names[1] = "tierlevel";
    columns_refused(&s, SKPI_EINVAL, "tierlevel", NULL, NULL);
}
END_TEST

START_TEST(contact_field_as_column_dimension)
{
    small_columns s;
    small(&s);
    s.dim_names[1] = "tier";
    columns_refused(&s, SKPI_EINVAL, "tier", NULL, NULL);
}
END_TEST

START_TEST(columns_version_and_required)
{
    small_columns s;
    small(&s);
    s.cols.version = 2;
    columns_refused(&s, SKPI_EINVAL, "version", NULL, NULL);
    teardown();
    setup();
    small(&s);
    s.cols.id.offsets = NULL;
    columns_refused(&s, SKPI_EINVAL, "id", NULL, NULL);
    teardown();
    setup();
    small(&s);
    s.cols.opened_at = NULL;
    columns_refused(&s, SKPI_EINVAL, "opened_at", NULL, NULL);
    teardown();
    setup();
    small(&s);
    s.cols.outcome = NULL;
    columns_refused(&s, SKPI_EINVAL, "outcome", NULL, NULL);
    teardown();
    setup();
    small(&s);
    s.cols.dimension_names = NULL;
    columns_refused(&s, SKPI_EINVAL, "dimension", NULL, NULL);
}
END_TEST

/* Zero rows, a bad dimension name and an id column of just its one offset:
 * the call fails without reading past the offsets (run under valgrind). */
START_TEST(empty_columns_with_bad_dimension)
{
    populate(rec);
    char *before = test_records_snapshot(rec);
    int64_t *one = malloc(sizeof *one);
    ck_assert_ptr_nonnull(one);
    *one = 0;
    const char *names[] = { "fresh", "tier" };
    skpi_text_column dims[2] = { { NULL, NULL }, { NULL, NULL } };
    skpi_contact_columns c = SKPI_COLUMNS_INIT;
    c.id.bytes = "";
    c.id.offsets = one;
    c.dimension_count = 2;
    c.dimension_names = names;
    c.dimensions = dims;
    ck_assert_int_eq(skpi_records_append_columns(rec, &c), SKPI_EINVAL);
    assert_message_names(rec, "tier", NULL);
    test_assert_records_snapshot(rec, before);
    free(one);
    free(before);
}
END_TEST

/* ---- the internal row push (loaders use it) ---- */

/* skpi__records_push: "On failure nothing of this row is kept" also when the
 * failure is a lack of memory in the middle of appending. */
START_TEST(failed_push_keeps_nothing_of_the_row)
{
    int done = 0;
    for (long n = 0; !done; n++) {
        test_alloc_start(-1);
        skpi_records *r;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        populate(r);
        char *before = test_records_snapshot(r);
        skpi__records_begin(r);
        skpi__text dims[3] = { { "apac", 4 }, { "p9", 2 }, { "new-value", 9 } };
        ck_assert_int_eq(skpi_records_add_dimension(r, "third", NULL), SKPI_OK);
        skpi__row row = {
            .id = { "ROW1", 4 }, .customer = { "fresh-customer", 14 },
            .reason = { "fresh-reason", 12 }, .channel = { "fresh-channel", 13 },
            .opened_at = INT64_C(1700000000), .first_response_at = SKPI_UNSET,
            .closed_at = INT64_C(1800000000), .handle_seconds = 70000, .tier = 3,
            .escalations = 300, .reopens = 1000, .csat = 2, .outcome = SKPI_OUTCOME_RESOLVED,
            .dims = dims, .dim_count = 3,
        };
        skpi__row_error why;
        test_alloc_rearm(n);
        int rc = skpi__records_push(r, &row, &why);
        test_alloc_rearm(-1);
        if (rc == SKPI_OK) {
            done = 1;
        } else {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            /* nothing of ROW1: every column and pool as before */
            ck_assert_uint_eq(skpi_records_count(r), 3);
            for (int col = 0; col < SKPI__COL_COUNT; col++)
                ck_assert_uint_eq(skpi__records_column(r, col)->len, 3);
            for (size_t d = 0; d < 3; d++)
                ck_assert_uint_eq(skpi__records_dimension_column(r, d)->len, 3);
            size_t at;
            ck_assert_int_eq(skpi_records_find(r, "ROW1", &at), SKPI_ENOTFOUND);
            uint32_t id;
            ck_assert_int_eq(skpi__strpool_find(skpi__records_pool(r, SKPI__COL_CUSTOMER),
                                                "fresh-customer", 14, &id), SKPI_ENOTFOUND);
            ck_assert_int_eq(skpi__strpool_find(skpi__records_pool(r, SKPI__COL_CHANNEL),
                                                "fresh-channel", 13, &id), SKPI_ENOTFOUND);
            ck_assert_int_eq(skpi__strpool_find(skpi__records_dimension_pool(r, 2),
                                                "new-value", 9, &id), SKPI_ENOTFOUND);
            /* a loader that goes on pushes the next row correctly */
            skpi__row next = row;
            next.id.ptr = "ROW2";
            ck_assert_int_eq(skpi__records_push(r, &next, &why), SKPI_OK);
            ck_assert_int_eq(skpi__records_commit(r), SKPI_OK);
            skpi_contact c;
            ck_assert_int_eq(skpi_records_get(r, 3, &c), SKPI_OK);
            ck_assert_str_eq(c.id, "ROW2");
            ck_assert_str_eq(c.customer, "fresh-customer");
            ck_assert_str_eq(c.channel, "fresh-channel");
            ck_assert_int_eq(c.escalations, 300);
            ck_assert_int_eq(skpi_records_find(r, "ROW2", &at), SKPI_OK);
            ck_assert_uint_eq(at, 3);
            ck_assert_str_eq(skpi_records_dimension_value(r, 3, 2), "new-value");
            ck_assert_str_eq(skpi_records_dimension_value(r, 3, 0), "apac");
        }
        skpi__records_rollback(r);
        test_assert_records_snapshot(r, before);
        free(before);
        skpi_records_free(r);
        ck_assert_int_eq(test_alloc_live_total(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 1000);
    }
}
END_TEST

/* ---- allocation failures ---- */

START_TEST(new_under_failures)
{
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_install(n);
        skpi_records *r = (skpi_records *)&r;
        int rc = skpi_records_new(&r);
        if (rc == SKPI_OK) {
            succeeded = 1;
            ck_assert_uint_eq(skpi_records_count(r), 0);
        } else {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert(test_alloc_failed());
            ck_assert_ptr_null(r);
        }
        skpi_records_free(r);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 1000);
    }
}
END_TEST

/* The call under test, made on a populated handle. */
typedef int (*records_call)(skpi_records *r);

static int call_add_with_new_dimension(skpi_records *r)
{
    const char *names[] = { "region", "product", "brand-new" };
    const char *values[] = { "latam", "p1", "v" };
    skpi_contact c = good_contact("NEW1");
    c.customer = "new-customer";
    c.reason = "new-reason";
    c.channel = "new-channel";
    c.dimension_count = 3;
    c.dimension_names = names;
    c.dimension_values = values;
    return skpi_records_add(r, &c);
}

static int call_add_dimension(skpi_records *r)
{
    size_t idx = 99;
    int rc = skpi_records_add_dimension(r, "fresh-dimension", &idx);
    if (rc == SKPI_OK)
        ck_assert_uint_eq(idx, 2);
    else
        ck_assert_uint_eq(idx, 99);
    return rc;
}

static int call_add_batch_20(skpi_records *r)
{
    static char ids[20][16], customers[20][16];
    static const char *names[] = { "region", "segment" };
    static const char *values[20][2];
    skpi_contact batch[20];
    for (int i = 0; i < 20; i++) {
        snprintf(ids[i], sizeof ids[i], "BT%02d", i);
        snprintf(customers[i], sizeof customers[i], "bc%d", i % 7);
        batch[i] = good_contact(ids[i]);
        batch[i].customer = customers[i];
        batch[i].handle_seconds = 100000 * i;   /* widens the column */
        values[i][0] = i % 2 ? "eu" : "mars";
        values[i][1] = i % 3 ? "smb" : "enterprise";
        batch[i].dimension_count = 2;
        batch[i].dimension_names = names;
        batch[i].dimension_values = values[i];
    }
    return skpi_records_add_batch(r, batch, 20);
}

/* More rows than the customer staging area holds (STAGED_ROWS = 256 in
 * records.c): customers are interned in three flushes, the last at commit. */
enum { LONG_BATCH = 600 };

static void long_batch(skpi_contact *batch, char (*ids)[16], char (*customers)[16])
{
    for (int i = 0; i < LONG_BATCH; i++) {
        snprintf(ids[i], sizeof ids[i], "LB%03d", i);
        snprintf(customers[i], sizeof customers[i], "lc%d", i % 250);
        batch[i] = good_contact(ids[i]);
        batch[i].customer = i % 9 ? customers[i] : NULL;
    }
}

static int call_add_batch_600(skpi_records *r)
{
    static char ids[LONG_BATCH][16], customers[LONG_BATCH][16];
    static skpi_contact batch[LONG_BATCH];
    long_batch(batch, ids, customers);
    return skpi_records_add_batch(r, batch, LONG_BATCH);
}

static int call_append_columns_20(skpi_records *r)
{
    char ids[200], cust[200], seg[200];
    int64_t id_off[21], cust_off[21], seg_off[21], region_off[21];
    int64_t opened[20], closed[20], handle[20], outcome[20], csat[20];
    size_t a = 0, b = 0, c = 0;
    id_off[0] = cust_off[0] = seg_off[0] = region_off[0] = 0;
    for (int i = 0; i < 20; i++) {
        a += (size_t)sprintf(ids + a, "CL%02d", i);
        id_off[i + 1] = (int64_t)a;
        b += (size_t)sprintf(cust + b, "cc%d", i % 5);
        cust_off[i + 1] = (int64_t)b;
        c += (size_t)sprintf(seg + c, "%s", i % 3 ? "smb" : "");
        seg_off[i + 1] = (int64_t)c;
        region_off[i + 1] = region_off[i] + (i % 2 ? 2 : 0);
        opened[i] = INT64_C(1700000000) + i * 1000;
        closed[i] = opened[i] + 5000000000;   /* widens closed_at */
        handle[i] = i % 4 ? 60 * i : SKPI_UNSET;
        csat[i] = i % 5 ? 1 + i % 5 : SKPI_UNSET;
        outcome[i] = SKPI_OUTCOME_ABANDONED;
    }
    char region_bytes[64];
    size_t at = 0;
    for (int i = 0; i < 20; i++)
        if (i % 2)
            at += (size_t)sprintf(region_bytes + at, "%s", "as");
    const char *names[] = { "segment", "region" };
    skpi_text_column dims[2] = { { seg, seg_off }, { region_bytes, region_off } };
    skpi_contact_columns cols = SKPI_COLUMNS_INIT;
    cols.count = 20;
    cols.id.bytes = ids;
    cols.id.offsets = id_off;
    cols.customer.bytes = cust;
    cols.customer.offsets = cust_off;
    cols.opened_at = opened;
    cols.closed_at = closed;
    cols.handle_seconds = handle;
    cols.csat = csat;
    cols.outcome = outcome;
    cols.dimension_count = 2;
    cols.dimension_names = names;
    cols.dimensions = dims;
    return skpi_records_append_columns(r, &cols);
}

/* Fail allocation N of the call, N = 0, 1, ... until it succeeds: each
 * failure is SKPI_ENOMEM with the snapshot unchanged, the handle then takes
 * the same call as a fresh handle does, and after freeing no block is left. */
static void call_under_failures(records_call call)
{
    /* the expected result, without failures */
    skpi_records *expected;
    ck_assert_int_eq(skpi_records_new(&expected), SKPI_OK);
    populate(expected);
    ck_assert_int_eq(call(expected), SKPI_OK);
    int succeeded = 0;
    long failures = 0;
    for (long n = 0; !succeeded; n++) {
        test_alloc_start(-1);
        skpi_records *r;
        ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
        populate(r);
        char *before = test_records_snapshot(r);
        test_alloc_rearm(n);
        int rc = call(r);
        test_alloc_rearm(-1);
        if (rc == SKPI_OK) {
            succeeded = 1;
        } else {
            failures++;
            ck_assert_msg(rc == SKPI_ENOMEM, "allocation %ld: status %d (%s)", n, rc,
                          skpi_records_errmsg(r));
            ck_assert_int_eq(skpi_records_errcode(r), SKPI_ENOMEM);
            test_assert_records_snapshot(r, before);
            ck_assert_int_eq(call(r), SKPI_OK);
        }
        assert_same_records(expected, r);
        free(before);
        skpi_records_free(r);
        ck_assert_int_eq(test_alloc_live_total(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 5000);
    }
    ck_assert_int_gt(failures, 0);
    skpi_records_free(expected);
}

START_TEST(add_under_failures)
{
    call_under_failures(call_add_with_new_dimension);
}
END_TEST

START_TEST(add_dimension_under_failures)
{
    call_under_failures(call_add_dimension);
}
END_TEST

START_TEST(add_batch_under_failures)
{
    call_under_failures(call_add_batch_20);
}
END_TEST

START_TEST(long_batch_under_failures)
{
    call_under_failures(call_add_batch_600);
}
END_TEST

/* A bad last row of a batch longer than the staging area: the customers
 * already interned by the flushes are forgotten with the rest. */
START_TEST(bad_last_of_long_batch_changes_nothing)
{
    static char ids[LONG_BATCH][16], customers[LONG_BATCH][16];
    static skpi_contact batch[LONG_BATCH];
    populate(rec);
    char *before = test_records_snapshot(rec);
    long_batch(batch, ids, customers);
    batch[LONG_BATCH - 1].id = "LB000";
    ck_assert_int_eq(skpi_records_add_batch(rec, batch, LONG_BATCH), SKPI_EDUPLICATE);
    test_assert_records_snapshot(rec, before);
    uint32_t id;
    ck_assert_int_eq(skpi__strpool_find(skpi__records_pool(rec, SKPI__COL_CUSTOMER), "lc100", 5,
                                        &id), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_records_add_batch(rec, batch, LONG_BATCH - 1), SKPI_OK);
    size_t base = skpi_records_count(rec) - (LONG_BATCH - 1);
    for (int i = 0; i < LONG_BATCH - 1; i++) {
        skpi_contact c;
        ck_assert_int_eq(skpi_records_get(rec, base + (size_t)i, &c), SKPI_OK);
        ck_assert_str_eq(c.id, ids[i]);
        ck_assert_str_eq(c.customer, i % 9 ? customers[i] : "");
    }
    free(before);
}
END_TEST

START_TEST(append_columns_under_failures)
{
    call_under_failures(call_append_columns_20);
}
END_TEST

/* ---- memory ---- */

/* A loader's estimate makes room in every column at once, changes no
 * contact, and is only a hint: absurd or refused, it changes nothing. */
START_TEST(expect_makes_room_and_changes_nothing)
{
    populate(rec);
    char *before = test_records_snapshot(rec);
    size_t empty_room = skpi_records_memory(rec);
    skpi__records_expect(rec, SIZE_MAX);
    ck_assert_uint_eq(skpi_records_memory(rec), empty_room);
    test_alloc_install(0);
    skpi__records_expect(rec, 5000);
    test_alloc_restore();
    ck_assert_uint_eq(skpi_records_memory(rec), empty_room);
    skpi__records_expect(rec, 5000);
    /* at once: reason and channel (a byte each), 4 bytes of id offset */
    ck_assert_uint_ge(skpi_records_memory(rec), empty_room + 5000 * 6);
    test_assert_records_snapshot(rec, before);
    /* the staged columns (customer and the nine times and counts: 20 bytes
     * a row at their widths) grow when the next batch is appended, and the
     * customer pool with them */
    size_t room = skpi_records_memory(rec);
    skpi_contact c = good_contact("after-expect");
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    ck_assert_uint_ge(skpi_records_memory(rec), room + 5000 * 20);
    free(before);
}
END_TEST

START_TEST(memory_per_contact)
{
    enum { N = 100000 };
    char *ids = malloc((size_t)N * 8 + 1);
    char *cust = malloc((size_t)N * 8 + 1);
    char *reas = malloc((size_t)N * 16 + 1);
    char *chan = malloc((size_t)N * 16 + 1);
    int64_t *id_off = malloc((N + 1) * sizeof *id_off);
    int64_t *cust_off = malloc((N + 1) * sizeof *cust_off);
    int64_t *reas_off = malloc((N + 1) * sizeof *reas_off);
    int64_t *chan_off = malloc((N + 1) * sizeof *chan_off);
    int64_t *opened = malloc(N * sizeof *opened), *first = malloc(N * sizeof *first);
    int64_t *closed = malloc(N * sizeof *closed), *handle = malloc(N * sizeof *handle);
    int64_t *tier = malloc(N * sizeof *tier), *esc = malloc(N * sizeof *esc);
    int64_t *reopens = malloc(N * sizeof *reopens), *csat = malloc(N * sizeof *csat);
    int64_t *outcome = malloc(N * sizeof *outcome);
    ck_assert(ids && cust && reas && chan && id_off && cust_off && reas_off && chan_off);
    ck_assert(opened && first && closed && handle && tier && esc && reopens && csat && outcome);
    static const char *const reason_words[] = { "billing", "login", "shipping", "refund",
                                                "bug", "how-to", "cancel", "upgrade",
                                                "password", "other" };
    static const char *const channel_words[] = { "voice", "chat", "email", "self_service" };
    test_rng rng;
    test_rng_seed(&rng, 4242);
    size_t a = 0, b = 0, c = 0, d = 0;
    id_off[0] = cust_off[0] = reas_off[0] = chan_off[0] = 0;
    for (int i = 0; i < N; i++) {
        char tmp[16];
        snprintf(tmp, sizeof tmp, "C%07d", i + 1);
        memcpy(ids + a, tmp, 8);
        a += 8;
        id_off[i + 1] = (int64_t)a;
        snprintf(tmp, sizeof tmp, "K%05u", pick(&rng, 5000));
        memcpy(cust + b, tmp, 6);
        b += 6;
        cust_off[i + 1] = (int64_t)b;
        const char *r = reason_words[pick(&rng, 10)];
        memcpy(reas + c, r, strlen(r));
        c += strlen(r);
        reas_off[i + 1] = (int64_t)c;
        const char *ch = channel_words[pick(&rng, 4)];
        memcpy(chan + d, ch, strlen(ch));
        d += strlen(ch);
        chan_off[i + 1] = (int64_t)d;
        opened[i] = INT64_C(1704067200) + (int64_t)pick(&rng, 365 * 86400 - 200000);
        outcome[i] = pick(&rng, 20) == 0 ? SKPI_OUTCOME_OPEN : 1 + pick(&rng, 3);
        closed[i] = outcome[i] == SKPI_OUTCOME_OPEN ? SKPI_UNSET : opened[i] + pick(&rng, 172800);
        first[i] = pick(&rng, 5) == 0 ? SKPI_UNSET : opened[i] + pick(&rng, 7200);
        handle[i] = pick(&rng, 3601);
        tier[i] = pick(&rng, 3);
        esc[i] = pick(&rng, 4) == 0 ? 1 : 0;
        reopens[i] = pick(&rng, 10) == 0 ? 1 : 0;
        csat[i] = pick(&rng, 3) == 0 ? 1 + pick(&rng, 5) : SKPI_UNSET;
    }
    skpi_contact_columns cols = SKPI_COLUMNS_INIT;
    cols.id.bytes = ids;
    cols.id.offsets = id_off;
    cols.customer.bytes = cust;
    cols.customer.offsets = cust_off;
    cols.reason.bytes = reas;
    cols.reason.offsets = reas_off;
    cols.channel.bytes = chan;
    cols.channel.offsets = chan_off;
    cols.opened_at = opened;
    cols.first_response_at = first;
    cols.closed_at = closed;
    cols.handle_seconds = handle;
    cols.tier = tier;
    cols.escalations = esc;
    cols.reopens = reopens;
    cols.csat = csat;
    cols.outcome = outcome;

    /* memory grows with contacts: 1,000 first, then the rest */
    size_t empty = skpi_records_memory(rec);
    cols.count = 1000;
    ck_assert_int_eq(skpi_records_append_columns(rec, &cols), SKPI_OK);
    size_t some = skpi_records_memory(rec);
    ck_assert_uint_gt(some, empty);
    skpi_contact_columns rest = cols;
    rest.count = N - 1000;
    rest.id.offsets = id_off + 1000;
    rest.customer.offsets = cust_off + 1000;
    rest.reason.offsets = reas_off + 1000;
    rest.channel.offsets = chan_off + 1000;
    rest.opened_at += 1000;
    rest.first_response_at += 1000;
    rest.closed_at += 1000;
    rest.handle_seconds += 1000;
    rest.tier += 1000;
    rest.escalations += 1000;
    rest.reopens += 1000;
    rest.csat += 1000;
    rest.outcome += 1000;
    ck_assert_int_eq(skpi_records_append_columns(rec, &rest), SKPI_OK);
    ck_assert_uint_eq(skpi_records_count(rec), N);
    size_t all = skpi_records_memory(rec);
    ck_assert_uint_gt(all, some);
    double per = (double)all / N;
    fprintf(stderr, "records: %zu contacts hold %zu bytes: %.2f bytes/contact "
            "(1,000 contacts: %zu bytes)\n", (size_t)N, all, per, some);
    ck_assert_msg(per < 64.0, "%.2f bytes per contact, want < 64", per);

    /* and the data is right */
    skpi_contact got;
    ck_assert_int_eq(skpi_records_get(rec, N - 1, &got), SKPI_OK);
    ck_assert_str_eq(got.id, "C0100000");
    ck_assert_int_eq(got.opened_at, opened[N - 1]);
    ck_assert_int_eq(got.closed_at, closed[N - 1]);
    size_t at;
    ck_assert_int_eq(skpi_records_find(rec, "C0050000", &at), SKPI_OK);
    ck_assert_uint_eq(at, 49999);

    free(ids); free(cust); free(reas); free(chan);
    free(id_off); free(cust_off); free(reas_off); free(chan_off);
    free(opened); free(first); free(closed); free(handle); free(tier);
    free(esc); free(reopens); free(csat); free(outcome);
}
END_TEST

Suite *make_records_suite(void)
{
    Suite *s = suite_create("records");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, new_records_are_empty);
    tcase_add_test(core, outcome_names_round_trip);
    tcase_add_test(core, every_field_round_trips);
    tcase_add_test(core, defaults_apply_and_absent_reads_unset);
    tcase_add_test(core, dimensions_register_on_first_use);
    tcase_add_test(core, find_by_id);
    tcase_add_test(core, success_clears_the_error);
    tcase_add_test(core, small_columns_read_back);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("Limits");
    tcase_set_timeout(limits, 300);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, columns_equal_contacts);
    tcase_add_test(limits, memory_per_contact);
    suite_add_tcase(s, limits);

    TCase *errors = tcase_create("Errors");
    tcase_set_timeout(errors, 300);
    tcase_add_checked_fixture(errors, setup, teardown);
    int cases = (int)(sizeof bad_cases / sizeof bad_cases[0]);
    tcase_add_loop_test(errors, bad_contact_is_refused_and_changes_nothing, 0, cases);
    tcase_add_loop_test(errors, bad_last_of_batch_changes_nothing, 0, cases);
    tcase_add_test(errors, duplicate_inside_a_batch);
    tcase_add_test(errors, bad_dimension_names_are_refused);
    tcase_add_test(errors, null_arguments_are_refused);
    tcase_add_test(errors, decreasing_offsets_name_the_row);
    tcase_add_test(errors, negative_offsets_name_the_row);
    tcase_add_test(errors, bad_dimension_offsets_name_the_dimension);
    tcase_add_test(errors, duplicate_inside_columns_keeps_nothing);
    tcase_add_test(errors, duplicate_of_stored_id_in_columns);
    tcase_add_test(errors, bad_last_row_keeps_nothing);
    tcase_add_test(errors, bad_utf8_in_a_dimension_column);
    tcase_add_test(errors, missing_close_in_columns);
    tcase_add_test(errors, columns_without_closed_at_must_be_open);
    tcase_add_test(errors, bad_outcome_code_in_columns);
    tcase_add_test(errors, dimension_twice_in_columns);
    tcase_add_test(errors, contact_field_as_column_dimension);
    tcase_add_test(errors, columns_version_and_required);
    tcase_add_test(errors, empty_columns_with_bad_dimension);
    tcase_add_test(errors, failed_push_keeps_nothing_of_the_row);
    tcase_add_test(errors, new_under_failures);
    tcase_add_test(errors, add_under_failures);
    tcase_add_test(errors, add_dimension_under_failures);
    tcase_add_test(errors, add_batch_under_failures);
    tcase_add_test(errors, long_batch_under_failures);
    tcase_add_test(errors, expect_makes_room_and_changes_nothing);
    tcase_add_test(errors, bad_last_of_long_batch_changes_nothing);
    tcase_add_test(errors, append_columns_under_failures);
    suite_add_tcase(s, errors);
    return s;
}
