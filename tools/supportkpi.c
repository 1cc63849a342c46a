/* supportkpi: the command-line face of libsupportkpi.  Argument parsing,
 * calls into the library and printing; every number comes from the library.
 *
 * Exit codes: 0 success, 1 bad data, 2 bad usage, 3 I/O or system error. */
#define _POSIX_C_SOURCE 200809L  /* strdup, isatty */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <supportkpi.h>

enum { EXIT_DATA = 1, EXIT_USAGE = 2, EXIT_SYSTEM = 3 };

#define MAX_KEYS 16

typedef struct args {
    const char *command;
    const char *contacts, *costs, *rates;
    skpi_chain_options chain;
    const char *by[MAX_KEYS];
    size_t by_count;
    int bucket;
    int view;
    const char *format;
    int skip_bad_rows;
    unsigned threads;
    const char *row_keys[MAX_KEYS];
    const char *row_values[MAX_KEYS];
    size_t row_count;
    const char *row;  /* --row as given, for messages */
    char *row_text;   /* owned copy of --row, split in place */
    char *by_text;    /* owned copy of --by */
} args;

static const char *const usage_report =
    "usage: supportkpi report --contacts FILE --costs FILE [--rates FILE]\n"
    "                         [--window DURATION] [--as-of TIME] [--by KEY,KEY...]\n"
    "                         [--bucket day|week|month|quarter] [--cohort]\n"
    "                         [--anchor first|last] [--provisional]\n"
    "                         [--format table|csv|json] [--skip-bad-rows]\n"
    "                         [--threads N]\n"
    "\n"
    "Cost per resolution, cost per ticket, escalation-adjusted cost, failure-demand\n"
    "cost and every other KPI of SPEC, for the total and per segment.\n"
    "\n"
    "  --contacts FILE   contacts.csv (SPEC 8); required\n"
    "  --costs FILE      costs.csv, the cost ledger; required\n"
    "  --rates FILE      rates.csv, tier rates (escalation figures need them)\n"
    "  --window D        stitching window: seconds, or an integer with s, h or d\n"
    "                    (7d, 36h); 0 to 90d; default 7d\n"
    "  --as-of TIME      when the numbers are for: epoch seconds or ISO 8601\n"
    "                    (2025-12-31T00:00:00Z); default: the latest timestamp\n"
    "  --by KEYS         group by channel, reason, tier, outcome or a dimension\n"
    "  --bucket UNIT     also group by day, week (ISO), month or quarter (UTC)\n"
    "  --cohort          place chains by their anchor's opened_at, not their close\n"
    "  --anchor A        place chains by their first (default) or last contact\n"
    "  --provisional     count pending chains whose last outcome is resolved\n"
    "  --format F        table (default), csv or json (SPEC 9)\n"
    "  --skip-bad-rows   leave bad rows out (each is reported on stderr)\n"
    "  --threads N       1: everything on one thread; 2 (default): a second one\n"
    "                    interns the customers while the first reads the contacts,\n"
    "                    and takes half of the chains and of the breakdown\n"
    "\n"
    "Exit status: 0 success, 1 bad data, 2 bad usage, 3 I/O or system error.\n";

static const char *const usage_explain =
    "usage: supportkpi explain --contacts FILE --costs FILE [--rates FILE]\n"
    "                          --row KEY=VALUE[,KEY=VALUE...] [report options]\n"
    "\n"
    "The chains and contacts behind one row of a report, with each chain's status\n"
    "and cost and each contact's cost (the contacts' costs sum to the row's cost).\n"
    "KEY is a grouping key (channel, reason, tier, outcome, a dimension) or a\n"
    "bucket unit (day, week, month, quarter); an empty VALUE means null.  Without\n"
    "--by, the row's keys are the grouping.\n"
    "\n"
    "Exit status: 0 success, 1 bad data or no such row, 2 bad usage, 3 I/O error.\n";

