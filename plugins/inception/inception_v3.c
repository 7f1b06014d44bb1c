/* plugins/inception/inception_v3.c - PaddleClas InceptionV3
 * (ppcls/arch/backbone/legendary_models/inception_v3.py), inference path.
 *
 * ConvBNLayer = conv (no bias) -> BN (eps 1e-5) -> ReLU. Stem, 11 blocks
 * A A A B C C C C D E E, GAP -> Dropout(0.2, downscale_in_infer: x0.8) ->
 * Linear(2048, 1000). Every AvgPool is 3 s1 p1 with exclusive=False.
 *
 * Names: canonical = current structured keys (inception_block_list.<i>...);
 * aliases = the Paddle auto names of a fresh process (conv2d_<n>.w_0,
 * batch_norm_<n>.w_0/b_0/w_1/w_2, linear_0.w_0/b_0) and the older
 * PaddleClas 2.0/2.1 generation (ppcls/modeling/architectures/inception_v3.py
 * on release/2.1: structured keys inception_a_1.branch1x1.conv.weight /
 * .batch_norm.*, the B block registered as "nception_b_1" (sic), `out.*`;
 * ParamAttr names inception_a_branch1x1_1_weights / _bn_scale ..., fc_weights,
 * fc_offset). Both generations hold the same tensors in the same order.
 */
#include "ic.h"

#define EPS 1e-5f

/* one block of inception_block_list: kind, input channels, A: pool features / C: c7 */
typedef struct v3_block {
    char kind; /* 'a'..'e' */
    int in;
    int param;
    int ordinal; /* 1-based index among blocks of the same kind (old naming) */
} v3_block;

static const v3_block BLOCKS[] = {
    {'a', 192, 32, 1},  {'a', 256, 64, 2},  {'a', 288, 64, 3},  {'b', 288, 0, 1},
    {'c', 768, 128, 1}, {'c', 768, 160, 2}, {'c', 768, 160, 3}, {'c', 768, 192, 4},
    {'d', 768, 0, 1},   {'e', 1280, 0, 1},  {'e', 2048, 0, 2},
};

/* where a ConvBNLayer lives: new structured prefix, old structured prefix, old ParamAttr name */
typedef struct v3_loc {
    char key[IC_NAME], old_key[IC_NAME], old_name[IC_NAME];
} v3_loc;

static zoo_value cbr(ic_b *b, zoo_value x, int cout, int kh, int kw, int stride, int ph, int pw,
                     const v3_loc *l) {
    char w[IC_NAME], a_auto[IC_NAME], a_old[IC_NAME], a_name[IC_NAME], bk[IC_NAME];
    char auto_bn[IC_NAME], old_bn[IC_NAME], old_bn_name[IC_NAME];
    ic_conv_p p = {.cout = cout, .kh = kh, .kw = kw, .stride = stride, .ph = ph, .pw = pw};
    const char *al[] = {ic_fmt(b, a_auto, sizeof a_auto, "conv2d_%d.w_0", b->conv_n),
                        ic_fmt(b, a_old, sizeof a_old, "%s.conv.weight", l->old_key),
                        ic_fmt(b, a_name, sizeof a_name, "%s_weights", l->old_name), NULL};
    x = ic_conv(b, x, &p, ic_fmt(b, w, sizeof w, "%s.conv.weight", l->key), al);
    ic_bn_alias ba[] = {
        {ic_fmt(b, auto_bn, sizeof auto_bn, "batch_norm_%d", b->bn_n), IC_BN_AUTO},
        {ic_fmt(b, old_bn, sizeof old_bn, "%s.batch_norm", l->old_key), IC_BN_KEY},
        {ic_fmt(b, old_bn_name, sizeof old_bn_name, "%s_bn", l->old_name), IC_BN_PADDLE},
    };
    x = ic_bn(b, x, EPS, ic_fmt(b, bk, sizeof bk, "%s.bn", l->key), ba, 3);
    return ic_relu(b, x);
}

/* a ConvBNLayer of block `i` (kind/ordinal from BLOCKS), attribute `attr`; the
 * old ParamAttr name uses `old_attr` (differs only for branch_pool_conv) */
