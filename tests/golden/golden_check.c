/* tests/golden/golden_check.c - every model, every Paddle weight format, against Paddle itself.
 *
 * Contract. For each model directory written by tests/golden/gen.py (<golden>/<Model>/meta.json)
 * and each fixture listed there:
 *   - expect "pass" (a weight file as Paddle writes it): zoo_convert() it into a temporary native
 *     file, zoo_model_build + zoo_weights_open + zoo_graph_bind, run input.npy (2 images) on the
 *     "cpu" backend and compare with Paddle's logits (the fixture's .npy):
 *         PASS iff max |zoo - paddle| <= tol = 1e-4 * max(1, max |paddle|) + 2 * noise
 *         (TOL_REL below; noise = meta.json fp32_vs_fp64_err, Paddle's own float32 error on
 *         these logits, measured by gen.py against a float64 run and at most tol/2 by
 *         construction, ~0 for most models) and every image's top-5 class order is identical,
 *         except that two classes whose Paddle logits lie within 2*tol of each other may swap
 *         (a result within tolerance can swap them and nothing else). With the fixture's
 *         logits_fp64 file the line also shows zoo's distance to the float64 result.
 *     A later format whose converted tensors are bit-identical to the first format's (names,
 *     dtypes, shapes, bytes) binds to the same graph and gives the same output, so that output
 *     is reused (the line says so) unless --full is given; different tensors are run anew.
 *   - expect "fail" (self-test: Paddle's output of a deliberately wrong network, e.g. BN epsilon
 *     swapped): PASS iff zoo's output for the fixture's weight file is OUTSIDE tolerance, i.e.
 *     the oracle is sensitive enough to catch that mistake.
 * A model no loaded plugin registers prints "SKIP <Model>: family plugin <family> not available"
 * (never PASS). One line per model+fixture with the max abs error and times; the closing line is
 * "N passed, N failed, N skipped"; the exit status is 1 if anything failed, 2 on bad usage.
 *
 * --selftest: compares the real formats against the first self-test's logits instead, so every
 * one of them must FAIL and the run must exit non-zero (shows the failure path end to end).
 * --npy-selftest DIR: checks this file's .npy reader against the cases gen.py wrote with numpy.
 * --backend NAME (default cpu) runs the models on another backend; for "vulkan" the bound is
 * 1e-3 * max(1, max |paddle|) + 2 * noise (fp32 on a GPU: other summation orders, fma, exp with
 * Vulkan's precision rules), with --fp16 (fp16 storage) a model passes iff every image's top-1
 * class is Paddle's. Self-test fixtures (the oracle's sensitivity) are checked on cpu only.
 *
 * The .npy reader accepts format versions 1.0 and 2.0, dtype '<f4', C order, and refuses anything
 * else (another dtype or byte order, Fortran order, version 3, a size that does not match the
 * header) with a one-line message naming the file.
 */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "zoo/convert.h"
#include "zoo/zoo.h"

#define TOL_REL 1e-4
#define NPY_MAX_DIMS 8
#define MSG 1024

/* ---- .npy reader ------------------------------------------------------------------------- */

typedef struct npy_array {
    int ndim;
    int64_t dims[NPY_MAX_DIMS];
    int64_t numel;
    float *data;
} npy_array;

static void npy_free(npy_array *a) {
    free(a->data);
    memset(a, 0, sizeof *a);
}

static int fail_msg(char *msg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail_msg(char *msg, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, MSG, fmt, ap);
    va_end(ap);
    return -1;
}

