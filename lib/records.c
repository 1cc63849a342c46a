/* The issue records: one adaptive-width column per SPEC §2 field, strings
 * interned per field (doc/memory.md gives the bytes per contact).
 *
 * Every way in goes through skpi__records_push(), which first validates the
 * row completely without touching the handle (the duplicate check included)
 * and only then appends.  Appending can fail only for lack of memory or a
 * size limit; the caller then rolls the whole group back with
 * skpi__records_rollback(), which truncates columns and pools to the marks
 * taken by skpi__records_begin().  So a batch is all or nothing. */
#include "records.h"

#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "fields.h"
#include "stage.h"
#include "status.h"
#include "utf8.h"

typedef struct dimension_store {
    char *name;
    skpi__strpool pool;
    skpi__intcol values;   /* pool ids, 0 = absent */
    size_t pool_mark;
    size_t row_mark;       /* pool count before the row being appended */
} dimension_store;

/* Which pool each string column interns into. */
enum { POOL_CUSTOMER, POOL_REASON, POOL_CHANNEL, POOL_COUNT };

/* Customers are interned in batches (stage.h): at ten million contacts
 * their pool is far larger than the caches.  A row's times and counts go
 * along in the same batch, so that with a worker thread their column
 * writes are the worker's too.  The staged columns, customer and
 * SKPI__COL_OPENED .. SKPI__COL_OUTCOME, therefore lag the others until
 * skpi__records_commit(). */
enum { STAGED_FIRST = SKPI__COL_OPENED, STAGED_VALUES = SKPI__COL_OUTCOME - SKPI__COL_OPENED + 1 };

static bool staged_column(int c)
{
    return c == SKPI__COL_CUSTOMER || c >= STAGED_FIRST;
}

struct skpi_records {
    size_t count;
    skpi__strpool ids;                 /* contact i has id i + 1 (0 is "") */
    skpi__strpool pools[POOL_COUNT];
    skpi__intcol columns[SKPI__COL_COUNT];
    dimension_store *dims;
    size_t dim_count;
    size_t dim_cap;
    skpi__stage staged;   /* customers, times and counts */
    /* marks of the group in progress (skpi__records_begin) */
    size_t count_mark;
    size_t ids_mark;
    size_t pool_marks[POOL_COUNT];
    size_t dim_count_mark;
    skpi_error error;
};

static const char *const outcome_names[] = { "open", "resolved", "escalated", "abandoned" };

int skpi_outcome_count(void)
{
    return 4;
}

const char *skpi_outcome_name(int outcome)
{
    return outcome >= 0 && outcome < 4 ? outcome_names[outcome] : NULL;
}

int skpi_outcome_from_name(const char *name, int *outcome)
{
    for (int i = 0; name && outcome && i < 4; i++) {
        if (strcmp(name, outcome_names[i]) == 0) {
            *outcome = i;
            return SKPI_OK;
        }
    }
    return SKPI_EINVAL;
}

/* Initial widths: they only save a widening or two; any value still fits. */
static const unsigned initial_width[SKPI__COL_COUNT] = {
    [SKPI__COL_CUSTOMER] = 1, [SKPI__COL_REASON] = 1, [SKPI__COL_CHANNEL] = 1,
    [SKPI__COL_OPENED] = 4, [SKPI__COL_FIRST_RESPONSE] = 4, [SKPI__COL_CLOSED] = 4,
    [SKPI__COL_HANDLE] = 2, [SKPI__COL_TIER] = 1, [SKPI__COL_ESCALATIONS] = 1,
    [SKPI__COL_REOPENS] = 1, [SKPI__COL_CSAT] = 1, [SKPI__COL_OUTCOME] = 1,
};

static const int pool_column[POOL_COUNT] = {
    SKPI__COL_CUSTOMER, SKPI__COL_REASON, SKPI__COL_CHANNEL,
};

int skpi_records_new(skpi_records **records)
{
    if (!records)
        return SKPI_EINVAL;
    *records = NULL;
    skpi_records *r = skpi__calloc(1, sizeof *r);
    if (!r)
        return SKPI_ENOMEM;
    int rc = skpi__strpool_init(&r->ids);
    for (int p = 0; p < POOL_COUNT; p++)
        if (rc == SKPI_OK)
            rc = skpi__strpool_init(&r->pools[p]);
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        skpi__intcol_init(&r->columns[c], initial_width[c]);
    skpi__stage_init(&r->staged, &r->pools[POOL_CUSTOMER], &r->columns[SKPI__COL_CUSTOMER],
                     &r->columns[STAGED_FIRST], STAGED_VALUES);
    if (rc != SKPI_OK) {
        skpi_records_free(r);
        return rc;
    }
    *records = r;
    return SKPI_OK;
}

