/* tests/unit/test_bind.c - binding weights to a graph (weights/bind.c).
 *
 * A small hand-built graph (conv with an optional bias, batchnorm, linear)
 * is bound to native files written by zoo's writer: F32 tensors are used in
 * place, F16 / BF16 are widened exactly, an absent optional parameter reads
 * as zeros, and every missing / unexpected / mis-shaped / wrongly typed
 * tensor is reported in one message while the earlier binding stays intact.
 * Re-binding releases owned buffers (ASan's leak checker watches). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/graph_impl.h"
#include "support/test_support.h"

#define NP 8 /* parameters of the test graph */

static const char *const pnames[NP] = {"c1.weight", "c1.bias",     "bn1.weight", "bn1.bias",
                                       "bn1.mean",  "bn1.variance", "fc.weight", "fc.bias"};
static const int pndim[NP] = {4, 1, 1, 1, 1, 1, 2, 1};
static const int64_t pdims[NP][4] = {{4, 3, 3, 3}, {4}, {4}, {4}, {4}, {4}, {4, 5}, {5}};

static zoo_graph *build_graph(void) {
    const zoo_host_api *H = zoo_host();
    zoo_graph *g = zoo_graph_new("BindNet");
    assert_non_null(g);
    zoo_conv2d_desc cd = {.out_channels = 4, .kernel_h = 3, .kernel_w = 3, .pad_top = 1,
                          .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    zoo_value x = H->input(g, "image", 3, 8, 8);
    x = H->conv2d(g, "c1", x, &cd, "c1.weight", "c1.bias");
    x = H->batchnorm(g, "bn1", x, 1e-5f, "bn1.weight", "bn1.bias", "bn1.mean", "bn1.variance");
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    x = H->pool2d(g, "gap", x, &gp);
    x = H->flatten(g, "flat", x);
    x = H->linear(g, "fc", x, 5, "fc.weight", "fc.bias");
    H->output(g, x);
    H->param_flags(g, "c1.bias", ZOO_PARAM_OPTIONAL);
    H->ignore_source(g, "aux.weight");
    zoo_error e = {0};
    if (zoo_graph_finalize(g, &e)) fail_msg("finalize: %s", e.msg);
    /* the layout this test relies on */
    assert_int_equal(zoo_graph_param_count(g), NP);
    for (int i = 0; i < NP; i++) {
        zoo_param_info pi;
        assert_int_equal(zoo_graph_param(g, i, &pi), 0);
        assert_string_equal(pi.name, pnames[i]);
        assert_int_equal(pi.ndim, pndim[i]);
        for (int k = 0; k < pi.ndim; k++) assert_int_equal(pi.dims[k], pdims[i][k]);
        assert_false(pi.bound);
    }
    return g;
}

static int64_t numel_of(int i) {
    int64_t n = 1;
    for (int k = 0; k < pndim[i]; k++) n *= pdims[i][k];
    return n;
}

/* Random values for every parameter, as fp32 (values[i] has numel_of(i)). */
typedef struct values {
    float *v[NP];
    uint16_t *h[NP]; /* fp16 of v (zoo's rounding) */
} values;

static void values_make(values *vals, uint64_t seed) {
    test_rng r = {seed};
    for (int i = 0; i < NP; i++) {
        int64_t n = numel_of(i);
        vals->v[i] = malloc(sizeof(float) * (size_t)n);
        vals->h[i] = malloc(sizeof(uint16_t) * (size_t)n);
        assert_true(vals->v[i] && vals->h[i]);
        for (int64_t k = 0; k < n; k++) {
            vals->v[i][k] = test_rng_uniform(&r, -3.f, 3.f);
            vals->h[i][k] = zoo_f32_to_f16(vals->v[i][k]);
        }
    }
}

static void values_free(values *vals) {
    for (int i = 0; i < NP; i++) {
        free(vals->v[i]);
        free(vals->h[i]);
    }
}

typedef struct extra_tensor {
    const char *name;
    zoo_dtype dtype;
    int ndim;
    int64_t dims[4];
} extra_tensor;

/* Writes parameters (all but those in `skip`, a '|'-separated list, each in
 * `dtype`, except that bf16_param is written as BF16), plus extra tensors. */
static void write_file(const char *path, const values *vals, zoo_dtype dtype, const char *skip,
                       const char *bf16_param, const extra_tensor *extra, int n_extra) {
    zoo_error e = {0};
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    if (!w) fail_msg("%s", e.msg);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.model", "BindNet", &e), 0);
    uint16_t *bf[NP] = {0};
    for (int i = 0; i < NP; i++) {
        char pat[64];
        snprintf(pat, sizeof pat, "|%s|", pnames[i]);
        if (skip && strstr(skip, pat)) continue;
        zoo_dtype dt = dtype;
        const void *data = dtype == ZOO_DT_F16 ? (const void *)vals->h[i] : vals->v[i];
        if (bf16_param && !strcmp(bf16_param, pnames[i])) {
            int64_t n = numel_of(i);
            bf[i] = malloc(sizeof(uint16_t) * (size_t)n);
            assert_non_null(bf[i]);
            for (int64_t k = 0; k < n; k++) {
                uint32_t u;
                memcpy(&u, &vals->v[i][k], 4);
                bf[i][k] = (uint16_t)(u >> 16); /* truncation: any bf16 value will do */
            }
            dt = ZOO_DT_BF16;
            data = bf[i];
        }
        assert_int_equal(zoo_weights_writer_add(w, pnames[i], dt, pndim[i], pdims[i], data, &e), 0);
    }
    static const unsigned char zeros[4096];
    for (int i = 0; i < n_extra; i++)
        assert_int_equal(zoo_weights_writer_add(w, extra[i].name, extra[i].dtype, extra[i].ndim,
                                                extra[i].dims, zeros, &e),
                         0);
    if (zoo_weights_writer_finish(w, &e)) fail_msg("finish: %s", e.msg);
    for (int i = 0; i < NP; i++) free(bf[i]);
}

static zoo_weights *open_ok(const char *path) {
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, &e);
    if (!w) fail_msg("open: %s", e.msg);
    return w;
}