/* The value text after 'key': in the header dict, or NULL. */
static const char *npy_field(const char *hdr, const char *key) {
    char pat[64];
    snprintf(pat, sizeof pat, "'%s'", key);
    const char *p = strstr(hdr, pat);
    if (!p) return NULL;
    p += strlen(pat);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

static int npy_read(const char *path, npy_array *a, char *msg) {
    memset(a, 0, sizeof *a);
    FILE *f = fopen(path, "rb");
    if (!f) return fail_msg(msg, "%s: %s", path, strerror(errno));
    unsigned char pre[12];
    size_t got = fread(pre, 1, sizeof pre, f);
    if (got < 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
        fclose(f);
        return fail_msg(msg, "%s: not an .npy file (bad magic)", path);
    }
    int major = pre[6], minor = pre[7];
    size_t hlen, off;
    if (major == 1 && minor == 0) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8;
        off = 10;
    } else if (major == 2 && minor == 0 && got == 12) {
        hlen = (size_t)pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        off = 12;
    } else {
        fclose(f);
        return fail_msg(msg, "%s: .npy format version %d.%d not supported (only 1.0 and 2.0)", path,
                        major, minor);
    }
    if (hlen > (1u << 20)) {
        fclose(f);
        return fail_msg(msg, "%s: implausible .npy header length %zu", path, hlen);
    }
    char *hdr = malloc(hlen + 1);
    if (!hdr || fseek(f, (long)off, SEEK_SET) != 0 || fread(hdr, 1, hlen, f) != hlen) {
        free(hdr);
        fclose(f);
        return fail_msg(msg, "%s: truncated .npy header", path);
    }
    hdr[hlen] = '\0';
    int rc = -1;
    const char *d = npy_field(hdr, "descr");
    const char *fo = npy_field(hdr, "fortran_order");
    const char *sh = npy_field(hdr, "shape");
    if (!d || !fo || !sh) {
        fail_msg(msg, "%s: .npy header lacks descr/fortran_order/shape", path);
        goto out;
    }
    if (strncmp(d, "'<f4'", 5) != 0) {
        const char *e = strchr(d + 1, '\'');
        fail_msg(msg, "%s: dtype %.*s not supported (only '<f4', little-endian float32)", path,
                 e ? (int)(e - d + 1) : 8, d);
        goto out;
    }
    if (strncmp(fo, "False", 5) != 0) {
        fail_msg(msg, "%s: Fortran-order array not supported (C order only)", path);
        goto out;
    }
    if (*sh != '(') {
        fail_msg(msg, "%s: bad shape in .npy header", path);
        goto out;
    }
    sh++;
    a->numel = 1;
    for (;;) {
        while (*sh == ' ') sh++;
        if (*sh == ')') break;
        char *end;
        errno = 0;
        long long v = strtoll(sh, &end, 10);
        if (end == sh || errno || v < 0 || a->ndim == NPY_MAX_DIMS ||
            (v > 0 && a->numel > INT64_MAX / 4 / v)) {
            fail_msg(msg, "%s: bad or too large shape in .npy header", path);
            goto out;
        }
        a->dims[a->ndim++] = v;
        a->numel *= v;
        sh = end;
        while (*sh == ' ') sh++;
        if (*sh == ',') sh++;
        else if (*sh != ')') {
            fail_msg(msg, "%s: bad shape in .npy header", path);
            goto out;
        }
    }
    if (fseek(f, 0, SEEK_END) != 0) {
        fail_msg(msg, "%s: cannot seek", path);
        goto out;
    }
    long fsize = ftell(f);
    size_t nbytes = (size_t)a->numel * 4;
    if (fsize < 0 || (size_t)fsize != off + hlen + nbytes) {
        fail_msg(msg, "%s: file is %ld bytes, header says %zu (%zu header + %zu data)", path, fsize,
                 off + hlen + nbytes, off + hlen, nbytes);
        goto out;
    }
    a->data = malloc(nbytes ? nbytes : 1);
    if (!a->data || fseek(f, (long)(off + hlen), SEEK_SET) != 0 ||
        fread(a->data, 1, nbytes, f) != nbytes) {
        fail_msg(msg, "%s: cannot read %zu data bytes", path, nbytes);
        goto out;
    }
    rc = 0;
out:
    free(hdr);
    fclose(f);
    if (rc) npy_free(a);
    return rc;
}

/* --npy-selftest DIR: DIR/cases.tsv lines "file<TAB>ok|refuse<TAB>AxBxC", values.txt holds the
 * values of the ok arrays (all the same array, except scalar.npy = 1.5). */
