/* weights/reader.c - opening safetensors files, native zoo files included.
 *
 * zoo_weights_open() maps the file read-only and validates all of it before
 * returning: the header length (<= 100,000,000 and inside the file), the JSON
 * (an object, no duplicate keys, UTF-8, only spaces after it), every tensor
 * entry (known dtype, non-negative dims whose product does not overflow,
 * data_offsets spanning exactly dtype size * numel bytes) and the data buffer
 * (covered exactly by the tensors: no hole, no overlap, nothing after the
 * last one), and "__metadata__" (string -> string only).
 * A file with any "zoo." metadata key is a native file and must also carry
 * zoo.format = "zoo-weights", a supported zoo.format_version and a well-formed
 * zoo.digest; its buffer and every tensor start at multiples of 64, its
 * "__zoo_pad.<k>" tensors are small zero-filled U8 vectors, and its digest is
 * recomputed (digest.c) unless ZOO_WEIGHTS_NO_VERIFY.
 * Failures: ZOO_ERR_NOTFOUND (no file), ZOO_ERR_RUNTIME (I/O, memory),
 * ZOO_ERR_INPUT (malformed), ZOO_ERR_INTEGRITY (digest mismatch), each with a
 * message starting with the path. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "weights/weights_impl.h"

typedef struct ent {
    char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    int64_t numel;
    uint64_t begin, end;
    int pad; /* a padding tensor of a native file */
} ent;

typedef struct meta_kv {
    char *key, *value;
} meta_kv;

struct zoo_weights {
    char *path;
    int native;
    void *map;
    size_t map_len;
    const unsigned char *buf; /* data buffer */
    uint64_t buf_len;
    ent *ents; /* all tensors, sorted by (begin, end, name) */
    int n_ents;
    int *vis; /* indices of non-padding tensors, in offset order */
    int n_vis;
    int *by_name; /* vis[] entries sorted by name */
    meta_kv *meta; /* sorted by key */
    int n_meta;
};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

void zoo_weights_close(zoo_weights *w) {
    if (!w) return;
    if (w->map) munmap(w->map, w->map_len);
    for (int i = 0; i < w->n_ents; i++) free(w->ents[i].name);
    free(w->ents);
    for (int i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->meta);
    free(w->vis);
    free(w->by_name);
    free(w->path);
    free(w);
}

/* ---- header parsing ------------------------------------------------------ */

static int nomem(zoo_error *err, const char *path) {
    return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
}

static int cmp_meta(const void *a, const void *b) {
    return strcmp(((const meta_kv *)a)->key, ((const meta_kv *)b)->key);
}

static int parse_meta(zoo_weights *w, json_t *md, zoo_error *err) {
    if (!json_is_object(md))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"__metadata__\" is not a JSON object",
                             w->path);
    size_t n = json_object_size(md);
    w->meta = calloc(n ? n : 1, sizeof *w->meta);
    if (!w->meta) return nomem(err, w->path);
    const char *key;
    json_t *v;
    json_object_foreach(md, key, v) {
        if (!json_is_string(v))
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: metadata \"%s\" is not a string (safetensors metadata "
                                 "maps strings to strings)",
                                 w->path, key);
        if (strlen(json_string_value(v)) != json_string_length(v))
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: metadata \"%s\" contains a NUL byte",
                                 w->path, key);
        meta_kv *m = &w->meta[w->n_meta];
        m->key = dupstr(key);
        m->value = dupstr(json_string_value(v));
        w->n_meta++;
        if (!m->key || !m->value) return nomem(err, w->path);
    }
    qsort(w->meta, (size_t)w->n_meta, sizeof *w->meta, cmp_meta);
    return 0;
}

/* a JSON integer in [0, INT64_MAX] */
static int get_u63(json_t *j, int64_t *out) {
    if (!json_is_integer(j)) return -1;
    json_int_t v = json_integer_value(j);
    if (v < 0) return -1;
    *out = (int64_t)v;
    return 0;
}

