/* Breakdowns (SPEC §5, §6): every KPI worked by hand on a small set, grouping,
 * placement of chains, drill-down, bad options. */
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

#define H 3600
#define D 86400
#define B 1772323200     /* 2026-03-01T00:00Z */
#define M30 1774828800   /* 2026-03-30T00:00Z */
#define A02 1775088000   /* 2026-04-02T00:00Z */
#define P28 1777334400   /* 2026-04-28T00:00Z */
#define T 1777593600     /* 2026-05-01T00:00Z, the as-of time */

/*
 * The hand-worked set (record index, W = 7 days, T = 2026-05-01):
 *
 * #  id  cust reason   channel tier opened   resp  closed      outcome    esc reop csat
 * 0  a1  A    billing  chat    1    B        +60   B+1h        escalated  1   0    2
 * 1  a2  A    billing  voice   2    B+2h     +120  B+4h        resolved   0   0    5
 * 2  b1  B    shipping email   0    B+1d     -     +1800       resolved   0   0    4
 * 3  c1  C    shipping chat    1    B+2d     +30   +2h         resolved   0   1    3
 * 4  d1  D    billing  ""      1    B+3d     -     +600        abandoned  0   0    -
 * 5  e1  E    billing  chat    1    B+4d     +90   (open)      open       0   0    -
 * 6  f1  F    shipping chat    1    M30      -     +1h         escalated  1   0    -
 * 7  f2  F    shipping voice   2    A02      -     +1h         resolved   0   0    5
 * 8  g1  G    billing  chat    1    P28      -     +100        resolved   0   0    -
 *
 * Chains: A{a1,a2} resolved, B{b1} resolved, C{c1} resolved, D{d1} unresolved,
 * E{e1} open, F{f1,f2} resolved (f2 opens < 3 days after f1's close),
 * G{g1} pending (closed 3 days before T).
 */
static skpi_records *rec;
static skpi_chains *chains;

static void add(const char *id, const char *cust, const char *reason, const char *channel,
                int tier, int64_t opened, int64_t resp, int64_t closed, int outcome, int esc,
                int reopens, int csat)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = cust;
    c.reason = reason;
    c.channel = channel;
    c.tier = tier;
    c.opened_at = opened;
    c.first_response_at = resp < 0 ? SKPI_UNSET : opened + resp;
    c.closed_at = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET : opened + closed;
    c.outcome = outcome;
    c.escalations = esc;
    c.reopens = reopens;
    c.csat = csat ? csat : SKPI_UNSET;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
}

static void build_chains(int anchor)
{
    test_stitch(&chains, rec, T, anchor);
}

static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    add("a1", "A", "billing", "chat", 1, B, 60, H, SKPI_OUTCOME_ESCALATED, 1, 0, 2);
    add("a2", "A", "billing", "voice", 2, B + 2 * H, 120, 2 * H, SKPI_OUTCOME_RESOLVED, 0, 0, 5);
    add("b1", "B", "shipping", "email", 0, B + D, -1, 1800, SKPI_OUTCOME_RESOLVED, 0, 0, 4);
    add("c1", "C", "shipping", "chat", 1, B + 2 * D, 30, 2 * H, SKPI_OUTCOME_RESOLVED, 0, 1, 3);
    add("d1", "D", "billing", "", 1, B + 3 * D, -1, 600, SKPI_OUTCOME_ABANDONED, 0, 0, 0);
    add("e1", "E", "billing", "chat", 1, B + 4 * D, 90, 0, SKPI_OUTCOME_OPEN, 0, 0, 0);
    add("f1", "F", "shipping", "chat", 1, M30, -1, H, SKPI_OUTCOME_ESCALATED, 1, 0, 0);
    add("f2", "F", "shipping", "voice", 2, A02, -1, H, SKPI_OUTCOME_RESOLVED, 0, 0, 5);
    add("g1", "G", "billing", "chat", 1, P28, -1, 100, SKPI_OUTCOME_RESOLVED, 0, 0, 0);
    build_chains(SKPI_ANCHOR_FIRST);
}

static void teardown(void)
{
    test_free_handles(&rec, &chains, NULL);
}

