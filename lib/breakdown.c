/* Breakdowns (SPEC §5, §6): group contacts and placed chains into rows and
 * compute every KPI per row and for the total.
 *
 * Four passes over integer columns:
 *  1. key every contact (its own attributes, the bucket of its opened_at)
 *     and every settled chain (its anchor's attributes; the bucket of its
 *     latest close, or in the cohort view of the anchor's opened_at) to a row
 *     through a hash of key tuples;
 *  2. sort the rows by key (NULL first, strings bytewise, tier and bucket in
 *     their order) and renumber;
 *  3. accumulate counts and sums per row and for the total;
 *  4. percentiles, one time metric at a time: gather its values row by row
 *     (a counting sort by row), select the nearest ranks of each row's run
 *     and of all the values (a radix selection: no sorting, no buffer).
 *
 * The allocation of costs runs between passes 3 and 4, so that its
 * temporaries and the time values are never held together.
 *
 * With two threads (options.threads), passes 1 and 3 split the contacts and
 * the chains in halves, one per thread, each keying into its own hash
 * (merged, then sorted: row numbers depend only on the keys) or tallying
 * into its own counts (integer sums, added up); the allocation then runs
 * on one thread while pass 4 runs on the other, their temporaries held
 * together.  Every value is an exact integer computed from the same
 * inputs, so the result does not depend on the number of threads. */
#include "supportkpi/breakdown.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi/timefmt.h"
#include "alloc.h"
#include "allocate.h"
#include "breakdown.h"
#include "ledger.h"
#include "chains.h"
#include "money.h"
#include "records.h"
#include "sort.h"
#include "status.h"
#include "timefmt.h"
#include "twin.h"

#define KPI_COUNT 34

static const char *const kpi_names[KPI_COUNT] = {
    "contacts", "closed_contacts", "escalated_contacts", "repeat_contacts",
    "reopened_contacts", "resolved_chains", "unresolved_chains", "settled_chains", "cost",
    "failure_demand_cost", "escalation_adjusted_cost", "escalation_premium", "cpt", "cpr",
    "cpr_escalation_adjusted", "fcr", "reopen_rate", "escalation_rate",
    "chain_escalation_rate", "repeat_rate", "automation_rate", "csat",
    "contacts_per_resolution", "resolution_time_mean", "time_to_close_mean",
    "first_response_mean", "resolution_time_median", "resolution_time_p90",
    "time_to_close_median", "time_to_close_p90", "first_response_median",
    "first_response_p90", "open_chains", "pending_chains",
};

int skpi_kpi_count(void) { return KPI_COUNT; }
size_t skpi_row_total(void) { return SKPI_ROW_TOTAL; }

const char *skpi_kpi_name(int kpi)
{
    return kpi >= 0 && kpi < KPI_COUNT ? kpi_names[kpi] : NULL;
}

int skpi_kpi_from_name(const char *name, int *kpi)
{
    for (int k = 0; name && kpi && k < KPI_COUNT; k++) {
        if (strcmp(name, kpi_names[k]) == 0) {
            *kpi = k;
            return SKPI_OK;
        }
    }
    return SKPI_EINVAL;
}

int skpi_kpi_kind(int kpi)
{
    if (kpi < 0 || kpi >= KPI_COUNT)
        return SKPI_EINVAL;
    return kpi >= SKPI_KPI_FCR && kpi <= SKPI_KPI_FIRST_RESPONSE_MEAN ? SKPI_KIND_DECIMAL
                                                                       : SKPI_KIND_INTEGER;
}

/* ---- key columns ---- */

enum key_source { KEY_CHANNEL, KEY_REASON, KEY_TIER, KEY_OUTCOME, KEY_DIMENSION, KEY_BUCKET };

typedef struct key_column {
    enum key_source source;
    const skpi__intcol *values; /* the records column; NULL for the bucket */
    const skpi__strpool *pool;  /* for string columns */
    char *name;
} key_column;

/* Counts and sums of one row (or the total). */
typedef struct tally {
    int64_t contacts, closed, escalated, repeats, reopened, csat_rated, csat_good;
    int64_t resolved, unresolved, fcr, chains_escalated, resolved_contacts, automated;
    int64_t open_chains, pending_chains;
    int64_t n[3];        /* values of each time metric */
    __int128 sum[3];
} tally;

enum time_metric { TIME_RESOLUTION, TIME_TO_CLOSE, TIME_FIRST_RESPONSE };

struct skpi_breakdown {
    const skpi_chains *chains;
    const skpi_records *records;
    int bucket;
    int view;
    unsigned threads;        /* options.threads (version 2), else 1 */
    key_column *keys;
    size_t key_count;
    size_t rows;
    int64_t *row_keys;       /* rows × key_count */
    char **key_text;         /* rows × key_count; NULL = null */
    __int128 *values;        /* (rows + 1) × KPI_COUNT, the total last */
    uint8_t *present;
    uint32_t *contact_starts, *contact_list;  /* rows + 1 offsets; record order */
    uint32_t *chain_starts, *chain_list;      /* rows + 1 offsets; chain order */
    size_t contacts;
    bool has_ledger;
    bool adjusted;                /* escalation figures present */
    char currency[4];
    int64_t ledger_total, unallocated, adjusted_unallocated;
    uint64_t ledger_fingerprint;
};

static void release_keys(skpi_breakdown *b)
{
    for (size_t j = 0; b->keys && j < b->key_count; j++)
        skpi__free(b->keys[j].name);
    skpi__free(b->keys);
}

void skpi_breakdown_free(skpi_breakdown *b)
{
    if (!b)
        return;
    for (size_t i = 0; b->key_text && i < b->rows * b->key_count; i++)
        skpi__free(b->key_text[i]);
    release_keys(b);
    skpi__free(b->key_text);
    skpi__free(b->row_keys);
    skpi__free(b->values);
    skpi__free(b->present);
    skpi__free(b->contact_starts);
    skpi__free(b->contact_list);
    skpi__free(b->chain_starts);
    skpi__free(b->chain_list);
    skpi__free(b);
}

static int add_key(skpi_breakdown *b, const char *name, skpi_error *err)
{
    static const char *const fixed[] = { "channel", "reason", "tier", "outcome" };
    static const int fixed_column[] = { SKPI__COL_CHANNEL, SKPI__COL_REASON, SKPI__COL_TIER,
                                        SKPI__COL_OUTCOME };
    key_column *k = &b->keys[b->key_count];
    if (!name || !*name)
        return skpi__fail(err, SKPI_EINVAL, "by: a grouping key is empty");
    for (size_t j = 0; j < b->key_count; j++)
        if (strcmp(b->keys[j].name, name) == 0)
            return skpi__fail(err, SKPI_EINVAL, "by: '%.64s' is given twice", name);
    for (int f = 0; f < 4 && !k->values; f++) {
        if (strcmp(name, fixed[f]) == 0) {
            k->source = (enum key_source)f;
            k->values = skpi__records_column(b->records, fixed_column[f]);
            k->pool = f < 2 ? skpi__records_pool(b->records, fixed_column[f]) : NULL;
        }
    }
    size_t d;
    if (!k->values) {
        if (skpi_records_dimension_index(b->records, name, &d) != SKPI_OK)
            return skpi__fail(err, SKPI_EINVAL,
                              "by: '%.64s' is not channel, reason, tier, outcome or a dimension",
                              name);
        k->source = KEY_DIMENSION;
        k->values = skpi__records_dimension_column(b->records, d);
        k->pool = skpi__records_dimension_pool(b->records, d);
    }
    if (!(k->name = skpi__strndup(name, strlen(name))))
        return skpi__fail(err, SKPI_ENOMEM, "by: out of memory");
    b->key_count++;
    return SKPI_OK;
}

