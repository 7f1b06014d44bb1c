/* plugins/efficientnet/efficientnet_build.c - the one graph builder of the
 * EfficientNet family, driven by an effnet_config row.
 *
 * Contract: declares exactly PaddleClas' EfficientNet forward pass
 * (ppcls/arch/backbone/model_zoo/efficientnet.py, docs/formats.md 6.4) for an
 * input of input_h x input_w, with parameters named by the structured
 * state_dict keys (e.g. "_ef._blocks.1.._ecn._conv._conv._conv.weight") and
 * the Paddle parameter names ("_blocks.1._expand_conv_weights") as aliases;
 * BN running mean/variance are marked non-trainable. Returns 0, or -1 with
 * the message in the graph.
 *
 * Semantics reproduced:
 *   - stem 3x3 s2 conv -> BN -> swish; MBConv blocks; head 1x1 conv -> BN ->
 *     swish -> global average -> dropout (upscale_in_train: identity) -> fc;
 *   - MBConv: [expand 1x1 -> BN -> swish] (expand ratio != 1) -> depthwise
 *     k x k stride s -> BN -> swish -> [SE] -> project 1x1 -> BN -> + input
 *     when stride 1 and in == out (drop-connect is training-only);
 *   - SE: GAP -> 1x1 conv + bias -> swish -> 1x1 conv + bias -> sigmoid -> mul,
 *     squeezed to max(1, int(block input filters * 0.25));
 *   - BN epsilon 1e-3 everywhere;
 *   - SAME padding from the fixed nominal-size table, not from the runtime
 *     tensor: when TF-SAME would be asymmetric Paddle pads top + s on every
 *     side and drops the first output row and column; we declare the same
 *     conv followed by slices on H and W, so any input size behaves as in
 *     Paddle. DYNAMIC (B0_small): symmetric ((s-1) + (k-1)) / 2.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "efficientnet.h"

#define NAME_LEN 160
#define EFFNET_BN_EPS 1e-3f
#define EFFNET_SE_RATIO 0.25

/* Base block string of efficientnet.py: r k s e i o (all se0.25, id_skip). */
typedef struct effnet_stage {
    int repeats, kernel, stride, expand, in, out;
} effnet_stage;

static const effnet_stage effnet_base[7] = {
    {1, 3, 1, 1, 32, 16},   {2, 3, 2, 6, 16, 24},   {2, 5, 2, 6, 24, 40},  {3, 3, 2, 6, 40, 80},
    {3, 5, 1, 6, 80, 112}, {4, 5, 2, 6, 112, 192}, {1, 3, 1, 6, 192, 320},
};

typedef struct effnet_ctx {
    const zoo_host_api *h;
    zoo_graph *g;
    const effnet_config *cfg;
} effnet_ctx;

/* round_filters: f * w; max(8, int(f + 4) // 8 * 8); + 8 if that lost > 10 %.
 * Done in double exactly as Python's float arithmetic does. */
static int round_filters(int filters, double width) {
    double f = filters * width;
    int nf = (int)(f + 8 / 2.0) / 8 * 8;
    if (nf < 8) nf = 8;
    if (nf < 0.9 * f) nf += 8;
    return nf;
}

/* round_repeats with depth_trunc 'ceil' */
static int round_repeats(int repeats, double depth) {
    return (int)ceil(depth * repeats);
}

/* cal_padding of efficientnet.py: (top, bottom) of TF-SAME for size n. */
static void cal_padding(int n, int s, int k, int *top, int *bottom) {
    int total = (n % s == 0) ? k - s : k - n % s;
    if (total < 0) total = 0;
    *top = total / 2;
    *bottom = total - total / 2;
}

static void fmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(char *buf, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, NAME_LEN, f, ap);
    va_end(ap);
}

static zoo_value act(const effnet_ctx *c, const char *node, zoo_value x, zoo_act kind) {
    return c->h->act(c->g, node, x, (zoo_act_desc){.kind = kind});
}

/* Conv2ds: a k x k conv with the family's padding; `nominal` is the nominal
 * input size of its stage (SAME only). Crops like Paddle when needed. */
