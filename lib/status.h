/* Recording failures: every handle embeds an skpi_error holding the code and
 * message of its last failure; pure functions fill the caller's, if any. */
#ifndef SKPI_STATUS_H
#define SKPI_STATUS_H

#include "supportkpi/common.h"

#if defined(__GNUC__) || defined(__clang__)
#define SKPI_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SKPI_PRINTF(f, a)
#endif

/* Record code and a printf-formatted message in err (which may be NULL);
 * returns code so that callers can `return skpi__fail(...)`. */
int skpi__fail(skpi_error *err, int code, const char *fmt, ...) SKPI_PRINTF(3, 4);

/* Record success (code 0 or SKPI_ABSENT, empty message) in err (may be
 * NULL); returns code. */
int skpi__succeed(skpi_error *err, int code);

#endif
