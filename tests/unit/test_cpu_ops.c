/* tests/unit/test_cpu_ops.c - the CPU backends op by op.
 *
 * 1. The reference backend ("cpu-ref") against small hand-computed cases for
 *    every op, so the oracle is checked independently of itself (the fast
 *    backend must give the same numbers).
 * 2. For every op, >= 50 random single-op graphs (odd sizes, 1x1 / 1xN
 *    kernels, groups, depthwise, strides 1-3, dilation, asymmetric padding,
 *    ceil mode, exclusive / inclusive avg, global, adaptive, broadcast both
 *    ways, batch 1..3, 1..3 threads) run on cpu-ref and cpu and compared.
 * 3. Fused patterns (conv->bn->relu, conv->bn->swish, conv+bias->add->relu,
 *    depthwise->bn->relu6, SE block) and DenseNet / DPN-like concat chains at
 *    batch 3.
 *
 * The whole group runs once per kernel variant the CPU supports (generic,
 * avx2, avx512; TG_RUN_PER_ISA in cpu_test_graphs.h). The FMA variants round
 * each multiply-add once instead of twice, which changes the errors below by
 * well under their bounds (measured maxima: conv 1.1e-6 vs 0.9e-6 generic),
 * so the bounds are the same for all.
 *
 * Error metric: max |cpu - ref| / max |ref| over the whole output. The
 * reference accumulates in double and rounds once; the fast path accumulates
 * in fp32 in a different order (K-blocked GEMM, BN folded into the weights),
 * so each op gets a bound justified next to it. A wrong index or a missed
 * element gives errors of order 1, far above every bound.
 */
#include "cpu_test_graphs.h"

/* ---- helpers -------------------------------------------------------------- */

static float *run_ref(tg *t, const float *in, int batch) {
    float *out = malloc(sizeof(float) * (size_t)batch * tg_numel(t, t->g->output));
    assert_non_null(out);
    tg_run(t, &zoo_backend_cpu_ref, 1, batch, batch, in, out);
    return out;
}

static float *run_fast(tg *t, const float *in, int batch, int threads) {
    float *out = malloc(sizeof(float) * (size_t)batch * tg_numel(t, t->g->output));
    assert_non_null(out);
    tg_run(t, &zoo_backend_cpu, threads, batch, batch, in, out);
    return out;
}

/* checks both backends against expected values (hand-computed) */
static void expect_both(tg *t, const float *in, int batch, const float *want, size_t n,
                        double tol, const char *what) {
    assert_int_equal(n, (size_t)batch * tg_numel(t, t->g->output));
    float *r = run_ref(t, in, batch), *f = run_fast(t, in, batch, 2);
    for (size_t i = 0; i < n; i++) {
        if (fabs((double)r[i] - want[i]) > tol)
            fail_msg("%s: cpu-ref[%zu] = %.7g, expected %.7g", what, i, (double)r[i], (double)want[i]);
        if (fabs((double)f[i] - want[i]) > tol)
            fail_msg("%s: cpu[%zu] = %.7g, expected %.7g", what, i, (double)f[i], (double)want[i]);
    }
    free(r);
    free(f);
}

/* binds explicit parameter values (in declaration order) instead of random ones */
static void finish_with(tg *t, zoo_value out, const float *const *params) {
    zoo_error e = {0};
    if (t->h->output(t->g, out) || zoo_graph_finalize(t->g, &e))
        fail_msg("building: %s", zoo_graph_error(t->g) ? zoo_graph_error(t->g) : e.msg);
    static const float *const none[1] = {NULL};
    if (zoo_graph_bind_arrays(t->g, params ? params : none, &e)) fail_msg("bind: %s", e.msg);
}

static int rnd(tg *t, int lo, int hi) { return test_rng_int(&t->rng, lo, hi); }

static void check_err(double err, double bound, const char *op, int cs, const char *desc) {
    if (getenv("ZOO_TEST_VERBOSE")) printf("%-16s case %3d err %.3g (bound %.3g) %s\n", op, cs, err, bound, desc);
    if (!(err <= bound)) fail_msg("%s case %d (%s): rel error %.3g > bound %.3g", op, cs, desc, err, bound);
}

/* ======================= 1. hand-computed reference cases ================= */

static const float nine[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}; /* a 3x3 plane */

static void test_hand_avg_pool(void **state) {
    (void)state;
    for (int excl = 0; excl <= 1; excl++) {
        tg t;
        tg_init(&t, 1);
        zoo_value x = t.h->input(t.g, NULL, 1, 3, 3);
        zoo_pool2d_desc d = {.kind = ZOO_POOL_AVG, .kernel_h = 3, .kernel_w = 3, .stride_h = 1,
                             .stride_w = 1, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
                             .pad_right = 1, .exclusive = excl};
        finish_with(&t, t.h->pool2d(t.g, NULL, x, &d), NULL);
        /* windows: corner {1,2,4,5} = 12 over 4 valid; edge {1..6} = 21 over 6; centre 45 over 9.
         * Paddle non-exclusive divides by the full kernel area 9 everywhere. */
        const float ex[9] = {12 / 4.f, 21 / 6.f, 16 / 4.f, 27 / 6.f, 5, 33 / 6.f, 24 / 4.f, 39 / 6.f, 28 / 4.f};
        const float in[9] = {12 / 9.f, 21 / 9.f, 16 / 9.f, 27 / 9.f, 5, 33 / 9.f, 24 / 9.f, 39 / 9.f, 28 / 9.f};
        expect_both(&t, nine, 1, excl ? ex : in, 9, 1e-6, excl ? "avg pool exclusive" : "avg pool inclusive");
        tg_free(&t);
    }
}

static void test_hand_max_pool(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 2);
    zoo_value x = t.h->input(t.g, NULL, 1, 3, 3);
    zoo_pool2d_desc d = {.kind = ZOO_POOL_MAX, .kernel_h = 2, .kernel_w = 2, .stride_h = 2,
                         .stride_w = 2, .pad_top = 1, .pad_left = 1};
    finish_with(&t, t.h->pool2d(t.g, NULL, x, &d), NULL);
    /* all negative: padding must not contribute a 0. out 2x2 (floor((3+1-2)/2)+1 = 2);
     * windows rows {-1,0},{1,2} x cols {-1,0},{1,2} */
    const float neg[9] = {-1, -2, -3, -4, -5, -6, -7, -8, -9};
    const float want[4] = {-1, -2, -4, -5};
    expect_both(&t, neg, 1, want, 4, 0.0, "max pool ignores padding");
    tg_free(&t);
}

