/* Resolution chains (SPEC §3): stitching, window, status, order independence,
 * incremental update. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sort.h"
#include "supportkpi.h"
#include "suites.h"
#include "testdata.h"
#include "testutil.h"

#define DAY 86400
#define W SKPI_WINDOW_DEFAULT

static skpi_records *rec;

static void setup(void)
{
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
}

static void teardown(void)
{
    test_free_handles(&rec, NULL, NULL);
}

/* closed < 0 means open. */
static void add(skpi_records *r, const char *id, const char *customer, const char *reason,
                const char *channel, int64_t opened, int64_t closed, int outcome)
{
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = id;
    c.customer = customer;
    c.reason = reason;
    c.channel = channel;
    c.opened_at = opened;
    c.closed_at = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET : closed;
    c.outcome = outcome;
    ck_assert_int_eq(skpi_records_add(r, &c), SKPI_OK);
}

/* Chains of r with options o; they must build. */
static skpi_chains *build_from(const skpi_records *r, const skpi_chain_options *o)
{
    skpi_chains *ch = NULL;
    ck_assert_int_eq(skpi_chains_new(&ch, r, o, NULL), SKPI_OK);
    ck_assert_ptr_nonnull(ch);
    return ch;
}

static skpi_chains *build(const skpi_records *r, int64_t as_of, int provisional)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.as_of = as_of;
    o.provisional = provisional;
    return build_from(r, &o);
}

static size_t idx(const skpi_records *r, const char *id)
{
    size_t i = SIZE_MAX;
    ck_assert_int_eq(skpi_records_find(r, id, &i), SKPI_OK);
    return i;
}

static size_t position_of(const skpi_chains *ch, const char *id)
{
    size_t chain, pos;
    ck_assert_int_eq(skpi_chains_find_contact(ch, idx(skpi_chains_records(ch), id), &chain, &pos),
                     SKPI_OK);
    return pos;
}

static size_t chain_of(const skpi_chains *ch, const char *id)
{
    size_t chain, pos;
    ck_assert_int_eq(skpi_chains_find_contact(ch, idx(skpi_chains_records(ch), id), &chain, &pos),
                     SKPI_OK);
    return chain;
}

static const char *contact_id(const skpi_chains *ch, size_t chain, size_t k)
{
    skpi_contact c;
    size_t i = skpi_chain_contact(ch, chain, k);
    ck_assert_uint_ne(i, SIZE_MAX);
    ck_assert_int_eq(skpi_records_get(skpi_chains_records(ch), i, &c), SKPI_OK);
    return c.id;
}

/* ---- Core ---- */

