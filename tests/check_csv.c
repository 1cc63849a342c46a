/* The CSV reader of SPEC §8: grammar, line numbers, block boundaries, both
 * sources, syntax errors, the header check, allocation failures.
 *
 * Most cases compare a text dump of everything the reader returns: one line
 * per record, "<line>#<field count>:" then the fields joined by "|" (bytes
 * outside printable ASCII, and | and \, as \xNN), then "end" or the error.
 * Each input is read from memory and from a FILE, with the default block and
 * with tiny blocks that put a block boundary at every byte of every record:
 * all dumps must be the expected one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supportkpi.h"
#include "csv.h"
#include "suites.h"
#include "testutil.h"

/* ---- dumps (a growing text: testutil.h) ---- */

static void add_escaped(test_text *t, const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c < 0x20 || c >= 0x7f || c == '|' || c == '\\')
            test_text_printf(t, "\\x%02X", c);
        else
            test_text_put(t, p + i, 1);
    }
}

static void dump_record(test_text *t, skpi__csv *r, const skpi__field *fields, size_t count)
{
    test_text_printf(t, "%llu#%zu:", (unsigned long long)skpi__csv_line(r), count);
    for (size_t i = 0; i < count; i++) {
        if (fields[i].ptr[fields[i].len] != '\0')   /* not ck_assert: too slow in loops */
            ck_abort_msg("field %zu not NUL-terminated", i);
        if (i > 0)
            test_text_put(t, "|", 1);
        add_escaped(t, fields[i].ptr, fields[i].len);
    }
    test_text_put(t, "\n", 1);
}

/* Everything r returns; the reader's own invariants are checked on the way. */
static char *dump_reader(skpi__csv *r, size_t input_len)
{
    test_text t = { 0 };
    uint64_t progress = 0;
    for (;;) {
        const skpi__field *fields = NULL;
        size_t count = 0;
        int rc = skpi__csv_next(r, &fields, &count);
        if (rc == 1) {
            ck_assert_uint_ge(count, 1);
            ck_assert_uint_ge(skpi__csv_bytes_read(r), progress);
            progress = skpi__csv_bytes_read(r);
            ck_assert_str_eq(skpi__csv_errmsg(r), "");
            ck_assert_uint_eq(skpi__csv_error_field(r), 0);
            dump_record(&t, r, fields, count);
            continue;
        }
        if (rc == 0) {
            ck_assert_uint_eq(skpi__csv_bytes_read(r), input_len);
            ck_assert_int_eq(skpi__csv_next(r, &fields, &count), 0);
            test_text_printf(&t, "end\n");
        } else {
            uint64_t line = skpi__csv_line(r);
            size_t field = skpi__csv_error_field(r);
            test_text_printf(&t, "error %d %llu:%zu: %s\n", rc, (unsigned long long)line, field,
                       skpi__csv_errmsg(r));
            /* A syntax or read error is final. */
            ck_assert_int_eq(skpi__csv_next(r, &fields, &count), rc);
            ck_assert_uint_eq(skpi__csv_line(r), line);
        }
        return t.p;
    }
}

static char *dump_memory(const char *data, size_t len, size_t block)
{
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_memory(&r, data, len), SKPI_OK);
    if (block)
        ck_assert_int_eq(skpi__csv_set_block_size(r, block), SKPI_OK);
    char *d = dump_reader(r, len);
    skpi__csv_free(r);
    return d;
}

static char *dump_file(const char *data, size_t len, size_t block)
{
    FILE *f = test_file_of(data, len);
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_file(&r, f), SKPI_OK);
    if (block)
        ck_assert_int_eq(skpi__csv_set_block_size(r, block), SKPI_OK);
    char *d = dump_reader(r, len);
    skpi__csv_free(r);
    fclose(f);
    return d;
}

static const size_t memory_blocks[] = { 0, 1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 64, 4096 };
static const size_t file_blocks[] = { 0, 1, 3, 16 };