static skpi_breakdown *make(const char *const *by, size_t n, int bucket, int view)
{
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = by;
    o.by_count = n;
    o.bucket = bucket;
    o.view = view;
    skpi_breakdown *b = NULL;
    skpi_error err;
    ck_assert_msg(skpi_breakdown_new(&b, chains, NULL, &o, &err) == SKPI_OK, "%s", err.message);
    return b;
}

#define NANO 1000000000LL

/* ---- Core ---- */

START_TEST(chain_statuses_as_worked)
{
    ck_assert_uint_eq(skpi_chains_count(chains), 7);
    static const int want[] = { SKPI_CHAIN_RESOLVED, SKPI_CHAIN_RESOLVED, SKPI_CHAIN_RESOLVED,
                                SKPI_CHAIN_UNRESOLVED, SKPI_CHAIN_OPEN, SKPI_CHAIN_RESOLVED,
                                SKPI_CHAIN_PENDING };
    for (size_t k = 0; k < 7; k++)
        ck_assert_int_eq(skpi_chain_get_status(chains, k), want[k]);
}
END_TEST

START_TEST(total_kpis_by_hand)
{
    skpi_breakdown *b = make(NULL, 0, 0, 0);
    const size_t t = SKPI_ROW_TOTAL;
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 1);
    ck_assert_uint_eq(skpi_breakdown_key_count(b), 0);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_CONTACTS), 9);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_CLOSED_CONTACTS), 8);     /* all but e1 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_ESCALATED_CONTACTS), 2);  /* a1, f1 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_REPEAT_CONTACTS), 2);     /* a2, f2 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_REOPENED_CONTACTS), 1);   /* c1 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_RESOLVED_CHAINS), 4);     /* A B C F */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_UNRESOLVED_CHAINS), 1);   /* D */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_SETTLED_CHAINS), 5);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_OPEN_CHAINS), 1);         /* E */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_PENDING_CHAINS), 1);      /* G */
    /* FCR: B only (C was reopened, A and F have two contacts) / 5 settled */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_FCR), NANO / 5);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_REOPEN_RATE), 125000000);  /* 1/8 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_ESCALATION_RATE), 250000000); /* 2/8 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_CHAIN_ESCALATION_RATE), 400000000); /* A F / 5 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_REPEAT_RATE), 222222222);  /* 2/9 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_AUTOMATION_RATE), 250000000); /* B / 4 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_CSAT), 600000000);         /* a2 b1 f2 of 5 rated */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_CONTACTS_PER_RESOLUTION), 1500000000); /* 6/4 */
    /* resolution times: A 14400, B 1800, C 7200, F 3d+1h = 262800; sum 286200 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_RESOLUTION_TIME_MEAN), 71550 * NANO);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_RESOLUTION_TIME_MEDIAN), 7200);  /* rank 2 of 4 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_RESOLUTION_TIME_P90), 262800);   /* rank 4 */
    /* time to close: 3600 7200 1800 7200 600 3600 3600 100: sum 27700 / 8 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_TIME_TO_CLOSE_MEAN), 3462500000000LL);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_TIME_TO_CLOSE_MEDIAN), 3600);    /* rank 4 of 8 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_TIME_TO_CLOSE_P90), 7200);       /* rank 8 */
    /* first response: 60 120 30 90 (e1 is open but has one): mean 75 */
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_FIRST_RESPONSE_MEAN), 75 * NANO);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_FIRST_RESPONSE_MEDIAN), 60);
    ck_assert_int_eq(test_kpi(b, t, SKPI_KPI_FIRST_RESPONSE_P90), 120);
    /* no ledger: money absent */
    test_kpi_absent(b, t, SKPI_KPI_COST);
    test_kpi_absent(b, t, SKPI_KPI_CPT);
    test_kpi_absent(b, t, SKPI_KPI_CPR);
    /* the single row equals the total, except the total-only counts */
    for (int k = 0; k < skpi_kpi_count(); k++) {
        if (k == SKPI_KPI_OPEN_CHAINS || k == SKPI_KPI_PENDING_CHAINS) {
            test_kpi_absent(b, 0, k);
            continue;
        }
        int64_t v0 = -1, v1 = -1;
        int r0 = skpi_breakdown_get(b, 0, k, &v0), r1 = skpi_breakdown_get(b, t, k, &v1);
        ck_assert_int_eq(r0, r1);
        ck_assert_int_eq(v0, v1);
    }
    char buf[48];
    ck_assert_int_eq(skpi_breakdown_text(b, t, SKPI_KPI_FCR, buf, sizeof buf), SKPI_OK);
    ck_assert_str_eq(buf, "0.2");
    ck_assert_uint_eq(skpi_breakdown_row_contact_count(b, t), 9);
    ck_assert_uint_eq(skpi_breakdown_row_chain_count(b, 0), 5);
    int64_t v;
    ck_assert_int_eq(skpi_breakdown_get(b, 1, SKPI_KPI_CONTACTS, &v), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi_breakdown_get(b, t, skpi_kpi_count(), &v), SKPI_ENOTFOUND);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(provisional_counts_pending_resolved)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.as_of = T;
    o.provisional = 1;
    skpi_chains_free(chains);
    ck_assert_int_eq(skpi_chains_new(&chains, rec, &o, NULL), SKPI_OK);
    skpi_breakdown *b = make(NULL, 0, 0, 0);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_RESOLVED_CHAINS), 5);  /* + G */
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_PENDING_CHAINS), 0);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_FCR), 333333333);    /* B G / 6 */
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(by_channel)
{
    static const char *const by[] = { "channel" };
    skpi_breakdown *b = make(by, 1, 0, 0);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 4);
    ck_assert_uint_eq(skpi_breakdown_key_count(b), 1);
    ck_assert_str_eq(skpi_breakdown_key_name(b, 0), "channel");
    ck_assert_ptr_null(skpi_breakdown_key_value(b, 0, 0));
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 0), "chat");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 2, 0), "email");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 3, 0), "voice");
    /* rows: NULL{d1; D}, chat{a1 c1 e1 f1 g1; A C F}, email{b1; B}, voice{a2 f2; -} */
    static const int64_t contacts[] = { 1, 5, 1, 2 }, closed[] = { 1, 4, 1, 2 },
                         resolved[] = { 0, 3, 1, 0 }, unresolved[] = { 1, 0, 0, 0 },
                         repeats[] = { 0, 0, 0, 2 };
    int64_t sum[5] = { 0, 0, 0, 0, 0 };
    for (size_t r = 0; r < 4; r++) {
        ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_CONTACTS), contacts[r]);
        ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_CLOSED_CONTACTS), closed[r]);
        ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_RESOLVED_CHAINS), resolved[r]);
        ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_UNRESOLVED_CHAINS), unresolved[r]);
        ck_assert_int_eq(test_kpi(b, r, SKPI_KPI_REPEAT_CONTACTS), repeats[r]);
        test_kpi_absent(b, r, SKPI_KPI_OPEN_CHAINS);
        test_kpi_absent(b, r, SKPI_KPI_PENDING_CHAINS);
        sum[0] += test_kpi(b, r, SKPI_KPI_CONTACTS);
        sum[1] += test_kpi(b, r, SKPI_KPI_CLOSED_CONTACTS);
        sum[2] += test_kpi(b, r, SKPI_KPI_RESOLVED_CHAINS);
        sum[3] += test_kpi(b, r, SKPI_KPI_UNRESOLVED_CHAINS);
        sum[4] += test_kpi(b, r, SKPI_KPI_REPEAT_CONTACTS);
    }
    ck_assert_int_eq(sum[0], test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CONTACTS));
    ck_assert_int_eq(sum[1], test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CLOSED_CONTACTS));
    ck_assert_int_eq(sum[2], test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_RESOLVED_CHAINS));
    ck_assert_int_eq(sum[3], test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_UNRESOLVED_CHAINS));
    ck_assert_int_eq(sum[4], test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_REPEAT_CONTACTS));
    /* denominators 0 -> absent, never 0 */
    test_kpi_absent(b, 0, SKPI_KPI_CONTACTS_PER_RESOLUTION); /* NULL row: no resolved chain */
    test_kpi_absent(b, 0, SKPI_KPI_AUTOMATION_RATE);
    test_kpi_absent(b, 0, SKPI_KPI_RESOLUTION_TIME_MEAN);
    test_kpi_absent(b, 0, SKPI_KPI_RESOLUTION_TIME_MEDIAN);
    test_kpi_absent(b, 0, SKPI_KPI_CSAT);                    /* d1 has no csat */
    test_kpi_absent(b, 2, SKPI_KPI_FIRST_RESPONSE_MEAN);     /* b1 has no first response */
    test_kpi_absent(b, 2, SKPI_KPI_FIRST_RESPONSE_P90);
    test_kpi_absent(b, 3, SKPI_KPI_FCR);                     /* voice: no chain placed */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_FCR), 0);   /* 0 of 1 settled: a real 0 */
    /* chat row: chains A C F, measured whole: resolution 14400 7200 262800 */
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLUTION_TIME_MEAN), 94800 * NANO);
    /* 5/3, half-even */
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS_PER_RESOLUTION), 1666666667);
    /* drill-down: the chat row's contacts in record order */
    static const size_t chat[] = { 0, 3, 5, 6, 8 };
    ck_assert_uint_eq(skpi_breakdown_row_contact_count(b, 1), 5);
    for (size_t k = 0; k < 5; k++)
        ck_assert_uint_eq(skpi_breakdown_row_contact(b, 1, k), chat[k]);
    ck_assert_uint_eq(skpi_breakdown_row_contact(b, 1, 5), SIZE_MAX);
    ck_assert_uint_eq(skpi_breakdown_row_contact(b, 3, 0), 1);
    ck_assert_uint_eq(skpi_breakdown_row_contact(b, 3, 1), 7);
    ck_assert_uint_eq(skpi_breakdown_row_chain_count(b, 1), 3);
    ck_assert_uint_eq(skpi_breakdown_row_chain(b, 1, 0), 0); /* A */
    ck_assert_uint_eq(skpi_breakdown_row_chain(b, 1, 1), 2); /* C */
    ck_assert_uint_eq(skpi_breakdown_row_chain(b, 1, 2), 5); /* F */
    ck_assert_uint_eq(skpi_breakdown_row_chain(b, 1, 3), SIZE_MAX);
    ck_assert_uint_eq(skpi_breakdown_row_chain_count(b, 3), 0);
    ck_assert_uint_eq(skpi_breakdown_row_contact_count(b, SKPI_ROW_TOTAL), 9);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(by_tier_first_and_last_anchor)
{
    static const char *const by[] = { "tier" };
    skpi_breakdown *b = make(by, 1, 0, 0);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 3);
    ck_assert_str_eq(skpi_breakdown_key_value(b, 0, 0), "0");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 0), "1");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 2, 0), "2");
    /* first anchor: A and F (resolved at tier 2) count under tier 1 */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CONTACTS), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS), 6);
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_CONTACTS), 2);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_RESOLVED_CHAINS), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLVED_CHAINS), 3);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_UNRESOLVED_CHAINS), 1);
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_RESOLVED_CHAINS), 0);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_AUTOMATION_RATE), NANO);
    skpi_breakdown_free(b);

    build_chains(SKPI_ANCHOR_LAST);
    b = make(by, 1, 0, 0);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 3);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS), 6); /* contacts never move */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_RESOLVED_CHAINS), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLVED_CHAINS), 1); /* C */
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_UNRESOLVED_CHAINS), 1); /* D */
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_RESOLVED_CHAINS), 2); /* A F */
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_CHAIN_ESCALATION_RATE), NANO);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(by_month_period_and_cohort)
{
    skpi_breakdown *b = make(NULL, 0, SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 2);
    ck_assert_uint_eq(skpi_breakdown_key_count(b), 1);
    ck_assert_str_eq(skpi_breakdown_key_name(b, 0), "month");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 0, 0), "2026-03");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 0), "2026-04");
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CONTACTS), 7);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS), 2); /* f2 g1 */
    /* period: F's latest close is in April */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_RESOLVED_CHAINS), 3);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_UNRESOLVED_CHAINS), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLVED_CHAINS), 1);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS_PER_RESOLUTION), 2 * NANO); /* F whole */
    skpi_breakdown_free(b);

    b = make(NULL, 0, SKPI_BUCKET_MONTH, SKPI_VIEW_COHORT);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 2);
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_CONTACTS), 7);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_CONTACTS), 2);
    /* cohort: F's first contact opened in March */
    ck_assert_int_eq(test_kpi(b, 0, SKPI_KPI_RESOLVED_CHAINS), 4);
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLVED_CHAINS), 0);
    test_kpi_absent(b, 1, SKPI_KPI_FCR);
    skpi_breakdown_free(b);

    /* channel then bucket: the bucket is the last key column */
    static const char *const by[] = { "channel" };
    b = make(by, 1, SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD);
    ck_assert_uint_eq(skpi_breakdown_key_count(b), 2);
    ck_assert_str_eq(skpi_breakdown_key_name(b, 1), "month");
    /* NULL/03 chat/03 chat/04 email/03 voice/03 voice/04 */
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 6);
    ck_assert_str_eq(skpi_breakdown_key_value(b, 2, 0), "chat");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 2, 1), "2026-04");
    /* chat/04: g1 and chain F (anchored at f1, chat; closed in April) */
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_CONTACTS), 1);
    ck_assert_int_eq(test_kpi(b, 2, SKPI_KPI_RESOLVED_CHAINS), 1);
    skpi_breakdown_free(b);
}
END_TEST

