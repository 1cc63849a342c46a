/* Fuzz skpi_records_load() (contacts.csv, SPEC §2 and §8).
 *
 * Input: one mode byte, then the file.  Mode bits:
 *   0x01  skip bad rows (else strict)
 *   0x02  the records already hold a contact (id "1") and a dimension
 *         ("region") before the load
 *   0x04  read through a FILE (fmemopen) instead of SKPI_INPUT_MEMORY
 *   0x08  group the breakdown by a day bucket too
 *   0x70  the chain window (from a short table)
 *   0x80  chains anchored on their last contact
 *
 * Invariants: a load that fails leaves the records' count unchanged and
 * reports 0 rows taken; a load that succeeds adds exactly stats.rows; each
 * bad row gets one message, `contacts.csv:LINE:...`, in line order; the same
 * file loaded again adds nothing (strict: fails when it has rows).  When the
 * load succeeds, chains and a breakdown by channel are built and checked
 * (fuzz_util.c): the rows' contacts sum to the total, and so on. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define NAME "contacts.csv"

typedef struct messages {
    size_t count;
    unsigned long long last_line;
} messages;

static void on_report(void *context, const char *message)
{
    messages *m = context;
    size_t len = strlen(NAME);
    FUZZ_CHECK(strncmp(message, NAME ":", len + 1) == 0);
    const char *p = message + len + 1;
    FUZZ_CHECK(*p >= '1' && *p <= '9');
    char *end;
    unsigned long long line = strtoull(p, &end, 10);
    FUZZ_CHECK(*end == ':');
    FUZZ_CHECK(line >= m->last_line);   /* in line order */
    m->last_line = line;
    m->count++;
}

static int load(skpi_records *r, const uint8_t *data, size_t size, uint8_t mode,
                skpi_load_stats *stats, messages *m)
{
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = mode & 1;
    o.report = on_report;
    o.context = m;
    *m = (messages){ 0, 0 };
    FILE *f = NULL;
    if ((mode & 4) && size > 0)
        f = fmemopen((void *)(uintptr_t)data, size, "rb");
    skpi_input in = f ? SKPI_INPUT_FILE(f, NAME) : SKPI_INPUT_MEMORY((const char *)data, size, NAME);
    size_t before = skpi_records_count(r);
    *stats = (skpi_load_stats){ 12345, 12345 };
    int rc = skpi_records_load(r, &in, &o, stats);
    if (f)
        fclose(f);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_EDATA || rc == SKPI_ESYNTAX || rc == SKPI_ENOMEM
               || rc == SKPI_ERANGE || rc == SKPI_EIO);
    FUZZ_CHECK(skpi_records_errcode(r) == rc);
    if (rc == SKPI_OK) {
        FUZZ_CHECK(skpi_records_count(r) == before + stats->rows);
        FUZZ_CHECK(skpi_records_errmsg(r)[0] == '\0');
        FUZZ_CHECK(m->count == stats->skipped);
        if (!(mode & 1))
            FUZZ_CHECK(stats->skipped == 0);
    } else {
        FUZZ_CHECK(skpi_records_count(r) == before);   /* taken whole or not at all */
        FUZZ_CHECK(stats->rows == 0);
        FUZZ_CHECK(skpi_records_errmsg(r)[0] != '\0');
        FUZZ_CHECK(rc != SKPI_EDATA || (!(mode & 1) && stats->skipped > 0));
        if (rc == SKPI_EDATA)
            FUZZ_CHECK(m->count == stats->skipped);
        if (rc == SKPI_ESYNTAX)
            FUZZ_CHECK(m->count >= 1);
    }
    return rc;
}