static int set_keys(skpi_breakdown *b, const skpi_breakdown_options *o, skpi_error *err)
{
    if (o->version != 1 && o->version != SKPI_BREAKDOWN_OPTIONS_VERSION)
        return skpi__fail(err, SKPI_EINVAL, "options: version %u is not 1 or %d", o->version,
                          SKPI_BREAKDOWN_OPTIONS_VERSION);
    if (o->by_count && !o->by)
        return skpi__fail(err, SKPI_EINVAL, "by: %zu keys but no array", o->by_count);
    if (o->bucket != SKPI_BUCKET_NONE && !skpi_bucket_name(o->bucket))
        return skpi__fail(err, SKPI_EINVAL, "bucket: %d is not day, week, month or quarter", o->bucket);
    if (o->view != SKPI_VIEW_PERIOD && o->view != SKPI_VIEW_COHORT)
        return skpi__fail(err, SKPI_EINVAL, "view: %d is neither period (0) nor cohort (1)", o->view);
    b->bucket = o->bucket;
    b->view = o->view;
    b->threads = o->version >= 2 ? o->threads : 1;  /* a version-1 struct ends before it */
    b->keys = skpi__calloc(o->by_count + 1, sizeof *b->keys);
    if (!b->keys)
        return skpi__fail(err, SKPI_ENOMEM, "by: out of memory");
    for (size_t j = 0; j < o->by_count; j++) {
        int rc = add_key(b, o->by[j], err);
        if (rc != SKPI_OK)
            return rc;
    }
    if (b->bucket != SKPI_BUCKET_NONE) {
        const char *unit = skpi_bucket_name(b->bucket);
        for (size_t j = 0; j < b->key_count; j++)
            if (strcmp(b->keys[j].name, unit) == 0)
                return skpi__fail(err, SKPI_EINVAL, "bucket: a grouping key is already named '%s'",
                                  unit);
        b->keys[b->key_count].source = KEY_BUCKET;
        if (!(b->keys[b->key_count].name = skpi__strndup(unit, strlen(unit))))
            return skpi__fail(err, SKPI_ENOMEM, "bucket: out of memory");
        b->key_count++;
    }
    return SKPI_OK;
}

/* ---- rows: a hash of key tuples ---- */

typedef struct row_index {
    size_t width;
    int64_t *keys;    /* rows × width */
    size_t rows, cap;
    uint32_t *slots;  /* row + 1, 0 = empty */
    size_t mask;
} row_index;

static uint64_t hash_key(const int64_t *key, size_t width)
{
    uint64_t h = UINT64_C(0x9E3779B97F4A7C15);
    for (size_t j = 0; j < width; j++) {
        h = (h ^ (uint64_t)key[j]) * UINT64_C(0xD6E8FEB86659FD93);
        h ^= h >> 32;
    }
    return h;
}

static int index_grow(row_index *ix)
{
    size_t slots = ix->mask ? (ix->mask + 1) * 2 : 64;
    uint32_t *table = skpi__calloc(slots, sizeof *table);
    if (!table)
        return SKPI_ENOMEM;
    for (size_t r = 0; r < ix->rows; r++) {
        size_t i = (size_t)hash_key(ix->keys + r * ix->width, ix->width) & (slots - 1);
        while (table[i])
            i = (i + 1) & (slots - 1);
        table[i] = (uint32_t)r + 1;
    }
    skpi__free(ix->slots);
    ix->slots = table;
    ix->mask = slots - 1;
    return SKPI_OK;
}

/* The row of `key`, added if new. */
static int row_of(row_index *ix, const int64_t *key, uint32_t *row)
{
    if (!ix->mask || (ix->rows + 1) * 4 > (ix->mask + 1) * 3) {
        int rc = index_grow(ix);
        if (rc != SKPI_OK)
            return rc;
    }
    size_t bytes = ix->width * sizeof *key;
    size_t i = (size_t)hash_key(key, ix->width) & ix->mask;
    for (; ix->slots[i]; i = (i + 1) & ix->mask) {
        if (memcmp(ix->keys + (ix->slots[i] - 1) * ix->width, key, bytes) == 0) {
            *row = ix->slots[i] - 1;
            return SKPI_OK;
        }
    }
    void *keys = ix->keys;
    size_t cap = ix->cap * ix->width;
    if (skpi__reserve(&keys, &cap, (ix->rows + 1) * ix->width + 1, sizeof *key) != SKPI_OK)
        return SKPI_ENOMEM;
    ix->keys = keys;
    ix->cap = cap / (ix->width ? ix->width : 1);
    memcpy(ix->keys + ix->rows * ix->width, key, bytes);
    ix->slots[i] = (uint32_t)ix->rows + 1;
    *row = (uint32_t)ix->rows++;
    return SKPI_OK;
}

/* ---- chains ---- */

/* Chain c's members, in stitching order: members[0 .. *size). */
static const uint32_t *chain_members(const skpi_chains *chains, size_t c, size_t *size)
{
    const uint32_t *starts = skpi__chains_starts(chains);
    *size = starts[c + 1] - starts[c];
    return skpi__chains_order(chains) + starts[c];
}

/* The latest closed_at of the members, SKPI_UNSET when none is closed (as
 * skpi_chain_latest_close()). */
static int64_t latest_close(const skpi__intcol *closed, const uint32_t *members, size_t size)
{
    int64_t latest = SKPI_UNSET;
    for (size_t k = 0; k < size; k++) {
        int64_t v = skpi__intcol_get(closed, members[k]);
        if (v != SKPI_UNSET && (latest == SKPI_UNSET || v > latest))
            latest = v;
    }
    return latest;
}

/* ---- keying ---- */

static int64_t attribute(const key_column *k, size_t contact)
{
    return skpi__intcol_get(k->values, contact);
}

/* Contact i's key: its own attributes and the bucket of its opened_at. */
static void contact_key(const skpi_breakdown *b, size_t i, int64_t *key)
{
    const skpi__intcol *opened = skpi__records_column(b->records, SKPI__COL_OPENED);
    for (size_t j = 0; j < b->key_count; j++)
        key[j] = b->keys[j].source == KEY_BUCKET
                     ? skpi__bucket_of(skpi__intcol_get(opened, i), b->bucket)
                     : attribute(&b->keys[j], i);
}

/* A placed chain's key: its anchor's attributes; its bucket from the latest
 * close (period view) or the anchor's opened_at (cohort view). */
static void chain_key(const skpi_breakdown *b, size_t chain, int64_t *key)
{
    size_t anchor = skpi_chain_anchor(b->chains, chain);
    contact_key(b, anchor, key);
    if (b->bucket != SKPI_BUCKET_NONE && b->view == SKPI_VIEW_PERIOD) {
        size_t size;
        const uint32_t *members = chain_members(b->chains, chain, &size);
        int64_t close = latest_close(skpi__records_column(b->records, SKPI__COL_CLOSED), members,
                                     size);
        key[b->key_count - 1] = skpi__bucket_of(close, b->bucket);
    }
}

