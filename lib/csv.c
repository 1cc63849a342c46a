/* The streaming CSV reader of SPEC §8.
 *
 * How it stays fast and bounded:
 * - The input is read in large blocks into one buffer.  A record is parsed
 *   where it lies; its fields point into the buffer, which gets a NUL after
 *   each field (over the delimiter or closing quote), and quoted fields are
 *   unescaped in place.  Nothing is allocated per record or per field.
 * - The byte after the data is a sentinel `"`, which stops every scan, so
 *   the scanning loops test no bounds; the bytes after it are zeroed padding
 *   for the 64-byte chunks of the SSE2 scanner (see "scanning" below).
 * - When a record runs past the data read so far, the reader moves that
 *   record to the front of the buffer (growing it when the record fills more
 *   than half), reads more and parses the record again from its start.
 *   Before that it puts back the commas it had put NULs over, so that the
 *   second parse sees the bytes of the first; re-parsing costs one record
 *   per block.  (Writing the NULs in a second pass over a complete record
 *   would spare the undoing, but costs a sixth of the speed.)
 * - A quoted field holds a `"` only where it holds `""`, and an unquoted
 *   field never does, so after a record that had some `""` a memchr() finds
 *   the fields to unescape without any per-field flag. */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "supportkpi/common.h"
#include "alloc.h"
#include "utf8.h"

#if defined(__SSE2__) && (defined(__GNUC__) || defined(__clang__))
#include <emmintrin.h>
#define SKPI_CSV_SSE2 1
#endif

#define DEFAULT_BLOCK ((size_t)1 << 20)
/* After the data: the sentinel, then zeroes that the 64-byte mask of a
 * chunk starting at or before the sentinel may read. */
#define PAD 64
#define SENTINEL '"'

/* Results of the parsing steps besides the (negative) status codes. */
enum {
    NEXT_FIELD = 0,   /* a comma: another field follows */
    RECORD_END = 1,   /* a line end or the end of the input */
    NEED_MORE = 2     /* the data read so far ends inside the record */
};

struct skpi__csv {
    FILE *file;               /* the source: a file ... */
    const char *mem;          /* ... or memory */
    size_t mem_len;
    size_t mem_pos;
    char *buf;                /* cap + PAD bytes */
    size_t cap;
    size_t block;
    size_t pos;               /* where the next record (or empty line) starts */
    size_t end;               /* bytes of data; buf[end] is the sentinel */
    uint64_t base;            /* input offset of buf[0] */
    uint64_t line;            /* physical line at pos */
    uint64_t record_line;     /* line of the record returned or failed */
    skpi__field *fields;
    size_t fields_cap;
    int scan_valid;           /* scan_chunk/scan_mask still describe buf */
    size_t scan_chunk;        /* the scanner between records (see cursor) */
    uint64_t scan_mask;
    int eof;                  /* the source has nothing more */
    int bom_checked;
    int failed;               /* a final error, returned by every later call */
    size_t error_field;
    const char *errmsg;
};

/* The state of one record's parse, kept aside until the record is
 * complete so that a parse cut short by the end of the data changes
 * nothing that cannot be undone (see undo_terminators()). */
typedef struct cursor {
    char *p;                  /* the next byte */
    char *end;                /* the end of the data (the sentinel) */
    uint64_t line;            /* physical line at p */
    size_t n;                 /* fields completed */
    int escaped;              /* some quoted field held "" */
    char *chunk;              /* the scanner (below) */
    uint64_t mask;
} cursor;

/* ---- scanning ----
 *
 * The special bytes are `,` LF CR and `"`.  The scanner hands them out in
 * order: peek_special() gives the first one not passed yet, drop_special()
 * passes the one just peeked, seek_special() passes all before a position.
 * With SSE2 it keeps a bit mask of the special bytes of a 64-byte chunk not
 * yet passed: peeking counts trailing zeros and dropping clears the lowest
 * bit, so one field's end does not wait for the previous field's (the masks
 * depend only on the chunk address, and the processor computes them ahead).
 * Without SSE2 it scans a byte table. */

#ifdef SKPI_CSV_SSE2
static inline uint64_t mask16(const char *p)
{
    const __m128i comma = _mm_set1_epi8(','), lf = _mm_set1_epi8('\n');
    const __m128i cr = _mm_set1_epi8('\r'), quote = _mm_set1_epi8('"');
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, comma), _mm_cmpeq_epi8(v, lf)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, quote)));
    return (uint64_t)(unsigned)_mm_movemask_epi8(hit);
}

