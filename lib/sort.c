/* Bottom-up merge sort: O(n log n) always, stable, one n-sized buffer. */
#include "sort.h"

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
