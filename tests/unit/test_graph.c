/* tests/unit/test_graph.c - the graph builder: shape inference for every op,
 * parameter declaration (shapes, aliases, flags, re-use), error stickiness
 * and messages naming the node, and the parameter / FLOP statistics against
 * hand-computed values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/graph_impl.h"

static const zoo_conv2d_desc conv3 = {.out_channels = 8, .kernel_h = 3, .kernel_w = 3,
                                      .stride_h = 2, .stride_w = 2, .pad_top = 1,
                                      .pad_bottom = 1, .pad_left = 1, .pad_right = 1};

static void assert_shape(zoo_graph *g, zoo_value v, int c, int h, int w) {
    zoo_shape s;
    assert_int_equal(zoo_host()->shape(g, v, &s), 0);
    assert_int_equal(s.c, c);
    assert_int_equal(s.h, h);
    assert_int_equal(s.w, w);
}

static void test_shapes(void **state) {
    (void)state;
    const zoo_host_api *H = zoo_host();
    zoo_graph *g = zoo_graph_new("t");
    zoo_value x = H->input(g, NULL, 3, 17, 16);
    zoo_value c = H->conv2d(g, "c1", x, &conv3, "c1.w", "c1.b");
    assert_shape(g, c, 8, 9, 8); /* (17+2-3)/2+1 = 9, (16+2-3)/2+1 = 8 */
    zoo_conv2d_desc dw = {.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .dilation_h = 2,
                          .dilation_w = 2, .groups = 8, .pad_top = 2, .pad_bottom = 2,
                          .pad_left = 2, .pad_right = 2};
    zoo_value d = H->conv2d(g, "dw", c, &dw, "dw.w", NULL);
    assert_shape(g, d, 8, 9, 8);
    zoo_conv2d_desc asym = {.out_channels = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                            .stride_w = 2, .pad_top = 0, .pad_bottom = 1, .pad_left = 0,
                            .pad_right = 1};
    assert_shape(g, H->conv2d(g, "asym", d, &asym, "asym.w", NULL), 4, 4, 4); /* (9+1-3)/2+1 = 4, (8+1-3)/2+1 = 4 */
    zoo_value b = H->batchnorm(g, "bn", d, 1e-3f, "bn.s", "bn.b", "bn.m", "bn.v");
    assert_shape(g, b, 8, 9, 8);
    zoo_pool2d_desc mp = {.kind = ZOO_POOL_MAX, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                          .stride_w = 2};
    assert_shape(g, H->pool2d(g, "mp", b, &mp), 8, 4, 3);
    mp.ceil_mode = true;
    assert_shape(g, H->pool2d(g, "mp_ceil", b, &mp), 8, 4, 4); /* ceil((8-3)/2)+1 = 4 */
    zoo_pool2d_desc ad = {.kind = ZOO_POOL_AVG, .adaptive_h = 2, .adaptive_w = 3};
    assert_shape(g, H->pool2d(g, "ad", b, &ad), 8, 2, 3);
    zoo_value parts[3];
    int sizes[3] = {2, 2, 4};
    assert_int_equal(H->split(g, "sp", b, 1, sizes, 3, parts), 0);
    assert_shape(g, parts[2], 4, 9, 8);
    zoo_value cat = H->concat(g, "cat", parts, 3, 1);
    assert_shape(g, cat, 8, 9, 8);
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    zoo_value se = H->pool2d(g, "gap", cat, &gp);
    assert_shape(g, se, 8, 1, 1);
    assert_shape(g, H->mul(g, "scale_se", cat, se), 8, 9, 8);
    assert_shape(g, H->add(g, "bcast", se, cat), 8, 9, 8);
    assert_shape(g, H->reshape(g, "rs", cat, 2, -1, 1), 2, 288, 1);
    zoo_value fl = H->flatten(g, "flat", cat);
    assert_shape(g, fl, 576, 1, 1);
    zoo_value fc = H->linear(g, "fc", fl, 10, "fc.w", "fc.b");
    assert_shape(g, fc, 10, 1, 1);
    /* upscale_in_train dropout is the identity: no node */
    int before = zoo_graph_node_count(g);
    assert_int_equal(H->dropout(g, "drop", fc, 0.5f, ZOO_DROPOUT_UPSCALE_IN_TRAIN), fc);
    assert_int_equal(zoo_graph_node_count(g), before);
    zoo_value dr = H->dropout(g, "drop2", fc, 0.2f, ZOO_DROPOUT_DOWNGRADE_IN_INFER);
    assert_int_equal(zoo_graph_node_count(g), before + 1);
    assert_true(g->nodes[g->n_nodes - 1].op == ZOO_OP_SCALE);
    assert_float_equal(g->nodes[g->n_nodes - 1].attr.scale.scale, 0.8f, 1e-7);
    assert_shape(g, H->softmax(g, "sm", dr, 1), 10, 1, 1);
    assert_shape(g, H->channel_shuffle(g, "cs", cat, 2), 8, 9, 8);
    assert_int_equal(H->output(g, dr), 0);
    zoo_error e = {0};
    assert_int_equal(zoo_graph_finalize(g, &e), ZOO_OK);
    /* params: declared shapes */
    int wi = zoo_graph_find_param(g, "c1.w");
    zoo_param_info pi;
    assert_int_equal(zoo_graph_param(g, wi, &pi), 0);
    assert_int_equal(pi.ndim, 4);
    assert_int_equal(pi.dims[0], 8);
    assert_int_equal(pi.dims[1], 3);
    assert_int_equal(zoo_graph_param(g, zoo_graph_find_param(g, "dw.w"), &pi), 0);
    assert_int_equal(pi.dims[1], 1); /* depthwise: Cin/groups */
    assert_int_equal(zoo_graph_param(g, zoo_graph_find_param(g, "fc.w"), &pi), 0);
    assert_int_equal(pi.dims[0], 576); /* Paddle layout [in, out] */
    assert_int_equal(pi.dims[1], 10);
    assert_int_equal(zoo_graph_param(g, zoo_graph_find_param(g, "bn.m"), &pi), 0);
    assert_false(pi.trainable); /* running statistics */
    zoo_graph_free(g);
}

