/* The string pool: ids, byte-exact interning, growth, rollback, and
 * allocation failures. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "strpool.h"
#include "suites.h"
#include "testutil.h"

static skpi__strpool pool;

static void setup(void)
{
    ck_assert_int_eq(skpi__strpool_init(&pool), SKPI_OK);
}

static void teardown(void)
{
    skpi__strpool_release(&pool);
}

static uint32_t intern(skpi__strpool *p, const char *s, size_t len, int expect_added)
{
    uint32_t id = UINT32_MAX;
    int added = -1;
    ck_assert_int_eq(skpi__strpool_intern(p, s, len, &id, &added), SKPI_OK);
    ck_assert_int_eq(added, expect_added);
    return id;
}

static uint32_t intern_str(skpi__strpool *p, const char *s, int expect_added)
{
    return intern(p, s, strlen(s), expect_added);
}

/* id resolves to exactly s[0..len) and find agrees. */
static void assert_resolves(const skpi__strpool *p, uint32_t id, const char *s, size_t len)
{
    const char *got = skpi__strpool_get(p, id);
    ck_assert_msg(memcmp(got, s, len) == 0 && got[len] == '\0', "id %u does not read back",
                  (unsigned)id);
    uint32_t found = UINT32_MAX;
    ck_assert_int_eq(skpi__strpool_find(p, s, len, &found), SKPI_OK);
    ck_assert_uint_eq(found, id);
}

START_TEST(id_zero_is_the_empty_string)
{
    ck_assert_uint_eq(skpi__strpool_count(&pool), 1);
    ck_assert_str_eq(skpi__strpool_get(&pool, 0), "");
    uint32_t id = 99;
    ck_assert_int_eq(skpi__strpool_find(&pool, "", 0, &id), SKPI_OK);
    ck_assert_uint_eq(id, 0);
    ck_assert_uint_eq(intern(&pool, "", 0, 0), 0);
    ck_assert_uint_eq(intern(&pool, "ignored", 0, 0), 0);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 1);
    ck_assert_uint_eq(intern_str(&pool, "x", 1), 1);
    ck_assert_uint_eq(intern(&pool, "", 0, 0), 0);
    ck_assert_str_eq(skpi__strpool_get(&pool, 0), "");
    ck_assert_uint_gt(skpi__strpool_bytes(&pool), 0);
}
END_TEST

START_TEST(same_bytes_same_id)
{
    uint32_t abc = intern_str(&pool, "abc", 1);
    ck_assert_uint_eq(abc, 1);
    ck_assert_uint_eq(intern_str(&pool, "abc", 0), abc);
    uint32_t abcd = intern_str(&pool, "abcd", 1);
    uint32_t ab = intern_str(&pool, "ab", 1);
    ck_assert_uint_eq(abcd, 2);
    ck_assert_uint_eq(ab, 3);
    /* a prefix of a longer argument is its own string */
    ck_assert_uint_eq(intern(&pool, "abcdef", 3, 0), abc);
    ck_assert_uint_eq(intern_str(&pool, "ABC", 1), 4);
    ck_assert_uint_eq(intern_str(&pool, "caf\xc3\xa9", 1), 5);
    ck_assert_uint_eq(intern_str(&pool, "abcd", 0), abcd);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 6);
    assert_resolves(&pool, abc, "abc", 3);
    assert_resolves(&pool, abcd, "abcd", 4);
    assert_resolves(&pool, ab, "ab", 2);
    assert_resolves(&pool, 5, "caf\xc3\xa9", 5);
}
END_TEST

/* Every byte but NUL, in strings of every length around the hash's 8-byte
 * steps, including strings that are prefixes of one another. */
