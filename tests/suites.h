/* The suites of the unit-test runner, one per module of lib/. */
#ifndef SKPI_SUITES_H
#define SKPI_SUITES_H

#include <check.h>

Suite *make_status_suite(void);
Suite *make_ledger_suite(void);

#endif
