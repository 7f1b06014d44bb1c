/* zoo/plugin.h - the whole contract between zoo and a model-family plugin.
 *
 * A plugin is a shared object that exports exactly one symbol,
 *
 *     const zoo_plugin_def zoo_plugin;          (use ZOO_PLUGIN_DEFINE)
 *
 * whose first member is the ABI version it was compiled against. zoo reads
 * that number before touching anything else and refuses a plugin whose
 * version differs from its own, naming the file and both versions.
 *
 * zoo then calls def->init(host, reg). `host` is a table of functions (the
 * graph builder and the registrar): a plugin never links against libzoo and
 * never sees zoo's internals, so it can be built out-of-tree against the
 * installed headers alone (`pkg-config --cflags zoo`). init registers any
 * number of models with host->register_model().
 *
 * A model's builder is called every time a graph is needed (zoo info, run,
 * convert, ...). It declares the network through host->* builder calls, which
 * are error-sticky (see graph.h): check host->graph_error() or the returned
 * status once at the end.
 *
 * Versioning: ZOO_PLUGIN_ABI_VERSION changes whenever a struct in this file or
 * in graph.h changes layout or a function's meaning changes. New functions
 * are appended to zoo_host_api only together with a version bump.
 * History: 1 the first; 2 appended param_alias_ex (and zoo_param_info.alias_flags).
 * The host keeps the plugin loaded until the zoo context is destroyed, so
 * static strings and tables in the plugin may be referenced freely.
 */
#ifndef ZOO_PLUGIN_H
#define ZOO_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/graph.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZOO_PLUGIN_ABI_VERSION 2u
#define ZOO_PLUGIN_SYMBOL "zoo_plugin"

typedef struct zoo_registrar zoo_registrar; /* opaque: where models get registered */
typedef struct zoo_host_api zoo_host_api;

/* A model builder: declare the network for an input of `input_h` x `input_w`
 * (the registered default size unless the user asked for another) into g.
 * Returns 0 on success, -1 on failure (the message is in the graph). */
typedef int (*zoo_build_fn)(const zoo_host_api *host, zoo_graph *g, const void *config,
                            int input_h, int input_w);

typedef struct zoo_model_desc {
    const char *name;        /* "EfficientNetB0": unique across all plugins */
    const char *family;      /* "efficientnet" */
    const char *summary;     /* one line for `zoo info` */
    int input_channels;      /* 3 */
    int input_size;          /* default (eval crop) height = width, e.g. 224 */
    int resize_short;        /* PaddleClas eval resize_short, e.g. 256 */
    int num_classes;         /* 1000 */
    zoo_build_fn build;
    const void *config;      /* passed back to build: typically a row of the family's table */
} zoo_model_desc;

struct zoo_host_api {
    uint32_t abi_version; /* ZOO_PLUGIN_ABI_VERSION of the host */
    uint32_t struct_size; /* sizeof(zoo_host_api) of the host */

    /* registration: copies the descriptor; 0 or -1 (duplicate name, bad desc) */
    int (*register_model)(zoo_registrar *reg, const zoo_model_desc *desc);

