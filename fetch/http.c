/* fetch/http.c - zoo_http_download(): one URL into a resumable .part file with
 * libcurl (fetch.h).
 *
 * - http and https only (redirects too, at most max_redirects of them); HTTPS
 *   peers are verified against the system CAs; proxies come from the usual
 *   environment variables (libcurl reads them); no content decoding is asked
 *   for, so the bytes hashed are the bytes of the file.
 * - Resume: the bytes already in the .part are hashed first, then a
 *   "Range: bytes=N-" request continues them, with If-Range carrying the ETag
 *   (strong ones only) or Last-Modified recorded in <part>.info when the .part
 *   was started. A 206 must start exactly at N; a 200 means the server ignored
 *   the range (or the file changed): the .part is emptied and the hash
 *   restarted. A 416 with "bytes star/N" where N is what we hold means done.
 *   A .part whose .info names another URL is discarded.
 * - Retries: timeouts (connect, low speed), resets, truncated transfers and
 *   HTTP 408/429/500/502/503/504 are retried after 1, 2, 4 ... s (Retry-After
 *   honoured up to 60 s), each retry resuming where the last one stopped.
 *   Anything else (404, TLS verification, refused connection, too many
 *   redirects) fails at once: "<url>: HTTP 404 Not Found".
 * - Size: a response whose total differs from the expected size, or a body
 *   that grows past it, is refused (ZOO_ERR_INTEGRITY) and the .part removed;
 *   so is a local write failure (ZOO_ERR_RUNTIME: disk full, file size limit).
 *   A network failure keeps the .part for the next attempt.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "fetch/fetch_impl.h"

#define HARD_CAP (64LL << 30) /* no model file is larger; refuse endless bodies */
#define MAX_RESTARTS 3

void zoo_dl_opts_default(zoo_dl_opts *o) {
    memset(o, 0, sizeof *o);
    o->retries = 4;
    o->retry_delay_s = 1.0;
    o->connect_timeout_s = 30;
    o->speed_time_s = 30;
    o->speed_limit = 1000;
    o->max_redirects = 10;
    o->expect_size = -1;
}

/* ---- <part>.info: where the partial bytes came from ------------------------ */

typedef struct part_info {
    char url[2048];
    char etag[256];
    char lm[128];
} part_info;

static void info_path_of(const char *part, char *buf, size_t size) {
    snprintf(buf, size, "%s.info", part);
}

void zoo_dl_discard(const char *part_path) {
    char ip[PATH_MAX + 8];
    info_path_of(part_path, ip, sizeof ip);
    unlink(part_path);
    unlink(ip);
}

