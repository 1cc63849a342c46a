/**
 * @file supportkpi/breakdown.h
 * @brief Segment breakdowns: every KPI of SPEC §5 per row of any grouping,
 *        with the total, drill-down and writers (SPEC §6, §9).
 */
#ifndef SUPPORTKPI_BREAKDOWN_H
#define SUPPORTKPI_BREAKDOWN_H

#include <stdio.h>

#include "supportkpi/common.h"
#include "supportkpi/chains.h"
#include "supportkpi/ledger.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup breakdown Breakdowns
 * @brief The numbers the library exists for, by any segment.
 *
 * skpi_breakdown_new() is a pure function of the chains (and the records they
 * read), an optional ledger and the options; it returns a result handle that
 * owns its numbers and borrows the records and chains for drill-down: they
 * must outlive it, and the chains must not be updated (skpi_chains_update())
 * while it is used.  Appending contacts to the records is allowed: the
 * breakdown, like the chains, describes the contacts they covered.
 *
 * Rows are keyed by the grouping columns; a key value is NULL when empty or
 * absent and sorts first; rows sort column by column, bytewise (tier and the
 * time bucket in their natural order).  The total is read as row
 * ::SKPI_ROW_TOTAL.  Every row and the total carry every KPI; a KPI whose
 * denominator is 0, or a money KPI without a ledger, is absent
 * (::SKPI_ABSENT), never 0.
 * @{
 */

/** @brief An opaque breakdown result.  Create with skpi_breakdown_new(). */
typedef struct skpi_breakdown skpi_breakdown;

/** @brief The KPIs of a row (SPEC §9), in the order of the JSON report. */
typedef enum skpi_kpi {
    SKPI_KPI_CONTACTS = 0,                 /**< contacts opened */
    SKPI_KPI_CLOSED_CONTACTS = 1,          /**< closed contacts */
    SKPI_KPI_ESCALATED_CONTACTS = 2,       /**< closed contacts that were escalated */
    SKPI_KPI_REPEAT_CONTACTS = 3,          /**< contacts that are not the first of their chain */
    SKPI_KPI_REOPENED_CONTACTS = 4,        /**< closed contacts with reopens > 0 */
    SKPI_KPI_RESOLVED_CHAINS = 5,          /**< resolved chains placed in the row */
    SKPI_KPI_UNRESOLVED_CHAINS = 6,        /**< unresolved chains placed in the row */
    SKPI_KPI_SETTLED_CHAINS = 7,           /**< resolved + unresolved */
    SKPI_KPI_COST = 8,                     /**< cost allocated to the row's contacts (minor units) */
    SKPI_KPI_FAILURE_DEMAND_COST = 9,      /**< cost allocated to repeat contacts */
    SKPI_KPI_ESCALATION_ADJUSTED_COST = 10,/**< cost under the escalation-adjusted allocation */
    SKPI_KPI_ESCALATION_PREMIUM = 11,      /**< what tiers above 1 cost over tier-1 rates */
    SKPI_KPI_CPT = 12,                     /**< cost / closed contacts */
    SKPI_KPI_CPR = 13,                     /**< cost / resolved chains */
    SKPI_KPI_CPR_ESCALATION_ADJUSTED = 14, /**< escalation-adjusted cost / resolved chains */
    SKPI_KPI_FCR = 15,                     /**< first contact resolution rate */
    SKPI_KPI_REOPEN_RATE = 16,             /**< reopened / closed contacts */
    SKPI_KPI_ESCALATION_RATE = 17,         /**< escalated / closed contacts */
    SKPI_KPI_CHAIN_ESCALATION_RATE = 18,   /**< settled chains with an escalation / settled chains */
    SKPI_KPI_REPEAT_RATE = 19,             /**< repeat contacts / contacts */
    SKPI_KPI_AUTOMATION_RATE = 20,         /**< resolved chains all at tier 0 / resolved chains */
    SKPI_KPI_CSAT = 21,                    /**< csat >= 4 / contacts with a csat */
    SKPI_KPI_CONTACTS_PER_RESOLUTION = 22, /**< contacts of resolved chains / resolved chains */
    SKPI_KPI_RESOLUTION_TIME_MEAN = 23,    /**< seconds */
    SKPI_KPI_TIME_TO_CLOSE_MEAN = 24,      /**< seconds */
    SKPI_KPI_FIRST_RESPONSE_MEAN = 25,     /**< seconds */
    SKPI_KPI_RESOLUTION_TIME_MEDIAN = 26,  /**< seconds, nearest rank */
    SKPI_KPI_RESOLUTION_TIME_P90 = 27,     /**< seconds, nearest rank */
    SKPI_KPI_TIME_TO_CLOSE_MEDIAN = 28,    /**< seconds */
    SKPI_KPI_TIME_TO_CLOSE_P90 = 29,       /**< seconds */
    SKPI_KPI_FIRST_RESPONSE_MEDIAN = 30,   /**< seconds */
    SKPI_KPI_FIRST_RESPONSE_P90 = 31,      /**< seconds */
    SKPI_KPI_OPEN_CHAINS = 32,             /**< all open chains (the total only) */
    SKPI_KPI_PENDING_CHAINS = 33           /**< all pending chains (the total only) */
} skpi_kpi;

/** @brief How a KPI's value reads. */
typedef enum skpi_kind {
    SKPI_KIND_INTEGER = 0, /**< an exact integer: a count, minor units or whole seconds */
    SKPI_KIND_DECIMAL = 1  /**< a ratio or mean rounded half to even to 9 decimals, read as nanos */
} skpi_kind;

/** @brief Number of KPIs (34). */
SKPI_API int skpi_kpi_count(void);

/**
 * @brief The SPEC §9 member name of a KPI ("cpr", "fcr" ...).
 * @param kpi a ::skpi_kpi.
 * @return a static string, or NULL out of range.
 */
SKPI_API const char *skpi_kpi_name(int kpi);

/**
 * @brief Parse a KPI member name.
 * @param name the name.
 * @param[out] kpi the ::skpi_kpi.
 * @return ::SKPI_OK or ::SKPI_EINVAL.
 */
SKPI_API int skpi_kpi_from_name(const char *name, int *kpi);

/**
 * @brief The kind of a KPI.
 * @param kpi a ::skpi_kpi.
 * @return a ::skpi_kind, or ::SKPI_EINVAL out of range.
 */
SKPI_API int skpi_kpi_kind(int kpi);

/** @brief Where a chain goes in time (SPEC §6). */
typedef enum skpi_view {
    SKPI_VIEW_PERIOD = 0, /**< the bucket of the chain's latest close (default) */
    SKPI_VIEW_COHORT = 1  /**< the bucket of its anchor's opened_at */
} skpi_view;

/** @brief The version of ::skpi_breakdown_options this header describes (1
 *  had no @c threads member; the library reads both). */
#define SKPI_BREAKDOWN_OPTIONS_VERSION 2

/** @brief What to group by.  Start from ::SKPI_BREAKDOWN_OPTIONS_INIT. */
typedef struct skpi_breakdown_options {
    unsigned version;      /**< ::SKPI_BREAKDOWN_OPTIONS_VERSION */
    size_t by_count;       /**< grouping keys in @c by */
    const char *const *by; /**< "channel", "reason", "tier", "outcome" or a dimension name; each once */
    int bucket;            /**< a skpi_bucket (timefmt.h); 0 = none */
    int view;              /**< a ::skpi_view */
    /**
     * Threads the breakdown may use (version 2).  0 or 1: the calling thread
     * only.  2 or more: a second thread keys and tallies half of the
     * contacts and chains, then computes the percentiles while the calling
     * thread allocates the costs (about 40 % less time at ten million
     * contacts).  The result is the same in every way; the thread is gone
     * when the call returns, but the allocator hook is called from it too
     * (doc/threads.md), and the allocation's temporaries and the time values
     * are then held at the same time.
     */
    unsigned threads;
} skpi_breakdown_options;

/** @brief No grouping, no bucket, period view, one thread: one row, the total. */
#define SKPI_BREAKDOWN_OPTIONS_INIT { SKPI_BREAKDOWN_OPTIONS_VERSION, 0, NULL, 0, \
    SKPI_VIEW_PERIOD, 1 }

