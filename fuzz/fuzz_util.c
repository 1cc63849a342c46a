/* Shared by the fuzz harnesses: see fuzz_util.h.
 *
 * The checks restate SPEC §3, §4, §6 and §9 from the outside, through the
 * public API only, so that a harness finds a wrong number as well as a
 * crash.  They allocate with malloc() (not the library's hook) and keep no
 * state between inputs but one stream on /dev/null. */
#define _POSIX_C_SOURCE 200809L
#include "fuzz_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

void fuzz_trace(const char *format, ...)
{
    static int verbose = -1;
    if (verbose < 0)
        verbose = getenv("FUZZ_VERBOSE") != NULL;
    if (!verbose)
        return;
    va_list ap;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
}

/* ---- reading the fuzz bytes ---- */

uint8_t fuzz_u8(fuzz_bytes *b)
{
    if (!b->n)
        return 0;
    b->n--;
    return *b->p++;
}

uint16_t fuzz_u16(fuzz_bytes *b)
{
    uint16_t hi = fuzz_u8(b);
    return (uint16_t)(hi << 8 | fuzz_u8(b));
}

uint64_t fuzz_u64(fuzz_bytes *b)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | fuzz_u8(b);
    return v;
}

#define BASE_TIME INT64_C(1700000000)

int64_t fuzz_i64(fuzz_bytes *b)
{
    static const int64_t special[] = {
        SKPI_UNSET, INT64_MAX, INT64_MIN + 1, -1, 0, 1, 4, 5, 6, 9, 10, 3600,
        SKPI_WINDOW_DEFAULT, SKPI_WINDOW_MAX, SKPI_WINDOW_MAX + 1, INT64_MAX - 1,
        INT64_C(1) << 40, INT64_C(1) << 62, -BASE_TIME, BASE_TIME + SKPI_WINDOW_DEFAULT,
        INT64_C(253402300799), INT64_C(253402300800), INT64_C(-62167219200),
        INT64_C(-62167219201),
    };
    uint8_t c = fuzz_u8(b);
    if (c < 64)
        return (int64_t)c - 8;
    if (c < 128)   /* half-day steps over a month */
        return BASE_TIME + (int64_t)(c - 64) * 43200;
    if (c < 192)   /* a time and some seconds */
        return BASE_TIME + (int64_t)(c - 128) * 86400 + fuzz_u8(b);
    if (c < 240)
        return special[(size_t)(c - 192) % (sizeof special / sizeof special[0])];
    return (int64_t)fuzz_u64(b);
}

void fuzz_chain_options(fuzz_bytes *b, skpi_chain_options *o)
{
    static const int64_t windows[] = {
        SKPI_UNSET, SKPI_UNSET, 0, 1, 3600, SKPI_WINDOW_DEFAULT, SKPI_WINDOW_MAX,
        SKPI_WINDOW_MAX + 1, -1, 86400,
    };
    skpi_chain_options init = SKPI_CHAIN_OPTIONS_INIT;
    *o = init;
    uint8_t c = fuzz_u8(b);
    o->window_seconds = windows[(c & 0x0f) % (sizeof windows / sizeof windows[0])];
    if (c & 0x10)
        o->as_of = fuzz_i64(b);
    o->provisional = (c & 0x20) != 0;
    o->anchor = (c & 0x40) ? SKPI_ANCHOR_LAST : SKPI_ANCHOR_FIRST;
    if ((c & 0xc0) == 0xc0)   /* now and then an anchor out of range */
        o->anchor = (c & 0x01) ? 2 : -1;
}

/* ---- chains ---- */

typedef struct contact_view {
    size_t n;
    skpi_contact *c;
} contact_view;

static void view_load(contact_view *v, const skpi_records *r, size_t n)
{
    v->n = n;
    v->c = malloc((n ? n : 1) * sizeof *v->c);
    FUZZ_CHECK(v->c != NULL);
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(skpi_records_get(r, i, &v->c[i]) == SKPI_OK);
        FUZZ_CHECK(v->c[i].id && v->c[i].id[0]);
        FUZZ_CHECK(v->c[i].customer && v->c[i].reason && v->c[i].channel);
        FUZZ_CHECK(v->c[i].opened_at != SKPI_UNSET);
        FUZZ_CHECK(v->c[i].outcome >= 0 && v->c[i].outcome < skpi_outcome_count());
        FUZZ_CHECK(v->c[i].tier >= 0 && v->c[i].tier <= SKPI_TIER_MAX);
        FUZZ_CHECK(v->c[i].handle_seconds >= 0);
        FUZZ_CHECK(v->c[i].escalations >= 0 && v->c[i].reopens >= 0);
        FUZZ_CHECK(v->c[i].csat == SKPI_UNSET || (v->c[i].csat >= 1 && v->c[i].csat <= 5));
        FUZZ_CHECK((v->c[i].outcome == SKPI_OUTCOME_OPEN) == (v->c[i].closed_at == SKPI_UNSET));
        FUZZ_CHECK(v->c[i].closed_at == SKPI_UNSET || v->c[i].closed_at >= v->c[i].opened_at);
        FUZZ_CHECK(v->c[i].first_response_at == SKPI_UNSET
                   || v->c[i].first_response_at >= v->c[i].opened_at);
    }
}

/* Stitching order: opened_at, then id bytewise. */
static int stitch_less(const contact_view *v, size_t a, size_t b)
{
    if (v->c[a].opened_at != v->c[b].opened_at)
        return v->c[a].opened_at < v->c[b].opened_at;
    return strcmp(v->c[a].id, v->c[b].id) < 0;
}

static int same_key(const contact_view *v, size_t a, size_t b)
{
    return strcmp(v->c[a].customer, v->c[b].customer) == 0
        && strcmp(v->c[a].reason, v->c[b].reason) == 0;
}

