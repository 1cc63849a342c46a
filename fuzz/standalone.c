/* A main() for the fuzz harnesses without libFuzzer: it runs
 * LLVMFuzzerTestOneInput() once on every file named on the command line,
 * and on every regular file (not starting with '.') of every directory
 * named, in name order.  Arguments starting with '-' are libFuzzer options
 * and are ignored, so a replay takes the same command line as a fuzz run.
 *
 * Each input is read into a buffer of exactly its size, so that a sanitizer
 * build catches a read past its end as libFuzzer would.  A broken invariant
 * aborts the process; a clean run prints how many inputs ran and exits 0.
 * Exit 2: a usage or I/O problem. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int verbose;

static int run_file(const char *path, size_t *ran)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t cap = 4096, size = 0;
    uint8_t *data = malloc(cap);
    for (;;) {
        if (!data) {
            fprintf(stderr, "%s: out of memory\n", path);
            fclose(f);
            return -1;
        }
        size += fread(data + size, 1, cap - size, f);
        if (size < cap)
            break;
        uint8_t *bigger = realloc(data, cap * 2);
        if (!bigger)
            free(data);
        data = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        fprintf(stderr, "%s: read error\n", path);
        free(data);
        return -1;
    }
    /* An exact copy: reading past `size` must land outside the block. */
    uint8_t *exact = malloc(size ? size : 1);
    if (!exact) {
        free(data);
        fprintf(stderr, "%s: out of memory\n", path);
        return -1;
    }
    memcpy(exact, data, size);
    free(data);
    if (verbose)
        fprintf(stderr, "running %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput(exact, size);
    free(exact);
    ++*ran;
    return 0;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_directory(const char *dir, size_t *ran)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "%s: %s\n", dir, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **bigger = realloc(names, cap * sizeof *names);
            if (!bigger) {
                rc = -1;
                break;
            }
            names = bigger;
        }
        size_t len = strlen(dir) + strlen(e->d_name) + 2;
        if (!(names[n] = malloc(len))) {
            rc = -1;
            break;
        }
        snprintf(names[n], len, "%s/%s", dir, e->d_name);
        n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, compare_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (rc == 0 && stat(names[i], &st) == 0 && S_ISREG(st.st_mode))
            rc = run_file(names[i], ran);
        free(names[i]);
    }
    free(names);
    if (rc)
        fprintf(stderr, "%s: could not read the directory\n", dir);
    return rc;
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    int inputs = 0;
    verbose = getenv("FUZZ_VERBOSE") != NULL;
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            continue;
        inputs++;
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        int rc = S_ISDIR(st.st_mode) ? run_directory(argv[i], &ran) : run_file(argv[i], &ran);
        if (rc)
            return 2;
    }
    if (!inputs) {
        fprintf(stderr, "usage: %s FILE|DIRECTORY...\n"
                        "Runs the fuzz harness once on every input (libFuzzer options are ignored).\n",
                argv[0]);
        return 2;
    }
    printf("%s: %zu inputs ran\n", argv[0], ran);
    return 0;
}
