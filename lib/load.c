/* The loaders of SPEC §8: contacts.csv, costs.csv, rates.csv.
 *
 * Each reads its file as a stream of records (csv.c), maps the header to
 * fields once, and turns every record into a call of the handle's own
 * validating append, so the rules of SPEC §2 and §4 live in one place
 * (records.c, ledger.c) and the loader adds only the text grammar (numbers,
 * timestamps, words, scope pairs).  All-or-nothing comes from the handles:
 * records roll back a group, a costs load builds a new ledger, a rates load
 * applies nothing until every row has been read. */
/* POSIX for fileno() and fstat(): the size of a file being loaded. */
#define _POSIX_C_SOURCE 200809L

#include "supportkpi/load.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "csv.h"
#include "ledger.h"
#include "records.h"
#include "status.h"
#include "timefmt.h"

/* Progress is reported every this many bytes. */
#define PROGRESS_STEP (UINT64_C(1) << 22)

/* State shared by the three loaders. */
typedef struct loader {
    const char *name;
    const skpi_load_options *options;  /* read_options(): never NULL, current version */
    FILE *owned;                 /* opened from a path */
    skpi__csv *csv;
    char **columns;              /* header names (copies) */
    size_t column_count;
    uint64_t size;               /* of the input in bytes, 0 when not known */
    uint64_t line;               /* of the record in hand */
    uint64_t next_progress;
    skpi_load_stats stats;
    char first[SKPI_ERROR_MESSAGE_SIZE]; /* the first message, for the handle */
} loader;

/* The caller's options as this version's struct.  A version-1 struct ends
 * before `threads`, which must then not be read. */
static int read_options(const skpi_load_options *given, skpi_load_options *out,
                        skpi_error *err)
{
    *out = (skpi_load_options)SKPI_LOAD_OPTIONS_INIT;
    if (!given)
        return SKPI_OK;
    if (given->version != 1 && given->version != SKPI_LOAD_OPTIONS_VERSION)
        return skpi__fail(err, SKPI_EINVAL, "options: version %u is not 1 or %d", given->version,
                          SKPI_LOAD_OPTIONS_VERSION);
    out->skip_bad_rows = given->skip_bad_rows;
    out->report = given->report;
    out->progress = given->progress;
    out->context = given->context;
    if (given->version >= 2)
        out->threads = given->threads;
    return SKPI_OK;
}

static void report(loader *l, const char *column, const char *reason)
{
    char message[512];
    snprintf(message, sizeof message, "%s:%llu:%s:%s", l->name, (unsigned long long)l->line,
             column, reason);
    if (!l->first[0])
        snprintf(l->first, sizeof l->first, "%.*s", (int)sizeof l->first - 1, message);
    if (l->options->report)
        l->options->report(l->options->context, message);
}

/* The name of 1-based column `position`, or the position itself. */
static void column_label(const loader *l, size_t position, char *out, size_t cap)
{
    if (position >= 1 && position <= l->column_count)
        snprintf(out, cap, "%s", l->columns[position - 1]);
    else
        snprintf(out, cap, "%zu", position);
}

/* The size of a regular file, or 0 (a pipe, a terminal, an error). */
static uint64_t file_size(FILE *f)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
        return 0;
    return (uint64_t)st.st_size;
}

static int open_input(loader *l, const skpi_input *in, skpi_error *err)
{
    int rc;
    l->name = in->name ? in->name : in->path ? in->path : "-";
    if (in->path) {
        l->owned = fopen(in->path, "rb");
        if (!l->owned)
            return skpi__fail(err, SKPI_EIO, "%s: cannot open: %s", l->name, strerror(errno));
        l->size = file_size(l->owned);
        rc = skpi__csv_from_file(&l->csv, l->owned);
    } else if (in->file) {
        l->size = file_size(in->file);
        rc = skpi__csv_from_file(&l->csv, in->file);
    } else if (in->data || in->size == 0) {
        l->size = in->size;
        rc = skpi__csv_from_memory(&l->csv, in->data ? in->data : "", in->size);
    } else {
        rc = SKPI_EINVAL;
    }
    if (rc != SKPI_OK)
        return skpi__fail(err, rc, "%s: %s", l->name, skpi_strerror(rc));
    return SKPI_OK;
}