static void dimension_release(dimension_store *d)
{
    skpi__free(d->name);
    skpi__strpool_release(&d->pool);
    skpi__intcol_release(&d->values);
}

void skpi_records_free(skpi_records *records)
{
    if (!records)
        return;
    skpi__strpool_release(&records->ids);
    for (int p = 0; p < POOL_COUNT; p++)
        skpi__strpool_release(&records->pools[p]);
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        skpi__intcol_release(&records->columns[c]);
    for (size_t d = 0; d < records->dim_count; d++)
        dimension_release(&records->dims[d]);
    skpi__free(records->dims);
    skpi__stage_release(&records->staged);
    skpi__free(records);
}

int skpi_records_errcode(const skpi_records *records)
{
    return records ? records->error.code : SKPI_EINVAL;
}

const char *skpi_records_errmsg(const skpi_records *records)
{
    return records ? records->error.message : "records is NULL";
}

skpi_error *skpi__records_error(skpi_records *r)
{
    return &r->error;
}

/* ---- internal read access ---- */

const skpi__intcol *skpi__records_column(const skpi_records *r, int column)
{
    return &r->columns[column];
}

const skpi__strpool *skpi__records_pool(const skpi_records *r, int column)
{
    for (int p = 0; p < POOL_COUNT; p++)
        if (pool_column[p] == column)
            return &r->pools[p];
    return NULL;
}

const skpi__intcol *skpi__records_dimension_column(const skpi_records *r, size_t d)
{
    return &r->dims[d].values;
}

const skpi__strpool *skpi__records_dimension_pool(const skpi_records *r, size_t d)
{
    return &r->dims[d].pool;
}

const char *skpi__records_id(const skpi_records *r, size_t i)
{
    return skpi__strpool_get(&r->ids, (uint32_t)(i + 1));
}

/* ---- groups ---- */

void skpi__records_begin(skpi_records *r)
{
    r->count_mark = r->count;
    r->ids_mark = skpi__strpool_count(&r->ids);
    for (int p = 0; p < POOL_COUNT; p++)
        r->pool_marks[p] = skpi__strpool_count(&r->pools[p]);
    r->dim_count_mark = r->dim_count;
    for (size_t d = 0; d < r->dim_count; d++)
        r->dims[d].pool_mark = skpi__strpool_count(&r->dims[d].pool);
}

void skpi__records_rollback(skpi_records *r)
{
    skpi__stage_abandon(&r->staged);
    while (r->dim_count > r->dim_count_mark)
        dimension_release(&r->dims[--r->dim_count]);
    for (size_t d = 0; d < r->dim_count; d++) {
        skpi__strpool_truncate(&r->dims[d].pool, r->dims[d].pool_mark);
        skpi__intcol_truncate(&r->dims[d].values, r->count_mark);
    }
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        skpi__intcol_truncate(&r->columns[c], r->count_mark);
    for (int p = 0; p < POOL_COUNT; p++)
        skpi__strpool_truncate(&r->pools[p], r->pool_marks[p]);
    skpi__strpool_truncate(&r->ids, r->ids_mark);
    r->count = r->count_mark;
}

/* ---- dimensions ---- */

static int find_dimension(const skpi_records *r, const char *name, size_t len, size_t *index)
{
    for (size_t d = 0; d < r->dim_count; d++) {
        if (strncmp(r->dims[d].name, name, len) == 0 && r->dims[d].name[len] == '\0') {
            *index = d;
            return SKPI_OK;
        }
    }
    return SKPI_ENOTFOUND;
}

static int why_fail(skpi__row_error *why, const char *field, int code, const char *fmt,
                    const char *arg)
{
    why->field = field;
    snprintf(why->reason, sizeof why->reason, fmt, arg);
    return code;
}

