/* tests/unit/support/family_check.c - the checks shared by the family tests
 * (contract in family_check.h): key lists, registry, statistics, manifests,
 * graph helpers. The numeric comparison with Paddle is family_numeric.c. */
#include "family_check.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_support.h"
#include "zoo/manifest.h"

/* ---- suites ----------------------------------------------------------------- */

const fam_model *fam_suite_model(const fam_suite *s, int i) {
    assert_true(i >= 0 && i < s->n_models && s->stride >= sizeof(fam_model));
    return (const fam_model *)(const void *)((const char *)s->models + (size_t)i * s->stride);
}

void fam_suite_rules(const fam_suite *s, const fam_model *m, fam_rules *out) {
    *out = s->rules;
    if (!out->pdparams_dir) out->pdparams_dir = "";
    if (s->adjust) s->adjust(m, out);
}

/* Runs `check` for every model of the suite (state), with its rules and, if
 * `build`, its graph at the default size. */
typedef void check_fn(zoo_ctx *ctx, const zoo_graph *g, const fam_model *m, const fam_rules *r,
                      const fam_suite *s);

static void each_model(void **state, bool build, check_fn *check) {
    const fam_suite *s = *state;
    zoo_ctx *ctx = test_ctx_new();
    for (int i = 0; i < s->n_models; i++) {
        const fam_model *m = fam_suite_model(s, i);
        fam_rules r;
        fam_suite_rules(s, m, &r);
        zoo_graph *g = build ? fam_build(ctx, m->name, 0, 0) : NULL;
        check(ctx, g, m, &r, s);
        zoo_graph_free(g);
    }
    zoo_ctx_free(ctx);
}

static void registry_one(zoo_ctx *ctx, const zoo_graph *g, const fam_model *m, const fam_rules *r,
                         const fam_suite *s) {
    fam_check_registry(ctx, m, s->family);
}

static void params_one(zoo_ctx *ctx, const zoo_graph *g, const fam_model *m, const fam_rules *r,
                       const fam_suite *s) {
    fam_check_params(g, m->name, &r->params); /* first: it lists every difference */
    const int want = m->keys - r->params.dropped_keys;
    if (zoo_graph_param_count(g) != want)
        fail_msg("%s: %d parameters, expected %d (formats.md 6.1: %d keys, %d dropped)", m->name,
                 zoo_graph_param_count(g), want, m->keys, r->params.dropped_keys);
    int optional = 0;
    for (int k = 0; k < zoo_graph_param_count(g); k++) {
        zoo_param_info p;
        assert_int_equal(zoo_graph_param(g, k, &p), 0);
        optional += (p.flags & ZOO_PARAM_OPTIONAL) != 0;
    }
    if (optional != r->params.optional_count)
        fail_msg("%s: %d OPTIONAL parameters, expected %d", m->name, optional,
                 r->params.optional_count);
}

static void stats_one(zoo_ctx *ctx, const zoo_graph *g, const fam_model *m, const fam_rules *r,
                      const fam_suite *s) {
    fam_check_stats(g, m, r);
}

static void manifest_one(zoo_ctx *ctx, const zoo_graph *g, const fam_model *m, const fam_rules *r,
                         const fam_suite *s) {
    fam_check_manifest(ctx, m, r, s->top1_min, s->top1_max);
}

void fam_test_registry(void **state) { each_model(state, false, registry_one); }
void fam_test_params(void **state) { each_model(state, true, params_one); }
void fam_test_stats(void **state) { each_model(state, true, stats_one); }
void fam_test_manifests(void **state) { each_model(state, false, manifest_one); }

void fam_test_numeric(void **state) {
    const fam_suite *s = *state;
    if (s->n_refs == 0) {
        print_message("[ INFO     ] %s: no numeric comparison in this family test\n", s->family);
        return;
    }
    fam_numeric_vs_paddle(s->refs, s->n_refs, s->numeric_tol);
}

/* ---- key lists ---------------------------------------------------------------- */

void fam_keys_free(fam_keys *k) {
    for (int i = 0; i < k->n; i++) {
        free(k->rows[i].key);
        free(k->rows[i].param);
    }
    free(k->rows);
    k->rows = NULL;
    k->n = 0;
}

static bool keys_dir(char *buf, size_t size) {
    const char *env = getenv("ZOO_PADDLECLAS_KEYS");
    if (env && *env) {
        snprintf(buf, size, "%.*s", PATH_MAX - 32, env);
        return true;
    }
    char shared[PATH_MAX];
    if (!test_shared_dir(shared, sizeof shared)) return false;
    snprintf(buf, size, "%.*s/data/paddleclas-keys", PATH_MAX - 32, shared);
    return true;
}

