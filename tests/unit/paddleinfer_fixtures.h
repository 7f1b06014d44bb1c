/* tests/unit/paddleinfer_fixtures.h - helpers shared by the Paddle inference
 * model / legacy directory / archive tests (test_lodtensor, test_programdesc,
 * test_legacy, test_archive): fixture paths, the expectations written by
 * tests/fixtures/paddleinfer/make_fixtures.py from what Paddle itself loads,
 * and a checker comparing a zoo_tensor_list against them (names, order,
 * dtypes, shapes, SHA-256 of the bytes: exact, no tolerance - the readers
 * must hand over the stored bytes unchanged).
 * Header-only (static functions); include after <cmocka.h>.
 */
#ifndef ZOO_TEST_PADDLEINFER_FIXTURES_H
#define ZOO_TEST_PADDLEINFER_FIXTURES_H

#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter/tensor_list.h"
#include "support/test_support.h"

/* snprintf that fails the test instead of truncating */
__attribute__((format(printf, 3, 4))) static char *pi_fmt(char *buf, size_t size,
                                                           const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) fail_msg("path too long: %s", buf);
    return buf;
}

/* <repo>/tests/fixtures/paddleinfer */
static __attribute__((unused)) const char *pi_fixture_dir(char *buf, size_t size) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    pi_fmt(buf, size, "%s/../tests/fixtures/paddleinfer", b);
    return buf;
}

/* ../shared/data/paddle-files, or NULL (tests needing it then skip) */
static __attribute__((unused)) const char *pi_paddle_files(char *buf, size_t size) {
    char s[PATH_MAX];
    if (!test_shared_dir(s, sizeof s)) return NULL;
    pi_fmt(buf, size, "%s/data/paddle-files", s);
    return buf;
}

/* Whole file into malloc'ed memory (fails the test on error). */
static __attribute__((unused)) unsigned char *pi_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(b);
    if (n > 0 && fread(b, 1, (size_t)n, f) != (size_t)n) fail_msg("cannot read %s", path);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static __attribute__((unused)) void pi_write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    if (!f) fail_msg("cannot create %s", path);
    if (len && fwrite(data, 1, len, f) != len) fail_msg("cannot write %s", path);
    fclose(f);
}

static __attribute__((unused)) void pi_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    if (len) assert_int_equal(EVP_DigestUpdate(c, data, len), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, md, &n), 1);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* One error message: a single line that names `file`. */
static __attribute__((unused)) void pi_assert_message(const zoo_error *e, const char *file) {
    assert_null(strchr(e->msg, '\n'));
    if (!strstr(e->msg, file)) fail_msg("message does not name %s: %s", file, e->msg);
}

typedef struct pi_tensor {
    char name[256];
    char dtype[16];
    int ndim;
    int64_t dims[8];
    char sha[65];
} pi_tensor;

typedef struct pi_model {
    pi_tensor *t;
    int n;
    char (*keys)[256];
    char (*vals)[256];
    int n_names;
} pi_model;

/* Loads the block "model <tag> <n>" of expected.txt. */
static __attribute__((unused)) void pi_expected(const char *tag, pi_model *m) {
    char dir[PATH_MAX], path[PATH_MAX + 32];
    pi_fmt(path, sizeof path, "%s/expected.txt", pi_fixture_dir(dir, sizeof dir));
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("cannot open %s", path);
    memset(m, 0, sizeof *m);
    char line[1024];
    int in = 0, cap = 0, ncap = 0;
    while (fgets(line, sizeof line, f)) {
        char a[256], b[256], c[256], d[256];
        if (sscanf(line, "model %255s", a) == 1) {
            in = strcmp(a, tag) == 0;
            continue;
        }
        if (!in) continue;
        if (sscanf(line, "tensor %255s %255s %255s %255s", a, b, c, d) == 4) {
            if (m->n == cap) {
                cap = cap ? 2 * cap : 64;
                m->t = realloc(m->t, (size_t)cap * sizeof *m->t);
                assert_non_null(m->t);
            }
            pi_tensor *t = &m->t[m->n++];
            memset(t, 0, sizeof *t);
            pi_fmt(t->name, sizeof t->name, "%s", a);
            pi_fmt(t->dtype, sizeof t->dtype, "%s", b);
            pi_fmt(t->sha, sizeof t->sha, "%s", d);
            if (strcmp(c, "scalar") != 0) {
                char *p = c;
                while (*p) {
                    assert_true(t->ndim < 8);
                    t->dims[t->ndim++] = strtoll(p, &p, 10);
                    if (*p == ',') p++;
                }
            }
        } else if (sscanf(line, "name %255s %255s", a, b) == 2) {
            if (m->n_names == ncap) {
                ncap = ncap ? 2 * ncap : 64;
                m->keys = realloc(m->keys, (size_t)ncap * sizeof *m->keys);
                m->vals = realloc(m->vals, (size_t)ncap * sizeof *m->vals);
                assert_non_null(m->keys);
                assert_non_null(m->vals);
            }
            pi_fmt(m->keys[m->n_names], 256, "%s", a);
            pi_fmt(m->vals[m->n_names], 256, "%s", b);
            m->n_names++;
        }
    }
    fclose(f);
    if (m->n == 0) fail_msg("no expectations for %s in %s", tag, path);
}

static __attribute__((unused)) void pi_model_free(pi_model *m) {
    free(m->t);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static __attribute__((unused)) zoo_dtype pi_numpy_dtype(const char *s) {
    static const struct { const char *np; zoo_dtype t; } map[] = {
        {"float32", ZOO_DT_F32}, {"float64", ZOO_DT_F64}, {"float16", ZOO_DT_F16},
        {"int64", ZOO_DT_I64},   {"int32", ZOO_DT_I32},   {"int16", ZOO_DT_I16},
        {"int8", ZOO_DT_I8},     {"uint8", ZOO_DT_U8},    {"bool", ZOO_DT_BOOL},
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (!strcmp(map[i].np, s)) return map[i].t;
    fail_msg("unknown numpy dtype %s in expected.txt", s);
    return ZOO_DT__COUNT;
}

/* The list holds exactly the expected tensors, in the expected (sorted)
 * order, with identical bytes; and exactly the expected name table. */
static __attribute__((unused)) void pi_check_list(const zoo_tensor_list *l, const char *tag) {
    pi_model m;
    pi_expected(tag, &m);
    assert_int_equal(l->n, m.n);
    for (int i = 0; i < m.n; i++) {
        const pi_tensor *e = &m.t[i];
        const zoo_src_tensor *t = &l->items[i];
        if (strcmp(t->name, e->name) != 0)
            fail_msg("%s: tensor %d is %s, Paddle has %s", tag, i, t->name, e->name);
        assert_int_equal(t->dtype, pi_numpy_dtype(e->dtype));
        assert_int_equal(t->ndim, e->ndim);
        for (int k = 0; k < e->ndim; k++) assert_int_equal(t->dims[k], e->dims[k]);
        char sha[65];
        pi_sha256_hex(t->data, t->nbytes, sha);
        if (strcmp(sha, e->sha) != 0) fail_msg("%s: bytes of %s differ from Paddle's", tag, e->name);
    }
    assert_int_equal(l->n_names, m.n_names);
    for (int i = 0; i < m.n_names; i++) {
        int found = 0;
        for (int k = 0; k < l->n_names && !found; k++)
            found = !strcmp(l->names[k].key, m.keys[i]) && !strcmp(l->names[k].value, m.vals[i]);
        if (!found) fail_msg("%s: name table lacks %s -> %s", tag, m.keys[i], m.vals[i]);
    }
    pi_model_free(&m);
}

#endif
