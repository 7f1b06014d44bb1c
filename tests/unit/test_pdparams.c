/* tests/unit/test_pdparams.c - zoo_read_pdparams (converter/pdparams.c).
 *
 * Every tensor's name, dtype, shape and bytes (SHA-256 of the C-order
 * little-endian data: exact, no tolerance - these are the stored numbers) is
 * compared with what numpy + Python's pickle read from the same file, printed
 * at test time by tests/fixtures/pickle/expect.py run with $ZOO_PY (the test
 * venv). Files: the real Paddle files in ../shared/data/paddle-files
 * (MobileNetV3 .pdparams, protocol 4, 214 tensors; an MLP .pdparams, protocol 2)
 * and the fixtures of tests/fixtures/pickle (made by paddle.save, Paddle's
 * _pickle_save, paddle.static.save and numpy + pickle). Value checks that need
 * no Python, error messages, and a corruption sweep through the whole reader
 * follow.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "converter/pdparams.h"
#include "converter/readers.h"
#include "support/test_support.h"

static const char *repo_path(char *buf, size_t size, const char *rel) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    if (snprintf(buf, size, "%s/../%s", b, rel) >= (int)size) fail_msg("path too long");
    return buf;
}

static const char *fixture(char *buf, size_t size, const char *name) {
    char rel[256];
    if (snprintf(rel, sizeof rel, "tests/fixtures/pickle/%s", name) >= (int)sizeof rel) fail_msg("name");
    return repo_path(buf, size, rel);
}

static void sha256_hex(const void *p, size_t n, char hex[65]) {
    unsigned char md[32];
    unsigned int len = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, p, n), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, md, &len), 1);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Appends the expect.py line format for one list to *buf. */
static void describe(const zoo_tensor_list *l, const char *path, char **buf, size_t *len) {
    FILE *f = open_memstream(buf, len);
    assert_non_null(f);
    fprintf(f, "F\t%s\n", path);
    for (int i = 0; i < l->n; i++) {
        const zoo_src_tensor *t = &l->items[i];
        char hex[65];
        sha256_hex(t->data ? t->data : "", t->nbytes, hex);
        fprintf(f, "T\t%s\t%s\t", t->name, zoo_dtype_name(t->dtype));
        for (int d = 0; d < t->ndim; d++) fprintf(f, "%s%lld", d ? "," : "", (long long)t->dims[d]);
        fprintf(f, "\t%s\n", hex);
    }
    for (int i = 0; i < l->n_names; i++) fprintf(f, "N\t%s\t%s\n", l->names[i].key, l->names[i].value);
    fclose(f);
}

/* What numpy reads, from expect.py; NULL (test skipped) without a venv. */
static char *numpy_view(const char *path) {
    const char *py = test_python();
    if (!py) return NULL;
    char script[PATH_MAX], cmd[3 * PATH_MAX];
    repo_path(script, sizeof script, "tests/fixtures/pickle/expect.py");
    if (snprintf(cmd, sizeof cmd, "'%s' '%s' '%s'", py, script, path) >= (int)sizeof cmd) fail_msg("cmd");
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    char line[4096];
    while (fgets(line, sizeof line, p)) fputs(line, m);
    fclose(m);
    int st = pclose(p);
    if (st != 0) fail_msg("expect.py failed on %s (status %d)", path, st);
    return out;
}

static void check_against_numpy(const char *path, int want_n, const char *want_format) {
    zoo_tensor_list l;
    zoo_error e = {0};
    if (zoo_read_pdparams(path, &l, &e)) fail_msg("%s: %s", path, e.msg);
    if (want_n >= 0) assert_int_equal(l.n, want_n);
    if (want_format) assert_string_equal(l.format, want_format);
    char *mine = NULL;
    size_t len = 0;
    describe(&l, path, &mine, &len);
    char *theirs = numpy_view(path);
    if (!theirs) {
        free(mine);
        zoo_tensor_list_free(&l);
        skip();
    }
    if (strcmp(mine, theirs) != 0) {
        /* show the first differing line */
        const char *a = mine, *b = theirs;
        while (*a && *a == *b) a++, b++;
        while (a > mine && a[-1] != '\n') a--, b--;
        fail_msg("%s differs from numpy:\n  zoo:   %.200s\n  numpy: %.200s", path, a, b);
    }
    free(mine);
    free(theirs);
    zoo_tensor_list_free(&l);
}

static void test_real_mobilenetv3_p4(void **state) {
    (void)state;
    char s[PATH_MAX], p[PATH_MAX + 100];
    if (!test_shared_dir(s, sizeof s)) skip();
    snprintf(p, sizeof p, "%s/data/paddle-files/mobilenetv3-small-x0_35-3cls/output/model.pdparams", s);
    check_against_numpy(p, 214, "pdparams-p4");
}

static void test_real_mlp_p2(void **state) {
    (void)state;
    char s[PATH_MAX], p[PATH_MAX + 100];
    if (!test_shared_dir(s, sizeof s)) skip();
    snprintf(p, sizeof p, "%s/data/paddle-files/mlp-protocol2/model.pdparams", s);
    check_against_numpy(p, 4, "pdparams-p2");
}