START_TEST(every_byte_value)
{
    char all[255];
    for (int b = 1; b <= 255; b++)
        all[b - 1] = (char)b;
    uint32_t ids[256];
    for (int b = 1; b <= 255; b++) {
        char one = (char)b;
        ids[b] = intern(&pool, &one, 1, 1);
    }
    for (int b = 1; b <= 255; b++) {
        char one = (char)b;
        assert_resolves(&pool, ids[b], &one, 1);
    }
    uint32_t prefix[256];
    for (size_t len = 2; len <= 255; len++)
        prefix[len] = intern(&pool, all, len, 1);
    for (size_t len = 2; len <= 255; len++)
        assert_resolves(&pool, prefix[len], all, len);
    /* the same bytes from another buffer, and suffixes */
    char copy[255];
    memcpy(copy, all, sizeof copy);
    for (size_t len = 2; len <= 255; len++)
        ck_assert_uint_eq(intern(&pool, copy, len, 0), prefix[len]);
    for (size_t from = 1; from < 254; from++)   /* the last byte alone is a single */
        assert_resolves(&pool, intern(&pool, all + from, 255 - from, 1), all + from, 255 - from);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 1 + 255 + 254 + 253);
}
END_TEST

/* Short strings repeat through a memo (strpool.c): strings of every length
 * it holds, and just past it, that differ in a single byte at any position
 * get their own ids, and every repeat answers the first id. */
START_TEST(short_strings_differ_in_any_byte)
{
    enum { MAX_LEN = 18 };
    uint32_t ids[MAX_LEN + 1][MAX_LEN][2];
    char s[MAX_LEN];
    for (int round = 0; round < 3; round++) {
        for (size_t len = 1; len <= MAX_LEN; len++) {
            for (size_t at = 0; at < len; at++) {
                for (int variant = 0; variant < 2; variant++) {
                    memset(s, 'a', len);
                    s[at] = variant ? 'b' : '\x80';
                    uint32_t id = intern(&pool, s, len, round == 0);
                    if (round == 0)
                        ids[len][at][variant] = id;
                    ck_assert_uint_eq(id, ids[len][at][variant]);
                    assert_resolves(&pool, id, s, len);
                }
            }
        }
    }
    /* and the all-'a' strings were never interned: each is new */
    for (size_t len = 1; len <= MAX_LEN; len++) {
        memset(s, 'a', len);
        uint32_t id = intern(&pool, s, len, 1);
        ck_assert_uint_eq(intern(&pool, s, len, 0), id);
    }
}
END_TEST

/* Unique strings (contact ids) never make a memo; the first repeat does. */
START_TEST(memo_comes_with_the_first_repeat)
{
    char buf[16];
    for (unsigned i = 0; i < 100; i++) {
        int len = snprintf(buf, sizeof buf, "C%05u", 99 - i);
        intern(&pool, buf, (size_t)len, 1);
    }
    ck_assert_ptr_null(pool.memo);
    ck_assert_uint_eq(intern_str(&pool, "C00042", 0), 58);
    ck_assert_ptr_nonnull(pool.memo);
    ck_assert_uint_eq(intern_str(&pool, "C00042", 0), 58);
}
END_TEST

/* A truncation forgets the memoised ids it drops: the same strings come
 * back as new ids, not as the old ones. */
START_TEST(truncate_forgets_memoised_strings)
{
    static const char *const words[] = { "voice", "email", "chat", "web" };
    for (int round = 0; round < 4; round++)
        for (uint32_t w = 0; w < 4; w++)
            ck_assert_uint_eq(intern_str(&pool, words[w], round == 0), w + 1);
    skpi__strpool_truncate(&pool, 2);   /* keeps "voice" */
    ck_assert_uint_eq(intern_str(&pool, "voice", 0), 1);
    ck_assert_uint_eq(intern_str(&pool, "web", 1), 2);
    ck_assert_uint_eq(intern_str(&pool, "chat", 1), 3);
    ck_assert_uint_eq(intern_str(&pool, "email", 1), 4);
    for (uint32_t w = 0; w < 4; w++)
        ck_assert_uint_eq(intern_str(&pool, words[w], 0), w == 0 ? 1 : 5 - w);
    assert_resolves(&pool, 2, "web", 3);
}
END_TEST

