// conv_reg: every convolution that is not depthwise, as an implicit GEMM
// tiled in registers, no shared memory (for CPU Vulkan devices such as
// lavapipe, where shared memory and barriers cost more than they save).
// Per (image, group): Y[m][n] = sum_k A[k][m] * B[k][n], m an output channel of
// the group, n an output pixel, k = (ic, ky, kx). Each invocation computes
// TM = 16 channels x TP = 8 consecutive pixels; its weights are the same for
// the whole workgroup and are read as vec4s.
// Weights: prm = A[g][K][COUTGP] (COUTGP = COUTG rounded up to 16, BN folded,
// zero padded), then bias[COUT] at GROUPS*K*COUTGP.
// B: the image, im2col on the fly with zero padding; PW = 1: a 1x1 stride-1
// unpadded conv (B is the image); PW = 2: the same with every row of B
// 16-byte aligned in the binding, read as vec4s.
// Epilogue: + bias, + residual x1 (optional), activation.
// x: pixel groups of 64 * TP, y: channel groups of TM, z: image * GROUPS + group.
#version 450
#define CUSTOM_PRM 1
#include "common.glsl"
#if FP16
layout(std430, set = 0, binding = 3) readonly buffer Prm4 { f16vec4 prm4[]; };
layout(std430, set = 0, binding = 3) readonly buffer Prm1 { float16_t prm1[]; };
layout(std430, set = 0, binding = 0) readonly buffer X0v { f16vec4 x0v[]; };
#else
layout(std430, set = 0, binding = 3) readonly buffer Prm4 { vec4 prm4[]; };
layout(std430, set = 0, binding = 3) readonly buffer Prm1 { float prm1[]; };
layout(std430, set = 0, binding = 0) readonly buffer X0v { vec4 x0v[]; };
#endif
layout(local_size_x = 64) in;
layout(constant_id = 3) const int CIN_ = 0;
#define CIN PSC(3, CIN_)
layout(constant_id = 4) const int H_ = 0;
#define H PSC(4, H_)
layout(constant_id = 5) const int W_ = 0;
#define W PSC(5, W_)
layout(constant_id = 6) const int COUT_ = 0;
#define COUT PSC(6, COUT_)
layout(constant_id = 7) const int OH_ = 0;
#define OH PSC(7, OH_)
layout(constant_id = 8) const int OW_ = 0;
#define OW PSC(8, OW_)
layout(constant_id = 9) const int KH = 1;
layout(constant_id = 10) const int KW = 1;
layout(constant_id = 11) const int SH_ = 0;
#define SH PSC(11, SH_)
layout(constant_id = 12) const int SW_ = 0;
#define SW PSC(12, SW_)
layout(constant_id = 13) const int DH_ = 0;
#define DH PSC(13, DH_)
layout(constant_id = 14) const int DW_ = 0;
#define DW PSC(14, DW_)
layout(constant_id = 15) const int PT_ = 0;
#define PT PSC(15, PT_)
layout(constant_id = 16) const int PL_ = 0;
#define PL PSC(16, PL_)
layout(constant_id = 17) const int GROUPS_ = 0;
#define GROUPS PSC(17, GROUPS_)
layout(constant_id = 18) const int CING_ = 0;
#define CING PSC(18, CING_)
layout(constant_id = 19) const int COUTG_ = 0;
#define COUTG PSC(19, COUTG_)
layout(constant_id = 20) const int PW = 0;
layout(constant_id = 21) const int HAS_RES = 0;

#define TM 16
#define TP 8

