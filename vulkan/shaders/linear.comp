// linear: y[o] = act(bias[o] + sum_k x[k] * W[k][o]) with W [K, OUT] as Paddle
// stores it (prm[0 .. K*OUT)), bias at prm[K*OUT ..). x: output feature,
// z: image.
#version 450
#include "common.glsl"
layout(local_size_x = 64) in;
layout(constant_id = 3) const int K_ = 0;
#define K PSC(3, K_)
layout(constant_id = 4) const int OUT_ = 0;
#define OUT PSC(4, OUT_)
void main() {
    uint o = gl_GlobalInvocationID.x;
    if (o >= uint(OUT)) return;
    uint img = gl_WorkGroupID.z;
    uint xb = pc.x0_off + img * pc.x0_bs;
    float acc = ldp(uint(K * OUT) + o);
    for (int k = 0; k < K; k++) acc += ld0(xb + uint(k)) * ldp(uint(k * OUT) + o);
    sty(pc.y_off + img * pc.y_bs + o, act(acc));
}
