/* The string pool (see strpool.h).  Linear probing over a power-of-two table
 * kept at most 3/4 full; a slot holds id + 1 so that 0 means empty.  Beside
 * each slot, one byte of the string's hash (its tag): a probe compares
 * strings only when the tags agree, so walking past other strings costs no
 * fetch of their bytes.  At 3/4 full a miss walks ~8 slots; without tags each
 * was a cache miss on a string, and interning dominated loading. */
#include "strpool.h"

#include <stdbool.h>
#include <string.h>

#include "alloc.h"

/* A fast 64-bit hash of a byte string: eight bytes at a time, mixed with
 * multiply-xorshift.  Deterministic, so runs are reproducible. */
static uint64_t hash_bytes(const char *s, size_t len)
{
    const uint64_t k = UINT64_C(0x9E3779B97F4A7C15);
    uint64_t h = UINT64_C(0x243F6A8885A308D3) ^ (len * k);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, s, 8);
        h = (h ^ w) * k;
        h ^= h >> 29;
        s += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, s, len);
    h = (h ^ w) * k;
    h ^= h >> 32;
    h *= UINT64_C(0xD6E8FEB86659FD93);
    h ^= h >> 32;
    return h;
}

size_t skpi__strpool_count(const skpi__strpool *p)
{
    return p->offsets.len;
}

const char *skpi__strpool_get(const skpi__strpool *p, uint32_t id)
{
    return p->bytes + skpi__intcol_get(&p->offsets, id);
}

/* Lengths first: string id may be shorter than len and end near the end of
 * the buffer, where a memcmp of len bytes would read past it. */

/* String id's length. */
static size_t length_of(const skpi__strpool *p, uint32_t id)
{
    size_t end = (size_t)id + 1 < skpi__strpool_count(p)
               ? (size_t)skpi__intcol_get(&p->offsets, (size_t)id + 1) : p->bytes_len;
    return end - (size_t)skpi__intcol_get(&p->offsets, id) - 1;
}

/* Bytewise order of s[0..len) against string id, as strcmp orders them. */
static int compare_to(const skpi__strpool *p, const char *s, size_t len, uint32_t id)
{
    size_t other = length_of(p, id);
    int d = memcmp(s, skpi__strpool_get(p, id), len < other ? len : other);
    return d ? d : (len > other) - (len < other);
}

/* Ordered pool: the id of s by binary search over ids 1.., or 0 if absent.
 * The last string is tried first: new strings come after it. */