static bool placed(const uint8_t *status, size_t chain)
{
    int s = status[chain] & SKPI__CHAIN_STATUS_MASK;
    return s == SKPI_CHAIN_RESOLVED || s == SKPI_CHAIN_UNRESOLVED;
}

/* Contacts [first, end) and chains [first_chain, end_chain): one thread's
 * share of passes 1 and 3. */
typedef struct share {
    size_t first, end;
    size_t first_chain, end_chain;
} share;

/* Everything on one thread. */
static share whole(const skpi_breakdown *b)
{
    share s = { 0, b->contacts, 0, skpi_chains_count(b->chains) };
    return s;
}

/* Half of the contacts and half of the chains: the first or the second. */
static share half(const skpi_breakdown *b, int which)
{
    share s = whole(b);
    size_t mid = s.end / 2, mid_chain = s.end_chain / 2;
    if (which == 0) {
        s.end = mid;
        s.end_chain = mid_chain;
    } else {
        s.first = mid;
        s.first_chain = mid_chain;
    }
    return s;
}

/* Pass 1 for a share: the row in ix of each of its contacts and placed
 * chains (UINT32_MAX: none). */
static int assign_rows(const skpi_breakdown *b, share sh, row_index *ix, uint32_t *contact_row,
                       uint32_t *chain_row)
{
    int64_t *key = skpi__calloc(b->key_count + 1, sizeof *key);
    if (!key)
        return SKPI_ENOMEM;
    int rc = SKPI_OK;
    for (size_t i = sh.first; rc == SKPI_OK && i < sh.end; i++) {
        contact_key(b, i, key);
        rc = row_of(ix, key, &contact_row[i]);
    }
    const uint8_t *status = skpi__chains_status(b->chains);
    for (size_t c = sh.first_chain; rc == SKPI_OK && c < sh.end_chain; c++) {
        chain_row[c] = UINT32_MAX;
        if (!placed(status, c))
            continue;
        chain_key(b, c, key);
        rc = row_of(ix, key, &chain_row[c]);
    }
    skpi__free(key);
    return rc;
}

/* One thread's pass 1. */
typedef struct assign_job {
    const skpi_breakdown *b;
    share sh;
    row_index ix;
    uint32_t *contact_row, *chain_row;
} assign_job;

static int assign_job_run(void *arg)
{
    assign_job *j = arg;
    return assign_rows(j->b, j->sh, &j->ix, j->contact_row, j->chain_row);
}

/* Give the rows of `from` to `into` (adding the keys it lacks) and renumber
 * the share's contacts and chains to them. */
static int merge_rows(row_index *into, const assign_job *from)
{
    uint32_t *row = skpi__calloc(from->ix.rows + 1, sizeof *row);
    if (!row)
        return SKPI_ENOMEM;
    int rc = SKPI_OK;
    for (size_t r = 0; rc == SKPI_OK && r < from->ix.rows; r++)
        rc = row_of(into, from->ix.keys + r * from->ix.width, &row[r]);
    for (size_t i = from->sh.first; rc == SKPI_OK && i < from->sh.end; i++)
        from->contact_row[i] = row[from->contact_row[i]];
    for (size_t c = from->sh.first_chain; rc == SKPI_OK && c < from->sh.end_chain; c++)
        if (from->chain_row[c] != UINT32_MAX)
            from->chain_row[c] = row[from->chain_row[c]];
    skpi__free(row);
    return rc;
}

/* Pass 1: the row in ix of every contact and placed chain, on two threads
 * when asked: each keys half of them into a hash of its own, and the
 * second's rows are then merged into the first's. */
static int assign_all_rows(const skpi_breakdown *b, row_index *ix, uint32_t *contact_row,
                           uint32_t *chain_row)
{
    if (b->threads < 2)
        return assign_rows(b, whole(b), ix, contact_row, chain_row);
    assign_job jobs[2] = {
        { b, half(b, 0), { .width = b->key_count }, contact_row, chain_row },
        { b, half(b, 1), { .width = b->key_count }, contact_row, chain_row },
    };
    int rc = skpi__twin_run(b->threads, (skpi__job){ assign_job_run, &jobs[0] },
                            (skpi__job){ assign_job_run, &jobs[1] });
    *ix = jobs[0].ix;
    if (rc == SKPI_OK)
        rc = merge_rows(ix, &jobs[1]);
    skpi__free(jobs[1].ix.keys);
    skpi__free(jobs[1].ix.slots);
    return rc;
}

/* ---- pass 2: row order ---- */

static int compare_value(const key_column *k, int64_t x, int64_t y)
{
    switch (k->source) {
    case KEY_CHANNEL:
    case KEY_REASON:
    case KEY_DIMENSION:
        if (x == 0 || y == 0)  /* id 0 is the empty string: NULL, first */
            return (x != 0) - (y != 0);
        return strcmp(skpi__strpool_get(k->pool, (uint32_t)x), skpi__strpool_get(k->pool, (uint32_t)y));
    case KEY_OUTCOME:
        return strcmp(skpi_outcome_name((int)x), skpi_outcome_name((int)y));
    default:
        return (x > y) - (x < y);
    }
}

static int compare_rows(const void *context, uint32_t a, uint32_t b)
{
    const skpi_breakdown *bd = ((const void *const *)context)[0];
    const int64_t *keys = ((const void *const *)context)[1];
    for (size_t j = 0; j < bd->key_count; j++) {
        int d = compare_value(&bd->keys[j], keys[a * bd->key_count + j], keys[b * bd->key_count + j]);
        if (d)
            return d;
    }
    return 0;
}

/* Sort the rows and renumber contact_row / chain_row to the sorted order. */
static int order_rows(skpi_breakdown *b, row_index *ix, uint32_t *contact_row,
                      uint32_t *chain_row, size_t chains)
{
    size_t n = ix->rows;
    uint32_t *order = skpi__calloc(n + 1, sizeof *order);
    uint32_t *rank = skpi__calloc(n + 1, sizeof *rank);
    b->row_keys = skpi__calloc(n * b->key_count + 1, sizeof *b->row_keys);
    int rc = order && rank && b->row_keys ? SKPI_OK : SKPI_ENOMEM;
    for (size_t r = 0; rc == SKPI_OK && r < n; r++)
        order[r] = (uint32_t)r;
    const void *context[2] = { b, ix->keys };
    if (rc == SKPI_OK)
        rc = skpi__sort_u32(order, n, compare_rows, context);
    if (rc == SKPI_OK) {
        for (size_t r = 0; r < n; r++) {
            rank[order[r]] = (uint32_t)r;
            memcpy(b->row_keys + r * b->key_count, ix->keys + order[r] * b->key_count,
                   b->key_count * sizeof *b->row_keys);
        }
        for (size_t i = 0; i < b->contacts; i++)
            contact_row[i] = rank[contact_row[i]];
        for (size_t c = 0; c < chains; c++)
            if (chain_row[c] != UINT32_MAX)
                chain_row[c] = rank[chain_row[c]];
        b->rows = n;
    }
    skpi__free(order);
    skpi__free(rank);
    return rc;
}

/* ---- pass 3: tallies ---- */

typedef struct contact_columns {
    const skpi__intcol *opened, *first_response, *closed, *tier, *escalations, *reopens,
        *csat, *outcome;
} contact_columns;

