/* weights/half.c - IEEE 754 binary16 <-> binary32 and bfloat16 -> binary32.
 *
 * zoo_f32_to_f16 rounds to nearest, ties to even, in integer arithmetic (no
 * dependence on the FPU rounding mode): overflow (|x| >= 65520) gives
 * infinity, results below 2^-14 become subnormals, |x| <= 2^-25 becomes a
 * signed zero; NaN stays NaN (quiet, sign and top payload bits kept).
 * The widening conversions are exact. */
#include <stdint.h>
#include <string.h>

#include "zoo/weights.h"

static uint32_t f32_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float bits_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

uint16_t zoo_f32_to_f16(float f) {
    uint32_t x = f32_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t ax = x & 0x7fffffffu;

    if (ax >= 0x7f800000u) {                 /* inf or NaN */
        if (ax == 0x7f800000u) return sign | 0x7c00u;
        return (uint16_t)(sign | 0x7e00u | ((ax >> 13) & 0x3ffu)); /* quiet NaN */
    }
    if (ax >= 0x477ff000u) return sign | 0x7c00u; /* >= 65520: rounds to inf */
    if (ax >= 0x38800000u) {                 /* normal half (>= 2^-14) */
        /* rebias exponent (127 -> 15) and round the 13 dropped bits to even;
         * a carry out of the mantissa correctly bumps the exponent */
        uint32_t r = ax + 0xfffu + ((ax >> 13) & 1u);
        return (uint16_t)(sign | ((r - 0x38000000u) >> 13));
    }
    if (ax <= 0x33000000u) return sign;      /* <= 2^-25: ties to even zero */
    /* subnormal half: value / 2^-24, rounded to nearest even */
    uint32_t e = ax >> 23;                   /* 102 .. 112 */
    uint32_t m = (ax & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126u - e;               /* 14 .. 24 */
    uint32_t q = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1u);
    uint32_t halfway = 1u << (shift - 1u);
    if (rem > halfway || (rem == halfway && (q & 1u))) q++; /* may reach 0x400: min normal */
    return (uint16_t)(sign | q);
}

float zoo_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    if (exp == 0x1fu) return bits_f32(sign | 0x7f800000u | (man << 13)); /* inf / NaN */
    if (exp != 0) return bits_f32(sign | ((exp + 112u) << 23) | (man << 13));
    if (man == 0) return bits_f32(sign);
    /* subnormal: normalise the mantissa */
    uint32_t e = 113u;
    while (!(man & 0x400u)) {
        man <<= 1;
        e--;
    }
    return bits_f32(sign | (e << 23) | ((man & 0x3ffu) << 13));
}

float zoo_bf16_to_f32(uint16_t h) {
    return bits_f32((uint32_t)h << 16);
}
