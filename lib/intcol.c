/* Adaptive-width integer columns (see intcol.h for why). */
#include "intcol.h"

#include "alloc.h"

void skpi__intcol_init(skpi__intcol *c, unsigned width)
{
    memset(c, 0, sizeof *c);
    c->width = width;
}

void skpi__intcol_release(skpi__intcol *c)
{
    skpi__free(c->data);
    memset(c, 0, sizeof *c);
}

int skpi__intcol_reserve(skpi__intcol *c, size_t n)
{
    void *data = c->data;
    size_t cap_bytes = c->cap * c->width;
    if (n > SIZE_MAX / c->width)
        return SKPI_ERANGE;
    int rc = skpi__reserve(&data, &cap_bytes, n * c->width, 1);
    if (rc != SKPI_OK)
        return rc;
    c->data = data;
    c->cap = cap_bytes / c->width;
    return SKPI_OK;
}

void skpi__intcol_trim(skpi__intcol *c)
{
    if (c->cap <= c->len || c->len == 0)
        return;
    unsigned char *data = skpi__realloc(c->data, c->len * c->width);
    if (data) {
        c->data = data;
        c->cap = c->len;
    }
}

size_t skpi__intcol_bytes(const skpi__intcol *c)
{
    return c->cap * c->width;
}

void skpi__intcol_truncate(skpi__intcol *c, size_t len)
{
    if (len < c->len)
        c->len = len;
}

/* Largest code that is a value (the one above is UNSET). */
static uint64_t max_code(unsigned width)
{
    return skpi__intcol_unset_code(width) - 1;
}

static bool fits(const skpi__intcol *c, int64_t v)
{
    if (c->width == 8)
        return true;
    return (uint64_t)v - (uint64_t)c->base <= max_code(c->width);
}

static void store(unsigned char *p, unsigned width, int64_t base, int64_t v)
{
    uint64_t code = (width == 8) ? (uint64_t)v
                  : v == SKPI_UNSET ? skpi__intcol_unset_code(width)
                  : (uint64_t)v - (uint64_t)base;
    switch (width) {
    case 1: *p = (unsigned char)code; break;
    case 2: { uint16_t x = (uint16_t)code; memcpy(p, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)code; memcpy(p, &x, 4); break; }
    default: memcpy(p, &code, 8); break;
    }
}

/* A base that puts [lo, hi] in the middle of the codes of `width`, so that
 * later values on either side still fit; clamped so base + code never wraps. */
static int64_t centred_base(int64_t lo, int64_t hi, unsigned width)
{
    if (width == 8)
        return 0;
    __int128 slack = (__int128)max_code(width) - ((__int128)hi - lo);
    __int128 base = (__int128)lo - slack / 2;
    __int128 lowest = INT64_MIN + (__int128)1;
    __int128 highest = (__int128)INT64_MAX - max_code(width);
    if (base < lowest)
        base = lowest;
    if (base > highest)
        base = highest;
    return (int64_t)base;
}

/* Re-encode every value at the narrowest width >= the current one that holds
 * [lo, hi].  The old buffer is kept until the new one is filled. */
static int widen(skpi__intcol *c, int64_t lo, int64_t hi)
{
    unsigned width = c->width;
    while (width < 8 && (uint64_t)hi - (uint64_t)lo > max_code(width))
        width *= 2;
    int64_t base = centred_base(lo, hi, width);
    size_t cap = c->cap > c->len ? c->cap : c->len + 1;
    if (cap > SIZE_MAX / width)
        return SKPI_ERANGE;
    unsigned char *data = skpi__malloc(cap * width);
    if (!data)
        return SKPI_ENOMEM;
    for (size_t i = 0; i < c->len; i++)
        store(data + i * width, width, base, skpi__intcol_get(c, i));
    skpi__free(c->data);
    c->data = data;
    c->cap = cap;
    c->width = width;
    c->base = base;
    return SKPI_OK;
}

int skpi__intcol_push_slowly(skpi__intcol *c, int64_t v)
{
    if (v != SKPI_UNSET) {
        int64_t lo = c->any && c->min < v ? c->min : v;
        int64_t hi = c->any && c->max > v ? c->max : v;
        if (!c->any && c->width < 8)
            c->base = centred_base(v, v, c->width);
        else if (!fits(c, v)) {
            int rc = widen(c, lo, hi);
            if (rc != SKPI_OK)
                return rc;
        }
        if (c->len == c->cap) {
            int rc = skpi__intcol_reserve(c, c->len + 1);
            if (rc != SKPI_OK)
                return rc;
        }
        c->min = lo;
        c->max = hi;
        c->any = true;
    } else if (c->len == c->cap) {
        int rc = skpi__intcol_reserve(c, c->len + 1);
        if (rc != SKPI_OK)
            return rc;
    }
    store(c->data + c->len * c->width, c->width, c->base, v);
    c->len++;
    return SKPI_OK;
}