static contact_columns contact_columns_of(const skpi_records *r)
{
    contact_columns c = {
        skpi__records_column(r, SKPI__COL_OPENED), skpi__records_column(r, SKPI__COL_FIRST_RESPONSE),
        skpi__records_column(r, SKPI__COL_CLOSED), skpi__records_column(r, SKPI__COL_TIER),
        skpi__records_column(r, SKPI__COL_ESCALATIONS), skpi__records_column(r, SKPI__COL_REOPENS),
        skpi__records_column(r, SKPI__COL_CSAT), skpi__records_column(r, SKPI__COL_OUTCOME),
    };
    return c;
}

/* SPEC §1: escalated when escalations > 0 or the outcome is escalated. */
static bool was_escalated(const contact_columns *c, size_t i)
{
    return skpi__intcol_get(c->escalations, i) > 0
           || skpi__intcol_get(c->outcome, i) == SKPI_OUTCOME_ESCALATED;
}

static void tally_contact(tally *t, const contact_columns *c, size_t i, bool repeat)
{
    int64_t opened = skpi__intcol_get(c->opened, i);
    int64_t closed = skpi__intcol_get(c->closed, i);
    int64_t first = skpi__intcol_get(c->first_response, i);
    int64_t csat = skpi__intcol_get(c->csat, i);
    t->contacts++;
    t->repeats += repeat;
    if (skpi__intcol_get(c->outcome, i) != SKPI_OUTCOME_OPEN) {
        t->closed++;
        t->escalated += was_escalated(c, i);
        t->reopened += skpi__intcol_get(c->reopens, i) > 0;
        t->n[TIME_TO_CLOSE]++;
        t->sum[TIME_TO_CLOSE] += closed - (__int128)opened;
    }
    if (first != SKPI_UNSET) {
        t->n[TIME_FIRST_RESPONSE]++;
        t->sum[TIME_FIRST_RESPONSE] += first - (__int128)opened;
    }
    if (csat != SKPI_UNSET) {
        t->csat_rated++;
        t->csat_good += csat >= 4;
    }
}

/* A settled chain placed in a row: its members[0 .. size). */
static void tally_chain(tally *t, const contact_columns *c, const uint32_t *members, size_t size,
                        bool resolved)
{
    bool escalated = false, automated = true;
    for (size_t k = 0; k < size; k++) {
        escalated |= was_escalated(c, members[k]);
        automated &= skpi__intcol_get(c->tier, members[k]) == 0;
    }
    t->chains_escalated += escalated;
    if (!resolved) {
        t->unresolved++;
        return;
    }
    size_t first = members[0];
    t->resolved++;
    t->resolved_contacts += (int64_t)size;
    t->automated += automated;
    t->fcr += size == 1 && !escalated && skpi__intcol_get(c->reopens, first) == 0;
    /* In 128 bits: with times anywhere in int64 a duration may exceed INT64_MAX. */
    __int128 time = latest_close(c->closed, members, size)
                    - (__int128)skpi__intcol_get(c->opened, first);
    t->n[TIME_RESOLUTION]++;
    t->sum[TIME_RESOLUTION] += time;
}

/* Bit i: contact i is not the first of its chain. */
static uint8_t *repeat_bits(const skpi_chains *chains, size_t contacts)
{
    uint8_t *bits = skpi__calloc(contacts / 8 + 1, 1);
    if (!bits)
        return NULL;
    for (size_t c = 0; c < skpi_chains_count(chains); c++) {
        size_t size;
        const uint32_t *members = chain_members(chains, c, &size);
        for (size_t k = 1; k < size; k++)
            bits[members[k] / 8] |= (uint8_t)(1u << (members[k] % 8));
    }
    return bits;
}

static bool is_repeat(const uint8_t *bits, size_t i)
{
    return bits[i / 8] & (1u << (i % 8));
}

/* ---- pass 4: percentiles ---- */

/* Values of one time metric, row by row: row r's run is
 * values[starts[r] .. starts[r+1]), the total's run is all of them.  A
 * duration is >= 0 but, with times anywhere in int64, may exceed INT64_MAX:
 * durations are kept unsigned. */
typedef struct time_values {
    uint64_t *values;  /* a buffer for the metric with the most values, reused */
    size_t *starts;    /* rows + 1 */
    size_t *fill;      /* rows */
} time_values;

static int time_values_init(time_values *v, const tally *tallies, size_t rows, int metric,
                            uint64_t *buffer)
{
    v->starts = skpi__calloc(rows + 1, sizeof *v->starts);
    v->fill = skpi__calloc(rows + 1, sizeof *v->fill);
    v->values = buffer;
    if (!v->starts || !v->fill)
        return SKPI_ENOMEM;
    for (size_t r = 0; r < rows; r++) {
        v->starts[r + 1] = v->starts[r] + (size_t)tallies[r].n[metric];
        v->fill[r] = v->starts[r];
    }
    return SKPI_OK;
}

static void time_values_release(time_values *v)
{
    skpi__free(v->starts);
    skpi__free(v->fill);
}

static void time_values_add(time_values *v, uint32_t row, uint64_t value)
{
    v->values[v->fill[row]++] = value;
}

/* The k-th smallest (from 0) of a[0..n), k < n, by radix selection: from
 * the highest byte that varies down, keep at the front only the values whose
 * byte holds rank k.  Linear and in place, where sorting would need a buffer
 * as large as a; a is reordered. */
static uint64_t select_rank(uint64_t *a, size_t n, size_t k)
{
    uint64_t all_ones = UINT64_MAX, any_one = 0;
    for (size_t i = 0; i < n; i++) {
        all_ones &= a[i];
        any_one |= a[i];
    }
    uint64_t varies = all_ones ^ any_one;
    for (int shift = 56; shift >= 0 && n > 1; shift -= 8) {
        if (((varies >> shift) & 0xFF) == 0)
            continue;
        size_t count[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[(a[i] >> shift) & 0xFF]++;
        unsigned byte = 0;
        for (; k >= count[byte]; byte++)
            k -= count[byte];
        /* a[0..kept) hold the byte, a[kept..i) do not; swapping every value
         * keeps that true without a branch the data would mispredict */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            uint64_t x = a[i];
            a[i] = a[kept];
            a[kept] = x;
            kept += ((x >> shift) & 0xFF) == byte;
        }
        n = kept;
    }
    return a[k];
}

/* Nearest rank of a run: the value at rank ceil(p × n) in sorted order. */
static uint64_t nearest_rank(uint64_t *run, size_t n, int p_num, int p_den)
{
    size_t rank = (size_t)(((__int128)n * p_num + p_den - 1) / p_den);
    return select_rank(run, n, rank ? rank - 1 : 0);
}

/* ---- cells ---- */

static void set_cell(skpi_breakdown *b, size_t slot, int kpi, __int128 value)
{
    b->values[slot * KPI_COUNT + (size_t)kpi] = value;
    b->present[slot * KPI_COUNT + (size_t)kpi] = 1;
}

/* num / den in units of 1e-9, rounded half to even; absent when den is 0. */
static void set_ratio(skpi_breakdown *b, size_t slot, int kpi, __int128 num, int64_t den)
{
    if (den == 0)
        return;
    __int128 scaled = num * 1000000000;
    __int128 q = skpi__floor_div128(scaled, den);
    __int128 twice_r = 2 * skpi__floor_mod128(scaled, den);
    if (twice_r > den || (twice_r == den && (q & 1)))
        q++;
    set_cell(b, slot, kpi, q);
}