static void loader_release(loader *l)
{
    skpi__csv_free(l->csv);
    if (l->owned)
        fclose(l->owned);
    for (size_t j = 0; j < l->column_count; j++)
        skpi__free(l->columns[j]);
    skpi__free(l->columns);
}

/* The next record: 1, 0 at the end, or an error (reported). */
static int next_record(loader *l, const skpi__field **fields, size_t *count, skpi_error *err)
{
    int rc = skpi__csv_next(l->csv, fields, count);
    l->line = skpi__csv_line(l->csv);
    if (rc < 0) {
        char column[80];
        column_label(l, skpi__csv_error_field(l->csv), column, sizeof column);
        if (rc == SKPI_ESYNTAX || rc == SKPI_EIO) {
            report(l, column, skpi__csv_errmsg(l->csv));
            return skpi__fail(err, rc, "%s", l->first[0] ? l->first : skpi__csv_errmsg(l->csv));
        }
        return skpi__fail(err, rc, "%s: %s", l->name, skpi_strerror(rc));
    }
    uint64_t bytes = skpi__csv_bytes_read(l->csv);
    if (rc == 1 && l->options->progress && bytes >= l->next_progress) {
        l->options->progress(l->options->context, bytes);
        l->next_progress = bytes + PROGRESS_STEP;
    }
    return rc;
}

static void header_problem(void *context, size_t column, const skpi__field *name,
                           const char *reason)
{
    loader *l = context;
    char label[80];
    if (name->len)
        snprintf(label, sizeof label, "%.*s", (int)(name->len < 64 ? name->len : 64), name->ptr);
    else
        snprintf(label, sizeof label, "%zu", column);
    report(l, label, reason);
}

/* Read and check the header; keep copies of its names. */
static int read_header(loader *l, skpi_error *err)
{
    const skpi__field *fields;
    size_t count;
    int rc = next_record(l, &fields, &count, err);
    if (rc < 0)
        return rc;
    if (rc == 0) {
        l->line = 1;
        report(l, "1", "the file is empty: a header is required");
        return skpi__fail(err, SKPI_ESYNTAX, "%s", l->first);
    }
    rc = skpi__csv_check_header(fields, count, header_problem, l);
    if (rc != SKPI_OK)
        return skpi__fail(err, rc, "%s", rc == SKPI_ESYNTAX ? l->first : "out of memory");
    l->columns = skpi__calloc(count, sizeof *l->columns);
    if (!l->columns)
        return skpi__fail(err, SKPI_ENOMEM, "%s: out of memory", l->name);
    for (size_t j = 0; j < count; j++) {
        if (!(l->columns[j] = skpi__strndup(fields[j].ptr, fields[j].len)))
            return skpi__fail(err, SKPI_ENOMEM, "%s: out of memory", l->name);
        l->column_count = j + 1;
    }
    return SKPI_OK;
}

/* A record must have as many fields as the header. */
static bool count_ok(loader *l, size_t count)
{
    if (count == l->column_count)
        return true;
    char column[80], reason[96];
    column_label(l, count < l->column_count ? count + 1 : l->column_count + 1, column,
                 sizeof column);
    snprintf(reason, sizeof reason, "the record has %zu fields, the header %zu", count,
             l->column_count);
    report(l, column, reason);
    return false;
}

static int column_index(const loader *l, const char *name)
{
    for (size_t j = 0; j < l->column_count; j++)
        if (strcmp(l->columns[j], name) == 0)
            return (int)j;
    return -1;
}

static int require_columns(loader *l, const char *const *names, size_t n, skpi_error *err)
{
    bool missing = false;
    for (size_t k = 0; k < n; k++) {
        if (column_index(l, names[k]) < 0) {
            report(l, names[k], "required column is missing");
            missing = true;
        }
    }
    return missing ? skpi__fail(err, SKPI_ESYNTAX, "%s", l->first) : SKPI_OK;
}

