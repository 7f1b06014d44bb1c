/* plugins/ghostnet/ghostnet_build.c - the one graph builder of the GhostNet
 * family, driven by a ghostnet_config row (the width multiplier).
 *
 * Contract: declares exactly PaddleClas' GhostNet forward pass
 * (ppcls/arch/backbone/model_zoo/ghostnet.py, docs/formats.md 6.11) for an
 * input of input_h x input_w, with parameters named by the structured
 * state_dict keys (e.g. "_ghostbottleneck_1.depthwise_conv._conv.weight") and
 * the Paddle parameter names ("_ghostbottleneck_1_depthwise_depthwise_weights")
 * as aliases; BN running mean/variance are marked non-trainable. Returns 0,
 * or -1 with the message in the graph.
 *
 * Semantics reproduced:
 *   - ConvBNLayer: conv (symmetric pad (k-1)/2, no bias) -> BN (eps 1e-5)
 *     [-> ReLU];
 *   - channels _make_divisible(v * scale, 4) (min 4, int(v + 2) // 4 * 4,
 *     + 4 if that lost more than 10 %), in double like Python;
 *   - GhostModule: primary 1x1 conv-BN[-ReLU] to ceil(out/2), cheap depthwise
 *     3x3 conv-BN[-ReLU], output concat(primary, cheap);
 *   - bottleneck: ghost1 (ReLU) -> [stride 2: depthwise k x k s2 + BN] -> [SE]
 *     -> ghost2 (no ReLU), + shortcut (identity if stride 1 and in == out, else
 *     depthwise k x k stride s + BN -> 1x1 conv + BN);
 *   - SE: GAP -> Linear(C, C/4) + bias -> ReLU -> Linear(C/4, C) + bias ->
 *     clip(0, 1) -> mul (PaddleClas' variant, not hard-sigmoid);
 *   - head: conv_last 1x1 + BN + ReLU -> GAP -> fc_0 = 1x1 conv + BN + ReLU
 *     (1280) -> dropout 0.2 (upscale_in_train: identity) -> fc_1 Linear.
 */
#include <stdarg.h>
#include <stdio.h>

#include "ghostnet.h"

#define NAME_LEN 160
#define GHOST_BN_EPS 1e-5f
#define GHOST_FC0 1280

/* cfgs of ghostnet.py: kernel, expansion (hidden), out channels, SE, stride */
typedef struct ghost_block {
    int k, exp, c, se, s;
} ghost_block;

static const ghost_block ghost_cfgs[16] = {
    {3, 16, 16, 0, 1},   {3, 48, 24, 0, 2},   {3, 72, 24, 0, 1},   {5, 72, 40, 1, 2},
    {5, 120, 40, 1, 1},  {3, 240, 80, 0, 2},  {3, 200, 80, 0, 1},  {3, 184, 80, 0, 1},
    {3, 184, 80, 0, 1},  {3, 480, 112, 1, 1}, {3, 672, 112, 1, 1}, {5, 672, 160, 1, 2},
    {5, 960, 160, 0, 1}, {5, 960, 160, 1, 1}, {5, 960, 160, 0, 1}, {5, 960, 160, 1, 1},
};

typedef struct ghost_ctx {
    const zoo_host_api *h;
    zoo_graph *g;
} ghost_ctx;

/* _make_divisible(v, 4) with v = channels * scale */
static int make_divisible(double v) {
    const int divisor = 4;
    int nv = (int)(v + divisor / 2.0) / divisor * divisor;
    if (nv < divisor) nv = divisor;
    if (nv < 0.9 * v) nv += divisor;
    return nv;
}

static void fmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(char *buf, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, NAME_LEN, f, ap);
    va_end(ap);
}

/* ConvBNLayer with structured prefix `skey` and Paddle name `pname`:
 * <skey>._conv.weight (alias <pname>_weights), BN <skey>._batch_norm.* (aliases
 * <pname>_bn_{scale,offset,mean,variance}), then ReLU if relu. */