START_TEST(many_strings_grow_the_table)
{
    enum { N = 100000 };
    char buf[32];
    size_t bytes_before = skpi__strpool_bytes(&pool);
    for (unsigned i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "s%u-%x", i, i * 2654435761u);
        ck_assert_uint_eq(intern(&pool, buf, (size_t)len, 1), i + 1);
    }
    ck_assert_uint_eq(skpi__strpool_count(&pool), N + 1);
    ck_assert_uint_gt(skpi__strpool_bytes(&pool), bytes_before + N * 4);
    for (unsigned i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "s%u-%x", i, i * 2654435761u);
        assert_resolves(&pool, i + 1, buf, (size_t)len);
        ck_assert_uint_eq(intern(&pool, buf, (size_t)len, 0), i + 1);
    }
    ck_assert_uint_eq(skpi__strpool_count(&pool), N + 1);
    uint32_t id;
    ck_assert_int_eq(skpi__strpool_find(&pool, "s100000-0", 9, &id), SKPI_ENOTFOUND);
}
END_TEST

/* Long strings looked up among short ones (probing compares against strings
 * far shorter than the key) and short ones among long ones. */
START_TEST(long_and_short_strings_mix)
{
    enum { LONG = 65536 };
    char *key = malloc(LONG);
    ck_assert_ptr_nonnull(key);
    char buf[16];
    for (unsigned i = 0; i < 40; i++) {
        int len = snprintf(buf, sizeof buf, "%u", i);
        intern(&pool, buf, (size_t)len, 1);
    }
    for (unsigned k = 0; k < 60; k++) {
        memset(key, 'a' + (int)(k % 26), LONG);
        snprintf(key, 16, "%u", k);   /* starts like a short string ... */
        key[strlen(key)] = '#';       /* ... but goes on */
        uint32_t id;
        ck_assert_int_eq(skpi__strpool_find(&pool, key, LONG - k, &id), SKPI_ENOTFOUND);
        uint32_t added = intern(&pool, key, LONG - k, 1);
        assert_resolves(&pool, added, key, LONG - k);
        for (unsigned i = 0; i < 40; i++) {
            int len = snprintf(buf, sizeof buf, "%u", i);
            assert_resolves(&pool, i + 1, buf, (size_t)len);
        }
    }
    free(key);
}
END_TEST

START_TEST(find_does_not_add)
{
    uint32_t id = 1234;
    ck_assert_int_eq(skpi__strpool_find(&pool, "voice", 5, &id), SKPI_ENOTFOUND);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 1);
    ck_assert_uint_eq(intern_str(&pool, "voice", 1), 1);
    ck_assert_int_eq(skpi__strpool_find(&pool, "voice", 5, &id), SKPI_OK);
    ck_assert_uint_eq(id, 1);
    ck_assert_int_eq(skpi__strpool_find(&pool, "voic", 4, &id), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi__strpool_find(&pool, "voices", 6, &id), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi__strpool_find(&pool, "Voice", 5, &id), SKPI_ENOTFOUND);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 2);
}
END_TEST

static int make_name(char *buf, size_t cap, const char *prefix, unsigned i)
{
    return snprintf(buf, cap, "%s%u", prefix, i);
}

