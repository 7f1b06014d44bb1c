/* plugins/densenet/plugin.c - the "densenet" plugin: PaddleClas' "DPN and
 * DenseNet series" (one family document upstream), i.e. DenseNet121..264
 * (densenet.c) and DPN68..131 (dpn.c), which share the pre-activation
 * BN-ReLU-conv unit (common.c). init registers all ten models. */
#include "common.h"

static int densenet_plugin_init(const zoo_host_api *host, zoo_registrar *reg) {
    if (!host || host->abi_version != ZOO_PLUGIN_ABI_VERSION ||
        host->struct_size < sizeof(zoo_host_api))
        return -1;
    if (dd_register_densenet(host, reg) != 0) return -1;
    return dd_register_dpn(host, reg);
}

ZOO_PLUGIN_DEFINE("densenet", "1.0", densenet_plugin_init);
