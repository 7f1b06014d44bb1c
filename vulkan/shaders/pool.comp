// pool: max / avg pooling with Paddle's windows and divisors (cpu/geom.h):
// plain windows: rows [o*S - P, o*S - P + K) clipped to the input (empty in
// some ceil-mode cases); adaptive: [floor(o*H/OH), ceil((o+1)*H/OH)). Max of
// an empty window is -FLT_MAX. Avg divides by Paddle's divisor: exclusive /
// adaptive: the product of the clipped extents; inclusive: of the extents
// with each end limited to in + pad_begin; neither clamped at 0, so an empty
// window gives 0 / 0 = NaN or 0 / negative = -0 as in Paddle.
// x: OH*OW, y: channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int H_ = 0;
#define H PSC(3, H_)
layout(constant_id = 4) const int W_ = 0;
#define W PSC(4, W_)
layout(constant_id = 5) const int OH_ = 0;
#define OH PSC(5, OH_)
layout(constant_id = 6) const int OW_ = 0;
#define OW PSC(6, OW_)
layout(constant_id = 7) const int KH_ = 0;
#define KH PSC(7, KH_)
layout(constant_id = 8) const int KW_ = 0;
#define KW PSC(8, KW_)
layout(constant_id = 9) const int SH_ = 0;
#define SH PSC(9, SH_)
layout(constant_id = 10) const int SW_ = 0;
#define SW PSC(10, SW_)
layout(constant_id = 11) const int PT_ = 0;
#define PT PSC(11, PT_)
layout(constant_id = 12) const int PL_ = 0;
#define PL PSC(12, PL_)
layout(constant_id = 13) const int IS_MAX = 1;
layout(constant_id = 14) const int EXCLUSIVE = 1;
layout(constant_id = 15) const int ADAPTIVE = 0;
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(OH * OW)) return;
    uint c = gl_GlobalInvocationID.y, img = gl_WorkGroupID.z;
    int oy = int(p) / OW, ox = int(p) - oy * OW;
    int y0, y1, x0_, x1_;
    if (ADAPTIVE != 0) {
        y0 = (oy * H) / OH;
        y1 = ((oy + 1) * H + OH - 1) / OH;
        x0_ = (ox * W) / OW;
        x1_ = ((ox + 1) * W + OW - 1) / OW;
    } else {
        y0 = oy * SH - PT;
        y1 = min(y0 + KH, H);
        y0 = max(y0, 0);
        y1 = max(y1, y0);
        x0_ = ox * SW - PL;
        x1_ = min(x0_ + KW, W);
        x0_ = max(x0_, 0);
        x1_ = max(x1_, x0_);
    }
    uint xb = pc.x0_off + img * pc.x0_bs + c * uint(H * W);
    float acc = IS_MAX != 0 ? -1.0 / 0.0 : 0.0;
    for (int iy = y0; iy < y1; iy++)
        for (int ix = x0_; ix < x1_; ix++) {
            float v = ld0(xb + uint(iy * W + ix));
            acc = IS_MAX != 0 ? max(acc, v) : acc + v;
        }
    int count = (y1 - y0) * (x1_ - x0_);
    float r;
    if (IS_MAX != 0) {
        r = count > 0 ? acc : -3.40282347e+38;
    } else {
        int ey, ex;
        if (ADAPTIVE != 0) {
            ey = y1 - y0;
            ex = x1_ - x0_;
        } else {
            int sy = oy * SH - PT, sx = ox * SW - PL;
            int fy = min(sy + KH, H + PT), fx = min(sx + KW, W + PL);
            if (EXCLUSIVE != 0) {
                fy = min(fy, H);
                fx = min(fx, W);
                sy = max(sy, 0);
                sx = max(sx, 0);
            }
            ey = fy - sy;
            ex = fx - sx;
        }
        int div = ey * ex;
        if (count > 0) r = acc / float(div);
        else r = div == 0 ? uintBitsToFloat(0x7fc00000u) : (div < 0 ? -0.0 : 0.0);
    }
    sty(pc.y_off + img * pc.y_bs + c * uint(OH * OW) + p, r);
}