static void test_hand_ceil_and_adaptive(void **state) {
    (void)state;
    /* ceil mode: 1x5 row, k 2 s 2 -> ceil((5-2)/2)+1 = 3 outputs, the last window holds x[4] only */
    tg t;
    tg_init(&t, 3);
    zoo_value x = t.h->input(t.g, NULL, 1, 1, 5);
    zoo_pool2d_desc d = {.kind = ZOO_POOL_AVG, .kernel_h = 1, .kernel_w = 2, .stride_h = 1,
                         .stride_w = 2, .ceil_mode = true, .exclusive = true};
    finish_with(&t, t.h->pool2d(t.g, NULL, x, &d), NULL);
    const float row[5] = {1, 3, 5, 7, 11};
    const float want[3] = {2, 6, 11};
    expect_both(&t, row, 1, want, 3, 1e-6, "ceil-mode avg pool");
    tg_free(&t);
    /* Paddle 3.3.1 (paddle.nn.functional.max_pool2d / avg_pool2d, ceil_mode=True,
     * padding [0, 0, 0, 1]) on the row -1 .. -5:
     *   k 2 s 3: windows [0,2) [3,5) [6,8): the last lies wholly in the padding
     *            -> max -FLT_MAX, avg 0 / (min(8, 5 + 0) - 6) = -0 (either mode);
     *   k 2 s 2: windows [0,2) [2,4) [4,6): inclusive avg divides the last by
     *            min(6, 5 + 0) - 4 = 1, not by k = 2 -> -5. */
    const float neg5[5] = {-1, -2, -3, -4, -5};
    for (int s2 = 0; s2 <= 1; s2++)
        for (int kind = 0; kind < 3; kind++) {
            tg_init(&t, 30 + s2 * 3 + kind);
            x = t.h->input(t.g, NULL, 1, 1, 5);
            zoo_pool2d_desc cd = {.kind = kind ? ZOO_POOL_AVG : ZOO_POOL_MAX, .kernel_h = 1,
                                  .kernel_w = 2, .stride_h = 1, .stride_w = s2 ? 2 : 3,
                                  .pad_right = 1, .ceil_mode = true, .exclusive = kind == 1};
            finish_with(&t, t.h->pool2d(t.g, NULL, x, &cd), NULL);
            static const float w3[3][3] = {{-1, -4, -3.40282347e+38f}, {-1.5f, -4.5f, -0.0f},
                                           {-1.5f, -4.5f, -0.0f}};
            static const float w2[3][3] = {{-1, -3, -5}, {-1.5f, -3.5f, -5}, {-1.5f, -3.5f, -5}};
            expect_both(&t, neg5, 1, s2 ? w2[kind] : w3[kind], 3, 1e-6,
                        "ceil-mode pool past the padded input (Paddle)");
            tg_free(&t);
        }
    /* adaptive 5 -> 3: bins [floor(i*5/3), ceil((i+1)*5/3)) = [0,2) [1,4) [3,5) */
    tg_init(&t, 4);
    x = t.h->input(t.g, NULL, 1, 1, 5);
    zoo_pool2d_desc a = {.kind = ZOO_POOL_AVG, .adaptive_h = 1, .adaptive_w = 3};
    finish_with(&t, t.h->pool2d(t.g, NULL, x, &a), NULL);
    const float want2[3] = {2, 5, 9};
    expect_both(&t, row, 1, want2, 3, 1e-6, "adaptive avg pool");
    tg_free(&t);
    tg_init(&t, 5);
    x = t.h->input(t.g, NULL, 1, 1, 5);
    a.kind = ZOO_POOL_MAX;
    finish_with(&t, t.h->pool2d(t.g, NULL, x, &a), NULL);
    const float want3[3] = {3, 7, 11};
    expect_both(&t, row, 1, want3, 3, 0.0, "adaptive max pool");
    tg_free(&t);
}

