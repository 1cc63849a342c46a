/* Resolution chains (SPEC §3).
 *
 * Building sorts arrays of 64-bit keys, a 32-bit digit above a 32-bit
 * position, with the stable radix sort, and reads the records at random
 * rows only where it must, asking for those rows ahead of time:
 *  1. keys = the rows by (customer, reason) as one digit, made in row order
 *     and radix sorted (by reason and then by customer when customers x
 *     reasons do not fit 32 bits);
 *  2. walk the keys one (customer, reason) at a time: sort its few contacts
 *     by (opened_at, id) (insertion sort; the merge sort for a key with
 *     many), cut a new chain where SPEC says (nothing open in the chain and
 *     opened_at > latest close + W) and settle each chain's status as it
 *     ends, marking it in the keys where the chain starts; each chain gets
 *     a key of its own, its first opened_at (seconds after the earliest)
 *     above where it starts.  A contact with an empty customer is a chain
 *     of its own;
 *  3. radix sort the chains by that second (by comparison when the contacts
 *     span more than 2^32 seconds), so chain numbers do not depend on the
 *     order contacts were added (interned ids do);
 *  4. lay the chains out in that order from the marked keys, chains of the
 *     same second by their first contact's id.
 *
 * Time is O(n) but for those few sorts by comparison.  A contact costs
 * three reads at random rows (opened_at, closed_at, outcome) and a chain
 * one (where it starts, in the layout); everything else is passes over
 * arrays.  Temporaries: the keys and the radix buffer, 8 bytes a contact
 * each (the buffer then holds the chains' keys), and the chains' radix
 * buffer, 8 bytes a chain, which becomes the layout's order.  Every large
 * block serves twice because on a virtual machine touching a fresh page
 * costs more than a pass of the sort.
 *
 * A chains handle keeps 4 bytes per contact and 5 per chain. */
#include "chains.h"

#include <string.h>

#include "alloc.h"
#include "records.h"
#include "sort.h"
#include "status.h"
#include "twin.h"

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
    skpi_chain_options options; /* as given, read_options(): UNSET as_of stays UNSET */
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

static int compare_ids(const columns *c, uint32_t a, uint32_t b)
{
    return strcmp(skpi__records_id(c->records, a), skpi__records_id(c->records, b));
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

typedef struct time_range {
    int64_t earliest;  /* opened_at */
    uint64_t span;     /* latest opened_at - earliest */
} time_range;

static time_range opened_range(const columns *c, size_t n)
{
    int64_t earliest = INT64_MAX, latest = INT64_MIN;
    for (size_t i = 0; i < n; i++) {
        int64_t t = skpi__intcol_get(c->opened, i);
        earliest = t < earliest ? t : earliest;
        latest = t > latest ? t : latest;
    }
    time_range r = { earliest, n ? (uint64_t)latest - (uint64_t)earliest : 0 };
    return r;
}

/* The walk and the layout read rows in an order that is random to memory,
 * and most reads are followed by a branch that cannot be predicted, which
 * would hold the next read back: asking for the cache lines of the rows
 * AHEAD places on keeps many misses in flight instead of one. */
enum { AHEAD = 16 };

static void prefetch_value(const skpi__intcol *col, uint32_t row)
{
    __builtin_prefetch(col->data + (size_t)row * col->width);
}

/* ---- step 1: the contacts by key ---- */

/* Sort keys are 64 bits: a 32-bit digit above a 32-bit position (a row, or
 * where a chain starts), sorted by the digit with the stable radix sort. */
static uint32_t high_half(uint64_t key)
{
    return (uint32_t)(key >> 32);
}

static uint32_t low_half(uint64_t key)
{
    return (uint32_t)key;
}

/* Where the run of values with the high half of a[from] ends. */
static size_t run_end(const uint64_t *a, size_t from, size_t n)
{
    size_t to = from + 1;
    while (to < n && high_half(a[to]) == high_half(a[from]))
        to++;
    return to;
}

/* The digits of keys, in row order: each row's customer and reason as one
 * number. */
static void put_key_digits(const columns *c, uint64_t *keys, size_t n, uint64_t reasons)
{
    for (size_t i = 0; i < n; i++) {
        uint64_t key = (uint64_t)skpi__intcol_get(c->customer, i) * reasons
                       + (uint64_t)skpi__intcol_get(c->reason, i);
        keys[i] = key << 32 | i;
    }
}

/* The digits of keys: each row's id in the pool of `col`. */
static void put_digits(const skpi__intcol *col, uint64_t *keys, size_t n)
{
    for (size_t j = 0; j < n; j++) {
        uint32_t row = low_half(keys[j]);
        keys[j] = (uint64_t)skpi__intcol_get(col, row) << 32 | row;
    }
}

/* After the sorts by reason and by customer, the digits become numbers of
 * (customer, reason) keys in their order: 0 for every contact without a
 * customer, then 1, 2 ... */
static void number_keys(const columns *c, uint64_t *keys, size_t n)
{
    uint64_t number = 0;
    uint32_t last_customer = 0;
    int64_t last_reason = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t row = low_half(keys[i]), customer = high_half(keys[i]);
        int64_t reason = skpi__intcol_get(c->reason, row);
        if (customer != 0 && (customer != last_customer || reason != last_reason))
            number++;
        last_customer = customer;
        last_reason = reason;
        keys[i] = (customer ? number : 0) << 32 | row;
    }
}

