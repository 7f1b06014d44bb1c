/* tests/unit/test_convert.c - zoo_convert / zoo_convert_graph (converter/convert.c)
 * and source detection (converter/detect.c).
 *
 * Sources are real Paddle files: the MobileNetV3 .pdparams and its inference
 * export (../shared), the fixtures of tests/fixtures/pickle (one "Tiny" model -
 * Conv2D 2->3 3x3, BatchNorm2D(3), Linear 4->2 - saved with paddle.save at
 * protocols 2/3/4 and exported with paddle.jit.save, old IR and PIR; a
 * paddle.static.save file keyed by parameter names), and a tarball made with
 * tar(1) from the inference fixture. The Tiny graph is built here by hand
 * with the same builder the plugins use. Bytes are compared exactly (the
 * converter copies, it does not compute), except --dtype f16 which must equal
 * zoo_f32_to_f16 of every source value.
 */
#include <dirent.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "converter/convert_impl.h"
#include "converter/detect.h"
#include "converter/readers.h"
#include "support/test_support.h"

/* ---- helpers ----------------------------------------------------------------- */

static const char *fixture(char *buf, size_t size, const char *name) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    if (snprintf(buf, size, "%s/../tests/fixtures/pickle/%s", b, name) >= (int)size) fail_msg("path");
    return buf;
}

static const char *shared_file(char *buf, size_t size, const char *rel) {
    char s[PATH_MAX];
    if (!test_shared_dir(s, sizeof s)) return NULL;
    if (snprintf(buf, size, "%s/data/paddle-files/%s", s, rel) >= (int)size) fail_msg("path");
    return buf;
}

static const char *join(char *buf, size_t size, const char *dir, const char *name) {
    if (snprintf(buf, size, "%s/%s", dir, name) >= (int)size) fail_msg("path");
    return buf;
}

static bool exists(const char *p) {
    struct stat st;
    return stat(p, &st) == 0;
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void sha256_file_hex(const char *path, char hex[65]) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    unsigned char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) EVP_DigestUpdate(c, buf, n);
    fclose(f);
    unsigned char md[32];
    unsigned int len;
    EVP_DigestFinal_ex(c, md, &len);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++) snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

static void convert_ok(const zoo_graph *g, const char *src, const char *out, const zoo_convert_opts *o) {
    zoo_error e = {0};
    if (zoo_convert_graph(g, src, out, o, &e)) fail_msg("convert %s: %s", src, e.msg);
}

static zoo_weights *open_ok(const char *path) {
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, &e); /* digest verified */
    if (!w) fail_msg("open %s: %s", path, e.msg);
    return w;
}

static void read_src(const char *src, zoo_tensor_list *l) {
    zoo_src_info si;
    zoo_error e = {0};
    if (zoo_detect_source(src, &si, &e)) fail_msg("%s", e.msg);
    int rc;
    if (si.kind == ZOO_SRC_PICKLE) rc = zoo_read_pdparams(si.path, l, &e);
    else if (si.kind == ZOO_SRC_INFERENCE)
        rc = zoo_read_pdiparams(si.model_path, si.params_path, si.info_path[0] ? si.info_path : NULL, l, &e);
    else rc = zoo_read_legacy_dir(si.path, l, &e);
    if (rc) fail_msg("%s", e.msg);
}

static void assert_same_tensor(const zoo_tensor_view *v, zoo_dtype dt, int ndim, const int64_t *dims,
                               const void *data, size_t nbytes) {
    assert_int_equal(v->dtype, dt);
    assert_int_equal(v->ndim, ndim);
    for (int d = 0; d < ndim; d++) assert_true(v->dims[d] == dims[d]);
    assert_int_equal(v->nbytes, nbytes);
    if (nbytes) assert_memory_equal(v->data, data, nbytes);
}

/* Raw conversion: the native file holds exactly the source's tensors. */
static void check_raw(const char *src, const char *out) {
    convert_ok(NULL, src, out, NULL);
    zoo_tensor_list l;
    read_src(src, &l);
    zoo_weights *w = open_ok(out);
    assert_int_equal(zoo_weights_count(w), l.n);
    for (int i = 0; i < l.n; i++) {
        zoo_tensor_view v;
        const zoo_src_tensor *t = &l.items[i];
        if (zoo_weights_find(w, t->name, &v)) fail_msg("%s: %s missing", out, t->name);
        assert_same_tensor(&v, t->dtype, t->ndim, t->dims, t->data, t->nbytes);
    }
    assert_string_equal(zoo_weights_meta(w, "zoo.model"), "");
    assert_string_equal(zoo_weights_meta(w, "zoo.source_format"), l.format);
    assert_string_equal(zoo_weights_meta(w, "zoo.converter_version"), ZOO_VERSION_STRING);
    zoo_weights_close(w);
    zoo_tensor_list_free(&l);
}