static void test_hand_conv(void **state) {
    (void)state;
    /* 3x3 all-ones kernel, pad 1, bias 0.5: neighbourhood sums of 1..9 */
    tg t;
    tg_init(&t, 6);
    zoo_value x = t.h->input(t.g, NULL, 1, 3, 3);
    zoo_conv2d_desc d = {.out_channels = 1, .kernel_h = 3, .kernel_w = 3, .pad_top = 1,
                         .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    zoo_value y = t.h->conv2d(t.g, NULL, x, &d, "w", "b");
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, half[1] = {0.5f};
    const float *p1[2] = {ones, half};
    finish_with(&t, y, p1);
    const float want[9] = {12.5f, 21.5f, 16.5f, 27.5f, 45.5f, 33.5f, 24.5f, 39.5f, 28.5f};
    expect_both(&t, nine, 1, want, 9, 1e-5, "3x3 conv with padding");
    tg_free(&t);

    /* grouped: 4 input channels, 2 groups, 2 outputs, 1x1:
     * out0 = 1*x0 + 2*x1, out1 = 3*x2 + 4*x3 (each group sees only its own inputs) */
    tg_init(&t, 7);
    x = t.h->input(t.g, NULL, 4, 1, 2);
    zoo_conv2d_desc gd = {.out_channels = 2, .kernel_h = 1, .kernel_w = 1, .groups = 2};
    y = t.h->conv2d(t.g, NULL, x, &gd, "w", NULL);
    const float gw[4] = {1, 2, 3, 4};
    const float *p2[1] = {gw};
    finish_with(&t, y, p2);
    const float gin[8] = {1, 10, 2, 20, 3, 30, 4, 40}; /* channel c = {c+1, 10(c+1)} */
    const float gwant[4] = {1 + 4, 10 + 40, 9 + 16, 90 + 160};
    expect_both(&t, gin, 1, gwant, 4, 1e-5, "grouped 1x1 conv");
    tg_free(&t);

    /* stride 2, dilation 2, 1x2 kernel [1, 10] on 0..6: out[j] = x[2j] + 10 x[2j+2], width (7-3)/2+1 = 3 */
    tg_init(&t, 8);
    x = t.h->input(t.g, NULL, 1, 1, 7);
    zoo_conv2d_desc sd = {.out_channels = 1, .kernel_h = 1, .kernel_w = 2, .stride_w = 2,
                          .dilation_w = 2};
    y = t.h->conv2d(t.g, NULL, x, &sd, "w", NULL);
    const float sw[2] = {1, 10};
    const float *p3[1] = {sw};
    finish_with(&t, y, p3);
    const float srow[7] = {0, 1, 2, 3, 4, 5, 6}, swant[3] = {20, 42, 64};
    expect_both(&t, srow, 1, swant, 3, 1e-5, "strided dilated conv");
    tg_free(&t);

    /* asymmetric padding (left 1, right 0), kernel [1, 1] on [1, 2, 3]: [0+1, 1+2, 2+3] */
    tg_init(&t, 9);
    x = t.h->input(t.g, NULL, 1, 1, 3);
    zoo_conv2d_desc ad = {.out_channels = 1, .kernel_h = 1, .kernel_w = 2, .pad_left = 1};
    y = t.h->conv2d(t.g, NULL, x, &ad, "w", NULL);
    const float aw[2] = {1, 1};
    const float *p4[1] = {aw};
    finish_with(&t, y, p4);
    const float arow[3] = {1, 2, 3}, awant[3] = {1, 3, 5};
    expect_both(&t, arow, 1, awant, 3, 1e-6, "asymmetric padding");
    tg_free(&t);

    /* depthwise 3x3 (groups = C = 2), per-channel kernels: centre tap 2 / all ones */
    tg_init(&t, 10);
    x = t.h->input(t.g, NULL, 2, 3, 3);
    zoo_conv2d_desc dd = {.out_channels = 2, .kernel_h = 3, .kernel_w = 3, .groups = 2,
                          .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    y = t.h->conv2d(t.g, NULL, x, &dd, "w", NULL);
    const float dw[18] = {0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    const float *p5[1] = {dw};
    finish_with(&t, y, p5);
    float din[18], dwant[18];
    const float sums[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    for (int i = 0; i < 9; i++) {
        din[i] = din[9 + i] = nine[i];
        dwant[i] = 2 * nine[i];
        dwant[9 + i] = sums[i];
    }
    expect_both(&t, din, 1, dwant, 18, 1e-5, "depthwise conv");
    tg_free(&t);
}

static void test_hand_bn_linear_act(void **state) {
    (void)state;
    /* BN: (2 - 1) / sqrt(3 + 1) * 4 + 1 = 3 */
    tg t;
    tg_init(&t, 11);
    zoo_value x = t.h->input(t.g, NULL, 1, 1, 1);
    zoo_value y = t.h->batchnorm(t.g, NULL, x, 1.0f, "s", "b", "m", "v");
    const float s[1] = {4}, b[1] = {1}, m[1] = {1}, v[1] = {3};
    const float *pb[4] = {s, b, m, v};
    finish_with(&t, y, pb);
    const float two[1] = {2}, three[1] = {3};
    expect_both(&t, two, 1, three, 1, 1e-6, "batchnorm");
    tg_free(&t);

    /* linear: x = [1 2 3], W [3 x 2] = [[1 2] [3 4] [5 6]], b = [1 -1] -> [23 27]; batch 2 */
    tg_init(&t, 12);
    x = t.h->input(t.g, NULL, 3, 1, 1);
    y = t.h->linear(t.g, NULL, x, 2, "w", "b");
    const float lw[6] = {1, 2, 3, 4, 5, 6}, lb[2] = {1, -1};
    const float *pl[2] = {lw, lb};
    finish_with(&t, y, pl);
    const float lin[6] = {1, 2, 3, 0, 1, 0}, lwant[4] = {23, 27, 4, 3};
    expect_both(&t, lin, 2, lwant, 4, 1e-5, "linear");
    tg_free(&t);

    /* activations at chosen points */
    const float pts[6] = {-3, -0.5f, 0, 1, 3, 7};
    struct {
        zoo_act kind;
        float want[6];
    } cases[] = {
        {ZOO_ACT_RELU, {0, 0, 0, 1, 3, 7}},
        {ZOO_ACT_RELU6, {0, 0, 0, 1, 3, 6}},
        {ZOO_ACT_SIGMOID, {0.04742587f, 0.37754067f, 0.5f, 0.73105858f, 0.95257413f, 0.99908895f}},
        {ZOO_ACT_SWISH, {-0.14227762f, -0.18877033f, 0, 0.73105858f, 2.85772238f, 6.99362266f}},
        {ZOO_ACT_HARD_SIGMOID, {0, 0.4f, 0.5f, 0.7f, 1, 1}}, /* clip(0.2 x + 0.5, 0, 1) */
        {ZOO_ACT_CLIP, {-0.5f, -0.5f, 0, 0.75f, 0.75f, 0.75f}}, /* clip(x, -0.5, 0.75) */
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tg_init(&t, 13);
        x = t.h->input(t.g, NULL, 1, 1, 6);
        finish_with(&t, tg_act(&t, x, cases[k].kind), NULL);
        char what[64];
        snprintf(what, sizeof what, "activation %d", (int)cases[k].kind);
        expect_both(&t, pts, 1, cases[k].want, 6, 2e-6, what);
        tg_free(&t);
    }
}

static void test_hand_tensor_ops(void **state) {
    (void)state;
    tg t;
    /* concat along H of x[:, 0:1, :] scaled by 2 and x itself: [2*row0; row0; row1] */
    tg_init(&t, 14);
    zoo_value x = t.h->input(t.g, NULL, 1, 2, 2);
    zoo_value top = t.h->scale(t.g, NULL, t.h->slice(t.g, NULL, x, 2, 0, 1), 2.0f, 0.0f);
    zoo_value parts[2] = {top, x};
    finish_with(&t, t.h->concat(t.g, NULL, parts, 2, 2), NULL);
    const float in4[4] = {1, 2, 3, 4}, cwant[6] = {2, 4, 1, 2, 3, 4};
    expect_both(&t, in4, 1, cwant, 6, 0.0, "concat axis 2");
    tg_free(&t);

    /* slice along W [1, 3) of a 1x2x4 */
    tg_init(&t, 15);
    x = t.h->input(t.g, NULL, 1, 2, 4);
    finish_with(&t, t.h->slice(t.g, NULL, x, 3, 1, 3), NULL);
    const float in8[8] = {0, 1, 2, 3, 4, 5, 6, 7}, swant[4] = {1, 2, 5, 6};
    expect_both(&t, in8, 1, swant, 4, 0.0, "slice axis 3");
    tg_free(&t);

    /* broadcast add [2,1,1] (channel 0 of... via slices) + [1,1,2]:
     * a = x[:, :, 0:1] slice H,W -> [2,1,1] = {x[0][0][0], x[1][0][0]}; b = x[0:1, 0:1, :] -> [1,1,2] */
    tg_init(&t, 16);
    x = t.h->input(t.g, NULL, 2, 2, 2);
    zoo_value a = t.h->slice(t.g, NULL, t.h->slice(t.g, NULL, x, 2, 0, 1), 3, 0, 1);
    zoo_value b = t.h->slice(t.g, NULL, t.h->slice(t.g, NULL, x, 1, 0, 1), 2, 1, 2);
    finish_with(&t, t.h->add(t.g, NULL, a, b), NULL);
    /* x = c*4 + h*2 + w + 1: a = {1, 5}; b = x[0][1][:] = {3, 4}; out[c][0][w] = a[c] + b[w] */
    const float bx[8] = {1, 2, 3, 4, 5, 6, 7, 8}, bwant[4] = {4, 5, 8, 9};
    expect_both(&t, bx, 1, bwant, 4, 0.0, "broadcast add");
    tg_free(&t);

    /* mul with the broadcast operand first: [1,1,1] * [2,2,2] */
    tg_init(&t, 17);
    x = t.h->input(t.g, NULL, 2, 2, 2);
    zoo_value s1 = t.h->slice(t.g, NULL, t.h->slice(t.g, NULL, t.h->slice(t.g, NULL, x, 1, 1, 2), 2, 1, 2), 3, 0, 1);
    finish_with(&t, t.h->mul(t.g, NULL, s1, x), NULL); /* s1 = x[1][1][0] = 7 */
    float mwant[8];
    for (int i = 0; i < 8; i++) mwant[i] = 7 * bx[i];
    expect_both(&t, bx, 1, mwant, 8, 0.0, "broadcast mul (left operand)");
    tg_free(&t);

    /* channel shuffle, 6 channels, 2 groups: out[j*2 + i] = in[i*3 + j] -> order 0 3 1 4 2 5 */
    tg_init(&t, 18);
    x = t.h->input(t.g, NULL, 6, 1, 1);
    finish_with(&t, t.h->channel_shuffle(t.g, NULL, x, 2), NULL);
    const float c6[6] = {0, 1, 2, 3, 4, 5}, shwant[6] = {0, 3, 1, 4, 2, 5};
    expect_both(&t, c6, 1, shwant, 6, 0.0, "channel shuffle");
    tg_free(&t);

    /* scale 2x + 1; reshape [6,1,1] -> [2,3,1] keeps the data */
    tg_init(&t, 19);
    x = t.h->input(t.g, NULL, 6, 1, 1);
    finish_with(&t, t.h->reshape(t.g, NULL, t.h->scale(t.g, NULL, x, 2.0f, 1.0f), 2, 3, 1), NULL);
    const float scwant[6] = {1, 3, 5, 7, 9, 11};
    expect_both(&t, c6, 1, scwant, 6, 0.0, "scale + reshape");
    tg_free(&t);

    /* softmax over channels of [1, 2, 3]: e^k / (e + e^2 + e^3) */
    tg_init(&t, 20);
    x = t.h->input(t.g, NULL, 3, 1, 1);
    finish_with(&t, t.h->softmax(t.g, NULL, x, 1), NULL);
    const float sm[3] = {1, 2, 3}, smwant[3] = {0.09003057f, 0.24472847f, 0.66524096f};
    expect_both(&t, sm, 1, smwant, 3, 1e-6, "softmax");
    tg_free(&t);
}

/* ======================= 2. random single-op graphs ======================= */

#define CASES 56

static int kernel_size(tg *t) {
    static const int ks[] = {1, 1, 2, 3, 3, 3, 5};
    return ks[rnd(t, 0, 6)];
}

/* Conv (GEMM path and depthwise kernel). Bound 1e-5: fp32 accumulation of
 * K <= ~400 products of U[-1,1] values; the rounding error of a length-K sum
 * grows like sqrt(K) * 2^-24 * max|partial sum| (~1e-6 here), while the
 * worst case K * 2^-24 * sum|w x| / max|y| is never approached by these
 * well-mixed sums; an indexing error is O(1). */
static void test_rand_conv(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES + 8; cs++) {
        tg t;
        tg_init(&t, 100 + cs);
        int kind = cs % 4; /* 0 dense, 1 grouped, 2 depthwise, 3 dense 1xN / Nx1 */
        int groups = kind == 1 ? rnd(&t, 2, 4) : 1;
        int cin_g = kind == 2 ? 1 : rnd(&t, 1, 6), cin, cout;
        if (kind == 2) {
            groups = rnd(&t, 1, 12);
            cin = groups;
            cout = groups * rnd(&t, 1, 2); /* channel multiplier 1 or 2 */
        } else {
            cin = cin_g * groups;
            cout = groups * rnd(&t, 1, 9);
        }
        zoo_conv2d_desc d = {.out_channels = cout, .groups = groups};
        d.kernel_h = kernel_size(&t);
        d.kernel_w = kernel_size(&t);
        if (kind == 3) {
            if (rnd(&t, 0, 1)) d.kernel_h = 1, d.kernel_w = rnd(&t, 3, 7);
            else d.kernel_w = 1, d.kernel_h = rnd(&t, 3, 7);
        }
        d.stride_h = rnd(&t, 1, 3);
        d.stride_w = rnd(&t, 1, 3);
        d.dilation_h = rnd(&t, 0, 3) == 0 ? 2 : 1;
        d.dilation_w = rnd(&t, 0, 3) == 0 ? 2 : 1;
        d.pad_top = rnd(&t, 0, 2);
        d.pad_bottom = rnd(&t, 0, 2);
        d.pad_left = rnd(&t, 0, 2);
        d.pad_right = rnd(&t, 0, 2);
        int eh = d.dilation_h * (d.kernel_h - 1) + 1, ew = d.dilation_w * (d.kernel_w - 1) + 1;
        int h = eh + rnd(&t, 0, 14), w = ew + rnd(&t, 0, 17);
        if (cs % 8 == 2) { /* depthwise, wide rows (>= 2 vectors of outputs), stride 1 or 2 */
            d.stride_h = d.stride_w = 1 + (cs / 8) % 2;
            w = ew + d.stride_w * rnd(&t, 33, 60);
        }
        /* the last 8 cases cross the GEMM blocking: K > 256 and / or N > 512 columns */
        if (cs >= CASES) {
            groups = 1;
            d.groups = 1;
            cin = 30 + rnd(&t, 0, 20);
            cout = 7 + rnd(&t, 0, 40);
            d.out_channels = cout;
            d.kernel_h = d.kernel_w = cs % 2 ? 3 : 1;
            d.stride_h = d.stride_w = 1;
            d.dilation_h = d.dilation_w = 1;
            d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = d.kernel_h / 2;
            if (cs % 2 == 0) cin = 260 + rnd(&t, 0, 60);
            h = 23 + rnd(&t, 0, 6);
            w = 24 + rnd(&t, 0, 6);
            if (cs == CASES + 6) h = w = 5, cout = 100; /* few columns, many rows: rows split */
        }
        bool bias = rnd(&t, 0, 1);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        if (cs == CASES + 6) batch = 1, threads = 2;
        zoo_value x = t.h->input(t.g, NULL, cin, h, w);
        tg_finish(&t, tg_conv(&t, x, &d, bias));
        char desc[200];
        snprintf(desc, sizeof desc,
                 "in %dx%dx%d out %d k %dx%d s %dx%d d %dx%d pad %d,%d,%d,%d g %d bias %d batch %d threads %d",
                 cin, h, w, cout, d.kernel_h, d.kernel_w, d.stride_h, d.stride_w, d.dilation_h,
                 d.dilation_w, d.pad_top, d.pad_bottom, d.pad_left, d.pad_right, groups, bias,
                 batch, threads);
        check_err(tg_compare(&t, batch, threads, -1, 1), 1e-5, "conv2d", cs, desc);
        tg_free(&t);
    }
}

/* Standalone BN: y = x * s + t in fp32 (s, t from double) vs the double
 * formula rounded once: a few ulps of the largest value -> bound 1e-6. */
static void test_rand_batchnorm(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 200 + cs);
        int c = rnd(&t, 1, 20), h = rnd(&t, 1, 13), w = rnd(&t, 1, 13);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, tg_bn(&t, x, cs % 2 ? 1e-5f : 1e-3f));
        char desc[96];
        snprintf(desc, sizeof desc, "%dx%dx%d batch %d", c, h, w, batch);
        check_err(tg_compare(&t, batch, threads, -3, 3), 1e-6, "batchnorm", cs, desc);
        tg_free(&t);
    }
}

