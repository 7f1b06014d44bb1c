/* fetch/fetch_impl.h - pieces shared by the transfer code (http.c, local.c):
 * the sink that appends bytes to a .part file while hashing exactly the bytes
 * written, and the terminal progress bar. */
#ifndef ZOO_FETCH_IMPL_H
#define ZOO_FETCH_IMPL_H

#include <stdio.h>

#include <openssl/evp.h>

#include "fetch/fetch.h"

typedef struct zoo_sink {
    int fd;
    const char *path;
    EVP_MD_CTX *md;
    long long bytes; /* bytes in the file, all of them hashed */
    int werrno;      /* errno of a failed write, 0 if none */
} zoo_sink;

/* Opens path (created if absent) and hashes what is already in it, leaving the
 * sink positioned at its end. With truncate, starts empty. */
int zoo_sink_open(zoo_sink *s, const char *path, int truncate, zoo_error *err);
/* Writes all of buf and hashes it; -1 on failure (s->werrno set). */
int zoo_sink_write(zoo_sink *s, const void *buf, size_t n);
/* Empties the file and restarts the hash. */
int zoo_sink_reset(zoo_sink *s, zoo_error *err);
/* Closes and writes the final hex digest (sink closed either way). */
int zoo_sink_finish(zoo_sink *s, char hex[65], zoo_error *err);
void zoo_sink_close(zoo_sink *s);

/* Monotonic seconds. */
double zoo_now(void);

typedef struct zoo_progress {
    FILE *out;          /* NULL: draw nothing */
    char label[40];
    double t0, last_draw, rate_t;
    long long rate_bytes;
    double rate;        /* bytes/s, smoothed */
    int drawn;
} zoo_progress;

void zoo_progress_init(zoo_progress *p, FILE *out, const char *label);
/* now: bytes in the file; total: expected size or -1. Redraws at most 10 times a second
 * unless force. */
void zoo_progress_update(zoo_progress *p, long long now, long long total, int force);
/* Clears the bar's line. */
void zoo_progress_end(zoo_progress *p);

#endif
