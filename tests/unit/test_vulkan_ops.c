/* tests/unit/test_vulkan_ops.c - every graph op on the Vulkan backend against
 * the CPU reference ("cpu-ref", double accumulation).
 *
 * For every op >= 50 random single-op graphs (odd sizes, 1x1 / 1xN / NxN
 * kernels, groups, depthwise with multipliers, strides 1-3, dilation,
 * asymmetric padding, every pooling variant, broadcast both ways, concat in
 * place and by copy, views) plus fused patterns and DenseNet / DPN-like
 * chains, each at batch 1..3 on a plan prepared for one more image than it
 * runs (so per-batch command buffers and partial batches are exercised), in
 * fp32 and in fp16 storage. All plans share one device context (opened once
 * per group: opening a device costs ~40 ms on lavapipe).
 *
 * Error metric: max |vulkan - ref| / max |ref| over the whole output; a wrong
 * index or a missed element gives errors of order 1. Bounds, per op, are
 * justified next to each test. fp16 bounds follow from storage rounding
 * (unit roundoff u16 = 2^-11 = 4.9e-4): the input and the output are each
 * rounded once (<= 2 u16 = 9.8e-4 relative to max|ref| for any op that
 * computes one fp32 result per element from one or two inputs), weights once
 * more for conv / linear / batchnorm.
 *
 * Skips (exit 0, "skipped: no Vulkan device") only when there is no Vulkan
 * loader or no device at all; CI installs lavapipe, so it runs there.
 * ZOO_TEST_VERBOSE=1 prints every case's error. */
#include "cpu_test_graphs.h"
#include "vulkan/vk_backend.h"
#include "vulkan/vk_device.h"
#include "vulkan_test_pin.h"

#define CASES 50

typedef struct vstate {
    zvk_ctx *ctx;
    bool fp16_ok; /* the device has 16-bit storage */
} vstate;

static int rnd(tg *t, int lo, int hi) { return test_rng_int(&t->rng, lo, hi); }

static void check_err(double err, double bound, const char *op, bool fp16, int cs,
                      const char *desc) {
    if (getenv("ZOO_TEST_VERBOSE"))
        printf("%-14s %s case %3d err %.3g (bound %.3g) %s\n", op, fp16 ? "fp16" : "fp32", cs, err,
               bound, desc);
    if (!(err <= bound))
        fail_msg("%s %s case %d (%s): rel error %.3g > bound %.3g", op, fp16 ? "fp16" : "fp32", cs,
                 desc, err, bound);
}

/* runs the finished graph on the shared device, max_batch = batch + 1 */
static void vk_run(const vstate *vs, tg *t, int batch, bool fp16, const float *x, float *out) {
    zoo_error e = {0};
    zoo_runner_opts o = {.backend = "vulkan", .device = -1, .max_batch = batch + 1, .fp16 = fp16};
    void *plan = zoo_vulkan_prepare_on(vs->ctx, t->g, &o, &e);
    if (!plan) fail_msg("vulkan prepare: %s", e.msg);
    int rc = zoo_backend_vulkan.run(plan, x, batch, out, &e);
    zoo_backend_vulkan.release(plan);
    if (rc) fail_msg("vulkan run: %s", e.msg);
}

/* cpu-ref vs vulkan on `batch` random images in [lo, hi): the normalized error */
static double vk_compare(const vstate *vs, tg *t, int batch, bool fp16, float lo, float hi) {
    float *x = tg_random_input(t, batch, lo, hi);
    size_t n = (size_t)batch * tg_numel(t, t->g->output);
    float *r = malloc(sizeof(float) * n), *v = malloc(sizeof(float) * n);
    assert_non_null(r);
    assert_non_null(v);
    for (size_t i = 0; i < n; i++) v[i] = NAN; /* an element nobody writes stays NaN */
    tg_run(t, &zoo_backend_cpu_ref, 1, batch, batch, x, r);
    vk_run(vs, t, batch, fp16, x, v);
    /* max pooling over a window wholly in the padding is -FLT_MAX (Paddle); fp16
     * storage cannot hold it and rounds it to -inf */
    for (size_t i = 0; fp16 && i < n; i++)
        if (r[i] == -3.40282347e+38f && v[i] == -INFINITY) v[i] = r[i];
    double err = tg_rel_err(v, r, n);
    free(x);
    free(r);
    free(v);
    return err;
}

/* the precisions a test runs in: fp32, and fp16 when the device can store it */
static int n_prec(const vstate *vs) { return vs->fp16_ok ? 2 : 1; }

/* ---- convolution ------------------------------------------------------------ */

static int kernel_size(tg *t) {
    static const int ks[] = {1, 1, 2, 3, 3, 3, 5, 7};
    return ks[rnd(t, 0, 7)];
}