/* In quick mode (valgrind), the default block, one byte and the largest:
 * a boundary still falls at every byte. */
static int block_wanted(size_t i, size_t count)
{
    return !test_quick() || i <= 1 || i == count - 1;
}

/* data[0..len) gives `expected` from every source and block size. */
static void check_csv_bytes(const char *data, size_t len, const char *expected)
{
    const size_t memory_count = sizeof memory_blocks / sizeof memory_blocks[0];
    const size_t file_count = sizeof file_blocks / sizeof file_blocks[0];
    for (size_t i = 0; i < memory_count; i++) {
        if (!block_wanted(i, memory_count))
            continue;
        char *d = dump_memory(data, len, memory_blocks[i]);
        ck_assert_msg(strcmp(d, expected) == 0, "memory, block %zu:\n%s\nexpected:\n%s",
                      memory_blocks[i], d, expected);
        free(d);
    }
    for (size_t i = 0; i < file_count; i++) {
        if (!block_wanted(i, file_count))
            continue;
        char *d = dump_file(data, len, file_blocks[i]);
        ck_assert_msg(strcmp(d, expected) == 0, "file, block %zu:\n%s\nexpected:\n%s",
                      file_blocks[i], d, expected);
        free(d);
    }
}

static void check_csv(const char *data, const char *expected)
{
    check_csv_bytes(data, strlen(data), expected);
}

/* ---- Core ---- */

START_TEST(lf_records)
{
    check_csv("a,b\n1,2\n", "1#2:a|b\n2#2:1|2\nend\n");
    check_csv("a,b\n1,2", "1#2:a|b\n2#2:1|2\nend\n");
    check_csv("a", "1#1:a\nend\n");
    check_csv("a\n", "1#1:a\nend\n");
}
END_TEST

START_TEST(crlf_and_mixed)
{
    check_csv("a,b\r\n1,2\r\n", "1#2:a|b\n2#2:1|2\nend\n");
    check_csv("a,b\r\n1,2", "1#2:a|b\n2#2:1|2\nend\n");
    check_csv("a,b\r\n1,2\n3,4\r\n5,6", "1#2:a|b\n2#2:1|2\n3#2:3|4\n4#2:5|6\nend\n");
}
END_TEST

START_TEST(empty_lines_are_ignored)
{
    check_csv("\n\na,b\n\r\n\n1,2\n\n", "3#2:a|b\n6#2:1|2\nend\n");
    check_csv("\r\n", "end\n");
    check_csv("\n\n\n", "end\n");
    check_csv("", "end\n");
    check_csv("a\n\n", "1#1:a\nend\n");
    check_csv("a\r\n\r\n", "1#1:a\nend\n");
    /* A record of one empty quoted field is not an empty line. */
    check_csv("\"\"\n\n\"\"", "1#1:\n3#1:\nend\n");
}
END_TEST

START_TEST(quoted_newlines_count_as_lines)
{
    check_csv("id,text\n1,\"hello\nworld\"\n2,x\n",
              "1#2:id|text\n2#2:1|hello\\x0Aworld\n4#2:2|x\nend\n");
    check_csv("\"a\r\nb\",c\r\n3,4", "1#2:a\\x0D\\x0Ab|c\n3#2:3|4\nend\n");
    check_csv("h\n\"\n\n\n\"\n\nz\n", "1#1:h\n2#1:\\x0A\\x0A\\x0A\n7#1:z\nend\n");
    /* A CR alone is fine inside quotes and counts no line. */
    check_csv("\"a\rb\",c\nd", "1#2:a\\x0Db|c\n2#1:d\nend\n");
}
END_TEST

START_TEST(doubled_quotes)
{
    check_csv("\"say \"\"hi\"\"\",\"\"\"\",\"\",\"\"\"\"\"\"\"\"\n",
              "1#4:say \"hi\"|\"||\"\"\"\nend\n");
    check_csv("\"a\"\"\nb\",\"x,\"\"y\"\"\"\n2", "1#2:a\"\\x0Ab|x,\"y\"\n3#1:2\nend\n");
}
END_TEST

