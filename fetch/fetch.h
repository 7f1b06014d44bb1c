/* fetch/fetch.h - `zoo fetch` and the model cache (docs/fetch.md): download a
 * model's source weights (libcurl), hash them while they stream in, check them
 * against the manifest's digest or the cache's pin, convert them
 * (zoo_convert) and install the native file with an atomic rename, all under a
 * per-model lock. Internal API of libzoo, used by cli/cmd_fetch.c,
 * cli/cmd_verify.c and cli/cmd_rm.c.
 *
 * Cache layout under the cache root (zoo_cli_cache_dir):
 *     models/<Model>/<Model>.zoo        installed native weights
 *     downloads/<Model>/<file>.part     a download in progress (resumable)
 *     downloads/<Model>/<file>.part.info  where the .part came from (URL, ETag, Last-Modified)
 *     locks/<Model>.lock, locks/pins.lock  flock(2) lock files (never deleted)
 *     pins                               "<sha256> <size> <url>" per line
 *
 * Error codes follow include/zoo/error.h: ZOO_ERR_NETWORK for failed transfers
 * (HTTP errors included), ZOO_ERR_INTEGRITY for digest or size mismatches,
 * ZOO_ERR_RUNTIME for local I/O failures (disk full), ZOO_ERR_NOTFOUND for a
 * missing local file or an unknown model/manifest.
 */
#ifndef ZOO_FETCH_FETCH_H
#define ZOO_FETCH_FETCH_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>

#include "zoo/manifest.h"
#include "zoo/zoo.h"

/* ---- SHA-256 helpers (sha256.c) ------------------------------------------ */

/* 1 if s is 64 hex digits; writes the lower-case form into out (65 bytes). */
int zoo_sha256_parse(const char *s, char out[65]);
/* SHA-256 of a whole file, hex. */
int zoo_sha256_file(const char *path, char hex[65], zoo_error *err);

/* ---- cache layout (cache.c) ----------------------------------------------- */

typedef enum zoo_cache_item {
    ZOO_CACHE_MODEL_DIR,     /* models/<M> */
    ZOO_CACHE_MODEL_FILE,    /* models/<M>/<M>.zoo */
    ZOO_CACHE_DOWNLOAD_DIR,  /* downloads/<M> */
    ZOO_CACHE_MODEL_LOCK,    /* locks/<M>.lock */
    ZOO_CACHE_PINS,          /* pins */
    ZOO_CACHE_PINS_LOCK,     /* locks/pins.lock */
    ZOO_CACHE_MODELS_ROOT,   /* models */
} zoo_cache_item;

/* Refuses names that could leave the cache ("", ".", "..", '/', control chars). */
int zoo_cache_check_name(const char *model, zoo_error *err);
int zoo_cache_path(const char *cache, zoo_cache_item item, const char *model, char *buf,
                   size_t size, zoo_error *err);
int zoo_cache_mkdirs(const char *dir, zoo_error *err); /* mkdir -p */
/* Removes everything in downloads/<M> but *.part and *.part.info (left by a
 * process that died; call with the model lock held). */
void zoo_cache_clean_stale(const char *download_dir);
/* Removes a directory tree (no error if absent). */
void zoo_cache_rmtree(const char *dir);
/* `zoo rm`: under the model lock, removes models/<M> and downloads/<M>.
 * ZOO_ERR_NOTFOUND if neither exists. With unpin, also forgets the pins of
 * the given URLs (n of them). */
int zoo_cache_remove(const char *cache, const char *model, const char *const *unpin_urls,
                     int n_unpin, int *removed_pins, zoo_error *err);
/* Names of installed models (models/<M>/<M>.zoo exists), sorted; free with
 * zoo_cache_free_list. */
int zoo_cache_list(const char *cache, char ***names, int *n, zoo_error *err);
void zoo_cache_free_list(char **names, int n);

/* ---- locks (lock.c) --------------------------------------------------------- */

/* flock(LOCK_EX) on `path` (created if needed, with its directory). If another
 * process holds it, prints "waiting for ..." on `log` (if non-NULL) and blocks.
 * Returns the descriptor in *fd. */
int zoo_lock_acquire(const char *path, FILE *log, int *fd, zoo_error *err);
void zoo_lock_release(int fd);

/* ---- pins (pins.c) ----------------------------------------------------------- */

/* 0 and the pin for url; ZOO_ERR_NOTFOUND if none; ZOO_ERR_INTEGRITY if the
 * pins file is malformed. size may be NULL. */
int zoo_pins_lookup(const char *cache, const char *url, char sha[65], long long *size,
                    zoo_error *err);
/* Records url -> sha (under locks/pins.lock; the file is rewritten and renamed).
 * An existing identical pin is fine; a different one is ZOO_ERR_INTEGRITY. */
int zoo_pins_add(const char *cache, const char *url, const char *sha, long long size,
                 zoo_error *err);
/* Forgets the pins of these URLs; *removed = how many were there. */
int zoo_pins_remove(const char *cache, const char *const *urls, int n, int *removed,
                    zoo_error *err);

/* ---- one transfer (http.c, local.c) ----------------------------------------- */