static const char *const usage_validate =
    "usage: supportkpi validate [--contacts FILE] [--costs FILE] [--rates FILE]\n"
    "\n"
    "Check the files against SPEC and list every bad row as file:line:column:reason.\n"
    "\n"
    "Exit status: 0 all good, 1 bad rows, 2 bad usage, 3 I/O error.\n";

static const char *const usage_main =
    "usage: supportkpi COMMAND [OPTIONS]\n"
    "\n"
    "  report     the KPI report (supportkpi report --help)\n"
    "  explain    the chains and contacts behind one row\n"
    "  validate   check the files and list every bad row\n"
    "\n"
    "  --help     this text; --version  the library's version\n";

static int usage_error(const char *usage, const char *fmt, const char *arg)
{
    fprintf(stderr, "supportkpi: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n\n%s", usage);
    return EXIT_USAGE;
}

/* Split "a,b,c" in place into at most MAX_KEYS parts. */
static int split_list(char *text, const char **parts, size_t *count)
{
    *count = 0;
    for (char *p = text; p; ) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = '\0';
        if (*count == MAX_KEYS || !*p)
            return -1;
        parts[(*count)++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return 0;
}

static int parse_row(args *a, const char *usage)
{
    const char *pairs[MAX_KEYS];
    if (split_list(a->row_text, pairs, &a->row_count) != 0)
        return usage_error(usage, "--row '%s': KEY=VALUE pairs joined by commas", a->row);
    for (size_t k = 0; k < a->row_count; k++) {
        char *eq = strchr(pairs[k], '=');
        if (!eq || eq == pairs[k])
            return usage_error(usage, "--row: '%s' is not KEY=VALUE", pairs[k]);
        *eq = '\0';
        a->row_keys[k] = pairs[k];
        a->row_values[k] = eq + 1;
    }
    return 0;
}

static int option_value(int argc, char **argv, int *i, const char **out, const char *usage)
{
    if (*i + 1 >= argc) {
        usage_error(usage, "%s needs a value", argv[*i]);
        return -1;
    }
    *out = argv[++*i];
    return 0;
}

/* One option with a value; returns 0, 1 (not this kind), or an exit code. */
static int parse_valued(args *a, const char *name, const char *value, const char *usage)
{
    skpi_error err;
    if (strcmp(name, "--contacts") == 0)
        a->contacts = value;
    else if (strcmp(name, "--costs") == 0)
        a->costs = value;
    else if (strcmp(name, "--rates") == 0)
        a->rates = value;
    else if (strcmp(name, "--format") == 0)
        a->format = value;
    else if (strcmp(name, "--threads") == 0) {
        if (strcmp(value, "1") != 0 && strcmp(value, "2") != 0)
            return usage_error(usage, "--threads '%s': 1 or 2", value);
        a->threads = (unsigned)(value[0] - '0');
    }
    else if (strcmp(name, "--window") == 0) {
        if (skpi_duration_parse(value, &a->chain.window_seconds, &err) != SKPI_OK
            || a->chain.window_seconds > skpi_window_max())
            return usage_error(usage, "--window '%s': an integer with s, h or d, at most 90d", value);
    } else if (strcmp(name, "--as-of") == 0) {
        if (skpi_time_parse(value, &a->chain.as_of, &err) != SKPI_OK)
            return usage_error(usage, "--as-of '%s': epoch seconds or ISO 8601 with Z or an offset", value);
    } else if (strcmp(name, "--bucket") == 0) {
        if (skpi_bucket_from_name(value, &a->bucket) != SKPI_OK)
            return usage_error(usage, "--bucket '%s': day, week, month or quarter", value);
    } else if (strcmp(name, "--anchor") == 0) {
        if (strcmp(value, "first") && strcmp(value, "last"))
            return usage_error(usage, "--anchor '%s': first or last", value);
        a->chain.anchor = strcmp(value, "last") == 0 ? SKPI_ANCHOR_LAST : SKPI_ANCHOR_FIRST;
    } else if (strcmp(name, "--by") == 0) {
        free(a->by_text);
        a->by_text = strdup(value);
        if (!a->by_text || split_list(a->by_text, a->by, &a->by_count) != 0)
            return usage_error(usage, "--by '%s': grouping keys joined by commas", value);
    } else if (strcmp(name, "--row") == 0 && strcmp(a->command, "explain") == 0) {
        free(a->row_text);
        a->row = value;
        if (!(a->row_text = strdup(value)))
            return EXIT_SYSTEM;
        return parse_row(a, usage);
    } else
        return 1;
    return 0;
}

/* Whether parse_valued() knows the option (so that an unknown one last on
 * the line is called unknown, not "needs a value"). */
static int takes_value(const args *a, const char *name)
{
    static const char *const valued[] = { "--contacts", "--costs", "--rates", "--format",
                                          "--window", "--as-of", "--bucket", "--anchor", "--by",
                                          "--threads" };
    for (size_t k = 0; k < sizeof valued / sizeof valued[0]; k++)
        if (strcmp(name, valued[k]) == 0)
            return 1;
    return strcmp(name, "--row") == 0 && strcmp(a->command, "explain") == 0;
}

static int parse_args(args *a, int argc, char **argv, const char *usage)
{
    for (int i = 2; i < argc; i++) {
        const char *name = argv[i], *value;
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            fputs(usage, stdout);
            exit(0);
        } else if (strcmp(name, "--cohort") == 0) {
            a->view = SKPI_VIEW_COHORT;
        } else if (strcmp(name, "--provisional") == 0) {
            a->chain.provisional = 1;
        } else if (strcmp(name, "--skip-bad-rows") == 0) {
            a->skip_bad_rows = 1;
        } else {
            if (strncmp(name, "--", 2) != 0)
                return usage_error(usage, "unexpected argument '%s'", name);
            if (!takes_value(a, name))
                return usage_error(usage, "unknown option '%s'", name);
            if (option_value(argc, argv, &i, &value, usage) != 0)
                return EXIT_USAGE;
            int rc = parse_valued(a, name, value, usage);
            if (rc == 1)
                return usage_error(usage, "unknown option '%s'", name);
            if (rc != 0)
                return rc;
        }
    }
    if (strcmp(a->format, "table") && strcmp(a->format, "csv") && strcmp(a->format, "json"))
        return usage_error(usage, "--format '%s': table, csv or json", a->format);
    return 0;
}

