/* Internal view of the chains for the breakdowns: the arrays themselves. */
#ifndef SKPI_CHAINS_PRIVATE_H
#define SKPI_CHAINS_PRIVATE_H

#include <stdint.h>

#include "supportkpi/chains.h"

/* Contact indices chain by chain, each chain in stitching order: chain k is
 * order[starts[k] .. starts[k+1]). */
const uint32_t *skpi__chains_order(const skpi_chains *c);
const uint32_t *skpi__chains_starts(const skpi_chains *c);

/* Per chain: a skpi_chain_status, plus SKPI__CHAIN_PROVISIONAL when it is
 * resolved only provisionally. */
const uint8_t *skpi__chains_status(const skpi_chains *c);
#define SKPI__CHAIN_STATUS_MASK 3
#define SKPI__CHAIN_PROVISIONAL 4

#endif