static void test_errors_are_sticky_and_named(void **state) {
    (void)state;
    const zoo_host_api *H = zoo_host();
    zoo_graph *g = zoo_graph_new("Broken");
    zoo_value x = H->input(g, NULL, 3, 8, 8);
    zoo_conv2d_desc bad = {.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .groups = 2};
    assert_int_equal(H->conv2d(g, "grp", x, &bad, "w", NULL), ZOO_NONE); /* 3 % 2 != 0 */
    const char *msg = zoo_graph_error(g);
    assert_non_null(msg);
    assert_non_null(strstr(msg, "Broken: node grp (conv2d)"));
    assert_non_null(strstr(msg, "groups 2"));
    /* sticky: later valid calls fail too, and the first message is kept */
    assert_int_equal(H->act(g, "r", x, (zoo_act_desc){.kind = ZOO_ACT_RELU}), ZOO_NONE);
    assert_non_null(strstr(zoo_graph_error(g), "node grp"));
    zoo_error e = {0};
    assert_int_not_equal(zoo_graph_finalize(g, &e), ZOO_OK);
    assert_non_null(strstr(e.msg, "node grp"));
    zoo_graph_free(g);
}

static void expect_fail(void (*build)(const zoo_host_api *, zoo_graph *), const char *needle) {
    zoo_graph *g = zoo_graph_new("m");
    build(zoo_host(), g);
    const char *msg = zoo_graph_error(g);
    if (!msg || !strstr(msg, needle))
        fail_msg("expected an error containing '%s', got '%s'", needle, msg ? msg : "(none)");
    zoo_graph_free(g);
}

