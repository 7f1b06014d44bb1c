/* core/error.c - filling zoo_error (see zoo/error.h). */
#include "zoo/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int zoo_error_set(zoo_error *err, int code, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* keep it one line */
        for (char *p = err->msg; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        err->code = code;
    }
    return code;
}

int zoo_error_prefix(zoo_error *err, const char *fmt, ...) {
    if (!err) return ZOO_ERR_RUNTIME;
    char prefix[ZOO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char old[ZOO_ERROR_MSG_MAX];
    memcpy(old, err->msg, sizeof old);
    size_t n = strlen(prefix);
    if (n > sizeof err->msg - 3) n = sizeof err->msg - 3;
    memcpy(err->msg, prefix, n);
    err->msg[n] = ':';
    err->msg[n + 1] = ' ';
    size_t room = sizeof err->msg - n - 3, olen = strlen(old);
    if (olen > room) olen = room;
    memcpy(err->msg + n + 2, old, olen);
    err->msg[n + 2 + olen] = '\0';
    if (err->code == ZOO_OK) err->code = ZOO_ERR_RUNTIME;
    return err->code;
}

void zoo_error_clear(zoo_error *err) {
    if (err) {
        err->code = ZOO_OK;
        err->msg[0] = '\0';
    }
}

const char *zoo_status_name(int code) {
    switch (code) {
    case ZOO_OK: return "ok";
    case ZOO_ERR_RUNTIME: return "runtime error";
    case ZOO_ERR_INPUT: return "invalid input";
    case ZOO_ERR_NOTFOUND: return "not found";
    case ZOO_ERR_INTEGRITY: return "integrity check failed";
    case ZOO_ERR_NETWORK: return "network error";
    default: return "unknown error";
    }
}
