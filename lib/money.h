/* Checked integer arithmetic shared by the modules that compute money and
 * ratios: 128-bit intermediates, floor division, rounding half to even, and
 * int64 operations that report overflow instead of wrapping. */
#ifndef SKPI_MONEY_H
#define SKPI_MONEY_H

#include <stdint.h>

#include "supportkpi/common.h"

/* Exactness rests on 128-bit intermediates: we build with gcc or clang on
 * 64-bit targets, which provide them. */
#ifndef __SIZEOF_INT128__
#error "libsupportkpi needs a compiler with __int128 (gcc or clang on a 64-bit target)"
#endif

/* __extension__ keeps -pedantic builds quiet about the GNU type. */
__extension__ typedef __int128 skpi__i128;
__extension__ typedef unsigned __int128 skpi__u128;

/* num / den rounded half to even into *out.  den != 0; any signs.
 * Returns SKPI_OK, or SKPI_ERANGE (out untouched) when the result does not
 * fit int64. */
int skpi__div_half_even(skpi__i128 num, skpi__i128 den, int64_t *out);

/* floor(a / b) and a - b * floor(a / b) (the result has the sign of b).
 * b != 0, and not a == INT128_MIN with b == -1. */
skpi__i128 skpi__floor_div128(skpi__i128 a, skpi__i128 b);
skpi__i128 skpi__floor_mod128(skpi__i128 a, skpi__i128 b);

/* Greatest common divisor; gcd(a, 0) = a. */
uint64_t skpi__gcd_u64(uint64_t a, uint64_t b);

/* *out = a + b, a - b, a * b.  Return SKPI_OK, or SKPI_ERANGE with *out
 * untouched when the exact result does not fit int64. */
int skpi__add64(int64_t a, int64_t b, int64_t *out);
int skpi__sub64(int64_t a, int64_t b, int64_t *out);
int skpi__mul64(int64_t a, int64_t b, int64_t *out);

/* num / den rounded half to even to 9 decimals, as a count of 1e-9 units.
 * Returns SKPI_OK; SKPI_ABSENT when den == 0 (nanos untouched); SKPI_ERANGE
 * when the result does not fit int64 (nanos untouched). */
int skpi__ratio_nanos(int64_t num, int64_t den, int64_t *nanos);

#endif
