/* plugins/inception/inception_v4.c - PaddleClas InceptionV4 (inception_v4.py), inference path.
 *
 * ConvBNLayer = conv (no bias, explicit padding) -> BN (eps 1e-5) -> ReLU.
 * Stem (299 -> 35, 384 ch), 4 x InceptionA, ReductionA, 7 x InceptionB,
 * ReductionB, 3 x InceptionC, GAP -> Dropout(0.2, downscale_in_infer: x0.8)
 * -> Linear(1536, 1000). AvgPools are 3 s1 p1 exclusive (Paddle default).
 * Names: structured key <module>._conv.weight / <module>._batch_norm.*;
 * Paddle names <n>_weights / <n>_bn_scale ... (the stem's (7,1) kernel is
 * named ..._1x7 and its (1,7) kernel ..._7x1, as in PaddleClas).
 */
#include "ic.h"

#define EPS 1e-5f

/* ConvBNLayer at structured prefix kp with Paddle name np */
static zoo_value cbr(ic_b *b, zoo_value x, int cout, int kh, int kw, int stride, int ph, int pw,
                     const char *kp, const char *np) {
    char w[IC_NAME], wn[IC_NAME], bk[IC_NAME], bn[IC_NAME];
    ic_conv_p p = {.cout = cout, .kh = kh, .kw = kw, .stride = stride, .ph = ph, .pw = pw};
    const char *al[] = {ic_fmt(b, wn, sizeof wn, "%s_weights", np), NULL};
    x = ic_conv(b, x, &p, ic_fmt(b, w, sizeof w, "%s._conv.weight", kp), al);
    ic_bn_alias ba = {ic_fmt(b, bn, sizeof bn, "%s_bn", np), IC_BN_PADDLE};
    x = ic_bn(b, x, EPS, ic_fmt(b, bk, sizeof bk, "%s._batch_norm", kp), &ba, 1);
    return ic_relu(b, x);
}

/* a unit of module `mod` (e.g. "_inceptionA_1"), attribute `attr`, Paddle name
 * "<pre><suf>" (e.g. "inception_a1" + "_1x1") */
static zoo_value unit(ic_b *b, zoo_value x, const char *mod, const char *attr, const char *pre,
                      const char *suf, int cout, int kh, int kw, int stride, int ph, int pw) {
    char kp[IC_NAME], np[IC_NAME];
    ic_fmt(b, kp, sizeof kp, "%s.%s", mod, attr);
    ic_fmt(b, np, sizeof np, "%s%s", pre, suf);
    return cbr(b, x, cout, kh, kw, stride, ph, pw, kp, np);
}

static zoo_value stem(ic_b *b, zoo_value x) {
    const char *m = "_inception_stem";
    zoo_value c[2];
    x = unit(b, x, m, "_conv_1", "conv1_3x3_s2", "", 32, 3, 3, 2, 0, 0);
    x = unit(b, x, m, "_conv_2", "conv2_3x3_s1", "", 32, 3, 3, 1, 0, 0);
    x = unit(b, x, m, "_conv_3", "conv3_3x3_s1", "", 64, 3, 3, 1, 1, 1);
    c[0] = ic_max_pool(b, x, 3, 2, 0);
    c[1] = unit(b, x, m, "_conv2", "inception_stem1_3x3_s2", "", 96, 3, 3, 2, 0, 0);
    x = ic_concat(b, c, 2);
    c[0] = unit(b, x, m, "_conv1_1", "inception_stem2_3x3_reduce", "", 64, 1, 1, 1, 0, 0);
    c[0] = unit(b, c[0], m, "_conv1_2", "inception_stem2_3x3", "", 96, 3, 3, 1, 0, 0);
    c[1] = unit(b, x, m, "_conv2_1", "inception_stem2_1x7_reduce", "", 64, 1, 1, 1, 0, 0);
    c[1] = unit(b, c[1], m, "_conv2_2", "inception_stem2_1x7", "", 64, 7, 1, 1, 3, 0);
    c[1] = unit(b, c[1], m, "_conv2_3", "inception_stem2_7x1", "", 64, 1, 7, 1, 0, 3);
    c[1] = unit(b, c[1], m, "_conv2_4", "inception_stem2_3x3_2", "", 96, 3, 3, 1, 0, 0);
    x = ic_concat(b, c, 2);
    c[0] = unit(b, x, m, "_conv3", "inception_stem3_3x3_s2", "", 192, 3, 3, 2, 0, 0);
    c[1] = ic_max_pool(b, x, 3, 2, 0);
    return ic_concat(b, c, 2);
}

