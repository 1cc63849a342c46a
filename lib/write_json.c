/* The JSON report of SPEC §9, laid out as Python's json.dumps(indent=2)
 * lays it out, so that reports diff cleanly against other tools' output.
 * Written from the public accessors only: the writer adds no arithmetic. */
#include <stdio.h>
#include <string.h>

#include "supportkpi/breakdown.h"
#include "supportkpi/timefmt.h"
#include "sink.h"

static void json_string(skpi__sink *s, const char *text)
{
    skpi__sink_write(s, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        const char *escape = NULL;
        switch (*p) {
        case '"': escape = "\\\""; break;
        case '\\': escape = "\\\\"; break;
        case '\n': escape = "\\n"; break;
        case '\r': escape = "\\r"; break;
        case '\t': escape = "\\t"; break;
        case '\b': escape = "\\b"; break;
        case '\f': escape = "\\f"; break;
        default: break;
        }
        if (escape)
            skpi__sink_puts(s, escape);
        else if (*p < 0x20)
            skpi__sink_printf(s, "\\u%04x", *p);
        else
            skpi__sink_write(s, (const char *)p, 1);
    }
    skpi__sink_write(s, "\"", 1);
}

static void json_int_or_null(skpi__sink *s, int64_t v)
{
    if (v == SKPI_UNSET)
        skpi__sink_puts(s, "null");
    else
        skpi__sink_printf(s, "%lld", (long long)v);
}

static void write_options(skpi__sink *s, const skpi_breakdown *b, int64_t skipped_rows)
{
    skpi_chain_options o;
    skpi_chains_options(skpi_breakdown_chains(b), &o);
    size_t keys = skpi_breakdown_key_count(b);
    int bucket = skpi_breakdown_bucket(b);
    size_t by = bucket ? keys - 1 : keys;
    skpi__sink_printf(s, "  \"options\": {\n    \"window_seconds\": %lld,\n    \"as_of\": ",
                      (long long)o.window_seconds);
    json_int_or_null(s, o.as_of);
    skpi__sink_printf(s, ",\n    \"provisional\": %s,\n    \"anchor\": \"%s\",\n    \"view\": \"%s\",\n",
                      o.provisional ? "true" : "false",
                      o.anchor == SKPI_ANCHOR_LAST ? "last" : "first",
                      skpi_breakdown_view(b) == SKPI_VIEW_COHORT ? "cohort" : "period");
    skpi__sink_puts(s, by ? "    \"by\": [\n" : "    \"by\": [],\n");
    for (size_t j = 0; j < by; j++) {
        skpi__sink_puts(s, "      ");
        json_string(s, skpi_breakdown_key_name(b, j));
        skpi__sink_puts(s, j + 1 < by ? ",\n" : "\n    ],\n");
    }
    skpi__sink_puts(s, "    \"bucket\": ");
    if (bucket)
        json_string(s, skpi_bucket_name(bucket));
    else
        skpi__sink_puts(s, "null");
    if (skipped_rows != SKPI_UNSET)
        skpi__sink_printf(s, ",\n    \"skipped_rows\": %lld", (long long)skipped_rows);
    skpi__sink_puts(s, "\n  },\n");
}

static void write_key(skpi__sink *s, const skpi_breakdown *b, size_t row)
{
    size_t keys = skpi_breakdown_key_count(b);
    skpi__sink_puts(s, keys ? "      \"key\": {\n" : "      \"key\": {},\n");
    for (size_t j = 0; j < keys; j++) {
        const char *name = skpi_breakdown_key_name(b, j);
        const char *value = skpi_breakdown_key_value(b, row, j);
        skpi__sink_puts(s, "        ");
        json_string(s, name);
        skpi__sink_puts(s, ": ");
        if (!value)
            skpi__sink_puts(s, "null");
        else if (strcmp(name, "tier") == 0)
            skpi__sink_puts(s, value);  /* SPEC §9: a key's tier is a number (no dimension
                                           or bucket can be named tier) */
        else
            json_string(s, value);
        skpi__sink_puts(s, j + 1 < keys ? ",\n" : "\n      },\n");
    }
}

/* Every KPI of a row (or, with the two chain counts, of the total). */
static void write_kpis(skpi__sink *s, const skpi_breakdown *b, size_t row, const char *indent)
{
    int count = skpi_kpi_count();
    if (row != SKPI_ROW_TOTAL)
        count = SKPI_KPI_OPEN_CHAINS;
    for (int k = 0; k < count; k++) {
        char text[64];
        int rc = skpi_breakdown_text(b, row, k, text, sizeof text);
        skpi__sink_printf(s, "%s\"%s\": %s%s", indent, skpi_kpi_name(k),
                          rc == SKPI_OK ? text : "null", k + 1 < count ? ",\n" : "\n");
    }
}

static void write_report(skpi__sink *s, const skpi_breakdown *b, int64_t skipped_rows)
{
    const char *currency = skpi_breakdown_currency(b);
    int64_t total = SKPI_UNSET, unallocated = SKPI_UNSET, adjusted = SKPI_UNSET;
    skpi_breakdown_ledger(b, &total, &unallocated, &adjusted);
    skpi__sink_puts(s, "{\n  \"currency\": ");
    if (currency)
        json_string(s, currency);
    else
        skpi__sink_puts(s, "null");
    skpi__sink_puts(s, ",\n");
    write_options(s, b, skipped_rows);
    skpi__sink_puts(s, "  \"ledger_total\": ");
    json_int_or_null(s, total);
    skpi__sink_puts(s, ",\n  \"unallocated\": ");
    json_int_or_null(s, unallocated);
    skpi__sink_puts(s, ",\n  \"escalation_adjusted_unallocated\": ");
    json_int_or_null(s, adjusted);
    skpi__sink_puts(s, ",\n  \"total\": {\n");
    write_kpis(s, b, SKPI_ROW_TOTAL, "    ");
    size_t rows = skpi_breakdown_row_count(b);
    skpi__sink_puts(s, rows ? "  },\n  \"rows\": [\n" : "  },\n  \"rows\": []\n}\n");
    for (size_t r = 0; r < rows; r++) {
        skpi__sink_puts(s, "    {\n");
        write_key(s, b, r);
        write_kpis(s, b, r, "      ");
        skpi__sink_puts(s, r + 1 < rows ? "    },\n" : "    }\n  ]\n}\n");
    }
}

int skpi_breakdown_write_json(const skpi_breakdown *breakdown, FILE *out, int64_t skipped_rows)
{
    if (!breakdown || !out)
        return SKPI_EINVAL;
    skpi__sink s = skpi__sink_stream(out);
    write_report(&s, breakdown, skipped_rows);
    return skpi__sink_finish(&s, NULL);
}

int skpi_breakdown_json(const skpi_breakdown *breakdown, char *buf, size_t cap, size_t *needed,
                        int64_t skipped_rows)
{
    if (!breakdown || (!buf && cap))
        return SKPI_EINVAL;
    skpi__sink s = skpi__sink_buffer(buf, cap);
    write_report(&s, breakdown, skipped_rows);
    return skpi__sink_finish(&s, needed);
}
