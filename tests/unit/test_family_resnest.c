/* tests/unit/test_family_resnest.c - the "resnest" plugin (ResNeSt50,
 * ResNeSt50_fast_1s1x64d) against the real PaddleClas model:
 *   - registration (family, default size, resize_short, classes);
 *   - parameters equal ../shared/data/paddleclas-keys/<Model>.tsv exactly
 *     (names, order, Paddle-name aliases incl. the auto name conv2d_<n>.b_0 of
 *     the attention bias, shapes, trainable flags); the attention bias is the
 *     only OPTIONAL parameter (weights from before PaddleClas fdaf24ee lack it);
 *   - structure: every avd / avg_down pool is exclusive (Paddle default),
 *     floor mode; rSoftmax is a softmax over the radix axis of a
 *     [radix, C, 1] view (ResNeSt50) or a sigmoid (radix 1); BN eps 1e-5;
 *   - shapes: [1,3,224,224] -> [1,1000,1,1]; other sizes build; an input whose
 *     shortcut and main paths disagree (odd stage size, as in Paddle) fails
 *     with a message instead of crashing;
 *   - statistics vs docs/formats.md section 8 and the PaddleClas doc table;
 *   - manifests/<Model>.json agrees with the registry and the table;
 *   - numbers: both CPU backends against the real PaddleClas module with random
 *     weights (family_ri_ref.py; skipped without the test venv).
 */
#include <jansson.h>

#include "family_ri_check.h"

/* floats: formats.md 6.1 (counted in the real .pdparams, conv3 bias included);
 * macs_g: formats.md 8 "MACs (G)" (shape-only run of the real PaddleClas
 * module, conv + fc multiply-accumulates at 224, 4 decimals);
 * doc_flops_g / doc_params_m: PaddleClas docs/en/models/ResNeSt_RegNet_en.md
 * (= /work/shared/docs/flops_table.md "doc" columns). */
typedef struct rs_expect {
    const char *name;
    int radix;
    int keys;
    int64_t floats;
    double macs_g;
    double doc_flops_g;
    double doc_params_m;
} rs_expect;