void fuzz_check_chains(const skpi_chains *chains, int64_t requested_as_of, size_t full_limit)
{
    const skpi_records *r = skpi_chains_records(chains);
    size_t n = skpi_chains_contact_count(chains);
    size_t nc = skpi_chains_count(chains);
    FUZZ_CHECK(r != NULL);
    FUZZ_CHECK(n <= skpi_records_count(r));
    FUZZ_CHECK(nc <= n);
    skpi_chain_options o;
    FUZZ_CHECK(skpi_chains_options(chains, &o) == SKPI_OK);
    FUZZ_CHECK(o.window_seconds >= 0 && o.window_seconds <= SKPI_WINDOW_MAX);
    FUZZ_CHECK(o.anchor == SKPI_ANCHOR_FIRST || o.anchor == SKPI_ANCHOR_LAST);
    if (requested_as_of != SKPI_UNSET)
        FUZZ_CHECK(o.as_of == requested_as_of);

    contact_view v;
    view_load(&v, r, n);
    size_t *first = malloc((nc + 1) * sizeof *first), *last = malloc((nc + 1) * sizeof *last);
    unsigned char *seen = calloc(n + 1, 1);
    FUZZ_CHECK(first && last && seen);
    size_t total = 0;
    for (size_t ch = 0; ch < nc; ch++) {
        size_t size = skpi_chain_size(chains, ch);
        FUZZ_CHECK(size >= 1);
        total += size;
        FUZZ_CHECK(total <= n);
        int any_open = 0;
        int64_t latest = SKPI_UNSET;
        size_t prev = SIZE_MAX;
        for (size_t p = 0; p < size; p++) {
            size_t k = skpi_chain_contact(chains, ch, p);
            FUZZ_CHECK(k < n);
            FUZZ_CHECK(!seen[k]);
            seen[k] = 1;
            if (p == 0)
                first[ch] = k;
            else
                FUZZ_CHECK(stitch_less(&v, prev, k) && same_key(&v, prev, k));
            size_t fc = SIZE_MAX, fp = SIZE_MAX;
            FUZZ_CHECK(skpi_chains_find_contact(chains, k, &fc, &fp) == SKPI_OK);
            FUZZ_CHECK(fc == ch && fp == p);
            if (v.c[k].outcome == SKPI_OUTCOME_OPEN)
                any_open = 1;
            else if (latest == SKPI_UNSET || v.c[k].closed_at > latest)
                latest = v.c[k].closed_at;
            prev = k;
        }
        last[ch] = prev;
        FUZZ_CHECK(skpi_chain_contact(chains, ch, size) == SIZE_MAX);
        if (!v.c[first[ch]].customer[0])
            FUZZ_CHECK(size == 1);
        FUZZ_CHECK(skpi_chain_first_opened(chains, ch) == v.c[first[ch]].opened_at);
        FUZZ_CHECK(skpi_chain_latest_close(chains, ch) == latest);
        FUZZ_CHECK(skpi_chain_anchor(chains, ch)
                   == (o.anchor == SKPI_ANCHOR_LAST ? last[ch] : first[ch]));
        if (ch > 0)
            FUZZ_CHECK(stitch_less(&v, first[ch - 1], first[ch]));

        /* Status at T (SPEC §3). */
        int status = skpi_chain_get_status(chains, ch);
        int provisional = skpi_chain_is_provisional(chains, ch);
        int last_outcome = v.c[last[ch]].outcome;
        if (any_open) {
            FUZZ_CHECK(status == SKPI_CHAIN_OPEN && !provisional);
        } else if ((__int128)o.as_of < (__int128)latest + o.window_seconds) {
            if (o.provisional && last_outcome == SKPI_OUTCOME_RESOLVED)
                FUZZ_CHECK(status == SKPI_CHAIN_RESOLVED && provisional);
            else
                FUZZ_CHECK(status == SKPI_CHAIN_PENDING && !provisional);
        } else {
            FUZZ_CHECK(status == (last_outcome == SKPI_OUTCOME_RESOLVED ? SKPI_CHAIN_RESOLVED
                                                                        : SKPI_CHAIN_UNRESOLVED));
            FUZZ_CHECK(!provisional);
        }

        /* Channels in order of first use. */
        size_t channels = skpi_chain_channel_count(chains, ch);
        FUZZ_CHECK(channels >= 1 && channels <= size);
        size_t found = 0;
        for (size_t p = 0; p < size; p++) {
            const char *name = v.c[skpi_chain_contact(chains, ch, p)].channel;
            size_t q = 0;
            while (q < found && strcmp(skpi_chain_channel(chains, ch, q), name) != 0)
                q++;
            if (q == found) {
                FUZZ_CHECK(found < channels);
                const char *got = skpi_chain_channel(chains, ch, found);
                FUZZ_CHECK(got && strcmp(got, name) == 0);
                found++;
            }
        }
        FUZZ_CHECK(found == channels);
        FUZZ_CHECK(skpi_chain_channel(chains, ch, channels) == NULL);
    }
    FUZZ_CHECK(total == n);
    FUZZ_CHECK(skpi_chain_size(chains, nc) == 0);
    FUZZ_CHECK(skpi_chain_get_status(chains, nc) == SKPI_ENOTFOUND);
    FUZZ_CHECK(skpi_chain_anchor(chains, nc) == SIZE_MAX);
    FUZZ_CHECK(skpi_chains_find_contact(chains, n, NULL, NULL) == SKPI_ENOTFOUND);

    /* T left to the data: the largest opened_at, first_response_at or
     * closed_at; absent without contacts. */
    if (requested_as_of == SKPI_UNSET) {
        int64_t latest_time = SKPI_UNSET;
        for (size_t k = 0; k < n; k++) {
            const int64_t t[3] = { v.c[k].opened_at, v.c[k].first_response_at, v.c[k].closed_at };
            for (int j = 0; j < 3; j++)
                if (t[j] != SKPI_UNSET && (latest_time == SKPI_UNSET || t[j] > latest_time))
                    latest_time = t[j];
        }
        FUZZ_CHECK(o.as_of == latest_time);
    }

    /* Reference stitching (SPEC §3): a chain's non-first contact joins the
     * contacts before it; a chain's first contact could not join the key's
     * previous chain, all of whose contacts come before it. */
    if (n <= full_limit) {
        for (size_t ch = 0; ch < nc; ch++) {
            size_t size = skpi_chain_size(chains, ch);
            int any_open = 0;
            int64_t latest = SKPI_UNSET;
            for (size_t p = 0; p < size; p++) {
                size_t k = skpi_chain_contact(chains, ch, p);
                if (p > 0)
                    FUZZ_CHECK(any_open || (latest != SKPI_UNSET
                               && (__int128)v.c[k].opened_at
                                      <= (__int128)latest + o.window_seconds));
                if (v.c[k].outcome == SKPI_OUTCOME_OPEN)
                    any_open = 1;
                else if (latest == SKPI_UNSET || v.c[k].closed_at > latest)
                    latest = v.c[k].closed_at;
            }
            if (!v.c[first[ch]].customer[0])
                continue;
            size_t before = SIZE_MAX;
            for (size_t q = ch; q-- > 0;) {
                if (v.c[first[q]].customer[0] && same_key(&v, first[q], first[ch])) {
                    before = q;
                    break;
                }
            }
            if (before == SIZE_MAX)
                continue;
            FUZZ_CHECK(stitch_less(&v, last[before], first[ch]));
            FUZZ_CHECK(skpi_chain_get_status(chains, before) != SKPI_CHAIN_OPEN);
            int64_t lc = skpi_chain_latest_close(chains, before);
            FUZZ_CHECK(lc != SKPI_UNSET);
            FUZZ_CHECK((__int128)v.c[first[ch]].opened_at > (__int128)lc + o.window_seconds);
        }
    }
    free(first);
    free(last);
    free(seen);
    free(v.c);
}

