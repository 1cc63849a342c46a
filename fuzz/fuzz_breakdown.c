/* Fuzz skpi_breakdown_new()'s options over fixed contacts and ledgers
 * (SPEC §3 to §6, §9).
 *
 * Built once: the fixed contacts of fuzz_util.c and five ledgers (none;
 * rates for every tier; a rate missing for tier 4; no rates; odd amounts
 * with zero rates; amounts and rates near the int64 limits).  The input
 * picks, byte by byte:
 *   byte 0   the ledger (low 3 bits), the options' version (0x08: wrong),
 *            by = NULL (0x10), the view (0xe0: from a table with
 *            out-of-range values)
 *   byte 1   the bucket (from a table with out-of-range values)
 *   byte 2   how many grouping keys (0-4), then one byte per key choosing
 *            a name from a list with unknown, empty, NULL and field names
 *   then     the chain options (fuzz_chain_options(): window, as-of,
 *            provisional, anchor, some out of range)
 *
 * Invariants: the call never crashes; it refuses exactly the invalid
 * options (EINVAL), fails otherwise only as the ledger allows (a missing
 * rate, an overflow); on success every check of fuzz_check_breakdown()
 * holds (each money column's rows sum to the total, json's `needed` is
 * strlen + 1 ...), the total equals the total of the ungrouped breakdown,
 * and explain refuses another ledger. */
#include <limits.h>
#include <string.h>

#include "fuzz_util.h"

#define LEDGERS 6

static skpi_ledger *ledgers[LEDGERS];   /* [0] stays NULL: no ledger */

typedef struct entry {
    int category;
    int64_t amount, start, end;
    int driver;
    const char *channel;
    const char *key, *value, *key2, *value2;
} entry;

#define NOV INT64_C(1698796800)   /* 2023-11-01 */
#define DEC INT64_C(1701388800)   /* 2023-12-01 */
#define JAN INT64_C(1704067200)   /* 2024-01-01 */
#define FEB INT64_C(1706745600)   /* 2024-02-01 */

static const entry standard[] = {
    { SKPI_CATEGORY_DIRECT_LABOR, 2121720, NOV, FEB, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_DIRECT_LABOR, 1499441, NOV, DEC, SKPI_DRIVER_TIER_WEIGHTED, "voice", NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_INDIRECT_LABOR, 500003, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_TECHNOLOGY, 77777, NOV, JAN, SKPI_DRIVER_CONTACTS, NULL, "region", "eu", NULL, NULL },
    { SKPI_CATEGORY_OVERHEAD, 12345, NOV, FEB, SKPI_DRIVER_HANDLE_TIME, "chat", "product", "app", "region", "apac" },
    { SKPI_CATEGORY_OTHER, 999, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, "region", "nowhere", NULL, NULL },
    { SKPI_CATEGORY_OTHER, 4242, JAN + 86400 * 100, FEB + 86400 * 100, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_DIRECT_LABOR, 333, NOV, DEC, SKPI_DRIVER_HANDLE_TIME, "self_service", NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_OVERHEAD, 1, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, "month", "nov", NULL, NULL },
};

static const entry odd[] = {
    { SKPI_CATEGORY_DIRECT_LABOR, 1, NOV, FEB, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_DIRECT_LABOR, 7, NOV, FEB, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_DIRECT_LABOR, 999999937, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_TECHNOLOGY, 3, NOV, FEB, SKPI_DRIVER_CONTACTS, "chat", NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_OTHER, 0, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, NULL, NULL },
};

static const entry huge[] = {
    { SKPI_CATEGORY_DIRECT_LABOR, INT64_MAX / 2, NOV, FEB, SKPI_DRIVER_TIER_WEIGHTED, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_DIRECT_LABOR, INT64_MAX / 2, NOV, FEB, SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL, NULL, NULL },
    { SKPI_CATEGORY_OTHER, 1, NOV, FEB, SKPI_DRIVER_CONTACTS, NULL, NULL, NULL, NULL, NULL },
};

static skpi_ledger *make_ledger(const entry *e, size_t n, const int64_t *rates, int tiers,
                                const char *currency)
{
    skpi_ledger *l = NULL;
    FUZZ_CHECK(skpi_ledger_new(&l, currency, NULL) == SKPI_OK);
    for (size_t i = 0; i < n; i++) {
        const char *keys[2] = { e[i].key, e[i].key2 };
        const char *values[2] = { e[i].value, e[i].value2 };
        size_t pairs = e[i].key2 ? 2 : e[i].key ? 1 : 0;
        FUZZ_CHECK(skpi_ledger_add_entry(l, e[i].category, e[i].amount, e[i].start, e[i].end,
                                         e[i].driver, e[i].channel, pairs, keys, values)
                   == SKPI_OK);
    }
    for (int t = 0; t < tiers; t++)
        if (rates[t] >= 0)
            FUZZ_CHECK(skpi_ledger_set_rate(l, t, rates[t]) == SKPI_OK);
    fuzz_check_ledger(l);
    return l;
}