START_TEST(bom_is_skipped_at_the_start_only)
{
    check_csv("\xEF\xBB\xBF" "a,b\n1,2\n", "1#2:a|b\n2#2:1|2\nend\n");
    check_csv("\xEF\xBB\xBF", "end\n");
    check_csv("\xEF\xBB\xBF\n\na\n", "3#1:a\nend\n");
    check_csv("\xEF\xBB\xBF\"q\"", "1#1:q\nend\n");
    check_csv("a\n\xEF\xBB\xBF" "b\n", "1#1:a\n2#1:\\xEF\\xBB\\xBFb\nend\n");
    check_csv("\xEF\xBB", "1#1:\\xEF\\xBB\nend\n");
    check_csv("\xEF\xBB\xBF\xEF\xBB\xBF", "1#1:\\xEF\\xBB\\xBF\nend\n");
}
END_TEST

START_TEST(empty_fields)
{
    check_csv(",\n,,\n\"\",\n,\"\"", "1#2:|\n2#3:||\n3#2:|\n4#2:|\nend\n");
    check_csv("a,", "1#2:a|\nend\n");
    check_csv("a,\r\n", "1#2:a|\nend\n");
    check_csv("a,\"\"", "1#2:a|\nend\n");
}
END_TEST

START_TEST(values_are_verbatim)
{
    check_csv(" a , b \n\t,x y\n", "1#2: a | b \n2#2:\\x09|x y\nend\n");
    check_csv("\"a,b\",c\n", "1#2:a,b|c\nend\n");
    check_csv("caf\xC3\xA9,\xFF\n", "1#2:caf\\xC3\\xA9|\\xFF\nend\n");
    check_csv_bytes("a\0b,\"\0\"\n", 8, "1#2:a\\x00b|\\x00\nend\n");
}
END_TEST

START_TEST(file_is_read_from_its_position)
{
    FILE *f = test_file_of("skip me\na,b\n", 12);
    ck_assert_int_eq(fseek(f, 8, SEEK_SET), 0);
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_file(&r, f), SKPI_OK);
    char *d = dump_reader(r, 4);
    ck_assert_str_eq(d, "1#2:a|b\nend\n");
    free(d);
    skpi__csv_free(r);
    fclose(f);
}
END_TEST

START_TEST(header_check_accepts_good_names)
{
    skpi__field names[] = { { "id", 2 }, { "ID", 2 }, { "opened_at", 9 }, { "r\xC3\xA9gion", 7 },
                            { "i", 1 }, { "idx", 3 } };
    ck_assert_int_eq(skpi__csv_check_header(names, 6, NULL, NULL), SKPI_OK);
    ck_assert_int_eq(skpi__csv_check_header(names, 1, NULL, NULL), SKPI_OK);
}
END_TEST

/* ---- Limits ---- */

/* A field of n bytes: letters, with commas, "" and LFs when quoted. */
static void add_big_field(test_text *t, size_t n, int quoted)
{
    if (quoted)
        test_text_put(t, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        char c = (char)('a' + i % 26);
        if (quoted && i % 1000 == 999)
            c = i % 3000 == 999 ? ',' : i % 3000 == 1999 ? '\n' : '"';
        test_text_put(t, &c, 1);
        if (c == '"')
            test_text_put(t, "\"", 1);
    }
    if (quoted)
        test_text_put(t, "\"", 1);
}

static void check_big_record(skpi__csv *r, size_t n, size_t line, int quoted)
{
    const skpi__field *f;
    size_t count;
    ck_assert_int_eq(skpi__csv_next(r, &f, &count), 1);
    ck_assert_uint_eq(count, 3);
    ck_assert_uint_eq(skpi__csv_line(r), line);
    ck_assert_str_eq(f[0].ptr, "x");
    ck_assert_str_eq(f[2].ptr, "y");
    ck_assert_uint_eq(f[1].len, n);
    ck_assert_int_eq(f[1].ptr[n], '\0');
    for (size_t i = 0; i < n; i += 997) {
        char want = (char)('a' + i % 26);
        if (quoted && i % 1000 == 999)
            want = i % 3000 == 999 ? ',' : i % 3000 == 1999 ? '\n' : '"';
        ck_assert_int_eq(f[1].ptr[i], want);
    }
}