void fuzz_check_same_chains(const skpi_chains *a, const skpi_chains *b)
{
    skpi_chain_options oa, ob;
    FUZZ_CHECK(skpi_chains_options(a, &oa) == SKPI_OK && skpi_chains_options(b, &ob) == SKPI_OK);
    FUZZ_CHECK(oa.window_seconds == ob.window_seconds && oa.as_of == ob.as_of);
    FUZZ_CHECK(!oa.provisional == !ob.provisional && oa.anchor == ob.anchor);
    FUZZ_CHECK(skpi_chains_records(a) == skpi_chains_records(b));
    FUZZ_CHECK(skpi_chains_contact_count(a) == skpi_chains_contact_count(b));
    size_t nc = skpi_chains_count(a);
    FUZZ_CHECK(nc == skpi_chains_count(b));
    for (size_t ch = 0; ch < nc; ch++) {
        size_t size = skpi_chain_size(a, ch);
        FUZZ_CHECK(size == skpi_chain_size(b, ch));
        for (size_t p = 0; p < size; p++)
            FUZZ_CHECK(skpi_chain_contact(a, ch, p) == skpi_chain_contact(b, ch, p));
        FUZZ_CHECK(skpi_chain_get_status(a, ch) == skpi_chain_get_status(b, ch));
        FUZZ_CHECK(skpi_chain_is_provisional(a, ch) == skpi_chain_is_provisional(b, ch));
        FUZZ_CHECK(skpi_chain_anchor(a, ch) == skpi_chain_anchor(b, ch));
        FUZZ_CHECK(skpi_chain_first_opened(a, ch) == skpi_chain_first_opened(b, ch));
        FUZZ_CHECK(skpi_chain_latest_close(a, ch) == skpi_chain_latest_close(b, ch));
        size_t channels = skpi_chain_channel_count(a, ch);
        FUZZ_CHECK(channels == skpi_chain_channel_count(b, ch));
        for (size_t k = 0; k < channels; k++)
            FUZZ_CHECK(strcmp(skpi_chain_channel(a, ch, k), skpi_chain_channel(b, ch, k)) == 0);
    }
}

/* ---- breakdowns ---- */

/* The value of a cell, exactly: through skpi_breakdown_text(), checked
 * against skpi_breakdown_get() and skpi_breakdown_get_double(). */
static int cell_read(const skpi_breakdown *b, size_t row, int kpi, __int128 *out)
{
    char text[48];
    int64_t value = 0;
    double dbl = 0;
    int rc = skpi_breakdown_text(b, row, kpi, text, sizeof text);
    int rc_get = skpi_breakdown_get(b, row, kpi, &value);
    int rc_dbl = skpi_breakdown_get_double(b, row, kpi, &dbl);
    FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ABSENT || rc == SKPI_ENOTFOUND);
    FUZZ_CHECK(rc_dbl == rc);
    if (rc != SKPI_OK) {
        FUZZ_CHECK(rc_get == rc);
        FUZZ_CHECK(text[0] == '\0');
        return rc;
    }
    int decimal = skpi_kpi_kind(kpi) == SKPI_KIND_DECIMAL;
    /* -?digits, and for a decimal "." and 1 to 9 digits. */
    const char *p = text;
    int negative = *p == '-';
    if (negative)
        p++;
    FUZZ_CHECK(*p >= '0' && *p <= '9');
    FUZZ_CHECK(!(p[0] == '0' && p[1] >= '0' && p[1] <= '9'));   /* no leading zero */
    unsigned __int128 v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (unsigned)(*p++ - '0');
        FUZZ_CHECK(v < ((unsigned __int128)1 << 120));
    }
    if (decimal) {
        FUZZ_CHECK(*p++ == '.');
        int digits = 0;
        while (*p >= '0' && *p <= '9') {
            v = v * 10 + (unsigned)(*p++ - '0');
            digits++;
        }
        FUZZ_CHECK(digits >= 1 && digits <= 9);
        FUZZ_CHECK(digits == 1 || p[-1] != '0');   /* shortest */
        while (digits++ < 9)
            v *= 10;
    }
    FUZZ_CHECK(*p == '\0');
    __int128 exact = negative ? -(__int128)v : (__int128)v;
    FUZZ_CHECK(!(negative && v == 0));
    if (exact >= INT64_MIN && exact <= INT64_MAX)
        FUZZ_CHECK(rc_get == SKPI_OK && value == (int64_t)exact);
    else
        FUZZ_CHECK(rc_get == SKPI_ERANGE);
    *out = exact;
    return SKPI_OK;
}

/* Every cell of the breakdown being checked, read once (text formatting is
 * most of a harness's time). */
static struct {
    const skpi_breakdown *b;
    size_t rows;
    int *rc;
    __int128 *value;
} cache;

static void cache_fill(const skpi_breakdown *b)
{
    size_t rows = skpi_breakdown_row_count(b), kpis = (size_t)skpi_kpi_count();
    cache.rc = malloc((rows + 1) * kpis * sizeof *cache.rc);
    cache.value = malloc((rows + 1) * kpis * sizeof *cache.value);
    FUZZ_CHECK(cache.rc && cache.value);
    for (size_t row = 0; row <= rows; row++)
        for (size_t kpi = 0; kpi < kpis; kpi++)
            cache.rc[row * kpis + kpi] = cell_read(b, row == rows ? SKPI_ROW_TOTAL : row,
                                                   (int)kpi, &cache.value[row * kpis + kpi]);
    cache.b = b;
    cache.rows = rows;
}

static void cache_clear(void)
{
    free(cache.rc);
    free(cache.value);
    cache.b = NULL;
    cache.rc = NULL;
    cache.value = NULL;
}

static int cell(const skpi_breakdown *b, size_t row, int kpi, __int128 *out)
{
    if (b != cache.b || kpi < 0 || kpi >= skpi_kpi_count()
        || (row != SKPI_ROW_TOTAL && row >= cache.rows))
        return cell_read(b, row, kpi, out);
    size_t at = (row == SKPI_ROW_TOTAL ? cache.rows : row) * (size_t)skpi_kpi_count() + (size_t)kpi;
    if (cache.rc[at] == SKPI_OK)
        *out = cache.value[at];
    return cache.rc[at];
}

static const int count_kpis[] = {
    SKPI_KPI_CONTACTS, SKPI_KPI_CLOSED_CONTACTS, SKPI_KPI_ESCALATED_CONTACTS,
    SKPI_KPI_REPEAT_CONTACTS, SKPI_KPI_REOPENED_CONTACTS, SKPI_KPI_RESOLVED_CHAINS,
    SKPI_KPI_UNRESOLVED_CHAINS, SKPI_KPI_SETTLED_CHAINS,
};

static const int money_kpis[] = {
    SKPI_KPI_COST, SKPI_KPI_FAILURE_DEMAND_COST, SKPI_KPI_ESCALATION_ADJUSTED_COST,
    SKPI_KPI_ESCALATION_PREMIUM,
};

enum key_kind { KEY_CHANNEL, KEY_REASON, KEY_TIER, KEY_OUTCOME, KEY_DIMENSION, KEY_BUCKET };

typedef struct key_info {
    enum key_kind kind;
    size_t dimension;
} key_info;

static int is_null(const char *s)
{
    return !s || !*s;
}

/* Contact k's value for a key column as the breakdown writes it; for the
 * bucket, the label of time `t`. */
