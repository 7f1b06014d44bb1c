/* cli/cmd_bench.c - `zoo bench MODEL [--batch 1,4,8] [--backend B] [--threads N]
 * [--device N] [--precision fp32|fp16]
 * [--runs N] [--warmup N] [--weights FILE] [--json]`: warm-up runs, then the
 * median and 90th-percentile latency per batch size, throughput, activation
 * memory of the plan and the process's peak RSS. Without --weights the model
 * runs on synthetic weights (speed does not depend on the values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli/cli.h"
#include "core/random_weights.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static long peak_rss_kb(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

int zoo_cmd_bench(zoo_cli *cli, int argc, char **argv) {
    const char *model = NULL, *batches = "1", *backend = "cpu", *wpath = NULL;
    int threads = 0, runs = 10, warmup = 2, json = 0, device = -1;
    const char *precision = "fp32";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (!strcmp(a, "--batch") && more) batches = argv[++i];
        else if (!strcmp(a, "--backend") && more) backend = argv[++i];
        else if (!strcmp(a, "--threads") && more) threads = atoi(argv[++i]);
        else if (!strcmp(a, "--device") && more) device = atoi(argv[++i]);
        else if (!strcmp(a, "--precision") && more) precision = argv[++i];
        else if (!strcmp(a, "--runs") && more) runs = atoi(argv[++i]);
        else if (!strcmp(a, "--warmup") && more) warmup = atoi(argv[++i]);
        else if (!strcmp(a, "--weights") && more) wpath = argv[++i];
        else if (!strcmp(a, "--json")) json = 1;
        else if (a[0] == '-') return zoo_cli_usage_error("bench", "unknown or incomplete option '%s'", a);
        else if (!model) model = a;
        else return zoo_cli_usage_error("bench", "unexpected argument '%s'", a);
    }
    if (!model) return zoo_cli_usage_error("bench", "missing MODEL");
    if (strcmp(precision, "fp32") != 0 && strcmp(precision, "fp16") != 0)
        return zoo_cli_usage_error("bench", "--precision must be fp32 or fp16, not '%s'", precision);
    if (runs < 1 || runs > 100000 || warmup < 0)
        return zoo_cli_usage_error("bench", "--runs must be >= 1 and --warmup >= 0");
    int bs[16], nb = 0, maxb = 1;
    for (const char *p = batches; *p && nb < 16;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 1 || v > 1024)
            return zoo_cli_usage_error("bench", "bad --batch list '%s'", batches);
        bs[nb++] = (int)v;
        if (v > maxb) maxb = (int)v;
        p = *end == ',' ? end + 1 : end;
        if (*end && *end != ',') return zoo_cli_usage_error("bench", "bad --batch list '%s'", batches);
    }
    const zoo_model_desc *d = zoo_cli_find_model(cli, model);
    if (!d) return ZOO_ERR_NOTFOUND;
    zoo_error e = {0};
    int rc = ZOO_OK;
    zoo_weights *w = NULL;
    zoo_runner *r = NULL;
    float *x = NULL, *y = NULL;
    double *t = NULL;
    zoo_graph *g = zoo_model_build(cli->ctx, d->name, 0, 0, &e);
    if (!g) goto fail;
    if (wpath) {
        w = zoo_weights_open(wpath, ZOO_WEIGHTS_REQUIRE_ZOO, &e);
        if (!w || zoo_graph_bind(g, w, &e) != ZOO_OK) goto fail;
    } else if (zoo_graph_bind_random(g, 1, &e) != ZOO_OK) {
        goto fail;
    }
    zoo_runner_opts ro = {.backend = backend, .threads = threads, .max_batch = maxb,
                          .device = device, .fp16 = !strcmp(precision, "fp16")};
    r = zoo_runner_new(g, &ro, &e);
    if (!r) goto fail;
    zoo_shape is = zoo_graph_input_shape(g), os = zoo_graph_output_shape(g);
    size_t in_n = (size_t)is.c * is.h * is.w, out_n = (size_t)os.c * os.h * os.w;
    x = malloc(sizeof(float) * in_n * (size_t)maxb);
    y = malloc(sizeof(float) * out_n * (size_t)maxb);
    t = malloc(sizeof(double) * (size_t)runs);
    if (!x || !y || !t) {
        zoo_error_set(&e, ZOO_ERR_RUNTIME, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < in_n * (size_t)maxb; i++) x[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    if (json) printf("{\"model\": \"%s\", \"backend\": \"%s\", \"threads\": %d, \"input\": %d, \"weights\": \"%s\", \"results\": [",
                     d->name, zoo_runner_backend_name(r), threads, is.h, wpath ? "file" : "synthetic");
    else
        printf("%s, backend %s, %d thread(s), input %dx%d, %s weights, %d runs after %d warm-up\n"
               "%6s %12s %12s %12s %14s %12s\n",
               d->name, zoo_runner_backend_name(r), threads, is.h, is.w, wpath ? "file" : "synthetic",
               runs, warmup, "batch", "median ms", "p90 ms", "images/s", "activations MB", "peak RSS MB");
    for (int b = 0; b < nb; b++) {
        for (int i = 0; i < warmup; i++)
            if (zoo_runner_run(r, x, bs[b], y, &e) != ZOO_OK) goto fail;
        for (int i = 0; i < runs; i++) {
            double t0 = now_ms();
            if (zoo_runner_run(r, x, bs[b], y, &e) != ZOO_OK) goto fail;
            t[i] = now_ms() - t0;
        }
        qsort(t, (size_t)runs, sizeof(double), cmp_d);
        double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
        double p90 = t[(int)(0.9 * (runs - 1) + 0.5)];
        double act = zoo_runner_activation_bytes(r) / 1048576.0, rss = peak_rss_kb() / 1024.0;
        if (json)
            printf("%s{\"batch\": %d, \"median_ms\": %.3f, \"p90_ms\": %.3f, \"images_per_s\": %.2f, "
                   "\"activation_mb\": %.1f, \"peak_rss_mb\": %.1f}",
                   b ? ", " : "", bs[b], med, p90, bs[b] * 1000.0 / med, act, rss);
        else
            printf("%6d %12.2f %12.2f %12.1f %14.1f %12.1f\n", bs[b], med, p90, bs[b] * 1000.0 / med,
                   act, rss);
        fflush(stdout);
    }
    if (json) printf("]}\n");
    goto done;
fail:
    rc = zoo_cli_fail(&e);
done:
    free(x);
    free(y);
    free(t);
    zoo_runner_free(r);
    zoo_graph_free(g);
    zoo_weights_close(w);
    return rc;
}
