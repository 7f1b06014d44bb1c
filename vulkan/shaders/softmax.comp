// softmax along AXIS (1 = C, 2 = H, 3 = W) of a C x H x W image: one
// invocation per row (max, sum of exp, normalize). x: row, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int C_ = 0;
#define C PSC(3, C_)
layout(constant_id = 4) const int H_ = 0;
#define H PSC(4, H_)
layout(constant_id = 5) const int W_ = 0;
#define W PSC(5, W_)
layout(constant_id = 6) const int AXIS = 1;
void main() {
    int r = int(gl_GlobalInvocationID.x);
    uint img = gl_WorkGroupID.z;
    int rows = AXIS == 1 ? H * W : (AXIS == 2 ? C * W : C * H);
    if (r >= rows) return;
    int len = AXIS == 1 ? C : (AXIS == 2 ? H : W);
    int stride = AXIS == 1 ? H * W : (AXIS == 2 ? W : 1);
    int base = AXIS == 1 ? r : (AXIS == 2 ? (r / W) * H * W + (r - (r / W) * W) : r * W);
    uint xb = pc.x0_off + img * pc.x0_bs + uint(base);
    uint yb = pc.y_off + img * pc.y_bs + uint(base);
    float m = -1.0 / 0.0;
    for (int t = 0; t < len; t++) m = max(m, ld0(xb + uint(t * stride)));
    float s = 0.0;
    for (int t = 0; t < len; t++) s += exp(ld0(xb + uint(t * stride)) - m);
    for (int t = 0; t < len; t++) sty(yb + uint(t * stride), exp(ld0(xb + uint(t * stride)) - m) / s);
}