/* A new dimension has no value for the contacts already stored. */
static int new_dimension(skpi_records *r, const char *name, size_t len, size_t *index)
{
    void *dims = r->dims;
    if (skpi__reserve(&dims, &r->dim_cap, r->dim_count + 1, sizeof(dimension_store)) != SKPI_OK)
        return SKPI_ENOMEM;
    r->dims = dims;
    dimension_store d;
    memset(&d, 0, sizeof d);
    skpi__intcol_init(&d.values, 1);
    d.name = skpi__strndup(name, len);
    int rc = d.name ? skpi__strpool_init(&d.pool) : SKPI_ENOMEM;
    if (rc == SKPI_OK)
        rc = skpi__intcol_reserve(&d.values, r->count);
    for (size_t i = 0; rc == SKPI_OK && i < r->count; i++)
        rc = skpi__intcol_push(&d.values, 0);
    if (rc != SKPI_OK) {
        dimension_release(&d);
        return rc;
    }
    r->dims[r->dim_count] = d;
    *index = r->dim_count++;
    return SKPI_OK;
}

int skpi__records_dimension(skpi_records *r, const char *name, size_t len, size_t *index,
                            skpi__row_error *why)
{
    if (find_dimension(r, name, len, index) == SKPI_OK)
        return SKPI_OK;
    char shown[65];
    snprintf(shown, sizeof shown, "%.*s", (int)(len < 64 ? len : 64), name);
    if (len == 0 || !skpi__utf8_valid(name, len))
        return why_fail(why, "dimension", SKPI_EINVAL, "name '%s' is empty or not valid UTF-8",
                        shown);
    if (skpi__is_contact_field(shown))
        return why_fail(why, "dimension", SKPI_EINVAL,
                        "'%s' is a contact field, not a dimension name", shown);
    int rc = new_dimension(r, name, len, index);
    if (rc != SKPI_OK)
        return why_fail(why, "dimension", rc, "out of memory registering '%s'", shown);
    return SKPI_OK;
}

int skpi_records_add_dimension(skpi_records *records, const char *name, size_t *index)
{
    if (!records || !name)
        return SKPI_EINVAL;
    size_t where;
    skpi__row_error why;
    int rc = skpi__records_dimension(records, name, strlen(name), &where, &why);
    if (rc != SKPI_OK)
        return skpi__fail(&records->error, rc, "%s: %s", why.field, why.reason);
    if (index)
        *index = where;
    return skpi__succeed(&records->error, SKPI_OK);
}

size_t skpi_records_dimension_count(const skpi_records *records)
{
    return records ? records->dim_count : 0;
}

const char *skpi_records_dimension_name(const skpi_records *records, size_t index)
{
    return records && index < records->dim_count ? records->dims[index].name : NULL;
}

int skpi_records_dimension_index(const skpi_records *records, const char *name, size_t *index)
{
    if (!records || !name || !index)
        return SKPI_EINVAL;
    return find_dimension(records, name, strlen(name), index);
}

/* ---- validation (SPEC §2), without touching the handle ---- */

static int check_text(const skpi__text *t, const char *field, skpi__row_error *why)
{
    if (t->len && !skpi__utf8_valid(t->ptr, t->len))
        return why_fail(why, field, SKPI_EINVAL, "%s", "not valid UTF-8, or contains NUL");
    return SKPI_OK;
}

static int check_range(int64_t v, int64_t lo, int64_t hi, const char *field,
                       skpi__row_error *why)
{
    if (v == SKPI_UNSET || (v >= lo && v <= hi))
        return SKPI_OK;
    why->field = field;
    if (hi == INT64_MAX)
        snprintf(why->reason, sizeof why->reason, "%lld is negative", (long long)v);
    else
        snprintf(why->reason, sizeof why->reason, "%lld is not %lld..%lld", (long long)v,
                 (long long)lo, (long long)hi);
    return SKPI_EINVAL;
}

static int check_times(const skpi__row *row, skpi__row_error *why)
{
    if (row->opened_at == SKPI_UNSET)
        return why_fail(why, "opened_at", SKPI_EINVAL, "%s", "required");
    bool open = row->outcome == SKPI_OUTCOME_OPEN;
    if (open && row->closed_at != SKPI_UNSET)
        return why_fail(why, "closed_at", SKPI_EINVAL, "%s", "must be empty for an open contact");
    if (!open && row->closed_at == SKPI_UNSET)
        return why_fail(why, "closed_at", SKPI_EINVAL, "required for a contact that is %s",
                        outcome_names[row->outcome]);
    if (row->closed_at != SKPI_UNSET && row->closed_at < row->opened_at)
        return why_fail(why, "closed_at", SKPI_EINVAL, "%s", "is before opened_at");
    if (row->first_response_at != SKPI_UNSET && row->first_response_at < row->opened_at)
        return why_fail(why, "first_response_at", SKPI_EINVAL, "%s", "is before opened_at");
    return SKPI_OK;
}

