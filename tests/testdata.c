/* Shared by the unit tests: random data sets and fixture handles (see
 * testdata.h).  The sequences are part of the suites: a change here changes
 * the data every seed gives. */
#include "testdata.h"

#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "testutil.h"

#define D 86400

static const char *const channels[] = { "voice", "chat", "email", "self_service", "" };
static const char *const regions[] = { "eu", "us", "apac", NULL };
static const char *const products[] = { "a", "b", NULL };

void test_random_contacts(test_contact *g, size_t n, uint64_t seed, int64_t first_opened)
{
    static const char *const reasons[] = { "billing", "shipping", "login", "" };
    static const int tiers[] = { 0, 1, 1, 1, 2, 2, 3 };
    test_rng rng;
    test_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++) {
        test_contact *c = &g[i];
        memset(c, 0, sizeof *c);
        snprintf(c->id, sizeof c->id, "c%05zu", i);
        if (test_rng_below(&rng, 20))
            snprintf(c->customer, sizeof c->customer, "u%03d", (int)test_rng_below(&rng, 300));
        c->reason = reasons[test_rng_below(&rng, 4)];
        c->channel = channels[test_rng_below(&rng, 5)];
        c->region = regions[test_rng_below(&rng, 4)];
        c->product = products[test_rng_below(&rng, 3)];
        c->opened = first_opened + test_rng_below(&rng, 120 * D);
        int64_t o = test_rng_below(&rng, 100);
        c->outcome = o < 5 ? SKPI_OUTCOME_OPEN : o < 65 ? SKPI_OUTCOME_RESOLVED
                   : o < 85 ? SKPI_OUTCOME_ESCALATED : SKPI_OUTCOME_ABANDONED;
        c->closed = c->outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET
                                                    : c->opened + test_rng_below(&rng, 3 * D);
        c->first_response = test_rng_below(&rng, 2) ? c->opened + test_rng_below(&rng, 3600)
                                                    : SKPI_UNSET;
        c->handle = test_rng_below(&rng, 10) ? test_rng_below(&rng, 3600) : 0;
        c->tier = tiers[test_rng_below(&rng, 7)];
        c->escalations = test_rng_below(&rng, 4) ? 0 : test_rng_below(&rng, 3);
        c->reopens = test_rng_below(&rng, 8) ? 0 : 1;
        c->csat = test_rng_below(&rng, 3) ? SKPI_UNSET : 1 + test_rng_below(&rng, 5);
    }
}

void test_add_contacts(skpi_records *r, const test_contact *g, const size_t *order, size_t n)
{
    static const char *const names[] = { "region", "product" };
    for (size_t k = 0; k < n; k++) {
        const test_contact *c = &g[order ? order[k] : k];
        const char *values[2] = { c->region, c->product };
        skpi_contact x = SKPI_CONTACT_INIT;
        x.id = c->id;
        x.customer = c->customer;
        x.reason = c->reason;
        x.channel = c->channel;
        x.opened_at = c->opened;
        x.first_response_at = c->first_response;
        x.closed_at = c->closed;
        x.handle_seconds = c->handle;
        x.tier = c->tier;
        x.escalations = c->escalations;
        x.reopens = c->reopens;
        x.csat = c->csat;
        x.outcome = c->outcome;
        x.dimension_count = 2;
        x.dimension_names = names;
        x.dimension_values = values;
        ck_assert_msg(skpi_records_add(r, &x) == SKPI_OK, "%s", skpi_records_errmsg(r));
    }
}

void test_add_random_contacts(skpi_records *r, size_t n, uint64_t seed, int64_t first_opened)
{
    test_contact *g = calloc(n, sizeof *g);
    ck_assert_ptr_nonnull(g);
    test_random_contacts(g, n, seed, first_opened);
    test_add_contacts(r, g, NULL, n);
    free(g);
}

void test_random_ledger(skpi_ledger *l, uint64_t seed, size_t entries, int64_t first_opened)
{
    static const char *const scope_channels[] = { "voice", "chat", "email", "self_service",
                                                  "fax" };
    static const char *const scope_regions[] = { "eu", "us", "apac", "mars" };
    test_rng rng;
    test_rng_seed(&rng, seed ^ UINT64_C(0x5DEECE66D));
    int64_t start = 0, end = 0;
    int driver = 0;
    const char *channel = NULL, *keys[2], *values[2];
    size_t pairs = 0;
    for (size_t e = 0; e < entries; e++) {
        if (e == 0 || test_rng_below(&rng, 5)) {  /* else: the previous period, driver, scope */
            start = first_opened - 10 * D + test_rng_below(&rng, 130 * D);
            end = start + 1 + test_rng_below(&rng, 40 * D);
            driver = (int)test_rng_below(&rng, 3);
            channel = test_rng_below(&rng, 3) ? NULL : scope_channels[test_rng_below(&rng, 5)];
            pairs = 0;
            int64_t s = test_rng_below(&rng, 10);
            if (s < 3) {
                keys[pairs] = "region";
                values[pairs++] = scope_regions[test_rng_below(&rng, 4)];
            }
            if (s == 3 || s == 4) {
                keys[pairs] = "product";
                values[pairs++] = test_rng_below(&rng, 2) ? "a" : "b";
            }
            if (s == 5) {
                keys[pairs] = "nodim";
                values[pairs++] = "x";
            }
        }
        int rc = skpi_ledger_add_entry(l, (int)test_rng_below(&rng, 5),
                                       test_rng_below(&rng, 10000000), start, end, driver,
                                       channel, pairs, keys, values);
        ck_assert_msg(rc == SKPI_OK, "%s", skpi_ledger_errmsg(l));
    }
    for (int t = 0; t <= SKPI_TIER_MAX; t++)
        ck_assert_int_eq(skpi_ledger_set_rate(l, t, (seed & 1) && t == 3
                                                        ? 0 : 1000 + test_rng_below(&rng, 20000)),
                         SKPI_OK);
}

void test_stitch(skpi_chains **chains, const skpi_records *rec, int64_t as_of, int anchor)
{
    skpi_chain_options o = SKPI_CHAIN_OPTIONS_INIT;
    o.as_of = as_of;
    o.anchor = anchor;
    skpi_chains_free(*chains);
    *chains = NULL;
    ck_assert_int_eq(skpi_chains_new(chains, rec, &o, NULL), SKPI_OK);
}

void test_free_handles(skpi_records **rec, skpi_chains **chains, skpi_ledger **led)
{
    if (chains) {
        skpi_chains_free(*chains);
        *chains = NULL;
    }
    if (rec) {
        skpi_records_free(*rec);
        *rec = NULL;
    }
    if (led) {
        skpi_ledger_free(*led);
        *led = NULL;
    }
}
