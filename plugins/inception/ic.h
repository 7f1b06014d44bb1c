/* plugins/inception/ic.h - helpers shared by the inception plugin's builders
 * (GoogLeNet, InceptionV3, InceptionV4, Xception, Xception-deeplab).
 *
 * Every helper is error-sticky like the host builder: after the first failure
 * it keeps returning ZOO_NONE / doing nothing, and the builder checks
 * host->graph_error() once at the end. Names are built into caller buffers of
 * IC_NAME bytes; a name that would not fit fails the graph.
 */
#ifndef ZOO_PLUGIN_INCEPTION_IC_H
#define ZOO_PLUGIN_INCEPTION_IC_H

#include <stddef.h>

#include "zoo/plugin.h"

#define IC_NAME 256

typedef struct ic_b {
    const zoo_host_api *h;
    zoo_graph *g;
    const char *model; /* for messages */
    /* Paddle unique_name counters (fresh process): conv2d_<n>, batch_norm_<n>, linear_<n> */
    int conv_n, bn_n, linear_n;
} ic_b;

/* snprintf into buf; fails the graph (and returns "") when it does not fit */
const char *ic_fmt(ic_b *b, char *buf, size_t size, const char *f, ...)
    __attribute__((format(printf, 4, 5)));

/* metadata; each is a no-op once the graph has failed */
void ic_alias(ic_b *b, const char *name, const char *alias); /* NULL/"" or == name: skipped */
void ic_frozen(ic_b *b, const char *name);                   /* non-trainable */
void ic_optional(ic_b *b, const char *name);
void ic_ignore(ic_b *b, const char *source);

typedef struct ic_conv_p {
    int cout;
    int kh, kw;
    int stride;   /* both axes; 0 = 1 */
    int ph, pw;   /* symmetric padding per axis */
    int groups;   /* 0 = 1 */
    int dilation; /* 0 = 1 */
} ic_conv_p;

/* conv without bias; weight key `weight` (node name = key without ".weight");
 * aliases: a NULL-terminated list or NULL ("" entries and ones equal to the
 * key are skipped) */
zoo_value ic_conv(ic_b *b, zoo_value x, const ic_conv_p *p, const char *weight,
                  const char *const *aliases);

/* BN parameter alias naming schemes */
typedef enum ic_bn_style {
    IC_BN_KEY,    /* <p>.weight .bias ._mean ._variance (a structured-key generation) */
    IC_BN_PADDLE, /* <p>_scale _offset _mean _variance */
    IC_BN_AUTO,   /* <p>.w_0 .b_0 .w_1 .w_2 (Paddle auto names, p = batch_norm_<n>) */
    IC_BN_TF      /* <p>/gamma /beta /moving_mean /moving_variance */
} ic_bn_style;

typedef struct ic_bn_alias {
    const char *prefix;
    ic_bn_style style;
} ic_bn_alias;

/* inference BN; canonical names <key_prefix>.weight/.bias/._mean/._variance,
 * running stats non-trainable, n_aliases alias sets */
zoo_value ic_bn(ic_b *b, zoo_value x, float eps, const char *key_prefix, const ic_bn_alias *aliases,
                int n_aliases);

/* Linear with canonical <key_prefix>.weight / .bias and the given aliases (may be NULL).
 * `node` is the layer's name in the static-graph era program ("fc", "out",
 * "final_fc"): Paddle's model_stat, which produced the published FLOPs/Params,
 * counted an FC only when that name contains "fc", and zoo's stat view
 * (zoo_graph_stats_compute) applies the same rule to the node name. */
zoo_value ic_linear(ic_b *b, zoo_value x, int out, const char *node, const char *key_prefix,
                    const char *weight_alias, const char *bias_alias);

zoo_value ic_relu(ic_b *b, zoo_value x);
zoo_value ic_max_pool(ic_b *b, zoo_value x, int k, int stride, int pad);
zoo_value ic_avg_pool(ic_b *b, zoo_value x, int k, int stride, int pad, int exclusive);
zoo_value ic_gap(ic_b *b, zoo_value x);
zoo_value ic_concat(ic_b *b, const zoo_value *xs, int n);

/* the builders (one per architecture kind); config = a row of the kind's table */
int ic_build_googlenet(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                       int input_w);
int ic_build_inception_v3(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                          int input_w);
int ic_build_inception_v4(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                          int input_w);
int ic_build_xception(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                      int input_w);
int ic_build_xception_deeplab(const zoo_host_api *h, zoo_graph *g, const void *config,
                              int input_h, int input_w);

/* configs */
typedef struct ic_xception_cfg {
    int n_entry;             /* 3 or 5 entry-flow bottlenecks */
    int entry_out[5];        /* output channels */
    int entry_stride[5];
    int n_middle;            /* 8 or 16 */
} ic_xception_cfg;

typedef struct ic_deeplab_cfg {
    const char *scope; /* "xception_41", "xception_65": parameter-name prefix */
    int n_middle;      /* 8 or 16 */
} ic_deeplab_cfg;

#endif
