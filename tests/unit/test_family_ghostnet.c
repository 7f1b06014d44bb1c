/* tests/unit/test_family_ghostnet.c - the "ghostnet" plugin's models
 * (GhostNet_x0_5, _x1_0, _x1_3, _x1_3_ssld) against the real PaddleClas
 * model. Common checks (support/family_check.h): registration, parameters =
 * the PaddleClas key list, statistics vs docs/formats.md 8 and the doc table,
 * manifests, numbers vs real Paddle (also at a size other than the eval crop).
 * Here the semantics visible in the graph: BN eps 1e-5, SE = Linear/ReLU/
 * Linear/clip(0, 1)/mul with C // 4, GhostModule = concat(primary, cheap) of
 * equal halves, fc_0 = 1x1 conv + BN + ReLU, symmetric (k-1)/2 padding,
 * widths from _make_divisible (stem, conv_last), other input sizes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/family_check.h"
#include "support/test_support.h"

/* fam_model: formats.md 7 / 6.1 / 8 (GhostNet_x1_3_ssld has the x1_3
 * architecture, formats.md 6.11); doc: PaddleClas docs/zh_CN/models/
 * ImageNet1k/GhostNet.md (= flops_table.md "doc" columns; the ssld row of the
 * doc repeats x1_3's 0.440 / 7.300). stem / last: formats.md 6.11
 * (_make_divisible(16 * scale, 4), _make_divisible(960 * scale, 4)). */
typedef struct gn_expect {
    fam_model m;
    int stem, last;
} gn_expect;

static const gn_expect models[] = {
    {{"GhostNet_x0_5", 224, 256, 435, 2601776, 0.0423, 0.072, 0.082, 2.60}, 8, 480},
    {{"GhostNet_x1_0", 224, 256, 435, 5207544, 0.1411, 0.255, 0.294, 5.20}, 16, 960},
    {{"GhostNet_x1_3", 224, 256, 435, 7383718, 0.2270, 0.419, 0.440, 7.30}, 20, 1248},
    {{"GhostNet_x1_3_ssld", 224, 256, 435, 7383718, 0.2270, 0.419, 0.440, 7.30}, 20, 1248},
};

/* Tolerance 1e-4 x max|logit| (the golden suite's): fp32 summation order
 * only; measured 0.8e-6 .. 1.0e-6 on both backends. x0_5 at 225x199 (odd,
 * non-square) and x1_3 at the eval size (x1_3_ssld is the same network). */
static const fam_ref refs[] = {{"GhostNet_x0_5", 225, 199}, {"GhostNet_x1_3", 224, 224}};

/* Tolerances (docs/formats.md 8): no counting rule reproduces GhostNet's doc
 * FLOPs exactly - 2 x MACs at 224 is within 4 % of the doc (x0_5 +3.2 %, x1_0
 * -4.0 %, x1_3 +3.2 %, measured with the real modules), the model_stat rule
 * 5-13 % below - so 2 x MACs is held to 5 %. The doc Params are the trainable
 * parameters (BN running statistics excluded) to within 0.8 % (x1_3 7.353 vs
 * 7.30) -> 1 %. zoo's stat_flops is only shown next to the formats.md 8
 * reproduction: it lands 0.001-0.003 G below it (0.0712 / 0.2540 / 0.4160 vs
 * 0.072 / 0.255 / 0.419), more than the half unit of an exact comparison. */
static const fam_suite suite = {
    .family = "ghostnet",
    .models = FAM_TABLE(models),
    .rules = {.stats = {.flops = FAM_2MACS, .flops_tol = 0.05,
                        .params = FAM_TRAINABLE, .params_tol = 0.01,
                        .no_stat_flops_ref = true}},
    .top1_min = 0.5, .top1_max = 1.0,
    .refs = refs, .n_refs = FAM_N(refs), .numeric_tol = 1e-4,
};

/* SE blocks: cfg rows with SE = 1 (formats.md 6.11); stride-2 rows. */
#define GN_SE_BLOCKS 7
#define GN_STRIDE2_BLOCKS 4
#define GN_BLOCKS 16

/* SE: the clipped excitation (node i) multiplies the block input; squeeze C // 4 */
static void check_se(const zoo_graph *g, int i) {
    const zoo_node *nd = fam_node(g, i), *mul = fam_node(g, i + 1);
    assert_true(nd->attr.act.a == 0.0f && nd->attr.act.b == 1.0f);
    assert_int_equal(mul->op, ZOO_OP_MUL);
    assert_int_equal(mul->inputs[1], nd->output);
    const zoo_shape a = fam_value_shape(g, mul->inputs[0]), e = fam_value_shape(g, nd->output);
    assert_int_equal(a.c, e.c);
    assert_int_equal(e.h * e.w, 1);
    const zoo_node *sq = fam_node(g, i - 3);
    assert_int_equal(sq->op, ZOO_OP_LINEAR);
    assert_int_equal(sq->attr.linear.out_features, a.c / 4);
    assert_int_equal(fam_node(g, i - 2)->op, ZOO_OP_ACT);
    assert_int_equal(fam_node(g, i - 2)->attr.act.kind, ZOO_ACT_RELU);
}

/* GhostModule: concat(primary, cheap), cheap = depthwise 3x3 (+ BN [+ ReLU])
 * of the primary output, init channels each */