/* One random conv graph: kind 0 = 1x1 stride-1 unpadded (GEMM on the image
 * itself), 1 = general dense (implicit GEMM, incl. 1xN / Nx1), 2 = grouped,
 * 3 = depthwise with multiplier 1..3. `big` makes M, N and K cross the
 * 64 x 64 x 16 tiles several times. The input is sized so the (dilated)
 * kernel fits. */
static zoo_value rand_conv(tg *t, int kind, bool big, char *desc, size_t dn) {
    zoo_conv2d_desc d = {0};
    int groups = 1, cin, cout;
    if (kind == 2) {
        groups = rnd(t, 2, 4);
        cin = groups * rnd(t, 1, big ? 12 : 4);
        cout = groups * rnd(t, 1, big ? 30 : 6);
    } else if (kind == 3) {
        cin = groups = rnd(t, 1, big ? 80 : 12);
        cout = cin * rnd(t, 1, 3);
    } else {
        cin = rnd(t, 1, big ? 40 : 12);
        cout = rnd(t, 1, big ? 150 : 20);
    }
    d.out_channels = cout;
    d.groups = groups;
    if (kind == 0) {
        d.kernel_h = d.kernel_w = 1;
    } else {
        d.kernel_h = kernel_size(t);
        d.kernel_w = kernel_size(t);
        if (kind == 1 && rnd(t, 0, 3) == 0) {
            if (rnd(t, 0, 1)) d.kernel_h = 1, d.kernel_w = rnd(t, 3, 7);
            else d.kernel_w = 1, d.kernel_h = rnd(t, 3, 7);
        }
        d.stride_h = rnd(t, 1, 3);
        d.stride_w = rnd(t, 1, 3);
        d.dilation_h = rnd(t, 0, 3) == 0 ? 2 : 1;
        d.dilation_w = rnd(t, 0, 3) == 0 ? 2 : 1;
        d.pad_top = rnd(t, 0, 3);
        d.pad_bottom = rnd(t, 0, 2);
        d.pad_left = rnd(t, 0, 3);
        d.pad_right = rnd(t, 0, 2);
    }
    int eh = (d.dilation_h ? d.dilation_h : 1) * (d.kernel_h - 1) + 1;
    int ew = (d.dilation_w ? d.dilation_w : 1) * (d.kernel_w - 1) + 1;
    int h = eh + rnd(t, 0, big ? 24 : 12), w = ew + rnd(t, 0, big ? 24 : 13);
    bool bias = rnd(t, 0, 1);
    snprintf(desc, dn, "in %dx%dx%d out %d k %dx%d s %dx%d d %dx%d pad %d,%d,%d,%d g %d bias %d",
             cin, h, w, cout, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.dilation_h,
             d.dilation_w, d.pad_top, d.pad_bottom, d.pad_left, d.pad_right, groups, bias);
    zoo_value x = t->h->input(t->g, NULL, cin, h, w);
    return tg_conv(t, x, &d, bias);
}

/* Conv, 4 kinds x 50 shapes (+ 8 tile-crossing ones). fp32 bound 1e-5: fp32
 * accumulation (fma, K <= 7*7*12 = 588 products of U[-1,1] values) against
 * double; the rounding of a length-K sum grows like sqrt(K) * 2^-24 *
 * max|partial sum| (~1e-6), the worst case K * 2^-24 is never approached by
 * these well-mixed sums. fp16 bound 1e-2: input and weights rounded to fp16
 * (2 u16 per product, errors independent across the K products so the sum's
 * relative error stays ~2 u16 * sqrt(sum (wx)^2) / |sum wx|, a few 1e-3 for
 * these sums), plus the output rounding (u16). */
static void test_conv(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < 4 * CASES + 8; cs++) {
            tg t;
            tg_init(&t, 10000 + cs);
            char desc[200];
            tg_finish(&t, rand_conv(&t, cs % 4, cs >= 4 * CASES, desc, sizeof desc));
            int batch = rnd(&t, 1, 3);
            check_err(vk_compare(vs, &t, batch, p, -1, 1), p ? 1e-2 : 1e-5, "conv2d", p, cs, desc);
            tg_free(&t);
        }
}

/* ---- per-element and per-channel ops ------------------------------------------ */

/* Standalone BN (per-channel affine, s and t folded in double, applied in
 * fp32): a few ulps -> 1e-6. fp16: input, s / t and output rounded: 4 u16 -> 2e-3. */