bool fam_keys_load(const char *model, fam_keys *out) {
    char dir[PATH_MAX], path[PATH_MAX + 160];
    out->rows = NULL;
    out->n = 0;
    if (!keys_dir(dir, sizeof dir)) {
        print_message("[ SKIP     ] %s: ../shared absent, key list not used\n", model);
        return false;
    }
    snprintf(path, sizeof path, "%s/%.128s.tsv", dir, model);
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
        if (!key || !param || !shape || !tr || (strcmp(tr, "0") && strcmp(tr, "1"))) {
            fclose(f);
            fam_keys_free(out);
            fail_msg("%s:%d: expected 4 tab-separated fields (key, name, shape, 0/1)", path,
                     lineno);
        }
        if (out->n == cap) {
            cap = cap ? 2 * cap : 256;
            fam_key *r = realloc(out->rows, (size_t)cap * sizeof *r);
            if (!r) fail_msg("out of memory");
            out->rows = r;
        }
        fam_key *r = &out->rows[out->n];
        memset(r, 0, sizeof *r);
        r->numel = 1;
        for (char *s = shape; *s;) {
            char *end = NULL;
            long long d = strtoll(s, &end, 10);
            if (end == s || r->ndim == 4 || d <= 0 || (*end && *end != 'x')) {
                fclose(f);
                fam_keys_free(out);
                fail_msg("%s:%d: bad shape", path, lineno);
            }
            r->dims[r->ndim++] = d;
            r->numel *= d;
            s = *end == 'x' ? end + 1 : end;
        }
        r->trainable = tr[0] == '1';
        r->key = strdup(key);
        r->param = strdup(param);
        out->n++;
        if (!r->key || !r->param) fail_msg("out of memory");
    }
    fclose(f);
    return true;
}

bool fam_has_prefix(const char *s, const char *const *prefixes) {
    for (int i = 0; prefixes && prefixes[i]; i++)
        if (!strncmp(s, prefixes[i], strlen(prefixes[i]))) return true;
    return false;
}

bool fam_has_suffix(const char *s, const char *suffix) {
    size_t n = strlen(s), k = suffix ? strlen(suffix) : 0;
    return suffix && n >= k && !strcmp(s + n - k, suffix);
}

static void fmt_dims(char *buf, size_t sz, int ndim, const int64_t *dims) {
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < ndim && o < sz; i++)
        o += (size_t)snprintf(buf + o, sz - o, "%s%" PRId64, i ? "x" : "", dims[i]);
}

/* A bounded report: every difference counted, the first 40 kept. */
typedef struct report {
    char text[12288];
    int n;
} report;

static void report_add(report *rep, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report_add(report *rep, const char *fmt, ...) {
    if (++rep->n > 40) return;
    size_t o = strlen(rep->text);
    if (o + 2 >= sizeof rep->text) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rep->text + o, sizeof rep->text - o - 1, fmt, ap);
    va_end(ap);
    strcat(rep->text, "\n");
}

/* One TSV row against graph parameter i. */
static void compare_param(const zoo_graph *g, int i, const fam_key *r, const fam_param_rules *o,
                          report *rep) {
    zoo_param_info p;
    if (zoo_graph_param(g, i, &p) != 0) fail_msg("zoo_graph_param(%d) failed", i);
    if (strcmp(p.name, r->key) != 0) {
        report_add(rep, "#%d name: graph %s, tsv %s", i, p.name, r->key);
        return; /* the rest of this row compares unrelated tensors */
    }
    bool dims_ok = p.ndim == r->ndim;
    for (int d = 0; dims_ok && d < r->ndim; d++) dims_ok = p.dims[d] == r->dims[d];
    if (!dims_ok) {
        char a[64], b[64];
        fmt_dims(a, sizeof a, p.ndim, p.dims);
        fmt_dims(b, sizeof b, r->ndim, r->dims);
        report_add(rep, "#%d %s shape: graph %s, tsv %s", i, r->key, a, b);
    }
    if ((int)p.trainable != r->trainable)
        report_add(rep, "#%d %s trainable: graph %d, tsv %d", i, r->key, (int)p.trainable,
                   r->trainable);
    const unsigned want_flags =
        fam_has_suffix(r->key, o->optional_suffix) ? ZOO_PARAM_OPTIONAL : 0u;
    if (p.flags != want_flags)
        report_add(rep, "#%d %s flags: graph %u, expected %u", i, r->key, p.flags, want_flags);
    bool found = false;
    for (int a = 0; a < p.n_aliases; a++) {
        found |= !strcmp(p.aliases[a], r->param);
        if (zoo_graph_find_param(g, p.aliases[a]) != i) /* unique across the graph */
            report_add(rep, "#%d alias %s resolves to %d", i, p.aliases[a],
                       zoo_graph_find_param(g, p.aliases[a]));
    }
    if (!found || (!o->extra_aliases && p.n_aliases != 1))
        report_add(rep, "#%d %s aliases: graph %d (%s), tsv %s%s", i, r->key, p.n_aliases,
                   p.n_aliases > 0 ? p.aliases[0] : "-", o->extra_aliases ? "" : "exactly ",
                   r->param);
}