START_TEST(week_labels_and_dimensions)
{
    skpi_records *r = NULL;
    skpi_chains *c = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    static const char *const names[] = { "region" };
    static const char *const eu[] = { "eu" };
    static const char *const none[] = { "" };
    skpi_contact x = SKPI_CONTACT_INIT;
    x.id = "w9";
    x.opened_at = B; /* Sunday 2026-03-01: ISO week 9 */
    x.closed_at = B + 10;
    x.outcome = SKPI_OUTCOME_RESOLVED;
    x.dimension_count = 1;
    x.dimension_names = names;
    x.dimension_values = eu;
    ck_assert_int_eq(skpi_records_add(r, &x), SKPI_OK);
    x.id = "w53";
    x.opened_at = 1798761600; /* Friday 2027-01-01: ISO week 2026-W53 */
    x.closed_at = x.opened_at + 10;
    x.dimension_values = none;
    ck_assert_int_eq(skpi_records_add(r, &x), SKPI_OK);
    ck_assert_int_eq(skpi_chains_new(&c, r, NULL, NULL), SKPI_OK);
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    static const char *const by[] = { "region" };
    o.by = by;
    o.by_count = 1;
    o.bucket = SKPI_BUCKET_WEEK;
    skpi_breakdown *b = NULL;
    ck_assert_int_eq(skpi_breakdown_new(&b, c, NULL, &o, NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 2);
    ck_assert_str_eq(skpi_breakdown_key_name(b, 0), "region");
    ck_assert_str_eq(skpi_breakdown_key_name(b, 1), "week");
    ck_assert_ptr_null(skpi_breakdown_key_value(b, 0, 0));
    ck_assert_str_eq(skpi_breakdown_key_value(b, 0, 1), "2026-W53");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 0), "eu");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 1), "2026-W09");
    ck_assert_uint_eq(skpi_breakdown_row_contact(b, 0, 0), 1);
    skpi_breakdown_free(b);
    skpi_chains_free(c);
    skpi_records_free(r);
}
END_TEST