/* ---- the hand-built Tiny graph --------------------------------------------- */

typedef struct tiny_opts {
    bool param_names;   /* canonical names = Paddle parameter names (conv2d_0.w_0 ...) */
    bool bad;           /* 2x2 kernel, no fc bias, an extra conv: all three kinds of problem */
    bool extra_optional;/* the extra conv weight exists and is optional */
    bool ignore_bias;   /* no fc bias; "fc.bias" declared ignorable */
} tiny_opts;

static zoo_graph *tiny_graph(tiny_opts t) {
    const zoo_host_api *h = zoo_host();
    zoo_graph *g = zoo_graph_new("Tiny");
    assert_non_null(g);
    const char *n[8] = {"conv.weight", "conv.bias", "bn.weight", "bn.bias",
                        "bn._mean",    "bn._variance", "fc.weight", "fc.bias"};
    const char *pn[8] = {"conv2d_0.w_0", "conv2d_0.b_0", "batch_norm2d_0.w_0", "batch_norm2d_0.b_0",
                         "batch_norm2d_0.w_1", "batch_norm2d_0.w_2", "linear_0.w_0", "linear_0.b_0"};
    const char *const *N = t.param_names ? pn : n;
    zoo_value x = h->input(g, "x", 2, 4, 4);
    zoo_conv2d_desc cd = {.out_channels = 3, .kernel_h = t.bad ? 2 : 3, .kernel_w = t.bad ? 2 : 3};
    x = h->conv2d(g, "conv", x, &cd, N[0], N[1]);
    x = h->batchnorm(g, "bn", x, 1e-5f, N[2], N[3], N[4], N[5]);
    x = h->slice(g, "first", x, 1, 0, 1);
    bool no_bias = t.bad || t.ignore_bias;
    x = h->linear(g, "fc", x, 2, N[6], no_bias ? NULL : N[7]);
    if (t.bad || t.extra_optional) {
        zoo_conv2d_desc e1 = {.out_channels = 2, .kernel_h = 1, .kernel_w = 1};
        x = h->conv2d(g, "extra", x, &e1, "extra.weight", NULL);
        if (t.extra_optional) h->param_flags(g, "extra.weight", ZOO_PARAM_OPTIONAL);
    }
    if (t.ignore_bias) h->ignore_source(g, "fc.bias");
    h->output(g, x);
    zoo_error e = {0};
    if (zoo_graph_finalize(g, &e)) fail_msg("tiny graph: %s", e.msg);
    return g;
}

/* Checks a model conversion of the Tiny weights against tiny_p4.pdparams. */
static void check_tiny_native(const char *out, const zoo_graph *g) {
    char p[PATH_MAX];
    zoo_tensor_list l;
    read_src(fixture(p, sizeof p, "tiny_p4.pdparams"), &l);
    zoo_weights *w = open_ok(out);
    int np = zoo_graph_param_count(g);
    assert_int_equal(zoo_weights_count(w), np);
    for (int i = 0; i < np; i++) {
        zoo_param_info pi;
        zoo_graph_param(g, i, &pi);
        zoo_tensor_view v;
        assert_int_equal(zoo_weights_get(w, i, &v), 0); /* graph order */
        assert_string_equal(v.name, pi.name);
        const zoo_src_tensor *t = &l.items[i]; /* the fixture stores them in graph order too */
        assert_same_tensor(&v, ZOO_DT_F32, t->ndim, t->dims, t->data, t->nbytes);
    }
    assert_string_equal(zoo_weights_meta(w, "zoo.model"), "Tiny");
    zoo_weights_close(w);
    zoo_tensor_list_free(&l);
}

/* ---- tests -------------------------------------------------------------------- */

