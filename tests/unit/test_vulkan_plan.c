/* tests/unit/test_vulkan_plan.c - the Vulkan backend's host-side logic, with
 * no Vulkan device needed:
 *   - the block sub-allocator's free list (vk_mem.c) against a byte map under
 *     random alloc / free sequences, alignment, coalescing, double frees;
 *   - the plan (vk_plan.c): fusion (conv+bn+act, residual), views, in-place
 *     concat of a DenseNet-like block (no copies), arena reuse by liveness,
 *     batch strides, and barrier placement (independent branches share no
 *     barrier, a chain needs one per step);
 *   - the pipeline cache header check (vk_pipeline.c) on valid, foreign,
 *     truncated and corrupted files. */
#include "cpu_test_graphs.h"
#include "vulkan/vk_mem.h"
#include "vulkan/vk_pipeline.h"
#include "vulkan/vk_plan.h"

static int rnd(tg *t, int lo, int hi) { return test_rng_int(&t->rng, lo, hi); }

/* ---- free list ---------------------------------------------------------------- */

#define SPACE 4096

static void test_freelist_random(void **state) {
    (void)state;
    test_rng rng = {12345};
    zvk_freelist fl;
    assert_int_equal(zvk_freelist_init(&fl, SPACE), 0);
    unsigned char used[SPACE] = {0};
    uint64_t off[64], size[64];
    int n = 0;
    for (int it = 0; it < 20000; it++) {
        if (n < 64 && (test_rng_int(&rng, 0, 2) > 0 || n == 0)) {
            uint64_t sz = (uint64_t)test_rng_int(&rng, 1, 300);
            uint64_t al = 1ull << test_rng_int(&rng, 0, 6);
            uint64_t o;
            if (!zvk_freelist_alloc(&fl, sz, al, &o)) {
                /* refused: then no aligned gap of that size exists in the byte map */
                for (uint64_t s = 0; s + sz <= SPACE; s += al) {
                    bool free_run = true;
                    for (uint64_t k = s; k < s + sz && free_run; k++) free_run = !used[k];
                    assert_false(free_run);
                }
                continue;
            }
            assert_int_equal(o % al, 0);
            assert_true(o + sz <= SPACE);
            for (uint64_t k = o; k < o + sz; k++) {
                assert_int_equal(used[k], 0); /* never hands out a used byte */
                used[k] = 1;
            }
            off[n] = o;
            size[n] = sz;
            n++;
        } else {
            int i = test_rng_int(&rng, 0, n - 1);
            assert_int_equal(zvk_freelist_free(&fl, off[i], size[i]), 0);
            for (uint64_t k = off[i]; k < off[i] + size[i]; k++) used[k] = 0;
            off[i] = off[n - 1];
            size[i] = size[n - 1];
            n--;
        }
        /* invariants: sorted, never adjacent (coalesced), byte count agrees */
        uint64_t free_bytes = 0;
        for (int k = 0; k < SPACE; k++) free_bytes += !used[k];
        assert_int_equal(zvk_freelist_free_bytes(&fl), free_bytes);
        for (int k = 1; k < fl.n; k++) assert_true(fl.r[k - 1].off + fl.r[k - 1].size < fl.r[k].off);
    }
    for (int i = 0; i < n; i++) assert_int_equal(zvk_freelist_free(&fl, off[i], size[i]), 0);
    assert_int_equal(fl.n, 1); /* everything merged back into one range */
    assert_int_equal(fl.r[0].size, SPACE);
    zvk_freelist_destroy(&fl);
}

