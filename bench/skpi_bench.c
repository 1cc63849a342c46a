/* skpi_bench: the benchmark workload through the library API, with the
 * phases timed separately (CLOCK_MONOTONIC):
 *
 *   skpi_bench CONTACTS COSTS RATES REPORT.json
 *
 * load     contacts.csv, costs.csv and rates.csv (skpi_records_load,
 *          skpi_ledger_load_costs, skpi_ledger_load_rates)
 * compute  chains with the default options (7-day window, as-of = the latest
 *          timestamp) and the breakdown by channel, region (skpi_chains_new,
 *          skpi_breakdown_new): every KPI, both allocations, the rounding;
 *          two threads each, as the supportkpi command uses
 * write    the SPEC section 9 JSON into REPORT.json (skpi_breakdown_write_json)
 *
 * Prints "phase NAME SECONDS" per phase on stdout.  bench/run.sh builds it
 * against the static library of the build tree and checks that REPORT.json is
 * the same report as `supportkpi report --format json`. */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <supportkpi.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void print_line(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "%s\n", message);
}

static int fail(const char *what, const char *message)
{
    fprintf(stderr, "skpi_bench: %s: %s\n", what, message);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: skpi_bench CONTACTS COSTS RATES REPORT.json\n");
        return 2;
    }
    skpi_records *records = NULL;
    skpi_ledger *ledger = NULL;
    skpi_chains *chains = NULL;
    skpi_breakdown *breakdown = NULL;
    skpi_error err;
    skpi_load_options lo = SKPI_LOAD_OPTIONS_INIT;
    lo.report = print_line;
    lo.threads = 2;   /* as the supportkpi command does by default */
    int rc;

    double t0 = now();
    skpi_input contacts = SKPI_INPUT_PATH(argv[1]);
    if ((rc = skpi_records_new(&records)) != SKPI_OK)
        return fail("records", skpi_strerror(rc));
    if ((rc = skpi_records_load(records, &contacts, &lo, NULL)) != SKPI_OK)
        return fail(argv[1], skpi_records_errmsg(records));
    skpi_input costs = SKPI_INPUT_PATH(argv[2]);
    if ((rc = skpi_ledger_load_costs(&ledger, &costs, &lo, NULL, &err)) != SKPI_OK)
        return fail(argv[2], err.message);
    skpi_input rates = SKPI_INPUT_PATH(argv[3]);
    if ((rc = skpi_ledger_load_rates(ledger, &rates, &lo, NULL)) != SKPI_OK)
        return fail(argv[3], skpi_ledger_errmsg(ledger));
    double t1 = now();

    skpi_chain_options co = SKPI_CHAIN_OPTIONS_INIT;
    co.threads = 2;   /* as the supportkpi command does by default */
    if ((rc = skpi_chains_new(&chains, records, &co, &err)) != SKPI_OK)
        return fail("chains", err.message);
    static const char *const by[] = { "channel", "region" };
    skpi_breakdown_options bo = SKPI_BREAKDOWN_OPTIONS_INIT;
    bo.by = by;
    bo.by_count = 2;
    bo.threads = 2;
    if ((rc = skpi_breakdown_new(&breakdown, chains, ledger, &bo, &err)) != SKPI_OK)
        return fail("breakdown", err.message);
    double t2 = now();

    FILE *out = fopen(argv[4], "w");
    if (!out)
        return fail(argv[4], "cannot open");
    rc = skpi_breakdown_write_json(breakdown, out, SKPI_UNSET);
    if (fclose(out) != 0 || rc != SKPI_OK)
        return fail(argv[4], "write failed");
    double t3 = now();

    printf("phase load %.3f\nphase compute %.3f\nphase write %.3f\n", t1 - t0, t2 - t1,
           t3 - t2);
    skpi_breakdown_free(breakdown);
    skpi_chains_free(chains);
    skpi_ledger_free(ledger);
    skpi_records_free(records);
    return 0;
}
