/* plugins/resnest/resnest.c - the ResNeSt family plugin (PaddleClas resnest.py).
 *
 * Contract: registers ResNeSt50 and ResNeSt50_fast_1s1x64d; one table row per
 * model, one builder for the architecture. The graph reproduces PaddleClas'
 * inference forward exactly:
 *   deep stem (3x3 s2 / 3x3 / 3x3, BN+ReLU each) -> MaxPool 3 s2 p1 ->
 *   4 stages of split-attention bottlenecks -> GAP -> Linear(2048, 1000).
 * Bottleneck: conv1 1x1 BN ReLU, [avd_first pool], SplatConv, [avd pool],
 *   conv3 1x1 BN, shortcut (avg_down AvgPool k=s s=s + 1x1 conv + BN), add, ReLU.
 *   Every AvgPool2D is Paddle's default exclusive=True, floor mode.
 * SplatConv (radix R, cardinality K = 1): 3x3 conv (R groups) BN ReLU,
 *   GAP of the sum of the R splits, 1x1 conv BN ReLU, 1x1 conv (+ bias: optional,
 *   zeros when a pre-2022-12 weight file lacks it), rSoftmax (R > 1: softmax
 *   across the radix, laid out radix-major; R = 1: sigmoid), weighted sum of
 *   the splits.
 * Parameter names: canonical = PaddleClas structured state_dict keys; the
 * Paddle ParamAttr name (or the auto name conv2d_<n>.b_0 of the attention
 * bias, <n> = the conv's creation index in a fresh process) is an alias.
 * BN running mean / variance are non-trainable.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "zoo/plugin.h"

#define NAME_MAX_LEN 256
#define BN_EPS 1e-5f

typedef struct resnest_cfg {
    int layers[4];        /* bottlenecks per stage */
    int radix;            /* split-attention radix R (>= 1) */
    int cardinality;      /* K */
    int bottleneck_width; /* 64 */
    int stem_width;       /* deep stem width (32) */
    int avd_first;        /* 1: avd pool before SplatConv, 0: after */
} resnest_cfg;

/* builder state: the host, the graph and Paddle's global conv creation counter */
typedef struct rb {
    const zoo_host_api *h;
    zoo_graph *g;
    int conv_index; /* next auto "conv2d_<n>" index, in Paddle creation order */
} rb;

/* snprintf into buf; a truncated name fails the graph (names never exceed it in practice) */
__attribute__((format(printf, 4, 5))) static const char *fmt(const rb *b, char *buf, size_t size,
                                                            const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    int n = vsnprintf(buf, size, f, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size) {
        b->h->fail(b->g, "resnest: parameter name too long (%s...)", buf);
        buf[0] = '\0';
    }
    return buf;
}

static void alias(const rb *b, const char *name, const char *al) {
    if (b->h->graph_error(b->g)) return;
    if (b->h->param_alias(b->g, name, al) != 0 && !b->h->graph_error(b->g))
        b->h->fail(b->g, "resnest: cannot alias '%s' as '%s'", name, al);
}

static void not_trainable(const rb *b, const char *name) {
    if (b->h->graph_error(b->g)) return;
    if (b->h->param_trainable(b->g, name, 0) != 0 && !b->h->graph_error(b->g))
        b->h->fail(b->g, "resnest: cannot mark '%s' non-trainable", name);
}

/* square k x k conv, pad (k-1)/2, no bias; weight key `key`, alias `pname` */
static zoo_value conv(rb *b, zoo_value x, int cout, int k, int stride, int groups, const char *key,
                      const char *pname) {
    zoo_conv2d_desc d = {.out_channels = cout,
                         .kernel_h = k,
                         .kernel_w = k,
                         .stride_h = stride,
                         .stride_w = stride,
                         .pad_top = (k - 1) / 2,
                         .pad_bottom = (k - 1) / 2,
                         .pad_left = (k - 1) / 2,
                         .pad_right = (k - 1) / 2,
                         .groups = groups};
    b->conv_index++;
    /* node name = the weight key without ".weight" */
    char node[NAME_MAX_LEN];
    size_t n = strlen(key);
    if (n > 7 && n - 7 < sizeof node && !strcmp(key + n - 7, ".weight")) {
        memcpy(node, key, n - 7);
        node[n - 7] = '\0';
    } else {
        fmt(b, node, sizeof node, "%s", key);
    }
    zoo_value y = b->h->conv2d(b->g, node, x, &d, key, NULL);
    alias(b, key, pname);
    return y;
}