static zoo_value conv_bn(const ghost_ctx *c, zoo_value x, const char *skey, const char *pname,
                         int cout, int k, int s, int groups, int relu) {
    static const char *const bsfx[4] = {"weight", "bias", "_mean", "_variance"};
    static const char *const bpfx[4] = {"scale", "offset", "mean", "variance"};
    char node[NAME_LEN], w[NAME_LEN], a[NAME_LEN], b[4][NAME_LEN];
    int pad = (k - 1) / 2;
    zoo_conv2d_desc d = {
        .out_channels = cout,
        .kernel_h = k, .kernel_w = k,
        .stride_h = s, .stride_w = s,
        .dilation_h = 1, .dilation_w = 1,
        .pad_top = pad, .pad_bottom = pad, .pad_left = pad, .pad_right = pad,
        .groups = groups,
    };
    fmt(node, "%s._conv", skey);
    fmt(w, "%s._conv.weight", skey);
    zoo_value y = c->h->conv2d(c->g, node, x, &d, w, NULL);
    if (y >= 0) {
        fmt(a, "%s_weights", pname);
        c->h->param_alias(c->g, w, a);
    }
    fmt(node, "%s._batch_norm", skey);
    for (int i = 0; i < 4; i++) fmt(b[i], "%s._batch_norm.%s", skey, bsfx[i]);
    y = c->h->batchnorm(c->g, node, y, GHOST_BN_EPS, b[0], b[1], b[2], b[3]);
    if (y >= 0) {
        for (int i = 0; i < 4; i++) {
            fmt(a, "%s_bn_%s", pname, bpfx[i]);
            c->h->param_alias(c->g, b[i], a);
        }
        c->h->param_trainable(c->g, b[2], 0);
        c->h->param_trainable(c->g, b[3], 0);
    }
    if (relu) {
        fmt(node, "%s.relu", skey);
        y = c->h->act(c->g, node, y, (zoo_act_desc){.kind = ZOO_ACT_RELU});
    }
    return y;
}

static zoo_value global_avg(const ghost_ctx *c, const char *node, zoo_value x) {
    zoo_pool2d_desc d = {.kind = ZOO_POOL_AVG, .global = true, .exclusive = true};
    return c->h->pool2d(c->g, node, x, &d);
}

/* GhostModule <skey> / <pname>: concat(primary 1x1, cheap depthwise 3x3). */
static zoo_value ghost_module(const ghost_ctx *c, zoo_value x, const char *skey,
                              const char *pname, int out, int relu) {
    char s[NAME_LEN], p[NAME_LEN];
    int init = (out + 1) / 2; /* ceil(out / ratio), ratio 2 */
    fmt(s, "%s.primary_conv", skey);
    fmt(p, "%s_primary_conv", pname);
    zoo_value parts[2];
    parts[0] = conv_bn(c, x, s, p, init, 1, 1, 1, relu);
    fmt(s, "%s.cheap_operation", skey);
    fmt(p, "%s_cheap_operation", pname);
    parts[1] = conv_bn(c, parts[0], s, p, init, 3, 1, init, relu);
    fmt(s, "%s.concat", skey);
    return c->h->concat(c->g, s, parts, 2, 1);
}

/* SEBlock <skey> (Linear squeeze/excitation) with Paddle names <pname>_1_*, _2_*. */
static zoo_value se_block(const ghost_ctx *c, zoo_value x, const char *skey, const char *pname,
                          int channels) {
    static const char *const sub[2] = {"squeeze", "excitation"};
    const int outs[2] = {channels / 4, channels};
    const zoo_act_desc acts[2] = {{.kind = ZOO_ACT_RELU}, {.kind = ZOO_ACT_CLIP, .a = 0, .b = 1}};
    char node[NAME_LEN], w[NAME_LEN], b[NAME_LEN], a[NAME_LEN];
    fmt(node, "%s.pool2d_gap", skey);
    zoo_value s = global_avg(c, node, x);
    for (int i = 0; i < 2; i++) {
        fmt(node, "%s.%s", skey, sub[i]);
        fmt(w, "%s.%s.weight", skey, sub[i]);
        fmt(b, "%s.%s.bias", skey, sub[i]);
        s = c->h->linear(c->g, node, s, outs[i], w, b);
        if (s >= 0) {
            fmt(a, "%s_%d_weights", pname, i + 1);
            c->h->param_alias(c->g, w, a);
            fmt(a, "%s_%d_offset", pname, i + 1);
            c->h->param_alias(c->g, b, a);
        }
        fmt(node, "%s.%s.act", skey, sub[i]);
        s = c->h->act(c->g, node, s, acts[i]);
    }
    fmt(node, "%s.mul", skey);
    return c->h->mul(c->g, node, x, s);
}

