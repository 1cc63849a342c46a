/* The cost ledger (SPEC §4): entries, scopes, drivers, tier rates.
 *
 * Entries are few (a ledger has hundreds or thousands, contacts millions), so
 * each owns its strings; allocation reads them through the public accessors.
 * Every mutating call validates everything, then builds the new entry aside,
 * and only then links it in: a failure never leaves a trace. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ledger.h"
#include "alloc.h"
#include "fields.h"
#include "status.h"
#include "utf8.h"

typedef struct entry {
    int category;
    int driver;
    int64_t amount;
    int64_t start;
    int64_t end;
    char *channel;        /* NULL: any channel */
    size_t scope_count;
    char **scope_keys;    /* scope_count strings each */
    char **scope_values;
} entry;

struct skpi_ledger {
    char currency[4];
    entry *entries;
    size_t count;
    size_t capacity;
    int64_t total;
    int64_t rates[SKPI_TIER_MAX + 1];
    bool has_rate[SKPI_TIER_MAX + 1];
    skpi_error error;
};

static const char *const category_names[] = {
    "direct_labor", "indirect_labor", "technology", "overhead", "other",
};
static const char *const driver_names[] = {
    "handle_time", "contacts", "tier_weighted",
};
#define COUNT_OF(a) ((int)(sizeof(a) / sizeof((a)[0])))

int skpi_category_count(void) { return COUNT_OF(category_names); }
int skpi_driver_count(void) { return COUNT_OF(driver_names); }
int skpi_tier_max(void) { return SKPI_TIER_MAX; }

const char *skpi_category_name(int category)
{
    return category >= 0 && category < COUNT_OF(category_names) ? category_names[category] : NULL;
}

const char *skpi_driver_name(int driver)
{
    return driver >= 0 && driver < COUNT_OF(driver_names) ? driver_names[driver] : NULL;
}

static int lookup_word(const char *name, const char *const *words, int n, int *out)
{
    if (!name || !out)
        return SKPI_EINVAL;
    for (int i = 0; i < n; i++) {
        if (strcmp(name, words[i]) == 0) {
            *out = i;
            return SKPI_OK;
        }
    }
    return SKPI_EINVAL;
}

int skpi_category_from_name(const char *name, int *category)
{
    return lookup_word(name, category_names, COUNT_OF(category_names), category);
}

int skpi_driver_from_name(const char *name, int *driver)
{
    return lookup_word(name, driver_names, COUNT_OF(driver_names), driver);
}

static bool currency_well_formed(const char *c)
{
    return strlen(c) == 3 && c[0] >= 'A' && c[0] <= 'Z' && c[1] >= 'A' && c[1] <= 'Z'
           && c[2] >= 'A' && c[2] <= 'Z';
}

int skpi_currency_minor_digits(const char *currency)
{
    /* ISO 4217 minor units that are not 2; X.. codes (XXX, XAU, XDR ...) have none. */
    static const char zero[] = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
    static const char three[] = "BHD IQD JOD KWD LYD OMR TND";
    static const char four[] = "CLF UYW";
    if (!currency || !currency_well_formed(currency))
        return -1;
    if (strstr(zero, currency))
        return 0;
    if (strstr(three, currency))
        return 3;
    if (strstr(four, currency))
        return 4;
    return currency[0] == 'X' ? 0 : 2;
}

int skpi_ledger_new(skpi_ledger **ledger, const char *currency, skpi_error *err)
{
    if (!ledger)
        return skpi__fail(err, SKPI_EINVAL, "ledger: the output pointer is NULL");
    *ledger = NULL;
    if (!currency || !*currency)
        currency = "XXX";
    if (!currency_well_formed(currency))
        return skpi__fail(err, SKPI_EINVAL,
                          "currency: '%.16s' is not an ISO 4217 code (three upper-case letters)",
                          currency);
    skpi_ledger *l = skpi__calloc(1, sizeof *l);
    if (!l)
        return skpi__fail(err, SKPI_ENOMEM, "ledger: out of memory");
    memcpy(l->currency, currency, 4);
    *ledger = l;
    return skpi__succeed(err, SKPI_OK);
}

