/* Staged rows (see stage.h).
 *
 * The worker owns one batch, `handed`.  The caller fills its own batch and,
 * when it is full, waits until the worker's is done, swaps the two and wakes
 * the worker: the caller never waits on memory misses of the pool, only on
 * a worker that is a whole batch behind.  One mutex and one condition
 * variable guard `handed`, `busy`, `stop` and `rc`; the pool and the columns
 * are the worker's alone while it runs. */
#include "stage.h"

#include <pthread.h>
#include <string.h>

#include "alloc.h"

struct skpi__stage_worker {
    skpi__stage_target target;  /* the worker's alone while it runs */
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t changed;
    skpi__stage_batch handed;  /* the worker's batch */
    bool busy;                 /* handed waits to be appended */
    bool stop;                 /* no batch will come any more */
    int rc;                    /* the first failure */
};

static void batch_release(skpi__stage_batch *b)
{
    skpi__free(b->bytes);
    skpi__free(b->ends);
    skpi__free(b->values);
    memset(b, 0, sizeof *b);
}

static void batch_clear(skpi__stage_batch *b)
{
    b->rows = 0;
    b->bytes_len = 0;
    b->expect_rows = 0;
}

/* Grow columns and pool once for `rows` more rows (skpi__stage_expect),
 * instead of step by step: at ten million contacts each step copies a
 * block of tens of megabytes into memory not yet mapped. */
static void expect_rows(const skpi__stage_target *s, size_t rows)
{
    skpi__intcol *column = s->column;
    if (rows > UINT32_MAX || rows > SIZE_MAX - column->len)   /* more than a pool can hold */
        return;
    (void)skpi__intcol_reserve(column, column->len + rows);
    for (size_t v = 0; v < s->value_count; v++)
        (void)skpi__intcol_reserve(&s->value_columns[v], column->len + rows);
    size_t seen = column->len, distinct = skpi__strpool_count(s->pool) - 1;
    if (seen > 0)
        skpi__strpool_expect(s->pool, (size_t)((double)rows / (double)seen * (double)distinct));
}

/* Strings interned per call of skpi__strpool_intern_many(). */
enum { CHUNK = 256 };

/* Intern strings [from, to) of a batch and append their ids and values. */
static int append_chunk(const skpi__stage_target *s, const skpi__stage_batch *b, size_t from,
                        size_t to)
{
    const char *strings[CHUNK] = { NULL };  /* all set below; gcc cannot tell */
    size_t lengths[CHUNK] = { 0 };
    uint32_t ids[CHUNK];
    for (size_t k = from; k < to; k++) {
        size_t start = k ? b->ends[k - 1] : 0;
        strings[k - from] = b->bytes + start;
        lengths[k - from] = b->ends[k] - start;
    }
    int rc = skpi__strpool_intern_many(s->pool, strings, lengths, to - from, ids);
    for (size_t k = 0; rc == SKPI_OK && k < to - from; k++)
        rc = skpi__intcol_push(s->column, ids[k]);
    for (size_t v = 0; rc == SKPI_OK && v < s->value_count; v++) {
        skpi__intcol *c = &s->value_columns[v];
        for (size_t k = from; rc == SKPI_OK && k < to; k++)
            rc = skpi__intcol_push(c, b->values[k * s->value_count + v]);
    }
    return rc;
}

/* Every column back to `len` values. */
static void truncate_columns(const skpi__stage_target *s, size_t len)
{
    skpi__intcol_truncate(s->column, len);
    for (size_t v = 0; v < s->value_count; v++)
        skpi__intcol_truncate(&s->value_columns[v], len);
}

/* Append a batch to the pool and columns.  On failure they are as they
 * were and the batch is kept. */
static int append_batch(const skpi__stage_target *s, skpi__stage_batch *b)
{
    if (b->expect_rows) {
        expect_rows(s, b->expect_rows);
        b->expect_rows = 0;
    }
    size_t pool_mark = skpi__strpool_count(s->pool), column_mark = s->column->len;
    int rc = SKPI_OK;
    for (size_t from = 0; rc == SKPI_OK && from < b->rows; from += CHUNK)
        rc = append_chunk(s, b, from, from + CHUNK < b->rows ? from + CHUNK : b->rows);
    if (rc != SKPI_OK) {
        skpi__strpool_truncate(s->pool, pool_mark);
        truncate_columns(s, column_mark);
        return rc;
    }
    batch_clear(b);
    return SKPI_OK;
}

/* The worker: append each batch handed over until told to stop.  After a
 * failure it only empties the batches, so that the caller never waits
 * forever; the caller learns the failure at its next hand-over. */
static void *work(void *arg)
{
    skpi__stage_worker *w = arg;
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->busy && !w->stop)
            pthread_cond_wait(&w->changed, &w->lock);
        if (!w->busy)
            break;
        int failed = w->rc;
        pthread_mutex_unlock(&w->lock);
        int rc = failed ? failed : append_batch(&w->target, &w->handed);
        pthread_mutex_lock(&w->lock);
        if (rc != SKPI_OK && w->rc == SKPI_OK)
            w->rc = rc;
        batch_clear(&w->handed);
        w->busy = false;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

