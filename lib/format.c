/* Human-readable text of exact values (format.h). */
#include <stdio.h>
#include <string.h>

#include "supportkpi/format.h"
#include "supportkpi/ledger.h"
#include "money.h"

static int copy_out(const char *text, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return SKPI_EINVAL;
    size_t len = strlen(text);
    if (len >= cap) {
        buf[0] = '\0';
        return SKPI_ENOSPACE;
    }
    memcpy(buf, text, len + 1);
    return SKPI_OK;
}

/* |v| / 10^digits with `digits` decimals, sign first: exact, no floats. */
static void fixed_point(skpi__i128 v, int digits, char *out, size_t cap)
{
    skpi__u128 magnitude = v < 0 ? -(skpi__u128)v : (skpi__u128)v;
    skpi__u128 scale = 1;
    for (int i = 0; i < digits; i++)
        scale *= 10;
    unsigned long long whole = (unsigned long long)(magnitude / scale);
    unsigned long long frac = (unsigned long long)(magnitude % scale);
    if (digits == 0)
        snprintf(out, cap, "%s%llu", v < 0 ? "-" : "", whole);
    else
        snprintf(out, cap, "%s%llu.%0*llu", v < 0 ? "-" : "", whole, digits, frac);
}

int skpi_format_money(int64_t minor_units, const char *currency, char *buf, size_t cap)
{
    int digits = skpi_currency_minor_digits(currency);
    if (digits < 0)
        return SKPI_EINVAL;
    char text[48];
    fixed_point(minor_units, digits, text, sizeof text);
    return copy_out(text, buf, cap);
}

int skpi_format_percent(int64_t nanos, int decimals, char *buf, size_t cap)
{
    if (decimals < 0 || decimals > 7)
        return SKPI_EINVAL;
    /* percent × 10^decimals = nanos / 10^(7 - decimals), rounded half to even */
    int64_t divisor = 1;
    for (int i = decimals; i < 7; i++)
        divisor *= 10;
    int64_t scaled;
    skpi__div_half_even(nanos, divisor, &scaled);  /* cannot overflow: divisor >= 1 */
    char text[48];
    fixed_point(scaled, decimals, text, sizeof text - 1);
    strcat(text, "%");
    return copy_out(text, buf, cap);
}

int skpi_format_duration(int64_t seconds, char *buf, size_t cap)
{
    if (seconds < 0)
        return SKPI_EINVAL;
    static const struct { int64_t size; const char *name; } units[] = {
        { 86400, "d" }, { 3600, "h" }, { 60, "m" }, { 1, "s" },
    };
    char text[48];
    snprintf(text, sizeof text, "0s");
    for (int u = 0; u < 4; u++) {
        if (seconds < units[u].size)
            continue;
        if (u == 3)
            snprintf(text, sizeof text, "%llds", (long long)seconds);
        else
            snprintf(text, sizeof text, "%lld%s %lld%s", (long long)(seconds / units[u].size),
                     units[u].name, (long long)(seconds % units[u].size / units[u + 1].size),
                     units[u + 1].name);
        break;
    }
    return copy_out(text, buf, cap);
}
