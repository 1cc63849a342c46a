/* Text rules shared by every handle that stores strings (SPEC §2: strings
 * must be valid UTF-8 and contain no NUL). */
#ifndef SKPI_UTF8_H
#define SKPI_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* skpi__utf8_valid() past its inline fast path. */
bool skpi__utf8_valid_slowly(const char *bytes, size_t len);

/* Whether the eight bytes at s are ASCII without NUL: no high bit set, and
 * no zero byte (the classic test: a byte b is zero iff (b - 1) & ~b has
 * its high bit set, and no borrow crosses bytes when no high bit is set). */
static inline bool skpi__ascii_word(const char *s)
{
    const uint64_t ones = UINT64_C(0x0101010101010101), highs = UINT64_C(0x8080808080808080);
    uint64_t w;
    memcpy(&w, s, 8);
    return ((w | ((w - ones) & ~w)) & highs) == 0;
}

/* Whether bytes[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) without a NUL byte.  Inline for the usual field,
 * ASCII of at most 16 bytes (an id or customer: two overlapping words; a
 * reason, channel or region: byte by byte): the loader checks five a row. */
static inline bool skpi__utf8_valid(const char *bytes, size_t len)
{
    if (len >= 8 && len <= 16)
        return (skpi__ascii_word(bytes) && skpi__ascii_word(bytes + len - 8))
               || skpi__utf8_valid_slowly(bytes, len);
    if (len < 8) {
        for (size_t i = 0; i < len; i++)
            if ((unsigned char)bytes[i] - 1u >= 0x7Fu)   /* NUL or not ASCII */
                return skpi__utf8_valid_slowly(bytes, len);
        return true;
    }
    return skpi__utf8_valid_slowly(bytes, len);
}

#endif