/* ---- field grammar ---- */

/* An integer field; empty is UNSET. */
static bool parse_int(loader *l, const skpi__field *f, const char *column, int64_t *out)
{
    if (f->len == 0) {
        *out = SKPI_UNSET;
        return true;
    }
    int rc = skpi__parse_int64(f->ptr, f->len, out);
    if (rc == SKPI_OK && *out != SKPI_UNSET)
        return true;
    report(l, column, rc == SKPI_ERANGE || rc == SKPI_OK ? "integer out of range"
                                                         : "not an integer (optional '-' and digits)");
    return false;
}

/* A timestamp field; empty is UNSET. */
static bool parse_time(loader *l, const skpi__field *f, const char *column, int64_t *out)
{
    if (f->len == 0) {
        *out = SKPI_UNSET;
        return true;
    }
    const char *why = "not a timestamp";
    if (skpi__parse_time_why(f->ptr, f->len, out, &why) == SKPI_OK && *out != SKPI_UNSET)
        return true;
    report(l, column, why);
    return false;
}

/* What the caller learns: a load that failed took no row. */
static void finish_stats(loader *l, int rc, skpi_load_stats *stats)
{
    if (rc != SKPI_OK)
        l->stats.rows = 0;
    if (stats)
        *stats = l->stats;
}

/* ---- contacts.csv ---- */

enum contact_field {
    F_ID, F_CUSTOMER, F_REASON, F_CHANNEL, F_OPENED, F_FIRST_RESPONSE, F_CLOSED, F_HANDLE,
    F_TIER, F_ESCALATIONS, F_OUTCOME, F_REOPENS, F_CSAT, F_DIMENSION
};

static const char *const contact_columns[] = {
    "id", "customer", "reason", "channel", "opened_at", "first_response_at", "closed_at",
    "handle_seconds", "tier", "escalations", "outcome", "reopens", "csat",
};

/* How each column of the file is read. */
typedef struct contact_map {
    enum contact_field *field;  /* per column */
    size_t *dimension;          /* per column, for F_DIMENSION */
    skpi__text *dims;           /* one row's dimension values, by dimension index */
    size_t dim_count;
} contact_map;

static void contact_map_release(contact_map *m)
{
    skpi__free(m->field);
    skpi__free(m->dimension);
    skpi__free(m->dims);
}

static int map_contact_columns(loader *l, skpi_records *r, contact_map *m, skpi_error *err)
{
    m->field = skpi__calloc(l->column_count, sizeof *m->field);
    m->dimension = skpi__calloc(l->column_count, sizeof *m->dimension);
    if (!m->field || !m->dimension)
        return skpi__fail(err, SKPI_ENOMEM, "%s: out of memory", l->name);
    for (size_t j = 0; j < l->column_count; j++) {
        m->field[j] = F_DIMENSION;
        for (int f = 0; f < F_DIMENSION; f++)
            if (strcmp(l->columns[j], contact_columns[f]) == 0)
                m->field[j] = (enum contact_field)f;
        if (m->field[j] != F_DIMENSION)
            continue;
        skpi__row_error why;
        int rc = skpi__records_dimension(r, l->columns[j], strlen(l->columns[j]),
                                         &m->dimension[j], &why);
        if (rc != SKPI_OK) {
            report(l, l->columns[j], why.reason);
            return skpi__fail(err, rc == SKPI_ENOMEM ? rc : SKPI_ESYNTAX, "%s", l->first);
        }
    }
    m->dim_count = skpi_records_dimension_count(r);
    m->dims = skpi__calloc(m->dim_count + 1, sizeof *m->dims);
    if (!m->dims)
        return skpi__fail(err, SKPI_ENOMEM, "%s: out of memory", l->name);
    return SKPI_OK;
}

