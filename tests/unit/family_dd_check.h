/* tests/unit/family_dd_check.h - checks shared by test_family_densenet.c and
 * test_family_dpn.c (included by both; not a test binary itself).
 *
 *   fdd_check_params()  the graph's parameters against the PaddleClas key list
 *                       ../shared/data/paddleclas-keys/<Model>.tsv, written from
 *                       the real paddle model (structured_key, param_name,
 *                       shape, trainable, in state_dict order): same count,
 *                       same order, canonical name = structured key, the
 *                       Paddle name is an alias that resolves to the same
 *                       parameter, same shape, same trainable flag. Every
 *                       difference is listed (first 20) in the failure message.
 *   fdd_check_manifest() manifests/<Model>.json (read with zoo's own reader)
 *                       agrees with the registry (family, crop, resize_short),
 *                       the PaddleClas preprocessing of formats.md 7, the
 *                       published FLOPs/Params, and the URLs of formats.md 6.1.
 *   fdd_build()         zoo_model_build that fails the test with the message.
 *   fdd_rel()           relative difference.
 */
#ifndef ZOO_TEST_FAMILY_DD_CHECK_H
#define ZOO_TEST_FAMILY_DD_CHECK_H

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

#include "support/test_support.h"
#include "zoo/manifest.h"
#include "zoo/zoo.h"

/* error messages name a path */
#define FDD_ERR_MAX (PATH_MAX + 256)

typedef struct fdd_tsv_row {
    char *key, *param;
    int ndim;
    int64_t dims[4];
    int trainable;
} fdd_tsv_row;

typedef struct fdd_tsv {
    fdd_tsv_row *rows;
    int n;
} fdd_tsv;

static inline void fdd_tsv_free(fdd_tsv *t) {
    for (int i = 0; i < t->n; i++) {
        free(t->rows[i].key);
        free(t->rows[i].param);
    }
    free(t->rows);
    t->rows = NULL;
    t->n = 0;
}

/* Loads <shared>/data/paddleclas-keys/<model>.tsv; 0, or -1 with a message in err. */
static inline int fdd_tsv_load(const char *shared, const char *model, fdd_tsv *t, char *err,
                               size_t errsz) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/data/paddleclas-keys/%s.tsv", shared, model);
    t->rows = NULL;
    t->n = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errsz, "%.300s: cannot open", path);
        return -1;
    }
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
            snprintf(err, errsz, "%.300s:%d: expected 4 tab-separated fields", path, lineno);
            fclose(f);
            fdd_tsv_free(t);
            return -1;
        }
        if (t->n == cap) {
            cap = cap ? 2 * cap : 256;
            fdd_tsv_row *r = realloc(t->rows, (size_t)cap * sizeof *r);
            if (!r) {
                snprintf(err, errsz, "out of memory");
                fclose(f);
                fdd_tsv_free(t);
                return -1;
            }
            t->rows = r;
        }
        fdd_tsv_row *r = &t->rows[t->n];
        memset(r, 0, sizeof *r);
        char *s = shape;
        while (*s) {
            char *end = NULL;
            long long d = strtoll(s, &end, 10);
            if (end == s || r->ndim == 4 || d <= 0) {
                snprintf(err, errsz, "%.300s:%d: bad shape", path, lineno);
                fclose(f);
                fdd_tsv_free(t);
                return -1;
            }
            r->dims[r->ndim++] = d;
            s = *end == 'x' ? end + 1 : end;
        }
        r->trainable = atoi(tr);
        r->key = strdup(key);
        r->param = strdup(param);
        t->n++;
        if (!r->key || !r->param) {
            snprintf(err, errsz, "out of memory");
            fclose(f);
            fdd_tsv_free(t);
            return -1;
        }
    }
    fclose(f);
    return 0;
}

static inline void fdd_fmt_dims(char *buf, size_t sz, int ndim, const int64_t *dims) {
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && o < sz; i++)
        o += (size_t)snprintf(buf + o, sz - o, "%s%" PRId64, i ? "x" : "", dims[i]);
}