static void b_concat_mismatch(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 3, 8, 8);
    zoo_pool2d_desc p = {.kind = ZOO_POOL_MAX, .kernel_h = 2, .kernel_w = 2, .stride_h = 2,
                         .stride_w = 2};
    zoo_value y = H->pool2d(g, "pool", x, &p);
    zoo_value xs[2] = {x, y};
    H->concat(g, "joined", xs, 2, 1);
}
static void b_param_shape_clash(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 3, 8, 8);
    zoo_conv2d_desc c = {.out_channels = 4, .kernel_h = 1, .kernel_w = 1};
    x = H->conv2d(g, "a", x, &c, "shared", NULL);
    H->conv2d(g, "b", x, &c, "shared", NULL); /* 4 inputs now, weight 4x4x1x1 != 4x3x1x1 */
}
static void b_bad_broadcast(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 4, 8, 8);
    zoo_value y = H->slice(g, "half", x, 1, 0, 3);
    H->add(g, "sum", x, y);
}
static void b_bad_slice(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 4, 8, 8);
    H->slice(g, "crop", x, 2, 1, 9);
}
static void b_dup_name(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 4, 8, 8);
    x = H->act(g, "r", x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
    H->act(g, "r", x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
}
static void b_alias_clash(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 4, 8, 8);
    zoo_conv2d_desc c = {.out_channels = 4, .kernel_h = 1, .kernel_w = 1};
    x = H->conv2d(g, "a", x, &c, "a.w", NULL);
    H->conv2d(g, "b", x, &c, "b.w", NULL);
    H->param_alias(g, "a.w", "a_weights");
    H->param_alias(g, "b.w", "a_weights");
}
static void b_bad_reshape(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 3, 5, 5);
    H->reshape(g, "rs", x, 2, -1, 1); /* 75 not divisible by 2 */
}
static void b_kernel_too_big(const zoo_host_api *H, zoo_graph *g) {
    zoo_value x = H->input(g, NULL, 3, 2, 2);
    zoo_conv2d_desc c = {.out_channels = 4, .kernel_h = 5, .kernel_w = 5};
    H->conv2d(g, "big", x, &c, "w", NULL);
}

static void test_error_cases(void **state) {
    (void)state;
    expect_fail(b_concat_mismatch, "node joined (concat): input 1 is [3,4,4]");
    expect_fail(b_param_shape_clash, "parameter shared re-used with shape 4x4x1x1 (declared 4x3x1x1)");
    expect_fail(b_bad_broadcast, "node sum (add): shapes [4,8,8] and [3,8,8] do not broadcast");
    expect_fail(b_bad_slice, "node crop (slice): range [1,9) invalid");
    expect_fail(b_dup_name, "node r (act): a node with this name already exists");
    expect_fail(b_alias_clash, "a_weights (alias of b.w) already names parameter a.w");
    expect_fail(b_bad_reshape, "75 elements do not fit");
    expect_fail(b_kernel_too_big, "node big (conv2d): kernel 5x5 (dilated) larger than padded input 2x2");
}

