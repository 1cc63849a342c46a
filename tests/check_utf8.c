/* UTF-8 validation: every ASCII/NUL/high-bit placement around the 8-byte
 * fast path, and random byte strings against a reference decoder written
 * from the Unicode ranges (not from utf8.c's tables). */
#include <check.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "suites.h"
#include "testutil.h"
#include "utf8.h"

/* Reference: decode each sequence and check its code point's range. */
static bool reference_valid(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        size_t n;
        if (s[i] == 0)
            return false;
        if (s[i] < 0x80) {
            i++;
            continue;
        }
        if ((s[i] & 0xE0) == 0xC0) { n = 2; cp = s[i] & 0x1F; }
        else if ((s[i] & 0xF0) == 0xE0) { n = 3; cp = s[i] & 0x0F; }
        else if ((s[i] & 0xF8) == 0xF0) { n = 4; cp = s[i] & 0x07; }
        else return false;
        if (len - i < n)
            return false;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (s[i + k] & 0x3F);
        }
        static const uint32_t least[5] = { 0, 0, 0x80, 0x800, 0x10000 };
        if (cp < least[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

static void assert_agrees(const uint8_t *s, size_t len)
{
    bool want = reference_valid(s, len);
    ck_assert_msg(skpi__utf8_valid((const char *)s, len) == want,
                  "length %zu: validator says %d, reference %d", len, !want, want);
}

/* One odd byte at every position of ASCII strings of every length up to
 * three words: the word test must see NULs and high bits anywhere. */
START_TEST(one_odd_byte_anywhere)
{
    static const uint8_t odd[] = { 0x00, 0x80, 0xC3, 0xFF, 0x7F, 0x01, 0xE9 };
    uint8_t s[24];
    for (size_t len = 0; len <= sizeof s; len++) {
        memset(s, 'a', sizeof s);
        ck_assert(skpi__utf8_valid((const char *)s, len));
        for (size_t at = 0; at < len; at++) {
            for (size_t k = 0; k < sizeof odd; k++) {
                memset(s, 'a', sizeof s);
                s[at] = odd[k];
                assert_agrees(s, len);
            }
        }
    }
}
END_TEST

/* Multi-byte sequences, good and bad, after ASCII prefixes of every length
 * (so they straddle the fast path's words). */
START_TEST(sequences_after_every_prefix)
{
    static const char *const seqs[] = {
        "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF",   /* good */
        "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF4\x90\x80\x80",      /* bad */
        "\xC3", "\xE2\x82", "\xF0\x9F\x98", "\xBF",                          /* cut */
    };
    uint8_t s[40];
    for (size_t prefix = 0; prefix <= 17; prefix++) {
        for (size_t k = 0; k < sizeof seqs / sizeof seqs[0]; k++) {
            size_t n = strlen(seqs[k]);
            memset(s, 'x', prefix);
            memcpy(s + prefix, seqs[k], n);
            assert_agrees(s, prefix + n);
            memcpy(s + prefix + n, "tail-of-ascii", 13);
            assert_agrees(s, prefix + n + 13);
        }
    }
    ck_assert(skpi__utf8_valid("\xC3\xA9", 2));
    ck_assert(!skpi__utf8_valid("\xED\xA0\x80", 3));
}
END_TEST

/* Random strings, mostly ASCII with some high bytes and NULs. */
START_TEST(random_strings_agree)
{
    test_rng rng;
    test_rng_seed(&rng, 8);
    uint8_t s[64];
    for (int round = 0; round < 200000; round++) {
        size_t len = test_rng_below(&rng, sizeof s + 1);
        for (size_t i = 0; i < len; i++) {
            uint32_t r = (uint32_t)test_rng_below(&rng, 100);
            s[i] = r < 85 ? (uint8_t)(0x20 + test_rng_below(&rng, 0x5F))
                 : r < 98 ? (uint8_t)(0x80 + test_rng_below(&rng, 0x80)) : 0;
        }
        assert_agrees(s, len);
    }
}
END_TEST

Suite *make_utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, one_odd_byte_anywhere);
    tcase_add_test(core, sequences_after_every_prefix);
    tcase_add_test(core, random_strings_agree);
    suite_add_tcase(s, core);
    return s;
}
