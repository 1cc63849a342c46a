/**
 * @file supportkpi/load.h
 * @brief Loading the interchange files of SPEC §8: contacts, costs, rates.
 */
#ifndef SUPPORTKPI_LOAD_H
#define SUPPORTKPI_LOAD_H

#include <stdio.h>

#include "supportkpi/common.h"
#include "supportkpi/ledger.h"
#include "supportkpi/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup load Loaders
 * @brief contacts.csv, costs.csv and rates.csv into records and ledgers.
 *
 * A file is read as a stream: memory beyond what is stored stays bounded by
 * the longest record, whatever the file's size.  A file is taken whole or
 * not at all: every bad row is reported (in line order, one message per row,
 * as <tt>file:line:column:reason</tt>, line being the physical line the
 * record starts on, header = 1) and the load fails with ::SKPI_EDATA, the
 * handle unchanged.  With @c skip_bad_rows the bad rows are reported,
 * counted and left out instead.  A CSV syntax error or a bad header fails
 * the file in every mode (::SKPI_ESYNTAX).
 * @{
 */

/** @brief Where a file comes from.  Use one of the three SKPI_INPUT_ macros. */
typedef struct skpi_input {
    const char *path;  /**< a file to open and read, or NULL */
    FILE *file;        /**< an open stream read from its position (borrowed, not closed), or NULL */
    const char *data;  /**< bytes in memory (borrowed during the call), or NULL */
    size_t size;       /**< bytes at @c data */
    const char *name;  /**< the file name in messages (default: the path, or "-") */
} skpi_input;

/** @brief Input from a file path. */
#define SKPI_INPUT_PATH(p) ((skpi_input){ (p), NULL, NULL, 0, NULL })
/** @brief Input from an open stream, named @p n in messages. */
#define SKPI_INPUT_FILE(f, n) ((skpi_input){ NULL, (f), NULL, 0, (n) })
/** @brief Input from @p s bytes at @p d, named @p n in messages. */
#define SKPI_INPUT_MEMORY(d, s, n) ((skpi_input){ NULL, NULL, (d), (s), (n) })

/**
 * @brief Called once per bad row (or bad header column, or syntax error).
 * @param context the caller's pointer from ::skpi_load_options.
 * @param message <tt>file:line:column:reason</tt>; valid during the call only.
 */
typedef void skpi_report_fn(void *context, const char *message);

/**
 * @brief Called now and then while a file is read.
 * @param context the caller's pointer from ::skpi_load_options.
 * @param bytes bytes of the file read so far.
 */
typedef void skpi_progress_fn(void *context, uint64_t bytes);

/** @brief The version of ::skpi_load_options this header describes (1 had
 *  no @c threads member; the library reads both). */
#define SKPI_LOAD_OPTIONS_VERSION 2

/** @brief How to load.  Start from ::SKPI_LOAD_OPTIONS_INIT. */
typedef struct skpi_load_options {
    unsigned version;           /**< ::SKPI_LOAD_OPTIONS_VERSION */
    int skip_bad_rows;          /**< non-zero: leave bad rows out (reported, counted) */
    skpi_report_fn *report;     /**< receives each bad row's message, or NULL */
    skpi_progress_fn *progress; /**< receives progress, or NULL */
    void *context;              /**< passed to both callbacks */
    /**
     * Threads a contacts load may use (version 2).  0 or 1: the calling
     * thread only.  2 or more: a second thread interns the customers while
     * the calling thread reads the file (about a third less time on large
     * files); the load is the same in every other way (callbacks run on the
     * calling thread; the thread is gone when the call returns), but the
     * allocator hook is then called from that thread too (doc/threads.md).
     * Costs and rates loads ignore it.
     */
    unsigned threads;
} skpi_load_options;

/** @brief Fail on any bad row, report nothing, one thread. */
#define SKPI_LOAD_OPTIONS_INIT { SKPI_LOAD_OPTIONS_VERSION, 0, NULL, NULL, NULL, 1 }

/** @brief What a load did. */
typedef struct skpi_load_stats {
    uint64_t rows;     /**< rows taken (0 when the load failed) */
    uint64_t skipped;  /**< bad rows left out (skip mode), or bad rows found (otherwise) */
} skpi_load_stats;

/**
 * @brief Load contacts.csv into a records handle (appending).
 *
 * Columns: id, customer, reason, channel, opened_at, first_response_at,
 * closed_at, handle_seconds, tier, escalations, outcome, reopens, csat; only
 * id, opened_at and outcome are required; every other column is a
 * dimension named by its header.
 * @param records the handle; unchanged on failure (its message says why).
 * @param input the file.
 * @param options NULL for the defaults.
 * @param[out] stats may be NULL.
 * @return ::SKPI_OK; ::SKPI_EDATA (bad rows); ::SKPI_ESYNTAX (CSV or header);
 *         ::SKPI_EIO; ::SKPI_ENOMEM; ::SKPI_EINVAL (arguments).
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_load(skpi_records *records, const skpi_input *input,
                                                const skpi_load_options *options,
                                                skpi_load_stats *stats);

/**
 * @brief Load costs.csv into a new ledger.
 *
 * Columns: category, amount, currency, start, end, driver, channel, scope
 * (<tt>key=value</tt> pairs joined by <tt>;</tt>); category, amount, start
 * and end are required; any other column is an error.  The non-empty
 * currency values must all be equal; the ledger takes that currency, or
 * "XXX" when there is none.
 * @param[out] ledger receives the new ledger (owned by the caller); NULL on failure.
 * @param input the file.
 * @param options NULL for the defaults.
 * @param[out] stats may be NULL.
 * @param err optional detail of a failure.
 * @return as skpi_records_load().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ledger_load_costs(skpi_ledger **ledger,
                                                     const skpi_input *input,
                                                     const skpi_load_options *options,
                                                     skpi_load_stats *stats, skpi_error *err);

/**
 * @brief Load rates.csv (columns tier, rate_per_hour) into a ledger's rate
 *        table.  A tier given twice is a bad row; tiers the file does not
 *        name keep the rate they had.
 * @param ledger the ledger; unchanged on failure.
 * @param input the file.
 * @param options NULL for the defaults.
 * @param[out] stats may be NULL.
 * @return as skpi_records_load().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ledger_load_rates(skpi_ledger *ledger,
                                                     const skpi_input *input,
                                                     const skpi_load_options *options,
                                                     skpi_load_stats *stats);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
