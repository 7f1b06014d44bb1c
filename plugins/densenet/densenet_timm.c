/* plugins/densenet/densenet_timm.c - timm's (= torchvision's) parameter names
 * for DenseNet121/161/169/201, declared as aliases of the canonical names.
 *
 * Contract: dd_densenet_timm_aliases() is called by the DenseNet builder once
 * the graph is declared, with the model's layers per dense block. timm's
 * densenet121/161/169/201 are the same network as PaddleClas' (7x7 s2 stem
 * conv, BN-ReLU, max pool 3 s2 p1; BN-ReLU-conv1x1 (4k), BN-ReLU-conv3x3 (k)
 * dense layers; BN-ReLU-conv1x1 + avg pool 2 s2 transitions; final BN-ReLU,
 * global average, Linear; BN epsilon 1e-5), so every parameter gets its timm
 * key: features.conv0 / norm0, features.denseblock<i>.denselayer<l>.norm1 /
 * conv1 / norm2 / conv2, features.transition<i>.norm / conv, features.norm5,
 * classifier (weight stored [1000, C]: ZOO_ALIAS_TRANSPOSED). BN running_mean
 * / running_var map to _mean / _variance; num_batches_tracked is dropped by
 * the converter. DenseNet264 is not called with this: timm only has
 * densenet264d, whose deep stem is another network. Failures are sticky.
 */
#include "common.h"

static void conv_alias(const zoo_host_api *h, zoo_graph *g, const char *key, const char *tm) {
    char a[DD_NAME_MAX], b[DD_NAME_MAX];
    if (dd_fmt(h, g, a, "%s._conv.weight", key) || dd_fmt(h, g, b, "%s.weight", tm)) return;
    h->param_alias_ex(g, a, b, 0);
}

static void bn_alias(const zoo_host_api *h, zoo_graph *g, const char *bn, const char *tm) {
    static const char *const zs[4] = {"weight", "bias", "_mean", "_variance"};
    static const char *const ts[4] = {"weight", "bias", "running_mean", "running_var"};
    char a[DD_NAME_MAX], b[DD_NAME_MAX];
    for (int i = 0; i < 4; i++) {
        if (dd_fmt(h, g, a, "%s.%s", bn, zs[i]) || dd_fmt(h, g, b, "%s.%s", tm, ts[i])) return;
        h->param_alias_ex(g, a, b, 0);
    }
}

/* a BN-ReLU-conv unit <key>: <key>._batch_norm -> <tm>.<norm>, <key>._conv -> <tm>.<conv> */
static void unit_alias(const zoo_host_api *h, zoo_graph *g, const char *key, const char *tm,
                       const char *norm, const char *conv) {
    char a[DD_NAME_MAX], b[DD_NAME_MAX];
    if (dd_fmt(h, g, a, "%s._batch_norm", key) || dd_fmt(h, g, b, "%s.%s", tm, norm)) return;
    bn_alias(h, g, a, b);
    if (dd_fmt(h, g, b, "%s.%s", tm, conv)) return;
    conv_alias(h, g, key, b);
}

void dd_densenet_timm_aliases(const zoo_host_api *h, zoo_graph *g, const int blocks[4]) {
    char key[DD_NAME_MAX], tm[DD_NAME_MAX];
    conv_alias(h, g, "conv1_func", "features.conv0");
    bn_alias(h, g, "conv1_func._batch_norm", "features.norm0");
    for (int i = 0; i < 4; i++) {
        int b = i + 2;
        for (int l = 1; l <= blocks[i]; l++) {
            if (dd_fmt(h, g, tm, "features.denseblock%d.denselayer%d", i + 1, l)) return;
            if (dd_fmt(h, g, key, "db_conv_%d.conv%d_%d.bn_ac_func1", b, b, l)) return;
            unit_alias(h, g, key, tm, "norm1", "conv1");
            if (dd_fmt(h, g, key, "db_conv_%d.conv%d_%d.bn_ac_func2", b, b, l)) return;
            unit_alias(h, g, key, tm, "norm2", "conv2");
        }
        if (i == 3) break;
        if (dd_fmt(h, g, tm, "features.transition%d", i + 1) ||
            dd_fmt(h, g, key, "tr_conv%d_blk.conv_ac_func", b))
            return;
        unit_alias(h, g, key, tm, "norm", "conv");
    }
    bn_alias(h, g, "batch_norm", "features.norm5");
    h->param_alias_ex(g, "out.weight", "classifier.weight", ZOO_ALIAS_TRANSPOSED);
    h->param_alias_ex(g, "out.bias", "classifier.bias", 0);
}