/* ---- loading ---- */

static void print_report_line(void *context, const char *message)
{
    (void)context;
    fprintf(stderr, "%s\n", message);
}

static void print_progress(void *context, uint64_t bytes)
{
    fprintf(stderr, "\rsupportkpi: reading %s: %llu MB", (const char *)context,
            (unsigned long long)(bytes >> 20));
}

static int exit_code_of(int status)
{
    return status == SKPI_EIO || status == SKPI_ENOMEM ? EXIT_SYSTEM : EXIT_DATA;
}

static skpi_load_options load_options(const args *a, const char *path)
{
    skpi_load_options o = SKPI_LOAD_OPTIONS_INIT;
    o.skip_bad_rows = a->skip_bad_rows;
    o.threads = a->threads;
    o.report = print_report_line;
    if (isatty(STDERR_FILENO)) {
        o.progress = print_progress;
        o.context = (void *)path;
    }
    return o;
}

static void end_progress(const skpi_load_options *o)
{
    if (o->progress)
        fputs("\r\033[K", stderr);
}

typedef struct inputs {
    skpi_records *records;
    skpi_ledger *ledger;
    uint64_t skipped;
} inputs;

static void inputs_free(inputs *in)
{
    skpi_ledger_free(in->ledger);
    skpi_records_free(in->records);
}

