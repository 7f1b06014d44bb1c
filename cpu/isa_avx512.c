/* cpu/isa_avx512.c - the AVX-512F variant of the fast CPU kernels (x86-64
 * only): the templates compiled with -mavx512f -mavx2 -mfma (a per-file rule
 * in the Makefile): 16-lane vectors, fused multiply-add, an 8 x 32 GEMM
 * micro tile (16 of the 32 zmm registers hold C). Only ever called after
 * cpu/isa.c has checked that the CPU and OS support AVX-512F, AVX2 and FMA.
 * Empty on other architectures. */
#if defined(__x86_64__)
#if !defined(__AVX512F__) || !defined(__AVX2__) || !defined(__FMA__)
#error "cpu/isa_avx512.c must be compiled with -mavx512f -mavx2 -mfma (see the Makefile)"
#endif
#define GEMM_MR 8
#include "cpu/kern_set.inc"

const cpu_kern cpu_kern_avx512 = KERN_TABLE("avx512");
#else
typedef int cpu_isa_avx512_not_built; /* not x86-64: nothing to compile */
#endif
