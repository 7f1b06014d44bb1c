/* cpu/vec.h - fp32 vectors (GCC vector extensions) for the fast CPU kernels,
 * as wide as the translation unit's target allows: CPU_VL = 16 lanes when
 * compiled for AVX-512F, 8 for AVX, 4 otherwise (SSE2 on baseline x86-64,
 * NEON on arm64, scalar code elsewhere). The kernel templates (cpu/gemm.inc and the other .inc files)
 * are compiled once per instruction set (the cpu/isa_ files), so each variant gets
 * its own width from the same source. Unaligned loads/stores go through
 * memcpy, which GCC turns into single unaligned vector moves.
 *
 * cpu_vf_fma(a, b, c) = a * b + c, one fused instruction (one rounding) when
 * the target has FMA, a multiply and an add otherwise: each variant rounds
 * deterministically, the FMA ones slightly more accurately.
 *
 * cpu_vf_exp is a Cephes-style expf (range reduction by ln 2, degree-6
 * polynomial): max relative error ~2 ulp for x in [-87, 88]; inputs below
 * are clamped (exp(-87.3) ~ 1e-38 instead of 0), above to exp(88.3). */
#ifndef ZOO_CPU_VEC_H
#define ZOO_CPU_VEC_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX__) || defined(__AVX512F__)
#include <immintrin.h>
#elif defined(__SSE__)
#include <xmmintrin.h>
#endif

#if defined(__AVX512F__)
#define CPU_VL 16
#elif defined(__AVX__)
#define CPU_VL 8
#else
#define CPU_VL 4
#endif

typedef float cpu_vf __attribute__((vector_size(CPU_VL * sizeof(float))));
typedef int32_t cpu_vi __attribute__((vector_size(CPU_VL * sizeof(int32_t))));

static inline cpu_vf cpu_vf_load(const float *p) {
    cpu_vf v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void cpu_vf_store(float *p, cpu_vf v) { memcpy(p, &v, sizeof v); }
static inline cpu_vf cpu_vf_set1(float x) {
#if CPU_VL == 16
    return (cpu_vf){x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x};
#elif CPU_VL == 8
    return (cpu_vf){x, x, x, x, x, x, x, x};
#else
    return (cpu_vf){x, x, x, x};
#endif
}

/* lane-wise select: m ? a : b (m lanes are all-ones or zero) */
static inline cpu_vf cpu_vf_sel(cpu_vi m, cpu_vf a, cpu_vf b) {
    return (cpu_vf)(((cpu_vi)a & m) | ((cpu_vi)b & ~m));
}

/* the even lanes of the 2 * VL values a, b (a stride-2 deinterleave) */
static inline cpu_vf cpu_vf_even(cpu_vf a, cpu_vf b) {
#if defined(__clang__)
#if CPU_VL == 16
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
#elif CPU_VL == 8
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14);
#else
    return __builtin_shufflevector(a, b, 0, 2, 4, 6);
#endif
#else
#if CPU_VL == 16
    const cpu_vi even = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
#elif CPU_VL == 8
    const cpu_vi even = {0, 2, 4, 6, 8, 10, 12, 14};
#else
    const cpu_vi even = {0, 2, 4, 6};
#endif
    return __builtin_shuffle(a, b, even);
#endif
}

/* min / max: one instruction each on x86 (NaN handling as minps / maxps) */
#if defined(__AVX512F__)
static inline cpu_vf cpu_vf_max(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm512_max_ps((__m512)a, (__m512)b); }
static inline cpu_vf cpu_vf_min(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm512_min_ps((__m512)a, (__m512)b); }
#elif defined(__AVX__)
static inline cpu_vf cpu_vf_max(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm256_max_ps((__m256)a, (__m256)b); }
static inline cpu_vf cpu_vf_min(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm256_min_ps((__m256)a, (__m256)b); }
#elif defined(__SSE__)
static inline cpu_vf cpu_vf_max(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm_max_ps((__m128)a, (__m128)b); }
static inline cpu_vf cpu_vf_min(cpu_vf a, cpu_vf b) { return (cpu_vf)_mm_min_ps((__m128)a, (__m128)b); }
#else
static inline cpu_vf cpu_vf_max(cpu_vf a, cpu_vf b) { return cpu_vf_sel(a > b, a, b); }
static inline cpu_vf cpu_vf_min(cpu_vf a, cpu_vf b) { return cpu_vf_sel(a < b, a, b); }
#endif

/* a * b + c */
static inline cpu_vf cpu_vf_fma(cpu_vf a, cpu_vf b, cpu_vf c) {
#if defined(__AVX512F__)
    return (cpu_vf)_mm512_fmadd_ps((__m512)a, (__m512)b, (__m512)c);
#elif defined(__FMA__) && CPU_VL == 8
    return (cpu_vf)_mm256_fmadd_ps((__m256)a, (__m256)b, (__m256)c);
#else
    return a * b + c;
#endif
}

/* sum of the lanes, pairwise */
static inline float cpu_vf_hsum(cpu_vf v) {
    float t[CPU_VL];
    memcpy(t, &v, sizeof t);
    for (int w = CPU_VL / 2; w > 0; w /= 2)
        for (int i = 0; i < w; i++) t[i] += t[i + w];
    return t[0];
}

static inline cpu_vf cpu_vf_exp(cpu_vf x) {
    x = cpu_vf_min(cpu_vf_max(x, cpu_vf_set1(-87.3f)), cpu_vf_set1(88.3f));
    /* n = round(x / ln 2) via the 1.5 * 2^23 trick (round to nearest even) */
    const cpu_vf magic = cpu_vf_set1(12582912.0f);
    cpu_vf n = cpu_vf_fma(x, cpu_vf_set1(1.44269504088896341f), magic) - magic;
    cpu_vf r = cpu_vf_fma(n, cpu_vf_set1(-0.693359375f), x);
    r = cpu_vf_fma(n, cpu_vf_set1(2.12194440e-4f), r);
    /* p = 1 + r + r^2 (c0 + c1 r + c2 r^2 + c3 r^3 + c4 r^4 + c5 r^5), Estrin's scheme
     * (short dependency chains: the loops calling this are latency-bound otherwise) */
    cpu_vf r2 = r * r, r4 = r2 * r2;
    cpu_vf p01 = cpu_vf_fma(cpu_vf_set1(1.6666665459e-1f), r, cpu_vf_set1(5.0000001201e-1f));
    cpu_vf p23 = cpu_vf_fma(cpu_vf_set1(8.3334519073e-3f), r, cpu_vf_set1(4.1665795894e-2f));
    cpu_vf p45 = cpu_vf_fma(cpu_vf_set1(1.9875691500e-4f), r, cpu_vf_set1(1.3981999507e-3f));
    cpu_vf p = cpu_vf_fma(p45, r4, cpu_vf_fma(p23, r2, p01));
    p = cpu_vf_fma(p, r2, r) + cpu_vf_set1(1.0f);
    cpu_vi e = (__builtin_convertvector(n, cpu_vi) + 127) << 23;
    return p * (cpu_vf)e;
}

#endif
