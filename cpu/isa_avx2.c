/* cpu/isa_avx2.c - the AVX2 + FMA variant of the fast CPU kernels (x86-64
 * only): the templates compiled with -mavx2 -mfma (a per-file rule in the
 * Makefile): 8-lane vectors, fused multiply-add, a 6 x 16 GEMM micro tile
 * (12 of the 16 ymm registers hold C). Only ever called after cpu/isa.c has
 * checked that the CPU and OS support AVX2 and FMA. Empty on other
 * architectures. */
#if defined(__x86_64__)
#if !defined(__AVX2__) || !defined(__FMA__)
#error "cpu/isa_avx2.c must be compiled with -mavx2 -mfma (see the Makefile)"
#endif
#define GEMM_MR 6
#include "cpu/kern_set.inc"

const cpu_kern cpu_kern_avx2 = KERN_TABLE("avx2");
#else
typedef int cpu_isa_avx2_not_built; /* not x86-64: nothing to compile */
#endif