static void test_detect(void **state) {
    (void)state;
    char p[PATH_MAX], s[PATH_MAX];
    zoo_src_info si;
    zoo_error e = {0};
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "tiny_p2.pdparams"), &si, &e), 0);
    assert_int_equal(si.kind, ZOO_SRC_PICKLE);
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "tiny_infer"), &si, &e), 0);
    assert_int_equal(si.kind, ZOO_SRC_INFERENCE);
    assert_non_null(strstr(si.model_path, "inference.pdmodel"));
    assert_non_null(strstr(si.info_path, "inference.pdiparams.info"));
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "tiny_infer_pir"), &si, &e), 0);
    assert_int_equal(si.kind, ZOO_SRC_INFERENCE);
    assert_non_null(strstr(si.model_path, "inference.json"));
    assert_string_equal(si.info_path, "");
    /* one file of the model, or its prefix, stands for the whole model */
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "tiny_infer/inference.pdiparams"), &si, &e), 0);
    assert_int_equal(si.kind, ZOO_SRC_INFERENCE);
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "tiny_infer/inference"), &si, &e), 0);
    assert_int_equal(si.kind, ZOO_SRC_INFERENCE);
    if (shared_file(s, sizeof s, "legacy-squeezenet-gesture")) {
        /* a directory holding a single directory: the inner one */
        assert_int_equal(zoo_detect_source(s, &si, &e), 0);
        assert_int_equal(si.kind, ZOO_SRC_LEGACY_DIR);
        assert_non_null(strstr(si.path, "legacy-squeezenet-gesture/model"));
    }
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "nope"), &si, &e), ZOO_ERR_NOTFOUND);
    assert_int_equal(zoo_detect_source(fixture(p, sizeof p, "make_fixtures.py"), &si, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "unrecognised weight format (first bytes 23 21"));
    /* magic numbers */
    uint8_t tar[512] = {0};
    memcpy(tar + 257, "ustar", 5);
    assert_int_equal(zoo_detect_bytes(tar, sizeof tar), ZOO_SRC_TAR);
    assert_int_equal(zoo_detect_bytes((const uint8_t *)"\x1f\x8b\x08", 3), ZOO_SRC_GZIP);
    assert_int_equal(zoo_detect_bytes((const uint8_t *)"PK\x03\x04", 4), ZOO_SRC_ZIP);
    assert_int_equal(zoo_detect_bytes((const uint8_t *)"\x80\x04\x95", 3), ZOO_SRC_PICKLE);
    assert_int_equal(zoo_detect_bytes((const uint8_t *)"\x80\x09", 2), ZOO_SRC_UNKNOWN);
}

static void test_raw_real_files(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], s[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    const char *srcs[] = {"mobilenetv3-small-x0_35-3cls/output/model.pdparams",
                          "mobilenetv3-small-x0_35-3cls/inference", "mlp-protocol2/model.pdparams",
                          "legacy-squeezenet-gesture"};
    for (int i = 0; i < 4; i++) {
        if (!shared_file(s, sizeof s, srcs[i])) skip();
        snprintf(out, sizeof out, "%s/raw%d.zoo", dir, i);
        check_raw(s, out);
        char hex[65];
        if (i == 0 || i == 2) { /* provenance: SHA-256 of the source file */
            sha256_file_hex(s, hex);
            zoo_weights *w = open_ok(out);
            assert_string_equal(zoo_weights_meta(w, "zoo.source_sha256"), hex);
            zoo_weights_close(w);
        }
    }
    test_rmtree(dir);
}

/* The MobileNetV3 .pdparams and its inference export hold identical tensors:
 * structured key k in the .pdparams <-> parameter name table[k] in the .pdiparams. */
