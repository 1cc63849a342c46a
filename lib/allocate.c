/* Cost allocation (SPEC §4).
 *
 * Entries that share period, driver and scope share their weights, so they
 * are grouped into classes first: a monthly ledger with one entry per
 * category scans each month's contacts once per distinct scope, not once per
 * entry.  A class's weight total W_k and amount A_k decide everything: a row
 * holding weight S of it receives exactly A_k × S / W_k.  These rationals
 * are summed exactly (exact.h) and rounded only by the breakdown, at output.
 *
 * Contacts are visited through an index sorted by opened_at, so a class
 * reads only the contacts of its period (a binary search finds them).
 *
 * The escalation-adjusted allocation is the same procedure over classes in
 * which direct_labor is re-driven by tier_weighted; it also yields the
 * escalation premium of direct_labor classes: a contact of tier t > 1 adds
 * A_k × handle × (rate[t] - rate[1]) / W_k, its adjusted share times
 * (rate[t] - rate[1]) / rate[t] (0 when rate[t] is 0: its share is 0). */
#include "allocate.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "records.h"
#include "sort.h"
#include "status.h"

/* A group of entries with the same period, driver and scope. */
typedef struct cost_class {
    size_t entry;          /* the first entry of the class, for its scope and messages */
    int64_t start, end;
    int driver;            /* the driver in this allocation */
    bool direct_labor;     /* kept apart in the adjusted allocation (premium) */
    int64_t amount;        /* Σ amounts; never overflows: bounded by the ledger total */
    int64_t weight;        /* W_k */
    size_t denom;          /* index among the classes with weight > 0 */
    /* the scope, resolved to ids of the records; `none` if it cannot match */
    bool none;
    int64_t channel;       /* -1: any */
    size_t pairs;
    size_t *dims;
    int64_t *values;
} cost_class;

typedef struct context {
    const skpi_ledger *ledger;
    const skpi_records *records;
    size_t contacts;
    const uint32_t *by_time;     /* contacts sorted by opened_at */
    const uint32_t *contact_row;
    const uint8_t *repeats;      /* bit i: contact i is a repeat contact */
    const skpi__intcol *opened, *handle, *tier, *channel;
    int64_t rate[SKPI_TIER_MAX + 1];
    bool has_rate[SKPI_TIER_MAX + 1];
    skpi_error *err;
} context;

/* ---- classes ---- */

static bool same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool same_scope(const skpi_ledger *l, size_t a, size_t b)
{
    size_t n = skpi_ledger_entry_scope_count(l, a);
    if (!same_text(skpi_ledger_entry_channel(l, a), skpi_ledger_entry_channel(l, b))
        || n != skpi_ledger_entry_scope_count(l, b))
        return false;
    for (size_t i = 0; i < n; i++) {
        const char *key, *value, *key2, *value2;
        skpi_ledger_entry_scope(l, a, i, &key, &value);
        bool found = false;
        for (size_t j = 0; j < n && !found; j++) {
            skpi_ledger_entry_scope(l, b, j, &key2, &value2);
            found = strcmp(key, key2) == 0 && strcmp(value, value2) == 0;
        }
        if (!found)
            return false;
    }
    return true;
}

/* Resolve the class's scope to ids; a name or value the records do not
 * have means the class matches nothing. */
static int resolve_scope(cost_class *k, const context *cx)
{
    const skpi_ledger *l = cx->ledger;
    const char *channel = skpi_ledger_entry_channel(l, k->entry);
    uint32_t id;
    k->channel = -1;
    if (channel) {
        if (skpi__strpool_find(skpi__records_pool(cx->records, SKPI__COL_CHANNEL), channel,
                               strlen(channel), &id) == SKPI_OK)
            k->channel = id;
        else
            k->none = true;
    }
    k->pairs = skpi_ledger_entry_scope_count(l, k->entry);
    k->dims = skpi__calloc(k->pairs + 1, sizeof *k->dims);
    k->values = skpi__calloc(k->pairs + 1, sizeof *k->values);
    if (!k->dims || !k->values)
        return SKPI_ENOMEM;
    for (size_t p = 0; p < k->pairs && !k->none; p++) {
        const char *key, *value;
        skpi_ledger_entry_scope(l, k->entry, p, &key, &value);
        if (skpi_records_dimension_index(cx->records, key, &k->dims[p]) == SKPI_OK
            && skpi__strpool_find(skpi__records_dimension_pool(cx->records, k->dims[p]), value,
                                  strlen(value), &id) == SKPI_OK)
            k->values[p] = id;
        else
            k->none = true;
    }
    return SKPI_OK;
}