/* snprintf that may truncate (messages): vsnprintf is not checked for truncation. */
static void msgf(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void msgf(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

static void chomp(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
}

static int read_info(const char *path, part_info *pi) {
    memset(pi, 0, sizeof *pi);
    FILE *f = fopen(path, "re");
    if (!f) return -1;
    char line[2300];
    int ok = 0;
    if (fgets(line, sizeof line, f) && !strcmp(line, "zoo-part 1\n")) ok = 1;
    while (ok && fgets(line, sizeof line, f)) {
        chomp(line);
        if (!strncmp(line, "url ", 4)) zoo_str_copy(pi->url, sizeof pi->url, line + 4);
        else if (!strncmp(line, "etag ", 5)) zoo_str_copy(pi->etag, sizeof pi->etag, line + 5);
        else if (!strncmp(line, "last-modified ", 14)) zoo_str_copy(pi->lm, sizeof pi->lm, line + 14);
    }
    fclose(f);
    return ok && pi->url[0] ? 0 : -1;
}

static void write_info(const char *path, const char *url, const char *etag, const char *lm) {
    FILE *f = fopen(path, "we");
    if (!f) return;
    fprintf(f, "zoo-part 1\nurl %s\n", url);
    if (etag[0]) fprintf(f, "etag %s\n", etag);
    if (lm[0]) fprintf(f, "last-modified %s\n", lm);
    if (fclose(f) != 0) unlink(path); /* an .info we could not write: the .part will not resume */
}

/* ---- one transfer --------------------------------------------------------------- */

enum { AB_NONE, AB_HTTP, AB_WRITE, AB_SIZE, AB_RANGE };

typedef struct xfer {
    CURL *h;
    zoo_sink *s;
    zoo_progress *prog;
    const zoo_dl_opts *o;
    const char *url, *info_path;
    FILE *log;
    int status;
    char reason[96];
    char etag[256], lm[128];
    int cr_seen;
    long long cr_start, cr_total; /* cr_total -1: "*" */
    long long total;              /* size the server announces for the whole file, -1 unknown */
    int began, abort, restarts;
    long long bad_total;
} xfer;

static void copy_value(char *dst, size_t size, const char *v) {
    while (*v == ' ' || *v == '\t') v++;
    zoo_str_copy(dst, size, v);
    chomp(dst);
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud) {
    xfer *x = ud;
    size_t len = size * n;
    char line[1024];
    size_t k = len < sizeof line - 1 ? len : sizeof line - 1;
    memcpy(line, buf, k);
    line[k] = '\0';
    chomp(line);
    if (!strncmp(line, "HTTP/", 5)) { /* a new response (redirects, 100-continue) */
        const char *sp = strchr(line, ' ');
        x->status = sp ? atoi(sp + 1) : 0;
        x->reason[0] = '\0';
        if (sp && (sp = strchr(sp + 1, ' '))) copy_value(x->reason, sizeof x->reason, sp + 1);
        x->etag[0] = x->lm[0] = '\0';
        x->cr_seen = 0;
    } else if (!strncasecmp(line, "etag:", 5)) {
        copy_value(x->etag, sizeof x->etag, line + 5);
    } else if (!strncasecmp(line, "last-modified:", 14)) {
        copy_value(x->lm, sizeof x->lm, line + 14);
    } else if (!strncasecmp(line, "content-range:", 14)) {
        const char *v = line + 14;
        while (*v == ' ') v++;
        if (!strncasecmp(v, "bytes ", 6)) {
            v += 6;
            long long a = -1, b = -1, t = -1;
            if (*v == '*') {
                if (sscanf(v, "*/%lld", &t) == 1) {
                    x->cr_seen = 1;
                    x->cr_start = -1;
                    x->cr_total = t;
                }
            } else if (sscanf(v, "%lld-%lld/%lld", &a, &b, &t) >= 2) {
                x->cr_seen = 1;
                x->cr_start = a;
                x->cr_total = strstr(v, "/*") ? -1 : t;
            }
        }
    }
    return len;
}

/* The first body bytes (or an empty 2xx body) arrived: decide what they are. */
static int begin_body(xfer *x) {
    x->total = -1;
    if (x->status == 200) {
        if (x->s->bytes > 0) { /* Range ignored, or If-Range saw a changed file */
            if (x->log)
                fprintf(x->log, "zoo: %s: the server sent the whole file instead of the rest; "
                                "starting over\n", x->url);
            zoo_progress_end(x->prog);
            if (zoo_sink_reset(x->s, NULL)) {
                x->s->werrno = errno;
                x->abort = AB_WRITE;
                return -1;
            }
            x->restarts++;
        }
        curl_off_t cl = -1;
        if (curl_easy_getinfo(x->h, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl) == CURLE_OK && cl >= 0)
            x->total = (long long)cl;
    } else if (x->status == 206) {
        if (!x->cr_seen || x->cr_start != x->s->bytes) {
            x->abort = AB_RANGE;
            return -1;
        }
        x->total = x->cr_total;
    } else {
        x->abort = AB_HTTP;
        return -1;
    }
    if (x->o->expect_size >= 0 && x->total >= 0 && x->total != x->o->expect_size) {
        x->bad_total = x->total;
        x->abort = AB_SIZE;
        return -1;
    }
    write_info(x->info_path, x->url, strncmp(x->etag, "W/", 2) ? x->etag : "", x->lm);
    x->began = 1;
    return 0;
}

static size_t on_write(char *buf, size_t size, size_t n, void *ud) {
    xfer *x = ud;
    size_t len = size * n;
    if (!x->began && begin_body(x)) return 0;
    long long cap = x->o->expect_size >= 0 ? x->o->expect_size : x->total >= 0 ? x->total : HARD_CAP;
    if (x->s->bytes + (long long)len > cap) {
        x->bad_total = x->s->bytes + (long long)len;
        x->abort = AB_SIZE;
        return 0;
    }
    if (zoo_sink_write(x->s, buf, len)) {
        x->abort = AB_WRITE;
        return 0;
    }
    return len;
}

static int on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow) {
    (void)dltotal;
    (void)dlnow;
    (void)ultotal;
    (void)ulnow;
    xfer *x = ud;
    if (x->began) {
        long long total = x->o->expect_size >= 0 ? x->o->expect_size : x->total;
        zoo_progress_update(x->prog, x->s->bytes, total, 0);
    }
    return 0;
}

static const char *reason_of(int status, const char *given) {
    if (given && *given) return given;
    switch (status) {
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 416: return "Range Not Satisfiable";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "";
    }
}

static int transient_http(int s) {
    return s == 408 || s == 429 || s == 500 || s == 502 || s == 503 || s == 504;
}

static int transient_curl(CURLcode c) {
    switch (c) {
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
        return 1;
    default:
        return 0;
    }
}

static void sleep_s(double s) {
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

enum { OUT_DONE, OUT_RETRY, OUT_AGAIN, OUT_FAIL };

/* Effective URL note: " (redirected to ...)" when it differs. */
static void redirect_note(CURL *h, const char *url, char *buf, size_t size) {
    char *eff = NULL;
    buf[0] = '\0';
    if (curl_easy_getinfo(h, CURLINFO_EFFECTIVE_URL, &eff) == CURLE_OK && eff && strcmp(eff, url))
        msgf(buf, size, " (redirected to %s)", eff);
}

int zoo_http_download(const char *url, const char *part_path, const zoo_dl_opts *opts,
                      zoo_dl_result *res, zoo_error *err) {
    zoo_dl_opts o;
    if (opts) o = *opts;
    else zoo_dl_opts_default(&o);
    memset(res, 0, sizeof *res);
    char info_path[PATH_MAX + 8];
    info_path_of(part_path, info_path, sizeof info_path);

    part_info pi;
    int have_info = read_info(info_path, &pi) == 0 && !strcmp(pi.url, url);
    if (!have_info) unlink(info_path);
    zoo_sink s;
    int rc = zoo_sink_open(&s, part_path, !have_info, err); /* hashes the kept prefix */
    if (rc) return rc;
    if (o.expect_size >= 0 && s.bytes > o.expect_size && (rc = zoo_sink_reset(&s, err))) {
        zoo_sink_close(&s);
        zoo_dl_discard(part_path);
        return rc;
    }
    res->resumed_from = s.bytes;
    long long start_bytes = s.bytes;
    double t0 = zoo_now();

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        zoo_sink_close(&s);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: libcurl initialisation failed", url);
    }
    CURL *h = curl_easy_init();
    char errbuf[CURL_ERROR_SIZE];
    zoo_progress prog;
    char label[256];
    zoo_url_basename(url, label, sizeof label);
    zoo_progress_init(&prog, o.progress, o.label ? o.label : label);
    xfer x;
    memset(&x, 0, sizeof x);
    x.h = h;
    x.s = &s;
    x.prog = &prog;
    x.o = &o;
    x.url = url;
    x.info_path = info_path;
    x.log = o.log;
    char ua[64];
    snprintf(ua, sizeof ua, "zoo/%s", zoo_version());
    if (!h) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: libcurl initialisation failed", url);
    else {
        curl_easy_setopt(h, CURLOPT_URL, url);
        curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)o.max_redirects);
        curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, o.connect_timeout_s);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, o.speed_limit);
        curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, o.speed_time_s);
        curl_easy_setopt(h, CURLOPT_USERAGENT, ua);
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L * 1024);
        curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h, CURLOPT_HEADERDATA, &x);
        curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_write);
        curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, &x);
    }
    int failures = 0, restarts = 0, outcome = h ? OUT_AGAIN : OUT_FAIL;
    char fail_msg[ZOO_ERROR_MSG_MAX] = "";
    while (!rc && outcome != OUT_DONE && outcome != OUT_FAIL) {
        res->attempts++;
        if (o.expect_size > 0 && s.bytes == o.expect_size) { /* all there already */
            outcome = OUT_DONE;
            break;
        }
        x.began = x.abort = 0;
        x.status = 0;
        x.cr_seen = 0;
        x.total = -1;
        errbuf[0] = '\0';
        char range[48];
        struct curl_slist *hdrs = NULL;
        if (s.bytes > 0) {
            snprintf(range, sizeof range, "%lld-", s.bytes);
            curl_easy_setopt(h, CURLOPT_RANGE, range);
            if (read_info(info_path, &pi) == 0 && !strcmp(pi.url, url) && (pi.etag[0] || pi.lm[0])) {
                char ir[300];
                snprintf(ir, sizeof ir, "If-Range: %s", pi.etag[0] ? pi.etag : pi.lm);
                hdrs = curl_slist_append(NULL, ir);
            }
        } else {
            curl_easy_setopt(h, CURLOPT_RANGE, NULL);
        }
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
        CURLcode cc = curl_easy_perform(h);
        curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(hdrs);
        long code = 0;
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
        if (code) x.status = (int)code;
        zoo_progress_end(&prog);
        restarts += x.restarts;
        x.restarts = 0;

        if (cc == CURLE_OK && !x.began && !x.abort) {
            if (x.status == 416 && s.bytes > 0) {
                if (x.cr_seen && x.cr_total == s.bytes) { /* we had it all */
                    outcome = OUT_DONE;
                    continue;
                }
                if ((rc = zoo_sink_reset(&s, err))) break;
                restarts++;
                outcome = OUT_AGAIN;
                if (restarts > MAX_RESTARTS) {
                    msgf(fail_msg, sizeof fail_msg, "%s: the server keeps refusing the range "
                             "requests", url);
                    outcome = OUT_FAIL;
                }
                continue;
            }
            if (x.status == 200 || x.status == 206) begin_body(&x); /* empty body */
            else x.abort = AB_HTTP;
        }
        char redir[PATH_MAX + 32];
        redirect_note(h, url, redir, sizeof redir);
        double wait = 0;
        if (x.abort == AB_HTTP || (cc == CURLE_OK && x.abort == AB_NONE && x.status >= 400)) {
            msgf(fail_msg, sizeof fail_msg, "%s: HTTP %d %s%s", url, x.status,
                     reason_of(x.status, x.reason), redir);
            chomp(fail_msg);
            outcome = transient_http(x.status) ? OUT_RETRY : OUT_FAIL;
            curl_off_t ra = 0;
            if (outcome == OUT_RETRY && curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK)
                wait = ra > 60 ? 60 : (double)ra;
        } else if (x.abort == AB_WRITE) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed: %s", part_path,
                               strerror(s.werrno ? s.werrno : EIO));
        } else if (x.abort == AB_SIZE) {
            rc = zoo_error_set(err, ZOO_ERR_INTEGRITY,
                               "%s: the server sends %lld bytes, expected %lld%s%s%s%s; nothing "
                               "installed", url, x.bad_total,
                               o.expect_size >= 0 ? o.expect_size : x.total,
                               o.expect_size >= 0 && o.size_from ? " (" : "",
                               o.expect_size >= 0 && o.size_from ? o.size_from : "",
                               o.expect_size >= 0 && o.size_from ? ")" : "", redir);
        } else if (x.abort == AB_RANGE) {
            if (o.log)
                fprintf(o.log, "zoo: %s: the server answered the range request with another "
                               "range; starting over\n", url);
            if ((rc = zoo_sink_reset(&s, err))) break;
            outcome = ++restarts > MAX_RESTARTS ? OUT_FAIL : OUT_AGAIN;
            msgf(fail_msg, sizeof fail_msg, "%s: the server keeps answering with wrong ranges",
                     url);
        } else if (cc != CURLE_OK) {
            msgf(fail_msg, sizeof fail_msg, "%s: %s%s", url,
                     errbuf[0] ? errbuf : curl_easy_strerror(cc), redir);
            chomp(fail_msg);
            outcome = transient_curl(cc) ? OUT_RETRY : OUT_FAIL;
        } else if (x.total >= 0 && s.bytes != x.total) { /* closed early without an error */
            msgf(fail_msg, sizeof fail_msg, "%s: transfer closed with %lld bytes missing", url,
                     x.total - s.bytes);
            outcome = OUT_RETRY;
        } else {
            outcome = OUT_DONE;
        }
        if (rc) break;
        if (outcome == OUT_RETRY) {
            if (failures >= o.retries) {
                size_t l = strlen(fail_msg);
                if (o.retries > 0)
                    msgf(fail_msg + l, sizeof fail_msg - l, " (gave up after %d attempts)",
                             failures + 1);
                outcome = OUT_FAIL;
                break;
            }
            double d = o.retry_delay_s;
            for (int i = 0; i < failures && d < 30; i++) d *= 2;
            if (d > 30) d = 30;
            if (wait > d) d = wait;
            failures++;
            if (o.log)
                fprintf(o.log, "zoo: %s; retrying in %.3g s (%d of %d)\n", fail_msg, d, failures,
                        o.retries);
            sleep_s(d);
        }
    }
    res->restarts = restarts;
    res->seconds = zoo_now() - t0;
    res->transferred = s.bytes - (restarts ? 0 : start_bytes);
    if (res->transferred < 0) res->transferred = 0;
    res->size = s.bytes;
    if (h) curl_easy_cleanup(h);
    curl_global_cleanup();

    if (!rc && outcome == OUT_FAIL) {
        rc = zoo_error_set(err, ZOO_ERR_NETWORK, "%s", fail_msg);
        long long kept = s.bytes;
        zoo_sink_close(&s);
        if (kept == 0) zoo_dl_discard(part_path); /* nothing worth resuming */
        return rc;
    }
    if (rc) { /* local write failure or wrong size: nothing is kept */
        zoo_sink_close(&s);
        zoo_dl_discard(part_path);
        return rc;
    }
    rc = zoo_sink_finish(&s, res->sha256, err);
    if (rc) zoo_dl_discard(part_path);
    return rc;
}
