// affine: y = act(x * s + t) per channel (standalone batchnorm: s, t from
// prm[0..C), prm[C..2C)) or with one scalar pair (scale op, plain activation:
// S, T). x: H*W, y: channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int C_ = 0;
#define C PSC(3, C_)
layout(constant_id = 4) const int HW_ = 0;
#define HW PSC(4, HW_)
layout(constant_id = 5) const int PER_CHANNEL = 0;
layout(constant_id = 6) const float S = 1.0;
layout(constant_id = 7) const float T = 0.0;
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(HW)) return;
    uint c = gl_GlobalInvocationID.y, img = gl_WorkGroupID.z;
    float s = S, t = T;
    if (PER_CHANNEL != 0) {
        s = ldp(c);
        t = ldp(uint(C) + c);
    }
    uint i = c * uint(HW) + p;
    sty(pc.y_off + img * pc.y_bs + i, act(ld0(pc.x0_off + img * pc.x0_bs + i) * s + t));
}
