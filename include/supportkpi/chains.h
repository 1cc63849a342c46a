/**
 * @file supportkpi/chains.h
 * @brief Resolution chains: one customer's contacts about one reason,
 *        stitched across channels into one issue (SPEC §3).
 */
#ifndef SUPPORTKPI_CHAINS_H
#define SUPPORTKPI_CHAINS_H

#include "supportkpi/common.h"
#include "supportkpi/records.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup chains Resolution chains
 * @brief Which issues were really resolved, and the contacts each took.
 *
 * A chains handle is built from a records handle, which it borrows: the
 * records must outlive the chains.  It describes the contacts the records
 * held when it was built; skpi_chains_update() takes in contacts appended
 * since, giving exactly what building anew would.  Chains are numbered in
 * the order of their first contact (opened_at, then id bytewise), so the
 * numbering does not depend on the order contacts were added.
 * @{
 */

/** @brief An opaque set of chains.  Create with skpi_chains_new(). */
typedef struct skpi_chains skpi_chains;

/** @brief Which contact places a chain in a breakdown (SPEC §6). */
typedef enum skpi_anchor {
    SKPI_ANCHOR_FIRST = 0, /**< the chain's first contact (default) */
    SKPI_ANCHOR_LAST = 1   /**< the chain's last contact */
} skpi_anchor;

/** @brief A chain's status at the as-of time (SPEC §3). */
typedef enum skpi_chain_status {
    SKPI_CHAIN_OPEN = 0,      /**< some contact is open */
    SKPI_CHAIN_PENDING = 1,   /**< all closed, too early to know */
    SKPI_CHAIN_RESOLVED = 2,  /**< settled, last contact resolved (or provisional) */
    SKPI_CHAIN_UNRESOLVED = 3 /**< settled, last contact escalated or abandoned */
} skpi_chain_status;

/**
 * @brief The word of a status ("open", "pending", "resolved", "unresolved").
 * @param status a ::skpi_chain_status.
 * @return a static string, or NULL out of range.
 */
SKPI_API const char *skpi_chain_status_name(int status);

/** @brief Default stitching window: 604,800 s (7 days). */
#define SKPI_WINDOW_DEFAULT 604800
/** @brief Largest stitching window: 7,776,000 s (90 days). */
#define SKPI_WINDOW_MAX 7776000

/** @brief ::SKPI_WINDOW_DEFAULT as a function, for bindings. */
SKPI_API int64_t skpi_window_default(void);
/** @brief ::SKPI_WINDOW_MAX as a function, for bindings. */
SKPI_API int64_t skpi_window_max(void);

/** @brief The version of ::skpi_chain_options this header describes (1 had
 *  no @c threads member; the library reads both). */
#define SKPI_CHAIN_OPTIONS_VERSION 2

/** @brief How chains are built.  Start from ::SKPI_CHAIN_OPTIONS_INIT. */
typedef struct skpi_chain_options {
    unsigned version;       /**< ::SKPI_CHAIN_OPTIONS_VERSION */
    int64_t window_seconds; /**< 0 .. ::SKPI_WINDOW_MAX; ::SKPI_UNSET = the default */
    int64_t as_of;          /**< the as-of time T; ::SKPI_UNSET = the latest contact timestamp */
    int provisional;        /**< non-zero: a pending chain whose last outcome is resolved counts as resolved */
    int anchor;             /**< a ::skpi_anchor */
    /**
     * Threads building the chains may use (version 2).  0 or 1: the calling
     * thread only.  2 or more: a second thread stitches half of the
     * (customer, reason) keys while the calling thread stitches the other
     * half (about a third less time at ten million contacts).  The chains
     * are the same in every way; the thread is gone when the call returns,
     * but the allocator hook is called from it too (doc/threads.md).
     * skpi_chains_update() uses the same number.
     */
    unsigned threads;
} skpi_chain_options;

/** @brief Default options: 7-day window, T from the data, not provisional,
 *  first anchor, one thread. */
#define SKPI_CHAIN_OPTIONS_INIT { SKPI_CHAIN_OPTIONS_VERSION, SKPI_UNSET, SKPI_UNSET, 0, \
    SKPI_ANCHOR_FIRST, 1 }

/**
 * @brief Stitch the contacts of @p records into chains.
 * @param[out] chains receives the handle, owned by the caller (free with
 *             skpi_chains_free()); NULL on failure.
 * @param records borrowed: must outlive the chains.
 * @param options NULL for the defaults; copied.  Version 1 or 2.
 * @param err optional detail of a failure.
 * @return ::SKPI_OK; ::SKPI_EINVAL for options out of range or of another
 *         version; ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_chains_new(skpi_chains **chains,
                                              const skpi_records *records,
                                              const skpi_chain_options *options,
                                              skpi_error *err);

/** @brief Free a chains handle.  NULL is ignored. */
SKPI_API void skpi_chains_free(skpi_chains *chains);

