/* cpu/isa_generic.c - the portable variant of the fast CPU kernels: the
 * templates compiled with the build's own flags (SSE2 on baseline x86-64,
 * NEON on arm64: 4-lane vectors, no FMA), a 6 x 8 GEMM micro tile. Runs on
 * every CPU the build targets; cpu/isa.c falls back to it. */
#define GEMM_MR 6
#include "cpu/kern_set.inc"

const cpu_kern cpu_kern_generic = KERN_TABLE("generic");