static void test_fixtures_match_numpy(void **state) {
    (void)state;
    static const struct {
        const char *file;
        int n;
        const char *format;
    } F[] = {
        {"tiny_p2.pdparams", 8, "pdparams-p2"},     {"tiny_p3.pdparams", 8, "pdparams-p3"},
        {"tiny_p4.pdparams", 8, "pdparams-p4"},     {"static_p2.pdparams", 2, "pdparams-p2"},
        {"pickle_save_p4.pdparams", 2, "pdparams-p4"}, {"dtypes_p2.pdparams", 19, "pdparams-p2"},
        {"dtypes_p4.pdparams", 19, "pdparams-p4"},  {"unpack_p2.pdparams", 2, "pdparams-p2"},
    };
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        char p[PATH_MAX];
        check_against_numpy(fixture(p, sizeof p, F[i].file), F[i].n, F[i].format);
    }
}

static const zoo_src_tensor *find(const zoo_tensor_list *l, const char *name) {
    int i = zoo_tensor_list_find(l, name);
    if (i < 0) fail_msg("tensor %s missing", name);
    return &l->items[i];
}

static void read_ok(const char *file, zoo_tensor_list *l) {
    char p[PATH_MAX];
    zoo_error e = {0};
    if (zoo_read_pdparams(fixture(p, sizeof p, file), l, &e)) fail_msg("%s", e.msg);
}

/* Values written by make_fixtures.py, checked without Python. */
static void test_known_values(void **state) {
    (void)state;
    const char *files[] = {"dtypes_p2.pdparams", "dtypes_p4.pdparams"};
    for (int f = 0; f < 2; f++) {
        zoo_tensor_list l;
        read_ok(files[f], &l);
        int64_t i8[4];
        memcpy(i8, find(&l, "i8")->data, sizeof i8);
        assert_true(i8[0] == -((int64_t)1 << 40) && i8[1] == -1 && i8[2] == 0 && i8[3] == ((int64_t)1 << 40));
        int64_t be[3];
        const zoo_src_tensor *t = find(&l, "be_i8"); /* big endian in the file */
        assert_int_equal(t->dtype, ZOO_DT_I64);
        memcpy(be, t->data, sizeof be);
        assert_true(be[0] == 1 && be[1] == -2 && be[2] == 3);
        uint64_t u8;
        memcpy(&u8, find(&l, "u8")->data, 8);
        assert_true(u8 == ((uint64_t)1 << 63) + 5);
        t = find(&l, "b1");
        assert_int_equal(t->dtype, ZOO_DT_BOOL);
        assert_memory_equal(t->data, "\x01\x00\x01", 3);
        t = find(&l, "scalar_f4");
        assert_int_equal(t->ndim, 0);
        assert_int_equal(t->numel, 1);
        float s;
        memcpy(&s, t->data, 4);
        assert_true(s == 1.5f);
        t = find(&l, "empty_f4");
        assert_int_equal(t->ndim, 2);
        assert_true(t->dims[0] == 0 && t->dims[1] == 3 && t->nbytes == 0);
        t = find(&l, "latin_bytes"); /* every byte value through protocol 2's latin-1 text */
        assert_int_equal(t->nbytes, 256);
        for (int i = 0; i < 256; i++) assert_int_equal(((const uint8_t *)t->data)[i], i);
        t = find(&l, "fortran_f4");
        assert_int_equal(t->ndim, 3);
        assert_true(t->dims[0] == 2 && t->dims[1] == 3 && t->dims[2] == 4);
        assert_non_null(t->owned); /* transposed into C order */
        zoo_tensor_list_free(&l);
    }
}

/* Protocols 2, 3 and 4 of the same state dict give identical tensors; 3 and 4
 * borrow the bytes from the mapping, 2 owns decoded buffers. */
static void test_protocols_agree(void **state) {
    (void)state;
    zoo_tensor_list l[3];
    read_ok("tiny_p2.pdparams", &l[0]);
    read_ok("tiny_p3.pdparams", &l[1]);
    read_ok("tiny_p4.pdparams", &l[2]);
    for (int k = 1; k < 3; k++) {
        assert_int_equal(l[k].n, l[0].n);
        assert_int_equal(l[k].n_names, l[0].n_names);
        for (int i = 0; i < l[0].n; i++) {
            assert_string_equal(l[k].items[i].name, l[0].items[i].name);
            assert_int_equal(l[k].items[i].nbytes, l[0].items[i].nbytes);
            assert_memory_equal(l[k].items[i].data, l[0].items[i].data, l[0].items[i].nbytes);
            assert_null(l[k].items[i].owned);
            assert_non_null(l[0].items[i].owned);
        }
    }
    assert_string_equal(l[2].names[0].key, "conv.weight");
    assert_string_equal(l[2].names[0].value, "conv2d_0.w_0");
    for (int k = 0; k < 3; k++) zoo_tensor_list_free(&l[k]);
}