void fam_check_params(const zoo_graph *g, const char *model, const fam_param_rules *o) {
    fam_keys t;
    if (!fam_keys_load(model, &t)) return;
    report rep = {.n = 0};
    rep.text[0] = '\0';
    const int np = zoo_graph_param_count(g);
    int gi = 0, dropped = 0;
    for (int k = 0; k < t.n; k++) {
        const fam_key *r = &t.rows[k];
        if (fam_has_prefix(r->key, o->dropped_prefixes)) {
            dropped++;
            if (!zoo_graph_is_ignored_source(g, r->key) ||
                !zoo_graph_is_ignored_source(g, r->param))
                report_add(&rep, "%s / %s: dropped, but not declared an ignored source", r->key,
                           r->param);
            if (zoo_graph_find_param(g, r->key) >= 0 || zoo_graph_find_param(g, r->param) >= 0)
                report_add(&rep, "%s: dropped tensor is a parameter", r->key);
            continue;
        }
        if (gi >= np) {
            report_add(&rep, "missing in graph: %s (%s)", r->key, r->param);
            continue;
        }
        compare_param(g, gi++, r, o, &rep);
    }
    for (int i = gi; i < np; i++) {
        zoo_param_info p;
        if (zoo_graph_param(g, i, &p) == 0) report_add(&rep, "not in tsv: %s", p.name);
    }
    if (dropped != o->dropped_keys)
        report_add(&rep, "%d tsv rows match the dropped prefixes, expected %d", dropped,
                   o->dropped_keys);
    if (t.n - dropped != np)
        report_add(&rep, "count: graph has %d parameters, %s.tsv lists %d (+%d dropped)", np,
                   model, t.n - dropped, dropped);
    fam_keys_free(&t);
    if (rep.n) {
        /* printed separately: cmocka truncates long failure messages */
        print_message("%s: parameter differences vs %s.tsv (first 40 of %d):\n%s", model, model,
                      rep.n, rep.text);
        fail_msg("%s: %d parameter differences vs %s.tsv (listed above)", model, rep.n, model);
    }
}

/* ---- graphs ------------------------------------------------------------------- */

void fam_expect_shape(zoo_shape s, int n, int c, int h, int w, const char *what) {
    if (s.n != n || s.c != c || s.h != h || s.w != w)
        fail_msg("%s: shape [%d,%d,%d,%d], expected [%d,%d,%d,%d]", what, s.n, s.c, s.h, s.w, n,
                 c, h, w);
}

zoo_graph *fam_build(zoo_ctx *ctx, const char *model, int h, int w) {
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, model, h, w, &e);
    if (!g) fail_msg("zoo_model_build(%s, %d, %d): %s", model, h, w, e.msg);
    const zoo_model_desc *d = zoo_model_find(ctx, model);
    assert_non_null(d);
    char what[256];
    snprintf(what, sizeof what, "%s at %dx%d: input", model, h, w);
    fam_expect_shape(zoo_graph_input_shape(g), 1, 3, h ? h : d->input_size, w ? w : d->input_size,
                     what);
    snprintf(what, sizeof what, "%s at %dx%d: output", model, h, w);
    fam_expect_shape(zoo_graph_output_shape(g), 1, 1000, 1, 1, what);
    return g;
}

void fam_expect_build_fails(zoo_ctx *ctx, const char *model, int h, int w) {
    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, model, h, w, &e);
    if (g) {
        zoo_graph_free(g);
        fail_msg("%s at %dx%d: built, expected a clean failure", model, h, w);
    }
    assert_int_not_equal(e.code, ZOO_OK);
    assert_true(strlen(e.msg) > 0);
}

double fam_rel(double got, double want) {
    return fabs(got - want) / fabs(want);
}

