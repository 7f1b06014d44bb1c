/* cpu/kern.h - the fast CPU backend's kernels.
 *
 * The compute kernels come in instruction-set variants: one const table
 * (cpu_kern) per variant, built from the same templates (cpu/gemm.inc,
 * cpu/kern_dw.inc, cpu/kern_elem.inc) compiled with different target flags
 * (cpu/isa_generic.c, cpu/isa_avx2.c, cpu/isa_avx512.c). cpu/isa.c picks one
 * at plan creation (cpu_kern_select) and the plan calls through it, so the
 * binary runs on any x86-64 and uses AVX2 / AVX-512 where the CPU has them.
 * Non-x86 builds have the generic variant only.
 *
 * Every kernel works on ONE image (or one plane range of one image): the
 * planner's per-image batch strides are applied by the caller, so inputs and
 * outputs may live inside a larger (concat) buffer. Within an image, values
 * are dense C x H x W (channel stride H * W). Floating point is fp32 with the
 * vector helpers of vec.h; the reference backend is the oracle. */
#ifndef ZOO_CPU_KERN_H
#define ZOO_CPU_KERN_H

#include <stddef.h>

#include "cpu/gemm.h"
#include "cpu/geom.h"

typedef struct cpu_kern {
    const char *name; /* "generic", "avx2", "avx512" */
    int lanes;        /* fp32 lanes per vector */
    int mr, nr;       /* GEMM micro tile: rows per packed A panel, columns per B panel */

    /* GEMM (cpu/gemm.inc). pack_a: row-major a (row stride k) into panels of
     * mr rows, pad rows zero; dst holds round_up(m, mr) * k floats.
     * gemm_tile: C rows [m0, m1) (m0 a multiple of mr), columns [n0, n0 + nc),
     * nc <= CPU_NC; pa from pack_a(m x k); c points at C[0][0] with row stride
     * ldc; bpack is CPU_GEMM_BPACK_FLOATS floats, 64-byte aligned. */
    void (*gemm_pack_a)(const float *a, int m, int k, float *dst);
    void (*gemm_tile)(const float *pa, int m, int k, int m0, int m1, const cpu_bsrc *b, int n0,
                      int nc, float *c, size_t ldc, const cpu_epi *e, float *bpack);

    /* Depthwise-style convolution (cin_g == 1): output channels [c0, c1) of
     * one image. w: [cout][kh*kw] (BN folded), bias [cout]; act fused.
     * scratch holds dw_scratch_floats(q) floats (cpu/kern_dw.inc). */
    size_t (*dw_scratch_floats)(const cpu_conv_geom *q);
    void (*dw_conv)(const cpu_conv_geom *q, const float *x, float *y, const float *w,
                    const float *bias, const zoo_act_desc *act, int c0, int c1, float *scratch);

    /* cpu/kern_elem.inc. act: in-place activation of n floats (the exact
     * functions of graph.h, exp through cpu_vf_exp). pool_planes: pooling of
     * planes [c0, c1). affine_planes: y[c] = act(x[c] * s[c] + t[c]) for
     * planes [c0, c1) of `plane` floats. binary_planes: broadcasting add / mul
     * for output planes [c0, c1), act fused. linear_cols: `batch` images,
     * output columns [o0, o1): y[n][o] = act(b[o] + sum_k x[n][k] w[k][o]),
     * x image n at x + n * xs, y image n at y + n * ys. */
    void (*act)(float *x, size_t n, const zoo_act_desc *a);
    void (*pool_planes)(const cpu_pool_geom *p, const float *x, float *y, int c0, int c1);
    void (*affine_planes)(const float *x, float *y, size_t plane, const float *s, const float *t,
                          const zoo_act_desc *act, int c0, int c1);
    void (*binary_planes)(bool mul, const float *a, zoo_shape as, const float *b, zoo_shape bs,
                          float *y, zoo_shape ys, const zoo_act_desc *act, int c0, int c1);
    void (*linear_cols)(const float *x, size_t xs, int batch, size_t k, const float *w,
                        int out_f, const float *bias, float *y, size_t ys,
                        const zoo_act_desc *act, int o0, int o1);
} cpu_kern;

/* The variant tables (cpu/isa_*.c); the x86 ones exist on x86-64 builds only. */
extern const cpu_kern cpu_kern_generic;
#if defined(__x86_64__)
extern const cpu_kern cpu_kern_avx2, cpu_kern_avx512;
#endif

/* The variants compiled into this build, best first (cpu/isa.c). */
int cpu_kern_count(void);
const cpu_kern *cpu_kern_at(int i);
/* Whether this CPU (and OS) can run variant k. */
bool cpu_kern_usable(const cpu_kern *k);
/* The variant for a new plan: the one named by the environment variable
 * ZOO_CPU_ISA (generic, avx2, avx512) if set and non-empty, else the best
 * usable one. NULL with err set (ZOO_ERR_INPUT) when ZOO_CPU_ISA names an
 * unknown variant or one this CPU cannot run. */
const cpu_kern *cpu_kern_select(zoo_error *err);

/* ---- ISA-independent kernels (cpu/kern_misc.c: copies, no arithmetic) ---- */

/* Copies a block of shape s (dense, C x H x W) into / out of a larger dense
 * image of shape big at offset (c0, h0, w0). */
void cpu_copy_into(const float *src, zoo_shape s, float *big, zoo_shape bs, int c0, int h0,
                   int w0);
void cpu_copy_from(const float *big, zoo_shape bs, int c0, int h0, int w0, float *dst,
                   zoo_shape s);

/* Channel shuffle of one image: out[j*g + i] = in[i*k + j] for output planes [c0, c1). */
void cpu_shuffle_planes(const float *x, float *y, zoo_shape s, int groups, int c0, int c1);

/* Softmax of one image along axis 1..3 (libm expf, sums in double). */
void cpu_softmax_image(const float *x, float *y, zoo_shape s, int axis);

#endif