START_TEST(truncate_forgets_and_reinterns)
{
    char buf[32];
    for (unsigned i = 0; i < 1000; i++) {
        int len = make_name(buf, sizeof buf, "keep", i);
        intern(&pool, buf, (size_t)len, 1);
    }
    size_t mark = skpi__strpool_count(&pool);
    size_t bytes_mark = pool.bytes_len;
    for (unsigned i = 0; i < 3000; i++) {
        int len = make_name(buf, sizeof buf, "gone", i);
        intern(&pool, buf, (size_t)len, 1);
    }
    skpi__strpool_truncate(&pool, mark);
    ck_assert_uint_eq(skpi__strpool_count(&pool), mark);
    ck_assert_uint_eq(pool.bytes_len, bytes_mark);
    uint32_t id;
    for (unsigned i = 0; i < 3000; i++) {
        int len = make_name(buf, sizeof buf, "gone", i);
        ck_assert_int_eq(skpi__strpool_find(&pool, buf, (size_t)len, &id), SKPI_ENOTFOUND);
    }
    for (unsigned i = 0; i < 1000; i++) {
        int len = make_name(buf, sizeof buf, "keep", i);
        assert_resolves(&pool, i + 1, buf, (size_t)len);
    }
    /* re-interned in another order, the ids continue from the mark */
    for (unsigned i = 0; i < 3000; i++) {
        int len = make_name(buf, sizeof buf, "gone", 2999 - i);
        ck_assert_uint_eq(intern(&pool, buf, (size_t)len, 1), mark + i);
    }
    for (unsigned i = 0; i < 3000; i++) {
        int len = make_name(buf, sizeof buf, "gone", 2999 - i);
        assert_resolves(&pool, (uint32_t)(mark + i), buf, (size_t)len);
    }
    /* a truncation past the end does nothing; to 0 keeps "" */
    skpi__strpool_truncate(&pool, skpi__strpool_count(&pool) + 10);
    ck_assert_uint_eq(skpi__strpool_count(&pool), mark + 3000);
    skpi__strpool_truncate(&pool, 0);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 1);
    ck_assert_str_eq(skpi__strpool_get(&pool, 0), "");
    ck_assert_int_eq(skpi__strpool_find(&pool, "keep0", 5, &id), SKPI_ENOTFOUND);
    ck_assert_uint_eq(intern_str(&pool, "keep5", 1), 1);
    ck_assert_uint_eq(intern_str(&pool, "keep0", 1), 2);
    assert_resolves(&pool, 1, "keep5", 5);
}
END_TEST

/* A truncation never allocates (rollback must not fail). */
START_TEST(truncate_never_allocates)
{
    skpi__strpool p;
    test_alloc_start(-1);
    ck_assert_int_eq(skpi__strpool_init(&p), SKPI_OK);
    char buf[32];
    for (unsigned i = 0; i < 500; i++) {
        int len = make_name(buf, sizeof buf, "v", i);
        intern(&p, buf, (size_t)len, 1);
    }
    long live = test_alloc_live_total();
    test_alloc_rearm(0);
    skpi__strpool_truncate(&p, 17);
    ck_assert(!test_alloc_failed());
    ck_assert_uint_eq(skpi__strpool_count(&p), 17);
    assert_resolves(&p, 16, "v15", 3);
    ck_assert_int_eq(test_alloc_live_total(), live);
    test_alloc_rearm(-1);
    skpi__strpool_release(&p);
    ck_assert_int_eq(test_alloc_live_total(), 0);
    test_alloc_restore();
}
END_TEST

/* Fail allocation N of skpi__strpool_init, N = 0, 1 ...: the failure is a
 * clean ENOMEM, the pool can be released (as records.c does) and nothing
 * leaks or is freed twice. */