static void test_freelist_errors(void **state) {
    (void)state;
    zvk_freelist fl;
    assert_int_equal(zvk_freelist_init(&fl, 1024), 0);
    uint64_t a, b;
    assert_true(zvk_freelist_alloc(&fl, 100, 64, &a));
    assert_true(zvk_freelist_alloc(&fl, 100, 256, &b));
    assert_int_equal(a, 0);
    assert_int_equal(b, 256);
    assert_false(zvk_freelist_alloc(&fl, 2000, 1, &a)); /* larger than the space */
    assert_int_equal(zvk_freelist_free(&fl, 0, 100), 0);
    assert_int_equal(zvk_freelist_free(&fl, 0, 100), -1);   /* double free */
    assert_int_equal(zvk_freelist_free(&fl, 50, 100), -1);  /* overlaps free space */
    assert_int_equal(zvk_freelist_free(&fl, 1000, 100), -1); /* outside the space */
    assert_int_equal(zvk_freelist_free(&fl, 256, 100), 0);
    assert_int_equal(zvk_freelist_free_bytes(&fl), 1024);
    assert_int_equal(fl.n, 1);
    zvk_freelist_destroy(&fl);
}

/* ---- plans ---------------------------------------------------------------------- */

static zoo_conv2d_desc conv_d(int out, int k, int stride, int groups) {
    zoo_conv2d_desc d = {.out_channels = out, .kernel_h = k, .kernel_w = k, .stride_h = stride,
                         .stride_w = stride, .groups = groups, .pad_top = k / 2,
                         .pad_bottom = k / 2, .pad_left = k / 2, .pad_right = k / 2};
    return d;
}

static void build(zvk_plan_host *p, tg *t, int max_batch, bool reg) {
    zoo_error e = {0};
    zvk_plan_opts o = {.max_batch = max_batch, .esz = 4, .reg_conv = reg};
    if (zvk_plan_build(p, t->g, &o, &e)) fail_msg("plan: %s", e.msg);
}

static int count_kernel(const zvk_plan_host *p, zvk_kernel k) {
    int n = 0;
    for (int s = 0; s < p->n_steps; s++) n += p->steps[s].kernel == k;
    return n;
}

/* conv -> bn -> relu is one step with BN folded; conv -> bn -> add -> relu
 * takes the residual in its epilogue; a value read twice is not fused away */
static void test_fusion(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 1);
    zoo_value x = t.h->input(t.g, NULL, 8, 10, 10);
    zoo_conv2d_desc d = conv_d(8, 3, 1, 1);
    zoo_value a = tg_act(&t, tg_bn(&t, tg_conv(&t, x, &d, false), 1e-5f), ZOO_ACT_RELU);
    zoo_value b = tg_bn(&t, tg_conv(&t, a, &d, true), 1e-5f);
    zoo_value y = tg_act(&t, t.h->add(t.g, NULL, b, a), ZOO_ACT_RELU);
    zoo_value shared = tg_conv(&t, y, &d, false); /* read by two nodes: stays a value */
    zoo_value z = t.h->add(t.g, NULL, tg_act(&t, shared, ZOO_ACT_SIGMOID), shared);
    tg_finish(&t, z);
    for (int reg = 0; reg < 2; reg++) {
        zvk_plan_host p;
        build(&p, &t, 2, reg);
        zvk_plan_stats s;
        zvk_plan_get_stats(&p, &s);
        assert_int_equal(s.gemm_convs, 3);
        assert_int_equal(count_kernel(&p, reg ? ZVK_CONV_REG : ZVK_CONV_GEMM), 3);
        assert_int_equal(s.folded_bn, 2);
        assert_int_equal(s.fused_residual, 1);
        assert_int_equal(s.fused_act, 2); /* the relus; the sigmoid reads a shared value */
        /* convert_in, conv+bn+relu, conv+bn+add+relu, conv, sigmoid, add, convert_out */
        assert_int_equal(p.n_steps, 7);
        assert_int_equal(count_kernel(&p, ZVK_AFFINE), 1);
        assert_int_equal(count_kernel(&p, ZVK_BINARY), 1);
        assert_int_equal(p.steps[0].kernel, ZVK_CONVERT_IN);
        assert_int_equal(p.steps[p.n_steps - 1].kernel, ZVK_CONVERT_OUT);
        zvk_plan_free(&p);
    }
    tg_free(&t);
}

/* a DenseNet-like block: every layer's output is written in place into the
 * growing concat, nothing is copied, and the arena is far smaller than one
 * buffer per value; views (reshape, channel slice) take no step */
