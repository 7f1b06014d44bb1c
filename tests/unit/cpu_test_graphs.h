/* tests/unit/cpu_test_graphs.h - helpers shared by test_cpu_ops.c and
 * test_cpu_plan.c (header-only, static): build small graphs with the public
 * builder, bind deterministic random weights, run them on the CPU backends
 * through their vtables (core/backend.h) and compare outputs.
 *
 * Parameter names are "p<k>"; a batchnorm's variance is named "p<k>.var" so
 * the binder can keep it positive.
 *
 * TG_RUN_PER_ISA(tests) runs a cmocka group once per instruction-set variant
 * of the fast kernels that this CPU can run (generic, avx2, avx512: see
 * cpu/kern.h), selecting each through ZOO_CPU_ISA, so every fast-vs-reference
 * comparison covers every variant; with ZOO_CPU_ISA already set, only that
 * variant runs. */
#ifndef ZOO_TESTS_CPU_TEST_GRAPHS_H
#define ZOO_TESTS_CPU_TEST_GRAPHS_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/backend.h"
#include "core/graph_impl.h"
#include "cpu/kern.h"
#include "support/test_support.h"

#define TG_MAX_PARAMS 256

typedef struct tg {
    zoo_graph *g;
    const zoo_host_api *h;
    int np;
    float *bufs[TG_MAX_PARAMS];
    test_rng rng;
} tg;

static inline void tg_init(tg *t, uint64_t seed) {
    memset(t, 0, sizeof *t);
    t->g = zoo_graph_new("cpu-test");
    t->h = zoo_host();
    t->rng.s = seed * 0x9E3779B97F4A7C15ull + 1;
    assert_non_null(t->g);
}

static inline void tg_free(tg *t) {
    zoo_graph_free(t->g);
    for (int i = 0; i < TG_MAX_PARAMS; i++) free(t->bufs[i]);
    memset(t, 0, sizeof *t);
}

static inline const char *tg_pname(tg *t, char *buf, size_t size, const char *suffix) {
    snprintf(buf, size, "p%d%s", t->np++, suffix);
    return buf;
}

static inline zoo_value tg_conv(tg *t, zoo_value x, const zoo_conv2d_desc *d, bool bias) {
    char w[32], b[32];
    tg_pname(t, w, sizeof w, "");
    if (bias) tg_pname(t, b, sizeof b, "");
    return t->h->conv2d(t->g, NULL, x, d, w, bias ? b : NULL);
}

static inline zoo_value tg_bn(tg *t, zoo_value x, float eps) {
    char s[32], b[32], m[32], v[32];
    tg_pname(t, s, sizeof s, "");
    tg_pname(t, b, sizeof b, "");
    tg_pname(t, m, sizeof m, "");
    tg_pname(t, v, sizeof v, ".var");
    return t->h->batchnorm(t->g, NULL, x, eps, s, b, m, v);
}

static inline zoo_value tg_linear(tg *t, zoo_value x, int out_f, bool bias) {
    char w[32], b[32];
    tg_pname(t, w, sizeof w, "");
    if (bias) tg_pname(t, b, sizeof b, "");
    return t->h->linear(t->g, NULL, x, out_f, w, bias ? b : NULL);
}

static inline zoo_value tg_act(tg *t, zoo_value x, zoo_act kind) {
    zoo_act_desc a = {kind, 0.0f, 0.0f};
    if (kind == ZOO_ACT_HARD_SIGMOID) a.a = 0.2f, a.b = 0.5f;
    if (kind == ZOO_ACT_CLIP) a.a = -0.5f, a.b = 0.75f;
    return t->h->act(t->g, NULL, x, a);
}

/* marks the output, finalizes and binds uniform [-1, 1) weights (variances in
 * [0.5, 1.5), weights scaled by `wscale`) */
static inline void tg_finish_scaled(tg *t, zoo_value out, float wscale) {
    zoo_error e = {0};
    if (t->h->output(t->g, out) || zoo_graph_finalize(t->g, &e))
        fail_msg("building the test graph: %s / %s", zoo_graph_error(t->g) ? zoo_graph_error(t->g) : "",
                 e.msg);
    int n = zoo_graph_param_count(t->g);
    assert_true(n <= TG_MAX_PARAMS);
    const float *arr[TG_MAX_PARAMS];
    for (int i = 0; i < n; i++) {
        zoo_param_info pi;
        assert_int_equal(zoo_graph_param(t->g, i, &pi), 0);
        float *b = malloc(sizeof(float) * (size_t)pi.numel);
        assert_non_null(b);
        bool var = strstr(pi.name, ".var") != NULL;
        for (int64_t k = 0; k < pi.numel; k++)
            b[k] = var ? test_rng_uniform(&t->rng, 0.5f, 1.5f)
                       : wscale * test_rng_uniform(&t->rng, -1.0f, 1.0f);
        t->bufs[i] = b;
        arr[i] = b;
    }
    if (zoo_graph_bind_arrays(t->g, arr, &e)) fail_msg("bind: %s", e.msg);
}

