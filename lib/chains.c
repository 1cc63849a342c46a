/* Resolution chains (SPEC §3).
 *
 * Building is three sorts and two walks, O(n log n):
 *  1. sort the contacts by (customer, reason, opened_at, id): interned
 *     customer ids are dense, so a counting sort groups each customer's
 *     contacts in one pass, and each customer's few contacts are then
 *     sorted by (reason, opened_at, id) on their own;
 *  2. walk each key's contacts in that order and cut a new chain where SPEC
 *     says (nothing open in the chain and opened_at > latest close + W); a
 *     contact with an empty customer is a chain of its own;
 *  3. sort the chains by their first contact (opened_at, id) with a radix
 *     sort, so chain numbers do not depend on the order contacts were added
 *     (interned ids do), then lay the contacts out chain by chain and
 *     settle statuses.
 *
 * A chains handle keeps 4 bytes per contact and 5 per chain. */
#include "chains.h"

#include <string.h>

#include "alloc.h"
#include "records.h"
#include "sort.h"
#include "status.h"

typedef struct layout {
    uint32_t *order;   /* contacts chain by chain */
    uint32_t *starts;  /* count + 1 */
    uint8_t *status;   /* count */
    size_t count;
    size_t contacts;
    int64_t as_of;     /* resolved */
} layout;

struct skpi_chains {
    const skpi_records *records;
    skpi_chain_options options; /* as given: UNSET as_of stays UNSET */
    int64_t window;
    layout built;
    skpi_error error;
};

static const char *const status_names[] = { "open", "pending", "resolved", "unresolved" };

const char *skpi_chain_status_name(int status)
{
    return status >= 0 && status < 4 ? status_names[status] : NULL;
}

int64_t skpi_window_default(void) { return SKPI_WINDOW_DEFAULT; }
int64_t skpi_window_max(void) { return SKPI_WINDOW_MAX; }

static void layout_release(layout *l)
{
    skpi__free(l->order);
    skpi__free(l->starts);
    skpi__free(l->status);
    memset(l, 0, sizeof *l);
}

/* ---- reading the records ---- */

typedef struct columns {
    const skpi_records *records;
    const skpi__intcol *customer, *reason, *opened, *first_response, *closed, *outcome;
} columns;

static columns columns_of(const skpi_records *r)
{
    columns c = {
        r,
        skpi__records_column(r, SKPI__COL_CUSTOMER), skpi__records_column(r, SKPI__COL_REASON),
        skpi__records_column(r, SKPI__COL_OPENED), skpi__records_column(r, SKPI__COL_FIRST_RESPONSE),
        skpi__records_column(r, SKPI__COL_CLOSED), skpi__records_column(r, SKPI__COL_OUTCOME),
    };
    return c;
}

static int compare_int(int64_t a, int64_t b)
{
    return (a > b) - (a < b);
}

/* Stitching order within a key: opened_at, then id bytewise. */
static int compare_time_id(const columns *c, uint32_t a, uint32_t b)
{
    int d = compare_int(skpi__intcol_get(c->opened, a), skpi__intcol_get(c->opened, b));
    return d ? d : strcmp(skpi__records_id(c->records, a), skpi__records_id(c->records, b));
}

static int compare_reason_time_id(const void *context, uint32_t a, uint32_t b)
{
    const columns *c = context;
    int d = compare_int(skpi__intcol_get(c->reason, a), skpi__intcol_get(c->reason, b));
    return d ? d : compare_time_id(c, a, b);
}

/* Sort one customer's contacts: insertion sort for the usual handful, the
 * merge sort for the few customers with many. */
static int sort_customer(const columns *c, uint32_t *a, size_t n)
{
    if (n > 24)
        return skpi__sort_u32(a, n, compare_reason_time_id, c);
    for (size_t i = 1; i < n; i++) {
        uint32_t x = a[i];
        size_t j = i;
        for (; j > 0 && compare_reason_time_id(c, a[j - 1], x) > 0; j--)
            a[j] = a[j - 1];
        a[j] = x;
    }
    return SKPI_OK;
}