START_TEST(failed_init_leaves_no_trace)
{
    int succeeded = 0;
    for (long n = 0; !succeeded; n++) {
        skpi__strpool p;
        test_alloc_install(n);
        int rc = skpi__strpool_init(&p);
        if (rc == SKPI_OK) {
            succeeded = 1;
            ck_assert_uint_eq(skpi__strpool_count(&p), 1);
        } else {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert_int_eq(test_alloc_live(), 0);
        }
        skpi__strpool_release(&p);
        ck_assert_int_eq(test_alloc_live(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 100);
    }
}
END_TEST

/* Fail allocation N, N = 0, 1 ... while interning new strings (which grows
 * the bytes, the offsets and the table): the failed intern leaves the pool as
 * it was, every earlier string still found, and no block leaked. */
START_TEST(failed_intern_changes_nothing)
{
    char buf[64];
    int done = 0;
    for (long n = 0; !done; n++) {
        skpi__strpool p;
        test_alloc_start(-1);
        ck_assert_int_eq(skpi__strpool_init(&p), SKPI_OK);
        for (unsigned i = 0; i < 40; i++) {
            int len = make_name(buf, sizeof buf, "before", i);
            intern(&p, buf, (size_t)len, 1);
        }
        test_alloc_rearm(n);
        unsigned i = 0;
        int rc = SKPI_OK;
        size_t count = 0;
        for (; i < 300 && rc == SKPI_OK; i++) {
            int len = make_name(buf, sizeof buf, "new-string-of-some-length-", i);
            count = skpi__strpool_count(&p);
            uint32_t id;
            int added;
            rc = skpi__strpool_intern(&p, buf, (size_t)len, &id, &added);
        }
        if (rc == SKPI_OK) {
            done = 1;
            ck_assert(!test_alloc_failed());
            ck_assert_uint_eq(skpi__strpool_count(&p), 341);
        } else {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert_uint_eq(skpi__strpool_count(&p), count);
            uint32_t id;
            ck_assert_int_eq(skpi__strpool_find(&p, buf, strlen(buf), &id), SKPI_ENOTFOUND);
            test_alloc_rearm(-1);
            for (unsigned k = 0; k < 40; k++) {
                int len = make_name(buf, sizeof buf, "before", k);
                assert_resolves(&p, k + 1, buf, (size_t)len);
            }
            for (unsigned k = 0; k + 1 < i; k++) {
                int len = make_name(buf, sizeof buf, "new-string-of-some-length-", k);
                assert_resolves(&p, 41 + k, buf, (size_t)len);
            }
            /* and the pool still works */
            int len = make_name(buf, sizeof buf, "new-string-of-some-length-", i - 1);
            ck_assert_uint_eq(intern(&p, buf, (size_t)len, 1), count);
        }
        test_alloc_rearm(-1);
        skpi__strpool_release(&p);
        ck_assert_int_eq(test_alloc_live_total(), 0);
        test_alloc_restore();
        ck_assert_int_lt(n, 1000);
    }
}
END_TEST

/* Strings added in increasing order keep no hash table: the pool holds
 * their bytes and offsets only.  Lookups of present and absent strings work
 * in that mode; the first string out of order builds the table, and every
 * string is still found afterwards. */
/* strcmp()'s order on unsigned bytes, for qsort: the oracle. */
static int compare_c_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Strings of 1 to 20 bytes over an alphabet with high bytes, sorted by
 * strcmp(): in that order they keep the pool ordered (each one sorts after
 * the last, whatever its length), and each is found again. */
START_TEST(ordered_pool_orders_as_strcmp)
{
    enum { N = 3000, MAX_LEN = 20 };
    static const char alphabet[] = { 'a', 'b', '\x7f', '\x80', '\xff' };
    char *strings[N];
    test_rng rng;
    test_rng_seed(&rng, 7);
    for (int i = 0; i < N; i++) {
        size_t len = 1 + (size_t)test_rng_below(&rng, MAX_LEN);
        strings[i] = calloc(len + 1, 1);
        for (size_t k = 0; k < len; k++)
            strings[i][k] = alphabet[test_rng_below(&rng, sizeof alphabet)];
    }
    qsort(strings, N, sizeof strings[0], compare_c_strings);
    size_t distinct = 0;
    for (int i = 0; i < N; i++) {
        if (distinct > 0 && strcmp(strings[distinct - 1], strings[i]) == 0) {
            free(strings[i]);
            continue;
        }
        strings[distinct++] = strings[i];
    }
    for (size_t i = 0; i < distinct; i++)
        ck_assert_uint_eq(intern_str(&pool, strings[i], 1), i + 1);
    ck_assert_int_eq(pool.ordered, 1);
    for (size_t i = 0; i < distinct; i++) {
        assert_resolves(&pool, (uint32_t)(i + 1), strings[i], strlen(strings[i]));
        ck_assert_uint_eq(intern_str(&pool, strings[i], 0), i + 1);
    }
    ck_assert_int_eq(pool.ordered, 1);
    for (size_t i = 0; i < distinct; i++)
        free(strings[i]);
}
END_TEST

START_TEST(ordered_strings_keep_no_table)
{
    enum { N = 20000 };
    char buf[32];
    for (unsigned i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "C%07u", i);
        ck_assert_uint_eq(intern(&pool, buf, (size_t)len, 1), i + 1);
    }
    /* 9 bytes of string and 4 of offset per id: no 5-byte table slot on top */
    skpi__strpool_trim(&pool);
    ck_assert_uint_lt(skpi__strpool_bytes(&pool), (size_t)N * 14);
    uint32_t id;
    ck_assert_int_eq(skpi__strpool_find(&pool, "C0000005x", 9, &id), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi__strpool_find(&pool, "B", 1, &id), SKPI_ENOTFOUND);
    ck_assert_int_eq(skpi__strpool_find(&pool, "D", 1, &id), SKPI_ENOTFOUND);
    ck_assert_uint_eq(intern_str(&pool, "C0000123", 0), 124);
    ck_assert_uint_eq(intern_str(&pool, "C0019999", 0), N);
    size_t ordered_bytes = skpi__strpool_bytes(&pool);
    ck_assert_uint_eq(intern_str(&pool, "A-out-of-order", 1), N + 1);
    ck_assert_uint_gt(skpi__strpool_bytes(&pool), ordered_bytes + (size_t)N * 4);
    for (unsigned i = 0; i < N; i++) {
        int len = snprintf(buf, sizeof buf, "C%07u", i);
        assert_resolves(&pool, i + 1, buf, (size_t)len);
    }
    assert_resolves(&pool, N + 1, "A-out-of-order", 14);
    ck_assert_uint_eq(intern_str(&pool, "C0000000", 0), 1);
}
END_TEST