START_TEST(by_outcome_and_reason)
{
    static const char *const by[] = { "reason", "outcome" };
    skpi_breakdown *b = make(by, 2, 0, 0);
    /* billing: abandoned d1, escalated a1, open e1, resolved a2 g1;
     * shipping: escalated f1, resolved b1 c1 f2 */
    ck_assert_uint_eq(skpi_breakdown_row_count(b), 6);
    ck_assert_str_eq(skpi_breakdown_key_value(b, 0, 0), "billing");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 0, 1), "abandoned");
    ck_assert_str_eq(skpi_breakdown_key_value(b, 3, 1), "resolved");
    ck_assert_int_eq(test_kpi(b, 3, SKPI_KPI_CONTACTS), 2);
    ck_assert_str_eq(skpi_breakdown_key_value(b, 5, 0), "shipping");
    ck_assert_int_eq(test_kpi(b, 5, SKPI_KPI_CONTACTS), 3);
    /* chains by their first contact's outcome: billing/escalated holds A */
    ck_assert_str_eq(skpi_breakdown_key_value(b, 1, 1), "escalated");
    ck_assert_int_eq(test_kpi(b, 1, SKPI_KPI_RESOLVED_CHAINS), 1);
    skpi_breakdown_free(b);
}
END_TEST

/* ---- Errors ---- */

