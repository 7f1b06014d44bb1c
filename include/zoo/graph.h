/* zoo/graph.h - the graph IR: what a model is, independent of any backend.
 *
 * A graph is a list of nodes in execution (topological) order. Every node
 * produces exactly one value (an activation tensor). Values are NCHW fp32
 * and always 4-D; a vector is [N, C, 1, 1]. Dimension 0 is the batch: shapes
 * are inferred at build time with N = 1 and a graph runs at any batch size,
 * because no op mixes data across dimension 0.
 *
 * Parameters (weights) are named tensors declared by the ops that use them,
 * with shapes implied by the op (conv weight [Cout, Cin/groups, kh, kw],
 * linear weight [in, out] as Paddle stores it, BN vectors [C]). Their names
 * are the model's canonical names; for PaddleClas models these are exactly
 * the structured state_dict keys. A parameter may carry aliases (the Paddle
 * ParamAttr name, an older naming generation) that converters accept.
 *
 * Building is error-sticky: the first failing builder call records a message
 * naming the node and every later call returns ZOO_NONE, so a builder can
 * check once at the end (zoo_graph_error()).
 */
#ifndef ZOO_GRAPH_H
#define ZOO_GRAPH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct zoo_graph zoo_graph;

/* A value id inside one graph; ZOO_NONE (< 0) signals failure. */
typedef int32_t zoo_value;
#define ZOO_NONE ((zoo_value)-1)

typedef struct zoo_shape {
    int32_t n, c, h, w;
} zoo_shape;

typedef enum zoo_op {
    ZOO_OP_INPUT = 0,
    ZOO_OP_CONV2D,          /* cross-correlation, groups, dilation, asymmetric padding, optional bias */
    ZOO_OP_BATCHNORM,       /* inference BN: (x - mean) / sqrt(var + eps) * scale + bias */
    ZOO_OP_LINEAR,          /* x viewed as [N, C*H*W]; weight [in, out]; output [N, out, 1, 1] */
    ZOO_OP_ACT,             /* elementwise activation, see zoo_act */
    ZOO_OP_POOL2D,          /* max / avg, exclusive or not, ceil mode, global, adaptive */
    ZOO_OP_CONCAT,          /* along an axis (1..3) */
    ZOO_OP_SLICE,           /* [start, end) along an axis (1..3), step 1 */
    ZOO_OP_ADD,             /* a + b, numpy broadcast of size-1 dims of b (or a) */
    ZOO_OP_MUL,             /* a * b, same broadcast (SE blocks: [N,C,H,W] * [N,C,1,1]) */
    ZOO_OP_CHANNEL_SHUFFLE, /* [N, g*k, H, W] -> transpose groups: out[c=j*g+i] = in[i*k+j] */
    ZOO_OP_SCALE,           /* y = x * scale + bias (also inference dropout, downgrade_in_infer) */
    ZOO_OP_RESHAPE,         /* same data, new [C, H, W]; N kept */
    ZOO_OP_SOFTMAX,         /* along an axis (1..3) */
    ZOO_OP__COUNT
} zoo_op;

typedef enum zoo_act {
    ZOO_ACT_NONE = 0,
    ZOO_ACT_RELU,         /* max(x, 0) */
    ZOO_ACT_RELU6,        /* min(max(x, 0), 6) */
    ZOO_ACT_SIGMOID,      /* 1 / (1 + exp(-x)) */
    ZOO_ACT_SWISH,        /* x * sigmoid(x) */
    ZOO_ACT_HARD_SIGMOID, /* clip(a * x + b, 0, 1); Paddle default a = 0.2, b = 0.5 */
    ZOO_ACT_CLIP,         /* clip(x, a, b) */
    ZOO_ACT__COUNT
} zoo_act;

typedef struct zoo_act_desc {
    zoo_act kind;
    float a, b; /* parameters for HARD_SIGMOID and CLIP, ignored otherwise */
} zoo_act_desc;

typedef struct zoo_conv2d_desc {
    int out_channels;
    int kernel_h, kernel_w;
    int stride_h, stride_w;     /* 0 is read as 1 */
    int dilation_h, dilation_w; /* 0 is read as 1 */
    int pad_top, pad_bottom, pad_left, pad_right;
    int groups;                 /* 0 is read as 1; in_channels % groups == 0 and out % groups == 0 */
} zoo_conv2d_desc;

typedef enum zoo_pool_kind { ZOO_POOL_MAX = 0, ZOO_POOL_AVG = 1 } zoo_pool_kind;

typedef struct zoo_pool2d_desc {
    zoo_pool_kind kind;
    int kernel_h, kernel_w;
    int stride_h, stride_w; /* 0 is read as 1 */
    int pad_top, pad_bottom, pad_left, pad_right;
    bool ceil_mode;  /* Paddle rule: out = ceil((in + pads - k) / s) + 1 */
    bool exclusive;  /* avg only: divide by the count of non-padding elements (Paddle's default) */
    bool global;     /* whole-plane pooling; kernel/stride/pad ignored */
    int adaptive_h, adaptive_w; /* > 0: adaptive pooling to this size (Paddle bins:
                                   start = floor(i*H/out), end = ceil((i+1)*H/out)) */
} zoo_pool2d_desc;

typedef enum zoo_dropout_mode {
    ZOO_DROPOUT_UPSCALE_IN_TRAIN = 0,  /* identity at inference */
    ZOO_DROPOUT_DOWNGRADE_IN_INFER = 1 /* multiply by (1 - p) at inference */
} zoo_dropout_mode;

/* Parameter flags */
#define ZOO_PARAM_OPTIONAL 1u /* a source without it loads it as zeros (ResNeSt attention bias) */

/* Alias flags (host->param_alias_ex, ABI 2) */
#define ZOO_ALIAS_TRANSPOSED 1u /* a source tensor found under this alias holds the 2-D
                                   parameter [a, b] transposed: PyTorch's Linear weight
                                   [out, in] (or a 1x1-conv classifier [out, in, 1, 1]) for
                                   the graph's [in, out]; converters transpose it */

/* ---- inspection (used by the CLI, backends, converters, tests) ------------ */

typedef struct zoo_node_info {
    zoo_op op;
    const char *name;     /* node name, unique in the graph */
    const char *op_name;  /* "conv2d", "batchnorm", ... */
    int n_inputs;
    const zoo_value *inputs;
    zoo_value output;
    zoo_shape out_shape;  /* with n = 1 */
    int64_t params;       /* parameter elements this node owns */
    int64_t macs;         /* multiply-accumulates at n = 1 (conv, linear) */
} zoo_node_info;

typedef struct zoo_param_info {
    const char *name;        /* canonical name */
    int ndim;
    int64_t dims[4];
    int64_t numel;
    unsigned flags;          /* ZOO_PARAM_* */
    int n_aliases;
    const char *const *aliases;
    const unsigned *alias_flags; /* n_aliases entries: ZOO_ALIAS_* (NULL when none) */
    bool trainable;          /* false for BN running mean / variance */
    bool bound;              /* data attached by zoo_graph_bind() */
} zoo_param_info;

#ifdef __cplusplus
}
#endif
#endif