START_TEST(megabyte_fields)
{
    const size_t n = 1 << 20;
    test_text t = { 0 };
    test_text_put(&t, "h1,h2,h3\nx,", 11);
    add_big_field(&t, n, 0);
    test_text_put(&t, ",y\r\nx,", 6);
    add_big_field(&t, n, 1);
    test_text_put(&t, ",y\nx,", 5);
    add_big_field(&t, n, 0);
    test_text_put(&t, ",y", 2);
    size_t lf_in_quoted = n / 3000 + (n % 3000 >= 2000);
    for (int source = 0; source < 2; source++) {
        for (size_t block = 0; block <= 4096; block += 4096) {
            FILE *f = source ? test_file_of(t.p, t.len) : NULL;
            skpi__csv *r = NULL;
            ck_assert_int_eq(source ? skpi__csv_from_file(&r, f)
                                    : skpi__csv_from_memory(&r, t.p, t.len), SKPI_OK);
            if (block)
                ck_assert_int_eq(skpi__csv_set_block_size(r, block), SKPI_OK);
            const skpi__field *fields;
            size_t count;
            ck_assert_int_eq(skpi__csv_next(r, &fields, &count), 1);
            check_big_record(r, n, 2, 0);
            check_big_record(r, n, 3, 1);
            check_big_record(r, n, 4 + lf_in_quoted, 0);
            ck_assert_int_eq(skpi__csv_next(r, &fields, &count), 0);
            ck_assert_uint_eq(skpi__csv_bytes_read(r), t.len);
            skpi__csv_free(r);
            if (f)
                fclose(f);
        }
    }
    free(t.p);
}
END_TEST

START_TEST(many_fields)
{
    test_text t = { 0 };
    const size_t n = 100000;
    for (size_t i = 0; i < n; i++)
        test_text_printf(&t, i ? ",%zu" : "%zu", i);
    test_text_put(&t, "\n1\n", 3);
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_memory(&r, t.p, t.len), SKPI_OK);
    const skpi__field *f;
    size_t count;
    ck_assert_int_eq(skpi__csv_next(r, &f, &count), 1);
    ck_assert_uint_eq(count, n);
    for (size_t i = 0; i < n; i++)
        ck_assert_uint_eq(strtoul(f[i].ptr, NULL, 10), i);
    ck_assert_int_eq(skpi__csv_next(r, &f, &count), 1);
    ck_assert_uint_eq(count, 1);
    ck_assert_int_eq(skpi__csv_next(r, &f, &count), 0);
    skpi__csv_free(r);
    free(t.p);
}
END_TEST

/* A deterministic generator (xorshift64*). */
static uint64_t rng = 0x853C49E6748FEA9Bu;

static unsigned next_random(unsigned bound)
{
    return (unsigned)(test_xorshift_next(&rng) >> 33) % bound;
}

static void add_random_value(test_text *value)
{
    static const char alphabet[] = "ab ,\"\r\n\xC3\xA9x";
    size_t n = next_random(4) == 0 ? 0 : next_random(12);
    for (size_t i = 0; i < n; i++)
        test_text_put(value, &alphabet[next_random(sizeof alphabet - 1)], 1);
}

static size_t count_lf(const char *p, size_t n)
{
    size_t lines = 0;
    for (size_t i = 0; i < n; i++)
        lines += p[i] == '\n';
    return lines;
}

/* Write one record's fields into csv (quoting when needed or on a whim)
 * and its dump line into expected. */
