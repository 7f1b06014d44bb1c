/* tests/unit/test_family_densenet.c - the "densenet" plugin's DenseNet models
 * (DenseNet121/161/169/201/264) against the real PaddleClas model:
 *   - registration (family, default size, resize_short, classes);
 *   - parameters equal ../shared/data/paddleclas-keys/<Model>.tsv exactly
 *     (names, aliases, shapes, trainable flags, order);
 *   - shapes: input [1,3,224,224] -> output [1,1000,1,1], other input sizes
 *     build (final feature map = the size arithmetic of the stem and the
 *     three stride-2 transitions), a too-small input fails with a message;
 *   - every dense layer's concat is [old, new] with the new part = growth;
 *   - statistics vs docs/formats.md section 8 and the PaddleClas doc table;
 *   - the manifest manifests/<Model>.json agrees with the registry and table.
 */
#include "family_dd_check.h"

/* keys / floats: docs/formats.md 6.1 (counted in the real .pdparams files);
 * macs_g: formats.md 8 "MACs (G)" (shape-only run of the real PaddleClas
 * module, conv + fc multiply-accumulates at 224, 4 decimals);
 * doc_flops_g / doc_params_m: PaddleClas docs/en/models/DPN_DenseNet_en.md
 * (= /work/shared/docs/flops_table.md "doc" columns). */
typedef struct dn_expect {
    const char *name;
    int growth;
    int blocks[4];
    int final_channels;
    int keys;
    int64_t floats;
    double macs_g;
    double doc_flops_g;
    double doc_params_m;
} dn_expect;

static const dn_expect models[] = {
    {"DenseNet121", 32, {6, 12, 24, 16}, 1024, 606, 8062504, 2.8342, 5.690, 7.98},
    {"DenseNet161", 48, {6, 12, 36, 24}, 2208, 806, 28900936, 7.7279, 15.490, 28.68},
    {"DenseNet169", 32, {6, 12, 32, 32}, 1664, 846, 14307880, 3.3598, 6.740, 14.15},
    {"DenseNet201", 32, {6, 12, 48, 32}, 1920, 1006, 20242984, 4.2914, 8.610, 20.01},
    {"DenseNet264", 32, {6, 12, 64, 48}, 2688, 1326, 33736232, 5.7517, 11.540, 33.37},
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

/* Shape of the value a node consumes as input k. */
static zoo_shape input_shape_of(const zoo_graph *g, const zoo_node_info *ni, int k) {
    zoo_value v = ni->inputs[k];
    const int n = zoo_graph_node_count(g);
    for (int i = 0; i < n; i++) {
        zoo_node_info p;
        assert_int_equal(zoo_graph_node(g, i, &p), 0);
        if (p.output == v) return p.out_shape;
    }
    fail_msg("%s: input %d (value %d) has no producer", ni->name, k, (int)v);
    return (zoo_shape){0, 0, 0, 0};
}

static int find_node(const zoo_graph *g, const char *name, zoo_node_info *out) {
    const int n = zoo_graph_node_count(g);
    for (int i = 0; i < n; i++) {
        assert_int_equal(zoo_graph_node(g, i, out), 0);
        if (strcmp(out->name, name) == 0) return i;
    }
    return -1;
}

static void test_registry(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const zoo_model_desc *d = zoo_model_find(ctx, models[m].name);
        if (!d) fail_msg("%s is not registered", models[m].name);
        assert_string_equal(d->family, "densenet");
        assert_int_equal(d->input_channels, 3);
        assert_int_equal(d->input_size, 224);   /* formats.md 7: crop 224 */
        assert_int_equal(d->resize_short, 256); /* formats.md 7: resize_short 256 */
        assert_int_equal(d->num_classes, 1000);
        assert_non_null(d->summary);
    }
    zoo_ctx_free(ctx);
}

static void test_params_match_paddleclas_keys(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        zoo_graph *g = fdd_build(ctx, models[m].name, 0, 0);
        fdd_check_params(g, models[m].name); /* first: it lists every difference */
        assert_int_equal(zoo_graph_param_count(g), models[m].keys);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_shapes_and_concat_order(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const dn_expect *x = &models[m];
        zoo_graph *g = fdd_build(ctx, x->name, 0, 0);
        fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, 224, 224, x->name);
        fdd_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, x->name);
        zoo_node_info ni;
        if (find_node(g, "batch_norm", &ni) < 0) fail_msg("%s: no node batch_norm", x->name);
        fdd_expect_shape(ni.out_shape, 1, x->final_channels, 7, 7, "final batch_norm");

        int concats = 0, want = 0;
        for (int b = 0; b < 4; b++) want += x->blocks[b];
        const int n = zoo_graph_node_count(g);
        for (int i = 0; i < n; i++) {
            assert_int_equal(zoo_graph_node(g, i, &ni), 0);
            if (ni.op != ZOO_OP_CONCAT) continue;
            concats++;
            assert_int_equal(ni.n_inputs, 2);
            zoo_shape a = input_shape_of(g, &ni, 0), b = input_shape_of(g, &ni, 1);
            if (b.c != x->growth || a.c != ni.out_shape.c - x->growth)
                fail_msg("%s %s: concat of %d + %d channels, expected [old %d, new %d]", x->name,
                         ni.name, a.c, b.c, ni.out_shape.c - x->growth, x->growth);
        }
        assert_int_equal(concats, want);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

