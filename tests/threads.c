/* The thread-safety contract of doc/threads.md, under ThreadSanitizer
 * (test_threads.sh builds this file with the library's sources and
 * -fsanitize=thread).  Four threads at once do:
 *
 *  - independent work, each on handles of its own: contacts from random data
 *    with a per-thread seed through skpi_records_append_columns(), the same
 *    contacts and costs through the loaders, with a second thread of the
 *    loader's own (report and progress callbacks checked to run on the
 *    calling thread), chains, ledgers, breakdowns (those of the loaded
 *    contacts with options.threads = 2: the chains' and the breakdowns' own
 *    second threads, compared with one thread's), the JSON and CSV writers,
 *    explanations, pure functions;
 *  - shared read-only work on ONE records, chains and ledger built up front:
 *    breakdowns (with the ledger on two threads each) and explanations
 *    computed from them, and the const getters of
 *    the shared records, chains, one shared breakdown and one shared
 *    explanation;
 *
 * and every result is compared with the same computation done on one thread
 * first.  The allocator hook is set once, before any handle exists, to a
 * counting allocator (the hook must itself be thread-safe): every block is
 * freed at the end.  Output ends with "N passed, N failed"; ThreadSanitizer
 * aborts the run (halt_on_error=1) on any data race. */
#define _POSIX_C_SOURCE 200809L  /* open_memstream, pthread barriers */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"

#define THREADS 4
#define ROUNDS 2
#define D 86400
#define T0 INT64_C(1767225600)   /* 2026-01-01T00:00:00Z */

/* ---- a thread-safe counting allocator for the hook ---- */

static atomic_long live_blocks;

static void *counting_malloc(size_t size)
{
    void *p = malloc(size);
    if (p)
        atomic_fetch_add(&live_blocks, 1);
    return p;
}

static void *counting_realloc(void *p, size_t size)
{
    return realloc(p, size);
}

static void counting_free(void *p)
{
    atomic_fetch_sub(&live_blocks, 1);
    free(p);
}

/* ---- text (plain malloc) ---- */

typedef struct text {
    char *p;
    size_t len, cap;
} text;

static void die(const char *what)
{
    fprintf(stderr, "threads: %s\n", what);
    exit(2);
}

static void tprintf(text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void tprintf(text *t, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, t->p ? t->cap - t->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            die("vsnprintf failed");
        if (t->p && t->len + (size_t)n < t->cap) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = (t->cap + (size_t)n + 1) * 2;
        char *p = realloc(t->p, cap);
        if (!p)
            die("out of memory");
        t->p = p;
        t->cap = cap;
    }
}

/* ---- random data, as columns ---- */

static uint64_t next_random(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static unsigned pick(uint64_t *state, unsigned n)
{
    return (unsigned)(next_random(state) % n);
}

/* A growing text column. */
typedef struct strings {
    text bytes;
    int64_t *offsets;
} strings;

enum { S_ID, S_CUSTOMER, S_REASON, S_CHANNEL, S_REGION, S_COUNT };
enum { I_OPENED, I_FIRST, I_CLOSED, I_HANDLE, I_TIER, I_ESC, I_REOPENS, I_CSAT, I_OUTCOME,
       I_COUNT };

typedef struct dataset {
    size_t n;
    strings s[S_COUNT];
    int64_t *v[I_COUNT];
} dataset;

static void push_string(strings *s, size_t i, const char *value)
{
    tprintf(&s->bytes, "%s", value);
    s->offsets[i + 1] = (int64_t)s->bytes.len;
}

static void dataset_make(dataset *d, uint64_t seed, size_t n)
{
    static const char *const reasons[] = { "billing", "login", "", "r\xc3\xa9seau", "refund",
                                           "bug", "how-to" };
    static const char *const channels[] = { "voice", "chat", "email", "", "self_service",
                                            "social" };
    static const char *const regions[] = { "eu", "us", "", "apac" };
    uint64_t rng = seed;
    memset(d, 0, sizeof *d);
    d->n = n;
    for (int k = 0; k < S_COUNT; k++) {
        d->s[k].offsets = calloc(n + 1, sizeof(int64_t));
        tprintf(&d->s[k].bytes, "%s", "");
        if (!d->s[k].offsets)
            die("out of memory");
    }
    for (int k = 0; k < I_COUNT; k++)
        if (!(d->v[k] = calloc(n + 1, sizeof(int64_t))))
            die("out of memory");
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "S%llu-%05zu", (unsigned long long)seed, i);
        push_string(&d->s[S_ID], i, buf);
        snprintf(buf, sizeof buf, "cu%03u", pick(&rng, (unsigned)(n / 4 + 1)));
        push_string(&d->s[S_CUSTOMER], i, pick(&rng, 10) ? buf : "");
        push_string(&d->s[S_REASON], i, reasons[pick(&rng, 7)]);
        push_string(&d->s[S_CHANNEL], i, channels[pick(&rng, 6)]);
        push_string(&d->s[S_REGION], i, regions[pick(&rng, 4)]);
        int64_t opened = T0 + (int64_t)pick(&rng, 90 * D);
        int outcome = pick(&rng, 8) == 0 ? SKPI_OUTCOME_OPEN : 1 + (int)pick(&rng, 3);
        d->v[I_OPENED][i] = opened;
        d->v[I_OUTCOME][i] = outcome;
        d->v[I_CLOSED][i] = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET
                                                         : opened + pick(&rng, 4 * D);
        d->v[I_FIRST][i] = pick(&rng, 3) ? opened + pick(&rng, 7200) : SKPI_UNSET;
        d->v[I_HANDLE][i] = pick(&rng, 10) ? 20 + pick(&rng, 3600) : SKPI_UNSET;
        d->v[I_TIER][i] = pick(&rng, 10) ? pick(&rng, 4) : SKPI_UNSET;
        d->v[I_ESC][i] = pick(&rng, 4) ? 0 : 1 + pick(&rng, 2);
        d->v[I_REOPENS][i] = pick(&rng, 6) ? 0 : 1;
        d->v[I_CSAT][i] = pick(&rng, 2) ? 1 + pick(&rng, 5) : SKPI_UNSET;
    }
}

