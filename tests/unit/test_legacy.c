/* tests/unit/test_legacy.c - legacy static-graph parameter directories
 * (zoo_read_legacy_dir, converter/legacy_dir.c).
 *
 * Real files: the shared legacy-squeezenet-gesture directory (52 one-record
 * files + a Paddle-1.x __model__), compared tensor by tensor with what
 * paddle.static.load_program_state loads (expected.txt, exact SHA-256); and a
 * directory built from the real records of the tiny fixture model, with
 * nested names ("a/b" -> sub-directories, as Xception-deeplab uses), hidden
 * files and its __model__. Malformed: trailing bytes, empty and non-tensor
 * files, __params__, .pdiparams files, symlinks, FIFOs, a record whose shape
 * contradicts __model__, missing and empty directories.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "converter/lodtensor.h"
#include "converter/readers.h"
#include "paddleinfer_fixtures.h"

static void test_squeezenet_dir(void **state) {
    (void)state;
    char pf[PATH_MAX], dir[PATH_MAX + 64];
    if (!pi_paddle_files(pf, sizeof pf)) skip();
    pi_fmt(dir, sizeof dir, "%s/legacy-squeezenet-gesture/model", pf);
    zoo_tensor_list l;
    zoo_error e = {0};
    if (zoo_read_legacy_dir(dir, &l, &e) != 0) fail_msg("%s", e.msg);
    assert_string_equal(l.format, "legacy-dir");
    pi_check_list(&l, "squeezenet_legacy"); /* __model__ skipped, 52 tensors */
    zoo_tensor_list_free(&l);
}

/* A legacy directory made of the tiny model's real records. */
typedef struct ldir {
    char tmp[PATH_MAX];
    char dir[PATH_MAX + 8];
    unsigned char *bytes;
    size_t n;
    size_t off[17]; /* 16 records + end */
    char names[16][64];
} ldir;

static void path_in(const ldir *d, char *buf, size_t size, const char *rel) {
    pi_fmt(buf, size, "%s/%s", d->dir, rel);
}

static void put_file(const ldir *d, const char *rel, const void *data, size_t n) {
    char p[PATH_MAX + 300];
    path_in(d, p, sizeof p, rel);
    pi_write_file(p, data, n);
}

static void put_record(const ldir *d, const char *rel, int k) {
    put_file(d, rel, d->bytes + d->off[k], d->off[k + 1] - d->off[k]);
}

static void ldir_make(ldir *d, int with_model) {
    char fx[PATH_MAX], p[PATH_MAX + 64];
    pi_fmt(p, sizeof p, "%s/tiny_pdmodel/inference.pdiparams", pi_fixture_dir(fx, sizeof fx));
    d->bytes = pi_read_file(p, &d->n);
    pi_model m;
    pi_expected("tiny_pdmodel", &m);
    assert_int_equal(m.n, 16);
    size_t off = 0;
    for (int i = 0; i < 16; i++) {
        zoo_lodtensor t;
        zoo_error e = {0};
        assert_int_equal(zoo_lodtensor_parse(p, d->bytes + off, d->n - off, off, &t, &e), 0);
        d->off[i] = off;
        pi_fmt(d->names[i], sizeof d->names[i], "%s", m.t[i].name);
        off += t.record_size;
    }
    d->off[16] = off;
    pi_model_free(&m);
    test_tmpdir(d->tmp, sizeof d->tmp);
    pi_fmt(d->dir, sizeof d->dir, "%s/m", d->tmp);
    assert_int_equal(mkdir(d->dir, 0755), 0);
    for (int i = 0; i < 16; i++) put_record(d, d->names[i], i);
    if (with_model) {
        size_t mn;
        pi_fmt(p, sizeof p, "%s/tiny_pdmodel/inference.pdmodel", fx);
        unsigned char *mb = pi_read_file(p, &mn);
        put_file(d, "__model__", mb, mn);
        free(mb);
    }
}

static void ldir_free(ldir *d) {
    free(d->bytes);
    test_rmtree(d->tmp);
}

static void expect_dir_fail(const ldir *d, int code, const char *file, const char *needle) {
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_legacy_dir(d->dir, &l, &e);
    if (rc != code) fail_msg("rc %d (want %d): %s", rc, code, e.msg);
    assert_int_equal(l.n, 0);
    char p[PATH_MAX + 300];
    if (file) path_in(d, p, sizeof p, file);
    pi_assert_message(&e, file ? p : d->dir);
    if (needle && !strstr(e.msg, needle)) fail_msg("expected '%s' in: %s", needle, e.msg);
}

