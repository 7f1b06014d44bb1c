/* cpu/gemm.h - the packed, cache-blocked SGEMM behind every non-depthwise
 * convolution of the fast CPU backend.
 *
 *   C[M x N] = A[M x K] * B[K x N] + bias[m]  (+ residual)  then activation
 *
 * A (the weights) is packed once at plan time into panels of CPU_MR rows
 * (cpu_gemm_pack_a). B is packed per call into panels of CPU_NR columns,
 * either from a plain row-major matrix (1x1 stride-1 convolutions: B is the
 * input image itself, rows = channels) or through an implicit im2col of a
 * convolution's input (no column buffer is ever materialized). The micro
 * kernel computes a CPU_MR x CPU_NR tile with 4-lane vectors (portable GCC
 * vector extensions). Blocking: CPU_KC rows of K per packed B block, at most
 * CPU_NC columns per call; the caller splits work into (row range, column
 * range) tiles and runs them on its threads, each with its own B buffer.
 */
#ifndef ZOO_CPU_GEMM_H
#define ZOO_CPU_GEMM_H

#include <stddef.h>

#include "cpu/geom.h"

#define CPU_MR 6
#define CPU_NR 8
#define CPU_KC 256
#define CPU_NC 512

/* floats needed to pack an m x k matrix (rows padded to a multiple of CPU_MR) */
size_t cpu_gemm_packed_a_floats(int m, int k);
/* packs row-major a (row stride k); pad rows are zero */
void cpu_gemm_pack_a(const float *a, int m, int k, float *dst);

/* floats of the per-thread B packing buffer cpu_gemm_tile needs */
#define CPU_GEMM_BPACK_FLOATS ((size_t)CPU_KC * CPU_NC)

typedef struct cpu_bsrc {
    const float *x;         /* plain: row k at x + k * ld; im2col: channel 0 of the group */
    size_t ld;              /* plain: row stride; im2col: channel stride (h * w) */
    const cpu_conv_geom *q; /* NULL = plain matrix, else implicit im2col of this conv */
} cpu_bsrc;

typedef struct cpu_epi {
    const float *bias;  /* per row, indexed by absolute row; padded to a multiple of CPU_MR */
    const float *res;   /* residual with C's layout (added before the act) or NULL */
    zoo_act_desc act;
} cpu_epi;

/* C rows [m0, m1) (m0 a multiple of CPU_MR), columns [n0, n0 + nc), nc <= CPU_NC.
 * pa from cpu_gemm_pack_a(m x k); c points at C[0][0] with row stride ldc;
 * bpack is CPU_GEMM_BPACK_FLOATS floats, 16-byte aligned. */
void cpu_gemm_tile(const float *pa, int m, int k, int m0, int m1, const cpu_bsrc *b, int n0,
                   int nc, float *c, size_t ldc, const cpu_epi *e, float *bpack);

/* In-place activation of n floats (vectorized; the exact functions of graph.h,
 * exp through cpu_v4_exp). */
void cpu_act_apply(float *x, size_t n, const zoo_act_desc *a);

#endif