static void add_random_record(test_text *csv, test_text *expected)
{
    size_t count = 1 + next_random(5);
    test_text_printf(expected, "%zu#%zu:", 1 + count_lf(csv->p, csv->len), count);
    for (size_t i = 0; i < count; i++) {
        test_text v = { 0 };
        test_text_put(&v, "", 0);
        add_random_value(&v);
        int special = strpbrk(v.p, ",\"\r\n") != NULL;
        int alone_and_empty = count == 1 && v.len == 0;   /* would be an empty line */
        int quoted = special || alone_and_empty || next_random(5) == 0;
        if (i > 0) {
            test_text_put(csv, ",", 1);
            test_text_put(expected, "|", 1);
        }
        if (quoted)
            test_text_put(csv, "\"", 1);
        for (size_t k = 0; k < v.len; k++) {
            test_text_put(csv, v.p + k, 1);
            if (quoted && v.p[k] == '"')
                test_text_put(csv, "\"", 1);
        }
        if (quoted)
            test_text_put(csv, "\"", 1);
        add_escaped(expected, v.p, v.len);
        free(v.p);
    }
    test_text_put(expected, "\n", 1);
}

static void add_line_end(test_text *csv)
{
    if (next_random(2))
        test_text_put(csv, "\n", 1);
    else
        test_text_put(csv, "\r\n", 2);
}

START_TEST(random_files_across_block_boundaries)
{
    for (int round = 0; round < 60; round++) {
        test_text csv = { 0 }, expected = { 0 };
        if (next_random(3) == 0)
            test_text_put(&csv, "\xEF\xBB\xBF", 3);
        size_t records = next_random(40);
        test_text_put(&csv, "", 0);
        test_text_put(&expected, "", 0);
        for (size_t i = 0; i < records; i++) {
            while (next_random(6) == 0)
                add_line_end(&csv);   /* an empty line */
            add_random_record(&csv, &expected);
            int last = i + 1 == records;
            if (!last || next_random(2))
                add_line_end(&csv);
            while (last && csv.p[csv.len - 1] == '\n' && next_random(3) == 0)
                add_line_end(&csv);   /* empty lines at the end */
        }
        test_text_printf(&expected, "end\n");
        check_csv_bytes(csv.p, csv.len, expected.p);
        free(csv.p);
        free(expected.p);
    }
}
END_TEST

/* Special bytes at every offset from a 64-byte boundary, as the SSE2
 * scanner sees the input in chunks of 64: fillers of every length put each
 * byte of `"a""b"` and of CRLF on both sides of a chunk edge. */
START_TEST(specials_at_every_chunk_offset)
{
    for (size_t k = 0; k < 140; k++) {
        test_text csv = { 0 }, expected = { 0 };
        test_text_put(&expected, "", 0);
        for (int rep = 0; rep < 3; rep++) {
            char filler[160];
            memset(filler, 'x', k);
            test_text_printf(&expected, "%zu#3:", 1 + count_lf(csv.p ? csv.p : "", csv.len));
            test_text_put(&csv, filler, k);
            test_text_put(&csv, ",\"a\"\"b\n\",\"\"\"\"\r\n", 15);
            test_text_put(&expected, filler, k);
            test_text_put(&expected, "|a\"b\\x0A|\"\n", 11);
        }
        test_text_printf(&expected, "end\n");
        check_csv_bytes(csv.p, csv.len, expected.p);
        free(csv.p);
        free(expected.p);
    }
}
END_TEST

START_TEST(nothing_is_allocated_per_record)
{
    const int rows = test_quick() ? 10000 : 100000;
    test_text t = { 0 };
    test_text_put(&t, "id,name,note\n", 13);
    for (int i = 0; i < rows; i++)
        test_text_printf(&t, "%d,\"n\"\"%d\",plain %d\r\n", i, i, i);
    test_alloc_install(-1);
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_memory(&r, t.p, t.len), SKPI_OK);
    ck_assert_int_eq(skpi__csv_set_block_size(r, 4096), SKPI_OK);
    const skpi__field *f;
    size_t count, records = 0;
    while (skpi__csv_next(r, &f, &count) == 1)
        records++;
    ck_assert_uint_eq(records, (size_t)rows + 1);
    /* The buffer and the field array: a handful of calls, whatever the size. */
    ck_assert_int_le(test_alloc_calls(), 8);
    skpi__csv_free(r);
    ck_assert_int_eq(test_alloc_live(), 0);
    test_alloc_restore();
    free(t.p);
}
END_TEST

