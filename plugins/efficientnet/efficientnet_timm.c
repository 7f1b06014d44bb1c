/* plugins/efficientnet/efficientnet_timm.c - timm's parameter names for the
 * EfficientNet-B models, declared as aliases of the family's canonical names.
 *
 * Contract: effnet_timm_aliases() is called by effnet_build() after the graph
 * is declared. For the TF-SAME models (EfficientNetB0..B7) it aliases every
 * parameter to the state_dict key of timm's tf_efficientnet_b<N>, which is
 * the same network at the model's eval size: TF-SAME padding (timm's
 * Conv2dSame computes it from the real input, which equals PaddleClas' size
 * table at that size), BN epsilon 1e-3, SE squeezed to a quarter of the block
 * input, swish. Names: conv_stem / bn1; blocks.<stage>.<i>.{conv_dw, bn1,
 * se.conv_reduce, se.conv_expand, conv_pw, bn2} for the stage-0
 * depthwise-separable blocks and {conv_pw, bn1, conv_dw, bn2, se.*, conv_pwl,
 * bn3} for the inverted residuals; conv_head / bn2; classifier.{weight,bias},
 * the weight stored [1000, C] (ZOO_ALIAS_TRANSPOSED). BN running_mean /
 * running_var map to _mean / _variance; num_batches_tracked is dropped by the
 * converter. EfficientNetB0_small (symmetric padding, no SE) has no timm
 * counterpart and gets no alias. Failures are sticky in the graph.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "efficientnet.h"

#define TN_LEN 160

static const int base_repeats[7] = {1, 2, 2, 3, 3, 4, 1};
static const int base_expand[7] = {1, 6, 6, 6, 6, 6, 6};

static void tfmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void tfmt(char *buf, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, TN_LEN, f, ap);
    va_end(ap);
}

/* conv weight "<layer>._conv._conv.weight" -> "<tm>.weight" */
static void conv_alias(const zoo_host_api *h, zoo_graph *g, const char *layer, const char *tm) {
    char a[TN_LEN], b[TN_LEN];
    tfmt(a, "%s._conv._conv.weight", layer);
    tfmt(b, "%s.weight", tm);
    h->param_alias_ex(g, a, b, 0);
}

/* BN "<layer>._bn.{weight,bias,_mean,_variance}" -> "<tm>.{weight,bias,running_mean,running_var}" */
static void bn_alias(const zoo_host_api *h, zoo_graph *g, const char *layer, const char *tm) {
    static const char *const zs[4] = {"weight", "bias", "_mean", "_variance"};
    static const char *const ts[4] = {"weight", "bias", "running_mean", "running_var"};
    char a[TN_LEN], b[TN_LEN];
    for (int i = 0; i < 4; i++) {
        tfmt(a, "%s._bn.%s", layer, zs[i]);
        tfmt(b, "%s.%s", tm, ts[i]);
        h->param_alias_ex(g, a, b, 0);
    }
}

void effnet_timm_aliases(const zoo_host_api *h, zoo_graph *g, const effnet_config *cfg) {
    if (cfg->padding != EFFNET_PAD_SAME || !cfg->use_se) return;
    char layer[TN_LEN], tm[TN_LEN], a[TN_LEN], b[TN_LEN];
    conv_alias(h, g, "_ef._conv_stem._conv", "conv_stem");
    bn_alias(h, g, "_ef._conv_stem._conv", "bn1");
    int idx = 0;
    for (int st = 0; st < 7; st++) {
        int reps = (int)ceil(cfg->depth * base_repeats[st]);
        int ds = base_expand[st] == 1; /* timm DepthwiseSeparableConv */
        for (int j = 0; j < reps; j++, idx++) {
            char sp[TN_LEN];
            tfmt(sp, j == 0 ? "_ef._blocks.%d.." : "_ef.block.%d..", idx);
            if (!ds) {
                tfmt(layer, "%s_ecn._conv", sp);
                tfmt(tm, "blocks.%d.%d.conv_pw", st, j);
                conv_alias(h, g, layer, tm);
                tfmt(tm, "blocks.%d.%d.bn1", st, j);
                bn_alias(h, g, layer, tm);
            }
            tfmt(layer, "%s_dcn._conv", sp);
            tfmt(tm, "blocks.%d.%d.conv_dw", st, j);
            conv_alias(h, g, layer, tm);
            tfmt(tm, "blocks.%d.%d.bn%d", st, j, ds ? 1 : 2);
            bn_alias(h, g, layer, tm);
            for (int k = 1; k <= 2; k++) {
                static const char *const pwb[2] = {"weight", "bias"};
                for (int q = 0; q < 2; q++) {
                    tfmt(a, "%s_se._conv%d._conv.%s", sp, k, pwb[q]);
                    tfmt(b, "blocks.%d.%d.se.conv_%s.%s", st, j, k == 1 ? "reduce" : "expand", pwb[q]);
                    h->param_alias_ex(g, a, b, 0);
                }
            }
            tfmt(layer, "%s_pcn._conv", sp);
            tfmt(tm, ds ? "blocks.%d.%d.conv_pw" : "blocks.%d.%d.conv_pwl", st, j);
            conv_alias(h, g, layer, tm);
            tfmt(tm, "blocks.%d.%d.bn%d", st, j, ds ? 2 : 3);
            bn_alias(h, g, layer, tm);
        }
    }
    conv_alias(h, g, "_conv", "conv_head");
    bn_alias(h, g, "_conv", "bn2");
    h->param_alias_ex(g, "_fc.weight", "classifier.weight", ZOO_ALIAS_TRANSPOSED);
    h->param_alias_ex(g, "_fc.bias", "classifier.bias", 0);
}
