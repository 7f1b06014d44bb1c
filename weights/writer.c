/* weights/writer.c - writing native zoo weight files (docs/format.md).
 *
 * The writer collects tensor descriptors (the data stays the caller's until
 * finish) and metadata, then finish() lays the buffer out with every tensor at
 * a multiple of 64 (gaps become zero-filled "__zoo_pad.<k>" U8 tensors, so the
 * file is a hole-free safetensors file), writes the header padded with spaces
 * so the buffer starts at a multiple of 64, streams the data while hashing it
 * (digest.c), rewrites the header with the digest in place (same length),
 * fsyncs and renames "<path>.tmp.<pid>" onto path. Any failure, and abort(),
 * remove the temporary file: the output appears complete or not at all.
 * The writer sets zoo.format, zoo.format_version and zoo.digest itself and
 * refuses them from callers. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "weights/weights_impl.h"

typedef struct wtensor {
    char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    const void *data; /* NULL for padding (zeros) */
    uint64_t nbytes;
    uint64_t begin, end; /* set by finish() */
} wtensor;

typedef struct wmeta {
    char *key, *value;
} wmeta;

struct zoo_weights_writer {
    char *path, *tmp;
    int fd;
    wtensor *ts;
    int n, cap;
    wmeta *meta;
    int n_meta, cap_meta;
};

static char *dupstr(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

static void writer_free(zoo_weights_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->n; i++) free(w->ts[i].name);
    free(w->ts);
    for (int i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].value);
    }
    free(w->meta);
    free(w->path);
    free(w->tmp);
    free(w);
}

/* closes and removes the temporary file, frees w */
void zoo_weights_writer_abort(zoo_weights_writer *w) {
    if (!w) return;
    if (w->fd >= 0) close(w->fd);
    if (w->tmp) unlink(w->tmp);
    writer_free(w);
}

zoo_weights_writer *zoo_weights_writer_new(const char *path, zoo_error *err) {
    if (!path || !*path) {
        zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_writer_new: no output path");
        return NULL;
    }
    zoo_weights_writer *w = calloc(1, sizeof *w);
    size_t tl = strlen(path) + 32;
    if (!w || !(w->path = dupstr(path)) || !(w->tmp = malloc(tl))) {
        writer_free(w);
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
        return NULL;
    }
    snprintf(w->tmp, tl, "%s.tmp.%ld", path, (long)getpid());
    w->fd = open(w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (w->fd < 0) {
        int e = errno;
        zoo_error_set(err, e == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME,
                      "%s: cannot create %s: %s", path, w->tmp, strerror(e));
        free(w->tmp);
        w->tmp = NULL; /* not ours: do not unlink */
        writer_free(w);
        return NULL;
    }
    return w;
}

static int valid_utf8(const char *s) {
    json_t *j = json_string(s); /* NULL for invalid UTF-8 */
    if (!j) return 0;
    json_decref(j);
    return 1;
}

int zoo_weights_writer_meta(zoo_weights_writer *w, const char *key, const char *value,
                            zoo_error *err) {
    if (!w || !key || !value)
        return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_writer_meta: NULL argument");
    if (!*key || !valid_utf8(key) || !valid_utf8(value))
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: metadata key \"%.60s\": key empty or key/value not UTF-8",
                             w->path, key);
    if (!strcmp(key, ZOO_META_FORMAT) || !strcmp(key, ZOO_META_FORMAT_VERSION) ||
        !strcmp(key, ZOO_META_DIGEST))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: metadata \"%s\" is set by the writer itself",
                             w->path, key);
    for (int i = 0; i < w->n_meta; i++)
        if (!strcmp(w->meta[i].key, key))
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: metadata \"%.60s\" given twice",
                                 w->path, key);
    if (w->n_meta == w->cap_meta) {
        int nc = w->cap_meta ? 2 * w->cap_meta : 8;
        wmeta *nm = realloc(w->meta, sizeof *nm * (size_t)nc);
        if (!nm) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", w->path);
        w->meta = nm;
        w->cap_meta = nc;
    }
    wmeta *m = &w->meta[w->n_meta];
    m->key = dupstr(key);
    m->value = dupstr(value);
    if (!m->key || !m->value) {
        free(m->key);
        free(m->value);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", w->path);
    }
    w->n_meta++;
    return 0;
}

static int push_tensor(zoo_weights_writer *w, const wtensor *t, zoo_error *err) {
    if (w->n == w->cap) {
        int nc = w->cap ? 2 * w->cap : 64;
        wtensor *nt = realloc(w->ts, sizeof *nt * (size_t)nc);
        if (!nt) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", w->path);
        w->ts = nt;
        w->cap = nc;
    }
    w->ts[w->n++] = *t;
    return 0;
}