static void test_batchnorm(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 11000 + cs);
            int c = rnd(&t, 1, 20), h = rnd(&t, 1, 13), w = rnd(&t, 1, 13);
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            tg_finish(&t, tg_bn(&t, x, cs % 2 ? 1e-5f : 1e-3f));
            char desc[96];
            snprintf(desc, sizeof desc, "%dx%dx%d", c, h, w);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -3, 3), p ? 2e-3 : 1e-6, "batchnorm", p,
                      cs, desc);
            tg_free(&t);
        }
}

/* Linear (with a fused activation half of the time): fp32 dot products of
 * length <= 600, bound 1e-5 as for conv; fp16 1e-2 as for conv. */
static void test_linear(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 12000 + cs);
            int c = rnd(&t, 1, 40), h = rnd(&t, 1, 4), w = rnd(&t, 1, 4), out = rnd(&t, 1, 150);
            bool bias = rnd(&t, 0, 1), relu = cs % 2;
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            zoo_value y = tg_linear(&t, x, out, bias);
            if (relu) y = tg_act(&t, y, ZOO_ACT_RELU);
            tg_finish(&t, y);
            char desc[96];
            snprintf(desc, sizeof desc, "%dx%dx%d -> %d bias %d relu %d", c, h, w, out, bias, relu);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1), p ? 1e-2 : 1e-5, "linear", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* Activations, every kind, inputs up to +-100. Piecewise-linear ones are
 * exact; sigmoid / swish use the shader's exp (Vulkan allows 3 + 2|x| ulp:
 * <= 1.2e-5 relative for |x| <= 100, and the result's relative error is at
 * most that of exp) and a division (2.5 ulp) -> 3e-5 of max|ref|. fp16: 2 u16
 * of storage rounding, and an fp16 input of magnitude 100 shifts sigmoid's
 * argument by <= 0.05, which changes the result by <= 0.05 * max slope 0.25
 * relative to outputs that reach ~1 only where the slope is tiny; swish's
 * slope is <= 1.1, so its change is <= 1.1 * u16 * |x| -> bound 3e-3. */
static void test_act(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES + 6; cs++) {
            tg t;
            tg_init(&t, 13000 + cs);
            zoo_act kind = (zoo_act)(1 + cs % (ZOO_ACT__COUNT - 1));
            int c = rnd(&t, 1, 9), h = rnd(&t, 1, 15), w = rnd(&t, 1, 15);
            float range = cs % 3 == 0 ? 1.0f : cs % 3 == 1 ? 8.0f : 100.0f;
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            tg_finish(&t, tg_act(&t, x, kind));
            char desc[96];
            snprintf(desc, sizeof desc, "act %d %dx%dx%d range %g", (int)kind, c, h, w,
                     (double)range);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -range, range), p ? 3e-3 : 3e-5, "act",
                      p, cs, desc);
            tg_free(&t);
        }
}

/* Scale x * s + b: two fp32 roundings -> 1e-6; fp16 2 u16 of storage
 * rounding plus |b| / max|y| -> 2e-3. */
static void test_scale(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 14000 + cs);
            int c = rnd(&t, 1, 9), h = rnd(&t, 1, 12), w = rnd(&t, 1, 12);
            float s = test_rng_uniform(&t.rng, -2, 2), b = test_rng_uniform(&t.rng, -1, 1);
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            tg_finish(&t, t.h->scale(t.g, NULL, x, s, b));
            char desc[96];
            snprintf(desc, sizeof desc, "%dx%dx%d s %g b %g", c, h, w, (double)s, (double)b);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -4, 4), p ? 2e-3 : 1e-6, "scale", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* Pooling, every variant of zoo_pool2d_desc: max / avg, exclusive or not,
 * padding, ceil mode (incl. windows wholly in the padding), global, adaptive,
 * and planes of up to 80x80 for the shared-memory global reduction. Max is
 * exact; avg sums <= 6400 fp32 values (relative error ~sqrt(n) 2^-24 for these
 * sums of U[-2,2], << 1e-5 even in the worst case n 2^-24 = 3.8e-4 of the
 * sum of |x|... bounded here by 5e-6 of max|ref| which is ~n times larger
 * than the mean for global pools) -> 5e-6. fp16: 2 u16 -> 1e-3 (sums of
 * rounded inputs are at most as wrong as the worst input). */
