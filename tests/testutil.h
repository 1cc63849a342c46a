/* Shared by the unit tests: an allocator that fails on demand, the
 * deterministic random generators, a growing text, snapshots of handles and
 * the checked reads of a breakdown. */
#ifndef SKPI_TESTUTIL_H
#define SKPI_TESTUTIL_H

#include <check.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "supportkpi.h"

#if defined(__GNUC__)
#define TEST_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define TEST_PRINTF(fmt, args)
#endif

/* For helpers called in loops: unlike ck_assert, which reports every
 * passing check to the runner (a write(2) each), it costs nothing unless it
 * fails. */
#define TEST_REQUIRE(cond)                                                         \
    do {                                                                           \
        if (!(cond))                                                               \
            ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                  \
    } while (0)

/* ---- the counting allocator ---- */

/* Install the counting allocator: the allocation numbered `fail_at`
 * (0-based, counting malloc and realloc calls from now) and every later one
 * fails while `fail_at` >= 0; -1 never fails.  Also resets the counters. */
void test_alloc_install(long fail_at);

/* Restore the system allocator. */
void test_alloc_restore(void);

/* Allocation calls made since test_alloc_install(). */
long test_alloc_calls(void);

/* Blocks obtained through the counting allocator and not yet freed. */
long test_alloc_live(void);

/* Whether an allocation has been refused since test_alloc_install(). */
int test_alloc_failed(void);

/* Whether SKPI_TEST_QUICK is set (the valgrind run sets it): the long random
 * loops then run fewer rounds, so memcheck finishes in minutes.  What each
 * test checks stays the same. */
int test_quick(void);

/* The counters above restart at every test_alloc_install(); these carry the
 * live-block count across a change of the allocation that fails, so that a
 * handle can be made, changed and freed through one allocator.
 * test_alloc_start() installs the allocator and zeroes the carried count;
 * test_alloc_rearm() keeps the blocks live so far and installs it again
 * (with `fail_at` as in test_alloc_install()); test_alloc_live_total() is
 * the blocks live since test_alloc_start(). */
void test_alloc_start(long fail_at);
void test_alloc_rearm(long fail_at);
long test_alloc_live_total(void);

/* ---- deterministic random numbers ---- */

/* splitmix64: seed it (any value), then draw. */
typedef struct test_rng {
    uint64_t state;
} test_rng;

void test_rng_seed(test_rng *r, uint64_t seed);
uint64_t test_rng_next(test_rng *r);

/* Uniform-ish in [0, n); n > 0. */
int64_t test_rng_below(test_rng *r, int64_t n);

/* The two other generators some suites were written with, kept for the
 * exact sequences they give: a 64-bit LCG (Knuth's MMIX constants), which
 * returns the new state, and xorshift64*, which returns its scrambled
 * output.  Both advance *state. */
uint64_t test_lcg_next(uint64_t *state);
uint64_t test_xorshift_next(uint64_t *state);

/* ---- a growing text (system allocator: never the library's hook) ---- */

/* Start with { NULL, 0, 0 }; p stays NUL-terminated once anything was put;
 * the owner frees p. */
typedef struct test_text {
    char *p;
    size_t len, cap;
} test_text;

void test_text_put(test_text *t, const char *s, size_t n);
void test_text_printf(test_text *t, const char *fmt, ...) TEST_PRINTF(2, 3);

/* Without printf (for the fault loops): a string (NULL told apart from
 * every string) or a number, followed by '|'. */
void test_text_put_str(test_text *t, const char *s);
void test_text_put_int(test_text *t, int64_t v);

/* `len` bytes of data in a temporary file, rewound; the caller closes it. */
FILE *test_file_of(const char *data, size_t len);

/* ---- snapshots: everything the public accessors show, as text ---- */

/* Two equal snapshots mean the handle is, to its users, exactly as it was.
 * The _text forms append to t; the _snapshot forms return a text the caller
 * frees.  Taken without printf, after every failure of the fault loops. */
void test_records_text(test_text *t, const skpi_records *r);
char *test_records_snapshot(const skpi_records *r);
void test_ledger_text(test_text *t, const skpi_ledger *l);
char *test_ledger_snapshot(const skpi_ledger *l);

/* The handle's snapshot is still `before`. */
void test_assert_records_snapshot(const skpi_records *r, const char *before);
void test_assert_ledger_snapshot(const skpi_ledger *l, const char *before);

/* ---- breakdowns ---- */

/* A breakdown of chains `c` with ledger `l` (may be NULL) by up to two keys
 * (k0, then k1; NULL for none) and a bucket: its status, or the breakdown,
 * asserted to succeed. */
int test_breakdown_rc(skpi_breakdown **b, const skpi_chains *c, const skpi_ledger *l,
                      const char *k0, const char *k1, int bucket, skpi_error *err);
skpi_breakdown *test_breakdown(const skpi_chains *c, const skpi_ledger *l, const char *k0,
                               const char *k1, int bucket);

/* A KPI of a row (or SKPI_ROW_TOTAL), asserted present; asserted absent. */
int64_t test_kpi(const skpi_breakdown *b, size_t row, int kpi);
void test_kpi_absent(const skpi_breakdown *b, size_t row, int kpi);

/* The JSON report in a buffer of exactly the size needed, which both calls
 * of skpi_breakdown_json() report (caller frees). */
char *test_breakdown_json(const skpi_breakdown *b, int64_t skipped);

#endif
