// conv_gemm: every convolution that is not depthwise, as an implicit GEMM per
// (image, group): Y[m][n] = sum_k A[m][k] * B[k][n] with m an output channel of
// the group (COUTG), n an output pixel (OH*OW), k = (ic, ky, kx) over the
// group's input channels and taps (K = CING*KH*KW). A is stored transposed,
// prm = A[g][K][COUTGP] (COUTGP = COUTG rounded up to 16, BN folded, zero
// padded; the layout conv_reg.comp reads too), bias at prm[GROUPS*K*COUTGP + oc].
// B is read straight from the image (im2col on the fly, zero padding); PW = 1
// marks a 1x1 stride-1 unpadded conv whose B is the image itself.
// Tiles: 64 (m) x 64 (n) per workgroup of 16 x 16, K in steps of 16 through
// shared memory; each invocation accumulates 4 x 4 outputs (rows ty + 16i,
// columns tx + 16j). Epilogue: + bias, + residual x1 (optional), activation.
// x: n tiles, y: m tiles, z: image * GROUPS + group.
#version 450
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
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

const int BM = 64;
const int BN = 64;
const int BK = 16;
shared float As[BK][BM];
shared float Bs[BK][BN];

void main() {
    const int KK = KH * KW;
    const int K = CING * KK;
    const int N = OH * OW;
    const int HWI = H * W;
    int tx = int(gl_LocalInvocationID.x), ty = int(gl_LocalInvocationID.y);
    int tid = ty * 16 + tx;
    int n0 = int(gl_WorkGroupID.x) * BN;
    int m0 = int(gl_WorkGroupID.y) * BM;
    uint img = gl_WorkGroupID.z / uint(GROUPS);
    int g = int(gl_WorkGroupID.z % uint(GROUPS));
    uint xb = pc.x0_off + img * pc.x0_bs + uint(g * CING) * uint(HWI);
    const int COUTGP = (COUTG + 15) / 16 * 16;
    uint wb = uint(g) * uint(K) * uint(COUTGP);
    // this invocation's loads: A at channel column tid%64 of k rows tid/64 + 4e,
    // B at pixel column tid%64 of k rows tid/64 + 4e (the same pixel for every
    // e and k0, so its (oy, ox) is decomposed once)
    int a_m = tid - (tid / BM) * BM, a_k = tid / BM;
    int b_k = tid / BN, b_n = tid - (tid / BN) * BN;
    int n = n0 + b_n;
    bool n_ok = n < N;
    int oy = n / OW, ox = n - (n / OW) * OW;
    int iy0 = oy * SH - PT, ix0 = ox * SW - PL;
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0;
    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int e = 0; e < 4; e++) {
            int m = m0 + a_m, kk = a_k + 4 * e, k = k0 + kk;
            As[kk][a_m] = (m < COUTG && k < K) ? ldp(wb + uint(k) * uint(COUTGP) + uint(m)) : 0.0;
        }
        for (int e = 0; e < 4; e++) {
            int kk = b_k + 4 * e, k = k0 + kk;
            float v = 0.0;
            if (k < K && n_ok) {
                if (PW != 0) {
                    v = ld0(xb + uint(k) * uint(HWI) + uint(n));
                } else {
                    int ic = k / KK, r = k - (k / KK) * KK;
                    int ky = r / KW, kx = r - (r / KW) * KW;
                    int iy = iy0 + ky * DH, ix = ix0 + kx * DW;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                        v = ld0(xb + uint(ic * HWI + iy * W + ix));
                }
            }
            Bs[kk][b_n] = v;
        }
        barrier();
        for (int kk = 0; kk < BK; kk++) {
            float a[4], b[4];
            for (int i = 0; i < 4; i++) a[i] = As[kk][ty + 16 * i];
            for (int j = 0; j < 4; j++) b[j] = Bs[kk][tx + 16 * j];
            for (int i = 0; i < 4; i++)
                for (int j = 0; j < 4; j++) acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
        barrier();
    }
    for (int i = 0; i < 4; i++) {
        int m = m0 + ty + 16 * i;
        if (m >= COUTG) continue;
        int oc = g * COUTG + m;
        float bias = ldp(uint(GROUPS) * uint(K) * uint(COUTGP) + uint(oc));
        for (int j = 0; j < 4; j++) {
            int nn = n0 + tx + 16 * j;
            if (nn >= N) continue;
            uint o = uint(oc) * uint(N) + uint(nn);
            float v = acc[i][j] + bias;
            if (HAS_RES != 0) v += ld1(pc.x1_off + img * pc.x1_bs + o);
            sty(pc.y_off + img * pc.y_bs + o, act(v));
        }
    }
}
