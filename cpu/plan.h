/* cpu/plan.h - the compiled plan of the fast CPU backend ("cpu").
 *
 * cpu_plan_build() turns a validated graph into a list of steps:
 *   - conv -> batchnorm is folded into the conv's weights and bias (the plan
 *     owns the folded, packed copy), conv -> [bn] -> add(residual) and
 *     conv / add / bn / scale / linear -> act are fused into one step;
 *   - convs with one input channel per group run the depthwise kernel, all
 *     others the packed GEMM (1x1 stride 1 directly on the image, the rest
 *     through implicit im2col);
 *   - reshape and channel slices are views (no step, no copy).
 * A fused step runs at the position of the last node it absorbs.
 *
 * Memory: every value lives in one arena at (off + n * bs) floats for image
 * n; within an image it is dense C x H x W. Inputs of a channel concat are
 * placed directly inside the concat's buffer when they can be (a value that
 * is not a view and not already placed elsewhere), so the concat copies only
 * what could not be placed and a DenseNet feature map is never copied again;
 * bs is then the enclosing buffer's per-image size. An elementwise step (act,
 * affine, add / mul) whose input of the output's shape dies at that step
 * writes its output over that input (the output becomes a view of it).
 * Buffers (a root value and
 * everything placed or viewed inside it) get offsets by a greedy best-fit over
 * their live intervals (first writing step .. last reading step), so dead
 * values' space is reused. The arena is sized for opts->max_batch.
 *
 * Kernels: the plan holds the instruction-set variant chosen when it was
 * built (cpu_kern_select: the CPU's best, or ZOO_CPU_ISA); the GEMM weights
 * are packed for that variant's micro tile. */
#ifndef ZOO_CPU_PLAN_H
#define ZOO_CPU_PLAN_H

#include <stddef.h>

#include "cpu/geom.h"
#include "cpu/kern.h"
#include "cpu/threads.h"

typedef enum cpu_step_kind {
    CPU_STEP_GEMM_CONV,
    CPU_STEP_DW_CONV,
    CPU_STEP_AFFINE, /* batchnorm / scale: per-channel y = x * s + t */
    CPU_STEP_ACT,
    CPU_STEP_LINEAR,
    CPU_STEP_POOL,
    CPU_STEP_CONCAT,
    CPU_STEP_SLICE, /* along H or W (channel slices are views) */
    CPU_STEP_BINARY,
    CPU_STEP_SHUFFLE,
    CPU_STEP_SOFTMAX,
} cpu_step_kind;

typedef struct cpu_step {
    cpu_step_kind kind;
    const zoo_node *nd;  /* the chain's first node (for names) */
    int anchor;          /* index of the last graph node it absorbs */
    zoo_value out;
    zoo_value in[2];     /* concat: see nd->inputs */
    zoo_value res;       /* GEMM conv: fused residual, or -1 */
    zoo_act_desc act;    /* fused activation */
    cpu_conv_geom q;
    cpu_pool_geom p;
    float *w;            /* owned: GEMM: packed A of every group; DW: [cout][kh*kw] */
    size_t w_group;      /* GEMM: floats per group in w */
    float *bias;         /* owned: GEMM: per group, padded to kern->mr; DW / affine: [C] */
    float *scale;        /* owned: affine scale [C] */
    bool *inplace;       /* owned, concat: input k already lives in its slot */
    bool inplace_out;    /* act / affine / binary: out overwrites an input that dies here */
    bool fused_bn;
} cpu_step;

typedef struct cpu_val {
    zoo_shape s;
    int parent;           /* value this one lives inside (view / concat slot), -1 = own buffer */
    size_t off_in_parent; /* floats, within one image of the parent */
    bool stored;          /* written by a step or the input copy, or a view of such */
    size_t off;           /* resolved: floats from the arena base, image 0 */
    size_t bs;            /* resolved: floats between images */
} cpu_val;

typedef struct cpu_plan {
    const zoo_graph *g;
    const cpu_kern *k;    /* the instruction-set variant of the kernels (cpu_kern_select) */
    int max_batch;
    int threads;
    cpu_val *vals;
    cpu_step *steps;
    int n_steps;
    float *arena;
    size_t arena_floats;
    size_t values_floats; /* sum of all stored values' own sizes at max_batch (no reuse) */
    cpu_pool *pool;
    float **scratch;      /* per thread */
    size_t scratch_floats;
} cpu_plan;

/* Builds the plan (validating the graph first). NULL on failure with err set. */
cpu_plan *cpu_plan_build(const zoo_graph *g, int max_batch, int threads, zoo_error *err);
void cpu_plan_free(cpu_plan *p);

/* Counters for tests and zoo bench. */
typedef struct cpu_plan_stats {
    int steps;
    int gemm_convs, dw_convs;
    int folded_bn;           /* batchnorms folded into a conv */
    int fused_act;           /* activations fused into a conv / add / bn / linear */
    int fused_residual;      /* adds fused into a conv's epilogue */
    int views;               /* reshapes / channel slices that became views */
    int concat_inplace;      /* concat inputs written directly into their slot */
    int concat_copied;       /* concat inputs that still need a copy */
    int inplace_steps;       /* elementwise steps writing over their dying input */
    size_t arena_bytes;      /* activation memory at max_batch */
    size_t values_bytes;     /* what one buffer per stored value would need */
} cpu_plan_stats;
void cpu_plan_get_stats(const cpu_plan *p, cpu_plan_stats *out);

/* Pointer to image n of value v. */
static inline float *cpu_val_ptr(const cpu_plan *p, zoo_value v, int n) {
    return p->arena + p->vals[v].off + (size_t)n * p->vals[v].bs;
}

#endif
