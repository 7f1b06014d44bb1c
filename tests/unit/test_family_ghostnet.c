/* tests/unit/test_family_ghostnet.c - the "ghostnet" plugin's models
 * (GhostNet_x0_5, _x1_0, _x1_3, _x1_3_ssld) against the real PaddleClas model:
 *   - registration (family, crop 224, resize_short 256, classes);
 *   - parameters equal ../shared/data/paddleclas-keys/<Model>.tsv exactly
 *     (canonical names = structured keys, Paddle names as aliases, shapes,
 *     trainable flags, order);
 *   - semantics visible in the graph: BN eps 1e-5, SE = Linear/ReLU/Linear/
 *     clip(0, 1)/mul, GhostModule = concat(primary, cheap) of equal halves,
 *     fc_0 = 1x1 conv + BN + ReLU, symmetric (k-1)/2 padding, widths from
 *     _make_divisible (stem, conv_last);
 *   - output [1,1000,1,1] at 224 and at other sizes;
 *   - numerically equal to real Paddle (PaddleClas' own module, random weights),
 *     also at a size other than the eval crop;
 *   - statistics vs docs/formats.md section 8 and the PaddleClas doc table;
 *   - manifests/<Model>.json agrees with the registry and the table.
 */
#include <jansson.h>

#include "core/graph_impl.h"
#include "family_dd_check.h"
#include "family_ge_numeric.h"

/* keys / floats: docs/formats.md 6.1 (counted in the real .pdparams files);
 * stem / last: formats.md 6.11 (_make_divisible(16 * scale, 4),
 * _make_divisible(960 * scale, 4)); macs_g / stat_flops_g: formats.md 8
 * reproduction with the real PaddleClas modules (GhostNet_x1_3_ssld has the
 * x1_3 architecture, formats.md 6.11); doc_flops_g / doc_params_m: PaddleClas
 * docs/zh_CN/models/ImageNet1k/GhostNet.md (= the seed table
 * /work/shared/docs/flops_table.md "doc" columns; the ssld row of the doc
 * repeats x1_3's 0.440 / 7.300). */
typedef struct gn_expect {
    const char *name;
    int keys;
    int64_t floats;
    int stem, last;
    double macs_g, stat_flops_g, doc_flops_g, doc_params_m;
} gn_expect;

static const gn_expect models[] = {
    {"GhostNet_x0_5", 435, 2601776, 8, 480, 0.0423, 0.072, 0.082, 2.60},
    {"GhostNet_x1_0", 435, 5207544, 16, 960, 0.1411, 0.255, 0.294, 5.20},
    {"GhostNet_x1_3", 435, 7383718, 20, 1248, 0.2270, 0.419, 0.440, 7.30},
    {"GhostNet_x1_3_ssld", 435, 7383718, 20, 1248, 0.2270, 0.419, 0.440, 7.30},
};
#define N_MODELS ((int)(sizeof models / sizeof models[0]))

/* SE blocks: cfg rows with SE = 1 (formats.md 6.11); stride-2 rows. */
#define GN_SE_BLOCKS 7
#define GN_STRIDE2_BLOCKS 4
#define GN_BLOCKS 16

static int find_node(const zoo_graph *g, const char *name) {
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0) return i;
    return -1;
}

static zoo_shape vshape(const zoo_graph *g, zoo_value v) {
    return g->values[v].shape;
}