static void test_pdparams_equals_pdiparams(void **state) {
    (void)state;
    char dir[PATH_MAX], a[PATH_MAX + 16], b[PATH_MAX + 16], s1[PATH_MAX], s2[PATH_MAX];
    if (!shared_file(s1, sizeof s1, "mobilenetv3-small-x0_35-3cls/output/model.pdparams")) skip();
    shared_file(s2, sizeof s2, "mobilenetv3-small-x0_35-3cls/inference");
    test_tmpdir(dir, sizeof dir);
    join(a, sizeof a, dir, "pd.zoo");
    join(b, sizeof b, dir, "inf.zoo");
    convert_ok(NULL, s1, a, NULL);
    convert_ok(NULL, s2, b, NULL);
    zoo_tensor_list lp, li;
    read_src(s1, &lp);
    read_src(s2, &li);
    assert_int_equal(lp.n, 214);
    assert_int_equal(li.n, 214);
    assert_int_equal(li.n_names, 214); /* from the .info, "base_model." stripped */
    zoo_weights *wa = open_ok(a), *wb = open_ok(b);
    assert_int_equal(zoo_weights_count(wa), zoo_weights_count(wb));
    int matched = 0;
    for (int i = 0; i < lp.n_names; i++) {
        const char *key = lp.names[i].key, *param = lp.names[i].value;
        /* both name tables agree */
        int k = -1;
        for (int j = 0; j < li.n_names; j++)
            if (!strcmp(li.names[j].key, key)) k = j;
        if (k < 0) fail_msg("%s is not in the .pdiparams.info", key);
        assert_string_equal(li.names[k].value, param);
        zoo_tensor_view va, vb;
        assert_int_equal(zoo_weights_find(wa, key, &va), 0);
        assert_int_equal(zoo_weights_find(wb, param, &vb), 0);
        assert_same_tensor(&vb, va.dtype, va.ndim, va.dims, va.data, va.nbytes);
        matched++;
    }
    assert_int_equal(matched, 214);
    zoo_weights_close(wa);
    zoo_weights_close(wb);
    zoo_tensor_list_free(&lp);
    zoo_tensor_list_free(&li);
    test_rmtree(dir);
}

static void test_model_conversion(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    zoo_graph *g = tiny_graph((tiny_opts){0});
    /* every source form of the same weights gives the same native file contents */
    const char *srcs[] = {"tiny_p2.pdparams", "tiny_p3.pdparams", "tiny_p4.pdparams", "tiny_infer",
                          "tiny_infer/inference.pdmodel"};
    for (int i = 0; i < 5; i++) {
        snprintf(out, sizeof out, "%s/tiny%d.zoo", dir, i);
        convert_ok(g, fixture(p, sizeof p, srcs[i]), out, NULL);
        check_tiny_native(out, g);
    }
    /* canonical names = the Paddle parameter names: mapped through the name table */
    zoo_graph *gp = tiny_graph((tiny_opts){.param_names = true});
    join(out, sizeof out, dir, "byname.zoo");
    convert_ok(gp, fixture(p, sizeof p, "tiny_p4.pdparams"), out, NULL);
    check_tiny_native(out, gp);
    zoo_graph_free(gp);
    /* an optional parameter absent from the source is left out */
    zoo_graph *go = tiny_graph((tiny_opts){.extra_optional = true});
    join(out, sizeof out, dir, "optional.zoo");
    convert_ok(go, fixture(p, sizeof p, "tiny_p4.pdparams"), out, NULL);
    zoo_weights *w = open_ok(out);
    assert_int_equal(zoo_weights_count(w), 8);
    zoo_tensor_view v;
    assert_int_equal(zoo_weights_find(w, "extra.weight", &v), -1);
    zoo_weights_close(w);
    zoo_graph_free(go);
    /* a source tensor the model declares ignorable is dropped */
    zoo_graph *gi = tiny_graph((tiny_opts){.ignore_bias = true});
    join(out, sizeof out, dir, "ignored.zoo");
    convert_ok(gi, fixture(p, sizeof p, "tiny_p4.pdparams"), out, NULL);
    w = open_ok(out);
    assert_int_equal(zoo_weights_count(w), 7);
    assert_int_equal(zoo_weights_find(w, "fc.bias", &v), -1);
    zoo_weights_close(w);
    zoo_graph_free(gi);
    zoo_graph_free(g);
    test_rmtree(dir);
}

