/* Fuzz skpi_ledger_load_costs() (costs.csv, SPEC §4 and §8), and the cost
 * allocation of any ledger that loads.
 *
 * Input: one mode byte, then the file.  Mode bits:
 *   0x01  skip bad rows (else strict)
 *   0x02  read through a FILE (fmemopen) instead of SKPI_INPUT_MEMORY
 *   0x0c  tier rates: none, tiers 0-3 (tier 4 of the fixed contacts has
 *         none), tiers 0-9, tiers 0-9 with some at 0
 *   0x30  grouping: none, channel, region, channel and tier
 *   0x40  a month bucket
 *   0x80  cohort view
 *
 * Invariants: a failed load returns no ledger and says why; a ledger that
 * loads holds stats.rows entries whose amounts sum to its total (and by
 * category, and over a partition of time).  Its breakdown over the fixed
 * contacts (fuzz_util.c) either fails cleanly (a missing tier rate, an
 * overflow) or balances: every money column's rows sum to the total, and
 * allocated + unallocated = the ledger's total. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"

static void set_rates(skpi_ledger *ledger, int which)
{
    static const int64_t rates[SKPI_TIER_MAX + 1] = { 500, 3500, 5500, 8500, 12000, 15000,
                                                      20000, 25000, 30000, 40000 };
    int tiers = which == 0 ? 0 : which == 1 ? 4 : SKPI_TIER_MAX + 1;
    for (int t = 0; t < tiers; t++)
        FUZZ_CHECK(skpi_ledger_set_rate(ledger, t, which == 3 && t % 3 == 0 ? 0 : rates[t])
                   == SKPI_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode = size ? data[0] : 0;
    const uint8_t *file = size ? data + 1 : data;
    size_t len = size ? size - 1 : 0;

    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = mode & 1;
    FILE *f = NULL;
    if ((mode & 2) && len > 0)
        f = fmemopen((void *)(uintptr_t)file, len, "rb");
    skpi_input in = f ? SKPI_INPUT_FILE(f, "costs.csv")
                      : SKPI_INPUT_MEMORY((const char *)file, len, "costs.csv");
    skpi_ledger *ledger = (skpi_ledger *)&o;   /* must be overwritten */
    skpi_load_stats stats = { 12345, 12345 };
    skpi_error err;
    int rc = skpi_ledger_load_costs(&ledger, &in, &o, &stats, &err);
    if (f)
        fclose(f);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_EDATA || rc == SKPI_ESYNTAX || rc == SKPI_ENOMEM
               || rc == SKPI_EIO);
    FUZZ_CHECK(err.code == rc);
    fuzz_trace("  load: %d (%s) rows %llu skipped %llu\n", rc, err.message,
               (unsigned long long)stats.rows, (unsigned long long)stats.skipped);
    if (rc != SKPI_OK) {
        FUZZ_CHECK(ledger == NULL);
        FUZZ_CHECK(stats.rows == 0);
        FUZZ_CHECK(err.message[0] != '\0');
        return 0;
    }
    FUZZ_CHECK(ledger != NULL);
    FUZZ_CHECK(err.message[0] == '\0');
    FUZZ_CHECK(skpi_ledger_entry_count(ledger) == stats.rows);
    FUZZ_CHECK(skpi_ledger_rate_count(ledger) == 0);
    if (!(mode & 1))
        FUZZ_CHECK(stats.skipped == 0);
    fuzz_check_ledger(ledger);

    /* Allocate it over the fixed contacts. */
    set_rates(ledger, mode >> 2 & 3);
    fuzz_check_ledger(ledger);
    static skpi_chains *chains;
    if (!chains) {
        FUZZ_CHECK(skpi_chains_new(&chains, fuzz_fixed_records(), NULL, NULL) == SKPI_OK);
        fuzz_check_chains(chains, SKPI_UNSET, 100);
    }
    static const char *const groupings[4][2] = {
        { NULL, NULL }, { "channel", NULL }, { "region", NULL }, { "channel", "tier" },
    };
    int g = mode >> 4 & 3;
    skpi_breakdown_options bo = SKPI_BREAKDOWN_OPTIONS_INIT;
    bo.by_count = g == 0 ? 0 : g == 3 ? 2 : 1;
    bo.by = groupings[g];
    bo.bucket = (mode & 0x40) ? SKPI_BUCKET_MONTH : SKPI_BUCKET_NONE;
    bo.view = (mode & 0x80) ? SKPI_VIEW_COHORT : SKPI_VIEW_PERIOD;
    skpi_breakdown *b = (skpi_breakdown *)&o;
    rc = skpi_breakdown_new(&b, chains, ledger, &bo, &err);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOTFOUND || rc == SKPI_ERANGE || rc == SKPI_ENOMEM);
    FUZZ_CHECK(err.code == rc);
    fuzz_trace("  breakdown: %d (%s) rows %zu\n", rc, err.message, skpi_breakdown_row_count(b));
    if (rc == SKPI_OK) {
        FUZZ_CHECK(b != NULL);
        fuzz_check_breakdown(b, ledger);
    } else {
        FUZZ_CHECK(b == NULL);
        FUZZ_CHECK(err.message[0] != '\0');
        /* A missing rate is only possible with a partial rate table. */
        if (rc == SKPI_ENOTFOUND)
            FUZZ_CHECK((mode >> 2 & 3) == 1 || (mode >> 2 & 3) == 0);
    }
    skpi_breakdown_free(b);
    skpi_ledger_free(ledger);
    return 0;
}
