/* Shared by the unit tests: an allocator that fails on demand. */
#ifndef SKPI_TESTUTIL_H
#define SKPI_TESTUTIL_H

#include <stddef.h>

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

#endif