static zoo_value unit(ic_b *b, zoo_value x, int i, const char *attr, const char *old_attr, int cout,
                      int kh, int kw, int stride, int ph, int pw) {
    const v3_block *blk = &BLOCKS[i];
    v3_loc l;
    ic_fmt(b, l.key, sizeof l.key, "inception_block_list.%d.%s", i, attr);
    if (blk->kind == 'b')
        ic_fmt(b, l.old_key, sizeof l.old_key, "nception_b_%d.%s", blk->ordinal, attr);
    else
        ic_fmt(b, l.old_key, sizeof l.old_key, "inception_%c_%d.%s", blk->kind, blk->ordinal, attr);
    ic_fmt(b, l.old_name, sizeof l.old_name, "inception_%c_%s_%d", blk->kind, old_attr,
           blk->ordinal);
    return cbr(b, x, cout, kh, kw, stride, ph, pw, &l);
}

#define U(x, attr, cout, kh, kw, s, ph, pw) unit(b, (x), i, (attr), (attr), (cout), (kh), (kw), (s), (ph), (pw))
#define POOL_CONV(x, cout) unit(b, (x), i, "branch_pool_conv", "branch_pool", (cout), 1, 1, 1, 0, 0)

static zoo_value block_a(ic_b *b, zoo_value x, int i) {
    zoo_value br[4];
    br[0] = U(x, "branch1x1", 64, 1, 1, 1, 0, 0);
    br[1] = U(x, "branch5x5_1", 48, 1, 1, 1, 0, 0);
    br[1] = U(br[1], "branch5x5_2", 64, 5, 5, 1, 2, 2);
    br[2] = U(x, "branch3x3dbl_1", 64, 1, 1, 1, 0, 0);
    br[2] = U(br[2], "branch3x3dbl_2", 96, 3, 3, 1, 1, 1);
    br[2] = U(br[2], "branch3x3dbl_3", 96, 3, 3, 1, 1, 1);
    br[3] = POOL_CONV(ic_avg_pool(b, x, 3, 1, 1, 0), BLOCKS[i].param);
    return ic_concat(b, br, 4);
}

static zoo_value block_b(ic_b *b, zoo_value x, int i) {
    zoo_value br[3];
    br[0] = U(x, "branch3x3", 384, 3, 3, 2, 0, 0);
    br[1] = U(x, "branch3x3dbl_1", 64, 1, 1, 1, 0, 0);
    br[1] = U(br[1], "branch3x3dbl_2", 96, 3, 3, 1, 1, 1);
    br[1] = U(br[1], "branch3x3dbl_3", 96, 3, 3, 2, 0, 0);
    br[2] = ic_max_pool(b, x, 3, 2, 0);
    return ic_concat(b, br, 3);
}

static zoo_value block_c(ic_b *b, zoo_value x, int i) {
    int c7 = BLOCKS[i].param;
    zoo_value br[4];
    br[0] = U(x, "branch1x1", 192, 1, 1, 1, 0, 0);
    br[1] = U(x, "branch7x7_1", c7, 1, 1, 1, 0, 0);
    br[1] = U(br[1], "branch7x7_2", c7, 1, 7, 1, 0, 3);
    br[1] = U(br[1], "branch7x7_3", 192, 7, 1, 1, 3, 0);
    br[2] = U(x, "branch7x7dbl_1", c7, 1, 1, 1, 0, 0);
    br[2] = U(br[2], "branch7x7dbl_2", c7, 7, 1, 1, 3, 0);
    br[2] = U(br[2], "branch7x7dbl_3", c7, 1, 7, 1, 0, 3);
    br[2] = U(br[2], "branch7x7dbl_4", c7, 7, 1, 1, 3, 0);
    br[2] = U(br[2], "branch7x7dbl_5", 192, 1, 7, 1, 0, 3);
    br[3] = POOL_CONV(ic_avg_pool(b, x, 3, 1, 1, 0), 192);
    return ic_concat(b, br, 4);
}

static zoo_value block_d(ic_b *b, zoo_value x, int i) {
    zoo_value br[3];
    br[0] = U(x, "branch3x3_1", 192, 1, 1, 1, 0, 0);
    br[0] = U(br[0], "branch3x3_2", 320, 3, 3, 2, 0, 0);
    br[1] = U(x, "branch7x7x3_1", 192, 1, 1, 1, 0, 0);
    br[1] = U(br[1], "branch7x7x3_2", 192, 1, 7, 1, 0, 3);
    br[1] = U(br[1], "branch7x7x3_3", 192, 7, 1, 1, 3, 0);
    br[1] = U(br[1], "branch7x7x3_4", 192, 3, 3, 2, 0, 0);
    br[2] = ic_max_pool(b, x, 3, 2, 0);
    return ic_concat(b, br, 3);
}