static int parse_tensor(zoo_weights *w, const char *name, json_t *t, ent *e, zoo_error *err) {
    const char *p = w->path;
    if (!json_is_object(t))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": entry is not a JSON object",
                             p, name);
    json_t *jd = json_object_get(t, "dtype"), *js = json_object_get(t, "shape"),
           *jo = json_object_get(t, "data_offsets");
    if (!jd || !js || !jo)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": missing \"%s\"", p, name,
                             !jd ? "dtype" : !js ? "shape" : "data_offsets");
    if (w->native && json_object_size(t) != 3) {
        const char *k;
        json_t *v;
        json_object_foreach(t, k, v) {
            if (strcmp(k, "dtype") && strcmp(k, "shape") && strcmp(k, "data_offsets"))
                return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": unknown field \"%s\"",
                                     p, name, k);
        }
    }
    if (!json_is_string(jd))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": dtype is not a string", p,
                             name);
    if (zoo_dtype_from_name(json_string_value(jd), &e->dtype))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": unsupported dtype \"%.32s\"",
                             p, name, json_string_value(jd));
    if (!json_is_array(js))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": shape is not an array", p,
                             name);
    size_t nd = json_array_size(js);
    if (nd > ZOO_MAX_DIMS)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor \"%s\": %zu dimensions (at most %d supported)", p, name,
                             nd, ZOO_MAX_DIMS);
    e->ndim = (int)nd;
    int64_t numel = 1;
    for (size_t i = 0; i < nd; i++) {
        int64_t d;
        if (get_u63(json_array_get(js, i), &d))
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensor \"%s\": shape[%zu] is not a non-negative integer", p,
                                 name, i);
        e->dims[i] = d;
        if (d != 0 && numel > INT64_MAX / d)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensor \"%s\": shape overflows 64-bit element count", p,
                                 name);
        numel *= d;
    }
    e->numel = numel;
    int64_t esz = (int64_t)zoo_dtype_size(e->dtype);
    if (numel > INT64_MAX / esz)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor \"%s\": byte size overflows 64 bits", p, name);
    int64_t b, en;
    if (!json_is_array(jo) || json_array_size(jo) != 2 || get_u63(json_array_get(jo, 0), &b) ||
        get_u63(json_array_get(jo, 1), &en))
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor \"%s\": data_offsets is not [begin, end] of "
                             "non-negative integers",
                             p, name);
    if (en < b)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64
                             "] end before begin",
                             p, name, b, en);
    if (en - b != numel * esz)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: tensor \"%s\": data_offsets [%" PRId64 ", %" PRId64
                             "] span %" PRId64 " bytes but %s with %" PRId64
                             " elements needs %" PRId64,
                             p, name, b, en, en - b, zoo_dtype_name(e->dtype), numel,
                             numel * esz);
    e->begin = (uint64_t)b;
    e->end = (uint64_t)en;
    e->name = dupstr(name);
    if (!e->name) return nomem(err, p);
    return 0;
}

static int cmp_ent(const void *a, const void *b) {
    const ent *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* the buffer is covered exactly: sorted tensors abut, the last ends at buf_len */
static int check_coverage(zoo_weights *w, zoo_error *err) {
    uint64_t at = 0;
    const char *prev = NULL;
    for (int i = 0; i < w->n_ents; i++) {
        const ent *e = &w->ents[i];
        if (e->end > w->buf_len)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensor \"%s\" ends at byte %" PRIu64
                                 " of a %" PRIu64 "-byte data buffer (file truncated?)",
                                 w->path, e->name, e->end, w->buf_len);
        if (e->begin < at)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensors \"%s\" and \"%s\" overlap at byte %" PRIu64
                                 " of the data buffer",
                                 w->path, prev, e->name, e->begin);
        if (e->begin > at)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: bytes %" PRIu64 "..%" PRIu64
                                 " of the data buffer belong to no tensor",
                                 w->path, at, e->begin);
        at = e->end;
        prev = e->name;
    }
    if (at != w->buf_len)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: %" PRIu64 " bytes after the last tensor in the data buffer",
                             w->path, w->buf_len - at);
    return 0;
}

static int is_hex64(const char *s) {
    size_t i = 0;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return i == 64;
}