void skpi__stage_init(skpi__stage *s, skpi__strpool *pool, skpi__intcol *column,
                      skpi__intcol *value_columns, size_t value_count)
{
    memset(s, 0, sizeof *s);
    s->target.pool = pool;
    s->target.column = column;
    s->target.value_columns = value_columns;
    s->target.value_count = value_count;
}

/* Wait for the worker to finish, then free it; its first failure. */
static int stop_worker(skpi__stage *s)
{
    skpi__stage_worker *w = s->worker;
    if (!w)
        return SKPI_OK;
    pthread_mutex_lock(&w->lock);
    w->stop = true;
    pthread_cond_broadcast(&w->changed);
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    int rc = w->rc;
    pthread_cond_destroy(&w->changed);
    pthread_mutex_destroy(&w->lock);
    batch_release(&w->handed);
    skpi__free(w);
    s->worker = NULL;
    return rc;
}

void skpi__stage_release(skpi__stage *s)
{
    stop_worker(s);
    batch_release(&s->batch);
}

int skpi__stage_start_worker(skpi__stage *s)
{
    if (s->worker)
        return SKPI_OK;
    skpi__stage_worker *w = skpi__calloc(1, sizeof *w);
    if (!w)
        return SKPI_ENOMEM;
    w->target = s->target;
    bool locked = pthread_mutex_init(&w->lock, NULL) == 0;
    bool waits = locked && pthread_cond_init(&w->changed, NULL) == 0;
    if (waits && pthread_create(&w->thread, NULL, work, w) == 0) {
        s->worker = w;
        return SKPI_OK;
    }
    if (waits)
        pthread_cond_destroy(&w->changed);
    if (locked)
        pthread_mutex_destroy(&w->lock);
    skpi__free(w);
    return SKPI_ENOMEM;
}

void skpi__stage_expect(skpi__stage *s, size_t rows)
{
    s->batch.expect_rows = rows;
}

bool skpi__stage_full(const skpi__stage *s)
{
    return s->batch.rows == SKPI__STAGE_ROWS;
}

int skpi__stage_add(skpi__stage *s, const char *str, size_t len, const int64_t *values)
{
    skpi__stage_batch *b = &s->batch;
    size_t value_count = s->target.value_count;
    if (!b->ends)
        b->ends = skpi__malloc(SKPI__STAGE_ROWS * sizeof *b->ends);
    if (!b->values && value_count)
        b->values = skpi__malloc(SKPI__STAGE_ROWS * value_count * sizeof *b->values);
    if (!b->ends || (!b->values && value_count))
        return SKPI_ENOMEM;
    if (len > SIZE_MAX - b->bytes_len - 1)
        return SKPI_ERANGE;
    void *bytes = b->bytes;
    int rc = skpi__reserve(&bytes, &b->bytes_cap, b->bytes_len + len + 1, 1);
    b->bytes = bytes;
    if (rc != SKPI_OK)
        return rc;
    memcpy(b->bytes + b->bytes_len, str, len);
    b->bytes_len += len;
    if (value_count)
        memcpy(b->values + b->rows * value_count, values, value_count * sizeof *values);
    b->ends[b->rows++] = b->bytes_len;
    return SKPI_OK;
}

skpi__stage_mark skpi__stage_mark_of(const skpi__stage *s)
{
    skpi__stage_mark m = { s->batch.rows, s->batch.bytes_len };
    return m;
}

void skpi__stage_undo(skpi__stage *s, skpi__stage_mark mark)
{
    s->batch.rows = mark.rows;
    s->batch.bytes_len = mark.bytes_len;
}

/* Give the full batch to the worker once it is done with the last one. */
static int hand_over(skpi__stage *s)
{
    skpi__stage_worker *w = s->worker;
    pthread_mutex_lock(&w->lock);
    while (w->busy)
        pthread_cond_wait(&w->changed, &w->lock);
    int rc = w->rc;
    if (rc == SKPI_OK) {
        skpi__stage_batch empty = w->handed;
        w->handed = s->batch;
        s->batch = empty;
        w->busy = true;
        pthread_cond_broadcast(&w->changed);
    }
    pthread_mutex_unlock(&w->lock);
    return rc;
}

int skpi__stage_flush(skpi__stage *s)
{
    if (s->batch.rows == 0)
        return SKPI_OK;
    return s->worker ? hand_over(s) : append_batch(&s->target, &s->batch);
}

int skpi__stage_finish(skpi__stage *s)
{
    int rc = skpi__stage_flush(s);
    int worker_rc = stop_worker(s);
    if (rc == SKPI_OK && worker_rc == SKPI_OK)
        batch_release(&s->batch);   /* nothing staged: no room to keep between loads */
    return rc != SKPI_OK ? rc : worker_rc;
}

void skpi__stage_abandon(skpi__stage *s)
{
    stop_worker(s);
    batch_release(&s->batch);
}

/* Bytes held by a batch of the stage. */
static size_t batch_bytes(const skpi__stage *s, const skpi__stage_batch *b)
{
    return b->bytes_cap + (b->ends ? SKPI__STAGE_ROWS * sizeof *b->ends : 0)
           + (b->values ? SKPI__STAGE_ROWS * s->target.value_count * sizeof *b->values : 0);
}

size_t skpi__stage_bytes(const skpi__stage *s)
{
    size_t bytes = batch_bytes(s, &s->batch);
    if (s->worker)
        bytes += sizeof *s->worker + batch_bytes(s, &s->worker->handed);
    return bytes;
}