/* Step 1: sorted = the contacts by (customer, reason, opened_at, id). */
static int sort_by_key(const columns *c, uint32_t *sorted, size_t n)
{
    size_t customers = skpi__strpool_count(skpi__records_pool(c->records, SKPI__COL_CUSTOMER));
    uint32_t *end = skpi__calloc(customers + 1, sizeof *end);
    if (!end)
        return SKPI_ENOMEM;
    for (size_t i = 0; i < n; i++)
        end[skpi__intcol_get(c->customer, i) + 1]++;
    for (size_t k = 1; k <= customers; k++)
        end[k] += end[k - 1];
    for (size_t i = 0; i < n; i++)   /* afterwards end[k] is where customer k ends */
        sorted[end[skpi__intcol_get(c->customer, i)]++] = (uint32_t)i;
    int rc = SKPI_OK;
    for (size_t k = 1; rc == SKPI_OK && k < customers; k++)  /* customer 0: singletons */
        rc = sort_customer(c, sorted + end[k - 1], end[k] - end[k - 1]);
    skpi__free(end);
    return rc;
}

/* The default as-of time: the latest timestamp of any contact. */
static int64_t latest_timestamp(const columns *c, size_t n)
{
    int64_t t = SKPI_UNSET;
    const skpi__intcol *cols[] = { c->opened, c->first_response, c->closed };
    for (int k = 0; k < 3; k++) {
        for (size_t i = 0; i < n; i++) {
            int64_t v = skpi__intcol_get(cols[k], i);
            if (v != SKPI_UNSET && v > t)
                t = v;
        }
    }
    return t;
}

/* ---- stitching ---- */

/* Walk the key-sorted contacts and write where each chain starts; returns
 * the number of chains. */
static size_t cut_chains(const columns *c, const uint32_t *sorted, size_t n, int64_t window,
                         uint32_t *cuts)
{
    size_t count = 0;
    int64_t latest_close = SKPI_UNSET;
    bool any_open = false;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = sorted[i];
        int64_t customer = skpi__intcol_get(c->customer, x);
        bool same_key = i > 0 && customer != 0
                        && customer == skpi__intcol_get(c->customer, sorted[i - 1])
                        && skpi__intcol_get(c->reason, x) == skpi__intcol_get(c->reason, sorted[i - 1]);
        bool joins = same_key
                     && (any_open || (__int128)skpi__intcol_get(c->opened, x)
                                         <= (__int128)latest_close + window);
        if (!joins) {
            cuts[count++] = (uint32_t)i;
            latest_close = SKPI_UNSET;
            any_open = false;
        }
        int64_t closed = skpi__intcol_get(c->closed, x);
        if (closed == SKPI_UNSET)
            any_open = true;
        else if (latest_close == SKPI_UNSET || closed > latest_close)
            latest_close = closed;
    }
    cuts[count] = (uint32_t)n;
    return count;
}

typedef struct chain_sort {
    const columns *c;
    const uint32_t *sorted;
    const uint32_t *cuts;
} chain_sort;

static int compare_chains(const void *context, uint32_t a, uint32_t b)
{
    const chain_sort *s = context;
    return compare_time_id(s->c, s->sorted[s->cuts[a]], s->sorted[s->cuts[b]]);
}

/* Step 3 for contacts spread over more than 2^32 seconds: by comparison. */
static int order_chains_slowly(const columns *c, const uint32_t *sorted, const uint32_t *cuts,
                               size_t count, uint32_t *chain_order)
{
    for (size_t k = 0; k < count; k++)
        chain_order[k] = (uint32_t)k;
    chain_sort s = { c, sorted, cuts };
    return skpi__sort_u32(chain_order, count, compare_chains, &s);
}

/* Step 3: chain_order = the chains by their first contact's (opened_at, id).
 * Keys pack the first opened_at (relative to the earliest) above the chain
 * number, so a radix sort on the high half orders by time and keeps chain
 * numbers in order within a second; equal seconds are then ordered by id. */