static int check_row(const skpi_records *r, const skpi__row *row, skpi__row_error *why)
{
    if (row->id.len == 0)
        return why_fail(why, "id", SKPI_EINVAL, "%s", "required");
    int rc = check_text(&row->id, "id", why);
    if (rc == SKPI_OK)
        rc = check_text(&row->customer, "customer", why);
    if (rc == SKPI_OK)
        rc = check_text(&row->reason, "reason", why);
    if (rc == SKPI_OK)
        rc = check_text(&row->channel, "channel", why);
    for (size_t d = 0; rc == SKPI_OK && d < row->dim_count; d++)
        rc = check_text(&row->dims[d], r->dims[d].name, why);
    if (rc != SKPI_OK)
        return rc;
    if (row->outcome < 0 || row->outcome > 3)
        return why_fail(why, "outcome", SKPI_EINVAL, "%s",
                        "must be open, resolved, escalated or abandoned");
    if ((rc = check_times(row, why)) != SKPI_OK
        || (rc = check_range(row->handle_seconds, 0, INT64_MAX, "handle_seconds", why)) != SKPI_OK
        || (rc = check_range(row->tier, 0, 9, "tier", why)) != SKPI_OK
        || (rc = check_range(row->escalations, 0, INT64_MAX, "escalations", why)) != SKPI_OK
        || (rc = check_range(row->reopens, 0, INT64_MAX, "reopens", why)) != SKPI_OK
        || (rc = check_range(row->csat, 1, 5, "csat", why)) != SKPI_OK)
        return rc;
    uint32_t existing;
    if (skpi__strpool_find(&r->ids, row->id.ptr, row->id.len, &existing) == SKPI_OK)
        return why_fail(why, "id", SKPI_EDUPLICATE, "%s", "already present (ids are unique)");
    if (r->count >= UINT32_MAX - 1)
        return why_fail(why, "id", SKPI_ERANGE, "%s", "the limit of 4294967294 contacts is reached");
    return SKPI_OK;
}

/* ---- appending ---- */

static int64_t or_default(int64_t v, int64_t fallback)
{
    return v == SKPI_UNSET ? fallback : v;
}

static int intern_into(skpi__strpool *pool, const skpi__text *t, skpi__intcol *col)
{
    uint32_t id;
    int added;
    int rc = skpi__strpool_intern(pool, t->ptr, t->len, &id, &added);
    return rc == SKPI_OK ? skpi__intcol_push(col, id) : rc;
}

int skpi__records_commit(skpi_records *r)
{
    return skpi__stage_finish(&r->staged);
}

int skpi__records_use_worker(skpi_records *r)
{
    return skpi__stage_start_worker(&r->staged);
}

static int append_row(skpi_records *r, const skpi__row *row)
{
    uint32_t id;
    int added;
    int rc = skpi__strpool_intern(&r->ids, row->id.ptr, row->id.len, &id, &added);
    /* the staged columns' values, in column order from STAGED_FIRST */
    const int64_t values[STAGED_VALUES] = {
        [SKPI__COL_OPENED - STAGED_FIRST] = row->opened_at,
        [SKPI__COL_FIRST_RESPONSE - STAGED_FIRST] = row->first_response_at,
        [SKPI__COL_CLOSED - STAGED_FIRST] = row->closed_at,
        [SKPI__COL_HANDLE - STAGED_FIRST] = or_default(row->handle_seconds, 0),
        [SKPI__COL_TIER - STAGED_FIRST] = or_default(row->tier, 1),
        [SKPI__COL_ESCALATIONS - STAGED_FIRST] = or_default(row->escalations, 0),
        [SKPI__COL_REOPENS - STAGED_FIRST] = or_default(row->reopens, 0),
        [SKPI__COL_CSAT - STAGED_FIRST] = row->csat,
        [SKPI__COL_OUTCOME - STAGED_FIRST] = row->outcome,
    };
    if (rc == SKPI_OK)
        rc = skpi__stage_add(&r->staged, row->customer.ptr, row->customer.len, values);
    const skpi__text *texts[POOL_COUNT] = { &row->customer, &row->reason, &row->channel };
    for (int p = POOL_CUSTOMER + 1; rc == SKPI_OK && p < POOL_COUNT; p++)
        rc = intern_into(&r->pools[p], texts[p], &r->columns[pool_column[p]]);
    static const skpi__text empty = { "", 0 };
    for (size_t d = 0; rc == SKPI_OK && d < r->dim_count; d++)
        rc = intern_into(&r->dims[d].pool, d < row->dim_count ? &row->dims[d] : &empty,
                         &r->dims[d].values);
    if (rc == SKPI_OK)
        r->count++;
    return rc;
}