/* Linear: fp32 dot products of length C*H*W <= ~500 (see the conv bound) -> 1e-5.
 * Batch up to 9 in the first cases (the kernel takes images 4 at a time). */
static void test_rand_linear(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 300 + cs);
        int c = rnd(&t, 1, 40), h = rnd(&t, 1, 4), w = rnd(&t, 1, 3), out = rnd(&t, 1, 70);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        if (cs < 8) batch = rnd(&t, 4, 9); /* images in groups of 4, and a short group */
        bool bias = rnd(&t, 0, 1);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, tg_linear(&t, x, out, bias));
        char desc[96];
        snprintf(desc, sizeof desc, "%dx%dx%d -> %d bias %d batch %d", c, h, w, out, bias, batch);
        check_err(tg_compare(&t, batch, threads, -1, 1), 1e-5, "linear", cs, desc);
        tg_free(&t);
    }
}

/* Activations: piecewise-linear ones are exact; sigmoid / swish use the
 * vectorized expf (~2 ulp) and one division -> bound 2e-6 relative to the
 * largest output. Inputs up to +-100 exercise the exp clamping. */
static void test_rand_act(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 400 + cs);
        zoo_act kind = (zoo_act)(1 + cs % (ZOO_ACT__COUNT - 1));
        int c = rnd(&t, 1, 9), h = rnd(&t, 1, 15), w = rnd(&t, 1, 15);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        float range = cs % 3 == 0 ? 1.0f : cs % 3 == 1 ? 8.0f : 100.0f;
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, tg_act(&t, x, kind));
        char desc[96];
        snprintf(desc, sizeof desc, "act %d %dx%dx%d range %g", (int)kind, c, h, w, (double)range);
        check_err(tg_compare(&t, batch, threads, -range, range), 2e-6, "act", cs, desc);
        tg_free(&t);
    }
}