static void dataset_free(dataset *d)
{
    for (int k = 0; k < S_COUNT; k++) {
        free(d->s[k].bytes.p);
        free(d->s[k].offsets);
    }
    for (int k = 0; k < I_COUNT; k++)
        free(d->v[k]);
}

/* Rows [from, to) of a text column, its offsets rebased to start at 0 in
 * `offsets` (to - from + 1 entries). */
static skpi_text_column column_of(const strings *s, size_t from, size_t to, int64_t *offsets)
{
    for (size_t i = from; i <= to; i++)
        offsets[i - from] = s->offsets[i] - s->offsets[from];
    skpi_text_column c = { s->bytes.p + s->offsets[from], offsets };
    return c;
}

/* Rows [from, to) appended as columns. */
static void append_rows(skpi_records *r, const dataset *d, size_t from, size_t to)
{
    static const char *const names[] = { "region" };
    int64_t *offsets = calloc(S_COUNT * (to - from + 1), sizeof *offsets);
    if (!offsets)
        die("out of memory");
    skpi_text_column cols[S_COUNT];
    for (int k = 0; k < S_COUNT; k++)
        cols[k] = column_of(&d->s[k], from, to, offsets + (size_t)k * (to - from + 1));
    skpi_text_column region = cols[S_REGION];
    skpi_contact_columns c = SKPI_COLUMNS_INIT;
    c.count = to - from;
    c.id = cols[S_ID];
    c.customer = cols[S_CUSTOMER];
    c.reason = cols[S_REASON];
    c.channel = cols[S_CHANNEL];
    c.opened_at = d->v[I_OPENED] + from;
    c.first_response_at = d->v[I_FIRST] + from;
    c.closed_at = d->v[I_CLOSED] + from;
    c.handle_seconds = d->v[I_HANDLE] + from;
    c.tier = d->v[I_TIER] + from;
    c.escalations = d->v[I_ESC] + from;
    c.reopens = d->v[I_REOPENS] + from;
    c.csat = d->v[I_CSAT] + from;
    c.outcome = d->v[I_OUTCOME] + from;
    c.dimension_count = 1;
    c.dimension_names = names;
    c.dimensions = &region;
    if (skpi_records_append_columns(r, &c) != SKPI_OK)
        die(skpi_records_errmsg(r));
    free(offsets);
}

static skpi_records *records_from_columns(const dataset *d)
{
    skpi_records *r;
    if (skpi_records_new(&r) != SKPI_OK)
        die("records_new");
    append_rows(r, d, 0, d->n / 3);
    append_rows(r, d, d->n / 3, d->n);
    return r;
}

/* ---- the same contacts and costs as CSV files ---- */

static void csv_text(text *t, const strings *s, size_t i)
{
    tprintf(t, "\"%.*s\"", (int)(s->offsets[i + 1] - s->offsets[i]), s->bytes.p + s->offsets[i]);
}

static void csv_int(text *t, int64_t v)
{
    if (v != SKPI_UNSET)
        tprintf(t, "%lld", (long long)v);
}

/* contacts.csv: ISO timestamps on odd rows (skpi_time_format, a pure
 * function, on every thread), one bad row at the end. */
