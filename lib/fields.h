/* The names of the contact fields of SPEC §2/§8.  A dimension may not take
 * one of them, and neither may a ledger scope key. */
#ifndef SKPI_FIELDS_H
#define SKPI_FIELDS_H

#include <stdbool.h>

/* Whether name is one of id, customer, reason, channel, opened_at,
 * first_response_at, closed_at, handle_seconds, tier, escalations, outcome,
 * reopens, csat. */
bool skpi__is_contact_field(const char *name);

#endif
