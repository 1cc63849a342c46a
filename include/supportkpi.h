/**
 * @file supportkpi.h
 * @brief libsupportkpi: what a support organisation really pays to solve a
 *        customer's problem.  The one header to include.
 *
 * @mainpage libsupportkpi
 *
 * Raw contacts and a cost ledger in; cost per resolution, cost per ticket,
 * escalation-adjusted cost, failure-demand cost, first contact resolution and
 * the other support KPIs out, broken down by any segment.  The definitions
 * are in SPEC; the conventions (status codes, ownership, threads) in
 * doc/conventions.md and in the @ref conventions group.
 */
#ifndef SUPPORTKPI_H
#define SUPPORTKPI_H

#include "supportkpi/common.h"
#include "supportkpi/version.h"
#include "supportkpi/ledger.h"
#include "supportkpi/timefmt.h"
#include "supportkpi/records.h"
#include "supportkpi/chains.h"
#include "supportkpi/breakdown.h"
#include "supportkpi/load.h"
#include "supportkpi/format.h"
#include "supportkpi/explain.h"
#include "supportkpi/money.h"

#endif
