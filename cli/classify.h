/* cli/classify.h - what `zoo run` and `zoo eval` share: a model ready to
 * classify images (preprocessing from its manifest, graph at the crop size,
 * weights, runner), the ImageNet label list, softmax and top-k.
 */
#ifndef ZOO_CLI_CLASSIFY_H
#define ZOO_CLI_CLASSIFY_H

#include "cli/cli.h"
#include "image/image.h"

typedef struct zoo_classifier_opts {
    const char *model;     /* registered name */
    const char *weights;   /* --weights FILE: native, or any convertible source; NULL = cache */
    long long random_seed; /* >= 0: synthetic weights (hidden --random-weights, tests) */
    const char *backend;   /* "cpu" (default), "cpu-ref" */
    int threads;           /* 0 = all cores */
    int max_batch;         /* largest batch given to zoo_classifier_run; 0 = automatic: */
    int batch_at_224;      /*   this many at a 224 crop, scaled down with the crop's area */
    int max_items;         /*   and never more than this (the number of images), if > 0 */
} zoo_classifier_opts;

typedef struct zoo_classifier {
    const zoo_model_desc *desc;
    zoo_preprocess pp;     /* from the manifest (else the desc + ImageNet mean/std) */
    int classes;           /* logits per image */
    size_t input_floats;   /* 3 * crop * crop */
    int batch;             /* the runner's max batch (opts.max_batch or the automatic choice) */
    zoo_graph *graph;
    zoo_weights *weights;
    zoo_runner *runner;
    char *label_data;      /* the label file's text, split in place */
    const char **labels;   /* labels[class] or NULL; n_labels entries */
    int n_labels;
} zoo_classifier;

/* Sets everything up; on failure prints nothing, fills err and returns its code
 * (ZOO_ERR_NOTFOUND with the exact `zoo fetch MODEL` command when the model has
 * no weights). A missing label list is not an error (labels stay NULL). */
int zoo_classifier_open(zoo_cli *cli, const zoo_classifier_opts *o, zoo_classifier *c, zoo_error *err);
void zoo_classifier_close(zoo_classifier *c);

/* logits for n preprocessed images (n x input_floats) -> n x classes. */
int zoo_classifier_run(zoo_classifier *c, const float *x, int n, float *logits, zoo_error *err);

/* Label of a class ("" when unknown). */
const char *zoo_classifier_label(const zoo_classifier *c, int cls);

/* Softmax of the logits (in double, as probabilities) and the k best classes in
 * descending order (ties: lower index first). k <= n. */
void zoo_topk(const float *logits, int n, int k, int *idx, double *prob);

#endif
