/* Staged interning: strings copied aside and interned into a pool, with
 * their ids appended to a column, a batch at a time, on the calling thread
 * or on a worker thread of the stage's own.
 *
 * Why: at ten million contacts the customer pool's table is far larger than
 * the caches, and one intern after another waits for memory three times
 * (slot, offset, bytes).  A batch overlaps those waits
 * (skpi__strpool_intern_many); a worker takes them off the thread that
 * parses the file, which has work enough of its own.
 *
 * While strings are staged or handed to the worker, the column lags behind
 * the rows added; skpi__stage_finish() catches it up.  Between
 * skpi__stage_start_worker() and skpi__stage_finish() / skpi__stage_abandon()
 * the pool and the column belong to the worker: the caller must not read or
 * change them. */
#ifndef SKPI_STAGE_H
#define SKPI_STAGE_H

#include <stdbool.h>
#include <stddef.h>

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
    size_t rows;
    size_t expect_rows;  /* skpi__stage_expect() for whoever interns the batch, or 0 */
} skpi__stage_batch;

typedef struct skpi__stage_worker skpi__stage_worker;

typedef struct skpi__stage {
    skpi__strpool *pool;
    skpi__intcol *column;
    skpi__stage_batch batch;      /* filling on the caller's side */
    skpi__stage_worker *worker;   /* NULL: batches are interned by the caller */
} skpi__stage;

/* Where a stage stands, to undo the strings added after it. */
typedef struct skpi__stage_mark {
    size_t rows;
    size_t bytes_len;
} skpi__stage_mark;

/* An empty stage feeding `pool` and `column`. */
void skpi__stage_init(skpi__stage *s, skpi__strpool *pool, skpi__intcol *column);

/* Stop the worker (its work is dropped) and free the stage's memory. */
void skpi__stage_release(skpi__stage *s);

/* Intern the following batches on a new worker thread.  SKPI_OK, or an
 * error (no thread, no memory) after which the stage goes on without one. */
int skpi__stage_start_worker(skpi__stage *s);

/* About `rows` more strings will come: the column, and the pool in
 * proportion to the strings that were new so far, are grown once, by
 * whoever interns the current batch (the worker's pool and column are not
 * the caller's to touch).  Best effort: a refused allocation leaves them to
 * grow as usual. */
void skpi__stage_expect(skpi__stage *s, size_t rows);

/* Whether the batch is full: skpi__stage_flush() before the next add. */
bool skpi__stage_full(const skpi__stage *s);

/* Copy s[0..len) into the batch (not full).  SKPI_ENOMEM leaves the stage
 * as it was. */
int skpi__stage_add(skpi__stage *s, const char *str, size_t len);

skpi__stage_mark skpi__stage_mark_of(const skpi__stage *s);

/* Forget the strings added since `mark` (none was flushed since). */
void skpi__stage_undo(skpi__stage *s, skpi__stage_mark mark);

/* Intern the batch (or hand it to the worker).  Without a worker, a failure
 * leaves pool, column and batch as they were; with one, it is the first
 * failure of the worker's, and the stage must be abandoned. */
int skpi__stage_flush(skpi__stage *s);

/* Intern everything staged and stop the worker: the column has caught up
 * and the stage holds no memory.  Returns the first failure; the stage must
 * then be abandoned (the pool and column may hold part of the strings: the
 * caller truncates them). */
int skpi__stage_finish(skpi__stage *s);

/* Stop the worker and drop everything staged, holding no memory (for a
 * rollback, which then truncates the pool and the column). */
void skpi__stage_abandon(skpi__stage *s);

/* Bytes held by the stage (batches and worker). */
size_t skpi__stage_bytes(const skpi__stage *s);

#endif