static const char *key_of(const skpi_records *r, const skpi_contact *c, size_t k,
                          const key_info *key, int bucket, int64_t t, char *buf, size_t cap)
{
    switch (key->kind) {
    case KEY_CHANNEL:
        return c->channel;
    case KEY_REASON:
        return c->reason;
    case KEY_TIER:
        snprintf(buf, cap, "%lld", (long long)c->tier);
        return buf;
    case KEY_OUTCOME:
        return skpi_outcome_name(c->outcome);
    case KEY_DIMENSION:
        return skpi_records_dimension_value(r, k, key->dimension);
    case KEY_BUCKET:
        FUZZ_CHECK(skpi_bucket_label(t, bucket, buf, cap, NULL) == SKPI_OK);
        return buf;
    }
    return NULL;
}

static void check_key(const skpi_breakdown *b, size_t row, size_t j, const char *expected)
{
    const char *got = skpi_breakdown_key_value(b, row, j);
    if (is_null(expected))
        FUZZ_CHECK(got == NULL);
    else
        FUZZ_CHECK(got && strcmp(got, expected) == 0);
}

static void check_explain(const skpi_breakdown *b, size_t row, const skpi_ledger *ledger)
{
    skpi_explain *e = NULL;
    skpi_error err;
    int rc = skpi_explain_new(&e, b, row, ledger, &err);
    if (rc == SKPI_ENOMEM)
        return;
    FUZZ_CHECK(rc == SKPI_OK && e != NULL);
    size_t n = skpi_explain_contact_count(e);
    FUZZ_CHECK(n == skpi_breakdown_row_contact_count(b, row));
    __int128 sum = 0, cost = 0;
    int has_cost = cell(b, row, SKPI_KPI_COST, &cost) == SKPI_OK;
    for (size_t k = 0; k < n; k++) {
        size_t contact = SIZE_MAX;
        int64_t c = 0;
        rc = skpi_explain_contact(e, k, &contact, &c);
        FUZZ_CHECK(rc == (ledger ? SKPI_OK : SKPI_ABSENT));
        FUZZ_CHECK(contact == skpi_breakdown_row_contact(b, row, k));
        sum += c;
    }
    FUZZ_CHECK(skpi_explain_contact(e, n, NULL, NULL) == SKPI_ENOTFOUND);
    if (ledger && has_cost)
        FUZZ_CHECK(sum == cost);
    size_t chains = skpi_explain_chain_count(e);
    FUZZ_CHECK(chains == skpi_breakdown_row_chain_count(b, row));
    for (size_t k = 0; k < chains; k++) {
        size_t chain = SIZE_MAX;
        rc = skpi_explain_chain(e, k, &chain, NULL);
        FUZZ_CHECK(rc == (ledger ? SKPI_OK : SKPI_ABSENT));
        FUZZ_CHECK(chain == skpi_breakdown_row_chain(b, row, k));
    }
    skpi_explain_free(e);
}

/* ---- reference values of the non-money KPIs (SPEC §5) ---- */

/* num / den in units of 1e-9, rounded half to even (num, den >= 0). */
static __int128 ratio_nanos(__int128 num, __int128 den)
{
    __int128 scaled = num * 1000000000;
    __int128 q = scaled / den, twice_r = 2 * (scaled % den);
    if (twice_r > den || (twice_r == den && (q & 1)))
        q++;
    return q;
}

static void expect_ratio(const skpi_breakdown *b, size_t row, int kpi, __int128 num,
                         __int128 den)
{
    __int128 v = 0;
    int rc = cell(b, row, kpi, &v);
    if (den == 0) {
        FUZZ_CHECK(rc == SKPI_ABSENT);
        return;
    }
    FUZZ_CHECK(rc == SKPI_OK);
    FUZZ_CHECK(v == ratio_nanos(num, den));
}

static void expect_int(const skpi_breakdown *b, size_t row, int kpi, __int128 expected)
{
    __int128 v = 0;
    FUZZ_CHECK(cell(b, row, kpi, &v) == SKPI_OK);
    FUZZ_CHECK(v == expected);
}

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Mean, median and p90 (nearest rank) of n durations (sorted here). */
static void expect_times(const skpi_breakdown *b, size_t row, uint64_t *d, size_t n, int mean,
                         int median, int p90)
{
    __int128 v = 0;
    if (n == 0) {
        FUZZ_CHECK(cell(b, row, mean, &v) == SKPI_ABSENT);
        FUZZ_CHECK(cell(b, row, median, &v) == SKPI_ABSENT);
        FUZZ_CHECK(cell(b, row, p90, &v) == SKPI_ABSENT);
        return;
    }
    qsort(d, n, sizeof *d, compare_u64);
    __int128 sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += d[i];
    expect_ratio(b, row, mean, sum, (__int128)n);
    expect_int(b, row, median, d[(n + 1) / 2 - 1]);
    expect_int(b, row, p90, d[(n * 9 + 9) / 10 - 1]);
}

static int escalated(const skpi_contact *c)
{
    return c->escalations > 0 || c->outcome == SKPI_OUTCOME_ESCALATED;
}

/* Every KPI of a row but the money ones, from its contacts and chains
 * (row SKPI_ROW_TOTAL: all contacts, all placed chains). */
