/* plugins/inception/xception.c - PaddleClas' own Xception41/65/71 (xception.py),
 * inference path.
 *
 * ConvBNLayer: conv (pad (k-1)/2, no bias) -> BN (eps 1e-5) [-> ReLU].
 * SeparableConv = pointwise 1x1 + BN, THEN depthwise 3x3 + BN (no activation).
 * Entry: conv 3x3 s2 (32) ReLU, conv 3x3 (64) ReLU, bottlenecks
 *   out = Conv1x1_s(x) [no BN, no bias] + MaxPool3_s_p1(Sep(ReLU(Sep([ReLU] x))));
 *   the first bottleneck has no leading ReLU.
 * Middle: x + Sep(ReLU(Sep(ReLU(Sep(ReLU(x)))))) at 728 channels.
 * Exit: bottleneck 728 -> (728, 1024) stride 2 (leading ReLU), Sep 1024->1536
 *   ReLU, Sep 1536->2048 ReLU, GAP, Linear(2048, 1000). No dropout.
 * Names: structured keys (_entry_flow._conv_0._conv1._pointwise_conv._conv.weight)
 * with the Paddle names (entry_flow_0_branch2a_weights_sep_weights,
 * bn_..._scale) as aliases.
 */
#include "ic.h"

#define EPS 1e-5f

/* ConvBNLayer: key <kp>._conv.weight / <kp>._batch_norm.*, names <np>_weights / bn_<np>_* */
static zoo_value conv_bn(ic_b *b, zoo_value x, int cout, int k, int stride, int groups,
                         const char *kp, const char *np) {
    char w[IC_NAME], wn[IC_NAME], bk[IC_NAME], bn[IC_NAME];
    ic_conv_p p = {.cout = cout, .kh = k, .kw = k, .stride = stride, .ph = (k - 1) / 2,
                   .pw = (k - 1) / 2, .groups = groups};
    const char *al[] = {ic_fmt(b, wn, sizeof wn, "%s_weights", np), NULL};
    x = ic_conv(b, x, &p, ic_fmt(b, w, sizeof w, "%s._conv.weight", kp), al);
    ic_bn_alias ba = {ic_fmt(b, bn, sizeof bn, "bn_%s", np), IC_BN_PADDLE};
    return ic_bn(b, x, EPS, ic_fmt(b, bk, sizeof bk, "%s._batch_norm", kp), &ba, 1);
}

/* SeparableConv at key prefix kp, Paddle name np: pointwise (np_sep) then depthwise (np_dw) */
static zoo_value sep(ic_b *b, zoo_value x, int cout, const char *kp, const char *np) {
    char k[IC_NAME], n[IC_NAME];
    x = conv_bn(b, x, cout, 1, 1, 1, ic_fmt(b, k, sizeof k, "%s._pointwise_conv", kp),
                ic_fmt(b, n, sizeof n, "%s_sep", np));
    return conv_bn(b, x, cout, 3, 1, cout, ic_fmt(b, k, sizeof k, "%s._depthwise_conv", kp),
                   ic_fmt(b, n, sizeof n, "%s_dw", np));
}

/* bottleneck with conv shortcut (entry flow and the exit flow's first block).
 * kp: module key; np: Paddle name prefix; c1/c2: the two separable convs'
 * attribute names (entry: _conv1/_conv2, exit: _conv_1/_conv_2) */
static zoo_value bottleneck(ic_b *b, zoo_value x, int cout1, int cout2, int stride,
                            int relu_first, const char *kp, const char *np, const char *c1,
                            const char *c2) {
    char k[IC_NAME], n[IC_NAME];
    ic_conv_p sp = {.cout = cout2, .kh = 1, .kw = 1, .stride = stride};
    const char *al[] = {ic_fmt(b, n, sizeof n, "%s_branch1_weights", np), NULL};
    zoo_value shortcut = ic_conv(b, x, &sp, ic_fmt(b, k, sizeof k, "%s._short.weight", kp), al);
    zoo_value y = relu_first ? ic_relu(b, x) : x;
    y = sep(b, y, cout1, ic_fmt(b, k, sizeof k, "%s.%s", kp, c1),
            ic_fmt(b, n, sizeof n, "%s_branch2a_weights", np));
    y = ic_relu(b, y);
    y = sep(b, y, cout2, ic_fmt(b, k, sizeof k, "%s.%s", kp, c2),
            ic_fmt(b, n, sizeof n, "%s_branch2b_weights", np));
    y = ic_max_pool(b, y, 3, stride, 1);
    return b->h->add(b->g, NULL, shortcut, y);
}

static zoo_value middle_block(ic_b *b, zoo_value x, int i) {
    static const char *const br[3] = {"branch2a", "branch2b", "branch2c"};
    char k[IC_NAME], n[IC_NAME];
    zoo_value y = x;
    for (int j = 0; j < 3; j++) {
        y = ic_relu(b, y);
        y = sep(b, y, 728, ic_fmt(b, k, sizeof k, "_middle_flow._conv_%d._conv_%d", i, j),
                ic_fmt(b, n, sizeof n, "middle_flow_%d_%s_weights", i, br[j]));
    }
    return b->h->add(b->g, NULL, x, y);
}

int ic_build_xception(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                      int input_w) {
    const ic_xception_cfg *cfg = config;
    ic_b b = {.h = h, .g = g, .model = "Xception"};
    if (cfg->n_entry < 1 || cfg->n_entry > 5) {
        h->fail(g, "xception: bad config (%d entry blocks)", cfg->n_entry);
        return -1;
    }
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = ic_relu(&b, conv_bn(&b, x, 32, 3, 2, 1, "_entry_flow._conv1", "entry_flow_conv1"));
    x = ic_relu(&b, conv_bn(&b, x, 64, 3, 1, 1, "_entry_flow._conv2", "entry_flow_conv2"));
    for (int i = 0; i < cfg->n_entry; i++) {
        char kp[IC_NAME], np[IC_NAME];
        ic_fmt(&b, kp, sizeof kp, "_entry_flow._conv_%d", i);
        ic_fmt(&b, np, sizeof np, "entry_flow_%d", i);
        int cout = cfg->entry_out[i];
        x = bottleneck(&b, x, cout, cout, cfg->entry_stride[i], i > 0, kp, np, "_conv1",
                       "_conv2");
    }
    for (int i = 0; i < cfg->n_middle; i++) x = middle_block(&b, x, i);
    x = bottleneck(&b, x, 728, 1024, 2, 1, "_exit_flow._conv_0", "exit_flow_1", "_conv_1",
                   "_conv_2");
    x = ic_relu(&b, sep(&b, x, 1536, "_exit_flow._conv_1", "exit_flow_2"));
    x = ic_relu(&b, sep(&b, x, 2048, "_exit_flow._conv_2", "exit_flow_3"));
    x = ic_gap(&b, x);
    x = ic_linear(&b, x, 1000, "fc", "_exit_flow._out", "fc_weights", "fc_offset");
    h->output(g, x);
    return h->graph_error(g) ? -1 : 0;
}
