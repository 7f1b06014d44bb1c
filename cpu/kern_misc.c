/* cpu/kern_misc.c - the fast CPU backend's kernels that do not depend on the
 * instruction set (see kern.h): block copies (concat, slice), channel
 * shuffle and softmax (libm expf). Each works on one image. The vectorized
 * kernels are templates compiled per instruction set (cpu/isa_*.c). */
#include <math.h>
#include <string.h>

#include "cpu/kern.h"

/* ---- copies ------------------------------------------------------------- */

void cpu_copy_into(const float *src, zoo_shape s, float *big, zoo_shape bs, int c0, int h0,
                   int w0) {
    if (s.h == bs.h && s.w == bs.w) { /* whole planes: one block */
        memcpy(big + (size_t)c0 * bs.h * bs.w, src, (size_t)zoo_shape_numel(s) * sizeof(float));
        return;
    }
    for (int c = 0; c < s.c; c++)
        for (int h = 0; h < s.h; h++)
            memcpy(big + ((size_t)(c0 + c) * bs.h + h0 + h) * bs.w + w0,
                   src + ((size_t)c * s.h + h) * s.w, (size_t)s.w * sizeof(float));
}

void cpu_copy_from(const float *big, zoo_shape bs, int c0, int h0, int w0, float *dst,
                   zoo_shape s) {
    if (s.h == bs.h && s.w == bs.w) {
        memcpy(dst, big + (size_t)c0 * bs.h * bs.w, (size_t)zoo_shape_numel(s) * sizeof(float));
        return;
    }
    for (int c = 0; c < s.c; c++)
        for (int h = 0; h < s.h; h++)
            memcpy(dst + ((size_t)c * s.h + h) * s.w,
                   big + ((size_t)(c0 + c) * bs.h + h0 + h) * bs.w + w0,
                   (size_t)s.w * sizeof(float));
}

void cpu_shuffle_planes(const float *x, float *y, zoo_shape s, int groups, int c0, int c1) {
    size_t plane = (size_t)s.h * s.w;
    int per = s.c / groups;
    for (int oc = c0; oc < c1; oc++) {
        int j = oc / groups, i = oc % groups; /* oc = j*g + i  <-  in[i*k + j] */
        memcpy(y + (size_t)oc * plane, x + ((size_t)i * per + j) * plane, plane * sizeof(float));
    }
}

/* ---- softmax ------------------------------------------------------------ */

void cpu_softmax_image(const float *x, float *y, zoo_shape s, int axis) {
    int len = axis == 1 ? s.c : axis == 2 ? s.h : s.w;
    size_t step = axis == 1 ? (size_t)s.h * s.w : axis == 2 ? (size_t)s.w : 1;
    for (int c = 0; c < (axis == 1 ? 1 : s.c); c++)
        for (int h = 0; h < (axis == 2 ? 1 : s.h); h++)
            for (int w = 0; w < (axis == 3 ? 1 : s.w); w++) {
                size_t base = ((size_t)c * s.h + h) * s.w + w;
                float mx = x[base];
                for (int t = 1; t < len; t++) mx = x[base + t * step] > mx ? x[base + t * step] : mx;
                double sum = 0.0;
                for (int t = 0; t < len; t++) {
                    float e = expf(x[base + t * step] - mx);
                    y[base + t * step] = e;
                    sum += e;
                }
                float inv = (float)(1.0 / sum);
                for (int t = 0; t < len; t++) y[base + t * step] *= inv;
            }
}