/* Every contact reads back, and its id finds it. */
static void check_records(const skpi_records *r)
{
    size_t n = skpi_records_count(r);
    for (size_t i = 0; i < n; i++) {
        skpi_contact c;
        size_t at = SIZE_MAX;
        FUZZ_CHECK(skpi_records_get(r, i, &c) == SKPI_OK);
        FUZZ_CHECK(skpi_records_find(r, c.id, &at) == SKPI_OK && at == i);
        for (size_t d = 0; d < skpi_records_dimension_count(r); d++) {
            const char *value = skpi_records_dimension_value(r, i, d);
            FUZZ_CHECK(value == NULL || value[0] != '\0');
        }
    }
    skpi_contact c;
    FUZZ_CHECK(skpi_records_get(r, n, &c) == SKPI_ENOTFOUND);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t mode = size ? data[0] : 0;
    const uint8_t *file = size ? data + 1 : data;
    size_t len = size ? size - 1 : 0;

    skpi_records *r = NULL;
    if (skpi_records_new(&r) != SKPI_OK)
        return 0;
    if (mode & 2) {
        skpi_contact c = SKPI_CONTACT_INIT;
        const char *names[] = { "region" };
        const char *values[] = { "eu" };
        c.id = "1";
        c.customer = "c1";
        c.reason = "billing";
        c.channel = "voice";
        c.opened_at = 1700000000;
        c.closed_at = 1700000600;
        c.handle_seconds = 300;
        c.outcome = SKPI_OUTCOME_RESOLVED;
        c.dimension_count = 1;
        c.dimension_names = names;
        c.dimension_values = values;
        FUZZ_CHECK(skpi_records_add(r, &c) == SKPI_OK);
    }

    skpi_load_stats first, again;
    messages m;
    int rc = load(r, file, len, mode, &first, &m);
    fuzz_trace("  load: %d (%s) rows %llu skipped %llu\n", rc, skpi_records_errmsg(r),
               (unsigned long long)first.rows, (unsigned long long)first.skipped);
    if (rc == SKPI_OK) {
        check_records(r);
        size_t count = skpi_records_count(r);
        /* The same file again: every row is now a duplicate or bad. */
        int rc2 = load(r, file, len, mode, &again, &m);
        FUZZ_CHECK(skpi_records_count(r) == count);
        if (rc2 == SKPI_OK || rc2 == SKPI_EDATA) {
            FUZZ_CHECK(again.skipped == first.rows + first.skipped);
            FUZZ_CHECK(rc2 == ((mode & 1) || again.skipped == 0 ? SKPI_OK : SKPI_EDATA));
        } else {
            FUZZ_CHECK(rc2 == SKPI_ENOMEM);
        }

        /* Window from bits 0x70, the last anchor with 0x80. */
        uint8_t option_byte = (uint8_t)((mode >> 4 & 0x07) | (mode & 0x80 ? 0x40 : 0));
        fuzz_bytes opt = { &option_byte, 1 };
        skpi_chain_options co;
        fuzz_chain_options(&opt, &co);
        co.as_of = SKPI_UNSET;
        if (co.anchor != SKPI_ANCHOR_FIRST && co.anchor != SKPI_ANCHOR_LAST)
            co.anchor = SKPI_ANCHOR_FIRST;
        if (co.window_seconds < 0 || co.window_seconds > SKPI_WINDOW_MAX)
            co.window_seconds = SKPI_UNSET;
        skpi_chains *chains = NULL;
        skpi_error err;
        rc = skpi_chains_new(&chains, r, &co, &err);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
        if (rc == SKPI_OK) {
            fuzz_check_chains(chains, SKPI_UNSET, 300);
            const char *by[] = { "channel" };
            skpi_breakdown_options bo = SKPI_BREAKDOWN_OPTIONS_INIT;
            bo.by_count = 1;
            bo.by = by;
            bo.bucket = (mode & 8) ? SKPI_BUCKET_DAY : SKPI_BUCKET_NONE;
            skpi_breakdown *b = NULL;
            rc = skpi_breakdown_new(&b, chains, NULL, &bo, &err);
            FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
            fuzz_trace("  %zu chains, breakdown: %d, %zu rows\n", skpi_chains_count(chains), rc,
                       skpi_breakdown_row_count(b));
            if (rc == SKPI_OK)
                fuzz_check_breakdown(b, NULL);
            skpi_breakdown_free(b);
        }
        skpi_chains_free(chains);
    }
    skpi_records_free(r);
    return 0;
}