static zoo_value bottleneck(const ghost_ctx *c, zoo_value x, int idx, int in, int hidden,
                            int out, const ghost_block *b) {
    /* the structured prefix and the Paddle name prefix happen to coincide */
    char sk[NAME_LEN], s[NAME_LEN], p[NAME_LEN];
    fmt(sk, "_ghostbottleneck_%d", idx);
    const char *pn = sk;
    fmt(s, "%s.ghost_module_1", sk);
    fmt(p, "%s_ghost_module_1", pn);
    zoo_value y = ghost_module(c, x, s, p, hidden, 1);
    if (b->s == 2) {
        fmt(s, "%s.depthwise_conv", sk);
        fmt(p, "%s_depthwise_depthwise", pn);
        y = conv_bn(c, y, s, p, hidden, b->k, b->s, hidden, 0);
    }
    if (b->se) {
        fmt(s, "%s.se_block", sk);
        fmt(p, "%s_se", pn);
        y = se_block(c, y, s, p, hidden);
    }
    fmt(s, "%s.ghost_module_2", sk);
    fmt(p, "%s_ghost_module_2", pn);
    y = ghost_module(c, y, s, p, out, 0);
    zoo_value sc = x;
    if (b->s != 1 || in != out) {
        fmt(s, "%s.shortcut_depthwise", sk);
        fmt(p, "%s_shortcut_depthwise_depthwise", pn);
        sc = conv_bn(c, x, s, p, in, b->k, b->s, in, 0);
        fmt(s, "%s.shortcut_conv", sk);
        fmt(p, "%s_shortcut_conv", pn);
        sc = conv_bn(c, sc, s, p, out, 1, 1, 1, 0);
    }
    fmt(s, "%s.add", sk);
    return c->h->add(c->g, s, y, sc);
}

int ghostnet_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                   int input_w) {
    const ghostnet_config *cfg = config;
    if (!cfg) {
        host->fail(g, "ghostnet: model has no configuration row");
        return -1;
    }
    ghost_ctx c = {host, g};
    zoo_value x = host->input(g, "image", 3, input_h, input_w);
    int ch = make_divisible(16 * cfg->scale);
    x = conv_bn(&c, x, "conv1", "conv1", ch, 3, 2, 1, 1);
    for (int i = 0; i < 16; i++) {
        const ghost_block *b = &ghost_cfgs[i];
        int out = make_divisible(b->c * cfg->scale);
        int hidden = make_divisible(b->exp * cfg->scale);
        x = bottleneck(&c, x, i, ch, hidden, out, b);
        ch = out;
    }
    int last = make_divisible(ghost_cfgs[15].exp * cfg->scale);
    x = conv_bn(&c, x, "conv_last", "conv_last", last, 1, 1, 1, 1);
    x = global_avg(&c, "pool2d_gap", x);
    x = conv_bn(&c, x, "fc_0", "fc_0", GHOST_FC0, 1, 1, 1, 1);
    x = host->dropout(g, "dropout", x, 0.2f, ZOO_DROPOUT_UPSCALE_IN_TRAIN);
    x = host->linear(g, "fc_1", x, 1000, "fc_1.weight", "fc_1.bias");
    if (x >= 0) {
        host->param_alias(g, "fc_1.weight", "fc_1_weights");
        host->param_alias(g, "fc_1.bias", "fc_1_offset");
    }
    if (host->output(g, x) != 0 || host->graph_error(g)) return -1;
    return 0;
}
