/* plugins/inception/inception.c - the inception family plugin: the model table
 * and its registration.
 *
 * Registers GoogLeNet, InceptionV3, InceptionV4, Xception41/65/71 and
 * Xception41/65_deeplab (PaddleClas). One builder per architecture kind
 * (googlenet.c, inception_v3.c, inception_v4.c, xception.c,
 * xception_deeplab.c); the Xception variants differ only in their config row.
 * Eval sizes (formats.md section 7): GoogLeNet resize 256 / crop 224, all
 * others resize 320 / crop 299.
 */
#include "ic.h"

static const ic_xception_cfg XCEPTION41 = {
    .n_entry = 3, .entry_out = {128, 256, 728}, .entry_stride = {2, 2, 2}, .n_middle = 8};
static const ic_xception_cfg XCEPTION65 = {
    .n_entry = 3, .entry_out = {128, 256, 728}, .entry_stride = {2, 2, 2}, .n_middle = 16};
static const ic_xception_cfg XCEPTION71 = {.n_entry = 5,
                                           .entry_out = {128, 256, 256, 728, 728},
                                           .entry_stride = {2, 1, 2, 1, 2},
                                           .n_middle = 16};
static const ic_deeplab_cfg XCEPTION41_DEEPLAB = {.scope = "xception_41", .n_middle = 8};
static const ic_deeplab_cfg XCEPTION65_DEEPLAB = {.scope = "xception_65", .n_middle = 16};

#define MODEL(name_, summary_, size_, resize_, build_, config_)                                  \
    {.name = (name_), .family = "inception", .summary = (summary_), .input_channels = 3,         \
     .input_size = (size_), .resize_short = (resize_), .num_classes = 1000, .build = (build_),   \
     .config = (config_)}

static const zoo_model_desc MODELS[] = {
    MODEL("GoogLeNet", "GoogLeNet / Inception-v1 (PaddleClas: no BN), ImageNet-1k", 224, 256,
          ic_build_googlenet, NULL),
    MODEL("InceptionV3", "Inception-v3, ImageNet-1k", 299, 320, ic_build_inception_v3, NULL),
    MODEL("InceptionV4", "Inception-v4, ImageNet-1k", 299, 320, ic_build_inception_v4, NULL),
    MODEL("Xception41", "Xception-41 (PaddleClas variant), ImageNet-1k", 299, 320,
          ic_build_xception, &XCEPTION41),
    MODEL("Xception65", "Xception-65 (PaddleClas variant), ImageNet-1k", 299, 320,
          ic_build_xception, &XCEPTION65),
    MODEL("Xception71", "Xception-71 (PaddleClas variant), ImageNet-1k", 299, 320,
          ic_build_xception, &XCEPTION71),
    MODEL("Xception41_deeplab", "Xception-41, DeepLab-v3+ style backbone, ImageNet-1k", 299, 320,
          ic_build_xception_deeplab, &XCEPTION41_DEEPLAB),
    MODEL("Xception65_deeplab", "Xception-65, DeepLab-v3+ style backbone, ImageNet-1k", 299, 320,
          ic_build_xception_deeplab, &XCEPTION65_DEEPLAB),
};

static int inception_init(const zoo_host_api *host, zoo_registrar *reg) {
    for (size_t i = 0; i < sizeof MODELS / sizeof MODELS[0]; i++)
        if (host->register_model(reg, &MODELS[i]) != 0) return -1;
    return 0;
}

ZOO_PLUGIN_DEFINE("inception", "1.0", inception_init);