static void test_inplace_concat_and_views(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 2);
    zoo_value feat = t.h->input(t.g, NULL, 16, 12, 12);
    zoo_conv2d_desc d1 = conv_d(32, 1, 1, 1), d3 = conv_d(8, 3, 1, 1);
    for (int l = 0; l < 6; l++) {
        zoo_value z = tg_act(&t, tg_bn(&t, feat, 1e-5f), ZOO_ACT_RELU);
        z = tg_act(&t, tg_bn(&t, tg_conv(&t, z, &d1, false), 1e-5f), ZOO_ACT_RELU);
        z = tg_conv(&t, z, &d3, false);
        zoo_value parts[2] = {feat, z};
        feat = t.h->concat(t.g, NULL, parts, 2, 1);
    }
    zoo_value v = t.h->slice(t.g, NULL, feat, 1, 8, 40);
    v = t.h->reshape(t.g, NULL, v, 32 * 12, 12, 1);
    tg_finish(&t, tg_act(&t, v, ZOO_ACT_RELU6));
    zvk_plan_host p;
    build(&p, &t, 3, true);
    zvk_plan_stats s;
    zvk_plan_get_stats(&p, &s);
    assert_int_equal(s.concat_copied, 0);
    assert_int_equal(s.concat_inplace, 12);
    assert_int_equal(s.views, 2);
    assert_int_equal(count_kernel(&p, ZVK_COPY), 0);
    assert_true(s.arena_elems * 3 < s.values_elems); /* liveness reuse + placement */
    /* every layer's conv writes into the final concat buffer: one root, one batch stride */
    const zvk_val *out = &p.vals[feat];
    for (int st = 0; st < p.n_steps; st++)
        if (p.steps[st].kernel == ZVK_CONV_REG && p.vals[p.steps[st].y].s.c == 8) {
            assert_int_equal(p.vals[p.steps[st].y].root, out->root);
            assert_int_equal(p.vals[p.steps[st].y].bs, (size_t)(16 + 6 * 8) * 144);
        }
    zvk_plan_free(&p);
    tg_free(&t);
}

/* two branches writing different slots of one concat need no barrier between
 * them; a chain of dependent steps needs one before every step but the first */
static void test_barriers(void **state) {
    (void)state;
    tg t;
    tg_init(&t, 3);
    zoo_value x = t.h->input(t.g, NULL, 4, 8, 8);
    zoo_conv2d_desc d = conv_d(4, 3, 1, 1);
    zoo_value br[4];
    for (int k = 0; k < 4; k++) br[k] = tg_conv(&t, x, &d, true); /* independent */
    tg_finish(&t, t.h->concat(t.g, NULL, br, 4, 1));
    zvk_plan_host p;
    build(&p, &t, 2, true);
    bool need[16];
    assert_true(p.n_steps <= 16);
    /* convert_in, 4 convs (in place), convert_out: one barrier after the input,
     * none among the branches, one before the output */
    for (int batch = 1; batch <= 2; batch++) {
        int nb = zvk_plan_barriers(&p, batch, need);
        assert_int_equal(p.n_steps, 6);
        assert_false(need[0]);
        assert_true(need[1]);
        for (int s = 2; s < 5; s++) assert_false(need[s]);
        assert_true(need[5]);
        assert_int_equal(nb, 2);
    }
    zvk_plan_free(&p);
    tg_free(&t);

    tg_init(&t, 4);
    x = t.h->input(t.g, NULL, 4, 8, 8);
    zoo_value y = x;
    for (int k = 0; k < 5; k++) y = tg_act(&t, tg_conv(&t, y, &d, true), ZOO_ACT_RELU);
    tg_finish(&t, y);
    build(&p, &t, 1, false);
    int nb = zvk_plan_barriers(&p, 1, need);
    assert_int_equal(nb, p.n_steps - 1);
    zvk_plan_free(&p);
    tg_free(&t);
}

/* random small graphs: every value a step reads was written before, no two
 * values that are live at the same step overlap in the arena, and every
 * value's images lie inside the arena */
