/* tests/unit/test_cpu_plan.c - the fast CPU backend's plan: in-place concat
 * placement (a DenseNet-like chain never copies its feature map and its arena
 * is far below the sum of its values), liveness reuse of freed space, fusion
 * (BN folding, activations, residual adds), views, max_batch scaling of the
 * arena, thread defaults, and refusal of graphs it cannot run. Every planned
 * graph is also run and compared with cpu-ref, so a plan that saves memory by
 * overlapping live values fails here. The choice of the kernel variant
 * (ZOO_CPU_ISA) is checked too, and the group runs once per variant. */
#include "cpu_test_graphs.h"
#include "cpu/plan.h"

static cpu_plan *plan_of(tg *t, int max_batch, int threads, cpu_plan_stats *st) {
    zoo_error e = {0};
    cpu_plan *p = cpu_plan_build(t->g, max_batch, threads, &e);
    if (!p) fail_msg("plan: %s", e.msg);
    cpu_plan_get_stats(p, st);
    /* the vtable reports the same arena */
    zoo_runner_opts o = {.threads = threads, .max_batch = max_batch};
    void *vp = zoo_backend_cpu.prepare(t->g, &o, &e);
    assert_non_null(vp);
    assert_int_equal(zoo_backend_cpu.activation_bytes(vp), st->arena_bytes);
    zoo_backend_cpu.release(vp);
    return p;
}

static zoo_conv2d_desc conv_d(int out, int k) {
    zoo_conv2d_desc d = {.out_channels = out, .kernel_h = k, .kernel_w = k, .pad_top = k / 2,
                         .pad_bottom = k / 2, .pad_left = k / 2, .pad_right = k / 2};
    return d;
}

/* DenseNet block: x_{l+1} = concat(x_l, conv3x3(relu(bn(conv1x1(relu(bn(x_l))))))) */
static zoo_value dense_block(tg *t, zoo_value x, int layers, int growth) {
    zoo_conv2d_desc c1 = conv_d(4 * growth, 1), c3 = conv_d(growth, 3);
    for (int l = 0; l < layers; l++) {
        zoo_value y = tg_act(t, tg_bn(t, x, 1e-5f), ZOO_ACT_RELU);
        y = tg_act(t, tg_bn(t, tg_conv(t, y, &c1, false), 1e-5f), ZOO_ACT_RELU);
        y = tg_conv(t, y, &c3, false);
        zoo_value parts[2] = {x, y};
        x = t->h->concat(t->g, NULL, parts, 2, 1);
    }
    return x;
}

static void test_densenet_inplace(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 1);
    int layers = 12, growth = 8;
    zoo_value x = t.h->input(t.g, NULL, 16, 12, 12);
    x = tg_act(&t, tg_bn(&t, dense_block(&t, x, layers, growth), 1e-5f), ZOO_ACT_RELU);
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    tg_finish_scaled(&t, t.h->pool2d(t.g, NULL, x, &gp), 0.5f);

    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 3, 2, &st);
    /* every concat input is written straight into its slot: no concat copies at all */
    assert_int_equal(st.concat_inplace, 2 * layers);
    assert_int_equal(st.concat_copied, 0);
    /* conv1x1 -> bn -> relu folded; the pre-activation bn -> relu are one affine step */
    assert_int_equal(st.gemm_convs, 2 * layers);
    assert_int_equal(st.folded_bn, layers);
    /* the final feature map is 16 + 12*8 = 112 channels; one buffer per value would
     * hold every intermediate concat again (16+24+...+112 channels) plus all layer
     * temporaries. In place, the arena holds the growing map once plus a few
     * temporaries: check it stays below a fifth of the one-buffer-per-value total. */
    size_t img = (size_t)12 * 12 * sizeof(float) * 3; /* one channel at max_batch 3 */
    assert_true(st.values_bytes > 1500 * img);
    assert_true(st.arena_bytes < st.values_bytes / 5);
    /* and is at most the final map (112 ch) + the largest temporaries (2 x 32 ch + bn of 112) */
    assert_true(st.arena_bytes <= (112 + 32 + 32 + 112 + 4) * img);
    /* all concat values share one root buffer: the last concat's image stride is used by
     * the first layer's output too */
    zoo_value last_cat = t.g->nodes[t.g->n_nodes - 4].output; /* before bn, relu, pool */
    assert_int_equal(t.g->nodes[t.g->n_nodes - 4].op, ZOO_OP_CONCAT);
    assert_int_equal(p->vals[t.g->input].bs, (size_t)112 * 144);
    assert_int_equal(p->vals[t.g->input].off, p->vals[last_cat].off);
    cpu_plan_free(p);
    assert_true(tg_compare(&t, 3, 2, -1, 1) <= 2e-5); /* see test_cpu_ops densenet bound */
    tg_free(&t);
}