static void expect_bad(const char *const *by, size_t n, int bucket, int view, const char *word)
{
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = by;
    o.by_count = n;
    o.bucket = bucket;
    o.view = view;
    skpi_breakdown *b = (skpi_breakdown *)&o;
    skpi_error err;
    ck_assert_int_eq(skpi_breakdown_new(&b, chains, NULL, &o, &err), SKPI_EINVAL);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_msg(strstr(err.message, word) != NULL, "'%s' lacks %s", err.message, word);
}

START_TEST(bad_options)
{
    static const char *const customer[] = { "customer" };
    static const char *const nope[] = { "nope" };
    static const char *const id[] = { "id" };
    static const char *const twice[] = { "channel", "reason", "channel" };
    expect_bad(customer, 1, 0, 0, "customer");
    expect_bad(nope, 1, 0, 0, "nope");
    expect_bad(id, 1, 0, 0, "id");
    expect_bad(twice, 3, 0, 0, "channel");
    expect_bad(NULL, 0, 9, 0, "bucket");
    expect_bad(NULL, 0, -1, 0, "bucket");
    expect_bad(NULL, 0, 0, 2, "view");
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.version = 99;
    skpi_breakdown *b = (skpi_breakdown *)&o;
    ck_assert_int_eq(skpi_breakdown_new(&b, chains, NULL, &o, NULL), SKPI_EINVAL);
    ck_assert_ptr_null(b);
}
END_TEST