static zoo_value block_e(ic_b *b, zoo_value x, int i) {
    zoo_value br[4], pair[2];
    br[0] = U(x, "branch1x1", 320, 1, 1, 1, 0, 0);
    zoo_value t = U(x, "branch3x3_1", 384, 1, 1, 1, 0, 0);
    pair[0] = U(t, "branch3x3_2a", 384, 1, 3, 1, 0, 1);
    pair[1] = U(t, "branch3x3_2b", 384, 3, 1, 1, 1, 0);
    br[1] = ic_concat(b, pair, 2);
    t = U(x, "branch3x3dbl_1", 448, 1, 1, 1, 0, 0);
    t = U(t, "branch3x3dbl_2", 384, 3, 3, 1, 1, 1);
    pair[0] = U(t, "branch3x3dbl_3a", 384, 1, 3, 1, 0, 1);
    pair[1] = U(t, "branch3x3dbl_3b", 384, 3, 1, 1, 1, 0);
    br[2] = ic_concat(b, pair, 2);
    br[3] = POOL_CONV(ic_avg_pool(b, x, 3, 1, 1, 0), 192);
    return ic_concat(b, br, 4);
}

#undef U
#undef POOL_CONV

static zoo_value stem_unit(ic_b *b, zoo_value x, const char *attr, int cout, int k, int stride,
                           int pad) {
    v3_loc l;
    ic_fmt(b, l.key, sizeof l.key, "inception_stem.%s", attr);
    ic_fmt(b, l.old_key, sizeof l.old_key, "inception_stem.%s", attr);
    ic_fmt(b, l.old_name, sizeof l.old_name, "%s", attr);
    return cbr(b, x, cout, k, k, stride, pad, pad, &l);
}

int ic_build_inception_v3(const zoo_host_api *h, zoo_graph *g, const void *config, int input_h,
                          int input_w) {
    ic_b b = {.h = h, .g = g, .model = "InceptionV3"};
    zoo_value x = h->input(g, "image", 3, input_h, input_w);
    x = stem_unit(&b, x, "conv_1a_3x3", 32, 3, 2, 0);
    x = stem_unit(&b, x, "conv_2a_3x3", 32, 3, 1, 0);
    x = stem_unit(&b, x, "conv_2b_3x3", 64, 3, 1, 1);
    x = ic_max_pool(&b, x, 3, 2, 0);
    x = stem_unit(&b, x, "conv_3b_1x1", 80, 1, 1, 0);
    x = stem_unit(&b, x, "conv_4a_3x3", 192, 3, 1, 0);
    x = ic_max_pool(&b, x, 3, 2, 0);
    for (int i = 0; i < (int)(sizeof BLOCKS / sizeof BLOCKS[0]); i++) {
        switch (BLOCKS[i].kind) {
        case 'a': x = block_a(&b, x, i); break;
        case 'b': x = block_b(&b, x, i); break;
        case 'c': x = block_c(&b, x, i); break;
        case 'd': x = block_d(&b, x, i); break;
        default: x = block_e(&b, x, i); break;
        }
    }
    x = ic_gap(&b, x);
    x = h->dropout(g, NULL, x, 0.2f, ZOO_DROPOUT_DOWNGRADE_IN_INFER);
    char wa[IC_NAME], ba[IC_NAME];
    ic_fmt(&b, wa, sizeof wa, "linear_%d.w_0", b.linear_n);
    ic_fmt(&b, ba, sizeof ba, "linear_%d.b_0", b.linear_n);
    x = ic_linear(&b, x, 1000, "fc", "fc", wa, ba);
    /* the older generation: `out.weight` / `fc_weights`, `out.bias` / `fc_offset` */
    ic_alias(&b, "fc.weight", "out.weight");
    ic_alias(&b, "fc.weight", "fc_weights");
    ic_alias(&b, "fc.bias", "out.bias");
    ic_alias(&b, "fc.bias", "fc_offset");
    h->output(g, x);
    (void)config;
    return h->graph_error(g) ? -1 : 0;
}