static void release_classes(cost_class *classes, size_t n)
{
    for (size_t k = 0; classes && k < n; k++) {
        skpi__free(classes[k].dims);
        skpi__free(classes[k].values);
    }
    skpi__free(classes);
}

/* Group the entries; `adjusted` re-drives direct_labor by tier_weighted. */
static int make_classes(const context *cx, bool adjusted, cost_class **out, size_t *count)
{
    size_t entries = skpi_ledger_entry_count(cx->ledger);
    cost_class *classes = skpi__calloc(entries + 1, sizeof *classes);
    if (!classes)
        return SKPI_ENOMEM;
    size_t n = 0;
    for (size_t e = 0; e < entries; e++) {
        int category, driver;
        int64_t amount, start, end;
        skpi_ledger_entry(cx->ledger, e, &category, &amount, &start, &end, &driver);
        bool direct = adjusted && category == SKPI_CATEGORY_DIRECT_LABOR;
        if (direct)
            driver = SKPI_DRIVER_TIER_WEIGHTED;
        size_t k = 0;
        while (k < n && !(classes[k].start == start && classes[k].end == end
                          && classes[k].driver == driver && classes[k].direct_labor == direct
                          && same_scope(cx->ledger, classes[k].entry, e)))
            k++;
        if (k == n) {
            classes[n] = (cost_class){ .entry = e, .start = start, .end = end,
                                       .driver = driver, .direct_labor = direct };
            n++;
            if (resolve_scope(&classes[k], cx) != SKPI_OK) {
                release_classes(classes, n);
                return SKPI_ENOMEM;
            }
        }
        classes[k].amount += amount;
    }
    *out = classes;
    *count = n;
    return SKPI_OK;
}

/* ---- matching and weights ---- */

static bool matches(const cost_class *k, const context *cx, size_t i)
{
    if (k->channel >= 0 && skpi__intcol_get(cx->channel, i) != k->channel)
        return false;
    for (size_t p = 0; p < k->pairs; p++)
        if (skpi__intcol_get(skpi__records_dimension_column(cx->records, k->dims[p]), i)
            != k->values[p])
            return false;
    return true;
}

/* The first position in by_time whose contact opened at or after t. */
static size_t first_at_or_after(const context *cx, int64_t t)
{
    size_t lo = 0, hi = cx->contacts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (skpi__intcol_get(cx->opened, cx->by_time[mid]) < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int missing_rate(const context *cx, const cost_class *k, int64_t tier, const char *why)
{
    return skpi__fail(cx->err, SKPI_ENOTFOUND, "entry %zu: no rate for tier %lld (%s)",
                      k->entry, (long long)tier, why);
}

/* Contact i's weight in class k. */
static int weight_of(const context *cx, const cost_class *k, size_t i, int64_t *w)
{
    int64_t handle = skpi__intcol_get(cx->handle, i);
    int64_t tier = skpi__intcol_get(cx->tier, i);
    switch (k->driver) {
    case SKPI_DRIVER_CONTACTS:
        *w = 1;
        return SKPI_OK;
    case SKPI_DRIVER_HANDLE_TIME:
        *w = handle;
        return SKPI_OK;
    default:
        if (!cx->has_rate[tier])
            return missing_rate(cx, k, tier, k->direct_labor
                                ? "the escalation-adjusted allocation re-drives direct_labor by tier"
                                : "its tier_weighted driver needs it");
        if (__builtin_mul_overflow(handle, cx->rate[tier], w))
            return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: a weight overflows int64", k->entry);
        return SKPI_OK;
    }
}

/* The premium weight of contact i in an adjusted direct_labor class. */
static int premium_weight(const context *cx, const cost_class *k, size_t i, int64_t *w)
{
    int64_t tier = skpi__intcol_get(cx->tier, i);
    *w = 0;
    if (!k->direct_labor || tier <= 1)
        return SKPI_OK;
    if (!cx->has_rate[1])
        return missing_rate(cx, k, 1, "the escalation premium compares with tier 1");
    if (cx->rate[tier] == 0)
        return SKPI_OK;
    if (__builtin_mul_overflow(skpi__intcol_get(cx->handle, i), cx->rate[tier] - cx->rate[1], w))
        return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: a premium weight overflows int64",
                          k->entry);
    return SKPI_OK;
}

/* Pass 1: W_k, checking rates and overflow. */
static int weigh_class(const context *cx, cost_class *k)
{
    k->weight = 0;
    if (k->none)
        return SKPI_OK;
    for (size_t at = first_at_or_after(cx, k->start); at < cx->contacts; at++) {
        size_t i = cx->by_time[at];
        if (skpi__intcol_get(cx->opened, i) >= k->end)
            break;
        if (!matches(k, cx, i))
            continue;
        int64_t w, p;
        int rc = weight_of(cx, k, i, &w);
        if (rc == SKPI_OK)
            rc = premium_weight(cx, k, i, &p);
        if (rc != SKPI_OK)
            return rc;
        if (__builtin_add_overflow(k->weight, w, &k->weight))
            return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: its weights overflow int64",
                              k->entry);
    }
    return SKPI_OK;
}

