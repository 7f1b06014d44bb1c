/* tests/unit/support/family_check.h - the checks every family test
 * (tests/unit/test_family_<family>.c) makes against the real PaddleClas
 * models, so that a family test holds only its family's facts and semantics.
 *
 * A family test describes its models with a table whose rows start with a
 * fam_model (the facts of docs/formats.md 6.1, 7, 8 and the PaddleClas doc
 * table) and a fam_suite (the family's rules); FAM_COMMON_TESTS(&suite) then
 * adds the common cmocka tests:
 *   test_registry        every model registered: family, 3 input channels,
 *                        eval crop, resize_short, 1000 classes, a summary;
 *   test_params_match_paddleclas_keys
 *                        the graph's parameters = the PaddleClas key list
 *                        ../shared/data/paddleclas-keys/<Model>.tsv (written
 *                        from the real Paddle model: structured key, Paddle
 *                        parameter name, shape, trainable, in state_dict
 *                        order): same order, canonical name = structured key,
 *                        the Paddle name an alias resolving to the same
 *                        parameter, same shape, same trainable flag, flags as
 *                        the family expects; every difference is printed;
 *   test_stats_vs_table  zoo_graph_stats against the table: exact counts
 *                        (floats, the TSV's elements and trainable elements,
 *                        MACs and stat FLOPs to half a unit of the
 *                        reproduction's last digit) and the doc FLOPs/Params
 *                        within the family's stated relative tolerances;
 *   test_manifests       manifests/<Model>.json (zoo_manifest_read) agrees
 *                        with the registry, the PaddleClas preprocessing
 *                        (formats.md 7), the doc numbers and the URLs;
 *   test_numeric_vs_paddle
 *                        both CPU backends against the real PaddleClas module
 *                        with random weights (tests/unit/family_ref.py, its
 *                        outputs cached in <build>/family_ref).
 * The helpers below are usable on their own as well. Everything fails the
 * running cmocka test with a message naming the model; parts that need
 * ../shared or the test venv (ZOO_PY) print a SKIP line when those are absent.
 */
#ifndef ZOO_TEST_FAMILY_CHECK_H
#define ZOO_TEST_FAMILY_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/graph_impl.h"
#include "zoo/zoo.h"

#define FAM_N(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- per-model facts ------------------------------------------------------ */

/* The first member of every row of a family's model table. */
typedef struct fam_model {
    const char *name;
    int crop, resize_short; /* formats.md 7 (crop = registry input_size) */
    int keys;               /* state_dict keys of the .pdparams (formats.md 6.1) */
    int64_t floats;         /* elements of the .pdparams (formats.md 6.1) */
    double macs_g;          /* formats.md 8 "MACs (G)", 4 decimals */
    double stat_flops_g;    /* formats.md 8 "stat FLOPs", 3 decimals; 0: not given */
    double doc_flops_g, doc_params_m; /* PaddleClas doc table (flops_table.md "doc") */
} fam_model;

/* What the key-list comparison expects beyond the TSV itself. */
typedef struct fam_param_rules {
    /* TSV keys with one of these prefixes (NULL-terminated) are training-only
     * tensors the model drops: ignored sources under both names, not parameters */
    const char *const *dropped_prefixes;
    int dropped_keys;          /* how many TSV rows that is (checked) */
    bool extra_aliases;        /* other aliases beside the Paddle name allowed (another naming
                                  generation the family checks itself); every alias of a
                                  parameter must resolve to it in any case */
    const char *optional_suffix; /* keys ending so carry ZOO_PARAM_OPTIONAL, all others no flags */
    int optional_count;        /* how many parameters are OPTIONAL */
} fam_param_rules;

typedef enum fam_rule { FAM_2MACS = 0, FAM_TRAINABLE = 0, FAM_STAT = 1 } fam_rule;

/* Which counting rule reproduces the doc numbers, and how closely. */
typedef struct fam_stats_rules {
    fam_rule flops;     /* doc FLOPs vs 2 x MACs (FAM_2MACS) or stat_flops (FAM_STAT) */
    double flops_tol;   /* relative */
    fam_rule params;    /* doc Params vs trainable elements or stat_params */
    double params_tol;  /* relative */
    bool no_stat_flops_ref; /* stat_flops_g is shown, not compared (family says why) */
    /* costs of the training-only parts the graph drops (GoogLeNet's aux heads)
     * that the published numbers include; returns false when unknown (no
     * ../shared): the MACs comparison is then skipped */
    bool (*dropped_costs)(const zoo_graph *g, int64_t *macs, int64_t *stat_params);
} fam_stats_rules;

typedef struct fam_rules {
    fam_param_rules params;
    fam_stats_rules stats;
    const char *pdparams_dir; /* folder under .../dygraph/ of the pretrained URL, "" default */
} fam_rules;

