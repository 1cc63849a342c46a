/* Fuzz skpi_ledger_load_rates() (rates.csv, SPEC §4 and §8).
 *
 * Input: a mode byte, two bytes naming the tiers that have a rate before
 * the load (bit t of the big-endian 16-bit value: tier t), then the file.
 * Mode bits:
 *   0x01  skip bad rows (else strict)
 *   0x02  read through a FILE (fmemopen) instead of SKPI_INPUT_MEMORY
 *
 * Invariants: a load that fails changes no rate and says why; one that
 * succeeds sets exactly stats.rows tiers (the others keep their rate) and
 * loading the same file again succeeds and changes nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <string.h>

#include "fuzz_util.h"

typedef struct rate_table {
    int present[SKPI_TIER_MAX + 1];
    int64_t rate[SKPI_TIER_MAX + 1];
    int count;
} rate_table;

static void read_rates(const skpi_ledger *ledger, rate_table *t)
{
    t->count = skpi_ledger_rate_count(ledger);
    for (int tier = 0; tier <= SKPI_TIER_MAX; tier++) {
        t->rate[tier] = -1;
        int rc = skpi_ledger_rate(ledger, tier, &t->rate[tier]);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ABSENT);
        t->present[tier] = rc == SKPI_OK;
        FUZZ_CHECK(!t->present[tier] || t->rate[tier] >= 0);
    }
    int64_t rate;
    FUZZ_CHECK(skpi_ledger_rate(ledger, SKPI_TIER_MAX + 1, &rate) == SKPI_EINVAL);
    FUZZ_CHECK(skpi_ledger_rate(ledger, -1, &rate) == SKPI_EINVAL);
}

static int same_rates(const rate_table *a, const rate_table *b)
{
    if (a->count != b->count)
        return 0;
    for (int tier = 0; tier <= SKPI_TIER_MAX; tier++)
        if (a->present[tier] != b->present[tier]
            || (a->present[tier] && a->rate[tier] != b->rate[tier]))
            return 0;
    return 1;
}

static int load(skpi_ledger *ledger, const uint8_t *file, size_t len, uint8_t mode,
                skpi_load_stats *stats)
{
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = mode & 1;
    FILE *f = NULL;
    if ((mode & 2) && len > 0)
        f = fmemopen((void *)(uintptr_t)file, len, "rb");
    skpi_input in = f ? SKPI_INPUT_FILE(f, "rates.csv")
                      : SKPI_INPUT_MEMORY((const char *)file, len, "rates.csv");
    *stats = (skpi_load_stats){ 12345, 12345 };
    int rc = skpi_ledger_load_rates(ledger, &in, &o, stats);
    if (f)
        fclose(f);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_EDATA || rc == SKPI_ESYNTAX || rc == SKPI_ENOMEM
               || rc == SKPI_EIO);
    FUZZ_CHECK(skpi_ledger_errcode(ledger) == rc || rc == SKPI_OK);
    if (rc != SKPI_OK) {
        FUZZ_CHECK(stats->rows == 0);
        FUZZ_CHECK(skpi_ledger_errmsg(ledger)[0] != '\0');
    } else if (!(mode & 1)) {
        FUZZ_CHECK(stats->skipped == 0);
    }
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_bytes in = { data, size };
    uint8_t mode = fuzz_u8(&in);
    uint16_t preset = fuzz_u16(&in);

    skpi_ledger *ledger = NULL;
    if (skpi_ledger_new(&ledger, "USD", NULL) != SKPI_OK)
        return 0;
    for (int tier = 0; tier <= SKPI_TIER_MAX; tier++)
        if (preset >> tier & 1)
            FUZZ_CHECK(skpi_ledger_set_rate(ledger, tier, 1000 * tier + 7) == SKPI_OK);
    rate_table before, after, again;
    read_rates(ledger, &before);

    skpi_load_stats stats, stats2;
    int rc = load(ledger, in.p, in.n, mode, &stats);
    read_rates(ledger, &after);
    fuzz_trace("  load: %d (%s) rows %llu skipped %llu\n", rc, skpi_ledger_errmsg(ledger),
               (unsigned long long)stats.rows, (unsigned long long)stats.skipped);
    if (rc != SKPI_OK) {
        FUZZ_CHECK(same_rates(&before, &after));   /* a failure changes nothing */
    } else {
        /* stats.rows tiers were given, each at most once; the rest kept theirs. */
        int changed = 0, added = 0;
        for (int tier = 0; tier <= SKPI_TIER_MAX; tier++) {
            FUZZ_CHECK(after.present[tier] || !before.present[tier]);
            if (!before.present[tier] && after.present[tier])
                added++;
            if (after.present[tier] && (!before.present[tier] || after.rate[tier] != before.rate[tier]))
                changed++;
        }
        FUZZ_CHECK(stats.rows <= SKPI_TIER_MAX + 1);
        FUZZ_CHECK((uint64_t)changed <= stats.rows);
        FUZZ_CHECK(after.count == before.count + added);
        /* Loading it again sets the same rates. */
        int rc2 = load(ledger, in.p, in.n, mode, &stats2);
        read_rates(ledger, &again);
        FUZZ_CHECK(rc2 == SKPI_OK || rc2 == SKPI_ENOMEM);
        FUZZ_CHECK(same_rates(&after, &again));
        if (rc2 == SKPI_OK)
            FUZZ_CHECK(stats2.rows == stats.rows && stats2.skipped == stats.skipped);
    }
    fuzz_check_ledger(ledger);
    skpi_ledger_free(ledger);
    return 0;
}
