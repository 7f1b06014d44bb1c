/* vulkan/vk_plan.h - what the Vulkan backend will run, decided on the host
 * with no Vulkan call (so it is unit-testable on any machine).
 *
 * zvk_plan_build() turns a validated graph into a list of dispatch steps:
 *   - convert_in (host fp32 -> the input value) first, convert_out last;
 *   - conv -> batchnorm folded into the conv's weights and bias (in double);
 *     conv[+bn] -> add(equal-shape residual) and conv / bn / scale / add / mul /
 *     linear -> act fused into the step's epilogue (a value read by more than
 *     one node is never fused away);
 *   - convs with one input channel per group use conv_dw, the rest conv_gemm
 *     (64 x 64 tiles through shared memory, for GPUs) or conv_reg (16 x 8
 *     register tiles, vec4 weight loads, for CPU devices), groups along the
 *     grid's z; 1x1 stride-1 unpadded ones get PW = 1, or PW = 2 when every
 *     input row is 16-byte aligned (conv_reg then reads the image as vec4s);
 *   - standalone batchnorm / scale / act are one `affine` kernel;
 *   - a pooling window covering the whole plane uses pool_global;
 *   - reshape and channel slices are views (no step); a channel concat's
 *     inputs are written in place into the concat's buffer when they can be
 *     (not a view, not placed elsewhere, not the graph output, not repeated),
 *     every other concat input and H/W slices are `copy` steps.
 * Every shader parameter is a specialization constant (spec[]: taps,
 * strides, dilations, paddings, pooling kind, fused activation, and the sizes).
 * The sizes (channels, planes; and strides, dilations, paddings, which cost
 * nothing as run-time values) are also pushed as push constants, and the
 * backend compiles them in only with ZOO_VK_SPECIALIZE=full: by default a
 * pipeline is keyed by kernel size, flags and activation alone, so layers that
 * differ only in those share one pipeline (DenseNet264: 280 pipelines fully
 * specialized, a few dozen otherwise; pipeline compilation dominates start-up
 * on lavapipe). Offsets are push constants filled at record time.
 *
 * Memory: every value is dense C x H x W per image inside one activation
 * arena, image n at element off + n * bs (bs = the enclosing buffer's image
 * size). Buffers (a root value with everything viewed or placed inside it) get
 * offsets by a greedy best fit over their live intervals (first writing step ..
 * last reading step), so dead values' space is reused; sizes are for
 * max_batch. Elements are fp32 or fp16 (the backend's choice); offsets are in
 * elements. */
#ifndef ZOO_VULKAN_VK_PLAN_H
#define ZOO_VULKAN_VK_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/graph_impl.h"

typedef enum zvk_kernel {
    ZVK_CONVERT_IN = 0,
    ZVK_CONVERT_OUT,
    ZVK_CONV_GEMM,
    ZVK_CONV_DW,
    ZVK_AFFINE,
    ZVK_POOL,
    ZVK_POOL_GLOBAL,
    ZVK_BINARY,
    ZVK_COPY,
    ZVK_SHUFFLE,
    ZVK_SOFTMAX,
    ZVK_LINEAR,
    ZVK_CONV_REG,
    ZVK_KERNEL__COUNT
} zvk_kernel;

/* shader file name (vulkan/shaders/<name>.comp) of a kernel */
const char *zvk_kernel_name(zvk_kernel k);
/* Bit i set: specialization constant i of kernel k is a size, read in the
 * shader through PSC() (0 = take it from the push constants). */
uint32_t zvk_kernel_size_ids(zvk_kernel k);

#define ZVK_MAX_SPEC 24

typedef struct zvk_step {
    zvk_kernel kernel;
    const zoo_node *nd; /* the first graph node it runs (names); NULL for convert steps */
    int anchor;         /* index of the last graph node it absorbs (convert_out: n_nodes) */
    int seq;            /* creation order, tie-break among equal anchors */
    zoo_value x0, x1, y; /* operands (bindings 0, 1, 2); -1 = unused */
    int32_t spec[ZVK_MAX_SPEC]; /* specialization constants by id (floats as their bits) */
    int n_spec;
    uint32_t wg[3];     /* workgroups for one image (wg[2] = z per image) */
    float *params;      /* owned fp32 parameters (weights, bias, ...), or NULL */
    size_t n_params;
    bool fused_bn, fused_res, fused_act;
} zvk_step;

typedef struct zvk_val {
    zoo_shape s;
    int parent;           /* value this one lives inside (view / concat slot), -1 = own buffer */
    size_t off_in_parent; /* elements, within one image of the parent */
    bool stored;          /* holds data (written by a step, or a view of such) */
    int root;
    size_t off;           /* resolved: elements from the arena start, image 0 */
    size_t bs;            /* resolved: elements between images */
} zvk_val;

typedef struct zvk_plan_host {
    const zoo_graph *g;
    int max_batch;
    int esz;
    zvk_val *vals;
    zvk_step *steps;
    int n_steps;
    size_t arena_elems;  /* activation arena at max_batch */
    size_t values_elems; /* one buffer per stored value, no reuse (for comparison) */
    int64_t macs;
} zvk_plan_host;

typedef struct zvk_plan_opts {
    int max_batch; /* 0 = 1 */
    int esz;       /* bytes per stored element: 4 (fp32) or 2 (fp16); 0 = 4 */
    bool reg_conv; /* dense / grouped convs on conv_reg (register tiles, no shared
                      memory: CPU devices) instead of conv_gemm (shared-memory tiles) */
} zvk_plan_opts;

int zvk_plan_build(zvk_plan_host *p, const zoo_graph *g, const zvk_plan_opts *o, zoo_error *err);
void zvk_plan_free(zvk_plan_host *p);

/* Elements of value v that image n occupies: [off + n*bs, off + n*bs + numel). */
static inline size_t zvk_numel(const zvk_plan_host *p, zoo_value v) {
    return (size_t)zoo_shape_numel(p->vals[v].s);
}

/* Barrier placement for a run of `batch` images: need[s] is true when step s
 * reads or writes arena memory that a step since the previous barrier wrote,
 * or writes memory such a step read (per-image intervals inside one buffer,
 * whole spans across buffers). Returns the number of barriers. */
int zvk_plan_barriers(const zvk_plan_host *p, int batch, bool *need);

typedef struct zvk_plan_stats {
    int steps; /* dispatch steps, convert_in / convert_out included */
    int gemm_convs, dw_convs;
    int folded_bn, fused_act, fused_residual;
    int views, concat_inplace, concat_copied;
    size_t arena_elems, values_elems;
} zvk_plan_stats;
void zvk_plan_get_stats(const zvk_plan_host *p, zvk_plan_stats *out);

#endif
