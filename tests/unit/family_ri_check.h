/* tests/unit/family_ri_check.h - checks shared by test_family_resnest.c and
 * test_family_inception.c (included by both; not a test binary itself).
 *
 *   fri_check_params()  the graph's parameters against the PaddleClas key list
 *                       ../shared/data/paddleclas-keys/<Model>.tsv (written from
 *                       the real paddle model: structured_key, param_name, shape,
 *                       trainable, in state_dict order): same order, canonical
 *                       name = structured key, the Paddle name is an alias
 *                       resolving to the same parameter, same shape, same
 *                       trainable flag, flags as expected; TSV rows the model
 *                       knowingly drops (GoogLeNet's aux heads) must be ignored
 *                       sources under both names and not parameters. Every
 *                       difference is listed (first 20) in the failure message.
 *   fri_tsv_*           the TSV reader (also used for the expected counts).
 *   fri_node()          the internal node (core/graph_impl.h) for attribute checks.
 *   fri_numeric_vs_paddle()  outputs of the cpu-ref and cpu backends against the
 *                       real PaddleClas modules with random weights
 *                       (family_ri_ref.py run by the test venv's python).
 */
#ifndef ZOO_TEST_FAMILY_RI_CHECK_H
#define ZOO_TEST_FAMILY_RI_CHECK_H

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "core/graph_impl.h"
#include "core/npy.h"
#include "support/test_support.h"
#include "zoo/zoo.h"

typedef struct fri_row {
    char *key, *param;
    int ndim;
    int64_t dims[4];
    int64_t numel;
    int trainable;
} fri_row;

typedef struct fri_tsv {
    fri_row *rows;
    int n;
} fri_tsv;

static inline void fri_tsv_free(fri_tsv *t) {
    for (int i = 0; i < t->n; i++) {
        free(t->rows[i].key);
        free(t->rows[i].param);
    }
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

/* Loads <shared>/data/paddleclas-keys/<model>.tsv; fails the test on error. */
static inline void fri_tsv_load(const char *shared, const char *model, fri_tsv *t) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data/paddleclas-keys/%s.tsv", shared, model);
    t->rows = NULL;
    t->n = 0;
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot open", path);
    char line[1024];
    int cap = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        char *save = NULL;
        char *key = strtok_r(line, "\t", &save);
        char *param = strtok_r(NULL, "\t", &save);
        char *shape = strtok_r(NULL, "\t", &save);
        char *tr = strtok_r(NULL, "\t", &save);
        if (!key || !param || !shape || !tr) {
            fclose(f);
            fail_msg("%s:%d: expected 4 tab-separated fields", path, lineno);
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 256;
            fri_row *r = realloc(t->rows, (size_t)cap * sizeof *r);
            if (!r) fail_msg("out of memory");
            t->rows = r;
        }
        fri_row *r = &t->rows[t->n];
        memset(r, 0, sizeof *r);
        r->numel = 1;
        char *s = shape;
        while (*s) {
            char *end = NULL;
            long long d = strtoll(s, &end, 10);
            if (end == s || r->ndim == 4 || d <= 0) fail_msg("%s:%d: bad shape", path, lineno);
            r->dims[r->ndim++] = d;
            r->numel *= d;
            s = *end == 'x' ? end + 1 : end;
        }
        r->trainable = atoi(tr);
        r->key = strdup(key);
        r->param = strdup(param);
        if (!r->key || !r->param) fail_msg("out of memory");
        t->n++;
    }
    fclose(f);
}

static inline void fri_fmt_dims(char *buf, size_t sz, int ndim, const int64_t *dims) {
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && o < sz; i++)
        o += (size_t)snprintf(buf + o, sz - o, "%s%" PRId64, i ? "x" : "", dims[i]);
}

static inline void fri_report(char *rep, size_t sz, int *count, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline void fri_report(char *rep, size_t sz, int *count, const char *fmt, ...) {
    (*count)++;
    if (*count > 20) return;
    size_t o = strlen(rep);
    if (o + 2 >= sz) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep + o, sz - o, fmt, ap);
    va_end(ap);
    o = strlen(rep);
    if (o + 1 < sz) {
        rep[o] = '\n';
        rep[o + 1] = '\0';
    }
}

