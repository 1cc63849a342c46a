/* The allocator hook: the one process-wide setting (doc/conventions.md). */
#define _DEFAULT_SOURCE  /* madvise(), MADV_HUGEPAGE, MADV_POPULATE_WRITE, where there are */

#include "alloc.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#include <unistd.h>
#endif

#include "supportkpi/common.h"
#include "twin.h"

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

/* Blocks from this size on are faulted in at once (see prefault()). */
#define PREFAULT_MIN ((size_t)4 << 20)

/* Ask the kernel to map the pages of a large new block now, in one call,
 * instead of one page fault at a time as the library first writes them: the
 * library fills every large block it asks for (columns, sort keys, sums)
 * right away, and in a virtual machine a page fault costs about 14 us (a
 * 512 MiB block: 1.8 s of faults, 0.1 s populated; bench/pagefault.c
 * measures it).  The block is first marked for transparent huge pages, which
 * a kernel set to "madvise" (as the benchmark VM is) grants only on request: 2 MiB
 * pages mean 512 times fewer mappings to make and TLB entries to miss (10M
 * contacts: 10.4 s -> 7.8 s end to end).  Linux 5.14 and later; elsewhere, or
 * when the kernel says no, nothing happens.  Contents do not change. */
static void *prefault(void *p, size_t size)
{
#if defined(__linux__) && defined(MADV_POPULATE_WRITE)
    if (p && size >= PREFAULT_MIN) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t from = ((uintptr_t)p + page - 1) / page * page;
        uintptr_t to = ((uintptr_t)p + size) / page * page;
        if (to > from) {
#if defined(MADV_HUGEPAGE)
            (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#endif
            (void)madvise((void *)from, to - from, MADV_POPULATE_WRITE);
        }
    }
#else
    (void)size;
#endif
    return p;
}

void *skpi__malloc(size_t size)
{
    return prefault(hook_malloc(size ? size : 1), size);
}

/* One thread's half of a block to map. */
typedef struct block_part {
    char *start;
    size_t size;
} block_part;

static int prefault_part(void *arg)
{
    block_part *part = arg;
    prefault(part->start, part->size);
    return SKPI_OK;
}

/* A virtual machine maps memory the guest has not touched yet (or gave
 * back to the host) at about 0.6 GB/s a thread, and two threads map nearly
 * twice as fast: ten million contacts' chains and breakdown take blocks of
 * 40-80 MB that both threads then fill.  Each half of the block is at least
 * PREFAULT_MIN, or the whole is mapped by the caller. */
void *skpi__malloc_shared(size_t size, unsigned threads)
{
    if (threads < 2 || size < 2 * PREFAULT_MIN)
        return skpi__malloc(size);
    char *p = hook_malloc(size);
    if (!p)
        return NULL;
    /* the halves meet on a 2 MiB boundary: no huge page is split between them */
    const uintptr_t huge = (uintptr_t)2 << 20;
    size_t half = (size_t)(((uintptr_t)p + size / 2 + huge - 1) / huge * huge - (uintptr_t)p);
    if (half >= size)
        half = size / 2;
    block_part first = { p, half }, second = { p + half, size - half };
    (void)skpi__twin_run(threads, (skpi__job){ prefault_part, &first },
                         (skpi__job){ prefault_part, &second });
    return p;
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
    return prefault(hook_realloc(ptr, size ? size : 1), size);
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
