/* Internal: what explain needs to know of a breakdown beyond the public API. */
#ifndef SKPI_BREAKDOWN_PRIVATE_H
#define SKPI_BREAKDOWN_PRIVATE_H

#include <stdint.h>

#include "supportkpi/breakdown.h"

/* The fingerprint of the ledger the breakdown allocated (0 without one). */
uint64_t skpi__breakdown_ledger_fingerprint(const skpi_breakdown *b);

#endif