static char *contacts_csv(const dataset *d)
{
    text t = { NULL, 0, 0 };
    tprintf(&t, "\xEF\xBB\xBFid,customer,reason,channel,opened_at,first_response_at,closed_at,"
                "handle_seconds,tier,escalations,outcome,reopens,csat,region\r\n");
    for (size_t i = 0; i < d->n; i++) {
        csv_text(&t, &d->s[S_ID], i);
        for (int k = S_CUSTOMER; k <= S_CHANNEL; k++) {
            tprintf(&t, ",");
            csv_text(&t, &d->s[k], i);
        }
        for (int k = I_OPENED; k <= I_CLOSED; k++) {
            tprintf(&t, ",");
            int64_t v = d->v[k][i];
            char iso[SKPI_TIME_TEXT_SIZE];
            if (v != SKPI_UNSET && i % 2) {
                if (skpi_time_format(v, iso, sizeof iso, NULL) != SKPI_OK)
                    die("time_format");
                tprintf(&t, "%s", iso);
            } else {
                csv_int(&t, v);
            }
        }
        static const int ints[] = { I_HANDLE, I_TIER, I_ESC, I_OUTCOME, I_REOPENS, I_CSAT };
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++) {
            tprintf(&t, ",");
            if (ints[k] == I_OUTCOME)
                tprintf(&t, "%s", skpi_outcome_name((int)d->v[I_OUTCOME][i]));
            else
                csv_int(&t, d->v[ints[k]][i]);
        }
        tprintf(&t, ",");
        csv_text(&t, &d->s[S_REGION], i);
        tprintf(&t, "\r\n");
    }
    tprintf(&t, "bad-row,,,,100,,50,,,,resolved,,,\r\n");
    return t.p;
}

typedef struct entry_spec {
    int category;
    int64_t amount, start, end;
    int driver;
    const char *channel;
    const char *key, *value;
} entry_spec;

static size_t entries_of(uint64_t seed, entry_spec *e)
{
    const entry_spec all[] = {
        { SKPI_CATEGORY_DIRECT_LABOR, 5000000 + (int64_t)seed, T0, T0 + 90 * D,
          SKPI_DRIVER_HANDLE_TIME, NULL, NULL, NULL },
        { SKPI_CATEGORY_DIRECT_LABOR, 1234567, T0, T0 + 45 * D, SKPI_DRIVER_HANDLE_TIME, "chat",
          NULL, NULL },
        { SKPI_CATEGORY_TECHNOLOGY, 777777, T0, T0 + 90 * D, SKPI_DRIVER_CONTACTS, NULL, NULL,
          NULL },
        { SKPI_CATEGORY_INDIRECT_LABOR, 333333, T0 + 10 * D, T0 + 70 * D,
          SKPI_DRIVER_TIER_WEIGHTED, NULL, "region", "eu" },
        { SKPI_CATEGORY_OVERHEAD, 55555, T0, T0 + 90 * D, SKPI_DRIVER_CONTACTS, "voice",
          "region", "us" },
        { SKPI_CATEGORY_OTHER, 1000, T0 - 30 * D, T0 - 20 * D, SKPI_DRIVER_CONTACTS, NULL, NULL,
          NULL },
    };
    memcpy(e, all, sizeof all);
    return sizeof all / sizeof all[0];
}

static skpi_ledger *ledger_of(uint64_t seed, const char *currency)
{
    skpi_ledger *l;
    entry_spec e[8];
    size_t n = entries_of(seed, e);
    if (skpi_ledger_new(&l, currency, NULL) != SKPI_OK)
        die("ledger_new");
    for (size_t k = 0; k < n; k++) {
        const char *keys[] = { e[k].key }, *values[] = { e[k].value };
        if (skpi_ledger_add_entry(l, e[k].category, e[k].amount, e[k].start, e[k].end,
                                  e[k].driver, e[k].channel, e[k].key ? 1 : 0, keys, values)
            != SKPI_OK)
            die(skpi_ledger_errmsg(l));
    }
    for (int t = 0; t <= SKPI_TIER_MAX; t++)
        if (skpi_ledger_set_rate(l, t, 1000 + 700 * t) != SKPI_OK)
            die(skpi_ledger_errmsg(l));
    return l;
}

static char *costs_csv(uint64_t seed, const char *currency)
{
    entry_spec e[8];
    size_t n = entries_of(seed, e);
    text t = { NULL, 0, 0 };
    tprintf(&t, "category,amount,currency,start,end,driver,channel,scope\n");
    for (size_t k = 0; k < n; k++) {
        tprintf(&t, "%s,%lld,%s,%lld,%lld,%s,%s,", skpi_category_name(e[k].category),
                (long long)e[k].amount, k % 2 ? currency : "", (long long)e[k].start,
                (long long)e[k].end, skpi_driver_name(e[k].driver),
                e[k].channel ? e[k].channel : "");
        if (e[k].key)
            tprintf(&t, "%s=%s", e[k].key, e[k].value);
        tprintf(&t, "\n");
    }
    return t.p;
}

