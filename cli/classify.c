/* cli/classify.c - a classifier for `zoo run` / `zoo eval`: the model's
 * manifest decides the preprocessing (resize_short, crop, scale, mean, std;
 * without a manifest: the model's own input_size / resize_short and ImageNet
 * mean / std), the graph is built for the crop size, weights come from
 * --weights (a native file as is; anything else - .pdparams, an inference
 * tarball or directory, a legacy tarball or directory - converted on the fly
 * into a temporary native file that is unlinked once mapped), else the model
 * cache, else a "run 'zoo fetch MODEL'" error (exit 3). The label list is
 * manifests/imagenet1k_label_list.txt ("<id> <name>" per line), looked up in
 * $ZOO_MANIFEST_PATH and then the manifest directories.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/classify.h"
#include "core/random_weights.h"
#include "zoo/convert.h"
#include "zoo/manifest.h"

#define LABEL_FILE "imagenet1k_label_list.txt"

static int preprocess_params(zoo_cli *cli, const zoo_model_desc *d, zoo_preprocess *pp, zoo_error *err) {
    zoo_manifest *m = calloc(1, sizeof *m);
    if (!m) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    zoo_error me = {0};
    int rc = zoo_manifest_find(d->name, cli->manifest_dirs, m, &me);
    if (rc == ZOO_ERR_NOTFOUND) { /* no manifest: the model's own sizes */
        *pp = zoo_preprocess_imagenet(d->resize_short > 0 ? d->resize_short : d->input_size,
                                      d->input_size);
        free(m);
        return ZOO_OK;
    }
    if (rc != ZOO_OK) {
        *err = me;
        free(m);
        return rc;
    }
    rc = ZOO_OK;
    if (strcmp(m->preprocess.interpolation, "bilinear") != 0)
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: interpolation \"%s\" is not supported (only bilinear)",
                           m->path, m->preprocess.interpolation);
    else if (strcmp(m->preprocess.channel_order, "RGB") != 0)
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: channel_order \"%s\" is not supported (only RGB)",
                           m->path, m->preprocess.channel_order);
    else if (m->preprocess.crop < 1 || m->preprocess.resize_short < m->preprocess.crop)
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: resize_short %d must be >= crop %d >= 1", m->path,
                           m->preprocess.resize_short, m->preprocess.crop);
    if (rc == ZOO_OK) {
        pp->resize_short = m->preprocess.resize_short;
        pp->crop = m->preprocess.crop;
        pp->scale = (float)m->preprocess.scale;
        for (int i = 0; i < 3; i++) {
            pp->mean[i] = (float)m->preprocess.mean[i];
            pp->std[i] = (float)m->preprocess.std[i];
            if (!(pp->std[i] > 0.f))
                rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: std must be positive", m->path);
        }
    }
    free(m);
    return rc;
}

/* A safetensors file (native zoo files are) starts with a u64 header length
 * and '{'; everything else is a source for the converter. */
static int looks_native(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    unsigned char b[9];
    ssize_t n = read(fd, b, sizeof b);
    close(fd);
    return n == 9 && b[8] == '{';
}

static int open_weights(zoo_cli *cli, const zoo_classifier_opts *o, const zoo_model_desc *d,
                        zoo_weights **out, zoo_error *err) {
    char path[PATH_MAX];
    struct stat st;
    if (!o->weights) {
        if (zoo_cli_model_weights_path(d->name, path, sizeof path) != 0 || stat(path, &st) != 0)
            return zoo_error_set(err, ZOO_ERR_NOTFOUND,
                                 "no weights for %s: run 'zoo fetch %s' (or pass --weights FILE)", d->name,
                                 d->name);
        *out = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, err);
        return *out ? ZOO_OK : err->code;
    }
    if (stat(o->weights, &st) != 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s", o->weights,
                             strerror(errno));
    if (S_ISREG(st.st_mode) && looks_native(o->weights)) {
        *out = zoo_weights_open(o->weights, ZOO_WEIGHTS_REQUIRE_ZOO, err);
        return *out ? ZOO_OK : err->code;
    }
    /* convert into a private temporary directory, map, unlink */
    const char *tmp = getenv("TMPDIR");
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/zoo-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir))
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create a temporary directory: %s", dir,
                             strerror(errno));
    if (snprintf(path, sizeof path, "%s/%s.zoo", dir, d->name) >= (int)sizeof path) {
        rmdir(dir);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: temporary path too long", dir);
    }
    zoo_convert_opts co = {.dtype = ZOO_DT_F32, .source_url = "", .source_sha256 = NULL};
    int rc = zoo_convert(cli->ctx, d->name, o->weights, path, &co, err);
    if (rc == ZOO_OK) {
        *out = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, err);
        rc = *out ? ZOO_OK : err->code;
    }
    unlink(path); /* the mapping stays valid */
    rmdir(dir);
    return rc;
}