START_TEST(empty_records_one_row)
{
    skpi_records *r = NULL;
    skpi_chains *c = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    ck_assert_int_eq(skpi_chains_new(&c, r, NULL, NULL), SKPI_OK);
    skpi_breakdown *b = NULL;
    ck_assert_int_eq(skpi_breakdown_new(&b, c, NULL, NULL, NULL), SKPI_OK);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CONTACTS), 0);
    test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_FCR);
    test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_REPEAT_RATE);
    test_kpi_absent(b, SKPI_ROW_TOTAL, SKPI_KPI_TIME_TO_CLOSE_MEDIAN);
    skpi_breakdown_free(b);
    skpi_chains_free(c);
    skpi_records_free(r);
}
END_TEST

/* ---- Threads: options.threads = 2 ---- */

typedef struct grouping {
    const char *by[2];
    size_t by_count;
    int bucket;
    int view;
} grouping;

/* The last two need the dimensions of the random contacts. */
static const grouping groupings[] = {
    { { NULL, NULL }, 0, SKPI_BUCKET_NONE, SKPI_VIEW_PERIOD },
    { { "channel", "outcome" }, 2, SKPI_BUCKET_NONE, SKPI_VIEW_PERIOD },
    { { "tier", NULL }, 1, SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD },
    { { "channel", "region" }, 2, SKPI_BUCKET_NONE, SKPI_VIEW_PERIOD },
    { { "reason", "product" }, 2, SKPI_BUCKET_WEEK, SKPI_VIEW_COHORT },
};

enum { WITHOUT_DIMENSIONS = 3 };

static int break_down(skpi_breakdown **b, const skpi_chains *c, const skpi_ledger *l,
                      const grouping *g, unsigned threads, skpi_error *err)
{
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = g->by;
    o.by_count = g->by_count;
    o.bucket = g->bucket;
    o.view = g->view;
    o.threads = threads;
    return skpi_breakdown_new(b, c, l, &o, err);
}