static int load_contacts(const args *a, inputs *in)
{
    skpi_load_options o = load_options(a, a->contacts);
    skpi_load_stats stats = { 0, 0 };
    skpi_input input = SKPI_INPUT_PATH(a->contacts);
    int rc = skpi_records_new(&in->records);
    if (rc == SKPI_OK)
        rc = skpi_records_load(in->records, &input, &o, &stats);
    end_progress(&o);
    in->skipped += a->skip_bad_rows ? stats.skipped : 0;
    if (rc != SKPI_OK)
        fprintf(stderr, "supportkpi: %s\n", in->records ? skpi_records_errmsg(in->records)
                                                         : skpi_strerror(rc));
    return rc;
}

static int load_ledger(const args *a, inputs *in)
{
    skpi_load_options o = load_options(a, a->costs);
    skpi_load_stats stats = { 0, 0 };
    skpi_error err;
    skpi_input costs = SKPI_INPUT_PATH(a->costs);
    int rc = skpi_ledger_load_costs(&in->ledger, &costs, &o, &stats, &err);
    end_progress(&o);
    in->skipped += a->skip_bad_rows ? stats.skipped : 0;
    if (rc != SKPI_OK) {
        fprintf(stderr, "supportkpi: %s\n", err.message);
        return rc;
    }
    if (!a->rates)
        return SKPI_OK;
    skpi_input rates = SKPI_INPUT_PATH(a->rates);
    o = load_options(a, a->rates);
    rc = skpi_ledger_load_rates(in->ledger, &rates, &o, &stats);
    end_progress(&o);
    in->skipped += a->skip_bad_rows ? stats.skipped : 0;
    if (rc != SKPI_OK)
        fprintf(stderr, "supportkpi: %s\n", skpi_ledger_errmsg(in->ledger));
    return rc;
}

/* ---- the table ---- */

enum { TABLE_KPIS = 12 };
static const int table_kpis[TABLE_KPIS] = {
    SKPI_KPI_CONTACTS, SKPI_KPI_RESOLVED_CHAINS, SKPI_KPI_FCR, SKPI_KPI_REPEAT_RATE,
    SKPI_KPI_ESCALATION_RATE, SKPI_KPI_COST, SKPI_KPI_CPT, SKPI_KPI_CPR,
    SKPI_KPI_CPR_ESCALATION_ADJUSTED, SKPI_KPI_FAILURE_DEMAND_COST,
    SKPI_KPI_ESCALATION_PREMIUM, SKPI_KPI_RESOLUTION_TIME_MEDIAN,
};
static const char *const table_titles[TABLE_KPIS] = {
    "contacts", "resolved", "FCR", "repeat", "escalated", "cost", "CPT", "CPR",
    "CPR esc-adj", "failure demand", "esc premium", "resolution p50",
};

/* One cell as people read it: money with the currency's decimals, rates as
 * percentages, times as durations, "-" when absent. */
static void table_cell(const skpi_breakdown *b, size_t row, int kpi, char *out, size_t cap)
{
    int64_t v;
    int rc = skpi_breakdown_get(b, row, kpi, &v);
    const char *currency = skpi_breakdown_currency(b);
    if (rc != SKPI_OK)
        snprintf(out, cap, "-");
    else if (kpi >= SKPI_KPI_COST && kpi <= SKPI_KPI_CPR_ESCALATION_ADJUSTED)
        skpi_format_money(v, currency, out, cap);
    else if (skpi_kpi_kind(kpi) == SKPI_KIND_DECIMAL)
        skpi_format_percent(v, 1, out, cap);
    else if (kpi == SKPI_KPI_RESOLUTION_TIME_MEDIAN)
        skpi_format_duration(v, out, cap);
    else
        snprintf(out, cap, "%lld", (long long)v);
}

/* Column c of a table line: a key (the total's first key column says
 * "total"), then the KPIs. */