static uint32_t search_ordered(const skpi__strpool *p, const char *s, size_t len)
{
    size_t lo = 1, hi = skpi__strpool_count(p);
    if (hi > lo) {
        int d = compare_to(p, s, len, (uint32_t)(hi - 1));
        if (d >= 0)
            return d == 0 ? (uint32_t)(hi - 1) : 0;
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int d = compare_to(p, s, len, (uint32_t)mid);
        if (d == 0)
            return (uint32_t)mid;
        if (d < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Lengths first: string id may be shorter than len and end near the end of
 * the buffer, where a memcmp of len bytes would read past it. */
static int equals(const skpi__strpool *p, uint32_t id, const char *s, size_t len)
{
    return length_of(p, id) == len && memcmp(skpi__strpool_get(p, id), s, len) == 0;
}

/* The tag of a hash: bits the slot index does not use. */
static uint8_t tag_of(uint64_t h)
{
    return (uint8_t)(h >> 56);
}

/* The tags live right after the slots, in the same block. */
static uint8_t *tags_of(const skpi__strpool *p)
{
    return (uint8_t *)(p->slots + p->slot_mask + 1);
}

/* The slot where s is, or the empty slot where it would go. */
static size_t probe(const skpi__strpool *p, const char *s, size_t len, uint64_t h)
{
    const uint8_t *tags = tags_of(p);
    uint8_t tag = tag_of(h);
    size_t i = (size_t)h & p->slot_mask;
    while (p->slots[i] != 0 && (tags[i] != tag || !equals(p, p->slots[i] - 1, s, len)))
        i = (i + 1) & p->slot_mask;
    return i;
}

static void put(skpi__strpool *p, size_t slot, uint32_t id, uint64_t h)
{
    p->slots[slot] = id + 1;
    tags_of(p)[slot] = tag_of(h);
}

static void insert_id(skpi__strpool *p, uint32_t id)
{
    const char *s = skpi__strpool_get(p, id);
    uint64_t h = hash_bytes(s, strlen(s));
    size_t i = (size_t)h & p->slot_mask;
    while (p->slots[i] != 0)
        i = (i + 1) & p->slot_mask;
    put(p, i, id, h);
}

/* Bytes of a table of `slots` slots and their tags. */
static size_t table_bytes(size_t slots)
{
    return slots * (sizeof(uint32_t) + 1);
}

/* Rebuild the table with `slots` slots from the strings.  The empty string
 * (id 0) is not in the table: intern answers it without hashing. */
static void rehash_into(skpi__strpool *p, uint32_t *table, size_t slots)
{
    memset(table, 0, table_bytes(slots));
    p->slots = table;
    p->slot_mask = slots - 1;
    for (size_t id = 1; id < skpi__strpool_count(p); id++)
        insert_id(p, (uint32_t)id);
}

static int grow_table(skpi__strpool *p, size_t need)
{
    size_t slots = p->slot_mask ? p->slot_mask + 1 : 0;
    if (need <= slots / 4 * 3)
        return SKPI_OK;
    size_t grown = slots ? slots * 2 : 64;
    while (need > grown / 4 * 3)
        grown *= 2;
    uint32_t *table = skpi__malloc(table_bytes(grown));
    if (!table)
        return SKPI_ENOMEM;
    uint32_t *old = p->slots;
    rehash_into(p, table, grown);
    skpi__free(old);
    return SKPI_OK;
}

int skpi__strpool_init(skpi__strpool *p)
{
    memset(p, 0, sizeof *p);
    skpi__intcol_init(&p->offsets, 4);
    p->bytes = skpi__malloc(64);
    if (!p->bytes)
        return SKPI_ENOMEM;
    p->bytes_cap = 64;
    p->bytes[0] = '\0';
    p->bytes_len = 1;
    p->ordered = 1;
    if (skpi__intcol_push(&p->offsets, 0) != SKPI_OK) {
        /* leave nothing to free: callers release a pool whose init failed */
        skpi__free(p->bytes);
        p->bytes = NULL;
        p->bytes_cap = 0;
        p->bytes_len = 0;
        return SKPI_ENOMEM;
    }
    return SKPI_OK;
}

void skpi__strpool_release(skpi__strpool *p)
{
    skpi__free(p->bytes);
    skpi__free(p->slots);
    skpi__intcol_release(&p->offsets);
    memset(p, 0, sizeof *p);
}

int skpi__strpool_find(const skpi__strpool *p, const char *s, size_t len, uint32_t *id)
{
    if (len == 0) {
        *id = 0;
        return SKPI_OK;
    }
    if (p->ordered) {
        *id = search_ordered(p, s, len);
        return *id ? SKPI_OK : SKPI_ENOTFOUND;
    }
    size_t i = probe(p, s, len, hash_bytes(s, len));
    if (p->slots[i] == 0)
        return SKPI_ENOTFOUND;
    *id = p->slots[i] - 1;
    return SKPI_OK;
}

/* Interning into an ordered pool.  A string after the last keeps the order
 * (*keep_order, *id = 0: to be appended); one already there is found (*id);
 * any other ends the order: the table is built (*id = 0, to be hashed).  On
 * failure the pool is still ordered and unchanged. */
static int intern_ordered(skpi__strpool *p, const char *s, size_t len, uint32_t *id,
                          bool *keep_order)
{
    size_t count = skpi__strpool_count(p);
    *keep_order = count == 1 || compare_to(p, s, len, (uint32_t)(count - 1)) > 0;
    *id = *keep_order ? 0 : search_ordered(p, s, len);
    if (*id || *keep_order)
        return SKPI_OK;
    int rc = grow_table(p, count);
    if (rc == SKPI_OK)
        p->ordered = 0;
    return rc;
}

int skpi__strpool_intern(skpi__strpool *p, const char *s, size_t len, uint32_t *id, int *added)
{
    *added = 0;
    if (len == 0) {
        *id = 0;
        return SKPI_OK;
    }
    size_t count = skpi__strpool_count(p);
    int rc = SKPI_OK;
    bool keep_order = false;
    if (p->ordered) {
        rc = intern_ordered(p, s, len, id, &keep_order);
        if (rc != SKPI_OK || *id)
            return rc;
    }
    uint64_t h = keep_order ? 0 : hash_bytes(s, len);
    if (!keep_order) {
        size_t slot = probe(p, s, len, h);
        if (p->slots[slot] != 0) {
            *id = p->slots[slot] - 1;
            return SKPI_OK;
        }
    }
    if (count >= UINT32_MAX - 1 || len >= SIZE_MAX - p->bytes_len - 1)
        return SKPI_ERANGE;
    /* Everything that can fail happens before the pool changes. */
    if (!keep_order)
        rc = grow_table(p, count);
    if (rc == SKPI_OK) {
        void *bytes = p->bytes;
        rc = skpi__reserve(&bytes, &p->bytes_cap, p->bytes_len + len + 1, 1);
        p->bytes = bytes;
    }
    if (rc == SKPI_OK)
        rc = skpi__intcol_push(&p->offsets, (int64_t)p->bytes_len);
    if (rc != SKPI_OK)
        return rc;
    memcpy(p->bytes + p->bytes_len, s, len);
    p->bytes[p->bytes_len + len] = '\0';
    p->bytes_len += len + 1;
    *id = (uint32_t)count;
    if (!keep_order)
        put(p, probe(p, s, len, h), *id, h);  /* probed anew: the table may have grown */
    *added = 1;
    return SKPI_OK;
}

void skpi__strpool_truncate(skpi__strpool *p, size_t count)
{
    if (count < 1)
        count = 1;
    if (count >= skpi__strpool_count(p))
        return;
    p->bytes_len = (size_t)skpi__intcol_get(&p->offsets, count);
    skpi__intcol_truncate(&p->offsets, count);
    /* Linear probing cannot delete in place; the table is rebuilt in its own
     * memory, so a rollback never allocates.  (What is left of an ordered
     * pool is still in order.) */
    if (!p->ordered)
        rehash_into(p, p->slots, p->slot_mask + 1);
}

void skpi__strpool_trim(skpi__strpool *p)
{
    skpi__intcol_trim(&p->offsets);
    if (p->bytes_cap <= p->bytes_len)
        return;
    char *bytes = skpi__realloc(p->bytes, p->bytes_len);
    if (bytes) {
        p->bytes = bytes;
        p->bytes_cap = p->bytes_len;
    }
}

size_t skpi__strpool_bytes(const skpi__strpool *p)
{
    return p->bytes_cap + skpi__intcol_bytes(&p->offsets)
           + (p->slot_mask ? table_bytes(p->slot_mask + 1) : 0);
}