static void setup(void)
{
    static const int64_t rates[] = { 500, 3500, 5500, 8500, 12000, 15000, 20000, 25000, 30000, 40000 };
    static const int64_t zero_rates[] = { 0, 1, 0, 7, 0, 0, 3, 0, 0, 0 };
    static const int64_t big_rates[] = { INT64_MAX, INT64_MAX / 3, INT64_MAX, 1, INT64_MAX / 7,
                                         0, 0, 0, 0, 0 };
    const size_t ns = sizeof standard / sizeof standard[0];
    ledgers[1] = make_ledger(standard, ns, rates, 10, "USD");
    ledgers[2] = make_ledger(standard, ns, rates, 4, "USD");
    ledgers[3] = make_ledger(standard + 2, ns - 2, rates, 0, "EUR");
    ledgers[4] = make_ledger(odd, sizeof odd / sizeof odd[0], zero_rates, 10, "JPY");
    ledgers[5] = make_ledger(huge, sizeof huge / sizeof huge[0], big_rates, 10, NULL);
}

static int is_key(const char *name)
{
    static const char *const valid[] = { "channel", "reason", "tier", "outcome", "region",
                                         "product", "month" };
    if (!name)
        return 0;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++)
        if (strcmp(name, valid[i]) == 0)
            return 1;
    return 0;
}

