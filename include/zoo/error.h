/* zoo/error.h - how every zoo function reports failure.
 *
 * Contract: a function that can fail takes a `zoo_error *err` as its last
 * argument and returns an int status (0 = success, otherwise one of the
 * zoo_status codes below) or a pointer (NULL = failure). On failure it fills
 * `err` with the code and a one-line, human-readable message that names the
 * file or object at fault and what is wrong, in the style of curl's messages:
 *     "model.pdparams: truncated pickle at byte 1834 (expected 4096 more bytes)"
 * `err` may be NULL when the caller does not want the message.
 *
 * The numeric codes are also the `zoo` command's exit codes (docs/cli.md).
 */
#ifndef ZOO_ERROR_H
#define ZOO_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum zoo_status {
    ZOO_OK = 0,
    ZOO_ERR_RUNTIME = 1,   /* I/O failure, out of memory, backend failure, internal error */
    ZOO_ERR_INPUT = 2,     /* malformed or unsupported file, bad argument, bad usage */
    ZOO_ERR_NOTFOUND = 3,  /* unknown model, missing weights, missing file */
    ZOO_ERR_INTEGRITY = 4, /* digest mismatch, damaged installation */
    ZOO_ERR_NETWORK = 5    /* download failed */
} zoo_status;

#define ZOO_ERROR_MSG_MAX 1024

typedef struct zoo_error {
    int code;                    /* a zoo_status; ZOO_OK when nothing failed */
    char msg[ZOO_ERROR_MSG_MAX]; /* one line, no trailing newline */
} zoo_error;

/* Sets err (if non-NULL) and returns `code`, so callers can write
 *     return zoo_error_set(err, ZOO_ERR_INPUT, "%s: bad magic", path);      */
int zoo_error_set(zoo_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes an existing message: "<prefix>: <old message>". Returns err->code. */
int zoo_error_prefix(zoo_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void zoo_error_clear(zoo_error *err);

/* Short name of a status ("input", "not found", ...). */
const char *zoo_status_name(int code);

#ifdef __cplusplus
}
#endif
#endif