static int npy_selftest(const char *dir) {
    char path[4096], msg[MSG];
    snprintf(path, sizeof path, "%s/cases.tsv", dir);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "golden_check: %s: %s\n", path, strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/values.txt", dir);
    FILE *vf = fopen(path, "r");
    double want[64];
    int nwant = 0;
    while (vf && nwant < 64 && fscanf(vf, "%lf", &want[nwant]) == 1) nwant++;
    if (vf) fclose(vf);
    int pass = 0, failed = 0;
    char line[512];
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        char file[256], expect[16], shape[64];
        if (sscanf(line, "%255[^\t]\t%15[^\t]\t%63s", file, expect, shape) != 3) continue;
        snprintf(path, sizeof path, "%s/%s", dir, file);
        npy_array a;
        int rc = npy_read(path, &a, msg);
        bool ok;
        char why[MSG + 64];
        if (!strcmp(expect, "ok")) {
            ok = rc == 0;
            snprintf(why, sizeof why, "%s", rc ? msg : "read");
            if (ok) {
                char got[64] = "";
                if (!strcmp(file, "scalar.npy")) snprintf(why, sizeof why, "read (0-d array)");
                for (int i = 0; i < a.ndim; i++)
                    snprintf(got + strlen(got), sizeof got - strlen(got), "%s%lld", i ? "x" : "",
                             (long long)a.dims[i]);
                if (a.ndim == 0) snprintf(got, sizeof got, "%s", "-");
                bool scalar = !strcmp(file, "scalar.npy");
                if (scalar ? (a.ndim != 0 || a.numel != 1 || a.data[0] != 1.5f)
                           : (strcmp(got, shape) != 0 || a.numel != nwant)) {
                    ok = false;
                    snprintf(why, sizeof why, "shape %s, want %s", got, shape);
                }
                for (int64_t i = 0; ok && !scalar && i < a.numel; i++)
                    if ((double)a.data[i] != want[i]) {
                        ok = false;
                        snprintf(why, sizeof why, "value %lld is %g, want %g", (long long)i,
                                 (double)a.data[i], want[i]);
                    }
            }
        } else {
            ok = rc != 0;
            snprintf(why, sizeof why, "%s", rc ? msg : "accepted, should have been refused");
        }
        if (rc == 0) npy_free(&a);
        printf("%s npy %-14s %s\n", ok ? "PASS" : "FAIL", file, why);
        if (ok) pass++;
        else failed++;
    }
    fclose(f);
    printf("npy reader: %d passed, %d failed\n", pass, failed);
    return failed || !pass ? 1 : 0;
}

/* ---- helpers ------------------------------------------------------------------------------ */

