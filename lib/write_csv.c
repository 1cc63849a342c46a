/* The breakdown as CSV (RFC 4180 quoting, LF line ends), for BI tools and
 * spreadsheets: `kind` (row or total), the key columns, every KPI.  Written
 * from the public accessors only. */
#include <stdio.h>
#include <string.h>

#include "supportkpi/breakdown.h"
#include "sink.h"

/* A field, quoted when it holds a comma, a quote or a line end. */
static void csv_field(skpi__sink *s, const char *text)
{
    if (!strpbrk(text, ",\"\r\n")) {
        skpi__sink_puts(s, text);
        return;
    }
    skpi__sink_write(s, "\"", 1);
    for (const char *p = text; *p; p++) {
        if (*p == '"')
            skpi__sink_puts(s, "\"\"");
        else
            skpi__sink_write(s, p, 1);
    }
    skpi__sink_write(s, "\"", 1);
}

static void write_line(skpi__sink *s, const skpi_breakdown *b, size_t row)
{
    skpi__sink_puts(s, row == SKPI_ROW_TOTAL ? "total" : "row");
    for (size_t j = 0; j < skpi_breakdown_key_count(b); j++) {
        const char *value = row == SKPI_ROW_TOTAL ? NULL : skpi_breakdown_key_value(b, row, j);
        skpi__sink_puts(s, ",");
        csv_field(s, value ? value : "");
    }
    for (int k = 0; k < skpi_kpi_count(); k++) {
        char text[64];
        skpi__sink_puts(s, ",");
        if (skpi_breakdown_text(b, row, k, text, sizeof text) == SKPI_OK)
            skpi__sink_puts(s, text);
    }
    skpi__sink_puts(s, "\n");
}

static void write_table(skpi__sink *s, const skpi_breakdown *breakdown)
{
    skpi__sink_puts(s, "kind");
    for (size_t j = 0; j < skpi_breakdown_key_count(breakdown); j++) {
        skpi__sink_puts(s, ",");
        csv_field(s, skpi_breakdown_key_name(breakdown, j));
    }
    for (int k = 0; k < skpi_kpi_count(); k++)
        skpi__sink_printf(s, ",%s", skpi_kpi_name(k));
    skpi__sink_puts(s, "\n");
    for (size_t r = 0; r < skpi_breakdown_row_count(breakdown); r++)
        write_line(s, breakdown, r);
    write_line(s, breakdown, SKPI_ROW_TOTAL);
}

int skpi_breakdown_write_csv(const skpi_breakdown *breakdown, FILE *out)
{
    if (!breakdown || !out)
        return SKPI_EINVAL;
    skpi__sink s = skpi__sink_stream(out);
    write_table(&s, breakdown);
    return skpi__sink_finish(&s, NULL);
}

int skpi_breakdown_csv(const skpi_breakdown *breakdown, char *buf, size_t cap, size_t *needed)
{
    if (!breakdown || (!buf && cap))
        return SKPI_EINVAL;
    skpi__sink s = skpi__sink_buffer(buf, cap);
    write_table(&s, breakdown);
    return skpi__sink_finish(&s, needed);
}