/* Pooling: max is exact; avg sums at most a few hundred fp32 values
 * (sqrt(n) * 2^-24 relative) and divides once -> bound 2e-6. The last 16
 * cases are windowed pools on wide rows (20..70 columns), so the vector
 * path (VL = 4, 8, 16 outputs of a row at a time, strides 1 and 2) runs
 * next to the per-output border code in every kernel variant. */
static void test_rand_pool(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES + 4 + 16; cs++) {
        tg t;
        tg_init(&t, 500 + cs);
        int mode = cs < CASES + 4 ? cs % 5 : cs % 3;
        zoo_pool2d_desc d = {.kind = rnd(&t, 0, 1) ? ZOO_POOL_AVG : ZOO_POOL_MAX};
        int c = rnd(&t, 1, 8), h = rnd(&t, 1, 17), w = rnd(&t, 1, 17);
        if (cs >= CASES + 4) h = rnd(&t, 3, 12), w = rnd(&t, 20, 70);
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
        if (cs >= CASES && cs < CASES + 4) h = w = 30 + cs; /* large global / adaptive sums */
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, t.h->pool2d(t.g, NULL, x, &d));
        char desc[200];
        snprintf(desc, sizeof desc,
                 "%s mode %d %dx%dx%d k %dx%d s %dx%d pad %d,%d,%d,%d ceil %d excl %d adaptive %dx%d",
                 d.kind == ZOO_POOL_MAX ? "max" : "avg", mode, c, h, w, d.kernel_h, d.kernel_w,
                 d.stride_h, d.stride_w, d.pad_top, d.pad_bottom, d.pad_left, d.pad_right,
                 d.ceil_mode, d.exclusive, d.adaptive_h, d.adaptive_w);
        check_err(tg_compare(&t, batch, threads, -2, 2), 2e-6, "pool2d", cs, desc);
        tg_free(&t);
    }
}

/* a slice of x along axis [s, e), made a real value (not a view) by a scale when `real` */
static zoo_value part_of(tg *t, zoo_value x, int axis, int s, int e, bool real) {
    zoo_value v = t->h->slice(t->g, NULL, x, axis, s, e);
    return real ? t->h->scale(t->g, NULL, v, 1.5f, -0.25f) : v;
}

/* Concat: copies, or in-place placement of the scaled parts; the scale is
 * computed in fp32 by the fast path vs double-rounded-once by the reference
 * (1 ulp) -> bound 1e-6. */
