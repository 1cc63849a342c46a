/* Cost allocation (SPEC §4): every ledger entry shared among the contacts
 * opened in its period that match its scope, in proportion to its driver's
 * weights, exactly.  The breakdown hands in the row of every contact and
 * gets back, per row, the exact value of each money column. */
#ifndef SKPI_ALLOCATE_H
#define SKPI_ALLOCATE_H

#include <stdbool.h>
#include <stdint.h>

#include "supportkpi/ledger.h"
#include "supportkpi/records.h"
#include "exact.h"

enum skpi__money_column {
    SKPI__MONEY_COST,              /* standard allocation */
    SKPI__MONEY_FAILURE_DEMAND,    /* standard allocation, repeat contacts only */
    SKPI__MONEY_ADJUSTED_COST,     /* escalation-adjusted allocation */
    SKPI__MONEY_PREMIUM,           /* escalation premium */
    SKPI__MONEY_COLUMNS
};

typedef struct skpi__allocation {
    size_t rows;
    bool adjusted;                 /* escalation figures present (the ledger has rates) */
    skpi__denoms *denoms[2];       /* [0] standard, [1] escalation-adjusted */
    skpi__exact *values[SKPI__MONEY_COLUMNS];  /* rows + 1 each, the total last */
    int64_t ledger_total;
    int64_t unallocated;
    int64_t adjusted_unallocated;  /* SKPI_UNSET when !adjusted */
} skpi__allocation;

/* Which denominators a money column's values are over. */
const skpi__denoms *skpi__allocation_denoms(const skpi__allocation *a, int column);

/* Allocate the ledger over the first `contacts` records.  contact_row[i] is
 * contact i's row (< rows); bit i of repeats (byte i / 8) marks a repeat
 * contact.  On failure *out holds nothing to release and err says why:
 * SKPI_ENOTFOUND for a missing tier rate, SKPI_ERANGE for an entry whose
 * weights overflow int64, SKPI_ENOMEM. */
int skpi__allocate(skpi__allocation *out, const skpi_ledger *ledger,
                   const skpi_records *records, size_t contacts, const uint32_t *contact_row,
                   const uint8_t *repeats, size_t rows, skpi_error *err);

void skpi__allocation_release(skpi__allocation *a);

#endif