static void test_registry(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const zoo_model_desc *d = zoo_model_find(ctx, models[m].name);
        if (!d) fail_msg("%s is not registered", models[m].name);
        assert_string_equal(d->family, "ghostnet");
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
        assert_int_equal(zoo_graph_param_count(g), models[m].keys);
        fdd_check_params(g, models[m].name);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_semantics(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < N_MODELS; m++) {
        const gn_expect *x = &models[m];
        zoo_graph *g = fdd_build(ctx, x->name, 0, 0);
        fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, 224, 224, x->name);
        fdd_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, x->name);
        int clips = 0, linears = 0, concats = 0, stride2 = 0, muls = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            const zoo_node *nd = &g->nodes[i];
            switch (nd->op) {
            case ZOO_OP_BATCHNORM:
                if (nd->attr.bn.eps != 1e-5f)
                    fail_msg("%s %s: BN eps %g, PaddleClas uses 1e-5", x->name, nd->name,
                             (double)nd->attr.bn.eps);
                break;
            case ZOO_OP_CONV2D: {
                const zoo_conv2d_desc *c = &nd->attr.conv;
                const int p = (c->kernel_h - 1) / 2;
                if (c->pad_top != p || c->pad_bottom != p || c->pad_left != p || c->pad_right != p)
                    fail_msg("%s %s: padding %d/%d/%d/%d, expected %d", x->name, nd->name,
                             c->pad_top, c->pad_bottom, c->pad_left, c->pad_right, p);
                if (c->stride_h == 2 && c->groups > 1 && strstr(nd->name, ".depthwise_conv."))
                    stride2++;
                /* conv, BN (next node), no bias: ConvBNLayer */
                assert_true(nd->params[1] < 0);
                assert_int_equal(g->nodes[i + 1].op, ZOO_OP_BATCHNORM);
                break;
            }
            case ZOO_OP_ACT:
                if (nd->attr.act.kind == ZOO_ACT_CLIP) {
                    clips++;
                    assert_true(nd->attr.act.a == 0.0f && nd->attr.act.b == 1.0f);
                    /* SE: the clipped excitation multiplies the block input */
                    const zoo_node *mul = &g->nodes[i + 1];
                    assert_int_equal(mul->op, ZOO_OP_MUL);
                    assert_int_equal(mul->inputs[1], nd->output);
                    zoo_shape a = vshape(g, mul->inputs[0]), e = vshape(g, nd->output);
                    assert_int_equal(a.c, e.c);
                    assert_int_equal(e.h * e.w, 1);
                    /* squeeze width C // 4 */
                    const zoo_node *sq = &g->nodes[i - 3];
                    assert_int_equal(sq->op, ZOO_OP_LINEAR);
                    assert_int_equal(sq->attr.linear.out_features, a.c / 4);
                    assert_int_equal(g->nodes[i - 2].op, ZOO_OP_ACT);
                    assert_int_equal(g->nodes[i - 2].attr.act.kind, ZOO_ACT_RELU);
                } else {
                    assert_int_equal(nd->attr.act.kind, ZOO_ACT_RELU);
                }
                break;
            case ZOO_OP_LINEAR: linears++; break;
            case ZOO_OP_MUL: muls++; break;
            case ZOO_OP_CONCAT: {
                concats++;
                assert_int_equal(nd->n_inputs, 2);
                zoo_shape a = vshape(g, nd->inputs[0]), b = vshape(g, nd->inputs[1]);
                assert_int_equal(a.c, b.c); /* primary and cheap: init channels each */
                /* cheap = depthwise 3x3 (+ BN [+ ReLU]) of the primary output */
                const zoo_node *cheap = &g->nodes[g->values[nd->inputs[1]].producer];
                while (cheap->op == ZOO_OP_ACT || cheap->op == ZOO_OP_BATCHNORM)
                    cheap = &g->nodes[g->values[cheap->inputs[0]].producer];
                assert_int_equal(cheap->op, ZOO_OP_CONV2D);
                assert_int_equal(cheap->inputs[0], nd->inputs[0]);
                assert_int_equal(cheap->attr.conv.kernel_h, 3);
                assert_int_equal(cheap->attr.conv.groups, a.c);
                break;
            }
            default: break;
            }
        }
        assert_int_equal(clips, GN_SE_BLOCKS);
        assert_int_equal(muls, GN_SE_BLOCKS);
        assert_int_equal(linears, 2 * GN_SE_BLOCKS + 1);
        assert_int_equal(concats, 2 * GN_BLOCKS);
        assert_int_equal(stride2, GN_STRIDE2_BLOCKS);
        int k = find_node(g, "conv1._conv");
        assert_true(k >= 0);
        fdd_expect_shape(vshape(g, g->nodes[k].output), 1, x->stem, 112, 112, "conv1");
        k = find_node(g, "conv_last._conv");
        assert_true(k >= 0);
        fdd_expect_shape(vshape(g, g->nodes[k].output), 1, x->last, 7, 7, "conv_last");
        /* fc_0: 1x1 conv (no bias) on the pooled features -> BN -> ReLU -> fc_1 */
        k = find_node(g, "fc_0._conv");
        assert_true(k >= 0);
        assert_int_equal(g->nodes[k].op, ZOO_OP_CONV2D);
        assert_true(g->nodes[k].params[1] < 0);
        fdd_expect_shape(vshape(g, g->nodes[k].output), 1, 1280, 1, 1, "fc_0");
        assert_int_equal(g->nodes[k + 1].op, ZOO_OP_BATCHNORM);
        assert_int_equal(g->nodes[k + 2].op, ZOO_OP_ACT);
        assert_int_equal(g->nodes[k + 2].attr.act.kind, ZOO_ACT_RELU);
        assert_int_equal(g->nodes[k + 3].op, ZOO_OP_LINEAR); /* dropout: identity */
        assert_int_equal(g->nodes[k + 3].attr.linear.out_features, 1000);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