static void test_rand_concat(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 600 + cs);
        int axis = 1 + cs % 3, n = rnd(&t, 2, 4), len[4], total = 0;
        for (int k = 0; k < n; k++) total += len[k] = rnd(&t, 1, 4);
        int dims[3] = {rnd(&t, 1, 6), rnd(&t, 1, 9), rnd(&t, 1, 9)};
        dims[axis - 1] = total;
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, dims[0], dims[1], dims[2]);
        zoo_value parts[4];
        /* parts in a shuffled order so the output is not simply the input */
        int at = 0;
        for (int k = 0; k < n; k++) {
            parts[n - 1 - k] = part_of(&t, x, axis, at, at + len[k], rnd(&t, 0, 2) > 0);
            at += len[k];
        }
        tg_finish(&t, t.h->concat(t.g, NULL, parts, n, axis));
        char desc[96];
        snprintf(desc, sizeof desc, "axis %d, %d inputs, %dx%dx%d batch %d", axis, n, dims[0],
                 dims[1], dims[2], batch);
        check_err(tg_compare(&t, batch, threads, -1, 1), 1e-6, "concat", cs, desc);
        tg_free(&t);
    }
}

/* Slice (a view along C, a copy along H / W), then a scale so a step reads
 * the view: bound 1e-6 (the scale's rounding, as for concat). Plain slices
 * (graph output = the slice) must be exact. */
static void test_rand_slice(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 700 + cs);
        int axis = 1 + cs % 3;
        int dims[3] = {rnd(&t, 1, 7), rnd(&t, 1, 9), rnd(&t, 1, 9)};
        int len = dims[axis - 1];
        int s = rnd(&t, 0, len - 1), e = rnd(&t, s + 1, len);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        bool then_scale = cs % 2;
        zoo_value x = t.h->input(t.g, NULL, dims[0], dims[1], dims[2]);
        tg_finish(&t, part_of(&t, x, axis, s, e, then_scale));
        char desc[96];
        snprintf(desc, sizeof desc, "axis %d [%d,%d) of %dx%dx%d scale %d", axis, s, e, dims[0],
                 dims[1], dims[2], then_scale);
        check_err(tg_compare(&t, batch, threads, -1, 1), then_scale ? 1e-6 : 0.0, "slice", cs, desc);
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

/* Add / mul with numpy broadcast of size-1 dims on either side. One fp32
 * operation per element in both backends; the scaled operand adds the scale's
 * rounding (1 ulp) -> bound 1e-6. */
static void test_rand_binary(void **state) {
    (void)state;
    for (int cs = 0; cs < 2 * CASES; cs++) {
        tg t;
        tg_init(&t, 800 + cs);
        bool mul = cs % 2;
        int c = rnd(&t, 1, 7), h = rnd(&t, 1, 11), w = rnd(&t, 1, 11);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        int ma = cs % 4 < 2 ? 0 : rnd(&t, 0, 7), mb = rnd(&t, 0, 7);
        if (cs % 8 >= 6) { /* the classic cases: SE [C,1,1] and its mirror */
            ma = cs % 2 ? 0 : 6;
            mb = cs % 2 ? 6 : 0;
        }
        zoo_value a = reduce_to(&t, x, ma);
        zoo_value b = reduce_to(&t, t.h->scale(t.g, NULL, x, -0.5f, 0.125f), mb);
        zoo_value y = mul ? t.h->mul(t.g, NULL, a, b) : t.h->add(t.g, NULL, a, b);
        tg_finish(&t, y);
        char desc[96];
        snprintf(desc, sizeof desc, "%s %dx%dx%d masks a %d b %d batch %d", mul ? "mul" : "add",
                 c, h, w, ma, mb, batch);
        check_err(tg_compare(&t, batch, threads, -1, 1), 1e-6, mul ? "mul" : "add", cs, desc);
        tg_free(&t);
    }
}

/* Channel shuffle: a permutation of planes, exact. */
static void test_rand_shuffle(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 900 + cs);
        int g = rnd(&t, 1, 4), k = rnd(&t, 1, 5), h = rnd(&t, 1, 9), w = rnd(&t, 1, 9);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, g * k, h, w);
        tg_finish(&t, t.h->channel_shuffle(t.g, NULL, x, g));
        char desc[96];
        snprintf(desc, sizeof desc, "groups %d x %d, %dx%d", g, k, h, w);
        check_err(tg_compare(&t, batch, threads, -1, 1), 0.0, "channel_shuffle", cs, desc);
        tg_free(&t);
    }
}

/* Scale: x * s + b in fp32 vs double rounded once -> 1 ulp, bound 1e-6. */
static void test_rand_scale(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 1000 + cs);
        int c = rnd(&t, 1, 9), h = rnd(&t, 1, 12), w = rnd(&t, 1, 12);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        float s = test_rng_uniform(&t.rng, -2, 2), b = test_rng_uniform(&t.rng, -1, 1);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, t.h->scale(t.g, NULL, x, s, b));
        char desc[96];
        snprintf(desc, sizeof desc, "%dx%dx%d s %g b %g", c, h, w, (double)s, (double)b);
        check_err(tg_compare(&t, batch, threads, -4, 4), 1e-6, "scale", cs, desc);
        tg_free(&t);
    }
}

/* Reshape is a view in the fast path: exact, also when a step reads it. */
static void test_rand_reshape(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 1100 + cs);
        int c = rnd(&t, 1, 6), h = rnd(&t, 1, 6), w = rnd(&t, 1, 6);
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        zoo_value v = cs % 2 ? t.h->act(t.g, NULL, x, (zoo_act_desc){ZOO_ACT_RELU, 0, 0}) : x;
        int perm = cs % 3; /* [h, w, c], [c*h*w, 1, 1] (flatten), [w, -1, 1] */
        zoo_value r = perm == 0   ? t.h->reshape(t.g, NULL, v, h, w, c)
                      : perm == 1 ? t.h->flatten(t.g, NULL, v)
                                  : t.h->reshape(t.g, NULL, v, w, -1, 1);
        zoo_value out = cs % 4 >= 2 ? tg_act(&t, r, ZOO_ACT_RELU6) : r;
        tg_finish(&t, out);
        char desc[96];
        snprintf(desc, sizeof desc, "%dx%dx%d perm %d", c, h, w, perm);
        check_err(tg_compare(&t, batch, threads, -8, 8), 0.0, "reshape", cs, desc);
        tg_free(&t);
    }
}

