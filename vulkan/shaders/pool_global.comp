// pool_global: a window covering the whole H x W plane (global / adaptive 1x1
// pooling, or a plain window equal to the plane): one workgroup of 64 per
// (channel, image) reduces the plane in shared memory. avg divides by DIV (the
// valid count, or KH*KW for non-exclusive pooling).
// x: channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int HW_ = 0;
#define HW PSC(3, HW_)
layout(constant_id = 4) const int IS_MAX = 0;
layout(constant_id = 5) const int DIV_ = 0;
#define DIV PSC(5, DIV_)
shared float part[64];
void main() {
    uint c = gl_WorkGroupID.x, img = gl_WorkGroupID.z, t = gl_LocalInvocationID.x;
    uint xb = pc.x0_off + img * pc.x0_bs + c * uint(HW);
    float acc = IS_MAX != 0 ? -1.0 / 0.0 : 0.0;
    for (uint i = t; i < uint(HW); i += 64u) {
        float v = ld0(xb + i);
        acc = IS_MAX != 0 ? max(acc, v) : acc + v;
    }
    part[t] = acc;
    barrier();
    for (uint s = 32u; s > 0u; s >>= 1) {
        if (t < s) part[t] = IS_MAX != 0 ? max(part[t], part[t + s]) : part[t] + part[t + s];
        barrier();
    }
    if (t == 0u) sty(pc.y_off + img * pc.y_bs + c, IS_MAX != 0 ? part[0] : part[0] / float(DIV));
}