START_TEST(window_is_inclusive)
{
    /* a closed at 1000; b opens at 1000 + W: joins.  c (other reason) closes
     * at 1000, d opens at 1000 + W + 1: new chain. */
    add(rec, "a", "cu", "r1", "chat", 0, 1000, SKPI_OUTCOME_ESCALATED);
    add(rec, "b", "cu", "r1", "chat", 1000 + W, 1000 + W + 10, SKPI_OUTCOME_RESOLVED);
    add(rec, "c", "cu", "r2", "chat", 0, 1000, SKPI_OUTCOME_ESCALATED);
    add(rec, "d", "cu", "r2", "chat", 1000 + W + 1, 1000 + W + 10, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 3);
    ck_assert_uint_eq(chain_of(ch, "a"), chain_of(ch, "b"));
    ck_assert_uint_eq(position_of(ch, "b"), 1);
    ck_assert_uint_ne(chain_of(ch, "c"), chain_of(ch, "d"));
    ck_assert_uint_eq(position_of(ch, "d"), 0);
    ck_assert_uint_eq(skpi_chain_size(ch, chain_of(ch, "a")), 2);
    ck_assert_uint_eq(skpi_chain_size(ch, chain_of(ch, "d")), 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, chain_of(ch, "c")), SKPI_CHAIN_UNRESOLVED);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(open_contact_keeps_chain_open)
{
    add(rec, "a", "cu", "r", "chat", 0, 0, SKPI_OUTCOME_OPEN);
    add(rec, "b", "cu", "r", "email", 100 * DAY, 100 * DAY + 5, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 1);
    ck_assert_uint_eq(skpi_chain_size(ch, 0), 2);
    ck_assert_uint_eq(position_of(ch, "b"), 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, 0), SKPI_CHAIN_OPEN);
    ck_assert_int_eq(skpi_chain_latest_close(ch, 0), 100 * DAY + 5);
    ck_assert_int_eq(skpi_chain_first_opened(ch, 0), 0);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(pending_until_window_passes)
{
    const int64_t lc = 5000;
    add(rec, "r", "c1", "x", "chat", 0, lc, SKPI_OUTCOME_RESOLVED);
    add(rec, "e", "c2", "x", "chat", 0, lc, SKPI_OUTCOME_ESCALATED);
    add(rec, "b", "c3", "x", "chat", 0, lc, SKPI_OUTCOME_ABANDONED);
    size_t r = 0, e = 0, b = 0;
    skpi_chains *ch = build(rec, lc + W - 1, 0);
    r = chain_of(ch, "r");
    e = chain_of(ch, "e");
    b = chain_of(ch, "b");
    ck_assert_int_eq(skpi_chain_get_status(ch, r), SKPI_CHAIN_PENDING);
    ck_assert_int_eq(skpi_chain_get_status(ch, e), SKPI_CHAIN_PENDING);
    ck_assert_int_eq(skpi_chain_get_status(ch, b), SKPI_CHAIN_PENDING);
    ck_assert_int_eq(skpi_chain_is_provisional(ch, r), 0);
    skpi_chains_free(ch);

    ch = build(rec, lc + W, 0);
    ck_assert_int_eq(skpi_chain_get_status(ch, r), SKPI_CHAIN_RESOLVED);
    ck_assert_int_eq(skpi_chain_get_status(ch, e), SKPI_CHAIN_UNRESOLVED);
    ck_assert_int_eq(skpi_chain_get_status(ch, b), SKPI_CHAIN_UNRESOLVED);
    ck_assert_int_eq(skpi_chain_is_provisional(ch, r), 0);
    skpi_chains_free(ch);

    ch = build(rec, lc + W - 1, 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, r), SKPI_CHAIN_RESOLVED);
    ck_assert_int_eq(skpi_chain_is_provisional(ch, r), 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, e), SKPI_CHAIN_PENDING);
    ck_assert_int_eq(skpi_chain_is_provisional(ch, e), 0);
    ck_assert_int_eq(skpi_chain_get_status(ch, b), SKPI_CHAIN_PENDING);
    skpi_chains_free(ch);

    /* provisional mode changes nothing once settled */
    ch = build(rec, lc + W, 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, r), SKPI_CHAIN_RESOLVED);
    ck_assert_int_eq(skpi_chain_is_provisional(ch, r), 0);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(empty_customer_is_alone)
{
    add(rec, "a", "", "r", "chat", 0, 10, SKPI_OUTCOME_ESCALATED);
    add(rec, "b", NULL, "r", "chat", 20, 30, SKPI_OUTCOME_RESOLVED);
    add(rec, "c", "", "r", "chat", 20, 30, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 3);
    ck_assert_uint_eq(position_of(ch, "a"), 0);
    ck_assert_uint_eq(position_of(ch, "b"), 0);
    ck_assert_uint_eq(position_of(ch, "c"), 0);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(empty_reason_still_stitches)
{
    add(rec, "a", "cu", "", "chat", 0, 10, SKPI_OUTCOME_ESCALATED);
    add(rec, "b", "cu", NULL, "chat", 20, 30, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 1);
    ck_assert_uint_eq(position_of(ch, "b"), 1);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(cross_channel_chain)
{
    add(rec, "a", "cu", "r", "chat", 0, 10, SKPI_OUTCOME_ESCALATED);
    add(rec, "b", "cu", "r", "voice", 20, 30, SKPI_OUTCOME_ESCALATED);
    add(rec, "c", "cu", "r", "chat", 40, 50, SKPI_OUTCOME_ESCALATED);
    add(rec, "d", "cu", "r", "", 60, 70, SKPI_OUTCOME_ESCALATED);
    add(rec, "e", "cu", "r", "email", 80, 90, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, 90 + W, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 1);
    ck_assert_uint_eq(skpi_chain_channel_count(ch, 0), 4);
    ck_assert_str_eq(skpi_chain_channel(ch, 0, 0), "chat");
    ck_assert_str_eq(skpi_chain_channel(ch, 0, 1), "voice");
    ck_assert_str_eq(skpi_chain_channel(ch, 0, 2), "");
    ck_assert_str_eq(skpi_chain_channel(ch, 0, 3), "email");
    ck_assert_ptr_null(skpi_chain_channel(ch, 0, 4));
    ck_assert_int_eq(skpi_chain_get_status(ch, 0), SKPI_CHAIN_RESOLVED);
    ck_assert_str_eq(contact_id(ch, 0, 4), "e");
    skpi_chains_free(ch);
}
END_TEST

START_TEST(spec_example_day9)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = 7 * DAY;
    add(rec, "d0", "cu", "r", "chat", 0, 3600, SKPI_OUTCOME_ESCALATED);
    add(rec, "d9", "cu", "r", "chat", 9 * DAY, 9 * DAY + 3600, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = NULL;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_chains_count(ch), 2);
    ck_assert_uint_eq(chain_of(ch, "d0"), 0);
    ck_assert_uint_eq(chain_of(ch, "d9"), 1);
    ck_assert_int_eq(skpi_chain_get_status(ch, 0), SKPI_CHAIN_UNRESOLVED);
    ck_assert_int_eq(skpi_chain_get_status(ch, 1), SKPI_CHAIN_PENDING);
    ck_assert_uint_eq(position_of(ch, "d9"), 0);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(ties_order_by_id_bytewise)
{
    add(rec, "c9", "cu", "r", "chat", 100, 200, SKPI_OUTCOME_RESOLVED);
    add(rec, "c10", "cu", "r", "voice", 100, 150, SKPI_OUTCOME_ESCALATED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 1);
    ck_assert_str_eq(contact_id(ch, 0, 0), "c10");
    ck_assert_str_eq(contact_id(ch, 0, 1), "c9");
    ck_assert_uint_eq(position_of(ch, "c10"), 0);
    ck_assert_uint_eq(position_of(ch, "c9"), 1);
    ck_assert_str_eq(skpi_chain_channel(ch, 0, 0), "voice");
    ck_assert_uint_eq(skpi_chain_anchor(ch, 0), idx(rec, "c10"));
    skpi_chains_free(ch);

    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.anchor = SKPI_ANCHOR_LAST;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_chain_anchor(ch, 0), idx(rec, "c9"));
    skpi_chains_free(ch);
}
END_TEST

START_TEST(default_as_of_is_latest_timestamp)
{
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    skpi_chain_options o;
    ck_assert_int_eq(skpi_chains_options(ch, &o), SKPI_OK);
    ck_assert_int_eq(o.as_of, SKPI_UNSET);
    ck_assert_int_eq(o.window_seconds, W);
    ck_assert_uint_eq(skpi_chains_count(ch), 0);
    skpi_chains_free(ch);

    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = "fr";
    c.customer = "x";
    c.opened_at = 100;
    c.first_response_at = 9000; /* the latest timestamp, on an open contact */
    c.outcome = SKPI_OUTCOME_OPEN;
    ck_assert_int_eq(skpi_records_add(rec, &c), SKPI_OK);
    add(rec, "a", "y", "r", "chat", 50, 800, SKPI_OUTCOME_RESOLVED);
    add(rec, "b", "z", "r", "chat", 8500, 8600, SKPI_OUTCOME_RESOLVED);
    ch = build(rec, SKPI_UNSET, 0);
    ck_assert_int_eq(skpi_chains_options(ch, &o), SKPI_OK);
    ck_assert_int_eq(o.as_of, 9000);
    skpi_chains_free(ch);

    add(rec, "c", "w", "r", "chat", 8700, 20000, SKPI_OUTCOME_RESOLVED);
    ch = build(rec, SKPI_UNSET, 0);
    ck_assert_int_eq(skpi_chains_options(ch, &o), SKPI_OK);
    ck_assert_int_eq(o.as_of, 20000);
    ck_assert_int_eq(o.provisional, 0);
    ck_assert_int_eq(o.anchor, SKPI_ANCHOR_FIRST);
    skpi_chains_free(ch);

    ch = build(rec, 123456789, 0);
    ck_assert_int_eq(skpi_chains_options(ch, &o), SKPI_OK);
    ck_assert_int_eq(o.as_of, 123456789);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(window_counts_from_largest_close)
{
    /* x stays long (closed day 10); y opens and closes inside it.  z opens
     * exactly W after x's close, long after y's: it still joins. */
    add(rec, "x", "cu", "r", "chat", 0, 10 * DAY, SKPI_OUTCOME_ESCALATED);
    add(rec, "y", "cu", "r", "chat", 60, 120, SKPI_OUTCOME_ESCALATED);
    add(rec, "z", "cu", "r", "chat", 10 * DAY + W, 10 * DAY + W + 5, SKPI_OUTCOME_RESOLVED);
    add(rec, "q", "cu", "r", "chat", 10 * DAY + 2 * W + 6, 10 * DAY + 2 * W + 7,
        SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), 2);
    ck_assert_uint_eq(skpi_chain_size(ch, 0), 3);
    ck_assert_str_eq(contact_id(ch, 0, 2), "z");
    ck_assert_int_eq(skpi_chain_latest_close(ch, 0), 10 * DAY + W + 5);
    ck_assert_uint_eq(position_of(ch, "q"), 0);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(window_zero)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = 0;
    add(rec, "a", "cu", "r", "chat", 0, 100, SKPI_OUTCOME_ABANDONED);
    add(rec, "b", "cu", "r", "chat", 100, 200, SKPI_OUTCOME_ABANDONED);
    add(rec, "c", "cu", "r", "chat", 201, 300, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = NULL;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    ck_assert_uint_eq(skpi_chains_count(ch), 2);
    ck_assert_uint_eq(position_of(ch, "b"), 1);
    ck_assert_uint_eq(position_of(ch, "c"), 0);
    /* T = 300 = latest close + 0: both settled */
    ck_assert_int_eq(skpi_chain_get_status(ch, 0), SKPI_CHAIN_UNRESOLVED);
    ck_assert_int_eq(skpi_chain_get_status(ch, 1), SKPI_CHAIN_RESOLVED);
    skpi_chains_free(ch);
}
END_TEST

/* ---- Errors ---- */

static void expect_bad(skpi_chain_options o, const char *field)
{
    skpi_chains *ch = (skpi_chains *)&o; /* anything not NULL */
    skpi_error err;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, &err), SKPI_EINVAL);
    ck_assert_ptr_null(ch);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_msg(strstr(err.message, field) != NULL, "'%s' does not name %s", err.message, field);
}

