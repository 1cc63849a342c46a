/**
 * @file supportkpi/records.h
 * @brief The issue records: a columnar store of contacts (SPEC §2).
 */
#ifndef SUPPORTKPI_RECORDS_H
#define SUPPORTKPI_RECORDS_H

#include "supportkpi/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup records Issue records
 * @brief Contacts (tickets, calls, chats, bot sessions) with every SPEC §2
 *        field and any number of named dimensions.
 *
 * A records handle only grows.  Contacts are added one at a time
 * (skpi_records_add()), as an all-or-nothing batch (skpi_records_add_batch())
 * or as columns (skpi_records_append_columns(), one call for a million rows).
 * Every SPEC §2 rule is checked; a failure names the record (its id, or its
 * index in the call) and the field, and leaves the handle exactly as it was:
 * a batch is taken whole or not at all.  Strings are copied and interned.
 *
 * Integer and time fields use ::SKPI_UNSET for "not given": the default then
 * applies (handle_seconds 0, tier 1, escalations 0, reopens 0) or the value
 * is absent (first_response_at, closed_at, csat).
 *
 * Limits: at most 4,294,967,294 contacts and as many distinct values per
 * string field; the message of a bad record says which limit was hit.
 * @{
 */

/** @brief An opaque, growing set of contacts.  Create with skpi_records_new(). */
typedef struct skpi_records skpi_records;

/** @brief How a contact ended (SPEC §1).  Values are fixed. */
typedef enum skpi_outcome {
    SKPI_OUTCOME_OPEN = 0,      /**< "open": not ended yet; no closed_at */
    SKPI_OUTCOME_RESOLVED = 1,  /**< "resolved" */
    SKPI_OUTCOME_ESCALATED = 2, /**< "escalated": ended on a hand-off; the work goes on elsewhere */
    SKPI_OUTCOME_ABANDONED = 3  /**< "abandoned": closed without a resolution */
} skpi_outcome;

/** @brief Number of outcomes (4). */
SKPI_API int skpi_outcome_count(void);

/**
 * @brief The SPEC word of an outcome ("open", "resolved", "escalated", "abandoned").
 * @param outcome a ::skpi_outcome.
 * @return a static string, or NULL out of range.
 */
SKPI_API const char *skpi_outcome_name(int outcome);

/**
 * @brief Parse an outcome word (exact, case-sensitive).
 * @param name the word.
 * @param[out] outcome the ::skpi_outcome.
 * @return ::SKPI_OK, or ::SKPI_EINVAL.
 */
SKPI_API int skpi_outcome_from_name(const char *name, int *outcome);

/** @brief The version of ::skpi_contact this header describes. */
#define SKPI_CONTACT_VERSION 1

/**
 * @brief One contact, for skpi_records_add() and skpi_records_get().
 *
 * Start from ::SKPI_CONTACT_INIT so that every field not set is "not given".
 * Strings are NUL-terminated UTF-8; NULL or "" means empty.
 */
typedef struct skpi_contact {
    unsigned version;               /**< ::SKPI_CONTACT_VERSION */
    const char *id;                 /**< unique, non-empty */
    const char *customer;           /**< empty: unknown, never stitched to another contact */
    const char *reason;             /**< contact reason; may be empty */
    const char *channel;            /**< voice, chat, email ...; empty = unknown */
    int64_t opened_at;              /**< Unix seconds; required */
    int64_t first_response_at;      /**< >= opened_at, or ::SKPI_UNSET */
    int64_t closed_at;              /**< >= opened_at; required unless open, forbidden when open */
    int64_t handle_seconds;         /**< >= 0; default 0 */
    int64_t tier;                   /**< 0 .. 9; default 1 */
    int64_t escalations;            /**< >= 0; default 0 */
    int64_t reopens;                /**< >= 0; default 0 */
    int64_t csat;                   /**< 1 .. 5, or ::SKPI_UNSET */
    int outcome;                    /**< a ::skpi_outcome; required */
    size_t dimension_count;         /**< pairs in the two arrays below */
    const char *const *dimension_names;  /**< dimension names (registered on first use) */
    const char *const *dimension_values; /**< their values; NULL or "" = absent */
} skpi_contact;

/** @brief A ::skpi_contact with nothing given (outcome -1 must be set). */
#define SKPI_CONTACT_INIT { SKPI_CONTACT_VERSION, NULL, NULL, NULL, NULL, SKPI_UNSET, \
    SKPI_UNSET, SKPI_UNSET, SKPI_UNSET, SKPI_UNSET, SKPI_UNSET, SKPI_UNSET, SKPI_UNSET, \
    -1, 0, NULL, NULL }

/**
 * @brief A column of strings, Arrow-style: string i is
 *        <tt>bytes[offsets[i] .. offsets[i+1])</tt>.
 *
 * @c offsets has count + 1 non-decreasing entries starting at 0.  A column
 * whose @c offsets is NULL is entirely empty.
 */
typedef struct skpi_text_column {
    const char *bytes;       /**< the strings back to back (no terminators needed) */
    const int64_t *offsets;  /**< count + 1 offsets into @c bytes, or NULL */
} skpi_text_column;

/** @brief The version of ::skpi_contact_columns this header describes. */
#define SKPI_COLUMNS_VERSION 1

/**
 * @brief Many contacts as columns, for skpi_records_append_columns().
 *
 * Every array has @c count entries.  A NULL numeric array means "not given"
 * for every row; ::SKPI_UNSET does the same for one row.  Start from
 * ::SKPI_COLUMNS_INIT.
 */