static zoo_value conv_padded(const effnet_ctx *c, const char *node, zoo_value x, int cout, int k,
                           int s, int groups, int nominal, const char *weight, const char *bias) {
    int pad, crop = 0;
    if (c->cfg->padding == EFFNET_PAD_SAME) {
        int top, bottom;
        cal_padding(nominal, s, k, &top, &bottom);
        if (top != bottom) {
            pad = top + s;
            crop = 1;
        } else {
            pad = top;
        }
    } else {
        pad = ((s - 1) + (k - 1)) / 2;
    }
    zoo_conv2d_desc d = {
        .out_channels = cout,
        .kernel_h = k, .kernel_w = k,
        .stride_h = s, .stride_w = s,
        .dilation_h = 1, .dilation_w = 1,
        .pad_top = pad, .pad_bottom = pad, .pad_left = pad, .pad_right = pad,
        .groups = groups,
    };
    zoo_value y = c->h->conv2d(c->g, node, x, &d, weight, bias);
    if (!crop || y < 0) return y;
    zoo_shape sh;
    if (c->h->shape(c->g, y, &sh) != 0) {
        c->h->fail(c->g, "efficientnet: %s: no shape for the conv output", node);
        return ZOO_NONE;
    }
    char n[NAME_LEN];
    fmt(n, "%s.crop_h", node);
    y = c->h->slice(c->g, n, y, 2, 1, sh.h);
    fmt(n, "%s.crop_w", node);
    return c->h->slice(c->g, n, y, 3, 1, sh.w);
}

/* BatchNorm with structured keys <skey>.{weight,bias,_mean,_variance} and
 * Paddle names <pkey>_{scale,offset,mean,variance}. */
static zoo_value bn(const effnet_ctx *c, const char *node, zoo_value x, const char *skey,
                    const char *pkey) {
    static const char *const sfx[4] = {"weight", "bias", "_mean", "_variance"};
    static const char *const pfx[4] = {"scale", "offset", "mean", "variance"};
    char s[4][NAME_LEN], p[NAME_LEN];
    for (int i = 0; i < 4; i++) fmt(s[i], "%s.%s", skey, sfx[i]);
    zoo_value y = c->h->batchnorm(c->g, node, x, EFFNET_BN_EPS, s[0], s[1], s[2], s[3]);
    if (y < 0) return y;
    for (int i = 0; i < 4; i++) {
        fmt(p, "%s_%s", pkey, pfx[i]);
        c->h->param_alias(c->g, s[i], p);
    }
    c->h->param_trainable(c->g, s[2], 0);
    c->h->param_trainable(c->g, s[3], 0);
    return y;
}

/* ConvBNLayer <L>: conv <L>._conv._conv.weight (alias conv_alias), BN <L>._bn
 * (aliases bn_alias_*), then optional swish. */
static zoo_value conv_bn(const effnet_ctx *c, zoo_value x, const char *layer, const char *conv_alias,
                         const char *bn_alias, int cout, int k, int s, int groups, int nominal,
                         int swish) {
    char node[NAME_LEN], w[NAME_LEN];
    fmt(node, "%s._conv", layer);
    fmt(w, "%s._conv._conv.weight", layer);
    zoo_value y = conv_padded(c, node, x, cout, k, s, groups, nominal, w, NULL);
    if (y >= 0) c->h->param_alias(c->g, w, conv_alias);
    fmt(node, "%s._bn", layer);
    y = bn(c, node, y, node, bn_alias);
    if (swish) {
        fmt(node, "%s.swish", layer);
        y = act(c, node, y, ZOO_ACT_SWISH);
    }
    return y;
}

static zoo_value global_avg(const effnet_ctx *c, const char *node, zoo_value x) {
    zoo_pool2d_desc d = {.kind = ZOO_POOL_AVG, .global = true, .exclusive = true};
    return c->h->pool2d(c->g, node, x, &d);
}

/* SE block <sp>_se: conv1 (reduce, swish), conv2 (expand, sigmoid), mul. */
static zoo_value se_block(const effnet_ctx *c, zoo_value x, const char *sp, const char *pp,
                          int channels, int squeezed) {
    char node[NAME_LEN], w[NAME_LEN], b[NAME_LEN], a[NAME_LEN];
    fmt(node, "%s_se._pool", sp);
    zoo_value s = global_avg(c, node, x);
    static const char *const sub[2] = {"_conv1", "_conv2"};
    static const char *const pname[2] = {"_se_reduce", "_se_expand"};
    const int cout[2] = {squeezed, channels};
    const zoo_act acts[2] = {ZOO_ACT_SWISH, ZOO_ACT_SIGMOID};
    for (int i = 0; i < 2; i++) {
        fmt(node, "%s_se.%s._conv", sp, sub[i]);
        fmt(w, "%s_se.%s._conv.weight", sp, sub[i]);
        fmt(b, "%s_se.%s._conv.bias", sp, sub[i]);
        /* model_name/cur_stage are None for SE convs: nominal size 1 (1x1: pad 0) */
        s = conv_padded(c, node, s, cout[i], 1, 1, 1, 1, w, b);
        if (s >= 0) {
            fmt(a, "%s%s_weights", pp, pname[i]);
            c->h->param_alias(c->g, w, a);
            fmt(a, "%s%s_offset", pp, pname[i]);
            c->h->param_alias(c->g, b, a);
        }
        fmt(node, "%s_se.%s.act", sp, sub[i]);
        s = act(c, node, s, acts[i]);
    }
    fmt(node, "%s_se.mul", sp);
    return c->h->mul(c->g, node, x, s);
}