/* Drop what append_row() stored of a row it could not finish: columns back
 * to the rows counted, pools back to the marks taken before the row.  Never
 * allocates. */
static void undo_row(skpi_records *r, size_t ids_mark, const size_t *pool_marks,
                     skpi__stage_mark staged_mark)
{
    skpi__stage_undo(&r->staged, staged_mark);
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        if (!staged_column(c))   /* a staged row is undone in the stage: the column may be the worker's */
            skpi__intcol_truncate(&r->columns[c], r->count);
    for (int p = POOL_CUSTOMER + 1; p < POOL_COUNT; p++)
        skpi__strpool_truncate(&r->pools[p], pool_marks[p]);
    for (size_t d = 0; d < r->dim_count; d++) {
        skpi__intcol_truncate(&r->dims[d].values, r->count);
        skpi__strpool_truncate(&r->dims[d].pool, r->dims[d].row_mark);
    }
    skpi__strpool_truncate(&r->ids, ids_mark);
}

int skpi__records_push(skpi_records *r, const skpi__row *row, skpi__row_error *why)
{
    int rc = check_row(r, row, why);
    if (rc != SKPI_OK)
        return rc;
    /* A full staging area is interned before the marks, so that undo_row()
     * has only this row's customer to unstage. */
    if (skpi__stage_full(&r->staged) && (rc = skpi__stage_flush(&r->staged)) != SKPI_OK)
        return why_fail(why, "customer", rc, "%s",
                        rc == SKPI_ENOMEM ? "out of memory" : "too many strings");
    size_t ids_mark = skpi__strpool_count(&r->ids), pool_marks[POOL_COUNT] = { 0 };
    for (int p = POOL_CUSTOMER + 1; p < POOL_COUNT; p++)
        pool_marks[p] = skpi__strpool_count(&r->pools[p]);
    for (size_t d = 0; d < r->dim_count; d++)
        r->dims[d].row_mark = skpi__strpool_count(&r->dims[d].pool);
    skpi__stage_mark staged_mark = skpi__stage_mark_of(&r->staged);
    rc = append_row(r, row);
    if (rc != SKPI_OK) {
        /* "nothing of this row is kept" (records.h), also half-way through */
        undo_row(r, ids_mark, pool_marks, staged_mark);
        return why_fail(why, "id", rc, "%s", rc == SKPI_ENOMEM ? "out of memory" : "too many strings");
    }
    return SKPI_OK;
}

/* ---- the public ways in ---- */

static skpi__text text_of(const char *s)
{
    skpi__text t = { s ? s : "", s ? strlen(s) : 0 };
    return t;
}

/* Dimension values of one contact, indexed by dimension; grows as needed. */
typedef struct dim_scratch {
    skpi__text *values;
    size_t cap;
} dim_scratch;

static int scratch_reset(dim_scratch *s, size_t n)
{
    void *v = s->values;
    if (skpi__reserve(&v, &s->cap, n ? n : 1, sizeof(skpi__text)) != SKPI_OK)
        return SKPI_ENOMEM;
    s->values = v;
    for (size_t d = 0; d < n; d++)
        s->values[d] = text_of(NULL);
    return SKPI_OK;
}

/* Register the contact's dimensions and lay their values out by index. */
static int contact_dims(skpi_records *r, const skpi_contact *c, dim_scratch *s,
                        skpi__row_error *why)
{
    if (c->dimension_count && (!c->dimension_names || !c->dimension_values))
        return why_fail(why, "dimension", SKPI_EINVAL, "%s", "names or values array is NULL");
    for (size_t k = 0; k < c->dimension_count; k++) {
        size_t d;
        const char *name = c->dimension_names[k] ? c->dimension_names[k] : "";
        int rc = skpi__records_dimension(r, name, strlen(name), &d, why);
        if (rc != SKPI_OK)
            return rc;
        for (size_t j = 0; j < k; j++)
            if (strcmp(c->dimension_names[j], name) == 0)
                return why_fail(why, name, SKPI_EINVAL, "%s", "dimension given twice");
    }
    if (scratch_reset(s, r->dim_count) != SKPI_OK)
        return why_fail(why, "dimension", SKPI_ENOMEM, "%s", "out of memory");
    for (size_t k = 0; k < c->dimension_count; k++) {
        size_t d = 0;
        find_dimension(r, c->dimension_names[k], strlen(c->dimension_names[k]), &d);
        s->values[d] = text_of(c->dimension_values[k]);
    }
    return SKPI_OK;
}

