/* Internal view of the records for the modules downstream (chains,
 * allocation, breakdowns, loaders): the columns themselves, read-only, and a
 * row-at-a-time append for the loaders. */
#ifndef SKPI_RECORDS_PRIVATE_H
#define SKPI_RECORDS_PRIVATE_H

#include "supportkpi/records.h"
#include "intcol.h"
#include "strpool.h"

/* The stored columns.  Defaults are applied on the way in, so a stored tier
 * is always 0..9; only first_response_at, closed_at and csat hold UNSET.
 * customer, reason and channel hold ids of their own pools (0 = empty). */
enum skpi__column {
    SKPI__COL_CUSTOMER, SKPI__COL_REASON, SKPI__COL_CHANNEL,
    SKPI__COL_OPENED, SKPI__COL_FIRST_RESPONSE, SKPI__COL_CLOSED,
    SKPI__COL_HANDLE, SKPI__COL_TIER, SKPI__COL_ESCALATIONS, SKPI__COL_REOPENS,
    SKPI__COL_CSAT, SKPI__COL_OUTCOME,
    SKPI__COL_COUNT
};

const skpi__intcol *skpi__records_column(const skpi_records *r, int column);

/* The pool behind a string column (customer, reason or channel). */
const skpi__strpool *skpi__records_pool(const skpi_records *r, int column);

/* Dimension d's column of ids into its pool (0 = absent). */
const skpi__intcol *skpi__records_dimension_column(const skpi_records *r, size_t d);
const skpi__strpool *skpi__records_dimension_pool(const skpi_records *r, size_t d);

/* Contact i's id. */
const char *skpi__records_id(const skpi_records *r, size_t i);

/* A string that need not be NUL-terminated. */
typedef struct skpi__text {
    const char *ptr;
    size_t len;
} skpi__text;

/* One contact on its way in.  Integers use SKPI_UNSET for "not given";
 * dims[d] is the value of dimension d for d < dim_count (the rest absent). */
typedef struct skpi__row {
    skpi__text id, customer, reason, channel;
    int64_t opened_at, first_response_at, closed_at;
    int64_t handle_seconds, tier, escalations, reopens, csat, outcome;
    const skpi__text *dims;
    size_t dim_count;
} skpi__row;

/* Why a row was refused: the field (a SPEC column name or a dimension's
 * name) and the reason, for messages such as file:line:column:reason. */
typedef struct skpi__row_error {
    const char *field;
    char reason[160];
} skpi__row_error;

/* A group of pushes that is kept or undone as a whole.  Between begin and
 * commit/rollback, the handle may hold some of the group's rows. */
void skpi__records_begin(skpi_records *r);
void skpi__records_rollback(skpi_records *r);

/* Finish the pushes of a group: the customer column, which lags behind the
 * others while customers are staged (records.c), catches up.  Every way in
 * calls it after its last push and before it returns success; on failure
 * (SKPI_ENOMEM) it rolls the group back with skpi__records_rollback(). */
int skpi__records_commit(skpi_records *r);

/* Let a worker thread intern the customers of the group in progress (a
 * bulk load's choice), until the group's commit or rollback.  SKPI_OK, or
 * an error after which the group goes on without one.  The allocator hook is
 * then called from that thread too. */
int skpi__records_use_worker(skpi_records *r);

/* Validate one row (SPEC §2) and append it.  On failure nothing of this row
 * is kept, the code is returned and *why says what was wrong. */
int skpi__records_push(skpi_records *r, const skpi__row *row, skpi__row_error *why);

/* Register dimension `name` (or find it) as in skpi_records_add_dimension,
 * reporting failure in *why instead of the handle's message. */
int skpi__records_dimension(skpi_records *r, const char *name, size_t len, size_t *index,
                            skpi__row_error *why);

/* Make room for `rows` more contacts in every column (a loader's estimate;
 * best effort: without the room, pushes grow the columns as usual). */
void skpi__records_expect(skpi_records *r, size_t rows);

/* Give back the growth room of columns and pools after a bulk load (best
 * effort, never fails: the contents do not change). */
void skpi__records_trim(skpi_records *r);

/* Record a failure in the handle's error (for the loaders). */
skpi_error *skpi__records_error(skpi_records *r);

#endif
