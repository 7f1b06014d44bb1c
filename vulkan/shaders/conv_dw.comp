// conv_dw: convolution with one input channel per group (depthwise, any
// channel multiplier MULT = Cout / Cin). Weights prm[c * KH*KW + tap] (BN
// folded), bias prm[C*KH*KW + c]; optional residual x1 (same shape as y) added
// before the activation. x: OH*OW, y: output channel, z: image.
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
layout(constant_id = 10) const int SH = 1;
layout(constant_id = 11) const int SW = 1;
layout(constant_id = 12) const int DH = 1;
layout(constant_id = 13) const int DW = 1;
layout(constant_id = 14) const int PT = 0;
layout(constant_id = 15) const int PL = 0;
layout(constant_id = 16) const int MULT_ = 0;
#define MULT PSC(16, MULT_)
layout(constant_id = 17) const int HAS_RES = 0;
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(OH * OW)) return;
    int c = int(gl_GlobalInvocationID.y);
    uint img = gl_WorkGroupID.z;
    int oy = int(p) / OW, ox = int(p) - oy * OW;
    uint xb = pc.x0_off + img * pc.x0_bs + uint((c / MULT) * H * W);
    uint wb = uint(c * KH * KW);
    float acc = ldp(uint(C * KH * KW + c));
    for (int ky = 0; ky < KH; ky++) {
        int iy = oy * SH - PT + ky * DH;
        if (iy < 0 || iy >= H) continue;
        for (int kx = 0; kx < KW; kx++) {
            int ix = ox * SW - PL + kx * DW;
            if (ix < 0 || ix >= W) continue;
            acc += ldp(wb + uint(ky * KW + kx)) * ld0(xb + uint(iy * W + ix));
        }
    }
    uint o = uint(c) * uint(OH * OW) + p;
    if (HAS_RES != 0) acc += ld1(pc.x1_off + img * pc.x1_bs + o);
    sty(pc.y_off + img * pc.y_bs + o, act(acc));
}
