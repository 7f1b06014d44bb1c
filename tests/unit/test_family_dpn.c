/* tests/unit/test_family_dpn.c - the "densenet" plugin's DPN models
 * (DPN68/92/98/107/131) against the real PaddleClas model:
 *   - registration (family, default size, resize_short, classes);
 *   - parameters equal ../shared/data/paddleclas-keys/<Model>.tsv exactly
 *     (names, aliases, shapes incl. the grouped 3x3 weights, trainable
 *     flags, order);
 *   - shapes: input [1,3,224,224] -> output [1,1000,1,1]; the dual path:
 *     residual path bw, dense path 3*inc after the first block of a stage
 *     and + inc per later block; final concat 832 / 2688 channels at 7x7;
 *     other input sizes build;
 *   - statistics vs docs/formats.md section 8 and the PaddleClas doc table;
 *   - the manifest manifests/<Model>.json agrees with the registry and table.
 */
#include "family_dd_check.h"

/* keys / floats: docs/formats.md 6.1 (counted in the real .pdparams files);
 * macs_g: formats.md 8 "MACs (G)" (shape-only run of the real PaddleClas
 * module, conv + fc MACs at 224, 4 decimals); doc_flops_g / doc_params_m:
 * PaddleClas docs/en/models/DPN_DenseNet_en.md (= flops_table.md doc columns).
 * The architecture columns repeat formats.md 6.3 to predict the shapes. */
typedef struct dpn_expect {
    const char *name;
    int k_sec[4], inc_sec[4], bw[4];
    int final_channels;
    int keys;
    int64_t floats;
    double macs_g;
    double doc_flops_g;
    double doc_params_m;
} dpn_expect;

static const dpn_expect models[] = {
    {"DPN68", {3, 4, 12, 3}, {16, 32, 32, 64}, {64, 128, 256, 512}, 832, 361, 12676718, 2.3262,
     4.030, 10.78},
    {"DPN92", {3, 4, 20, 3}, {16, 32, 24, 128}, {256, 512, 1024, 2048}, 2688, 481, 37793608,
     6.5017, 12.540, 36.29},
    {"DPN98", {3, 6, 20, 3}, {16, 32, 32, 128}, {256, 512, 1024, 2048}, 2688, 511, 61735624,
     11.6712, 22.220, 58.46},
    {"DPN107", {4, 8, 20, 3}, {20, 64, 64, 128}, {256, 512, 1024, 2048}, 2688, 556, 87131624,
     18.2988, 35.060, 82.97},
    {"DPN131", {4, 8, 28, 3}, {16, 32, 32, 128}, {256, 512, 1024, 2048}, 2688, 676, 79477864,
     16.0136, 30.510, 75.36},
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

static int find_node(const zoo_graph *g, const char *name, zoo_node_info *out) {
    const int n = zoo_graph_node_count(g);
    for (int i = 0; i < n; i++) {
        assert_int_equal(zoo_graph_node(g, i, out), 0);
        if (strcmp(out->name, name) == 0) return i;
    }
    return -1;
}

static zoo_shape node_shape(const zoo_graph *g, const char *model, const char *name) {
    zoo_node_info ni;
    if (find_node(g, name, &ni) < 0) fail_msg("%s: no node %s", model, name);
    return ni.out_shape;
}

static void test_registry(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const zoo_model_desc *d = zoo_model_find(ctx, models[m].name);
        if (!d) fail_msg("%s is not registered", models[m].name);
        assert_string_equal(d->family, "dpn");
        assert_int_equal(d->input_channels, 3);
        assert_int_equal(d->input_size, 224);   /* formats.md 7 */
        assert_int_equal(d->resize_short, 256); /* formats.md 7 */
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

/* Spatial size after the stem (conv s2, maxpool 3 s2 p1) and `downs` stride-2
 * 3x3 p1 convs; the stem conv is k3 p1 (DPN68) or k7 p3: both give
 * floor((s - 1) / 2) + 1. */
static int spatial(int s, int downs) {
    s = (s - 1) / 2 + 1;
    s = (s - 1) / 2 + 1;
    for (int i = 0; i < downs; i++) s = (s - 1) / 2 + 1;
    return s;
}

static void check_dual_path(const zoo_graph *g, const dpn_expect *x, int h, int w) {
    char name[128];
    int idx = 1;
    for (int gc = 0; gc < 4; gc++) {
        const int hh = spatial(h, gc), ww = spatial(w, gc);
        for (int i = 0; i < x->k_sec[gc]; i++, idx++) {
            snprintf(name, sizeof name, "dpn%d.add", idx);
            fdd_expect_shape(node_shape(g, x->name, name), 1, x->bw[gc], hh, ww, name);
            snprintf(name, sizeof name, "dpn%d.concat_dense", idx);
            fdd_expect_shape(node_shape(g, x->name, name), 1, (3 + i) * x->inc_sec[gc], hh, ww,
                             name);
        }
    }
    fdd_expect_shape(node_shape(g, x->name, "conv5_x_x_bn"), 1, x->final_channels,
                     spatial(h, 3), spatial(w, 3), "conv5_x_x_bn");
    fdd_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, x->name);
}

static void test_shapes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        zoo_graph *g = fdd_build(ctx, models[m].name, 0, 0);
        fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, 224, 224, models[m].name);
        check_dual_path(g, &models[m], 224, 224);
        assert_int_equal(spatial(224, 3), 7);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_other_input_sizes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    static const int sizes[][2] = {{256, 320}, {225, 199}, {32, 48}};
    for (int m = 0; m < N_MODELS; m++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            const int h = sizes[k][0], w = sizes[k][1];
            zoo_graph *g = fdd_build(ctx, models[m].name, h, w);
            fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, h, w, models[m].name);
            check_dual_path(g, &models[m], h, w);
            zoo_graph_free(g);
        }
    }
    zoo_ctx_free(ctx);
}