/* A chain of 12 same-size elementwise steps (scale with its activation fused)
 * needs two live buffers at a time (input and output of the running step):
 * the arena must reuse freed space. */
static void test_liveness_reuse(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 2);
    zoo_value x = t.h->input(t.g, NULL, 8, 16, 16);
    for (int i = 0; i < 12; i++) {
        x = t.h->scale(t.g, NULL, x, 0.9f, 0.01f);
        x = tg_act(&t, x, i % 2 ? ZOO_ACT_SWISH : ZOO_ACT_SIGMOID);
    }
    tg_finish(&t, x);
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 2, 1, &st);
    size_t one = (size_t)8 * 16 * 16 * 2 * sizeof(float);
    assert_int_equal(st.steps, 12);
    assert_int_equal(st.fused_act, 12);
    assert_int_equal(st.values_bytes, 13 * one); /* input + 12 step outputs */
    assert_true(st.arena_bytes <= 2 * one);
    cpu_plan_free(p);
    assert_true(tg_compare(&t, 2, 1, -2, 2) <= 1e-5);
    tg_free(&t);
}

/* A long-lived value (a residual shortcut) must keep its space while the
 * branch's temporaries come and go around it. */
static void test_liveness_long_lived(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 3);
    zoo_value x = t.h->input(t.g, NULL, 6, 10, 10);
    zoo_value sc = t.h->scale(t.g, NULL, x, 2.0f, 0.0f);
    zoo_value y = sc;
    for (int i = 0; i < 6; i++) y = tg_act(&t, t.h->scale(t.g, NULL, y, 0.5f, 0.1f), ZOO_ACT_RELU);
    tg_finish(&t, t.h->add(t.g, NULL, y, sc));
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 1, 1, &st);
    size_t one = (size_t)6 * 10 * 10 * sizeof(float);
    assert_true(st.arena_bytes <= 4 * one);
    /* sc and every value live at the same time as sc occupy different bytes */
    assert_true(tg_compare(&t, 1, 1, -1, 1) <= 1e-6);
    cpu_plan_free(p);
    tg_free(&t);
}

static void test_fusion_and_views(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 4);
    zoo_value x = t.h->input(t.g, NULL, 8, 9, 9);
    zoo_conv2d_desc c3 = conv_d(8, 3), dw = conv_d(8, 3);
    dw.groups = 8;
    /* conv -> bn -> relu: one step */
    zoo_value a = tg_act(&t, tg_bn(&t, tg_conv(&t, x, &c3, false), 1e-3f), ZOO_ACT_RELU);
    /* depthwise -> bn -> swish: one depthwise step */
    zoo_value b = tg_act(&t, tg_bn(&t, tg_conv(&t, a, &dw, false), 1e-3f), ZOO_ACT_SWISH);
    /* conv+bias -> add(a) -> relu: residual in the epilogue */
    zoo_value c = tg_act(&t, t.h->add(t.g, NULL, tg_conv(&t, b, &c3, true), a), ZOO_ACT_RELU);
    /* channel slice and reshape: views */
    zoo_value s = t.h->slice(t.g, NULL, c, 1, 2, 6);
    zoo_value r = t.h->reshape(t.g, NULL, s, 4 * 9, 9, 1);
    tg_finish(&t, tg_act(&t, r, ZOO_ACT_RELU6));
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 1, 2, &st);
    assert_int_equal(st.steps, 4); /* conv, dw, conv+add, relu6 */
    assert_int_equal(st.gemm_convs, 2);
    assert_int_equal(st.dw_convs, 1);
    assert_int_equal(st.folded_bn, 2);
    assert_int_equal(st.fused_act, 3);
    assert_int_equal(st.fused_residual, 1);
    assert_int_equal(st.views, 2);
    cpu_plan_free(p);
    assert_true(tg_compare(&t, 2, 2, -1, 1) <= 1e-5);
    tg_free(&t);
}