/* One MbConvBlock, number idx; first: the stage's first block (registered as
 * "_blocks.<idx>." rather than "block.<idx>."). */
static zoo_value mbconv(const effnet_ctx *c, zoo_value x, int idx, int first, int nominal,
                        int in, int out, int k, int s, int e) {
    char sp[NAME_LEN], pp[NAME_LEN], layer[NAME_LEN], ca[NAME_LEN], ba[NAME_LEN];
    fmt(sp, first ? "_ef._blocks.%d.." : "_ef.block.%d..", idx);
    fmt(pp, "_blocks.%d.", idx);
    int oup = in * e;
    zoo_value y = x;
    if (e != 1) {
        fmt(layer, "%s_ecn._conv", sp);
        fmt(ca, "%s_expand_conv_weights", pp);
        fmt(ba, "%s_bn0", pp);
        y = conv_bn(c, y, layer, ca, ba, oup, 1, 1, 1, nominal, 1);
    }
    fmt(layer, "%s_dcn._conv", sp);
    fmt(ca, "%s_depthwise_conv_weights", pp);
    fmt(ba, "%s_bn1", pp);
    y = conv_bn(c, y, layer, ca, ba, oup, k, s, oup, nominal, 1);
    if (c->cfg->use_se) {
        int sq = (int)(in * EFFNET_SE_RATIO);
        if (sq < 1) sq = 1;
        y = se_block(c, y, sp, pp, oup, sq);
    }
    fmt(layer, "%s_pcn._conv", sp);
    fmt(ca, "%s_project_conv_weights", pp);
    fmt(ba, "%s_bn2", pp);
    y = conv_bn(c, y, layer, ca, ba, out, 1, 1, 1, nominal, 0);
    if (s == 1 && in == out) {
        fmt(layer, "%sadd", sp);
        y = c->h->add(c->g, layer, y, x);
    }
    return y;
}

int effnet_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                 int input_w) {
    const effnet_config *cfg = config;
    if (!cfg) {
        host->fail(g, "efficientnet: model has no configuration row");
        return -1;
    }
    effnet_ctx c = {host, g, cfg};
    zoo_value x = host->input(g, "image", 3, input_h, input_w);

    int stem = round_filters(32, cfg->width);
    x = conv_bn(&c, x, "_ef._conv_stem._conv", "_conv_stem_weights", "_bn0", stem, 3, 2, 1,
                cfg->nominal[0], 1);

    int idx = 0;
    for (int st = 0; st < 7; st++) {
        const effnet_stage *b = &effnet_base[st];
        int in = round_filters(b->in, cfg->width);
        int out = round_filters(b->out, cfg->width);
        int reps = round_repeats(b->repeats, cfg->depth);
        int nominal = cfg->nominal[st + 1];
        x = mbconv(&c, x, idx++, 1, nominal, in, out, b->kernel, b->stride, b->expand);
        for (int r = 1; r < reps; r++)
            x = mbconv(&c, x, idx++, 0, nominal, out, out, b->kernel, 1, b->expand);
    }

    int head = round_filters(1280, cfg->width);
    x = conv_bn(&c, x, "_conv", "_conv_head_weights", "_bn1", head, 1, 1, 1, cfg->nominal[7], 1);
    x = global_avg(&c, "_pool", x);
    x = host->dropout(g, "_drop", x, cfg->dropout, ZOO_DROPOUT_UPSCALE_IN_TRAIN);
    x = host->linear(g, "_fc", x, 1000, "_fc.weight", "_fc.bias");
    if (x >= 0) {
        host->param_alias(g, "_fc.weight", "_fc_weights");
        host->param_alias(g, "_fc.bias", "_fc_offset");
        effnet_timm_aliases(host, g, cfg); /* efficientnet_timm.c */
    }
    if (host->output(g, x) != 0 || host->graph_error(g)) return -1;
    return 0;
}