/* The JSON report and the contacts and chains behind every row. */
static char *breakdown_text(const skpi_breakdown *b)
{
    char *json = test_breakdown_json(b, SKPI_UNSET);
    test_text t = { NULL, 0, 0 };
    test_text_put(&t, json, strlen(json));
    free(json);
    for (size_t r = 0; r <= skpi_breakdown_row_count(b); r++) {
        size_t row = r < skpi_breakdown_row_count(b) ? r : SKPI_ROW_TOTAL;
        test_text_put_str(&t, "row");
        for (size_t k = 0; k < skpi_breakdown_row_contact_count(b, row); k++)
            test_text_put_int(&t, (int64_t)skpi_breakdown_row_contact(b, row, k));
        test_text_put_str(&t, "chains");
        for (size_t k = 0; k < skpi_breakdown_row_chain_count(b, row); k++)
            test_text_put_int(&t, (int64_t)skpi_breakdown_row_chain(b, row, k));
    }
    return t.p;
}

/* Every grouping of `c`, with and without ledger `l`, with one thread and
 * with 2 and 3 (as 2): the same JSON bytes, the same rows behind them. */
static void require_threads_agree(const skpi_chains *c, const skpi_ledger *l)
{
    size_t d;
    bool dimensions = skpi_records_dimension_index(skpi_chains_records(c), "region", &d) == SKPI_OK
                      && skpi_records_dimension_index(skpi_chains_records(c), "product", &d)
                             == SKPI_OK;
    size_t count = dimensions ? sizeof groupings / sizeof groupings[0] : WITHOUT_DIMENSIONS;
    for (size_t g = 0; g < count; g++) {
        for (int costed = 0; costed < 2; costed++) {
            skpi_breakdown *one = NULL;
            skpi_error err;
            ck_assert_msg(break_down(&one, c, costed ? l : NULL, &groupings[g], 1, &err) == SKPI_OK,
                          "%s", err.message);
            char *want = breakdown_text(one);
            for (unsigned threads = 2; threads <= 3; threads++) {
                skpi_breakdown *two = NULL;
                ck_assert_int_eq(break_down(&two, c, costed ? l : NULL, &groupings[g], threads,
                                            &err), SKPI_OK);
                char *got = breakdown_text(two);
                ck_assert_msg(strcmp(want, got) == 0, "grouping %zu, ledger %d, %u threads", g,
                              costed, threads);
                free(got);
                skpi_breakdown_free(two);
            }
            free(want);
            skpi_breakdown_free(one);
        }
    }
}

/* Random contacts and ledgers, from none to enough that each thread keys,
 * tallies and gathers thousands, odd counts among them. */
START_TEST(two_threads_break_down_what_one_does)
{
    static const size_t sizes[] = { 0, 1, 2, 3, 7, 301, 4097, 20001 };
    size_t n = sizes[_i];
    skpi_records *r = NULL;
    skpi_chains *c = NULL;
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    test_add_random_contacts(r, n, 500 + n, B);
    test_stitch(&c, r, SKPI_UNSET, SKPI_ANCHOR_FIRST);
    ck_assert_int_eq(skpi_ledger_new(&l, "EUR", NULL), SKPI_OK);
    test_random_ledger(l, 3 + n, 40, B);
    require_threads_agree(c, l);
    test_free_handles(&r, &c, &l);
}
END_TEST

/* A failure of the allocation (a missing rate) is reported as with one
 * thread, while the other thread computes the percentiles. */
START_TEST(two_threads_report_the_same_failure)
{
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_ledger_new(&l, "EUR", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_set_rate(l, 1, 100), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(l, SKPI_CATEGORY_OTHER, 10, B, T,
                                           SKPI_DRIVER_TIER_WEIGHTED, NULL, 0, NULL, NULL),
                     SKPI_OK);
    for (size_t g = 0; g < WITHOUT_DIMENSIONS; g++) {
        skpi_error one, two;
        skpi_breakdown *b = NULL;
        ck_assert_int_eq(break_down(&b, chains, l, &groupings[g], 1, &one), SKPI_ENOTFOUND);
        b = (skpi_breakdown *)&b;
        ck_assert_int_eq(break_down(&b, chains, l, &groupings[g], 2, &two), SKPI_ENOTFOUND);
        ck_assert_ptr_null(b);
        ck_assert_int_eq(two.code, SKPI_ENOTFOUND);
        ck_assert_str_eq(one.message, two.message);
    }
    skpi_ledger_free(l);
}
END_TEST