/* Softmax: expf per element (libm, < 1 ulp) and an fp32 normalization vs
 * double -> bound 2e-6 relative to the largest probability. */
static void test_rand_softmax(void **state) {
    (void)state;
    for (int cs = 0; cs < CASES; cs++) {
        tg t;
        tg_init(&t, 1200 + cs);
        int axis = 1 + cs % 3;
        int c = rnd(&t, 1, 12), h = rnd(&t, 1, 7), w = rnd(&t, 1, 7);
        if (cs < 6) c = 1000, h = w = 1; /* classifier head */
        int batch = rnd(&t, 1, 3), threads = rnd(&t, 1, 3);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        tg_finish(&t, t.h->softmax(t.g, NULL, x, axis));
        char desc[96];
        snprintf(desc, sizeof desc, "axis %d %dx%dx%d", axis, c, h, w);
        check_err(tg_compare(&t, batch, threads, -10, 10), 2e-6, "softmax", cs, desc);
        tg_free(&t);
    }
}

/* ======================= 3. fused patterns and chains ===================== */

static zoo_conv2d_desc conv_d(int out, int k, int stride, int groups) {
    zoo_conv2d_desc d = {.out_channels = out, .kernel_h = k, .kernel_w = k, .stride_h = stride,
                         .stride_w = stride, .groups = groups, .pad_top = k / 2,
                         .pad_bottom = k / 2, .pad_left = k / 2, .pad_right = k / 2};
    return d;
}

/* conv -> bn -> act with BN folded into the weights: the folded weight
 * w * s / sqrt(v + eps) is rounded to fp32 once more than in the reference
 * (which runs conv then BN in double) -> same 1e-5 bound as conv. */
static void test_fused_conv_bn_act(void **state) {
    (void)state;
    const zoo_act acts[] = {ZOO_ACT_RELU, ZOO_ACT_SWISH, ZOO_ACT_RELU6, ZOO_ACT_SIGMOID,
                            ZOO_ACT_HARD_SIGMOID};
    for (int cs = 0; cs < 20; cs++) {
        tg t;
        tg_init(&t, 1300 + cs);
        int cin = rnd(&t, 1, 24), cout = rnd(&t, 1, 30), k = cs % 3 == 0 ? 1 : 3;
        int dw = cs % 4 == 3;
        zoo_conv2d_desc d = conv_d(dw ? cin : cout, k, 1 + cs % 2, dw ? cin : 1);
        zoo_value x = t.h->input(t.g, NULL, cin, rnd(&t, 3, 15), rnd(&t, 3, 15));
        zoo_value y = tg_bn(&t, tg_conv(&t, x, &d, cs % 5 == 0), 1e-3f);
        y = tg_act(&t, y, acts[cs % 5]);
        tg_finish(&t, y);
        char desc[64];
        snprintf(desc, sizeof desc, "act %d dw %d", (int)acts[cs % 5], dw);
        check_err(tg_compare(&t, rnd(&t, 1, 3), 2, -1, 1), 1e-5, "conv-bn-act", cs, desc);
        tg_free(&t);
    }
}

/* conv(+bias) -> [bn] -> add(shortcut) -> relu: residual fused into the GEMM
 * epilogue; shortcut from another conv, the input, or an earlier value. */
static void test_fused_residual(void **state) {
    (void)state;
    for (int cs = 0; cs < 16; cs++) {
        tg t;
        tg_init(&t, 1400 + cs);
        int c = rnd(&t, 2, 20), h = rnd(&t, 2, 14), w = rnd(&t, 2, 14);
        zoo_value x = t.h->input(t.g, NULL, c, h, w);
        zoo_conv2d_desc d1 = conv_d(c, 3, 1, 1), d2 = conv_d(c, 1, 1, 1);
        zoo_value a = tg_conv(&t, x, &d1, true);
        if (cs % 2) a = tg_bn(&t, a, 1e-5f);
        zoo_value sc = cs % 3 == 0 ? x : tg_conv(&t, x, &d2, false); /* shortcut after the branch */
        zoo_value s = cs % 4 < 2 ? t.h->add(t.g, NULL, a, sc) : t.h->add(t.g, NULL, sc, a);
        tg_finish(&t, tg_act(&t, s, ZOO_ACT_RELU));
        check_err(tg_compare(&t, rnd(&t, 1, 3), rnd(&t, 1, 3), -1, 1), 1e-5, "conv-add-relu", cs, "");
        tg_free(&t);
    }
}

/* SE block: gap -> conv1x1+bias -> swish -> conv1x1+bias -> sigmoid -> mul;
 * plus a conv whose output has two readers (must not be fused). */
static void test_fused_se_and_shared(void **state) {
    (void)state;
    for (int cs = 0; cs < 10; cs++) {
        tg t;
        tg_init(&t, 1500 + cs);
        int c = rnd(&t, 4, 32), h = rnd(&t, 2, 12);
        zoo_value x = t.h->input(t.g, NULL, c, h, h);
        zoo_conv2d_desc dd = conv_d(c, 3 + 2 * (cs % 2), 1, c), r = conv_d(c / 4 + 1, 1, 1, 1),
                        e = conv_d(c, 1, 1, 1);
        zoo_value y = tg_act(&t, tg_bn(&t, tg_conv(&t, x, &dd, false), 1e-3f), ZOO_ACT_SWISH);
        zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
        zoo_value s = t.h->pool2d(t.g, NULL, y, &gp);
        s = tg_act(&t, tg_conv(&t, s, &r, true), ZOO_ACT_SWISH);
        s = tg_act(&t, tg_conv(&t, s, &e, true), ZOO_ACT_SIGMOID);
        zoo_value m = t.h->mul(t.g, NULL, y, s);
        zoo_value shared = tg_conv(&t, m, &e, false); /* read by bn AND the add below */
        zoo_value out = t.h->add(t.g, NULL, tg_bn(&t, shared, 1e-3f), shared);
        tg_finish(&t, out);
        check_err(tg_compare(&t, rnd(&t, 1, 3), 2, -1, 1), 1e-5, "se-block", cs, "");
        tg_free(&t);
    }
}

/* DenseNet-like: bn-relu-conv1x1-bn-relu-conv3x3 layers whose outputs are
 * concatenated onto the running feature map, then a transition; batch 3.
 * Errors compound over the layers: bound 2e-5. */
