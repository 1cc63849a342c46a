/* Every allocation of the library goes through these wrappers, so that the
 * process-wide hook of skpi_set_allocator() sees it and the fault-injection
 * tests can fail any one of them. */
#ifndef SKPI_ALLOC_H
#define SKPI_ALLOC_H

#include <stddef.h>

/* malloc(size); size 0 is treated as 1.  NULL on failure. */
void *skpi__malloc(size_t size);

/* skpi__malloc() of a block that `threads` threads (1 or 2) will fill:
 * with two, its pages are mapped by both threads, half each, which takes
 * half the time where mapping is what costs (a virtual machine's first
 * touch of memory, lib/alloc.c). */
void *skpi__malloc_shared(size_t size, unsigned threads);

/* calloc-like: count * size zeroed bytes, NULL on overflow or failure. */
void *skpi__calloc(size_t count, size_t size);

/* realloc(ptr, size) with ptr == NULL allowed; size 0 is treated as 1.
 * On failure returns NULL and leaves ptr untouched. */
void *skpi__realloc(void *ptr, size_t size);

/* free(ptr); NULL is ignored. */
void skpi__free(void *ptr);

/* Make room for at least `need` elements of `elem` bytes in *array, whose
 * capacity is *cap elements, growing geometrically.  Contents are kept.
 * Returns 0, or SKPI_ENOMEM / SKPI_ERANGE with *array and *cap unchanged. */
int skpi__reserve(void **array, size_t *cap, size_t need, size_t elem);

/* A NUL-terminated copy of s (len bytes), NULL on failure. */
char *skpi__strndup(const char *s, size_t len);

#endif
