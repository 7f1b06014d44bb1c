/* cpu/gemm.c - packed SGEMM with implicit im2col and a fused epilogue
 * (see gemm.h). Loop order inside one tile call:
 *   for each K block of CPU_KC:  pack B[kblock, n0 .. n0+nc) into NR panels
 *     for each MR row panel:      (its A panel, 6 x KC, stays in L1)
 *       for each NR column panel: micro kernel, C += A B (first block: C = bias + A B)
 *       last K block: residual + activation over the MR rows just finished (hot in L1)
 */
#include "cpu/gemm.h"

#include <string.h>

#include "cpu/vec.h"

size_t cpu_gemm_packed_a_floats(int m, int k) {
    return (size_t)((m + CPU_MR - 1) / CPU_MR) * CPU_MR * (size_t)k;
}

/* panel p holds rows [p*MR, p*MR+MR): element (i, kk) at p*MR*k + kk*MR + i */
void cpu_gemm_pack_a(const float *a, int m, int k, float *dst) {
    int panels = (m + CPU_MR - 1) / CPU_MR;
    for (int p = 0; p < panels; p++) {
        float *d = dst + (size_t)p * CPU_MR * k;
        for (int kk = 0; kk < k; kk++)
            for (int i = 0; i < CPU_MR; i++) {
                int row = p * CPU_MR + i;
                d[(size_t)kk * CPU_MR + i] = row < m ? a[(size_t)row * k + kk] : 0.0f;
            }
    }
}

/* ---- B packing ------------------------------------------------------------ */

/* plain rows: B[kk][n] = x[kk * ld + n] */
static void pack_b_plain(const cpu_bsrc *s, int k0, int kc, int n0, int nc, float *dst) {
    for (int j = 0; j < nc; j += CPU_NR) {
        float *d = dst + (size_t)(j / CPU_NR) * kc * CPU_NR;
        const float *src = s->x + (size_t)k0 * s->ld + n0 + j;
        if (nc - j >= CPU_NR) {
            for (int kk = 0; kk < kc; kk++) {
                cpu_v4_store(d, cpu_v4_load(src));
                cpu_v4_store(d + 4, cpu_v4_load(src + 4));
                d += CPU_NR;
                src += s->ld;
            }
        } else {
            int w = nc - j;
            for (int kk = 0; kk < kc; kk++) {
                for (int t = 0; t < CPU_NR; t++) d[t] = t < w ? src[t] : 0.0f;
                d += CPU_NR;
                src += s->ld;
            }
        }
    }
}

/* implicit im2col: row kk = (ic, ky, kx), column n = (oy, ox):
 * B[kk][n] = x[ic][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw] or 0 in the padding */
static void pack_b_im2col(const cpu_bsrc *s, int k0, int kc, int n0, int nc, float *dst) {
    const cpu_conv_geom *q = s->q;
    int ksz = q->kh * q->kw;
    int panels = (nc + CPU_NR - 1) / CPU_NR;
    /* zero the pad columns of the last panel once */
    if (nc % CPU_NR) {
        float *d = dst + (size_t)(panels - 1) * kc * CPU_NR;
        memset(d, 0, (size_t)kc * CPU_NR * sizeof(float));
    }
    for (int kk = 0; kk < kc; kk++) {
        int kg = k0 + kk;
        int ic = kg / ksz, r = kg % ksz, ky = r / q->kw, kx = r % q->kw;
        const float *plane = s->x + (size_t)ic * s->ld;
        int oy = n0 / q->ow, ox = n0 % q->ow;
        int xoff = kx * q->dw - q->pl;
        int t = 0; /* column index relative to n0 */
        while (t < nc) {
            int seg = q->ow - ox;
            if (seg > nc - t) seg = nc - t;
            int iy = oy * q->sh - q->pt + ky * q->dh;
            if (iy < 0 || iy >= q->h) {
                for (int u = 0; u < seg; u++, t++)
                    dst[(size_t)(t / CPU_NR) * kc * CPU_NR + (size_t)kk * CPU_NR + t % CPU_NR] = 0.0f;
            } else {
                const float *row = plane + (size_t)iy * q->w;
                for (int u = 0; u < seg; u++, t++) {
                    int ix = (ox + u) * q->sw + xoff;
                    float v = (ix >= 0 && ix < q->w) ? row[ix] : 0.0f;
                    dst[(size_t)(t / CPU_NR) * kc * CPU_NR + (size_t)kk * CPU_NR + t % CPU_NR] = v;
                }
            }
            ox = 0;
            oy++;
        }
    }
}