static void expect_read_error(const char *path, int code, const char *needle) {
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_pdparams(path, &l, &e);
    if (rc == 0) fail_msg("%s: read succeeded, expected '%s'", path, needle);
    assert_int_equal(rc, code);
    assert_int_equal(e.code, code);
    if (!strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_int_equal(l.n, 0);
    assert_int_equal(l.n_names, 0);
    assert_null(l.items);
    assert_null(l.maps);
}

static void test_errors(void **state) {
    (void)state;
    char p[PATH_MAX];
    expect_read_error(fixture(p, sizeof p, "unsupported_dtype_p4.pkl"), ZOO_ERR_INPUT,
                      "array w has numpy dtype 'U3' (not supported)");
    expect_read_error(fixture(p, sizeof p, "pickle_save_list_p4.pkl"), ZOO_ERR_INPUT,
                      "the pickle holds a list, not a dict");
    expect_read_error(fixture(p, sizeof p, "evil_os_system_p4.pkl"), ZOO_ERR_INPUT,
                      "evil_os_system_p4.pkl: byte 28: pickle asks for posix.system: refused");
    expect_read_error(fixture(p, sizeof p, "values_p4.pkl"), ZOO_ERR_INPUT, "no arrays in the state dict");
    expect_read_error(fixture(p, sizeof p, "unpack_missing_slice_p2.pdparams"), ZOO_ERR_INPUT,
                      "big parameter big: slice big@@.9 is missing");
    expect_read_error(fixture(p, sizeof p, "unpack_bad_shape_p2.pdparams"), ZOO_ERR_INPUT,
                      "big parameter big: slices hold 96 bytes, OriginShape needs 100");
    expect_read_error(fixture(p, sizeof p, "no-such-file.pdparams"), ZOO_ERR_NOTFOUND, "cannot open");
    expect_read_error(fixture(p, sizeof p, ""), ZOO_ERR_INPUT, "not a regular file");
    char dir[PATH_MAX], f[PATH_MAX + 16];
    test_tmpdir(dir, sizeof dir);
    if (snprintf(f, sizeof f, "%s/empty", dir) >= (int)sizeof f) fail_msg("path");
    FILE *fp = fopen(f, "wb");
    assert_non_null(fp);
    fclose(fp);
    expect_read_error(f, ZOO_ERR_INPUT, "empty file");
    test_rmtree(dir);
}

/* Random byte flips through the whole reader (VM + state-dict walk). */
static void test_corruption_sweep(void **state) {
    (void)state;
    const char *files[] = {"tiny_p2.pdparams", "tiny_p4.pdparams", "unpack_p2.pdparams",
                           "dtypes_p2.pdparams", "pickle_save_p4.pdparams"};
    test_rng rng = {12345};
    for (int f = 0; f < 5; f++) {
        char p[PATH_MAX];
        FILE *fp = fopen(fixture(p, sizeof p, files[f]), "rb");
        assert_non_null(fp);
        uint8_t orig[4096];
        size_t n = fread(orig, 1, sizeof orig, fp);
        fclose(fp);
        assert_true(n > 0 && n < sizeof orig);
        for (int iter = 0; iter < 1500; iter++) {
            uint8_t *c = malloc(n);
            assert_non_null(c);
            memcpy(c, orig, n);
            int flips = test_rng_int(&rng, 1, 3);
            for (int k = 0; k < flips; k++) c[test_rng_int(&rng, 0, (int)n - 1)] = (uint8_t)test_rng_u32(&rng);
            zoo_tensor_list l;
            zoo_error e = {0};
            if (zoo_read_pdparams_buffer(c, n, "fuzz", &l, &e) == 0) {
                for (int i = 0; i < l.n; i++) /* every byte of every tensor is readable */
                    if (l.items[i].nbytes) {
                        volatile uint8_t x = ((const uint8_t *)l.items[i].data)[l.items[i].nbytes - 1];
                        (void)x;
                    }
            } else {
                assert_true(e.msg[0] != '\0');
                assert_int_equal(l.n, 0);
            }
            zoo_tensor_list_free(&l);
            free(c);
        }
    }
}

/* Truncating a real protocol-2 file anywhere fails cleanly through the reader. */
static void test_truncated_files(void **state) {
    (void)state;
    char p[PATH_MAX];
    FILE *fp = fopen(fixture(p, sizeof p, "unpack_p2.pdparams"), "rb");
    assert_non_null(fp);
    uint8_t orig[4096];
    size_t n = fread(orig, 1, sizeof orig, fp);
    fclose(fp);
    for (size_t cut = 0; cut < n; cut++) {
        uint8_t *c = malloc(cut ? cut : 1);
        assert_non_null(c);
        memcpy(c, orig, cut);
        zoo_tensor_list l;
        zoo_error e = {0};
        assert_int_equal(zoo_read_pdparams_buffer(c, cut, "cut", &l, &e), ZOO_ERR_INPUT);
        zoo_tensor_list_free(&l);
        free(c);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_real_mobilenetv3_p4),
        cmocka_unit_test(test_real_mlp_p2),
        cmocka_unit_test(test_fixtures_match_numpy),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_protocols_agree),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_corruption_sweep),
        cmocka_unit_test(test_truncated_files),
    };
    return cmocka_run_group_tests_name("pdparams", tests, NULL, NULL);
}
