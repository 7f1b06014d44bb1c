/* zoo/zoo.h - the public library API.
 *
 *   zoo_ctx       owns everything mutable: loaded plugins, the model registry,
 *                 options. There is no global state; two contexts are independent.
 *   zoo_graph     a model instantiated for one input size (zoo_model_build),
 *                 inspected with zoo_graph_* and bound to weights by name.
 *   zoo_runner    a graph compiled for one backend ("cpu", "cpu-ref", "vulkan"),
 *                 run on batches of NCHW fp32 input.
 *
 * Typical use:
 *     zoo_error e;
 *     zoo_ctx *ctx = zoo_ctx_new(NULL, &e);
 *     zoo_graph *g = zoo_model_build(ctx, "GhostNet_x1_0", 0, 0, &e);
 *     zoo_weights *w = zoo_weights_open("GhostNet_x1_0.zoo", 0, &e);
 *     zoo_graph_bind(g, w, &e);
 *     zoo_runner *r = zoo_runner_new(g, &(zoo_runner_opts){.backend = "cpu"}, &e);
 *     zoo_runner_run(r, input, 1, logits, &e);
 */
#ifndef ZOO_ZOO_H
#define ZOO_ZOO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"
#include "zoo/graph.h"
#include "zoo/plugin.h"
#include "zoo/weights.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZOO_VERSION_MAJOR 0
#define ZOO_VERSION_MINOR 1
#define ZOO_VERSION_PATCH 0
#define ZOO_VERSION_STRING "0.1.0"

const char *zoo_version(void);

/* ---- context and registry ---------------------------------------------- */

typedef struct zoo_ctx zoo_ctx;

typedef struct zoo_ctx_opts {
    /* Directories searched for plugins, in order, before ZOO_PLUGIN_PATH
     * (colon-separated, from the environment). NULL-terminated; may be NULL. */
    const char *const *plugin_dirs;
    bool no_default_plugins; /* do not search plugin_dirs / ZOO_PLUGIN_PATH at all */
    bool no_env;             /* ignore ZOO_PLUGIN_PATH */
} zoo_ctx_opts;

/* Creates a context and loads every plugin found. A plugin that fails to load
 * (bad ABI, missing symbol) does not fail the context: its message is kept
 * and listed by zoo_ctx_plugin_warning(). */
zoo_ctx *zoo_ctx_new(const zoo_ctx_opts *opts, zoo_error *err);
void zoo_ctx_free(zoo_ctx *ctx);

/* Loads one plugin file. Refuses an ABI mismatch with ZOO_ERR_INPUT and a
 * message naming the file and both versions. */
int zoo_ctx_load_plugin(zoo_ctx *ctx, const char *path, zoo_error *err);

int zoo_ctx_plugin_count(const zoo_ctx *ctx);
const char *zoo_ctx_plugin_name(const zoo_ctx *ctx, int i);
const char *zoo_ctx_plugin_path(const zoo_ctx *ctx, int i);
int zoo_ctx_warning_count(const zoo_ctx *ctx);
const char *zoo_ctx_warning(const zoo_ctx *ctx, int i);

int zoo_model_count(const zoo_ctx *ctx);
const zoo_model_desc *zoo_model_at(const zoo_ctx *ctx, int i); /* sorted by name */
const zoo_model_desc *zoo_model_find(const zoo_ctx *ctx, const char *name); /* exact */
/* Closest registered name (case-insensitive edit distance), NULL if nothing is close. */
const char *zoo_model_suggest(const zoo_ctx *ctx, const char *name);

/* ---- graphs ----------------------------------------------------------- */

/* Builds `name` for an input of h x w (0, 0 = the model's default size).
 * Unknown names fail with ZOO_ERR_NOTFOUND and a "did you mean" hint. */
zoo_graph *zoo_model_build(zoo_ctx *ctx, const char *name, int h, int w, zoo_error *err);

/* A graph built by hand (tests, tools): the same builder the plugins get. */
zoo_graph *zoo_graph_new(const char *model_name);
void zoo_graph_free(zoo_graph *g);
const zoo_host_api *zoo_host(void); /* the builder/registrar function table (const, shared) */

/* Finishes a hand-built graph: checks there is one input and one output.
 * zoo_model_build() calls it for plugin graphs. */
int zoo_graph_finalize(zoo_graph *g, zoo_error *err);

const char *zoo_graph_model_name(const zoo_graph *g);
const char *zoo_graph_error(const zoo_graph *g);
int zoo_graph_node_count(const zoo_graph *g);
int zoo_graph_node(const zoo_graph *g, int i, zoo_node_info *out);
int zoo_graph_param_count(const zoo_graph *g);
int zoo_graph_param(const zoo_graph *g, int i, zoo_param_info *out);
int zoo_graph_find_param(const zoo_graph *g, const char *name_or_alias); /* index or -1 */
zoo_shape zoo_graph_input_shape(const zoo_graph *g);
zoo_shape zoo_graph_output_shape(const zoo_graph *g);
/* Whether a source tensor name was declared ignorable by the model. */
bool zoo_graph_is_ignored_source(const zoo_graph *g, const char *name);

typedef struct zoo_graph_stats {
    int64_t params;           /* all parameter elements (incl. BN running stats) */
    int64_t params_trainable; /* excluding BN running mean / variance */
    int64_t macs;             /* conv + linear multiply-accumulates, n = 1 */
    /* Paddle fluid.contrib.model_stat rules (docs/formats.md section 8): what
     * PaddleClas' published FLOPs/Params columns count */
    int64_t stat_flops;
    int64_t stat_params;
} zoo_graph_stats;
void zoo_graph_stats_compute(const zoo_graph *g, zoo_graph_stats *out);

/* Binds parameter data by canonical name. Reports every missing, unexpected
 * and mis-shaped tensor in one message (ZOO_ERR_INPUT); on success the graph
 * references w's memory (fp16 tensors are widened into graph-owned buffers),
 * so w must outlive the graph's runners. Optional params absent in w are zeros. */
int zoo_graph_bind(zoo_graph *g, const zoo_weights *w, zoo_error *err);
/* Binds from caller-owned fp32 buffers, one per parameter in declaration
 * order (tests). */
int zoo_graph_bind_arrays(zoo_graph *g, const float *const *data, zoo_error *err);
/* fp32 data of a bound parameter (NULL if not bound). */
const float *zoo_graph_param_data(const zoo_graph *g, int i);

/* ---- running ----------------------------------------------------------- */

typedef struct zoo_runner zoo_runner;

typedef struct zoo_runner_opts {
    const char *backend; /* "cpu" (default, fast path), "cpu-ref" (reference), "vulkan", "auto" */
    int threads;         /* CPU threads, 0 = number of cores */
    int max_batch;       /* largest batch run() will be given; 0 = 1 */
    int device;          /* GPU index for vulkan, -1 = choose */
    bool fp16;           /* vulkan: fp16 storage where supported */
} zoo_runner_opts;

zoo_runner *zoo_runner_new(zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err);
void zoo_runner_free(zoo_runner *r);
const char *zoo_runner_backend_name(const zoo_runner *r);
/* input: batch x C x H x W fp32; output: batch x (output C*H*W) fp32. */
int zoo_runner_run(zoo_runner *r, const float *input, int batch, float *output, zoo_error *err);
/* Bytes of activation memory the plan uses at max_batch (for zoo bench). */
size_t zoo_runner_activation_bytes(const zoo_runner *r);

#ifdef __cplusplus
}
#endif
#endif
