/* plugins/densenet/common.h - building blocks shared by the DenseNet and DPN
 * builders of the "densenet" plugin (internal to the plugin).
 *
 * Both PaddleClas families are made of the same two units, with parameters
 * named after the PaddleClas module tree (canonical name = structured
 * state_dict key) and aliased to the Paddle ParamAttr name:
 *   - ConvBNLayer  (stem):      conv -> BN -> ReLU
 *   - BNACConvLayer (everywhere else): BN -> ReLU -> conv   (pre-activation)
 * The BN running mean / variance are marked non-trainable. All helpers are
 * error-sticky like the host builder: they return ZOO_NONE once the graph has
 * failed, and the builder checks host->graph_error() once at the end.
 */
#ifndef ZOO_PLUGIN_DENSENET_COMMON_H
#define ZOO_PLUGIN_DENSENET_COMMON_H

#include "zoo/plugin.h"

/* PaddleClas DenseNet and DPN use paddle.nn.BatchNorm's default epsilon
 * (docs/formats.md 6.12). */
#define DD_BN_EPS 1e-5f

/* Longest node / parameter name the helpers format (the longest real one,
 * "db_conv_4.conv4_64.bn_ac_func2._batch_norm._variance", is 52 chars). */
#define DD_NAME_MAX 128

/* snprintf into buf; on truncation or an encoding error it fails the graph
 * and returns -1. */
int dd_fmt(const zoo_host_api *host, zoo_graph *g, char *buf, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* BatchNorm (optionally followed by ReLU) whose parameters are
 * <key>.weight/.bias/._mean/._variance, aliased <alias>_bn_scale/_bn_offset/
 * _bn_mean/_bn_variance. Node names start with `key`. */
zoo_value dd_bn(const zoo_host_api *host, zoo_graph *g, zoo_value x, const char *key,
                const char *alias, int relu);

/* Conv without bias, weight <key>._conv.weight aliased <alias>_weights. */
zoo_value dd_conv(const zoo_host_api *host, zoo_graph *g, zoo_value x, const char *key,
                  const char *alias, int out_channels, int kernel, int stride, int pad,
                  int groups);

/* ConvBNLayer with act="relu": <key>._conv, then <key>._batch_norm + ReLU. */
zoo_value dd_conv_bn_relu(const zoo_host_api *host, zoo_graph *g, zoo_value x,
                          const char *key, const char *alias, int out_channels, int kernel,
                          int stride, int pad);

/* BNACConvLayer: <key>._batch_norm + ReLU, then <key>._conv. */
zoo_value dd_bn_relu_conv(const zoo_host_api *host, zoo_graph *g, zoo_value x,
                          const char *key, const char *alias, int out_channels, int kernel,
                          int stride, int pad, int groups);

/* Pooling shorthands (Paddle defaults: floor mode, exclusive average). */
zoo_value dd_max_pool(const zoo_host_api *host, zoo_graph *g, const char *node, zoo_value x,
                      int kernel, int stride, int pad);
zoo_value dd_avg_pool(const zoo_host_api *host, zoo_graph *g, const char *node, zoo_value x,
                      int kernel, int stride, int pad);
zoo_value dd_global_avg_pool(const zoo_host_api *host, zoo_graph *g, const char *node,
                             zoo_value x);

/* The classifier `out = Linear(C, classes)` (node "fc"): out.weight [C, classes] aliased
 * fc_weights, out.bias aliased fc_offset; marks it as the graph output. */
int dd_classifier(const zoo_host_api *host, zoo_graph *g, zoo_value x, int classes);

/* 0 if the graph has no error, else -1. */
int dd_status(const zoo_host_api *host, const zoo_graph *g);

/* Family registrars (densenet.c, dpn.c): register every row of the family's
 * table with host->register_model; 0 or -1. */
int dd_register_densenet(const zoo_host_api *host, zoo_registrar *reg);
/* timm's densenet121/161/169/201 state_dict keys as aliases (densenet_timm.c). */
void dd_densenet_timm_aliases(const zoo_host_api *host, zoo_graph *g, const int blocks[4]);
int dd_register_dpn(const zoo_host_api *host, zoo_registrar *reg);

#endif
