/* plugins/ghostnet/ghostnet_models.c - the GhostNet family's model table
 * (PaddleClas GhostNet_x0_5, _x1_0, _x1_3 and the SSLD-distilled _x1_3_ssld,
 * which has the x1_3 architecture) and the plugin entry point that registers
 * every row with the one family builder. Eval preprocessing for all of them:
 * resize_short 256, crop 224 (docs/formats.md section 7). */
#include <stddef.h>

#include "ghostnet.h"

static const ghostnet_config ghostnet_models[] = {
    {"GhostNet_x0_5", "GhostNet 0.5x (PaddleClas), 224 crop", 0.5},
    {"GhostNet_x1_0", "GhostNet 1.0x (PaddleClas), 224 crop", 1.0},
    {"GhostNet_x1_3", "GhostNet 1.3x (PaddleClas), 224 crop", 1.3},
    {"GhostNet_x1_3_ssld", "GhostNet 1.3x, SSLD-distilled weights (PaddleClas), 224 crop", 1.3},
};

static int ghostnet_init(const zoo_host_api *host, zoo_registrar *reg) {
    if (!host || host->struct_size < sizeof(zoo_host_api)) return -1;
    for (size_t i = 0; i < sizeof ghostnet_models / sizeof ghostnet_models[0]; i++) {
        const ghostnet_config *m = &ghostnet_models[i];
        zoo_model_desc d = {
            .name = m->name,
            .family = "ghostnet",
            .summary = m->summary,
            .input_channels = 3,
            .input_size = 224,
            .resize_short = 256,
            .num_classes = 1000,
            .build = ghostnet_build,
            .config = m,
        };
        if (host->register_model(reg, &d) != 0) return -1;
    }
    return 0;
}

ZOO_PLUGIN_DEFINE("ghostnet", "1.0", ghostnet_init);