/* Bit i set when p[i] is special, for i in 0 .. 63. */
static inline uint64_t special_mask(const char *p)
{
    return mask16(p) | mask16(p + 16) << 16 | mask16(p + 32) << 32 | mask16(p + 48) << 48;
}

/* Start scanning at p. */
static inline void reset_special(cursor *c, char *p)
{
    c->chunk = p;
    c->mask = special_mask(p);
}

/* Pass every byte before p (p is not before the chunk). */
static inline void seek_special(cursor *c, char *p)
{
    size_t skip = (size_t)(p - c->chunk);
    if (skip >= 64)
        reset_special(c, p);
    else
        c->mask &= ~(uint64_t)0 << skip;
}

/* The first special byte not passed (the sentinel guarantees one). */
static inline char *peek_special(cursor *c)
{
    while (c->mask == 0) {
        c->chunk += 64;
        c->mask = special_mask(c->chunk);
    }
    return c->chunk + __builtin_ctzll(c->mask);
}

/* Only right after peek_special(): its byte is the lowest bit. */
static inline void drop_special(cursor *c)
{
    c->mask &= c->mask - 1;
}
#else
static const unsigned char is_special[256] = { [','] = 1, ['\r'] = 1, ['\n'] = 1, ['"'] = 1 };

/* Here chunk is where the next scan starts. */
static inline void reset_special(cursor *c, char *p)
{
    c->chunk = p;
}

static inline void seek_special(cursor *c, char *p)
{
    c->chunk = p;
}

static inline char *peek_special(cursor *c)
{
    while (!is_special[(unsigned char)*c->chunk])
        c->chunk++;
    return c->chunk;
}

static inline void drop_special(cursor *c)
{
    c->chunk++;
}
#endif

/* ---- parsing one record ----
 *
 * A field that ends with a comma gets its NUL at once, over the comma (or
 * the closing quote); the record's last field gets its NUL, and quoted
 * fields their unescaping, when the record is complete.  A parse cut short
 * puts the commas and quotes back (undo_terminators()). */

static int syntax_error(skpi__csv *r, size_t field, const char *why)
{
    r->record_line = r->line;
    r->error_field = field;
    r->errmsg = why;
    return SKPI_ESYNTAX;
}

/* After a field, at q: a comma, a line end, or the end of the input.  The
 * scanner has passed everything before q.  `other` says what any other
 * byte is. */
static inline int after_field(skpi__csv *r, cursor *c, char *q, const char *other)
{
    if (q == c->end) {
        if (!r->eof)
            return NEED_MORE;
        c->p = q;
        return RECORD_END;
    }
    switch (*q) {
    case ',':
        c->p = q + 1;
        seek_special(c, c->p);
        return NEXT_FIELD;
    case '\n':
        c->p = q + 1;
        seek_special(c, c->p);
        c->line++;
        return RECORD_END;
    case '\r':
        if (q + 1 == c->end && !r->eof)
            return NEED_MORE;
        if (q + 1 == c->end || q[1] != '\n')
            return syntax_error(r, c->n, "CR not followed by LF");
        c->p = q + 2;
        seek_special(c, c->p);
        c->line++;
        return RECORD_END;
    default:
        return syntax_error(r, c->n, other);
    }
}

/* A field starting at the `"` at c->p. */
static int quoted_field(skpi__csv *r, cursor *c, skpi__field *f)
{
    seek_special(c, c->p + 1);
    char *q;
    for (;;) {
        q = peek_special(c);
        if (*q != '"') {   /* a comma or a CR inside the quotes, or a line */
            c->line += *q == '\n';
            drop_special(c);
            continue;
        }
        if (q == c->end)
            return r->eof ? syntax_error(r, c->n + 1, "unterminated quoted field") : NEED_MORE;
        if (q + 1 == c->end && !r->eof)
            return NEED_MORE;   /* a closing quote, or the first of "" ? */
        if (q + 1 == c->end || q[1] != '"')
            break;
        c->escaped = 1;
        seek_special(c, q + 2);   /* the second quote may be in the next chunk */
    }
    drop_special(c);
    f->ptr = c->p + 1;
    f->len = (size_t)(q - (c->p + 1));
    c->n++;
    int rc = after_field(r, c, q + 1, "characters after a closing quote");
    if (rc == NEXT_FIELD)
        *q = '\0';
    return rc;
}