static void test_pool(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES + 10; cs++) {
            tg t;
            tg_init(&t, 15000 + cs);
            int mode = cs % 5;
            zoo_pool2d_desc d = {.kind = rnd(&t, 0, 1) ? ZOO_POOL_AVG : ZOO_POOL_MAX};
            int c = rnd(&t, 1, 8), h = rnd(&t, 1, 17), w = rnd(&t, 1, 17);
            if (mode == 1) d.kind = ZOO_POOL_AVG, d.exclusive = true;
            if (mode == 2) d.kind = ZOO_POOL_AVG, d.exclusive = false;
            if (mode == 3) d.global = true;
            if (mode == 4) {
                d.adaptive_h = rnd(&t, 1, h);
                d.adaptive_w = rnd(&t, 1, w);
            }
            if (mode <= 2) {
                d.kernel_h = rnd(&t, 1, 4);
                d.kernel_w = rnd(&t, 1, 4);
                d.stride_h = rnd(&t, 1, 3);
                d.stride_w = rnd(&t, 1, 3);
                d.pad_top = rnd(&t, 0, d.kernel_h - 1);
                d.pad_bottom = rnd(&t, 0, d.kernel_h - 1);
                d.pad_left = rnd(&t, 0, d.kernel_w - 1);
                d.pad_right = rnd(&t, 0, d.kernel_w - 1);
                d.ceil_mode = rnd(&t, 0, 1);
                if (h + d.pad_top + d.pad_bottom < d.kernel_h) h = d.kernel_h;
                if (w + d.pad_left + d.pad_right < d.kernel_w) w = d.kernel_w;
            }
            if (cs >= CASES) { /* large planes; even cases: a plain window equal to the plane */
                h = w = 20 + 6 * (cs - CASES);
                if (cs % 2 == 0) {
                    memset(&d, 0, sizeof d);
                    d.kind = cs % 4 ? ZOO_POOL_AVG : ZOO_POOL_MAX;
                    d.kernel_h = h;
                    d.kernel_w = w;
                }
            }
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            tg_finish(&t, t.h->pool2d(t.g, NULL, x, &d));
            char desc[200];
            snprintf(desc, sizeof desc,
                     "%s mode %d %dx%dx%d k %dx%d s %dx%d pad %d,%d,%d,%d ceil %d excl %d "
                     "adaptive %dx%d",
                     d.kind == ZOO_POOL_MAX ? "max" : "avg", mode, c, h, w, d.kernel_h, d.kernel_w,
                     d.stride_h, d.stride_w, d.pad_top, d.pad_bottom, d.pad_left, d.pad_right,
                     d.ceil_mode, d.exclusive, d.adaptive_h, d.adaptive_w);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -2, 2), p ? 1e-3 : 5e-6, "pool2d", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* a slice of x along axis [s, e), made a real value (not a view) by a scale when `real` */
static zoo_value part_of(tg *t, zoo_value x, int axis, int s, int e, bool real) {
    zoo_value v = t->h->slice(t->g, NULL, x, axis, s, e);
    return real ? t->h->scale(t->g, NULL, v, 1.5f, -0.25f) : v;
}

/* Concat along every axis: parts placed in place (scaled, real values) or
 * copied (views, repeated inputs, axes 2 and 3). The scale's rounding
 * (1 ulp) -> 1e-6; fp16: 2 u16 -> 1e-3. */
static void test_concat(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES + 4; cs++) {
            tg t;
            tg_init(&t, 16000 + cs);
            int axis = 1 + cs % 3, n = rnd(&t, 2, 4), len[4], total = 0;
            for (int k = 0; k < n; k++) total += len[k] = rnd(&t, 1, 4);
            int dims[3] = {rnd(&t, 1, 6), rnd(&t, 1, 9), rnd(&t, 1, 9)};
            dims[axis - 1] = total;
            zoo_value x = t.h->input(t.g, NULL, dims[0], dims[1], dims[2]);
            zoo_value parts[5];
            int at = 0;
            for (int k = 0; k < n; k++) { /* shuffled, so the output is not the input */
                parts[n - 1 - k] = part_of(&t, x, axis, at, at + len[k], rnd(&t, 0, 2) > 0);
                at += len[k];
            }
            int m = n;
            if (cs >= CASES) parts[m++] = parts[0]; /* the same input twice */
            tg_finish(&t, t.h->concat(t.g, NULL, parts, m, axis));
            char desc[96];
            snprintf(desc, sizeof desc, "axis %d, %d inputs, %dx%dx%d", axis, m, dims[0], dims[1],
                     dims[2]);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1), p ? 1e-3 : 1e-6, "concat", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* Slice: a view along C, a copy along H / W; plain slices are exact in fp32
 * (copies), sliced-then-scaled ones 1e-6; fp16 2 u16 -> 1e-3. */
static void test_slice(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 17000 + cs);
            int axis = 1 + cs % 3;
            int dims[3] = {rnd(&t, 1, 7), rnd(&t, 1, 9), rnd(&t, 1, 9)};
            int len = dims[axis - 1];
            int s = rnd(&t, 0, len - 1), e = rnd(&t, s + 1, len);
            bool then_scale = cs % 2;
            zoo_value x = t.h->input(t.g, NULL, dims[0], dims[1], dims[2]);
            tg_finish(&t, part_of(&t, x, axis, s, e, then_scale));
            char desc[96];
            snprintf(desc, sizeof desc, "axis %d [%d,%d) of %dx%dx%d scale %d", axis, s, e, dims[0],
                     dims[1], dims[2], then_scale);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1),
                      p ? 1e-3 : (then_scale ? 1e-6 : 0.0), "slice", p, cs, desc);
            tg_free(&t);
        }
}

