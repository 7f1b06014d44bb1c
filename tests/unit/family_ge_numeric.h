/* tests/unit/family_ge_numeric.h - numeric check against real Paddle, shared
 * by test_family_ghostnet.c and test_family_efficientnet.c (included by both;
 * not a test binary itself).
 *
 *   fge_check_vs_paddle(ctx, model, module, ctor, h, w, tol)
 *       The real PaddleClas network (paddleclas' model_zoo.<module>.<ctor>,
 *       random reproducible weights with non-trivial BN statistics, see the
 *       script below) is run by Paddle on one random [1,3,h,w] input; its state_dict (in state_dict order, which the
 *       parameter tests prove equals the graph's declaration order), the input
 *       and the logits come back as .npy files. zoo builds the model at h x w,
 *       binds the same numbers, runs the reference CPU backend and must agree:
 *       max |zoo - paddle| <= tol * max |paddle|. This covers what the golden
 *       suite (eval size only) does not: other input sizes, where PaddleClas'
 *       EfficientNet keeps its nominal-size SAME padding.
 *       Skips (returns) when there is no test python (ZOO_PY).
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

#include <cmocka.h>

#include "core/npy.h"
#include "support/test_support.h"
#include "zoo/zoo.h"

/* The Paddle side, self-contained (python -c style, written to a temp file).
 * argv: paddleclas module (model_zoo.<m>), constructor, out dir, h, w, seed.
 * PaddleClas' model modules are imported one by one through package shells,
 * so its package __init__ (CLI deps: requests, sklearn, cv2) is not run; the
 * only stub is ppcls.utils.save_load (no pretrained download). Weights: He
 * normal convs, 1/sqrt(in) linears, biases N(0, 0.2); BN scale U(0.5, 1.5),
 * bias N(0, 0.2), running mean N(0, 0.2), running var U(0.5, 2) with 10 % of
 * channels U(0.02, 0.1) (so that an epsilon mistake shows); then one LSUV-style
 * pass rescales every conv/linear to unit output RMS on the input (keeps deep
 * nets from exploding). Writes params.npy (state_dict order, flattened),
 * input.npy [1,3,h,w], logits.npy [1,1000]. */
