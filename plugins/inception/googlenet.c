/* plugins/inception/googlenet.c - PaddleClas GoogLeNet (googlenet.py), inference path.
 *
 * No BatchNorm and no per-conv activation: every conv is bare (no bias,
 * pad (k-1)/2); ReLU only on each Inception block's concatenated output.
 * Stem: conv 7x7 s2 (64) -> MaxPool 3 s2 p0 -> conv 1x1 (64) -> conv 3x3 (192)
 * -> MaxPool. Blocks 3a 3b, pool, 4a..4e, pool, 5a 5b, then GAP ->
 * Dropout(0.4, downscale_in_infer: x0.6) -> Linear(1024, 1000) (`_fc_out`).
 * The auxiliary heads (from 4a / 4d) only feed the training outputs out1/out2:
 * they are not built, and their parameters (structured key and Paddle name)
 * are declared ignorable sources.
 */
#include "ic.h"

typedef struct inc_row {
    const char *name; /* "ince3a" */
    int f1, f3r, f3, f5r, f5, proj;
    int pool_after; /* MaxPool 3 s2 after this block */
} inc_row;

static const inc_row BLOCKS[] = {
    {"ince3a", 64, 96, 128, 16, 32, 32, 0},     {"ince3b", 128, 128, 192, 32, 96, 64, 1},
    {"ince4a", 192, 96, 208, 16, 48, 64, 0},    {"ince4b", 160, 112, 224, 24, 64, 64, 0},
    {"ince4c", 128, 128, 256, 24, 64, 64, 0},   {"ince4d", 112, 144, 288, 32, 64, 64, 0},
    {"ince4e", 256, 160, 320, 32, 128, 128, 1}, {"ince5a", 256, 160, 320, 32, 128, 128, 0},
    {"ince5b", 384, 192, 384, 48, 128, 128, 0},
};

/* the auxiliary-head parameters of the state_dict: structured key, Paddle name */
static const char *const AUX[][2] = {
    {"_conv_o1._conv.weight", "conv_o1_weights"}, {"_fc_o1.weight", "fc_o1_weights"},
    {"_fc_o1.bias", "fc_o1_offset"},              {"_out1.weight", "out1_weights"},
    {"_out1.bias", "out1_offset"},                {"_conv_o2._conv.weight", "conv_o2_weights"},
    {"_fc_o2.weight", "fc_o2_weights"},           {"_fc_o2.bias", "fc_o2_offset"},
    {"_out2.weight", "out2_weights"},             {"_out2.bias", "out2_offset"},
};

/* ConvLayer: key <kp>._conv.weight, Paddle name <np>_weights */
static zoo_value conv(ic_b *b, zoo_value x, int cout, int k, int stride, const char *kp,
                      const char *np) {
    char key[IC_NAME], nm[IC_NAME];
    ic_conv_p p = {.cout = cout, .kh = k, .kw = k, .stride = stride, .ph = (k - 1) / 2,
                   .pw = (k - 1) / 2};
    const char *al[] = {ic_fmt(b, nm, sizeof nm, "%s_weights", np), NULL};
    return ic_conv(b, x, &p, ic_fmt(b, key, sizeof key, "%s._conv.weight", kp), al);
}

static zoo_value inception(ic_b *b, zoo_value x, const inc_row *r) {
    static const char *const part[6] = {"_conv1", "_conv3r", "_conv3", "_conv5r", "_conv5", "_convprj"};
    static const char *const suffix[6] = {"1x1", "3x3_reduce", "3x3", "5x5_reduce", "5x5",
                                          "3x3_proj"};
    char kp[6][IC_NAME], np[6][IC_NAME];
    for (int i = 0; i < 6; i++) {
        ic_fmt(b, kp[i], IC_NAME, "_%s.%s", r->name, part[i]);
        ic_fmt(b, np[i], IC_NAME, "inception_%s_%s", r->name, suffix[i]);
    }
    zoo_value br[4];
    br[0] = conv(b, x, r->f1, 1, 1, kp[0], np[0]);
    br[1] = conv(b, conv(b, x, r->f3r, 1, 1, kp[1], np[1]), r->f3, 3, 1, kp[2], np[2]);
    br[2] = conv(b, conv(b, x, r->f5r, 1, 1, kp[3], np[3]), r->f5, 5, 1, kp[4], np[4]);
    br[3] = conv(b, ic_max_pool(b, x, 3, 1, 1), r->proj, 1, 1, kp[5], np[5]);
    return ic_relu(b, ic_concat(b, br, 4));
}

int ic_build_googlenet(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                       int input_w) {
    ic_b b = {.h = h, .g = g, .model = "GoogLeNet"};
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = conv(&b, x, 64, 7, 2, "_conv", "conv1");
    x = ic_max_pool(&b, x, 3, 2, 0);
    x = conv(&b, x, 64, 1, 1, "_conv_1", "conv2_1x1");
    x = conv(&b, x, 192, 3, 1, "_conv_2", "conv2_3x3");
    x = ic_max_pool(&b, x, 3, 2, 0);
    for (size_t i = 0; i < sizeof BLOCKS / sizeof BLOCKS[0]; i++) {
        x = inception(&b, x, &BLOCKS[i]);
        if (BLOCKS[i].pool_after) x = ic_max_pool(&b, x, 3, 2, 0);
    }
    x = ic_gap(&b, x);
    x = h->dropout(g, NULL, x, 0.4f, ZOO_DROPOUT_DOWNGRADE_IN_INFER);
    x = ic_linear(&b, x, 1000, "out", "_fc_out", "out_weights", "out_offset");
    for (size_t i = 0; i < sizeof AUX / sizeof AUX[0]; i++) {
        ic_ignore(&b, AUX[i][0]);
        ic_ignore(&b, AUX[i][1]);
    }
    h->output(g, x);
    (void)config;
    return h->graph_error(g) ? -1 : 0;
}
