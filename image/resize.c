/* image/resize.c - cv2.resize(..., INTER_LINEAR) on 8-bit images, bit-exact.
 *
 * Contract: zoo_resize_linear_u8() produces the same bytes as OpenCV's
 * fixed-point bilinear resize (modules/imgproc/src/resize.cpp), for any source
 * and destination size, for a window of the destination (so preprocessing can
 * compute only the centre crop). The rules, taken from OpenCV's behaviour and
 * checked against cv2 by tests/unit/test_image_resize.c:
 *   - scale = 1 / (dst / src) in double; for each destination coordinate d:
 *     f = (float)((d + 0.5) * scale - 0.5), s = floor(f), f -= s (float);
 *   - columns: s < 0 -> s = 0, f = 0; s >= src_w - 1 -> s = src_w - 1, f = 0;
 *     rows are not clamped, but the two source rows s, s + 1 are clamped into
 *     [0, src_h - 1];
 *   - weights (short) = round-half-even((1 - f) * 2048), round-half-even(f * 2048);
 *   - horizontal pass in int: D = S[s] * a0 + S[s + 1] * a1;
 *   - vertical pass as OpenCV's SIMD kernel computes it (it covers every pixel):
 *     dst = sat_u8((((b0 * (D0 >> 4)) >> 16) + ((b1 * (D1 >> 4)) >> 16) + 2) >> 2);
 *   - when src = 2 x dst in both directions OpenCV switches to INTER_AREA's fast
 *     path: dst = (a + b + c + d + 2) >> 2 over each 2 x 2 block.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

#define COEF_SCALE 2048 /* 1 << INTER_RESIZE_COEF_BITS (11) */

typedef struct taps {
    int s;      /* first source index (unclamped for rows) */
    short w0, w1;
} taps;

/* One destination coordinate's source index and fixed-point weights. */
static taps linear_taps(int d, double scale, int src_len, int clamp) {
    float f = (float)((d + 0.5) * scale - 0.5);
    int s = (int)floorf(f);
    f -= (float)s;
    if (clamp) {
        if (s < 0) {
            f = 0.f;
            s = 0;
        }
        if (s >= src_len - 1) {
            f = 0.f;
            s = src_len - 1;
        }
    }
    taps t;
    t.s = s;
    /* saturate_cast<short>(float): cvRound = round half to even */
    t.w0 = (short)lrintf((1.f - f) * (float)COEF_SCALE);
    t.w1 = (short)lrintf(f * (float)COEF_SCALE);
    return t;
}

static int clampi(int v, int lo, int hi) { return v < lo ? lo : v > hi ? hi : v; }

static uint8_t sat_u8(int v) { return (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v); }

/* int16 saturation of the packed (D >> 4) lanes; D >= 0 here, so only the top. */
static int sat_s16(int v) { return v > 32767 ? 32767 : v < -32768 ? -32768 : v; }

static void area2x(const uint8_t *src, int sw, int cn, int x0, int y0, int ww, int wh, uint8_t *dst) {
    size_t stride = (size_t)sw * cn;
    for (int y = 0; y < wh; y++) {
        const uint8_t *r0 = src + (size_t)(2 * (y0 + y)) * stride, *r1 = r0 + stride;
        uint8_t *o = dst + (size_t)y * ww * cn;
        for (int x = 0; x < ww; x++) {
            size_t sx = (size_t)(2 * (x0 + x)) * cn;
            for (int k = 0; k < cn; k++)
                o[x * cn + k] = (uint8_t)((r0[sx + k] + r0[sx + cn + k] + r1[sx + k] + r1[sx + cn + k] + 2) >> 2);
        }
    }
}

typedef struct hcache {
    int row[2];      /* source row held by each slot, -1 = none */
    int32_t *buf[2]; /* ww * cn horizontal sums */
} hcache;