START_TEST(bad_options)
{
    add(rec, "a", "cu", "r", "chat", 0, 10, SKPI_OUTCOME_RESOLVED);
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = -1;
    expect_bad(o, "window_seconds");
    o.window_seconds = SKPI_WINDOW_MAX + 1;
    expect_bad(o, "window_seconds");
    o = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    o.anchor = 2;
    expect_bad(o, "anchor");
    o = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    o.version = 99;
    expect_bad(o, "version");
    o = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = SKPI_WINDOW_MAX;
    skpi_chains *ch = NULL;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    skpi_chains_free(ch);
    o.window_seconds = 0;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    skpi_chains_free(ch);
}
END_TEST

START_TEST(past_the_end)
{
    add(rec, "a", "cu", "r", "chat", 0, 10, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_int_eq(skpi_chain_get_status(ch, 1), SKPI_ENOTFOUND);
    ck_assert_uint_eq(skpi_chain_size(ch, 1), 0);
    ck_assert_uint_eq(skpi_chain_contact(ch, 0, 1), SIZE_MAX);
    ck_assert_uint_eq(skpi_chain_anchor(ch, 1), SIZE_MAX);
    ck_assert_int_eq(skpi_chain_first_opened(ch, 1), SKPI_UNSET);
    ck_assert_ptr_null(skpi_chain_channel(ch, 1, 0));
    ck_assert_int_eq(skpi_chains_find_contact(ch, 1, NULL, NULL), SKPI_ENOTFOUND);
    skpi_chains_free(ch);
}
END_TEST

/* ---- Limits: random order independence and incremental updates ---- */

typedef struct rc_contact {
    char id[16];
    char customer[8];
    char reason[8];
    const char *channel;
    int64_t opened, closed;
    int outcome;
} rc_contact;

#define NRAND 300

static unsigned next_rand(uint64_t *rng)
{
    return (unsigned)(test_lcg_next(rng) >> 33);
}

/* NRAND contacts from the generator state *rng (its seed, then on). */
static void make_random(rc_contact *v, uint64_t *rng)
{
    static const char *channels[] = { "chat", "voice", "email", "" };
    for (int i = 0; i < NRAND; i++) {
        rc_contact *c = &v[i];
        snprintf(c->id, sizeof c->id, "k%d", i);
        unsigned cu = next_rand(rng) % 9;
        if (cu == 8)
            c->customer[0] = '\0';
        else
            snprintf(c->customer, sizeof c->customer, "u%u", cu);
        snprintf(c->reason, sizeof c->reason, "r%u", next_rand(rng) % 3);
        c->channel = channels[next_rand(rng) % 4];
        c->opened = (int64_t)(next_rand(rng) % (28 * DAY)) / 3600 * 3600; /* ties happen */
        unsigned o = next_rand(rng) % 10;
        c->outcome = o == 0 ? SKPI_OUTCOME_OPEN
                   : o < 6 ? SKPI_OUTCOME_RESOLVED
                   : o < 9 ? SKPI_OUTCOME_ESCALATED : SKPI_OUTCOME_ABANDONED;
        c->closed = c->opened + (int64_t)(next_rand(rng) % (5 * DAY));
    }
}

static void add_rc(skpi_records *r, const rc_contact *c)
{
    add(r, c->id, c->customer, c->reason, c->channel, c->opened, c->closed, c->outcome);
}

static void shuffle(int *order, int n, uint64_t *rng)
{
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(next_rand(rng) % (unsigned)(i + 1));
        int t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
}

static void assert_same_chains(const skpi_chains *a, const skpi_chains *b)
{
    ck_assert_uint_eq(skpi_chains_count(a), skpi_chains_count(b));
    ck_assert_uint_eq(skpi_chains_contact_count(a), skpi_chains_contact_count(b));
    for (size_t k = 0; k < skpi_chains_count(a); k++) {
        ck_assert_int_eq(skpi_chain_get_status(a, k), skpi_chain_get_status(b, k));
        ck_assert_int_eq(skpi_chain_is_provisional(a, k), skpi_chain_is_provisional(b, k));
        ck_assert_uint_eq(skpi_chain_size(a, k), skpi_chain_size(b, k));
        ck_assert_int_eq(skpi_chain_latest_close(a, k), skpi_chain_latest_close(b, k));
        ck_assert_uint_eq(skpi_chain_channel_count(a, k), skpi_chain_channel_count(b, k));
        for (size_t p = 0; p < skpi_chain_size(a, k); p++)
            ck_assert_str_eq(contact_id(a, k, p), contact_id(b, k, p));
    }
}

START_TEST(order_does_not_matter)
{
    static rc_contact v[NRAND];
    int order[NRAND];
    uint64_t rng = 12345u + (unsigned)_i;
    make_random(v, &rng);
    skpi_records *r2 = NULL;
    ck_assert_int_eq(skpi_records_new(&r2), SKPI_OK);
    shuffle(order, NRAND, &rng);
    for (int i = 0; i < NRAND; i++)
        add_rc(rec, &v[order[i]]);
    shuffle(order, NRAND, &rng);
    for (int i = 0; i < NRAND; i++)
        add_rc(r2, &v[order[i]]);
    for (int prov = 0; prov < 2; prov++) {
        skpi_chains *a = build(rec, SKPI_UNSET, prov);
        skpi_chains *b = build(r2, SKPI_UNSET, prov);
        assert_same_chains(a, b);
        /* some of each status, so the comparison means something */
        int seen[4] = { 0, 0, 0, 0 };
        size_t members = 0;
        for (size_t k = 0; k < skpi_chains_count(a); k++) {
            seen[skpi_chain_get_status(a, k)] = 1;
            members += skpi_chain_size(a, k);
        }
        ck_assert_uint_eq(members, NRAND);
        ck_assert(seen[SKPI_CHAIN_OPEN] && seen[SKPI_CHAIN_RESOLVED] && seen[SKPI_CHAIN_UNRESOLVED]);
        ck_assert_uint_lt(skpi_chains_count(a), NRAND);
        skpi_chains_free(a);
        skpi_chains_free(b);
    }
    skpi_records_free(r2);
}
END_TEST

START_TEST(update_equals_rebuild)
{
    static rc_contact v[NRAND];
    static const int splits[] = { 0, 1, 57, 150, 299, 300 };
    uint64_t rng = 777u;
    make_random(v, &rng);
    for (size_t s = 0; s < sizeof splits / sizeof splits[0]; s++) {
        for (int fixed_as_of = 0; fixed_as_of < 2; fixed_as_of++) {
            skpi_records *r = NULL;
            ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
            int64_t as_of = fixed_as_of ? 20 * DAY : SKPI_UNSET;
            for (int i = 0; i < splits[s]; i++)
                add_rc(r, &v[i]);
            skpi_chains *inc = build(r, as_of, 0);
            ck_assert_uint_eq(skpi_chains_contact_count(inc), (size_t)splits[s]);
            for (int i = splits[s]; i < NRAND; i++)
                add_rc(r, &v[i]);
            ck_assert_int_eq(skpi_chains_update(inc), SKPI_OK);
            skpi_chains *full = build(r, as_of, 0);
            assert_same_chains(inc, full);
            skpi_chain_options oi, of;
            skpi_chains_options(inc, &oi);
            skpi_chains_options(full, &of);
            ck_assert_int_eq(oi.as_of, of.as_of);
            for (size_t i = 0; i < NRAND; i++) {
                size_t c1, p1, c2, p2;
                ck_assert_int_eq(skpi_chains_find_contact(inc, i, &c1, &p1), SKPI_OK);
                ck_assert_int_eq(skpi_chains_find_contact(full, i, &c2, &p2), SKPI_OK);
                ck_assert_uint_eq(c1, c2);
                ck_assert_uint_eq(p1, p2);
            }
            skpi_chains_free(inc);
            skpi_chains_free(full);
            skpi_records_free(r);
        }
    }
}
END_TEST

START_TEST(update_in_several_steps)
{
    static rc_contact v[NRAND];
    uint64_t rng = 4242u;
    make_random(v, &rng);
    skpi_records *r = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    skpi_chains *inc = build(r, SKPI_UNSET, 1);
    for (int i = 0; i < NRAND; i++) {
        add_rc(r, &v[i]);
        if (i % 37 == 0 || i == NRAND - 1)
            ck_assert_int_eq(skpi_chains_update(inc), SKPI_OK);
    }
    skpi_chains *full = build(r, SKPI_UNSET, 1);
    assert_same_chains(inc, full);
    skpi_chains_free(inc);
    skpi_chains_free(full);
    skpi_records_free(r);
}
END_TEST

/* Chains are numbered by their first contact's (opened_at, id) whatever the
 * span of the data: over 2^32 seconds the radix sort gives way to a
 * comparison sort, with the same order. */
START_TEST(chain_order_over_centuries)
{
    const int64_t far = (int64_t)1 << 40;   /* ~34,800 years */
    add(rec, "z", "c1", "r", "voice", far, far + 1, SKPI_OUTCOME_RESOLVED);
    add(rec, "b", "c2", "r", "voice", -far, -far + 1, SKPI_OUTCOME_RESOLVED);
    add(rec, "a", "c3", "r", "voice", 0, 1, SKPI_OUTCOME_RESOLVED);
    add(rec, "c", "c4", "r", "voice", 0, 1, SKPI_OUTCOME_RESOLVED);
    skpi_chains *ch = build(rec, far + 1, 0);
    const char *want[] = { "b", "a", "c", "z" };
    ck_assert_uint_eq(skpi_chains_count(ch), 4);
    for (size_t k = 0; k < 4; k++) {
        skpi_contact c;
        ck_assert_int_eq(skpi_records_get(rec, skpi_chain_contact(ch, k, 0), &c), SKPI_OK);
        ck_assert_str_eq(c.id, want[k]);
    }
    skpi_chains_free(ch);
}
END_TEST

/* Contacts in the same order of (opened_at, id) along a chain. */
static void assert_time_id_order(const skpi_chains *ch, size_t chain)
{
    const skpi_records *r = skpi_chains_records(ch);
    for (size_t p = 1; p < skpi_chain_size(ch, chain); p++) {
        skpi_contact a, b;
        ck_assert_int_eq(skpi_records_get(r, skpi_chain_contact(ch, chain, p - 1), &a), SKPI_OK);
        ck_assert_int_eq(skpi_records_get(r, skpi_chain_contact(ch, chain, p), &b), SKPI_OK);
        ck_assert(a.opened_at < b.opened_at
                  || (a.opened_at == b.opened_at && strcmp(a.id, b.id) < 0));
    }
}

/* More contacts under one (customer, reason) than the insertion sort takes
 * go to the merge sort: the same chains, ties by id, in either order. */
START_TEST(key_with_many_contacts)
{
    enum { MANY = 90 };
    skpi_records *r2 = NULL;
    ck_assert_int_eq(skpi_records_new(&r2), SKPI_OK);
    for (int k = 0; k < MANY; k++) {
        int i = k, j = MANY - 1 - k;
        char id[16];
        snprintf(id, sizeof id, "m%d", i);
        add(rec, id, "cu", "r", "chat", i % 13 * DAY, i % 13 * DAY + i % 3 * 3600,
            i % 4 ? SKPI_OUTCOME_RESOLVED : SKPI_OUTCOME_ESCALATED);
        snprintf(id, sizeof id, "m%d", j);
        add(r2, id, "cu", "r", "chat", j % 13 * DAY, j % 13 * DAY + j % 3 * 3600,
            j % 4 ? SKPI_OUTCOME_RESOLVED : SKPI_OUTCOME_ESCALATED);
    }
    skpi_chains *a = build(rec, SKPI_UNSET, 0);
    skpi_chains *b = build(r2, SKPI_UNSET, 0);
    assert_same_chains(a, b);
    ck_assert_uint_eq(skpi_chains_count(a), 1);
    ck_assert_uint_eq(skpi_chain_size(a, 0), MANY);
    assert_time_id_order(a, 0);
    skpi_chains_free(a);
    skpi_chains_free(b);
    skpi_records_free(r2);
}
END_TEST

/* With more (customer, reason) pairs than a 32-bit digit holds, the
 * contacts are sorted by reason and then by customer: the same chains.
 * 66,000 contacts of a customer and a reason of their own, opened after
 * the others, leave the others' chains first. */
START_TEST(many_keys_sort_the_same)
{
    enum { PADDING = 66000 };
    static rc_contact v[NRAND];
    uint64_t rng = 99u;
    make_random(v, &rng);
    skpi_records *r2 = NULL;
    ck_assert_int_eq(skpi_records_new(&r2), SKPI_OK);
    for (int i = 0; i < NRAND; i++) {
        add_rc(rec, &v[i]);
        add_rc(r2, &v[NRAND - 1 - i]);
    }
    for (int i = 0; i < PADDING; i++) {
        char id[16], name[16];
        snprintf(id, sizeof id, "p%d", i);
        snprintf(name, sizeof name, "n%d", i);
        add(r2, id, name, name, "chat", 40 * DAY + i, 40 * DAY + i + 1, SKPI_OUTCOME_RESOLVED);
    }
    skpi_chains *a = build(rec, 30 * DAY, 1);
    skpi_chains *b = build(r2, 30 * DAY, 1);
    ck_assert_uint_eq(skpi_chains_count(b), skpi_chains_count(a) + PADDING);
    for (size_t k = 0; k < skpi_chains_count(a); k++) {
        ck_assert_int_eq(skpi_chain_get_status(a, k), skpi_chain_get_status(b, k));
        ck_assert_int_eq(skpi_chain_is_provisional(a, k), skpi_chain_is_provisional(b, k));
        ck_assert_uint_eq(skpi_chain_size(a, k), skpi_chain_size(b, k));
        for (size_t p = 0; p < skpi_chain_size(a, k); p++)
            ck_assert_str_eq(contact_id(a, k, p), contact_id(b, k, p));
        assert_time_id_order(a, k);
    }
    skpi_chains_free(a);
    skpi_chains_free(b);
    skpi_records_free(r2);
}
END_TEST

/* Chains whose first contacts opened in the same second are numbered by
 * id; more of them than the insertion sort takes go to the merge sort. */
START_TEST(many_chains_in_one_second)
{
    enum { MANY = 70 };
    for (int k = 0; k < MANY; k++) {
        char id[16], customer[16];
        int i = (k * 37) % MANY;   /* ids out of row order, bytewise and numerically */
        snprintf(id, sizeof id, "s%d", i);
        snprintf(customer, sizeof customer, "c%d", k % 35);
        add(rec, id, customer, k < 35 ? "a" : "b", "chat", DAY, DAY + 60, SKPI_OUTCOME_RESOLVED);
    }
    skpi_chains *ch = build(rec, SKPI_UNSET, 0);
    ck_assert_uint_eq(skpi_chains_count(ch), MANY);
    for (size_t k = 1; k < MANY; k++)
        ck_assert_int_lt(strcmp(contact_id(ch, k - 1, 0), contact_id(ch, k, 0)), 0);
    skpi_chains_free(ch);
}
END_TEST

/* The radix sort with the caller's buffer sorts as the one that allocates:
 * by the high bits, values equal there in the order they came. */
START_TEST(radix_sort_with_buffer)
{
    enum { COUNT = 5000 };
    static uint64_t a[COUNT], b[COUNT], buffer[COUNT];
    uint64_t rng = 5u;
    for (size_t i = 0; i < COUNT; i++)
        a[i] = b[i] = (test_lcg_next(&rng) >> 20) << 32 | (uint32_t)i;
    skpi__radix_sort_u64_with(a, COUNT, 32, buffer);
    ck_assert_int_eq(skpi__radix_sort_u64(b, COUNT, 32), SKPI_OK);
    ck_assert_mem_eq(a, b, sizeof a);
    for (size_t i = 1; i < COUNT; i++)
        ck_assert(a[i - 1] >> 32 < a[i] >> 32
                  || (a[i - 1] >> 32 == a[i] >> 32 && (uint32_t)a[i - 1] < (uint32_t)a[i]));
}
END_TEST

/* On two threads the radix sort gives the one-thread sort's order, on
 * values enough to split (ties in the high bits, bytes that never vary, a
 * byte that varies in one half only). */
START_TEST(radix_sort_on_two_threads)
{
    enum { COUNT = 200003 };
    uint64_t *a = malloc(COUNT * sizeof *a), *b = malloc(COUNT * sizeof *b);
    uint64_t *buffer = malloc(COUNT * sizeof *buffer);
    ck_assert(a && b && buffer);
    uint64_t rng = 11u;
    for (int shape = 0; shape < 3; shape++) {
        for (size_t i = 0; i < COUNT; i++) {
            uint64_t digit = test_lcg_next(&rng) >> (shape == 0 ? 40 : 60);   /* many ties */
            if (shape == 2 && i < COUNT / 2)
                digit = 7;   /* the first half holds one value */
            a[i] = b[i] = (digit | (uint64_t)1 << 28) << 32 | (uint32_t)i;
        }
        skpi__radix_sort_u64_threads(a, COUNT, 32, buffer, 2);
        skpi__radix_sort_u64_with(b, COUNT, 32, buffer);
        ck_assert_mem_eq(a, b, COUNT * sizeof *a);
        for (size_t i = 1; i < COUNT; i++)
            ck_assert(a[i - 1] >> 32 < a[i] >> 32
                      || (a[i - 1] >> 32 == a[i] >> 32 && (uint32_t)a[i - 1] < (uint32_t)a[i]));
    }
    free(a);
    free(b);
    free(buffer);
}
END_TEST

/* ---- Threads: options.threads = 2 ---- */

static skpi_chains *build_with(const skpi_records *r, int64_t window, unsigned threads)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.window_seconds = window;
    o.threads = threads;
    return build_from(r, &o);
}

