/* weights/digest.c - the "zoo.digest" of a native weight file.
 *
 * digest = SHA-256( canonical index || data buffer ), as 64 lowercase hex
 * digits. The canonical index is ASCII lines, each ended by "\n":
 *
 *   zoo-weights-digest 1
 *   M <len(key)>:<key> <len(value)>:<value>        one per metadata entry except
 *                                                 "zoo.digest", sorted by key bytes
 *   T <len(name)>:<name> <DTYPE> [d0,d1,...] <begin> <end>
 *                                                 one per tensor, padding included,
 *                                                 sorted by (begin, end, name bytes)
 *   D <length of the data buffer>
 *
 * Lengths are byte counts, numbers are decimal without leading zeros, a
 * rank-0 shape is "[]". Length prefixes make the encoding unambiguous for any
 * name or value bytes. The layout of the JSON itself (key order, spacing,
 * padding) is not covered: the reader checks it is canonical (spaces only
 * after the JSON) and everything it means is in the index.
 * docs/format.md gives the same definition with an example. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "weights/weights_impl.h"

struct zoo_digest {
    EVP_MD_CTX *md;
};

static int cmp_meta(const void *a, const void *b) {
    const zoo_meta_entry *x = *(const zoo_meta_entry *const *)a;
    const zoo_meta_entry *y = *(const zoo_meta_entry *const *)b;
    return strcmp(x->key, y->key);
}

static int cmp_index(const void *a, const void *b) {
    const zoo_index_entry *x = *(const zoo_index_entry *const *)a;
    const zoo_index_entry *y = *(const zoo_index_entry *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    if (x->end != y->end) return x->end < y->end ? -1 : 1;
    return strcmp(x->name, y->name);
}

static int put(zoo_digest *d, const void *p, size_t n) {
    return EVP_DigestUpdate(d->md, p, n) == 1 ? 0 : -1;
}

static int put_str(zoo_digest *d, const char *s) {
    return put(d, s, strlen(s));
}

/* "<len>:<bytes>" */
static int put_lp(zoo_digest *d, const char *s) {
    char num[32];
    size_t n = strlen(s);
    snprintf(num, sizeof num, "%zu:", n);
    return put_str(d, num) || put(d, s, n);
}

static int put_index(zoo_digest *d, const zoo_meta_entry *meta, int n_meta,
                     const zoo_index_entry *index, int n_index) {
    int rc = -1;
    const zoo_meta_entry **ms = malloc(sizeof *ms * (size_t)(n_meta > 0 ? n_meta : 1));
    const zoo_index_entry **ts = malloc(sizeof *ts * (size_t)(n_index > 0 ? n_index : 1));
    if (!ms || !ts) goto out;
    int nm = 0;
    for (int i = 0; i < n_meta; i++)
        if (strcmp(meta[i].key, ZOO_META_DIGEST)) ms[nm++] = &meta[i];
    for (int i = 0; i < n_index; i++) ts[i] = &index[i];
    qsort(ms, (size_t)nm, sizeof *ms, cmp_meta);
    qsort(ts, (size_t)n_index, sizeof *ts, cmp_index);

    if (put_str(d, "zoo-weights-digest 1\n")) goto out;
    for (int i = 0; i < nm; i++) {
        if (put_str(d, "M ") || put_lp(d, ms[i]->key) || put_str(d, " ") ||
            put_lp(d, ms[i]->value) || put_str(d, "\n"))
            goto out;
    }
    uint64_t total = 0;
    for (int i = 0; i < n_index; i++) {
        const zoo_index_entry *t = ts[i];
        const char *dt = zoo_dtype_name(t->dtype);
        if (!dt) goto out;
        if (put_str(d, "T ") || put_lp(d, t->name) || put_str(d, " ") || put_str(d, dt) ||
            put_str(d, " ["))
            goto out;
        for (int k = 0; k < t->ndim; k++) {
            char num[32];
            snprintf(num, sizeof num, "%s%" PRId64, k ? "," : "", t->dims[k]);
            if (put_str(d, num)) goto out;
        }
        char tail[64];
        snprintf(tail, sizeof tail, "] %" PRIu64 " %" PRIu64 "\n", t->begin, t->end);
        if (put_str(d, tail)) goto out;
        if (t->end > total) total = t->end;
    }
    char dl[48];
    snprintf(dl, sizeof dl, "D %" PRIu64 "\n", total);
    if (put_str(d, dl)) goto out;
    rc = 0;
out:
    free(ms);
    free(ts);
    return rc;
}

zoo_digest *zoo_digest_begin(const zoo_meta_entry *meta, int n_meta, const zoo_index_entry *index,
                             int n_index, zoo_error *err) {
    zoo_digest *d = calloc(1, sizeof *d);
    if (!d || !(d->md = EVP_MD_CTX_new())) {
        free(d);
        zoo_error_set(err, ZOO_ERR_RUNTIME, "weights digest: out of memory");
        return NULL;
    }
    if (EVP_DigestInit_ex(d->md, EVP_sha256(), NULL) != 1 ||
        put_index(d, meta, n_meta, index, n_index)) {
        zoo_digest_abort(d);
        zoo_error_set(err, ZOO_ERR_RUNTIME, "weights digest: SHA-256 of the tensor index failed");
        return NULL;
    }
    return d;
}

int zoo_digest_update(zoo_digest *d, const void *data, size_t len, zoo_error *err) {
    if (len == 0) return 0;
    if (EVP_DigestUpdate(d->md, data, len) != 1)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "weights digest: SHA-256 update failed");
    return 0;
}

int zoo_digest_end(zoo_digest *d, char hex[65], zoo_error *err) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int ok = EVP_DigestFinal_ex(d->md, md, &n) == 1 && n == 32;
    zoo_digest_abort(d);
    if (!ok) return zoo_error_set(err, ZOO_ERR_RUNTIME, "weights digest: SHA-256 final failed");
    static const char hexd[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        hex[2 * i] = hexd[md[i] >> 4];
        hex[2 * i + 1] = hexd[md[i] & 15];
    }
    hex[64] = '\0';
    return 0;
}

void zoo_digest_abort(zoo_digest *d) {
    if (!d) return;
    EVP_MD_CTX_free(d->md);
    free(d);
}

int zoo_weights_is_pad_name(const char *name) {
    return name && !strncmp(name, ZOO_WEIGHTS_PAD_PREFIX, sizeof ZOO_WEIGHTS_PAD_PREFIX - 1);
}
