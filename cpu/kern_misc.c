/* cpu/kern_misc.c - the fast CPU backend's memory-bound kernels: pooling,
 * per-channel affine (standalone BN, scale), broadcasting add / mul, block
 * copies (concat, slice), channel shuffle, softmax and the linear layer.
 * Each works on one image (see kern.h); activations are fused where the
 * planner asks for it. */
#include <math.h>
#include <string.h>

#include "cpu/gemm.h"
#include "cpu/kern.h"
#include "cpu/vec.h"

/* ---- pooling ------------------------------------------------------------ */

void cpu_pool_planes(const cpu_pool_geom *p, const float *x, float *y, int c0, int c1) {
    size_t in_plane = (size_t)p->h * p->w, out_plane = (size_t)p->oh * p->ow;
    for (int c = c0; c < c1; c++) {
        const float *src = x + (size_t)c * in_plane;
        float *dst = y + (size_t)c * out_plane;
        for (int oy = 0; oy < p->oh; oy++) {
            int y0, y1;
            cpu_pool_window(p, 0, oy, &y0, &y1);
            for (int ox = 0; ox < p->ow; ox++) {
                int x0, x1;
                cpu_pool_window(p, 1, ox, &x0, &x1);
                int count = (y1 - y0) * (x1 - x0);
                float r = 0.0f;
                if (count > 0 && p->max) {
                    r = src[(size_t)y0 * p->w + x0];
                    for (int iy = y0; iy < y1; iy++)
                        for (int ix = x0; ix < x1; ix++) {
                            float v = src[(size_t)iy * p->w + ix];
                            r = v > r ? v : r;
                        }
                } else if (count > 0) {
                    cpu_v4 acc = cpu_v4_set1(0.0f);
                    float s = 0.0f;
                    for (int iy = y0; iy < y1; iy++) {
                        const float *row = src + (size_t)iy * p->w;
                        int ix = x0;
                        for (; ix + 4 <= x1; ix += 4) acc += cpu_v4_load(row + ix);
                        for (; ix < x1; ix++) s += row[ix];
                    }
                    s += (acc[0] + acc[1]) + (acc[2] + acc[3]);
                    r = s / (float)(p->exclusive ? count : p->kh * p->kw);
                }
                dst[(size_t)oy * p->ow + ox] = r;
            }
        }
    }
}

/* ---- per-channel affine ------------------------------------------------- */

void cpu_affine_planes(const float *x, float *y, size_t plane, const float *s, const float *t,
                       const zoo_act_desc *act, int c0, int c1) {
    for (int c = c0; c < c1; c++) {
        const float *src = x + (size_t)c * plane;
        float *dst = y + (size_t)c * plane;
        cpu_v4 vs = cpu_v4_set1(s[c]), vt = cpu_v4_set1(t[c]);
        size_t i = 0;
        for (; i + 4 <= plane; i += 4) cpu_v4_store(dst + i, cpu_v4_load(src + i) * vs + vt);
        for (; i < plane; i++) dst[i] = src[i] * s[c] + t[c];
        cpu_act_apply(dst, plane, act);
    }
}

/* ---- broadcasting binary ------------------------------------------------ */

static void bin_vec(bool mul, const float *a, const float *b, float *y, size_t n) {
    size_t i = 0;
    if (mul)
        for (; i + 4 <= n; i += 4) cpu_v4_store(y + i, cpu_v4_load(a + i) * cpu_v4_load(b + i));
    else
        for (; i + 4 <= n; i += 4) cpu_v4_store(y + i, cpu_v4_load(a + i) + cpu_v4_load(b + i));
    for (; i < n; i++) y[i] = mul ? a[i] * b[i] : a[i] + b[i];
}

/* y[i] = a[i] op s (or s op a[i]; both ops commute) */
static void bin_scalar(bool mul, const float *a, float s, float *y, size_t n) {
    size_t i = 0;
    cpu_v4 vs = cpu_v4_set1(s);
    if (mul)
        for (; i + 4 <= n; i += 4) cpu_v4_store(y + i, cpu_v4_load(a + i) * vs);
    else
        for (; i + 4 <= n; i += 4) cpu_v4_store(y + i, cpu_v4_load(a + i) + vs);
    for (; i < n; i++) y[i] = mul ? a[i] * s : a[i] + s;
}

static size_t idx3(zoo_shape s, int c, int h, int w) {
    return ((size_t)(s.c == 1 ? 0 : c) * s.h + (s.h == 1 ? 0 : h)) * s.w + (s.w == 1 ? 0 : w);
}

void cpu_binary_planes(bool mul, const float *a, zoo_shape as, const float *b, zoo_shape bs,
                       float *y, zoo_shape ys, const zoo_act_desc *act, int c0, int c1) {
    size_t plane = (size_t)ys.h * ys.w;
    bool a_full = as.h == ys.h && as.w == ys.w, b_full = bs.h == ys.h && bs.w == ys.w;
    bool a_point = as.h == 1 && as.w == 1, b_point = bs.h == 1 && bs.w == 1;
    for (int c = c0; c < c1; c++) {
        float *dst = y + (size_t)c * plane;
        const float *pa = a + (as.c == 1 ? 0 : (size_t)c) * (size_t)as.h * as.w;
        const float *pb = b + (bs.c == 1 ? 0 : (size_t)c) * (size_t)bs.h * bs.w;
        if (a_full && b_full)
            bin_vec(mul, pa, pb, dst, plane);
        else if (a_full && b_point)
            bin_scalar(mul, pa, pb[0], dst, plane);
        else if (b_full && a_point)
            bin_scalar(mul, pb, pa[0], dst, plane);
        else
            for (int h = 0; h < ys.h; h++)
                for (int w = 0; w < ys.w; w++) {
                    float va = a[idx3(as, c, h, w)], vb = b[idx3(bs, c, h, w)];
                    dst[(size_t)h * ys.w + w] = mul ? va * vb : va + vb;
                }
        cpu_act_apply(dst, plane, act);
    }
}

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

/* ---- linear ------------------------------------------------------------- */

#define LIN_MAX_BATCH 8 /* images processed together per pass over the weights */

void cpu_linear_cols(const float *x, size_t xs, int batch, size_t k, const float *w, int out_f,
                     const float *bias, float *y, size_t ys, const zoo_act_desc *act, int o0,
                     int o1) {
    int nv = (o1 - o0) / 4 * 4; /* vector part of the column range */
    for (int n0 = 0; n0 < batch; n0 += LIN_MAX_BATCH) {
        int nb = batch - n0 < LIN_MAX_BATCH ? batch - n0 : LIN_MAX_BATCH;
        for (int n = 0; n < nb; n++)
            for (int o = o0; o < o1; o++) y[(size_t)(n0 + n) * ys + o] = bias ? bias[o] : 0.0f;
        for (size_t kk = 0; kk < k; kk++) {
            const float *wr = w + kk * (size_t)out_f + o0;
            for (int n = 0; n < nb; n++) {
                float xv = x[(size_t)(n0 + n) * xs + kk];
                float *yr = y + (size_t)(n0 + n) * ys + o0;
                cpu_v4 vx = cpu_v4_set1(xv);
                int j = 0;
                for (; j < nv; j += 4) cpu_v4_store(yr + j, cpu_v4_load(yr + j) + vx * cpu_v4_load(wr + j));
                for (; j < o1 - o0; j++) yr[j] += xv * wr[j];
            }
        }
        for (int n = 0; n < nb; n++) cpu_act_apply(y + (size_t)(n0 + n) * ys + o0, (size_t)(o1 - o0), act);
    }
}