static bool parse_outcome(loader *l, const skpi__field *f, int64_t *out)
{
    for (int o = 0; f->len && o < skpi_outcome_count(); o++) {
        const char *word = skpi_outcome_name(o);   /* first letters differ: strlen() once a row */
        if (word[0] == f->ptr[0] && f->len == strlen(word) && memcmp(f->ptr, word, f->len) == 0) {
            *out = o;
            return true;
        }
    }
    report(l, "outcome", f->len ? "not one of open, resolved, escalated, abandoned" : "required");
    return false;
}

/* One record as a row for skpi__records_push(); false when a field's text
 * is bad (reported). */
static bool contact_row(loader *l, const contact_map *m, const skpi__field *f, skpi__row *row)
{
    int64_t *ints[] = {
        [F_OPENED] = &row->opened_at, [F_FIRST_RESPONSE] = &row->first_response_at,
        [F_CLOSED] = &row->closed_at, [F_HANDLE] = &row->handle_seconds, [F_TIER] = &row->tier,
        [F_ESCALATIONS] = &row->escalations, [F_REOPENS] = &row->reopens, [F_CSAT] = &row->csat,
    };
    skpi__text *texts[] = { &row->id, &row->customer, &row->reason, &row->channel };
    *row = (skpi__row){
        .opened_at = SKPI_UNSET, .first_response_at = SKPI_UNSET, .closed_at = SKPI_UNSET,
        .handle_seconds = SKPI_UNSET, .tier = SKPI_UNSET, .escalations = SKPI_UNSET,
        .reopens = SKPI_UNSET, .csat = SKPI_UNSET, .outcome = -1,
        .dims = m->dims, .dim_count = m->dim_count,
        .id = { "", 0 }, .customer = { "", 0 }, .reason = { "", 0 }, .channel = { "", 0 },
    };
    for (size_t d = 0; d < m->dim_count; d++)
        m->dims[d] = (skpi__text){ "", 0 };
    for (size_t j = 0; j < l->column_count; j++) {
        enum contact_field kind = m->field[j];
        skpi__text value = { f[j].ptr, f[j].len };
        bool ok = true;
        if (kind <= F_CHANNEL)
            *texts[kind] = value;
        else if (kind == F_DIMENSION)
            m->dims[m->dimension[j]] = value;
        else if (kind == F_OUTCOME)
            ok = parse_outcome(l, &f[j], &row->outcome);
        else if (kind == F_OPENED || kind == F_FIRST_RESPONSE || kind == F_CLOSED)
            ok = parse_time(l, &f[j], l->columns[j], ints[kind]);
        else
            ok = parse_int(l, &f[j], l->columns[j], ints[kind]);
        if (!ok)
            return false;
    }
    return true;
}

/* Rows read before the rest of a file's rows are estimated. */
#define SAMPLE_ROWS 16384

/* Tell the records how many more rows the rest of the input should bring,
 * from the bytes per row so far, so that columns are sized once instead of
 * growing (and being copied) a dozen times.  A file with unusual rows
 * further on costs only the growth it would have cost anyway. */
static void expect_rows(loader *l, skpi_records *r)
{
    uint64_t done = skpi__csv_bytes_read(l->csv);
    if (l->size <= done || done == 0)
        return;
    uint64_t rows = (l->size - done) / (done / (l->stats.rows + l->stats.skipped) + 1);
    skpi__records_expect(r, (size_t)(rows + rows / 32));
}

/* Read every record; a bad one is reported and counted.  Returns SKPI_OK or
 * a fatal error (syntax, I/O, memory). */
static int load_contacts(loader *l, skpi_records *r, contact_map *m, skpi_error *err)
{
    const skpi__field *f;
    size_t count;
    int rc;
    while ((rc = next_record(l, &f, &count, err)) == 1) {
        if (l->stats.rows + l->stats.skipped == SAMPLE_ROWS)
            expect_rows(l, r);
        skpi__row row;
        skpi__row_error why;
        bool good = count_ok(l, count) && contact_row(l, m, f, &row);
        if (good) {
            int pushed = skpi__records_push(r, &row, &why);
            if (pushed == SKPI_ENOMEM || pushed == SKPI_ERANGE)  /* not the row's fault */
                return skpi__fail(err, pushed, "%s: %s", l->name, why.reason);
            if (pushed != SKPI_OK)
                report(l, why.field, why.reason);
            good = pushed == SKPI_OK;
        }
        if (good)
            l->stats.rows++;
        else
            l->stats.skipped++;
    }
    return rc;
}