/* the extra rules of native files */
static int check_native(zoo_weights *w, uint64_t header_len, zoo_error *err) {
    const char *p = w->path;
    const char *fmt = zoo_weights_meta(w, ZOO_META_FORMAT);
    const char *ver = zoo_weights_meta(w, ZOO_META_FORMAT_VERSION);
    const char *dig = zoo_weights_meta(w, ZOO_META_DIGEST);
    if (!fmt || strcmp(fmt, ZOO_WEIGHTS_FORMAT_NAME))
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: has zoo metadata but zoo.format is %s%.40s%s, expected \"%s\"",
                             p, fmt ? "\"" : "", fmt ? fmt : "missing", fmt ? "\"" : "",
                             ZOO_WEIGHTS_FORMAT_NAME);
    if (!ver)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: zoo.format_version is missing", p);
    if (strcmp(ver, ZOO_WEIGHTS_FORMAT_VERSION))
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: zoo weight format version \"%.20s\" is not supported (this zoo "
                             "reads version %s)",
                             p, ver, ZOO_WEIGHTS_FORMAT_VERSION);
    if (!dig || !is_hex64(dig))
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: zoo.digest is %s (expected 64 lowercase hex digits)", p,
                             dig ? "malformed" : "missing");
    if ((8 + header_len) % ZOO_WEIGHTS_ALIGN)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: data buffer starts at byte %" PRIu64
                             ", not a multiple of %d",
                             p, 8 + header_len, ZOO_WEIGHTS_ALIGN);
    for (int i = 0; i < w->n_ents; i++) {
        const ent *e = &w->ents[i];
        if (e->pad) {
            if (e->dtype != ZOO_DT_U8 || e->ndim != 1 || e->end - e->begin >= ZOO_WEIGHTS_ALIGN)
                return zoo_error_set(err, ZOO_ERR_INPUT,
                                     "%s: padding tensor \"%s\" is not a U8 vector shorter "
                                     "than %d bytes",
                                     p, e->name, ZOO_WEIGHTS_ALIGN);
            for (uint64_t k = e->begin; k < e->end; k++)
                if (w->buf[k])
                    return zoo_error_set(err, ZOO_ERR_INPUT,
                                         "%s: padding tensor \"%s\" has a non-zero byte", p,
                                         e->name);
        } else if (e->begin % ZOO_WEIGHTS_ALIGN) {
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: tensor \"%s\" starts at buffer offset %" PRIu64
                                 ", not a multiple of %d",
                                 p, e->name, e->begin, ZOO_WEIGHTS_ALIGN);
        }
    }
    return 0;
}

static int cmp_by_name_ents(const void *a, const void *b, void *arg) {
    const ent *ents = arg;
    return strcmp(ents[*(const int *)a].name, ents[*(const int *)b].name);
}

static int parse_header(zoo_weights *w, const char *hdr, size_t len, zoo_error *err) {
    const char *p = w->path;
    if (len < 2 || hdr[0] != '{')
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: not a safetensors file (header does not start with '{')", p);
    size_t n = len;
    while (n > 0 && hdr[n - 1] == ' ') n--; /* safetensors pads with spaces only */
    if (n == 0 || hdr[n - 1] != '}')
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: header JSON is followed by bytes other than space padding", p);
    json_error_t je;
    json_t *root = json_loadb(hdr, n, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: header JSON: %s (at byte %d of the header)",
                             p, je.text, je.position);
    int rc = 0;
    if (!json_is_object(root)) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: header JSON is not an object", p);
        goto out;
    }
    json_t *md = json_object_get(root, "__metadata__");
    if (md && (rc = parse_meta(w, md, err))) goto out;
    for (int i = 0; i < w->n_meta; i++)
        if (!strncmp(w->meta[i].key, "zoo.", 4)) w->native = 1;

    size_t nt = json_object_size(root) - (md ? 1 : 0);
    w->ents = calloc(nt ? nt : 1, sizeof *w->ents);
    w->vis = calloc(nt ? nt : 1, sizeof *w->vis);
    w->by_name = calloc(nt ? nt : 1, sizeof *w->by_name);
    if (!w->ents || !w->vis || !w->by_name) {
        rc = nomem(err, p);
        goto out;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (!strcmp(key, "__metadata__")) continue;
        ent *e = &w->ents[w->n_ents];
        rc = parse_tensor(w, key, v, e, err);
        if (e->name) w->n_ents++;
        if (rc) goto out;
        e->pad = w->native && zoo_weights_is_pad_name(key);
    }
    qsort(w->ents, (size_t)w->n_ents, sizeof *w->ents, cmp_ent);
    for (int i = 0; i < w->n_ents; i++)
        if (!w->ents[i].pad) w->vis[w->n_vis++] = i;
    memcpy(w->by_name, w->vis, sizeof *w->vis * (size_t)w->n_vis);
    qsort_r(w->by_name, (size_t)w->n_vis, sizeof *w->by_name, cmp_by_name_ents, w->ents);