static int order_chains(const columns *c, const uint32_t *sorted, const uint32_t *cuts,
                        size_t count, uint32_t *chain_order)
{
    int64_t earliest = INT64_MAX, latest = INT64_MIN;
    for (size_t k = 0; k < count; k++) {
        int64_t t = skpi__intcol_get(c->opened, sorted[cuts[k]]);
        earliest = t < earliest ? t : earliest;
        latest = t > latest ? t : latest;
    }
    if (count && (uint64_t)latest - (uint64_t)earliest > UINT32_MAX)
        return order_chains_slowly(c, sorted, cuts, count, chain_order);
    uint64_t *keys = skpi__malloc((count + 1) * sizeof *keys);
    if (!keys)
        return SKPI_ENOMEM;
    for (size_t k = 0; k < count; k++) {
        uint64_t t = (uint64_t)skpi__intcol_get(c->opened, sorted[cuts[k]]) - (uint64_t)earliest;
        keys[k] = t << 32 | k;
    }
    int rc = skpi__radix_sort_u64(keys, count, 32);
    for (size_t k = 0; rc == SKPI_OK && k < count; k++)
        chain_order[k] = (uint32_t)keys[k];
    /* Runs of the same second: by the first contact's id (insertion sort). */
    for (size_t k = 1; rc == SKPI_OK && k < count; k++) {
        uint32_t x = chain_order[k];
        size_t j = k;
        for (; j > 0 && keys[j - 1] >> 32 == keys[k] >> 32
               && compare_time_id(c, sorted[cuts[chain_order[j - 1]]], sorted[cuts[x]]) > 0; j--)
            chain_order[j] = chain_order[j - 1];
        chain_order[j] = x;
    }
    skpi__free(keys);
    return rc;
}

static int chain_status(const columns *c, const uint32_t *members, size_t size, int64_t as_of,
                        int64_t window, bool provisional)
{
    int64_t latest = SKPI_UNSET;
    for (size_t k = 0; k < size; k++) {
        int64_t closed = skpi__intcol_get(c->closed, members[k]);
        if (closed == SKPI_UNSET)
            return SKPI_CHAIN_OPEN;
        if (closed > latest)
            latest = closed;
    }
    bool last_resolved = skpi__intcol_get(c->outcome, members[size - 1]) == SKPI_OUTCOME_RESOLVED;
    if ((__int128)as_of < (__int128)latest + window) {
        if (provisional && last_resolved)
            return SKPI_CHAIN_RESOLVED | SKPI__CHAIN_PROVISIONAL;
        return SKPI_CHAIN_PENDING;
    }
    return last_resolved ? SKPI_CHAIN_RESOLVED : SKPI_CHAIN_UNRESOLVED;
}

/* Lay the chains out in chain order and settle their statuses. */
static void lay_out(const columns *c, const uint32_t *sorted, const uint32_t *cuts,
                    const uint32_t *chain_order, layout *out, int64_t window, bool provisional)
{
    size_t at = 0;
    for (size_t k = 0; k < out->count; k++) {
        uint32_t from = cuts[chain_order[k]], to = cuts[chain_order[k] + 1];
        out->starts[k] = (uint32_t)at;
        memcpy(out->order + at, sorted + from, (to - from) * sizeof *sorted);
        out->status[k] = (uint8_t)chain_status(c, out->order + at, to - from, out->as_of, window,
                                               provisional);
        at += to - from;
    }
    out->starts[out->count] = (uint32_t)at;
}

static int build(const skpi_records *r, int64_t window, int64_t as_of, bool provisional,
                 layout *out)
{
    columns c = columns_of(r);
    size_t n = skpi_records_count(r);
    memset(out, 0, sizeof *out);
    out->contacts = n;
    out->as_of = as_of != SKPI_UNSET ? as_of : latest_timestamp(&c, n);
    uint32_t *sorted = skpi__calloc(n + 1, sizeof *sorted);
    uint32_t *cuts = skpi__calloc(n + 1, sizeof *cuts);
    uint32_t *chain_order = skpi__calloc(n + 1, sizeof *chain_order);
    out->order = skpi__calloc(n + 1, sizeof *out->order);
    int rc = sorted && cuts && chain_order && out->order ? SKPI_OK : SKPI_ENOMEM;
    if (rc == SKPI_OK)
        rc = sort_by_key(&c, sorted, n);
    if (rc == SKPI_OK) {
        out->count = cut_chains(&c, sorted, n, window, cuts);
        rc = order_chains(&c, sorted, cuts, out->count, chain_order);
    }
    if (rc == SKPI_OK) {
        out->starts = skpi__calloc(out->count + 1, sizeof *out->starts);
        out->status = skpi__calloc(out->count + 1, sizeof *out->status);
        rc = out->starts && out->status ? SKPI_OK : SKPI_ENOMEM;
    }
    if (rc == SKPI_OK)
        lay_out(&c, sorted, cuts, chain_order, out, window, provisional);
    else
        layout_release(out);
    skpi__free(sorted);
    skpi__free(cuts);
    skpi__free(chain_order);
    return rc;
}

/* ---- the handle ---- */

