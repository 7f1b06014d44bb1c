// vulkan/shaders/common.glsl - included by every zoo compute shader.
//
// Storage precision: compiled twice, with -DFP16=0 (fp32 activations and
// weights) and -DFP16=1 (float16_t storage through 16-bit storage, arithmetic
// and accumulation in fp32). SFP is the storage type; ld*/st convert.
//
// Bindings (the same set layout for every pipeline; see vk_plan.h):
//   0  x0   first input value   (activation buffer range)
//   1  x1   second input value  (residual of a conv, b of add/mul)
//   2  y    output value
//   3  prm  the step's parameters (weights, bias, ...), read-only
//   4  host fp32 staging (input / output conversion only)
// A value's image n starts at <off> + n * <bs> elements of its binding; the
// offsets come in push constants. Shader parameters are specialization
// constants (ids 0..2: fused activation, shader-specific ids from 3). Sizes
// (channels, planes) are read through PSC(id, NAME): the specialization
// constant when it is non-zero, else the same value from the push constants
// (pc.sz[id - 3] always holds the real value), so the host decides per
// pipeline whether sizes are compiled in (more pipelines, each a little
// faster) or not (one pipeline serves every size; see vk_plan.h).
#if FP16
#extension GL_EXT_shader_16bit_storage : require
#define SFP float16_t
#else
#define SFP float
#endif

layout(std430, set = 0, binding = 0) readonly buffer X0 { SFP x0[]; };
layout(std430, set = 0, binding = 1) readonly buffer X1 { SFP x1[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Y { SFP y[]; };
#ifndef CUSTOM_PRM
layout(std430, set = 0, binding = 3) readonly buffer Prm { SFP prm[]; };
#endif
layout(std430, set = 0, binding = 4) buffer Host { float host[]; };

layout(push_constant, std430) uniform PC {
    uint x0_off, x0_bs, x1_off, x1_bs, y_off, y_bs, nimg;
    int sz[20]; // values of spec constants 3..22
} pc;
#define PSC(id, v) ((v) != 0 ? (v) : pc.sz[(id) - 3])

// fused activation (zoo_act): 0 none, 1 relu, 2 relu6, 3 sigmoid, 4 swish,
// 5 hard sigmoid clip(a*x+b, 0, 1), 6 clip(x, a, b)
layout(constant_id = 0) const int ACT = 0;
layout(constant_id = 1) const float ACT_A = 0.0;
layout(constant_id = 2) const float ACT_B = 0.0;

float act(float v) {
    if (ACT == 1) return max(v, 0.0);
    if (ACT == 2) return min(max(v, 0.0), 6.0);
    if (ACT == 3) return 1.0 / (1.0 + exp(-v));
    if (ACT == 4) return v / (1.0 + exp(-v));
    if (ACT == 5) return min(max(ACT_A * v + ACT_B, 0.0), 1.0);
    if (ACT == 6) return min(max(v, ACT_A), ACT_B);
    return v;
}

float ld0(uint i) { return float(x0[i]); }
float ld1(uint i) { return float(x1[i]); }
#ifndef CUSTOM_PRM
float ldp(uint i) { return float(prm[i]); }
#endif
void sty(uint i, float v) { y[i] = SFP(v); }