START_TEST(long_header_with_repeats)
{
    const size_t n = 50000;
    skpi__field *names = calloc(n, sizeof *names);
    char (*store)[16] = calloc(n, 16);
    ck_assert(names && store);
    for (size_t i = 0; i < n; i++) {
        snprintf(store[i], 16, "c%zu", i % (n - 2));   /* the last two repeat c0, c1 */
        names[i].ptr = store[i];
        names[i].len = strlen(store[i]);
    }
    ck_assert_int_eq(skpi__csv_check_header(names, n, NULL, NULL), SKPI_ESYNTAX);
    ck_assert_int_eq(skpi__csv_check_header(names, n - 2, NULL, NULL), SKPI_OK);
    free(names);
    free(store);
}
END_TEST

/* ---- Errors ---- */

START_TEST(quote_inside_unquoted_field)
{
    check_csv("a,b\n1,x\"y\n", "1#2:a|b\nerror -6 2:2: quote (\") inside an unquoted field\n");
    check_csv("a\"", "error -6 1:1: quote (\") inside an unquoted field\n");
    check_csv("a,b,c\n\n1,2,3\"\n", "1#3:a|b|c\nerror -6 3:3: quote (\") inside an unquoted field\n");
    check_csv(" \"a\"", "error -6 1:1: quote (\") inside an unquoted field\n");
}
END_TEST

START_TEST(characters_after_a_closing_quote)
{
    check_csv("a\n\"x\"y,z\n", "1#1:a\nerror -6 2:1: characters after a closing quote\n");
    check_csv("\"x\" ,y", "error -6 1:1: characters after a closing quote\n");
    check_csv("h\n\"a\nb\",\"c\nd\"e\n",
              "1#1:h\nerror -6 2:2: characters after a closing quote\n");
    check_csv("h\n\"a\nb\nc\"x\n", "1#1:h\nerror -6 2:1: characters after a closing quote\n");
}
END_TEST

START_TEST(unterminated_quote)
{
    check_csv("a,b\n1,\"abc\n\n", "1#2:a|b\nerror -6 2:2: unterminated quoted field\n");
    check_csv("\"", "error -6 1:1: unterminated quoted field\n");
    check_csv("\"a\"\"", "error -6 1:1: unterminated quoted field\n");
    check_csv("x\n\n\"a\n\"\"\n", "1#1:x\nerror -6 3:1: unterminated quoted field\n");
}
END_TEST

START_TEST(lone_cr)
{
    check_csv("a,b\r1,2\n", "error -6 1:2: CR not followed by LF\n");
    check_csv("a,b\r", "error -6 1:2: CR not followed by LF\n");
    check_csv("\"a\"\rb", "error -6 1:1: CR not followed by LF\n");
    check_csv("\"a\"\r", "error -6 1:1: CR not followed by LF\n");
    check_csv("a\n\rb\n", "1#1:a\nerror -6 2:1: CR not followed by LF\n");
    check_csv("a\n\r", "1#1:a\nerror -6 2:1: CR not followed by LF\n");
    check_csv("a\r\r\n", "error -6 1:1: CR not followed by LF\n");
}
END_TEST

typedef struct header_problem {
    size_t column;
    char name[16];
    const char *reason;
} header_problem;

typedef struct problems {
    size_t n;
    header_problem list[8];
} problems;

static void collect(void *ctx, size_t column, const skpi__field *name, const char *reason)
{
    problems *p = ctx;
    ck_assert_uint_lt(p->n, 8);
    header_problem *h = &p->list[p->n++];
    h->column = column;
    snprintf(h->name, sizeof h->name, "%.*s", (int)name->len, name->ptr);
    h->reason = reason;
}