static void check_row_kpis(const skpi_breakdown *b, size_t row)
{
    const skpi_chains *chains = skpi_breakdown_chains(b);
    const skpi_records *r = skpi_chains_records(chains);
    size_t nc = skpi_breakdown_row_contact_count(b, row);
    size_t nh = skpi_breakdown_row_chain_count(b, row);
    uint64_t *close = malloc((nc + 1) * sizeof *close);
    uint64_t *response = malloc((nc + 1) * sizeof *response);
    uint64_t *resolution = malloc((nh + 1) * sizeof *resolution);
    FUZZ_CHECK(close && response && resolution);
    size_t n_close = 0, n_response = 0, n_resolution = 0;
    __int128 closed = 0, esc = 0, repeats = 0, reopened = 0, rated = 0, good = 0;
    for (size_t k = 0; k < nc; k++) {
        size_t i = skpi_breakdown_row_contact(b, row, k);
        skpi_contact c;
        size_t position = 0;
        FUZZ_CHECK(skpi_records_get(r, i, &c) == SKPI_OK);
        FUZZ_CHECK(skpi_chains_find_contact(chains, i, NULL, &position) == SKPI_OK);
        repeats += position > 0;
        if (c.outcome != SKPI_OUTCOME_OPEN) {
            closed++;
            esc += escalated(&c);
            reopened += c.reopens > 0;
            close[n_close++] = (uint64_t)c.closed_at - (uint64_t)c.opened_at;
        }
        if (c.first_response_at != SKPI_UNSET)
            response[n_response++] = (uint64_t)c.first_response_at - (uint64_t)c.opened_at;
        if (c.csat != SKPI_UNSET) {
            rated++;
            good += c.csat >= 4;
        }
    }
    __int128 resolved = 0, unresolved = 0, fcr = 0, chains_esc = 0, automated = 0,
             resolved_contacts = 0;
    for (size_t k = 0; k < nh; k++) {
        size_t h = skpi_breakdown_row_chain(b, row, k);
        size_t size = skpi_chain_size(chains, h);
        int is_resolved = skpi_chain_get_status(chains, h) == SKPI_CHAIN_RESOLVED;
        int any_esc = 0, all_tier0 = 1;
        skpi_contact first = SKPI_CONTACT_INIT;
        for (size_t p = 0; p < size; p++) {
            skpi_contact c;
            FUZZ_CHECK(skpi_records_get(r, skpi_chain_contact(chains, h, p), &c) == SKPI_OK);
            if (p == 0)
                first = c;
            any_esc |= escalated(&c);
            all_tier0 &= c.tier == 0;
        }
        chains_esc += any_esc;
        if (!is_resolved) {
            unresolved++;
            continue;
        }
        resolved++;
        resolved_contacts += size;
        automated += all_tier0;
        fcr += size == 1 && !any_esc && first.reopens == 0;
        resolution[n_resolution++] = (uint64_t)skpi_chain_latest_close(chains, h)
                                     - (uint64_t)skpi_chain_first_opened(chains, h);
    }
    __int128 settled = resolved + unresolved;
    expect_int(b, row, SKPI_KPI_CONTACTS, nc);
    expect_int(b, row, SKPI_KPI_CLOSED_CONTACTS, closed);
    expect_int(b, row, SKPI_KPI_ESCALATED_CONTACTS, esc);
    expect_int(b, row, SKPI_KPI_REPEAT_CONTACTS, repeats);
    expect_int(b, row, SKPI_KPI_REOPENED_CONTACTS, reopened);
    expect_int(b, row, SKPI_KPI_RESOLVED_CHAINS, resolved);
    expect_int(b, row, SKPI_KPI_UNRESOLVED_CHAINS, unresolved);
    expect_int(b, row, SKPI_KPI_SETTLED_CHAINS, settled);
    expect_ratio(b, row, SKPI_KPI_FCR, fcr, settled);
    expect_ratio(b, row, SKPI_KPI_REOPEN_RATE, reopened, closed);
    expect_ratio(b, row, SKPI_KPI_ESCALATION_RATE, esc, closed);
    expect_ratio(b, row, SKPI_KPI_CHAIN_ESCALATION_RATE, chains_esc, settled);
    expect_ratio(b, row, SKPI_KPI_REPEAT_RATE, repeats, (__int128)nc);
    expect_ratio(b, row, SKPI_KPI_AUTOMATION_RATE, automated, resolved);
    expect_ratio(b, row, SKPI_KPI_CSAT, good, rated);
    expect_ratio(b, row, SKPI_KPI_CONTACTS_PER_RESOLUTION, resolved_contacts, resolved);
    expect_times(b, row, resolution, n_resolution, SKPI_KPI_RESOLUTION_TIME_MEAN,
                 SKPI_KPI_RESOLUTION_TIME_MEDIAN, SKPI_KPI_RESOLUTION_TIME_P90);
    expect_times(b, row, close, n_close, SKPI_KPI_TIME_TO_CLOSE_MEAN,
                 SKPI_KPI_TIME_TO_CLOSE_MEDIAN, SKPI_KPI_TIME_TO_CLOSE_P90);
    expect_times(b, row, response, n_response, SKPI_KPI_FIRST_RESPONSE_MEAN,
                 SKPI_KPI_FIRST_RESPONSE_MEDIAN, SKPI_KPI_FIRST_RESPONSE_P90);
    free(close);
    free(response);
    free(resolution);
}

static FILE *devnull(void)
{
    static FILE *f;
    if (!f)
        f = fopen("/dev/null", "w");
    return f;
}

