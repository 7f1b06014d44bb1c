/* core/graph_impl.h - the graph's in-memory layout, for zoo's own modules
 * (backends, converters, the CLI). Plugins never see this; they use plugin.h.
 *
 * Invariants after a successful build (zoo_graph_finalize):
 *   - nodes[] is in topological order; node i produces value nodes[i].output;
 *   - values[v].producer is the node index that writes v;
 *   - every param referenced by a node has its shape fixed; params[] is in
 *     declaration order (first use);
 *   - exactly one INPUT node (node 0) and one output value.
 */
#ifndef ZOO_CORE_GRAPH_IMPL_H
#define ZOO_CORE_GRAPH_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "zoo/zoo.h"

#define ZOO_NODE_MAX_PARAMS 4

typedef struct zoo_param {
    char *name;
    int ndim;
    int64_t dims[4];
    int64_t numel;
    unsigned flags;
    bool trainable;
    char **aliases;
    unsigned *alias_flags; /* per alias: ZOO_ALIAS_* */
    int n_aliases;
    const float *data; /* bound fp32 data (NULL until bound) */
    float *owned;      /* graph-owned buffer behind data, if any (fp16 widening, zeros) */
} zoo_param;

typedef struct zoo_node {
    zoo_op op;
    char *name;
    zoo_value *inputs;
    int n_inputs;
    zoo_value output;
    int params[ZOO_NODE_MAX_PARAMS]; /* indices into g->params, -1 = none */
    union {
        zoo_conv2d_desc conv; /* params: weight, bias(-1) */
        struct {
            float eps;        /* params: scale, bias, mean, variance */
        } bn;
        struct {
            int out_features; /* params: weight [in, out], bias(-1) */
        } linear;
        zoo_act_desc act;
        zoo_pool2d_desc pool;
        struct {
            int axis;
        } concat;
        struct {
            int axis, start, end;
        } slice;
        struct {
            int groups;
        } shuffle;
        struct {
            float scale, bias;
        } scale;
        struct {
            int axis;
        } softmax;
    } attr;
} zoo_node;

typedef struct zoo_value_info {
    zoo_shape shape; /* n = 1 */
    int producer;    /* node index */
} zoo_value_info;

struct zoo_graph {
    char *model_name;
    zoo_node *nodes;
    int n_nodes, cap_nodes;
    zoo_value_info *values;
    int n_values, cap_values;
    zoo_param *params;
    int n_params, cap_params;
    char **ignored; /* source names the model drops */
    int n_ignored, cap_ignored;
    zoo_value input, output;
    int auto_name_counter;
    char *error; /* first error, sticky */
    bool finalized;
};

/* Element counts per image (n = 1). */
static inline int64_t zoo_shape_numel(zoo_shape s) {
    return (int64_t)s.c * s.h * s.w;
}

const char *zoo_op_name(zoo_op op);

#endif
