/* A string pool: interns byte strings as small integer ids.
 *
 * Customers, reasons, channels and dimension values repeat across millions
 * of contacts; storing each once and the contacts as ids is what makes the
 * columnar store small and makes grouping and stitching integer work.  Id 0
 * is always the empty string.  Contact ids use a pool too: they are unique,
 * so interning one that exists is how duplicates are found.
 *
 * Strings are kept NUL-terminated, back to back, in one growing buffer.
 *
 * While every string added sorts bytewise after the one before (contact ids
 * as most systems number them: C0000001, C0000002 ...), the pool keeps no
 * hash table at all: a new string is new exactly when it is greater than the
 * last, and a lookup is a binary search.  The first string out of order
 * builds the table, once, and the pool hashes from then on.  At ten million
 * contacts the table is 8 bytes per contact and one cache miss per row.
 *
 * A pool of at most a few thousand strings that met a string twice also
 * keeps a 3 KiB memo of the short ones (16 bytes or fewer) it interned
 * last: the reasons, channels and regions of ten million rows are answered
 * from it without hashing. */
#ifndef SKPI_STRPOOL_H
#define SKPI_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "intcol.h"

typedef struct skpi__strpool {
    char *bytes;          /* the strings, each followed by NUL */
    size_t bytes_len;
    size_t bytes_cap;
    skpi__intcol offsets; /* offset of string id in bytes */
    uint64_t *slots;      /* open addressing: hash << 32 | id + 1, or 0 for empty */
    size_t slot_mask;     /* slot count - 1 (a power of two), or 0 while ordered */
    unsigned home_shift;  /* 32 - log2(slot count): a hash's home slot is hash >> it */
    int ordered;          /* strings 1.. are in increasing bytewise order, no table */
    struct skpi__strpool_memo *memo;  /* recent short strings, or NULL (strpool.c) */
} skpi__strpool;

/* A pool holding only "" as id 0.  SKPI_ENOMEM on failure. */
int skpi__strpool_init(skpi__strpool *p);

void skpi__strpool_release(skpi__strpool *p);

/* Number of ids (the empty string included). */
size_t skpi__strpool_count(const skpi__strpool *p);

/* The id of s[0..len), adding it if new; *added says which.  The id of ""
 * is 0.  SKPI_ENOMEM / SKPI_ERANGE (more than 2^32 - 2 strings, or than
 * 3 * 2^29 in a pool that hashes) leave the pool as it was. */
int skpi__strpool_intern(skpi__strpool *p, const char *s, size_t len, uint32_t *id, int *added);

/* Intern strings[k][0..lengths[k]) for k < n, in order, into ids[k]: the
 * same as n calls of skpi__strpool_intern(), but the table's cache misses
 * of a few dozen strings are taken together, not one after the other.  On
 * failure (SKPI_ENOMEM, SKPI_ERANGE) the strings before the failing one are
 * interned; the caller truncates. */
int skpi__strpool_intern_many(skpi__strpool *p, const char *const *strings,
                              const size_t *lengths, size_t n, uint32_t *ids);

/* The id of s[0..len) if present: 0 when found (*id set), SKPI_ENOTFOUND. */
int skpi__strpool_find(const skpi__strpool *p, const char *s, size_t len, uint32_t *id);

/* String id, NUL-terminated; borrowed until the pool changes. */
const char *skpi__strpool_get(const skpi__strpool *p, uint32_t id);

/* Forget every id >= count (rollback of a failed batch).  Never fails. */
void skpi__strpool_truncate(skpi__strpool *p, size_t count);

/* Make room for `strings` more strings as long, on average, as those held
 * (best effort: a refused allocation leaves the pool to grow as usual). */
void skpi__strpool_expect(skpi__strpool *p, size_t strings);

/* Give back the capacity of the strings' storage beyond what they use (best
 * effort).  The hash table keeps its size. */
void skpi__strpool_trim(skpi__strpool *p);

/* Bytes held by the pool. */
size_t skpi__strpool_bytes(const skpi__strpool *p);

#endif
