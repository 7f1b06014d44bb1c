/* cpu/kern.h - the fast CPU backend's kernels other than the GEMM.
 *
 * Every kernel works on ONE image (or one plane range of one image): the
 * planner's per-image batch strides are applied by the caller, so inputs and
 * outputs may live inside a larger (concat) buffer. Within an image, values
 * are dense C x H x W (channel stride H * W). Floating point is fp32 with the
 * vector helpers of vec.h; the reference backend is the oracle. */
#ifndef ZOO_CPU_KERN_H
#define ZOO_CPU_KERN_H

#include <stddef.h>

#include "cpu/geom.h"

/* Depthwise-style convolution (cin_g == 1): output channels [c0, c1) of one
 * image. w: [cout][kh*kw] (BN folded), bias [cout]; act fused. scratch holds
 * cpu_dw_scratch_floats(q) floats (a zero-padded input plane). */
size_t cpu_dw_scratch_floats(const cpu_conv_geom *q);
void cpu_dw_conv(const cpu_conv_geom *q, const float *x, float *y, const float *w,
                 const float *bias, const zoo_act_desc *act, int c0, int c1, float *scratch);

/* Pooling of planes [c0, c1) of one image. */
void cpu_pool_planes(const cpu_pool_geom *p, const float *x, float *y, int c0, int c1);

/* y[c] = act(x[c] * s[c] + t[c]) for planes [c0, c1) of `plane` floats each. */
void cpu_affine_planes(const float *x, float *y, size_t plane, const float *s, const float *t,
                       const zoo_act_desc *act, int c0, int c1);

/* Broadcasting add / mul for output planes [c0, c1) of one image, act fused. */
void cpu_binary_planes(bool mul, const float *a, zoo_shape as, const float *b, zoo_shape bs,
                       float *y, zoo_shape ys, const zoo_act_desc *act, int c0, int c1);

/* Copies a block of shape s (dense, C x H x W) into / out of a larger dense
 * image of shape big at offset (c0, h0, w0). */
void cpu_copy_into(const float *src, zoo_shape s, float *big, zoo_shape bs, int c0, int h0,
                   int w0);
void cpu_copy_from(const float *big, zoo_shape bs, int c0, int h0, int w0, float *dst,
                   zoo_shape s);

/* Channel shuffle of one image: out[j*g + i] = in[i*k + j] for output planes [c0, c1). */
void cpu_shuffle_planes(const float *x, float *y, zoo_shape s, int groups, int c0, int c1);

/* Softmax of one image along axis 1..3. */
void cpu_softmax_image(const float *x, float *y, zoo_shape s, int axis);

/* Linear for `batch` images, output columns [o0, o1): y[n][o] = act(b[o] +
 * sum_k x[n][k] w[k][o]); x image n at x + n * xs, y image n at y + n * ys. */
void cpu_linear_cols(const float *x, size_t xs, int batch, size_t k, const float *w, int out_f,
                     const float *bias, float *y, size_t ys, const zoo_act_desc *act, int o0,
                     int o1);

#endif