static inline int fri_has_prefix(const char *s, const char *const *prefixes) {
    for (int i = 0; prefixes && prefixes[i]; i++)
        if (!strncmp(s, prefixes[i], strlen(prefixes[i]))) return 1;
    return 0;
}

static inline int fri_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = suffix ? strlen(suffix) : 0;
    return suffix && n >= k && !strcmp(s + n - k, suffix);
}

typedef struct fri_opts {
    /* TSV keys starting with one of these are dropped by the model (NULL-terminated) */
    const char *const *ignored_prefixes;
    /* aliases beyond the TSV's Paddle name are allowed (the caller checks them) */
    int extra_aliases;
    /* parameters whose key ends with this must carry ZOO_PARAM_OPTIONAL; all others no flags */
    const char *optional_suffix;
} fri_opts;

/* Compares g's parameters with the TSV of `model`; skips (returns) when
 * ../shared is absent. */
static inline void fri_check_params(const zoo_graph *g, const char *model, const fri_opts *o) {
    char shared[PATH_MAX];
    if (!test_shared_dir(shared, sizeof shared)) {
        print_message("[ SKIP     ] %s: ../shared absent, parameter list not checked\n", model);
        return;
    }
    fri_tsv t;
    fri_tsv_load(shared, model, &t);
    char rep[8192];
    rep[0] = '\0';
    int ndiff = 0, gi = 0;
    const int np = zoo_graph_param_count(g);
    for (int k = 0; k < t.n; k++) {
        const fri_row *r = &t.rows[k];
        if (fri_has_prefix(r->key, o->ignored_prefixes)) {
            if (!zoo_graph_is_ignored_source(g, r->key) || !zoo_graph_is_ignored_source(g, r->param))
                fri_report(rep, sizeof rep, &ndiff, "%s / %s: not declared an ignored source",
                           r->key, r->param);
            if (zoo_graph_find_param(g, r->key) >= 0 || zoo_graph_find_param(g, r->param) >= 0)
                fri_report(rep, sizeof rep, &ndiff, "%s: dropped tensor is a parameter", r->key);
            continue;
        }
        if (gi >= np) {
            fri_report(rep, sizeof rep, &ndiff, "missing in graph: %s (%s)", r->key, r->param);
            continue;
        }
        zoo_param_info p;
        if (zoo_graph_param(g, gi, &p) != 0) fail_msg("%s: zoo_graph_param(%d) failed", model, gi);
        const int i = gi++;
        if (strcmp(p.name, r->key) != 0) {
            fri_report(rep, sizeof rep, &ndiff, "#%d name: graph %s, tsv %s", i, p.name, r->key);
            continue;
        }
        int dims_ok = p.ndim == r->ndim;
        for (int d = 0; dims_ok && d < r->ndim; d++) dims_ok = p.dims[d] == r->dims[d];
        if (!dims_ok) {
            char a[64], b[64];
            fri_fmt_dims(a, sizeof a, p.ndim, p.dims);
            fri_fmt_dims(b, sizeof b, r->ndim, r->dims);
            fri_report(rep, sizeof rep, &ndiff, "#%d %s shape: graph %s, tsv %s", i, r->key, a, b);
        }
        if ((int)p.trainable != r->trainable)
            fri_report(rep, sizeof rep, &ndiff, "#%d %s trainable: graph %d, tsv %d", i, r->key,
                       (int)p.trainable, r->trainable);
        unsigned want_flags = fri_has_suffix(r->key, o->optional_suffix) ? ZOO_PARAM_OPTIONAL : 0u;
        if (p.flags != want_flags)
            fri_report(rep, sizeof rep, &ndiff, "#%d %s flags: graph %u, expected %u", i, r->key,
                       p.flags, want_flags);
        int found = 0;
        for (int a = 0; a < p.n_aliases; a++) found |= !strcmp(p.aliases[a], r->param);
        if (!found || (!o->extra_aliases && p.n_aliases != 1))
            fri_report(rep, sizeof rep, &ndiff, "#%d %s aliases: graph %d (%s), tsv %s", i, r->key,
                       p.n_aliases, p.n_aliases > 0 ? p.aliases[0] : "-", r->param);
        else if (zoo_graph_find_param(g, r->param) != i)
            fri_report(rep, sizeof rep, &ndiff, "#%d alias %s resolves to %d", i, r->param,
                       zoo_graph_find_param(g, r->param));
    }
    for (int i = gi; i < np; i++) {
        zoo_param_info p;
        if (zoo_graph_param(g, i, &p) == 0)
            fri_report(rep, sizeof rep, &ndiff, "not in tsv: %s", p.name);
    }
    fri_tsv_free(&t);
    if (ndiff)
        fail_msg("%s: %d parameter differences vs %s.tsv (first 20):\n%s", model, ndiff, model,
                 rep);
}