static int push_contact(skpi_records *r, const skpi_contact *c, dim_scratch *s,
                        skpi__row_error *why)
{
    if (c->version != SKPI_CONTACT_VERSION)
        return why_fail(why, "version", SKPI_EINVAL, "%s", "is not SKPI_CONTACT_VERSION");
    int rc = contact_dims(r, c, s, why);
    if (rc != SKPI_OK)
        return rc;
    skpi__row row = {
        .id = text_of(c->id), .customer = text_of(c->customer),
        .reason = text_of(c->reason), .channel = text_of(c->channel),
        .opened_at = c->opened_at, .first_response_at = c->first_response_at,
        .closed_at = c->closed_at, .handle_seconds = c->handle_seconds, .tier = c->tier,
        .escalations = c->escalations, .reopens = c->reopens, .csat = c->csat,
        .outcome = c->outcome, .dims = s->values, .dim_count = r->dim_count,
    };
    return skpi__records_push(r, &row, why);
}

/* Describe the bad record in the handle's message, then undo the group.  In
 * that order: why->field may be the name of a dimension the group
 * registered, which the rollback frees. */
static int fail_group(skpi_records *r, int rc, const char *what, size_t index, const char *id,
                      const skpi__row_error *why)
{
    skpi__fail(&r->error, rc, "%s %zu (id '%.64s'): %s: %s", what, index, id ? id : "",
               why->field, why->reason);
    skpi__records_rollback(r);
    return rc;
}

int skpi_records_add_batch(skpi_records *records, const skpi_contact *contacts, size_t count)
{
    if (!records || (count && !contacts))
        return SKPI_EINVAL;
    dim_scratch scratch = { NULL, 0 };
    skpi__row_error why;
    int rc = SKPI_OK;
    skpi__records_begin(records);
    for (size_t i = 0; i < count && rc == SKPI_OK; i++) {
        rc = push_contact(records, &contacts[i], &scratch, &why);
        if (rc != SKPI_OK)
            fail_group(records, rc, "contact", i, contacts[i].id, &why);
    }
    if (rc == SKPI_OK && (rc = skpi__records_commit(records)) != SKPI_OK) {
        skpi__fail(&records->error, rc, "contacts: %s", skpi_strerror(rc));
        skpi__records_rollback(records);
    }
    skpi__free(scratch.values);
    return rc == SKPI_OK ? skpi__succeed(&records->error, SKPI_OK) : rc;
}

int skpi_records_add(skpi_records *records, const skpi_contact *contact)
{
    if (!contact)
        return SKPI_EINVAL;
    return skpi_records_add_batch(records, contact, 1);
}

/* ---- columns ---- */

static int column_text(const skpi_text_column *col, size_t i, skpi__text *out)
{
    if (!col->offsets) {
        *out = text_of(NULL);
        return SKPI_OK;
    }
    int64_t from = col->offsets[i], to = col->offsets[i + 1];
    if (from < 0 || to < from || !col->bytes)
        return SKPI_EINVAL;
    out->ptr = col->bytes + from;
    out->len = (size_t)(to - from);
    return SKPI_OK;
}

static int64_t column_int(const int64_t *col, size_t i)
{
    return col ? col[i] : SKPI_UNSET;
}

