/* tests/unit/test_safetensors_src.c - safetensors files as conversion
 * sources (converter/safetensors_src.c on weights/reader.c).
 *
 * A file written by safetensors.torch.save_file (tests/fixtures/pth/
 * sd.safetensors, make_fixtures.py) must give exactly the tensors torch.save
 * wrote for the same state dict (sd_zip.pth, whose values test_pth.c checks
 * against formulas); a native zoo file (made here by a raw conversion) reads
 * the same way, digest checked; a real foreign file from another project
 * (../shared/data/other-formats/mnist-mlp.safetensors) reads. Hand-made bad
 * files (overlapping tensors, offsets past the data, a hole, a shape that
 * does not match its bytes) and every truncation of the real file are
 * refused with one line naming the file, leaving the list empty.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "converter/convert_impl.h"
#include "converter/readers.h"
#include "support/test_support.h"

static void fixture_path(char *p, size_t size, const char *name) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(p, size, "%s/../tests/fixtures/pth/%s", b, name);
}

static void read_ok(const char *path, zoo_tensor_list *l) {
    zoo_error e = {0};
    if (zoo_read_safetensors(path, l, &e) != 0) fail_msg("%s: %s", path, e.msg);
}

/* Same names, dtypes, shapes and bytes (b may hold extra tensors if allowed). */
static void same_tensors(const zoo_tensor_list *a, const zoo_tensor_list *b) {
    assert_int_equal(a->n, b->n);
    for (int i = 0; i < a->n; i++) {
        const zoo_src_tensor *x = &a->items[i];
        int j = zoo_tensor_list_find(b, x->name);
        if (j < 0) fail_msg("%s missing", x->name);
        const zoo_src_tensor *y = &b->items[j];
        assert_int_equal(x->dtype, y->dtype);
        assert_int_equal(x->ndim, y->ndim);
        for (int d = 0; d < x->ndim; d++) assert_int_equal(x->dims[d], y->dims[d]);
        assert_int_equal(x->nbytes, y->nbytes);
        if (x->nbytes) assert_memory_equal(x->data, y->data, x->nbytes);
    }
}

static void test_matches_torch_save(void **state) {
    (void)state;
    char st[PATH_MAX + 64], pth[PATH_MAX + 64];
    fixture_path(st, sizeof st, "sd.safetensors");
    fixture_path(pth, sizeof pth, "sd_zip.pth");
    zoo_tensor_list a, b;
    read_ok(st, &a);
    assert_string_equal(a.format, "safetensors");
    zoo_error e = {0};
    if (zoo_read_pth(pth, &b, &e) != 0) fail_msg("%s", e.msg);
    same_tensors(&a, &b);
    zoo_tensor_list_free(&a);
    zoo_tensor_list_free(&b);
}

static void test_native_file_as_source(void **state) {
    (void)state;
    char st[PATH_MAX + 64], dir[PATH_MAX], out[PATH_MAX + 32];
    fixture_path(st, sizeof st, "sd.safetensors");
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(out, sizeof out, "%s/raw.zoo", dir);
    zoo_error e = {0};
    zoo_convert_opts o = {.dtype = ZOO_DT_F32, .source_url = ""};
    if (zoo_convert_graph(NULL, st, out, &o, &e) != 0) fail_msg("%s", e.msg);
    zoo_tensor_list a, b;
    read_ok(st, &a);
    read_ok(out, &b);
    assert_string_equal(b.format, "zoo-native");
    same_tensors(&a, &b);
    zoo_tensor_list_free(&a);
    zoo_tensor_list_free(&b);
    /* a damaged native file fails its digest */
    FILE *f = fopen(out, "r+b");
    assert_non_null(f);
    fseek(f, -1, SEEK_END);
    int c = fgetc(f);
    fseek(f, -1, SEEK_END);
    fputc(c ^ 0x55, f);
    fclose(f);
    assert_int_not_equal(zoo_read_safetensors(out, &b, &e), 0);
    assert_int_equal(b.n, 0);
    test_rmtree(dir);
}

static void test_foreign_real_file(void **state) {
    (void)state;
    char sh[PATH_MAX], p[PATH_MAX + 64];
    if (!test_shared_dir(sh, sizeof sh)) skip();
    snprintf(p, sizeof p, "%s/data/other-formats/mnist-mlp.safetensors", sh);
    FILE *f = fopen(p, "rb");
    if (!f) skip();
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    uint8_t h[8];
    fseek(f, 0, SEEK_SET);
    assert_int_equal(fread(h, 1, 8, f), 8);
    fclose(f);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | h[i];
    zoo_tensor_list l;
    read_ok(p, &l);
    assert_true(l.n > 0);
    size_t total = 0;
    for (int i = 0; i < l.n; i++) total += l.items[i].nbytes;
    assert_int_equal(total, (size_t)size - 8 - hl); /* the tensors cover the buffer */
    assert_true(zoo_tensor_list_find(&l, "l1.weight") >= 0);
    zoo_tensor_list_free(&l);
}

static void expect_fail(const char *path, const char *needle) {
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_safetensors(path, &l, &e);
    if (rc == 0) {
        zoo_tensor_list_free(&l);
        fail_msg("%s: read succeeded", path);
    }
    assert_int_equal(rc, ZOO_ERR_INPUT);
    assert_int_equal(l.n, 0);
    if (needle && !strstr(e.msg, needle)) fail_msg("'%s' lacks '%s'", e.msg, needle);
    assert_null(strchr(e.msg, '\n'));
}

static void test_bad_files(void **state) {
    (void)state;
    static const char *const cases[][2] = {
        {"st_bad_overlap.safetensors", "overlap"},
        {"st_bad_offsets.safetensors", "data_offsets"},
        {"st_bad_hole.safetensors", "belong to no tensor"},
        {"st_bad_shape.safetensors", "7 elements needs 28"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[PATH_MAX + 64];
        fixture_path(p, sizeof p, cases[i][0]);
        expect_fail(p, cases[i][1]);
    }
}

static void test_truncations(void **state) {
    (void)state;
    char st[PATH_MAX + 64], dir[PATH_MAX], out[PATH_MAX + 32];
    fixture_path(st, sizeof st, "sd.safetensors");
    FILE *f = fopen(st, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(out, sizeof out, "%s/cut.safetensors", dir);
    for (long k = 0; k < n; k++) {
        FILE *o = fopen(out, "wb");
        assert_non_null(o);
        if (k) assert_int_equal(fwrite(d, 1, (size_t)k, o), (size_t)k);
        fclose(o);
        expect_fail(out, NULL);
    }
    free(d);
    test_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_torch_save),
        cmocka_unit_test(test_native_file_as_source),
        cmocka_unit_test(test_foreign_real_file),
        cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_truncations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