int skpi_records_load(skpi_records *records, const skpi_input *input,
                      const skpi_load_options *options, skpi_load_stats *stats)
{
    if (!records || !input)
        return SKPI_EINVAL;
    skpi_load_options given;
    loader l = { .options = &given };
    contact_map m = { 0 };
    skpi_error *err = skpi__records_error(records);
    static const char *const required[] = { "id", "opened_at", "outcome" };
    int rc = read_options(options, &given, err);
    if (rc != SKPI_OK)
        return rc;
    skpi__records_begin(records);
    if (given.threads >= 2)
        (void)skpi__records_use_worker(records);   /* without one: the same, slower */
    rc = open_input(&l, input, err);
    if (rc == SKPI_OK)
        rc = read_header(&l, err);
    if (rc == SKPI_OK)
        rc = require_columns(&l, required, 3, err);
    if (rc == SKPI_OK)
        rc = map_contact_columns(&l, records, &m, err);
    if (rc == SKPI_OK)
        rc = load_contacts(&l, records, &m, err);
    if (rc == SKPI_OK && l.stats.skipped && !l.options->skip_bad_rows)
        rc = skpi__fail(err, SKPI_EDATA, "%s: %llu bad rows; the first: %s", l.name,
                        (unsigned long long)l.stats.skipped, l.first);
    if (rc == SKPI_OK && (rc = skpi__records_commit(records)) != SKPI_OK)
        skpi__fail(err, rc, "%s: %s", l.name, skpi_strerror(rc));
    if (rc != SKPI_OK) {
        skpi__records_rollback(records);
    } else {
        skpi__records_trim(records);  /* a file is a bulk load: no room to keep */
        skpi__succeed(err, SKPI_OK);
    }
    contact_map_release(&m);
    loader_release(&l);
    finish_stats(&l, rc, stats);
    return rc;
}

/* ---- costs.csv and rates.csv: fixed columns ---- */

/* Map the header to known columns (index or -1); an unknown column is an
 * error: a typo must not silently drop a scope. */
static int map_fixed_columns(loader *l, const char *const *known, size_t n, int *index,
                             const char *list, skpi_error *err)
{
    bool unknown = false;
    for (size_t k = 0; k < n; k++)
        index[k] = column_index(l, known[k]);
    for (size_t j = 0; j < l->column_count; j++) {
        bool found = false;
        for (size_t k = 0; k < n && !found; k++)
            found = strcmp(l->columns[j], known[k]) == 0;
        if (!found) {
            char reason[160];
            snprintf(reason, sizeof reason, "unknown column (the columns are %s)", list);
            report(l, l->columns[j], reason);
            unknown = true;
        }
    }
    return unknown ? skpi__fail(err, SKPI_ESYNTAX, "%s", l->first) : SKPI_OK;
}

/* A field that must be a NUL-free word; empty gives the fallback (or is an
 * error when fallback is NULL). */
static const char *word_of(loader *l, const skpi__field *f, const char *column,
                           const char *fallback)
{
    if (f->len == 0 && !fallback)
        report(l, column, "required");
    if (f->len == 0)
        return fallback;
    if (strlen(f->ptr) != f->len) {
        report(l, column, "contains NUL");
        return NULL;
    }
    return f->ptr;
}

enum cost_column { C_CATEGORY, C_AMOUNT, C_CURRENCY, C_START, C_END, C_DRIVER, C_CHANNEL,
                   C_SCOPE, C_COUNT };

static const char *const cost_columns[C_COUNT] = {
    "category", "amount", "currency", "start", "end", "driver", "channel", "scope",
};

