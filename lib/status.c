/* Status codes, their static texts, and the error records of handles. */
#include "status.h"

#include <stdarg.h>
#include <stdio.h>

const char *skpi_strerror(int code)
{
    switch (code) {
    case SKPI_OK: return "success";
    case SKPI_ABSENT: return "value absent";
    case SKPI_EINVAL: return "invalid argument or field value";
    case SKPI_ENOMEM: return "out of memory";
    case SKPI_ERANGE: return "value out of range or arithmetic overflow";
    case SKPI_EDUPLICATE: return "duplicate name or id";
    case SKPI_ENOTFOUND: return "not found";
    case SKPI_ESYNTAX: return "syntax error";
    case SKPI_EIO: return "input/output error";
    case SKPI_ENOSPACE: return "buffer too small";
    case SKPI_EDATA: return "bad rows in input data";
    default: return "unknown status code";
    }
}

size_t skpi_error_message_size(void)
{
    return SKPI_ERROR_MESSAGE_SIZE;
}

int64_t skpi_unset(void)
{
    return SKPI_UNSET;
}

int skpi__fail(skpi_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
        err->code = code;
    }
    return code;
}

int skpi__succeed(skpi_error *err, int code)
{
    if (err) {
        err->code = code;
        err->message[0] = '\0';
    }
    return code;
}
