// convert_out: the graph's output value x0 into dense fp32 host staging.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int NUMEL_ = 0;
#define NUMEL PSC(3, NUMEL_)
void main() {
    uint img = gl_WorkGroupID.z;
    for (uint i = gl_GlobalInvocationID.x; i < uint(NUMEL); i += gl_NumWorkGroups.x * 64u)
        host[pc.x1_off + img * uint(NUMEL) + i] = ld0(pc.x0_off + img * pc.x0_bs + i);
}