typedef struct zoo_dl_opts {
    int retries;            /* transient failures retried this many times (default 4) */
    double retry_delay_s;   /* first backoff delay, doubled each time (default 1, max 30) */
    long connect_timeout_s; /* default 30 */
    long speed_time_s;      /* abort an attempt slower than speed_limit for this long (default 30) */
    long speed_limit;       /* bytes per second (default 1000) */
    int max_redirects;      /* default 10 */
    long long expect_size;  /* -1 unknown; a different size is refused early */
    const char *size_from;  /* where expect_size comes from ("manifest", "pin"), for messages */
    FILE *progress;         /* progress bar (a terminal), NULL for none */
    const char *label;      /* name shown in the progress bar */
    FILE *log;              /* retries and restarts are noted here, NULL for none */
} zoo_dl_opts;

typedef struct zoo_dl_result {
    char sha256[65];
    long long size;         /* bytes in the finished file */
    long long resumed_from; /* bytes kept from an earlier .part (0: fresh) */
    long long transferred;  /* bytes received in this call */
    double seconds;         /* wall time of the transfer(s), backoff sleeps included */
    int attempts;
    int restarts;           /* times the server ignored Range and we started over */
} zoo_dl_result;

/* Fills opts with the defaults above. */
void zoo_dl_opts_default(zoo_dl_opts *o);

/* Downloads url (http or https) into part_path, resuming what is already there
 * (Range request, If-Range when a validator was recorded in part_path.info),
 * restarting cleanly when the server answers 200. The SHA-256 is computed while
 * the bytes are written: the existing prefix first, then the stream. Transient
 * failures (timeouts, resets, HTTP 408/429/500/502/503/504) are retried with
 * exponential backoff. On a network failure the .part stays (resumable); on a
 * local write failure or a size mismatch it is removed. */
int zoo_http_download(const char *url, const char *part_path, const zoo_dl_opts *o,
                      zoo_dl_result *res, zoo_error *err);

/* Copies a local file into part_path with the same hashing and progress. */
int zoo_local_copy(const char *src, const char *part_path, const zoo_dl_opts *o,
                   zoo_dl_result *res, zoo_error *err);

/* "12.3 MB" style, decimal units (progress.c). */
void zoo_format_bytes(double b, char *buf, size_t size);

/* Removes part_path and part_path.info. */
void zoo_dl_discard(const char *part_path);

/* ---- mirrors (mirror.c) --------------------------------------------------- */

/* Where `origin_url` lives under `mirror` (a base URL or a local directory laid
 * out like the origin: the same path after the host). *is_local tells which.
 * ZOO_ERR_INPUT if the URL's path cannot be mapped (e.g. a ".." segment). */
int zoo_mirror_map(const char *mirror, const char *origin_url, char *out, size_t size,
                   bool *is_local, zoo_error *err);
/* Copies src into dst (size bytes), truncating; -1 if it had to truncate. */
int zoo_str_copy(char *dst, size_t size, const char *src);
/* 1 if s looks like a URL (scheme://). */
int zoo_is_url(const char *s);
/* The last path segment of a URL or path, without query/fragment. */
void zoo_url_basename(const char *url, char *out, size_t size);

/* ---- fetching a model (install.c) ------------------------------------------ */

typedef struct zoo_fetch_opts {
    const char *cache;                  /* cache root (required) */
    const char *const *manifest_dirs;   /* NULL-terminated (ZOO_MANIFEST_PATH is searched first) */
    const char *mirror;                 /* ZOO_MIRROR, or NULL */
    const char *from;                   /* a file or URL the user already has, or NULL */
    const char *sha256;                 /* digest the source must have (overrides), or NULL */
    const char *kind;                   /* only manifest sources of this kind, or NULL */
    bool require_pinned;                /* refuse sources with no known digest */
    bool force;                         /* fetch again even if installed */
    zoo_dl_opts dl;                     /* transfer options (progress, log, timeouts) */
    FILE *log;                          /* notes (waiting for a lock, fallbacks), NULL for none */
} zoo_fetch_opts;

typedef struct zoo_fetch_result {
    bool already;             /* was installed and intact: nothing done */
    char path[PATH_MAX];      /* the installed native file */
    char url[600];            /* the source used (origin URL, or the --from file) */
    char fetched_from[PATH_MAX]; /* where the bytes came from (mirror, origin or file) */
    char kind[32];
    char sha256[65];          /* the source's digest */
    bool pinned_now;          /* this fetch recorded a new pin */
    char checked_with[16];    /* the digest was compared with: "manifest", "pin", "--sha256"; "" none */
    zoo_dl_result dl;
} zoo_fetch_result;

int zoo_fetch_model(zoo_ctx *ctx, const char *model, const zoo_fetch_opts *o,
                    zoo_fetch_result *res, zoo_error *err);

/* ---- checking what is installed (verify.c) ------------------------------------ */

typedef struct zoo_verify_result {
    char path[PATH_MAX];
    char digest[65];          /* the native file's zoo.digest (recomputed and equal) */
    char source_url[600];
    char source_sha256[65];
    int source_check;         /* 0: no known digest, 1: equals the pin, 2: equals the manifest */
} zoo_verify_result;

/* Re-hashes models/<M>/<M>.zoo (zoo_weights_verify), checks it is M's, and
 * compares its recorded source digest with the pin / manifest digest of its
 * source URL. 0 intact; ZOO_ERR_INTEGRITY with the damage; ZOO_ERR_NOTFOUND if
 * not installed. */
int zoo_fetch_verify(const char *cache, const char *model, const char *const *manifest_dirs,
                     zoo_verify_result *r, zoo_error *err);

#endif