static zoo_value inception_a(ic_b *b, zoo_value x, int n) {
    char m[32], p[32];
    ic_fmt(b, m, sizeof m, "_inceptionA_%d", n);
    ic_fmt(b, p, sizeof p, "inception_a%d", n);
    zoo_value c[4];
    c[0] = unit(b, ic_avg_pool(b, x, 3, 1, 1, 1), m, "_conv1", p, "_1x1", 96, 1, 1, 1, 0, 0);
    c[1] = unit(b, x, m, "_conv2", p, "_1x1_2", 96, 1, 1, 1, 0, 0);
    c[2] = unit(b, x, m, "_conv3_1", p, "_3x3_reduce", 64, 1, 1, 1, 0, 0);
    c[2] = unit(b, c[2], m, "_conv3_2", p, "_3x3", 96, 3, 3, 1, 1, 1);
    c[3] = unit(b, x, m, "_conv4_1", p, "_3x3_2_reduce", 64, 1, 1, 1, 0, 0);
    c[3] = unit(b, c[3], m, "_conv4_2", p, "_3x3_2", 96, 3, 3, 1, 1, 1);
    c[3] = unit(b, c[3], m, "_conv4_3", p, "_3x3_3", 96, 3, 3, 1, 1, 1);
    return ic_concat(b, c, 4);
}

static zoo_value reduction_a(ic_b *b, zoo_value x) {
    const char *m = "_reductionA", *p = "reduction_a";
    zoo_value c[3];
    c[0] = ic_max_pool(b, x, 3, 2, 0);
    c[1] = unit(b, x, m, "_conv2", p, "_3x3", 384, 3, 3, 2, 0, 0);
    c[2] = unit(b, x, m, "_conv3_1", p, "_3x3_2_reduce", 192, 1, 1, 1, 0, 0);
    c[2] = unit(b, c[2], m, "_conv3_2", p, "_3x3_2", 224, 3, 3, 1, 1, 1);
    c[2] = unit(b, c[2], m, "_conv3_3", p, "_3x3_3", 256, 3, 3, 2, 0, 0);
    return ic_concat(b, c, 3);
}

static zoo_value inception_b(ic_b *b, zoo_value x, int n) {
    char m[32], p[32];
    ic_fmt(b, m, sizeof m, "_inceptionB_%d", n);
    ic_fmt(b, p, sizeof p, "inception_b%d", n);
    zoo_value c[4];
    c[0] = unit(b, ic_avg_pool(b, x, 3, 1, 1, 1), m, "_conv1", p, "_1x1", 128, 1, 1, 1, 0, 0);
    c[1] = unit(b, x, m, "_conv2", p, "_1x1_2", 384, 1, 1, 1, 0, 0);
    c[2] = unit(b, x, m, "_conv3_1", p, "_1x7_reduce", 192, 1, 1, 1, 0, 0);
    c[2] = unit(b, c[2], m, "_conv3_2", p, "_1x7", 224, 1, 7, 1, 0, 3);
    c[2] = unit(b, c[2], m, "_conv3_3", p, "_7x1", 256, 7, 1, 1, 3, 0);
    c[3] = unit(b, x, m, "_conv4_1", p, "_7x1_2_reduce", 192, 1, 1, 1, 0, 0);
    c[3] = unit(b, c[3], m, "_conv4_2", p, "_1x7_2", 192, 1, 7, 1, 0, 3);
    c[3] = unit(b, c[3], m, "_conv4_3", p, "_7x1_2", 224, 7, 1, 1, 3, 0);
    c[3] = unit(b, c[3], m, "_conv4_4", p, "_1x7_3", 224, 1, 7, 1, 0, 3);
    c[3] = unit(b, c[3], m, "_conv4_5", p, "_7x1_3", 256, 7, 1, 1, 3, 0);
    return ic_concat(b, c, 4);
}