/* The KPIs of each time metric: mean, median, p90. */
static const int time_kpis[3][3] = {
    [TIME_RESOLUTION] = { SKPI_KPI_RESOLUTION_TIME_MEAN, SKPI_KPI_RESOLUTION_TIME_MEDIAN,
                          SKPI_KPI_RESOLUTION_TIME_P90 },
    [TIME_TO_CLOSE] = { SKPI_KPI_TIME_TO_CLOSE_MEAN, SKPI_KPI_TIME_TO_CLOSE_MEDIAN,
                        SKPI_KPI_TIME_TO_CLOSE_P90 },
    [TIME_FIRST_RESPONSE] = { SKPI_KPI_FIRST_RESPONSE_MEAN, SKPI_KPI_FIRST_RESPONSE_MEDIAN,
                              SKPI_KPI_FIRST_RESPONSE_P90 },
};

/* One slot's mean, median and p90 of a metric; its run is reordered. */
static void set_times(skpi_breakdown *b, size_t slot, const tally *t, int metric, uint64_t *run)
{
    int64_t n = t->n[metric];
    set_ratio(b, slot, time_kpis[metric][0], t->sum[metric], n);
    if (n == 0)
        return;
    set_cell(b, slot, time_kpis[metric][1], nearest_rank(run, (size_t)n, 1, 2));
    set_cell(b, slot, time_kpis[metric][2], nearest_rank(run, (size_t)n, 9, 10));
}

/* Every KPI of one slot that does not involve money or times. */
static void set_counts_and_rates(skpi_breakdown *b, size_t slot, const tally *t)
{
    int64_t settled = t->resolved + t->unresolved;
    const int64_t counts[][2] = {
        { SKPI_KPI_CONTACTS, t->contacts }, { SKPI_KPI_CLOSED_CONTACTS, t->closed },
        { SKPI_KPI_ESCALATED_CONTACTS, t->escalated }, { SKPI_KPI_REPEAT_CONTACTS, t->repeats },
        { SKPI_KPI_REOPENED_CONTACTS, t->reopened }, { SKPI_KPI_RESOLVED_CHAINS, t->resolved },
        { SKPI_KPI_UNRESOLVED_CHAINS, t->unresolved }, { SKPI_KPI_SETTLED_CHAINS, settled },
    };
    for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++)
        set_cell(b, slot, (int)counts[k][0], counts[k][1]);
    set_ratio(b, slot, SKPI_KPI_FCR, t->fcr, settled);
    set_ratio(b, slot, SKPI_KPI_REOPEN_RATE, t->reopened, t->closed);
    set_ratio(b, slot, SKPI_KPI_ESCALATION_RATE, t->escalated, t->closed);
    set_ratio(b, slot, SKPI_KPI_CHAIN_ESCALATION_RATE, t->chains_escalated, settled);
    set_ratio(b, slot, SKPI_KPI_REPEAT_RATE, t->repeats, t->contacts);
    set_ratio(b, slot, SKPI_KPI_AUTOMATION_RATE, t->automated, t->resolved);
    set_ratio(b, slot, SKPI_KPI_CSAT, t->csat_good, t->csat_rated);
    set_ratio(b, slot, SKPI_KPI_CONTACTS_PER_RESOLUTION, t->resolved_contacts, t->resolved);
}

/* ---- assembling the result ---- */

typedef struct work {
    const skpi_ledger *ledger;
    skpi__allocation money;
    uint32_t *contact_row;
    uint32_t *chain_row;
    uint8_t *repeats;
    tally *tallies;         /* rows + 1, the total last */
} work;

static void work_release(work *w)
{
    skpi__allocation_release(&w->money);
    skpi__free(w->contact_row);
    skpi__free(w->chain_row);
    skpi__free(w->repeats);
    skpi__free(w->tallies);
}

static void add_tally(tally *to, const tally *t)
{
    to->contacts += t->contacts;
    to->closed += t->closed;
    to->escalated += t->escalated;
    to->repeats += t->repeats;
    to->reopened += t->reopened;
    to->csat_rated += t->csat_rated;
    to->csat_good += t->csat_good;
    to->resolved += t->resolved;
    to->unresolved += t->unresolved;
    to->fcr += t->fcr;
    to->chains_escalated += t->chains_escalated;
    to->resolved_contacts += t->resolved_contacts;
    to->automated += t->automated;
    to->open_chains += t->open_chains;
    to->pending_chains += t->pending_chains;
    for (int m = 0; m < 3; m++) {
        to->n[m] += t->n[m];
        to->sum[m] += t->sum[m];
    }
}

/* Tally a share's contacts and placed chains into their rows of
 * tallies[0..rows), and its open and pending chains into tallies[rows]. */
static void tally_share(const skpi_breakdown *b, const work *w, share sh, tally *tallies)
{
    contact_columns c = contact_columns_of(b->records);
    for (size_t i = sh.first; i < sh.end; i++)
        tally_contact(&tallies[w->contact_row[i]], &c, i, is_repeat(w->repeats, i));
    tally *total = &tallies[b->rows];
    const uint8_t *status = skpi__chains_status(b->chains);
    for (size_t ch = sh.first_chain; ch < sh.end_chain; ch++) {
        int s = status[ch] & SKPI__CHAIN_STATUS_MASK;
        total->open_chains += s == SKPI_CHAIN_OPEN;
        total->pending_chains += s == SKPI_CHAIN_PENDING;
        if (w->chain_row[ch] == UINT32_MAX)
            continue;
        size_t size;
        const uint32_t *members = chain_members(b->chains, ch, &size);
        tally_chain(&tallies[w->chain_row[ch]], &c, members, size, s == SKPI_CHAIN_RESOLVED);
    }
}

/* The second thread's share of pass 3, into counts of its own. */
typedef struct tally_job {
    const skpi_breakdown *b;
    const work *w;
    tally *tallies;  /* rows + 1 */
} tally_job;

static int tally_job_run(void *arg)
{
    tally_job *j = arg;
    j->tallies = skpi__calloc(j->b->rows + 1, sizeof *j->tallies);
    if (!j->tallies)
        return SKPI_ENOMEM;
    tally_share(j->b, j->w, half(j->b, 1), j->tallies);
    return SKPI_OK;
}

static int tally_first_half(void *arg)
{
    tally_job *j = arg;
    tally_share(j->b, j->w, half(j->b, 0), j->tallies);
    return SKPI_OK;
}

/* Tally every contact and placed chain into its row of w->tallies (zeroed),
 * on two threads when asked; the total is the sum of the rows (every
 * contact and placed chain is in exactly one), plus the chains no row
 * holds: open and pending. */
static int tally_all(const skpi_breakdown *b, work *w)
{
    if (b->threads < 2) {
        tally_share(b, w, whole(b), w->tallies);
    } else {
        tally_job jobs[2] = { { b, w, w->tallies }, { b, w, NULL } };
        int rc = skpi__twin_run(b->threads, (skpi__job){ tally_first_half, &jobs[0] },
                                (skpi__job){ tally_job_run, &jobs[1] });
        for (size_t slot = 0; rc == SKPI_OK && slot <= b->rows; slot++)
            add_tally(&w->tallies[slot], &jobs[1].tallies[slot]);
        skpi__free(jobs[1].tallies);
        if (rc != SKPI_OK)
            return rc;
    }
    tally *total = &w->tallies[b->rows];
    for (size_t r = 0; r < b->rows; r++)
        add_tally(total, &w->tallies[r]);
    return SKPI_OK;
}