/* paddle.static.save keys by parameter name; the graph names them by alias. */
static void test_aliases(void **state) {
    (void)state;
    const zoo_host_api *h = zoo_host();
    zoo_graph *g = zoo_graph_new("StaticFc");
    zoo_value x = h->input(g, "x", 3, 1, 1);
    x = h->linear(g, "fc", x, 2, "fc.weight", "fc.bias");
    h->param_alias(g, "fc.weight", "fc_weights");
    h->param_alias(g, "fc.bias", "fc_offset");
    h->output(g, x);
    zoo_error e = {0};
    assert_int_equal(zoo_graph_finalize(g, &e), 0);
    char dir[PATH_MAX], out[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    join(out, sizeof out, dir, "static.zoo");
    convert_ok(g, fixture(p, sizeof p, "static_p2.pdparams"), out, NULL);
    zoo_tensor_list l;
    read_src(p, &l);
    zoo_weights *w = open_ok(out);
    zoo_tensor_view v;
    assert_int_equal(zoo_weights_find(w, "fc.weight", &v), 0);
    const zoo_src_tensor *t = &l.items[zoo_tensor_list_find(&l, "fc_weights")];
    assert_same_tensor(&v, ZOO_DT_F32, 2, t->dims, t->data, t->nbytes);
    assert_int_equal(zoo_weights_find(w, "fc.bias", &v), 0);
    assert_string_equal(zoo_weights_meta(w, "zoo.model"), "StaticFc");
    zoo_weights_close(w);
    zoo_tensor_list_free(&l);
    zoo_graph_free(g);
    test_rmtree(dir);
}

static void test_mismatch_report(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    zoo_graph *g = tiny_graph((tiny_opts){.bad = true});
    join(out, sizeof out, dir, "bad.zoo");
    zoo_error e = {0};
    int rc = zoo_convert_graph(g, fixture(p, sizeof p, "tiny_p4.pdparams"), out, NULL, &e);
    assert_int_equal(rc, ZOO_ERR_INPUT);
    assert_int_equal(e.code, ZOO_ERR_INPUT);
    const char *want[] = {"tiny_p4.pdparams does not fit Tiny:", "1 missing (extra.weight)",
                          "1 unexpected (fc.bias)",
                          "2 mis-shaped (conv.weight is [3,2,3,3], model wants [3,2,2,2], "
                          "fc.weight is [4,2], model wants [9,2])"};
    for (int i = 0; i < 4; i++)
        if (!strstr(e.msg, want[i])) fail_msg("'%s' lacks '%s'", e.msg, want[i]);
    assert_null(strchr(e.msg, '\n'));
    /* nothing written, nothing left behind */
    assert_false(exists(out));
    assert_int_equal(count_entries(dir), 0);
    zoo_graph_free(g);
    test_rmtree(dir);
}

static void test_failures_leave_nothing(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], bad[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    join(out, sizeof out, dir, "out.zoo");
    /* a truncated .pdparams */
    FILE *f = fopen(fixture(p, sizeof p, "tiny_p4.pdparams"), "rb");
    assert_non_null(f);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    join(bad, sizeof bad, dir, "cut.pdparams");
    f = fopen(bad, "wb");
    fwrite(buf, 1, n / 2, f);
    fclose(f);
    zoo_error e = {0};
    assert_int_equal(zoo_convert_graph(NULL, bad, out, NULL, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "cut.pdparams: byte "));
    assert_false(exists(out));
    /* a hostile pickle */
    assert_int_equal(zoo_convert_graph(NULL, fixture(p, sizeof p, "evil_os_system_p2.pkl"), out, NULL, &e),
                     ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "refused"));
    /* missing source, unknown format, bad dtype */
    assert_int_equal(zoo_convert_graph(NULL, fixture(p, sizeof p, "nope.pdparams"), out, NULL, &e),
                     ZOO_ERR_NOTFOUND);
    assert_int_equal(zoo_convert_graph(NULL, fixture(p, sizeof p, "expect.py"), out, NULL, &e),
                     ZOO_ERR_INPUT);
    zoo_convert_opts o = {.dtype = ZOO_DT_I8};
    assert_int_equal(zoo_convert_graph(NULL, fixture(p, sizeof p, "tiny_p4.pdparams"), out, &o, &e),
                     ZOO_ERR_INPUT);
    assert_false(exists(out));
    assert_int_equal(count_entries(dir), 1); /* only cut.pdparams */
    test_rmtree(dir);
}

static void test_f16(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    zoo_graph *g = tiny_graph((tiny_opts){0});
    join(out, sizeof out, dir, "half.zoo");
    zoo_convert_opts o = {.dtype = ZOO_DT_F16, .source_url = "https://example.invalid/tiny.pdparams",
                          .source_sha256 = NULL};
    convert_ok(g, fixture(p, sizeof p, "tiny_p2.pdparams"), out, &o);
    zoo_tensor_list l;
    read_src(p, &l);
    zoo_weights *w = open_ok(out);
    for (int i = 0; i < l.n; i++) {
        zoo_tensor_view v;
        assert_int_equal(zoo_weights_find(w, l.items[i].name, &v), 0);
        assert_int_equal(v.dtype, ZOO_DT_F16);
        assert_int_equal(v.numel, l.items[i].numel);
        for (int64_t k = 0; k < v.numel; k++) {
            float f;
            uint16_t h;
            memcpy(&f, (const char *)l.items[i].data + 4 * k, 4);
            memcpy(&h, (const char *)v.data + 2 * k, 2);
            assert_int_equal(h, zoo_f32_to_f16(f)); /* round to nearest even, exactly */
        }
    }
    assert_string_equal(zoo_weights_meta(w, "zoo.source_url"), o.source_url);
    assert_string_equal(zoo_weights_meta(w, "zoo.source_format"), "pdparams-p2");
    char hex[65];
    sha256_file_hex(p, hex);
    assert_string_equal(zoo_weights_meta(w, "zoo.source_sha256"), hex);
    zoo_weights_close(w);
    zoo_tensor_list_free(&l);
    zoo_graph_free(g);
    test_rmtree(dir);
}

