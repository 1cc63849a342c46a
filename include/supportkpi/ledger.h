/**
 * @file supportkpi/ledger.h
 * @brief The cost ledger: dated cost entries in integer minor units of one
 *        currency, with scopes, drivers and a tier-rate table (SPEC §4).
 */
#ifndef SUPPORTKPI_LEDGER_H
#define SUPPORTKPI_LEDGER_H

#include "supportkpi/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup ledger Cost ledger
 * @brief What the support organisation spent, and how each entry is shared
 *        among contacts.
 *
 * A ledger holds entries (category, amount, period <tt>[start, end)</tt>,
 * optional scope, driver) and a tier-rate table.  Every failed call returns
 * a negative ::skpi_status, records a message naming the field (read it with
 * skpi_ledger_errmsg()) and leaves the ledger exactly as it was.  The
 * ledger's total always fits in int64: an entry that would overflow it is
 * refused with ::SKPI_ERANGE.
 * @{
 */

/** @brief An opaque cost ledger.  Create with skpi_ledger_new(). */
typedef struct skpi_ledger skpi_ledger;

/** @brief Cost categories (SPEC §4).  Values are fixed. */
typedef enum skpi_category {
    SKPI_CATEGORY_DIRECT_LABOR = 0,   /**< "direct_labor": agents' time; re-driven by tier in the escalation-adjusted allocation */
    SKPI_CATEGORY_INDIRECT_LABOR = 1, /**< "indirect_labor" */
    SKPI_CATEGORY_TECHNOLOGY = 2,     /**< "technology" */
    SKPI_CATEGORY_OVERHEAD = 3,       /**< "overhead" */
    SKPI_CATEGORY_OTHER = 4           /**< "other" */
} skpi_category;

/** @brief How an entry is shared among its contacts (SPEC §4). */
typedef enum skpi_driver {
    SKPI_DRIVER_HANDLE_TIME = 0,   /**< "handle_time": weight = handle_seconds (the default) */
    SKPI_DRIVER_CONTACTS = 1,      /**< "contacts": weight = 1 */
    SKPI_DRIVER_TIER_WEIGHTED = 2  /**< "tier_weighted": weight = handle_seconds × rate[tier] */
} skpi_driver;

/** @brief Number of categories (5): valid values are 0 .. count-1. */
SKPI_API int skpi_category_count(void);

/**
 * @brief The SPEC word of a category ("direct_labor", ...).
 * @return a static string, or NULL when @p category is out of range.
 */
SKPI_API const char *skpi_category_name(int category);

/**
 * @brief Parse a category word (exact, case-sensitive).
 * @param name the word; NUL-terminated.
 * @param[out] category the ::skpi_category value.
 * @return ::SKPI_OK, or ::SKPI_EINVAL for NULL or an unknown word.
 */
SKPI_API int skpi_category_from_name(const char *name, int *category);

/** @brief Number of drivers (3): valid values are 0 .. count-1. */
SKPI_API int skpi_driver_count(void);

/**
 * @brief The SPEC word of a driver ("handle_time", "contacts", "tier_weighted").
 * @return a static string, or NULL when @p driver is out of range.
 */
SKPI_API const char *skpi_driver_name(int driver);

/**
 * @brief Parse a driver word (exact, case-sensitive).
 * @param name the word; NUL-terminated.
 * @param[out] driver the ::skpi_driver value.
 * @return ::SKPI_OK, or ::SKPI_EINVAL for NULL or an unknown word.
 */
SKPI_API int skpi_driver_from_name(const char *name, int *driver);

/** @brief Highest support tier (9); tiers are 0 .. this. */
#define SKPI_TIER_MAX 9

/** @brief ::SKPI_TIER_MAX as a function, for bindings. */
SKPI_API int skpi_tier_max(void);

/**
 * @brief Digits after the decimal point of a currency's minor unit (ISO 4217):
 *        2 for USD and most, 0 for JPY, KRW ..., 3 for BHD, KWD ..., 0 for XXX.
 * @param currency three upper-case letters.
 * @return 0 to 4; 2 for a well-formed code the table does not list; -1 for a
 *         malformed code.
 */
SKPI_API int skpi_currency_minor_digits(const char *currency);

/**
 * @brief Create an empty ledger for one currency.
 * @param[out] ledger receives the new handle, owned by the caller (free it with
 *             skpi_ledger_free()); set to NULL on failure.
 * @param currency an ISO 4217 code: exactly three upper-case ASCII letters
 *             (copied).  NULL or "" means "XXX" (no currency).
 * @param err optional detail of a failure (there is no handle to hold it yet).
 * @return ::SKPI_OK, ::SKPI_EINVAL for a malformed code, ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ledger_new(skpi_ledger **ledger, const char *currency,
                                              skpi_error *err);

/** @brief Free a ledger and everything it owns.  NULL is ignored. */
SKPI_API void skpi_ledger_free(skpi_ledger *ledger);

/**
 * @brief The ledger's currency code.
 * @return borrowed: valid until the ledger is freed.
 */
SKPI_API const char *skpi_ledger_currency(const skpi_ledger *ledger);

/** @brief The status of the ledger's last failed call (::SKPI_OK if none). */
SKPI_API int skpi_ledger_errcode(const skpi_ledger *ledger);

/**
 * @brief The message of the ledger's last failed call ("" if none).
 * @return borrowed: valid until the next call on the ledger or its free.
 */
SKPI_API const char *skpi_ledger_errmsg(const skpi_ledger *ledger);

/**
 * @brief Add one cost entry.
 *
 * All arguments are validated before anything changes; strings are copied.
 *
 * @param ledger the ledger.
 * @param category a ::skpi_category.
 * @param amount integer minor units, >= 0.
 * @param start first second of the period (Unix seconds, inclusive).
 * @param end end of the period (exclusive); must be > @p start.
 * @param driver a ::skpi_driver.
 * @param channel scope: only contacts of this channel share the entry;
 *        NULL or "" for any channel.  Valid UTF-8.
 * @param scope_count number of <tt>dimension=value</tt> pairs.
 * @param scope_keys @p scope_count dimension names: non-empty, valid UTF-8,
 *        no name twice, not a contact field name (id, customer, reason,
 *        channel, opened_at, first_response_at, closed_at, handle_seconds,
 *        tier, escalations, outcome, reopens, csat).
 * @param scope_values @p scope_count values: non-empty, valid UTF-8.
 * @return ::SKPI_OK; ::SKPI_EINVAL naming the bad field; ::SKPI_ERANGE when
 *         the ledger total would overflow int64; ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ledger_add_entry(skpi_ledger *ledger, int category,
                                                    int64_t amount, int64_t start,
                                                    int64_t end, int driver,
                                                    const char *channel, size_t scope_count,
                                                    const char *const *scope_keys,
                                                    const char *const *scope_values);

/** @brief Number of entries. */
SKPI_API size_t skpi_ledger_entry_count(const skpi_ledger *ledger);

/**
 * @brief Read entry @p index (in the order added).  Any output may be NULL.
 * @return ::SKPI_OK, or ::SKPI_ENOTFOUND for an index past the end.
 */
SKPI_API int skpi_ledger_entry(const skpi_ledger *ledger, size_t index, int *category,
                               int64_t *amount, int64_t *start, int64_t *end, int *driver);

/**
 * @brief The channel scope of entry @p index.
 * @return borrowed until the ledger is freed; NULL when the entry has no
 *         channel scope or @p index is past the end.
 */
SKPI_API const char *skpi_ledger_entry_channel(const skpi_ledger *ledger, size_t index);

/** @brief Number of <tt>dimension=value</tt> pairs in entry @p index's scope (0 past the end). */
SKPI_API size_t skpi_ledger_entry_scope_count(const skpi_ledger *ledger, size_t index);

/**
 * @brief Read pair @p pair of entry @p index's scope.  Outputs may be NULL.
 * @param ledger the ledger.
 * @param index the entry, in the order added.
 * @param pair the pair, 0 .. skpi_ledger_entry_scope_count() - 1.
 * @param[out] key borrowed until the ledger is freed.
 * @param[out] value borrowed until the ledger is freed.
 * @return ::SKPI_OK, or ::SKPI_ENOTFOUND past the end.
 */
SKPI_API int skpi_ledger_entry_scope(const skpi_ledger *ledger, size_t index, size_t pair,
                                     const char **key, const char **value);

/**
 * @brief Sum of all entries (integer minor units).
 * @param ledger the ledger.
 * @param[out] total never overflows (enforced when entries are added).
 * @return ::SKPI_OK.
 */
SKPI_API int skpi_ledger_total(const skpi_ledger *ledger, int64_t *total);

/**
 * @brief Sum of the entries of one category.
 * @return ::SKPI_OK, or ::SKPI_EINVAL for an unknown category.
 */
SKPI_API int skpi_ledger_total_by_category(const skpi_ledger *ledger, int category,
                                           int64_t *total);

/**
 * @brief Sum of the entries whose period starts in <tt>[from, to)</tt>.
 *
 * An entry belongs to the range its @c start falls in, whole: amounts are not
 * prorated, so ranges that partition time partition the total.
 * @return ::SKPI_OK, or ::SKPI_EINVAL when @p to < @p from.
 */
SKPI_API int skpi_ledger_total_between(const skpi_ledger *ledger, int64_t from, int64_t to,
                                       int64_t *total);

/**
 * @brief Set the rate of one tier for the @c tier_weighted driver and the
 *        escalation figures (minor units per handle hour).
 * @param ledger the ledger.
 * @param tier 0 .. ::SKPI_TIER_MAX.
 * @param rate_per_hour >= 0 (0 is allowed: that tier weighs nothing).
 * @return ::SKPI_OK, or ::SKPI_EINVAL naming the bad argument.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_ledger_set_rate(skpi_ledger *ledger, int tier,
                                                   int64_t rate_per_hour);

/**
 * @brief The rate of one tier.
 * @return ::SKPI_OK; ::SKPI_ABSENT when no rate is set for that tier;
 *         ::SKPI_EINVAL for a tier out of range.
 */
SKPI_API int skpi_ledger_rate(const skpi_ledger *ledger, int tier, int64_t *rate_per_hour);

/** @brief Number of tiers that have a rate (0: no rate table, escalation figures absent). */
SKPI_API int skpi_ledger_rate_count(const skpi_ledger *ledger);

/** @brief Remove every tier rate. */
SKPI_API void skpi_ledger_clear_rates(skpi_ledger *ledger);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
