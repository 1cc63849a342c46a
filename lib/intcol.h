/* A growable column of int64 values stored in as few bytes as they need.
 *
 * Support data is narrow: a tier fits a byte, a month of timestamps fits four
 * bytes around a base, an interned id of a reason fits one or two.  Storing
 * each column at the width its values need is what keeps a contact in tens
 * of bytes (doc/memory.md).  A column starts at a chosen width and widens
 * (1, 2, 4, 8 bytes) the first time a value does not fit; values are stored
 * as unsigned offsets from a per-column base.
 *
 * One code is reserved at every width for SKPI_UNSET (INT64_MIN), so
 * "absent" costs no side array; INT64_MIN itself is never a value. */
#ifndef SKPI_INTCOL_H
#define SKPI_INTCOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "supportkpi/common.h"

typedef struct skpi__intcol {
    unsigned char *data;
    size_t len;        /* values stored */
    size_t cap;        /* values that fit in data at the current width */
    unsigned width;    /* bytes per value: 1, 2, 4 or 8 */
    int64_t base;      /* value = base + code, for width < 8 */
    int64_t min, max;  /* of the values ever pushed (not of UNSET) */
    bool any;          /* whether min/max mean anything yet */
} skpi__intcol;

/* An empty column that will start at `width` bytes (1, 2, 4 or 8). */
void skpi__intcol_init(skpi__intcol *c, unsigned width);

void skpi__intcol_release(skpi__intcol *c);

/* Room for n values in total without reallocating (at the current width). */
int skpi__intcol_reserve(skpi__intcol *c, size_t n);

/* Append v (SKPI_UNSET for absent).  SKPI_ENOMEM leaves the column as it was. */
static inline int skpi__intcol_push(skpi__intcol *c, int64_t v);

/* skpi__intcol_push() when the value needs room or a wider code. */
int skpi__intcol_push_slowly(skpi__intcol *c, int64_t v);

/* Drop the values at len and after (rollback).  Never fails. */
void skpi__intcol_truncate(skpi__intcol *c, size_t len);

/* Give back capacity beyond the values stored (best effort: a refused
 * realloc leaves the column as it was). */
void skpi__intcol_trim(skpi__intcol *c);

/* Bytes held by the column's storage. */
size_t skpi__intcol_bytes(const skpi__intcol *c);

/* The reserved code of a width: all ones. */
static inline uint64_t skpi__intcol_unset_code(unsigned width)
{
    return width == 8 ? (uint64_t)INT64_MIN : (UINT64_C(1) << (8 * width)) - 1;
}

/* Value i (SKPI_UNSET when absent).  i < c->len. */
static inline int64_t skpi__intcol_get(const skpi__intcol *c, size_t i)
{
    const unsigned char *p = c->data + i * c->width;
    uint64_t code;
    switch (c->width) {
    case 1: code = *p; break;
    case 2: { uint16_t v; memcpy(&v, p, 2); code = v; break; }
    case 4: { uint32_t v; memcpy(&v, p, 4); code = v; break; }
    default: { int64_t v; memcpy(&v, p, 8); return v; }
    }
    if (code == skpi__intcol_unset_code(c->width))
        return SKPI_UNSET;
    return (int64_t)((uint64_t)c->base + code);
}

/* The usual push, inline: UNSET or a value whose code fits the width, with
 * room for it.  Loading
 * pushes a dozen values a row. */
static inline int skpi__intcol_push(skpi__intcol *c, int64_t v)
{
    if (c->len < c->cap && c->width < 8 && (v == SKPI_UNSET || c->any)) {
        uint64_t code = v == SKPI_UNSET ? skpi__intcol_unset_code(c->width)
                                        : (uint64_t)v - (uint64_t)c->base;
        if (v != SKPI_UNSET) {
            if (code >= skpi__intcol_unset_code(c->width))
                return skpi__intcol_push_slowly(c, v);   /* needs a wider code */
            c->min = v < c->min ? v : c->min;
            c->max = v > c->max ? v : c->max;
        }
        unsigned char *p = c->data + c->len * c->width;
        switch (c->width) {
        case 1: *p = (unsigned char)code; break;
        case 2: { uint16_t x = (uint16_t)code; memcpy(p, &x, 2); break; }
        default: { uint32_t x = (uint32_t)code; memcpy(p, &x, 4); break; }
        }
        c->len++;
        return SKPI_OK;
    }
    return skpi__intcol_push_slowly(c, v);
}

#endif