/* ---- tests ------------------------------------------------------------ */

static void test_bind_f32_in_place(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/f32.zoo", dir);
    values vals;
    values_make(&vals, 1);
    write_file(path, &vals, ZOO_DT_F32, NULL, NULL, NULL, 0);
    zoo_graph *g = build_graph();
    zoo_weights *w = open_ok(path);
    zoo_error e = {0};
    if (zoo_graph_bind(g, w, &e)) fail_msg("bind: %s", e.msg);
    for (int i = 0; i < NP; i++) {
        zoo_tensor_view v;
        assert_int_equal(zoo_weights_find(w, pnames[i], &v), 0);
        assert_ptr_equal(zoo_graph_param_data(g, i), v.data); /* no copy */
        assert_memory_equal(zoo_graph_param_data(g, i), vals.v[i], sizeof(float) * (size_t)numel_of(i));
        zoo_param_info pi;
        zoo_graph_param(g, i, &pi);
        assert_true(pi.bound);
        assert_null(g->params[i].owned);
    }
    assert_null(zoo_graph_param_data(g, -1));
    assert_null(zoo_graph_param_data(g, NP));
    zoo_graph_free(g);
    zoo_weights_close(w);
    values_free(&vals);
    test_rmtree(dir);
}

static void test_bind_optional_absent_is_zero(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/nobias.zoo", dir);
    values vals;
    values_make(&vals, 2);
    /* aux.weight is a source the model declared ignorable: not "unexpected" */
    extra_tensor aux = {"aux.weight", ZOO_DT_F32, 2, {3, 3}};
    write_file(path, &vals, ZOO_DT_F32, "|c1.bias|", NULL, &aux, 1);
    zoo_graph *g = build_graph();
    zoo_weights *w = open_ok(path);
    zoo_error e = {0};
    if (zoo_graph_bind(g, w, &e)) fail_msg("bind: %s", e.msg);
    const float *b = zoo_graph_param_data(g, 1);
    assert_non_null(b);
    for (int k = 0; k < 4; k++) assert_true(b[k] == 0.0f);
    assert_ptr_equal(g->params[1].owned, b);
    assert_memory_equal(zoo_graph_param_data(g, 0), vals.v[0], sizeof(float) * 108);
    zoo_graph_free(g);
    zoo_weights_close(w);
    values_free(&vals);
    test_rmtree(dir);
}

