// conv_dw: convolution with one input channel per group (depthwise, any
// channel multiplier MULT = Cout / Cin). Weights prm[c * KH*KW + tap] (BN
// folded), bias prm[C*KH*KW + c]; optional residual x1 (same shape as y) added
// before the activation. x: OH * ceil(OW / 8), y: output channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int C_ = 0;
#define C PSC(3, C_)
layout(constant_id = 4) const int H_ = 0;
#define H PSC(4, H_)
layout(constant_id = 5) const int W_ = 0;
#define W PSC(5, W_)
layout(constant_id = 6) const int OH_ = 0;
#define OH PSC(6, OH_)
layout(constant_id = 7) const int OW_ = 0;
#define OW PSC(7, OW_)
layout(constant_id = 8) const int KH = 1;
layout(constant_id = 9) const int KW = 1;
layout(constant_id = 10) const int SH_ = 0;
#define SH PSC(10, SH_)
layout(constant_id = 11) const int SW = 1;
layout(constant_id = 12) const int DH_ = 0;
#define DH PSC(12, DH_)
layout(constant_id = 13) const int DW = 1;
layout(constant_id = 14) const int PT_ = 0;
#define PT PSC(14, PT_)
layout(constant_id = 15) const int PL_ = 0;
#define PL PSC(15, PL_)
layout(constant_id = 16) const int MULT_ = 0;
#define MULT PSC(16, MULT_)
layout(constant_id = 17) const int HAS_RES = 0;
// Each invocation computes TP consecutive outputs of one row: its taps are
// loaded once, and each input row segment it needs once into registers.
#define TP 8
const int RW = (TP - 1) * SW + (KW - 1) * DW + 1;

void main() {
    int owt = (OW + TP - 1) / TP;
    int gx = int(gl_GlobalInvocationID.x);
    if (gx >= OH * owt) return;
    int c = int(gl_GlobalInvocationID.y);
    uint img = gl_WorkGroupID.z;
    int oy = gx / owt, ox0 = (gx - oy * owt) * TP;
    uint xb = pc.x0_off + img * pc.x0_bs + uint((c / MULT) * H * W);
    float wv[KH * KW];
    for (int t = 0; t < KH * KW; t++) wv[t] = ldp(uint(c * KH * KW + t));
    float bias = ldp(uint(C * KH * KW + c));
    float acc[TP];
    for (int j = 0; j < TP; j++) acc[j] = bias;
    int ixs = ox0 * SW - PL;
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - PT + ky * DH;
        bool row = iy >= 0 && iy < H;
        float xr[RW];
        for (int r = 0; r < RW; r++) {
            int ix = ixs + r;
            xr[r] = (row && ix >= 0 && ix < W) ? ld0(xb + uint(iy * W + ix)) : 0.0;
        }
        for (int kx = 0; kx < KW; kx++)
            for (int j = 0; j < TP; j++) acc[j] = fma(wv[ky * KW + kx], xr[j * SW + kx * DW], acc[j]);
    }
    for (int j = 0; j < TP; j++) {
        if (ox0 + j >= OW) break;
        uint o = uint(c) * uint(OH * OW) + uint(oy * OW + ox0 + j);
        float v = acc[j];
        if (HAS_RES != 0) v += ld1(pc.x1_off + img * pc.x1_bs + o);
        sty(pc.y_off + img * pc.y_bs + o, act(v));
    }
}