/* Everything the accessors show, compared without a check per value (the
 * runner would be told of each). */
static void require_same_chains(const skpi_chains *a, const skpi_chains *b)
{
    TEST_REQUIRE(skpi_chains_count(a) == skpi_chains_count(b));
    TEST_REQUIRE(skpi_chains_contact_count(a) == skpi_chains_contact_count(b));
    for (size_t k = 0; k < skpi_chains_count(a); k++) {
        TEST_REQUIRE(skpi_chain_get_status(a, k) == skpi_chain_get_status(b, k));
        TEST_REQUIRE(skpi_chain_is_provisional(a, k) == skpi_chain_is_provisional(b, k));
        TEST_REQUIRE(skpi_chain_size(a, k) == skpi_chain_size(b, k));
        for (size_t p = 0; p < skpi_chain_size(a, k); p++)
            TEST_REQUIRE(skpi_chain_contact(a, k, p) == skpi_chain_contact(b, k, p));
    }
}

/* Chains of rec with one thread, then with 2 and 3 (as 2), for a few
 * windows: the same. */
static void require_threads_agree(void)
{
    static const int64_t windows[] = { SKPI_UNSET, 0, 3 * DAY };
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        skpi_chains *one = build_with(rec, windows[w], 1);
        for (unsigned threads = 2; threads <= 3; threads++) {
            skpi_chains *two = build_with(rec, windows[w], threads);
            require_same_chains(one, two);
            skpi_chains_free(two);
        }
        skpi_chains_free(one);
    }
}