static void any_cell(const skpi_breakdown *b, size_t row, size_t c, char *out, size_t cap)
{
    size_t keys = skpi_breakdown_key_count(b);
    if (c >= keys) {
        table_cell(b, row, table_kpis[c - keys], out, cap);
        return;
    }
    const char *key = row == SKPI_ROW_TOTAL ? (c == 0 ? "total" : "")
                                            : skpi_breakdown_key_value(b, row, c);
    snprintf(out, cap, "%s", key ? key : "(none)");
}

static void print_cell(const char *text, size_t width, int left, int last)
{
    printf(left ? "%-*s" : "%*s", (int)width, text);
    fputs(last ? "\n" : "  ", stdout);
}

static int print_table(const skpi_breakdown *b)
{
    size_t keys = skpi_breakdown_key_count(b), rows = skpi_breakdown_row_count(b);
    size_t columns = keys + TABLE_KPIS;
    size_t width[MAX_KEYS + 1 + TABLE_KPIS];
    char cell[48];
    for (size_t c = 0; c < columns; c++)
        width[c] = strlen(c < keys ? skpi_breakdown_key_name(b, c) : table_titles[c - keys]);
    if (keys == 0)
        width[0] = 0;
    for (size_t r = 0; r <= rows; r++) {
        size_t row = r == rows ? SKPI_ROW_TOTAL : r;
        for (size_t c = 0; c < columns; c++) {
            any_cell(b, row, c, cell, sizeof cell);
            if (strlen(cell) > width[c])
                width[c] = strlen(cell);
        }
    }
    if (keys == 0)
        printf("%-5s  ", "");
    for (size_t c = 0; c < columns; c++)
        print_cell(c < keys ? skpi_breakdown_key_name(b, c) : table_titles[c - keys], width[c],
                   c < keys, c + 1 == columns);
    for (size_t r = 0; r <= rows; r++) {
        size_t row = r == rows ? SKPI_ROW_TOTAL : r;
        if (keys == 0)
            printf("%-5s  ", row == SKPI_ROW_TOTAL ? "total" : "all");
        for (size_t c = 0; c < columns; c++) {
            any_cell(b, row, c, cell, sizeof cell);
            print_cell(cell, width[c], c < keys, c + 1 == columns);
        }
    }
    return ferror(stdout) ? SKPI_EIO : SKPI_OK;
}

static int print_summary(const skpi_breakdown *b)
{
    const char *currency = skpi_breakdown_currency(b);
    skpi_chain_options o;
    skpi_chains_options(skpi_breakdown_chains(b), &o);
    int64_t total, unallocated, adjusted, v;
    skpi_breakdown_ledger(b, &total, &unallocated, &adjusted);
    char when[40] = "-", money[3][48], window[32];
    if (o.as_of != SKPI_UNSET)
        skpi_time_format(o.as_of, when, sizeof when, NULL);
    skpi_format_duration(o.window_seconds, window, sizeof window);
    skpi_format_money(total, currency, money[0], sizeof money[0]);
    skpi_format_money(unallocated, currency, money[1], sizeof money[1]);
    if (adjusted == SKPI_UNSET)
        snprintf(money[2], sizeof money[2], "- (no tier rates)");
    else
        skpi_format_money(adjusted, currency, money[2], sizeof money[2]);
    printf("as of %s, window %s, %s view, %s anchor%s\n", when, window,
           skpi_breakdown_view(b) == SKPI_VIEW_COHORT ? "cohort" : "period",
           o.anchor == SKPI_ANCHOR_LAST ? "last" : "first", o.provisional ? ", provisional" : "");
    printf("ledger %s %s; unallocated %s; escalation-adjusted unallocated %s\n", money[0],
           currency, money[1], money[2]);
    skpi_breakdown_get(b, SKPI_ROW_TOTAL, SKPI_KPI_OPEN_CHAINS, &v);
    printf("chains: open %lld", (long long)v);
    skpi_breakdown_get(b, SKPI_ROW_TOTAL, SKPI_KPI_PENDING_CHAINS, &v);
    printf(", pending %lld", (long long)v);
    skpi_breakdown_get(b, SKPI_ROW_TOTAL, SKPI_KPI_SETTLED_CHAINS, &v);
    printf(", settled %lld\n\n", (long long)v);
    return print_table(b);
}