/* Step 1: keys = the rows by (customer, reason), then row, with digits that
 * tell the keys apart; returns the digit below which contacts have no
 * customer.  customer * reasons + reason is that digit when it fits 32
 * bits; else the rows are sorted by reason and then by customer. */
static uint64_t sort_by_key(const columns *c, uint64_t *keys, size_t n, uint64_t *buffer,
                            unsigned threads)
{
    uint64_t customers = skpi__strpool_count(skpi__records_pool(c->records, SKPI__COL_CUSTOMER));
    uint64_t reasons = skpi__strpool_count(skpi__records_pool(c->records, SKPI__COL_REASON));
    if (customers <= ((uint64_t)UINT32_MAX + 1) / reasons) {
        put_key_digits(c, keys, n, reasons);
        skpi__radix_sort_u64_threads(keys, n, 32, buffer, threads);
        return reasons;
    }
    for (size_t i = 0; i < n; i++)
        keys[i] = i;
    put_digits(c->reason, keys, n);
    skpi__radix_sort_u64_threads(keys, n, 32, buffer, threads);
    put_digits(c->customer, keys, n);
    skpi__radix_sort_u64_threads(keys, n, 32, buffer, threads);
    number_keys(c, keys, n);
    return 1;
}

/* Stitching order within a key: opened_at, then id bytewise. */
static int compare_time_id(const void *context, uint32_t a, uint32_t b)
{
    const columns *c = context;
    int d = compare_int(skpi__intcol_get(c->opened, a), skpi__intcol_get(c->opened, b));
    return d ? d : compare_ids(c, a, b);
}

/* Runs up to this long are sorted by insertion, longer ones by merging. */
enum { INSERTION_SORT_MAX = 24 };

/* Sort a[0..n), which share their high half (one key, or one second), by
 * `compare` of their low halves, stably.  Insertion sort for the usual
 * handful, the merge sort for many. */
static int sort_by_low_half(uint64_t *a, size_t n, skpi__compare_u32 compare,
                            const void *context)
{
    if (n <= INSERTION_SORT_MAX) {
        for (size_t i = 1; i < n; i++) {
            uint64_t x = a[i];
            size_t j = i;
            for (; j > 0 && compare(context, low_half(a[j - 1]), low_half(x)) > 0; j--)
                a[j] = a[j - 1];
            a[j] = x;
        }
        return SKPI_OK;
    }
    uint32_t *lows = skpi__malloc(n * sizeof *lows);
    if (!lows)
        return SKPI_ENOMEM;
    for (size_t i = 0; i < n; i++)
        lows[i] = low_half(a[i]);
    int rc = skpi__sort_u32(lows, n, compare, context);
    for (size_t i = 0; rc == SKPI_OK && i < n; i++)
        a[i] = (uint64_t)high_half(a[i]) << 32 | lows[i];
    skpi__free(lows);
    return rc;
}

/* Sort one key's contacts keys[0..n) by (opened_at, id): insertion sort for
 * the usual handful, which mostly come in time order already; the merge
 * sort for the few keys with many. */
static int sort_key(const columns *c, uint64_t *keys, size_t n)
{
    return sort_by_low_half(keys, n, compare_time_id, c);
}

/* ---- step 2: stitching ---- */

typedef struct stitch_rules {
    int64_t window;
    int64_t as_of;
    bool provisional;
    time_range opened;
} stitch_rules;

/* What the chain being stitched needs for the next cut and its status. */
typedef struct chain_so_far {
    size_t start;          /* its first contact's position in keys */
    int64_t latest_close;  /* SKPI_UNSET while none is closed */
    bool any_open;
    uint32_t last;         /* row of the latest contact */
} chain_so_far;

