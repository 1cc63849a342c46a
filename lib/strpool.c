/* The string pool (see strpool.h).  Linear probing over a power-of-two table
 * kept at most 3/4 full.  A slot is 8 bytes: 32 bits of the string's hash
 * and its id + 1 (0 means empty), so one cache line answers a probe and
 * strings are compared only when all 32 bits agree (in practice: only the
 * string sought).  The probe starts at the hash's top bits, so a growing
 * table is refilled from the stored hashes, in order, without reading or
 * hashing a string.  At ten million contacts the customer table is 64 MB:
 * every access misses the cache, and an earlier layout (4-byte slots with
 * 1-byte tags beside them, homes from the low bits) paid two misses per
 * probe plus a random rehash of every string at each growth. */
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

/* Eight bytes as a big-endian word: words order as their bytes do. */
static uint64_t load64_be(const char *s)
{
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return __builtin_bswap64(w);   /* one load and one instruction */
#else
    uint64_t w = 0;
    for (int k = 0; k < 8; k++)
        w = w << 8 | (unsigned char)s[k];
    return w;
#endif
}

static int compare_words(uint64_t a, uint64_t b)
{
    return (a > b) - (a < b);
}

/* memcmp()'s order of a[0..n) and b[0..n).  Contact ids are compared with
 * the last one on every row: up to 16 bytes take two overlapping 8-byte
 * loads (the second window starts where the first matched), not a call. */
static int compare_bytes(const char *a, const char *b, size_t n)
{
    if (n < 8 || n > 16)
        return memcmp(a, b, n);
    int d = compare_words(load64_be(a), load64_be(b));
    return d ? d : compare_words(load64_be(a + n - 8), load64_be(b + n - 8));
}

/* Bytewise order of s[0..len) against string id, as strcmp orders them. */
static int compare_to(const skpi__strpool *p, const char *s, size_t len, uint32_t id)
{
    size_t other = length_of(p, id);
    int d = compare_bytes(s, skpi__strpool_get(p, id), len < other ? len : other);
    return d ? d : (len > other) - (len < other);
}

