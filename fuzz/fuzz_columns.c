/* Fuzz skpi_records_append_columns() (SPEC §2, the columnar batch), and
 * skpi_chains_update() against building anew.
 *
 * Input layout:
 *   byte 0        how many bytes at the END of the input are the text
 *                 buffer that every text column's offsets point into
 *   chain options (fuzz_chain_options())
 *   batch 1, batch 2, each:
 *     byte        rows (0-7) in the low 3 bits; the rest picks a deliberate
 *                 misuse now and then (wrong version, a required column
 *                 NULL, bytes NULL, dimension arrays NULL)
 *     u16         which optional columns are given, how many dimensions
 *     per dimension: a byte choosing its name from a list that has bad ones
 *     per text column: a mode byte, then offsets (non-decreasing, or raw
 *                 with negative and decreasing values); every non-negative
 *                 offset is clamped to the text buffer, which the API trusts
 *     per row: a byte; a clear high bit makes a consistent row (times
 *                 after opened_at, closed_at matching the outcome ...), a
 *                 set one takes every field from fuzz_i64()
 *
 * Invariants: a failed append leaves the count unchanged; a successful one
 * adds exactly `count` rows, each reading back as given (defaults filled
 * in); chains built after batch 1 and updated after batch 2 equal chains
 * built after batch 2; chains and a breakdown pass fuzz_util.c's checks. */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

#define MAX_ROWS 7
#define MAX_DIMS 3
#define TEXT_COLUMNS (4 + MAX_DIMS)

enum { N_FIRST_RESPONSE, N_CLOSED, N_HANDLE, N_TIER, N_ESCALATIONS, N_REOPENS, N_CSAT,
       N_COUNT };

typedef struct batch {
    skpi_contact_columns c;
    int64_t *opened, *outcome, *num[N_COUNT];   /* NULL when not given */
    int64_t *offsets[TEXT_COLUMNS];             /* id, customer, reason, channel, dims */
    skpi_text_column dims[MAX_DIMS];
    const char *names[MAX_DIMS];
} batch;

static int64_t *array(size_t n)
{
    int64_t *a = malloc((n ? n : 1) * sizeof *a);   /* exactly n: ASan sees overreads */
    FUZZ_CHECK(a != NULL);
    return a;
}

/* count + 1 offsets into a text buffer of `len` bytes. */
static int64_t *offsets(fuzz_bytes *in, size_t count, size_t len)
{
    int64_t *o = array(count + 1);
    uint8_t mode = fuzz_u8(in);
    int64_t at = 0;
    switch (mode & 3) {
    case 0:   /* from 0, non-decreasing */
    case 1:   /* from anywhere, non-decreasing */
        at = (mode & 3) ? (int64_t)(fuzz_u8(in) % (len + 1)) : 0;
        for (size_t i = 0; i <= count; i++) {
            if (i)
                at += fuzz_u8(in) & 15;
            if (at > (int64_t)len)
                at = (int64_t)len;
            o[i] = at;
        }
        break;
    case 2:   /* raw: negative, decreasing, past the end (clamped) */
        for (size_t i = 0; i <= count; i++) {
            uint8_t v = fuzz_u8(in);
            o[i] = v == 255 ? -1 : v == 254 ? INT64_MIN : v == 253 ? -(int64_t)len - 1
                 : v > len ? (int64_t)len : (int64_t)v;
        }
        break;
    default:  /* signed steps: may go below 0 or back */
        for (size_t i = 0; i <= count; i++) {
            if (i)
                at += (int8_t)fuzz_u8(in);
            if (at > (int64_t)len)
                at = (int64_t)len;
            o[i] = at;
        }
        break;
    }
    return o;
}

