// shuffle: channel shuffle, out[c = j*G + i] = in[i*K + j] with K = C / G.
// x: H*W, y: output channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int C_ = 0;
#define C PSC(3, C_)
layout(constant_id = 4) const int HW_ = 0;
#define HW PSC(4, HW_)
layout(constant_id = 5) const int G_ = 0;
#define G PSC(5, G_)
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(HW)) return;
    int c = int(gl_GlobalInvocationID.y);
    uint img = gl_WorkGroupID.z;
    int j = c / G, i = c - j * G;
    int ic = i * (C / G) + j;
    sty(pc.y_off + img * pc.y_bs + uint(c * HW) + p,
        ld0(pc.x0_off + img * pc.x0_bs + uint(ic * HW) + p));
}