/* Version 1 options (without `threads`) still break down; another version
 * is refused. */
START_TEST(options_versions)
{
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.version = 1;
    o.threads = 12345;   /* a version-1 caller has no such member: never read */
    skpi_breakdown *b = NULL;
    ck_assert_int_eq(skpi_breakdown_new(&b, chains, NULL, &o, NULL), SKPI_OK);
    ck_assert_int_eq(test_kpi(b, SKPI_ROW_TOTAL, SKPI_KPI_CONTACTS), 9);
    skpi_breakdown_free(b);
    for (unsigned version = 0; version < 5; version += 3) {
        o.version = version;
        skpi_error err;
        b = (skpi_breakdown *)&b;
        ck_assert_int_eq(skpi_breakdown_new(&b, chains, NULL, &o, &err), SKPI_EINVAL);
        ck_assert_ptr_null(b);
        char want[32];
        snprintf(want, sizeof want, "version %u", version);
        ck_assert_ptr_nonnull(strstr(err.message, want));
    }
}
END_TEST

/* Allocation N fails, on whichever thread makes it: SKPI_ENOMEM, nothing
 * kept; then the result of one thread. */
START_TEST(two_threads_under_failures)
{
    test_alloc_start(-1);
    skpi_records *r = NULL;
    skpi_chains *c = NULL;
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    test_add_random_contacts(r, 301, 11, B);
    test_stitch(&c, r, SKPI_UNSET, SKPI_ANCHOR_FIRST);
    ck_assert_int_eq(skpi_ledger_new(&l, "EUR", NULL), SKPI_OK);
    test_random_ledger(l, 12, 20, B);
    const grouping *g = &groupings[3];
    skpi_breakdown *b = NULL;
    ck_assert_int_eq(break_down(&b, c, l, g, 1, NULL), SKPI_OK);
    char *want = breakdown_text(b);
    skpi_breakdown_free(b);
    long failures = 0;
    for (long n = 0;; n++) {
        ck_assert_int_lt(n, 100000);
        long live = test_alloc_live_total();
        skpi_error err;
        b = (skpi_breakdown *)&b;
        test_alloc_rearm(n);
        int rc = break_down(&b, c, l, g, 2, &err);
        test_alloc_rearm(-1);
        if (rc == SKPI_OK) {
            char *got = breakdown_text(b);
            ck_assert_str_eq(got, want);
            free(got);
            skpi_breakdown_free(b);
            ck_assert_int_eq(test_alloc_live_total(), live);
            break;
        }
        failures++;
        TEST_REQUIRE(rc == SKPI_ENOMEM && err.code == SKPI_ENOMEM && b == NULL);
        TEST_REQUIRE(test_alloc_live_total() == live);
    }
    ck_assert_int_gt(failures, 10);
    free(want);
    test_free_handles(&r, &c, &l);
    ck_assert_int_eq(test_alloc_live_total(), 0);
    test_alloc_restore();
}
END_TEST

Suite *make_breakdown_suite(void)
{
    Suite *s = suite_create("breakdown");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, chain_statuses_as_worked);
    tcase_add_test(core, total_kpis_by_hand);
    tcase_add_test(core, provisional_counts_pending_resolved);
    tcase_add_test(core, by_channel);
    tcase_add_test(core, by_tier_first_and_last_anchor);
    tcase_add_test(core, by_month_period_and_cohort);
    tcase_add_test(core, by_outcome_and_reason);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, empty_records_one_row);
    tcase_add_test(limits, week_labels_and_dimensions);
    suite_add_tcase(s, limits);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, bad_options);
    tcase_add_test(errors, options_versions);
    suite_add_tcase(s, errors);

    TCase *threads = tcase_create("Threads");
    tcase_add_checked_fixture(threads, setup, teardown);
    tcase_add_loop_test(threads, two_threads_break_down_what_one_does, 0, 8);
    tcase_add_test(threads, two_threads_report_the_same_failure);
    tcase_add_test(threads, two_threads_under_failures);
    tcase_set_timeout(threads, 120);
    suite_add_tcase(s, threads);
    return s;
}