static void test_aliases_flags_ignored(void **state) {
    (void)state;
    const zoo_host_api *H = zoo_host();
    zoo_graph *g = zoo_graph_new("m");
    zoo_value x = H->input(g, NULL, 3, 8, 8);
    zoo_conv2d_desc c = {.out_channels = 4, .kernel_h = 1, .kernel_w = 1};
    x = H->conv2d(g, "a", x, &c, "a._conv.weight", "a._conv.bias");
    assert_int_equal(H->param_alias(g, "a._conv.weight", "a_weights"), 0);
    assert_int_equal(H->param_alias(g, "a._conv.weight", "conv2d_0.w_0"), 0);
    assert_int_equal(H->param_flags(g, "a._conv.bias", ZOO_PARAM_OPTIONAL), 0);
    assert_int_equal(H->ignore_source(g, "aux.weight"), 0);
    H->output(g, x);
    zoo_error e = {0};
    assert_int_equal(zoo_graph_finalize(g, &e), ZOO_OK);
    assert_int_equal(zoo_graph_find_param(g, "a_weights"), 0);
    assert_int_equal(zoo_graph_find_param(g, "conv2d_0.w_0"), 0);
    assert_int_equal(zoo_graph_find_param(g, "a._conv.bias"), 1);
    assert_int_equal(zoo_graph_find_param(g, "nope"), -1);
    zoo_param_info pi;
    zoo_graph_param(g, 1, &pi);
    assert_int_equal(pi.flags, ZOO_PARAM_OPTIONAL);
    zoo_graph_param(g, 0, &pi);
    assert_int_equal(pi.n_aliases, 2);
    assert_true(zoo_graph_is_ignored_source(g, "aux.weight"));
    assert_false(zoo_graph_is_ignored_source(g, "a_weights"));
    /* no builder call is allowed after finalize */
    assert_int_equal(H->act(g, "late", x, (zoo_act_desc){.kind = ZOO_ACT_RELU}), ZOO_NONE);
    zoo_graph_free(g);
}

/* Stats on a small net computed by hand:
 *  conv 3->8 3x3 s2 p1 on 3x16x16 -> 8x8x8, bias:  MACs 8*8*8*27 = 13824
 *  dw   8->8 3x3 g8 -> 8x8x8:                      MACs 8*8*8*9  = 4608
 *  bn(8), relu, gap, fc 8->10 named "fc":          MACs 80 */
static void test_stats(void **state) {
    (void)state;
    const zoo_host_api *H = zoo_host();
    zoo_graph *g = zoo_graph_new("m");
    zoo_value x = H->input(g, NULL, 3, 16, 16);
    zoo_conv2d_desc c = {.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                         .stride_w = 2, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
                         .pad_right = 1};
    x = H->conv2d(g, "c", x, &c, "c.w", "c.b");
    zoo_conv2d_desc dw = {.out_channels = 8, .kernel_h = 3, .kernel_w = 3, .groups = 8,
                          .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1};
    x = H->conv2d(g, "dw", x, &dw, "dw.w", NULL);
    x = H->batchnorm(g, "bn", x, 1e-5f, "s", "b", "m", "v");
    x = H->act(g, "relu", x, (zoo_act_desc){.kind = ZOO_ACT_RELU});
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    x = H->pool2d(g, "gap", x, &gp);
    x = H->linear(g, "fc", x, 10, "fc.w", "fc.b");
    H->output(g, x);
    zoo_graph_stats s;
    zoo_graph_stats_compute(g, &s);
    assert_int_equal(s.macs, 13824 + 4608 + 80);
    assert_int_equal(s.params, 8 * 27 + 8 + 8 * 9 + 4 * 8 + 80 + 10);
    assert_int_equal(s.params_trainable, 8 * 27 + 8 + 8 * 9 + 2 * 8 + 80 + 10);
    /* model_stat: conv 2*64*8*(27+1) = 28672; dw divided by groups twice:
     * kernel_ops = 9 * (1/8) -> 2*64*8*1.125 = 1152; bn 2*512 = 1024; relu 512;
     * gap 8*64 = 512; fc 80 (not doubled) -> 31952.
     * params: conv 8*28 = 224, dw 8*1.125 = 9, bn 16, fc 81 -> 330 */
    assert_int_equal(s.stat_flops, 28672 + 1152 + 1024 + 512 + 512 + 80);
    assert_int_equal(s.stat_params, 224 + 9 + 16 + 81);
    zoo_graph_free(g);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shapes),
        cmocka_unit_test(test_errors_are_sticky_and_named),
        cmocka_unit_test(test_error_cases),
        cmocka_unit_test(test_aliases_flags_ignored),
        cmocka_unit_test(test_stats),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