    /* graph builder. `node` names the node (NULL: auto name "<op>_<k>");
     * parameter names are canonical names; NULL bias = no bias. */
    zoo_value (*input)(zoo_graph *g, const char *node, int c, int h, int w);
    zoo_value (*conv2d)(zoo_graph *g, const char *node, zoo_value x, const zoo_conv2d_desc *d,
                        const char *weight, const char *bias);
    zoo_value (*batchnorm)(zoo_graph *g, const char *node, zoo_value x, float eps,
                           const char *scale, const char *bias, const char *mean,
                           const char *variance);
    zoo_value (*linear)(zoo_graph *g, const char *node, zoo_value x, int out_features,
                        const char *weight, const char *bias);
    zoo_value (*act)(zoo_graph *g, const char *node, zoo_value x, zoo_act_desc a);
    zoo_value (*pool2d)(zoo_graph *g, const char *node, zoo_value x, const zoo_pool2d_desc *d);
    zoo_value (*concat)(zoo_graph *g, const char *node, const zoo_value *xs, int n, int axis);
    zoo_value (*slice)(zoo_graph *g, const char *node, zoo_value x, int axis, int start, int end);
    /* split along axis into n parts of the given sizes; writes n values to out; 0 or -1 */
    int (*split)(zoo_graph *g, const char *node, zoo_value x, int axis, const int *sizes, int n,
                 zoo_value *out);
    zoo_value (*add)(zoo_graph *g, const char *node, zoo_value a, zoo_value b);
    zoo_value (*mul)(zoo_graph *g, const char *node, zoo_value a, zoo_value b);
    zoo_value (*channel_shuffle)(zoo_graph *g, const char *node, zoo_value x, int groups);
    zoo_value (*scale)(zoo_graph *g, const char *node, zoo_value x, float scale, float bias);
    /* new [c, h, w] keeping N; one of them may be -1 (inferred) */
    zoo_value (*reshape)(zoo_graph *g, const char *node, zoo_value x, int c, int h, int w);
    zoo_value (*flatten)(zoo_graph *g, const char *node, zoo_value x); /* -> [N, C*H*W, 1, 1] */
    zoo_value (*softmax)(zoo_graph *g, const char *node, zoo_value x, int axis);
    /* inference form of Paddle's dropout: identity (returns x) or a scale by (1 - p) */
    zoo_value (*dropout)(zoo_graph *g, const char *node, zoo_value x, float p,
                         zoo_dropout_mode mode);
    int (*output)(zoo_graph *g, zoo_value x); /* marks the graph output (exactly one) */

    /* parameter metadata, for the converters (all 0 or -1) */
    int (*param_alias)(zoo_graph *g, const char *name, const char *alias);
    int (*param_flags)(zoo_graph *g, const char *name, unsigned flags);
    int (*param_trainable)(zoo_graph *g, const char *name, int trainable);
    /* a source tensor the model knowingly does not use (GoogLeNet's auxiliary heads):
     * converters drop it silently instead of reporting it as unexpected */
    int (*ignore_source)(zoo_graph *g, const char *source_name);

    /* queries and failure */
    int (*shape)(const zoo_graph *g, zoo_value v, zoo_shape *out); /* 0 or -1 */
    void (*fail)(zoo_graph *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
    const char *(*graph_error)(const zoo_graph *g); /* NULL while no error */

    /* ABI 2: an alias with flags (graph.h ZOO_ALIAS_*): ZOO_ALIAS_TRANSPOSED marks a
     * name under which sources (PyTorch, timm) store a Linear weight as [out, in] */
    int (*param_alias_ex)(zoo_graph *g, const char *name, const char *alias, unsigned alias_flags);
};

typedef struct zoo_plugin_def {
    uint32_t abi_version;  /* must stay the first member; = ZOO_PLUGIN_ABI_VERSION */
    uint32_t flags;        /* reserved, 0 */
    const char *name;      /* plugin name, e.g. "efficientnet" */
    const char *version;   /* the plugin's own version string */
    /* registers the plugin's models; 0 on success, -1 on failure */
    int (*init)(const zoo_host_api *host, zoo_registrar *reg);
} zoo_plugin_def;

#if defined(__GNUC__)
#define ZOO_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define ZOO_PLUGIN_EXPORT
#endif

/* ZOO_PLUGIN_DEFINE("efficientnet", "1.0", efficientnet_init); */
#define ZOO_PLUGIN_DEFINE(name_, version_, init_)                                      \
    ZOO_PLUGIN_EXPORT extern const zoo_plugin_def zoo_plugin;                          \
    ZOO_PLUGIN_EXPORT const zoo_plugin_def zoo_plugin = {ZOO_PLUGIN_ABI_VERSION, 0u,   \
                                                         (name_), (version_), (init_)}

#ifdef __cplusplus
}
#endif
#endif