/* Random contacts of every size from none to enough that each thread
 * stitches thousands of keys, odd counts among them. */
START_TEST(two_threads_stitch_what_one_does)
{
    static const size_t sizes[] = { 0, 1, 2, 3, 7, 301, 4097, 20001 };
    size_t n = sizes[_i], more = n / 2 + 1;
    test_contact *g = malloc((n + more) * sizeof *g);
    ck_assert_ptr_nonnull(g);
    test_random_contacts(g, n + more, 1000 + n, 1772323200);
    test_add_contacts(rec, g, NULL, n);
    require_threads_agree();
    /* contacts appended later, through skpi_chains_update() */
    skpi_chains *two = build_with(rec, SKPI_UNSET, 2);
    test_add_contacts(rec, g + n, NULL, more);
    ck_assert_int_eq(skpi_chains_update(two), SKPI_OK);
    skpi_chains *one = build_with(rec, SKPI_UNSET, 1);
    require_same_chains(one, two);
    skpi_chains_free(one);
    skpi_chains_free(two);
    free(g);
}
END_TEST

/* Where the halves meet: among contacts without a customer (each a chain
 * of its own), or nowhere when one key holds every contact. */
START_TEST(two_threads_at_the_edges)
{
    char id[16];
    for (int i = 0; i < 501; i++) {
        snprintf(id, sizeof id, "x%d", i);
        add(rec, id, "", "r", "chat", DAY + i % 7, DAY + 100, SKPI_OUTCOME_RESOLVED);
    }
    for (int i = 0; i < 20; i++) {
        snprintf(id, sizeof id, "y%d", i);
        add(rec, id, "u", "r", "chat", DAY * (i % 5), DAY * (i % 5) + 60, SKPI_OUTCOME_RESOLVED);
    }
    require_threads_agree();
    test_free_handles(&rec, NULL, NULL);
    ck_assert_int_eq(skpi_records_new(&rec), SKPI_OK);
    for (int i = 0; i < 101; i++) {
        snprintf(id, sizeof id, "z%d", i);
        add(rec, id, "u", "r", "chat", DAY * (i % 13), DAY * (i % 13) + 60,
            i % 9 ? SKPI_OUTCOME_RESOLVED : SKPI_OUTCOME_ESCALATED);
    }
    require_threads_agree();
}
END_TEST

