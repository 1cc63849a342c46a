/* Shared by the unit tests (see testutil.h).  The counting allocator can
 * refuse the Nth request; its blocks carry a header so that frees can be
 * counted and leaks seen without valgrind.  It is thread-safe, as the hook
 * must be: a threaded load allocates on a worker thread too. */
#include "testutil.h"

#include <check.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"

/* ---- the counting allocator ---- */

static long calls;
static long live;
static long fail_from = -1;
static int failed;
static long carried_live;

/* max_align_t keeps the payload as aligned as malloc's. */
typedef union header { max_align_t align; size_t size; } header;

static pthread_mutex_t counters = PTHREAD_MUTEX_INITIALIZER;

static int refuse_this_call(void)
{
    pthread_mutex_lock(&counters);
    long n = calls++;
    int refuse = fail_from >= 0 && n >= fail_from;
    if (refuse)
        failed = 1;
    pthread_mutex_unlock(&counters);
    return refuse;
}

static void count_live(long change)
{
    pthread_mutex_lock(&counters);
    live += change;
    pthread_mutex_unlock(&counters);
}

static void *counting_malloc(size_t size)
{
    if (refuse_this_call())
        return NULL;
    header *h = malloc(sizeof(header) + size);
    if (!h)
        return NULL;
    h->size = size;
    count_live(1);
    return h + 1;
}

static void *counting_realloc(void *p, size_t size)
{
    if (refuse_this_call())
        return NULL;
    header *h = realloc((header *)p - 1, sizeof(header) + size);
    if (!h)
        return NULL;
    h->size = size;
    return h + 1;
}

static void counting_free(void *p)
{
    count_live(-1);
    free((header *)p - 1);
}

void test_alloc_install(long fail_at)
{
    calls = 0;
    live = 0;
    failed = 0;
    fail_from = fail_at;
    skpi_set_allocator(counting_malloc, counting_realloc, counting_free);
}

void test_alloc_restore(void)
{
    skpi_set_allocator(NULL, NULL, NULL);
    fail_from = -1;
}

int test_quick(void)
{
    const char *quick = getenv("SKPI_TEST_QUICK");
    return quick && *quick && *quick != '0';
}

long test_alloc_calls(void) { return calls; }
long test_alloc_live(void) { return live; }
int test_alloc_failed(void) { return failed; }

void test_alloc_start(long fail_at)
{
    carried_live = 0;
    test_alloc_install(fail_at);
}

void test_alloc_rearm(long fail_at)
{
    carried_live += test_alloc_live();
    test_alloc_install(fail_at);
}

long test_alloc_live_total(void)
{
    return carried_live + test_alloc_live();
}

/* ---- deterministic random numbers ---- */

void test_rng_seed(test_rng *r, uint64_t seed)
{
    r->state = seed;
}

uint64_t test_rng_next(test_rng *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

int64_t test_rng_below(test_rng *r, int64_t n)
{
    return (int64_t)(test_rng_next(r) % (uint64_t)n);
}

uint64_t test_lcg_next(uint64_t *state)
{
    *state = *state * UINT64_C(6364136223846793005) + UINT64_C(1442695040888963407);
    return *state;
}

uint64_t test_xorshift_next(uint64_t *state)
{
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    return *state * UINT64_C(0x2545F4914F6CDD1D);
}

/* ---- a growing text ---- */

/* Room for `more` bytes and a NUL after len. */
static void text_reserve(test_text *t, size_t more)
{
    if (t->p && t->len + more + 1 <= t->cap)
        return;
    size_t cap = (t->cap + more + 1) * 2;
    char *p = realloc(t->p, cap);
    TEST_REQUIRE(p != NULL);
    t->p = p;
    t->cap = cap;
}

void test_text_put(test_text *t, const char *s, size_t n)
{
    text_reserve(t, n);
    memcpy(t->p + t->len, s, n);
    t->len += n;
    t->p[t->len] = '\0';
}

void test_text_printf(test_text *t, const char *fmt, ...)
{
    for (;;) {
        size_t room = t->p ? t->cap - t->len : 0;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(t->p ? t->p + t->len : NULL, room, fmt, ap);
        va_end(ap);
        TEST_REQUIRE(n >= 0);
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        text_reserve(t, (size_t)n);
    }
}

void test_text_put_str(test_text *t, const char *s)
{
    if (s) {
        test_text_put(t, "=", 1);
        test_text_put(t, s, strlen(s));
    } else {
        test_text_put(t, "-", 1);
    }
    test_text_put(t, "|", 1);
}

void test_text_put_int(test_text *t, int64_t v)
{
    char digits[24];
    size_t n = sizeof digits;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    digits[--n] = '|';
    do {
        digits[--n] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        digits[--n] = '-';
    test_text_put(t, digits + n, sizeof digits - n);
}

FILE *test_file_of(const char *data, size_t len)
{
    FILE *f = tmpfile();
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, len, f), len);
    rewind(f);
    return f;
}

/* ---- snapshots ---- */