/* Stem: conv s2 p3 k7 then maxpool k3 s2 p1 (floor), then three AvgPool 2 s2. */
static int final_size(int s) {
    s = (s + 6 - 7) / 2 + 1;
    s = (s + 2 - 3) / 2 + 1;
    for (int i = 0; i < 3; i++) s = (s - 2) / 2 + 1;
    return s;
}

static void test_other_input_sizes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    static const int sizes[][2] = {{256, 320}, {225, 199}, {64, 64}};
    for (int m = 0; m < N_MODELS; m++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            const int h = sizes[k][0], w = sizes[k][1];
            zoo_graph *g = fdd_build(ctx, models[m].name, h, w);
            fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, h, w, models[m].name);
            fdd_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, models[m].name);
            zoo_node_info ni;
            if (find_node(g, "batch_norm", &ni) < 0) fail_msg("no node batch_norm");
            fdd_expect_shape(ni.out_shape, 1, models[m].final_channels, final_size(h),
                             final_size(w), models[m].name);
            zoo_graph_free(g);
        }
    }
    /* 16x16: 8 -> 4 -> 2 -> 1 -> 0 at the third transition: must fail cleanly */
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, "DenseNet121", 16, 16, &e);
    assert_null(g);
    assert_int_not_equal(e.code, ZOO_OK);
    assert_true(strlen(e.msg) > 0);
    zoo_ctx_free(ctx);
}

/* Tolerances (docs/formats.md section 8, reproduced with the real PaddleClas
 * modules): DenseNet's doc FLOPs are 2 x (conv + fc MACs) at 224, measured
 * ratio 0.996..0.998 -> |2*MACs/doc - 1| <= 0.5 %; doc Params are the
 * trainable parameters (BN running stats excluded) rounded to 10^4, measured
 * within 0.1 % (DenseNet264 33.338 vs 33.37) -> 0.4 %. Exact checks: all
 * parameter elements = the floats counted in the .pdparams file (6.1); MACs
 * equal the 4-decimal reproduction (half a unit of the last digit). */
static void test_stats_vs_table(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char shared[PATH_MAX], err[FDD_ERR_MAX];
    const char *sh = test_shared_dir(shared, sizeof shared);
    for (int m = 0; m < N_MODELS; m++) {
        const dn_expect *x = &models[m];
        zoo_graph *g = fdd_build(ctx, x->name, 0, 0);
        zoo_graph_stats s;
        zoo_graph_stats_compute(g, &s);
        print_message("[ INFO     ] %-12s params %" PRId64 " trainable %" PRId64 " (doc %.2f M, "
                      "%+.3f%%) MACs %.4f G 2xMACs %.3f G (doc %.3f, %+.3f%%) stat_flops %.3f G "
                      "stat_params %.3f M\n",
                      x->name, s.params, s.params_trainable, x->doc_params_m,
                      100.0 * (s.params_trainable / 1e6 / x->doc_params_m - 1), s.macs / 1e9,
                      2 * s.macs / 1e9, x->doc_flops_g,
                      100.0 * (2 * s.macs / 1e9 / x->doc_flops_g - 1), s.stat_flops / 1e9,
                      s.stat_params / 1e6);
        assert_int_equal(s.params, x->floats);
        if (sh) { /* trainable count exactly as the real model flags it */
            fdd_tsv t;
            if (fdd_tsv_load(sh, x->name, &t, err, sizeof err) != 0) fail_msg("%s", err);
            int64_t tr = 0;
            for (int i = 0; i < t.n; i++) {
                int64_t ne = 1;
                for (int d = 0; d < t.rows[i].ndim; d++) ne *= t.rows[i].dims[d];
                if (t.rows[i].trainable) tr += ne;
            }
            fdd_tsv_free(&t);
            assert_int_equal(s.params_trainable, tr);
        }
        if (fabs(s.macs / 1e9 - x->macs_g) > 0.5e-4 + 1e-12)
            fail_msg("%s: MACs %.6f G, formats.md 8 reproduction %.4f G", x->name, s.macs / 1e9,
                     x->macs_g);
        if (fdd_rel(2.0 * s.macs / 1e9, x->doc_flops_g) > 0.005)
            fail_msg("%s: 2xMACs %.3f G vs doc FLOPs %.3f G: more than 0.5%% apart", x->name,
                     2.0 * s.macs / 1e9, x->doc_flops_g);
        if (fdd_rel(s.params_trainable / 1e6, x->doc_params_m) > 0.004)
            fail_msg("%s: trainable params %.3f M vs doc %.2f M: more than 0.4%% apart", x->name,
                     s.params_trainable / 1e6, x->doc_params_m);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_manifests(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++)
        fdd_check_manifest(ctx, models[m].name, "dygraph/", models[m].doc_flops_g,
                           models[m].doc_params_m);
    zoo_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_params_match_paddleclas_keys),
        cmocka_unit_test(test_shapes_and_concat_order),
        cmocka_unit_test(test_other_input_sizes),
        cmocka_unit_test(test_stats_vs_table),
        cmocka_unit_test(test_manifests),
    };
    return cmocka_run_group_tests_name("family_densenet", tests, NULL, NULL);
}