/* A conv output read twice is not fused (its BN must not be folded away). */
static void test_no_fusion_when_shared(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 5);
    zoo_value x = t.h->input(t.g, NULL, 4, 6, 6);
    zoo_conv2d_desc c = conv_d(4, 1);
    zoo_value y = tg_conv(&t, x, &c, false);
    tg_finish(&t, t.h->add(t.g, NULL, tg_act(&t, tg_bn(&t, y, 1e-5f), ZOO_ACT_RELU), y));
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 1, 1, &st);
    assert_int_equal(st.folded_bn, 0);
    assert_int_equal(st.fused_residual, 0);
    assert_int_equal(st.steps, 3); /* conv, bn+relu, add */
    cpu_plan_free(p);
    assert_true(tg_compare(&t, 1, 1, -1, 1) <= 1e-5);
    tg_free(&t);
}

/* Concat inputs that cannot be placed are copied: a view (channel slice), an
 * input used twice, and the same value in two concats. */
static void test_concat_partial_placement(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 6);
    zoo_value x = t.h->input(t.g, NULL, 6, 5, 5);
    zoo_value a = tg_act(&t, x, ZOO_ACT_RELU);
    zoo_value v = t.h->slice(t.g, NULL, x, 1, 1, 3);
    zoo_value p1[3] = {a, v, a};
    zoo_value c1 = t.h->concat(t.g, NULL, p1, 3, 1); /* a placed, v and the 2nd a copied */
    zoo_value p2[2] = {a, c1};
    zoo_value c2 = t.h->concat(t.g, NULL, p2, 2, 1); /* a copied (already placed), c1 placed */
    tg_finish(&t, c2);
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 2, 2, &st);
    assert_int_equal(st.concat_inplace, 2);
    assert_int_equal(st.concat_copied, 3);
    cpu_plan_free(p);
    assert_true(tg_compare(&t, 2, 2, -1, 1) == 0.0);
    tg_free(&t);
}

static void test_batch_scaling_and_threads(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 7);
    zoo_value x = t.h->input(t.g, NULL, 5, 7, 7);
    zoo_conv2d_desc c = conv_d(9, 3);
    tg_finish(&t, tg_act(&t, tg_conv(&t, x, &c, true), ZOO_ACT_RELU));
    cpu_plan_stats s1, s4;
    cpu_plan *p1 = plan_of(&t, 1, 0, &s1);
    cpu_plan *p4 = plan_of(&t, 4, 3, &s4);
    assert_int_equal(p1->threads, cpu_online_cores()); /* 0 = every online core */
    assert_int_equal(p4->threads, 3);
    assert_true(s4.arena_bytes >= 4 * (5 + 9) * 49 * sizeof(float));
    assert_true(s4.arena_bytes <= 4 * s1.arena_bytes + 256);
    cpu_plan_free(p1);
    cpu_plan_free(p4);
    tg_free(&t);
}

static void test_refuses_bad_graphs(void **state) {
    (void)state;
    zoo_error e = {0};
    zoo_runner_opts o = {.max_batch = 1};
    /* not finalized */
    tg t;
    tg_init(&t, 8);
    zoo_value x = t.h->input(t.g, NULL, 2, 4, 4);
    zoo_conv2d_desc c = conv_d(3, 3);
    zoo_value y = tg_conv(&t, x, &c, false);
    assert_null(zoo_backend_cpu.prepare(t.g, &o, &e));
    assert_int_equal(e.code, ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "not finalized"));
    /* finalized but weights not bound: the message names the node and parameter */
    zoo_error e2 = {0};
    assert_int_equal(t.h->output(t.g, y), 0);
    assert_int_equal(zoo_graph_finalize(t.g, &e2), 0);
    const zoo_backend_impl *bs[2] = {&zoo_backend_cpu, &zoo_backend_cpu_ref};
    for (int k = 0; k < 2; k++) {
        zoo_error e3 = {0};
        assert_null(bs[k]->prepare(t.g, &o, &e3));
        assert_int_equal(e3.code, ZOO_ERR_INPUT);
        assert_non_null(strstr(e3.msg, "p0"));
        assert_non_null(strstr(e3.msg, "not bound"));
    }
    tg_free(&t);
}

/* In-place elementwise steps: a scale of the graph input, a standalone act
 * after a pool and an add whose left operand dies write over their input; a mul whose inputs are both
 * still needed (or of another shape) does not, and the long-lived value s is
 * never overwritten (the comparison with cpu-ref would show it). */