/* Two breakdowns' totals hold the same values. */
static void same_total(const skpi_breakdown *a, size_t row_a, const skpi_breakdown *b,
                       size_t row_b, int all)
{
    for (int kpi = 0; kpi < skpi_kpi_count(); kpi++) {
        if (!all && (kpi == SKPI_KPI_OPEN_CHAINS || kpi == SKPI_KPI_PENDING_CHAINS))
            continue;
        char x[48], y[48];
        int rx = skpi_breakdown_text(a, row_a, kpi, x, sizeof x);
        int ry = skpi_breakdown_text(b, row_b, kpi, y, sizeof y);
        FUZZ_CHECK(rx == ry);
        FUZZ_CHECK(strcmp(x, y) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int views[] = { SKPI_VIEW_PERIOD, SKPI_VIEW_COHORT, SKPI_VIEW_PERIOD,
                                 SKPI_VIEW_COHORT, 2, -1, INT_MAX, INT_MIN };
    static const int buckets[] = { SKPI_BUCKET_NONE, SKPI_BUCKET_DAY, SKPI_BUCKET_WEEK,
                                   SKPI_BUCKET_MONTH, SKPI_BUCKET_QUARTER, SKPI_BUCKET_NONE,
                                   SKPI_BUCKET_DAY, SKPI_BUCKET_WEEK, SKPI_BUCKET_MONTH,
                                   SKPI_BUCKET_QUARTER, 5, -1, INT_MAX, INT_MIN };
    static const char *const names[] = {
        "channel", "reason", "tier", "outcome", "region", "product", "month", "channel",
        "region", "tier", "customer", "id", "", NULL, "nosuch", "opened_at", "day", "week",
        "quarter", "Channel", "channel ", "csat",
    };
    if (!ledgers[1])
        setup();
    const skpi_records *records = fuzz_fixed_records();

    fuzz_bytes in = { data, size };
    uint8_t b0 = fuzz_u8(&in);
    uint8_t b1 = fuzz_u8(&in);
    uint8_t b2 = fuzz_u8(&in);
    const skpi_ledger *ledger = ledgers[(b0 & 7) % LEDGERS];
    const char *by[4] = { NULL, NULL, NULL, NULL };
    size_t by_count = b2 % 5;
    for (size_t k = 0; k < by_count; k++)
        by[k] = names[fuzz_u8(&in) % (sizeof names / sizeof names[0])];
    skpi_breakdown_options bo = SKPI_BREAKDOWN_OPTIONS_INIT;
    if (b0 & 0x08)
        bo.version = SKPI_BREAKDOWN_OPTIONS_VERSION + 1;
    bo.by_count = by_count;
    bo.by = (b0 & 0x10) ? NULL : by;
    bo.view = views[b0 >> 5];
    bo.bucket = buckets[b1 % (sizeof buckets / sizeof buckets[0])];

    /* Which options are valid (SPEC §6 and breakdown.h). */
    int valid = !(b0 & 0x08) && (by_count == 0 || !(b0 & 0x10))
                && (bo.view == SKPI_VIEW_PERIOD || bo.view == SKPI_VIEW_COHORT)
                && bo.bucket >= SKPI_BUCKET_NONE && bo.bucket <= SKPI_BUCKET_QUARTER;
    for (size_t k = 0; valid && bo.by && k < by_count; k++) {
        valid = is_key(by[k]);
        for (size_t j = 0; valid && j < k; j++)
            valid = strcmp(by[j], by[k]) != 0;
        if (valid && bo.bucket != SKPI_BUCKET_NONE)
            valid = strcmp(by[k], skpi_bucket_name(bo.bucket)) != 0;
    }

    skpi_chain_options co;
    fuzz_chain_options(&in, &co);
    int chains_valid = (co.window_seconds == SKPI_UNSET
                        || (co.window_seconds >= 0 && co.window_seconds <= SKPI_WINDOW_MAX))
                       && (co.anchor == SKPI_ANCHOR_FIRST || co.anchor == SKPI_ANCHOR_LAST);
    skpi_chains *chains = NULL;
    skpi_error err;
    int rc = skpi_chains_new(&chains, records, &co, &err);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_EINVAL || rc == SKPI_ENOMEM);
    FUZZ_CHECK(err.code == rc);
    if (rc != SKPI_ENOMEM)
        FUZZ_CHECK((rc == SKPI_OK) == chains_valid);
    if (rc != SKPI_OK) {
        FUZZ_CHECK(chains == NULL && err.message[0] != '\0');
        return 0;
    }
    fuzz_check_chains(chains, co.as_of, 100);

    skpi_breakdown *b = (skpi_breakdown *)&bo;   /* must be overwritten */
    rc = skpi_breakdown_new(&b, chains, ledger, &bo, &err);
    fuzz_trace("  ledger %d, %zu keys, bucket %d, view %d: %d (%s)\n", (b0 & 7) % LEDGERS,
               by_count, bo.bucket, bo.view, rc, err.message);
    FUZZ_CHECK(err.code == rc);
    if (rc == SKPI_OK) {
        FUZZ_CHECK(valid);
        FUZZ_CHECK(b != NULL && err.message[0] == '\0');
        FUZZ_CHECK(skpi_breakdown_key_count(b) == by_count + (bo.bucket != SKPI_BUCKET_NONE));
        FUZZ_CHECK(skpi_breakdown_bucket(b) == bo.bucket && skpi_breakdown_view(b) == bo.view);
        fuzz_check_breakdown(b, ledger);

        /* The total does not depend on the grouping, bucket or view; with
         * no grouping the one row is the total. */
        skpi_breakdown *plain = NULL;
        rc = skpi_breakdown_new(&plain, chains, ledger, NULL, NULL);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
        if (rc == SKPI_OK) {
            FUZZ_CHECK(skpi_breakdown_row_count(plain) == 1);
            same_total(b, SKPI_ROW_TOTAL, plain, SKPI_ROW_TOTAL, 1);
            same_total(plain, 0, plain, SKPI_ROW_TOTAL, 0);
        }
        skpi_breakdown_free(plain);

        /* Explain refuses a ledger other than the breakdown's. */
        if (ledger) {
            const skpi_ledger *other = ledger == ledgers[4] ? ledgers[1] : ledgers[4];
            skpi_explain *e = NULL;
            rc = skpi_explain_new(&e, b, SKPI_ROW_TOTAL, other, NULL);
            FUZZ_CHECK(rc == SKPI_EINVAL && e == NULL);
        }
    } else {
        FUZZ_CHECK(b == NULL && err.message[0] != '\0');
        if (rc == SKPI_EINVAL)
            FUZZ_CHECK(!valid);
        else if (rc == SKPI_ENOTFOUND)   /* a tier rate missing */
            FUZZ_CHECK(valid && (ledger == ledgers[2]));
        else if (rc == SKPI_ERANGE)      /* weights or money beyond int64 */
            FUZZ_CHECK(valid && ledger == ledgers[5]);
        else
            FUZZ_CHECK(rc == SKPI_ENOMEM);
    }
    skpi_breakdown_free(b);
    skpi_chains_free(chains);
    return 0;
}
