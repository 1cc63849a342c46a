/* Status codes, version, allocator hook. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "alloc.h"
#include "status.h"
#include "suites.h"
#include "testutil.h"

START_TEST(version_macros_agree_with_runtime)
{
    char expected[32];
    snprintf(expected, sizeof expected, "%d.%d.%d", SKPI_VERSION_MAJOR, SKPI_VERSION_MINOR,
             SKPI_VERSION_PATCH);
    ck_assert_str_eq(SKPI_VERSION_STRING, expected);
    ck_assert_str_eq(skpi_version_string(), expected);
    ck_assert_int_eq(skpi_version_number(),
                     SKPI_VERSION_MAJOR * 10000 + SKPI_VERSION_MINOR * 100 + SKPI_VERSION_PATCH);
    ck_assert_int_eq(skpi_version_number(), SKPI_VERSION_NUMBER);
}
END_TEST

START_TEST(every_status_has_its_own_text)
{
    const int codes[] = { SKPI_OK, SKPI_ABSENT, SKPI_EINVAL, SKPI_ENOMEM, SKPI_ERANGE,
                          SKPI_EDUPLICATE, SKPI_ENOTFOUND, SKPI_ESYNTAX, SKPI_EIO,
                          SKPI_ENOSPACE, SKPI_EDATA };
    const size_t n = sizeof codes / sizeof codes[0];
    const char *unknown = skpi_strerror(12345);
    for (size_t i = 0; i < n; i++) {
        ck_assert_str_ne(skpi_strerror(codes[i]), unknown);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(skpi_strerror(codes[i]), skpi_strerror(codes[j]));
    }
    ck_assert_int_eq((int)skpi_error_message_size(), SKPI_ERROR_MESSAGE_SIZE);
    ck_assert(skpi_unset() == INT64_MIN);
}
END_TEST

START_TEST(fail_records_code_and_message)
{
    skpi_error err = { 0, "" };
    ck_assert_int_eq(skpi__fail(&err, SKPI_EINVAL, "field %s: %d", "tier", 12), SKPI_EINVAL);
    ck_assert_int_eq(err.code, SKPI_EINVAL);
    ck_assert_str_eq(err.message, "field tier: 12");
    ck_assert_int_eq(skpi__succeed(&err, SKPI_ABSENT), SKPI_ABSENT);
    ck_assert_str_eq(err.message, "");
    ck_assert_int_eq(skpi__fail(NULL, SKPI_ERANGE, "ignored"), SKPI_ERANGE);
}
END_TEST

START_TEST(fail_truncates_long_messages)
{
    skpi_error err;
    char big[1000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    skpi__fail(&err, SKPI_EINVAL, "%s", big);
    ck_assert_uint_eq(strlen(err.message), SKPI_ERROR_MESSAGE_SIZE - 1);
}
END_TEST

START_TEST(allocator_hook_sees_every_allocation)
{
    test_alloc_install(-1);
    void *p = skpi__malloc(10);
    p = skpi__realloc(p, 100);
    char *s = skpi__strndup("abc", 3);
    ck_assert_int_eq(test_alloc_calls(), 3);
    ck_assert_int_eq(test_alloc_live(), 2);
    skpi__free(p);
    skpi__free(s);
    skpi__free(NULL);
    ck_assert_int_eq(test_alloc_live(), 0);
    test_alloc_restore();
}
END_TEST

START_TEST(allocator_rejects_partial_hooks)
{
    ck_assert_int_eq(skpi_set_allocator(malloc, NULL, free), SKPI_EINVAL);
    ck_assert_int_eq(skpi_set_allocator(NULL, NULL, NULL), SKPI_OK);
}
END_TEST

START_TEST(reserve_keeps_array_on_failure)
{
    size_t cap = 0;
    void *arr = NULL;
    test_alloc_install(-1);
    ck_assert_int_eq(skpi__reserve(&arr, &cap, 3, sizeof(int)), SKPI_OK);
    ck_assert_uint_ge(cap, 3);
    void *before = arr;
    size_t cap_before = cap;
    test_alloc_install(0);
    ck_assert_int_eq(skpi__reserve(&arr, &cap, cap + 1, sizeof(int)), SKPI_ENOMEM);
    ck_assert_ptr_eq(arr, before);
    ck_assert_uint_eq(cap, cap_before);
    ck_assert_int_eq(skpi__reserve(&arr, &cap, SIZE_MAX / 2, sizeof(int)), SKPI_ERANGE);
    skpi__free(arr);
    test_alloc_restore();
}
END_TEST

/* Blocks of 4 MiB and more are faulted in at once (alloc.c): that must
 * not change what they hold, through malloc, realloc up and down, and
 * calloc, with the default allocator and with a hook. */
static void large_blocks_round_trip(void)
{
    size_t big = (size_t)6 << 20;
    unsigned char *p = skpi__malloc(big);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < big; i++)
        p[i] = (unsigned char)(i * 7 + 1);
    unsigned char *q = skpi__realloc(p, 2 * big);
    ck_assert_ptr_nonnull(q);
    size_t wrong = 0;
    for (size_t i = 0; i < big; i++)
        wrong += q[i] != (unsigned char)(i * 7 + 1);
    ck_assert_uint_eq(wrong, 0);
    memset(q + big, 0xAB, big);
    unsigned char *r = skpi__realloc(q, big + 12345);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(r[big - 1], (unsigned char)((big - 1) * 7 + 1));
    ck_assert_uint_eq(r[big + 12344], 0xAB);
    skpi__free(r);
    /* mapped by two threads, half each: writable to the last byte, and
     * what is written stays (an odd size: the halves meet off a page) */
    for (unsigned threads = 1; threads <= 2; threads++) {
        size_t odd = 2 * big + 4097;
        unsigned char *s = skpi__malloc_shared(odd, threads);
        ck_assert_ptr_nonnull(s);
        for (size_t i = 0; i < odd; i++)
            s[i] = (unsigned char)(i * 13 + threads);
        for (size_t i = 0; i < odd; i++)
            wrong += s[i] != (unsigned char)(i * 13 + threads);
        ck_assert_uint_eq(wrong, 0);
        skpi__free(s);
    }
    unsigned char *z = skpi__calloc(big + 3, 1);
    ck_assert_ptr_nonnull(z);
    for (size_t i = 0; i < big + 3; i++)
        wrong += z[i] != 0;
    ck_assert_uint_eq(wrong, 0);
    skpi__free(z);
}

START_TEST(large_blocks_keep_their_contents)
{
    large_blocks_round_trip();
    test_alloc_start(-1);
    large_blocks_round_trip();
    ck_assert_int_eq(test_alloc_live_total(), 0);
    test_alloc_restore();
}
END_TEST

START_TEST(calloc_refuses_overflowing_sizes)
{
    ck_assert_ptr_null(skpi__calloc(SIZE_MAX / 2, 4));
}
END_TEST

Suite *make_status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, version_macros_agree_with_runtime);
    tcase_add_test(core, every_status_has_its_own_text);
    tcase_add_test(core, fail_records_code_and_message);
    tcase_add_test(core, allocator_hook_sees_every_allocation);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_add_test(limits, fail_truncates_long_messages);
    tcase_add_test(limits, calloc_refuses_overflowing_sizes);
    tcase_add_test(limits, large_blocks_keep_their_contents);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_test(errors, allocator_rejects_partial_hooks);
    tcase_add_test(errors, reserve_keeps_array_on_failure);
    suite_add_tcase(s, errors);
    return s;
}