static const rs_expect models[] = {
    {"ResNeSt50", 2, 389, 27545928, 5.3712, 10.78, 27.50},
    {"ResNeSt50_fast_1s1x64d", 1, 389, 26272136, 4.3295, 8.68, 26.30},
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

static void test_registry(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const zoo_model_desc *d = zoo_model_find(ctx, models[m].name);
        if (!d) fail_msg("%s is not registered", models[m].name);
        assert_string_equal(d->family, "resnest");
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
    const fri_opts o = {.optional_suffix = ".conv2.conv3.bias"};
    for (int m = 0; m < N_MODELS; m++) {
        zoo_graph *g = fri_build(ctx, models[m].name, 0, 0);
        assert_int_equal(zoo_graph_param_count(g), models[m].keys);
        fri_check_params(g, models[m].name, &o);
        /* 16 bottlenecks -> 16 optional attention biases */
        int optional = 0;
        for (int i = 0; i < zoo_graph_param_count(g); i++) {
            zoo_param_info p;
            assert_int_equal(zoo_graph_param(g, i, &p), 0);
            optional += (p.flags & ZOO_PARAM_OPTIONAL) != 0;
        }
        assert_int_equal(optional, 16);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_structure(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const rs_expect *x = &models[m];
        zoo_graph *g = fri_build(ctx, x->name, 0, 0);
        int avg = 0, softmax = 0, sigmoid = 0, bn = 0;
        for (int i = 0; i < zoo_graph_node_count(g); i++) {
            const zoo_node *nd = fri_node(g, i);
            if (nd->op == ZOO_OP_POOL2D && nd->attr.pool.kind == ZOO_POOL_AVG &&
                !nd->attr.pool.global) {
                avg++;
                if (!nd->attr.pool.exclusive || nd->attr.pool.ceil_mode)
                    fail_msg("%s %s: avg pool must be exclusive, floor mode", x->name, nd->name);
            }
            if (nd->op == ZOO_OP_SOFTMAX) {
                softmax++;
                /* radix-major view [radix, C, 1] with the softmax across the radix */
                const zoo_shape s = g->values[nd->output].shape;
                assert_int_equal(nd->attr.softmax.axis, 1);
                assert_int_equal(s.c, x->radix);
                assert_int_equal(s.w, 1);
            }
            if (nd->op == ZOO_OP_ACT && nd->attr.act.kind == ZOO_ACT_SIGMOID) sigmoid++;
            if (nd->op == ZOO_OP_BATCHNORM) {
                bn++;
                assert_true(fabsf(nd->attr.bn.eps - 1e-5f) < 1e-12f);
            }
        }
        /* avd pools (stride-2 first blocks of layers 2-4) + avg_down pools (same blocks;
         * layer1's kernel-1 pool is the identity) */
        assert_int_equal(avg, 6);
        assert_int_equal(softmax, x->radix > 1 ? 16 : 0);
        assert_int_equal(sigmoid, x->radix > 1 ? 0 : 16);
        /* stem 3 + 16 blocks x (conv1, splat conv1, splat conv2, conv3) + 4 shortcuts */
        assert_int_equal(bn, 3 + 16 * 4 + 4);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_shapes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    /* stage inputs must be even (see below): 256 -> 64, 320x288 -> 80x72 */
    static const int sizes[][2] = {{0, 0}, {256, 256}, {320, 288}};
    for (int m = 0; m < N_MODELS; m++) {
        for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
            const int h = sizes[k][0] ? sizes[k][0] : 224, w = sizes[k][1] ? sizes[k][1] : 224;
            zoo_graph *g = fri_build(ctx, models[m].name, sizes[k][0], sizes[k][1]);
            fri_expect_shape(zoo_graph_input_shape(g), 1, 3, h, w, models[m].name);
            fri_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, models[m].name);
            zoo_graph_free(g);
        }
        /* 200: stem 100 -> pool 50 -> layer2 25 -> layer3: avd pool (k3 s2 p1) gives 13,
         * the avg_down shortcut (k2 s2) 12 -> the residual add cannot match (Paddle
         * raises too): a clean error, not a crash */
        zoo_error e = {0};
        zoo_graph *g = zoo_model_build(ctx, models[m].name, 200, 200, &e);
        assert_null(g);
        assert_int_not_equal(e.code, ZOO_OK);
        assert_true(strlen(e.msg) > 0);
    }
    zoo_ctx_free(ctx);
}

/* Tolerances (docs/formats.md section 8, reproduced with the real PaddleClas
 * modules): the doc FLOPs are 2 x (conv + fc MACs) at 224 (10.78 = 2 x the
 * paper's 5.39 G), measured ratio 0.997 / 0.998 -> |2*MACs/doc - 1| <= 0.5 %;
 * doc Params are the trainable parameters (BN running stats excluded) rounded
 * to 0.1 M, measured 27.481 / 26.217 vs 27.50 / 26.30 -> 0.4 %. Exact checks:
 * all parameter elements = the floats of the .pdparams (6.1); trainable = the
 * TSV's trainable elements; MACs = the 4-decimal reproduction (half a unit). */
static void test_stats_vs_table(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char shared[PATH_MAX];
    const char *sh = test_shared_dir(shared, sizeof shared);
    for (int m = 0; m < N_MODELS; m++) {
        const rs_expect *x = &models[m];
        zoo_graph *g = fri_build(ctx, x->name, 0, 0);
        zoo_graph_stats s;
        zoo_graph_stats_compute(g, &s);
        print_message("[ INFO     ] %-22s params %" PRId64 " trainable %" PRId64
                      " (doc %.2f M, %+.3f%%) MACs %.4f G 2xMACs %.3f G (doc %.3f, %+.3f%%) "
                      "stat_flops %.3f G stat_params %.3f M\n",
                      x->name, s.params, s.params_trainable, x->doc_params_m,
                      100.0 * (s.params_trainable / 1e6 / x->doc_params_m - 1), s.macs / 1e9,
                      2 * s.macs / 1e9, x->doc_flops_g,
                      100.0 * (2 * s.macs / 1e9 / x->doc_flops_g - 1), s.stat_flops / 1e9,
                      s.stat_params / 1e6);
        assert_int_equal(s.params, x->floats);
        if (sh) {
            fri_tsv t;
            fri_tsv_load(sh, x->name, &t);
            int64_t tr = 0, all = 0;
            for (int i = 0; i < t.n; i++) {
                all += t.rows[i].numel;
                if (t.rows[i].trainable) tr += t.rows[i].numel;
            }
            fri_tsv_free(&t);
            assert_int_equal(s.params, all);
            assert_int_equal(s.params_trainable, tr);
        }
        if (fabs(s.macs / 1e9 - x->macs_g) > 0.5e-4 + 1e-12)
            fail_msg("%s: MACs %.6f G, formats.md 8 reproduction %.4f G", x->name, s.macs / 1e9,
                     x->macs_g);
        if (fri_rel(2.0 * s.macs / 1e9, x->doc_flops_g) > 0.005)
            fail_msg("%s: 2xMACs %.3f G vs doc FLOPs %.3f G: more than 0.5%% apart", x->name,
                     2.0 * s.macs / 1e9, x->doc_flops_g);
        if (fri_rel(s.params_trainable / 1e6, x->doc_params_m) > 0.004)
            fail_msg("%s: trainable params %.3f M vs doc %.2f M: more than 0.4%% apart", x->name,
                     s.params_trainable / 1e6, x->doc_params_m);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_manifests(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char b[PATH_MAX], path[PATH_MAX + 64];
    assert_non_null(test_build_dir(b, sizeof b));
    for (int m = 0; m < N_MODELS; m++) {
        const rs_expect *x = &models[m];
        snprintf(path, sizeof path, "%s/../manifests/%s.json", b, x->name);
        json_error_t je;
        json_t *j = json_load_file(path, 0, &je);
        if (!j) fail_msg("%s: %s (line %d)", path, je.text, je.line);
        const zoo_model_desc *d = zoo_model_find(ctx, x->name);
        assert_non_null(d);
        assert_string_equal(json_string_value(json_object_get(j, "name")), x->name);
        assert_string_equal(json_string_value(json_object_get(j, "family")), d->family);
        assert_string_equal(json_string_value(json_object_get(j, "license")), "Apache-2.0");
        assert_int_equal(json_integer_value(json_object_get(j, "input_size")), d->input_size);
        json_t *pp = json_object_get(j, "preprocess");
        assert_int_equal(json_integer_value(json_object_get(pp, "resize_short")), d->resize_short);
        assert_int_equal(json_integer_value(json_object_get(pp, "crop")), d->input_size);
        json_t *rep = json_object_get(j, "reported");
        assert_true(fabs(json_number_value(json_object_get(rep, "flops_g")) - x->doc_flops_g) <
                    1e-9);
        assert_true(fabs(json_number_value(json_object_get(rep, "params_m")) - x->doc_params_m) <
                    1e-9);
        double top1 = json_number_value(json_object_get(rep, "top1"));
        assert_true(top1 > 0.79 && top1 < 0.82); /* PaddleClas docs: 0.8102 / 0.8061 */
        json_t *src = json_object_get(j, "sources");
        assert_int_equal(json_array_size(src), 2);
        char want[256];
        snprintf(want, sizeof want,
                 "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/%s_pretrained.pdparams",
                 x->name);
        assert_string_equal(json_string_value(json_object_get(json_array_get(src, 0), "url")),
                            want);
        snprintf(want, sizeof want,
                 "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/inference/%s_infer.tar",
                 x->name);
        assert_string_equal(json_string_value(json_object_get(json_array_get(src, 1), "url")),
                            want);
        json_decref(j);
    }
    zoo_ctx_free(ctx);
}

/* Random weights (BN running stats and attention biases too) and a 64x64
 * batch of 2 (stage inputs 16/8/4/2 stay even). Tolerance: fp32 sums taken in
 * another order than Paddle's; observed <= 1.2e-5 x max|output| at 224 on both
 * backends, allowed 1e-4. A semantic slip (pool mode, radix layout, a missing
 * bias, avd placement) moves the logits by percents, far beyond it. */
static void test_numeric_vs_paddle(void **state) {
    (void)state;
    static const fri_ref_model refs[] = {{"ResNeSt50", 64}, {"ResNeSt50_fast_1s1x64d", 64}};
    fri_numeric_vs_paddle(refs, 2, 1e-4);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),   cmocka_unit_test(test_params_match_paddleclas_keys),
        cmocka_unit_test(test_structure),  cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_stats_vs_table), cmocka_unit_test(test_manifests),
        cmocka_unit_test(test_numeric_vs_paddle),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