void fuzz_check_breakdown(const skpi_breakdown *b, const skpi_ledger *ledger)
{
    const skpi_chains *chains = skpi_breakdown_chains(b);
    const skpi_records *r = skpi_chains_records(chains);
    size_t rows = skpi_breakdown_row_count(b);
    size_t keys = skpi_breakdown_key_count(b);
    size_t contacts = skpi_chains_contact_count(chains);
    size_t nchains = skpi_chains_count(chains);
    int bucket = skpi_breakdown_bucket(b);
    int view = skpi_breakdown_view(b);
    skpi_chain_options co;
    FUZZ_CHECK(skpi_chains_options(chains, &co) == SKPI_OK);
    FUZZ_CHECK(view == SKPI_VIEW_PERIOD || view == SKPI_VIEW_COHORT);
    FUZZ_CHECK(bucket == SKPI_BUCKET_NONE || skpi_bucket_name(bucket) != NULL);
    if (keys == 0)
        FUZZ_CHECK(rows == 1);
    FUZZ_CHECK(skpi_breakdown_key_name(b, keys) == NULL);
    cache_fill(b);

    /* What each key column reads. */
    key_info *info = malloc((keys + 1) * sizeof *info);
    FUZZ_CHECK(info != NULL);
    for (size_t j = 0; j < keys; j++) {
        const char *name = skpi_breakdown_key_name(b, j);
        FUZZ_CHECK(name && *name);
        info[j].dimension = 0;
        if (bucket != SKPI_BUCKET_NONE && j == keys - 1) {
            FUZZ_CHECK(strcmp(name, skpi_bucket_name(bucket)) == 0);
            info[j].kind = KEY_BUCKET;
        } else if (strcmp(name, "channel") == 0) {
            info[j].kind = KEY_CHANNEL;
        } else if (strcmp(name, "reason") == 0) {
            info[j].kind = KEY_REASON;
        } else if (strcmp(name, "tier") == 0) {
            info[j].kind = KEY_TIER;
        } else if (strcmp(name, "outcome") == 0) {
            info[j].kind = KEY_OUTCOME;
        } else {
            info[j].kind = KEY_DIMENSION;
            FUZZ_CHECK(skpi_records_dimension_index(r, name, &info[j].dimension) == SKPI_OK);
        }
    }

    /* Key order: distinct rows, sorted column by column with null first
     * (strings bytewise, tier numerically; outcome and bucket not checked). */
    for (size_t row = 0; row + 1 < rows && rows <= 2000; row++) {
        size_t j = 0;
        int decided = 0;
        for (; j < keys && !decided; j++) {
            const char *x = skpi_breakdown_key_value(b, row, j);
            const char *y = skpi_breakdown_key_value(b, row + 1, j);
            if (!x && !y)
                continue;
            if (x && y && strcmp(x, y) == 0)
                continue;
            decided = 1;
            FUZZ_CHECK(y != NULL);   /* null sorts first */
            if (!x)
                break;
            if (info[j].kind == KEY_TIER)
                FUZZ_CHECK(atoll(x) < atoll(y));
            else if (info[j].kind != KEY_OUTCOME && info[j].kind != KEY_BUCKET)
                FUZZ_CHECK(strcmp(x, y) < 0);
        }
        FUZZ_CHECK(decided);   /* two rows with the same key */
    }

    /* Every cell; counts and money columns sum over the rows. */
    __int128 sums[SKPI_KPI_PENDING_CHAINS + 1] = { 0 };
    __int128 totals[SKPI_KPI_PENDING_CHAINS + 1] = { 0 };
    int total_rc[SKPI_KPI_PENDING_CHAINS + 1];
    for (int kpi = 0; kpi < skpi_kpi_count(); kpi++) {
        total_rc[kpi] = cell(b, SKPI_ROW_TOTAL, kpi, &totals[kpi]);
        FUZZ_CHECK(total_rc[kpi] == SKPI_OK || total_rc[kpi] == SKPI_ABSENT);
    }
    for (size_t i = 0; i < sizeof count_kpis / sizeof count_kpis[0]; i++)
        FUZZ_CHECK(total_rc[count_kpis[i]] == SKPI_OK);
    FUZZ_CHECK(total_rc[SKPI_KPI_OPEN_CHAINS] == SKPI_OK);
    FUZZ_CHECK(total_rc[SKPI_KPI_PENDING_CHAINS] == SKPI_OK);
    FUZZ_CHECK(totals[SKPI_KPI_CONTACTS] == (__int128)contacts);
    FUZZ_CHECK(totals[SKPI_KPI_SETTLED_CHAINS]
               == totals[SKPI_KPI_RESOLVED_CHAINS] + totals[SKPI_KPI_UNRESOLVED_CHAINS]);
    FUZZ_CHECK(totals[SKPI_KPI_OPEN_CHAINS] + totals[SKPI_KPI_PENDING_CHAINS]
               + totals[SKPI_KPI_SETTLED_CHAINS] == (__int128)nchains);
    FUZZ_CHECK(skpi_breakdown_text(b, SKPI_ROW_TOTAL, skpi_kpi_count(), (char[48]){ 0 }, 48)
               == SKPI_ENOTFOUND);
    for (size_t row = 0; row < rows; row++) {
        __int128 v[SKPI_KPI_PENDING_CHAINS + 1];
        int rc[SKPI_KPI_PENDING_CHAINS + 1];
        for (int kpi = 0; kpi < skpi_kpi_count(); kpi++) {
            rc[kpi] = cell(b, row, kpi, &v[kpi]);
            if (kpi == SKPI_KPI_OPEN_CHAINS || kpi == SKPI_KPI_PENDING_CHAINS)
                FUZZ_CHECK(rc[kpi] != SKPI_OK);   /* the total only */
            else
                FUZZ_CHECK(rc[kpi] == SKPI_OK || rc[kpi] == SKPI_ABSENT);
        }
        for (size_t i = 0; i < sizeof count_kpis / sizeof count_kpis[0]; i++) {
            FUZZ_CHECK(rc[count_kpis[i]] == SKPI_OK && v[count_kpis[i]] >= 0);
            sums[count_kpis[i]] += v[count_kpis[i]];
        }
        FUZZ_CHECK(v[SKPI_KPI_SETTLED_CHAINS]
                   == v[SKPI_KPI_RESOLVED_CHAINS] + v[SKPI_KPI_UNRESOLVED_CHAINS]);
        FUZZ_CHECK(v[SKPI_KPI_CONTACTS] >= 1 || v[SKPI_KPI_SETTLED_CHAINS] >= 1 || keys == 0);
        for (size_t i = 0; i < sizeof money_kpis / sizeof money_kpis[0]; i++) {
            int kpi = money_kpis[i];
            FUZZ_CHECK(rc[kpi] == total_rc[kpi]);   /* a money column is present or not */
            if (rc[kpi] == SKPI_OK)
                sums[kpi] += v[kpi];
        }
        /* Drill-down agrees with the counts. */
        FUZZ_CHECK((__int128)skpi_breakdown_row_contact_count(b, row) == v[SKPI_KPI_CONTACTS]);
        FUZZ_CHECK((__int128)skpi_breakdown_row_chain_count(b, row)
                   == v[SKPI_KPI_SETTLED_CHAINS]);
    }
    for (size_t i = 0; i < sizeof count_kpis / sizeof count_kpis[0]; i++)
        FUZZ_CHECK(sums[count_kpis[i]] == totals[count_kpis[i]]);
    for (size_t i = 0; i < sizeof money_kpis / sizeof money_kpis[0]; i++)
        if (total_rc[money_kpis[i]] == SKPI_OK)
            FUZZ_CHECK(sums[money_kpis[i]] == totals[money_kpis[i]]);

    /* Every contact in exactly one row, in record order, under its own key;
     * every placed chain settled, in one row, under its anchor's key. */
    unsigned char *placed = calloc(contacts + nchains + 1, 1);
    FUZZ_CHECK(placed != NULL);
    size_t listed = 0, listed_chains = 0;
    char buf[SKPI_TIME_TEXT_SIZE];
    for (size_t row = 0; row < rows; row++) {
        size_t n = skpi_breakdown_row_contact_count(b, row);
        for (size_t k = 0; k < n; k++) {
            size_t c = skpi_breakdown_row_contact(b, row, k);
            FUZZ_CHECK(c < contacts && !placed[c]);
            FUZZ_CHECK(k == 0 || c > skpi_breakdown_row_contact(b, row, k - 1));
            placed[c] = 1;
            skpi_contact ct;
            FUZZ_CHECK(skpi_records_get(r, c, &ct) == SKPI_OK);
            for (size_t j = 0; j < keys; j++)
                check_key(b, row, j, key_of(r, &ct, c, &info[j], bucket, ct.opened_at, buf,
                                            sizeof buf));
        }
        FUZZ_CHECK(skpi_breakdown_row_contact(b, row, n) == SIZE_MAX);
        listed += n;
        size_t m = skpi_breakdown_row_chain_count(b, row);
        __int128 resolved = 0;
        for (size_t k = 0; k < m; k++) {
            size_t ch = skpi_breakdown_row_chain(b, row, k);
            FUZZ_CHECK(ch < nchains && !placed[contacts + ch]);
            placed[contacts + ch] = 1;
            int status = skpi_chain_get_status(chains, ch);
            FUZZ_CHECK(status == SKPI_CHAIN_RESOLVED || status == SKPI_CHAIN_UNRESOLVED);
            resolved += status == SKPI_CHAIN_RESOLVED;
            size_t anchor = skpi_chain_anchor(chains, ch);
            skpi_contact ct;
            FUZZ_CHECK(skpi_records_get(r, anchor, &ct) == SKPI_OK);
            int64_t t = view == SKPI_VIEW_COHORT ? ct.opened_at
                                                 : skpi_chain_latest_close(chains, ch);
            for (size_t j = 0; j < keys; j++)
                check_key(b, row, j, key_of(r, &ct, anchor, &info[j], bucket, t, buf, sizeof buf));
        }
        FUZZ_CHECK(skpi_breakdown_row_chain(b, row, m) == SIZE_MAX);
        listed_chains += m;
        __int128 v;
        FUZZ_CHECK(cell(b, row, SKPI_KPI_RESOLVED_CHAINS, &v) == SKPI_OK && v == resolved);
    }
    FUZZ_CHECK(listed == contacts);
    FUZZ_CHECK(skpi_breakdown_row_contact_count(b, SKPI_ROW_TOTAL) == contacts);
    FUZZ_CHECK((__int128)listed_chains == totals[SKPI_KPI_SETTLED_CHAINS]);
    FUZZ_CHECK(skpi_breakdown_row_chain_count(b, SKPI_ROW_TOTAL) == listed_chains);
    FUZZ_CHECK(skpi_breakdown_row_contact_count(b, rows) == 0);
    for (size_t ch = 0; ch < nchains; ch++) {
        int status = skpi_chain_get_status(chains, ch);
        FUZZ_CHECK(placed[contacts + ch]
                   == (status == SKPI_CHAIN_RESOLVED || status == SKPI_CHAIN_UNRESOLVED));
    }
    free(placed);
    free(info);

    /* Every non-money KPI recomputed from the row's contacts and chains
     * (first rows only when there are many). */
    check_row_kpis(b, SKPI_ROW_TOTAL);
    for (size_t row = 0; row < rows && row < 64; row++)
        check_row_kpis(b, row);

    /* The ledger balances: allocated + unallocated = ledger total. */
    int64_t ledger_total = 0, unallocated = 0, adjusted_unallocated = 0;
    int lrc = skpi_breakdown_ledger(b, &ledger_total, &unallocated, &adjusted_unallocated);
    if (!ledger) {
        FUZZ_CHECK(lrc == SKPI_ABSENT);
        FUZZ_CHECK(skpi_breakdown_currency(b) == NULL);
        for (size_t i = 0; i < sizeof money_kpis / sizeof money_kpis[0]; i++)
            FUZZ_CHECK(total_rc[money_kpis[i]] == SKPI_ABSENT);
    } else {
        int64_t expected_total;
        FUZZ_CHECK(lrc == SKPI_OK);
        FUZZ_CHECK(skpi_ledger_total(ledger, &expected_total) == SKPI_OK);
        FUZZ_CHECK(ledger_total == expected_total);
        FUZZ_CHECK(strcmp(skpi_breakdown_currency(b), skpi_ledger_currency(ledger)) == 0);
        FUZZ_CHECK(unallocated >= 0 && unallocated <= ledger_total);
        FUZZ_CHECK(total_rc[SKPI_KPI_COST] == SKPI_OK);
        FUZZ_CHECK(total_rc[SKPI_KPI_FAILURE_DEMAND_COST] == SKPI_OK);
        FUZZ_CHECK(totals[SKPI_KPI_COST] + unallocated == ledger_total);
        int adjusted = total_rc[SKPI_KPI_ESCALATION_ADJUSTED_COST] == SKPI_OK;
        FUZZ_CHECK(adjusted == (total_rc[SKPI_KPI_ESCALATION_PREMIUM] == SKPI_OK));
        FUZZ_CHECK(adjusted == (skpi_ledger_rate_count(ledger) > 0));
        if (adjusted) {
            FUZZ_CHECK(adjusted_unallocated >= 0 && adjusted_unallocated <= ledger_total);
            FUZZ_CHECK(totals[SKPI_KPI_ESCALATION_ADJUSTED_COST] + adjusted_unallocated
                       == ledger_total);
        } else {
            FUZZ_CHECK(adjusted_unallocated == SKPI_UNSET);
        }
    }

    /* The JSON report: `needed` is its length and NUL. */
    size_t needed = 0, again = 0;
    int64_t skipped = (int64_t)(contacts % 3) - 1;   /* -1 (not a skip load), 0 or 1 */
    if (skipped < 0)
        skipped = SKPI_UNSET;
    int rc = skpi_breakdown_json(b, NULL, 0, &needed, skipped);
    FUZZ_CHECK(rc == SKPI_ENOSPACE || rc == SKPI_ENOMEM);
    if (rc == SKPI_ENOSPACE) {
        FUZZ_CHECK(needed > 1);
        char *json = malloc(needed);
        FUZZ_CHECK(json != NULL);
        if (needed % 8 == 0) {   /* one byte short (not always: a report costs time) */
            rc = skpi_breakdown_json(b, json, needed - 1, &again, skipped);
            FUZZ_CHECK(rc == SKPI_ENOSPACE || rc == SKPI_ENOMEM);
            if (rc == SKPI_ENOSPACE)
                FUZZ_CHECK(again == needed);
        }
        rc = skpi_breakdown_json(b, json, needed, &again, skipped);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
        if (rc == SKPI_OK) {
            FUZZ_CHECK(again == needed);
            FUZZ_CHECK(strlen(json) + 1 == needed);
            FUZZ_CHECK(json[0] == '{');
        }
        free(json);
    }
    FILE *out = devnull();
    if (out)
        FUZZ_CHECK(skpi_breakdown_write_csv(b, out) == SKPI_OK);

    /* Drill-down with costs: the total, the first and the last row. */
    check_explain(b, SKPI_ROW_TOTAL, ledger);
    if (rows > 0) {
        check_explain(b, 0, ledger);
        check_explain(b, rows - 1, ledger);
    }
    skpi_explain *e = NULL;
    FUZZ_CHECK(skpi_explain_new(&e, b, rows, ledger, NULL) == SKPI_ENOTFOUND && e == NULL);
    cache_clear();
}