/* BatchNorm with keys <kp>.weight/.bias/._mean/._variance and aliases
 * <ap>_scale/_offset/_mean/_variance */
static zoo_value bn(rb *b, zoo_value x, const char *kp, const char *ap) {
    static const char *const ksuf[4] = {".weight", ".bias", "._mean", "._variance"};
    static const char *const asuf[4] = {"_scale", "_offset", "_mean", "_variance"};
    char k[4][NAME_MAX_LEN], a[NAME_MAX_LEN];
    for (int i = 0; i < 4; i++) fmt(b, k[i], sizeof k[i], "%s%s", kp, ksuf[i]);
    zoo_value y = b->h->batchnorm(b->g, kp, x, BN_EPS, k[0], k[1], k[2], k[3]);
    for (int i = 0; i < 4; i++) alias(b, k[i], fmt(b, a, sizeof a, "%s%s", ap, asuf[i]));
    not_trainable(b, k[2]);
    not_trainable(b, k[3]);
    return y;
}

static zoo_value relu(rb *b, zoo_value x) {
    return b->h->act(b->g, NULL, x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
}

/* PaddleClas ConvBNLayer: keys <kp>._conv.weight, <kp>._batch_norm.*; names <np>_weight, <np>_scale... */
static zoo_value conv_bn(rb *b, zoo_value x, int cout, int k, int stride, int groups, int act,
                         const char *kp, const char *np) {
    char key[NAME_MAX_LEN], nm[NAME_MAX_LEN];
    x = conv(b, x, cout, k, stride, groups, fmt(b, key, sizeof key, "%s._conv.weight", kp),
             fmt(b, nm, sizeof nm, "%s_weight", np));
    x = bn(b, x, fmt(b, key, sizeof key, "%s._batch_norm", kp), np);
    return act ? relu(b, x) : x;
}

static zoo_value avg_pool(rb *b, zoo_value x, int k, int stride, int pad) {
    zoo_pool2d_desc p = {.kind = ZOO_POOL_AVG,
                         .kernel_h = k,
                         .kernel_w = k,
                         .stride_h = stride,
                         .stride_w = stride,
                         .pad_top = pad,
                         .pad_bottom = pad,
                         .pad_left = pad,
                         .pad_right = pad,
                         .exclusive = true};
    return b->h->pool2d(b->g, NULL, x, &p);
}

static zoo_value global_avg(rb *b, zoo_value x) {
    zoo_pool2d_desc p = {.kind = ZOO_POOL_AVG, .global = true, .exclusive = true};
    return b->h->pool2d(b->g, NULL, x, &p);
}

/* SplatConv(in = C, channels = C): kp = "<block key>.conv2", np = "<block name>_splat" */
static zoo_value splat_conv(rb *b, zoo_value x, int c, int radix, int card, const char *kp,
                            const char *np) {
    char k1[NAME_MAX_LEN], n1[NAME_MAX_LEN];
    int inter = c * radix / 4 > 32 ? c * radix / 4 : 32;

    x = conv_bn(b, x, c * radix, 3, 1, card * radix, 1, fmt(b, k1, sizeof k1, "%s.conv1", kp),
                fmt(b, n1, sizeof n1, "%s_1_weights", np));
    zoo_value parts[8];
    zoo_value gap = x;
    if (radix > 1) {
        int sizes[8];
        for (int r = 0; r < radix; r++) sizes[r] = c;
        if (b->h->split(b->g, NULL, x, 1, sizes, radix, parts) != 0) return ZOO_NONE;
        gap = parts[0];
        for (int r = 1; r < radix; r++) gap = b->h->add(b->g, NULL, gap, parts[r]);
    }
    gap = global_avg(b, gap);
    gap = conv_bn(b, gap, inter, 1, 1, card, 1, fmt(b, k1, sizeof k1, "%s.conv2", kp),
                  fmt(b, n1, sizeof n1, "%s_2_weights", np));

    /* attention conv3: 1x1, groups K, with the optional bias */
    char wk[NAME_MAX_LEN], bk[NAME_MAX_LEN], an[NAME_MAX_LEN];
    fmt(b, wk, sizeof wk, "%s.conv3.weight", kp);
    fmt(b, bk, sizeof bk, "%s.conv3.bias", kp);
    zoo_conv2d_desc d = {.out_channels = c * radix, .kernel_h = 1, .kernel_w = 1, .groups = card};
    int idx = b->conv_index++;
    char node[NAME_MAX_LEN];
    zoo_value att = b->h->conv2d(b->g, fmt(b, node, sizeof node, "%s.conv3", kp), gap, &d, wk, bk);
    alias(b, wk, fmt(b, an, sizeof an, "%s_weights", np));
    alias(b, bk, fmt(b, an, sizeof an, "conv2d_%d.b_0", idx));
    if (!b->h->graph_error(b->g) && b->h->param_flags(b->g, bk, ZOO_PARAM_OPTIONAL) != 0 &&
        !b->h->graph_error(b->g))
        b->h->fail(b->g, "resnest: cannot mark '%s' optional", bk);

    if (radix == 1) {
        att = b->h->act(b->g, NULL, att, (zoo_act_desc){.kind = ZOO_ACT_SIGMOID});
        return b->h->mul(b->g, NULL, x, att);
    }
    /* rSoftmax (K = 1): Paddle reshapes [B, K, R, C/K], moves R ahead of K and
     * takes the softmax over R; with one cardinal group that is a softmax over
     * axis 1 of the [R, C, 1] view, laid out radix-major as conv3 writes it */
    att = b->h->reshape(b->g, NULL, att, radix, c, 1);
    att = b->h->softmax(b->g, NULL, att, 1);
    att = b->h->reshape(b->g, NULL, att, radix * c, 1, 1);
    zoo_value atts[8];
    int sizes[8];
    for (int r = 0; r < radix; r++) sizes[r] = c;
    if (b->h->split(b->g, NULL, att, 1, sizes, radix, atts) != 0) return ZOO_NONE;
    zoo_value y = ZOO_NONE;
    for (int r = 0; r < radix; r++) {
        zoo_value t = b->h->mul(b->g, NULL, parts[r], atts[r]);
        y = r == 0 ? t : b->h->add(b->g, NULL, y, t);
    }
    return y;
}

static zoo_value bottleneck(rb *b, const resnest_cfg *cfg, zoo_value x, int inplanes, int planes,
                            int stride, int is_first, int layer, int index) {
    char kp[NAME_MAX_LEN], np[NAME_MAX_LEN], k[NAME_MAX_LEN], n[NAME_MAX_LEN];
    fmt(b, kp, sizeof kp, "layer%d.layer%d_bottleneck_%d", layer, layer, index);
    fmt(b, np, sizeof np, "layer%d_bottleneck_%d", layer, index);
    int gw = planes * cfg->bottleneck_width / 64 * cfg->cardinality;
    int avd = stride > 1 || is_first;
    zoo_value shortcut = x;

    x = conv_bn(b, x, gw, 1, 1, 1, 1, fmt(b, k, sizeof k, "%s.conv1", kp),
                fmt(b, n, sizeof n, "%s_conv1", np));
    if (avd && cfg->avd_first) x = avg_pool(b, x, 3, stride, 1);
    x = splat_conv(b, x, gw, cfg->radix, cfg->cardinality, fmt(b, k, sizeof k, "%s.conv2", kp),
                   fmt(b, n, sizeof n, "%s_splat", np));
    if (avd && !cfg->avd_first) x = avg_pool(b, x, 3, stride, 1);
    x = conv_bn(b, x, planes * 4, 1, 1, 1, 0, fmt(b, k, sizeof k, "%s.conv3", kp),
                fmt(b, n, sizeof n, "%s_conv3", np));

    if (stride != 1 || inplanes != planes * 4) {
        /* avg_down: AvgPool(k = s, s = s, p = 0); k = 1 is the identity and is left out */
        if (stride > 1) shortcut = avg_pool(b, shortcut, stride, stride, 0);
        shortcut = conv(b, shortcut, planes * 4, 1, 1, 1, fmt(b, k, sizeof k, "%s.conv4.weight", kp),
                        fmt(b, n, sizeof n, "%s_weights", np));
        char sn[NAME_MAX_LEN];
        shortcut = bn(b, shortcut, fmt(b, k, sizeof k, "%s._batch_norm", kp),
                      fmt(b, sn, sizeof sn, "%s_shortcut", np));
    }
    x = b->h->add(b->g, NULL, shortcut, x);
    return relu(b, x);
}

static int build_resnest(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                         int input_w) {
    const resnest_cfg *cfg = config;
    rb b = {.h = h, .g = g, .conv_index = 0};
    /* the registered models all have one cardinal group; K > 1 would need the
     * [K, R] -> [R, K] transpose of rSoftmax, which nothing here exercises */
    if (cfg->radix < 1 || cfg->radix > 8 || cfg->cardinality != 1) {
        h->fail(g, "resnest: unsupported config (radix %d, cardinality %d; need radix 1..8, "
                   "cardinality 1)",
                cfg->radix, cfg->cardinality);
        return -1;
    }
    int sw = cfg->stem_width;
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = conv_bn(&b, x, sw, 3, 2, 1, 1, "stem.conv1", "conv1");
    x = conv_bn(&b, x, sw, 3, 1, 1, 1, "stem.conv2", "conv2");
    x = conv_bn(&b, x, sw * 2, 3, 1, 1, 1, "stem.conv3", "conv3");
    zoo_pool2d_desc mp = {.kind = ZOO_POOL_MAX,
                          .kernel_h = 3,
                          .kernel_w = 3,
                          .stride_h = 2,
                          .stride_w = 2,
                          .pad_top = 1,
                          .pad_bottom = 1,
                          .pad_left = 1,
                          .pad_right = 1};
    x = h->pool2d(g, "max_pool2d", x, &mp);

    int inplanes = sw * 2;
    for (int s = 0; s < 4; s++) {
        int planes = 64 << s;
        int stride = s == 0 ? 1 : 2;
        int is_first = s != 0; /* PaddleClas passes is_first=False for layer1 only */
        for (int i = 0; i < cfg->layers[s]; i++) {
            x = bottleneck(&b, cfg, x, inplanes, planes, i == 0 ? stride : 1, i == 0 && is_first,
                           s + 1, i);
            inplanes = planes * 4;
        }
    }
    x = global_avg(&b, x);
    /* node "fc": the static-graph era layer name, which Paddle's model_stat (the
     * published FLOPs/Params) matched to count an FC (zoo_graph_stats_compute) */
    x = h->linear(g, "fc", x, 1000, "out.weight", "out.bias");
    alias(&b, "out.weight", "fc_weights");
    alias(&b, "out.bias", "fc_offset");
    h->output(g, x);
    return h->graph_error(g) ? -1 : 0;
}

static const resnest_cfg RESNEST50 = {
    .layers = {3, 4, 6, 3}, .radix = 2, .cardinality = 1, .bottleneck_width = 64,
    .stem_width = 32, .avd_first = 0};
static const resnest_cfg RESNEST50_FAST = {
    .layers = {3, 4, 6, 3}, .radix = 1, .cardinality = 1, .bottleneck_width = 64,
    .stem_width = 32, .avd_first = 1};

static const zoo_model_desc MODELS[] = {
    {.name = "ResNeSt50",
     .family = "resnest",
     .summary = "ResNeSt-50 (split attention, radix 2, deep stem, avg_down), ImageNet-1k",
     .input_channels = 3,
     .input_size = 224,
     .resize_short = 256,
     .num_classes = 1000,
     .build = build_resnest,
     .config = &RESNEST50},
    {.name = "ResNeSt50_fast_1s1x64d",
     .family = "resnest",
     .summary = "ResNeSt-50 fast 1s1x64d (radix 1, avd first), ImageNet-1k",
     .input_channels = 3,
     .input_size = 224,
     .resize_short = 256,
     .num_classes = 1000,
     .build = build_resnest,
     .config = &RESNEST50_FAST},
};

static int resnest_init(const zoo_host_api *host, zoo_registrar *reg) {
    for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++)
        if (host->register_model(reg, &MODELS[i]) != 0) return -1;
    return 0;
}

ZOO_PLUGIN_DEFINE("resnest", "1.0", resnest_init);