/* ---- distributing ---- */

/* Per-row weight sums of one class, reused from class to class. */
typedef struct row_sums {
    skpi__i128 *all;    /* every matching contact */
    skpi__i128 *part;   /* repeat contacts, or premium weights */
    uint32_t *touched;  /* rows with a matching contact, each once */
    uint8_t *seen;
    size_t count;
} row_sums;

static int row_sums_init(row_sums *s, size_t rows)
{
    s->all = skpi__calloc(rows + 1, sizeof *s->all);
    s->part = skpi__calloc(rows + 1, sizeof *s->part);
    s->touched = skpi__calloc(rows + 1, sizeof *s->touched);
    s->seen = skpi__calloc(rows + 1, 1);
    s->count = 0;
    return s->all && s->part && s->touched && s->seen ? SKPI_OK : SKPI_ENOMEM;
}

static void row_sums_release(row_sums *s)
{
    skpi__free(s->all);
    skpi__free(s->part);
    skpi__free(s->touched);
    skpi__free(s->seen);
}

typedef struct target {
    bool adjusted;
    skpi__exact *all;       /* rows + 1 values of the column of every contact */
    skpi__exact *part;      /* ... of repeat contacts / the premium */
    const skpi__denoms *denoms;
} target;

static void sum_class(const context *cx, const cost_class *k, const target *t, row_sums *s)
{
    for (size_t at = first_at_or_after(cx, k->start); at < cx->contacts; at++) {
        size_t i = cx->by_time[at];
        if (skpi__intcol_get(cx->opened, i) >= k->end)
            break;
        if (!matches(k, cx, i))
            continue;
        int64_t w, p = 0;
        weight_of(cx, k, i, &w);  /* checked in pass 1 */
        if (t->adjusted)
            premium_weight(cx, k, i, &p);
        else if (cx->repeats[i / 8] & (1u << (i % 8)))
            p = w;
        uint32_t r = cx->contact_row[i];
        if (!s->seen[r]) {
            s->seen[r] = 1;
            s->touched[s->count++] = r;
        }
        s->all[r] += w;
        s->part[r] += p;
    }
}

/* Pass 2: add the class's A_k × S / W_k to every row it touched. */
static int distribute_class(const context *cx, const cost_class *k, const target *t,
                            row_sums *s)
{
    s->count = 0;
    sum_class(cx, k, t, s);
    int rc = SKPI_OK;
    for (size_t j = 0; j < s->count; j++) {
        uint32_t r = s->touched[j];
        if (rc == SKPI_OK && s->all[r])
            rc = skpi__exact_add_term(&t->all[r], t->denoms, k->denom, k->amount, s->all[r]);
        if (rc == SKPI_OK && s->part[r])
            rc = skpi__exact_add_term(&t->part[r], t->denoms, k->denom, k->amount, s->part[r]);
        s->all[r] = s->part[r] = 0;
        s->seen[r] = 0;
    }
    if (rc != SKPI_OK)
        return skpi__fail(cx->err, rc, "entry %zu: a cost overflows 128-bit arithmetic", k->entry);
    return SKPI_OK;
}

/* Values for rows + 1 slots; the total is filled by sum_total(). */
static int init_values(skpi__exact **out, size_t rows, const skpi__denoms *d)
{
    skpi__exact *v = skpi__calloc(rows + 1, sizeof *v);
    if (!v)
        return SKPI_ENOMEM;
    *out = v;
    for (size_t r = 0; r <= rows; r++)
        if (skpi__exact_init(&v[r], d) != SKPI_OK)
            return SKPI_ENOMEM;
    return SKPI_OK;
}

static int sum_total(skpi__exact *v, size_t rows, const skpi__denoms *d)
{
    for (size_t r = 0; r < rows; r++) {
        int rc = skpi__exact_add(&v[rows], &v[r], d);
        if (rc != SKPI_OK)
            return rc;
    }
    return SKPI_OK;
}

