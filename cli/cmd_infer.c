/* cli/cmd_infer.c - `zoo infer MODEL --input X.npy --output Y.npy`: raw
 * tensors in and out (NCHW float32 .npy), for scripts and for checking zoo
 * against other frameworks. Weights: --weights FILE (native), else the
 * model cache; --random-weights SEED for smoke tests without weights. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "core/npy.h"
#include "core/random_weights.h"

int zoo_cmd_infer(zoo_cli *cli, int argc, char **argv) {
    const char *model = NULL, *in_path = NULL, *out_path = NULL, *wpath = NULL;
    const char *backend = "cpu";
    long long seed = -1;
    int threads = 0, device = -1;
    const char *precision = "fp32";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--input") && more) in_path = argv[++i];
        else if (!strcmp(a, "--output") && more) out_path = argv[++i];
        else if (!strcmp(a, "--weights") && more) wpath = argv[++i];
        else if (!strcmp(a, "--backend") && more) backend = argv[++i];
        else if (!strcmp(a, "--threads") && more) threads = atoi(argv[++i]);
        else if (!strcmp(a, "--device") && more) device = atoi(argv[++i]);
        else if (!strcmp(a, "--precision") && more) precision = argv[++i];
        else if (!strcmp(a, "--random-weights") && more) seed = atoll(argv[++i]);
        else if (a[0] == '-') return zoo_cli_usage_error("infer", "unknown or incomplete option '%s'", a);
        else if (!model) model = a;
        else return zoo_cli_usage_error("infer", "unexpected argument '%s'", a);
    }
    if (!model || !in_path || !out_path)
        return zoo_cli_usage_error("infer", "needs MODEL --input X.npy --output Y.npy");
    if (strcmp(precision, "fp32") != 0 && strcmp(precision, "fp16") != 0)
        return zoo_cli_usage_error("infer", "--precision must be fp32 or fp16, not '%s'", precision);
    const zoo_model_desc *d = zoo_cli_find_model(cli, model);
    if (!d) return ZOO_ERR_NOTFOUND;
    zoo_error e = {0};
    zoo_npy x;
    if (zoo_npy_read(in_path, &x, &e) != ZOO_OK) return zoo_cli_fail(&e);
    int rc = ZOO_OK;
    zoo_graph *g = NULL;
    zoo_weights *w = NULL;
    zoo_runner *r = NULL;
    float *y = NULL;
    if (x.ndim != 4 || x.dims[1] != d->input_channels || x.dims[0] < 1) {
        zoo_error_set(&e, ZOO_ERR_INPUT, "%s: expected an N x %d x H x W float32 array", in_path,
                      d->input_channels);
        goto fail;
    }
    g = zoo_model_build(cli->ctx, d->name, (int)x.dims[2], (int)x.dims[3], &e);
    if (!g) goto fail;
    char defpath[4096];
    if (seed >= 0) {
        if (zoo_graph_bind_random(g, (uint64_t)seed, &e) != ZOO_OK) goto fail;
    } else {
        if (!wpath) {
            struct stat st;
            if (zoo_cli_model_weights_path(d->name, defpath, sizeof defpath) != 0 ||
                stat(defpath, &st) != 0) {
                zoo_error_set(&e, ZOO_ERR_NOTFOUND,
                              "no weights for %s: run 'zoo fetch %s' or pass --weights FILE",
                              d->name, d->name);
                goto fail;
            }
            wpath = defpath;
        }
        w = zoo_weights_open(wpath, ZOO_WEIGHTS_REQUIRE_ZOO, &e);
        if (!w || zoo_graph_bind(g, w, &e) != ZOO_OK) goto fail;
    }
    zoo_runner_opts ro = {.backend = backend, .threads = threads, .max_batch = (int)x.dims[0],
                          .device = device, .fp16 = !strcmp(precision, "fp16")};
    r = zoo_runner_new(g, &ro, &e);
    if (!r) goto fail;
    zoo_shape os = zoo_graph_output_shape(g);
    int64_t on = (int64_t)os.c * os.h * os.w;
    y = malloc(sizeof(float) * (size_t)(on * x.dims[0]));
    if (!y) {
        zoo_error_set(&e, ZOO_ERR_RUNTIME, "out of memory");
        goto fail;
    }
    if (zoo_runner_run(r, x.data, (int)x.dims[0], y, &e) != ZOO_OK) goto fail;
    int64_t od[4] = {x.dims[0], os.c, os.h, os.w};
    int ond = (os.h == 1 && os.w == 1) ? 2 : 4;
    if (zoo_npy_write(out_path, y, ond, od, &e) != ZOO_OK) goto fail;
    goto done;
fail:
    rc = zoo_cli_fail(&e);
done:
    free(y);
    zoo_runner_free(r);
    zoo_graph_free(g);
    zoo_weights_close(w);
    zoo_npy_free(&x);
    return rc;
}