/* Row i of the columns; dims[] is laid out by dimension index through map[]. */
static int columns_row(const skpi_contact_columns *c, size_t i, const size_t *map,
                       skpi__text *dims, skpi__row *row, skpi__row_error *why)
{
    const skpi_text_column *texts[] = { &c->id, &c->customer, &c->reason, &c->channel };
    skpi__text *outs[] = { &row->id, &row->customer, &row->reason, &row->channel };
    const char *names[] = { "id", "customer", "reason", "channel" };
    for (int k = 0; k < 4; k++)
        if (column_text(texts[k], i, outs[k]) != SKPI_OK)
            return why_fail(why, names[k], SKPI_EINVAL, "%s", "offsets are negative or decreasing");
    for (size_t k = 0; k < c->dimension_count; k++)
        if (column_text(&c->dimensions[k], i, &dims[map[k]]) != SKPI_OK)
            return why_fail(why, c->dimension_names[k], SKPI_EINVAL, "%s",
                            "offsets are negative or decreasing");
    row->opened_at = column_int(c->opened_at, i);
    row->first_response_at = column_int(c->first_response_at, i);
    row->closed_at = column_int(c->closed_at, i);
    row->handle_seconds = column_int(c->handle_seconds, i);
    row->tier = column_int(c->tier, i);
    row->escalations = column_int(c->escalations, i);
    row->reopens = column_int(c->reopens, i);
    row->csat = column_int(c->csat, i);
    row->outcome = c->outcome ? c->outcome[i] : -1;
    return SKPI_OK;
}

/* Register the columns' dimensions; map[k] is the index of column k's. */
static int columns_dims(skpi_records *r, const skpi_contact_columns *c, size_t *map,
                        skpi__row_error *why)
{
    if (c->dimension_count && (!c->dimension_names || !c->dimensions))
        return why_fail(why, "dimension", SKPI_EINVAL, "%s", "names or columns array is NULL");
    for (size_t k = 0; k < c->dimension_count; k++) {
        const char *name = c->dimension_names[k] ? c->dimension_names[k] : "";
        int rc = skpi__records_dimension(r, name, strlen(name), &map[k], why);
        if (rc != SKPI_OK)
            return rc;
        for (size_t j = 0; j < k; j++)
            if (map[j] == map[k])
                return why_fail(why, name, SKPI_EINVAL, "%s", "dimension given twice");
    }
    return SKPI_OK;
}

static int append_columns(skpi_records *r, const skpi_contact_columns *c, size_t *map,
                          dim_scratch *s, size_t *bad, skpi__row_error *why)
{
    int rc = columns_dims(r, c, map, why);
    if (rc == SKPI_OK && scratch_reset(s, r->dim_count) != SKPI_OK)
        rc = why_fail(why, "dimension", SKPI_ENOMEM, "%s", "out of memory");
    for (size_t i = 0; rc == SKPI_OK && i < c->count; i++) {
        *bad = i;
        skpi__row row = { .dims = s->values, .dim_count = r->dim_count };
        rc = columns_row(c, i, map, s->values, &row, why);
        if (rc == SKPI_OK)
            rc = skpi__records_push(r, &row, why);
    }
    return rc;
}

int skpi_records_append_columns(skpi_records *records, const skpi_contact_columns *columns)
{
    if (!records || !columns)
        return SKPI_EINVAL;
    if (columns->version != SKPI_COLUMNS_VERSION)
        return skpi__fail(&records->error, SKPI_EINVAL, "columns: version is not SKPI_COLUMNS_VERSION");
    if (columns->count && (!columns->id.offsets || !columns->opened_at || !columns->outcome))
        return skpi__fail(&records->error, SKPI_EINVAL,
                          "columns: id, opened_at and outcome are required");
    size_t *map = skpi__calloc(columns->dimension_count + 1, sizeof *map);
    if (!map)
        return skpi__fail(&records->error, SKPI_ENOMEM, "columns: out of memory");
    dim_scratch scratch = { NULL, 0 };
    skpi__row_error why;
    size_t bad = 0;
    skpi__records_begin(records);
    int rc = append_columns(records, columns, map, &scratch, &bad, &why);
    if (rc == SKPI_OK && (rc = skpi__records_commit(records)) != SKPI_OK) {
        skpi__fail(&records->error, rc, "columns: %s", skpi_strerror(rc));
        skpi__records_rollback(records);
    } else if (rc != SKPI_OK) {
        skpi__text id = text_of(NULL);
        if (bad < columns->count)   /* with no rows, offsets has one entry */
            column_text(&columns->id, bad, &id);
        char shown[65];
        snprintf(shown, sizeof shown, "%.*s", (int)(id.len < 64 ? id.len : 64), id.ptr);
        fail_group(records, rc, "row", bad, shown, &why);
    } else {
        skpi__succeed(&records->error, SKPI_OK);
    }
    skpi__free(scratch.values);
    skpi__free(map);
    return rc;
}

/* ---- reading ---- */

size_t skpi_records_count(const skpi_records *records)
{
    return records ? records->count : 0;
}