/* ---- commands ---- */

static int build_breakdown(const args *a, const inputs *in, skpi_chains **chains,
                           skpi_breakdown **b)
{
    skpi_error err;
    skpi_chain_options co = a->chain;
    co.threads = a->threads;
    int rc = skpi_chains_new(chains, in->records, &co, &err);
    if (rc != SKPI_OK) {
        fprintf(stderr, "supportkpi: %s\n", err.message);
        return exit_code_of(rc);
    }
    skpi_breakdown_options o = SKPI_BREAKDOWN_OPTIONS_INIT;
    o.by = a->by;
    o.by_count = a->by_count;
    o.bucket = a->bucket;
    o.view = a->view;
    o.threads = a->threads;
    rc = skpi_breakdown_new(b, *chains, in->ledger, &o, &err);
    if (rc != SKPI_OK) {
        fprintf(stderr, "supportkpi: %s\n", err.message);
        return rc == SKPI_EINVAL ? EXIT_USAGE : exit_code_of(rc);
    }
    return 0;
}

static int load_all(const args *a, inputs *in, const char *usage)
{
    if (!a->contacts || !a->costs)
        return usage_error(usage, "%s", "--contacts and --costs are required");
    int rc = load_contacts(a, in);
    if (rc == SKPI_OK)
        rc = load_ledger(a, in);
    return rc == SKPI_OK ? 0 : exit_code_of(rc);
}

static int run_report(const args *a)
{
    inputs in = { NULL, NULL, 0 };
    skpi_chains *chains = NULL;
    skpi_breakdown *b = NULL;
    int code = load_all(a, &in, usage_report);
    if (code == 0)
        code = build_breakdown(a, &in, &chains, &b);
    if (code == 0) {
        int rc;
        if (strcmp(a->format, "json") == 0)
            rc = skpi_breakdown_write_json(b, stdout, a->skip_bad_rows ? (int64_t)in.skipped
                                                                       : SKPI_UNSET);
        else if (strcmp(a->format, "csv") == 0)
            rc = skpi_breakdown_write_csv(b, stdout);
        else
            rc = print_summary(b);
        if (rc != SKPI_OK) {
            fprintf(stderr, "supportkpi: writing the report: %s\n", skpi_strerror(rc));
            code = EXIT_SYSTEM;
        }
    }
    if (a->skip_bad_rows && in.skipped)
        fprintf(stderr, "supportkpi: %llu bad rows skipped\n", (unsigned long long)in.skipped);
    skpi_breakdown_free(b);
    skpi_chains_free(chains);
    inputs_free(&in);
    return code;
}

/* Load each file given and report every bad row; nothing else. */
static int run_validate(args *a)
{
    if (!a->contacts && !a->costs && !a->rates)
        return usage_error(usage_validate, "%s", "give at least one of --contacts, --costs, --rates");
    inputs in = { NULL, NULL, 0 };
    int worst = 0, rc;
    a->skip_bad_rows = 1;  /* read every file to its end, listing every bad row */
    /* A file that fails even so (syntax, header: bad data; I/O: system)
     * does not stop the others from being checked. */
    if (a->contacts && (rc = load_contacts(a, &in)) != SKPI_OK)
        worst = exit_code_of(rc);
    if (a->costs && (rc = load_ledger(a, &in)) != SKPI_OK && exit_code_of(rc) > worst)
        worst = exit_code_of(rc);
    if (a->rates && !in.ledger) {   /* no costs, or costs that failed */
        if (skpi_ledger_new(&in.ledger, NULL, NULL) != SKPI_OK) {
            inputs_free(&in);
            return EXIT_SYSTEM;
        }
        skpi_input rates = SKPI_INPUT_PATH(a->rates);
        skpi_load_options o = load_options(a, a->rates);
        skpi_load_stats stats = { 0, 0 };
        rc = skpi_ledger_load_rates(in.ledger, &rates, &o, &stats);
        end_progress(&o);
        if (rc != SKPI_OK) {
            fprintf(stderr, "supportkpi: %s\n", skpi_ledger_errmsg(in.ledger));
            if (exit_code_of(rc) > worst)
                worst = exit_code_of(rc);
        }
        in.skipped += stats.skipped;
    }
    if (worst == 0 && in.skipped)
        worst = EXIT_DATA;
    if (worst == 0)
        printf("all rows valid\n");
    else if (in.skipped)
        fprintf(stderr, "supportkpi: %llu bad rows\n", (unsigned long long)in.skipped);
    inputs_free(&in);
    return worst;
}