static int check_options(const skpi_chain_options *o, skpi_error *err)
{
    if (o->version != SKPI_CHAIN_OPTIONS_VERSION)
        return skpi__fail(err, SKPI_EINVAL, "options: version is not SKPI_CHAIN_OPTIONS_VERSION");
    if (o->window_seconds != SKPI_UNSET
        && (o->window_seconds < 0 || o->window_seconds > SKPI_WINDOW_MAX))
        return skpi__fail(err, SKPI_EINVAL, "window_seconds: %lld is not 0..%d",
                          (long long)o->window_seconds, SKPI_WINDOW_MAX);
    if (o->anchor != SKPI_ANCHOR_FIRST && o->anchor != SKPI_ANCHOR_LAST)
        return skpi__fail(err, SKPI_EINVAL, "anchor: %d is neither first (0) nor last (1)",
                          o->anchor);
    return SKPI_OK;
}

int skpi_chains_new(skpi_chains **chains, const skpi_records *records,
                    const skpi_chain_options *options, skpi_error *err)
{
    if (!chains || !records)
        return skpi__fail(err, SKPI_EINVAL, "chains: the output pointer or the records is NULL");
    *chains = NULL;
    skpi_chain_options defaults = SKPI_CHAIN_OPTIONS_INIT;
    const skpi_chain_options *o = options ? options : &defaults;
    int rc = check_options(o, err);
    if (rc != SKPI_OK)
        return rc;
    skpi_chains *c = skpi__calloc(1, sizeof *c);
    if (!c)
        return skpi__fail(err, SKPI_ENOMEM, "chains: out of memory");
    c->records = records;
    c->options = *o;
    c->window = o->window_seconds == SKPI_UNSET ? SKPI_WINDOW_DEFAULT : o->window_seconds;
    rc = build(records, c->window, o->as_of, o->provisional != 0, &c->built);
    if (rc != SKPI_OK) {
        skpi__free(c);
        return skpi__fail(err, rc, "chains: out of memory");
    }
    *chains = c;
    return skpi__succeed(err, SKPI_OK);
}

void skpi_chains_free(skpi_chains *chains)
{
    if (!chains)
        return;
    layout_release(&chains->built);
    skpi__free(chains);
}

int skpi_chains_update(skpi_chains *chains)
{
    if (!chains)
        return SKPI_EINVAL;
    layout fresh;
    int rc = build(chains->records, chains->window, chains->options.as_of,
                   chains->options.provisional != 0, &fresh);
    if (rc != SKPI_OK)
        return skpi__fail(&chains->error, rc, "chains: out of memory");
    layout_release(&chains->built);
    chains->built = fresh;
    return skpi__succeed(&chains->error, SKPI_OK);
}

int skpi_chains_errcode(const skpi_chains *chains)
{
    return chains ? chains->error.code : SKPI_EINVAL;
}

const char *skpi_chains_errmsg(const skpi_chains *chains)
{
    return chains ? chains->error.message : "chains is NULL";
}

int skpi_chains_options(const skpi_chains *chains, skpi_chain_options *options)
{
    if (!chains || !options)
        return SKPI_EINVAL;
    *options = chains->options;
    options->window_seconds = chains->window;
    options->as_of = chains->built.as_of;
    options->provisional = chains->options.provisional != 0;
    return SKPI_OK;
}

const skpi_records *skpi_chains_records(const skpi_chains *chains)
{
    return chains ? chains->records : NULL;
}

size_t skpi_chains_contact_count(const skpi_chains *chains)
{
    return chains ? chains->built.contacts : 0;
}

size_t skpi_chains_count(const skpi_chains *chains)
{
    return chains ? chains->built.count : 0;
}

size_t skpi_chains_memory(const skpi_chains *chains)
{
    if (!chains)
        return 0;
    const layout *l = &chains->built;
    return sizeof *chains + (l->contacts + 1) * sizeof(uint32_t)
           + (l->count + 1) * (sizeof(uint32_t) + 1);
}

/* ---- one chain ---- */

static bool chain_ok(const skpi_chains *c, size_t chain)
{
    return c && chain < c->built.count;
}

int skpi_chain_get_status(const skpi_chains *chains, size_t chain)
{
    if (!chain_ok(chains, chain))
        return SKPI_ENOTFOUND;
    return chains->built.status[chain] & SKPI__CHAIN_STATUS_MASK;
}