typedef struct skpi_contact_columns {
    unsigned version;                 /**< ::SKPI_COLUMNS_VERSION */
    size_t count;                     /**< rows */
    skpi_text_column id;              /**< required */
    skpi_text_column customer;        /**< may be empty */
    skpi_text_column reason;          /**< may be empty */
    skpi_text_column channel;         /**< may be empty */
    const int64_t *opened_at;         /**< required */
    const int64_t *first_response_at; /**< or NULL */
    const int64_t *closed_at;         /**< or NULL (then every row must be open) */
    const int64_t *handle_seconds;    /**< or NULL */
    const int64_t *tier;              /**< or NULL */
    const int64_t *escalations;       /**< or NULL */
    const int64_t *reopens;           /**< or NULL */
    const int64_t *csat;              /**< or NULL */
    const int64_t *outcome;           /**< ::skpi_outcome codes; required */
    size_t dimension_count;           /**< entries in the two arrays below */
    const char *const *dimension_names;   /**< registered on first use */
    const skpi_text_column *dimensions;   /**< one column per name */
} skpi_contact_columns;

/** @brief An empty ::skpi_contact_columns. */
#define SKPI_COLUMNS_INIT { SKPI_COLUMNS_VERSION, 0, { NULL, NULL }, { NULL, NULL }, \
    { NULL, NULL }, { NULL, NULL }, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, \
    0, NULL, NULL }

/**
 * @brief Create an empty records handle.
 * @param[out] records receives the handle, owned by the caller (free with
 *             skpi_records_free()); NULL on failure.
 * @return ::SKPI_OK or ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_new(skpi_records **records);

/** @brief Free a records handle.  NULL is ignored.  Chains built from it must be freed first. */
SKPI_API void skpi_records_free(skpi_records *records);

/** @brief The status of the last failed call on @p records (::SKPI_OK if none). */
SKPI_API int skpi_records_errcode(const skpi_records *records);

/**
 * @brief The message of the last failed call on @p records ("" if none).
 * @return borrowed until the next call on the handle.
 */
SKPI_API const char *skpi_records_errmsg(const skpi_records *records);

/**
 * @brief Register a dimension (a named string attribute such as "region").
 *
 * Registering a name that exists returns its index.  Contacts added before
 * have no value for a new dimension.
 * @param records the handle.
 * @param name non-empty UTF-8, not a contact field name (id, customer ...).
 * @param[out] index its index (may be NULL).
 * @return ::SKPI_OK, ::SKPI_EINVAL, ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_add_dimension(skpi_records *records,
                                                         const char *name, size_t *index);

/** @brief Number of dimensions. */
SKPI_API size_t skpi_records_dimension_count(const skpi_records *records);

/**
 * @brief The name of dimension @p index.
 * @return borrowed until the handle is freed; NULL past the end.
 */
SKPI_API const char *skpi_records_dimension_name(const skpi_records *records, size_t index);

/**
 * @brief Find a dimension by name.
 * @param records the handle.
 * @param name the name.
 * @param[out] index its index.
 * @return ::SKPI_OK or ::SKPI_ENOTFOUND.
 */
SKPI_API int skpi_records_dimension_index(const skpi_records *records, const char *name,
                                          size_t *index);

/**
 * @brief Add one contact.
 * @param records the handle.
 * @param contact the contact (copied).
 * @return ::SKPI_OK; ::SKPI_EINVAL naming the field; ::SKPI_EDUPLICATE for
 *         an id already present; ::SKPI_ERANGE past a limit; ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_add(skpi_records *records,
                                               const skpi_contact *contact);

/**
 * @brief Add @p count contacts, all or none.
 * @param records the handle.
 * @param contacts @p count contacts (copied).
 * @param count how many.
 * @return as skpi_records_add(); on failure none was added and the message
 *         names the first bad contact by its index in @p contacts.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_add_batch(skpi_records *records,
                                                     const skpi_contact *contacts,
                                                     size_t count);

/**
 * @brief Append many contacts given as columns, all or none.
 * @param records the handle.
 * @param columns the columns (copied).
 * @return as skpi_records_add_batch().
 */
SKPI_API SKPI_WARN_UNUSED int skpi_records_append_columns(skpi_records *records,
                                                          const skpi_contact_columns *columns);

/** @brief Number of contacts. */
SKPI_API size_t skpi_records_count(const skpi_records *records);

/**
 * @brief Read contact @p index (in the order added).
 *
 * Defaults are filled in (a tier not given reads 1); absent values read
 * ::SKPI_UNSET; empty strings read "".  Dimensions are not filled in: read
 * them with skpi_records_dimension_value().
 * @param records the handle.
 * @param index 0 .. count - 1.
 * @param[out] contact strings borrowed until the handle changes or is freed.
 * @return ::SKPI_OK or ::SKPI_ENOTFOUND.
 */
SKPI_API int skpi_records_get(const skpi_records *records, size_t index,
                              skpi_contact *contact);

/**
 * @brief The value of dimension @p dimension for contact @p index.
 * @return borrowed until the handle changes or is freed; NULL when absent
 *         (or either index is past the end).
 */
SKPI_API const char *skpi_records_dimension_value(const skpi_records *records, size_t index,
                                                  size_t dimension);

/**
 * @brief Find a contact by id.
 * @param records the handle.
 * @param id the id.
 * @param[out] index its index.
 * @return ::SKPI_OK or ::SKPI_ENOTFOUND.
 */
SKPI_API int skpi_records_find(const skpi_records *records, const char *id, size_t *index);

/**
 * @brief Bytes of memory the handle holds (storage, pools, indexes).
 *
 * Divided by skpi_records_count() it is the cost of a contact; doc/memory.md
 * says what makes it up.
 */
SKPI_API size_t skpi_records_memory(const skpi_records *records);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