/* Other sizes: every stride-2 conv pads (k-1)/2, so out = ceil(n / 2) five
 * times (stem + four stride-2 blocks): 256 -> 8, 225 -> 113, 57, 29, 15, 8,
 * 199 -> 100, 50, 25, 13, 7; 32 -> 1. */
static void test_other_input_sizes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    static const int cases[][4] = {{256, 256, 8, 8}, {225, 199, 8, 7}, {32, 32, 1, 1}};
    for (int m = 0; m < N_MODELS; m++) {
        for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
            zoo_graph *g = fdd_build(ctx, models[m].name, cases[c][0], cases[c][1]);
            fdd_expect_shape(zoo_graph_input_shape(g), 1, 3, cases[c][0], cases[c][1],
                             models[m].name);
            fdd_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, models[m].name);
            int k = find_node(g, "conv_last._conv");
            assert_true(k >= 0);
            fdd_expect_shape(vshape(g, g->nodes[k].output), 1, models[m].last, cases[c][2],
                             cases[c][3], "conv_last");
            zoo_graph_free(g);
        }
    }
    zoo_ctx_free(ctx);
}

/* Tolerances (docs/formats.md section 8): no counting rule reproduces
 * GhostNet's doc FLOPs exactly - 2 x MACs at 224 is within 4 % of the doc
 * (x0_5 +3.2 %, x1_0 -4.0 %, x1_3 +3.2 %, measured with the real modules), the
 * model_stat rule 5-13 % below - so 2 x MACs is held to 5 %. The doc Params
 * are the trainable parameters (BN running statistics excluded) to within
 * 0.8 % (x1_3 7.353 vs 7.30) -> 1 %. Exact checks: all parameter elements =
 * the floats counted in the .pdparams file (6.1), trainable = the TSV's
 * trainable rows, MACs = the 4-decimal reproduction (half a unit). */