/* ---- explain ---- */

/* Without --by, the row's keys are the grouping (a bucket unit as bucket). */
static int grouping_from_row(args *a)
{
    if (a->by_count || a->row_count == 0)
        return 0;
    for (size_t k = 0; k < a->row_count; k++) {
        int unit;
        if (a->bucket == SKPI_BUCKET_NONE && skpi_bucket_from_name(a->row_keys[k], &unit) == SKPI_OK)
            a->bucket = unit;
        else
            a->by[a->by_count++] = a->row_keys[k];
    }
    return 0;
}

/* The row whose every key matches --row (an empty value matches null). */
static size_t find_row(const args *a, const skpi_breakdown *b)
{
    size_t row;
    if (skpi_breakdown_find_row(b, a->row_count, a->row_keys, a->row_values, &row) != SKPI_OK)
        return SIZE_MAX;
    return row;
}

static void money_text(const skpi_breakdown *b, int rc, int64_t v, char *out, size_t cap)
{
    if (rc == SKPI_OK)
        skpi_format_money(v, skpi_breakdown_currency(b), out, cap);
    else
        snprintf(out, cap, "-");
}

static void print_chains(const skpi_breakdown *b, const skpi_explain *e)
{
    const skpi_chains *c = skpi_breakdown_chains(b);
    const skpi_records *r = skpi_chains_records(c);
    printf("chains placed in this row: %zu\n", skpi_explain_chain_count(e));
    printf("  %-8s %-10s %-21s %-21s %12s  %s\n", "chain", "status", "first opened",
           "latest close", "cost", "contacts (channel)");
    for (size_t k = 0; k < skpi_explain_chain_count(e); k++) {
        size_t chain;
        int64_t cost;
        char first[40], last[40], money[48];
        int rc = skpi_explain_chain(e, k, &chain, &cost);
        money_text(b, rc, cost, money, sizeof money);
        skpi_time_format(skpi_chain_first_opened(c, chain), first, sizeof first, NULL);
        skpi_time_format(skpi_chain_latest_close(c, chain), last, sizeof last, NULL);
        printf("  %-8zu %-10s %-21s %-21s %12s ", chain,
               skpi_chain_status_name(skpi_chain_get_status(c, chain)), first, last, money);
        for (size_t p = 0; p < skpi_chain_size(c, chain); p++) {
            skpi_contact contact;
            skpi_records_get(r, skpi_chain_contact(c, chain, p), &contact);
            printf(" %s (%s)", contact.id, *contact.channel ? contact.channel : "-");
        }
        printf("\n");
    }
}