static int grow_fields(skpi__csv *r)
{
    void *array = r->fields;
    int rc = skpi__reserve(&array, &r->fields_cap, r->fields_cap + 1, sizeof(skpi__field));
    r->fields = array;
    return rc;
}

static int parse_fields(skpi__csv *r, cursor *c)
{
    for (;;) {
        if (c->n == r->fields_cap && grow_fields(r) != SKPI_OK)
            return SKPI_ENOMEM;
        skpi__field *f = &r->fields[c->n];
        char *q = peek_special(c);
        if (*q == ',') {   /* an unquoted field and a comma: the common case first */
            f->ptr = c->p;
            f->len = (size_t)(q - c->p);
            c->n++;
            *q = '\0';
            drop_special(c);
            c->p = q + 1;
            continue;
        }
        int rc;
        if (q == c->p && *q == '"' && q < c->end) {   /* a `"` first: quoted */
            rc = quoted_field(r, c, f);
        } else {
            f->ptr = c->p;
            f->len = (size_t)(q - c->p);
            c->n++;
            rc = after_field(r, c, q, "quote (\") inside an unquoted field");
        }
        if (rc != NEXT_FIELD)
            return rc;
    }
}

/* The parse of the record at `record` stopped short: give back the commas
 * and closing quotes that completed fields had NULs put over.  A NUL right
 * after a field is always one of ours (a field ends at a special byte or
 * the sentinel), and a quoted field is the one whose first byte follows a
 * `"` (an unquoted one follows a comma, or its NUL, or starts the record). */
static void undo_terminators(skpi__csv *r, const cursor *c, const char *record)
{
    for (size_t i = 0; i < c->n; i++) {
        const skpi__field *f = &r->fields[i];
        char *after = r->buf + (f->ptr - r->buf) + f->len;   /* the buffer is ours */
        if (*after != '\0')
            continue;
        int quoted = f->ptr != record && f->ptr[-1] == '"';
        *after = quoted ? '"' : ',';
    }
}

/* Replace each "" of s[0..len) by one ", in place; the new length. */
static size_t unescape(char *s, size_t len)
{
    char *w = memchr(s, '"', len);
    if (!w)
        return len;
    const char *rd = w, *stop = s + len;
    while (rd < stop) {
        char ch = *rd;
        *w++ = ch;
        rd += ch == '"' ? 2 : 1;
    }
    return (size_t)(w - s);
}

/* Terminate a field (in the buffer, which is ours to write). */
static void terminate(skpi__csv *r, skpi__field *f, int escaped)
{
    char *text = r->buf + (f->ptr - r->buf);
    if (escaped)
        f->len = unescape(text, f->len);
    text[f->len] = '\0';
}

/* The record is complete: unescape, terminate, and move past it. */
static void finish_record(skpi__csv *r, const cursor *c)
{
    if (c->escaped) {
        for (size_t i = 0; i < c->n; i++)
            terminate(r, &r->fields[i], 1);
    } else {
        terminate(r, &r->fields[c->n - 1], 0);
    }
    r->record_line = r->line;
    r->line = c->line;
    r->pos = (size_t)(c->p - r->buf);
    /* The scanner stays true: the NULs and the unescaping only touched
     * bytes it has passed. */
    r->scan_chunk = (size_t)(c->chunk - r->buf);
    r->scan_mask = c->mask;
    r->scan_valid = 1;
}

/* Step over empty lines at pos, for good.  1 when a record starts at pos,
 * 0 at the end of the input, or NEED_MORE. */
static int skip_empty_lines(skpi__csv *r)
{
    const char *p = r->buf + r->pos, *end = r->buf + r->end;
    int rc = 1;
    for (;;) {
        if (p == end) {
            rc = r->eof ? 0 : NEED_MORE;
            break;
        }
        if (*p == '\n') {
            p++;
            r->line++;
        } else if (*p == '\r' && p + 1 < end && p[1] == '\n') {
            p += 2;
            r->line++;
        } else {
            if (*p == '\r' && p + 1 == end && !r->eof)
                rc = NEED_MORE;   /* CRLF, or a lone CR: the next block says */
            break;
        }
    }
    r->pos = (size_t)(p - r->buf);
    return rc;
}

