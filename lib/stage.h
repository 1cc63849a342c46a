/* Staged rows: a string interned into a pool, its id appended to a column,
 * and a few integers appended to columns of their own, a batch of rows at
 * a time, on the calling thread or on a worker thread of the stage's own.
 *
 * Why: at ten million contacts the customer pool's table is far larger than
 * the caches, and one intern after another waits for memory three times
 * (slot, offset, bytes).  A batch overlaps those waits
 * (skpi__strpool_intern_many); a worker takes them off the thread that
 * parses the file, which has work enough of its own.  The integers (a
 * contact's times and counts) go along so that their column writes, to
 * hundreds of megabytes of fresh memory, are the worker's work too: the
 * parsing thread copies them into the batch, which stays in its cache.
 *
 * While rows are staged or handed to the worker, the columns lag behind
 * the rows added; skpi__stage_finish() catches them up.  Between
 * skpi__stage_start_worker() and skpi__stage_finish() / skpi__stage_abandon()
 * the pool and the columns belong to the worker: the caller must not read or
 * change them. */
#ifndef SKPI_STAGE_H
#define SKPI_STAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "intcol.h"
#include "strpool.h"

/* Strings per batch: enough that handing a batch to the worker (a wake-up,
 * costly in a virtual machine) is rare. */
enum { SKPI__STAGE_ROWS = 4096 };

typedef struct skpi__stage_batch {
    char *bytes;      /* the strings back to back */
    size_t bytes_len;
    size_t bytes_cap;
    size_t *ends;     /* SKPI__STAGE_ROWS: where each string ends in bytes */
    int64_t *values;  /* SKPI__STAGE_ROWS x value_count, row after row */
    size_t rows;
    size_t expect_rows;  /* skpi__stage_expect() for whoever interns the batch, or 0 */
} skpi__stage_batch;

typedef struct skpi__stage_worker skpi__stage_worker;

/* What a batch is appended to. */
typedef struct skpi__stage_target {
    skpi__strpool *pool;
    skpi__intcol *column;         /* the strings' ids */
    skpi__intcol *value_columns;  /* value_count columns, one per integer of a row */
    size_t value_count;
} skpi__stage_target;

typedef struct skpi__stage {
    skpi__stage_target target;
    skpi__stage_batch batch;      /* filling on the caller's side */
    skpi__stage_worker *worker;   /* NULL: batches are interned by the caller */
} skpi__stage;

/* Where a stage stands, to undo the rows added after it. */
typedef struct skpi__stage_mark {
    size_t rows;
    size_t bytes_len;
} skpi__stage_mark;

/* An empty stage feeding `pool` and `column` with each row's string, and
 * value_columns[0 .. value_count) with its integers. */
void skpi__stage_init(skpi__stage *s, skpi__strpool *pool, skpi__intcol *column,
                      skpi__intcol *value_columns, size_t value_count);

/* Stop the worker (its work is dropped) and free the stage's memory. */
void skpi__stage_release(skpi__stage *s);

/* Append the following batches on a new worker thread.  SKPI_OK, or an
 * error (no thread, no memory) after which the stage goes on without one. */
int skpi__stage_start_worker(skpi__stage *s);

/* About `rows` more rows will come: the columns, and the pool in
 * proportion to the strings that were new so far, are grown once, by
 * whoever appends the current batch (the worker's pool and columns are
 * not the caller's to touch).  Best effort: a refused allocation leaves them to
 * grow as usual. */
void skpi__stage_expect(skpi__stage *s, size_t rows);

/* Whether the batch is full: skpi__stage_flush() before the next add. */
bool skpi__stage_full(const skpi__stage *s);

/* Copy a row into the batch (not full): the string str[0..len) and the
 * stage's value_count integers from values.  SKPI_ENOMEM leaves the stage
 * as it was. */
int skpi__stage_add(skpi__stage *s, const char *str, size_t len, const int64_t *values);

skpi__stage_mark skpi__stage_mark_of(const skpi__stage *s);

/* Forget the rows added since `mark` (none was flushed since). */
void skpi__stage_undo(skpi__stage *s, skpi__stage_mark mark);

/* Intern and append the batch (or hand it to the worker).  Without a
 * worker, a failure leaves pool, columns and batch as they were; with one,
 * it is the first failure of the worker's, and the stage must be
 * abandoned. */
int skpi__stage_flush(skpi__stage *s);

/* Append everything staged and stop the worker: the columns have caught
 * up and the stage holds no memory.  Returns the first failure; the stage
 * must then be abandoned (the pool and columns may hold part of the rows:
 * the caller truncates them). */
int skpi__stage_finish(skpi__stage *s);

/* Stop the worker and drop everything staged, holding no memory (for a
 * rollback, which then truncates the pool and the columns). */
void skpi__stage_abandon(skpi__stage *s);

/* Bytes held by the stage (batches and worker). */
size_t skpi__stage_bytes(const skpi__stage *s);

#endif