static void test_random_plans_memory(void **state) {
    (void)state;
    for (int cs = 0; cs < 40; cs++) {
        tg t;
        tg_init(&t, 100 + cs);
        int c = rnd(&t, 2, 8);
        zoo_value x = t.h->input(t.g, NULL, c, rnd(&t, 4, 9), rnd(&t, 4, 9));
        zoo_value vals[32];
        int nv = 0;
        vals[nv++] = x;
        for (int k = 0; k < 12; k++) {
            zoo_value a = vals[rnd(&t, 0, nv - 1)];
            zoo_shape s;
            t.h->shape(t.g, a, &s);
            zoo_value y;
            int kind = rnd(&t, 0, 3);
            if (kind == 0) {
                zoo_conv2d_desc d = conv_d(c, rnd(&t, 0, 1) ? 3 : 1, 1, 1);
                y = tg_conv(&t, a, &d, true);
            } else if (kind == 1) {
                y = tg_act(&t, a, ZOO_ACT_RELU);
            } else {
                zoo_value b = vals[rnd(&t, 0, nv - 1)];
                zoo_shape sb;
                t.h->shape(t.g, b, &sb);
                if (sb.h != s.h || sb.w != s.w) b = a;
                zoo_value two[2] = {a, b};
                y = kind == 2 ? t.h->concat(t.g, NULL, two, 2, 1) : t.h->add(t.g, NULL, a, a);
                if (kind == 2) {
                    zoo_conv2d_desc d = conv_d(c, 1, 1, 1);
                    y = tg_conv(&t, y, &d, false);
                }
            }
            vals[nv++] = y;
        }
        zoo_value all[32];
        for (int k = 0; k < nv; k++) all[k] = vals[k];
        zoo_conv2d_desc d = conv_d(c, 1, 1, 1);
        for (int k = 0; k < nv; k++) all[k] = tg_conv(&t, vals[k], &d, false); /* read every value */
        zoo_value out = all[0];
        for (int k = 1; k < nv; k++) out = t.h->add(t.g, NULL, out, all[k]);
        tg_finish(&t, out);
        int mb = rnd(&t, 1, 3);
        zvk_plan_host p;
        build(&p, &t, mb, cs % 2);
        /* live interval of each root in steps */
        int n = p.g->n_values;
        int *first = malloc(sizeof(int) * (size_t)n), *last = malloc(sizeof(int) * (size_t)n);
        for (int v = 0; v < n; v++) first[v] = 1 << 30, last[v] = -1;
        for (int s = 0; s < p.n_steps; s++) {
            zoo_value ops[3] = {p.steps[s].y, p.steps[s].x0, p.steps[s].x1};
            for (int k = 0; k < 3; k++) {
                if (ops[k] < 0) continue;
                int r = p.vals[ops[k]].root;
                if (k > 0) assert_true(first[r] <= s); /* read after its first write */
                if (s < first[r]) first[r] = s;
                if (s > last[r]) last[r] = s;
            }
        }
        for (int a = 0; a < n; a++) {
            if (p.vals[a].root != a || last[a] < 0) continue;
            size_t a0 = p.vals[a].off, a1 = a0 + (size_t)mb * p.vals[a].bs;
            assert_true(a1 <= p.arena_elems);
            for (int b = a + 1; b < n; b++) {
                if (p.vals[b].root != b || last[b] < 0) continue;
                if (last[a] < first[b] || last[b] < first[a]) continue; /* never live together */
                size_t b0 = p.vals[b].off, b1 = b0 + (size_t)mb * p.vals[b].bs;
                if (!(a1 <= b0 || b1 <= a0))
                    fail_msg("case %d: values %d and %d overlap while both live", cs, a, b);
            }
        }
        free(first);
        free(last);
        zvk_plan_free(&p);
        tg_free(&t);
    }
}

/* every kernel's spec constants fit, and the size ids cover only ids it has */
static void test_size_ids(void **state) {
    (void)state;
    for (int k = 0; k < ZVK_KERNEL__COUNT; k++) {
        uint32_t m = zvk_kernel_size_ids((zvk_kernel)k);
        assert_true(m != 0);
        assert_int_equal(m & 7u, 0); /* never the activation ids 0..2 */
        assert_true(m < (1u << ZVK_MAX_SPEC));
        assert_string_not_equal(zvk_kernel_name((zvk_kernel)k), "?");
    }
}

