/* Internal: what the costs loader needs beyond the public ledger API. */
#ifndef SKPI_LEDGER_PRIVATE_H
#define SKPI_LEDGER_PRIVATE_H

#include "supportkpi/ledger.h"

/* Set the currency of a ledger (the loader learns it from the file's rows
 * after the entries).  code: three upper-case letters, already checked. */
void skpi__ledger_set_currency(skpi_ledger *ledger, const char *code);

/* Record a failure found outside the ledger's own calls (a rates load). */
void skpi__ledger_fail(skpi_ledger *ledger, int code, const char *message);

/* A 64-bit hash of everything that decides an allocation: currency,
 * entries (in order, with their scopes) and rates.  Equal ledgers give
 * equal fingerprints; explain uses it to refuse a ledger other than the
 * one its breakdown was computed with. */
uint64_t skpi__ledger_fingerprint(const skpi_ledger *ledger);

#endif