static void entry_release(entry *e)
{
    skpi__free(e->channel);
    for (size_t i = 0; i < e->scope_count; i++) {
        skpi__free(e->scope_keys[i]);
        skpi__free(e->scope_values[i]);
    }
    skpi__free(e->scope_keys);
    skpi__free(e->scope_values);
}

void skpi_ledger_free(skpi_ledger *ledger)
{
    if (!ledger)
        return;
    for (size_t i = 0; i < ledger->count; i++)
        entry_release(&ledger->entries[i]);
    skpi__free(ledger->entries);
    skpi__free(ledger);
}

void skpi__ledger_set_currency(skpi_ledger *ledger, const char *code)
{
    memcpy(ledger->currency, code, 3);
    ledger->currency[3] = '\0';
}

/* FNV-1a over bytes, continuing from h. */
static uint64_t fnv(uint64_t h, const void *bytes, size_t len)
{
    const unsigned char *p = bytes;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * UINT64_C(0x100000001B3);
    return h;
}

/* A string and its terminator, so that "ab"+"c" and "a"+"bc" differ. */
static uint64_t fnv_text(uint64_t h, const char *s)
{
    return s ? fnv(h, s, strlen(s) + 1) : fnv(h, "", 0);
}

uint64_t skpi__ledger_fingerprint(const skpi_ledger *ledger)
{
    uint64_t h = fnv_text(UINT64_C(0xCBF29CE484222325), ledger->currency);
    for (size_t i = 0; i < ledger->count; i++) {
        const entry *e = &ledger->entries[i];
        int64_t fields[] = { e->category, e->driver, e->amount, e->start, e->end,
                             (int64_t)e->scope_count };
        h = fnv(h, fields, sizeof fields);
        h = fnv_text(h, e->channel);
        for (size_t p = 0; p < e->scope_count; p++)
            h = fnv_text(fnv_text(h, e->scope_keys[p]), e->scope_values[p]);
    }
    h = fnv(h, ledger->rates, sizeof ledger->rates);
    return fnv(h, ledger->has_rate, sizeof ledger->has_rate);
}

void skpi__ledger_fail(skpi_ledger *ledger, int code, const char *message)
{
    skpi__fail(&ledger->error, code, "%s", message);
}

const char *skpi_ledger_currency(const skpi_ledger *ledger)
{
    return ledger ? ledger->currency : NULL;
}

int skpi_ledger_errcode(const skpi_ledger *ledger)
{
    return ledger ? ledger->error.code : SKPI_EINVAL;
}

const char *skpi_ledger_errmsg(const skpi_ledger *ledger)
{
    return ledger ? ledger->error.message : "ledger is NULL";
}

/* Non-empty valid UTF-8: the rule for channel, scope keys and values. */
static bool text_ok(const char *s)
{
    return s && *s && skpi__utf8_valid(s, strlen(s));
}

static int check_scope(skpi_ledger *l, size_t n, const char *const *keys,
                       const char *const *values)
{
    if (n > 0 && (!keys || !values))
        return skpi__fail(&l->error, SKPI_EINVAL, "scope: %zu pairs but no key or value array", n);
    for (size_t i = 0; i < n; i++) {
        if (!text_ok(keys[i]))
            return skpi__fail(&l->error, SKPI_EINVAL,
                              "scope: key %zu is empty or not valid UTF-8", i);
        if (!text_ok(values[i]))
            return skpi__fail(&l->error, SKPI_EINVAL,
                              "scope: value of '%.64s' is empty or not valid UTF-8", keys[i]);
        if (skpi__is_contact_field(keys[i]))
            return skpi__fail(&l->error, SKPI_EINVAL,
                              "scope: '%.64s' is a contact field, not a dimension", keys[i]);
        for (size_t j = 0; j < i; j++)
            if (strcmp(keys[i], keys[j]) == 0)
                return skpi__fail(&l->error, SKPI_EINVAL,
                                  "scope: dimension '%.64s' appears twice", keys[i]);
    }
    return SKPI_OK;
}

