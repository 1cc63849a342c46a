/* Bottom-up merge sort (O(n log n), stable) for orders that need a
 * comparison; LSD radix sort for integer keys. */
#include "sort.h"

#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "supportkpi/common.h"

static void merge(const uint32_t *from, uint32_t *to, size_t lo, size_t mid, size_t hi,
                  skpi__compare_u32 compare, const void *context)
{
    size_t i = lo, j = mid, k = lo;
    while (i < mid && j < hi)
        to[k++] = compare(context, from[j], from[i]) < 0 ? from[j++] : from[i++];
    while (i < mid)
        to[k++] = from[i++];
    while (j < hi)
        to[k++] = from[j++];
}

int skpi__sort_u32(uint32_t *a, size_t n, skpi__compare_u32 compare, const void *context)
{
    if (n < 2)
        return SKPI_OK;
    uint32_t *buffer = skpi__malloc(n * sizeof *buffer);
    if (!buffer)
        return SKPI_ENOMEM;
    uint32_t *from = a, *to = buffer;
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            merge(from, to, lo, mid, hi, compare, context);
        }
        uint32_t *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
    skpi__free(buffer);
    return SKPI_OK;
}

/* Counts of each value of byte `shift / 8`; false when one value holds all
 * (the pass would not move anything). */
static bool byte_varies(const uint64_t *a, size_t n, unsigned shift, size_t count[256])
{
    memset(count, 0, 256 * sizeof count[0]);
    for (size_t i = 0; i < n; i++)
        count[(a[i] >> shift) & 0xFF]++;
    return count[(a[0] >> shift) & 0xFF] != n;
}

void skpi__radix_sort_u64_with(uint64_t *a, size_t n, unsigned low_bit, uint64_t *buffer)
{
    if (n < 2)
        return;
    uint64_t *from = a, *to = buffer;
    size_t count[256];
    for (unsigned shift = low_bit / 8 * 8; shift < 64; shift += 8) {
        if (!byte_varies(from, n, shift, count))
            continue;
        size_t at = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            to[count[(from[i] >> shift) & 0xFF]++] = from[i];
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

int skpi__radix_sort_u64(uint64_t *a, size_t n, unsigned low_bit)
{
    if (n < 2)
        return SKPI_OK;
    uint64_t *buffer = skpi__malloc(n * sizeof *buffer);
    if (!buffer)
        return SKPI_ENOMEM;
    skpi__radix_sort_u64_with(a, n, low_bit, buffer);
    skpi__free(buffer);
    return SKPI_OK;
}