/* Gather time to close or first response of every contact into its row's run. */
static void gather_contact_times(const skpi_breakdown *b, const work *w, int metric,
                                 time_values *v)
{
    contact_columns c = contact_columns_of(b->records);
    for (size_t i = 0; i < b->contacts; i++) {
        int64_t opened = skpi__intcol_get(c.opened, i);
        if (metric == TIME_TO_CLOSE && skpi__intcol_get(c.outcome, i) != SKPI_OUTCOME_OPEN)
            time_values_add(v, w->contact_row[i],
                            (uint64_t)skpi__intcol_get(c.closed, i) - (uint64_t)opened);
        int64_t first = skpi__intcol_get(c.first_response, i);
        if (metric == TIME_FIRST_RESPONSE && first != SKPI_UNSET)
            time_values_add(v, w->contact_row[i], (uint64_t)first - (uint64_t)opened);
    }
}

/* Gather the resolution time of every placed resolved chain into its row's run. */
static void gather_resolution_times(const skpi_breakdown *b, const work *w, time_values *v)
{
    contact_columns c = contact_columns_of(b->records);
    const uint8_t *status = skpi__chains_status(b->chains);
    for (size_t ch = 0; ch < skpi_chains_count(b->chains); ch++) {
        if (w->chain_row[ch] == UINT32_MAX
            || (status[ch] & SKPI__CHAIN_STATUS_MASK) != SKPI_CHAIN_RESOLVED)
            continue;
        size_t size;
        const uint32_t *members = chain_members(b->chains, ch, &size);
        int64_t first_opened = skpi__intcol_get(c.opened, members[0]);
        time_values_add(v, w->chain_row[ch],
                        (uint64_t)latest_close(c.closed, members, size) - (uint64_t)first_opened);
    }
}

/* One time metric in every row and the total, its values gathered into
 * `buffer`: one metric's values at a time are held. */
static int set_time_metric(skpi_breakdown *b, const work *w, int metric, uint64_t *buffer)
{
    time_values v = { 0 };
    int rc = time_values_init(&v, w->tallies, b->rows, metric, buffer);
    if (rc == SKPI_OK) {
        if (metric == TIME_RESOLUTION)
            gather_resolution_times(b, w, &v);
        else
            gather_contact_times(b, w, metric, &v);
        for (size_t r = 0; r < b->rows; r++)
            set_times(b, r, &w->tallies[r], metric, v.values + v.starts[r]);
        set_times(b, b->rows, &w->tallies[b->rows], metric, v.values);
    }
    time_values_release(&v);
    return rc;
}

static int fill_cells(skpi_breakdown *b, work *w)
{
    size_t slots = b->rows + 1;
    b->values = skpi__calloc(slots * KPI_COUNT, sizeof *b->values);
    b->present = skpi__calloc(slots * KPI_COUNT, 1);
    if (!b->values || !b->present)
        return SKPI_ENOMEM;
    for (size_t slot = 0; slot < slots; slot++)
        set_counts_and_rates(b, slot, &w->tallies[slot]);
    tally *total = &w->tallies[b->rows];
    size_t most = 0;
    for (int m = 0; m < 3; m++)
        most = (size_t)total->n[m] > most ? (size_t)total->n[m] : most;
    /* not zeroed: the rows' counts add up to the total, so gathering fills
     * every slot a metric uses */
    uint64_t *buffer = skpi__malloc((most + 1) * sizeof *buffer);
    int rc = buffer ? SKPI_OK : SKPI_ENOMEM;
    for (int m = 0; rc == SKPI_OK && m < 3; m++)
        rc = set_time_metric(b, w, m, buffer);
    skpi__free(buffer);
    if (rc != SKPI_OK)
        return rc;
    set_cell(b, b->rows, SKPI_KPI_OPEN_CHAINS, total->open_chains);
    set_cell(b, b->rows, SKPI_KPI_PENDING_CHAINS, total->pending_chains);
    return SKPI_OK;
}

/* One money column: rows by largest remainder, the total half to even. */
static int set_money_column(skpi_breakdown *b, const skpi__allocation *m, int column, int kpi)
{
    int64_t *rounded = skpi__calloc(b->rows + 1, sizeof *rounded);
    if (!rounded)
        return SKPI_ENOMEM;
    int rc = skpi__exact_round_rows(m->values[column], b->rows,
                                    skpi__allocation_denoms(m, column), rounded,
                                    &rounded[b->rows]);
    for (size_t slot = 0; rc == SKPI_OK && slot <= b->rows; slot++)
        set_cell(b, slot, kpi, rounded[slot]);
    skpi__free(rounded);
    return rc;
}

/* CPT, CPR or adjusted CPR of one slot: the exact cost over a count. */
static int set_cost_per(skpi_breakdown *b, const skpi__allocation *m, size_t slot, int column,
                        int64_t count, int kpi)
{
    int64_t value;
    int rc = skpi__exact_div_round(&m->values[column][slot], skpi__allocation_denoms(m, column),
                                   count, &value);
    if (rc == SKPI_OK)
        set_cell(b, slot, kpi, value);
    return rc == SKPI_ABSENT ? SKPI_OK : rc;
}

static int set_money(skpi_breakdown *b, const work *w)
{
    static const int kpi_of[SKPI__MONEY_COLUMNS] = {
        SKPI_KPI_COST, SKPI_KPI_FAILURE_DEMAND_COST, SKPI_KPI_ESCALATION_ADJUSTED_COST,
        SKPI_KPI_ESCALATION_PREMIUM,
    };
    const skpi__allocation *m = &w->money;
    int columns = m->adjusted ? SKPI__MONEY_COLUMNS : SKPI__MONEY_ADJUSTED_COST;
    int rc = SKPI_OK;
    for (int c = 0; rc == SKPI_OK && c < columns; c++)
        rc = set_money_column(b, m, c, kpi_of[c]);
    for (size_t slot = 0; rc == SKPI_OK && slot <= b->rows; slot++) {
        const tally *t = &w->tallies[slot];
        rc = set_cost_per(b, m, slot, SKPI__MONEY_COST, t->closed, SKPI_KPI_CPT);
        if (rc == SKPI_OK)
            rc = set_cost_per(b, m, slot, SKPI__MONEY_COST, t->resolved, SKPI_KPI_CPR);
        if (rc == SKPI_OK && m->adjusted)
            rc = set_cost_per(b, m, slot, SKPI__MONEY_ADJUSTED_COST, t->resolved,
                              SKPI_KPI_CPR_ESCALATION_ADJUSTED);
    }
    return rc;
}

/* Row-by-row lists of indices (CSR) from each item's row. */
static int group_by_row(const uint32_t *row_of_item, size_t items, size_t rows,
                        uint32_t **starts_out, uint32_t **list_out)
{
    uint32_t *starts = skpi__calloc(rows + 2, sizeof *starts);
    /* not zeroed: the slots read, those of items in a row, are written below */
    uint32_t *list = skpi__malloc((items + 1) * sizeof *list);
    if (!starts || !list) {
        skpi__free(starts);
        skpi__free(list);
        return SKPI_ENOMEM;
    }
    for (size_t i = 0; i < items; i++)
        if (row_of_item[i] != UINT32_MAX)
            starts[row_of_item[i] + 2]++;
    for (size_t r = 0; r < rows; r++)
        starts[r + 2] += starts[r + 1];
    for (size_t i = 0; i < items; i++)
        if (row_of_item[i] != UINT32_MAX)
            list[starts[row_of_item[i] + 1]++] = (uint32_t)i;
    *starts_out = starts;
    *list_out = list;
    return SKPI_OK;
}