static void check_ghost_concat(const zoo_graph *g, const zoo_node *nd) {
    assert_int_equal(nd->n_inputs, 2);
    const zoo_shape a = fam_value_shape(g, nd->inputs[0]), b = fam_value_shape(g, nd->inputs[1]);
    assert_int_equal(a.c, b.c);
    const zoo_node *cheap = fam_producer(g, nd->inputs[1]);
    while (cheap->op == ZOO_OP_ACT || cheap->op == ZOO_OP_BATCHNORM)
        cheap = fam_producer(g, cheap->inputs[0]);
    assert_int_equal(cheap->op, ZOO_OP_CONV2D);
    assert_int_equal(cheap->inputs[0], nd->inputs[0]);
    assert_int_equal(cheap->attr.conv.kernel_h, 3);
    assert_int_equal(cheap->attr.conv.groups, a.c);
}

static void check_conv(const zoo_graph *g, int i, const char *model, int *stride2) {
    const zoo_node *nd = fam_node(g, i);
    const zoo_conv2d_desc *c = &nd->attr.conv;
    const int p = (c->kernel_h - 1) / 2;
    if (c->pad_top != p || c->pad_bottom != p || c->pad_left != p || c->pad_right != p)
        fail_msg("%s %s: padding %d/%d/%d/%d, expected %d", model, nd->name, c->pad_top,
                 c->pad_bottom, c->pad_left, c->pad_right, p);
    if (c->stride_h == 2 && c->groups > 1 && strstr(nd->name, ".depthwise_conv.")) (*stride2)++;
    /* conv, BN (next node), no bias: ConvBNLayer */
    assert_true(nd->params[1] < 0);
    assert_int_equal(fam_node(g, i + 1)->op, ZOO_OP_BATCHNORM);
}

/* fc_0: 1x1 conv (no bias) on the pooled features -> BN -> ReLU -> fc_1 */
static void check_head(const zoo_graph *g) {
    const int k = fam_find_node(g, "fc_0._conv");
    assert_true(k >= 0);
    assert_int_equal(g->nodes[k].op, ZOO_OP_CONV2D);
    assert_true(g->nodes[k].params[1] < 0);
    fam_expect_shape(fam_value_shape(g, g->nodes[k].output), 1, 1280, 1, 1, "fc_0");
    assert_int_equal(fam_node(g, k + 1)->op, ZOO_OP_BATCHNORM);
    assert_int_equal(fam_node(g, k + 2)->op, ZOO_OP_ACT);
    assert_int_equal(fam_node(g, k + 2)->attr.act.kind, ZOO_ACT_RELU);
    assert_int_equal(fam_node(g, k + 3)->op, ZOO_OP_LINEAR); /* dropout: identity */
    assert_int_equal(fam_node(g, k + 3)->attr.linear.out_features, 1000);
}

static void test_semantics(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < FAM_N(models); m++) {
        const gn_expect *x = &models[m];
        zoo_graph *g = fam_build(ctx, x->m.name, 0, 0);
        int clips = 0, linears = 0, concats = 0, stride2 = 0, muls = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            const zoo_node *nd = fam_node(g, i);
            switch (nd->op) {
            case ZOO_OP_BATCHNORM:
                if (nd->attr.bn.eps != 1e-5f)
                    fail_msg("%s %s: BN eps %g, PaddleClas uses 1e-5", x->m.name, nd->name,
                             (double)nd->attr.bn.eps);
                break;
            case ZOO_OP_CONV2D: check_conv(g, i, x->m.name, &stride2); break;
            case ZOO_OP_ACT:
                if (nd->attr.act.kind == ZOO_ACT_CLIP) {
                    clips++;
                    check_se(g, i);
                } else {
                    assert_int_equal(nd->attr.act.kind, ZOO_ACT_RELU);
                }
                break;
            case ZOO_OP_LINEAR: linears++; break;
            case ZOO_OP_MUL: muls++; break;
            case ZOO_OP_CONCAT:
                concats++;
                check_ghost_concat(g, nd);
                break;
            default: break;
            }
        }
        assert_int_equal(clips, GN_SE_BLOCKS);
        assert_int_equal(muls, GN_SE_BLOCKS);
        assert_int_equal(linears, 2 * GN_SE_BLOCKS + 1);
        assert_int_equal(concats, 2 * GN_BLOCKS);
        assert_int_equal(stride2, GN_STRIDE2_BLOCKS);
        fam_expect_shape(fam_node_shape(g, "conv1._conv"), 1, x->stem, 112, 112, "conv1");
        fam_expect_shape(fam_node_shape(g, "conv_last._conv"), 1, x->last, 7, 7, "conv_last");
        check_head(g);
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
    for (int m = 0; m < FAM_N(models); m++) {
        for (int c = 0; c < FAM_N(cases); c++) {
            zoo_graph *g = fam_build(ctx, models[m].m.name, cases[c][0], cases[c][1]);
            fam_expect_shape(fam_node_shape(g, "conv_last._conv"), 1, models[m].last, cases[c][2],
                             cases[c][3], "conv_last");
            zoo_graph_free(g);
        }
    }
    zoo_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        FAM_COMMON_TESTS(&suite),
        cmocka_unit_test(test_semantics),
        cmocka_unit_test(test_other_input_sizes),
    };
    return cmocka_run_group_tests_name("family_ghostnet", tests, NULL, NULL);
}
