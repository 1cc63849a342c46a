/* memory_per_contact: bytes the records and chains handles hold per contact
 * after loading a contacts file (doc/memory.md, issue 8's 64-byte target).
 *
 *   cc -std=c11 -O2 -I include -I build/include bench/memory_per_contact.c \
 *      build/lib/.libs/libsupportkpi.a -pthread -o memory_per_contact
 *   ./memory_per_contact /tmp/skpi-bench/10000000/contacts.csv
 *
 * Loads as the supportkpi command does (two threads), builds the chains
 * with the default options, and prints skpi_records_memory() and
 * skpi_chains_memory() divided by the contacts. */
#include <stdio.h>

#include "supportkpi.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: memory_per_contact CONTACTS.csv\n");
        return 2;
    }
    skpi_records *records = NULL;
    skpi_chains *chains = NULL;
    skpi_load_options options = SKPI_LOAD_OPTIONS_INIT;
    options.threads = 2;
    skpi_input contacts = SKPI_INPUT_PATH(argv[1]);
    if (skpi_records_new(&records) != SKPI_OK
        || skpi_records_load(records, &contacts, &options, NULL) != SKPI_OK) {
        fprintf(stderr, "memory_per_contact: %s\n",
                records ? skpi_records_errmsg(records) : "out of memory");
        skpi_records_free(records);
        return 1;
    }
    skpi_error err;
    if (skpi_chains_new(&chains, records, NULL, &err) != SKPI_OK) {
        fprintf(stderr, "memory_per_contact: %s\n", err.message);
        skpi_records_free(records);
        return 1;
    }
    double n = (double)skpi_records_count(records);
    double held = (double)skpi_records_memory(records), linked = (double)skpi_chains_memory(chains);
    printf("%s: %.0f contacts; records %.1f, chains %.1f, total %.1f bytes per contact\n", argv[1],
           n, n ? held / n : 0.0, n ? linked / n : 0.0, n ? (held + linked) / n : 0.0);
    skpi_chains_free(chains);
    skpi_records_free(records);
    return 0;
}