static void print_contacts(const skpi_breakdown *b, const skpi_explain *e)
{
    const skpi_records *r = skpi_chains_records(skpi_breakdown_chains(b));
    printf("contacts in this row: %zu\n", skpi_explain_contact_count(e));
    printf("  %-20s %-21s %-12s %-10s %4s %12s\n", "id", "opened", "channel", "outcome", "tier",
           "cost");
    for (size_t k = 0; k < skpi_explain_contact_count(e); k++) {
        size_t index;
        int64_t cost;
        char opened[40], money[48];
        int rc = skpi_explain_contact(e, k, &index, &cost);
        skpi_contact contact;
        skpi_records_get(r, index, &contact);
        money_text(b, rc, cost, money, sizeof money);
        skpi_time_format(contact.opened_at, opened, sizeof opened, NULL);
        printf("  %-20s %-21s %-12s %-10s %4lld %12s\n", contact.id, opened,
               *contact.channel ? contact.channel : "-", skpi_outcome_name(contact.outcome),
               (long long)contact.tier, money);
    }
}

static int print_explanation(const args *a, const inputs *in, const skpi_breakdown *b)
{
    size_t row = find_row(a, b);
    if (row == SIZE_MAX) {
        fprintf(stderr, "supportkpi: no row with %s in this report (keys:", a->row);
        for (size_t j = 0; j < skpi_breakdown_key_count(b); j++)
            fprintf(stderr, " %s", skpi_breakdown_key_name(b, j));
        fprintf(stderr, ")\n");
        return EXIT_DATA;
    }
    skpi_explain *e = NULL;
    skpi_error err;
    int rc = skpi_explain_new(&e, b, row, in->ledger, &err);
    if (rc != SKPI_OK) {
        fprintf(stderr, "supportkpi: %s\n", err.message);
        return exit_code_of(rc);
    }
    int64_t v = 0;
    char money[48];
    /* the value is read after the call that sets it (argument order is unspecified) */
    rc = skpi_breakdown_get(b, row, SKPI_KPI_COST, &v);
    money_text(b, rc, v, money, sizeof money);
    printf("row %s: cost %s %s", a->row, money, skpi_breakdown_currency(b));
    rc = skpi_breakdown_get(b, row, SKPI_KPI_CPR, &v);
    money_text(b, rc, v, money, sizeof money);
    printf(", CPR %s\n\n", money);
    print_chains(b, e);
    printf("\n");
    print_contacts(b, e);
    skpi_explain_free(e);
    return ferror(stdout) ? EXIT_SYSTEM : 0;
}

static int run_explain(args *a)
{
    if (!a->row_text)
        return usage_error(usage_explain, "%s", "--row is required");
    grouping_from_row(a);
    inputs in = { NULL, NULL, 0 };
    skpi_chains *chains = NULL;
    skpi_breakdown *b = NULL;
    int code = load_all(a, &in, usage_explain);
    if (code == 0)
        code = build_breakdown(a, &in, &chains, &b);
    if (code == 0)
        code = print_explanation(a, &in, b);
    skpi_breakdown_free(b);
    skpi_chains_free(chains);
    inputs_free(&in);
    return code;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return usage_error(usage_main, "%s", "a command is required");
    if (strcmp(argv[1], "--version") == 0) {
        printf("supportkpi %s\n", skpi_version_string());
        return 0;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    args a;
    memset(&a, 0, sizeof a);
    a.command = argv[1];
    a.chain = (skpi_chain_options)SKPI_CHAIN_OPTIONS_INIT;
    a.format = "table";
    a.threads = 2;
    const char *usage = strcmp(a.command, "report") == 0 ? usage_report
                      : strcmp(a.command, "validate") == 0 ? usage_validate
                      : strcmp(a.command, "explain") == 0 ? usage_explain : NULL;
    if (!usage)
        return usage_error(usage_main, "unknown command '%s'", a.command);
    int code = parse_args(&a, argc, argv, usage);
    if (code == 0 && strcmp(a.command, "report") == 0)
        code = run_report(&a);
    else if (code == 0 && strcmp(a.command, "validate") == 0)
        code = run_validate(&a);
    else if (code == 0)
        code = run_explain(&a);
    free(a.by_text);
    free(a.row_text);
    return code;
}