static int check_entry(skpi_ledger *l, int category, int64_t amount, int64_t start,
                       int64_t end, int driver, const char *channel)
{
    if (!skpi_category_name(category))
        return skpi__fail(&l->error, SKPI_EINVAL, "category: %d is not a cost category", category);
    if (amount < 0)
        return skpi__fail(&l->error, SKPI_EINVAL, "amount: %lld is negative", (long long)amount);
    if (end <= start)
        return skpi__fail(&l->error, SKPI_EINVAL,
                          "end: %lld is not after start %lld", (long long)end, (long long)start);
    if (!skpi_driver_name(driver))
        return skpi__fail(&l->error, SKPI_EINVAL, "driver: %d is not a cost driver", driver);
    if (channel && *channel && !skpi__utf8_valid(channel, strlen(channel)))
        return skpi__fail(&l->error, SKPI_EINVAL, "channel: not valid UTF-8");
    int64_t sum;
    if (__builtin_add_overflow(l->total, amount, &sum))
        return skpi__fail(&l->error, SKPI_ERANGE,
                          "amount: %lld would overflow the ledger total", (long long)amount);
    return SKPI_OK;
}

/* Fill e's strings with copies; on failure release what was copied. */
static int copy_strings(entry *e, const char *channel, size_t n, const char *const *keys,
                        const char *const *values)
{
    if (channel && *channel && !(e->channel = skpi__strndup(channel, strlen(channel))))
        goto oom;
    if (n > 0) {
        e->scope_keys = skpi__calloc(n, sizeof *e->scope_keys);
        e->scope_values = skpi__calloc(n, sizeof *e->scope_values);
        if (!e->scope_keys || !e->scope_values)
            goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        e->scope_count = i + 1;
        e->scope_keys[i] = skpi__strndup(keys[i], strlen(keys[i]));
        e->scope_values[i] = skpi__strndup(values[i], strlen(values[i]));
        if (!e->scope_keys[i] || !e->scope_values[i])
            goto oom;
    }
    e->scope_count = n;
    return SKPI_OK;
oom:
    entry_release(e);
    return SKPI_ENOMEM;
}

int skpi_ledger_add_entry(skpi_ledger *ledger, int category, int64_t amount, int64_t start,
                          int64_t end, int driver, const char *channel, size_t scope_count,
                          const char *const *scope_keys, const char *const *scope_values)
{
    if (!ledger)
        return SKPI_EINVAL;
    int rc = check_entry(ledger, category, amount, start, end, driver, channel);
    if (rc == SKPI_OK)
        rc = check_scope(ledger, scope_count, scope_keys, scope_values);
    if (rc != SKPI_OK)
        return rc;

    void *entries = ledger->entries;
    if (skpi__reserve(&entries, &ledger->capacity, ledger->count + 1, sizeof(entry)) != SKPI_OK)
        return skpi__fail(&ledger->error, SKPI_ENOMEM, "entry: out of memory");
    ledger->entries = entries;

    entry e = { .category = category, .driver = driver, .amount = amount,
                .start = start, .end = end };
    if (copy_strings(&e, channel, scope_count, scope_keys, scope_values) != SKPI_OK)
        return skpi__fail(&ledger->error, SKPI_ENOMEM, "entry: out of memory");
    ledger->entries[ledger->count++] = e;
    ledger->total += amount;
    return skpi__succeed(&ledger->error, SKPI_OK);
}

size_t skpi_ledger_entry_count(const skpi_ledger *ledger)
{
    return ledger ? ledger->count : 0;
}

static const entry *entry_at(const skpi_ledger *ledger, size_t index)
{
    return ledger && index < ledger->count ? &ledger->entries[index] : NULL;
}