START_TEST(header_problems_in_column_order)
{
    skpi__field names[] = { { "id", 2 }, { "", 0 }, { "x", 1 }, { "id", 2 }, { "\xFF", 1 },
                            { "", 0 }, { "x", 1 }, { "id", 2 }, { "a\0b", 3 } };
    problems p = { 0 };
    ck_assert_int_eq(skpi__csv_check_header(names, 9, collect, &p), SKPI_ESYNTAX);
    ck_assert_uint_eq(p.n, 7);
    const size_t columns[] = { 2, 4, 5, 6, 7, 8, 9 };
    const char *reasons[] = { "empty column name", "duplicate column name",
                              "header name is not valid UTF-8 or contains NUL",
                              "empty column name", "duplicate column name",
                              "duplicate column name",
                              "header name is not valid UTF-8 or contains NUL" };
    for (size_t i = 0; i < p.n; i++) {
        ck_assert_uint_eq(p.list[i].column, columns[i]);
        ck_assert_str_eq(p.list[i].reason, reasons[i]);
    }
    ck_assert_str_eq(p.list[1].name, "id");
    ck_assert_str_eq(p.list[4].name, "x");
    ck_assert_int_eq(skpi__csv_check_header(names, 9, NULL, NULL), SKPI_ESYNTAX);
}
END_TEST

START_TEST(read_errors_are_final)
{
    FILE *f = fopen("/dev/null", "w");
    ck_assert_ptr_nonnull(f);
    skpi__csv *r = NULL;
    ck_assert_int_eq(skpi__csv_from_file(&r, f), SKPI_OK);
    const skpi__field *fields;
    size_t count;
    ck_assert_int_eq(skpi__csv_next(r, &fields, &count), SKPI_EIO);
    ck_assert_str_eq(skpi__csv_errmsg(r), "read error");
    ck_assert_int_eq(skpi__csv_next(r, &fields, &count), SKPI_EIO);
    skpi__csv_free(r);
    fclose(f);
}
END_TEST

START_TEST(bad_arguments)
{
    skpi__csv *r = (skpi__csv *)&r;
    ck_assert_int_eq(skpi__csv_from_memory(&r, NULL, 3), SKPI_EINVAL);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(skpi__csv_from_memory(NULL, "a", 1), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_from_file(&r, NULL), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_from_file(NULL, stdin), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_from_memory(&r, NULL, 0), SKPI_OK);
    const skpi__field *f;
    size_t count;
    ck_assert_int_eq(skpi__csv_set_block_size(r, 0), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_next(NULL, &f, &count), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_next(r, NULL, &count), SKPI_EINVAL);
    ck_assert_int_eq(skpi__csv_next(r, &f, &count), 0);
    ck_assert_int_eq(skpi__csv_set_block_size(r, 64), SKPI_EINVAL);   /* too late */
    ck_assert_uint_eq(skpi__csv_line(r), 0);
    skpi__csv_free(r);
    skpi__csv_free(NULL);
    ck_assert_uint_eq(skpi__csv_line(NULL), 0);
    ck_assert_uint_eq(skpi__csv_bytes_read(NULL), 0);
    ck_assert_str_eq(skpi__csv_errmsg(NULL), "");
}
END_TEST

/* Fail allocation N for N = 0, 1, 2 ...: creation fails cleanly; a read
 * that fails is ENOMEM, the reader then carries on where it was once memory
 * is back, and the records are exactly those of an undisturbed read. */