/* F16 (and one BF16) tensors are widened exactly into graph-owned buffers
 * that stay valid after the file is closed; re-binding frees them. */
static void test_bind_widening_and_rebind(void **state) {
    (void)state;
    char dir[512], p16[600], p32[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(p16, sizeof p16, "%s/f16.zoo", dir);
    snprintf(p32, sizeof p32, "%s/f32.zoo", dir);
    values vals;
    values_make(&vals, 3);
    write_file(p16, &vals, ZOO_DT_F16, NULL, "fc.weight", NULL, 0);
    write_file(p32, &vals, ZOO_DT_F32, NULL, NULL, NULL, 0);
    zoo_graph *g = build_graph();
    zoo_weights *w = open_ok(p16);
    zoo_error e = {0};
    if (zoo_graph_bind(g, w, &e)) fail_msg("bind: %s", e.msg);
    zoo_weights_close(w); /* widened data is the graph's own */
    for (int i = 0; i < NP; i++) {
        const float *d = zoo_graph_param_data(g, i);
        assert_non_null(g->params[i].owned);
        assert_ptr_equal(d, g->params[i].owned);
        for (int64_t k = 0; k < numel_of(i); k++) {
            float want;
            if (i == 6) { /* BF16: the top 16 bits of the fp32 value */
                uint32_t u;
                memcpy(&u, &vals.v[i][k], 4);
                u &= 0xffff0000u;
                memcpy(&want, &u, 4);
            } else {
                want = zoo_f16_to_f32(vals.h[i][k]);
                /* fp16 of values in [-3, 3] is within 2^-11 relative of the source */
                assert_true(fabsf(want - vals.v[i][k]) <= 3.0f / 2048);
            }
            assert_true(d[k] == want);
        }
    }
    /* re-bind from an fp32 file: owned buffers are released (ASan checks) */
    w = open_ok(p32);
    if (zoo_graph_bind(g, w, &e)) fail_msg("re-bind: %s", e.msg);
    for (int i = 0; i < NP; i++) {
        assert_null(g->params[i].owned);
        assert_memory_equal(zoo_graph_param_data(g, i), vals.v[i], sizeof(float) * (size_t)numel_of(i));
    }
    /* and back to arrays */
    const float *arr[NP];
    for (int i = 0; i < NP; i++) arr[i] = vals.v[i];
    arr[1] = NULL; /* optional: zeros */
    if (zoo_graph_bind_arrays(g, arr, &e)) fail_msg("bind_arrays: %s", e.msg);
    assert_ptr_equal(zoo_graph_param_data(g, 0), vals.v[0]);
    assert_true(zoo_graph_param_data(g, 1)[3] == 0.0f);
    zoo_weights_close(w);
    zoo_graph_free(g);
    values_free(&vals);
    test_rmtree(dir);
}

/* Everything wrong is reported at once; the earlier binding survives. */
static void test_bind_reports_everything(void **state) {
    (void)state;
    char dir[512], good[600], bad[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(good, sizeof good, "%s/good.zoo", dir);
    snprintf(bad, sizeof bad, "%s/bad.zoo", dir);
    values vals;
    values_make(&vals, 4);
    write_file(good, &vals, ZOO_DT_F32, NULL, NULL, NULL, 0);
    zoo_graph *g = build_graph();
    zoo_weights *wg = open_ok(good);
    zoo_error e = {0};
    assert_int_equal(zoo_graph_bind(g, wg, &e), 0);
    const float *before[NP];
    for (int i = 0; i < NP; i++) before[i] = zoo_graph_param_data(g, i);

    /* hand-made wrong file: the writer takes any names and shapes */
    zoo_weights_writer *w = zoo_weights_writer_new(bad, &e);
    assert_non_null(w);
    static const float z[256];
    static const int64_t c1w[] = {4, 3, 3, 2}, v4[] = {4}, fcb[] = {5}, ex[] = {2, 2};
    static const int64_t bnv[] = {4};
    static const int64_t i64v[4] = {0};
    assert_int_equal(zoo_weights_writer_add(w, "c1.weight", ZOO_DT_F32, 4, c1w, z, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "bn1.weight", ZOO_DT_F32, 1, v4, z, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "bn1.bias", ZOO_DT_F32, 1, v4, z, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "bn1.variance", ZOO_DT_I64, 1, bnv, i64v, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "fc.bias", ZOO_DT_F32, 1, fcb, z, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "extra.t", ZOO_DT_F32, 2, ex, z, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "aux.weight", ZOO_DT_F32, 2, ex, z, &e), 0);
    assert_int_equal(zoo_weights_writer_finish(w, &e), 0);
    zoo_weights *wb = open_ok(bad);
    assert_int_equal(zoo_graph_bind(g, wb, &e), ZOO_ERR_INPUT);
    char want[1024];
    snprintf(want, sizeof want,
             "%s: does not fit model BindNet: 2 missing (bn1.mean, fc.weight), 1 unexpected "
             "(extra.t), 1 mis-shaped (c1.weight: file 4x3x3x2, model 4x3x3x3), 1 with a "
             "non-float dtype (bn1.variance: I64)",
             bad);
    assert_string_equal(e.msg, want);
    /* c1.bias is optional, aux.weight ignorable: neither is mentioned */
    assert_null(strstr(e.msg, "c1.bias"));
    assert_null(strstr(e.msg, "aux.weight"));
    for (int i = 0; i < NP; i++) assert_ptr_equal(zoo_graph_param_data(g, i), before[i]);
    zoo_weights_close(wb);
    zoo_weights_close(wg);
    zoo_graph_free(g);
    values_free(&vals);
    test_rmtree(dir);
}

/* A file for another model: hundreds of problems, one bounded message. */
static void test_bind_long_report_truncated(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/other.zoo", dir);
    zoo_error e = {0};
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    static const float z[4];
    static const int64_t d1[] = {1};
    char name[128];
    for (int i = 0; i < 300; i++) {
        snprintf(name, sizeof name, "backbone.stage_%03d.some_rather_long_block_name.conv.weight", i);
        assert_int_equal(zoo_weights_writer_add(w, name, ZOO_DT_F32, 1, d1, z, &e), 0);
    }
    assert_int_equal(zoo_weights_writer_finish(w, &e), 0);
    zoo_graph *g = build_graph();
    zoo_weights *wf = open_ok(path);
    assert_int_equal(zoo_graph_bind(g, wf, &e), ZOO_ERR_INPUT);
    assert_true(strlen(e.msg) < ZOO_ERROR_MSG_MAX - 1);
    assert_null(strchr(e.msg, '\n'));
    assert_non_null(strstr(e.msg, "7 missing (c1.weight, "));
    assert_non_null(strstr(e.msg, "300 unexpected (backbone.stage_000."));
    assert_non_null(strstr(e.msg, " more)"));
    print_message("    %s\n", e.msg);
    for (int i = 0; i < NP; i++) assert_null(zoo_graph_param_data(g, i));
    zoo_weights_close(wf);
    zoo_graph_free(g);
    test_rmtree(dir);
}

static void test_bind_arrays_missing(void **state) {
    (void)state;
    zoo_graph *g = build_graph();
    values vals;
    values_make(&vals, 5);
    const float *arr[NP];
    for (int i = 0; i < NP; i++) arr[i] = vals.v[i];
    arr[4] = NULL;
    arr[7] = NULL;
    zoo_error e = {0};
    assert_int_equal(zoo_graph_bind_arrays(g, arr, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "BindNet"));
    assert_non_null(strstr(e.msg, "2 missing (bn1.mean, fc.bias)"));
    for (int i = 0; i < NP; i++) assert_null(zoo_graph_param_data(g, i));
    arr[4] = vals.v[4];
    arr[7] = vals.v[7];
    assert_int_equal(zoo_graph_bind_arrays(g, arr, &e), 0);
    for (int i = 0; i < NP; i++) assert_ptr_equal(zoo_graph_param_data(g, i), vals.v[i]);
    zoo_graph_free(g);
    values_free(&vals);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bind_f32_in_place),
        cmocka_unit_test(test_bind_optional_absent_is_zero),
        cmocka_unit_test(test_bind_widening_and_rebind),
        cmocka_unit_test(test_bind_reports_everything),
        cmocka_unit_test(test_bind_long_report_truncated),
        cmocka_unit_test(test_bind_arrays_missing),
    };
    return cmocka_run_group_tests_name("bind", tests, NULL, NULL);
}
