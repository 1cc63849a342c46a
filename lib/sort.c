/* Bottom-up merge sort (O(n log n), stable) for orders that need a
 * comparison; LSD radix sort for integer keys. */
#include "sort.h"

#include <stdbool.h>
#include <string.h>

#include "alloc.h"
#include "twin.h"
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

/* Counts of each value of byte `shift / 8` in a[begin..end). */
static void count_bytes(const uint64_t *a, size_t begin, size_t end, unsigned shift,
                        size_t count[256])
{
    memset(count, 0, 256 * sizeof count[0]);
    for (size_t i = begin; i < end; i++)
        count[(a[i] >> shift) & 0xFF]++;
}

/* Move from[begin..end) to where place[] says for each one's byte. */
static void move_bytes(const uint64_t *from, size_t begin, size_t end, uint64_t *to,
                       unsigned shift, size_t place[256])
{
    for (size_t i = begin; i < end; i++)
        to[place[(from[i] >> shift) & 0xFF]++] = from[i];
}

/* count_bytes() of a[0..n); false when one value holds all (the pass
 * would not move anything). */
static bool byte_varies(const uint64_t *a, size_t n, unsigned shift, size_t count[256])
{
    count_bytes(a, 0, n, shift, count);
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
        move_bytes(from, 0, n, to, shift, count);
        uint64_t *t = from;
        from = to;
        to = t;
    }
    if (from != a)
        memcpy(a, from, n * sizeof *a);
}

/* ---- the radix sort on two threads ---- */

/* Below this many values one thread sorts: a pass costs less than
 * starting a thread. */
#define TWO_THREADS_MIN ((size_t)1 << 16)

/* One thread's half of the values in a pass: its counts, then where each
 * of its byte values goes. */
typedef struct radix_half {
    const uint64_t *from;
    uint64_t *to;
    size_t begin, end;
    unsigned shift;
    size_t count[256];
} radix_half;

static int count_half(void *arg)
{
    radix_half *h = arg;
    count_bytes(h->from, h->begin, h->end, h->shift, h->count);
    return SKPI_OK;
}

static int scatter_half(void *arg)
{
    radix_half *h = arg;
    move_bytes(h->from, h->begin, h->end, h->to, h->shift, h->count);
    return SKPI_OK;
}

/* After both halves counted: false when one byte value holds every value
 * (the pass would move nothing); else each half's counts become where its
 * values of each byte go, the first half's before the second's (stable). */
static bool place_halves(radix_half *first, radix_half *second, size_t n)
{
    size_t at = 0;
    for (int b = 0; b < 256; b++) {
        size_t c0 = first->count[b], c1 = second->count[b];
        if (c0 + c1 == n)
            return false;
        first->count[b] = at;
        second->count[b] = at + c0;
        at += c0 + c1;
    }
    return true;
}

void skpi__radix_sort_u64_threads(uint64_t *a, size_t n, unsigned low_bit, uint64_t *buffer,
                                  unsigned threads)
{
    if (threads < 2 || n < TWO_THREADS_MIN) {
        skpi__radix_sort_u64_with(a, n, low_bit, buffer);
        return;
    }
    radix_half h[2] = { { .begin = 0, .end = n / 2 }, { .begin = n / 2, .end = n } };
    uint64_t *from = a, *to = buffer;
    for (unsigned shift = low_bit / 8 * 8; shift < 64; shift += 8) {
        for (int k = 0; k < 2; k++) {
            h[k].from = from;
            h[k].to = to;
            h[k].shift = shift;
        }
        (void)skpi__twin_run(threads, (skpi__job){ count_half, &h[0] },
                             (skpi__job){ count_half, &h[1] });
        if (!place_halves(&h[0], &h[1], n))
            continue;
        (void)skpi__twin_run(threads, (skpi__job){ scatter_half, &h[0] },
                             (skpi__job){ scatter_half, &h[1] });
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