int zoo_weights_writer_add(zoo_weights_writer *w, const char *name, zoo_dtype dtype, int ndim,
                           const int64_t *dims, const void *data, zoo_error *err) {
    if (!w || !name)
        return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_writer_add: NULL argument");
    const char *p = w->path;
    if (!*name || !valid_utf8(name) || !strcmp(name, "__metadata__") ||
        zoo_weights_is_pad_name(name))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: invalid or reserved tensor name \"%.80s\"",
                             p, name);
    size_t esz = zoo_dtype_size(dtype);
    if (!esz) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": bad dtype", p, name);
    if (ndim < 0 || ndim > ZOO_MAX_DIMS || (ndim > 0 && !dims))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": bad rank %d", p, name, ndim);
    wtensor t = {.dtype = dtype, .ndim = ndim, .data = data};
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        if (dims[i] < 0)
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": negative dimension", p,
                                 name);
        if (dims[i] != 0 && numel > INT64_MAX / dims[i])
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": element count overflows",
                                 p, name);
        numel *= dims[i];
        t.dims[i] = dims[i];
    }
    if (numel > INT64_MAX / (int64_t)esz / 2)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": too large", p, name);
    t.nbytes = (uint64_t)numel * esz;
    if (t.nbytes && !data)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%s\": no data", p, name);
    for (int i = 0; i < w->n; i++)
        if (!strcmp(w->ts[i].name, name))
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: tensor \"%.80s\" added twice", p, name);
    t.name = dupstr(name);
    if (!t.name) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", p);
    int rc = push_tensor(w, &t, err);
    if (rc) free(t.name);
    return rc;
}

/* ---- finish ----------------------------------------------------------- */

static int write_all(zoo_weights_writer *w, const void *data, uint64_t len, zoo_error *err) {
    const unsigned char *p = data;
    while (len > 0) {
        size_t n = len > ((size_t)1 << 30) ? ((size_t)1 << 30) : (size_t)len;
        ssize_t k = write(w->fd, p, n);
        if (k < 0) {
            if (errno == EINTR) continue;
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed: %s", w->path,
                                 strerror(errno));
        }
        if (k == 0) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed", w->path);
        p += k;
        len -= (uint64_t)k;
    }
    return 0;
}

static int pwrite_all(zoo_weights_writer *w, const void *data, size_t len, off_t off,
                      zoo_error *err) {
    const unsigned char *p = data;
    while (len > 0) {
        ssize_t k = pwrite(w->fd, p, len, off);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0)
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed: %s", w->path,
                                 k < 0 ? strerror(errno) : "no progress");
        p += k;
        len -= (size_t)k;
        off += k;
    }
    return 0;
}

/* Inserts the padding tensors and assigns offsets. */
static int layout(zoo_weights_writer *w, zoo_error *err) {
    int n_user = w->n;
    wtensor *user = w->ts;
    w->ts = NULL;
    w->n = w->cap = 0;
    uint64_t off = 0;
    int k = 0, rc = 0;
    for (int i = 0; i < n_user; i++) {
        uint64_t a = (off + ZOO_WEIGHTS_ALIGN - 1) / ZOO_WEIGHTS_ALIGN * ZOO_WEIGHTS_ALIGN;
        if (a > off && !rc) {
            char nm[48];
            snprintf(nm, sizeof nm, "%s%d", ZOO_WEIGHTS_PAD_PREFIX, k++);
            wtensor pad = {.name = dupstr(nm), .dtype = ZOO_DT_U8, .ndim = 1,
                           .dims = {(int64_t)(a - off)}, .nbytes = a - off, .begin = off, .end = a};
            if (!pad.name) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", w->path);
            else if ((rc = push_tensor(w, &pad, err))) free(pad.name);
        }
        user[i].begin = a;
        user[i].end = a + user[i].nbytes;
        off = user[i].end;
        if (rc) free(user[i].name);
        else if ((rc = push_tensor(w, &user[i], err))) free(user[i].name);
    }
    free(user);
    return rc;
}

/* The header JSON (compact, in layout order) with `digest` in zoo.digest. */
static char *header_json(const zoo_weights_writer *w, const char *digest) {
    json_t *root = json_object(), *md = json_object();
    int bad = !root || !md;
    bad |= json_object_set_new(md, ZOO_META_FORMAT, json_string(ZOO_WEIGHTS_FORMAT_NAME));
    bad |= json_object_set_new(md, ZOO_META_FORMAT_VERSION, json_string(ZOO_WEIGHTS_FORMAT_VERSION));
    for (int i = 0; i < w->n_meta; i++)
        bad |= json_object_set_new(md, w->meta[i].key, json_string(w->meta[i].value));
    bad |= json_object_set_new(md, ZOO_META_DIGEST, json_string(digest));
    bad |= json_object_set_new(root, "__metadata__", md);
    for (int i = 0; i < w->n && !bad; i++) {
        const wtensor *t = &w->ts[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++)
            bad |= json_array_append_new(shape, json_integer((json_int_t)t->dims[d]));
        json_t *offs = json_array();
        bad |= json_array_append_new(offs, json_integer((json_int_t)t->begin));
        bad |= json_array_append_new(offs, json_integer((json_int_t)t->end));
        json_t *o = json_object();
        bad |= json_object_set_new(o, "dtype", json_string(zoo_dtype_name(t->dtype)));
        bad |= json_object_set_new(o, "shape", shape);
        bad |= json_object_set_new(o, "data_offsets", offs);
        bad |= json_object_set_new(root, t->name, o);
    }
    char *s = bad ? NULL : json_dumps(root, JSON_COMPACT);
    json_decref(root);
    return s;
}