const zoo_node *fam_node(const zoo_graph *g, int i) {
    assert_true(i >= 0 && i < g->n_nodes);
    return &g->nodes[i];
}

int fam_find_node(const zoo_graph *g, const char *name) {
    for (int i = 0; i < g->n_nodes; i++)
        if (strcmp(g->nodes[i].name, name) == 0) return i;
    return -1;
}

zoo_shape fam_value_shape(const zoo_graph *g, zoo_value v) {
    assert_true(v >= 0 && v < g->n_values);
    return g->values[v].shape;
}

zoo_shape fam_node_shape(const zoo_graph *g, const char *name) {
    const int i = fam_find_node(g, name);
    if (i < 0) fail_msg("%s: no node %s", g->model_name, name);
    return fam_value_shape(g, g->nodes[i].output);
}

const zoo_node *fam_producer(const zoo_graph *g, zoo_value v) {
    assert_true(v >= 0 && v < g->n_values);
    return fam_node(g, g->values[v].producer);
}

int fam_consumers(const zoo_graph *g, zoo_value v, const zoo_node **first) {
    int n = 0;
    for (int i = 0; i < g->n_nodes; i++)
        for (int k = 0; k < g->nodes[i].n_inputs; k++)
            if (g->nodes[i].inputs[k] == v && n++ == 0 && first) *first = &g->nodes[i];
    return n;
}

/* ---- registry, statistics, manifests ------------------------------------------ */

void fam_check_registry(zoo_ctx *ctx, const fam_model *m, const char *family) {
    const zoo_model_desc *d = zoo_model_find(ctx, m->name);
    if (!d) fail_msg("%s is not registered", m->name);
    assert_string_equal(d->family, family);
    assert_int_equal(d->input_channels, 3);
    assert_int_equal(d->input_size, m->crop);           /* formats.md 7 */
    assert_int_equal(d->resize_short, m->resize_short); /* formats.md 7 */
    assert_int_equal(d->num_classes, 1000);
    assert_non_null(d->summary);
}

/* Exact counts: the .pdparams floats = the graph's elements + the dropped TSV
 * rows; the TSV's (kept) elements and trainable elements = the graph's; MACs
 * (+ dropped parts) and stat FLOPs = the formats.md 8 reproduction within half
 * a unit of its last printed digit (4 / 3 decimals). Then the doc numbers
 * within the family's stated relative tolerances. */
void fam_check_stats(const zoo_graph *g, const fam_model *m, const fam_rules *r) {
    const fam_stats_rules *sr = &r->stats;
    zoo_graph_stats s;
    zoo_graph_stats_compute(g, &s);
    int64_t xmacs = 0, xparams = 0;
    const bool known = !sr->dropped_costs || sr->dropped_costs(g, &xmacs, &xparams);
    const double macs = (double)(s.macs + xmacs);
    const double flops_g = sr->flops == FAM_STAT ? s.stat_flops / 1e9 : 2.0 * macs / 1e9;
    const double params_m = sr->params == FAM_STAT ? (double)(s.stat_params + xparams) / 1e6
                                                   : s.params_trainable / 1e6;
    print_message("[ INFO     ] %-22s params %" PRId64 " trainable %" PRId64 " stat_params %" PRId64
                  " MACs %.4f G (+dropped %.4f, ref %.4f) 2xMACs %.3f stat_flops %.4f (ref %.3f) "
                  "| FLOPs %.3f G (%s) vs doc %.3f %+.3f%%, params %.4f M (%s) vs doc %.2f "
                  "%+.3f%%\n",
                  m->name, s.params, s.params_trainable, s.stat_params, s.macs / 1e9, xmacs / 1e9,
                  m->macs_g, 2.0 * s.macs / 1e9, s.stat_flops / 1e9, m->stat_flops_g, flops_g,
                  sr->flops == FAM_STAT ? "stat" : "2xMACs", m->doc_flops_g,
                  100.0 * (flops_g / m->doc_flops_g - 1), params_m,
                  sr->params == FAM_STAT ? "stat" : "trainable", m->doc_params_m,
                  100.0 * (params_m / m->doc_params_m - 1));
    fam_keys t;
    if (fam_keys_load(m->name, &t)) {
        int64_t all = 0, tr = 0, dropped = 0;
        for (int i = 0; i < t.n; i++) {
            if (fam_has_prefix(t.rows[i].key, r->params.dropped_prefixes)) {
                dropped += t.rows[i].numel;
                continue;
            }
            all += t.rows[i].numel;
            if (t.rows[i].trainable) tr += t.rows[i].numel;
        }
        fam_keys_free(&t);
        if (s.params != all || s.params_trainable != tr)
            fail_msg("%s: %" PRId64 " elements (%" PRId64 " trainable), the key list %" PRId64
                     " (%" PRId64 ")",
                     m->name, s.params, s.params_trainable, all, tr);
        if (s.params + dropped != m->floats)
            fail_msg("%s: %" PRId64 " elements + %" PRId64 " dropped, the .pdparams %" PRId64,
                     m->name, s.params, dropped, m->floats);
    } else if (!r->params.dropped_prefixes && s.params != m->floats) {
        fail_msg("%s: %" PRId64 " elements, the .pdparams %" PRId64, m->name, s.params, m->floats);
    }
    if (known && fabs(macs / 1e9 - m->macs_g) > 0.5e-4 + 1e-12)
        fail_msg("%s: MACs %.6f G, formats.md 8 reproduction %.4f G", m->name, macs / 1e9,
                 m->macs_g);
    /* the reproduction counts the dropped parts too, which the graph cannot see */
    if (m->stat_flops_g > 0 && !sr->no_stat_flops_ref && !sr->dropped_costs &&
        fabs(s.stat_flops / 1e9 - m->stat_flops_g) > 0.5e-3 + 1e-12)
        fail_msg("%s: stat FLOPs %.4f G, formats.md 8 reproduction %.3f G", m->name,
                 s.stat_flops / 1e9, m->stat_flops_g);
    if (!(fam_rel(flops_g, m->doc_flops_g) <= sr->flops_tol))
        fail_msg("%s: %s FLOPs %.3f G vs doc %.3f G: more than %.2g%% apart", m->name,
                 sr->flops == FAM_STAT ? "model_stat" : "2xMACs", flops_g, m->doc_flops_g,
                 100 * sr->flops_tol);
    if (!(fam_rel(params_m, m->doc_params_m) <= sr->params_tol))
        fail_msg("%s: %s params %.4f M vs doc %.2f M: more than %.2g%% apart", m->name,
                 sr->params == FAM_STAT ? "model_stat" : "trainable", params_m, m->doc_params_m,
                 100 * sr->params_tol);
}