/* "<a>/<b><suffix>" into buf; false (and an empty string) if it does not fit. */
static bool path_join(char *buf, size_t n, const char *a, const char *b, const char *suffix) {
    int k = snprintf(buf, n, "%s/%s%s", a, b, suffix ? suffix : "");
    if (k < 0 || (size_t)k >= n) {
        buf[0] = '\0';
        return false;
    }
    return true;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static const char *jstr(const json_t *o, const char *key, const char *dflt) {
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : dflt;
}

/* Whether two native files hold exactly the same tensors. */
static bool same_tensors(const zoo_weights *a, const zoo_weights *b) {
    int n = zoo_weights_count(a);
    if (n != zoo_weights_count(b)) return false;
    for (int i = 0; i < n; i++) {
        zoo_tensor_view ta, tb;
        if (zoo_weights_get(a, i, &ta) != 0 || zoo_weights_find(b, ta.name, &tb) != 0) return false;
        if (ta.dtype != tb.dtype || ta.ndim != tb.ndim || ta.nbytes != tb.nbytes) return false;
        for (int k = 0; k < ta.ndim; k++)
            if (ta.dims[k] != tb.dims[k]) return false;
        if (memcmp(ta.data, tb.data, ta.nbytes) != 0) return false;
    }
    return true;
}

static void top5(const float *row, int n, int *idx) {
    for (int k = 0; k < 5; k++) idx[k] = -1;
    for (int i = 0; i < n; i++) {
        float v = row[i];
        if (isnan(v)) continue;
        for (int k = 0; k < 5; k++) {
            if (idx[k] < 0 || v > row[idx[k]]) {
                for (int j = 4; j > k; j--) idx[j] = idx[j - 1];
                idx[k] = i;
                break;
            }
        }
    }
}

typedef struct cmp_result {
    double max_err, tol;
    bool within, top5_ok;
    char top5_msg[256];
} cmp_result;

/* zoo vs paddle over batch x classes. `noise` is Paddle's own float32 error on these logits
 * (meta.json fp32_vs_fp64_err): |zoo - paddle| <= |zoo - exact| + |exact - paddle|, and zoo's own
 * rounding is granted the same size as Paddle's, so the bound is tol + 2 * noise. */
static void compare(const float *zoo, const float *ref, int batch, int classes, double noise,
                    double tol_rel, cmp_result *r) {
    double ref_max = 0.0;
    for (int i = 0; i < batch * classes; i++)
        if (fabs((double)ref[i]) > ref_max) ref_max = fabs((double)ref[i]);
    r->tol = tol_rel * (ref_max > 1.0 ? ref_max : 1.0) + 2.0 * noise;
    r->max_err = 0.0;
    bool nan = false;
    for (int i = 0; i < batch * classes; i++) {
        if (!isfinite(zoo[i])) nan = true;
        double e = fabs((double)zoo[i] - (double)ref[i]);
        if (e > r->max_err) r->max_err = e;
    }
    if (nan) r->max_err = INFINITY;
    r->within = r->max_err <= r->tol;
    r->top5_ok = true;
    r->top5_msg[0] = '\0';
    for (int b = 0; b < batch && r->top5_ok; b++) {
        int zi[5], pi[5];
        top5(zoo + (size_t)b * classes, classes, zi);
        top5(ref + (size_t)b * classes, classes, pi);
        const float *pr = ref + (size_t)b * classes;
        for (int k = 0; k < 5; k++) {
            if (zi[k] == pi[k]) continue;
            if (zi[k] >= 0 && fabs((double)pr[zi[k]] - (double)pr[pi[k]]) <= 2 * r->tol) continue;
            r->top5_ok = false;
            snprintf(r->top5_msg, sizeof r->top5_msg,
                     "image %d: zoo top-5 %d %d %d %d %d, paddle %d %d %d %d %d", b, zi[0], zi[1],
                     zi[2], zi[3], zi[4], pi[0], pi[1], pi[2], pi[3], pi[4]);
            break;
        }
    }
}

/* ---- the check ---------------------------------------------------------------------------- */

typedef struct counts {
    int passed, failed, skipped;
} counts;

typedef struct opts {
    const char *golden;
    const char *tmpdir;
    bool full, selftest;
    const char *backend; /* --backend, default "cpu" */
    bool fp16;           /* --fp16: vulkan fp16 storage, top-1 check */
    double tol_rel;      /* TOL_REL on cpu, 1e-3 on vulkan */
} opts;

/* --fp16: every image's top-1 class is Paddle's */
static bool top1_same(const float *zoo, const float *ref, int batch, int classes, char *why,
                      size_t n) {
    for (int b = 0; b < batch; b++) {
        int zi[5], pi[5];
        top5(zoo + (size_t)b * classes, classes, zi);
        top5(ref + (size_t)b * classes, classes, pi);
        if (zi[0] != pi[0]) {
            snprintf(why, n, "image %d: zoo top-1 %d, paddle %d", b, zi[0], pi[0]);
            return false;
        }
    }
    return true;
}

static void line(counts *c, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void line(counts *c, const char *status, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("%s ", status);
    vprintf(fmt, ap);
    printf("\n");
    fflush(stdout);
    va_end(ap);
    if (!strcmp(status, "PASS")) c->passed++;
    else if (!strcmp(status, "SKIP")) c->skipped++;
    else c->failed++;
}

/* Runs `w` on the input; 0 or -1 with msg. */
static int run_model(zoo_ctx *ctx, const opts *o, const char *model, const zoo_weights *w,
                     const npy_array *in, float *out, int classes, char *msg) {
    zoo_error e = {0};
    int rc = -1;
    zoo_runner *r = NULL;
    zoo_graph *g = zoo_model_build(ctx, model, 0, 0, &e);
    if (!g) return fail_msg(msg, "build: %s", e.msg);
    zoo_shape is = zoo_graph_input_shape(g), os = zoo_graph_output_shape(g);
    if (is.c != in->dims[1] || is.h != in->dims[2] || is.w != in->dims[3]) {
        fail_msg(msg, "graph input is %dx%dx%d, input.npy is %lldx%lldx%lld", is.c, is.h, is.w,
                 (long long)in->dims[1], (long long)in->dims[2], (long long)in->dims[3]);
        goto out;
    }
    if ((int64_t)os.c * os.h * os.w != classes) {
        fail_msg(msg, "graph output is %dx%dx%d, logits have %d classes", os.c, os.h, os.w, classes);
        goto out;
    }
    if (zoo_graph_bind(g, w, &e) != 0) {
        fail_msg(msg, "bind: %s", e.msg);
        goto out;
    }
    r = zoo_runner_new(g,
                       &(zoo_runner_opts){.backend = o->backend, .device = -1, .fp16 = o->fp16,
                                          .max_batch = (int)in->dims[0]},
                       &e);
    if (!r) {
        fail_msg(msg, "runner: %s", e.msg);
        goto out;
    }
    if (zoo_runner_run(r, in->data, (int)in->dims[0], out, &e) != 0) {
        fail_msg(msg, "run: %s", e.msg);
        goto out;
    }
    rc = 0;
out:
    zoo_runner_free(r);
    zoo_graph_free(g);
    return rc;
}

typedef struct fixture_out {
    float *out; /* zoo output, batch x classes; NULL if not run */
} fixture_out;

static void check_model(zoo_ctx *ctx, const opts *o, const char *mdir, counts *c) {
    char path[4096], msg[MSG];
    path_join(path, sizeof path, mdir, "meta.json", NULL);
    json_error_t je;
    json_t *meta = json_load_file(path, 0, &je);
    if (!meta) {
        line(c, "FAIL", "%s: %s (line %d)", path, je.text, je.line);
        return;
    }
    const char *model = jstr(meta, "model", "?");
    const char *family = jstr(meta, "family", "?");
    const double noise = json_number_value(json_object_get(meta, "fp32_vs_fp64_err"));
    json_t *fx = json_object_get(meta, "fixtures");
    size_t nfx = json_array_size(fx);
    npy_array in = {0};
    fixture_out *outs = NULL;
    zoo_weights *base_w = NULL;
    char base_path[4096] = "", base_name[128] = "";
    if (!zoo_model_find(ctx, model)) {
        line(c, "SKIP", "%s: family plugin %s not available", model, family);
        goto done;
    }
    if (!nfx) {
        line(c, "FAIL", "%s: no fixtures in %s", model, path);
        goto done;
    }
    path_join(path, sizeof path, mdir, "input.npy", NULL);
    if (npy_read(path, &in, msg) != 0 || in.ndim != 4 || in.dims[1] != 3) {
        line(c, "FAIL", "%s: %s", model, in.data ? "input.npy is not [N,3,H,W]" : msg);
        goto done;
    }
    const int batch = (int)in.dims[0];
    outs = calloc(nfx, sizeof *outs);
    if (!outs) {
        line(c, "FAIL", "%s: out of memory", model);
        goto done;
    }
    /* the first self-test's reference, for --selftest */
    const char *swap_ref = NULL;
    for (size_t i = 0; i < nfx && o->selftest; i++)
        if (!strcmp(jstr(json_array_get(fx, i), "expect", "pass"), "fail")) {
            swap_ref = jstr(json_array_get(fx, i), "logits", NULL);
            break;
        }
    if (o->selftest && !swap_ref) {
        line(c, "SKIP", "%s: no self-test fixture", model);
        goto done;
    }

    for (size_t i = 0; i < nfx; i++) {
        json_t *f = json_array_get(fx, i);
        const char *fname = jstr(f, "name", "?"), *file = jstr(f, "file", NULL);
        const char *logits = jstr(f, "logits", NULL);
        bool expect_fail = !strcmp(jstr(f, "expect", "pass"), "fail");
        if (!file || !logits) {
            line(c, "FAIL", "%s [%s]: fixture lacks file/logits in meta.json", model, fname);
            continue;
        }
        if (o->selftest) {
            if (expect_fail) continue;
            logits = swap_ref;
        }
        npy_array ref;
        path_join(path, sizeof path, mdir, logits, NULL);
        if (npy_read(path, &ref, msg) != 0) {
            line(c, "FAIL", "%s [%s]: %s", model, fname, msg);
            continue;
        }
        if (ref.ndim != 2 || ref.dims[0] != batch) {
            line(c, "FAIL", "%s [%s]: %s is not [%d, classes]", model, fname, logits, batch);
            npy_free(&ref);
            continue;
        }
        const int classes = (int)ref.dims[1];
        cmp_result cr;

        if (expect_fail && strcmp(o->backend, "cpu") != 0) {
            line(c, "SKIP", "%s [%s]: self-tests are checked on cpu only", model, fname);
            npy_free(&ref);
            continue;
        }
        if (expect_fail) {
            /* the output zoo produced for the same weight file */
            const float *zo = NULL;
            for (size_t j = 0; j < i && !zo; j++)
                if (outs[j].out && !strcmp(jstr(json_array_get(fx, j), "file", ""), file))
                    zo = outs[j].out;
            if (!zo) {
                line(c, "FAIL", "%s [%s]: no zoo output for %s to check the self-test with", model,
                     fname, file);
            } else {
                compare(zo, ref.data, batch, classes, noise, o->tol_rel, &cr);
                if (!cr.within)
                    line(c, "PASS", "%s [%s] oracle catches it: max_err=%.3g > tol=%.3g (%s)", model,
                         fname, cr.max_err, cr.tol, jstr(f, "what", ""));
                else
                    line(c, "FAIL", "%s [%s] NOT caught: max_err=%.3g <= tol=%.3g (%s)", model, fname,
                         cr.max_err, cr.tol, jstr(f, "what", ""));
            }
            npy_free(&ref);
            continue;
        }

        /* convert */
        char src[4096], dst[4096];
        char leaf[512];
        snprintf(leaf, sizeof leaf, "%.200s.%.200s", model, fname);
        if (!path_join(src, sizeof src, mdir, file, NULL) ||
            !path_join(dst, sizeof dst, o->tmpdir, leaf, ".zoo")) {
            line(c, "FAIL", "%s [%s]: path too long", model, fname);
            npy_free(&ref);
            continue;
        }
        zoo_error e = {0};
        double t0 = now_s();
        int rc = zoo_convert(ctx, model, src, dst, &(zoo_convert_opts){.dtype = ZOO_DT_F32}, &e);
        double t_conv = now_s() - t0;
        if (rc != 0) {
            line(c, "FAIL", "%s [%s]: convert %s: %s", model, fname, file, e.msg);
            npy_free(&ref);
            continue;
        }
        zoo_weights *w = zoo_weights_open(dst, 0, &e);
        if (!w) {
            line(c, "FAIL", "%s [%s]: open converted %s: %s", model, fname, dst, e.msg);
            unlink(dst);
            npy_free(&ref);
            continue;
        }
        float *out = malloc((size_t)batch * classes * sizeof *out);
        if (!out) {
            line(c, "FAIL", "%s [%s]: out of memory", model, fname);
            zoo_weights_close(w);
            unlink(dst);
            npy_free(&ref);
            continue;
        }
        bool reused = false;
        double t_run = 0.0;
        if (base_w && !o->full && same_tensors(base_w, w)) {
            for (size_t j = 0; j < i && !reused; j++)
                if (outs[j].out && !strcmp(jstr(json_array_get(fx, j), "name", ""), base_name)) {
                    memcpy(out, outs[j].out, (size_t)batch * classes * sizeof *out);
                    reused = true;
                }
        }
        if (!reused) {
            t0 = now_s();
            rc = run_model(ctx, o, model, w, &in, out, classes, msg);
            t_run = now_s() - t0;
            if (rc != 0) {
                line(c, "FAIL", "%s [%s]: %s", model, fname, msg);
                free(out);
                zoo_weights_close(w);
                unlink(dst);
                npy_free(&ref);
                continue;
            }
        }
        outs[i].out = out;
        compare(out, ref.data, batch, classes, noise, o->tol_rel, &cr);
        bool ok = cr.within && cr.top5_ok;
        if (o->fp16) { /* fp16 storage: top-1 only (max_err and top5 shown for information) */
            char why[128] = "";
            ok = top1_same(out, ref.data, batch, classes, why, sizeof why);
            if (!ok) snprintf(cr.top5_msg, sizeof cr.top5_msg, "%s", why), cr.top5_ok = false;
        }
        /* information only: zoo against Paddle's float64 run of the same network */
        char exact[64] = "";
        const char *l64 = jstr(f, "logits_fp64", NULL);
        npy_array r64;
        if (l64 && !o->selftest && path_join(path, sizeof path, mdir, l64, NULL) &&
            npy_read(path, &r64, msg) == 0) {
            if (r64.numel == (int64_t)batch * classes) {
                double m = 0.0;
                for (int64_t k = 0; k < r64.numel; k++)
                    m = fmax(m, fabs((double)out[k] - (double)r64.data[k]));
                snprintf(exact, sizeof exact, " vs_fp64=%.3g", m);
            }
            npy_free(&r64);
        }
        char extra[320];
        if (reused) snprintf(extra, sizeof extra, "weights identical to [%s], output reused", base_name);
        else snprintf(extra, sizeof extra, "run=%.2fs", t_run);
        line(c, ok ? "PASS" : "FAIL", "%s [%s] max_err=%.3g tol=%.3g%s top5=%s convert=%.2fs %s%s%s",
             model, fname, cr.max_err, cr.tol, exact, cr.top5_ok ? "ok" : "DIFFERS", t_conv, extra,
             cr.top5_ok ? "" : ": ", cr.top5_msg);
        if (!base_w && !reused) { /* the first format that ran: keep it to compare the others */
            base_w = w;
            snprintf(base_path, sizeof base_path, "%s", dst);
            snprintf(base_name, sizeof base_name, "%s", fname);
        } else {
            zoo_weights_close(w);
            unlink(dst);
        }
        npy_free(&ref);
    }
done:
    if (base_w) {
        zoo_weights_close(base_w);
        unlink(base_path);
    }
    for (size_t i = 0; outs && i < nfx; i++) free(outs[i].out);
    free(outs);
    npy_free(&in);
    json_decref(meta);
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends a copy of s to the growing list; exits on out of memory (a test tool, at startup). */
static void push_name(char ***names, size_t *n, size_t *cap, const char *s) {
    if (*n == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **p = realloc(*names, nc * sizeof *p);
        if (!p) {
            fprintf(stderr, "golden_check: out of memory\n");
            exit(2);
        }
        *names = p;
        *cap = nc;
    }
    char *d = strdup(s);
    if (!d) {
        fprintf(stderr, "golden_check: out of memory\n");
        exit(2);
    }
    (*names)[(*n)++] = d;
}

static void usage(void) {
    fprintf(stderr,
            "usage: golden_check [--golden DIR] [--plugins DIR] [--models A,B] [--full] [--selftest]\n"
            "                    [--backend NAME [--fp16]]\n"
            "       golden_check --npy-selftest DIR\n"
            "  --golden DIR   fixtures from tests/golden/gen.py (default $ZOO_GOLDEN_DIR or build/golden)\n"
            "  --plugins DIR  family plugins to load (default $BUILD/plugins or build/plugins)\n"
            "  --models A,B   only these models\n"
            "  --full         run every format, even when its weights equal the first format's\n"
            "  --selftest     compare against the wrong-network logits: everything must FAIL\n"
            "  --backend NAME run on NAME (cpu, vulkan; default cpu); vulkan: tol 1e-3 * max(1, |paddle|)\n"
            "  --fp16         with --backend vulkan: fp16 storage, PASS iff every top-1 is Paddle's\n");
}

int main(int argc, char **argv) {
    opts o = {0};
    const char *plugins = NULL, *models = NULL;
    o.golden = getenv("ZOO_GOLDEN_DIR");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--golden") && i + 1 < argc) o.golden = argv[++i];
        else if (!strcmp(a, "--plugins") && i + 1 < argc) plugins = argv[++i];
        else if (!strcmp(a, "--models") && i + 1 < argc) models = argv[++i];
        else if (!strcmp(a, "--full")) o.full = true;
        else if (!strcmp(a, "--selftest")) o.selftest = true;
        else if (!strcmp(a, "--npy-selftest") && i + 1 < argc) return npy_selftest(argv[++i]);
        else if (!strcmp(a, "--backend") && i + 1 < argc) o.backend = argv[++i];
        else if (!strcmp(a, "--fp16")) o.fp16 = true;
        else {
            usage();
            return 2;
        }
    }
    if (!o.backend) o.backend = "cpu";
    if (o.fp16 && strcmp(o.backend, "vulkan") != 0) {
        usage();
        return 2;
    }
    o.tol_rel = strcmp(o.backend, "vulkan") == 0 ? 1e-3 : TOL_REL;
    if (!o.golden || !*o.golden) o.golden = "build/golden";
    char plugdir[4096];
    if (!plugins) {
        const char *b = getenv("BUILD");
        snprintf(plugdir, sizeof plugdir, "%s/plugins", b && *b ? b : "build");
        plugins = plugdir;
    }

    /* the models: --models, else every directory with a meta.json, sorted */
    char **names = NULL;
    size_t n = 0, cap = 0;
    if (models) {
        char *copy = strdup(models), *save = NULL;
        if (!copy) return 2;
        for (char *t = strtok_r(copy, ",", &save); t; t = strtok_r(NULL, ",", &save))
            push_name(&names, &n, &cap, t);
        free(copy);
    } else {
        DIR *d = opendir(o.golden);
        if (!d) {
            fprintf(stderr, "golden_check: %s: %s (run tests/golden/gen.py first)\n", o.golden,
                    strerror(errno));
            return 2;
        }
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.' || de->d_name[0] == '_') continue;
            char p[4096];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s/meta.json", o.golden, de->d_name);
            if (stat(p, &st) != 0) continue;
            push_name(&names, &n, &cap, de->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
    }
    if (!n) {
        fprintf(stderr, "golden_check: no fixtures under %s\n", o.golden);
        return 2;
    }

    const char *tmp = getenv("TMPDIR");
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/zoo-golden-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "golden_check: mkdtemp %s: %s\n", tmpl, strerror(errno));
        return 2;
    }
    o.tmpdir = tmpl;

    zoo_error e = {0};
    const char *dirs[] = {plugins, NULL};
    zoo_ctx *ctx = zoo_ctx_new(&(zoo_ctx_opts){.plugin_dirs = dirs, .no_env = true}, &e);
    if (!ctx) {
        fprintf(stderr, "golden_check: %s\n", e.msg);
        rmdir(tmpl);
        return 2;
    }
    printf("golden_check: zoo %s, %d plugin(s) from %s, %d model(s) registered, fixtures %s, "
           "backend %s%s\n",
           zoo_version(), zoo_ctx_plugin_count(ctx), plugins, zoo_model_count(ctx), o.golden,
           o.backend, o.fp16 ? " (fp16)" : "");
    for (int i = 0; i < zoo_ctx_warning_count(ctx); i++)
        printf("golden_check: plugin warning: %s\n", zoo_ctx_warning(ctx, i));

    counts c = {0};
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        char mdir[3072];
        if (!path_join(mdir, sizeof mdir, o.golden, names[i], NULL)) {
            line(&c, "FAIL", "%s: path too long", names[i]);
        } else {
            check_model(ctx, &o, mdir, &c);
        }
        free(names[i]);
    }
    free(names);
    zoo_ctx_free(ctx);
    rmdir(tmpl);
    struct rusage ru;
    double cpu = 0.0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
              (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    printf("golden_check: %.1f s wall, %.1f s CPU\n", now_s() - t0, cpu);
    printf("%d passed, %d failed, %d skipped\n", c.passed, c.failed, c.skipped);
    return c.failed ? 1 : 0;
}
