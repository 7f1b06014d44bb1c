/* plugins/densenet/common.c - the pre-activation / post-activation conv units,
 * BN, pooling and classifier helpers shared by the DenseNet and DPN builders
 * (see common.h). Every parameter gets its PaddleClas structured key as the
 * canonical name and the Paddle ParamAttr name as alias; BN running stats are
 * declared non-trainable. */
#include "common.h"

#include <stdarg.h>
#include <stdio.h>

int dd_fmt(const zoo_host_api *host, zoo_graph *g, char *buf, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, DD_NAME_MAX, fmt, ap);
    va_end(ap);
    if (n < 0 || n >= DD_NAME_MAX) {
        buf[0] = '\0';
        host->fail(g, "densenet plugin: name too long (format \"%s\", limit %d)", fmt,
                   DD_NAME_MAX - 1);
        return -1;
    }
    return 0;
}

/* Declares the metadata of one parameter: its alias and whether it is
 * trainable (0 only for the BN running statistics), stated explicitly rather
 * than relying on the host's defaults. */
static void meta(const zoo_host_api *host, zoo_graph *g, const char *name, const char *alias,
                 int trainable) {
    if (host->graph_error(g)) return;
    if (host->param_alias(g, name, alias) != 0) {
        host->fail(g, "densenet plugin: cannot alias parameter %s as %s", name, alias);
        return;
    }
    if (host->param_trainable(g, name, trainable) != 0)
        host->fail(g, "densenet plugin: cannot set parameter %s trainable = %d", name, trainable);
}

zoo_value dd_bn(const zoo_host_api *host, zoo_graph *g, zoo_value x, const char *key,
                const char *alias, int relu) {
    char w[DD_NAME_MAX], b[DD_NAME_MAX], m[DD_NAME_MAX], v[DD_NAME_MAX];
    char aw[DD_NAME_MAX], ab[DD_NAME_MAX], am[DD_NAME_MAX], av[DD_NAME_MAX];
    char node[DD_NAME_MAX];
    if (dd_fmt(host, g, w, "%s.weight", key) || dd_fmt(host, g, b, "%s.bias", key) ||
        dd_fmt(host, g, m, "%s._mean", key) || dd_fmt(host, g, v, "%s._variance", key) ||
        dd_fmt(host, g, aw, "%s_bn_scale", alias) || dd_fmt(host, g, ab, "%s_bn_offset", alias) ||
        dd_fmt(host, g, am, "%s_bn_mean", alias) || dd_fmt(host, g, av, "%s_bn_variance", alias))
        return ZOO_NONE;
    zoo_value y = host->batchnorm(g, key, x, DD_BN_EPS, w, b, m, v);
    meta(host, g, w, aw, 1);
    meta(host, g, b, ab, 1);
    meta(host, g, m, am, 0);
    meta(host, g, v, av, 0);
    if (!relu) return host->graph_error(g) ? ZOO_NONE : y;
    if (dd_fmt(host, g, node, "%s.relu", key)) return ZOO_NONE;
    return host->act(g, node, y, (zoo_act_desc){.kind = ZOO_ACT_RELU});
}

zoo_value dd_conv(const zoo_host_api *host, zoo_graph *g, zoo_value x, const char *key,
                  const char *alias, int out_channels, int kernel, int stride, int pad,
                  int groups) {
    char node[DD_NAME_MAX], w[DD_NAME_MAX], aw[DD_NAME_MAX];
    if (dd_fmt(host, g, node, "%s._conv", key) || dd_fmt(host, g, w, "%s._conv.weight", key) ||
        dd_fmt(host, g, aw, "%s_weights", alias))
        return ZOO_NONE;
    zoo_conv2d_desc d = {
        .out_channels = out_channels,
        .kernel_h = kernel, .kernel_w = kernel,
        .stride_h = stride, .stride_w = stride,
        .dilation_h = 1, .dilation_w = 1,
        .pad_top = pad, .pad_bottom = pad, .pad_left = pad, .pad_right = pad,
        .groups = groups,
    };
    zoo_value y = host->conv2d(g, node, x, &d, w, NULL);
    meta(host, g, w, aw, 1);
    return host->graph_error(g) ? ZOO_NONE : y;
}

zoo_value dd_conv_bn_relu(const zoo_host_api *host, zoo_graph *g, zoo_value x,
                          const char *key, const char *alias, int out_channels, int kernel,
                          int stride, int pad) {
    char bn[DD_NAME_MAX];
    if (dd_fmt(host, g, bn, "%s._batch_norm", key)) return ZOO_NONE;
    zoo_value y = dd_conv(host, g, x, key, alias, out_channels, kernel, stride, pad, 1);
    return dd_bn(host, g, y, bn, alias, 1);
}

zoo_value dd_bn_relu_conv(const zoo_host_api *host, zoo_graph *g, zoo_value x,
                          const char *key, const char *alias, int out_channels, int kernel,
                          int stride, int pad, int groups) {
    char bn[DD_NAME_MAX];
    if (dd_fmt(host, g, bn, "%s._batch_norm", key)) return ZOO_NONE;
    zoo_value y = dd_bn(host, g, x, bn, alias, 1);
    return dd_conv(host, g, y, key, alias, out_channels, kernel, stride, pad, groups);
}

static zoo_value pool(const zoo_host_api *host, zoo_graph *g, const char *node, zoo_value x,
                      zoo_pool_kind kind, int kernel, int stride, int pad, int global) {
    zoo_pool2d_desc d = {
        .kind = kind,
        .kernel_h = kernel, .kernel_w = kernel,
        .stride_h = stride, .stride_w = stride,
        .pad_top = pad, .pad_bottom = pad, .pad_left = pad, .pad_right = pad,
        .ceil_mode = false,
        .exclusive = true, /* Paddle AvgPool2D default; no effect on max pooling */
        .global = global != 0,
    };
    return host->pool2d(g, node, x, &d);
}

zoo_value dd_max_pool(const zoo_host_api *host, zoo_graph *g, const char *node, zoo_value x,
                      int kernel, int stride, int pad) {
    return pool(host, g, node, x, ZOO_POOL_MAX, kernel, stride, pad, 0);
}

zoo_value dd_avg_pool(const zoo_host_api *host, zoo_graph *g, const char *node, zoo_value x,
                      int kernel, int stride, int pad) {
    return pool(host, g, node, x, ZOO_POOL_AVG, kernel, stride, pad, 0);
}

zoo_value dd_global_avg_pool(const zoo_host_api *host, zoo_graph *g, const char *node,
                             zoo_value x) {
    return pool(host, g, node, x, ZOO_POOL_AVG, 0, 0, 0, 1);
}

int dd_classifier(const zoo_host_api *host, zoo_graph *g, zoo_value x, int classes) {
    /* node "fc": the static-graph PaddleClas programs named this op's output
     * fc_0.tmp_*, which is how Paddle's model_stat (the published FLOPs /
     * Params columns, core/graph_stats.c) recognises and counts it */
    zoo_value y = host->linear(g, "fc", x, classes, "out.weight", "out.bias");
    meta(host, g, "out.weight", "fc_weights", 1);
    meta(host, g, "out.bias", "fc_offset", 1);
    if (host->graph_error(g)) return -1;
    return host->output(g, y);
}

int dd_status(const zoo_host_api *host, const zoo_graph *g) {
    return host->graph_error(g) ? -1 : 0;
}