static char *rates_csv(void)
{
    text t = { NULL, 0, 0 };
    tprintf(&t, "tier,rate_per_hour\n");
    for (int tier = SKPI_TIER_MAX; tier >= 0; tier--)
        tprintf(&t, "%d,%d\n", tier, 1000 + 700 * tier);
    return t.p;
}

/* ---- callbacks: they must run on the thread that called the loader ---- */

typedef struct callback_check {
    pthread_t thread;
    int reports, progress, wrong_thread;
    text messages;
} callback_check;

static void on_report(void *context, const char *message)
{
    callback_check *c = context;
    c->reports++;
    c->wrong_thread += !pthread_equal(c->thread, pthread_self());
    tprintf(&c->messages, "%s\n", message);
}

static void on_progress(void *context, uint64_t bytes)
{
    callback_check *c = context;
    (void)bytes;
    c->progress++;
    c->wrong_thread += !pthread_equal(c->thread, pthread_self());
}

/* ---- results as text ---- */

static void breakdown_json(text *t, const skpi_breakdown *b)
{
    size_t needed = 0;
    if (skpi_breakdown_json(b, NULL, 0, &needed, SKPI_UNSET) != SKPI_ENOSPACE)
        die("breakdown_json size");
    char *json = malloc(needed);
    if (!json || skpi_breakdown_json(b, json, needed, NULL, SKPI_UNSET) != SKPI_OK)
        die("breakdown_json");
    tprintf(t, "%s", json);
    free(json);
}

/* The JSON and CSV writers to a memory stream. */
static void breakdown_streams(text *t, const skpi_breakdown *b)
{
    char *p = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&p, &size);
    if (!f)
        die("open_memstream");
    if (skpi_breakdown_write_json(b, f, 7) != SKPI_OK || skpi_breakdown_write_csv(b, f) != SKPI_OK)
        die("writers");
    fclose(f);
    tprintf(t, "%s", p);
    free(p);
}

static void explain_text(text *t, const skpi_breakdown *b, size_t row, const skpi_ledger *l)
{
    skpi_explain *e;
    skpi_error err;
    if (skpi_explain_new(&e, b, row, l, &err) != SKPI_OK)
        die(err.message);
    tprintf(t, "explain row %zu: %zu contacts, %zu chains\n", row, skpi_explain_contact_count(e),
            skpi_explain_chain_count(e));
    for (size_t k = 0; k < skpi_explain_contact_count(e); k++) {
        size_t i = 0;
        int64_t cost = -1;
        int rc = skpi_explain_contact(e, k, &i, &cost);
        tprintf(t, " c%zu:%d:%lld", i, rc, (long long)cost);
    }
    for (size_t k = 0; k < skpi_explain_chain_count(e); k++) {
        size_t i = 0;
        int64_t cost = -1;
        int rc = skpi_explain_chain(e, k, &i, &cost);
        tprintf(t, " k%zu:%d:%lld", i, rc, (long long)cost);
    }
    tprintf(t, "\n");
    skpi_explain_free(e);
}

typedef struct grouping {
    const char *by[3];
    int bucket, view;
} grouping;

/* threads: options.threads (2: the breakdown's own second thread). */
static skpi_breakdown *breakdown_on(const skpi_chains *c, const skpi_ledger *l, const grouping *g,
                                    unsigned threads)
{
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.threads = threads;
    o.by = g->by;
    while (o.by_count < 3 && g->by[o.by_count])
        o.by_count++;
    o.bucket = g->bucket;
    o.view = g->view;
    skpi_breakdown *b;
    skpi_error err;
    if (skpi_breakdown_new(&b, c, l, &o, &err) != SKPI_OK)
        die(err.message);
    return b;
}

static skpi_breakdown *breakdown_of(const skpi_chains *c, const skpi_ledger *l, const grouping *g)
{
    return breakdown_on(c, l, g, 1);
}

