/* Shared by the unit tests: the random contacts and ledgers of the suites
 * that check invariants on random data, and the handles a suite's fixture
 * holds. */
#ifndef SKPI_TESTDATA_H
#define SKPI_TESTDATA_H

#include <stddef.h>
#include <stdint.h>

#include "supportkpi.h"

/* ---- random contacts ---- */

/* One generated contact; region and product are its two dimensions (NULL:
 * no value). */
typedef struct test_contact {
    char id[24], customer[24];  /* room for any size_t index */
    const char *reason, *channel, *region, *product;
    int64_t opened, first_response, closed, handle, tier, escalations, reopens, csat;
    int outcome;
} test_contact;

/* n contacts "c00000", "c00001" ... from `seed`: about 300 customers (1 in
 * 20 contacts without one), empty reasons and channels among the others,
 * every outcome, tiers 0 to 3, opened in the 120 days from `first_opened`. */
void test_random_contacts(test_contact *g, size_t n, uint64_t seed, int64_t first_opened);

/* Add them to r, in the order order[0..n) (NULL: as generated). */
void test_add_contacts(skpi_records *r, const test_contact *g, const size_t *order, size_t n);

/* Both: n random contacts added to r as generated. */
void test_add_random_contacts(skpi_records *r, size_t n, uint64_t seed, int64_t first_opened);

/* ---- random ledgers ---- */

/* `entries` random entries from `seed` with every category, driver and kind
 * of scope (some that match nothing, some periods without contacts, some
 * entries sharing a period and scope), in periods around the 120 days from
 * `first_opened`; a rate for every tier (tier 3's is 0 for odd seeds). */
void test_random_ledger(skpi_ledger *l, uint64_t seed, size_t entries, int64_t first_opened);

/* ---- the handles of a fixture ---- */

/* Replace *chains with the chains of rec as of `as_of`, asserted to build. */
void test_stitch(skpi_chains **chains, const skpi_records *rec, int64_t as_of, int anchor);

/* Free each handle and clear it; any of them may be NULL or hold NULL. */
void test_free_handles(skpi_records **rec, skpi_chains **chains, skpi_ledger **led);

#endif
