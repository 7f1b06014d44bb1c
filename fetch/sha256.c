/* fetch/sha256.c - SHA-256 for the fetcher: hex parsing, whole-file digests,
 * and the hashing sink that appends to a .part file (fetch_impl.h). The sink
 * hashes exactly the bytes it has written, so the digest of a download is
 * computed while it streams in, never in a second pass; reopening a .part
 * hashes its existing prefix first. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fetch/fetch_impl.h"

#define SHA_BUF (1u << 20)

static void to_hex(const unsigned char *md, char hex[65]) {
    static const char H[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = H[md[i] >> 4];
        hex[2 * i + 1] = H[md[i] & 15];
    }
    hex[64] = '\0';
}

int zoo_sha256_parse(const char *s, char out[65]) {
    if (!s || strlen(s) != 64) return 0;
    for (int i = 0; i < 64; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'F') c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return 0;
        out[i] = c;
    }
    out[64] = '\0';
    return 1;
}

double zoo_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Feeds the rest of fd into md. */
static int hash_rest(EVP_MD_CTX *md, int fd, const char *path, long long *count, zoo_error *err) {
    unsigned char *buf = malloc(SHA_BUF);
    if (!buf) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    int rc = 0;
    for (;;) {
        ssize_t r = read(fd, buf, SHA_BUF);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: read error: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        if (EVP_DigestUpdate(md, buf, (size_t)r) != 1) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", path);
            break;
        }
        if (count) *count += r;
    }
    free(buf);
    return rc;
}

static int md_final(EVP_MD_CTX *md, char hex[65], const char *path, zoo_error *err) {
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_DigestFinal_ex(md, d, &n) != 1 || n != 32)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 failed", path);
    to_hex(d, hex);
    return 0;
}

int zoo_sha256_file(const char *path, char hex[65], zoo_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s",
                             path, strerror(errno));
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int rc = 0;
    if (!md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 setup failed", path);
    if (!rc) rc = hash_rest(md, fd, path, NULL, err);
    if (!rc) rc = md_final(md, hex, path, err);
    EVP_MD_CTX_free(md);
    close(fd);
    return rc;
}

/* ---- the sink ---------------------------------------------------------------- */

int zoo_sink_open(zoo_sink *s, const char *path, int truncate, zoo_error *err) {
    memset(s, 0, sizeof *s);
    s->fd = -1;
    s->path = path;
    s->md = EVP_MD_CTX_new();
    if (!s->md || EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1) {
        zoo_sink_close(s);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 setup failed", path);
    }
    s->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : 0), 0644);
    if (s->fd < 0) {
        int e = errno;
        zoo_sink_close(s);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(e));
    }
    int rc = hash_rest(s->md, s->fd, path, &s->bytes, err); /* the prefix, then we append */
    if (rc) zoo_sink_close(s);
    return rc;
}

int zoo_sink_write(zoo_sink *s, const void *buf, size_t n) {
    const unsigned char *p = buf;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(s->fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            s->werrno = w < 0 ? errno : ENOSPC;
            return -1;
        }
        /* hash what reached the file, so file and digest never disagree */
        if (EVP_DigestUpdate(s->md, p, (size_t)w) != 1) {
            s->werrno = EIO;
            return -1;
        }
        s->bytes += w;
        p += w;
        left -= (size_t)w;
    }
    return 0;
}

int zoo_sink_reset(zoo_sink *s, zoo_error *err) {
    if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot truncate: %s", s->path,
                             strerror(errno));
    if (EVP_DigestInit_ex(s->md, EVP_sha256(), NULL) != 1)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: SHA-256 setup failed", s->path);
    s->bytes = 0;
    return 0;
}

int zoo_sink_finish(zoo_sink *s, char hex[65], zoo_error *err) {
    /* no fsync: the digest is of the bytes as they were written, the .part is
     * read back at once and deleted; the installed file is fsynced by its writer */
    int rc = md_final(s->md, hex, s->path, err);
    if (close(s->fd) != 0 && !rc)
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: close failed: %s", s->path, strerror(errno));
    s->fd = -1;
    zoo_sink_close(s);
    return rc;
}

void zoo_sink_close(zoo_sink *s) {
    if (s->fd >= 0) close(s->fd);
    s->fd = -1;
    EVP_MD_CTX_free(s->md);
    s->md = NULL;
}