static void hpass(const uint8_t *srow, int cn, int ww, const int *xs, const short *a0, const short *a1,
                  int32_t *out) {
    for (int x = 0; x < ww; x++) {
        const uint8_t *p0 = srow + (size_t)xs[x] * cn;
        const uint8_t *p1 = a1[x] ? p0 + cn : p0; /* a1 == 0 at the clamped right edge */
        for (int k = 0; k < cn; k++) out[x * cn + k] = (int32_t)p0[k] * a0[x] + (int32_t)p1[k] * a1[x];
    }
}

/* Slot holding source row r's horizontal pass; never evicts slot `keep`. */
static int hrow(hcache *c, int r, int keep, const uint8_t *src, int sw, int cn, int ww, const int *xs,
                const short *a0, const short *a1) {
    for (int i = 0; i < 2; i++)
        if (c->row[i] == r) return i;
    int slot = keep == 0 ? 1 : 0;
    hpass(src + (size_t)r * sw * cn, cn, ww, xs, a0, a1, c->buf[slot]);
    c->row[slot] = r;
    return slot;
}

int zoo_resize_linear_u8(const uint8_t *src, int sw, int sh, int cn, int dw, int dh, int x0, int y0,
                         int ww, int wh, uint8_t *dst, zoo_error *err) {
    if (sw < 1 || sh < 1 || dw < 1 || dh < 1 || cn < 1 || cn > 4 || ww < 1 || wh < 1 || x0 < 0 ||
        y0 < 0 || x0 > dw - ww || y0 > dh - wh)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "resize: bad geometry (%dx%d x%d -> %dx%d, window %d,%d %dx%d)", sw, sh, cn,
                             dw, dh, x0, y0, ww, wh);
    if ((int64_t)sw == 2 * (int64_t)dw && (int64_t)sh == 2 * (int64_t)dh) {
        area2x(src, sw, cn, x0, y0, ww, wh, dst);
        return ZOO_OK;
    }
    double scale_x = 1.0 / ((double)dw / sw), scale_y = 1.0 / ((double)dh / sh);
    int *xs = malloc(sizeof(int) * (size_t)ww);
    short *a0 = malloc(sizeof(short) * (size_t)ww), *a1 = malloc(sizeof(short) * (size_t)ww);
    hcache c = {{-1, -1}, {malloc(sizeof(int32_t) * (size_t)ww * cn), malloc(sizeof(int32_t) * (size_t)ww * cn)}};
    int rc = ZOO_OK;
    if (!xs || !a0 || !a1 || !c.buf[0] || !c.buf[1]) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "resize: out of memory");
        goto done;
    }
    for (int x = 0; x < ww; x++) {
        taps t = linear_taps(x0 + x, scale_x, sw, 1);
        xs[x] = t.s;
        a0[x] = t.w0;
        a1[x] = t.w1;
    }
    for (int y = 0; y < wh; y++) {
        taps t = linear_taps(y0 + y, scale_y, sh, 0);
        int r0 = clampi(t.s, 0, sh - 1), r1 = clampi(t.s + 1, 0, sh - 1);
        int s0 = hrow(&c, r0, -1, src, sw, cn, ww, xs, a0, a1);
        int s1 = hrow(&c, r1, s0, src, sw, cn, ww, xs, a0, a1);
        const int32_t *d0 = c.buf[s0], *d1 = c.buf[s1];
        uint8_t *o = dst + (size_t)y * ww * cn;
        int b0 = t.w0, b1 = t.w1;
        for (int i = 0; i < ww * cn; i++) {
            int v0 = (b0 * sat_s16(d0[i] >> 4)) >> 16;
            int v1 = (b1 * sat_s16(d1[i] >> 4)) >> 16;
            o[i] = sat_u8((v0 + v1 + 2) >> 2);
        }
    }
done:
    free(xs);
    free(a0);
    free(a1);
    free(c.buf[0]);
    free(c.buf[1]);
    return rc;
}