/* x reduced to size 1 along the axes in `mask` (bit 0 = C, 1 = H, 2 = W) by slices */
static zoo_value reduce_to(tg *t, zoo_value x, int mask) {
    for (int a = 0; a < 3; a++)
        if (mask & (1 << a)) {
            zoo_shape s;
            t->h->shape(t->g, x, &s);
            int len = a == 0 ? s.c : a == 1 ? s.h : s.w;
            int at = rnd(t, 0, len - 1);
            x = t->h->slice(t->g, NULL, x, a + 1, at, at + 1);
        }
    return x;
}

/* Add / mul with broadcast of size-1 dims on either side (SE blocks and their
 * mirror included), with a fused activation a third of the time. One fp32
 * operation per element plus the scale's rounding -> 1e-6; fp16: 3 roundings
 * (both inputs, output) -> 2e-3. */
static void test_binary(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < 2 * CASES; cs++) {
            tg t;
            tg_init(&t, 18000 + cs);
            bool mul = cs % 2;
            int c = rnd(&t, 1, 7), h = rnd(&t, 1, 11), w = rnd(&t, 1, 11);
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            int ma = cs % 4 < 2 ? 0 : rnd(&t, 0, 7), mb = rnd(&t, 0, 7);
            if (cs % 8 >= 6) {
                ma = cs % 2 ? 0 : 6;
                mb = cs % 2 ? 6 : 0;
            }
            zoo_value a = reduce_to(&t, x, ma);
            zoo_value b = reduce_to(&t, t.h->scale(t.g, NULL, x, -0.5f, 0.125f), mb);
            zoo_value y = mul ? t.h->mul(t.g, NULL, a, b) : t.h->add(t.g, NULL, a, b);
            if (cs % 3 == 0) y = tg_act(&t, y, ZOO_ACT_RELU);
            tg_finish(&t, y);
            char desc[96];
            snprintf(desc, sizeof desc, "%s %dx%dx%d masks a %d b %d", mul ? "mul" : "add", c, h, w,
                     ma, mb);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1), p ? 2e-3 : 1e-6,
                      mul ? "mul" : "add", p, cs, desc);
            tg_free(&t);
        }
}

/* Channel shuffle: a permutation, exact in fp32; fp16 2 u16 -> 1e-3. */
static void test_shuffle(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 19000 + cs);
            int g = rnd(&t, 1, 4), k = rnd(&t, 1, 5), h = rnd(&t, 1, 9), w = rnd(&t, 1, 9);
            zoo_value x = t.h->input(t.g, NULL, g * k, h, w);
            tg_finish(&t, t.h->channel_shuffle(t.g, NULL, x, g));
            char desc[96];
            snprintf(desc, sizeof desc, "groups %d x %d, %dx%d", g, k, h, w);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1), p ? 1e-3 : 0.0,
                      "channel_shuffle", p, cs, desc);
            tg_free(&t);
        }
}

/* Reshape is an alias (no dispatch): exact in fp32, also when a step reads it;
 * fp16 2 u16 -> 1e-3. */
static void test_reshape(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 20000 + cs);
            int c = rnd(&t, 1, 6), h = rnd(&t, 1, 6), w = rnd(&t, 1, 6);
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            zoo_value v = cs % 2 ? t.h->act(t.g, NULL, x, (zoo_act_desc){ZOO_ACT_RELU, 0, 0}) : x;
            int perm = cs % 3;
            zoo_value r = perm == 0   ? t.h->reshape(t.g, NULL, v, h, w, c)
                          : perm == 1 ? t.h->flatten(t.g, NULL, v)
                                      : t.h->reshape(t.g, NULL, v, w, -1, 1);
            zoo_value out = cs % 4 >= 2 ? tg_act(&t, r, ZOO_ACT_RELU6) : r;
            tg_finish(&t, out);
            char desc[96];
            snprintf(desc, sizeof desc, "%dx%dx%d perm %d", c, h, w, perm);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -8, 8), p ? 1e-3 : 0.0, "reshape", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* Softmax along each axis (1000-class heads included): exp of x - max in
 * [-20, 0] (Vulkan: 3 + 2|x| <= 43 ulp = 5e-6), an fp32 sum of <= 1000 terms
 * and a division (2.5 ulp) -> 1e-5. fp16: inputs up to 10 rounded by
 * <= 10 u16 = 4.9e-3 absolute, so each exp is off by up to 0.5% relative and
 * the normalized output by up to ~1% -> 1.5e-2. */