/* Ordered pool: the id of s among ids [1, hi) by binary search, or 0. */
static uint32_t binary_search(const skpi__strpool *p, const char *s, size_t len, size_t hi)
{
    size_t lo = 1;
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

/* Ordered pool: the id of s, or 0 if absent; *after says whether s sorts
 * after the last string (then it is new and keeps the order).  The last
 * string is tried first: new strings come after it. */
static uint32_t locate_ordered(const skpi__strpool *p, const char *s, size_t len, bool *after)
{
    size_t count = skpi__strpool_count(p);
    int d = count == 1 ? 1 : compare_to(p, s, len, (uint32_t)(count - 1));
    *after = d > 0;
    return d > 0 ? 0 : d == 0 ? (uint32_t)(count - 1) : binary_search(p, s, len, count - 1);
}

/* Lengths first: string id may be shorter than len and end near the end of
 * the buffer, where a memcmp of len bytes would read past it. */
static int equals(const skpi__strpool *p, uint32_t id, const char *s, size_t len)
{
    return length_of(p, id) == len && memcmp(skpi__strpool_get(p, id), s, len) == 0;
}

/* A slot holds the string's 32-bit hash above its id + 1 (0: empty). */
static uint64_t slot_value(uint32_t id, uint32_t h)
{
    return (uint64_t)h << 32 | ((uint64_t)id + 1);
}

static uint32_t slot_hash(uint64_t slot)
{
    return (uint32_t)(slot >> 32);
}

static uint32_t slot_id(uint64_t slot)
{
    return (uint32_t)slot - 1;
}

/* log2 of the slot count, for a table of `slots` (a power of two). */
static unsigned bits_of(size_t slots)
{
    unsigned bits = 0;
    while (((size_t)1 << bits) < slots)
        bits++;
    return bits;
}

/* Where a hash starts probing: its top bits, so that growing the table
 * keeps the order of the slots (see grow_table). */
static size_t home_of(const skpi__strpool *p, uint32_t h)
{
    return (size_t)(h >> p->home_shift);
}

/* The slot where s is, or the empty slot where it would go.  Strings are
 * compared only when all 32 bits of the hash agree. */
static size_t probe(const skpi__strpool *p, const char *s, size_t len, uint32_t h)
{
    size_t i = home_of(p, h);
    while (p->slots[i] != 0
           && (slot_hash(p->slots[i]) != h || !equals(p, slot_id(p->slots[i]), s, len)))
        i = (i + 1) & p->slot_mask;
    return i;
}

/* The slot of an id known to be absent. */
static size_t free_slot(const skpi__strpool *p, uint32_t h)
{
    size_t i = home_of(p, h);
    while (p->slots[i] != 0)
        i = (i + 1) & p->slot_mask;
    return i;
}

static uint32_t hash32(const char *s, size_t len)
{
    return (uint32_t)(hash_bytes(s, len) >> 32);
}

/* Bytes of a table of `slots` slots. */
static size_t table_bytes(size_t slots)
{
    return slots * sizeof(uint64_t);
}

static void use_table(skpi__strpool *p, uint64_t *table, size_t slots)
{
    memset(table, 0, table_bytes(slots));
    p->slots = table;
    p->slot_mask = slots - 1;
    p->home_shift = 32 - bits_of(slots);
}

/* Rebuild the table in place from the strings (after a truncation).  The
 * empty string (id 0) is not in the table: intern answers it without
 * hashing. */
static void rehash_strings(skpi__strpool *p)
{
    use_table(p, p->slots, p->slot_mask + 1);
    for (size_t id = 1; id < skpi__strpool_count(p); id++) {
        const char *s = skpi__strpool_get(p, (uint32_t)id);
        uint32_t h = hash32(s, strlen(s));
        p->slots[free_slot(p, h)] = slot_value((uint32_t)id, h);
    }
}

/* The largest table: its home index must come from the 32 stored bits. */
#define MAX_SLOTS ((size_t)1 << 31)

/* Growing moves the stored hashes, never reads a string: a slot's home is
 * the top bits of its hash, so walking the old table in order visits homes
 * in (nearly) increasing order and fills the new one front to back. */
static int grow_table(skpi__strpool *p, size_t need)
{
    size_t slots = p->slot_mask ? p->slot_mask + 1 : 0;
    if (need <= slots / 4 * 3)
        return SKPI_OK;
    size_t grown = slots ? slots * 2 : 64;
    while (need > grown / 4 * 3 && grown < MAX_SLOTS)
        grown *= 2;
    if (need > grown / 4 * 3)
        return SKPI_ERANGE;
    uint64_t *table = skpi__malloc(table_bytes(grown));
    if (!table)
        return SKPI_ENOMEM;
    uint64_t *old = p->slots;
    use_table(p, table, grown);
    if (old) {
        for (size_t i = 0; i < slots; i++)
            if (old[i] != 0)
                table[free_slot(p, slot_hash(old[i]))] = old[i];
        skpi__free(old);
    } else {
        rehash_strings(p);
    }
    return SKPI_OK;
}

/* ---- the memo of short strings ----
 *
 * Reasons, channels and regions are a handful of short strings, each met
 * millions of times.  Hashing one and comparing it with the pool's copy
 * (lengths from the offsets column, a memcmp call) costs more than the rest
 * of its row's column; a small direct-mapped memo answers a repeat from two
 * words and the length, compared in registers.  Only pools of few strings
 * consult it: in a large one (customers, contact ids) it would rarely hit. */

enum {
    MEMO_SLOTS = 128,         /* a power of two */
    MEMO_MAX_LEN = 16,        /* strings the two key words hold entirely */
    MEMO_MAX_STRINGS = 4096   /* pools larger than this do without */
};

typedef struct memo_entry {
    uint64_t head;
    uint64_t tail;
    uint32_t len;   /* 0: the entry is empty ("" is never memoised) */
    uint32_t id;
} memo_entry;

struct skpi__strpool_memo {
    memo_entry entries[MEMO_SLOTS];
};

static uint64_t load64(const char *s)
{
    uint64_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

static uint64_t load32(const char *s)
{
    uint32_t w;
    memcpy(&w, s, sizeof w);
    return w;
}

/* Two words that, with the length, say every byte of s[0..len) for
 * 1 <= len <= MEMO_MAX_LEN: overlapping loads from both ends, never past
 * s + len. */
static memo_entry memo_key(const char *s, size_t len)
{
    memo_entry key = { 0, 0, (uint32_t)len, 0 };
    if (len >= 8) {
        key.head = load64(s);
        key.tail = load64(s + len - 8);
    } else if (len >= 4) {
        key.head = load32(s);
        key.tail = load32(s + len - 4);
    } else {
        key.head = (uint64_t)(unsigned char)s[0] | (uint64_t)(unsigned char)s[len / 2] << 8
                 | (uint64_t)(unsigned char)s[len - 1] << 16;
    }
    return key;
}

static memo_entry *memo_slot(struct skpi__strpool_memo *memo, const memo_entry *key)
{
    uint64_t h = (key->head ^ (key->tail * UINT64_C(0xD6E8FEB86659FD93)) ^ key->len)
               * UINT64_C(0x9E3779B97F4A7C15);
    return &memo->entries[h >> 57 & (MEMO_SLOTS - 1)];
}

/* Whether a string of len bytes goes through the memo of p (if p has one:
 * it is made at the first repeat, so that a pool of unique strings, the
 * contact ids, never has one). */
static bool memo_applies(const skpi__strpool *p, size_t len)
{
    return len <= MEMO_MAX_LEN && skpi__strpool_count(p) <= MEMO_MAX_STRINGS;
}

static bool memo_get(const memo_entry *e, const memo_entry *key, uint32_t *id)
{
    if (e->len != key->len || e->head != key->head || e->tail != key->tail)
        return false;
    *id = e->id;
    return true;
}

/* After a truncation: forget the ids that are gone. */
static void memo_forget_from(struct skpi__strpool_memo *memo, size_t count)
{
    for (size_t i = 0; memo && i < MEMO_SLOTS; i++)
        if (memo->entries[i].id >= count)
            memo->entries[i].len = 0;
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
    skpi__free(p->memo);
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
        bool after;
        *id = locate_ordered(p, s, len, &after);
        return *id ? SKPI_OK : SKPI_ENOTFOUND;
    }
    size_t i = probe(p, s, len, hash32(s, len));
    if (p->slots[i] == 0)
        return SKPI_ENOTFOUND;
    *id = slot_id(p->slots[i]);
    return SKPI_OK;
}

/* Interning into an ordered pool.  A string after the last keeps the order
 * (*keep_order, *id = 0: to be appended); one already there is found (*id);
 * any other ends the order: the table is built (*id = 0, to be hashed).  On
 * failure the pool is still ordered and unchanged. */
static int intern_ordered(skpi__strpool *p, const char *s, size_t len, uint32_t *id,
                          bool *keep_order)
{
    *id = locate_ordered(p, s, len, keep_order);
    if (*id || *keep_order)
        return SKPI_OK;
    int rc = grow_table(p, skpi__strpool_count(p));
    if (rc == SKPI_OK)
        p->ordered = 0;
    return rc;
}

/* Interning past the memo; len > 0; hash: the string's hash32() if known,
 * or NULL. */
static int intern_slowly(skpi__strpool *p, const char *s, size_t len, const uint32_t *hash,
                         uint32_t *id, int *added)
{
    size_t count = skpi__strpool_count(p);
    int rc = SKPI_OK;
    bool keep_order = false;
    if (p->ordered) {
        rc = intern_ordered(p, s, len, id, &keep_order);
        if (rc != SKPI_OK || *id)
            return rc;
    }
    uint32_t h = keep_order ? 0 : hash ? *hash : hash32(s, len);
    if (!keep_order) {
        size_t slot = probe(p, s, len, h);
        if (p->slots[slot] != 0) {
            *id = slot_id(p->slots[slot]);
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
        p->slots[free_slot(p, h)] = slot_value(*id, h);  /* anew: the table may have grown */
    *added = 1;
    return SKPI_OK;
}

static int intern_with(skpi__strpool *p, const char *s, size_t len, const uint32_t *hash,
                       uint32_t *id, int *added)
{
    *added = 0;
    if (len == 0) {
        *id = 0;
        return SKPI_OK;
    }
    if (!memo_applies(p, len))
        return intern_slowly(p, s, len, hash, id, added);
    memo_entry key = memo_key(s, len);
    if (p->memo && memo_get(memo_slot(p->memo, &key), &key, id))
        return SKPI_OK;
    int rc = intern_slowly(p, s, len, hash, id, added);
    if (rc == SKPI_OK && !p->memo && !*added)
        p->memo = skpi__calloc(1, sizeof *p->memo);   /* refused: no memo yet */
    if (rc == SKPI_OK && p->memo) {
        key.id = *id;
        *memo_slot(p->memo, &key) = key;
    }
    return rc;
}

int skpi__strpool_intern(skpi__strpool *p, const char *s, size_t len, uint32_t *id, int *added)
{
    return intern_with(p, s, len, NULL, id, added);
}

/* Strings whose misses are overlapped at a time: enough to keep the memory
 * system busy, few enough that the lines fetched are still cached when used. */
enum { PREFETCH_BATCH = 32 };

static void prefetch(const void *address)
{
#if defined(__GNUC__)
    __builtin_prefetch(address);
#else
    (void)address;
#endif
}

/* Touch, for n strings, the lines a probe will read: the home slots, then
 * the offsets and bytes of the strings whose hashes are found.  Each pass
 * issues independent loads, so their misses overlap. */
static void prefetch_probes(const skpi__strpool *p, const char *const *strings,
                            const size_t *lengths, size_t n, uint32_t *hashes)
{
    uint32_t found[PREFETCH_BATCH];
    for (size_t k = 0; k < n; k++) {
        hashes[k] = hash32(strings[k], lengths[k]);
        prefetch(&p->slots[home_of(p, hashes[k])]);
    }
    for (size_t k = 0; k < n; k++) {
        size_t i = home_of(p, hashes[k]);
        while (p->slots[i] != 0 && slot_hash(p->slots[i]) != hashes[k])
            i = (i + 1) & p->slot_mask;
        found[k] = p->slots[i] != 0 ? slot_id(p->slots[i]) : 0;
        if (found[k])
            prefetch(p->offsets.data + (size_t)found[k] * p->offsets.width);
    }
    for (size_t k = 0; k < n; k++)
        if (found[k])
            prefetch(skpi__strpool_get(p, found[k]));
}

int skpi__strpool_intern_many(skpi__strpool *p, const char *const *strings,
                              const size_t *lengths, size_t n, uint32_t *ids)
{
    uint32_t hashes[PREFETCH_BATCH];
    for (size_t from = 0; from < n; from += PREFETCH_BATCH) {
        size_t m = n - from < PREFETCH_BATCH ? n - from : PREFETCH_BATCH;
        bool hashed = !p->ordered;   /* a hashed pool stays hashed */
        if (hashed)
            prefetch_probes(p, strings + from, lengths + from, m, hashes);
        for (size_t k = 0; k < m; k++) {
            int added;
            int rc = intern_with(p, strings[from + k], lengths[from + k],
                                 hashed ? &hashes[k] : NULL, &ids[from + k], &added);
            if (rc != SKPI_OK)
                return rc;
        }
    }
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
    memo_forget_from(p->memo, count);
    /* Linear probing cannot delete in place; the table is rebuilt in its own
     * memory, so a rollback never allocates.  (What is left of an ordered
     * pool is still in order.) */
    if (!p->ordered)
        rehash_strings(p);
}

void skpi__strpool_expect(skpi__strpool *p, size_t strings)
{
    size_t count = skpi__strpool_count(p);
    size_t average = p->bytes_len / count + 1;
    if (strings > (SIZE_MAX - p->bytes_len) / average || strings > SIZE_MAX - count)
        return;
    (void)skpi__intcol_reserve(&p->offsets, count + strings);
    void *bytes = p->bytes;
    if (skpi__reserve(&bytes, &p->bytes_cap, p->bytes_len + strings * average, 1) == SKPI_OK)
        p->bytes = bytes;
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
           + (p->slot_mask ? table_bytes(p->slot_mask + 1) : 0)
           + (p->memo ? sizeof *p->memo : 0);
}
