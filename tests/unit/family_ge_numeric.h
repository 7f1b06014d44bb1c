/* tests/unit/family_ge_numeric.h - numeric check against real Paddle, shared
 * by test_family_ghostnet.c and test_family_efficientnet.c (included by both;
 * not a test binary itself).
 *
 *   fge_check_vs_paddle(ctx, model, h, w, tol)
 *       The real PaddleClas network (built by tests/golden/gen.py's own
 *       helpers: paddleclas model code, random reproducible weights with
 *       non-trivial BN statistics, LSUV-rescaled) is run by Paddle on one
 *       random [1,3,h,w] input; its state_dict (in state_dict order, which the
 *       parameter tests prove equals the graph's declaration order), the input
 *       and the logits come back as .npy files. zoo builds the model at h x w,
 *       binds the same numbers, runs the reference CPU backend and must agree:
 *       max |zoo - paddle| <= tol * max |paddle|. This covers what the golden
 *       suite (eval size only) does not: other input sizes, where PaddleClas'
 *       EfficientNet keeps its nominal-size SAME padding.
 *       Skips (returns) when there is no test python (ZOO_PY) or no
 *       tests/golden/gen.py.
 */
#ifndef ZOO_TEST_FAMILY_GE_NUMERIC_H
#define ZOO_TEST_FAMILY_GE_NUMERIC_H

#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "core/npy.h"
#include "support/test_support.h"
#include "zoo/zoo.h"

/* argv: gen.py, model, out dir, h, w. Prints nothing on success. */
static const char fge_paddle_script[] =
    "import importlib.util, os, sys\n"
    "import numpy as np\n"
    "spec = importlib.util.spec_from_file_location('zoo_golden_gen', sys.argv[1])\n"
    "gen = importlib.util.module_from_spec(spec)\n"
    "spec.loader.exec_module(gen)\n"
    "name, out, h, w = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])\n"
    "net = gen.build_paddleclas_model(name)\n"
    "rng = np.random.default_rng(gen.model_seed(name) + h * 1000 + w)\n"
    "gen.init_weights(net, rng)\n"
    "x = rng.standard_normal((1, 3, h, w)).astype(np.float32)\n"
    "gen.lsuv(net, x)\n"
    "flat = [v.numpy().astype(np.float32).ravel() for v in net.state_dict().values()]\n"
    "np.save(os.path.join(out, 'params.npy'), np.concatenate(flat))\n"
    "np.save(os.path.join(out, 'input.npy'), x)\n"
    "np.save(os.path.join(out, 'logits.npy'), gen.forward_logits(net, x))\n";

static inline void fge_read_npy(const char *dir, const char *file, zoo_npy *a) {
    char p[PATH_MAX];
    zoo_error e = {0};
    snprintf(p, sizeof p, "%s/%s", dir, file);
    if (zoo_npy_read(p, a, &e) != 0) fail_msg("%s", e.msg);
}

static inline void fge_check_vs_paddle(zoo_ctx *ctx, const char *model, int h, int w,
                                       double tol) {
    const char *py = test_python();
    char b[PATH_MAX], gen[PATH_MAX + 32], tmp[PATH_MAX], script[PATH_MAX + 16];
    struct stat st;
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(gen, sizeof gen, "%s/../tests/golden/gen.py", b);
    if (!py || stat(gen, &st) != 0) {
        print_message("[ SKIP     ] %s %dx%d: no test python or no tests/golden/gen.py\n", model,
                      h, w);
        return;
    }
    test_tmpdir(tmp, sizeof tmp);
    snprintf(script, sizeof script, "%s/ref.py", tmp);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(fge_paddle_script, 1, sizeof fge_paddle_script - 1, f),
                     sizeof fge_paddle_script - 1);
    assert_int_equal(fclose(f), 0);
    char cmd[4 * PATH_MAX + 256];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s' '%s' %d %d > '%s/log.txt' 2>&1", py, script,
             gen, model, tmp, h, w, tmp);
    int rc = system(cmd);
    if (rc != 0) {
        char log[PATH_MAX + 16], text[2048] = "";
        snprintf(log, sizeof log, "%s/log.txt", tmp);
        FILE *lf = fopen(log, "r");
        if (lf) {
            size_t n = fread(text, 1, sizeof text - 1, lf);
            text[n] = '\0';
            fclose(lf);
        }
        test_rmtree(tmp);
        fail_msg("%s: Paddle reference run failed (status %d):\n%s", model, rc, text);
    }
    zoo_npy prm, in, ref;
    fge_read_npy(tmp, "params.npy", &prm);
    fge_read_npy(tmp, "input.npy", &in);
    fge_read_npy(tmp, "logits.npy", &ref);
    test_rmtree(tmp);

    zoo_error e = {0};
    zoo_graph *g = zoo_model_build(ctx, model, h, w, &e);
    if (!g) fail_msg("zoo_model_build(%s, %d, %d): %s", model, h, w, e.msg);
    const int np = zoo_graph_param_count(g);
    const float **ptr = calloc((size_t)np, sizeof *ptr);
    assert_non_null(ptr);
    int64_t off = 0;
    for (int i = 0; i < np; i++) {
        zoo_param_info pi;
        assert_int_equal(zoo_graph_param(g, i, &pi), 0);
        ptr[i] = prm.data + (off < prm.numel ? off : 0);
        off += pi.numel;
    }
    if (off != prm.numel)
        fail_msg("%s: graph has %lld parameter elements, Paddle's state_dict %lld", model,
                 (long long)off, (long long)prm.numel);
    if (zoo_graph_bind_arrays(g, ptr, &e) != 0) fail_msg("%s: bind: %s", model, e.msg);
    zoo_runner_opts ro = {.backend = "cpu-ref", .max_batch = 1, .threads = 1};
    zoo_runner *r = zoo_runner_new(g, &ro, &e);
    if (!r) fail_msg("%s: runner: %s", model, e.msg);
    assert_int_equal(ref.numel, 1000);
    float out[1000];
    if (zoo_runner_run(r, in.data, 1, out, &e) != 0) fail_msg("%s: run: %s", model, e.msg);
    double maxd = 0, maxref = 0;
    int am = 0, bm = 0;
    for (int k = 0; k < 1000; k++) {
        double d = fabs((double)out[k] - ref.data[k]);
        if (d > maxd) maxd = d;
        if (fabs(ref.data[k]) > maxref) maxref = fabs(ref.data[k]);
        if (out[k] > out[am]) am = k;
        if (ref.data[k] > ref.data[bm]) bm = k;
    }
    print_message("[ INFO     ] %-20s %4dx%-4d vs Paddle: max|d| %.3g, max|logit| %.3g, "
                  "rel %.3g, top-1 %d / %d\n",
                  model, h, w, maxd, maxref, maxd / maxref, am, bm);
    zoo_runner_free(r);
    zoo_graph_free(g);
    free(ptr);
    zoo_npy_free(&prm);
    zoo_npy_free(&in);
    zoo_npy_free(&ref);
    if (!(maxd <= tol * maxref))
        fail_msg("%s at %dx%d: max |zoo - paddle| %.3g > %.0e x max |logit| %.3g", model, h, w,
                 maxd, tol, maxref);
}

#endif