/* ---- ledgers ---- */

void fuzz_check_ledger(const skpi_ledger *ledger)
{
    int64_t total = -1, between = -1, low = -1, high = -1;
    FUZZ_CHECK(skpi_ledger_total(ledger, &total) == SKPI_OK && total >= 0);
    const char *currency = skpi_ledger_currency(ledger);
    FUZZ_CHECK(currency && strlen(currency) == 3);
    for (int i = 0; i < 3; i++)
        FUZZ_CHECK(currency[i] >= 'A' && currency[i] <= 'Z');
    size_t n = skpi_ledger_entry_count(ledger);
    __int128 sum = 0, by_category[5] = { 0 };
    int64_t pivot = n ? 0 : 1;
    for (size_t i = 0; i < n; i++) {
        int category = -1, driver = -1;
        int64_t amount = -1, start = 0, end = 0;
        FUZZ_CHECK(skpi_ledger_entry(ledger, i, &category, &amount, &start, &end, &driver)
                   == SKPI_OK);
        FUZZ_CHECK(category >= 0 && category < skpi_category_count());
        FUZZ_CHECK(driver >= 0 && driver < skpi_driver_count());
        FUZZ_CHECK(amount >= 0 && end > start);
        sum += amount;
        by_category[category] += amount;
        if (i == 0)
            pivot = start + (end - start) / 2;
        const char *channel = skpi_ledger_entry_channel(ledger, i);
        FUZZ_CHECK(channel == NULL || channel[0] != '\0');
        size_t pairs = skpi_ledger_entry_scope_count(ledger, i);
        for (size_t k = 0; k < pairs; k++) {
            const char *key = NULL, *value = NULL;
            FUZZ_CHECK(skpi_ledger_entry_scope(ledger, i, k, &key, &value) == SKPI_OK);
            FUZZ_CHECK(key && key[0] && value && value[0]);
            for (size_t j = 0; j < k; j++) {
                const char *earlier = NULL;
                FUZZ_CHECK(skpi_ledger_entry_scope(ledger, i, j, &earlier, NULL) == SKPI_OK);
                FUZZ_CHECK(strcmp(earlier, key) != 0);   /* no key twice */
            }
        }
        FUZZ_CHECK(skpi_ledger_entry_scope(ledger, i, pairs, NULL, NULL) == SKPI_ENOTFOUND);
    }
    FUZZ_CHECK(skpi_ledger_entry(ledger, n, NULL, NULL, NULL, NULL, NULL) == SKPI_ENOTFOUND);
    FUZZ_CHECK(sum == total);
    __int128 categories = 0;
    for (int c = 0; c < skpi_category_count(); c++) {
        int64_t part = -1;
        FUZZ_CHECK(skpi_ledger_total_by_category(ledger, c, &part) == SKPI_OK);
        FUZZ_CHECK(part == by_category[c]);
        categories += part;
    }
    FUZZ_CHECK(categories == total);
    FUZZ_CHECK(skpi_ledger_total_by_category(ledger, skpi_category_count(), &between)
               == SKPI_EINVAL);
    FUZZ_CHECK(skpi_ledger_total_between(ledger, INT64_MIN, INT64_MAX, &between) == SKPI_OK);
    FUZZ_CHECK(between == total);
    FUZZ_CHECK(skpi_ledger_total_between(ledger, INT64_MIN, pivot, &low) == SKPI_OK);
    FUZZ_CHECK(skpi_ledger_total_between(ledger, pivot, INT64_MAX, &high) == SKPI_OK);
    FUZZ_CHECK((__int128)low + high == total);
    FUZZ_CHECK(skpi_ledger_total_between(ledger, 1, 0, &between) == SKPI_EINVAL);
    int rates = 0;
    for (int tier = 0; tier <= SKPI_TIER_MAX; tier++) {
        int64_t rate = -1;
        int rc = skpi_ledger_rate(ledger, tier, &rate);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ABSENT);
        if (rc == SKPI_OK) {
            FUZZ_CHECK(rate >= 0);
            rates++;
        }
    }
    FUZZ_CHECK(rates == skpi_ledger_rate_count(ledger));
}

