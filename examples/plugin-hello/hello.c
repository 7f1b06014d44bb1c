/* examples/plugin-hello/hello.c - the smallest complete zoo family plugin.
 *
 * Built out of tree against the installed headers only:
 *     cc -shared -fPIC $(pkg-config --cflags zoo) hello.c -o hello.so
 * and found through ZOO_PLUGIN_PATH. It registers two models of one family
 * from a config table, the way every in-tree family does:
 *     HelloNet      conv3x3(16) -> BN -> ReLU -> global avg pool -> linear(10)
 *     HelloNetWide  the same with 32 channels
 */
#include <zoo/plugin.h>

typedef struct hello_cfg {
    int width;
} hello_cfg;

static const hello_cfg configs[] = {{16}, {32}};

static int hello_build(const zoo_host_api *H, zoo_graph *g, const void *config, int h, int w) {
    const hello_cfg *c = config;
    zoo_value x = H->input(g, "image", 3, h, w);
    zoo_conv2d_desc conv = {.out_channels = c->width, .kernel_h = 3, .kernel_w = 3,
                            .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    x = H->conv2d(g, "stem", x, &conv, "stem.weight", NULL);
    x = H->batchnorm(g, "stem_bn", x, 1e-5f, "stem_bn.weight", "stem_bn.bias", "stem_bn._mean",
                     "stem_bn._variance");
    x = H->act(g, "stem_relu", x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
    zoo_pool2d_desc gap = {.kind = ZOO_POOL_AVG, .global = true};
    x = H->pool2d(g, "gap", x, &gap);
    x = H->linear(g, "fc", x, 10, "fc.weight", "fc.bias");
    H->output(g, x);
    return H->graph_error(g) ? -1 : 0;
}

static int hello_init(const zoo_host_api *H, zoo_registrar *reg) {
    static const char *const names[] = {"HelloNet", "HelloNetWide"};
    for (int i = 0; i < 2; i++) {
        zoo_model_desc d = {.name = names[i], .family = "hello",
                            .summary = "example plugin: conv-bn-relu, GAP, linear",
                            .input_channels = 3, .input_size = 32, .resize_short = 36,
                            .num_classes = 10, .build = hello_build, .config = &configs[i]};
        if (H->register_model(reg, &d) != 0) return -1;
    }
    return 0;
}

ZOO_PLUGIN_DEFINE("hello", "1.0", hello_init);
