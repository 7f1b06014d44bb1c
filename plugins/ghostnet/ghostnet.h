/* plugins/ghostnet/ghostnet.h - the GhostNet family's private interface
 * between its model table (ghostnet_models.c) and its one graph builder
 * (ghostnet_build.c). Not installed, not seen by zoo. */
#ifndef ZOO_PLUGIN_GHOSTNET_H
#define ZOO_PLUGIN_GHOSTNET_H

#include "zoo/plugin.h"

/* One row of the model table. */
typedef struct ghostnet_config {
    const char *name;    /* registered model name, e.g. "GhostNet_x1_0" */
    const char *summary; /* one line for `zoo info` */
    double scale;        /* width multiplier (_make_divisible(v * scale, 4)) */
} ghostnet_config;

/* The family builder (zoo_build_fn); config is a ghostnet_config row. */
int ghostnet_build(const zoo_host_api *host, zoo_graph *g, const void *config, int input_h,
                   int input_w);

#endif