void fam_check_manifest(zoo_ctx *ctx, const fam_model *m, const fam_rules *r, double top1_min,
                        double top1_max) {
    char b[PATH_MAX], path[PATH_MAX + 192], want[512];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(path, sizeof path, "%s/../manifests/%.128s.json", b, m->name);
    zoo_manifest mf;
    zoo_error e = {0};
    if (zoo_manifest_read(path, &mf, &e) != 0) fail_msg("%s", e.msg);
    const zoo_model_desc *d = zoo_model_find(ctx, m->name);
    if (!d) fail_msg("%s is not registered", m->name);
    assert_string_equal(mf.name, m->name);
    assert_string_equal(mf.family, d->family);
    assert_string_equal(mf.license, "Apache-2.0");
    assert_int_equal(mf.input_size, d->input_size);
    /* PaddleClas eval preprocessing, formats.md 7 */
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
    /* the doc table, exactly as the family test's table has it */
    if (fabs(mf.reported.flops_g - m->doc_flops_g) > 1e-9 ||
        fabs(mf.reported.params_m - m->doc_params_m) > 1e-9)
        fail_msg("%s: reported %.3f G / %.2f M, the doc table %.3f / %.2f", path,
                 mf.reported.flops_g, mf.reported.params_m, m->doc_flops_g, m->doc_params_m);
    if (!(mf.reported.top1 > top1_min && mf.reported.top1 < top1_max))
        fail_msg("%s: top-1 %.4f outside the family's published range (%.2f, %.2f)", path,
                 mf.reported.top1, top1_min, top1_max);
    assert_true(mf.reported.top5 > mf.reported.top1 && mf.reported.top5 < 1);
    assert_true(strlen(mf.reported.source) > 0);
    /* formats.md 6.1: the pretrained .pdparams and the inference tar */
    assert_int_equal(mf.n_sources, 2);
    snprintf(want, sizeof want,
             "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/%s%s_pretrained.pdparams",
             r->pdparams_dir ? r->pdparams_dir : "", m->name);
    assert_string_equal(mf.sources[0].kind, "pdparams");
    assert_string_equal(mf.sources[0].url, want);
    snprintf(want, sizeof want,
             "https://paddle-imagenet-models-name.bj.bcebos.com/dygraph/inference/%s_infer.tar",
             m->name);
    assert_string_equal(mf.sources[1].kind, "paddle-inference-tar");
    assert_string_equal(mf.sources[1].url, want);
}
