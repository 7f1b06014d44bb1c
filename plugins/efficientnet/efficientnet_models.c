/* plugins/efficientnet/efficientnet_models.c - the EfficientNet family's model
 * table (PaddleClas EfficientNetB0..B7 and EfficientNetB0_small) and the
 * plugin entry point that registers every row with the one family builder.
 *
 * Numbers come from PaddleClas ppcls/arch/backbone/model_zoo/efficientnet.py
 * (efficientnet_params, inp_shape, EfficientNetB0_small's padding/use_se) and
 * the eval transforms of ppcls/configs/ImageNet/EfficientNet/<Model>.yaml
 * (docs/formats.md sections 6.4 and 7). */
#include <stddef.h>

#include "efficientnet.h"

static const effnet_config effnet_models[] = {
    {"EfficientNetB0", "EfficientNet-B0 (PaddleClas), 224 crop, TF-SAME padding, SE", 1.0, 1.0,
     224, 256, 0.2f, EFFNET_PAD_SAME, true, {224, 112, 112, 56, 28, 14, 14, 7}},
    {"EfficientNetB0_small",
     "EfficientNet-B0 small (PaddleClas): no SE, symmetric (DYNAMIC) padding, 224 crop", 1.0, 1.0,
     224, 256, 0.2f, EFFNET_PAD_DYNAMIC, false, {224, 112, 112, 56, 28, 14, 14, 7}},
    {"EfficientNetB1", "EfficientNet-B1 (PaddleClas), 240 crop, TF-SAME padding, SE", 1.0, 1.1,
     240, 272, 0.2f, EFFNET_PAD_SAME, true, {240, 120, 120, 60, 30, 15, 15, 8}},
    {"EfficientNetB2", "EfficientNet-B2 (PaddleClas), 260 crop, TF-SAME padding, SE", 1.1, 1.2,
     260, 292, 0.3f, EFFNET_PAD_SAME, true, {260, 130, 130, 65, 33, 17, 17, 9}},
    {"EfficientNetB3", "EfficientNet-B3 (PaddleClas), 300 crop, TF-SAME padding, SE", 1.2, 1.4,
     300, 332, 0.3f, EFFNET_PAD_SAME, true, {300, 150, 150, 75, 38, 19, 19, 10}},
    {"EfficientNetB4", "EfficientNet-B4 (PaddleClas), 380 crop, TF-SAME padding, SE", 1.4, 1.8,
     380, 412, 0.4f, EFFNET_PAD_SAME, true, {380, 190, 190, 95, 48, 24, 24, 12}},
    {"EfficientNetB5", "EfficientNet-B5 (PaddleClas), 456 crop, TF-SAME padding, SE", 1.6, 2.2,
     456, 488, 0.4f, EFFNET_PAD_SAME, true, {456, 228, 228, 114, 57, 29, 29, 15}},
    {"EfficientNetB6", "EfficientNet-B6 (PaddleClas), 528 crop, TF-SAME padding, SE", 1.8, 2.6,
     528, 560, 0.5f, EFFNET_PAD_SAME, true, {528, 264, 264, 132, 66, 33, 33, 17}},
    {"EfficientNetB7", "EfficientNet-B7 (PaddleClas), 600 crop, TF-SAME padding, SE", 2.0, 3.1,
     600, 632, 0.5f, EFFNET_PAD_SAME, true, {600, 300, 300, 150, 75, 38, 38, 19}},
};

static int effnet_init(const zoo_host_api *host, zoo_registrar *reg) {
    if (!host || host->struct_size < sizeof(zoo_host_api)) return -1;
    for (size_t i = 0; i < sizeof effnet_models / sizeof effnet_models[0]; i++) {
        const effnet_config *m = &effnet_models[i];
        zoo_model_desc d = {
            .name = m->name,
            .family = "efficientnet",
            .summary = m->summary,
            .input_channels = 3,
            .input_size = m->resolution,
            .resize_short = m->resize_short,
            .num_classes = 1000,
            .build = effnet_build,
            .config = m,
        };
        if (host->register_model(reg, &d) != 0) return -1;
    }
    return effnet_lite_register(host, reg);
}

ZOO_PLUGIN_DEFINE("efficientnet", "1.0", effnet_init);