static inline zoo_graph *fri_build(zoo_ctx *ctx, const char *model, int h, int w) {
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, model, h, w, &e);
    if (!g) fail_msg("zoo_model_build(%s, %d, %d): %s", model, h, w, e.msg);
    return g;
}

static inline void fri_expect_shape(zoo_shape s, int n, int c, int h, int w, const char *what) {
    if (s.n != n || s.c != c || s.h != h || s.w != w)
        fail_msg("%s: shape [%d,%d,%d,%d], expected [%d,%d,%d,%d]", what, s.n, s.c, s.h, s.w, n,
                 c, h, w);
}

static inline double fri_rel(double got, double want) {
    return fabs(got - want) / fabs(want);
}

/* the internal node i (attributes are not part of the public node info) */
static inline const zoo_node *fri_node(const zoo_graph *g, int i) {
    assert_true(i >= 0 && i < g->n_nodes);
    return &g->nodes[i];
}

typedef struct fri_ref_model {
    const char *name;
    int size; /* square input side for the comparison */
} fri_ref_model;

/* Runs `model` (fixtures in dir/<model>/) on both CPU backends; returns the
 * worst max|zoo - paddle| / max|paddle| and fails on any top-1 disagreement. */
static inline double fri_compare_one(zoo_ctx *ctx, const char *dir, const fri_ref_model *m) {
    char path[PATH_MAX + 64], line[512];
    zoo_error e = {0};
    zoo_npy x = {0}, y = {0};
    snprintf(path, sizeof path, "%s/%s/input.npy", dir, m->name);
    if (zoo_npy_read(path, &x, &e)) fail_msg("%s", e.msg);
    snprintf(path, sizeof path, "%s/%s/output.npy", dir, m->name);
    if (zoo_npy_read(path, &y, &e)) fail_msg("%s", e.msg);
    const int batch = (int)x.dims[0];
    assert_int_equal(x.dims[2], m->size);
    zoo_graph *g = fri_build(ctx, m->name, m->size, m->size);
    const int np = zoo_graph_param_count(g);
    zoo_npy *ps = calloc((size_t)np, sizeof *ps);
    const float **arr = calloc((size_t)np, sizeof *arr);
    assert_non_null(ps);
    assert_non_null(arr);
    snprintf(path, sizeof path, "%s/%s/keys.txt", dir, m->name);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot open", path);
    for (int k = 0; fgets(line, sizeof line, f); k++) {
        line[strcspn(line, "\n")] = '\0';
        const int i = zoo_graph_find_param(g, line);
        if (i < 0) {
            if (!zoo_graph_is_ignored_source(g, line))
                fail_msg("%s: state_dict key %s is neither a parameter nor ignored", m->name, line);
            continue;
        }
        snprintf(path, sizeof path, "%s/%s/p%04d.npy", dir, m->name, k);
        if (zoo_npy_read(path, &ps[i], &e)) fail_msg("%s", e.msg);
        zoo_param_info pi;
        assert_int_equal(zoo_graph_param(g, i, &pi), 0);
        assert_int_equal(pi.numel, ps[i].numel);
        arr[i] = ps[i].data;
    }
    fclose(f);
    if (zoo_graph_bind_arrays(g, arr, &e)) fail_msg("%s: bind: %s", m->name, e.msg);
    const int64_t n = y.numel / batch;
    float *out = malloc(sizeof(float) * (size_t)y.numel);
    assert_non_null(out);
    double ref_max = 0, worst = 0;
    for (int64_t j = 0; j < y.numel; j++) ref_max = fmax(ref_max, fabs(y.data[j]));
    static const char *const backends[] = {"cpu-ref", "cpu"};
    for (int b = 0; b < 2; b++) {
        zoo_runner *r = zoo_runner_new(
            g, &(zoo_runner_opts){.backend = backends[b], .threads = 2, .max_batch = batch}, &e);
        if (!r) fail_msg("%s: runner %s: %s", m->name, backends[b], e.msg);
        if (zoo_runner_run(r, x.data, batch, out, &e))
            fail_msg("%s: run %s: %s", m->name, backends[b], e.msg);
        zoo_runner_free(r);
        double dmax = 0;
        for (int64_t j = 0; j < y.numel; j++) dmax = fmax(dmax, fabs(out[j] - y.data[j]));
        for (int im = 0; im < batch; im++) {
            int64_t am = 0, bm = 0;
            for (int64_t j = 1; j < n; j++) {
                if (out[im * n + j] > out[im * n + am]) am = j;
                if (y.data[im * n + j] > y.data[im * n + bm]) bm = j;
            }
            if (am != bm)
                fail_msg("%s (%s, %dx%d): image %d top-1 %" PRId64 ", paddle %" PRId64, m->name,
                         backends[b], m->size, m->size, im, am, bm);
        }
        print_message("[ INFO     ] %-22s %-7s %3dx%-3d max|diff| %.3g (max|paddle| %.3g, "
                      "rel %.3g)\n",
                      m->name, backends[b], m->size, m->size, dmax, ref_max, dmax / ref_max);
        worst = fmax(worst, dmax / ref_max);
    }
    free(out);
    for (int i = 0; i < np; i++) zoo_npy_free(&ps[i]);
    free(ps);
    free(arr);
    zoo_npy_free(&x);
    zoo_npy_free(&y);
    zoo_graph_free(g);
    return worst;
}