/** @brief The row index that reads the total. */
#define SKPI_ROW_TOTAL SIZE_MAX

/** @brief ::SKPI_ROW_TOTAL as a function, for bindings. */
SKPI_API size_t skpi_row_total(void);

/**
 * @brief Compute a breakdown.
 * @param[out] breakdown receives the result, owned by the caller (free with
 *             skpi_breakdown_free()); NULL on failure.
 * @param chains borrowed, with the records it reads: both must outlive the result.
 * @param ledger the costs, or NULL for none (money KPIs are then absent); read only during the call.
 * @param options NULL for one row; copied.  Version 1 or 2.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_EINVAL (unknown or repeated key, bad bucket or
 *         view, options of another version); ::SKPI_ENOTFOUND (a tier rate the ledger needs is missing);
 *         ::SKPI_ERANGE (an entry's weights overflow int64); ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_breakdown_new(skpi_breakdown **breakdown,
                                                 const skpi_chains *chains,
                                                 const skpi_ledger *ledger,
                                                 const skpi_breakdown_options *options,
                                                 skpi_error *err);

/** @brief Free a breakdown.  NULL is ignored. */
SKPI_API void skpi_breakdown_free(skpi_breakdown *breakdown);

/** @brief Number of rows (the total not included). */
SKPI_API size_t skpi_breakdown_row_count(const skpi_breakdown *breakdown);

