// binary: y = act(a + b) or act(a * b) with numpy broadcast of size-1 dims of
// a (x0) or b (x1). x: OH*OW, y: channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int OC_ = 0;
#define OC PSC(3, OC_)
layout(constant_id = 4) const int OH_ = 0;
#define OH PSC(4, OH_)
layout(constant_id = 5) const int OW_ = 0;
#define OW PSC(5, OW_)
layout(constant_id = 6) const int AC_ = 0;
#define AC PSC(6, AC_)
layout(constant_id = 7) const int AH_ = 0;
#define AH PSC(7, AH_)
layout(constant_id = 8) const int AW_ = 0;
#define AW PSC(8, AW_)
layout(constant_id = 9) const int BC_ = 0;
#define BC PSC(9, BC_)
layout(constant_id = 10) const int BH_ = 0;
#define BH PSC(10, BH_)
layout(constant_id = 11) const int BW_ = 0;
#define BW PSC(11, BW_)
layout(constant_id = 12) const int IS_MUL = 0;
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(OH * OW)) return;
    int c = int(gl_GlobalInvocationID.y);
    uint img = gl_WorkGroupID.z;
    int h = int(p) / OW, w = int(p) - h * OW;
    int ia = ((AC == 1 ? 0 : c) * AH + (AH == 1 ? 0 : h)) * AW + (AW == 1 ? 0 : w);
    int ib = ((BC == 1 ? 0 : c) * BH + (BH == 1 ? 0 : h)) * BW + (BW == 1 ? 0 : w);
    float a = ld0(pc.x0_off + img * pc.x0_bs + uint(ia));
    float b = ld1(pc.x1_off + img * pc.x1_bs + uint(ib));
    float v = IS_MUL != 0 ? a * b : a + b;
    sty(pc.y_off + img * pc.y_bs + uint(c) * uint(OH * OW) + p, act(v));
}
