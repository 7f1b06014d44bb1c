/* plugins/densenet/densenet.c - PaddleClas DenseNet121/161/169/201/264
 * (ppcls/arch/backbone/model_zoo/densenet.py; docs/formats.md 6.2).
 *
 * One config row per model (init features, growth rate, layers per dense
 * block) and one builder:
 *   stem  conv1_func: conv 7x7 s2 p3 -> BN -> ReLU; MaxPool 3 s2 p1
 *   dense block b = 2..5, layer l: BN-ReLU-conv1x1 (4*growth) [_x1],
 *         BN-ReLU-conv3x3 p1 (growth) [_x2], out = concat([in, new], axis 1)
 *   transition after blocks 2..4 (tr_conv<b>_blk): BN-ReLU-conv1x1 (C/2)
 *         -> AvgPool 2 s2
 *   head  batch_norm (conv5_blk_bn_*) + ReLU -> global avg pool -> out (Linear)
 * bn_size is 4 and dropout 0 for every PaddleClas DenseNet, so no dropout
 * node exists. Parameter names: structured state_dict keys, Paddle names as
 * aliases (see common.h). */
#include "common.h"

#include <stddef.h>

typedef struct densenet_cfg {
    const char *name;
    const char *summary;
    int init_features;
    int growth;
    int blocks[4];
} densenet_cfg;

#define DENSENET_BN_SIZE 4

static const densenet_cfg densenet_table[] = {
    {"DenseNet121", "DenseNet-121 (k=32), PaddleClas ImageNet-1k", 64, 32, {6, 12, 24, 16}},
    {"DenseNet161", "DenseNet-161 (k=48), PaddleClas ImageNet-1k", 96, 48, {6, 12, 36, 24}},
    {"DenseNet169", "DenseNet-169 (k=32), PaddleClas ImageNet-1k", 64, 32, {6, 12, 32, 32}},
    {"DenseNet201", "DenseNet-201 (k=32), PaddleClas ImageNet-1k", 64, 32, {6, 12, 48, 32}},
    {"DenseNet264", "DenseNet-264 (k=32), PaddleClas ImageNet-1k", 64, 32, {6, 12, 64, 48}},
};

/* One DenseLayer `db_conv_<b>.conv<b>_<l>`: returns concat([x, new]). */
static zoo_value dense_layer(const zoo_host_api *host, zoo_graph *g, zoo_value x, int b, int l,
                             int growth) {
    char key[DD_NAME_MAX], alias[DD_NAME_MAX], node[DD_NAME_MAX];
    if (dd_fmt(host, g, key, "db_conv_%d.conv%d_%d.bn_ac_func1", b, b, l) ||
        dd_fmt(host, g, alias, "conv%d_%d_x1", b, l))
        return ZOO_NONE;
    zoo_value y = dd_bn_relu_conv(host, g, x, key, alias, DENSENET_BN_SIZE * growth, 1, 1, 0, 1);
    if (dd_fmt(host, g, key, "db_conv_%d.conv%d_%d.bn_ac_func2", b, b, l) ||
        dd_fmt(host, g, alias, "conv%d_%d_x2", b, l))
        return ZOO_NONE;
    y = dd_bn_relu_conv(host, g, y, key, alias, growth, 3, 1, 1, 1);
    if (dd_fmt(host, g, node, "db_conv_%d.conv%d_%d.concat", b, b, l)) return ZOO_NONE;
    /* [old, new] order: the backend plans this chain in place */
    const zoo_value parts[2] = {x, y};
    return host->concat(g, node, parts, 2, 1);
}

static int densenet_build(const zoo_host_api *host, zoo_graph *g, const void *config,
                          int input_h, int input_w) {
    const densenet_cfg *cfg = config;
    if (!cfg) {
        host->fail(g, "densenet plugin: DenseNet builder called without a config row");
        return -1;
    }
    zoo_value x = host->input(g, "input", 3, input_h, input_w);
    x = dd_conv_bn_relu(host, g, x, "conv1_func", "conv1", cfg->init_features, 7, 2, 3);
    x = dd_max_pool(host, g, "pool2d_max", x, 3, 2, 1);

    int channels = cfg->init_features;
    char key[DD_NAME_MAX], alias[DD_NAME_MAX], node[DD_NAME_MAX];
    for (int i = 0; i < 4; i++) {
        const int b = i + 2;
        for (int l = 1; l <= cfg->blocks[i]; l++) {
            x = dense_layer(host, g, x, b, l, cfg->growth);
            channels += cfg->growth;
        }
        if (i == 3) break;
        if (dd_fmt(host, g, key, "tr_conv%d_blk.conv_ac_func", b) ||
            dd_fmt(host, g, alias, "conv%d_blk", b) ||
            dd_fmt(host, g, node, "tr_conv%d_blk.pool2d_avg", b))
            return -1;
        channels /= 2;
        x = dd_bn_relu_conv(host, g, x, key, alias, channels, 1, 1, 0, 1);
        x = dd_avg_pool(host, g, node, x, 2, 2, 0);
    }
    x = dd_bn(host, g, x, "batch_norm", "conv5_blk", 1);
    x = dd_global_avg_pool(host, g, "pool2d_avg", x);
    if (dd_classifier(host, g, x, 1000) != 0) return -1;
    if (cfg->blocks[2] != 64) dd_densenet_timm_aliases(host, g, cfg->blocks); /* not DenseNet264 */
    return dd_status(host, g);
}

int dd_register_densenet(const zoo_host_api *host, zoo_registrar *reg) {
    for (size_t i = 0; i < sizeof densenet_table / sizeof densenet_table[0]; i++) {
        const densenet_cfg *c = &densenet_table[i];
        const zoo_model_desc d = {
            .name = c->name,
            .family = "densenet",
            .summary = c->summary,
            .input_channels = 3,
            .input_size = 224,
            .resize_short = 256,
            .num_classes = 1000,
            .build = densenet_build,
            .config = c,
        };
        if (host->register_model(reg, &d) != 0) return -1;
    }
    return 0;
}