static int key_texts(skpi_breakdown *b)
{
    b->key_text = skpi__calloc(b->rows * b->key_count + 1, sizeof *b->key_text);
    if (!b->key_text)
        return SKPI_ENOMEM;
    for (size_t r = 0; r < b->rows; r++) {
        for (size_t j = 0; j < b->key_count; j++) {
            const key_column *k = &b->keys[j];
            int64_t v = b->row_keys[r * b->key_count + j];
            char text[48];
            const char *s = text;
            if (k->source == KEY_BUCKET)
                skpi__bucket_label(v, b->bucket, text, sizeof text);
            else if (k->source == KEY_TIER)
                snprintf(text, sizeof text, "%lld", (long long)v);
            else if (k->source == KEY_OUTCOME)
                s = skpi_outcome_name((int)v);
            else
                s = v ? skpi__strpool_get(k->pool, (uint32_t)v) : NULL;
            if (s && !(b->key_text[r * b->key_count + j] = skpi__strndup(s, strlen(s))))
                return SKPI_ENOMEM;
        }
    }
    return SKPI_OK;
}

static int allocate_costs(skpi_breakdown *b, work *w, skpi_error *err)
{
    if (!w->ledger)
        return SKPI_OK;
    int rc = skpi__allocate(&w->money, w->ledger, b->records, b->contacts, w->contact_row,
                            w->repeats, b->rows, err);
    if (rc != SKPI_OK)
        return rc;
    b->has_ledger = true;
    b->adjusted = w->money.adjusted;
    memcpy(b->currency, skpi_ledger_currency(w->ledger), 4);
    b->ledger_total = w->money.ledger_total;
    b->unallocated = w->money.unallocated;
    b->adjusted_unallocated = w->money.adjusted_unallocated;
    b->ledger_fingerprint = skpi__ledger_fingerprint(w->ledger);
    return SKPI_OK;
}

/* The allocation, on the calling thread (it reports into err). */
typedef struct allocate_job {
    skpi_breakdown *b;
    work *w;
    skpi_error *err;
} allocate_job;

static int allocate_job_run(void *arg)
{
    allocate_job *j = arg;
    return allocate_costs(j->b, j->w, j->err);
}

static int fill_job_run(void *arg)
{
    allocate_job *j = arg;
    return fill_cells(j->b, j->w);
}

/* The allocation, then pass 4; with two threads, both at once.  They read
 * the rows and tallies and write apart: the allocation w->money and the
 * ledger figures of b, pass 4 b->values and b->present.  A failure of the
 * allocation is the one reported, as when it runs first. */
static int allocate_and_fill(skpi_breakdown *b, work *w, skpi_error *err)
{
    allocate_job job = { b, w, err };
    return skpi__twin_run(b->threads, (skpi__job){ allocate_job_run, &job },
                          (skpi__job){ fill_job_run, &job });
}

/* A zeroed row number for each of n contacts or chains, mapped by both
 * threads when there are two (alloc.h). */
static uint32_t *rows_of(size_t n, unsigned threads)
{
    if (n > SIZE_MAX / sizeof(uint32_t))
        return NULL;
    uint32_t *rows = skpi__malloc_shared(n * sizeof *rows, threads);
    if (rows)
        memset(rows, 0, n * sizeof *rows);
    return rows;
}

static int compute(skpi_breakdown *b, work *w, skpi_error *err)
{
    size_t chains = skpi_chains_count(b->chains);
    row_index ix = { .width = b->key_count };
    w->contact_row = rows_of(b->contacts + 1, b->threads);
    w->chain_row = rows_of(chains + 1, b->threads);
    w->repeats = repeat_bits(b->chains, b->contacts);
    int rc = w->contact_row && w->chain_row && w->repeats ? SKPI_OK : SKPI_ENOMEM;
    if (rc == SKPI_OK)
        rc = assign_all_rows(b, &ix, w->contact_row, w->chain_row);
    int64_t no_key = 0;  /* a zero-width key still needs memory to point at */
    if (rc == SKPI_OK && b->key_count == 0 && ix.rows == 0)
        rc = row_of(&ix, &no_key, &(uint32_t){ 0 });  /* no grouping: always the one row */
    if (rc == SKPI_OK)
        rc = order_rows(b, &ix, w->contact_row, w->chain_row, chains);
    skpi__free(ix.keys);
    skpi__free(ix.slots);
    if (rc == SKPI_OK && !(w->tallies = skpi__calloc(b->rows + 1, sizeof *w->tallies)))
        rc = SKPI_ENOMEM;
    if (rc == SKPI_OK)
        rc = tally_all(b, w);
    if (rc == SKPI_OK)
        rc = allocate_and_fill(b, w, err);
    if (rc == SKPI_OK && w->ledger && (rc = set_money(b, w)) == SKPI_ERANGE)
        skpi__fail(err, rc, "breakdown: a money value does not fit int64");
    if (rc == SKPI_OK)
        rc = group_by_row(w->contact_row, b->contacts, b->rows, &b->contact_starts, &b->contact_list);
    if (rc == SKPI_OK)
        rc = group_by_row(w->chain_row, chains, b->rows, &b->chain_starts, &b->chain_list);
    if (rc == SKPI_OK)
        rc = key_texts(b);
    return rc;
}

int skpi_breakdown_new(skpi_breakdown **breakdown, const skpi_chains *chains,
                       const skpi_ledger *ledger, const skpi_breakdown_options *options,
                       skpi_error *err)
{
    if (!breakdown || !chains)
        return skpi__fail(err, SKPI_EINVAL, "breakdown: the output pointer or the chains is NULL");
    *breakdown = NULL;
    skpi_breakdown_options defaults = SKPI_BREAKDOWN_OPTIONS_INIT;
    skpi_breakdown *b = skpi__calloc(1, sizeof *b);
    if (!b)
        return skpi__fail(err, SKPI_ENOMEM, "breakdown: out of memory");
    b->chains = chains;
    b->records = skpi_chains_records(chains);
    b->contacts = skpi_chains_contact_count(chains);
    int rc = set_keys(b, options ? options : &defaults, err);
    if (rc == SKPI_OK) {
        work w;
        memset(&w, 0, sizeof w);
        w.ledger = ledger;
        rc = compute(b, &w, err);
        work_release(&w);
        if (rc == SKPI_ENOMEM)
            skpi__fail(err, rc, "breakdown: out of memory");
    }
    if (rc != SKPI_OK) {
        skpi_breakdown_free(b);
        return rc;
    }
    *breakdown = b;
    return skpi__succeed(err, SKPI_OK);
}

/* ---- reading ---- */

size_t skpi_breakdown_row_count(const skpi_breakdown *b)
{
    return b ? b->rows : 0;
}

size_t skpi_breakdown_key_count(const skpi_breakdown *b)
{
    return b ? b->key_count : 0;
}

const char *skpi_breakdown_key_name(const skpi_breakdown *b, size_t column)
{
    return b && column < b->key_count ? b->keys[column].name : NULL;
}

const char *skpi_breakdown_key_value(const skpi_breakdown *b, size_t row, size_t column)
{
    if (!b || row >= b->rows || column >= b->key_count)
        return NULL;
    return b->key_text[row * b->key_count + column];
}