static zoo_value reduction_b(ic_b *b, zoo_value x) {
    const char *m = "_reductionB", *p = "reduction_b";
    zoo_value c[3];
    c[0] = ic_max_pool(b, x, 3, 2, 0);
    c[1] = unit(b, x, m, "_conv2_1", p, "_3x3_reduce", 192, 1, 1, 1, 0, 0);
    c[1] = unit(b, c[1], m, "_conv2_2", p, "_3x3", 192, 3, 3, 2, 0, 0);
    c[2] = unit(b, x, m, "_conv3_1", p, "_1x7_reduce", 256, 1, 1, 1, 0, 0);
    c[2] = unit(b, c[2], m, "_conv3_2", p, "_1x7", 256, 1, 7, 1, 0, 3);
    c[2] = unit(b, c[2], m, "_conv3_3", p, "_7x1", 320, 7, 1, 1, 3, 0);
    c[2] = unit(b, c[2], m, "_conv3_4", p, "_3x3_2", 320, 3, 3, 2, 0, 0);
    return ic_concat(b, c, 3);
}

static zoo_value inception_c(ic_b *b, zoo_value x, int n) {
    char m[32], p[32];
    ic_fmt(b, m, sizeof m, "_inceptionC_%d", n);
    ic_fmt(b, p, sizeof p, "inception_c%d", n);
    zoo_value c[6];
    c[0] = unit(b, ic_avg_pool(b, x, 3, 1, 1, 1), m, "_conv1", p, "_1x1", 256, 1, 1, 1, 0, 0);
    c[1] = unit(b, x, m, "_conv2", p, "_1x1_2", 256, 1, 1, 1, 0, 0);
    zoo_value t = unit(b, x, m, "_conv3_0", p, "_1x1_3", 384, 1, 1, 1, 0, 0);
    c[2] = unit(b, t, m, "_conv3_1", p, "_1x3", 256, 1, 3, 1, 0, 1);
    c[3] = unit(b, t, m, "_conv3_2", p, "_3x1", 256, 3, 1, 1, 1, 0);
    t = unit(b, x, m, "_conv4_0", p, "_1x1_4", 384, 1, 1, 1, 0, 0);
    t = unit(b, t, m, "_conv4_00", p, "_1x3_2", 448, 1, 3, 1, 0, 1);
    t = unit(b, t, m, "_conv4_000", p, "_3x1_2", 512, 3, 1, 1, 1, 0);
    c[4] = unit(b, t, m, "_conv4_1", p, "_1x3_3", 256, 1, 3, 1, 0, 1);
    c[5] = unit(b, t, m, "_conv4_2", p, "_3x1_3", 256, 3, 1, 1, 1, 0);
    return ic_concat(b, c, 6);
}

int ic_build_inception_v4(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                          int input_w) {
    ic_b b = {.h = h, .g = g, .model = "InceptionV4"};
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = stem(&b, x);
    for (int i = 1; i <= 4; i++) x = inception_a(&b, x, i);
    x = reduction_a(&b, x);
    for (int i = 1; i <= 7; i++) x = inception_b(&b, x, i);
    x = reduction_b(&b, x);
    for (int i = 1; i <= 3; i++) x = inception_c(&b, x, i);
    x = ic_gap(&b, x);
    x = h->dropout(g, NULL, x, 0.2f, ZOO_DROPOUT_DOWNGRADE_IN_INFER);
    x = ic_linear(&b, x, 1000, "final_fc", "out", "final_fc_weights", "final_fc_offset");
    h->output(g, x);
    (void)config;
    return h->graph_error(g) ? -1 : 0;
}
