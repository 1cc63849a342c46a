/* Where a writer's text goes: a stream or a caller's buffer.  Writers print
 * into a sink and look at the result once at the end. */
#ifndef SKPI_SINK_H
#define SKPI_SINK_H

#include <stdbool.h>
#include <stdio.h>

#include "supportkpi/common.h"
#include "status.h"

typedef struct skpi__sink {
    FILE *stream;   /* or NULL: write to buf */
    char *buf;
    size_t cap;
    size_t used;    /* bytes produced so far (even past cap) */
    bool failed;    /* the stream refused a write */
} skpi__sink;

skpi__sink skpi__sink_stream(FILE *stream);
skpi__sink skpi__sink_buffer(char *buf, size_t cap);

void skpi__sink_write(skpi__sink *s, const char *text, size_t len);
void skpi__sink_puts(skpi__sink *s, const char *text);
void skpi__sink_printf(skpi__sink *s, const char *fmt, ...) SKPI_PRINTF(2, 3);

/* SKPI_OK, SKPI_EIO (stream), or SKPI_ENOSPACE (buffer: *needed says how
 * much, NUL included); NUL-terminates the buffer when it can. */
int skpi__sink_finish(skpi__sink *s, size_t *needed);

#endif