/* The pairs of one scope field, split in a buffer of their own. */
typedef struct scope_pairs {
    char *text;
    size_t text_cap;
    const char **keys, **values;
    size_t cap;
    size_t count;
} scope_pairs;

static void scope_release(scope_pairs *s)
{
    skpi__free(s->text);
    skpi__free(s->keys);
    skpi__free(s->values);
}

/* Split `key=value;key=value` at each `;` and then at the first `=`.
 * Returns 1 (ok), 0 (bad, reported) or SKPI_ENOMEM. */
static int parse_scope(loader *l, const skpi__field *f, scope_pairs *s)
{
    s->count = 0;
    if (f->len == 0)
        return 1;
    if (strlen(f->ptr) != f->len) {   /* the split below stops at a NUL */
        report(l, "scope", "contains NUL");
        return 0;
    }
    size_t pairs = 1;
    for (size_t i = 0; i < f->len; i++)
        pairs += f->ptr[i] == ';';
    void *text = s->text, *keys = s->keys, *values = s->values;
    size_t cap = s->cap;
    if (skpi__reserve(&text, &s->text_cap, f->len + 1, 1) != SKPI_OK)
        return SKPI_ENOMEM;
    s->text = text;
    if (skpi__reserve(&keys, &cap, pairs, sizeof(char *)) != SKPI_OK)
        return SKPI_ENOMEM;
    s->keys = keys;
    cap = s->cap;
    if (skpi__reserve(&values, &cap, pairs, sizeof(char *)) != SKPI_OK)
        return SKPI_ENOMEM;
    s->values = values;
    s->cap = cap;
    memcpy(s->text, f->ptr, f->len);
    s->text[f->len] = '\0';
    for (char *pair = s->text; pair; s->count++) {
        char *end = strchr(pair, ';');
        if (end)
            *end = '\0';
        char *eq = strchr(pair, '=');
        if (!eq || eq == pair || !eq[1]) {
            report(l, "scope", "each pair must be key=value with neither empty");
            return 0;
        }
        *eq = '\0';
        s->keys[s->count] = pair;
        s->values[s->count] = eq + 1;
        pair = end ? end + 1 : NULL;
    }
    return 1;
}

/* The ledger's message "field: reason" as a row report. */
static void report_ledger_error(loader *l, const skpi_ledger *ledger)
{
    const char *message = skpi_ledger_errmsg(ledger);
    const char *colon = strstr(message, ": ");
    char column[64];
    snprintf(column, sizeof column, "%.*s", colon ? (int)(colon - message) : 0, message);
    report(l, colon ? column : "amount", colon ? colon + 2 : message);
}

typedef struct cost_load {
    skpi_ledger *ledger;
    int index[C_COUNT];
    char currency[4];
    scope_pairs scope;
} cost_load;

/* Check a currency field against those of the rows taken before it (a bad
 * row's currency counts for nothing: cost_row() keeps it only once the row
 * is taken). */
static bool currency_ok(loader *l, cost_load *c, const skpi__field *f)
{
    if (f->len == 0)
        return true;
    if (skpi_currency_minor_digits(f->ptr) < 0 || f->len != 3) {
        report(l, "currency", "not an ISO 4217 code (three upper-case letters)");
        return false;
    }
    if (c->currency[0] && strcmp(c->currency, f->ptr) != 0) {
        char reason[96];
        snprintf(reason, sizeof reason, "%s differs from %s: a ledger has one currency",
                 f->ptr, c->currency);
        report(l, "currency", reason);
        return false;
    }
    return true;
}

static const skpi__field *cost_field(const cost_load *c, const skpi__field *f, int column)
{
    static const skpi__field empty = { "", 0 };
    return c->index[column] >= 0 ? &f[c->index[column]] : &empty;
}

