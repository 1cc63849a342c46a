/* A streaming reader of the CSV of SPEC §8, for the file loaders.
 *
 * Grammar: fields separated by commas; a field that starts with `"` is
 * quoted and ends at the next `"` that is not doubled, which must be
 * followed by a comma or the end of the record; `""` inside quotes is one
 * `"`; quoted fields may hold commas, CR and LF; records end with LF or
 * CRLF (or the end of the input); an optional UTF-8 BOM at the very start is
 * skipped; empty lines (nothing between two line ends) are ignored; values
 * are verbatim, no trimming.  Syntax errors: a `"` inside an unquoted field,
 * characters between a closing quote and the next comma or line end, an
 * unterminated quote, a CR not followed by LF outside quotes.
 *
 * The reader knows nothing of headers or field counts: the loader checks
 * them (skpi__csv_check_header() helps with the header).  Memory is bounded
 * by the largest record, not the input: one buffer grows to hold a record
 * and is reused, and nothing is allocated per record or per field.  A syntax
 * or read error is final: every later skpi__csv_next() returns it again. */
#ifndef SKPI_CSV_H
#define SKPI_CSV_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef struct skpi__csv skpi__csv;

/* One field of a record: len bytes at ptr, followed by a NUL (the value may
 * hold NULs of its own: len is the truth).  Borrowed from the reader until
 * its next skpi__csv_next() or skpi__csv_free(). */
typedef struct skpi__field {
    const char *ptr;
    size_t len;
} skpi__field;

/* A reader of f, which is borrowed (it must stay open until
 * skpi__csv_free(), which does not close it) and read in large blocks from
 * its current position.  Returns 0, SKPI_EINVAL (NULL argument) or
 * SKPI_ENOMEM; *out is NULL on failure. */
int skpi__csv_from_file(skpi__csv **out, FILE *f);

/* A reader of data[0..len), which is borrowed until skpi__csv_free() and
 * never written.  Returns 0, SKPI_EINVAL or SKPI_ENOMEM. */
int skpi__csv_from_memory(skpi__csv **out, const char *data, size_t len);

/* Use blocks of `bytes` (>= 1) instead of the default 1 MiB: reads ask for
 * about that much, and the buffer starts at that size.  Only before the
 * first skpi__csv_next(); the tests use tiny blocks to put record
 * boundaries everywhere.  Returns 0 or SKPI_EINVAL. */
int skpi__csv_set_block_size(skpi__csv *r, size_t bytes);

/* Read the next record.  Returns 1 with *fields (count of them, >= 1) set,
 * 0 at the end of the input (nothing more), or SKPI_ESYNTAX, SKPI_EIO,
 * SKPI_ENOMEM.  *fields is borrowed until the next call. */
int skpi__csv_next(skpi__csv *r, const skpi__field **fields, size_t *count);

/* The physical line (1-based, header = 1) on which the record just returned
 * starts, or on which the record with a syntax error starts; quoted line
 * breaks count.  0 before the first record. */
uint64_t skpi__csv_line(const skpi__csv *r);

/* The 1-based position of the field where a syntax error was found; 0 when
 * the last call did not fail with SKPI_ESYNTAX. */
size_t skpi__csv_error_field(const skpi__csv *r);

/* Static English text saying why the last call failed, e.g. "quote (\")
 * inside an unquoted field"; "" when it did not. */
const char *skpi__csv_errmsg(const skpi__csv *r);

/* Bytes of the input consumed up to the end of the record just returned
 * (BOM and empty lines included), for a progress line. */
uint64_t skpi__csv_bytes_read(const skpi__csv *r);

/* Free the reader (not its source).  NULL is ignored. */
void skpi__csv_free(skpi__csv *r);

/* Called by skpi__csv_check_header() once per bad column, in column order:
 * column is 1-based, name the field as read, reason static English text
 * ("empty column name", "duplicate column name", "header name is not valid
 * UTF-8 or contains NUL"). */
typedef void skpi__csv_header_report(void *ctx, size_t column, const skpi__field *name,
                                     const char *reason);

/* Check a header record: every name non-empty, valid UTF-8 without NUL,
 * and not equal (bytewise) to an earlier one; a name that repeats an
 * earlier name is the bad one.  Calls report (if not NULL) for each bad
 * column.  Returns 0, SKPI_ESYNTAX when some column is bad, or SKPI_ENOMEM
 * (before reporting anything). */
int skpi__csv_check_header(const skpi__field *names, size_t count,
                           skpi__csv_header_report *report, void *ctx);

#endif