static void make_batch(fuzz_bytes *in, const char *text, size_t len, batch *b)
{
    static const char *const dim_names[] = {
        "region", "product", "month", "region", "", NULL, "id", "channel", "\xff\xfe", "tier",
        "a b", "r\xc3\xa9gion",
    };
    skpi_contact_columns init = SKPI_COLUMNS_INIT;
    memset(b, 0, sizeof *b);
    b->c = init;
    uint8_t head = fuzz_u8(in);
    uint16_t given = fuzz_u16(in);
    size_t count = head & 7;
    size_t dims = (given >> 10 & 3) % (MAX_DIMS + 1);
    b->c.count = count;
    for (size_t k = 0; k < dims; k++)
        b->names[k] = dim_names[fuzz_u8(in) % (sizeof dim_names / sizeof dim_names[0])];

    skpi_text_column *texts[TEXT_COLUMNS] = { &b->c.id, &b->c.customer, &b->c.reason,
                                              &b->c.channel, &b->dims[0], &b->dims[1],
                                              &b->dims[2] };
    for (size_t k = 0; k < 4 + dims; k++) {
        if (k >= 1 && k <= 3 && !(given >> (6 + k) & 1))
            continue;   /* customer, reason, channel: bits 7, 8, 9 */
        b->offsets[k] = offsets(in, count, len);
        texts[k]->offsets = b->offsets[k];
        texts[k]->bytes = text;
    }
    b->opened = array(count);
    b->outcome = array(count);
    for (int k = 0; k < N_COUNT; k++)
        if (given >> k & 1)
            b->num[k] = array(count);
    int64_t scratch[N_COUNT];

    for (size_t i = 0; i < count; i++) {
        uint8_t how = fuzz_u8(in);
        int64_t *v[N_COUNT];
        for (int k = 0; k < N_COUNT; k++)
            v[k] = b->num[k] ? &b->num[k][i] : &scratch[k];
        if (how & 0x80) {   /* anything */
            b->opened[i] = fuzz_i64(in);
            for (int k = 0; k < N_COUNT; k++)
                *v[k] = fuzz_i64(in);
            b->outcome[i] = (int64_t)(fuzz_u8(in) % 7) - 1;   /* -1 .. 5 */
        } else {            /* a consistent row */
            int64_t opened = INT64_C(1700000000) + (int64_t)fuzz_u8(in) * 7200;
            int outcome = b->num[N_CLOSED] ? how & 3 : SKPI_OUTCOME_OPEN;
            b->opened[i] = opened;
            b->outcome[i] = outcome;
            *v[N_CLOSED] = outcome == SKPI_OUTCOME_OPEN ? SKPI_UNSET
                                                        : opened + (int64_t)fuzz_u8(in) * 600;
            *v[N_FIRST_RESPONSE] = (how & 4) ? opened + fuzz_u8(in) : SKPI_UNSET;
            *v[N_HANDLE] = (how & 8) ? (int64_t)fuzz_u8(in) * 10 : SKPI_UNSET;
            *v[N_TIER] = (how & 16) ? fuzz_u8(in) % 10 : SKPI_UNSET;
            *v[N_ESCALATIONS] = (how & 32) ? fuzz_u8(in) % 3 : SKPI_UNSET;
            *v[N_REOPENS] = (how & 32) ? fuzz_u8(in) % 2 : SKPI_UNSET;
            *v[N_CSAT] = (how & 64) ? 1 + fuzz_u8(in) % 5 : SKPI_UNSET;
        }
    }
    b->c.opened_at = b->opened;
    b->c.outcome = b->outcome;
    b->c.first_response_at = b->num[N_FIRST_RESPONSE];
    b->c.closed_at = b->num[N_CLOSED];
    b->c.handle_seconds = b->num[N_HANDLE];
    b->c.tier = b->num[N_TIER];
    b->c.escalations = b->num[N_ESCALATIONS];
    b->c.reopens = b->num[N_REOPENS];
    b->c.csat = b->num[N_CSAT];
    b->c.dimension_count = dims;
    b->c.dimension_names = b->names;
    b->c.dimensions = b->dims;

    switch (head >> 3) {   /* now and then a misuse the API must refuse */
    case 1: b->c.version = SKPI_COLUMNS_VERSION + 1; break;
    case 2: b->c.id.offsets = NULL; break;
    case 3: b->c.opened_at = NULL; break;
    case 4: b->c.outcome = NULL; break;
    case 5: b->c.id.bytes = NULL; break;
    case 6: if (dims) b->c.dimension_names = NULL; break;
    case 7: if (dims) b->c.dimensions = NULL; break;
    default: break;
    }
}

static void free_batch(batch *b)
{
    free(b->opened);
    free(b->outcome);
    for (int k = 0; k < N_COUNT; k++)
        free(b->num[k]);
    for (int k = 0; k < TEXT_COLUMNS; k++)
        free(b->offsets[k]);
}

/* Text column value of row i, as given (the append succeeded, so valid). */
static void expect_text(const skpi_text_column *col, size_t i, const char *got)
{
    FUZZ_CHECK(got != NULL);
    if (!col->offsets) {
        FUZZ_CHECK(got[0] == '\0');
        return;
    }
    int64_t from = col->offsets[i], to = col->offsets[i + 1];
    FUZZ_CHECK(from >= 0 && to >= from);
    FUZZ_CHECK(strlen(got) == (size_t)(to - from));
    FUZZ_CHECK(memcmp(got, col->bytes + from, (size_t)(to - from)) == 0);
}

static int64_t given(const int64_t *col, size_t i, int64_t fallback)
{
    return !col || col[i] == SKPI_UNSET ? fallback : col[i];
}

