/* UTF-8 validation after RFC 3629, table 1 of Unicode §3.9. */
#include "utf8.h"

#include <stdint.h>
#include <string.h>

/* Length of the sequence that starts with lead byte b, 0 if b cannot lead. */
static size_t sequence_length(uint8_t b)
{
    if (b < 0x80)
        return 1;
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0;
}

/* The allowed range of the second byte narrows for some lead bytes: that is
 * what rules out overlong forms, surrogates and code points past U+10FFFF. */
static bool second_byte_ok(uint8_t lead, uint8_t b)
{
    switch (lead) {
    case 0xE0: return b >= 0xA0 && b <= 0xBF;
    case 0xED: return b >= 0x80 && b <= 0x9F;
    case 0xF0: return b >= 0x90 && b <= 0xBF;
    case 0xF4: return b >= 0x80 && b <= 0x8F;
    default: return b >= 0x80 && b <= 0xBF;
    }
}

bool skpi__utf8_valid_slowly(const char *bytes, size_t len)
{
    const uint8_t *s = (const uint8_t *)bytes;
    size_t i = 0;
    /* Ids, customers and segments are nearly always ASCII: 8 bytes a step. */
    while (len - i >= 8 && skpi__ascii_word((const char *)s + i))
        i += 8;
    while (i < len) {
        uint8_t lead = s[i];
        if (lead == 0)
            return false;
        size_t n = sequence_length(lead);
        if (n == 0 || n > len - i)
            return false;
        if (n > 1 && !second_byte_ok(lead, s[i + 1]))
            return false;
        for (size_t k = 2; k < n; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        i += n;
    }
    return true;
}