static void test_stats_vs_table(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char shared[PATH_MAX], err[512];
    const char *sh = test_shared_dir(shared, sizeof shared);
    for (int m = 0; m < N_MODELS; m++) {
        const gn_expect *x = &models[m];
        zoo_graph *g = fdd_build(ctx, x->name, 0, 0);
        zoo_graph_stats s;
        zoo_graph_stats_compute(g, &s);
        print_message("[ INFO     ] %-18s params %" PRId64 " trainable %" PRId64
                      " (doc %.2f M, %+.2f%%) MACs %.4f G (ref %.4f) 2xMACs %.4f G (doc %.3f, "
                      "%+.2f%%) stat_flops %.4f G (ref %.3f) stat_params %.3f M\n",
                      x->name, s.params, s.params_trainable, x->doc_params_m,
                      100.0 * (s.params_trainable / 1e6 / x->doc_params_m - 1), s.macs / 1e9,
                      x->macs_g, 2.0 * s.macs / 1e9, x->doc_flops_g,
                      100.0 * (2.0 * s.macs / 1e9 / x->doc_flops_g - 1), s.stat_flops / 1e9,
                      x->stat_flops_g, s.stat_params / 1e6);
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
        if (fdd_rel(2.0 * s.macs / 1e9, x->doc_flops_g) > 0.05)
            fail_msg("%s: 2xMACs %.4f G vs doc FLOPs %.3f G: more than 5%% apart", x->name,
                     2.0 * s.macs / 1e9, x->doc_flops_g);
        if (fdd_rel(s.params_trainable / 1e6, x->doc_params_m) > 0.01)
            fail_msg("%s: trainable params %.3f M vs doc %.2f M: more than 1%% apart", x->name,
                     s.params_trainable / 1e6, x->doc_params_m);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

/* Tolerance 1e-4 x max |logit| (the golden suite's): fp32 summation order
 * only; measured 1e-6 .. 2e-6. x0_5 at 225x199 (odd, non-square) and x1_3 at
 * the eval size (x1_3_ssld is the same network). */
static void test_numeric_vs_paddle(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    fge_check_vs_paddle(ctx, "GhostNet_x0_5", "ghostnet", "GhostNet_x0_5",
                        225, 199, 1e-4);
    fge_check_vs_paddle(ctx, "GhostNet_x1_3", "ghostnet", "GhostNet_x1_3",
                        224, 224, 1e-4);
    zoo_ctx_free(ctx);
}

static void test_manifests(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    char b[PATH_MAX], path[PATH_MAX + 64];
    assert_non_null(test_build_dir(b, sizeof b));
    for (int m = 0; m < N_MODELS; m++) {
        const gn_expect *x = &models[m];
        snprintf(path, sizeof path, "%s/../manifests/%s.json", b, x->name);
        json_error_t je;
        json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
        if (!j) fail_msg("%s:%d: %s", path, je.line, je.text);
        const zoo_model_desc *d = zoo_model_find(ctx, x->name);
        assert_non_null(d);
        assert_string_equal(json_string_value(json_object_get(j, "name")), x->name);
        assert_string_equal(json_string_value(json_object_get(j, "family")), d->family);
        assert_string_equal(json_string_value(json_object_get(j, "license")), "Apache-2.0");
        assert_int_equal(json_integer_value(json_object_get(j, "input_size")), d->input_size);
        json_t *pp = json_object_get(j, "preprocess");
        assert_int_equal(json_integer_value(json_object_get(pp, "resize_short")), d->resize_short);
        assert_int_equal(json_integer_value(json_object_get(pp, "crop")), d->input_size);
        assert_string_equal(json_string_value(json_object_get(pp, "channel_order")), "RGB");
        json_t *rep = json_object_get(j, "reported");
        assert_true(fabs(json_number_value(json_object_get(rep, "flops_g")) - x->doc_flops_g) < 1e-9);
        assert_true(fabs(json_number_value(json_object_get(rep, "params_m")) - x->doc_params_m) < 1e-9);
        double top1 = json_number_value(json_object_get(rep, "top1"));
        double top5 = json_number_value(json_object_get(rep, "top5"));
        assert_true(top1 > 0.5 && top1 < top5 && top5 < 1.0);
        json_t *src = json_object_get(j, "sources");
        assert_int_equal(json_array_size(src), 2);
        char want[256];
        snprintf(want, sizeof want,
                 "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/%s_pretrained.pdparams",
                 x->name);
        assert_string_equal(json_string_value(json_object_get(json_array_get(src, 0), "url")), want);
        snprintf(want, sizeof want,
                 "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/inference/%s_infer.tar",
                 x->name);
        assert_string_equal(json_string_value(json_object_get(json_array_get(src, 1), "url")), want);
        json_decref(j);
    }
    zoo_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_registry),
        cmocka_unit_test(test_params_match_paddleclas_keys),
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_other_input_sizes),
        cmocka_unit_test(test_stats_vs_table),
        cmocka_unit_test(test_numeric_vs_paddle),
        cmocka_unit_test(test_manifests),
    };
    return cmocka_run_group_tests_name("family_ghostnet", tests, NULL, NULL);
}