/* One costs record into the ledger: 1 taken, 0 bad (reported), < 0 fatal. */
static int cost_row(loader *l, cost_load *c, const skpi__field *f)
{
    int category = 0, driver = 0;
    int64_t amount, start, end;
    const char *cat = word_of(l, cost_field(c, f, C_CATEGORY), "category", NULL);
    if (!cat)
        return 0;
    if (skpi_category_from_name(cat, &category) != SKPI_OK) {
        report(l, "category", "not one of direct_labor, indirect_labor, technology, overhead, other");
        return 0;
    }
    const skpi__field *times[2] = { cost_field(c, f, C_START), cost_field(c, f, C_END) };
    if (!parse_int(l, cost_field(c, f, C_AMOUNT), "amount", &amount)
        || !parse_time(l, times[0], "start", &start) || !parse_time(l, times[1], "end", &end))
        return 0;
    const char *missing = amount == SKPI_UNSET ? "amount" : start == SKPI_UNSET ? "start"
                        : end == SKPI_UNSET ? "end" : NULL;
    if (missing) {
        report(l, missing, "required");
        return 0;
    }
    const char *drv = word_of(l, cost_field(c, f, C_DRIVER), "driver", "handle_time");
    if (!drv)
        return 0;
    if (skpi_driver_from_name(drv, &driver) != SKPI_OK) {
        report(l, "driver", "not one of handle_time, contacts, tier_weighted");
        return 0;
    }
    const skpi__field *currency = cost_field(c, f, C_CURRENCY);
    if (!currency_ok(l, c, currency))
        return 0;
    int split = parse_scope(l, cost_field(c, f, C_SCOPE), &c->scope);
    if (split <= 0)
        return split;
    const skpi__field *channel = cost_field(c, f, C_CHANNEL);
    if (strlen(channel->ptr) != channel->len) {
        report(l, "channel", "contains NUL");
        return 0;
    }
    int rc = skpi_ledger_add_entry(c->ledger, category, amount, start, end, driver, channel->ptr,
                                   c->scope.count, c->scope.keys, c->scope.values);
    if (rc == SKPI_ENOMEM)
        return rc;
    if (rc != SKPI_OK)
        report_ledger_error(l, c->ledger);
    else if (currency->len)
        memcpy(c->currency, currency->ptr, 4);
    return rc == SKPI_OK;
}

static int load_costs(loader *l, cost_load *c, skpi_error *err)
{
    const skpi__field *f;
    size_t count;
    int rc;
    while ((rc = next_record(l, &f, &count, err)) == 1) {
        int taken = count_ok(l, count) ? cost_row(l, c, f) : 0;
        if (taken < 0)
            return skpi__fail(err, taken, "%s: out of memory", l->name);
        if (taken)
            l->stats.rows++;
        else
            l->stats.skipped++;
    }
    return rc;
}

int skpi_ledger_load_costs(skpi_ledger **ledger, const skpi_input *input,
                           const skpi_load_options *options, skpi_load_stats *stats,
                           skpi_error *err)
{
    if (!ledger || !input)
        return skpi__fail(err, SKPI_EINVAL, "costs: the output pointer or the input is NULL");
    *ledger = NULL;
    skpi_load_options given;
    loader l = { .options = &given };
    cost_load c = { 0 };
    static const char *const required[] = { "category", "amount", "start", "end" };
    int rc = read_options(options, &given, err);
    if (rc != SKPI_OK)
        return rc;
    rc = skpi_ledger_new(&c.ledger, "XXX", err);
    if (rc == SKPI_OK)
        rc = open_input(&l, input, err);
    if (rc == SKPI_OK)
        rc = read_header(&l, err);
    if (rc == SKPI_OK)
        rc = map_fixed_columns(&l, cost_columns, C_COUNT, c.index,
                               "category, amount, currency, start, end, driver, channel, scope", err);
    if (rc == SKPI_OK)
        rc = require_columns(&l, required, 4, err);
    if (rc == SKPI_OK)
        rc = load_costs(&l, &c, err);
    if (rc == SKPI_OK && l.stats.skipped && !l.options->skip_bad_rows)
        rc = skpi__fail(err, SKPI_EDATA, "%s: %llu bad rows; the first: %s", l.name,
                        (unsigned long long)l.stats.skipped, l.first);
    if (rc == SKPI_OK) {
        if (c.currency[0])
            skpi__ledger_set_currency(c.ledger, c.currency);
        *ledger = c.ledger;
        skpi__succeed(err, SKPI_OK);
    } else {
        skpi_ledger_free(c.ledger);
    }
    scope_release(&c.scope);
    loader_release(&l);
    finish_stats(&l, rc, stats);
    return rc;
}