/* Reads "<id> <name>" lines; labels[id] = name. */
static void load_labels(zoo_cli *cli, zoo_classifier *c) {
    char path[PATH_MAX];
    FILE *f = NULL;
    const char *env = getenv("ZOO_MANIFEST_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        for (char *t = copy ? strtok_r(copy, ":", &save) : NULL; t && !f; t = strtok_r(NULL, ":", &save)) {
            snprintf(path, sizeof path, "%s/%s", t, LABEL_FILE);
            f = fopen(path, "rb");
        }
        free(copy);
    }
    for (int i = 0; !f && cli->manifest_dirs[i]; i++) {
        snprintf(path, sizeof path, "%s/%s", cli->manifest_dirs[i], LABEL_FILE);
        f = fopen(path, "rb");
    }
    if (!f) return;
    long n = -1;
    if (fseek(f, 0, SEEK_END) == 0) n = ftell(f);
    if (n < 0 || n > (64L << 20) || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return;
    }
    c->label_data = malloc((size_t)n + 1);
    c->labels = calloc((size_t)c->classes, sizeof *c->labels);
    if (!c->label_data || !c->labels || fread(c->label_data, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(c->label_data);
        free(c->labels);
        c->label_data = NULL;
        c->labels = NULL;
        return;
    }
    fclose(f);
    c->label_data[n] = '\0';
    c->n_labels = c->classes;
    char *save = NULL;
    for (char *line = strtok_r(c->label_data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t len = strlen(line);
        if (len && line[len - 1] == '\r') line[len - 1] = '\0';
        char *end;
        long id = strtol(line, &end, 10);
        if (end == line || *end != ' ' || id < 0 || id >= c->classes) continue;
        c->labels[id] = end + 1;
    }
}

int zoo_classifier_open(zoo_cli *cli, const zoo_classifier_opts *o, zoo_classifier *c, zoo_error *err) {
    memset(c, 0, sizeof *c);
    c->desc = zoo_model_find(cli->ctx, o->model);
    if (!c->desc) {
        const char *s = zoo_model_suggest(cli->ctx, o->model);
        if (s) return zoo_error_set(err, ZOO_ERR_NOTFOUND, "unknown model '%s' (did you mean %s?)", o->model, s);
        return zoo_error_set(err, ZOO_ERR_NOTFOUND, "unknown model '%s' (see 'zoo list')", o->model);
    }
    if (c->desc->input_channels != 3)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s takes %d input channels; images give 3", c->desc->name,
                             c->desc->input_channels);
    int rc = preprocess_params(cli, c->desc, &c->pp, err);
    if (rc != ZOO_OK) return rc;
    c->batch = o->max_batch;
    if (c->batch <= 0) { /* keep the activations of big inputs (EfficientNetB7: 600) in reason */
        double area = (double)c->pp.crop * c->pp.crop;
        c->batch = (int)(o->batch_at_224 * (224.0 * 224.0) / area + 0.5);
        if (c->batch > o->batch_at_224) c->batch = o->batch_at_224;
        if (c->batch < 1) c->batch = 1;
    }
    if (o->max_items > 0 && c->batch > o->max_items) c->batch = o->max_items;
    c->graph = zoo_model_build(cli->ctx, c->desc->name, c->pp.crop, c->pp.crop, err);
    if (!c->graph) goto fail;
    if (o->random_seed >= 0) {
        if (zoo_graph_bind_random(c->graph, (uint64_t)o->random_seed, err) != ZOO_OK) goto fail;
    } else {
        if (open_weights(cli, o, c->desc, &c->weights, err) != ZOO_OK) goto fail;
        if (zoo_graph_bind(c->graph, c->weights, err) != ZOO_OK) goto fail;
    }
    zoo_runner_opts ro = {.backend = o->backend ? o->backend : "cpu", .threads = o->threads,
                          .max_batch = c->batch};
    c->runner = zoo_runner_new(c->graph, &ro, err);
    if (!c->runner) goto fail;
    zoo_shape is = zoo_graph_input_shape(c->graph), os = zoo_graph_output_shape(c->graph);
    c->input_floats = (size_t)is.c * is.h * is.w;
    c->classes = os.c * os.h * os.w;
    if (is.c != 3 || is.h != c->pp.crop || is.w != c->pp.crop || c->classes < 1) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: unexpected graph shapes (input %dx%dx%d, %d outputs)",
                      c->desc->name, is.c, is.h, is.w, c->classes);
        goto fail;
    }
    load_labels(cli, c);
    return ZOO_OK;
fail:
    rc = err && err->code ? err->code : ZOO_ERR_RUNTIME;
    zoo_classifier_close(c);
    return rc;
}

void zoo_classifier_close(zoo_classifier *c) {
    zoo_runner_free(c->runner);
    zoo_graph_free(c->graph);
    zoo_weights_close(c->weights);
    free(c->label_data);
    free(c->labels);
    memset(c, 0, sizeof *c);
}

int zoo_classifier_run(zoo_classifier *c, const float *x, int n, float *logits, zoo_error *err) {
    return zoo_runner_run(c->runner, x, n, logits, err);
}

const char *zoo_classifier_label(const zoo_classifier *c, int cls) {
    if (c->labels && cls >= 0 && cls < c->n_labels && c->labels[cls]) return c->labels[cls];
    return "";
}

void zoo_topk(const float *logits, int n, int k, int *idx, double *prob) {
    double mx = -INFINITY, sum = 0;
    for (int i = 0; i < n; i++)
        if (logits[i] > mx) mx = logits[i];
    for (int i = 0; i < n; i++) sum += exp((double)logits[i] - mx);
    for (int j = 0; j < k; j++) idx[j] = -1;
    for (int i = 0; i < n; i++) {
        float v = logits[i];
        int pos = k;
        while (pos > 0 && (idx[pos - 1] < 0 || logits[idx[pos - 1]] < v)) pos--;
        if (pos >= k) continue;
        for (int j = k - 1; j > pos; j--) idx[j] = idx[j - 1];
        idx[pos] = i;
    }
    for (int j = 0; j < k; j++) prob[j] = idx[j] >= 0 ? exp((double)logits[idx[j]] - mx) / sum : 0.0;
}
