/**
 * @file supportkpi/explain.h
 * @brief Drill-down with costs: the contacts and chains behind one row of a
 *        breakdown, each with its cost (SPEC §6, "any row can be explained").
 */
#ifndef SUPPORTKPI_EXPLAIN_H
#define SUPPORTKPI_EXPLAIN_H

#include "supportkpi/breakdown.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup explain Explain
 * @brief Which tickets make a number, and what each cost.
 *
 * A row's contacts carry the cost allocated to them, rounded so that they
 * sum exactly to the row's cost (largest remainder, ties to the earlier
 * contact).  A row's chains carry the cost of all their contacts (some may
 * sit in other rows), each rounded half to even on its own.
 * @{
 */

/** @brief An opaque explanation of one row.  Create with skpi_explain_new(). */
typedef struct skpi_explain skpi_explain;

/**
 * @brief Explain one row.
 * @param[out] explain receives the handle, owned by the caller; NULL on failure.
 * @param breakdown the breakdown (borrowed during the call only).
 * @param row a row index, or ::SKPI_ROW_TOTAL.
 * @param ledger the ledger the breakdown was computed with, or NULL (costs
 *        are then absent); read during the call only.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_ENOTFOUND (no such row); ::SKPI_EINVAL (a ledger
 *         other than the breakdown's); ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_explain_new(skpi_explain **explain,
                                               const skpi_breakdown *breakdown, size_t row,
                                               const skpi_ledger *ledger, skpi_error *err);

/** @brief Free an explanation.  NULL is ignored. */
SKPI_API void skpi_explain_free(skpi_explain *explain);

/** @brief Number of contacts behind the row. */
SKPI_API size_t skpi_explain_contact_count(const skpi_explain *explain);

/**
 * @brief The @p k-th contact behind the row (in record order).
 * @param explain the explanation.
 * @param k 0 .. count - 1.
 * @param[out] contact its record index (may be NULL).
 * @param[out] cost its cost in minor units (may be NULL).
 * @return ::SKPI_OK; ::SKPI_ABSENT when there are no costs (contact still
 *         set); ::SKPI_ENOTFOUND past the end.
 */
SKPI_API int skpi_explain_contact(const skpi_explain *explain, size_t k, size_t *contact,
                                  int64_t *cost);

/** @brief Number of chains placed in the row. */
SKPI_API size_t skpi_explain_chain_count(const skpi_explain *explain);

/**
 * @brief The @p k-th chain placed in the row.
 * @param explain the explanation.
 * @param k 0 .. count - 1.
 * @param[out] chain its chain index (may be NULL).
 * @param[out] cost the cost of all its contacts (may be NULL).
 * @return as skpi_explain_contact().
 */
SKPI_API int skpi_explain_chain(const skpi_explain *explain, size_t k, size_t *chain,
                                int64_t *cost);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
