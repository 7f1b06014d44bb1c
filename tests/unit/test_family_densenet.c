/* tests/unit/test_family_densenet.c - the "densenet" plugin's DenseNet models
 * (DenseNet121/161/169/201/264) against the real PaddleClas model. Common
 * checks (support/family_check.h): registration, parameters = the PaddleClas
 * key list, statistics vs docs/formats.md 8 and the doc table, manifests,
 * numbers vs real Paddle.
 * Here:
 *   - shapes: [1,3,224,224] -> [1,1000,1,1], final BN [1, C, 7, 7]; other
 *     input sizes build (final map = the size arithmetic of the stem and the
 *     three stride-2 transitions); a too-small input fails with a message;
 *   - every dense layer's concat is [old, new] with the new part = growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/family_check.h"
#include "support/test_support.h"

/* fam_model: crop / resize_short formats.md 7; keys / floats formats.md 6.1
 * (counted in the real .pdparams files); MACs, stat FLOPs: formats.md 8
 * (shape-only run of the real PaddleClas module at 224); doc: PaddleClas
 * docs/en/models/DPN_DenseNet_en.md (= /work/shared/docs/flops_table.md). */
typedef struct dn_expect {
    fam_model m;
    int growth;
    int blocks[4];
    int final_channels;
} dn_expect;

static const dn_expect models[] = {
    {{"DenseNet121", 224, 256, 606, 8062504, 2.8342, 5.717, 5.690, 7.98},
     32, {6, 12, 24, 16}, 1024},
    {{"DenseNet161", 224, 256, 806, 28900936, 7.7279, 15.546, 15.490, 28.68},
     48, {6, 12, 36, 24}, 2208},
    {{"DenseNet169", 224, 256, 846, 14307880, 3.3598, 6.778, 6.740, 14.15},
     32, {6, 12, 32, 32}, 1664},
    {{"DenseNet201", 224, 256, 1006, 20242984, 4.2914, 8.658, 8.610, 20.01},
     32, {6, 12, 48, 32}, 1920},
    {{"DenseNet264", 224, 256, 1326, 33736232, 5.7517, 11.605, 11.540, 33.37},
     32, {6, 12, 64, 48}, 2688},
};

/* Numbers: DenseNet121 at an odd, non-square size (floor max pool and
 * transition pools, the [old, new] concat order, BN-ReLU-conv order); the
 * golden suite covers every model at 224. Tolerance 1e-4 x max|logit|: fp32
 * summation order only (unit-RMS activations), measured 1.0e-6 / 1.6e-6
 * (cpu-ref / cpu); a swapped concat or a missing pre-activation moves the
 * logits by O(1). */
static const fam_ref refs[] = {{"DenseNet121", 97, 75}};

/* Tolerances (docs/formats.md 8, reproduced with the real PaddleClas modules):
 * DenseNet's doc FLOPs are 2 x (conv + fc MACs) at 224, measured ratio
 * 0.996..0.998 -> |2*MACs/doc - 1| <= 0.5 %; doc Params are the trainable
 * parameters (BN running stats excluded) rounded to 10^4, measured within
 * 0.1 % (DenseNet264 33.338 vs 33.37) -> 0.4 %. */
static const fam_suite suite = {
    .family = "densenet",
    .models = FAM_TABLE(models),
    /* DenseNet121..201 also carry timm's names (plugins/densenet/densenet_timm.c,
     * tests/cli/official_timm.sh) */
    .rules = {.params = {.extra_aliases = true},
              .stats = {.flops = FAM_2MACS, .flops_tol = 0.005,
                        .params = FAM_TRAINABLE, .params_tol = 0.004}},
    .top1_min = 0.0, .top1_max = 1.0,
    .refs = refs, .n_refs = FAM_N(refs), .numeric_tol = 1e-4,
};

/* Stem: conv s2 p3 k7 then maxpool k3 s2 p1 (floor), then three AvgPool 2 s2. */
static int final_size(int s) {
    s = (s + 6 - 7) / 2 + 1;
    s = (s + 2 - 3) / 2 + 1;
    for (int i = 0; i < 3; i++) s = (s - 2) / 2 + 1;
    return s;
}

static void check_concats(const zoo_graph *g, const dn_expect *x) {
    int concats = 0, want = 0;
    for (int b = 0; b < 4; b++) want += x->blocks[b];
    for (int i = 0; i < g->n_nodes; i++) {
        const zoo_node *nd = fam_node(g, i);
        if (nd->op != ZOO_OP_CONCAT) continue;
        concats++;
        assert_int_equal(nd->n_inputs, 2);
        const zoo_shape a = fam_value_shape(g, nd->inputs[0]),
                        b = fam_value_shape(g, nd->inputs[1]);
        const int c = fam_value_shape(g, nd->output).c;
        if (b.c != x->growth || a.c != c - x->growth)
            fail_msg("%s %s: concat of %d + %d channels, expected [old %d, new %d]", x->m.name,
                     nd->name, a.c, b.c, c - x->growth, x->growth);
    }
    assert_int_equal(concats, want);
}

static void test_shapes_and_concat_order(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    for (int m = 0; m < FAM_N(models); m++) {
        zoo_graph *g = fam_build(ctx, models[m].m.name, 0, 0);
        fam_expect_shape(fam_node_shape(g, "batch_norm"), 1, models[m].final_channels, 7, 7,
                         "final batch_norm");
        check_concats(g, &models[m]);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void test_other_input_sizes(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    static const int sizes[][2] = {{256, 320}, {225, 199}, {64, 64}};
    for (int m = 0; m < FAM_N(models); m++) {
        for (int k = 0; k < FAM_N(sizes); k++) {
            const int h = sizes[k][0], w = sizes[k][1];
            zoo_graph *g = fam_build(ctx, models[m].m.name, h, w);
            fam_expect_shape(fam_node_shape(g, "batch_norm"), 1, models[m].final_channels,
                             final_size(h), final_size(w), models[m].m.name);
            zoo_graph_free(g);
        }
    }
    /* 16x16: 8 -> 4 -> 2 -> 1 -> 0 at the third transition: must fail cleanly */
    fam_expect_build_fails(ctx, "DenseNet121", 16, 16);
    zoo_ctx_free(ctx);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        FAM_COMMON_TESTS(&suite),
        cmocka_unit_test(test_shapes_and_concat_order),
        cmocka_unit_test(test_other_input_sizes),
    };
    return cmocka_run_group_tests_name("family_densenet", tests, NULL, NULL);
}