/* Appends one line to a bounded report. */
static inline void fdd_report(char *rep, size_t sz, int *count, const char *fmt, ...) {
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

/* Compares g's parameters with the TSV of `model`; fails the test listing the
 * differences. Skips (returns) when ../shared is absent. */
static inline void fdd_check_params(const zoo_graph *g, const char *model) {
    char shared[PATH_MAX], err[FDD_ERR_MAX];
    if (!test_shared_dir(shared, sizeof shared)) {
        print_message("[ SKIP     ] %s: ../shared absent, parameter list not checked\n", model);
        return;
    }
    fdd_tsv t;
    if (fdd_tsv_load(shared, model, &t, err, sizeof err) != 0) fail_msg("%s", err);

    char rep[8192];
    rep[0] = '\0';
    int ndiff = 0;
    const int np = zoo_graph_param_count(g);
    if (np != t.n)
        fdd_report(rep, sizeof rep, &ndiff, "count: graph has %d parameters, %s.tsv lists %d", np,
                   model, t.n);
    const int n = np < t.n ? np : t.n;
    for (int i = 0; i < n; i++) {
        zoo_param_info p;
        if (zoo_graph_param(g, i, &p) != 0) fail_msg("%s: zoo_graph_param(%d) failed", model, i);
        const fdd_tsv_row *r = &t.rows[i];
        if (strcmp(p.name, r->key) != 0) {
            fdd_report(rep, sizeof rep, &ndiff, "#%d name: graph %s, tsv %s", i, p.name, r->key);
            continue; /* the rest of this row compares unrelated tensors */
        }
        int dims_ok = p.ndim == r->ndim;
        for (int d = 0; dims_ok && d < r->ndim; d++) dims_ok = p.dims[d] == r->dims[d];
        if (!dims_ok) {
            char a[64], b[64];
            fdd_fmt_dims(a, sizeof a, p.ndim, p.dims);
            fdd_fmt_dims(b, sizeof b, r->ndim, r->dims);
            fdd_report(rep, sizeof rep, &ndiff, "#%d %s shape: graph %s, tsv %s", i, r->key, a, b);
        }
        if ((int)p.trainable != r->trainable)
            fdd_report(rep, sizeof rep, &ndiff, "#%d %s trainable: graph %d, tsv %d", i, r->key,
                       (int)p.trainable, r->trainable);
        if (p.n_aliases != 1 || strcmp(p.aliases[0], r->param) != 0)
            fdd_report(rep, sizeof rep, &ndiff, "#%d %s aliases: graph %d (%s), tsv exactly %s", i,
                       r->key, p.n_aliases, p.n_aliases > 0 ? p.aliases[0] : "-", r->param);
        else if (zoo_graph_find_param(g, r->param) != i)
            fdd_report(rep, sizeof rep, &ndiff, "#%d alias %s resolves to %d", i, r->param,
                       zoo_graph_find_param(g, r->param));
    }
    for (int i = n; i < t.n; i++)
        fdd_report(rep, sizeof rep, &ndiff, "missing in graph: %s (%s)", t.rows[i].key,
                   t.rows[i].param);
    for (int i = n; i < np; i++) {
        zoo_param_info p;
        if (zoo_graph_param(g, i, &p) == 0)
            fdd_report(rep, sizeof rep, &ndiff, "not in tsv: %s", p.name);
    }
    fdd_tsv_free(&t);
    if (ndiff) {
        /* printed separately: cmocka truncates long failure messages */
        print_message("%s: parameter differences vs %s.tsv (first 20 of %d):\n%s", model, model,
                      ndiff, rep);
        fail_msg("%s: %d parameter differences vs %s.tsv (listed above)", model, ndiff, model);
    }
}

static inline zoo_graph *fdd_build(zoo_ctx *ctx, const char *model, int h, int w) {
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, model, h, w, &e);
    if (!g) fail_msg("zoo_model_build(%s, %d, %d): %s", model, h, w, e.msg);
    return g;
}

static inline double fdd_rel(double got, double want) {
    return fabs(got - want) / fabs(want);
}

static inline void fdd_expect_shape(zoo_shape s, int n, int c, int h, int w, const char *what) {
    if (s.n != n || s.c != c || s.h != h || s.w != w)
        fail_msg("%s: shape [%d,%d,%d,%d], expected [%d,%d,%d,%d]", what, s.n, s.c, s.h, s.w, n,
                 c, h, w);
}

/* `url_dir` is the folder under the bucket ("dygraph/" for most models). */
static inline void fdd_check_manifest(zoo_ctx *ctx, const char *model, const char *url_dir,
                                      double doc_flops_g, double doc_params_m) {
    char b[PATH_MAX], path[PATH_MAX + 64], want[512];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(path, sizeof path, "%s/../manifests/%s.json", b, model);
    zoo_manifest mf;
    zoo_error e = {0};
    if (zoo_manifest_read(path, &mf, &e) != 0) fail_msg("%s", e.msg);
    const zoo_model_desc *d = zoo_model_find(ctx, model);
    if (!d) fail_msg("%s is not registered", model);
    assert_string_equal(mf.name, model);
    assert_string_equal(mf.family, d->family);
    assert_string_equal(mf.license, "Apache-2.0");
    assert_int_equal(mf.input_size, d->input_size);
    assert_int_equal(mf.preprocess.crop, d->input_size);
    assert_int_equal(mf.preprocess.resize_short, d->resize_short);
    assert_string_equal(mf.preprocess.interpolation, "bilinear");
    assert_string_equal(mf.preprocess.channel_order, "RGB");
    assert_true(fabs(mf.preprocess.scale - 1.0 / 255.0) < 1e-15);
    static const double mean[3] = {0.485, 0.456, 0.406}, stdv[3] = {0.229, 0.224, 0.225};
    for (int i = 0; i < 3; i++) {
        assert_true(fabs(mf.preprocess.mean[i] - mean[i]) < 1e-12);
        assert_true(fabs(mf.preprocess.std[i] - stdv[i]) < 1e-12);
    }
    assert_true(fabs(mf.reported.flops_g - doc_flops_g) < 1e-9);
    assert_true(fabs(mf.reported.params_m - doc_params_m) < 1e-9);
    assert_true(mf.reported.top1 > 0 && mf.reported.top1 < 1);
    assert_true(mf.reported.top5 > mf.reported.top1 && mf.reported.top5 < 1);
    assert_true(strlen(mf.reported.source) > 0);
    assert_int_equal(mf.n_sources, 2);
    snprintf(want, sizeof want,
             "https://paddle-imagenet-models-name.bj.bcebos.com/%s%s_pretrained.pdparams", url_dir,
             model);
    assert_string_equal(mf.sources[0].kind, "pdparams");
    assert_string_equal(mf.sources[0].url, want);
    snprintf(want, sizeof want,
             "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/inference/%s_infer.tar",
             model);
    assert_string_equal(mf.sources[1].kind, "paddle-inference-tar");
    assert_string_equal(mf.sources[1].url, want);
}

#endif