static void test_densenet_chain(void **state) {
    (void)state;
    for (int cs = 0; cs < 3; cs++) {
        tg t;
        tg_init(&t, 1600 + cs);
        int growth = 4 + 4 * cs, layers = 5;
        zoo_value x = t.h->input(t.g, NULL, 8, 9 + cs, 10);
        zoo_conv2d_desc c1 = conv_d(4 * growth, 1, 1, 1), c3 = conv_d(growth, 3, 1, 1);
        for (int l = 0; l < layers; l++) {
            zoo_value y = tg_act(&t, tg_bn(&t, x, 1e-5f), ZOO_ACT_RELU);
            y = tg_conv(&t, y, &c1, false);
            y = tg_act(&t, tg_bn(&t, y, 1e-5f), ZOO_ACT_RELU);
            y = tg_conv(&t, y, &c3, false);
            zoo_value parts[2] = {x, y};
            x = t.h->concat(t.g, NULL, parts, 2, 1);
        }
        zoo_shape s;
        t.h->shape(t.g, x, &s);
        zoo_conv2d_desc tr = conv_d(s.c / 2, 1, 1, 1);
        zoo_value y = tg_conv(&t, tg_act(&t, tg_bn(&t, x, 1e-5f), ZOO_ACT_RELU), &tr, false);
        zoo_pool2d_desc ap = {.kind = ZOO_POOL_AVG, .kernel_h = 2, .kernel_w = 2, .stride_h = 2,
                              .stride_w = 2, .exclusive = true};
        tg_finish_scaled(&t, t.h->pool2d(t.g, NULL, y, &ap), 0.5f);
        check_err(tg_compare(&t, 3, 1 + cs, -1, 1), 2e-5, "densenet chain", cs, "");
        tg_free(&t);
    }
}

/* DPN-like dual path: c = conv(concat(res, dense)); res += c[:bw];
 * dense = concat(dense, c[bw:]) with channel-slice views; batch 3. */
static void test_dpn_chain(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 1700);
    int bw = 12, inc = 4;
    zoo_value x = t.h->input(t.g, NULL, 6, 8, 7);
    zoo_conv2d_desc proj = conv_d(bw + 2 * inc, 1, 1, 1);
    zoo_value p = tg_conv(&t, x, &proj, false), sp[2];
    int sizes[2] = {bw, 2 * inc};
    assert_int_equal(t.h->split(t.g, NULL, p, 1, sizes, 2, sp), 0);
    zoo_value res = sp[0], dense = sp[1];
    for (int blk = 0; blk < 3; blk++) {
        zoo_value in2[2] = {res, dense};
        zoo_value d = t.h->concat(t.g, NULL, in2, 2, 1);
        zoo_conv2d_desc a = conv_d(8, 1, 1, 1), b = conv_d(8, 3, 1, 4), c = conv_d(bw + inc, 1, 1, 1);
        zoo_value y = tg_conv(&t, tg_act(&t, tg_bn(&t, d, 1e-5f), ZOO_ACT_RELU), &a, false);
        y = tg_conv(&t, tg_act(&t, tg_bn(&t, y, 1e-5f), ZOO_ACT_RELU), &b, false);
        y = tg_conv(&t, tg_act(&t, tg_bn(&t, y, 1e-5f), ZOO_ACT_RELU), &c, false);
        zoo_value cs[2];
        int sz[2] = {bw, inc};
        assert_int_equal(t.h->split(t.g, NULL, y, 1, sz, 2, cs), 0);
        res = t.h->add(t.g, NULL, res, cs[0]);
        zoo_value dn[2] = {dense, cs[1]};
        dense = t.h->concat(t.g, NULL, dn, 2, 1);
    }
    zoo_value fin[2] = {res, dense};
    zoo_value y = tg_act(&t, tg_bn(&t, t.h->concat(t.g, NULL, fin, 2, 1), 1e-5f), ZOO_ACT_RELU);
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    y = tg_linear(&t, t.h->pool2d(t.g, NULL, y, &gp), 10, true);
    tg_finish_scaled(&t, t.h->softmax(t.g, NULL, y, 1), 0.5f);
    check_err(tg_compare(&t, 3, 2, -1, 1), 2e-5, "dpn chain", 0, "");
    tg_free(&t);
}

/* An unwritten output must be refused at run time, not read: batch beyond
 * max_batch is an error with a message. */
static void test_batch_limit(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 1800);
    zoo_value x = t.h->input(t.g, NULL, 2, 3, 3);
    tg_finish(&t, tg_act(&t, x, ZOO_ACT_RELU));
    zoo_error e = {0};
    zoo_runner_opts o = {.threads = 1, .max_batch = 2};
    const zoo_backend_impl *bs[2] = {&zoo_backend_cpu, &zoo_backend_cpu_ref};
    float in[3 * 18] = {0}, out[3 * 18];
    for (int k = 0; k < 2; k++) {
        void *p = bs[k]->prepare(t.g, &o, &e);
        assert_non_null(p);
        assert_int_equal(bs[k]->run(p, in, 3, out, &e), ZOO_ERR_INPUT);
        assert_non_null(strstr(e.msg, "batch 3"));
        assert_int_equal(bs[k]->run(p, in, 2, out, &e), 0);
        bs[k]->release(p);
    }
    tg_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hand_avg_pool),
        cmocka_unit_test(test_hand_max_pool),
        cmocka_unit_test(test_hand_ceil_and_adaptive),
        cmocka_unit_test(test_hand_conv),
        cmocka_unit_test(test_hand_bn_linear_act),
        cmocka_unit_test(test_hand_tensor_ops),
        cmocka_unit_test(test_rand_conv),
        cmocka_unit_test(test_rand_batchnorm),
        cmocka_unit_test(test_rand_linear),
        cmocka_unit_test(test_rand_act),
        cmocka_unit_test(test_rand_pool),
        cmocka_unit_test(test_rand_concat),
        cmocka_unit_test(test_rand_slice),
        cmocka_unit_test(test_rand_binary),
        cmocka_unit_test(test_rand_shuffle),
        cmocka_unit_test(test_rand_scale),
        cmocka_unit_test(test_rand_reshape),
        cmocka_unit_test(test_rand_softmax),
        cmocka_unit_test(test_fused_conv_bn_act),
        cmocka_unit_test(test_fused_residual),
        cmocka_unit_test(test_fused_se_and_shared),
        cmocka_unit_test(test_densenet_chain),
        cmocka_unit_test(test_dpn_chain),
        cmocka_unit_test(test_batch_limit),
    };
    return TG_RUN_PER_ISA(tests);
}