static int sync_dir(const char *path) {
    char *copy = dupstr(path);
    if (!copy) return -1;
    int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(copy);
    if (fd < 0) return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int finish(zoo_weights_writer *w, zoo_error *err) {
    const char *p = w->path;
    int rc = layout(w, err);
    if (rc) return rc;

    /* header with a placeholder digest: the real one has the same length */
    char zeros64[65];
    memset(zeros64, '0', 64);
    zeros64[64] = '\0';
    char *hdr = header_json(w, zeros64);
    if (!hdr) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: building the header failed", p);
    size_t hlen = strlen(hdr);
    uint64_t padded = (8 + hlen + ZOO_WEIGHTS_ALIGN - 1) / ZOO_WEIGHTS_ALIGN * ZOO_WEIGHTS_ALIGN - 8;
    free(hdr);
    if (padded > ZOO_WEIGHTS_MAX_HEADER)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: header of %" PRIu64 " bytes exceeds the safetensors limit", p,
                             padded);
    unsigned char lenb[8];
    for (int i = 0; i < 8; i++) lenb[i] = (unsigned char)(padded >> (8 * i));
    if ((rc = write_all(w, lenb, 8, err))) return rc;
    if (lseek(w->fd, (off_t)(8 + padded), SEEK_SET) < 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: seek failed: %s", p, strerror(errno));

    /* digest over the canonical index, then the data as it is written */
    int nm = w->n_meta + 2;
    zoo_meta_entry *me = malloc(sizeof *me * (size_t)nm);
    zoo_index_entry *ie = malloc(sizeof *ie * (size_t)(w->n ? w->n : 1));
    if (!me || !ie) {
        free(me);
        free(ie);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", p);
    }
    me[0] = (zoo_meta_entry){ZOO_META_FORMAT, ZOO_WEIGHTS_FORMAT_NAME};
    me[1] = (zoo_meta_entry){ZOO_META_FORMAT_VERSION, ZOO_WEIGHTS_FORMAT_VERSION};
    for (int i = 0; i < w->n_meta; i++) me[i + 2] = (zoo_meta_entry){w->meta[i].key, w->meta[i].value};
    for (int i = 0; i < w->n; i++) {
        const wtensor *t = &w->ts[i];
        ie[i] = (zoo_index_entry){t->name, t->dtype, t->ndim, t->dims, t->begin, t->end};
    }
    zoo_digest *d = zoo_digest_begin(me, nm, ie, w->n, err);
    free(me);
    free(ie);
    if (!d) return zoo_error_prefix(err, "%s", p);
    static const unsigned char zpad[ZOO_WEIGHTS_ALIGN];
    for (int i = 0; i < w->n; i++) {
        const wtensor *t = &w->ts[i];
        const void *src = t->data ? t->data : zpad;
        if ((rc = zoo_digest_update(d, src, (size_t)t->nbytes, err)) ||
            (rc = write_all(w, src, t->nbytes, err))) {
            zoo_digest_abort(d);
            return rc;
        }
    }
    char digest[65];
    if (zoo_digest_end(d, digest, err)) return zoo_error_prefix(err, "%s", p);

    hdr = header_json(w, digest);
    if (!hdr) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: building the header failed", p);
    if (strlen(hdr) != hlen) {
        free(hdr);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: internal error: header length changed", p);
    }
    char *full = malloc((size_t)padded);
    if (!full) {
        free(hdr);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", p);
    }
    memcpy(full, hdr, hlen);
    memset(full + hlen, ' ', (size_t)padded - hlen);
    free(hdr);
    rc = pwrite_all(w, full, (size_t)padded, 8, err);
    free(full);
    if (rc) return rc;

    if (fsync(w->fd) != 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: fsync failed: %s", p, strerror(errno));
    int fd = w->fd;
    w->fd = -1;
    if (close(fd) != 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: close failed: %s", p, strerror(errno));
    if (rename(w->tmp, p) != 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot rename %s onto it: %s", p, w->tmp,
                             strerror(errno));
    free(w->tmp);
    w->tmp = NULL; /* renamed: nothing to remove any more */
    sync_dir(p);   /* best effort: the rename is durable once the directory is synced */
    return 0;
}

int zoo_weights_writer_finish(zoo_weights_writer *w, zoo_error *err) {
    if (!w) return zoo_error_set(err, ZOO_ERR_INPUT, "zoo_weights_writer_finish: no writer");
    int rc = finish(w, err);
    zoo_weights_writer_abort(w); /* removes the temporary file if it is still there */
    return rc;
}
