/* cli/cmd_run.c - `zoo run MODEL IMAGE... [--topk N] [--json] [--backend B]
 * [--threads N] [--weights FILE] [--batch N]`: classify images the way
 * PaddleClas' predictor does (DecodeImage -> ResizeImage -> CropImage ->
 * NormalizeImage -> ToCHWImage, then Topk: softmax, best k, label names).
 *
 * Output per image: k lines "<probability> <class id> <label>" (a "==> FILE <=="
 * header before each image when there are several), or with --json one object
 * per image per line, with PaddleClas' result keys:
 *   {"file_name": F, "class_ids": [...], "scores": [...], "label_names": [...]}
 * scores rounded to 5 decimals like PaddleClas' Topk. Images are decoded and
 * run in batches of --batch (default 16 at a 224 crop, fewer for bigger crops:
 * 16 x 224^2 / S^2, at least 1). An image that cannot be read gets
 * one "zoo: FILE: problem" line and is skipped; the exit code is then that of
 * the first failure (2 for a corrupt / unsupported image, 3 for a missing file). Hidden --random-weights SEED: synthetic weights (tests).
 */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/classify.h"

static void print_text(const zoo_classifier *c, const char *file, int show_name, const int *idx,
                       const double *prob, int k) {
    if (show_name) printf("==> %s <==\n", file);
    for (int j = 0; j < k; j++) printf("%.5f  %4d  %s\n", prob[j], idx[j], zoo_classifier_label(c, idx[j]));
}

static int print_json(const zoo_classifier *c, const char *file, const int *idx, const double *prob, int k) {
    json_t *o = json_object(), *ids = json_array(), *sc = json_array(), *ln = json_array();
    if (!o || !ids || !sc || !ln) {
        json_decref(o);
        json_decref(ids);
        json_decref(sc);
        json_decref(ln);
        return -1;
    }
    for (int j = 0; j < k; j++) {
        json_array_append_new(ids, json_integer(idx[j]));
        json_array_append_new(sc, json_real(round(prob[j] * 1e5) / 1e5));
        json_array_append_new(ln, json_string(zoo_classifier_label(c, idx[j])));
    }
    json_object_set_new(o, "file_name", json_string(file));
    json_object_set_new(o, "model", json_string(c->desc->name));
    json_object_set_new(o, "class_ids", ids);
    json_object_set_new(o, "scores", sc);
    json_object_set_new(o, "label_names", ln);
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    json_decref(o);
    if (!s) return -1;
    puts(s);
    free(s);
    return 0;
}

int zoo_cmd_run(zoo_cli *cli, int argc, char **argv) {
    zoo_classifier_opts o = {.random_seed = -1, .backend = "cpu"};
    int topk = 5, json = 0, batch = 0;
    char **files = calloc((size_t)argc, sizeof *files);
    int nfiles = 0;
    if (!files) return ZOO_ERR_RUNTIME;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        char *end = NULL;
        if (!strcmp(a, "--topk") && more) {
            topk = (int)strtol(argv[++i], &end, 10);
            if (*end || topk < 1) {
                free(files);
                return zoo_cli_usage_error("run", "--topk needs a positive integer");
            }
        } else if (!strcmp(a, "--batch") && more) {
            batch = (int)strtol(argv[++i], &end, 10);
            if (*end || batch < 1 || batch > 1024) {
                free(files);
                return zoo_cli_usage_error("run", "--batch needs an integer in 1..1024");
            }
        } else if (!strcmp(a, "--json")) json = 1;
        else if (!strcmp(a, "--backend") && more) o.backend = argv[++i];
        else if (!strcmp(a, "--threads") && more) o.threads = atoi(argv[++i]);
        else if (!strcmp(a, "--weights") && more) o.weights = argv[++i];
        else if (!strcmp(a, "--random-weights") && more) o.random_seed = atoll(argv[++i]);
        else if (a[0] == '-' && a[1] != '\0') {
            free(files);
            return zoo_cli_usage_error("run", "unknown or incomplete option '%s'", a);
        } else if (!o.model) o.model = a;
        else files[nfiles++] = argv[i];
    }
    if (!o.model || nfiles == 0) {
        free(files);
        return zoo_cli_usage_error("run", "needs MODEL IMAGE...");
    }
    o.max_batch = batch;
    o.batch_at_224 = 16;
    o.max_items = nfiles;
    zoo_error e = {0};
    zoo_classifier c;
    if (zoo_classifier_open(cli, &o, &c, &e) != ZOO_OK) {
        free(files);
        return zoo_cli_fail(&e);
    }
    batch = c.batch;
    if (topk > c.classes) topk = c.classes;
    if (!c.labels) fprintf(stderr, "zoo: warning: no %s found; printing class ids only\n", "imagenet1k_label_list.txt");
    int rc = ZOO_OK;
    float *x = malloc(sizeof(float) * c.input_floats * (size_t)batch);
    float *y = malloc(sizeof(float) * (size_t)c.classes * (size_t)batch);
    int *slot_file = malloc(sizeof(int) * (size_t)batch), *idx = malloc(sizeof(int) * (size_t)topk);
    double *prob = malloc(sizeof(double) * (size_t)topk);
    if (!x || !y || !slot_file || !idx || !prob) {
        zoo_error_set(&e, ZOO_ERR_RUNTIME, "out of memory");
        rc = zoo_cli_fail(&e);
        goto done;
    }
    for (int next = 0; next < nfiles;) {
        int n = 0;
        while (n < batch && next < nfiles) {
            zoo_image img;
            zoo_error ie = {0};
            if (zoo_image_decode_file(files[next], &img, &ie) != ZOO_OK ||
                zoo_image_preprocess(&img, &c.pp, x + c.input_floats * (size_t)n, &ie) != ZOO_OK) {
                if (strncmp(ie.msg, files[next], strlen(files[next])) != 0) zoo_error_prefix(&ie, "%s", files[next]);
                int code = zoo_cli_fail(&ie);
                if (rc == ZOO_OK) rc = code;
            } else {
                slot_file[n++] = next;
            }
            zoo_image_free(&img);
            next++;
        }
        if (n == 0) continue;
        if (zoo_classifier_run(&c, x, n, y, &e) != ZOO_OK) {
            rc = zoo_cli_fail(&e);
            goto done;
        }
        for (int i = 0; i < n; i++) {
            zoo_topk(y + (size_t)c.classes * i, c.classes, topk, idx, prob);
            const char *f = files[slot_file[i]];
            if (json) {
                if (print_json(&c, f, idx, prob, topk) != 0) {
                    zoo_error_set(&e, ZOO_ERR_RUNTIME, "out of memory");
                    rc = zoo_cli_fail(&e);
                    goto done;
                }
            } else {
                print_text(&c, f, nfiles > 1, idx, prob, topk);
            }
        }
        fflush(stdout);
    }
done:
    free(x);
    free(y);
    free(slot_file);
    free(idx);
    free(prob);
    free(files);
    zoo_classifier_close(&c);
    return rc;
}
