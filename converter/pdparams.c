/* converter/pdparams.c - zoo_read_pdparams (readers.h): a paddle.save state
 * dict (.pdparams, pickle protocol 2, 3 or 4) -> zoo_tensor_list.
 *
 * The file is mmap'ed and run through the safe pickle VM (pickle.c). The
 * top-level object must be a dict; for every entry, in file order:
 *   "StructuredToParameterName@@"  dict str -> str   -> the list's name table
 *   "UnpackBigParamInfor@@"        {key: {"OriginShape", "slices"}} -> the
 *                                  "<key>@@.<i>" slices are concatenated back
 *   numpy ndarray                  -> a tensor named by the key
 *   (name, ndarray) tuple          -> a tensor named by the key (_pickle_save)
 *   anything else (ints, nested config dicts, ...) is skipped.
 * Arrays: dtypes f2 f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, little or big endian
 * (big endian is byte-swapped), C or Fortran order (Fortran is transposed to
 * C order), rank <= ZOO_MAX_DIMS. Bytes written with BIN*BYTES (protocol >= 3)
 * are borrowed from the mapping (no copy); protocol-2 latin-1 text is decoded
 * once by the VM and its buffer handed to the list.
 */
#include "converter/readers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/pdparams.h"
#include "converter/pickle.h"

#define NAME_TABLE_KEY "StructuredToParameterName@@"
#define UNPACK_KEY "UnpackBigParamInfor@@"

typedef struct pending {
    char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    const void *data;
    size_t nbytes;
    void *owned;
    bool consumed; /* a slice merged into its big parameter */
} pending;

typedef struct reader {
    const char *path;
    const uint8_t *map;
    size_t map_len;
    zoo_error *err;
    pending *items;
    int n, cap;
} reader;

static int dtype_from_numpy(const zoo_pk_value *dt, zoo_dtype *out) {
    static const struct {
        const char *code;
        zoo_dtype t;
    } MAP[] = {{"f4", ZOO_DT_F32}, {"f8", ZOO_DT_F64}, {"f2", ZOO_DT_F16}, {"i8", ZOO_DT_I64},
               {"i4", ZOO_DT_I32}, {"i2", ZOO_DT_I16}, {"i1", ZOO_DT_I8},  {"u1", ZOO_DT_U8},
               {"u2", ZOO_DT_U16}, {"u4", ZOO_DT_U32}, {"u8", ZOO_DT_U64}, {"b1", ZOO_DT_BOOL}};
    for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
        if (dt->u.dt.code_n == 2 && memcmp(dt->u.dt.code, MAP[i].code, 2) == 0) {
            *out = MAP[i].t;
            return 0;
        }
    return -1;
}

static void byteswap(uint8_t *p, size_t nbytes, size_t es) {
    for (size_t i = 0; i + es <= nbytes; i += es)
        for (size_t a = 0, b = es - 1; a < b; a++, b--) {
            uint8_t t = p[i + a];
            p[i + a] = p[i + b];
            p[i + b] = t;
        }
}

/* Fortran-order src -> C-order dst (element size es). */
static void fortran_to_c(uint8_t *dst, const uint8_t *src, int ndim, const int64_t *dims,
                         int64_t numel, size_t es) {
    int64_t idx[ZOO_MAX_DIMS] = {0}, fstride[ZOO_MAX_DIMS];
    int64_t s = 1;
    for (int d = 0; d < ndim; d++) {
        fstride[d] = s;
        s *= dims[d];
    }
    for (int64_t k = 0; k < numel; k++) {
        int64_t off = 0;
        for (int d = 0; d < ndim; d++) off += idx[d] * fstride[d];
        memcpy(dst + (size_t)k * es, src + (size_t)off * es, es);
        for (int d = ndim - 1; d >= 0; d--) { /* C order: last index fastest */
            if (++idx[d] < dims[d]) break;
            idx[d] = 0;
        }
    }
}

