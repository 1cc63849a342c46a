/* Cost allocation (SPEC §4).
 *
 * Entries that share period, driver and scope share their weights, so they
 * are grouped into classes first: a monthly ledger with one entry per
 * category weighs each month's contacts once per distinct scope, not once
 * per entry.  A class's weight total W_k and amount A_k decide everything: a row
 * holding weight S of it receives exactly A_k × S / W_k.  These rationals
 * are summed exactly (exact.h) and rounded only by the breakdown, at output.
 *
 * The class boundaries cut time into segments, in each of which the same
 * classes are open.  A scan reads the contacts in record order, finds each
 * one's segment and offers it to the classes open there: those of any
 * channel and those of its own channel (the others cannot match).  So the
 * columns are read sequentially, once per scan, not once per class, and no
 * index sorted by time is needed.
 *
 * One scan serves both allocations: it sums each class's weights W_k in 128
 * bits, noting whether any of its contacts has no weight (a missing rate,
 * an overflow), and each row's weights S per class into a table.  Each
 * allocation then adds A_k × S / W_k once per class and row.  A class that
 * failed is reported as a scan of its contacts in opened_at order would
 * have met the failure: the first class, the first contact, unless the
 * weights before it already overflow int64.
 *
 * When rows are so many that the table cannot hold every class within
 * TABLE_BYTES_PER_CONTACT, the first scan only weighs; the contacts are then
 * indexed by segment (a counting sort, in record order) and each allocation
 * scans its classes in batches the table can hold, each batch reading only
 * the segments of its periods.
 *
 * The escalation-adjusted allocation is the same procedure over classes in
 * which direct_labor is re-driven by tier_weighted; it also yields the
 * escalation premium of direct_labor classes: a contact of tier t > 1 adds
 * A_k × handle × (rate[t] - rate[1]) / W_k, its adjusted share times
 * (rate[t] - rate[1]) / rate[t] (0 when rate[t] is 0: its share is 0). */
#include "allocate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "records.h"
#include "status.h"

/* The row table may take this much per contact (at least 1 MiB): with few
 * rows every class fits and one scan serves them all; with rows by the
 * million it holds one class at a time, as a per-class scan would need
 * anyway. */
#define TABLE_BYTES_PER_CONTACT 4
#define TABLE_BYTES_MIN ((size_t)1 << 20)

/* The slot of a class that has no sums in the row table. */
static const size_t no_slot = SIZE_MAX;

/* A group of entries with the same period, driver and scope. */
typedef struct cost_class {
    size_t entry;          /* the first entry of the class, for its scope and messages */
    int64_t start, end;
    int driver;            /* the driver in this allocation */
    bool adjusted;         /* of the escalation-adjusted allocation */
    bool direct_labor;     /* kept apart in the adjusted allocation (premium) */
    int64_t amount;        /* Σ amounts; never overflows: bounded by the ledger total */
    skpi__i128 weight_sum; /* Σ weights, summed by the first scan */
    bool faulty;           /* a contact has no weight: a missing rate or an overflow */
    int64_t weight;        /* W_k */
    size_t denom;          /* index among the classes with weight > 0 */
    size_t first_segment, end_segment;  /* the segments of its period */
    size_t slot;           /* its sums in the row table, or no_slot */
    /* the scope, resolved to ids of the records; `none` if it cannot match */
    bool none;
    int64_t channel;       /* -1: any */
    size_t pairs;
    const skpi__intcol **columns;  /* the dimension column of each pair */
    int64_t *values;
} cost_class;

/* The class boundaries, ascending and distinct, cut time into `count`
 * segments [bounds[s], bounds[s+1]).  When the contacts are indexed, those
 * opened in segment s are contacts[starts[s] .. starts[s+1]), in record
 * order. */
typedef struct segments {
    int64_t *bounds;       /* count + 1, or none when count is 0 */
    size_t count;
    size_t *starts;        /* count + 2 (the last one is used while indexing) */
    uint32_t *contacts;    /* NULL: not indexed */
} segments;