void test_records_text(test_text *t, const skpi_records *r)
{
    size_t n = skpi_records_count(r), dims = skpi_records_dimension_count(r);
    test_text_put_int(t, (int64_t)n);
    test_text_put_int(t, (int64_t)dims);
    for (size_t d = 0; d < dims; d++) {
        const char *name = skpi_records_dimension_name(r, d);
        size_t back = 999;
        test_text_put_str(t, name);
        test_text_put_int(t, skpi_records_dimension_index(r, name, &back));
        test_text_put_int(t, (int64_t)back);
    }
    test_text_put_str(t, skpi_records_dimension_name(r, dims));
    test_text_put(t, "\n", 1);
    for (size_t i = 0; i < n; i++) {
        skpi_contact c;
        TEST_REQUIRE(skpi_records_get(r, i, &c) == SKPI_OK);
        size_t at = 999;
        int found = skpi_records_find(r, c.id, &at);
        const char *strings[] = { c.id, c.customer, c.reason, c.channel };
        const int64_t ints[] = { c.version, c.opened_at, c.first_response_at, c.closed_at,
                                 c.handle_seconds, c.tier, c.escalations, c.reopens, c.csat,
                                 c.outcome, (int64_t)c.dimension_count, found, (int64_t)at };
        for (size_t k = 0; k < sizeof strings / sizeof strings[0]; k++)
            test_text_put_str(t, strings[k]);
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
            test_text_put_int(t, ints[k]);
        for (size_t d = 0; d <= dims; d++)   /* and one past the end */
            test_text_put_str(t, skpi_records_dimension_value(r, i, d));
        test_text_put(t, "\n", 1);
    }
    skpi_contact past;
    test_text_put_int(t, skpi_records_get(r, n, &past));
    test_text_put_str(t, skpi_records_dimension_value(r, n, 0));
}

char *test_records_snapshot(const skpi_records *r)
{
    test_text t = { NULL, 0, 0 };
    test_records_text(&t, r);
    return t.p;
}

/* Frees now. */
static void assert_unchanged(const char *what, char *now, const char *before)
{
    ck_assert_msg(strcmp(now, before) == 0, "%s changed:\nbefore: %.2000s\nafter:  %.2000s", what,
                  before, now);
    free(now);
}

void test_assert_records_snapshot(const skpi_records *r, const char *before)
{
    assert_unchanged("records", test_records_snapshot(r), before);
}

void test_ledger_text(test_text *t, const skpi_ledger *l)
{
    int64_t total = -1;
    test_text_put_str(t, skpi_ledger_currency(l));
    test_text_put_int(t, skpi_ledger_total(l, &total));
    test_text_put_int(t, total);
    test_text_put_int(t, skpi_ledger_rate_count(l));
    for (int tier = 0; tier <= SKPI_TIER_MAX; tier++) {
        int64_t rate = -1;
        int rc = skpi_ledger_rate(l, tier, &rate);
        test_text_put_int(t, rc);
        test_text_put_int(t, rc == SKPI_OK ? rate : -1);
    }
    for (size_t i = 0; i < skpi_ledger_entry_count(l); i++) {
        int c = -1, d = -1;
        int64_t a = -1, s = -1, e = -1;
        test_text_put(t, "\n[", 2);
        test_text_put_int(t, skpi_ledger_entry(l, i, &c, &a, &s, &e, &d));
        const int64_t ints[] = { c, a, s, e, d };
        for (size_t k = 0; k < sizeof ints / sizeof ints[0]; k++)
            test_text_put_int(t, ints[k]);
        test_text_put_str(t, skpi_ledger_entry_channel(l, i));
        for (size_t p = 0; p < skpi_ledger_entry_scope_count(l, i); p++) {
            const char *k = NULL, *v = NULL;
            test_text_put_int(t, skpi_ledger_entry_scope(l, i, p, &k, &v));
            test_text_put_str(t, k);
            test_text_put_str(t, v);
        }
        test_text_put(t, "]", 1);
    }
}

char *test_ledger_snapshot(const skpi_ledger *l)
{
    test_text t = { NULL, 0, 0 };
    test_ledger_text(&t, l);
    return t.p;
}

void test_assert_ledger_snapshot(const skpi_ledger *l, const char *before)
{
    assert_unchanged("ledger", test_ledger_snapshot(l), before);
}

/* ---- breakdowns ---- */

int test_breakdown_rc(skpi_breakdown **b, const skpi_chains *c, const skpi_ledger *l,
                      const char *k0, const char *k1, int bucket, skpi_error *err)
{
    const char *by[2] = { k0, k1 };
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = by;
    o.by_count = k1 ? 2 : k0 ? 1 : 0;
    o.bucket = bucket;
    return skpi_breakdown_new(b, c, l, &o, err);
}

skpi_breakdown *test_breakdown(const skpi_chains *c, const skpi_ledger *l, const char *k0,
                               const char *k1, int bucket)
{
    skpi_breakdown *b = NULL;
    skpi_error err;
    int rc = test_breakdown_rc(&b, c, l, k0, k1, bucket, &err);
    ck_assert_msg(rc == SKPI_OK, "rc %d: %s", rc, err.message);
    return b;
}

int64_t test_kpi(const skpi_breakdown *b, size_t row, int kpi)
{
    int64_t v = -12345;
    int rc = skpi_breakdown_get(b, row, kpi, &v);
    ck_assert_msg(rc == SKPI_OK, "row %zu kpi %s: rc %d", row, skpi_kpi_name(kpi), rc);
    return v;
}

void test_kpi_absent(const skpi_breakdown *b, size_t row, int kpi)
{
    int64_t v = -12345;
    ck_assert_msg(skpi_breakdown_get(b, row, kpi, &v) == SKPI_ABSENT, "row %zu kpi %s not absent",
                  row, skpi_kpi_name(kpi));
    ck_assert_int_eq(v, -12345);
}

char *test_breakdown_json(const skpi_breakdown *b, int64_t skipped)
{
    size_t needed = 0;
    ck_assert_int_eq(skpi_breakdown_json(b, NULL, 0, &needed, skipped), SKPI_ENOSPACE);
    char *text = malloc(needed);
    ck_assert_ptr_nonnull(text);
    size_t again = 0;
    ck_assert_int_eq(skpi_breakdown_json(b, text, needed, &again, skipped), SKPI_OK);
    ck_assert_uint_eq(again, needed);
    ck_assert_uint_eq(strlen(text) + 1, needed);
    return text;
}
