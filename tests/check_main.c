/* The unit-test runner: one suite per library module. */
#include <check.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    SRunner *runner = srunner_create(make_status_suite());
    srunner_add_suite(runner, make_ledger_suite());
    srunner_add_suite(runner, make_intcol_suite());
    srunner_add_suite(runner, make_utf8_suite());
    srunner_add_suite(runner, make_strpool_suite());
    srunner_add_suite(runner, make_records_suite());
    srunner_add_suite(runner, make_csv_suite());
    srunner_add_suite(runner, make_timefmt_suite());
    srunner_add_suite(runner, make_money_suite());
    srunner_add_suite(runner, make_exact_suite());
    srunner_add_suite(runner, make_chains_suite());
    srunner_add_suite(runner, make_breakdown_suite());
    srunner_add_suite(runner, make_load_suite());
    srunner_add_suite(runner, make_allocate_suite());
    srunner_add_suite(runner, make_explain_suite());
    srunner_add_suite(runner, make_write_suite());
    srunner_add_suite(runner, make_faults_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