/* A prefix of an ordered pool is ordered: truncating keeps the mode, and a
 * string equal to one truncated away is new again. */
START_TEST(truncate_keeps_an_ordered_pool_ordered)
{
    const char *names[] = { "a", "ab", "abc", "b", "ba" };
    for (unsigned i = 0; i < 5; i++)
        ck_assert_uint_eq(intern_str(&pool, names[i], 1), i + 1);
    size_t ordered_bytes = skpi__strpool_bytes(&pool);
    skpi__strpool_truncate(&pool, 3);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 3);
    uint32_t id;
    ck_assert_int_eq(skpi__strpool_find(&pool, "abc", 3, &id), SKPI_ENOTFOUND);
    ck_assert_uint_eq(intern_str(&pool, "abc", 1), 3);
    ck_assert_uint_eq(intern_str(&pool, "ab", 0), 2);
    /* still ordered: no table (the repeat of "ab" made only the memo) */
    ck_assert_int_eq(pool.ordered, 1);
    ck_assert_ptr_null(pool.slots);
    ck_assert_uint_le(skpi__strpool_bytes(&pool), ordered_bytes + 128 * 24);
    for (unsigned i = 0; i < 3; i++)
        assert_resolves(&pool, i + 1, names[i], strlen(names[i]));
}
END_TEST

/* The table an out-of-order string needs cannot be allocated: the intern
 * fails and the pool is as it was, still ordered and working. */