/* ---- micro kernel ------------------------------------------------------- */

/* c[i][0..8) (row stride ldc) = (first ? bias[i] : c[i]) + sum_kk a[kk][i] * b[kk][0..8) */
static void micro_6x8(int kc, const float *restrict a, const float *restrict b, float *restrict c,
                      size_t ldc, const float *restrict bias, int first) {
    cpu_v4 c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = cpu_v4_set1(0.0f);
    for (int kk = 0; kk < kc; kk++) {
        cpu_v4 b0 = cpu_v4_load(b), b1 = cpu_v4_load(b + 4), av;
        av = cpu_v4_set1(a[0]);
        c00 += av * b0;
        c01 += av * b1;
        av = cpu_v4_set1(a[1]);
        c10 += av * b0;
        c11 += av * b1;
        av = cpu_v4_set1(a[2]);
        c20 += av * b0;
        c21 += av * b1;
        av = cpu_v4_set1(a[3]);
        c30 += av * b0;
        c31 += av * b1;
        av = cpu_v4_set1(a[4]);
        c40 += av * b0;
        c41 += av * b1;
        av = cpu_v4_set1(a[5]);
        c50 += av * b0;
        c51 += av * b1;
        a += CPU_MR;
        b += CPU_NR;
    }
#define ZOO_GEMM_STORE(i, x0, x1)                                                 \
    do {                                                                          \
        float *p_ = c + (size_t)(i) * ldc;                                        \
        cpu_v4 s_ = first ? cpu_v4_set1(bias[i]) : cpu_v4_load(p_);               \
        cpu_v4 t_ = first ? cpu_v4_set1(bias[i]) : cpu_v4_load(p_ + 4);           \
        cpu_v4_store(p_, s_ + (x0));                                              \
        cpu_v4_store(p_ + 4, t_ + (x1));                                          \
    } while (0)
    ZOO_GEMM_STORE(0, c00, c01);
    ZOO_GEMM_STORE(1, c10, c11);
    ZOO_GEMM_STORE(2, c20, c21);
    ZOO_GEMM_STORE(3, c30, c31);
    ZOO_GEMM_STORE(4, c40, c41);
    ZOO_GEMM_STORE(5, c50, c51);
#undef ZOO_GEMM_STORE
}

/* ---- epilogue ---------------------------------------------------------- */

void cpu_act_apply(float *x, size_t n, const zoo_act_desc *a) {
    size_t i = 0;
    switch (a->kind) {
    case ZOO_ACT_NONE: return;
    case ZOO_ACT_RELU: {
        cpu_v4 z = cpu_v4_set1(0.0f);
        for (; i + 4 <= n; i += 4) cpu_v4_store(x + i, cpu_v4_max(cpu_v4_load(x + i), z));
        break;
    }
    case ZOO_ACT_RELU6:
    case ZOO_ACT_CLIP:
    case ZOO_ACT_HARD_SIGMOID: {
        float lo = 0.0f, hi = 6.0f, mul = 1.0f, add = 0.0f;
        if (a->kind == ZOO_ACT_CLIP) lo = a->a, hi = a->b;
        if (a->kind == ZOO_ACT_HARD_SIGMOID) hi = 1.0f, mul = a->a, add = a->b;
        cpu_v4 vl = cpu_v4_set1(lo), vh = cpu_v4_set1(hi), vm = cpu_v4_set1(mul),
               va = cpu_v4_set1(add);
        if (a->kind == ZOO_ACT_HARD_SIGMOID)
            for (; i + 4 <= n; i += 4)
                cpu_v4_store(x + i, cpu_v4_min(cpu_v4_max(cpu_v4_load(x + i) * vm + va, vl), vh));
        else
            for (; i + 4 <= n; i += 4)
                cpu_v4_store(x + i, cpu_v4_min(cpu_v4_max(cpu_v4_load(x + i), vl), vh));
        break;
    }
    case ZOO_ACT_SIGMOID: {
        cpu_v4 one = cpu_v4_set1(1.0f);
        for (; i + 4 <= n; i += 4)
            cpu_v4_store(x + i, one / (one + cpu_v4_exp(-cpu_v4_load(x + i))));
        break;
    }
    case ZOO_ACT_SWISH: {
        cpu_v4 one = cpu_v4_set1(1.0f);
        for (; i + 4 <= n; i += 4) {
            cpu_v4 v = cpu_v4_load(x + i);
            cpu_v4_store(x + i, v / (one + cpu_v4_exp(-v)));
        }
        break;
    }
    default: break;
    }
    if (i < n) { /* tail through the same vector code, for identical rounding */
        float t[4] = {0};
        memcpy(t, x + i, (n - i) * sizeof(float));
        cpu_act_apply(t, 4, a);
        memcpy(x + i, t, (n - i) * sizeof(float));
    }
}