int skpi_chain_is_provisional(const skpi_chains *chains, size_t chain)
{
    return chain_ok(chains, chain) && (chains->built.status[chain] & SKPI__CHAIN_PROVISIONAL);
}

size_t skpi_chain_size(const skpi_chains *chains, size_t chain)
{
    if (!chain_ok(chains, chain))
        return 0;
    return chains->built.starts[chain + 1] - chains->built.starts[chain];
}

size_t skpi_chain_contact(const skpi_chains *chains, size_t chain, size_t position)
{
    if (position >= skpi_chain_size(chains, chain))
        return SIZE_MAX;
    return chains->built.order[chains->built.starts[chain] + position];
}

size_t skpi_chain_anchor(const skpi_chains *chains, size_t chain)
{
    size_t size = skpi_chain_size(chains, chain);
    if (size == 0)
        return SIZE_MAX;
    return skpi_chain_contact(chains, chain,
                              chains->options.anchor == SKPI_ANCHOR_LAST ? size - 1 : 0);
}

int64_t skpi_chain_first_opened(const skpi_chains *chains, size_t chain)
{
    size_t first = skpi_chain_contact(chains, chain, 0);
    if (first == SIZE_MAX)
        return SKPI_UNSET;
    return skpi__intcol_get(skpi__records_column(chains->records, SKPI__COL_OPENED), first);
}

int64_t skpi_chain_latest_close(const skpi_chains *chains, size_t chain)
{
    const skpi__intcol *closed = chains ? skpi__records_column(chains->records, SKPI__COL_CLOSED)
                                        : NULL;
    int64_t latest = SKPI_UNSET;
    for (size_t k = 0; k < skpi_chain_size(chains, chain); k++) {
        int64_t v = skpi__intcol_get(closed, skpi_chain_contact(chains, chain, k));
        if (v != SKPI_UNSET && (latest == SKPI_UNSET || v > latest))
            latest = v;
    }
    return latest;
}

/* Whether the contact at `position` of the chain is the first to use its
 * channel.  Chains are short, so the quadratic scan is cheap. */
static bool first_use_of_channel(const skpi_chains *chains, size_t chain, size_t position,
                                 int64_t *channel)
{
    const skpi__intcol *col = skpi__records_column(chains->records, SKPI__COL_CHANNEL);
    *channel = skpi__intcol_get(col, skpi_chain_contact(chains, chain, position));
    for (size_t q = 0; q < position; q++)
        if (skpi__intcol_get(col, skpi_chain_contact(chains, chain, q)) == *channel)
            return false;
    return true;
}

size_t skpi_chain_channel_count(const skpi_chains *chains, size_t chain)
{
    size_t count = 0;
    int64_t channel;
    for (size_t p = 0; p < skpi_chain_size(chains, chain); p++)
        count += first_use_of_channel(chains, chain, p, &channel);
    return count;
}

const char *skpi_chain_channel(const skpi_chains *chains, size_t chain, size_t k)
{
    size_t found = 0;
    int64_t channel;
    for (size_t p = 0; p < skpi_chain_size(chains, chain); p++) {
        if (first_use_of_channel(chains, chain, p, &channel) && found++ == k)
            return skpi__strpool_get(skpi__records_pool(chains->records, SKPI__COL_CHANNEL),
                                     (uint32_t)channel);
    }
    return NULL;
}
int skpi_chains_find_contact(const skpi_chains *chains, size_t contact, size_t *chain,
                             size_t *position)
{
    if (!chains || contact >= chains->built.contacts)
        return SKPI_ENOTFOUND;
    const layout *l = &chains->built;
    for (size_t at = 0; at < l->contacts; at++) {
        if (l->order[at] != contact)
            continue;
        /* the chain whose range holds `at`: binary search over starts */
        size_t lo = 0, hi = l->count;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (l->starts[mid] <= at)
                lo = mid;
            else
                hi = mid;
        }
        if (chain)
            *chain = lo;
        if (position)
            *position = at - l->starts[lo];
        return SKPI_OK;
    }
    return SKPI_ENOTFOUND;
}

/* ---- internal ---- */

const uint32_t *skpi__chains_order(const skpi_chains *c) { return c->built.order; }
const uint32_t *skpi__chains_starts(const skpi_chains *c) { return c->built.starts; }
const uint8_t *skpi__chains_status(const skpi_chains *c) { return c->built.status; }
