/* plugins/densenet/dpn.c - PaddleClas DPN68/92/98/107/131
 * (ppcls/arch/backbone/model_zoo/dpn.py; docs/formats.md 6.3).
 *
 * One config row per model and one builder:
 *   stem  conv1_x_1_func: conv kxk s2 (init filters) -> BN -> ReLU; MaxPool 3 s2 p1
 *   stages gc = 0..3 with k_sec[gc] DualPathFactory blocks dpn1, dpn2, ...
 *         (numbered consecutively across stages), R = k_r * bw / r:
 *     data_in = concat(res, dense) (or the stem output for dpn1)
 *     first block of a stage (proj for gc 0, down = stride 2 otherwise):
 *         c1x1_w_func BN-ReLU-conv1x1 stride s -> bw + 2 inc, split (bw, 2 inc)
 *         gives the new (res, dense); other blocks keep the incoming pair
 *     c1x1_a_func BN-ReLU-conv1x1 -> R; c3x3_b_func BN-ReLU-conv3x3 p1 stride s
 *     groups G -> R; c1x1_c_func BN-ReLU-conv1x1 -> bw + inc, split (bw, inc)
 *     res = res + c[:bw]; dense = concat(dense, c[bw:])
 *   head  concat(res, dense) -> conv5_x_x_bn (final_concat_bn_*) + ReLU
 *         -> global avg pool -> out (Linear)
 * Parameter names: structured state_dict keys, Paddle names as aliases. */
#include "common.h"

#include <stddef.h>

typedef struct dpn_cfg {
    const char *name;
    const char *summary;
    int k_r;           /* bottleneck width factor */
    int groups;        /* G: groups of the 3x3 conv */
    int k_sec[4];      /* blocks per stage */
    int inc_sec[4];    /* dense-path increment per block */
    int bw[4];         /* residual-path width */
    int r[4];          /* R = k_r * bw / r */
    int init_filters;  /* stem conv */
    int init_kernel;
    int init_pad;
} dpn_cfg;

static const dpn_cfg dpn_table[] = {
    {"DPN68", "Dual Path Network 68, PaddleClas ImageNet-1k", 128, 32, {3, 4, 12, 3},
     {16, 32, 32, 64}, {64, 128, 256, 512}, {64, 64, 64, 64}, 10, 3, 1},
    {"DPN92", "Dual Path Network 92, PaddleClas ImageNet-1k", 96, 32, {3, 4, 20, 3},
     {16, 32, 24, 128}, {256, 512, 1024, 2048}, {256, 256, 256, 256}, 64, 7, 3},
    {"DPN98", "Dual Path Network 98, PaddleClas ImageNet-1k", 160, 40, {3, 6, 20, 3},
     {16, 32, 32, 128}, {256, 512, 1024, 2048}, {256, 256, 256, 256}, 96, 7, 3},
    {"DPN107", "Dual Path Network 107, PaddleClas ImageNet-1k", 200, 50, {4, 8, 20, 3},
     {20, 64, 64, 128}, {256, 512, 1024, 2048}, {256, 256, 256, 256}, 128, 7, 3},
    {"DPN131", "Dual Path Network 131, PaddleClas ImageNet-1k", 160, 40, {4, 8, 28, 3},
     {16, 32, 32, 128}, {256, 512, 1024, 2048}, {256, 256, 256, 256}, 128, 7, 3},
};

/* The two paths between blocks; before dpn1 only `res` is set (the stem
 * output) and dense is ZOO_NONE. */
typedef struct dual_path {
    zoo_value res, dense;
} dual_path;

