/* plugins/efficientnet/efficientnet.h - the EfficientNet family's private
 * interface between its model table (efficientnet_models.c) and its one
 * graph builder (efficientnet_build.c). Not installed, not seen by zoo. */
#ifndef ZOO_PLUGIN_EFFICIENTNET_H
#define ZOO_PLUGIN_EFFICIENTNET_H

#include <stdbool.h>

#include "zoo/plugin.h"

/* How a conv's padding is chosen (PaddleClas efficientnet.py Conv2ds). */
typedef enum effnet_padding {
    /* TF-SAME computed from the fixed table of nominal sizes (nominal[]),
     * asymmetric cases done as Paddle does: symmetric pad top+s, crop the
     * first output row and column */
    EFFNET_PAD_SAME = 0,
    /* symmetric ((s - 1) + (k - 1)) / 2 */
    EFFNET_PAD_DYNAMIC = 1
} effnet_padding;

/* One row of the model table. */
typedef struct effnet_config {
    const char *name;    /* registered model name, e.g. "EfficientNetB0" */
    const char *summary; /* one line for `zoo info` */
    double width;        /* width coefficient (round_filters) */
    double depth;        /* depth coefficient (round_repeats, ceil) */
    int resolution;      /* eval crop */
    int resize_short;    /* eval resize_short */
    float dropout;       /* upscale_in_train: identity at inference */
    effnet_padding padding;
    bool use_se;
    /* inp_shape[model] of efficientnet.py: [0] stem, [1..7] block groups,
     * the head 1x1 conv uses [7] */
    int nominal[8];
} effnet_config;

/* Aliases timm's tf_efficientnet_b<N> state_dict keys (efficientnet_timm.c);
 * called by effnet_build, a no-op for models without a timm counterpart. */
void effnet_timm_aliases(const zoo_host_api *host, zoo_graph *g, const effnet_config *cfg);

/* Registers EfficientNet_lite0/1/2 (efficientnet_lite.c); 0 or -1. */
int effnet_lite_register(const zoo_host_api *host, zoo_registrar *reg);

/* The family builder (zoo_build_fn); config is an effnet_config row. */
int effnet_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                 int input_w);

#endif