static const char fge_paddle_script[] =
    "import importlib, logging, os, sys, types\n"
    "import numpy as np\n"
    "import paddle\n"
    "import paddle.nn as nn\n"
    "module, ctor, out = sys.argv[1], sys.argv[2], sys.argv[3]\n"
    "h, w, seed = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])\n"
    "root = os.path.join(os.path.dirname(os.path.dirname(paddle.__file__)), 'paddleclas')\n"
    "for name, sub in [('paddleclas', ''), ('paddleclas.ppcls', 'ppcls'),\n"
    "                  ('paddleclas.ppcls.arch', 'ppcls/arch'),\n"
    "                  ('paddleclas.ppcls.arch.backbone', 'ppcls/arch/backbone'),\n"
    "                  ('paddleclas.ppcls.arch.backbone.model_zoo', 'ppcls/arch/backbone/model_zoo'),\n"
    "                  ('paddleclas.ppcls.arch.backbone.base', 'ppcls/arch/backbone/base'),\n"
    "                  ('paddleclas.ppcls.utils', 'ppcls/utils')]:\n"
    "    m = types.ModuleType(name)\n"
    "    m.__path__ = [os.path.join(root, sub)]\n"
    "    sys.modules[name] = m\n"
    "sl = types.ModuleType('paddleclas.ppcls.utils.save_load')\n"
    "def no_pretrained(*a, **k):\n"
    "    raise RuntimeError('the test never loads pretrained weights')\n"
    "sl.load_dygraph_pretrain = no_pretrained\n"
    "sys.modules[sl.__name__] = sl\n"
    "importlib.import_module('paddleclas.ppcls.utils.logger').init_logger(log_level=logging.ERROR)\n"
    "mod = importlib.import_module('paddleclas.ppcls.arch.backbone.model_zoo.' + module)\n"
    "net = getattr(mod, ctor)(class_num=1000)\n"
    "net.eval()\n"
    "rng = np.random.default_rng(seed)\n"
    "def put(p, a):\n"
    "    p.set_value(np.asarray(a, dtype=np.float32).reshape(p.shape))\n"
    "for _, l in net.named_sublayers(include_self=True):\n"
    "    if isinstance(l, nn.Conv2D):\n"
    "        put(l.weight, rng.standard_normal(l.weight.shape) * np.sqrt(2.0 / np.prod(l.weight.shape[1:])))\n"
    "    elif isinstance(l, nn.Linear):\n"
    "        put(l.weight, rng.standard_normal(l.weight.shape) / np.sqrt(l.weight.shape[0]))\n"
    "    elif hasattr(l, '_mean') and hasattr(l, '_variance'):\n"
    "        c = l._mean.shape[0]\n"
    "        put(l.weight, rng.uniform(0.5, 1.5, c))\n"
    "        put(l.bias, rng.normal(0.0, 0.2, c))\n"
    "        put(l._mean, rng.normal(0.0, 0.2, c))\n"
    "        var = rng.uniform(0.5, 2.0, c)\n"
    "        low = rng.random(c) < 0.1\n"
    "        var[low] = rng.uniform(0.02, 0.1, int(low.sum()))\n"
    "        put(l._variance, var)\n"
    "        continue\n"
    "    else:\n"
    "        continue\n"
    "    if l.bias is not None:\n"
    "        put(l.bias, rng.normal(0.0, 0.2, l.bias.shape))\n"
    "x = rng.standard_normal((1, 3, h, w)).astype(np.float32)\n"
    "done, hooks = set(), []\n"
    "def lsuv(layer, inputs, output):\n"
    "    if id(layer) in done:\n"
    "        return None\n"
    "    done.add(id(layer))\n"
    "    rms = float(np.sqrt(np.mean(np.square(output.numpy().astype(np.float64)))))\n"
    "    if not np.isfinite(rms) or rms < 1e-12:\n"
    "        return None\n"
    "    s = np.float32(1.0 / rms)\n"
    "    layer.weight.set_value(layer.weight.numpy() * s)\n"
    "    if layer.bias is not None:\n"
    "        layer.bias.set_value(layer.bias.numpy() * s)\n"
    "    return output * float(s)\n"
    "for _, l in net.named_sublayers(include_self=True):\n"
    "    if isinstance(l, (nn.Conv2D, nn.Linear)):\n"
    "        hooks.append(l.register_forward_post_hook(lsuv))\n"
    "with paddle.no_grad():\n"
    "    net(paddle.to_tensor(x))\n"
    "for k in hooks:\n"
    "    k.remove()\n"
    "with paddle.no_grad():\n"
    "    y = net(paddle.to_tensor(x)).numpy().astype(np.float32)\n"
    "flat = [v.numpy().astype(np.float32).ravel() for v in net.state_dict().values()]\n"
    "np.save(os.path.join(out, 'params.npy'), np.concatenate(flat))\n"
    "np.save(os.path.join(out, 'input.npy'), x)\n"
    "np.save(os.path.join(out, 'logits.npy'), y)\n";

static inline void fge_read_npy(const char *dir, const char *file, zoo_npy *a) {
    char p[PATH_MAX + 64];
    zoo_error e = {0};
    snprintf(p, sizeof p, "%.*s/%s", PATH_MAX, dir, file);
    if (zoo_npy_read(p, a, &e) != 0) fail_msg("%s", e.msg);
}

static inline void fge_check_vs_paddle(zoo_ctx *ctx, const char *model, const char *module,
                                       const char *ctor, int h, int w, double tol) {
    const char *py = test_python();
    char tmp[PATH_MAX], script[PATH_MAX + 16];
    if (!py) {
        print_message("[ SKIP     ] %s %dx%d: no test python (ZOO_PY)\n", model, h, w);
        return;
    }
    unsigned seed = 2166136261u; /* FNV-1a of the model name and size: reproducible */
    for (const char *c = model; *c; c++) seed = (seed ^ (unsigned char)*c) * 16777619u;
    seed = (seed ^ (unsigned)(h * 4099 + w)) & 0x7fffffffu;
    test_tmpdir(tmp, sizeof tmp);
    snprintf(script, sizeof script, "%s/ref.py", tmp);
    FILE *f = fopen(script, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(fge_paddle_script, 1, sizeof fge_paddle_script - 1, f),
                     sizeof fge_paddle_script - 1);
    assert_int_equal(fclose(f), 0);
    char cmd[4 * PATH_MAX + 256];
    snprintf(cmd, sizeof cmd, "'%s' '%s' '%s' '%s' '%s' %d %d %u > '%s/log.txt' 2>&1", py,
             script, module, ctor, tmp, h, w, seed, tmp);
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
