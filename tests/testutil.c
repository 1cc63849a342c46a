/* A counting allocator that can refuse the Nth request.  Blocks carry a
 * header so that frees can be counted and leaks seen without valgrind. */
#include "testutil.h"

#include <stddef.h>
#include <stdlib.h>

#include "supportkpi.h"

static long calls;
static long live;
static long fail_from = -1;
static int failed;

/* max_align_t keeps the payload as aligned as malloc's. */
typedef union header { max_align_t align; size_t size; } header;

static int refuse_this_call(void)
{
    long n = calls++;
    if (fail_from >= 0 && n >= fail_from) {
        failed = 1;
        return 1;
    }
    return 0;
}

static void *counting_malloc(size_t size)
{
    if (refuse_this_call())
        return NULL;
    header *h = malloc(sizeof(header) + size);
    if (!h)
        return NULL;
    h->size = size;
    live++;
    return h + 1;
}

static void *counting_realloc(void *p, size_t size)
{
    if (refuse_this_call())
        return NULL;
    header *h = realloc((header *)p - 1, sizeof(header) + size);
    if (!h)
        return NULL;
    h->size = size;
    return h + 1;
}

static void counting_free(void *p)
{
    live--;
    free((header *)p - 1);
}

void test_alloc_install(long fail_at)
{
    calls = 0;
    live = 0;
    failed = 0;
    fail_from = fail_at;
    skpi_set_allocator(counting_malloc, counting_realloc, counting_free);
}

void test_alloc_restore(void)
{
    skpi_set_allocator(NULL, NULL, NULL);
    fail_from = -1;
}

long test_alloc_calls(void) { return calls; }
long test_alloc_live(void) { return live; }
int test_alloc_failed(void) { return failed; }