/* Pure functions, reentrant: the same answers on every thread. */
static void pure_text(text *t, uint64_t seed)
{
    int64_t values[64], weights[16], shares[16];
    uint64_t rng = seed;
    for (int i = 0; i < 64; i++)
        values[i] = (int64_t)pick(&rng, 100000) - 5000;
    for (int i = 0; i < 16; i++)
        weights[i] = pick(&rng, 1000);
    int64_t p90 = 0, median = 0, cpr = 0, nanos = 0, when = 0;
    if (skpi_percentile(values, 64, 9, 10, &p90, NULL) != SKPI_OK
        || skpi_median(values, 64, &median, NULL) != SKPI_OK
        || skpi_apportion(1000003, weights, 16, shares, NULL) != SKPI_OK
        || skpi_cpr(5000000, 1000, &cpr, NULL) != SKPI_OK
        || skpi_ratio_nanos(2, 3, &nanos, NULL) != SKPI_OK
        || skpi_time_parse("2026-03-01T12:30:00+05:30", &when, NULL) != SKPI_OK)
        die("pure functions");
    char money[32], pct[32], dur[32], label[SKPI_TIME_TEXT_SIZE];
    if (skpi_format_money(123456789, "EUR", money, sizeof money) != SKPI_OK
        || skpi_format_percent(nanos, 2, pct, sizeof pct) != SKPI_OK
        || skpi_format_duration(93784, dur, sizeof dur) != SKPI_OK
        || skpi_bucket_label(when, SKPI_BUCKET_WEEK, label, sizeof label, NULL) != SKPI_OK)
        die("formatting");
    tprintf(t, "pure: p90 %lld median %lld cpr %lld nanos %lld when %lld %s %s %s %s shares",
            (long long)p90, (long long)median, (long long)cpr, (long long)nanos, (long long)when,
            money, pct, dur, label);
    for (int i = 0; i < 16; i++)
        tprintf(t, " %lld", (long long)shares[i]);
    tprintf(t, "\n");
}

/* ---- independent work: everything on handles of the caller's own ---- */

static const grouping independent_groupings[] = {
    { { "channel" }, 0, SKPI_VIEW_PERIOD },
    { { "region", "tier" }, SKPI_BUCKET_MONTH, SKPI_VIEW_COHORT },
};

static char *independent_work(uint64_t seed, size_t n)
{
    text t = { NULL, 0, 0 };
    dataset d;
    dataset_make(&d, seed, n);
    skpi_records *r = records_from_columns(&d);
    skpi_ledger *l = ledger_of(seed, "USD");
    skpi_chains *c;
    if (skpi_chains_new(&c, r, NULL, NULL) != SKPI_OK)
        die("chains_new");

    /* The same contacts and costs through the loaders. */
    callback_check cb = { pthread_self(), 0, 0, 0, { NULL, 0, 0 } };
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = 1;
    o.threads = 2;   /* the loader's own worker, under TSan too */
    o.report = on_report;
    o.progress = on_progress;
    o.context = &cb;
    char *contacts = contacts_csv(&d), *costs = costs_csv(seed, "USD"), *rates = rates_csv();
    skpi_records *loaded;
    skpi_ledger *loaded_ledger;
    skpi_load_stats stats;
    skpi_input in = SKPI_INPUT_MEMORY(contacts, strlen(contacts), "contacts.csv");
    if (skpi_records_new(&loaded) != SKPI_OK
        || skpi_records_load(loaded, &in, &o, &stats) != SKPI_OK)
        die("records_load");
    tprintf(&t, "loaded %llu rows, skipped %llu\n", (unsigned long long)stats.rows,
            (unsigned long long)stats.skipped);
    skpi_input cin = SKPI_INPUT_MEMORY(costs, strlen(costs), "costs.csv");
    skpi_input rin = SKPI_INPUT_MEMORY(rates, strlen(rates), "rates.csv");
    if (skpi_ledger_load_costs(&loaded_ledger, &cin, &o, NULL, NULL) != SKPI_OK
        || skpi_ledger_load_rates(loaded_ledger, &rin, &o, NULL) != SKPI_OK)
        die("costs or rates load");
    /* The loaded contacts' chains and breakdowns on two threads each, under
     * TSan too: the same report as one thread gives. */
    skpi_chain_options co = SKPI_CHAIN_OPTIONS_INIT;
    co.threads = 2;
    skpi_chains *loaded_chains;
    if (skpi_chains_new(&loaded_chains, loaded, &co, NULL) != SKPI_OK)
        die("chains_new");
    tprintf(&t, "callbacks: %d reports, progress %s, %d on another thread\n%s", cb.reports,
            cb.progress > 0 ? "called" : "never called", cb.wrong_thread, cb.messages.p);

    for (size_t g = 0; g < sizeof independent_groupings / sizeof independent_groupings[0]; g++) {
        skpi_breakdown *b = breakdown_of(c, l, &independent_groupings[g]);
        skpi_breakdown *b2 = breakdown_on(loaded_chains, loaded_ledger, &independent_groupings[g], 2);
        text j1 = { NULL, 0, 0 }, j2 = { NULL, 0, 0 };
        breakdown_json(&j1, b);
        breakdown_json(&j2, b2);
        tprintf(&t, "%s\nloaded files give the same report: %s\n", j1.p,
                strcmp(j1.p, j2.p) == 0 ? "yes" : "NO");
        breakdown_streams(&t, b);
        explain_text(&t, b, 0, l);
        explain_text(&t, b, SKPI_ROW_TOTAL, l);
        free(j1.p);
        free(j2.p);
        skpi_breakdown_free(b);
        skpi_breakdown_free(b2);
    }
    pure_text(&t, seed);

    skpi_chains_free(loaded_chains);
    skpi_records_free(loaded);
    skpi_ledger_free(loaded_ledger);
    free(cb.messages.p);
    free(contacts);
    free(costs);
    free(rates);
    skpi_chains_free(c);
    skpi_ledger_free(l);
    skpi_records_free(r);
    dataset_free(&d);
    return t.p;
}