static void test_softmax(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 21000 + cs);
            int axis = 1 + cs % 3;
            int c = rnd(&t, 1, 12), h = rnd(&t, 1, 7), w = rnd(&t, 1, 7);
            if (cs < 6) c = 1000, h = w = 1;
            zoo_value x = t.h->input(t.g, NULL, c, h, w);
            tg_finish(&t, t.h->softmax(t.g, NULL, x, axis));
            char desc[96];
            snprintf(desc, sizeof desc, "axis %d %dx%dx%d", axis, c, h, w);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -10, 10), p ? 1.5e-2 : 1e-5, "softmax",
                      p, cs, desc);
            tg_free(&t);
        }
}

/* ---- fused patterns, chains, batches ------------------------------------------ */

static zoo_conv2d_desc conv_d(int out, int k, int stride, int groups) {
    zoo_conv2d_desc d = {.out_channels = out, .kernel_h = k, .kernel_w = k, .stride_h = stride,
                         .stride_w = stride, .groups = groups, .pad_top = k / 2,
                         .pad_bottom = k / 2, .pad_left = k / 2, .pad_right = k / 2};
    return d;
}

/* conv -> bn -> act (BN folded in double, activation in the epilogue),
 * conv -> bn -> add(residual) -> relu, depthwise -> bn -> relu6 -> add, and an
 * SE block (global pool -> 1x1 convs -> sigmoid -> mul). Folding changes the
 * rounding of the weights (1 ulp) on top of the conv bound: 2e-5; fp16 as
 * conv, 1.5e-2 (one more rounding of the folded weights and of the residual). */
static void test_fused(void **state) {
    const vstate *vs = *state;
    static const zoo_act acts[] = {ZOO_ACT_RELU, ZOO_ACT_SWISH, ZOO_ACT_RELU6, ZOO_ACT_HARD_SIGMOID,
                                   ZOO_ACT_NONE};
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < CASES; cs++) {
            tg t;
            tg_init(&t, 22000 + cs);
            int c = rnd(&t, 2, 12), h = rnd(&t, 3, 14), w = rnd(&t, 3, 14), pat = cs % 4;
            zoo_value x = t.h->input(t.g, NULL, c, h, w), y;
            zoo_act a = acts[cs % 5];
            if (pat == 0) {
                zoo_conv2d_desc d = conv_d(rnd(&t, 1, 20), 3, rnd(&t, 1, 2), 1);
                y = tg_bn(&t, tg_conv(&t, x, &d, cs % 2), 1e-5f);
                if (a != ZOO_ACT_NONE) y = tg_act(&t, y, a);
            } else if (pat == 1) {
                zoo_conv2d_desc d = conv_d(c, rnd(&t, 0, 1) ? 3 : 1, 1, 1);
                y = tg_bn(&t, tg_conv(&t, x, &d, false), 1e-5f);
                y = t.h->add(t.g, NULL, cs % 2 ? y : x, cs % 2 ? x : y);
                y = tg_act(&t, y, ZOO_ACT_RELU);
            } else if (pat == 2) {
                zoo_conv2d_desc d = conv_d(c, 3, 1, c);
                y = tg_act(&t, tg_bn(&t, tg_conv(&t, x, &d, false), 1e-3f), ZOO_ACT_RELU6);
                y = t.h->add(t.g, NULL, y, x);
            } else {
                zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
                zoo_value s = t.h->pool2d(t.g, NULL, x, &gp);
                zoo_conv2d_desc d1 = conv_d(rnd(&t, 1, 4), 1, 1, 1), d2 = conv_d(c, 1, 1, 1);
                s = tg_act(&t, tg_conv(&t, s, &d1, true), ZOO_ACT_SWISH);
                s = tg_act(&t, tg_conv(&t, s, &d2, true), ZOO_ACT_SIGMOID);
                y = t.h->mul(t.g, NULL, x, s);
            }
            tg_finish(&t, y);
            char desc[96];
            snprintf(desc, sizeof desc, "pattern %d act %d %dx%dx%d", pat, (int)a, c, h, w);
            check_err(vk_compare(vs, &t, rnd(&t, 1, 3), p, -1, 1), p ? 1.5e-2 : 2e-5, "fused", p, cs,
                      desc);
            tg_free(&t);
        }
}

/* A DenseNet-like block (BN-ReLU-conv layers appending to one growing concat,
 * written in place) and a DPN-like dual path (slices of a conv output added to
 * a residual and concatenated with a dense path), batch 3. Deeper chains of
 * fp32 convs: 5e-5; fp16 2e-2 (a few roundings per layer over 4 layers). */