/* ---- rates.csv ---- */

typedef struct rate_load {
    int index[2];
    int64_t rate[SKPI_TIER_MAX + 1];
    uint64_t line[SKPI_TIER_MAX + 1];   /* where each tier was given; 0: not yet */
} rate_load;

/* One rates record: true when taken. */
static bool rate_row(loader *l, rate_load *t, const skpi__field *f)
{
    int64_t tier, rate;
    if (!parse_int(l, &f[t->index[0]], "tier", &tier)
        || !parse_int(l, &f[t->index[1]], "rate_per_hour", &rate))
        return false;
    if (tier == SKPI_UNSET || tier < 0 || tier > SKPI_TIER_MAX) {
        report(l, "tier", tier == SKPI_UNSET ? "required" : "not 0..9");
        return false;
    }
    if (rate == SKPI_UNSET || rate < 0) {
        report(l, "rate_per_hour", rate == SKPI_UNSET ? "required" : "negative");
        return false;
    }
    if (t->line[tier]) {
        char reason[64];
        snprintf(reason, sizeof reason, "given twice (first on line %llu)",
                 (unsigned long long)t->line[tier]);
        report(l, "tier", reason);
        return false;
    }
    t->rate[tier] = rate;
    t->line[tier] = l->line;
    return true;
}

static int load_rates(loader *l, rate_load *t, skpi_error *err)
{
    const skpi__field *f;
    size_t count;
    int rc;
    while ((rc = next_record(l, &f, &count, err)) == 1) {
        if (count_ok(l, count) && rate_row(l, t, f))
            l->stats.rows++;
        else
            l->stats.skipped++;
    }
    return rc;
}

int skpi_ledger_load_rates(skpi_ledger *ledger, const skpi_input *input,
                           const skpi_load_options *options, skpi_load_stats *stats)
{
    if (!ledger || !input)
        return SKPI_EINVAL;
    skpi_load_options given;
    loader l = { .options = &given };
    rate_load t = { 0 };
    skpi_error err;
    static const char *const columns[] = { "tier", "rate_per_hour" };
    int rc = read_options(options, &given, &err);
    if (rc != SKPI_OK) {
        skpi__ledger_fail(ledger, rc, err.message);
        return rc;
    }
    rc = open_input(&l, input, &err);
    if (rc == SKPI_OK)
        rc = read_header(&l, &err);
    if (rc == SKPI_OK)
        rc = map_fixed_columns(&l, columns, 2, t.index, "tier, rate_per_hour", &err);
    if (rc == SKPI_OK)
        rc = require_columns(&l, columns, 2, &err);
    if (rc == SKPI_OK)
        rc = load_rates(&l, &t, &err);
    if (rc == SKPI_OK && l.stats.skipped && !l.options->skip_bad_rows)
        rc = skpi__fail(&err, SKPI_EDATA, "%s: %llu bad rows; the first: %s", l.name,
                        (unsigned long long)l.stats.skipped, l.first);
    /* Nothing is applied until every row is read, so a failure changes nothing. */
    for (int tier = 0; rc == SKPI_OK && tier <= SKPI_TIER_MAX; tier++)
        if (t.line[tier])
            rc = skpi_ledger_set_rate(ledger, tier, t.rate[tier]);  /* checked above: OK */
    if (rc != SKPI_OK)
        skpi__ledger_fail(ledger, rc, err.message);
    loader_release(&l);
    finish_stats(&l, rc, stats);
    return rc;
}
