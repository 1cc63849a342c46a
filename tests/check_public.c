/* Linked against the installed library only: what a user can reach through
 * supportkpi.h, with every internal symbol hidden. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"

START_TEST(version_is_the_headers_version)
{
    ck_assert_str_eq(skpi_version_string(), SKPI_VERSION_STRING);
    ck_assert_int_eq(skpi_version_number(), SKPI_VERSION_NUMBER);
}
END_TEST

START_TEST(ledger_through_the_public_surface)
{
    skpi_ledger *l = NULL;
    ck_assert_int_eq(skpi_ledger_new(&l, "USD", NULL), SKPI_OK);
    ck_assert_int_eq(skpi_ledger_add_entry(l, SKPI_CATEGORY_OVERHEAD, 5000000, 0, 7776000,
                                           SKPI_DRIVER_CONTACTS, NULL, 0, NULL, NULL), SKPI_OK);
    int64_t total = 0;
    ck_assert_int_eq(skpi_ledger_total(l, &total), SKPI_OK);
    ck_assert_int_eq(total, 5000000);
    ck_assert_int_eq(skpi_ledger_add_entry(l, 9, 1, 0, 1, 0, NULL, 0, NULL, NULL), SKPI_EINVAL);
    ck_assert_str_eq(skpi_strerror(skpi_ledger_errcode(l)), skpi_strerror(SKPI_EINVAL));
    skpi_ledger_free(l);
}
END_TEST

START_TEST(money_through_the_public_surface)
{
    int64_t cpr = 0;
    ck_assert_int_eq(skpi_cpr(5000000, 1000, &cpr, NULL), SKPI_OK);
    ck_assert_int_eq(cpr, 5000);
    ck_assert_int_eq(skpi_cpt(5000000, 0, &cpr, NULL), SKPI_ABSENT);
    const int64_t weights[] = { 1, 1, 1 };
    int64_t shares[3];
    ck_assert_int_eq(skpi_apportion(100, weights, 3, shares, NULL), SKPI_OK);
    ck_assert_int_eq(shares[0] + shares[1] + shares[2], 100);
    const int64_t times[] = { 30, 10, 20, 40 };
    int64_t median = 0;
    ck_assert_int_eq(skpi_median(times, 4, &median, NULL), SKPI_OK);
    ck_assert_int_eq(median, 20);
    int64_t nanos = 0;
    ck_assert_int_eq(skpi_ratio_nanos(2, 3, &nanos, NULL), SKPI_OK);
    ck_assert_int_eq(nanos, 666666667);
    ck_assert_int_eq(skpi_nanos_per_unit(), 1000000000);
    skpi_error err;
    ck_assert_int_eq(skpi_apportion(-1, weights, 3, shares, &err), SKPI_EINVAL);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("public");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, version_is_the_headers_version);
    tcase_add_test(core, ledger_through_the_public_surface);
    tcase_add_test(core, money_through_the_public_surface);
    suite_add_tcase(s, core);
    SRunner *runner = srunner_create(s);
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
