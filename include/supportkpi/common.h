/**
 * @file supportkpi/common.h
 * @brief Conventions every libsupportkpi call shares: export macro, status
 *        codes, the error record of pure functions, the allocator hook.
 *
 * Included by supportkpi.h; include that instead.
 */
#ifndef SUPPORTKPI_COMMON_H
#define SUPPORTKPI_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup conventions Conventions
 * @brief Status codes, error messages, memory, threads.
 *
 * Every fallible call returns an @c int: ::SKPI_OK (0) on success,
 * ::SKPI_ABSENT (1) when it succeeded but the value asked for does not exist
 * (a ratio whose denominator is 0), or a negative ::skpi_status.  A handle
 * keeps the code and message of its last failure; pure functions fill an
 * optional caller-owned ::skpi_error.
 * @{
 */

/** @cond internal */
#if defined(__GNUC__) || defined(__clang__)
#define SKPI_API __attribute__((visibility("default")))
#define SKPI_WARN_UNUSED __attribute__((warn_unused_result))
#else
#define SKPI_API
#define SKPI_WARN_UNUSED
#endif
/** @endcond */

/**
 * @brief Status codes.  Values are fixed forever; new codes are added at the
 *        end.  Negative values are errors.
 */
typedef enum skpi_status {
    SKPI_OK = 0,           /**< Success. */
    SKPI_ABSENT = 1,       /**< Success, but the value is absent (e.g. a denominator of 0). */
    SKPI_EINVAL = -1,      /**< An argument or a field value is invalid. */
    SKPI_ENOMEM = -2,      /**< Out of memory. */
    SKPI_ERANGE = -3,      /**< Arithmetic overflow, or a value beyond a documented limit. */
    SKPI_EDUPLICATE = -4,  /**< A name or id that must be unique is already present. */
    SKPI_ENOTFOUND = -5,   /**< A name, tier rate or row the call needs does not exist. */
    SKPI_ESYNTAX = -6,     /**< Malformed input text (CSV syntax, header, timestamp grammar). */
    SKPI_EIO = -7,         /**< Reading or writing a file or stream failed. */
    SKPI_ENOSPACE = -8,    /**< A caller-provided buffer is too small. */
    SKPI_EDATA = -9        /**< A loaded file has bad rows; the message lists them. */
} skpi_status;

/**
 * @brief Static English text for a status code.
 * @param code a ::skpi_status value (any int is accepted).
 * @return a static string; never NULL; not to be freed.
 */
SKPI_API const char *skpi_strerror(int code);

/** Size of ::skpi_error::message, terminating NUL included. */
#define SKPI_ERROR_MESSAGE_SIZE 256

/**
 * @brief The detail of a failure of a pure function (one without a handle).
 *
 * Caller-owned; pass NULL where the detail is not wanted.  On success the
 * function sets @c code to its return value and @c message to "".
 */
typedef struct skpi_error {
    int code;                               /**< the status returned */
    char message[SKPI_ERROR_MESSAGE_SIZE];  /**< NUL-terminated English text naming the field */
} skpi_error;

/** @brief ::SKPI_ERROR_MESSAGE_SIZE as a function, for bindings. */
SKPI_API size_t skpi_error_message_size(void);

/**
 * @brief Replace the allocator for the whole process.
 *
 * This is the library's only process-wide setting.  Call it before any
 * handle exists, or after all are freed: a block is always released through
 * the hook in force at release time, so swapping allocators under live
 * handles is undefined (the library cannot check it).  Passing three NULLs
 * restores malloc, realloc and free.  Not thread-safe against concurrent
 * library calls.
 *
 * @param malloc_fn  like malloc(3); never called with size 0.
 * @param realloc_fn like realloc(3); never called with size 0 or a NULL pointer.
 * @param free_fn    like free(3); never called with NULL.
 * @return ::SKPI_OK, or ::SKPI_EINVAL when some but not all are NULL.
 */
SKPI_API int skpi_set_allocator(void *(*malloc_fn)(size_t),
                                void *(*realloc_fn)(void *, size_t),
                                void (*free_fn)(void *));

/**
 * @brief "Unset": the value of an integer or time field that was not given
 *        (INT64_MIN), like an empty cell in a file.
 *
 * In input it means the field's default applies (tier 1, handle_seconds 0 ...)
 * or, for a field without one (first_response_at, closed_at, csat), that the
 * value is absent.  Accessors return it for absent values.  INT64_MIN is
 * therefore never a stored value.
 */
#define SKPI_UNSET INT64_MIN

/** @brief ::SKPI_UNSET as a function, for bindings. */
SKPI_API int64_t skpi_unset(void);

/** @} */

#ifdef __cplusplus
}
#endif
#endif