/* ---- pipeline cache header ------------------------------------------------------- */

static size_t make_file(const zvk_ctx *c, unsigned char *buf, const char *data, size_t n) {
    /* write what zvk_pipes_save writes, through the same check function's inverse:
     * a header made by saving is not reachable without a device, so build it by hand
     * from the documented layout (vk_pipeline.h) */
    memset(buf, 0, 64);
    memcpy(buf, "ZOOVKPC1", 8);
    uint32_t v[4] = {1, c->info.vendor_id, c->info.device_id, c->info.driver_version};
    for (int i = 0; i < 4; i++)
        for (int b = 0; b < 4; b++) buf[8 + 4 * i + b] = (unsigned char)(v[i] >> (8 * b));
    memcpy(buf + 24, c->info.cache_uuid, 16);
    snprintf((char *)buf + 40, 8, "%s", zoo_version());
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3ull;
    }
    for (int b = 0; b < 8; b++) {
        buf[48 + b] = (unsigned char)((uint64_t)n >> (8 * b));
        buf[56 + b] = (unsigned char)(h >> (8 * b));
    }
    memcpy(buf + 64, data, n);
    return 64 + n;
}

static void test_cache_header(void **state) {
    (void)state;
    zvk_ctx c;
    memset(&c, 0, sizeof c);
    c.info.vendor_id = 0x10de;
    c.info.device_id = 0x2204;
    c.info.driver_version = 0x12345;
    for (int i = 0; i < 16; i++) c.info.cache_uuid[i] = (uint8_t)(i * 7);
    unsigned char f[256];
    const char *payload = "driver cache bytes";
    size_t n = make_file(&c, f, payload, strlen(payload));
    const unsigned char *d;
    size_t sz;
    assert_null(zvk_cache_check(&c, f, n, &d, &sz));
    assert_int_equal(sz, strlen(payload));
    assert_memory_equal(d, payload, sz);
    /* every kind of mismatch is a miss with a reason, never a crash */
    assert_non_null(zvk_cache_check(&c, f, 10, &d, &sz));     /* shorter than the header */
    assert_non_null(zvk_cache_check(&c, f, n - 1, &d, &sz));  /* truncated data */
    unsigned char g[256];
    memcpy(g, f, n);
    g[0] = 'X';
    assert_non_null(strstr(zvk_cache_check(&c, g, n, &d, &sz), "magic"));
    memcpy(g, f, n);
    g[70] ^= 1; /* a flipped data bit */
    assert_non_null(strstr(zvk_cache_check(&c, g, n, &d, &sz), "hash"));
    zvk_ctx other = c;
    other.info.device_id = 0x2206;
    assert_non_null(strstr(zvk_cache_check(&other, f, n, &d, &sz), "another device"));
    other = c;
    other.info.driver_version++;
    assert_non_null(strstr(zvk_cache_check(&other, f, n, &d, &sz), "driver version"));
    other = c;
    other.info.cache_uuid[3]++;
    assert_non_null(strstr(zvk_cache_check(&other, f, n, &d, &sz), "UUID"));
    /* random garbage of every length up to 200 bytes */
    test_rng rng = {99};
    for (size_t len = 0; len < 200; len++) {
        for (size_t i = 0; i < len; i++) g[i] = (unsigned char)test_rng_u32(&rng);
        if (len >= 8) memcpy(g, "ZOOVKPC1", 8);
        assert_non_null(zvk_cache_check(&c, g, len, &d, &sz));
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_freelist_random),
        cmocka_unit_test(test_freelist_errors),
        cmocka_unit_test(test_fusion),
        cmocka_unit_test(test_inplace_concat_and_views),
        cmocka_unit_test(test_barriers),
        cmocka_unit_test(test_random_plans_memory),
        cmocka_unit_test(test_size_ids),
        cmocka_unit_test(test_cache_header),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