static int chain_status(const columns *c, const chain_so_far *chain, const stitch_rules *rules)
{
    if (chain->any_open)
        return SKPI_CHAIN_OPEN;
    bool last_resolved = skpi__intcol_get(c->outcome, chain->last) == SKPI_OUTCOME_RESOLVED;
    if ((__int128)rules->as_of < (__int128)chain->latest_close + rules->window) {
        if (rules->provisional && last_resolved)
            return SKPI_CHAIN_RESOLVED | SKPI__CHAIN_PROVISIONAL;
        return SKPI_CHAIN_PENDING;
    }
    return last_resolved ? SKPI_CHAIN_RESOLVED : SKPI_CHAIN_UNRESOLVED;
}

static void add_to_chain(const columns *c, chain_so_far *chain, uint32_t row)
{
    int64_t closed = skpi__intcol_get(c->closed, row);
    if (closed == SKPI_UNSET)
        chain->any_open = true;
    else if (chain->latest_close == SKPI_UNSET || closed > chain->latest_close)
        chain->latest_close = closed;
    chain->last = row;
}

/* Once stitched, keys[p] holds row p of the key order below a mark: 0 where
 * a chain goes on, its status + 1 where a chain starts.  The layout needs
 * nothing else. */
static void mark_chain(const columns *c, uint64_t *keys, const chain_so_far *chain,
                       const stitch_rules *rules)
{
    uint64_t mark = (uint64_t)chain_status(c, chain, rules) + 1;
    keys[chain->start] = mark << 32 | low_half(keys[chain->start]);
}

/* Stitch the contacts of one key, keys[from..to), sorted: cut a new chain
 * where SPEC says (nothing open in the chain and opened_at > latest close
 * + W), mark each chain and add its sort key to chains[*count]: its first
 * opened_at in seconds after the earliest (which fits 32 bits unless the
 * span does not) above where it starts. */
static void cut_key(const columns *c, uint64_t *keys, size_t from, size_t to,
                    const stitch_rules *rules, uint64_t *chains, size_t *count)
{
    chain_so_far chain = { from, SKPI_UNSET, false, 0 };
    for (size_t i = from; i < to; i++) {
        uint32_t row = low_half(keys[i]);
        int64_t opened = skpi__intcol_get(c->opened, row);
        bool joins = i > from
                     && (chain.any_open
                         || (__int128)opened <= (__int128)chain.latest_close + rules->window);
        if (!joins) {
            if (i > from)
                mark_chain(c, keys, &chain, rules);
            chain = (chain_so_far){ i, SKPI_UNSET, false, 0 };
            uint64_t second = (uint64_t)opened - (uint64_t)rules->opened.earliest;
            chains[(*count)++] = second << 32 | i;
        }
        add_to_chain(c, &chain, row);
        keys[i] = row;
    }
    mark_chain(c, keys, &chain, rules);
}

static void prefetch_contact(const columns *c, uint32_t row)
{
    prefetch_value(c->opened, row);
    prefetch_value(c->closed, row);
    prefetch_value(c->outcome, row);
}

/* Step 2 for the keys keys[first..end), whole keys: walk them key by key;
 * sort each key's contacts by time and cut them into chains.  A contact
 * without a customer is a chain of its own.  chains = the chains' sort keys,
 * *count of them.  Reads and writes no key outside the range. */
static int cut_range(const columns *c, uint64_t *keys, size_t first, size_t end, uint64_t lone,
                     const stitch_rules *rules, uint64_t *chains, size_t *count)
{
    *count = 0;
    size_t ahead = first;
    for (size_t from = first; from < end;) {
        size_t to = high_half(keys[from]) < lone ? from + 1 : run_end(keys, from, end);
        for (; ahead < end && ahead < to + AHEAD; ahead++)
            prefetch_contact(c, low_half(keys[ahead]));
        int rc = sort_key(c, keys + from, to - from);
        if (rc != SKPI_OK)
            return rc;
        cut_key(c, keys, from, to, rules, chains, count);
        from = to;
    }
    return SKPI_OK;
}

/* One thread's part of step 2. */
typedef struct cut_part {
    const columns *c;
    uint64_t *keys;
    size_t first, end;
    uint64_t lone;
    const stitch_rules *rules;
    uint64_t *chains;
    size_t count;
} cut_part;

static int cut_part_run(void *arg)
{
    cut_part *p = arg;
    return cut_range(p->c, p->keys, p->first, p->end, p->lone, p->rules, p->chains, &p->count);
}

/* The first place at or after the middle of keys[0..n) where one key ends
 * and the next begins (or n). */
static size_t middle_boundary(const uint64_t *keys, size_t n, uint64_t lone)
{
    size_t m = n / 2;
    while (m > 0 && m < n && high_half(keys[m]) >= lone
           && high_half(keys[m]) == high_half(keys[m - 1]))
        m++;
    return m;
}