static void shape_str(char *buf, size_t size, int ndim, const int64_t *dims) {
    size_t o = 0;
    o += (size_t)snprintf(buf + o, size - o, "(");
    for (int i = 0; i < ndim && o < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%lld", i ? ", " : "", (long long)dims[i]);
    if (o < size) snprintf(buf + o, size - o, ")");
}

static int add_pending(reader *r, pending *p) {
    if (r->n == r->cap) {
        int cap = r->cap ? r->cap * 2 : 256;
        pending *it = realloc(r->items, (size_t)cap * sizeof *it);
        if (!it) {
            free(p->name);
            free(p->owned);
            return zoo_error_set(r->err, ZOO_ERR_RUNTIME, "%s: out of memory", r->path);
        }
        r->items = it;
        r->cap = cap;
    }
    r->items[r->n++] = *p;
    return 0;
}

/* One ndarray value -> a pending tensor named `name` (takes `name`). */
static int take_array(reader *r, char *name, zoo_pk_value *nd) {
    pending p;
    memset(&p, 0, sizeof p);
    p.name = name;
    int rc = ZOO_ERR_INPUT;
    if (!nd->u.nd.built) {
        zoo_error_set(r->err, rc, "%s: byte %zu: array %s has no state (BUILD)", r->path, nd->off,
                      name);
        goto fail;
    }
    const zoo_pk_value *dt = nd->u.nd.dtype, *shape = nd->u.nd.shape;
    zoo_pk_value *data = nd->u.nd.data;
    if (dtype_from_numpy(dt, &p.dtype) != 0) {
        char code[20];
        size_t n = dt->u.dt.code_n < 16 ? dt->u.dt.code_n : 16;
        for (size_t i = 0; i < n; i++)
            code[i] = (dt->u.dt.code[i] >= 0x20 && dt->u.dt.code[i] < 0x7f) ? (char)dt->u.dt.code[i] : '?';
        code[n] = '\0';
        zoo_error_set(r->err, rc, "%s: byte %zu: array %s has numpy dtype '%s' (not supported)",
                      r->path, nd->off, name, code);
        goto fail;
    }
    if (shape->u.seq.n > ZOO_MAX_DIMS) {
        zoo_error_set(r->err, rc, "%s: byte %zu: array %s has %zu dimensions (at most %d)",
                      r->path, nd->off, name, shape->u.seq.n, ZOO_MAX_DIMS);
        goto fail;
    }
    p.ndim = (int)shape->u.seq.n;
    int64_t numel = 1;
    bool overflow = false;
    for (int i = 0; i < p.ndim; i++) {
        p.dims[i] = shape->u.seq.items[i]->u.i; /* >= 0, checked by the VM */
        if (p.dims[i] > 0 && numel > INT64_MAX / p.dims[i]) overflow = true;
        else numel *= p.dims[i];
    }
    size_t es = zoo_dtype_size(p.dtype);
    if (overflow || (uint64_t)numel > SIZE_MAX / es || (size_t)numel * es != data->u.s.n) {
        char sh[160];
        shape_str(sh, sizeof sh, p.ndim, p.dims);
        zoo_error_set(r->err, rc,
                      "%s: byte %zu: array %s has %zu bytes of data for shape %s of %s", r->path,
                      nd->off, name, data->u.s.n, sh, zoo_dtype_name(p.dtype));
        goto fail;
    }
    p.nbytes = data->u.s.n;
    bool swap = dt->u.dt.order == '>' && es > 1;
    bool transpose = nd->u.nd.fortran && p.ndim > 1;
    const uint8_t *src = data->u.s.p;
    bool in_map = src && src >= r->map && src < r->map + r->map_len;
    if (!swap && !transpose && (in_map || p.nbytes == 0)) {
        p.data = src; /* borrowed from the mapping: no copy */
    } else if (!swap && !transpose && (p.owned = zoo_pk_take_owned(data)) != NULL) {
        p.data = p.owned; /* decoded protocol-2 bytes: the list takes the buffer */
    } else {
        uint8_t *buf = malloc(p.nbytes ? p.nbytes : 1);
        if (!buf) {
            rc = zoo_error_set(r->err, ZOO_ERR_RUNTIME, "%s: out of memory", r->path);
            goto fail;
        }
        /* byte-swapped, transposed, or bytes another tensor already owns: copy */
        if (transpose) fortran_to_c(buf, src, p.ndim, p.dims, numel, es);
        else if (p.nbytes) memcpy(buf, src, p.nbytes);
        if (swap) byteswap(buf, p.nbytes, es);
        p.owned = buf;
        p.data = buf;
    }
    return add_pending(r, &p);
fail:
    free(name);
    return rc;
}

static int find_pending(const reader *r, const char *name) {
    for (int i = 0; i < r->n; i++)
        if (!r->items[i].consumed && strcmp(r->items[i].name, name) == 0) return i;
    return -1;
}

/* Reverses paddle's _unpack_saved_dict for one key. */
static int reassemble(reader *r, const zoo_pk_value *keyv, const zoo_pk_value *info) {
    char *key = zoo_pk_text_dup(keyv);
    if (!key) return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: " UNPACK_KEY " has a bad key", r->path);
    zoo_pk_value *shape = zoo_pk_dict_get(info, "OriginShape");
    zoo_pk_value *slices = zoo_pk_dict_get(info, "slices");
    int rc = ZOO_ERR_INPUT;
    if (!shape || (shape->kind != ZOO_PK_TUPLE && shape->kind != ZOO_PK_LIST) ||
        shape->u.seq.n > ZOO_MAX_DIMS || !slices ||
        (slices->kind != ZOO_PK_LIST && slices->kind != ZOO_PK_TUPLE) || slices->u.seq.n == 0) {
        zoo_error_set(r->err, rc, "%s: " UNPACK_KEY " entry %s is malformed", r->path, key);
        goto out;
    }
    pending big;
    memset(&big, 0, sizeof big);
    big.ndim = (int)shape->u.seq.n;
    int64_t numel = 1;
    for (int i = 0; i < big.ndim; i++) {
        const zoo_pk_value *d = shape->u.seq.items[i];
        if (d->kind != ZOO_PK_INT || d->u.i < 0 || (d->u.i > 0 && numel > INT64_MAX / d->u.i)) {
            zoo_error_set(r->err, rc, "%s: " UNPACK_KEY " entry %s has a bad OriginShape",
                          r->path, key);
            goto out;
        }
        big.dims[i] = d->u.i;
        numel *= d->u.i;
    }
    size_t total = 0;
    int first = -1;
    for (size_t s = 0; s < slices->u.seq.n; s++) {
        char *sn = zoo_pk_text_dup(slices->u.seq.items[s]);
        int k = sn ? find_pending(r, sn) : -1;
        if (k < 0) {
            zoo_error_set(r->err, rc, "%s: big parameter %s: slice %s is missing", r->path, key,
                          sn ? sn : "(not a string)");
            free(sn);
            goto out;
        }
        free(sn);
        if (first < 0) {
            first = k;
            big.dtype = r->items[k].dtype;
        } else if (r->items[k].dtype != big.dtype) {
            zoo_error_set(r->err, rc, "%s: big parameter %s: slices differ in dtype", r->path, key);
            goto out;
        }
        total += r->items[k].nbytes;
    }
    size_t es = zoo_dtype_size(big.dtype);
    if ((uint64_t)numel > SIZE_MAX / es || total != (size_t)numel * es) {
        zoo_error_set(r->err, rc, "%s: big parameter %s: slices hold %zu bytes, OriginShape needs %llu",
                      r->path, key, total, (unsigned long long)numel * es);
        goto out;
    }
    uint8_t *buf = malloc(total ? total : 1);
    if (!buf) {
        rc = zoo_error_set(r->err, ZOO_ERR_RUNTIME, "%s: out of memory", r->path);
        goto out;
    }
    size_t o = 0;
    for (size_t s = 0; s < slices->u.seq.n; s++) {
        char *sn = zoo_pk_text_dup(slices->u.seq.items[s]);
        int k = sn ? find_pending(r, sn) : -1;
        free(sn);
        if (k < 0) { /* the same slice listed twice */
            free(buf);
            zoo_error_set(r->err, rc, "%s: big parameter %s lists a slice twice", r->path, key);
            goto out;
        }
        if (r->items[k].nbytes) memcpy(buf + o, r->items[k].data, r->items[k].nbytes);
        o += r->items[k].nbytes;
        r->items[k].consumed = true;
    }
    /* the big tensor takes the place of its first slice */
    pending *f = &r->items[first];
    free(f->name);
    free(f->owned);
    f->name = key;
    key = NULL;
    f->dtype = big.dtype;
    f->ndim = big.ndim;
    memcpy(f->dims, big.dims, sizeof f->dims);
    f->data = buf;
    f->owned = buf;
    f->nbytes = total;
    f->consumed = false;
    rc = 0;
out:
    free(key);
    return rc;
}

static int walk(reader *r, zoo_pk_value *root, zoo_tensor_list *out) {
    if (root->kind != ZOO_PK_DICT)
        return zoo_error_set(r->err, ZOO_ERR_INPUT,
                             "%s: the pickle holds a %s, not a dict (not a paddle.save state dict)",
                             r->path, zoo_pk_kind_name(root->kind));
    const zoo_pk_value *unpack = NULL;
    size_t n = root->u.dict.n;
    for (size_t i = 0; i < n; i++) {
        zoo_pk_value *k = root->u.dict.keys[i], *v = root->u.dict.vals[i];
        if (!zoo_pk_is_text(k)) continue; /* not a parameter entry */
        if (zoo_pk_text_eq(k, NAME_TABLE_KEY)) {
            if (v->kind != ZOO_PK_DICT)
                return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: " NAME_TABLE_KEY " is a %s",
                                     r->path, zoo_pk_kind_name(v->kind));
            for (size_t j = 0; j < v->u.dict.n; j++) {
                char *a = zoo_pk_text_dup(v->u.dict.keys[j]);
                char *b = zoo_pk_text_dup(v->u.dict.vals[j]);
                int rc = (a && b) ? zoo_tensor_list_add_name(out, a, b, r->err)
                                  : zoo_error_set(r->err, ZOO_ERR_INPUT,
                                                  "%s: " NAME_TABLE_KEY " entry %zu is not str -> str",
                                                  r->path, j);
                free(a);
                free(b);
                if (rc) return rc;
            }
            continue;
        }
        if (zoo_pk_text_eq(k, UNPACK_KEY)) {
            if (v->kind != ZOO_PK_DICT)
                return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: " UNPACK_KEY " is a %s", r->path,
                                     zoo_pk_kind_name(v->kind));
            unpack = v;
            continue;
        }
        zoo_pk_value *nd = NULL;
        if (v->kind == ZOO_PK_NDARRAY) nd = v;
        else if (v->kind == ZOO_PK_TUPLE && v->u.seq.n == 2 && zoo_pk_is_text(v->u.seq.items[0]) &&
                 v->u.seq.items[1]->kind == ZOO_PK_NDARRAY)
            nd = v->u.seq.items[1]; /* _pickle_save: (tensor.name, ndarray) */
        if (!nd) continue;
        char *name = zoo_pk_text_dup(k);
        if (!name)
            return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: byte %zu: key with a NUL byte",
                                 r->path, k->off);
        int rc = take_array(r, name, nd);
        if (rc) return rc;
    }
    if (unpack)
        for (size_t i = 0; i < unpack->u.dict.n; i++) {
            int rc = reassemble(r, unpack->u.dict.keys[i], unpack->u.dict.vals[i]);
            if (rc) return rc;
        }
    int kept = 0;
    for (int i = 0; i < r->n; i++) {
        pending *p = &r->items[i];
        if (p->consumed) continue;
        void *own = p->owned;
        p->owned = NULL; /* the list owns it now, even on failure */
        int rc = zoo_tensor_list_add(out, r->path, p->name, p->dtype, p->ndim, p->dims, p->data,
                                     p->nbytes, own, r->err);
        if (rc) return rc;
        kept++;
    }
    if (kept == 0)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: no arrays in the state dict (%zu keys)",
                             r->path, n);
    return 0;
}