/* Version 1 options (without `threads`) still build; another version is
 * refused.  skpi_chains_options() fills a version-1 struct. */
START_TEST(options_versions)
{
    add(rec, "a", "u", "r", "chat", DAY, DAY + 10, SKPI_OUTCOME_RESOLVED);
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.version = 1;
    o.threads = 12345;   /* a version-1 caller has no such member: never read */
    skpi_chains *ch = NULL;
    ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, NULL), SKPI_OK);
    skpi_chain_options got = SKPI_CHAIN_OPTIONS_INIT;
    got.threads = 77;
    ck_assert_int_eq(skpi_chains_options(ch, &got), SKPI_OK);
    ck_assert_uint_eq(got.version, 1);
    ck_assert_uint_eq(got.threads, 77);
    ck_assert_int_eq(got.window_seconds, W);
    ck_assert_int_eq(got.as_of, DAY + 10);
    skpi_chains_free(ch);
    for (unsigned version = 0; version < 5; version += 3) {
        o.version = version;
        skpi_error err;
        ch = (skpi_chains *)&ch;
        ck_assert_int_eq(skpi_chains_new(&ch, rec, &o, &err), SKPI_EINVAL);
        ck_assert_ptr_null(ch);
        char want[32];
        snprintf(want, sizeof want, "version %u", version);
        ck_assert_ptr_nonnull(strstr(err.message, want));
    }
}
END_TEST