/* An inference tarball (made with tar(1), as *_infer.tar are) is unpacked
 * privately and removed afterwards. */
static void test_tarball(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], tarp[PATH_MAX + 32], p[PATH_MAX], cmd[3 * PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    fixture(p, sizeof p, "");
    join(tarp, sizeof tarp, dir, "Tiny_infer.tar");
    snprintf(cmd, sizeof cmd, "tar -cf '%s' -C '%s' --transform 's,^tiny_infer,Tiny_infer,' tiny_infer",
             tarp, p);
    if (system(cmd) != 0) skip();
    char outdir[PATH_MAX + 16];
    join(outdir, sizeof outdir, dir, "out");
    assert_int_equal(mkdir(outdir, 0755), 0);
    join(out, sizeof out, outdir, "Tiny.zoo");
    zoo_graph *g = tiny_graph((tiny_opts){0});
    convert_ok(g, tarp, out, NULL);
    check_tiny_native(out, g);
    assert_int_equal(count_entries(outdir), 1); /* the private unpack dir is gone */
    char hex[65];
    sha256_file_hex(tarp, hex);
    zoo_weights *w = open_ok(out);
    assert_string_equal(zoo_weights_meta(w, "zoo.source_sha256"), hex);
    assert_string_equal(zoo_weights_meta(w, "zoo.source_format"), "pdiparams");
    zoo_weights_close(w);
    /* gzip'ed too */
    snprintf(cmd, sizeof cmd, "gzip -k '%s'", tarp);
    if (system(cmd) == 0) {
        strcat(tarp, ".gz");
        convert_ok(g, tarp, out, NULL);
        check_tiny_native(out, g);
        assert_int_equal(count_entries(outdir), 1);
    }
    zoo_graph_free(g);
    test_rmtree(dir);
}

/* Paddle 3's PIR export (inference.json, no .info) of the same weights: the
 * tensors are the same bytes under parameter names. */
static void test_pir_export(void **state) {
    (void)state;
    char dir[PATH_MAX], out[PATH_MAX + 32], p[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    join(out, sizeof out, dir, "pir.zoo");
    convert_ok(NULL, fixture(p, sizeof p, "tiny_infer_pir"), out, NULL);
    zoo_tensor_list l;
    read_src(fixture(p, sizeof p, "tiny_p4.pdparams"), &l);
    zoo_weights *w = open_ok(out);
    assert_int_equal(zoo_weights_count(w), l.n);
    for (int i = 0; i < l.n; i++) {
        int found = 0;
        for (int j = 0; j < zoo_weights_count(w); j++) {
            zoo_tensor_view v;
            zoo_weights_get(w, j, &v);
            if (v.nbytes == l.items[i].nbytes && v.ndim == l.items[i].ndim &&
                !memcmp(v.data, l.items[i].data, v.nbytes))
                found++;
        }
        if (found < 1) fail_msg("%s not in the PIR export", l.items[i].name);
    }
    zoo_weights_close(w);
    zoo_tensor_list_free(&l);
    test_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_raw_real_files),
        cmocka_unit_test(test_pdparams_equals_pdiparams),
        cmocka_unit_test(test_model_conversion),
        cmocka_unit_test(test_aliases),
        cmocka_unit_test(test_mismatch_report),
        cmocka_unit_test(test_failures_leave_nothing),
        cmocka_unit_test(test_f16),
        cmocka_unit_test(test_tarball),
        cmocka_unit_test(test_pir_export),
    };
    return cmocka_run_group_tests_name("convert", tests, NULL, NULL);
}
