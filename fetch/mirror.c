/* fetch/mirror.c - URL helpers of the fetcher: is it a URL, the safe file
 * name of a URL's last segment, and ZOO_MIRROR mapping.
 *
 * A mirror is laid out like the origin: the origin URL's path (everything
 * after the host, query and fragment dropped) is appended to the mirror, which
 * is either a base URL (http/https) or a local directory (a plain path or a
 * file:// URL; the path is percent-decoded for it). Paths with "." or ".."
 * segments or encoded NULs are refused, so a mapped path never leaves the
 * mirror directory. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "fetch/fetch.h"

int zoo_str_copy(char *dst, size_t size, const char *src) {
    if (!size) return -1;
    size_t n = strlen(src);
    int trunc = n >= size;
    if (trunc) n = size - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
    return trunc ? -1 : 0;
}

int zoo_is_url(const char *s) {
    const char *p = strstr(s, "://");
    if (!p || p == s) return 0;
    for (const char *c = s; c < p; c++)
        if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.') return 0;
    return 1;
}

/* The path part of a URL (starting with '/'), without query and fragment;
 * length in *n. NULL if there is none. */
static const char *url_path(const char *url, size_t *n) {
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    p = strchr(p, '/');
    if (!p) return NULL;
    *n = strcspn(p, "?#");
    return p;
}

void zoo_url_basename(const char *url, char *out, size_t size) {
    const char *p = url;
    size_t n = strlen(url);
    if (zoo_is_url(url)) {
        p = url_path(url, &n);
        if (!p) {
            p = "";
            n = 0;
        }
    }
    size_t end = n;
    while (end > 0 && p[end - 1] == '/') end--;
    size_t start = end;
    while (start > 0 && p[start - 1] != '/') start--;
    size_t o = 0;
    for (size_t i = start; i < end && o + 1 < size; i++) {
        unsigned char c = (unsigned char)p[i];
        out[o++] = (char)(isalnum(c) || c == '.' || c == '-' || c == '_' ? c : '_');
    }
    out[o] = '\0';
    if (!o || !strcmp(out, ".") || !strcmp(out, "..")) snprintf(out, size, "download");
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int zoo_mirror_map(const char *mirror, const char *origin_url, char *out, size_t size,
                   bool *is_local, zoo_error *err) {
    size_t n = 0;
    const char *path = zoo_is_url(origin_url) ? url_path(origin_url, &n) : NULL;
    if (!path || n <= 1)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: no file path to look up in the mirror",
                             origin_url);
    /* segment check on the decoded path */
    char dec[PATH_MAX];
    size_t d = 0;
    for (size_t i = 0; i < n; i++) {
        char c = path[i];
        if (c == '%' && i + 2 < n && hexval(path[i + 1]) >= 0 && hexval(path[i + 2]) >= 0) {
            c = (char)(hexval(path[i + 1]) * 16 + hexval(path[i + 2]));
            i += 2;
            if (c == '\0')
                return zoo_error_set(err, ZOO_ERR_INPUT, "%s: encoded NUL in the path", origin_url);
        }
        if (d + 1 >= sizeof dec)
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: path too long", origin_url);
        dec[d++] = c;
    }
    dec[d] = '\0';
    for (const char *seg = dec; *seg;) {
        while (*seg == '/') seg++;
        size_t l = strcspn(seg, "/");
        if ((l == 1 && seg[0] == '.') || (l == 2 && seg[0] == '.' && seg[1] == '.'))
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: a '.' or '..' path segment", origin_url);
        seg += l;
    }
    const char *base = mirror;
    bool local = true;
    if (!strncmp(base, "file://", 7)) {
        base += 7;
        if (!strncmp(base, "localhost/", 10)) base += 9;
    } else if (zoo_is_url(base)) {
        local = false;
    }
    size_t bl = strlen(base);
    while (bl > 1 && base[bl - 1] == '/') bl--;
    int w = local ? snprintf(out, size, "%.*s%s", (int)bl, base, dec)
                  : snprintf(out, size, "%.*s%.*s", (int)bl, base, (int)n, path);
    if (w < 0 || (size_t)w >= size)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: mirror path too long", mirror);
    *is_local = local;
    return 0;
}