int skpi_records_get(const skpi_records *records, size_t index, skpi_contact *contact)
{
    if (!records || !contact)
        return SKPI_EINVAL;
    if (index >= records->count)
        return SKPI_ENOTFOUND;
    const skpi__intcol *col = records->columns;
    skpi_contact c = SKPI_CONTACT_INIT;
    c.id = skpi__records_id(records, index);
    c.customer = skpi__strpool_get(&records->pools[POOL_CUSTOMER],
                                   (uint32_t)skpi__intcol_get(&col[SKPI__COL_CUSTOMER], index));
    c.reason = skpi__strpool_get(&records->pools[POOL_REASON],
                                 (uint32_t)skpi__intcol_get(&col[SKPI__COL_REASON], index));
    c.channel = skpi__strpool_get(&records->pools[POOL_CHANNEL],
                                  (uint32_t)skpi__intcol_get(&col[SKPI__COL_CHANNEL], index));
    c.opened_at = skpi__intcol_get(&col[SKPI__COL_OPENED], index);
    c.first_response_at = skpi__intcol_get(&col[SKPI__COL_FIRST_RESPONSE], index);
    c.closed_at = skpi__intcol_get(&col[SKPI__COL_CLOSED], index);
    c.handle_seconds = skpi__intcol_get(&col[SKPI__COL_HANDLE], index);
    c.tier = skpi__intcol_get(&col[SKPI__COL_TIER], index);
    c.escalations = skpi__intcol_get(&col[SKPI__COL_ESCALATIONS], index);
    c.reopens = skpi__intcol_get(&col[SKPI__COL_REOPENS], index);
    c.csat = skpi__intcol_get(&col[SKPI__COL_CSAT], index);
    c.outcome = (int)skpi__intcol_get(&col[SKPI__COL_OUTCOME], index);
    *contact = c;
    return SKPI_OK;
}

const char *skpi_records_dimension_value(const skpi_records *records, size_t index,
                                         size_t dimension)
{
    if (!records || index >= records->count || dimension >= records->dim_count)
        return NULL;
    const dimension_store *d = &records->dims[dimension];
    uint32_t id = (uint32_t)skpi__intcol_get(&d->values, index);
    return id ? skpi__strpool_get(&d->pool, id) : NULL;
}

int skpi_records_find(const skpi_records *records, const char *id, size_t *index)
{
    if (!records || !id || !index)
        return SKPI_EINVAL;
    uint32_t pid;
    if (!*id || skpi__strpool_find(&records->ids, id, strlen(id), &pid) != SKPI_OK)
        return SKPI_ENOTFOUND;
    *index = pid - 1;
    return SKPI_OK;
}

size_t skpi_records_memory(const skpi_records *records)
{
    if (!records)
        return 0;
    size_t bytes = sizeof *records + skpi__strpool_bytes(&records->ids);
    for (int p = 0; p < POOL_COUNT; p++)
        bytes += skpi__strpool_bytes(&records->pools[p]);
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        bytes += skpi__intcol_bytes(&records->columns[c]);
    for (size_t d = 0; d < records->dim_count; d++)
        bytes += skpi__strpool_bytes(&records->dims[d].pool)
                 + skpi__intcol_bytes(&records->dims[d].values) + strlen(records->dims[d].name) + 1;
    bytes += skpi__stage_bytes(&records->staged);
    return bytes + records->dim_cap * sizeof(dimension_store);
}

void skpi__records_expect(skpi_records *r, size_t rows)
{
    size_t want = r->count + rows;
    if (want < r->count)
        return;
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        if (!staged_column(c))   /* the stage's are maybe the worker's */
            (void)skpi__intcol_reserve(&r->columns[c], want);
    skpi__stage_expect(&r->staged, rows);
    for (size_t d = 0; d < r->dim_count; d++)
        (void)skpi__intcol_reserve(&r->dims[d].values, want);
    skpi__strpool_expect(&r->ids, rows);
}

void skpi__records_trim(skpi_records *r)
{
    skpi__strpool_trim(&r->ids);
    for (int p = 0; p < POOL_COUNT; p++)
        skpi__strpool_trim(&r->pools[p]);
    for (int c = 0; c < SKPI__COL_COUNT; c++)
        skpi__intcol_trim(&r->columns[c]);
    for (size_t d = 0; d < r->dim_count; d++) {
        skpi__strpool_trim(&r->dims[d].pool);
        skpi__intcol_trim(&r->dims[d].values);
    }
}
