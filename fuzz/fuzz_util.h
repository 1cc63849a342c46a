/* Shared by the fuzz harnesses: the libFuzzer entry point's prototype, the
 * invariant check, a reader that turns fuzz bytes into choices, and the
 * invariants of chains and breakdowns that every harness checks the same
 * way.  Everything here goes through the public API (supportkpi.h) only. */
#ifndef SKPI_FUZZ_UTIL_H
#define SKPI_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <supportkpi.h>

/* The entry point every harness defines (libFuzzer's, or standalone.c's). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: print where and what, then abort() so that libFuzzer
 * (or the replay driver's caller) reports a crash. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))

#if defined(__GNUC__) || defined(__clang__)
__attribute__((noreturn))
#endif
void fuzz_fail(const char *file, int line, const char *what);

/* printf() to stderr when the environment has FUZZ_VERBOSE (to see what a
 * replayed input does). */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 1, 2)))
#endif
void fuzz_trace(const char *format, ...);

/* Fuzz bytes consumed front to back; past the end every read gives 0. */
typedef struct fuzz_bytes {
    const uint8_t *p;
    size_t n;
} fuzz_bytes;

uint8_t fuzz_u8(fuzz_bytes *b);
uint16_t fuzz_u16(fuzz_bytes *b);
uint64_t fuzz_u64(fuzz_bytes *b);

/* An int64 that is often interesting: small numbers, times near 2023-11,
 * SKPI_UNSET, the int64 limits, the window limits, or 8 raw bytes. */
int64_t fuzz_i64(fuzz_bytes *b);

/* The chain options picked by one byte and the bytes after it (window and
 * as-of from short tables that include invalid values; provisional; anchor
 * including out-of-range values). */
void fuzz_chain_options(fuzz_bytes *b, skpi_chain_options *options);

/* Check every documented property of chains built (or updated) with
 * success over the records they read, including a reference re-stitching
 * of SPEC §3 when there are at most `full_limit` contacts.
 * `requested_as_of` is the as_of of the options given (SKPI_UNSET: T comes
 * from the data, and that is checked too). */
void fuzz_check_chains(const skpi_chains *chains, int64_t requested_as_of, size_t full_limit);

/* Check every documented property of a breakdown that succeeded: counts and
 * money columns sum over the rows to the total, drill-down lists agree with
 * the counts, key order, text agrees with the values, the ledger figures
 * balance, skpi_breakdown_json()'s `needed`, explain's costs. */
void fuzz_check_breakdown(const skpi_breakdown *breakdown, const skpi_ledger *ledger);

/* Check a ledger read back through the public API: every entry valid, the
 * entries sum to skpi_ledger_total(), so do the categories and any
 * partition of time (skpi_ledger_total_between()). */
void fuzz_check_ledger(const skpi_ledger *ledger);

/* A small fixed set of contacts with every kind of value (channels, reasons,
 * stitched customers, dimensions "region", "product" and "month", tiers 0
 * to 4, open, pending and settled chains, zero handle times), built on the
 * first call and kept for the process. */
const skpi_records *fuzz_fixed_records(void);

/* Two chains handles hold the same chains (same numbering, members, status). */
void fuzz_check_same_chains(const skpi_chains *a, const skpi_chains *b);

#endif