/* ---- shared read-only work ---- */

static skpi_records *shared_records;
static skpi_chains *shared_chains;
static skpi_ledger *shared_ledger;
static skpi_breakdown *shared_breakdown;
static skpi_explain *shared_explain;

static const grouping shared_groupings[] = {
    { { NULL }, 0, SKPI_VIEW_PERIOD },
    { { "channel" }, 0, SKPI_VIEW_PERIOD },
    { { "reason", "tier" }, SKPI_BUCKET_WEEK, SKPI_VIEW_COHORT },
    { { "region", "outcome" }, SKPI_BUCKET_MONTH, SKPI_VIEW_PERIOD },
    { { "channel", "region", "tier" }, SKPI_BUCKET_WEEK, SKPI_VIEW_PERIOD },
};
#define SHARED_BREAKDOWNS (sizeof shared_groupings / sizeof shared_groupings[0])
#define SHARED_TASKS (SHARED_BREAKDOWNS + 3)

/* Task k < SHARED_BREAKDOWNS: a breakdown of the shared chains and ledger
 * (with and without the ledger), its JSON and explanations.  Then: the
 * getters of the shared records and chains; of the shared breakdown and
 * explanation; pure functions. */
static char *shared_task(size_t k)
{
    text t = { NULL, 0, 0 };
    if (k < SHARED_BREAKDOWNS) {
        /* with the ledger on two threads: a second thread per call, all of
         * them reading the shared handles */
        skpi_breakdown *b = breakdown_on(shared_chains, shared_ledger, &shared_groupings[k], 2);
        skpi_breakdown *plain = breakdown_of(shared_chains, NULL, &shared_groupings[k]);
        breakdown_json(&t, b);
        breakdown_json(&t, plain);
        size_t rows = skpi_breakdown_row_count(b);
        explain_text(&t, b, rows / 2, shared_ledger);
        explain_text(&t, b, SKPI_ROW_TOTAL, shared_ledger);
        explain_text(&t, plain, rows - 1, NULL);
        skpi_breakdown_free(b);
        skpi_breakdown_free(plain);
    } else if (k == SHARED_BREAKDOWNS) {
        const skpi_records *r = shared_records;
        tprintf(&t, "records %zu, memory %zu, dims %zu %s\n", skpi_records_count(r),
                skpi_records_memory(r), skpi_records_dimension_count(r),
                skpi_records_dimension_name(r, 0));
        for (size_t i = 0; i < skpi_records_count(r); i += 7) {
            skpi_contact c;
            size_t at = SIZE_MAX;
            if (skpi_records_get(r, i, &c) != SKPI_OK || skpi_records_find(r, c.id, &at) != SKPI_OK)
                die("records getters");
            tprintf(&t, "%zu %s %s %s %s %lld %lld %lld %d %s\n", at, c.id, c.customer, c.reason,
                    c.channel, (long long)c.opened_at, (long long)c.closed_at,
                    (long long)c.tier, c.outcome,
                    skpi_records_dimension_value(r, i, 0) ? skpi_records_dimension_value(r, i, 0)
                                                          : "-");
        }
        const skpi_chains *c = shared_chains;
        skpi_chain_options o;
        skpi_chains_options(c, &o);
        tprintf(&t, "chains %zu as_of %lld memory %zu\n", skpi_chains_count(c),
                (long long)o.as_of, skpi_chains_memory(c));
        for (size_t k2 = 0; k2 < skpi_chains_count(c); k2 += 3) {
            tprintf(&t, "%zu %s %zu %zu %lld %lld %zu", k2,
                    skpi_chain_status_name(skpi_chain_get_status(c, k2)), skpi_chain_size(c, k2),
                    skpi_chain_anchor(c, k2), (long long)skpi_chain_first_opened(c, k2),
                    (long long)skpi_chain_latest_close(c, k2), skpi_chain_channel_count(c, k2));
            for (size_t ch = 0; ch < skpi_chain_channel_count(c, k2); ch++)
                tprintf(&t, " '%s'", skpi_chain_channel(c, k2, ch));
            size_t chain = 0, position = 0;
            skpi_chains_find_contact(c, skpi_chain_contact(c, k2, 0), &chain, &position);
            tprintf(&t, " at %zu.%zu\n", chain, position);
        }
    } else if (k == SHARED_BREAKDOWNS + 1) {
        const skpi_breakdown *b = shared_breakdown;
        breakdown_json(&t, b);
        for (size_t r = 0; r < skpi_breakdown_row_count(b); r++) {
            for (size_t j = 0; j < skpi_breakdown_key_count(b); j++) {
                const char *v = skpi_breakdown_key_value(b, r, j);
                tprintf(&t, "%s=%s ", skpi_breakdown_key_name(b, j), v ? v : "null");
            }
            for (int kpi = 0; kpi < skpi_kpi_count(); kpi++) {
                char buf[48];
                int64_t v = 0;
                double dv = 0;
                int rc = skpi_breakdown_get(b, r, kpi, &v);
                skpi_breakdown_get_double(b, r, kpi, &dv);
                skpi_breakdown_text(b, r, kpi, buf, sizeof buf);
                tprintf(&t, "%d:%lld:%s ", rc, (long long)(rc == SKPI_OK ? v : 0), buf);
            }
            const char *names[3], *values[3];
            size_t found = SIZE_MAX;
            for (size_t j = 0; j < skpi_breakdown_key_count(b) && j < 3; j++) {
                names[j] = skpi_breakdown_key_name(b, j);
                values[j] = skpi_breakdown_key_value(b, r, j);
            }
            skpi_breakdown_find_row(b, skpi_breakdown_key_count(b), names, values, &found);
            tprintf(&t, "found %zu ", found);
            tprintf(&t, "contacts %zu first %zu chains %zu\n",
                    skpi_breakdown_row_contact_count(b, r), skpi_breakdown_row_contact(b, r, 0),
                    skpi_breakdown_row_chain_count(b, r));
        }
        int64_t total, unallocated, adjusted;
        skpi_breakdown_ledger(b, &total, &unallocated, &adjusted);
        tprintf(&t, "ledger %lld %lld %lld %s\n", (long long)total, (long long)unallocated,
                (long long)adjusted, skpi_breakdown_currency(b));
        const skpi_explain *e = shared_explain;
        for (size_t i = 0; i < skpi_explain_contact_count(e); i++) {
            size_t at;
            int64_t cost;
            skpi_explain_contact(e, i, &at, &cost);
            tprintf(&t, "%zu:%lld ", at, (long long)cost);
        }
        const skpi_ledger *l = shared_ledger;
        int64_t by_cat = 0, between = 0, rate = 0;
        skpi_ledger_total_by_category(l, SKPI_CATEGORY_DIRECT_LABOR, &by_cat);
        skpi_ledger_total_between(l, T0, T0 + 30 * D, &between);
        skpi_ledger_rate(l, 3, &rate);
        tprintf(&t, "\nledger %zu entries %lld %lld rate %lld '%s' rates %d %s\n",
                skpi_ledger_entry_count(l), (long long)by_cat, (long long)between,
                (long long)rate, skpi_ledger_entry_channel(l, 1), skpi_ledger_rate_count(l),
                skpi_ledger_currency(l));
    } else {
        pure_text(&t, 99);
    }
    return t.p;
}

