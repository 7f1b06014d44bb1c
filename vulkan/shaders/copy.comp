// copy: a box of BC x BH x BW elements from x0 (image planes SH x SW, box
// origin at element SRC0 of the image) to y (planes DH x DW, origin DST0):
// concat inputs that could not be placed, and slices along H / W.
// x: BH*BW, y: box channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int BH_ = 0;
#define BH PSC(3, BH_)
layout(constant_id = 4) const int BW_ = 0;
#define BW PSC(4, BW_)
layout(constant_id = 5) const int SH_ = 0;
#define SH PSC(5, SH_)
layout(constant_id = 6) const int SW_ = 0;
#define SW PSC(6, SW_)
layout(constant_id = 7) const int DH_ = 0;
#define DH PSC(7, DH_)
layout(constant_id = 8) const int DW_ = 0;
#define DW PSC(8, DW_)
layout(constant_id = 9) const int SRC0_ = 0;
#define SRC0 PSC(9, SRC0_)
layout(constant_id = 10) const int DST0_ = 0;
#define DST0 PSC(10, DST0_)
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(BH * BW)) return;
    uint c = gl_GlobalInvocationID.y, img = gl_WorkGroupID.z;
    uint h = p / uint(BW), w = p - h * uint(BW);
    uint s = uint(SRC0) + (c * uint(SH) + h) * uint(SW) + w;
    uint d = uint(DST0) + (c * uint(DH) + h) * uint(DW) + w;
    sty(pc.y_off + img * pc.y_bs + d, ld0(pc.x0_off + img * pc.x0_bs + s));
}