/** @brief Number of key columns: the grouping keys, then the bucket if any. */
SKPI_API size_t skpi_breakdown_key_count(const skpi_breakdown *breakdown);

/**
 * @brief The name of key column @p column ("channel", a dimension, or the
 *        bucket's unit, "month" ...).
 * @return borrowed until the breakdown is freed; NULL past the end.
 */
SKPI_API const char *skpi_breakdown_key_name(const skpi_breakdown *breakdown, size_t column);

/**
 * @brief The key of row @p row in column @p column, as text (a tier as its
 *        digit, a bucket as its label).
 * @return borrowed until the breakdown is freed; NULL when the value is
 *         empty or absent (or past the end).
 */
SKPI_API const char *skpi_breakdown_key_value(const skpi_breakdown *breakdown, size_t row,
                                              size_t column);

/**
 * @brief Read a KPI.
 * @param breakdown the result.
 * @param row a row index, or ::SKPI_ROW_TOTAL.
 * @param kpi a ::skpi_kpi.
 * @param[out] value the integer, or for a ::SKPI_KIND_DECIMAL KPI the value
 *             in units of 1e-9 (0.5 reads 500000000).
 * @return ::SKPI_OK; ::SKPI_ABSENT (value untouched); ::SKPI_ENOTFOUND for a
 *         row or KPI past the end; ::SKPI_ERANGE when a decimal does not fit
 *         (read it with skpi_breakdown_text()).
 */
SKPI_API int skpi_breakdown_get(const skpi_breakdown *breakdown, size_t row, int kpi,
                                int64_t *value);

/**
 * @brief Read a KPI as a double (a convenience for plotting; the exact value
 *        is skpi_breakdown_get()'s or skpi_breakdown_text()'s).
 * @param breakdown the result.
 * @param row a row index, or ::SKPI_ROW_TOTAL.
 * @param kpi a ::skpi_kpi.
 * @param[out] value the value (a decimal KPI as its value, not in nanos).
 * @return ::SKPI_OK, ::SKPI_ABSENT or ::SKPI_ENOTFOUND (never ::SKPI_ERANGE).
 */
SKPI_API int skpi_breakdown_get_double(const skpi_breakdown *breakdown, size_t row, int kpi,
                                       double *value);

/**
 * @brief Write a KPI as the JSON report writes it ("0.728874506", "4989").
 * @param breakdown the result.
 * @param row a row index, or ::SKPI_ROW_TOTAL.
 * @param kpi a ::skpi_kpi.
 * @param buf receives NUL-terminated text ("" when absent).
 * @param cap bytes at @p buf; 48 always suffice.
 * @return as skpi_breakdown_get(), or ::SKPI_ENOSPACE.
 */
SKPI_API int skpi_breakdown_text(const skpi_breakdown *breakdown, size_t row, int kpi,
                                 char *buf, size_t cap);

/**
 * @brief The ledger figures: total, unallocated, escalation-adjusted unallocated.
 * @param breakdown the result.
 * @param[out] ledger_total may be NULL.
 * @param[out] unallocated may be NULL.
 * @param[out] escalation_adjusted_unallocated may be NULL; ::SKPI_UNSET when
 *             the escalation figures are absent (no tier rates).
 * @return ::SKPI_OK, or ::SKPI_ABSENT when there was no ledger.
 */
SKPI_API int skpi_breakdown_ledger(const skpi_breakdown *breakdown, int64_t *ledger_total,
                                   int64_t *unallocated,
                                   int64_t *escalation_adjusted_unallocated);

