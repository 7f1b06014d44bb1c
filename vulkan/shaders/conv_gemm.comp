// conv_gemm: every convolution that is not depthwise, as an implicit GEMM per
// (image, group): Y[m][n] = sum_k A[m][k] * B[k][n] with m an output channel of
// the group (COUTG), n an output pixel (OH*OW), k = (ic, ky, kx) over the
// group's input channels and taps (K = CING*KH*KW). A is the weight tensor
// [Cout, Cin/g, KH, KW] with BN folded (prm[0 .. COUT*K)), bias prm[COUT*K + oc].
// B is read straight from the image (im2col on the fly, zero padding); PW = 1
// marks a 1x1 stride-1 unpadded conv whose B is the image itself.
// Tiles: 64 (m) x 64 (n) per workgroup of 16 x 16, K in steps of 16 through
// shared memory; each invocation accumulates 4 x 4 outputs (rows ty + 16i,
// columns tx + 16j). Epilogue: + bias, + residual x1 (optional), activation.
// x: n tiles, y: m tiles, z: image * GROUPS + group.
#version 450
#define CUSTOM_PRM 1
#include "common.glsl"
#if FP16
layout(std430, set = 0, binding = 3) readonly buffer Prm4 { f16vec4 prm4[]; };
layout(std430, set = 0, binding = 3) readonly buffer PrmS { float16_t prms[]; };
#else
layout(std430, set = 0, binding = 3) readonly buffer Prm4 { vec4 prm4[]; };
layout(std430, set = 0, binding = 3) readonly buffer PrmS { float prms[]; };
#endif
float ldpb(uint i) { return float(prms[i]); }
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
layout(constant_id = 11) const int SH = 1;
layout(constant_id = 12) const int SW = 1;
layout(constant_id = 13) const int DH = 1;
layout(constant_id = 14) const int DW = 1;
layout(constant_id = 15) const int PT = 0;
layout(constant_id = 16) const int PL = 0;
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
layout(local_size_x = 64) in;
void main() {
    const int KK = KH * KW;
    const int K = CING * KK;
    const int N = OH * OW;
    const int HWI = H * W;
    int n0 = int(gl_GlobalInvocationID.x) * TP;
    int m0 = int(gl_WorkGroupID.y) * TM;
    uint img = gl_WorkGroupID.z / uint(GROUPS);
    int g = int(gl_WorkGroupID.z % uint(GROUPS));
    if (n0 >= N) return;
    uint xb = pc.x0_off + img * pc.x0_bs + uint(g * CING) * uint(HWI);
    int iy0[TP], ix0[TP];
    bool ok[TP];
    for (int j = 0; j < TP; j++) {
        int n = n0 + j;
        ok[j] = n < N;
        int oy = n / OW, ox = n - (n / OW) * OW;
        iy0[j] = oy * SH - PT;
        ix0[j] = ox * SW - PL;
    }
    float acc[TM][TP];
    for (int i = 0; i < TM; i++)
        for (int j = 0; j < TP; j++) acc[i][j] = 0.0;
    int mcount = min(TM, COUTG - m0);
    const int COUTGP = (COUTG + TM - 1) / TM * TM;
    uint wrow = (uint(g) * uint(K) * uint(COUTGP) + uint(m0)) / 4u;
    for (int ic = 0; ic < CING; ic++) {
        for (int ky = 0; ky < KH; ky++)
            for (int kx = 0; kx < KW; kx++) {
                int k = (ic * KH + ky) * KW + kx;
                float b[TP];
                for (int j = 0; j < TP; j++) {
                    int iy = iy0[j] + ky * DH, ix = ix0[j] + kx * DW;
                    b[j] = (ok[j] && iy >= 0 && iy < H && ix >= 0 && ix < W) ? ld0(xb + uint(ic * HWI + iy * W + ix)) : 0.0;
                }
                for (int q = 0; q < TM / 4; q++) {
                    vec4 a4 = vec4(prm4[wrow + uint(k * COUTGP / 4 + q)]);
                    for (int j = 0; j < TP; j++) {
                        acc[4 * q][j] = fma(a4.x, b[j], acc[4 * q][j]);
                        acc[4 * q + 1][j] = fma(a4.y, b[j], acc[4 * q + 1][j]);
                        acc[4 * q + 2][j] = fma(a4.z, b[j], acc[4 * q + 2][j]);
                        acc[4 * q + 3][j] = fma(a4.w, b[j], acc[4 * q + 3][j]);
                    }
                }
            }
    }
    for (int i = 0; i < mcount; i++) {
        int oc = g * COUTG + m0 + i;
        float bias = ldpb(uint(GROUPS) * uint(K) * uint(COUTGP) + uint(oc));
        for (int j = 0; j < TP; j++) {
            int nn = n0 + j;
            if (nn >= N) continue;
            uint o = uint(oc) * uint(N) + uint(nn);
            float v = acc[i][j] + bias;
            if (HAS_RES != 0) v += ld1(pc.x1_off + img * pc.x1_bs + o);
            sty(pc.y_off + img * pc.y_bs + o, act(v));
        }
    }
}