out:
    json_decref(root);
    return rc;
}

/* ---- open ------------------------------------------------------------- */

zoo_weights *zoo_weights_open(const char *path, unsigned flags, zoo_error *err) {
    if (!path) {
        zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_open: no path given");
        return NULL;
    }
    zoo_weights *w = calloc(1, sizeof *w);
    if (!w || !(w->path = dupstr(path))) {
        free(w);
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
        return NULL;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK); /* a FIFO must not block us */
    if (fd < 0) {
        int e = errno;
        zoo_error_set(err, e == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: cannot open: %s",
                      path, strerror(e));
        goto fail;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot stat: %s", path, strerror(errno));
        close(fd);
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file", path);
        close(fd);
        goto fail;
    }
    uint64_t size = (uint64_t)st.st_size;
    if (size < 8) {
        zoo_error_set(err, ZOO_ERR_INPUT,
                      "%s: truncated: %" PRIu64 " bytes, too short for a safetensors file", path,
                      size);
        close(fd);
        goto fail;
    }
    if (size > SIZE_MAX) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: too large to map", path);
        close(fd);
        goto fail;
    }
    w->map = mmap(NULL, (size_t)size, PROT_READ, MAP_PRIVATE, fd, 0);
    int merr = errno;
    close(fd);
    if (w->map == MAP_FAILED) {
        w->map = NULL;
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot map: %s", path, strerror(merr));
        goto fail;
    }
    w->map_len = (size_t)size;
    const unsigned char *m = w->map;
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | m[i];
    if (hlen > ZOO_WEIGHTS_MAX_HEADER) {
        zoo_error_set(err, ZOO_ERR_INPUT,
                      "%s: header length %" PRIu64 " exceeds the safetensors limit of %llu bytes",
                      path, hlen, ZOO_WEIGHTS_MAX_HEADER);
        goto fail;
    }
    if (hlen > size - 8) {
        zoo_error_set(err, ZOO_ERR_INPUT,
                      "%s: truncated: header length %" PRIu64 " but only %" PRIu64
                      " bytes follow it",
                      path, hlen, size - 8);
        goto fail;
    }
    w->buf = m + 8 + hlen;
    w->buf_len = size - 8 - hlen;
    if (parse_header(w, (const char *)m + 8, (size_t)hlen, err)) goto fail;
    if (check_coverage(w, err)) goto fail;
    if (w->native) {
        if (check_native(w, hlen, err)) goto fail;
    } else {
        if (flags & ZOO_WEIGHTS_REQUIRE_ZOO) {
            zoo_error_set(err, ZOO_ERR_INPUT,
                          "%s: not a zoo weight file (safetensors without zoo metadata); "
                          "convert it with `zoo convert`",
                          path);
            goto fail;
        }
    }
    if (w->native && !(flags & ZOO_WEIGHTS_NO_VERIFY) && zoo_weights_verify(w, err)) goto fail;
    return w;
fail:
    zoo_weights_close(w);
    return NULL;
}

/* ---- queries ------------------------------------------------------------ */

