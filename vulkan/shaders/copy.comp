// copy: a box of BC x BH x BW elements from x0 (image planes SH x SW, box
// origin at element SRC0 of the image) to y (planes DH x DW, origin DST0):
// concat inputs that could not be placed, and slices along H / W.
// x: BH*BW, y: box channel, z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int BH = 1;
layout(constant_id = 4) const int BW = 1;
layout(constant_id = 5) const int SH = 1;
layout(constant_id = 6) const int SW = 1;
layout(constant_id = 7) const int DH = 1;
layout(constant_id = 8) const int DW = 1;
layout(constant_id = 9) const uint SRC0 = 0;
layout(constant_id = 10) const uint DST0 = 0;
void main() {
    uint p = gl_GlobalInvocationID.x;
    if (p >= uint(BH * BW)) return;
    uint c = gl_GlobalInvocationID.y, img = gl_WorkGroupID.z;
    uint h = p / uint(BW), w = p - h * uint(BW);
    uint s = SRC0 + (c * uint(SH) + h) * uint(SW) + w;
    uint d = DST0 + (c * uint(DH) + h) * uint(DW) + w;
    sty(pc.y_off + img * pc.y_bs + d, ld0(pc.x0_off + img * pc.x0_bs + s));
}