static void test_chains(void **state) {
    const vstate *vs = *state;
    for (int p = 0; p < n_prec(vs); p++)
        for (int cs = 0; cs < 8; cs++) {
            tg t;
            tg_init(&t, 23000 + cs);
            int c0 = rnd(&t, 3, 8), h = rnd(&t, 4, 12), w = rnd(&t, 4, 12), gr = rnd(&t, 2, 6);
            zoo_value x = t.h->input(t.g, NULL, c0, h, w), y;
            if (cs % 2 == 0) {
                zoo_value feat = x;
                for (int l = 0; l < 4; l++) {
                    zoo_shape s;
                    t.h->shape(t.g, feat, &s);
                    zoo_value z = tg_act(&t, tg_bn(&t, feat, 1e-5f), ZOO_ACT_RELU);
                    zoo_conv2d_desc d1 = conv_d(4 * gr, 1, 1, 1), d3 = conv_d(gr, 3, 1, 1);
                    z = tg_act(&t, tg_bn(&t, tg_conv(&t, z, &d1, false), 1e-5f), ZOO_ACT_RELU);
                    z = tg_conv(&t, z, &d3, false);
                    zoo_value parts[2] = {feat, z};
                    feat = t.h->concat(t.g, NULL, parts, 2, 1);
                }
                y = feat;
            } else {
                int r = c0 + 2;
                zoo_conv2d_desc d0 = conv_d(r + gr, 1, 1, 1);
                zoo_value res = tg_conv(&t, x, &d0, false);
                zoo_value a = t.h->slice(t.g, NULL, res, 1, 0, r);
                zoo_value dense = t.h->slice(t.g, NULL, res, 1, r, r + gr);
                for (int l = 0; l < 3; l++) {
                    zoo_value in[2] = {a, dense};
                    zoo_value cat = t.h->concat(t.g, NULL, in, 2, 1);
                    zoo_conv2d_desc d = conv_d(r + gr, 3, 1, 1);
                    zoo_value o = tg_act(&t, tg_bn(&t, tg_conv(&t, cat, &d, false), 1e-5f),
                                         ZOO_ACT_RELU);
                    a = t.h->add(t.g, NULL, a, t.h->slice(t.g, NULL, o, 1, 0, r));
                    zoo_value dd[2] = {dense, t.h->slice(t.g, NULL, o, 1, r, r + gr)};
                    dense = t.h->concat(t.g, NULL, dd, 2, 1);
                }
                zoo_value fin[2] = {a, dense};
                y = t.h->concat(t.g, NULL, fin, 2, 1);
            }
            tg_finish_scaled(&t, y, 0.5f);
            char desc[96];
            snprintf(desc, sizeof desc, "%s %dx%dx%d growth %d", cs % 2 ? "dpn" : "densenet", c0, h,
                     w, gr);
            check_err(vk_compare(vs, &t, 3, p, -1, 1), p ? 2e-2 : 5e-5, "chain", p, cs, desc);
            tg_free(&t);
        }
}

/* One plan, batches 1, 3, 2, 3, 1 (a command buffer per batch size, replayed),
 * each against cpu-ref: bound as for conv + fused, 2e-5. Batch 0 and
 * max_batch + 1 are refused. */
static void test_batches_and_replay(void **state) {
    const vstate *vs = *state;
    tg t;
    tg_init(&t, 24000);
    zoo_value x = t.h->input(t.g, NULL, 5, 9, 11);
    zoo_conv2d_desc d = conv_d(7, 3, 2, 1);
    zoo_value y = tg_act(&t, tg_bn(&t, tg_conv(&t, x, &d, true), 1e-5f), ZOO_ACT_RELU);
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    tg_finish(&t, tg_linear(&t, t.h->pool2d(t.g, NULL, y, &gp), 10, true));
    zoo_error e = {0};
    void *plan = zoo_vulkan_prepare_on(vs->ctx, t.g,
                                       &(zoo_runner_opts){.backend = "vulkan", .max_batch = 3}, &e);
    if (!plan) fail_msg("prepare: %s", e.msg);
    float *in = tg_random_input(&t, 3, -1, 1);
    float r[30], v[30];
    tg_run(&t, &zoo_backend_cpu_ref, 1, 3, 3, in, r);
    const int order[] = {1, 3, 2, 3, 1};
    for (int i = 0; i < 5; i++) {
        for (int k = 0; k < 30; k++) v[k] = NAN;
        if (zoo_backend_vulkan.run(plan, in, order[i], v, &e)) fail_msg("run: %s", e.msg);
        check_err(tg_rel_err(v, r, (size_t)order[i] * 10), 2e-5, "replay", false, i, "batch");
    }
    assert_int_not_equal(zoo_backend_vulkan.run(plan, in, 0, v, &e), 0);
    assert_int_not_equal(zoo_backend_vulkan.run(plan, in, 4, v, &e), 0);
    assert_non_null(strstr(e.msg, "batch 4"));
    zoo_backend_vulkan.release(plan);
    free(in);
    tg_free(&t);
}

