// convert_in: the dense fp32 input (host staging, NUMEL per image) into the
// graph's input value y (storage precision). x: elements (grid-stride), z: image. The
// host binding starts at element pc.x1_off (staging offsets need not be aligned).
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int NUMEL_ = 0;
#define NUMEL PSC(3, NUMEL_)
void main() {
    uint img = gl_WorkGroupID.z;
    for (uint i = gl_GlobalInvocationID.x; i < uint(NUMEL); i += gl_NumWorkGroups.x * 64u)
        sty(pc.y_off + img * pc.y_bs + i, host[pc.x1_off + img * uint(NUMEL) + i]);
}
