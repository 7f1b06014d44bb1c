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
#include "common.glsl"
layout(local_size_x = 16, local_size_y = 16) in;
layout(constant_id = 3) const int CIN = 1;
layout(constant_id = 4) const int H = 1;
layout(constant_id = 5) const int W = 1;
layout(constant_id = 6) const int COUT = 1;
layout(constant_id = 7) const int OH = 1;
layout(constant_id = 8) const int OW = 1;
layout(constant_id = 9) const int KH = 1;
layout(constant_id = 10) const int KW = 1;
layout(constant_id = 11) const int SH = 1;
layout(constant_id = 12) const int SW = 1;
layout(constant_id = 13) const int DH = 1;
layout(constant_id = 14) const int DW = 1;
layout(constant_id = 15) const int PT = 0;
layout(constant_id = 16) const int PL = 0;
layout(constant_id = 17) const int GROUPS = 1;
layout(constant_id = 18) const int CING = 1;
layout(constant_id = 19) const int COUTG = 1;
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
    uint wb = uint(g * COUTG) * uint(K);
    float acc[4][4];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) acc[i][j] = 0.0;
    for (int k0 = 0; k0 < K; k0 += BK) {
        for (int e = 0; e < 4; e++) {
            int idx = tid + 256 * e;
            int mm = idx / BK, kk = idx - (idx / BK) * BK;
            int m = m0 + mm, k = k0 + kk;
            As[kk][mm] = (m < COUTG && k < K) ? ldp(wb + uint(m) * uint(K) + uint(k)) : 0.0;
        }
        for (int e = 0; e < 4; e++) {
            int idx = tid + 256 * e;
            int kk = idx / BN, nn = idx - (idx / BN) * BN;
            int k = k0 + kk, n = n0 + nn;
            float v = 0.0;
            if (k < K && n < N) {
                if (PW != 0) {
                    v = ld0(xb + uint(k) * uint(HWI) + uint(n));
                } else {
                    int ic = k / KK, r = k - (k / KK) * KK;
                    int ky = r / KW, kx = r - (r / KW) * KW;
                    int oy = n / OW, ox = n - (n / OW) * OW;
                    int iy = oy * SH - PT + ky * DH, ix = ox * SW - PL + kx * DW;
                    if (iy >= 0 && iy < H && ix >= 0 && ix < W)
                        v = ld0(xb + uint(ic * HWI + iy * W + ix));
                }
            }
            Bs[kk][nn] = v;
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
        float bias = ldp(uint(COUT) * uint(K) + uint(oc));
        for (int j = 0; j < 4; j++) {
            int n = n0 + tx + 16 * j;
            if (n >= N) continue;
            uint o = uint(oc) * uint(N) + uint(n);
            float v = acc[i][j] + bias;
            if (HAS_RES != 0) v += ld1(pc.x1_off + img * pc.x1_bs + o);
            sty(pc.y_off + img * pc.y_bs + o, act(v));
        }
    }
}
