/* The allocator hook: the one process-wide setting (doc/conventions.md). */
#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi/common.h"

static void *(*hook_malloc)(size_t) = malloc;
static void *(*hook_realloc)(void *, size_t) = realloc;
static void (*hook_free)(void *) = free;

int skpi_set_allocator(void *(*malloc_fn)(size_t),
                       void *(*realloc_fn)(void *, size_t),
                       void (*free_fn)(void *))
{
    if (!malloc_fn && !realloc_fn && !free_fn) {
        hook_malloc = malloc;
        hook_realloc = realloc;
        hook_free = free;
        return SKPI_OK;
    }
    if (!malloc_fn || !realloc_fn || !free_fn)
        return SKPI_EINVAL;
    hook_malloc = malloc_fn;
    hook_realloc = realloc_fn;
    hook_free = free_fn;
    return SKPI_OK;
}

void *skpi__malloc(size_t size)
{
    return hook_malloc(size ? size : 1);
}

void *skpi__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = skpi__malloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *skpi__realloc(void *ptr, size_t size)
{
    if (!ptr)
        return skpi__malloc(size);
    return hook_realloc(ptr, size ? size : 1);
}

void skpi__free(void *ptr)
{
    if (ptr)
        hook_free(ptr);
}

int skpi__reserve(void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return SKPI_OK;
    size_t grown = *cap < 8 ? 8 : *cap + *cap / 2;
    if (grown < need)
        grown = need;
    if (elem && grown > SIZE_MAX / elem)
        return SKPI_ERANGE;
    void *p = skpi__realloc(*array, grown * elem);
    if (!p)
        return SKPI_ENOMEM;
    *array = p;
    *cap = grown;
    return SKPI_OK;
}

char *skpi__strndup(const char *s, size_t len)
{
    if (len == SIZE_MAX)
        return NULL;
    char *p = skpi__malloc(len + 1);
    if (p) {
        memcpy(p, s, len);
        p[len] = '\0';
    }
    return p;
}