START_TEST(allocation_failures_leave_no_trace)
{
    test_text t = { 0 };
    test_text_put(&t, "\xEF\xBB\xBFh1,h2\n", 9);
    add_big_field(&t, 5000, 1);
    test_text_put(&t, ",2\r\n", 4);
    for (int i = 0; i < 40; i++)
        test_text_printf(&t, "%d,", i);   /* a record with many fields */
    test_text_put(&t, "\nlast,\"\"\"\"\n", 11);
    char *expected = dump_memory(t.p, t.len, 16);
    int disturbed = 1;
    for (long n = 0; disturbed; n++) {
        test_alloc_install(n);
        skpi__csv *r = NULL;
        int rc = skpi__csv_from_memory(&r, t.p, t.len);
        if (rc != SKPI_OK) {
            ck_assert_int_eq(rc, SKPI_ENOMEM);
            ck_assert_ptr_null(r);
            ck_assert_int_eq(test_alloc_live(), 0);
            test_alloc_restore();
            continue;
        }
        ck_assert_int_eq(skpi__csv_set_block_size(r, 16), SKPI_OK);
        test_text d = { 0 };
        long live_before_retry = 0;
        for (;;) {
            const skpi__field *f;
            size_t count;
            rc = skpi__csv_next(r, &f, &count);
            if (rc == SKPI_ENOMEM && test_alloc_failed() && live_before_retry == 0) {
                ck_assert_str_eq(skpi__csv_errmsg(r), "out of memory");
                /* Memory is back: same allocator, counters reset. */
                live_before_retry = test_alloc_live();
                test_alloc_install(-1);
                continue;
            }
            ck_assert_int_ge(rc, 0);
            if (rc == 0)
                break;
            dump_record(&d, r, f, count);
        }
        test_text_printf(&d, "end\n");
        ck_assert_str_eq(d.p, expected);
        disturbed = live_before_retry != 0 || test_alloc_failed();
        skpi__csv_free(r);
        ck_assert_int_eq(test_alloc_live(), -live_before_retry);
        test_alloc_restore();
        free(d.p);
        ck_assert_int_lt(n, 1000);
    }
    free(expected);
    free(t.p);
}
END_TEST

START_TEST(header_check_out_of_memory)
{
    skpi__field names[] = { { "a", 1 }, { "a", 1 } };
    problems p = { 0 };
    test_alloc_install(0);
    ck_assert_int_eq(skpi__csv_check_header(names, 2, collect, &p), SKPI_ENOMEM);
    ck_assert_uint_eq(p.n, 0);
    ck_assert_int_eq(test_alloc_live(), 0);
    test_alloc_restore();
}
END_TEST

Suite *make_csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *core = tcase_create("Core");
    tcase_add_test(core, lf_records);
    tcase_add_test(core, crlf_and_mixed);
    tcase_add_test(core, empty_lines_are_ignored);
    tcase_add_test(core, quoted_newlines_count_as_lines);
    tcase_add_test(core, doubled_quotes);
    tcase_add_test(core, bom_is_skipped_at_the_start_only);
    tcase_add_test(core, empty_fields);
    tcase_add_test(core, values_are_verbatim);
    tcase_add_test(core, file_is_read_from_its_position);
    tcase_add_test(core, header_check_accepts_good_names);
    suite_add_tcase(s, core);
    TCase *limits = tcase_create("Limits");
    tcase_set_timeout(limits, 60);
    tcase_add_test(limits, megabyte_fields);
    tcase_add_test(limits, many_fields);
    tcase_add_test(limits, random_files_across_block_boundaries);
    tcase_add_test(limits, specials_at_every_chunk_offset);
    tcase_add_test(limits, nothing_is_allocated_per_record);
    tcase_add_test(limits, long_header_with_repeats);
    suite_add_tcase(s, limits);
    TCase *errors = tcase_create("Errors");
    tcase_add_test(errors, quote_inside_unquoted_field);
    tcase_add_test(errors, characters_after_a_closing_quote);
    tcase_add_test(errors, unterminated_quote);
    tcase_add_test(errors, lone_cr);
    tcase_add_test(errors, header_problems_in_column_order);
    tcase_add_test(errors, read_errors_are_final);
    tcase_add_test(errors, bad_arguments);
    tcase_add_test(errors, allocation_failures_leave_no_trace);
    tcase_add_test(errors, header_check_out_of_memory);
    suite_add_tcase(s, errors);
    return s;
}
