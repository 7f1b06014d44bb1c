/* cpu/gemm.h - the types of the packed, cache-blocked SGEMM behind every
 * non-depthwise convolution of the fast CPU backend:
 *
 *   C[M x N] = A[M x K] * B[K x N] + bias[m]  (+ residual)  then activation
 *
 * A (the weights) is packed once at plan time into panels of `mr` rows
 * (cpu_kern.gemm_pack_a). B is packed per call into panels of `nr` columns,
 * either from a plain row-major matrix (1x1 stride-1 convolutions: B is the
 * input image itself, rows = channels) or through an implicit im2col of a
 * convolution's input (no column buffer is ever materialized). mr and nr
 * belong to the instruction-set variant (cpu/kern.h): the micro kernel keeps
 * an mr x nr tile of C in vector registers. Blocking: CPU_KC rows of K per
 * packed B block, at most CPU_NC columns per call (a multiple of every nr);
 * the caller splits work into (row range, column range) tiles and runs them
 * on its threads, each with its own B buffer.
 */
#ifndef ZOO_CPU_GEMM_H
#define ZOO_CPU_GEMM_H

#include <stddef.h>

#include "cpu/geom.h"

#define CPU_KC 256
#define CPU_NC 512

/* floats of the per-thread B packing buffer a gemm_tile call needs: KC x NC
 * plus one vector (<= NR / 2 floats) of slack per panel of NR columns */
#define CPU_GEMM_BPACK_FLOATS ((size_t)CPU_KC * CPU_NC + CPU_NC / 2 + 64)

typedef struct cpu_bsrc {
    const float *x;         /* plain: row k at x + k * ld; im2col: channel 0 of the group */
    size_t ld;              /* plain: row stride; im2col: channel stride (h * w) */
    const cpu_conv_geom *q; /* NULL = plain matrix, else implicit im2col of this conv */
} cpu_bsrc;

typedef struct cpu_epi {
    const float *bias;  /* per row, indexed by absolute row; padded to a multiple of mr */
    const float *res;   /* residual with C's layout (added before the act) or NULL */
    zoo_act_desc act;
} cpu_epi;

#endif
