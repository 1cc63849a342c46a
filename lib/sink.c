#include "sink.h"

#include <stdarg.h>
#include <string.h>

skpi__sink skpi__sink_stream(FILE *stream)
{
    skpi__sink s = { stream, NULL, 0, 0, false };
    return s;
}

skpi__sink skpi__sink_buffer(char *buf, size_t cap)
{
    skpi__sink s = { NULL, buf, cap, 0, false };
    return s;
}

void skpi__sink_write(skpi__sink *s, const char *text, size_t len)
{
    if (s->stream) {
        if (!s->failed && len && fwrite(text, 1, len, s->stream) != len)
            s->failed = true;
    } else if (s->used < s->cap) {
        size_t room = s->cap - s->used;
        memcpy(s->buf + s->used, text, len < room ? len : room);
    }
    s->used += len;
}

void skpi__sink_puts(skpi__sink *s, const char *text)
{
    skpi__sink_write(s, text, strlen(text));
}

void skpi__sink_printf(skpi__sink *s, const char *fmt, ...)
{
    char text[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    if (n > 0)
        skpi__sink_write(s, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

int skpi__sink_finish(skpi__sink *s, size_t *needed)
{
    if (needed)
        *needed = s->used + 1;
    if (s->stream)
        return s->failed || fflush(s->stream) != 0 || ferror(s->stream) ? SKPI_EIO : SKPI_OK;
    if (s->used < s->cap) {
        s->buf[s->used] = '\0';
        return SKPI_OK;
    }
    if (s->cap > 0)
        s->buf[0] = '\0';
    return SKPI_ENOSPACE;
}
