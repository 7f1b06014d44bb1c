/* tests/unit/support/family_numeric.c - fam_numeric_vs_paddle (family_check.h):
 * zoo's CPU backends against the real PaddleClas module with random weights.
 *
 * The Paddle side is tests/unit/family_ref.py, run by the test venv's python
 * (ZOO_PY; the test SKIPs without it). It writes, per model and size, into
 * $ZOO_FAMILY_REF_DIR or <build>/family_ref/<Model>_<H>x<W>/:
 *   keys.txt    state_dict key TAB shape ("64x3x7x7"), in state_dict order
 *   params.npy  every state_dict tensor, flattened and concatenated in that order
 *   input.npy   [2,3,H,W] random images;  logits.npy  [2,1000] Paddle's output
 * and regenerates only what is missing or was written by another version of
 * the script or of Paddle / PaddleClas, so Paddle runs once per build tree.
 * Here every tensor is bound by its state_dict key (keys the model declares
 * ignored are skipped; every parameter must be bound exactly once, with
 * Paddle's shape), both cpu-ref and cpu run the batch, and every image's
 * top-1 must agree and max|zoo - paddle| <= tol x max|paddle|. */
#include "family_check.h"

#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/npy.h"
#include "support/test_support.h"

static void read_npy(const char *dir, const char *file, zoo_npy *a) {
    char p[PATH_MAX + 64];
    zoo_error e = {0};
    snprintf(p, sizeof p, "%.*s/%s", PATH_MAX - 1, dir, file);
    if (zoo_npy_read(p, a, &e) != 0) fail_msg("%s", e.msg);
}

static void ref_dir(char *buf, size_t size) {
    const char *env = getenv("ZOO_FAMILY_REF_DIR");
    if (env && *env) {
        snprintf(buf, size, "%s", env);
    } else {
        char b[PATH_MAX];
        assert_non_null(test_build_dir(b, sizeof b));
        snprintf(buf, size, "%.*s/family_ref", PATH_MAX - 16, b);
    }
    mkdir(buf, 0777); /* the script reports a directory it cannot use */
}

/* Parses "AxBxC" into dims; returns ndim or -1. */
static int parse_dims(const char *s, int64_t *dims) {
    int n = 0;
    while (*s) {
        char *end = NULL;
        long long d = strtoll(s, &end, 10);
        if (end == s || n == 4 || d <= 0 || (*end && *end != 'x')) return -1;
        dims[n++] = d;
        s = *end == 'x' ? end + 1 : end;
    }
    return n;
}

/* Binds params.npy to g by the keys of keys.txt; arr[i] points into prm. */
static void bind_by_key(zoo_graph *g, const char *dir, const zoo_npy *prm, const float **arr) {
    char path[PATH_MAX + 32], line[1024];
    const char *model = zoo_graph_model_name(g);
    snprintf(path, sizeof path, "%.*s/keys.txt", PATH_MAX - 1, dir);
    FILE *f = fopen(path, "r");
    if (!f) fail_msg("%s: cannot open", path);
    int64_t off = 0;
    for (int lineno = 1; fgets(line, sizeof line, f); lineno++) {
        line[strcspn(line, "\r\n")] = '\0';
        char *tab = strchr(line, '\t');
        int64_t dims[4], numel = 1;
        const int nd = tab ? (*tab = '\0', parse_dims(tab + 1, dims)) : -1;
        if (nd < 0) {
            fclose(f);
            fail_msg("%s:%d: expected key TAB shape", path, lineno);
        }
        for (int d = 0; d < nd; d++) numel *= dims[d];
        if (off + numel > prm->numel) {
            fclose(f);
            fail_msg("%s:%d: past the end of params.npy", path, lineno);
        }
        const int i = zoo_graph_find_param(g, line);
        if (i < 0) {
            if (!zoo_graph_is_ignored_source(g, line)) {
                fclose(f);
                fail_msg("%s: state_dict key %s is neither a parameter nor ignored", model, line);
            }
        } else {
            zoo_param_info p;
            assert_int_equal(zoo_graph_param(g, i, &p), 0);
            bool same = p.ndim == nd;
            for (int d = 0; same && d < nd; d++) same = p.dims[d] == dims[d];
            if (!same || arr[i]) {
                fclose(f);
                fail_msg("%s: %s: %s", model, line,
                         arr[i] ? "bound twice" : "Paddle's shape differs from the graph's");
            }
            arr[i] = prm->data + off;
        }
        off += numel;
    }
    fclose(f);
    if (off != prm->numel)
        fail_msg("%s: keys.txt covers %" PRId64 " of %" PRId64 " elements", model, off, prm->numel);
    for (int i = 0; i < zoo_graph_param_count(g); i++) {
        zoo_param_info p;
        assert_int_equal(zoo_graph_param(g, i, &p), 0);
        if (!arr[i]) fail_msg("%s: parameter %s not in Paddle's state_dict", model, p.name);
    }
}

static int64_t argmax(const float *v, int64_t n) {
    int64_t a = 0;
    for (int64_t j = 1; j < n; j++)
        if (v[j] > v[a]) a = j;
    return a;
}