void main() {
    const int KK = KH * KW;
    const int K = CING * KK;
    const int N = OH * OW;
    const int HWI = H * W;
    const int COUTGP = (COUTG + 15) / 16 * 16;
    int n0 = int(gl_GlobalInvocationID.x) * TP;
    int m0 = int(gl_WorkGroupID.y) * TM;
    uint img = gl_WorkGroupID.z / uint(GROUPS);
    int g = int(gl_WorkGroupID.z % uint(GROUPS));
    if (n0 >= N) return;
    uint xb = pc.x0_off + img * pc.x0_bs + uint(g * CING) * uint(HWI);
    uint wq = (uint(g) * uint(K) * uint(COUTGP) + uint(m0)) / 4u; // vec4 index of A[g][0][m0]
    float acc[TM][TP];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TP; j++) acc[i][j] = 0.0;
    if (PW != 0) {
        bool full = n0 + TP <= N;
        for (int k = 0; k < K; k++) {
            float b[TP];
            uint xk = xb + uint(k) * uint(HWI) + uint(n0);
            if (PW == 2 && full) {
                for (int v = 0; v < TP / 4; v++) {
                    vec4 q4 = vec4(x0v[xk / 4u + uint(v)]);
                    b[4 * v] = q4.x; b[4 * v + 1] = q4.y; b[4 * v + 2] = q4.z; b[4 * v + 3] = q4.w;
                }
            } else {
                for (int j = 0; j < TP; j++) b[j] = n0 + j < N ? ld0(xk + uint(j)) : 0.0;
            }
            for (int q = 0; q < TM / 4; q++) {
                vec4 a = vec4(prm4[wq + uint(k * (COUTGP / 4) + q)]);
                for (int j = 0; j < TP; j++) {
                    acc[4 * q][j] = fma(a.x, b[j], acc[4 * q][j]);
                    acc[4 * q + 1][j] = fma(a.y, b[j], acc[4 * q + 1][j]);
                    acc[4 * q + 2][j] = fma(a.z, b[j], acc[4 * q + 2][j]);
                    acc[4 * q + 3][j] = fma(a.w, b[j], acc[4 * q + 3][j]);
                }
            }
        }
    } else {
        int iy0[TP], ix0[TP];
        for (int j = 0; j < TP; j++) {
            int n = n0 + j;
            int oy = n / OW, ox = n - (n / OW) * OW;
            iy0[j] = n < N ? oy * SH - PT : -1000000; // a pixel past the end reads only zeros
            ix0[j] = ox * SW - PL;
        }
        for (int ic = 0; ic < CING; ic++)
            for (int ky = 0; ky < KH; ky++)
                for (int kx = 0; kx < KW; kx++) {
                    int k = (ic * KH + ky) * KW + kx;
                    float b[TP];
                    for (int j = 0; j < TP; j++) {
                        int iy = iy0[j] + ky * DH, ix = ix0[j] + kx * DW;
                        b[j] = (iy >= 0 && iy < H && ix >= 0 && ix < W)
                                   ? ld0(xb + uint(ic * HWI + iy * W + ix)) : 0.0;
                    }
                    for (int q = 0; q < TM / 4; q++) {
                        vec4 a = vec4(prm4[wq + uint(k * (COUTGP / 4) + q)]);
                        for (int j = 0; j < TP; j++) {
                            acc[4 * q][j] = fma(a.x, b[j], acc[4 * q][j]);
                            acc[4 * q + 1][j] = fma(a.y, b[j], acc[4 * q + 1][j]);
                            acc[4 * q + 2][j] = fma(a.z, b[j], acc[4 * q + 2][j]);
                            acc[4 * q + 3][j] = fma(a.w, b[j], acc[4 * q + 3][j]);
                        }
                    }
                }
    }
    int mcount = min(TM, COUTG - m0);
    for (int i = 0; i < mcount; i++) {
        int oc = g * COUTG + m0 + i;
        float bias = float(prm1[uint(GROUPS) * uint(K) * uint(COUTGP) + uint(oc)]);
        for (int j = 0; j < TP; j++) {
            int n = n0 + j;
            if (n >= N) continue;
            uint o = uint(oc) * uint(N) + uint(n);
            float v = acc[i][j] + bias;
            if (HAS_RES != 0) v += ld1(pc.x1_off + img * pc.x1_bs + o);
            sty(pc.y_off + img * pc.y_bs + o, act(v));
        }
    }
}