/* Allocation N fails, on whichever thread makes it: SKPI_ENOMEM, nothing
 * kept.  Each half holds a key with more contacts than the insertion sort
 * takes, so each thread allocates. */
START_TEST(two_threads_under_failures)
{
    char id[16], customer[16];
    test_alloc_start(-1);
    skpi_records *r = NULL;
    ck_assert_int_eq(skpi_records_new(&r), SKPI_OK);
    for (int i = 0; i < 400; i++) {
        int big = i < 40 ? 0 : i >= 360 ? 2 : 1;   /* first and last customers: 40 each */
        snprintf(id, sizeof id, "f%03d", (i * 17) % 400);
        snprintf(customer, sizeof customer, "c%d", big == 1 ? i : big);
        add(r, id, customer, "r", "chat", DAY * (i % 11), DAY * (i % 11) + 60,
            SKPI_OUTCOME_RESOLVED);
    }
    skpi_chains *want = build_with(r, SKPI_UNSET, 1);
    long failures = 0;
    for (long n = 0;; n++) {
        ck_assert_int_lt(n, 1000);
        long live = test_alloc_live_total();
        skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
        o.threads = 2;
        skpi_chains *ch = NULL;
        skpi_error err;
        test_alloc_rearm(n);
        int rc = skpi_chains_new(&ch, r, &o, &err);
        test_alloc_rearm(-1);
        if (rc == SKPI_OK) {
            require_same_chains(want, ch);
            skpi_chains_free(ch);
            ck_assert_int_eq(test_alloc_live_total(), live);
            break;
        }
        failures++;
        ck_assert_int_eq(rc, SKPI_ENOMEM);
        ck_assert_int_eq(err.code, SKPI_ENOMEM);
        ck_assert_ptr_null(ch);
        ck_assert_int_eq(test_alloc_live_total(), live);
    }
    ck_assert_int_gt(failures, 4);  /* the handle, keys, chains and both threads' sorts */
    skpi_chains_free(want);
    skpi_records_free(r);
    ck_assert_int_eq(test_alloc_live_total(), 0);
    test_alloc_restore();
}
END_TEST

