/* tests/unit/test_image_resize.c - zoo_resize_linear_u8 against cv2.resize
 * (INTER_LINEAR, uint8) from the test venv.
 *
 * tests/image/resize_cases.py writes 400 cases: random small sizes up and
 * down (1..80, odd, 1-pixel-thin), exact halvings (where OpenCV switches to
 * INTER_AREA's 2x2 average), the ImageNet resize_short shapes, large up- and
 * down-scales; 1, 3 and 4 channels; noise, smooth and 0/255 content.
 * Tolerance: 0 - the result must equal cv2's byte for byte (OpenCV's
 * fixed-point arithmetic is emulated exactly, docs/run.md). The largest
 * difference over all cases is printed.
 * Windows: any sub-window equals the same block of the full resize (what
 * preprocessing relies on to compute only the centre crop). Bad geometry is
 * refused with ZOO_ERR_INPUT.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_image_common.h"

static uint8_t *read_raw(const char *path, size_t n) {
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("%s: cannot open", path);
    uint8_t *b = malloc(n ? n : 1);
    assert_non_null(b);
    if (fread(b, 1, n, f) != n) fail_msg("%s: short file", path);
    fclose(f);
    return b;
}

static void test_vs_cv2(void **state) {
    (void)state;
    char dir[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    if (img_run_py("resize_cases.py", "'%s' 400 1", dir) != 0) {
        test_rmtree(dir);
        skip();
    }
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/cases.txt", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    int k, sw, sh, cn, dw, dh, cases = 0, worst = 0, bad = 0;
    long long pixels = 0;
    while (fscanf(f, "%d %d %d %d %d %d", &k, &sw, &sh, &cn, &dw, &dh) == 6) {
        snprintf(p, sizeof p, "%s/%d.src", dir, k);
        uint8_t *src = read_raw(p, (size_t)sw * sh * cn);
        snprintf(p, sizeof p, "%s/%d.ref", dir, k);
        size_t dn = (size_t)dw * dh * cn;
        uint8_t *ref = read_raw(p, dn), *out = malloc(dn);
        zoo_error e = {0};
        if (zoo_resize_linear_u8(src, sw, sh, cn, dw, dh, 0, 0, dw, dh, out, &e) != ZOO_OK) fail_msg("%s", e.msg);
        int m = 0;
        for (size_t i = 0; i < dn; i++) {
            int d = abs((int)out[i] - (int)ref[i]);
            if (d > m) m = d;
        }
        if (m) {
            bad++;
            printf("    case %d: %dx%d x%d -> %dx%d: max |zoo - cv2| = %d\n", k, sw, sh, cn, dw, dh, m);
        }
        if (m > worst) worst = m;
        pixels += (long long)dw * dh;
        cases++;
        free(src);
        free(ref);
        free(out);
    }
    fclose(f);
    printf("    %d cases, %lld output pixels: max |zoo - cv2| = %d (tolerance 0)\n", cases, pixels, worst);
    assert_int_equal(cases, 400);
    assert_int_equal(bad, 0);
    test_rmtree(dir);
}

static void test_windows_match_full(void **state) {
    (void)state;
    test_rng r = {12345};
    for (int t = 0; t < 300; t++) {
        int cn = 1 + test_rng_int(&r, 0, 3);
        int sw = test_rng_int(&r, 1, 90), sh = test_rng_int(&r, 1, 90);
        int dw = test_rng_int(&r, 1, 120), dh = test_rng_int(&r, 1, 120);
        if (t % 5 == 0) sw = 2 * dw, sh = 2 * dh;
        uint8_t *src = malloc((size_t)sw * sh * cn), *full = malloc((size_t)dw * dh * cn);
        for (size_t i = 0; i < (size_t)sw * sh * cn; i++) src[i] = (uint8_t)test_rng_u32(&r);
        assert_int_equal(zoo_resize_linear_u8(src, sw, sh, cn, dw, dh, 0, 0, dw, dh, full, NULL), ZOO_OK);
        int ww = test_rng_int(&r, 1, dw), wh = test_rng_int(&r, 1, dh);
        int x0 = test_rng_int(&r, 0, dw - ww), y0 = test_rng_int(&r, 0, dh - wh);
        uint8_t *win = malloc((size_t)ww * wh * cn);
        assert_int_equal(zoo_resize_linear_u8(src, sw, sh, cn, dw, dh, x0, y0, ww, wh, win, NULL), ZOO_OK);
        for (int y = 0; y < wh; y++)
            assert_memory_equal(win + (size_t)y * ww * cn, full + ((size_t)(y0 + y) * dw + x0) * cn, (size_t)ww * cn);
        free(src);
        free(full);
        free(win);
    }
}

static void test_bad_geometry(void **state) {
    (void)state;
    uint8_t s[12] = {0}, d[64];
    zoo_error e = {0};
    assert_int_equal(zoo_resize_linear_u8(s, 0, 2, 3, 4, 4, 0, 0, 4, 4, d, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_resize_linear_u8(s, 2, 2, 5, 4, 4, 0, 0, 4, 4, d, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_resize_linear_u8(s, 2, 2, 3, 4, 4, 1, 0, 4, 4, d, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_resize_linear_u8(s, 2, 2, 3, 4, 4, 0, 3, 4, 2, d, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "resize: bad geometry"));
    /* same size: identity */
    uint8_t src[2 * 3 * 3];
    for (int i = 0; i < 18; i++) src[i] = (uint8_t)(i * 14);
    assert_int_equal(zoo_resize_linear_u8(src, 3, 2, 3, 3, 2, 0, 0, 3, 2, d, &e), ZOO_OK);
    assert_memory_equal(src, d, 18);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vs_cv2),
        cmocka_unit_test(test_windows_match_full),
        cmocka_unit_test(test_bad_geometry),
    };
    return cmocka_run_group_tests_name("image_resize", tests, NULL, NULL);
}
