/* Text rules shared by every handle that stores strings (SPEC §2: strings
 * must be valid UTF-8 and contain no NUL). */
#ifndef SKPI_UTF8_H
#define SKPI_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Whether bytes[0..len) is well-formed UTF-8 (no overlongs, no surrogates,
 * nothing above U+10FFFF) without a NUL byte. */
bool skpi__utf8_valid(const char *bytes, size_t len);

#endif