/* 1 for a record, 0 at the end, NEED_MORE, or an error. */
static int parse_record(skpi__csv *r, size_t *count)
{
    int rc = skip_empty_lines(r);
    if (rc != 1)
        return rc;
    char *record = r->buf + r->pos;
    cursor c = { record, r->buf + r->end, r->line, 0, 0, record, 0 };
    if (r->scan_valid) {   /* carry on from the record before */
        c.chunk = r->buf + r->scan_chunk;
        c.mask = r->scan_mask;
        seek_special(&c, record);
    } else {
        reset_special(&c, record);
    }
    rc = parse_fields(r, &c);
    if (rc == NEED_MORE || rc == SKPI_ENOMEM)
        undo_terminators(r, &c, record);
    if (rc != RECORD_END)
        return rc;
    finish_record(r, &c);
    *count = c.n;
    return 1;
}

/* ---- the buffer and the source ---- */

/* Mark the end of the data: the sentinel and the zeroed padding. */
static void seal(skpi__csv *r)
{
    r->buf[r->end] = SENTINEL;
    memset(r->buf + r->end + 1, 0, PAD - 1);
    r->scan_valid = 0;
}

static int grow_buffer(skpi__csv *r)
{
    if (r->cap > (SIZE_MAX - PAD) / 2)
        return SKPI_ENOMEM;
    char *grown = skpi__realloc(r->buf, 2 * r->cap + PAD);
    if (!grown)
        return SKPI_ENOMEM;
    r->buf = grown;
    r->cap *= 2;
    return SKPI_OK;
}

/* Copy up to n bytes of the source to dst, *got of them.  Sets eof as
 * soon as the source is exhausted, which spares the parser a call that
 * would read nothing.  Returns 0 or SKPI_EIO. */
static int read_source(skpi__csv *r, char *dst, size_t n, size_t *got)
{
    if (!r->file) {
        *got = r->mem_len - r->mem_pos < n ? r->mem_len - r->mem_pos : n;
        memcpy(dst, r->mem + r->mem_pos, *got);
        r->mem_pos += *got;
        r->eof = r->mem_pos == r->mem_len;
        return SKPI_OK;
    }
    *got = fread(dst, 1, n, r->file);
    if (*got < n) {
        if (ferror(r->file))
            return SKPI_EIO;
        r->eof = 1;
    }
    return SKPI_OK;
}

/* Keep the unfinished record (from pos), growing the buffer when it fills
 * more than half, and read after it as much as fits. */
static int refill(skpi__csv *r)
{
    size_t keep = r->end - r->pos;
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, keep);
        r->base += r->pos;
        r->pos = 0;
        r->end = keep;
        seal(r);
    }
    if (keep > r->cap / 2 && grow_buffer(r) != SKPI_OK)
        return SKPI_ENOMEM;
    size_t got = 0;
    int rc = read_source(r, r->buf + keep, r->cap - keep, &got);
    if (rc != SKPI_OK)
        return rc;
    r->end = keep + got;
    seal(r);
    return SKPI_OK;
}

/* The first call: the buffer, the first block, the BOM. */
static int start(skpi__csv *r)
{
    if (!r->buf) {
        r->buf = skpi__malloc(r->block + PAD);
        if (!r->buf)
            return SKPI_ENOMEM;
        r->cap = r->block;
        seal(r);
    }
    while (r->end < 3 && !r->eof) {
        int rc = refill(r);
        if (rc != SKPI_OK)
            return rc;
    }
    if (r->end >= 3 && memcmp(r->buf, "\xEF\xBB\xBF", 3) == 0)
        r->pos = 3;
    r->line = 1;
    r->bom_checked = 1;
    return SKPI_OK;
}

/* A read error is final; out of memory is not (the state is unchanged, a
 * later call may succeed). */
static int io_failure(skpi__csv *r, int rc)
{
    r->record_line = r->line;
    if (rc == SKPI_ENOMEM) {
        r->errmsg = "out of memory";
        return rc;
    }
    r->errmsg = "read error";
    r->failed = rc;
    return rc;
}

int skpi__csv_next(skpi__csv *r, const skpi__field **fields, size_t *count)
{
    if (!r || !fields || !count)
        return SKPI_EINVAL;
    if (r->failed)
        return r->failed;
    r->error_field = 0;
    r->errmsg = "";
    if (!r->bom_checked) {
        int rc = start(r);
        if (rc != SKPI_OK)
            return io_failure(r, rc);
    }
    /* A field that ended the input put its NUL over the sentinel. */
    r->buf[r->end] = SENTINEL;
    for (;;) {
        int rc = parse_record(r, count);
        if (rc == NEED_MORE) {
            rc = refill(r);
            if (rc != SKPI_OK)
                return io_failure(r, rc);
            continue;
        }
        if (rc == SKPI_ESYNTAX)
            r->failed = rc;
        else if (rc == SKPI_ENOMEM)
            r->errmsg = "out of memory";
        if (rc == 1)
            *fields = r->fields;
        return rc;
    }
}