static void fill_view(const zoo_weights *w, const ent *e, zoo_tensor_view *out) {
    out->name = e->name;
    out->dtype = e->dtype;
    out->ndim = e->ndim;
    memset(out->dims, 0, sizeof out->dims);
    memcpy(out->dims, e->dims, sizeof e->dims[0] * (size_t)e->ndim);
    out->numel = e->numel;
    out->data = w->buf + e->begin;
    out->nbytes = (size_t)(e->end - e->begin);
}

int zoo_weights_count(const zoo_weights *w) {
    return w ? w->n_vis : 0;
}

int zoo_weights_get(const zoo_weights *w, int i, zoo_tensor_view *out) {
    if (!w || i < 0 || i >= w->n_vis || !out) return -1;
    fill_view(w, &w->ents[w->vis[i]], out);
    return 0;
}

int zoo_weights_find(const zoo_weights *w, const char *name, zoo_tensor_view *out) {
    if (!w || !name) return -1;
    int lo = 0, hi = w->n_vis - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        const ent *e = &w->ents[w->by_name[mid]];
        int c = strcmp(name, e->name);
        if (c == 0) {
            if (out) fill_view(w, e, out);
            return 0;
        }
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return -1;
}

const char *zoo_weights_meta(const zoo_weights *w, const char *key) {
    if (!w || !key) return NULL;
    int lo = 0, hi = w->n_meta - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strcmp(key, w->meta[mid].key);
        if (c == 0) return w->meta[mid].value;
        if (c < 0) hi = mid - 1;
        else lo = mid + 1;
    }
    return NULL;
}

int zoo_weights_meta_count(const zoo_weights *w) {
    return w ? w->n_meta : 0;
}

int zoo_weights_meta_get(const zoo_weights *w, int i, const char **key, const char **value) {
    if (!w || i < 0 || i >= w->n_meta) return -1;
    if (key) *key = w->meta[i].key;
    if (value) *value = w->meta[i].value;
    return 0;
}

int zoo_weights_is_native(const zoo_weights *w) {
    return w ? w->native : 0;
}

const char *zoo_weights_path(const zoo_weights *w) {
    return w ? w->path : NULL;
}

/* ---- digest ------------------------------------------------------------- */

int zoo_weights_verify(const zoo_weights *w, zoo_error *err) {
    if (!w) return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_verify: no file");
    const char *want = zoo_weights_meta(w, ZOO_META_DIGEST);
    if (!w->native || !want)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: not a zoo weight file: it carries no digest to verify", w->path);
    zoo_meta_entry *me = malloc(sizeof *me * (size_t)(w->n_meta ? w->n_meta : 1));
    zoo_index_entry *ie = malloc(sizeof *ie * (size_t)(w->n_ents ? w->n_ents : 1));
    if (!me || !ie) {
        free(me);
        free(ie);
        return nomem(err, w->path);
    }
    for (int i = 0; i < w->n_meta; i++) me[i] = (zoo_meta_entry){w->meta[i].key, w->meta[i].value};
    for (int i = 0; i < w->n_ents; i++) {
        const ent *e = &w->ents[i];
        ie[i] = (zoo_index_entry){e->name, e->dtype, e->ndim, e->dims, e->begin, e->end};
    }
    zoo_digest *d = zoo_digest_begin(me, w->n_meta, ie, w->n_ents, err);
    free(me);
    free(ie);
    if (!d) return zoo_error_prefix(err, "%s", w->path);
    /* feed in bounded pieces: EVP takes size_t, but keep each call modest */
    const size_t chunk = (size_t)1 << 30;
    for (uint64_t off = 0; off < w->buf_len;) {
        size_t n = (size_t)(w->buf_len - off < chunk ? w->buf_len - off : chunk);
        if (zoo_digest_update(d, w->buf + off, n, err)) {
            zoo_digest_abort(d);
            return zoo_error_prefix(err, "%s", w->path);
        }
        off += n;
    }
    char got[65];
    if (zoo_digest_end(d, got, err)) return zoo_error_prefix(err, "%s", w->path);
    if (strcmp(got, want))
        return zoo_error_set(err, ZOO_ERR_INTEGRITY,
                             "%s: digest mismatch: the file records %s but its contents hash "
                             "to %s; the file is damaged or was modified",
                             w->path, want, got);
    return 0;
}