/* Tensors larger than the device binds at once are split into image chunks:
 * with ZOO_VK_MAX_RANGE=4096 (bytes) most steps of a conv net at batch 3 runs
 * as several dispatches; the result must not change. Bound as for chains. */
static void test_image_chunks(void **state) {
    (void)state;
    setenv("ZOO_VK_MAX_RANGE", "4096", 1);
    zvk_ctx *c = calloc(1, sizeof *c);
    assert_non_null(c);
    zoo_error e = {0};
    int rc = zvk_ctx_open(c, -1, false, &e);
    unsetenv("ZOO_VK_MAX_RANGE");
    if (rc) fail_msg("%s", e.msg);
    assert_int_equal(c->info.max_storage_range, 4096);
    vstate small = {.ctx = c};
    tg t;
    tg_init(&t, 25000);
    zoo_value x = t.h->input(t.g, NULL, 3, 12, 12); /* 1728 bytes per image: chunks of 2 */
    zoo_conv2d_desc d = conv_d(4, 3, 1, 1);
    zoo_value y = tg_act(&t, tg_conv(&t, x, &d, true), ZOO_ACT_RELU);
    zoo_value parts[2] = {y, x};
    y = t.h->concat(t.g, NULL, parts, 2, 1); /* 7 x 12 x 12 = 4032 bytes: chunks of 1 */
    zoo_pool2d_desc mp = {.kind = ZOO_POOL_MAX, .kernel_h = 2, .kernel_w = 2, .stride_h = 2,
                          .stride_w = 2};
    tg_finish(&t, t.h->pool2d(t.g, NULL, y, &mp));
    check_err(vk_compare(&small, &t, 3, false, -1, 1), 5e-5, "chunks", false, 0, "3 images");
    tg_free(&t);
    /* one image of one tensor over the limit: refused with a clear message */
    tg_init(&t, 25001);
    x = t.h->input(t.g, NULL, 8, 12, 12);
    tg_finish(&t, tg_act(&t, x, ZOO_ACT_RELU));
    void *plan = zoo_vulkan_prepare_on(c, t.g, &(zoo_runner_opts){.max_batch = 1}, &e);
    assert_null(plan);
    assert_non_null(strstr(e.msg, "maxStorageBufferRange"));
    tg_free(&t);
    zvk_ctx_close(c);
    free(c);
}

static int group_setup(void **state) {
    vstate *vs = calloc(1, sizeof *vs);
    vs->ctx = calloc(1, sizeof *vs->ctx);
    zoo_error e = {0};
    if (!vs->ctx || zvk_ctx_open(vs->ctx, -1, true, &e)) {
        fprintf(stderr, "vulkan device: %s\n", e.msg);
        free(vs->ctx);
        free(vs);
        return -1;
    }
    vs->fp16_ok = vs->ctx->fp16;
    printf("vulkan device: %s (%s), fp16 storage %s\n", vs->ctx->info.name,
           zvk_type_name(vs->ctx->info.type), vs->fp16_ok ? "yes" : "no (fp16 cases skipped)");
    *state = vs;
    return 0;
}

static int group_teardown(void **state) {
    vstate *vs = *state;
    if (vs) {
        zvk_ctx_close(vs->ctx);
        free(vs->ctx);
        free(vs);
    }
    return 0;
}

int main(void) {
    vulkan_test_pin_drivers();
    zvk_device_info *list = NULL;
    int n = 0;
    zoo_error e = {0};
    if (zvk_list_devices(&list, &n, &e) || n == 0) {
        printf("skipped: no Vulkan device (%s)\n", e.msg[0] ? e.msg : "none found");
        free(list);
        return 0;
    }
    free(list);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conv),      cmocka_unit_test(test_batchnorm),
        cmocka_unit_test(test_linear),    cmocka_unit_test(test_act),
        cmocka_unit_test(test_scale),     cmocka_unit_test(test_pool),
        cmocka_unit_test(test_concat),    cmocka_unit_test(test_slice),
        cmocka_unit_test(test_binary),    cmocka_unit_test(test_shuffle),
        cmocka_unit_test(test_reshape),   cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_fused),     cmocka_unit_test(test_chains),
        cmocka_unit_test(test_batches_and_replay),
        cmocka_unit_test(test_image_chunks),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