Suite *make_chains_suite(void)
{
    Suite *s = suite_create("chains");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, window_is_inclusive);
    tcase_add_test(core, open_contact_keeps_chain_open);
    tcase_add_test(core, pending_until_window_passes);
    tcase_add_test(core, empty_customer_is_alone);
    tcase_add_test(core, empty_reason_still_stitches);
    tcase_add_test(core, cross_channel_chain);
    tcase_add_test(core, spec_example_day9);
    tcase_add_test(core, ties_order_by_id_bytewise);
    tcase_add_test(core, default_as_of_is_latest_timestamp);
    tcase_add_test(core, window_counts_from_largest_close);
    tcase_add_test(core, window_zero);
    suite_add_tcase(s, core);

    TCase *limits = tcase_create("Limits");
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_loop_test(limits, order_does_not_matter, 0, 3);
    tcase_add_test(limits, update_equals_rebuild);
    tcase_add_test(limits, chain_order_over_centuries);
    tcase_add_test(limits, update_in_several_steps);
    tcase_add_test(limits, key_with_many_contacts);
    tcase_add_test(limits, many_keys_sort_the_same);
    tcase_add_test(limits, many_chains_in_one_second);
    tcase_add_test(limits, radix_sort_with_buffer);
    tcase_add_test(limits, radix_sort_on_two_threads);
    tcase_set_timeout(limits, 60);
    suite_add_tcase(s, limits);

    TCase *errors = tcase_create("Errors");
    tcase_add_checked_fixture(errors, setup, teardown);
    tcase_add_test(errors, bad_options);
    tcase_add_test(errors, past_the_end);
    suite_add_tcase(s, errors);

    TCase *threads = tcase_create("Threads");
    tcase_add_checked_fixture(threads, setup, teardown);
    tcase_add_loop_test(threads, two_threads_stitch_what_one_does, 0, 8);
    tcase_add_test(threads, two_threads_at_the_edges);
    tcase_add_test(threads, options_versions);
    tcase_add_test(threads, two_threads_under_failures);
    tcase_set_timeout(threads, 60);
    suite_add_tcase(s, threads);
    return s;
}
