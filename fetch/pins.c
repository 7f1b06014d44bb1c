/* fetch/pins.c - the cache's pins file (<cache>/pins): trust on first use for
 * sources whose manifest publishes no digest. One line per source,
 *     <sha256 hex> <size in bytes> <url>
 * '#' lines are comments. Changes happen under locks/pins.lock: the file is
 * rewritten to pins.tmp.<pid>, fsynced and renamed, so readers (who take no
 * lock) always see a whole file. A malformed line is ZOO_ERR_INTEGRITY: a
 * damaged trust record must not be silently ignored. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fetch/fetch.h"

typedef struct pin {
    char sha[65];
    long long size;
    char *url;
} pin;

typedef struct pin_set {
    pin *p;
    int n, cap;
} pin_set;

static void set_free(pin_set *s) {
    for (int i = 0; i < s->n; i++) free(s->p[i].url);
    free(s->p);
    memset(s, 0, sizeof *s);
}

static int parse_line(char *line, pin *out) {
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
    char *sp1 = strchr(line, ' ');
    if (!sp1) return -1;
    *sp1 = '\0';
    if (!zoo_sha256_parse(line, out->sha)) return -1;
    char *end;
    errno = 0;
    out->size = strtoll(sp1 + 1, &end, 10);
    if (errno || end == sp1 + 1 || *end != ' ' || out->size < 0 || !end[1]) return -1;
    out->url = end + 1;
    return 0;
}

/* Reads the pins file (absent = empty). */
static int load(const char *path, pin_set *s, zoo_error *err) {
    memset(s, 0, sizeof *s);
    FILE *f = fopen(path, "re");
    if (!f) return errno == ENOENT ? 0 : zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: %s", path, strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    int lineno = 0, rc = 0;
    while (getline(&line, &cap, f) > 0) {
        lineno++;
        if (line[0] == '#' || line[0] == '\n') continue;
        pin p;
        if (parse_line(line, &p)) {
            rc = zoo_error_set(err, ZOO_ERR_INTEGRITY,
                               "%s: line %d is not '<sha256> <size> <url>'", path, lineno);
            break;
        }
        if (s->n == s->cap) {
            int nc = s->cap ? s->cap * 2 : 16;
            pin *np = realloc(s->p, (size_t)nc * sizeof *np);
            if (!np) {
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
                break;
            }
            s->p = np;
            s->cap = nc;
        }
        if (!(p.url = strdup(p.url))) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
            break;
        }
        s->p[s->n++] = p;
    }
    free(line);
    fclose(f);
    if (rc) set_free(s);
    return rc;
}

static int store(const char *path, const pin_set *s, zoo_error *err) {
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "we");
    if (!f) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create: %s", tmp, strerror(errno));
    fprintf(f, "# zoo pins: <sha256> <size> <url>, recorded on first verified download\n");
    for (int i = 0; i < s->n; i++) fprintf(f, "%s %lld %s\n", s->p[i].sha, s->p[i].size, s->p[i].url);
    int bad = fflush(f) != 0 || fsync(fileno(f)) != 0;
    int e = errno;
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        e = errno;
    }
    if (bad || rename(tmp, path) != 0) {
        if (!bad) e = errno;
        unlink(tmp);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot write: %s", path, strerror(e));
    }
    return 0;
}

int zoo_pins_lookup(const char *cache, const char *url, char sha[65], long long *size,
                    zoo_error *err) {
    char path[PATH_MAX];
    int rc = zoo_cache_path(cache, ZOO_CACHE_PINS, NULL, path, sizeof path, err);
    if (rc) return rc;
    pin_set s;
    if ((rc = load(path, &s, err))) return rc;
    rc = ZOO_ERR_NOTFOUND;
    for (int i = 0; i < s.n; i++) {
        if (strcmp(s.p[i].url, url)) continue;
        memcpy(sha, s.p[i].sha, 65);
        if (size) *size = s.p[i].size;
        rc = 0;
        break;
    }
    set_free(&s);
    return rc;
}

int zoo_pins_add(const char *cache, const char *url, const char *sha, long long size,
                 zoo_error *err) {
    char path[PATH_MAX], lock[PATH_MAX];
    int rc, fd = -1;
    if ((rc = zoo_cache_path(cache, ZOO_CACHE_PINS, NULL, path, sizeof path, err)) ||
        (rc = zoo_cache_path(cache, ZOO_CACHE_PINS_LOCK, NULL, lock, sizeof lock, err)))
        return rc;
    if (strchr(url, '\n') || strchr(url, '\r'))
        return zoo_error_set(err, ZOO_ERR_INPUT, "cannot pin a URL with a line break");
    if ((rc = zoo_lock_acquire(lock, NULL, &fd, err))) return rc;
    pin_set s;
    rc = load(path, &s, err);
    int found = 0;
    for (int i = 0; !rc && i < s.n; i++) {
        if (strcmp(s.p[i].url, url)) continue;
        found = 1;
        if (strcmp(s.p[i].sha, sha))
            rc = zoo_error_set(err, ZOO_ERR_INTEGRITY, "%s: already pinned to sha256 %s, not %s", url,
                               s.p[i].sha, sha);
    }
    if (!rc && !found) {
        pin *np = realloc(s.p, (size_t)(s.n + 1) * sizeof *np);
        char *u = strdup(url);
        if (!np || !u) {
            free(u);
            if (np) s.p = np;
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        } else {
            s.p = np;
            s.cap = s.n + 1;
            zoo_sha256_parse(sha, s.p[s.n].sha);
            s.p[s.n].size = size;
            s.p[s.n].url = u;
            s.n++;
            rc = store(path, &s, err);
        }
    }
    set_free(&s);
    zoo_lock_release(fd);
    return rc;
}

int zoo_pins_remove(const char *cache, const char *const *urls, int n, int *removed,
                    zoo_error *err) {
    char path[PATH_MAX], lock[PATH_MAX];
    int rc, fd = -1;
    *removed = 0;
    if ((rc = zoo_cache_path(cache, ZOO_CACHE_PINS, NULL, path, sizeof path, err)) ||
        (rc = zoo_cache_path(cache, ZOO_CACHE_PINS_LOCK, NULL, lock, sizeof lock, err)))
        return rc;
    if ((rc = zoo_lock_acquire(lock, NULL, &fd, err))) return rc;
    pin_set s;
    rc = load(path, &s, err);
    int k = 0;
    for (int i = 0; !rc && i < s.n; i++) {
        int drop = 0;
        for (int j = 0; j < n && !drop; j++) drop = urls[j] && !strcmp(urls[j], s.p[i].url);
        if (drop) {
            free(s.p[i].url);
            (*removed)++;
        } else {
            s.p[k++] = s.p[i];
        }
    }
    if (!rc) {
        s.n = k;
        if (*removed) rc = store(path, &s, err);
    }
    set_free(&s);
    zoo_lock_release(fd);
    return rc;
}
