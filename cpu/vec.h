/* cpu/vec.h - 4-lane fp32 vectors (GCC vector extensions) for the fast CPU
 * kernels: portable C, compiled to SSE2 on x86-64 without any target flag,
 * NEON on arm64, scalar code elsewhere. Unaligned loads/stores go through
 * memcpy, which GCC turns into single unaligned vector moves.
 *
 * cpu_v4_exp is a Cephes-style expf (range reduction by ln 2, degree-6
 * polynomial): max relative error ~2 ulp for x in [-87, 88]; inputs below
 * are clamped (exp(-87.3) ~ 1e-38 instead of 0), above to exp(88.3). */
#ifndef ZOO_CPU_VEC_H
#define ZOO_CPU_VEC_H

#include <stdint.h>
#include <string.h>

typedef float cpu_v4 __attribute__((vector_size(16)));
typedef int32_t cpu_v4i __attribute__((vector_size(16)));

static inline cpu_v4 cpu_v4_load(const float *p) {
    cpu_v4 v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void cpu_v4_store(float *p, cpu_v4 v) { memcpy(p, &v, sizeof v); }
static inline cpu_v4 cpu_v4_set1(float x) { return (cpu_v4){x, x, x, x}; }

/* lane-wise select: m ? a : b (m lanes are all-ones or zero) */
static inline cpu_v4 cpu_v4_sel(cpu_v4i m, cpu_v4 a, cpu_v4 b) {
    return (cpu_v4)(((cpu_v4i)a & m) | ((cpu_v4i)b & ~m));
}
static inline cpu_v4 cpu_v4_max(cpu_v4 a, cpu_v4 b) { return cpu_v4_sel(a > b, a, b); }
static inline cpu_v4 cpu_v4_min(cpu_v4 a, cpu_v4 b) { return cpu_v4_sel(a < b, a, b); }

static inline cpu_v4 cpu_v4_exp(cpu_v4 x) {
    x = cpu_v4_min(cpu_v4_max(x, cpu_v4_set1(-87.3f)), cpu_v4_set1(88.3f));
    /* n = round(x / ln 2) via the 1.5 * 2^23 trick (round to nearest even) */
    const cpu_v4 magic = cpu_v4_set1(12582912.0f);
    cpu_v4 n = (x * cpu_v4_set1(1.44269504088896341f) + magic) - magic;
    cpu_v4 r = x - n * cpu_v4_set1(0.693359375f);
    r = r - n * cpu_v4_set1(-2.12194440e-4f);
    cpu_v4 p = cpu_v4_set1(1.9875691500e-4f);
    p = p * r + cpu_v4_set1(1.3981999507e-3f);
    p = p * r + cpu_v4_set1(8.3334519073e-3f);
    p = p * r + cpu_v4_set1(4.1665795894e-2f);
    p = p * r + cpu_v4_set1(1.6666665459e-1f);
    p = p * r + cpu_v4_set1(5.0000001201e-1f);
    p = p * r * r + r + cpu_v4_set1(1.0f);
    cpu_v4i e = (__builtin_convertvector(n, cpu_v4i) + 127) << 23;
    return p * (cpu_v4)e;
}

#endif
