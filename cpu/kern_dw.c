/* cpu/kern_dw.c - depthwise convolution (one input channel per group, any
 * channel multiplier) for the fast CPU backend. Each input plane is first
 * copied into a zero-padded scratch plane, so the inner loops have no bounds
 * checks: 8 outputs of a row are accumulated in registers over all kernel
 * taps (stride 1), 4 at a time with an even/odd deinterleave (stride 2), or
 * one at a time (other strides, row tails). Bias and activation are fused. */
#include <string.h>

#include "cpu/gemm.h"
#include "cpu/kern.h"
#include "cpu/vec.h"

#define DW_MAX_TAPS 64
#define DW_SLACK 8 /* the stride-2 path reads one element past the last needed one */

static int pad_rows(const cpu_conv_geom *q) { return (q->oh - 1) * q->sh + (q->kh - 1) * q->dh + 1; }
static int pad_cols(const cpu_conv_geom *q) { return (q->ow - 1) * q->sw + (q->kw - 1) * q->dw + 1; }

size_t cpu_dw_scratch_floats(const cpu_conv_geom *q) {
    return (size_t)pad_rows(q) * pad_cols(q) + DW_SLACK;
}

/* the rows / cols of the input window that the outputs read, zero outside the input */
static void pad_plane(const cpu_conv_geom *q, const float *src, float *dst) {
    int ph = pad_rows(q), pw = pad_cols(q);
    for (int r = 0; r < ph; r++) {
        int iy = r - q->pt;
        float *d = dst + (size_t)r * pw;
        if (iy < 0 || iy >= q->h) {
            memset(d, 0, (size_t)pw * sizeof(float));
            continue;
        }
        int lo = q->pl, hi = q->pl + q->w; /* columns holding input data */
        if (lo > pw) lo = pw;
        if (hi > pw) hi = pw;
        if (lo > 0) memset(d, 0, (size_t)lo * sizeof(float));
        if (hi > lo) memcpy(d + lo, src + (size_t)iy * q->w, (size_t)(hi - lo) * sizeof(float));
        if (pw > hi) memset(d + hi, 0, (size_t)(pw - hi) * sizeof(float));
    }
    memset(dst + (size_t)ph * pw, 0, DW_SLACK * sizeof(float));
}

static void dw_row(const cpu_conv_geom *q, const float *base, size_t pw, const float *wk,
                   const cpu_v4 *wv, float b, float *yr) {
    int ox = 0, taps = q->kh * q->kw;
    if (wv && q->sw == 1) {
        for (; ox + 8 <= q->ow; ox += 8) {
            cpu_v4 a0 = cpu_v4_set1(b), a1 = a0;
            for (int ky = 0; ky < q->kh; ky++) {
                const float *row = base + (size_t)ky * q->dh * pw + ox;
                for (int kx = 0; kx < q->kw; kx++) {
                    cpu_v4 w = wv[ky * q->kw + kx];
                    a0 += w * cpu_v4_load(row + kx * q->dw);
                    a1 += w * cpu_v4_load(row + kx * q->dw + 4);
                }
            }
            cpu_v4_store(yr + ox, a0);
            cpu_v4_store(yr + ox + 4, a1);
        }
    } else if (wv && q->sw == 2) {
        for (; ox + 4 <= q->ow; ox += 4) {
            cpu_v4 a0 = cpu_v4_set1(b);
            for (int ky = 0; ky < q->kh; ky++) {
                const float *row = base + (size_t)ky * q->dh * pw + 2 * ox;
                for (int kx = 0; kx < q->kw; kx++) {
                    const float *p = row + kx * q->dw;
                    cpu_v4 even = __builtin_shuffle(cpu_v4_load(p), cpu_v4_load(p + 4),
                                                    (cpu_v4i){0, 2, 4, 6});
                    a0 += wv[ky * q->kw + kx] * even;
                }
            }
            cpu_v4_store(yr + ox, a0);
        }
    }
    (void)taps;
    for (; ox < q->ow; ox++) {
        float s = b;
        for (int ky = 0; ky < q->kh; ky++) {
            const float *row = base + (size_t)ky * q->dh * pw + (size_t)ox * q->sw;
            for (int kx = 0; kx < q->kw; kx++) s += wk[ky * q->kw + kx] * row[kx * q->dw];
        }
        yr[ox] = s;
    }
}

void cpu_dw_conv(const cpu_conv_geom *q, const float *x, float *y, const float *w,
                 const float *bias, const zoo_act_desc *act, int c0, int c1, float *scratch) {
    size_t pw = (size_t)pad_cols(q);
    size_t in_plane = (size_t)q->h * q->w, out_plane = (size_t)q->oh * q->ow;
    int taps = q->kh * q->kw;
    int mult = q->cout_g; /* output channels per input channel */
    int padded_ic = -1;
    cpu_v4 wv[DW_MAX_TAPS];
    for (int oc = c0; oc < c1; oc++) {
        int ic = oc / mult;
        if (ic != padded_ic) {
            pad_plane(q, x + (size_t)ic * in_plane, scratch);
            padded_ic = ic;
        }
        const float *wk = w + (size_t)oc * taps;
        bool vec = taps <= DW_MAX_TAPS;
        if (vec)
            for (int t = 0; t < taps; t++) wv[t] = cpu_v4_set1(wk[t]);
        float b = bias ? bias[oc] : 0.0f;
        for (int oy = 0; oy < q->oh; oy++) {
            float *yr = y + (size_t)oc * out_plane + (size_t)oy * q->ow;
            dw_row(q, scratch + (size_t)oy * q->sh * pw, pw, wk, vec ? wv : NULL, b, yr);
            cpu_act_apply(yr, (size_t)q->ow, act);
        }
    }
}
