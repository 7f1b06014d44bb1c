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
                memcpy(d, src, CPU_NR * sizeof(float));
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
 * B[kk][n] = x[ic][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw] or 0 in the padding.
 * Per NR-column panel: when the panel's columns lie in one output row and a
 * tap's input span is inside the image (the common case), the NR values are
 * one strided run of an input row; otherwise each value is checked. */
static void pack_b_im2col(const cpu_bsrc *s, int k0, int kc, int n0, int nc, float *dst) {
    const cpu_conv_geom *q = s->q;
    int ksz = q->kh * q->kw;
    ptrdiff_t plane = (ptrdiff_t)s->ld;
    int dy[CPU_KC], dx[CPU_KC];
    ptrdiff_t ch[CPU_KC];
    for (int kk = 0; kk < kc; kk++) {
        int kg = k0 + kk, r = kg % ksz;
        ch[kk] = (ptrdiff_t)(kg / ksz) * plane;
        dy[kk] = (r / q->kw) * q->dh - q->pt;
        dx[kk] = (r % q->kw) * q->dw - q->pl;
    }
    for (int t0 = 0; t0 < nc; t0 += CPU_NR) {
        float *d = dst + (size_t)(t0 / CPU_NR) * kc * CPU_NR;
        int n = n0 + t0, oy = n / q->ow, ox = n % q->ow;
        int cols = nc - t0 < CPU_NR ? nc - t0 : CPU_NR;
        if (cols == CPU_NR && ox + CPU_NR <= q->ow) {
            int iy0 = oy * q->sh, ix0 = ox * q->sw, span = (CPU_NR - 1) * q->sw;
            for (int kk = 0; kk < kc; kk++, d += CPU_NR) {
                int iy = iy0 + dy[kk], ix = ix0 + dx[kk];
                if (iy < 0 || iy >= q->h) {
                    memset(d, 0, CPU_NR * sizeof(float));
                    continue;
                }
                const float *row = s->x + ch[kk] + (ptrdiff_t)iy * q->w;
                if (ix >= 0 && ix + span < q->w) {
                    if (q->sw == 1) {
                        memcpy(d, row + ix, CPU_NR * sizeof(float));
                    } else {
                        for (int t = 0; t < CPU_NR; t++) d[t] = row[ix + t * q->sw];
                    }
                } else {
                    for (int t = 0; t < CPU_NR; t++) {
                        int xx = ix + t * q->sw;
                        d[t] = xx >= 0 && xx < q->w ? row[xx] : 0.0f;
                    }
                }
            }
        } else { /* panel wraps to the next output row, or is the last partial one */
            int iyb[CPU_NR], ixb[CPU_NR];
            for (int t = 0; t < CPU_NR; t++) {
                int nn = n + t;
                iyb[t] = t < cols ? (nn / q->ow) * q->sh : -(1 << 28); /* pad columns: invalid */
                ixb[t] = (nn % q->ow) * q->sw;
            }
            for (int kk = 0; kk < kc; kk++, d += CPU_NR)
                for (int t = 0; t < CPU_NR; t++) {
                    int iy = iyb[t] + dy[kk], ix = ixb[t] + dx[kk];
                    d[t] = iy >= 0 && iy < q->h && ix >= 0 && ix < q->w
                               ? s->x[ch[kk] + (ptrdiff_t)iy * q->w + ix]
                               : 0.0f;
                }
        }
    }
}

/* ---- micro kernel ------------------------------------------------------- */

/* Two vectors of CPU_NR / 2 lanes per row of the tile: 4-lane (SSE2 / NEON)
 * by default, 8-lane when the compiler targets AVX (CPU_NR = 16, gemm.h). */
typedef float gemm_vec __attribute__((vector_size(CPU_NR * sizeof(float) / 2)));
#define GV_LANES (CPU_NR / 2)

static inline gemm_vec gv_load(const float *p) {
    gemm_vec v;
    memcpy(&v, p, sizeof v);
    return v;
}
static inline void gv_store(float *p, gemm_vec v) { memcpy(p, &v, sizeof v); }
#if GV_LANES == 8
static inline gemm_vec gv_set1(float x) { return (gemm_vec){x, x, x, x, x, x, x, x}; }
#else
static inline gemm_vec gv_set1(float x) { return (gemm_vec){x, x, x, x}; }
#endif

/* c[i][0..NR) (row stride ldc) = (first ? bias[i] : c[i]) + sum_kk a[kk][i] * b[kk][0..NR):
 * 12 accumulators (6 rows x 2 vectors) stay in registers for the whole K block */
static void micro_6xnr(int kc, const float *restrict a, const float *restrict b,
                       float *restrict c, size_t ldc, const float *restrict bias, int first) {
    gemm_vec c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
    c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = c40 = c41 = c50 = c51 = gv_set1(0.0f);
    for (int kk = 0; kk < kc; kk++) {
        gemm_vec b0 = gv_load(b), b1 = gv_load(b + GV_LANES), av;
        av = gv_set1(a[0]);
        c00 += av * b0;
        c01 += av * b1;
        av = gv_set1(a[1]);
        c10 += av * b0;
        c11 += av * b1;
        av = gv_set1(a[2]);
        c20 += av * b0;
        c21 += av * b1;
        av = gv_set1(a[3]);
        c30 += av * b0;
        c31 += av * b1;
        av = gv_set1(a[4]);
        c40 += av * b0;
        c41 += av * b1;
        av = gv_set1(a[5]);
        c50 += av * b0;
        c51 += av * b1;
        a += CPU_MR;
        b += CPU_NR;
    }
#define ZOO_GEMM_STORE(i, x0, x1)                                                 \
    do {                                                                          \
        float *p_ = c + (size_t)(i) * ldc;                                        \
        gemm_vec s_ = first ? gv_set1(bias[i]) : gv_load(p_);                     \
        gemm_vec t_ = first ? gv_set1(bias[i]) : gv_load(p_ + GV_LANES);          \
        gv_store(p_, s_ + (x0));                                                  \
        gv_store(p_ + GV_LANES, t_ + (x1));                                       \
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
                    micro_6xnr(kc, ap, bp, cp, ldc, bias, first);
                } else {
                    if (!first)
                        for (int r = 0; r < rows; r++)
                            memcpy(tmp + r * CPU_NR, cp + (size_t)r * ldc, cols * sizeof(float));
                    micro_6xnr(kc, ap, bp, tmp, CPU_NR, bias, first);
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