/* Step 2: cut every key into chains, on two threads when asked: each cuts
 * whole keys of one half.  The second half's chains go to chains[m..]
 * (a half of m contacts has at most m chains) and are then moved down
 * behind the first's, so chains is what one walk would have made. */
static int cut_chains(const columns *c, uint64_t *keys, size_t n, uint64_t lone,
                      const stitch_rules *rules, uint64_t *chains, size_t *count, unsigned threads)
{
    if (threads < 2)
        return cut_range(c, keys, 0, n, lone, rules, chains, count);
    size_t m = middle_boundary(keys, n, lone);
    cut_part parts[2] = {
        { c, keys, 0, m, lone, rules, chains, 0 },
        { c, keys, m, n, lone, rules, chains + m, 0 },
    };
    int rc = skpi__twin_run(threads, (skpi__job){ cut_part_run, &parts[0] },
                            (skpi__job){ cut_part_run, &parts[1] });
    memmove(chains + parts[0].count, chains + m, parts[1].count * sizeof *chains);
    *count = parts[0].count + parts[1].count;
    return rc;
}

/* ---- step 3: the chains in order ---- */

static uint32_t first_row(const uint64_t *keys, uint64_t chain)
{
    return low_half(keys[low_half(chain)]);
}

typedef struct chain_sort {
    const columns *c;
    const uint64_t *keys;
    const uint64_t *chains;
} chain_sort;

static int compare_chains(const void *context, uint32_t a, uint32_t b)
{
    const chain_sort *s = context;
    return compare_time_id(s->c, first_row(s->keys, s->chains[a]),
                           first_row(s->keys, s->chains[b]));
}

/* Step 3 for contacts spread over more than 2^32 seconds: by comparison.
 * The digits become the chains' places, so no two are alike. */
static int order_chains_slowly(const columns *c, const uint64_t *keys, uint64_t *chains,
                               size_t count, uint64_t *buffer)
{
    uint32_t *order = skpi__malloc((count + 1) * sizeof *order);
    if (!order)
        return SKPI_ENOMEM;
    for (size_t k = 0; k < count; k++)
        order[k] = (uint32_t)k;
    chain_sort s = { c, keys, chains };
    int rc = skpi__sort_u32(order, count, compare_chains, &s);
    for (size_t k = 0; rc == SKPI_OK && k < count; k++)
        buffer[k] = (uint64_t)k << 32 | low_half(chains[order[k]]);
    if (rc == SKPI_OK)
        memcpy(chains, buffer, count * sizeof *chains);
    skpi__free(order);
    return rc;
}

/* Step 3: chains = the chains by their first contact's opened_at; chains
 * of the same second are ordered by id as they are laid out.  out->order is
 * allocated here, large enough to be the sort's buffer first. */
static int order_chains(const columns *c, const uint64_t *keys, uint64_t *chains, size_t count,
                        time_range opened, unsigned threads, layout *out)
{
    size_t contacts = (out->contacts + 1) * sizeof *out->order;
    size_t sort = (count + 1) * sizeof *chains;
    out->order = skpi__malloc_shared(contacts > sort ? contacts : sort, threads);
    if (!out->order)
        return SKPI_ENOMEM;
    uint64_t *buffer = (uint64_t *)(void *)out->order;
    if (opened.span > UINT32_MAX)
        return order_chains_slowly(c, keys, chains, count, buffer);
    skpi__radix_sort_u64_threads(chains, count, 32, buffer, threads);
    return SKPI_OK;
}

/* ---- step 4: the layout ---- */

static int compare_first_ids(const void *context, uint32_t a, uint32_t b)
{
    const chain_sort *s = context;
    return compare_ids(s->c, low_half(s->keys[a]), low_half(s->keys[b]));
}

/* Chains whose first contacts opened in the same second, chains[0..n): by
 * the first contact's id.  Insertion sort for the usual few; the merge sort
 * for many, as timestamps to the minute or the day make long runs. */
static int order_by_first_id(const columns *c, const uint64_t *keys, uint64_t *chains, size_t n)
{
    chain_sort s = { c, keys, chains };
    return sort_by_low_half(chains, n, compare_first_ids, &s);
}

/* Step 4: lay the chains out in chain order, with their statuses, from the
 * marked keys. */