static inline void tg_finish(tg *t, zoo_value out) { tg_finish_scaled(t, out, 1.0f); }

static inline size_t tg_numel(const tg *t, zoo_value v) {
    return (size_t)zoo_shape_numel(t->g->values[v].shape);
}

/* prepares `b` and runs `batch` images; out must hold batch * numel(output) */
static inline void tg_run(tg *t, const zoo_backend_impl *b, int threads, int max_batch, int batch,
                   const float *in, float *out) {
    zoo_error e = {0};
    zoo_runner_opts o = {.backend = b->name, .threads = threads, .max_batch = max_batch};
    void *plan = b->prepare(t->g, &o, &e);
    if (!plan) fail_msg("%s prepare: %s", b->name, e.msg);
    if (b->run(plan, in, batch, out, &e)) fail_msg("%s run: %s", b->name, e.msg);
    b->release(plan);
}

static inline float *tg_random_input(tg *t, int batch, float lo, float hi) {
    size_t n = (size_t)batch * tg_numel(t, t->g->input);
    float *x = malloc(sizeof(float) * n);
    assert_non_null(x);
    for (size_t i = 0; i < n; i++) x[i] = test_rng_uniform(&t->rng, lo, hi);
    return x;
}

/* max |a - r| / max |r| (0 when both are all zero). Paddle's special pooling
 * results for windows wholly in the padding (geom.h: NaN = 0 / 0, -FLT_MAX)
 * must be matched exactly and are left out of the normalization; any other
 * NaN is a failure. */
static inline double tg_rel_err(const float *a, const float *r, size_t n) {
    double md = 0.0, mr = 0.0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(r[i]) || fabs((double)r[i]) >= 3.4e38) {
            if (!(isnan(r[i]) ? isnan(a[i]) : a[i] == r[i])) return INFINITY;
            continue;
        }
        double d = fabs((double)a[i] - (double)r[i]);
        if (!(d <= md)) md = d; /* NaN propagates as a failure */
        if (fabs((double)r[i]) > mr) mr = fabs((double)r[i]);
    }
    if (md != md) return INFINITY;
    return mr > 0.0 ? md / mr : md;
}

/* runs the finished graph on cpu-ref and cpu (input uniform in [lo, hi)) and
 * returns the normalized max error of cpu against cpu-ref */
static inline double tg_compare(tg *t, int batch, int threads, float lo, float hi) {
    float *x = tg_random_input(t, batch, lo, hi);
    size_t n = (size_t)batch * tg_numel(t, t->g->output);
    float *r = malloc(sizeof(float) * n), *f = malloc(sizeof(float) * n);
    assert_non_null(r);
    assert_non_null(f);
    /* poison, so an output element nobody writes is caught */
    for (size_t i = 0; i < n; i++) f[i] = NAN;
    tg_run(t, &zoo_backend_cpu_ref, 1, batch, batch, x, r);
    /* max_batch above batch: the plan must work for any batch up to its max */
    tg_run(t, &zoo_backend_cpu, threads, batch + 1, batch, x, f);
    double err = tg_rel_err(f, r, n);
    free(x);
    free(r);
    free(f);
    return err;
}

/* see the top of the file */
static inline int tg_run_per_isa(const char *file, const struct CMUnitTest *tests, size_t n) {
    const char *forced = getenv("ZOO_CPU_ISA");
    if (forced && *forced) return _cmocka_run_group_tests(forced, tests, n, NULL, NULL);
    int failed = 0;
    for (int i = 0; i < cpu_kern_count(); i++) {
        const cpu_kern *k = cpu_kern_at(i);
        if (!cpu_kern_usable(k)) {
            printf("%s: skipping the %s kernels (this CPU does not support them)\n", file, k->name);
            continue;
        }
        setenv("ZOO_CPU_ISA", k->name, 1);
        printf("%s: the %s kernels\n", file, k->name);
        fflush(stdout);
        failed += _cmocka_run_group_tests(k->name, tests, n, NULL, NULL);
    }
    unsetenv("ZOO_CPU_ISA");
    return failed;
}
#define TG_RUN_PER_ISA(tests) tg_run_per_isa(__FILE__, tests, sizeof(tests) / sizeof((tests)[0]))

#endif
