/* bench/pagefault.c: what a page fault costs here, against asking the kernel
 * to map a block's pages in one call (madvise MADV_POPULATE_WRITE, which
 * lib/alloc.c does for every block of 4 MiB or more).
 *
 *   cc -O2 bench/pagefault.c -o /tmp/pagefault && /tmp/pagefault [MiB]
 *
 * Prints the time to write a fresh block of MiB (default 512) page by page
 * through page faults, and the time to populate another one and then write
 * it.  Linux 5.14 or later. */
#define _DEFAULT_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
#ifdef MADV_POPULATE_WRITE
    size_t mib = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 512;
    size_t n = mib << 20;
    char *faulted = malloc(n), *populated = malloc(n);
    if (!faulted || !populated)
        return 2;
    double t0 = now();
    memset(faulted, 1, n);
    double t1 = now();
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t from = ((uintptr_t)populated + page - 1) / page * page;
    uintptr_t to = ((uintptr_t)populated + n) / page * page;
    int rc = madvise((void *)from, to - from, MADV_POPULATE_WRITE);
    double t2 = now();
    memset(populated, 1, n);
    double t3 = now();
    printf("%zu MiB: written through page faults %.3f s (%.1f us a page); "
           "populated %.3f s%s, then written %.3f s\n", mib, t1 - t0,
           (t1 - t0) * 1e6 / (double)(n / page), t2 - t1, rc ? " (refused)" : "", t3 - t2);
    return faulted[n - 1] + populated[n - 1] == 2 ? 0 : 1;
#else
    (void)argc;
    (void)argv;
    puts("MADV_POPULATE_WRITE is not defined here");
    return 0;
#endif
}
