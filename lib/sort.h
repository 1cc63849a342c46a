/* Sorting index arrays with a caller's comparison and context: reentrant
 * (qsort has no context argument, and qsort_r is not portable). */
#ifndef SKPI_SORT_H
#define SKPI_SORT_H

#include <stddef.h>
#include <stdint.h>

/* < 0, 0, > 0 as a sorts before, with or after b. */
typedef int (*skpi__compare_u32)(const void *context, uint32_t a, uint32_t b);

/* Stable merge sort of a[0..n).  SKPI_ENOMEM leaves a as it was. */
int skpi__sort_u32(uint32_t *a, size_t n, skpi__compare_u32 compare, const void *context);

/* Stable LSD radix sort of a[0..n) by bits [low_bit, 64) of each value,
 * a byte at a time; bytes that are the same in every value are skipped, so
 * sorting timestamps of one year costs three or four passes.  Values equal
 * in those bits keep their order.  SKPI_ENOMEM leaves a as it was. */
int skpi__radix_sort_u64(uint64_t *a, size_t n, unsigned low_bit);

/* The same sort with the caller's buffer of n values, whose contents are
 * lost: a caller sorting large arrays can reuse memory it has already
 * touched, as a fresh page costs more than a pass of the sort.  Cannot
 * fail. */
void skpi__radix_sort_u64_with(uint64_t *a, size_t n, unsigned low_bit, uint64_t *buffer);

/* The same again, each pass split between two threads when `threads` >= 2
 * and the values are many: each counts half of the values, then moves them,
 * the first half's values of a byte placed before the second's, so the
 * result is the one-thread sort's.  Cannot fail (without a thread, one
 * does both halves). */
void skpi__radix_sort_u64_threads(uint64_t *a, size_t n, unsigned low_bit, uint64_t *buffer,
                                  unsigned threads);

#endif
