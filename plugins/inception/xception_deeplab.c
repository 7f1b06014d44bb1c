/* plugins/inception/xception_deeplab.c - PaddleClas Xception41_deeplab /
 * Xception65_deeplab (xception_deeplab.py), inference path.
 *
 * Every BN has eps 1e-3. Separable conv = depthwise 3x3 (pad dilation,
 * stride s, dilation d) -> BN -> pointwise 1x1 -> BN [ReLU after each BN
 * only in exit block 2]. Blocks have three separable convs; the third one
 * carries the block's stride.
 *   stem: conv 3x3 s2 p1 (32) BN ReLU, conv 3x3 p1 (64) BN ReLU;
 *   entry: 64->128, 128->256, 256->728, stride 2 each; shortcut conv 1x1 s2 + BN;
 *          forward ReLU -> sep1 -> ReLU -> sep2 -> ReLU -> sep3, + shortcut(x);
 *   middle: 8 / 16 blocks of 728 with identity skip;
 *   exit 1: 728 -> [728, 1024, 1024], stride 2, conv shortcut;
 *   exit 2: 1024 -> [1536, 1536, 2048], stride 1, dilation 2, no skip,
 *           ReLU inside the separable convs;
 *   head: Dropout(0.5, downscale_in_infer: x0.5) -> GAP -> Linear(2048, 1000).
 * Names: structured keys (with '/': "xception_65/entry_flow/block1._conv1._conv1.weight",
 * "_exit_flow_1._short._bn.weight") and the TF-style Paddle names
 * (".../separable_conv1/depthwise/weights", ".../BatchNorm/gamma") as aliases.
 */
#include "ic.h"

#define EPS 1e-3f

static zoo_value bn(ic_b *b, zoo_value x, const char *kp, const char *np) {
    char a[IC_NAME];
    ic_bn_alias ba = {ic_fmt(b, a, sizeof a, "%s/BatchNorm", np), IC_BN_TF};
    return ic_bn(b, x, EPS, kp, &ba, 1);
}

/* ConvBNLayer: <kp>._conv.weight + <kp>._bn.*, names <np>/weights, <np>/BatchNorm/... */
static zoo_value conv_bn(ic_b *b, zoo_value x, int cout, int k, int stride, int pad, const char *kp,
                         const char *np) {
    char w[IC_NAME], wn[IC_NAME], bk[IC_NAME];
    ic_conv_p p = {.cout = cout, .kh = k, .kw = k, .stride = stride, .ph = pad, .pw = pad};
    const char *al[] = {ic_fmt(b, wn, sizeof wn, "%s/weights", np), NULL};
    x = ic_conv(b, x, &p, ic_fmt(b, w, sizeof w, "%s._conv.weight", kp), al);
    return bn(b, x, ic_fmt(b, bk, sizeof bk, "%s._bn", kp), np);
}

/* Seperate_Conv at <kp> (name <np>): depthwise _conv1/_bn1, pointwise _conv2/_bn2 */
static zoo_value sep(ic_b *b, zoo_value x, int cin, int cout, int stride, int dilation, int act,
                     const char *kp, const char *np) {
    char k[IC_NAME], n[IC_NAME], bk[IC_NAME], bnm[IC_NAME];
    ic_conv_p dw = {.cout = cin, .kh = 3, .kw = 3, .stride = stride, .ph = dilation,
                    .pw = dilation, .groups = cin, .dilation = dilation};
    const char *al1[] = {ic_fmt(b, n, sizeof n, "%s/depthwise/weights", np), NULL};
    x = ic_conv(b, x, &dw, ic_fmt(b, k, sizeof k, "%s._conv1.weight", kp), al1);
    x = bn(b, x, ic_fmt(b, bk, sizeof bk, "%s._bn1", kp),
           ic_fmt(b, bnm, sizeof bnm, "%s/depthwise", np));
    if (act) x = ic_relu(b, x);
    ic_conv_p pw = {.cout = cout, .kh = 1, .kw = 1};
    const char *al2[] = {ic_fmt(b, n, sizeof n, "%s/pointwise/weights", np), NULL};
    x = ic_conv(b, x, &pw, ic_fmt(b, k, sizeof k, "%s._conv2.weight", kp), al2);
    x = bn(b, x, ic_fmt(b, bk, sizeof bk, "%s._bn2", kp),
           ic_fmt(b, bnm, sizeof bnm, "%s/pointwise", np));
    if (act) x = ic_relu(b, x);
    return x;
}