typedef struct context {
    const skpi_ledger *ledger;
    const skpi_records *records;
    size_t contacts;
    segments segments;
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
    k->columns = skpi__calloc(k->pairs + 1, sizeof *k->columns);
    k->values = skpi__calloc(k->pairs + 1, sizeof *k->values);
    if (!k->columns || !k->values)
        return SKPI_ENOMEM;
    for (size_t p = 0; p < k->pairs && !k->none; p++) {
        const char *key, *value;
        size_t dim;
        skpi_ledger_entry_scope(l, k->entry, p, &key, &value);
        if (skpi_records_dimension_index(cx->records, key, &dim) == SKPI_OK
            && skpi__strpool_find(skpi__records_dimension_pool(cx->records, dim), value,
                                  strlen(value), &id) == SKPI_OK) {
            k->columns[p] = skpi__records_dimension_column(cx->records, dim);
            k->values[p] = id;
        } else {
            k->none = true;
        }
    }
    return SKPI_OK;
}

static void release_classes(cost_class *classes, size_t n)
{
    for (size_t k = 0; classes && k < n; k++) {
        skpi__free(classes[k].columns);
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
                                       .driver = driver, .adjusted = adjusted,
                                       .direct_labor = direct, .slot = no_slot };
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

/* The classes of both allocations, in order, that can match a contact. */
typedef struct class_list {
    cost_class **items;
    size_t count;
} class_list;

static int list_matchable(class_list *list, cost_class *const sets[2], const size_t counts[2])
{
    list->items = skpi__calloc(counts[0] + counts[1] + 1, sizeof *list->items);
    if (!list->items)
        return SKPI_ENOMEM;
    list->count = 0;
    for (int set = 0; set < 2; set++)
        for (size_t k = 0; k < counts[set]; k++)
            if (!sets[set][k].none)
                list->items[list->count++] = &sets[set][k];
    return SKPI_OK;
}

/* ---- segments ---- */

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* The index of bound t (one of the bounds). */
static size_t bound_index(const segments *g, int64_t t)
{
    size_t lo = 0, hi = g->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->bounds[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The bounds of the classes in the list, and each class's segments. */
static int cut_segments(segments *g, const class_list *list)
{
    int64_t *bounds = skpi__calloc(2 * list->count + 1, sizeof *bounds);
    if (!bounds)
        return SKPI_ENOMEM;
    size_t n = 0;
    for (size_t j = 0; j < list->count; j++) {
        bounds[n++] = list->items[j]->start;
        bounds[n++] = list->items[j]->end;
    }
    qsort(bounds, n, sizeof *bounds, compare_int64);
    size_t distinct = 0;
    for (size_t j = 0; j < n; j++)
        if (distinct == 0 || bounds[j] != bounds[distinct - 1])
            bounds[distinct++] = bounds[j];
    g->bounds = bounds;
    g->count = distinct ? distinct - 1 : 0;  /* end > start: never one bound alone */
    for (size_t j = 0; j < list->count; j++) {
        list->items[j]->first_segment = bound_index(g, list->items[j]->start);
        list->items[j]->end_segment = bound_index(g, list->items[j]->end);
    }
    return SKPI_OK;
}

/* The segment of time t, or g->count when t is in none.  The previous
 * contact's segment is tried first: contacts tend to come in time order. */
static size_t segment_of(const segments *g, int64_t t, size_t previous)
{
    if (previous < g->count && g->bounds[previous] <= t && t < g->bounds[previous + 1])
        return previous;
    if (g->count == 0 || t < g->bounds[0] || t >= g->bounds[g->count])
        return g->count;
    size_t lo = 0, hi = g->count;  /* bounds[lo] <= t < bounds[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->bounds[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* List each segment's contacts in record order (a stable counting sort). */
static int index_contacts(segments *g, const context *cx)
{
    g->starts = skpi__calloc(g->count + 2, sizeof *g->starts);
    if (!g->starts)
        return SKPI_ENOMEM;
    size_t s = 0;
    for (size_t i = 0; i < cx->contacts; i++) {
        s = segment_of(g, skpi__intcol_get(cx->opened, i), s);
        if (s < g->count)
            g->starts[s + 2]++;
    }
    for (s = 0; s < g->count; s++)
        g->starts[s + 2] += g->starts[s + 1];
    /* not zeroed: every slot is written below */
    g->contacts = skpi__malloc((g->starts[g->count + 1] + 1) * sizeof *g->contacts);
    if (!g->contacts)
        return SKPI_ENOMEM;
    s = 0;
    for (size_t i = 0; i < cx->contacts; i++) {
        s = segment_of(g, skpi__intcol_get(cx->opened, i), s);
        if (s < g->count)
            g->contacts[g->starts[s + 1]++] = (uint32_t)i;
    }
    return SKPI_OK;
}

static void release_segments(segments *g)
{
    skpi__free(g->bounds);
    skpi__free(g->starts);
    skpi__free(g->contacts);
}

/* ---- matching and weights ---- */

/* Whether contact i has the dimension values of k's scope. */
static bool matches_pairs(const cost_class *k, size_t i)
{
    for (size_t p = 0; p < k->pairs; p++)
        if (skpi__intcol_get(k->columns[p], i) != k->values[p])
            return false;
    return true;
}

/* Whether contact i, of that channel, is in k's scope. */
static bool matches(const cost_class *k, int64_t channel, size_t i)
{
    return (k->channel < 0 || channel == k->channel) && matches_pairs(k, i);
}

/* Why a contact has no weight in a class. */
enum fault {
    FAULT_NONE,
    FAULT_NO_RATE,            /* no rate for its tier */
    FAULT_WEIGHT_OVERFLOW,    /* handle × rate overflows */
    FAULT_NO_RATE_1,          /* the premium needs rate[1] */
    FAULT_PREMIUM_OVERFLOW,   /* handle × (rate[t] - rate[1]) overflows */
};

/* A contact's weight *w in class k and its premium weight *p (0 outside an
 * adjusted direct_labor class), from its handle and tier. */
static enum fault weigh(const context *cx, const cost_class *k, int64_t handle, int64_t tier,
                        int64_t *w, int64_t *p)
{
    *p = 0;
    switch (k->driver) {
    case SKPI_DRIVER_CONTACTS:
        *w = 1;
        break;
    case SKPI_DRIVER_HANDLE_TIME:
        *w = handle;
        break;
    default:
        if (!cx->has_rate[tier])
            return FAULT_NO_RATE;
        if (__builtin_mul_overflow(handle, cx->rate[tier], w))
            return FAULT_WEIGHT_OVERFLOW;
    }
    if (!k->direct_labor || tier <= 1)
        return FAULT_NONE;
    if (!cx->has_rate[1])
        return FAULT_NO_RATE_1;
    if (cx->rate[tier] != 0 && __builtin_mul_overflow(handle, cx->rate[tier] - cx->rate[1], p))
        return FAULT_PREMIUM_OVERFLOW;
    return FAULT_NONE;
}

static int missing_rate(const context *cx, const cost_class *k, int64_t tier, const char *why)
{
    return skpi__fail(cx->err, SKPI_ENOTFOUND, "entry %zu: no rate for tier %lld (%s)",
                      k->entry, (long long)tier, why);
}

static int report_fault(const context *cx, const cost_class *k, enum fault fault, int64_t tier)
{
    switch (fault) {
    case FAULT_NO_RATE:
        return missing_rate(cx, k, tier, k->direct_labor
                            ? "the escalation-adjusted allocation re-drives direct_labor by tier"
                            : "its tier_weighted driver needs it");
    case FAULT_WEIGHT_OVERFLOW:
        return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: a weight overflows int64", k->entry);
    case FAULT_NO_RATE_1:
        return missing_rate(cx, k, 1, "the escalation premium compares with tier 1");
    default:
        return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: a premium weight overflows int64",
                          k->entry);
    }
}

/* ---- scanning ---- */

typedef struct row_sum {
    skpi__i128 all;   /* every matching contact */
    skpi__i128 part;  /* repeat contacts, or premium weights */
} row_sum;

/* Per-row weight sums of the classes holding a slot, reused from batch to
 * batch. */
typedef struct row_table {
    size_t rows;
    size_t slots;
    row_sum *sums;      /* slots × rows: slot j's sums at j × rows */
    uint32_t *touched;  /* rows with a matching contact, each once */
    uint8_t *seen;
    size_t count;
} row_table;

/* How many classes a table of `rows` rows may hold within its budget. */
static size_t table_capacity(size_t rows, size_t contacts)
{
    size_t budget = contacts * TABLE_BYTES_PER_CONTACT;
    size_t capacity = (budget > TABLE_BYTES_MIN ? budget : TABLE_BYTES_MIN)
                      / ((rows ? rows : 1) * sizeof(row_sum));
    return capacity ? capacity : 1;
}

static int row_table_init(row_table *t, size_t rows, size_t slots)
{
    t->rows = rows;
    t->slots = slots;
    t->sums = skpi__calloc(slots * rows + 1, sizeof *t->sums);
    t->touched = skpi__calloc(rows + 1, sizeof *t->touched);
    t->seen = skpi__calloc(rows + 1, 1);
    t->count = 0;
    return t->sums && t->touched && t->seen ? SKPI_OK : SKPI_ENOMEM;
}

static void row_table_release(row_table *t)
{
    skpi__free(t->sums);
    skpi__free(t->touched);
    skpi__free(t->seen);
}

/* The classes of a scan open in each segment s: classes[starts[s] ..
 * starts[s+1]), first those of any channel (up to any_end[s]), then the
 * others by channel id.  So a contact is offered only to the classes of any
 * channel and to those of its own channel, found by a binary search. */
typedef struct open_lists {
    cost_class **classes;
    int64_t *channels;  /* classes[j]->channel, at hand for the search */
    size_t *starts;     /* segments + 1 */
    size_t *any_end;    /* segments */
} open_lists;

/* Sort a segment's classes of one channel or another by channel id (an
 * insertion sort: a segment holds few classes). */
static void sort_by_channel(cost_class **classes, size_t n)
{
    for (size_t j = 1; j < n; j++) {
        cost_class *k = classes[j];
        size_t at = j;
        for (; at > 0 && classes[at - 1]->channel > k->channel; at--)
            classes[at] = classes[at - 1];
        classes[at] = k;
    }
}

static int open_lists_init(open_lists *o, const segments *g, cost_class *const *classes,
                           size_t n)
{
    size_t total = 0;
    for (size_t j = 0; j < n; j++)
        total += classes[j]->end_segment - classes[j]->first_segment;
    o->classes = skpi__calloc(total + 1, sizeof *o->classes);
    o->channels = skpi__calloc(total + 1, sizeof *o->channels);
    o->starts = skpi__calloc(g->count + 1, sizeof *o->starts);
    o->any_end = skpi__calloc(g->count + 1, sizeof *o->any_end);
    if (!o->classes || !o->channels || !o->starts || !o->any_end)
        return SKPI_ENOMEM;
    size_t at = 0;
    for (size_t s = 0; s < g->count; s++) {
        o->starts[s] = at;
        for (int any = 1; any >= 0; any--) {
            for (size_t j = 0; j < n; j++)
                if (classes[j]->first_segment <= s && s < classes[j]->end_segment
                    && (classes[j]->channel < 0) == any)
                    o->classes[at++] = classes[j];
            if (any)
                o->any_end[s] = at;
        }
        sort_by_channel(o->classes + o->any_end[s], at - o->any_end[s]);
    }
    o->starts[g->count] = at;
    for (size_t j = 0; j < at; j++)
        o->channels[j] = o->classes[j]->channel;
    return SKPI_OK;
}

static void open_lists_release(open_lists *o)
{
    skpi__free(o->classes);
    skpi__free(o->channels);
    skpi__free(o->starts);
    skpi__free(o->any_end);
}

/* What a scan reads of a contact, once for all its classes. */
typedef struct contact_view {
    size_t i;
    int64_t handle, tier;
    bool repeat;
    uint32_t row;
} contact_view;

/* Offer a contact (of k's channel, if k has one) to class k.  When
 * `weighing`, add its weight to W_k or note its fault; when k holds a slot,
 * add its weights to its row's sums.  Returns whether the sums took it. */
static bool offer_to(const context *cx, cost_class *k, const contact_view *c, bool weighing,
                     row_table *t)
{
    int64_t w, p;
    if (!matches_pairs(k, c->i))
        return false;
    enum fault fault = weigh(cx, k, c->handle, c->tier, &w, &p);
    if (weighing && fault != FAULT_NONE) {
        k->faulty = true;
        return false;
    }
    if (weighing)
        k->weight_sum += w;
    if (k->slot == no_slot)
        return false;
    row_sum *sum = &t->sums[k->slot * t->rows + c->row];
    sum->all += w;
    sum->part += k->adjusted ? p : c->repeat ? w : 0;
    return true;
}

/* The first of channels[lo..hi) (ascending) that is >= id.  Without
 * branches on the comparisons: a contact's channel is as good as random, and
 * a mispredicted branch would cost more than the search. */
static size_t first_of_channel(const int64_t *channels, size_t lo, size_t hi, int64_t id)
{
    if (lo == hi)
        return lo;
    size_t n = hi - lo;
    while (n > 1) {
        size_t half = n / 2;
        lo = channels[lo + half - 1] < id ? lo + half : lo;
        n -= half;
    }
    return lo + (channels[lo] < id);
}

/* Offer contact i of segment s to the classes open there. */
static void offer(const context *cx, const open_lists *o, size_t s, size_t i, bool weighing,
                  row_table *t)
{
    contact_view c = {
        .i = i, .handle = skpi__intcol_get(cx->handle, i), .tier = skpi__intcol_get(cx->tier, i),
        .repeat = cx->repeats[i / 8] & (1u << (i % 8)), .row = cx->contact_row[i],
    };
    int64_t channel = skpi__intcol_get(cx->channel, i);
    bool touched = false;
    for (size_t j = o->starts[s]; j < o->any_end[s]; j++)
        touched |= offer_to(cx, o->classes[j], &c, weighing, t);
    size_t end = o->starts[s + 1];
    for (size_t j = first_of_channel(o->channels, o->any_end[s], end, channel);
         j < end && o->channels[j] == channel; j++)
        touched |= offer_to(cx, o->classes[j], &c, weighing, t);
    if (touched && !t->seen[c.row]) {
        t->seen[c.row] = 1;
        t->touched[t->count++] = c.row;
    }
}

/* One scan of classes[0..n): every contact in record order, or through the
 * index only those of the segments of their periods. */
static int scan(const context *cx, cost_class *const *classes, size_t n, bool weighing,
                row_table *t)
{
    const segments *g = &cx->segments;
    open_lists o = { 0 };
    int rc = open_lists_init(&o, g, classes, n);
    if (rc == SKPI_OK && g->contacts) {
        for (size_t s = 0; s < g->count; s++) {
            if (o.starts[s] == o.starts[s + 1])
                continue;
            for (size_t at = g->starts[s]; at < g->starts[s + 1]; at++)
                offer(cx, &o, s, g->contacts[at], weighing, t);
        }
    } else if (rc == SKPI_OK) {
        size_t s = 0;
        for (size_t i = 0; i < cx->contacts; i++) {
            s = segment_of(g, skpi__intcol_get(cx->opened, i), s);
            if (s < g->count && o.starts[s] < o.starts[s + 1])
                offer(cx, &o, s, i, weighing, t);
        }
    }
    open_lists_release(&o);
    return rc;
}

/* Whether contact (t, i) comes before (t2, i2) in opened_at order. */
static bool earlier(int64_t t, size_t i, int64_t t2, size_t i2)
{
    return t < t2 || (t == t2 && i < i2);
}

/* Whether contact i is one of class k's. */
static bool in_class(const context *cx, const cost_class *k, size_t i)
{
    int64_t opened = skpi__intcol_get(cx->opened, i);
    return k->start <= opened && opened < k->end
           && matches(k, skpi__intcol_get(cx->channel, i), i);
}

/* Report the failure of a faulty or overflowing class, as a scan of its
 * contacts in opened_at order (ties in record order) meets it first: the
 * first contact without a weight, unless the weights before it (all >= 0)
 * already overflow int64. */
static int report_class_failure(const context *cx, const cost_class *k)
{
    bool found = false;
    int64_t first_opened = 0, first_tier = 0;
    size_t first = 0;
    enum fault first_fault = FAULT_NONE;
    for (size_t i = 0; i < cx->contacts; i++) {
        int64_t w, p, opened = skpi__intcol_get(cx->opened, i);
        int64_t tier = skpi__intcol_get(cx->tier, i);
        if (!in_class(cx, k, i) || (found && !earlier(opened, i, first_opened, first)))
            continue;
        enum fault fault = weigh(cx, k, skpi__intcol_get(cx->handle, i), tier, &w, &p);
        if (fault != FAULT_NONE) {
            found = true;
            first_opened = opened, first = i, first_tier = tier, first_fault = fault;
        }
    }
    skpi__i128 before = 0;
    for (size_t i = 0; i < cx->contacts; i++) {
        int64_t w, p;
        if (in_class(cx, k, i)
            && (!found || earlier(skpi__intcol_get(cx->opened, i), i, first_opened, first))
            && weigh(cx, k, skpi__intcol_get(cx->handle, i), skpi__intcol_get(cx->tier, i), &w,
                     &p) == FAULT_NONE)
            before += w;
    }
    if (before > INT64_MAX || !found)
        return skpi__fail(cx->err, SKPI_ERANGE, "entry %zu: its weights overflow int64",
                          k->entry);
    return report_fault(cx, k, first_fault, first_tier);
}

/* ---- distributing ---- */

typedef struct target {
    skpi__exact *all;       /* rows + 1 values of the column of every contact */
    skpi__exact *part;      /* ... of repeat contacts / the premium */
    const skpi__denoms *denoms;
} target;

/* Add A_k × S / W_k of each class of classes[0..n) to every row it touched. */
static int add_sums(const context *cx, cost_class *const *classes, size_t n, const target *tg,
                    const row_table *t)
{
    for (size_t j = 0; j < n; j++) {
        const cost_class *k = classes[j];
        for (size_t q = 0; q < t->count; q++) {
            uint32_t r = t->touched[q];
            const row_sum *sum = &t->sums[k->slot * t->rows + r];
            int rc = SKPI_OK;
            if (sum->all)
                rc = skpi__exact_add_term(&tg->all[r], tg->denoms, k->denom, k->amount, sum->all);
            if (rc == SKPI_OK && sum->part)
                rc = skpi__exact_add_term(&tg->part[r], tg->denoms, k->denom, k->amount,
                                          sum->part);
            if (rc != SKPI_OK)
                return skpi__fail(cx->err, rc, "entry %zu: a cost overflows 128-bit arithmetic",
                                  k->entry);
        }
    }
    return SKPI_OK;
}

/* Empty the table and take the slots back from classes[0..n). */
static void clear_table(row_table *t, cost_class *const *classes, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        for (size_t q = 0; q < t->count; q++)
            t->sums[classes[j]->slot * t->rows + t->touched[q]] = (row_sum){ 0 };
        classes[j]->slot = no_slot;
    }
    for (size_t q = 0; q < t->count; q++)
        t->seen[t->touched[q]] = 0;
    t->count = 0;
}

/* Scan and add classes[0..n) as many at a time as the table holds. */
static int distribute_in_batches(const context *cx, cost_class *const *classes, size_t n,
                                 const target *tg, row_table *t)
{
    int rc = SKPI_OK;
    for (size_t first = 0; rc == SKPI_OK && first < n; first += t->slots) {
        size_t batch = n - first < t->slots ? n - first : t->slots;
        for (size_t j = 0; j < batch; j++)
            classes[first + j]->slot = j;
        rc = scan(cx, classes + first, batch, false, t);
        if (rc == SKPI_OK)
            rc = add_sums(cx, classes + first, batch, tg, t);
        clear_table(t, classes + first, batch);
    }
    return rc;
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

/* One allocation (standard or adjusted) of weighed classes into two money
 * columns.  When `summed`, the table already holds every class's row sums. */
static int allocate_one(const context *cx, cost_class *classes, size_t n, row_table *t,
                        bool summed, skpi__allocation *out, bool adjusted, int64_t *unallocated)
{
    int col = adjusted ? SKPI__MONEY_ADJUSTED_COST : SKPI__MONEY_COST;
    int64_t *weights = skpi__calloc(n + 1, sizeof *weights);
    cost_class **weighted = skpi__calloc(n + 1, sizeof *weighted);
    int rc = weights && weighted ? SKPI_OK : SKPI_ENOMEM;
    size_t denoms = 0;
    *unallocated = 0;
    for (size_t k = 0; rc == SKPI_OK && k < n; k++) {
        cost_class *c = &classes[k];
        if (c->faulty || c->weight_sum > INT64_MAX) {
            rc = report_class_failure(cx, c);
        } else if ((c->weight = (int64_t)c->weight_sum) == 0) {
            *unallocated += c->amount;
        } else {
            c->denom = denoms;
            weights[denoms] = c->weight;
            weighted[denoms++] = c;
        }
    }
    if (rc == SKPI_OK)
        rc = skpi__denoms_new(&out->denoms[adjusted], weights, denoms);
    const skpi__denoms *d = out->denoms[adjusted];
    if (rc == SKPI_OK)
        rc = init_values(&out->values[col], out->rows, d);
    if (rc == SKPI_OK)
        rc = init_values(&out->values[col + 1], out->rows, d);
    target tg = { out->values[col], out->values[col + 1], d };
    if (rc == SKPI_OK)
        rc = summed ? add_sums(cx, weighted, denoms, &tg, t)
                    : distribute_in_batches(cx, weighted, denoms, &tg, t);
    if (rc == SKPI_OK)
        rc = sum_total(out->values[col], out->rows, d);
    if (rc == SKPI_OK)
        rc = sum_total(out->values[col + 1], out->rows, d);
    skpi__free(weights);
    skpi__free(weighted);
    return rc;
}

/* ---- the whole ---- */

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

/* The classes of both allocations ([1] only when `adjusted`), the list of
 * those that can match, and their segments. */
static int prepare(context *cx, bool adjusted, cost_class *sets[2], size_t counts[2],
                   class_list *list)
{
    int rc = make_classes(cx, false, &sets[0], &counts[0]);
    if (rc == SKPI_OK && adjusted)
        rc = make_classes(cx, true, &sets[1], &counts[1]);
    if (rc == SKPI_OK)
        rc = list_matchable(list, sets, counts);
    if (rc == SKPI_OK)
        rc = cut_segments(&cx->segments, list);
    return rc;
}

/* The first scan, over the classes of both allocations: when the table
 * can hold them all, it sums their rows too (*summed).  Otherwise the table
 * is made for batches, and the contacts are indexed by segment so that each
 * batch reads only the contacts of its periods. */
static int weigh_all(context *cx, const class_list *list, size_t rows, row_table *t,
                     bool *summed)
{
    size_t capacity = table_capacity(rows, cx->contacts);
    *summed = list->count <= capacity;
    int rc = row_table_init(t, rows, *summed ? list->count : capacity);
    for (size_t j = 0; *summed && j < list->count; j++)
        list->items[j]->slot = j;
    if (rc == SKPI_OK)
        rc = scan(cx, list->items, list->count, true, t);
    if (rc == SKPI_OK && !*summed)
        rc = index_contacts(&cx->segments, cx);
    return rc;
}

int skpi__allocate(skpi__allocation *out, const skpi_ledger *ledger,
                   const skpi_records *records, size_t contacts, const uint32_t *contact_row,
                   const uint8_t *repeats, size_t rows, skpi_error *err)
{
    memset(out, 0, sizeof *out);
    out->rows = rows;
    out->adjusted = skpi_ledger_rate_count(ledger) > 0;
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
    cost_class *sets[2] = { NULL, NULL };
    size_t counts[2] = { 0, 0 };
    class_list list = { 0 };
    row_table table = { 0 };
    bool summed = false;
    int rc = prepare(&cx, out->adjusted, sets, counts, &list);
    if (rc == SKPI_OK)
        rc = weigh_all(&cx, &list, rows, &table, &summed);
    if (rc == SKPI_OK)
        rc = allocate_one(&cx, sets[0], counts[0], &table, summed, out, false,
                          &out->unallocated);
    if (rc == SKPI_OK && out->adjusted)
        rc = allocate_one(&cx, sets[1], counts[1], &table, summed, out, true,
                          &out->adjusted_unallocated);
    row_table_release(&table);
    skpi__free(list.items);
    release_segments(&cx.segments);
    release_classes(sets[0], counts[0]);
    release_classes(sets[1], counts[1]);
    if (rc != SKPI_OK) {
        if (rc == SKPI_ENOMEM)
            skpi__fail(err, rc, "allocation: out of memory");
        skpi__allocation_release(out);
    }
    return rc;
}