/**
 * @brief Take in the contacts appended to the records since the chains were
 *        built (or last updated), with the same options.
 *
 * An as-of time that was left to the default is recomputed from all the
 * contacts.  On failure the chains are unchanged.
 * @param chains the handle.
 * @return ::SKPI_OK or ::SKPI_ENOMEM.
 */
SKPI_API SKPI_WARN_UNUSED int skpi_chains_update(skpi_chains *chains);

/** @brief The status of the last failed call on @p chains (::SKPI_OK if none). */
SKPI_API int skpi_chains_errcode(const skpi_chains *chains);

/**
 * @brief The message of the last failed call on @p chains ("" if none).
 * @return borrowed until the next call on the handle.
 */
SKPI_API const char *skpi_chains_errmsg(const skpi_chains *chains);

/**
 * @brief The options in force, with defaults resolved (the window in
 *        seconds; the as-of time, ::SKPI_UNSET only when there are no contacts).
 * @param chains the handle.
 * @param[out] options filled in as a version-1 struct: @c version is set to
 *        1 and @c threads (version 2) is left as it was, so that the struct
 *        of a program built for version 1 is not overrun.  How many threads
 *        built the chains does not change them.
 * @return ::SKPI_OK.
 */
SKPI_API int skpi_chains_options(const skpi_chains *chains, skpi_chain_options *options);

/** @brief The records the chains read (borrowed). */
SKPI_API const skpi_records *skpi_chains_records(const skpi_chains *chains);

/** @brief Number of contacts the chains cover (the records' count when last built). */
SKPI_API size_t skpi_chains_contact_count(const skpi_chains *chains);

/** @brief Number of chains. */
SKPI_API size_t skpi_chains_count(const skpi_chains *chains);

/**
 * @brief Status of chain @p chain at the as-of time.
 * @return a ::skpi_chain_status, or ::SKPI_ENOTFOUND past the end.
 */
SKPI_API int skpi_chain_get_status(const skpi_chains *chains, size_t chain);

/**
 * @brief Whether chain @p chain is resolved only provisionally (pending, last
 *        outcome resolved, provisional mode).
 * @return 1 or 0.
 */
SKPI_API int skpi_chain_is_provisional(const skpi_chains *chains, size_t chain);

/** @brief Number of contacts in chain @p chain (0 past the end). */
SKPI_API size_t skpi_chain_size(const skpi_chains *chains, size_t chain);

/**
 * @brief The record index of the @p position-th contact of chain @p chain, in
 *        stitching order (opened_at, then id).
 * @return the index into the records, or SIZE_MAX past the end.
 */
SKPI_API size_t skpi_chain_contact(const skpi_chains *chains, size_t chain, size_t position);

/** @brief The record index of the chain's anchor contact (per the options), or SIZE_MAX. */
SKPI_API size_t skpi_chain_anchor(const skpi_chains *chains, size_t chain);

/** @brief opened_at of the chain's first contact, or ::SKPI_UNSET past the end. */
SKPI_API int64_t skpi_chain_first_opened(const skpi_chains *chains, size_t chain);

/** @brief The largest closed_at of the chain's contacts, or ::SKPI_UNSET if none is closed. */
SKPI_API int64_t skpi_chain_latest_close(const skpi_chains *chains, size_t chain);

/** @brief Number of distinct channels the chain crossed (the empty channel counts as one). */
SKPI_API size_t skpi_chain_channel_count(const skpi_chains *chains, size_t chain);

/**
 * @brief The @p k-th distinct channel of the chain, in order of first use.
 * @return borrowed from the records until they change or are freed; "" for
 *         the empty channel; NULL past the end.
 */
SKPI_API const char *skpi_chain_channel(const skpi_chains *chains, size_t chain, size_t k);

/**
 * @brief The chain a contact belongs to, and its position there.
 * @param chains the handle.
 * @param contact a record index.
 * @param[out] chain the chain (may be NULL).
 * @param[out] position 0 for the first contact; > 0 marks a repeat contact (may be NULL).
 * @return ::SKPI_OK, or ::SKPI_ENOTFOUND for a contact the chains do not cover.
 */
SKPI_API int skpi_chains_find_contact(const skpi_chains *chains, size_t contact, size_t *chain,
                                      size_t *position);

/** @brief Bytes of memory the handle holds. */
SKPI_API size_t skpi_chains_memory(const skpi_chains *chains);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