/* The slot of a row (the total is the last), or SIZE_MAX. */
static size_t slot_of(const skpi_breakdown *b, size_t row, int kpi)
{
    if (!b || kpi < 0 || kpi >= KPI_COUNT)
        return SIZE_MAX;
    if (row == SKPI_ROW_TOTAL)
        return b->rows;
    return row < b->rows ? row : SIZE_MAX;
}

static int read_cell(const skpi_breakdown *b, size_t row, int kpi, __int128 *value)
{
    size_t slot = slot_of(b, row, kpi);
    if (slot == SIZE_MAX)
        return SKPI_ENOTFOUND;
    if (!b->present[slot * KPI_COUNT + (size_t)kpi])
        return SKPI_ABSENT;
    *value = b->values[slot * KPI_COUNT + (size_t)kpi];
    return SKPI_OK;
}

int skpi_breakdown_get(const skpi_breakdown *b, size_t row, int kpi, int64_t *value)
{
    __int128 v;
    int rc = read_cell(b, row, kpi, &v);
    if (rc != SKPI_OK)
        return rc;
    if (v > INT64_MAX || v < INT64_MIN)
        return SKPI_ERANGE;
    if (value)
        *value = (int64_t)v;
    return SKPI_OK;
}

int skpi_breakdown_get_double(const skpi_breakdown *b, size_t row, int kpi, double *value)
{
    __int128 v;
    int rc = read_cell(b, row, kpi, &v);
    if (rc != SKPI_OK)
        return rc;
    if (value)
        *value = skpi_kpi_kind(kpi) == SKPI_KIND_DECIMAL ? (double)v / 1e9 : (double)v;
    return SKPI_OK;
}

/* Decimal text of v (any __int128). */
static void int128_text(__int128 v, char *out)
{
    char digits[48];
    size_t n = 0;
    unsigned __int128 u = v < 0 ? -(unsigned __int128)v : (unsigned __int128)v;
    do {
        digits[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    if (v < 0)
        *out++ = '-';
    while (n)
        *out++ = digits[--n];
    *out = '\0';
}

/* A value in units of 1e-9 as the shortest decimal with at least one
 * fractional digit: 500000000 -> "0.5", 0 -> "0.0". */
static void nanos_text(__int128 v, char *out)
{
    __int128 whole = v / 1000000000, frac = v % 1000000000;
    if (frac < 0)
        frac = -frac;
    if (v < 0 && whole == 0)
        *out++ = '-';
    int128_text(whole, out);
    out += strlen(out);
    char f[16];
    snprintf(f, sizeof f, ".%09d", (int)frac);
    size_t len = strlen(f);
    while (len > 2 && f[len - 1] == '0')
        len--;
    memcpy(out, f, len);
    out[len] = '\0';
}

int skpi_breakdown_text(const skpi_breakdown *b, size_t row, int kpi, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return SKPI_EINVAL;
    buf[0] = '\0';
    __int128 v;
    int rc = read_cell(b, row, kpi, &v);
    if (rc != SKPI_OK)
        return rc;
    char text[64];
    if (skpi_kpi_kind(kpi) == SKPI_KIND_DECIMAL)
        nanos_text(v, text);
    else
        int128_text(v, text);
    if (strlen(text) >= cap)
        return SKPI_ENOSPACE;
    memcpy(buf, text, strlen(text) + 1);
    return SKPI_OK;
}

int skpi_breakdown_ledger(const skpi_breakdown *b, int64_t *ledger_total, int64_t *unallocated,
                          int64_t *escalation_adjusted_unallocated)
{
    if (!b)
        return SKPI_EINVAL;
    if (!b->has_ledger)
        return SKPI_ABSENT;
    if (ledger_total)
        *ledger_total = b->ledger_total;
    if (unallocated)
        *unallocated = b->unallocated;
    if (escalation_adjusted_unallocated)
        *escalation_adjusted_unallocated = b->adjusted_unallocated;
    return SKPI_OK;
}

size_t skpi_breakdown_row_contact_count(const skpi_breakdown *b, size_t row)
{
    if (!b)
        return 0;
    if (row == SKPI_ROW_TOTAL)
        return b->contacts;
    return row < b->rows ? b->contact_starts[row + 1] - b->contact_starts[row] : 0;
}

size_t skpi_breakdown_row_contact(const skpi_breakdown *b, size_t row, size_t k)
{
    if (k >= skpi_breakdown_row_contact_count(b, row))
        return SIZE_MAX;
    return row == SKPI_ROW_TOTAL ? k : b->contact_list[b->contact_starts[row] + k];
}

size_t skpi_breakdown_row_chain_count(const skpi_breakdown *b, size_t row)
{
    if (!b)
        return 0;
    if (row == SKPI_ROW_TOTAL)
        return b->chain_starts[b->rows];
    return row < b->rows ? b->chain_starts[row + 1] - b->chain_starts[row] : 0;
}

size_t skpi_breakdown_row_chain(const skpi_breakdown *b, size_t row, size_t k)
{
    if (k >= skpi_breakdown_row_chain_count(b, row))
        return SIZE_MAX;
    if (row != SKPI_ROW_TOTAL)
        return b->chain_list[b->chain_starts[row] + k];
    /* The total's chains are every row's, listed row by row. */
    return b->chain_list[k];
}

const char *skpi_breakdown_currency(const skpi_breakdown *b)
{
    return b && b->has_ledger ? b->currency : NULL;
}

int skpi_breakdown_bucket(const skpi_breakdown *b)
{
    return b ? b->bucket : SKPI_BUCKET_NONE;
}

int skpi_breakdown_view(const skpi_breakdown *b)
{
    return b ? b->view : SKPI_VIEW_PERIOD;
}

const skpi_chains *skpi_breakdown_chains(const skpi_breakdown *b)
{
    return b ? b->chains : NULL;
}

uint64_t skpi__breakdown_ledger_fingerprint(const skpi_breakdown *b)
{
    return b->ledger_fingerprint;
}

/* Column j of the key for each pair, or -1 when the names are not exactly
 * the key columns. */
static int map_key_names(const skpi_breakdown *b, size_t count, const char *const *keys,
                         size_t *column)
{
    if (count != b->key_count || (count && !keys))
        return -1;
    for (size_t k = 0; k < count; k++) {
        column[k] = SIZE_MAX;
        for (size_t j = 0; j < b->key_count && keys[k]; j++)
            if (strcmp(b->keys[j].name, keys[k]) == 0)
                column[k] = j;
        for (size_t q = 0; q < k; q++)
            if (column[q] == column[k])
                return -1;
        if (column[k] == SIZE_MAX)
            return -1;
    }
    return 0;
}

int skpi_breakdown_find_row(const skpi_breakdown *b, size_t count, const char *const *keys,
                            const char *const *values, size_t *row)
{
    if (!b || !row || (count && !values) || count > 64)
        return SKPI_EINVAL;
    size_t column[64];
    if (map_key_names(b, count, keys, column) != 0)
        return SKPI_EINVAL;
    for (size_t r = 0; r < b->rows; r++) {
        size_t k = 0;
        for (; k < count; k++) {
            const char *have = b->key_text[r * b->key_count + column[k]];
            const char *want = values[k] && *values[k] ? values[k] : NULL;
            if ((have == NULL) != (want == NULL) || (have && strcmp(have, want) != 0))
                break;
        }
        if (k == count) {
            *row = r;
            return SKPI_OK;
        }
    }
    return SKPI_ENOTFOUND;
}