int skpi_ledger_entry(const skpi_ledger *ledger, size_t index, int *category, int64_t *amount,
                      int64_t *start, int64_t *end, int *driver)
{
    const entry *e = entry_at(ledger, index);
    if (!e)
        return SKPI_ENOTFOUND;
    if (category)
        *category = e->category;
    if (amount)
        *amount = e->amount;
    if (start)
        *start = e->start;
    if (end)
        *end = e->end;
    if (driver)
        *driver = e->driver;
    return SKPI_OK;
}

const char *skpi_ledger_entry_channel(const skpi_ledger *ledger, size_t index)
{
    const entry *e = entry_at(ledger, index);
    return e ? e->channel : NULL;
}

size_t skpi_ledger_entry_scope_count(const skpi_ledger *ledger, size_t index)
{
    const entry *e = entry_at(ledger, index);
    return e ? e->scope_count : 0;
}

int skpi_ledger_entry_scope(const skpi_ledger *ledger, size_t index, size_t pair,
                            const char **key, const char **value)
{
    const entry *e = entry_at(ledger, index);
    if (!e || pair >= e->scope_count)
        return SKPI_ENOTFOUND;
    if (key)
        *key = e->scope_keys[pair];
    if (value)
        *value = e->scope_values[pair];
    return SKPI_OK;
}

int skpi_ledger_total(const skpi_ledger *ledger, int64_t *total)
{
    if (!ledger || !total)
        return SKPI_EINVAL;
    *total = ledger->total;
    return SKPI_OK;
}

int skpi_ledger_total_by_category(const skpi_ledger *ledger, int category, int64_t *total)
{
    if (!ledger || !total || !skpi_category_name(category))
        return SKPI_EINVAL;
    int64_t sum = 0;
    for (size_t i = 0; i < ledger->count; i++)
        if (ledger->entries[i].category == category)
            sum += ledger->entries[i].amount; /* bounded by the total */
    *total = sum;
    return SKPI_OK;
}

int skpi_ledger_total_between(const skpi_ledger *ledger, int64_t from, int64_t to,
                              int64_t *total)
{
    if (!ledger || !total || to < from)
        return SKPI_EINVAL;
    int64_t sum = 0;
    for (size_t i = 0; i < ledger->count; i++)
        if (ledger->entries[i].start >= from && ledger->entries[i].start < to)
            sum += ledger->entries[i].amount;
    *total = sum;
    return SKPI_OK;
}

int skpi_ledger_set_rate(skpi_ledger *ledger, int tier, int64_t rate_per_hour)
{
    if (!ledger)
        return SKPI_EINVAL;
    if (tier < 0 || tier > SKPI_TIER_MAX)
        return skpi__fail(&ledger->error, SKPI_EINVAL, "tier: %d is not 0..%d", tier, SKPI_TIER_MAX);
    if (rate_per_hour < 0)
        return skpi__fail(&ledger->error, SKPI_EINVAL, "rate_per_hour: %lld is negative",
                          (long long)rate_per_hour);
    ledger->rates[tier] = rate_per_hour;
    ledger->has_rate[tier] = true;
    return skpi__succeed(&ledger->error, SKPI_OK);
}

int skpi_ledger_rate(const skpi_ledger *ledger, int tier, int64_t *rate_per_hour)
{
    if (!ledger || tier < 0 || tier > SKPI_TIER_MAX)
        return SKPI_EINVAL;
    if (!ledger->has_rate[tier])
        return SKPI_ABSENT;
    if (rate_per_hour)
        *rate_per_hour = ledger->rates[tier];
    return SKPI_OK;
}

int skpi_ledger_rate_count(const skpi_ledger *ledger)
{
    int n = 0;
    for (int t = 0; ledger && t <= SKPI_TIER_MAX; t++)
        n += ledger->has_rate[t];
    return n;
}

void skpi_ledger_clear_rates(skpi_ledger *ledger)
{
    if (!ledger)
        return;
    memset(ledger->has_rate, 0, sizeof ledger->has_rate);
    memset(ledger->rates, 0, sizeof ledger->rates);
}