static void epilogue_rows(float *c, size_t ldc, int rows, int n, const cpu_epi *e,
                          size_t res_off) {
    for (int i = 0; i < rows; i++) {
        float *row = c + (size_t)i * ldc;
        if (e->res) {
            const float *r = e->res + res_off + (size_t)i * ldc;
            int j = 0;
            for (; j + 4 <= n; j += 4) cpu_v4_store(row + j, cpu_v4_load(row + j) + cpu_v4_load(r + j));
            for (; j < n; j++) row[j] += r[j];
        }
        cpu_act_apply(row, (size_t)n, &e->act);
    }
}

/* ---- driver ------------------------------------------------------------- */

void cpu_gemm_tile(const float *pa, int m, int k, int m0, int m1, const cpu_bsrc *b, int n0,
                   int nc, float *c, size_t ldc, const cpu_epi *e, float *bpack) {
    (void)m;
    float tmp[CPU_MR * CPU_NR] = {0};
    for (int k0 = 0; k0 < k; k0 += CPU_KC) {
        int kc = k - k0 < CPU_KC ? k - k0 : CPU_KC;
        int first = k0 == 0, last = k0 + kc == k;
        if (b->q)
            pack_b_im2col(b, k0, kc, n0, nc, bpack);
        else
            pack_b_plain(b, k0, kc, n0, nc, bpack);
        for (int i0 = m0; i0 < m1; i0 += CPU_MR) {
            int rows = m1 - i0 < CPU_MR ? m1 - i0 : CPU_MR;
            const float *ap = pa + (size_t)(i0 / CPU_MR) * CPU_MR * k + (size_t)k0 * CPU_MR;
            const float *bias = e->bias + i0;
            for (int j = 0; j < nc; j += CPU_NR) {
                int cols = nc - j < CPU_NR ? nc - j : CPU_NR;
                const float *bp = bpack + (size_t)(j / CPU_NR) * kc * CPU_NR;
                float *cp = c + (size_t)i0 * ldc + n0 + j;
                if (rows == CPU_MR && cols == CPU_NR) {
                    micro_6x8(kc, ap, bp, cp, ldc, bias, first);
                } else {
                    if (!first)
                        for (int r = 0; r < rows; r++)
                            memcpy(tmp + r * CPU_NR, cp + (size_t)r * ldc, cols * sizeof(float));
                    micro_6x8(kc, ap, bp, tmp, CPU_NR, bias, first);
                    for (int r = 0; r < rows; r++)
                        memcpy(cp + (size_t)r * ldc, tmp + r * CPU_NR, cols * sizeof(float));
                }
            }
            if (last && (e->res || e->act.kind != ZOO_ACT_NONE))
                epilogue_rows(c + (size_t)i0 * ldc + n0, ldc, rows, nc, e,
                              (size_t)i0 * ldc + n0);
        }
    }
}