/**
 * @brief Find the row whose key columns have the given values.
 * @param breakdown the result.
 * @param count pairs given; must name every key column once.
 * @param keys key column names ("channel", a dimension, "month" ...).
 * @param values their values as skpi_breakdown_key_value() gives them (a
 *        tier as its digit, a bucket as its label); NULL or "" for null.
 * @param[out] row the row index.
 * @return ::SKPI_OK; ::SKPI_ENOTFOUND when no row has that key;
 *         ::SKPI_EINVAL when the names are not exactly the key columns.
 */
SKPI_API int skpi_breakdown_find_row(const skpi_breakdown *breakdown, size_t count,
                                     const char *const *keys, const char *const *values,
                                     size_t *row);

/** @brief Number of contacts behind row @p row (its own contacts; the total: all). */
SKPI_API size_t skpi_breakdown_row_contact_count(const skpi_breakdown *breakdown, size_t row);

/**
 * @brief The record index of the @p k-th contact behind row @p row, in record order.
 * @return the index, or SIZE_MAX past the end.
 */
SKPI_API size_t skpi_breakdown_row_contact(const skpi_breakdown *breakdown, size_t row,
                                           size_t k);

/** @brief Number of chains placed in row @p row (settled chains only). */
SKPI_API size_t skpi_breakdown_row_chain_count(const skpi_breakdown *breakdown, size_t row);

/**
 * @brief The chain index of the @p k-th chain placed in row @p row.
 * @return the index, or SIZE_MAX past the end.
 */
SKPI_API size_t skpi_breakdown_row_chain(const skpi_breakdown *breakdown, size_t row, size_t k);

/**
 * @brief The ledger's currency code, or NULL when the breakdown had no ledger.
 * @return borrowed until the breakdown is freed.
 */
SKPI_API const char *skpi_breakdown_currency(const skpi_breakdown *breakdown);

/** @brief The time bucket of the breakdown (a skpi_bucket; 0 = none). */
SKPI_API int skpi_breakdown_bucket(const skpi_breakdown *breakdown);

/** @brief The view of the breakdown (a ::skpi_view). */
SKPI_API int skpi_breakdown_view(const skpi_breakdown *breakdown);

/** @brief The chains the breakdown read (borrowed). */
SKPI_API const skpi_chains *skpi_breakdown_chains(const skpi_breakdown *breakdown);

/**
 * @brief Write the SPEC §9 JSON report of the breakdown.
 * @param breakdown the result.
 * @param out an open stream (borrowed; not closed).
 * @param skipped_rows rows a skip-bad-rows load left out, written as
 *        <tt>options.skipped_rows</tt>; ::SKPI_UNSET when not in that mode.
 * @return ::SKPI_OK, or ::SKPI_EIO when writing fails (disk full ...).
 */
SKPI_API int skpi_breakdown_write_json(const skpi_breakdown *breakdown, FILE *out,
                                       int64_t skipped_rows);

/**
 * @brief The JSON report into a caller buffer.
 * @param breakdown the result.
 * @param buf receives the NUL-terminated report (may be NULL when @p cap is 0).
 * @param cap bytes at @p buf.
 * @param[out] needed bytes the report takes, its NUL included (may be NULL).
 * @param skipped_rows as for skpi_breakdown_write_json().
 * @return ::SKPI_OK, or ::SKPI_ENOSPACE when @p cap < *needed (call again
 *         with a buffer of *needed bytes).
 */
SKPI_API int skpi_breakdown_json(const skpi_breakdown *breakdown, char *buf, size_t cap,
                                 size_t *needed, int64_t skipped_rows);

/**
 * @brief Write the breakdown as CSV: a header, one line per row, then the
 *        total; the first column, @c kind, says @c row or @c total; then the
 *        key columns (empty for NULL), then every KPI (empty when absent).
 * @param breakdown the result.
 * @param out an open stream (borrowed).
 * @return ::SKPI_OK or ::SKPI_EIO.
 */
SKPI_API int skpi_breakdown_write_csv(const skpi_breakdown *breakdown, FILE *out);

/**
 * @brief The CSV of skpi_breakdown_write_csv() into a caller buffer.
 * @param breakdown the result.
 * @param buf receives the NUL-terminated text (may be NULL when @p cap is 0).
 * @param cap bytes at @p buf.
 * @param[out] needed bytes the text takes, its NUL included (may be NULL).
 * @return ::SKPI_OK, or ::SKPI_ENOSPACE when @p cap < *needed.
 */
SKPI_API int skpi_breakdown_csv(const skpi_breakdown *breakdown, char *buf, size_t cap,
                                size_t *needed);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