START_TEST(failed_table_build_keeps_the_ordered_pool)
{
    char buf[32];
    skpi__strpool p;
    test_alloc_start(-1);
    ck_assert_int_eq(skpi__strpool_init(&p), SKPI_OK);
    for (unsigned i = 0; i < 100; i++) {
        int len = snprintf(buf, sizeof buf, "id%04u", i);
        intern(&p, buf, (size_t)len, 1);
    }
    test_alloc_rearm(0);
    uint32_t id = 0;
    int added = -1;
    ck_assert_int_eq(skpi__strpool_intern(&p, "a", 1, &id, &added), SKPI_ENOMEM);
    ck_assert_int_eq(added, 0);
    ck_assert_uint_eq(skpi__strpool_count(&p), 101);
    test_alloc_rearm(-1);
    ck_assert_int_eq(skpi__strpool_find(&p, "a", 1, &id), SKPI_ENOTFOUND);
    for (unsigned i = 0; i < 100; i++) {
        int len = snprintf(buf, sizeof buf, "id%04u", i);
        assert_resolves(&p, i + 1, buf, (size_t)len);
    }
    ck_assert_uint_eq(intern(&p, "id0100", 6, 1), 101);   /* still in order */
    ck_assert_uint_eq(intern(&p, "a", 1, 1), 102);
    assert_resolves(&p, 50, "id0049", 6);
    skpi__strpool_release(&p);
    ck_assert_int_eq(test_alloc_live_total(), 0);
    test_alloc_restore();
}
END_TEST

/* Trimming gives back the strings' growth room; every id still resolves
 * and is still found. */
START_TEST(trim_keeps_strings)
{
    char text[16];
    for (int i = 0; i < 500; i++) {
        snprintf(text, sizeof text, "s%d", i);
        intern_str(&pool, text, 1);
    }
    ck_assert_uint_gt(pool.bytes_cap, pool.bytes_len);
    size_t before = skpi__strpool_bytes(&pool);
    skpi__strpool_trim(&pool);
    ck_assert_uint_eq(pool.bytes_cap, pool.bytes_len);
    ck_assert_uint_lt(skpi__strpool_bytes(&pool), before);
    for (int i = 0; i < 500; i++) {
        snprintf(text, sizeof text, "s%d", i);
        uint32_t id;
        ck_assert_int_eq(skpi__strpool_find(&pool, text, strlen(text), &id), SKPI_OK);
        ck_assert_str_eq(skpi__strpool_get(&pool, id), text);
    }
    intern_str(&pool, "after", 1);
    ck_assert_uint_eq(skpi__strpool_count(&pool), 502);
}
END_TEST

Suite *make_strpool_suite(void)
{
    Suite *s = suite_create("strpool");
    TCase *core = tcase_create("Core");
    tcase_add_checked_fixture(core, setup, teardown);
    tcase_add_test(core, id_zero_is_the_empty_string);
    tcase_add_test(core, trim_keeps_strings);
    tcase_add_test(core, same_bytes_same_id);
    tcase_add_test(core, every_byte_value);
    tcase_add_test(core, short_strings_differ_in_any_byte);
    tcase_add_test(core, truncate_forgets_memoised_strings);
    tcase_add_test(core, memo_comes_with_the_first_repeat);
    tcase_add_test(core, find_does_not_add);
    tcase_add_test(core, truncate_forgets_and_reinterns);
    tcase_add_test(core, ordered_strings_keep_no_table);
    tcase_add_test(core, ordered_pool_orders_as_strcmp);
    tcase_add_test(core, truncate_keeps_an_ordered_pool_ordered);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_set_timeout(limits, 120);
    tcase_add_checked_fixture(limits, setup, teardown);
    tcase_add_test(limits, many_strings_grow_the_table);
    tcase_add_test(limits, long_and_short_strings_mix);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_set_timeout(errors, 120);
    tcase_add_test(errors, truncate_never_allocates);
    tcase_add_test(errors, failed_init_leaves_no_trace);
    tcase_add_test(errors, failed_intern_changes_nothing);
    tcase_add_test(errors, failed_table_build_keeps_the_ordered_pool);
    suite_add_tcase(s, errors);
    return s;
}