/* Runs one fixture on both CPU backends; returns the worst relative error. */
static double compare_one(zoo_ctx *ctx, const char *root, const fam_ref *m, double tol) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%.*s/%.128s_%dx%d", PATH_MAX - 160, root, m->model, m->h, m->w);
    zoo_npy prm, x, y;
    read_npy(dir, "params.npy", &prm);
    read_npy(dir, "input.npy", &x);
    read_npy(dir, "logits.npy", &y);
    if (x.ndim != 4 || x.dims[1] != 3 || x.dims[2] != m->h || x.dims[3] != m->w ||
        y.ndim != 2 || y.dims[0] != x.dims[0] || y.dims[1] != 1000)
        fail_msg("%s: input / logits of unexpected shapes", dir);
    const int batch = (int)x.dims[0];
    zoo_graph *g = fam_build(ctx, m->model, m->h, m->w);
    const float **arr = calloc((size_t)zoo_graph_param_count(g) + 1, sizeof *arr);
    assert_non_null(arr);
    bind_by_key(g, dir, &prm, arr);
    zoo_error e = {0};
    if (zoo_graph_bind_arrays(g, arr, &e)) fail_msg("%s: bind: %s", m->model, e.msg);
    float *out = malloc(sizeof(float) * (size_t)y.numel);
    assert_non_null(out);
    double ref_max = 0, worst = 0;
    for (int64_t j = 0; j < y.numel; j++) ref_max = fmax(ref_max, fabs(y.data[j]));
    static const char *const backends[] = {"cpu-ref", "cpu"};
    char bad[512] = "";
    for (int b = 0; b < 2; b++) {
        zoo_runner_opts ro = {.backend = backends[b], .threads = 2, .max_batch = batch};
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        zoo_runner *r = zoo_runner_new(g, &ro, &e);
        if (!r) fail_msg("%s: runner %s: %s", m->model, backends[b], e.msg);
        if (zoo_runner_run(r, x.data, batch, out, &e))
            fail_msg("%s: run %s: %s", m->model, backends[b], e.msg);
        zoo_runner_free(r);
        clock_gettime(CLOCK_MONOTONIC, &t1);
        const double secs =
            (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
        double dmax = 0;
        for (int64_t j = 0; j < y.numel; j++)
            dmax = fmax(dmax, fabs((double)out[j] - y.data[j]));
        if (!(dmax == dmax)) dmax = INFINITY; /* NaN */
        char tops[64] = "";
        for (int im = 0; im < batch; im++) {
            const int64_t am = argmax(out + im * 1000, 1000), bm = argmax(y.data + im * 1000, 1000);
            snprintf(tops + strlen(tops), sizeof tops - strlen(tops), "%s%" PRId64 "/%" PRId64,
                     im ? " " : "", am, bm);
            if (am != bm && !bad[0])
                snprintf(bad, sizeof bad, "%s (%s, %dx%d): image %d top-1 %" PRId64
                         ", paddle %" PRId64, m->model, backends[b], m->h, m->w, im, am, bm);
        }
        print_message("[ INFO     ] %-22s %-7s %3dx%-3d max|diff| %.3g (max|paddle| %.3g, rel "
                      "%.3g) top-1 zoo/paddle %s, %.2f s\n",
                      m->model, backends[b], m->h, m->w, dmax, ref_max, dmax / ref_max, tops, secs);
        worst = fmax(worst, dmax / ref_max);
    }
    free(out);
    free(arr);
    zoo_graph_free(g);
    zoo_npy_free(&prm);
    zoo_npy_free(&x);
    zoo_npy_free(&y);
    if (bad[0]) fail_msg("%s", bad);
    if (!(worst <= tol))
        fail_msg("%s at %dx%d: max|zoo - paddle| = %.3g x max|paddle|, tolerance %.1g", m->model,
                 m->h, m->w, worst, tol);
    return worst;
}

/* The tail of the script's log, for the failure message. */
static void print_log(const char *path) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    char text[4096];
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    if (n > (long)sizeof text - 1) fseek(f, n - (long)sizeof text + 1, SEEK_SET);
    else fseek(f, 0, SEEK_SET);
    size_t k = fread(text, 1, sizeof text - 1, f);
    text[k] = '\0';
    fclose(f);
    print_message("%s", text);
}

void fam_numeric_vs_paddle(const fam_ref *refs, int n, double tol) {
    const char *py = test_python();
    if (!py) {
        print_message("[ SKIP     ] ZOO_PY unset: no PaddleClas reference run\n");
        return;
    }
    char b[PATH_MAX], dir[PATH_MAX], log[PATH_MAX + 64], cmd[4 * PATH_MAX + 2048];
    assert_non_null(test_build_dir(b, sizeof b));
    ref_dir(dir, sizeof dir);
    snprintf(log, sizeof log, "%s/.log.%ld", dir, (long)getpid());
    if (strchr(py, '\'') || strchr(b, '\'') || strchr(dir, '\''))
        fail_msg("a path contains a quote: %s / %s / %s", py, b, dir);
    int o = snprintf(cmd, sizeof cmd, "'%s' '%s/../tests/unit/family_ref.py' '%s'", py, b, dir);
    for (int i = 0; i < n && o < (int)sizeof cmd; i++)
        o += snprintf(cmd + o, sizeof cmd - (size_t)o, " %s:%dx%d", refs[i].model, refs[i].h,
                      refs[i].w);
    if (o < (int)sizeof cmd) o += snprintf(cmd + o, sizeof cmd - (size_t)o, " > '%s' 2>&1", log);
    assert_true(o < (int)sizeof cmd);
    const int rc = system(cmd);
    if (rc != 0) {
        print_log(log);
        unlink(log);
        fail_msg("family_ref.py failed (status %d, log above): %s", rc, cmd);
    }
    print_log(log); /* which fixtures were generated, which reused */
    unlink(log);
    zoo_ctx *ctx = test_ctx_new();
    for (int i = 0; i < n; i++) compare_one(ctx, dir, &refs[i], tol);
    zoo_ctx_free(ctx);
}