/* ---- the threads ---- */

typedef struct worker {
    int index;
    uint64_t seed;
    size_t n;
    const char *independent_expected;
    char *const *shared_expected;
    int passed, failed;
    char first_failure[200];
} worker;

static pthread_barrier_t start_line;

static void compare(worker *w, const char *got, const char *want, const char *what, size_t k)
{
    if (strcmp(got, want) == 0) {
        w->passed++;
    } else {
        if (!w->failed)
            snprintf(w->first_failure, sizeof w->first_failure,
                     "thread %d: %s %zu differs from the single-threaded result", w->index, what,
                     k);
        w->failed++;
    }
}

static void *work(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(&start_line);
    for (int round = 0; round < ROUNDS; round++) {
        char *got = independent_work(w->seed, w->n);
        compare(w, got, w->independent_expected, "independent work, round", (size_t)round);
        free(got);
        for (size_t j = 0; j < SHARED_TASKS; j++) {
            size_t k = (j + (size_t)w->index + (size_t)round) % SHARED_TASKS;
            got = shared_task(k);
            compare(w, got, w->shared_expected[k], "shared task", k);
            free(got);
        }
    }
    return NULL;
}

int main(void)
{
    /* The one process-wide setting, before any handle exists. */
    if (skpi_set_allocator(counting_malloc, counting_realloc, counting_free) != SKPI_OK)
        die("set_allocator");
    int passed = 0, failed = 0;
    worker workers[THREADS];
    char *independent_expected[THREADS];
    for (int t = 0; t < THREADS; t++) {
        /* the last one loads enough contacts for several hand-overs (stage.h) */
        size_t n = t == THREADS - 1 ? 9000 : 400 + 50 * (size_t)t;
        workers[t] = (worker){ .index = t, .seed = 1001 + (uint64_t)t, .n = n };
        independent_expected[t] = independent_work(workers[t].seed, workers[t].n);
        workers[t].independent_expected = independent_expected[t];
        if (!strstr(independent_expected[t], "loaded files give the same report: yes")
            || strstr(independent_expected[t], "loaded files give the same report: NO")
            || !strstr(independent_expected[t], "callbacks: 1 reports, progress called, 0 on another thread")) {
            printf("FAIL: seed %llu: the loaders do not agree with the columns\n",
                   (unsigned long long)workers[t].seed);
            failed++;
        } else {
            passed++;
        }
    }

    /* Contacts enough that the chains' radix sorts split their passes
     * between two threads (sort.c): the same chains as one thread builds. */
    dataset many;
    dataset_make(&many, 77, 70000);
    skpi_records *many_records = records_from_columns(&many);
    dataset_free(&many);
    skpi_chain_options two = SKPI_CHAIN_OPTIONS_INIT;
    two.threads = 2;
    skpi_chains *one_thread, *two_threads;
    if (skpi_chains_new(&one_thread, many_records, NULL, NULL) != SKPI_OK
        || skpi_chains_new(&two_threads, many_records, &two, NULL) != SKPI_OK)
        die("chains of many contacts");
    bool same = skpi_chains_count(one_thread) == skpi_chains_count(two_threads);
    for (size_t k = 0; same && k < skpi_chains_count(one_thread); k++)
        same = skpi_chain_size(one_thread, k) == skpi_chain_size(two_threads, k)
               && skpi_chain_contact(one_thread, k, 0) == skpi_chain_contact(two_threads, k, 0);
    printf("%zu contacts: %zu chains, the same on two threads: %s\n", skpi_records_count(many_records),
           skpi_chains_count(two_threads), same ? "yes" : "NO");
    if (same)
        passed++;
    else
        failed++;
    skpi_chains_free(one_thread);
    skpi_chains_free(two_threads);
    skpi_records_free(many_records);

    dataset shared;
    dataset_make(&shared, 42, 1500);
    shared_records = records_from_columns(&shared);
    dataset_free(&shared);
    if (skpi_chains_new(&shared_chains, shared_records, NULL, NULL) != SKPI_OK)
        die("shared chains");
    shared_ledger = ledger_of(42, "EUR");
    shared_breakdown = breakdown_of(shared_chains, shared_ledger, &shared_groupings[3]);
    if (skpi_explain_new(&shared_explain, shared_breakdown, 1, shared_ledger, NULL) != SKPI_OK)
        die("shared explain");
    char *shared_expected[SHARED_TASKS];
    for (size_t k = 0; k < SHARED_TASKS; k++)
        shared_expected[k] = shared_task(k);

    pthread_t threads[THREADS];
    if (pthread_barrier_init(&start_line, NULL, THREADS) != 0)
        die("barrier");
    for (int t = 0; t < THREADS; t++) {
        workers[t].shared_expected = shared_expected;
        if (pthread_create(&threads[t], NULL, work, &workers[t]) != 0)
            die("pthread_create");
    }
    for (int t = 0; t < THREADS; t++)
        pthread_join(threads[t], NULL);
    pthread_barrier_destroy(&start_line);
    for (int t = 0; t < THREADS; t++) {
        printf("thread %d (seed %llu, %zu contacts): %d results as on one thread, %d differ\n", t,
               (unsigned long long)workers[t].seed, workers[t].n, workers[t].passed,
               workers[t].failed);
        if (workers[t].failed)
            printf("FAIL: %s\n", workers[t].first_failure);
        passed += workers[t].passed;
        failed += workers[t].failed;
        free(independent_expected[t]);
    }
    for (size_t k = 0; k < SHARED_TASKS; k++)
        free(shared_expected[k]);

    skpi_explain_free(shared_explain);
    skpi_breakdown_free(shared_breakdown);
    skpi_chains_free(shared_chains);
    skpi_ledger_free(shared_ledger);
    skpi_records_free(shared_records);
    long live = atomic_load(&live_blocks);
    if (live == 0) {
        passed++;
    } else {
        printf("FAIL: %ld blocks of the allocator hook not freed\n", live);
        failed++;
    }
    skpi_set_allocator(NULL, NULL, NULL);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