/* Tolerances (docs/formats.md section 8): PaddleClas' DPN doc numbers come
 * from Paddle's fluid model_stat, which divides grouped-conv cost by groups
 * twice and adds BN/ReLU/pool terms; the same rule (stat_flops) reproduced
 * the doc FLOPs within +1.07 % (DPN68) and <= 0.5 % for the others, so the
 * bound is 1.1 %. The rule's parameter count (grouped weights likewise
 * divided twice, BN 2C, fc in*out + 1) lands within 0.3 % of the doc Params
 * (DPN68 10.81 vs 10.78; the rest <= 0.15 %), bound 0.5 %. Plain 2xMACs
 * overshoots by 4-15 % and is not compared with the doc. Exact checks: all
 * parameter elements = floats in the .pdparams (6.1), trainable = the TSV's
 * trainable tensors, MACs = the 4-decimal reproduction. */
static void test_stats_vs_table(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char shared[PATH_MAX], err[FDD_ERR_MAX];
    const char *sh = test_shared_dir(shared, sizeof shared);
    for (int m = 0; m < N_MODELS; m++) {
        const dpn_expect *x = &models[m];
        zoo_graph *g = fdd_build(ctx, x->name, 0, 0);
        zoo_graph_stats s;
        zoo_graph_stats_compute(g, &s);
        print_message("[ INFO     ] %-7s params %" PRId64 " trainable %" PRId64 " MACs %.4f G "
                      "2xMACs %.3f G stat_flops %.3f G (doc %.3f, %+.3f%%) stat_params %.3f M "
                      "(doc %.2f, %+.3f%%)\n",
                      x->name, s.params, s.params_trainable, s.macs / 1e9, 2 * s.macs / 1e9,
                      s.stat_flops / 1e9, x->doc_flops_g,
                      100.0 * (s.stat_flops / 1e9 / x->doc_flops_g - 1), s.stat_params / 1e6,
                      x->doc_params_m, 100.0 * (s.stat_params / 1e6 / x->doc_params_m - 1));
        assert_int_equal(s.params, x->floats);
        if (sh) {
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
        if (fdd_rel(s.stat_flops / 1e9, x->doc_flops_g) > 0.011)
            fail_msg("%s: model_stat FLOPs %.3f G vs doc %.3f G: more than 1.1%% apart", x->name,
                     s.stat_flops / 1e9, x->doc_flops_g);
        if (fdd_rel(s.stat_params / 1e6, x->doc_params_m) > 0.005)
            fail_msg("%s: model_stat params %.3f M vs doc %.2f M: more than 0.5%% apart", x->name,
                     s.stat_params / 1e6, x->doc_params_m);
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
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_other_input_sizes),
        cmocka_unit_test(test_stats_vs_table),
        cmocka_unit_test(test_manifests),
    };
    return cmocka_run_group_tests_name("family_dpn", tests, NULL, NULL);
}