/* ---- the fixed contacts ---- */

typedef struct fixed_contact {
    const char *id, *customer, *reason, *channel, *region, *product, *month;
    int64_t opened, first_response, closed, handle, tier, escalations, reopens, csat;
    int outcome;
} fixed_contact;

#define U SKPI_UNSET
#define D 86400
#define T0 INT64_C(1698796800)   /* 2023-11-01T00:00:00Z, a Wednesday */

static const fixed_contact fixed[] = {
    { "t01", "c1", "billing", "voice", "eu", "app", "nov", T0 + 3600, T0 + 3660, T0 + 4200,
      540, 1, 0, 0, 5, SKPI_OUTCOME_RESOLVED },
    { "t02", "c1", "billing", "chat", "eu", "app", NULL, T0 + 2 * D, U, T0 + 2 * D + 900,
      600, 2, 1, 0, 3, SKPI_OUTCOME_ESCALATED },
    { "t03", "c1", "billing", "email", "eu", NULL, "", T0 + 4 * D, T0 + 5 * D, T0 + 6 * D,
      1200, 3, 0, 1, U, SKPI_OUTCOME_RESOLVED },
    { "t04", "c2", "login", "self_service", "na", "web", "nov", T0 + D, T0 + D, T0 + D + 30,
      0, 0, 0, 0, 4, SKPI_OUTCOME_RESOLVED },
    { "t05", "c2", "login", "voice", "na", "web", NULL, T0 + 20 * D, U, T0 + 20 * D + 700,
      700, 1, 0, 0, U, SKPI_OUTCOME_ABANDONED },
    { "t06", "", "refund", "voice", "", "app", NULL, T0 + 3 * D, T0 + 3 * D + 5, U,
      300, 1, 0, 0, U, SKPI_OUTCOME_OPEN },
    { "t07", "", "", "", NULL, NULL, NULL, T0 + 5 * D, U, T0 + 5 * D + 60,
      60, 1, 0, 0, 1, SKPI_OUTCOME_RESOLVED },
    { "t08", "c3", "refund", "chat", "apac", "app", "dec", T0 + 29 * D + 80000, U, T0 + 31 * D,
      2000, 4, 2, 0, 2, SKPI_OUTCOME_RESOLVED },
    { "t09", "c3", "refund", "chat", "apac", "app", "dec", T0 + 31 * D + 10, U, U,
      100, 2, 0, 0, U, SKPI_OUTCOME_OPEN },
    { "t10", "c4", "billing", "social", "eu", "", NULL, T0 + 60 * D, T0 + 60 * D + 1, T0 + 60 * D + 2,
      1, 0, 0, 0, 5, SKPI_OUTCOME_RESOLVED },
    { "t11", "c5", "shipping", "email", "na", "devices", "nov", T0 + 10 * D, T0 + 11 * D, T0 + 12 * D,
      0, 1, 0, 2, U, SKPI_OUTCOME_RESOLVED },
    { "t12", "c5", "shipping", "voice", "na", "devices", "nov", T0 + 13 * D, U, T0 + 13 * D + 1800,
      1800, 2, 1, 0, 4, SKPI_OUTCOME_RESOLVED },
    { "t13", "c6", "shipping", "chat", "eu", "devices", NULL, T0 + 61 * D, U, T0 + 61 * D + 100,
      100, 1, 0, 0, U, SKPI_OUTCOME_ABANDONED },
    { "t14", "c7", "billing", "voice", "eu", "app", NULL, T0 + 61 * D + 5, U, T0 + 61 * D + 400,
      395, 3, 1, 0, 5, SKPI_OUTCOME_ESCALATED },
};

#undef U
#undef D
#undef T0

const skpi_records *fuzz_fixed_records(void)
{
    static skpi_records *records;
    if (records)
        return records;
    FUZZ_CHECK(skpi_records_new(&records) == SKPI_OK);
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        const fixed_contact *f = &fixed[i];
        const char *names[] = { "region", "product", "month" };
        const char *values[] = { f->region, f->product, f->month };
        skpi_contact c = SKPI_CONTACT_INIT;
        c.id = f->id;
        c.customer = f->customer;
        c.reason = f->reason;
        c.channel = f->channel;
        c.opened_at = f->opened;
        c.first_response_at = f->first_response;
        c.closed_at = f->closed;
        c.handle_seconds = f->handle;
        c.tier = f->tier;
        c.escalations = f->escalations;
        c.reopens = f->reopens;
        c.csat = f->csat;
        c.outcome = f->outcome;
        c.dimension_count = 3;
        c.dimension_names = names;
        c.dimension_values = values;
        FUZZ_CHECK(skpi_records_add(records, &c) == SKPI_OK);
    }
    return records;
}
