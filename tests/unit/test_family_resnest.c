/* tests/unit/test_family_resnest.c - the "resnest" plugin (ResNeSt50,
 * ResNeSt50_fast_1s1x64d) against the real PaddleClas model. Common checks
 * (support/family_check.h): registration, parameters = the PaddleClas key
 * list (incl. the auto name conv2d_<n>.b_0 of the attention bias, the only
 * OPTIONAL parameter: weights from before PaddleClas fdaf24ee lack it),
 * statistics vs docs/formats.md 8 and the doc table, manifests, numbers vs
 * real Paddle. Here:
 *   - structure: every avd / avg_down pool is exclusive (Paddle default),
 *     floor mode; rSoftmax is a softmax over the radix axis of a [radix, C, 1]
 *     view (ResNeSt50) or a sigmoid (radix 1); BN eps 1e-5;
 *   - shapes: other sizes build; an input whose shortcut and main paths
 *     disagree (odd stage size, as in Paddle) fails with a message.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "support/family_check.h"
#include "support/test_support.h"

/* fam_model: formats.md 7 / 6.1 (floats incl. the conv3 bias) / 8; doc:
 * PaddleClas docs/en/models/ResNeSt_RegNet_en.md (= flops_table.md). */
typedef struct rs_expect {
    fam_model m;
    int radix;
} rs_expect;

static const rs_expect models[] = {
    {{"ResNeSt50", 224, 256, 389, 27545928, 5.3712, 7.899, 10.78, 27.50}, 2},
    {{"ResNeSt50_fast_1s1x64d", 224, 256, 389, 26272136, 4.3295, 8.698, 8.68, 26.30}, 1},
};

/* Random weights (BN running stats and attention biases too) and a 64x64
 * batch of 2 (stage inputs 16/8/4/2 stay even). Tolerance: fp32 sums taken in
 * another order than Paddle's; observed <= 1.5e-6 x max|output| on both
 * backends, allowed 1e-4. A semantic slip (pool mode, radix layout, a missing
 * bias, avd placement) moves the logits by percents, far beyond it. */
static const fam_ref refs[] = {{"ResNeSt50", 64, 64}, {"ResNeSt50_fast_1s1x64d", 64, 64}};

/* Tolerances (docs/formats.md 8, reproduced with the real PaddleClas modules):
 * the doc FLOPs are 2 x (conv + fc MACs) at 224 (10.78 = 2 x the paper's
 * 5.39 G), measured ratio 0.997 / 0.998 -> |2*MACs/doc - 1| <= 0.5 %; doc
 * Params are the trainable parameters (BN running stats excluded) rounded to
 * 0.1 M, measured 27.481 / 26.217 vs 27.50 / 26.30 -> 0.4 %. zoo's stat
 * FLOPs of ResNeSt50_fast_1s1x64d (8.6974 G) are 0.0006 G below the formats.md 8
 * reproduction (8.698), just over the half unit of an exact comparison: shown,
 * not compared (the stat rule is not what its doc numbers use). */
static void adjust(const fam_model *m, fam_rules *r) {
    r->stats.no_stat_flops_ref = strcmp(m->name, "ResNeSt50_fast_1s1x64d") == 0;
}

static const fam_suite suite = {
    .family = "resnest",
    .models = FAM_TABLE(models),
    .rules = {.params = {.optional_suffix = ".conv2.conv3.bias", .optional_count = 16},
              .stats = {.flops = FAM_2MACS, .flops_tol = 0.005,
                        .params = FAM_TRAINABLE, .params_tol = 0.004}},
    .adjust = adjust,
    .top1_min = 0.79, .top1_max = 0.82, /* PaddleClas docs: 0.8102 / 0.8061 */
    .refs = refs, .n_refs = FAM_N(refs), .numeric_tol = 1e-4,
};

static void test_structure(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < FAM_N(models); m++) {
        const rs_expect *x = &models[m];
        zoo_graph *g = fam_build(ctx, x->m.name, 0, 0);
        int avg = 0, softmax = 0, sigmoid = 0, bn = 0;
        for (int i = 0; i < g->n_nodes; i++) {
            const zoo_node *nd = fam_node(g, i);
            if (nd->op == ZOO_OP_POOL2D && nd->attr.pool.kind == ZOO_POOL_AVG &&
                !nd->attr.pool.global) {
                avg++;
                if (!nd->attr.pool.exclusive || nd->attr.pool.ceil_mode)
                    fail_msg("%s %s: avg pool must be exclusive, floor mode", x->m.name, nd->name);
            }
            if (nd->op == ZOO_OP_SOFTMAX) {
                softmax++;
                /* radix-major view [radix, C, 1] with the softmax across the radix */
                const zoo_shape s = fam_value_shape(g, nd->output);
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
    for (int m = 0; m < FAM_N(models); m++) {
        for (int k = 0; k < FAM_N(sizes); k++)
            zoo_graph_free(fam_build(ctx, models[m].m.name, sizes[k][0], sizes[k][1]));
        /* 200: stem 100 -> pool 50 -> layer2 25 -> layer3: avd pool (k3 s2 p1) gives 13,
         * the avg_down shortcut (k2 s2) 12 -> the residual add cannot match (Paddle
         * raises too): a clean error, not a crash */
        fam_expect_build_fails(ctx, models[m].m.name, 200, 200);
    }
    zoo_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        FAM_COMMON_TESTS(&suite),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_shapes),
    };
    return cmocka_run_group_tests_name("family_resnest", tests, NULL, NULL);
}