/* Rows first .. first + count - 1 read back as the batch gave them. */
static void check_rows(const skpi_records *r, const batch *b, size_t first)
{
    const skpi_contact_columns *c = &b->c;
    for (size_t i = 0; i < c->count; i++) {
        skpi_contact got;
        size_t at = SIZE_MAX;
        FUZZ_CHECK(skpi_records_get(r, first + i, &got) == SKPI_OK);
        expect_text(&c->id, i, got.id);
        FUZZ_CHECK(got.id[0] != '\0');
        FUZZ_CHECK(skpi_records_find(r, got.id, &at) == SKPI_OK && at == first + i);
        expect_text(&c->customer, i, got.customer);
        expect_text(&c->reason, i, got.reason);
        expect_text(&c->channel, i, got.channel);
        FUZZ_CHECK(got.opened_at == c->opened_at[i]);
        FUZZ_CHECK(got.outcome == c->outcome[i]);
        FUZZ_CHECK(got.first_response_at == given(c->first_response_at, i, SKPI_UNSET));
        FUZZ_CHECK(got.closed_at == given(c->closed_at, i, SKPI_UNSET));
        FUZZ_CHECK(got.handle_seconds == given(c->handle_seconds, i, 0));
        FUZZ_CHECK(got.tier == given(c->tier, i, 1));
        FUZZ_CHECK(got.escalations == given(c->escalations, i, 0));
        FUZZ_CHECK(got.reopens == given(c->reopens, i, 0));
        FUZZ_CHECK(got.csat == given(c->csat, i, SKPI_UNSET));
        for (size_t k = 0; k < c->dimension_count; k++) {
            size_t d;
            FUZZ_CHECK(skpi_records_dimension_index(r, c->dimension_names[k], &d) == SKPI_OK);
            const char *value = skpi_records_dimension_value(r, first + i, d);
            const skpi_text_column *col = &c->dimensions[k];
            if (!col->offsets || col->offsets[i] == col->offsets[i + 1])
                FUZZ_CHECK(value == NULL);
            else
                expect_text(col, i, value);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_bytes in = { data, size };
    size_t len = fuzz_u8(&in);
    if (len > in.n)
        len = in.n;
    in.n -= len;   /* the text is the last `len` bytes */
    char *text = malloc(len ? len : 1);
    FUZZ_CHECK(text != NULL);
    if (len)
        memcpy(text, in.p + in.n, len);
    skpi_chain_options co;
    fuzz_chain_options(&in, &co);

    skpi_records *r = NULL;
    skpi_chains *chains = NULL;
    if (skpi_records_new(&r) != SKPI_OK) {
        free(text);
        return 0;
    }
    int chains_rc = SKPI_EINVAL;
    for (int call = 0; call < 2; call++) {
        batch b;
        make_batch(&in, text, len, &b);
        size_t before = skpi_records_count(r);
        int rc = skpi_records_append_columns(r, &b.c);
        fuzz_trace("  append %d: %zu rows: %d (%s)\n", call, b.c.count, rc, skpi_records_errmsg(r));
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_EINVAL || rc == SKPI_EDUPLICATE || rc == SKPI_ERANGE
                   || rc == SKPI_ENOMEM);
        FUZZ_CHECK(skpi_records_errcode(r) == rc);
        if (rc == SKPI_OK) {
            FUZZ_CHECK(skpi_records_count(r) == before + b.c.count);
            check_rows(r, &b, before);
        } else {
            FUZZ_CHECK(skpi_records_count(r) == before);
            FUZZ_CHECK(skpi_records_errmsg(r)[0] != '\0');
        }
        free_batch(&b);
        if (call == 0) {
            chains_rc = skpi_chains_new(&chains, r, &co, NULL);
            FUZZ_CHECK(chains_rc == SKPI_OK || chains_rc == SKPI_EINVAL || chains_rc == SKPI_ENOMEM);
            int valid = (co.window_seconds == SKPI_UNSET
                         || (co.window_seconds >= 0 && co.window_seconds <= SKPI_WINDOW_MAX))
                        && (co.anchor == SKPI_ANCHOR_FIRST || co.anchor == SKPI_ANCHOR_LAST);
            FUZZ_CHECK(chains_rc == SKPI_ENOMEM || (chains_rc == SKPI_OK) == valid);
            if (chains_rc == SKPI_OK)
                fuzz_check_chains(chains, co.as_of, 64);
        }
    }

    if (chains_rc == SKPI_OK) {
        int rc = skpi_chains_update(chains);
        FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
        skpi_chains *fresh = NULL;
        if (rc == SKPI_OK && skpi_chains_new(&fresh, r, &co, NULL) == SKPI_OK) {
            fuzz_check_same_chains(chains, fresh);
            fuzz_check_chains(fresh, co.as_of, 64);
            const char *by[2] = { "channel", skpi_records_dimension_name(r, 0) };
            skpi_breakdown_options bo = SKPI_BREAKDOWN_OPTIONS_INIT;
            bo.by = by;
            bo.by_count = by[1] ? 2 : 1;
            skpi_breakdown *bd = NULL;
            rc = skpi_breakdown_new(&bd, fresh, NULL, &bo, NULL);
            /* A dimension named like a time bucket is fine without a bucket. */
            FUZZ_CHECK(rc == SKPI_OK || rc == SKPI_ENOMEM);
            if (rc == SKPI_OK)
                fuzz_check_breakdown(bd, NULL);
            skpi_breakdown_free(bd);
        }
        skpi_chains_free(fresh);
    }
    skpi_chains_free(chains);
    skpi_records_free(r);
    free(text);
    return 0;
}