static void test_tiny_dir(void **state) {
    (void)state;
    ldir d;
    ldir_make(&d, 1);
    put_file(&d, ".DS_Store", "junk", 4); /* hidden: skipped */
    zoo_tensor_list l;
    zoo_error e = {0};
    if (zoo_read_legacy_dir(d.dir, &l, &e) != 0) fail_msg("%s", e.msg);
    /* same tensors and bytes as Paddle loads from the combined file; no name table */
    pi_model m;
    pi_expected("tiny_pdmodel", &m);
    m.n_names = 0;
    assert_int_equal(l.n, m.n);
    for (int i = 0; i < m.n; i++) {
        assert_string_equal(l.items[i].name, m.t[i].name);
        char sha[65];
        pi_sha256_hex(l.items[i].data, l.items[i].nbytes, sha);
        assert_string_equal(sha, m.t[i].sha);
        assert_int_equal(l.items[i].dtype, pi_numpy_dtype(m.t[i].dtype));
    }
    pi_model_free(&m);
    zoo_tensor_list_free(&l);

    /* nested names: sub-directories become '/' in the name; order is strcmp order */
    char sub[PATH_MAX + 64];
    path_in(&d, sub, sizeof sub, "xception_65");
    assert_int_equal(mkdir(sub, 0755), 0);
    path_in(&d, sub, sizeof sub, "xception_65/entry_flow");
    assert_int_equal(mkdir(sub, 0755), 0);
    put_record(&d, "xception_65/entry_flow/weights", 5);
    assert_int_equal(zoo_read_legacy_dir(d.dir, &l, &e), 0);
    assert_int_equal(l.n, 17);
    assert_string_equal(l.items[16].name, "xception_65/entry_flow/weights");
    assert_int_equal(l.items[16].ndim, 4);
    zoo_tensor_list_free(&l);
    ldir_free(&d);
}

static void test_bad_files(void **state) {
    (void)state;
    ldir d;
    char p[PATH_MAX + 64];

    ldir_make(&d, 1);
    /* a record with trailing bytes */
    unsigned char *r = malloc(d.off[1] + 3);
    assert_non_null(r);
    memcpy(r, d.bytes, d.off[1]);
    memset(r + d.off[1], 0, 3);
    put_file(&d, d.names[0], r, d.off[1] + 3);
    expect_dir_fail(&d, ZOO_ERR_INPUT, d.names[0], "3 unexpected bytes");
    /* truncated record */
    put_file(&d, d.names[0], r, d.off[1] - 1);
    expect_dir_fail(&d, ZOO_ERR_INPUT, d.names[0], "truncated tensor data");
    free(r);
    put_record(&d, d.names[0], 0);
    /* empty file, text file */
    put_file(&d, "learning_rate_0", "", 0);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "learning_rate_0", "empty file");
    put_file(&d, "learning_rate_0", "hello, world\n", 13);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "learning_rate_0", NULL);
    path_in(&d, p, sizeof p, "learning_rate_0");
    unlink(p);
    /* a record whose shape contradicts __model__: conv2d_0.w_0 holding linear_0.w_0's
     * FP32 [4,2] record */
    put_record(&d, "conv2d_0.w_0", 15);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "conv2d_0.w_0", "shape [4, 2] but __model__ declares [4, 3, 3, 3]");
    put_record(&d, "conv2d_0.w_0", 6); /* FP64 record */
    expect_dir_fail(&d, ZOO_ERR_INPUT, "conv2d_0.w_0", "data type FP64 but __model__ declares FP32");
    put_record(&d, "conv2d_0.w_0", 5);
    /* a name __model__ does not know is kept unchecked */
    put_record(&d, "velocity_0", 6);
    zoo_tensor_list l;
    zoo_error e = {0};
    assert_int_equal(zoo_read_legacy_dir(d.dir, &l, &e), 0);
    assert_int_equal(l.n, 17);
    zoo_tensor_list_free(&l);
    /* files of other formats */
    put_file(&d, "inference.pdiparams", d.bytes, d.n);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "inference.pdiparams", "a Paddle model file");
    path_in(&d, p, sizeof p, "inference.pdiparams");
    unlink(p);
    put_file(&d, "__params__", d.bytes, d.n);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "__params__", "combined parameter file");
    unlink(strcat(strcpy(p, d.dir), "/__params__"));
    /* a corrupt __model__ */
    put_file(&d, "__model__", "\x0a\x7f", 2);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "__model__", "malformed ProgramDesc");
    ldir_free(&d);
}

static void test_links_and_specials(void **state) {
    (void)state;
    ldir d;
    char p[PATH_MAX + 64], q[PATH_MAX + 64];
    ldir_make(&d, 0);
    /* symlink to a valid record elsewhere: refused all the same */
    path_in(&d, p, sizeof p, "linked");
    path_in(&d, q, sizeof q, d.names[0]);
    assert_int_equal(symlink(q, p), 0);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "linked", "symbolic link");
    unlink(p);
    path_in(&d, p, sizeof p, "sub");
    assert_int_equal(symlink("/etc", p), 0);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "sub", "symbolic link");
    unlink(p);
    path_in(&d, p, sizeof p, "pipe");
    assert_int_equal(mkfifo(p, 0644), 0);
    expect_dir_fail(&d, ZOO_ERR_INPUT, "pipe", "not a regular file");
    unlink(p);
    ldir_free(&d);
}

static void test_missing_and_empty(void **state) {
    (void)state;
    char tmp[PATH_MAX], p[PATH_MAX + 16];
    test_tmpdir(tmp, sizeof tmp);
    zoo_tensor_list l;
    zoo_error e = {0};
    assert_int_equal(zoo_read_legacy_dir(tmp, &l, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, tmp);
    assert_non_null(strstr(e.msg, "no parameter files"));
    pi_fmt(p, sizeof p, "%s/nope", tmp);
    assert_int_equal(zoo_read_legacy_dir(p, &l, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, p);
    pi_write_file(p, "x", 1);
    assert_int_equal(zoo_read_legacy_dir(p, &l, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "not a directory"));
    test_rmtree(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_squeezenet_dir),
        cmocka_unit_test(test_tiny_dir),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_links_and_specials),
        cmocka_unit_test(test_missing_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