/* One DualPathFactory `dpn<idx>`; `first` = proj/down block with stride. */
static dual_path dpn_block(const zoo_host_api *host, zoo_graph *g, dual_path in, int idx,
                           int first, int stride, int R, int groups, int bw, int inc) {
    const dual_path fail = {ZOO_NONE, ZOO_NONE};
    char key[DD_NAME_MAX], alias[DD_NAME_MAX], node[DD_NAME_MAX];

    zoo_value data_in = in.res;
    if (in.dense != ZOO_NONE) {
        if (dd_fmt(host, g, node, "dpn%d.concat_in", idx)) return fail;
        const zoo_value parts[2] = {in.res, in.dense};
        data_in = host->concat(g, node, parts, 2, 1);
    }

    dual_path path = in;
    if (first) {
        if (dd_fmt(host, g, key, "dpn%d.c1x1_w_func", idx) ||
            dd_fmt(host, g, alias, "dpn%d_match", idx) ||
            dd_fmt(host, g, node, "dpn%d.split_w", idx))
            return fail;
        zoo_value w = dd_bn_relu_conv(host, g, data_in, key, alias, bw + 2 * inc, 1, stride,
                                      0, 1);
        const int sizes[2] = {bw, 2 * inc};
        zoo_value parts[2] = {ZOO_NONE, ZOO_NONE};
        if (host->split(g, node, w, 1, sizes, 2, parts) != 0) return fail;
        path.res = parts[0];
        path.dense = parts[1];
    }

    if (dd_fmt(host, g, key, "dpn%d.c1x1_a_func", idx) ||
        dd_fmt(host, g, alias, "dpn%d_conv1", idx))
        return fail;
    zoo_value y = dd_bn_relu_conv(host, g, data_in, key, alias, R, 1, 1, 0, 1);
    if (dd_fmt(host, g, key, "dpn%d.c3x3_b_func", idx) ||
        dd_fmt(host, g, alias, "dpn%d_conv2", idx))
        return fail;
    y = dd_bn_relu_conv(host, g, y, key, alias, R, 3, stride, 1, groups);
    if (dd_fmt(host, g, key, "dpn%d.c1x1_c_func", idx) ||
        dd_fmt(host, g, alias, "dpn%d_conv3", idx))
        return fail;
    y = dd_bn_relu_conv(host, g, y, key, alias, bw + inc, 1, 1, 0, 1);

    if (dd_fmt(host, g, node, "dpn%d.split_c", idx)) return fail;
    const int sizes[2] = {bw, inc};
    zoo_value c[2] = {ZOO_NONE, ZOO_NONE};
    if (host->split(g, node, y, 1, sizes, 2, c) != 0) return fail;

    dual_path out;
    if (dd_fmt(host, g, node, "dpn%d.add", idx)) return fail;
    out.res = host->add(g, node, path.res, c[0]);
    if (dd_fmt(host, g, node, "dpn%d.concat_dense", idx)) return fail;
    const zoo_value dparts[2] = {path.dense, c[1]};
    out.dense = host->concat(g, node, dparts, 2, 1);
    if (host->graph_error(g)) return fail;
    return out;
}

static int dpn_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                     int input_w) {
    const dpn_cfg *cfg = config;
    if (!cfg) {
        host->fail(g, "densenet plugin: DPN builder called without a config row");
        return -1;
    }
    zoo_value x = host->input(g, "input", 3, input_h, input_w);
    x = dd_conv_bn_relu(host, g, x, "conv1_x_1_func", "conv1", cfg->init_filters,
                        cfg->init_kernel, 2, cfg->init_pad);
    x = dd_max_pool(host, g, "pool2d_max", x, 3, 2, 1);

    dual_path p = {x, ZOO_NONE};
    /* dpn.py numbers the first block of stage gc 1 + sum(k_sec[:gc]) and the
     * others with a counter that skips those numbers: consecutive numbering. */
    int idx = 1;
    for (int gc = 0; gc < 4; gc++) {
        const int R = cfg->k_r * cfg->bw[gc] / cfg->r[gc];
        for (int i = 0; i < cfg->k_sec[gc]; i++, idx++) {
            const int first = i == 0;
            const int stride = first && gc > 0 ? 2 : 1;
            p = dpn_block(host, g, p, idx, first, stride, R, cfg->groups, cfg->bw[gc],
                          cfg->inc_sec[gc]);
            if (p.res == ZOO_NONE) return -1;
        }
    }
    const zoo_value parts[2] = {p.res, p.dense};
    x = host->concat(g, "conv5_x_x_concat", parts, 2, 1);
    x = dd_bn(host, g, x, "conv5_x_x_bn", "final_concat", 1);
    x = dd_global_avg_pool(host, g, "pool2d_avg", x);
    if (dd_classifier(host, g, x, 1000) != 0) return -1;
    return dd_status(host, g);
}

int dd_register_dpn(const zoo_host_api *host, zoo_registrar *reg) {
    for (size_t i = 0; i < sizeof dpn_table / sizeof dpn_table[0]; i++) {
        const dpn_cfg *c = &dpn_table[i];
        const zoo_model_desc d = {
            .name = c->name,
            .family = "dpn",
            .summary = c->summary,
            .input_channels = 3,
            .input_size = 224,
            .resize_short = 256,
            .num_classes = 1000,
            .build = dpn_build,
            .config = c,
        };
        if (host->register_model(reg, &d) != 0) return -1;
    }
    return 0;
}