/* ---- the handle ---- */

static int create(skpi__csv **out, FILE *file, const char *data, size_t len)
{
    skpi__csv *r = skpi__calloc(1, sizeof *r);
    if (!r)
        return SKPI_ENOMEM;
    r->file = file;
    r->mem = data;
    r->mem_len = len;
    r->block = DEFAULT_BLOCK;
    r->errmsg = "";
    *out = r;
    return SKPI_OK;
}

int skpi__csv_from_file(skpi__csv **out, FILE *f)
{
    if (out)
        *out = NULL;
    if (!out || !f)
        return SKPI_EINVAL;
    return create(out, f, NULL, 0);
}

int skpi__csv_from_memory(skpi__csv **out, const char *data, size_t len)
{
    if (out)
        *out = NULL;
    if (!out || (!data && len > 0))
        return SKPI_EINVAL;
    return create(out, NULL, data ? data : "", len);
}

int skpi__csv_set_block_size(skpi__csv *r, size_t bytes)
{
    if (!r || bytes == 0 || r->buf || bytes > SIZE_MAX / 4)
        return SKPI_EINVAL;
    r->block = bytes;
    return SKPI_OK;
}

uint64_t skpi__csv_line(const skpi__csv *r)
{
    return r ? r->record_line : 0;
}

size_t skpi__csv_error_field(const skpi__csv *r)
{
    return r ? r->error_field : 0;
}

const char *skpi__csv_errmsg(const skpi__csv *r)
{
    return r ? r->errmsg : "";
}

uint64_t skpi__csv_bytes_read(const skpi__csv *r)
{
    return r ? r->base + r->pos : 0;
}

void skpi__csv_free(skpi__csv *r)
{
    if (!r)
        return;
    skpi__free(r->buf);
    skpi__free(r->fields);
    skpi__free(r);
}

/* ---- the header ---- */

typedef struct name_ref {
    const char *ptr;
    size_t len;
    size_t column;   /* 0-based */
} name_ref;

/* Bytewise, then by column, so that the first of equal names sorts first. */
static int compare_names(const void *a, const void *b)
{
    const name_ref *x = a, *y = b;
    size_t common = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, common);
    if (c != 0)
        return c;
    if (x->len != y->len)
        return x->len < y->len ? -1 : 1;
    return x->column < y->column ? -1 : x->column > y->column;
}

static int good_name(const skpi__field *name)
{
    return name->len > 0 && skpi__utf8_valid(name->ptr, name->len);
}

/* Set repeated[c] for each column whose good name an earlier column has:
 * sorting makes the check O(n log n), a header may be long. */
static void mark_repeats(const skpi__field *names, size_t count, name_ref *refs,
                         unsigned char *repeated)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        if (good_name(&names[i]))
            refs[n++] = (name_ref){ names[i].ptr, names[i].len, i };
    qsort(refs, n, sizeof *refs, compare_names);
    for (size_t i = 1; i < n; i++)
        if (refs[i].len == refs[i - 1].len && memcmp(refs[i].ptr, refs[i - 1].ptr, refs[i].len) == 0)
            repeated[refs[i].column] = 1;
}

int skpi__csv_check_header(const skpi__field *names, size_t count,
                           skpi__csv_header_report *report, void *ctx)
{
    if (count == 0)
        return SKPI_OK;
    /* One block: the sort array, then one flag per column. */
    name_ref *refs = skpi__calloc(count, sizeof(name_ref) + 1);
    if (!refs)
        return SKPI_ENOMEM;
    unsigned char *repeated = (unsigned char *)(refs + count);
    mark_repeats(names, count, refs, repeated);
    int rc = SKPI_OK;
    for (size_t i = 0; i < count; i++) {
        const char *why = NULL;
        if (names[i].len == 0)
            why = "empty column name";
        else if (!skpi__utf8_valid(names[i].ptr, names[i].len))
            why = "header name is not valid UTF-8 or contains NUL";
        else if (repeated[i])
            why = "duplicate column name";
        if (!why)
            continue;
        rc = SKPI_ESYNTAX;
        if (report)
            report(ctx, i + 1, &names[i], why);
    }
    skpi__free(refs);
    return rc;
}