/* Xception_Block. skip: 0 none, 1 identity, 2 conv + BN shortcut (stride = stride).
 * inner_act: ReLU inside the separable convs instead of before them. */
static zoo_value block(ic_b *b, zoo_value x, int cin, const int cout[3], int stride, int dilation,
                       int skip, int inner_act, const char *kp, const char *np) {
    char k[IC_NAME], n[IC_NAME];
    zoo_value y = x;
    int c = cin;
    for (int j = 0; j < 3; j++) {
        if (!inner_act) y = ic_relu(b, y);
        y = sep(b, y, c, cout[j], j == 2 ? stride : 1, dilation, inner_act,
                ic_fmt(b, k, sizeof k, "%s._conv%d", kp, j + 1),
                ic_fmt(b, n, sizeof n, "%s/separable_conv%d", np, j + 1));
        c = cout[j];
    }
    if (skip == 0) return y;
    zoo_value s = x;
    if (skip == 2)
        s = conv_bn(b, x, cout[2], 1, stride, 0, ic_fmt(b, k, sizeof k, "%s._short", kp),
                    ic_fmt(b, n, sizeof n, "%s/shortcut", np));
    return b->h->add(b->g, NULL, y, s);
}

int ic_build_xception_deeplab(const zoo_host_api *h, zoo_graph *g, const void *config,
                              int input_h, int input_w) {
    const ic_deeplab_cfg *cfg = config;
    ic_b b = {.h = h, .g = g, .model = "Xception_deeplab"};
    const char *sc = cfg->scope;
    char np[IC_NAME];
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = ic_relu(&b, conv_bn(&b, x, 32, 3, 2, 1, "_conv1",
                            ic_fmt(&b, np, sizeof np, "%s/entry_flow/conv1", sc)));
    x = ic_relu(&b, conv_bn(&b, x, 64, 3, 1, 1, "_conv2",
                            ic_fmt(&b, np, sizeof np, "%s/entry_flow/conv2", sc)));
    static const int entry[3] = {128, 256, 728};
    int cin = 64;
    for (int i = 0; i < 3; i++) {
        const int cout[3] = {entry[i], entry[i], entry[i]};
        /* the sublayer is registered under its Paddle name: key prefix = name prefix */
        ic_fmt(&b, np, sizeof np, "%s/entry_flow/block%d", sc, i + 1);
        x = block(&b, x, cin, cout, 2, 1, 2, 0, np, np);
        cin = entry[i];
    }
    static const int mid[3] = {728, 728, 728};
    for (int i = 0; i < cfg->n_middle; i++) {
        ic_fmt(&b, np, sizeof np, "%s/middle_flow/block%d", sc, i + 1);
        x = block(&b, x, 728, mid, 1, 1, 1, 0, np, np);
    }
    static const int exit1[3] = {728, 1024, 1024}, exit2[3] = {1536, 1536, 2048};
    x = block(&b, x, 728, exit1, 2, 1, 2, 0, "_exit_flow_1",
              ic_fmt(&b, np, sizeof np, "%s/exit_flow/block1", sc));
    x = block(&b, x, 1024, exit2, 1, 2, 0, 1, "_exit_flow_2",
              ic_fmt(&b, np, sizeof np, "%s/exit_flow/block2", sc));
    x = h->dropout(g, NULL, x, 0.5f, ZOO_DROPOUT_DOWNGRADE_IN_INFER);
    x = ic_gap(&b, x);
    x = ic_linear(&b, x, 1000, "fc", "_fc", "fc_weights", "fc_bias");
    h->output(g, x);
    return h->graph_error(g) ? -1 : 0;
}