/* Writes the PaddleClas reference fixtures for `models` with the test venv's
 * python and compares both CPU backends against them: max|diff| must stay
 * within rel_tol x max|paddle output|, top-1 must agree. Skips without a venv. */
static inline void fri_numeric_vs_paddle(const fri_ref_model *models, int n, double rel_tol) {
    const char *py = test_python();
    if (!py) {
        print_message("[ SKIP     ] ZOO_PY unset: no PaddleClas reference run\n");
        return;
    }
    char b[PATH_MAX], tmp[PATH_MAX], cmd[8192];
    assert_non_null(test_build_dir(b, sizeof b));
    test_tmpdir(tmp, sizeof tmp);
    int o = snprintf(cmd, sizeof cmd, "'%s' '%s/../tests/unit/family_ri_ref.py' '%s'", py, b, tmp);
    for (int i = 0; i < n; i++)
        o += snprintf(cmd + o, sizeof cmd - (size_t)o, " %s:%d", models[i].name, models[i].size);
    o += snprintf(cmd + o, sizeof cmd - (size_t)o, " 2>&1");
    assert_true(o < (int)sizeof cmd);
    const int rc = system(cmd);
    if (rc != 0) {
        test_rmtree(tmp);
        fail_msg("family_ri_ref.py failed (status %d): %s", rc, cmd);
    }
    zoo_ctx *ctx = test_ctx_new();
    for (int i = 0; i < n; i++) {
        const double rel = fri_compare_one(ctx, tmp, &models[i]);
        if (rel > rel_tol) {
            test_rmtree(tmp);
            fail_msg("%s: max|zoo - paddle| = %.3g x max|paddle|, tolerance %.1g", models[i].name,
                     rel, rel_tol);
        }
    }
    zoo_ctx_free(ctx);
    test_rmtree(tmp);
}

#endif