/* Parses data[0..len) into `out` (which may already hold adopted mappings);
 * on failure frees `out`. */
static int parse_into(const uint8_t *map, size_t len, const char *path, zoo_tensor_list *out,
                      zoo_error *err) {
    zoo_pk_doc *doc = zoo_pk_parse(map, len, path, NULL, err);
    if (!doc) {
        zoo_tensor_list_free(out);
        return err ? err->code : ZOO_ERR_INPUT;
    }
    int rc;
    reader r = {.path = path, .map = map, .map_len = len, .err = err};
    rc = walk(&r, zoo_pk_root(doc), out);
    if (!rc) {
        char fmt[32];
        snprintf(fmt, sizeof fmt, "pdparams-p%d", zoo_pk_protocol(doc));
        out->format = strdup(fmt);
        if (!out->format) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
    }
    for (int i = 0; i < r.n; i++) {
        free(r.items[i].name);
        free(r.items[i].owned);
    }
    free(r.items);
    zoo_pk_free(doc);
    if (rc) zoo_tensor_list_free(out);
    return rc;
}

int zoo_read_pdparams(const char *path, zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    const void *map;
    size_t len;
    int rc = zoo_tensor_list_map_file(out, path, &map, &len, err);
    if (rc) return rc;
    return parse_into(map, len, path, out, err);
}

int zoo_read_pdparams_buffer(const uint8_t *data, size_t len, const char *origin,
                             zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    return parse_into(data, len, origin ? origin : "pdparams", out, err);
}