static int lay_out(const columns *c, const uint64_t *keys, uint64_t *chains, layout *out)
{
    out->starts = skpi__malloc((out->count + 1) * sizeof *out->starts);
    out->status = skpi__malloc(out->count + 1);
    if (!out->starts || !out->status)
        return SKPI_ENOMEM;
    size_t at = 0, same_second = 0;
    for (size_t k = 0; k < out->count; k++) {
        if (k == same_second) {
            same_second = run_end(chains, k, out->count);
            int rc = order_by_first_id(c, keys, chains + k, same_second - k);
            if (rc != SKPI_OK)
                return rc;
        }
        if (k + AHEAD < out->count)
            __builtin_prefetch(&keys[low_half(chains[k + AHEAD])]);
        size_t p = low_half(chains[k]);
        out->starts[k] = (uint32_t)at;
        out->status[k] = (uint8_t)(high_half(keys[p]) - 1);
        do
            out->order[at++] = low_half(keys[p++]);
        while (p < out->contacts && high_half(keys[p]) == 0);
    }
    out->starts[out->count] = (uint32_t)at;
    return SKPI_OK;
}

/* Give back the part of out->order that only the chains' sort used (best
 * effort: a refused realloc leaves it as it was). */
static void trim_order(layout *out)
{
    if ((out->count + 1) * sizeof(uint64_t) <= (out->contacts + 1) * sizeof *out->order)
        return;
    uint32_t *order = skpi__realloc(out->order, (out->contacts + 1) * sizeof *order);
    if (order)
        out->order = order;
}

static int build(const skpi_records *r, int64_t window, int64_t as_of, bool provisional,
                 unsigned threads, layout *out)
{
    columns c = columns_of(r);
    size_t n = skpi_records_count(r);
    memset(out, 0, sizeof *out);
    out->contacts = n;
    out->as_of = as_of != SKPI_UNSET ? as_of : latest_timestamp(&c, n);
    stitch_rules rules = { window, out->as_of, provisional, opened_range(&c, n) };
    /* chains is the contacts' radix buffer before it holds the chains */
    uint64_t *keys = skpi__malloc_shared((n + 1) * sizeof *keys, threads);
    uint64_t *chains = skpi__malloc_shared((n + 1) * sizeof *chains, threads);
    int rc = keys && chains ? SKPI_OK : SKPI_ENOMEM;
    if (rc == SKPI_OK) {
        uint64_t lone = sort_by_key(&c, keys, n, chains, threads);
        rc = cut_chains(&c, keys, n, lone, &rules, chains, &out->count, threads);
    }
    if (rc == SKPI_OK)
        rc = order_chains(&c, keys, chains, out->count, rules.opened, threads, out);
    if (rc == SKPI_OK)
        rc = lay_out(&c, keys, chains, out);
    if (rc == SKPI_OK)
        trim_order(out);
    else
        layout_release(out);
    skpi__free(keys);
    skpi__free(chains);
    return rc;
}

/* ---- the handle ---- */

/* The caller's options (NULL: the defaults) as this version's struct.  A
 * version-1 struct ends before `threads`, which must then not be read. */
static int read_options(const skpi_chain_options *given, skpi_chain_options *out,
                        skpi_error *err)
{
    *out = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    if (!given)
        return SKPI_OK;
    if (given->version != 1 && given->version != SKPI_CHAIN_OPTIONS_VERSION)
        return skpi__fail(err, SKPI_EINVAL, "options: version %u is not 1 or %d", given->version,
                          SKPI_CHAIN_OPTIONS_VERSION);
    out->window_seconds = given->window_seconds;
    out->as_of = given->as_of;
    out->provisional = given->provisional;
    out->anchor = given->anchor;
    if (given->version >= 2)
        out->threads = given->threads;
    return SKPI_OK;
}

static int check_options(const skpi_chain_options *o, skpi_error *err)
{
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
    skpi_chain_options o;
    int rc = read_options(options, &o, err);
    if (rc == SKPI_OK)
        rc = check_options(&o, err);
    if (rc != SKPI_OK)
        return rc;
    skpi_chains *c = skpi__calloc(1, sizeof *c);
    if (!c)
        return skpi__fail(err, SKPI_ENOMEM, "chains: out of memory");
    c->records = records;
    c->options = o;
    c->window = o.window_seconds == SKPI_UNSET ? SKPI_WINDOW_DEFAULT : o.window_seconds;
    rc = build(records, c->window, o.as_of, o.provisional != 0, o.threads, &c->built);
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
                   chains->options.provisional != 0, chains->options.threads, &fresh);
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
    /* options may be the version-1 struct of an older program: only its
     * members are written */
    options->version = 1;
    options->window_seconds = chains->window;
    options->as_of = chains->built.as_of;
    options->provisional = chains->options.provisional != 0;
    options->anchor = chains->options.anchor;
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
