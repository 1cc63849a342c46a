/* The suites of the unit-test runner, one per module of lib/. */
#ifndef SKPI_SUITES_H
#define SKPI_SUITES_H

#include <check.h>

Suite *make_status_suite(void);
Suite *make_utf8_suite(void);
Suite *make_ledger_suite(void);
Suite *make_intcol_suite(void);
Suite *make_strpool_suite(void);
Suite *make_records_suite(void);
Suite *make_csv_suite(void);
Suite *make_timefmt_suite(void);
Suite *make_money_suite(void);
Suite *make_exact_suite(void);
Suite *make_chains_suite(void);
Suite *make_breakdown_suite(void);
Suite *make_load_suite(void);
Suite *make_allocate_suite(void);
Suite *make_explain_suite(void);
Suite *make_write_suite(void);
Suite *make_faults_suite(void);

#endif