static void test_inplace_elementwise(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 10);
    zoo_value x = t.h->input(t.g, NULL, 6, 9, 11);
    zoo_value s = t.h->scale(t.g, NULL, x, 1.5f, -0.25f);
    zoo_pool2d_desc pd = {.kind = ZOO_POOL_MAX, .kernel_h = 3, .kernel_w = 3, .stride_h = 1,
                          .stride_w = 1, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
                          .pad_right = 1};
    zoo_value pool = t.h->pool2d(t.g, NULL, s, &pd);
    zoo_value r = tg_act(&t, pool, ZOO_ACT_SWISH);   /* pool dies here: in place */
    zoo_pool2d_desc gp = {.kind = ZOO_POOL_AVG, .global = true};
    zoo_value m = t.h->mul(t.g, NULL, r, t.h->pool2d(t.g, NULL, r, &gp)); /* r read twice */
    zoo_value out = t.h->add(t.g, NULL, m, s);       /* m dies here, s does not */
    tg_finish(&t, out);
    cpu_plan_stats st;
    cpu_plan *p = plan_of(&t, 2, 2, &st);
    assert_int_equal(st.inplace_steps, 3);
    assert_int_equal(p->vals[s].parent, x); /* the graph input dies at the scale too */
    assert_int_equal(p->vals[r].parent, pool);
    assert_int_equal(p->vals[out].parent, m);
    assert_int_equal(p->vals[m].parent, -1);
    assert_true(tg_compare(&t, 2, 2, -1, 1) <= 1e-5);
    cpu_plan_free(p);
    tg_free(&t);
}

/* The kernel variant: the best usable one by default, the one ZOO_CPU_ISA
 * names when set; an unknown or unsupported name is refused with a message. */
static void test_isa_select(void **state) {
    (void)state;
    const char *cur = getenv("ZOO_CPU_ISA");
    char saved[32] = "";
    if (cur) snprintf(saved, sizeof saved, "%s", cur);
    tg t;
    tg_init(&t, 9);
    zoo_value x = t.h->input(t.g, NULL, 4, 6, 6);
    zoo_conv2d_desc c = conv_d(5, 3);
    tg_finish(&t, tg_conv(&t, x, &c, true));
    zoo_error e = {0};
    unsetenv("ZOO_CPU_ISA");
    cpu_plan *p = cpu_plan_build(t.g, 1, 1, &e);
    assert_non_null(p);
    for (int i = 0; i < cpu_kern_count(); i++) /* the first usable one = the best */
        if (cpu_kern_usable(cpu_kern_at(i))) {
            assert_ptr_equal(p->k, cpu_kern_at(i));
            break;
        }
    cpu_plan_free(p);
    assert_true(cpu_kern_usable(&cpu_kern_generic));
    for (int i = 0; i < cpu_kern_count(); i++) {
        const cpu_kern *k = cpu_kern_at(i);
        setenv("ZOO_CPU_ISA", k->name, 1);
        zoo_error e2 = {0};
        p = cpu_plan_build(t.g, 1, 1, &e2);
        if (cpu_kern_usable(k)) {
            assert_non_null(p);
            assert_ptr_equal(p->k, k);
            assert_int_equal(p->k->nr % p->k->lanes, 0);
            assert_int_equal(CPU_NC % p->k->nr, 0);
            cpu_plan_free(p);
        } else {
            assert_null(p);
            assert_int_equal(e2.code, ZOO_ERR_INPUT);
            assert_non_null(strstr(e2.msg, "does not support"));
        }
    }
    setenv("ZOO_CPU_ISA", "sse9", 1);
    zoo_error e3 = {0};
    assert_null(cpu_plan_build(t.g, 1, 1, &e3));
    assert_int_equal(e3.code, ZOO_ERR_INPUT);
    assert_non_null(strstr(e3.msg, "ZOO_CPU_ISA=sse9"));
    assert_non_null(strstr(e3.msg, "generic"));
    if (saved[0])
        setenv("ZOO_CPU_ISA", saved, 1);
    else
        unsetenv("ZOO_CPU_ISA");
    tg_free(&t);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_densenet_inplace),
        cmocka_unit_test(test_liveness_reuse),
        cmocka_unit_test(test_liveness_long_lived),
        cmocka_unit_test(test_fusion_and_views),
        cmocka_unit_test(test_no_fusion_when_shared),
        cmocka_unit_test(test_concat_partial_placement),
        cmocka_unit_test(test_batch_scaling_and_threads),
        cmocka_unit_test(test_refuses_bad_graphs),
        cmocka_unit_test(test_inplace_elementwise),
        cmocka_unit_test(test_isa_select),
    };
    return TG_RUN_PER_ISA(tests);
}