/* One allocation (standard or adjusted) into two money columns. */
static int allocate_one(const context *cx, skpi__allocation *out, bool adjusted,
                        int64_t *unallocated)
{
    cost_class *classes = NULL;
    size_t n = 0;
    int64_t *weights = NULL;
    row_sums sums = { 0 };
    int col = adjusted ? SKPI__MONEY_ADJUSTED_COST : SKPI__MONEY_COST;
    int rc = make_classes(cx, adjusted, &classes, &n);
    if (rc == SKPI_OK && !(weights = skpi__calloc(n + 1, sizeof *weights)))
        rc = SKPI_ENOMEM;
    size_t denoms = 0;
    *unallocated = 0;
    for (size_t k = 0; rc == SKPI_OK && k < n; k++) {
        rc = weigh_class(cx, &classes[k]);
        if (rc == SKPI_OK && classes[k].weight == 0)
            *unallocated += classes[k].amount;
        else if (rc == SKPI_OK) {
            classes[k].denom = denoms;
            weights[denoms++] = classes[k].weight;
        }
    }
    if (rc == SKPI_OK)
        rc = skpi__denoms_new(&out->denoms[adjusted], weights, denoms);
    const skpi__denoms *d = out->denoms[adjusted];
    if (rc == SKPI_OK)
        rc = init_values(&out->values[col], out->rows, d);
    if (rc == SKPI_OK)
        rc = init_values(&out->values[col + 1], out->rows, d);
    if (rc == SKPI_OK)
        rc = row_sums_init(&sums, out->rows);
    target t = { adjusted, out->values[col], out->values[col + 1], d };
    for (size_t k = 0; rc == SKPI_OK && k < n; k++)
        if (classes[k].weight > 0)
            rc = distribute_class(cx, &classes[k], &t, &sums);
    if (rc == SKPI_OK)
        rc = sum_total(out->values[col], out->rows, d);
    if (rc == SKPI_OK)
        rc = sum_total(out->values[col + 1], out->rows, d);
    row_sums_release(&sums);
    release_classes(classes, n);
    skpi__free(weights);
    return rc;
}

/* ---- the whole ---- */

static int compare_opened(const void *column, uint32_t a, uint32_t b)
{
    const skpi__intcol *opened = column;
    int64_t x = skpi__intcol_get(opened, a), y = skpi__intcol_get(opened, b);
    return (x > y) - (x < y);
}

const skpi__denoms *skpi__allocation_denoms(const skpi__allocation *a, int column)
{
    return a->denoms[column >= SKPI__MONEY_ADJUSTED_COST];
}

void skpi__allocation_release(skpi__allocation *a)
{
    for (int c = 0; c < SKPI__MONEY_COLUMNS; c++) {
        for (size_t r = 0; a->values[c] && r <= a->rows; r++)
            skpi__exact_clear(&a->values[c][r]);
        skpi__free(a->values[c]);
    }
    skpi__denoms_free(a->denoms[0]);
    skpi__denoms_free(a->denoms[1]);
    memset(a, 0, sizeof *a);
}

int skpi__allocate(skpi__allocation *out, const skpi_ledger *ledger,
                   const skpi_records *records, size_t contacts, const uint32_t *contact_row,
                   const uint8_t *repeats, size_t rows, skpi_error *err)
{
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->adjusted_unallocated = SKPI_UNSET;
    skpi_ledger_total(ledger, &out->ledger_total);
    context cx = {
        .ledger = ledger, .records = records, .contacts = contacts,
        .contact_row = contact_row, .repeats = repeats,
        .opened = skpi__records_column(records, SKPI__COL_OPENED),
        .handle = skpi__records_column(records, SKPI__COL_HANDLE),
        .tier = skpi__records_column(records, SKPI__COL_TIER),
        .channel = skpi__records_column(records, SKPI__COL_CHANNEL),
        .err = err,
    };
    for (int t = 0; t <= SKPI_TIER_MAX; t++)
        cx.has_rate[t] = skpi_ledger_rate(ledger, t, &cx.rate[t]) == SKPI_OK;
    uint32_t *by_time = skpi__calloc(contacts + 1, sizeof *by_time);
    int rc = by_time ? SKPI_OK : SKPI_ENOMEM;
    for (size_t i = 0; i < contacts && by_time; i++)
        by_time[i] = (uint32_t)i;
    if (rc == SKPI_OK)
        rc = skpi__sort_u32(by_time, contacts, compare_opened, cx.opened);
    cx.by_time = by_time;
    if (rc == SKPI_OK)
        rc = allocate_one(&cx, out, false, &out->unallocated);
    out->adjusted = skpi_ledger_rate_count(ledger) > 0;
    if (rc == SKPI_OK && out->adjusted)
        rc = allocate_one(&cx, out, true, &out->adjusted_unallocated);
    skpi__free(by_time);
    if (rc != SKPI_OK) {
        if (rc == SKPI_ENOMEM)
            skpi__fail(err, rc, "allocation: out of memory");
        skpi__allocation_release(out);
    }
    return rc;
}