/* A numeric comparison: model at h x w. */
typedef struct fam_ref {
    const char *model;
    int h, w;
} fam_ref;

typedef struct fam_suite {
    const char *family;          /* registry family of every model */
    const void *models;          /* FAM_TABLE(rows): rows start with a fam_model */
    int n_models;
    size_t stride;
    fam_rules rules;             /* for every model ... */
    void (*adjust)(const fam_model *m, fam_rules *r); /* ... except what this changes (or NULL) */
    double top1_min, top1_max;   /* published top-1 range of the family (manifests) */
    const fam_ref *refs;         /* numeric comparisons (n_refs may be 0) */
    int n_refs;
    double numeric_tol;          /* max|zoo - paddle| <= tol x max|paddle| */
} fam_suite;

#define FAM_TABLE(rows) (rows), FAM_N(rows), sizeof((rows)[0])

const fam_model *fam_suite_model(const fam_suite *s, int i);
void fam_suite_rules(const fam_suite *s, const fam_model *m, fam_rules *out);

/* The common tests (state: the fam_suite). */
void fam_test_registry(void **state);
void fam_test_params(void **state);
void fam_test_stats(void **state);
void fam_test_manifests(void **state);
void fam_test_numeric(void **state);
#define FAM_TEST_(name, fn, suite) {name, fn, NULL, NULL, (void *)(suite)}
#define FAM_COMMON_TESTS(suite)                                                            \
    FAM_TEST_("test_registry", fam_test_registry, suite),                                 \
        FAM_TEST_("test_params_match_paddleclas_keys", fam_test_params, suite),           \
        FAM_TEST_("test_stats_vs_table", fam_test_stats, suite),                          \
        FAM_TEST_("test_manifests", fam_test_manifests, suite),                           \
        FAM_TEST_("test_numeric_vs_paddle", fam_test_numeric, suite)

/* ---- the PaddleClas key lists ---------------------------------------------- */

typedef struct fam_key {
    char *key, *param;
    int ndim;
    int64_t dims[4];
    int64_t numel;
    int trainable;
} fam_key;

typedef struct fam_keys {
    fam_key *rows;
    int n;
} fam_keys;

/* Loads <Model>.tsv from $ZOO_PADDLECLAS_KEYS (a directory; lets a check run
 * against an edited copy) or ../shared/data/paddleclas-keys. Returns false
 * when neither exists (SKIP printed); fails the test on a malformed file. */
bool fam_keys_load(const char *model, fam_keys *out);
void fam_keys_free(fam_keys *k);
bool fam_has_prefix(const char *s, const char *const *prefixes); /* NULL-terminated */
bool fam_has_suffix(const char *s, const char *suffix);

/* Compares g's parameters with the key list of `model`, printing every
 * difference (cmocka truncates long messages) before failing. */
void fam_check_params(const zoo_graph *g, const char *model, const fam_param_rules *r);

/* ---- graphs ------------------------------------------------------------------- */

/* zoo_model_build (0, 0 = the default size); fails on error, checks the input
 * [1,3,h,w] and output [1,1000,1,1] shapes. */
zoo_graph *fam_build(zoo_ctx *ctx, const char *model, int h, int w);
/* The build at h x w must fail cleanly: no graph, an error code, a message. */
void fam_expect_build_fails(zoo_ctx *ctx, const char *model, int h, int w);
void fam_expect_shape(zoo_shape s, int n, int c, int h, int w, const char *what);
double fam_rel(double got, double want);

/* Internal graph access (core/graph_impl.h) for attribute checks. */
const zoo_node *fam_node(const zoo_graph *g, int i);
int fam_find_node(const zoo_graph *g, const char *name); /* index or -1 */
/* output shape of the node called `name`; fails when there is none */
zoo_shape fam_node_shape(const zoo_graph *g, const char *name);
zoo_shape fam_value_shape(const zoo_graph *g, zoo_value v);
const zoo_node *fam_producer(const zoo_graph *g, zoo_value v); /* fails on the input */
/* nodes consuming v: count, and the first in *first (may be NULL) */
int fam_consumers(const zoo_graph *g, zoo_value v, const zoo_node **first);

/* ---- single checks ----------------------------------------------------------- */

void fam_check_registry(zoo_ctx *ctx, const fam_model *m, const char *family);
void fam_check_stats(const zoo_graph *g, const fam_model *m, const fam_rules *r);
void fam_check_manifest(zoo_ctx *ctx, const fam_model *m, const fam_rules *r, double top1_min,
                        double top1_max);
/* Numeric comparison with real Paddle: fixtures from tests/unit/family_ref.py
 * (generated once, cached in $ZOO_FAMILY_REF_DIR or <build>/family_ref), both
 * CPU backends, top-1 of every image equal, max|diff| <= tol x max|paddle|. */
void fam_numeric_vs_paddle(const fam_ref *refs, int n, double tol);

#endif
