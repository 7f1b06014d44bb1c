/* tests/unit/test_image_preprocess.c - decode + zoo_image_preprocess against
 * PaddleClas' own operators (DecodeImage -> ResizeImage(resize_short) ->
 * CropImage -> NormalizeImage -> ToCHWImage, from the venv's paddleclas, run by
 * tests/image/paddleclas_preprocess.py on the same file bytes).
 *
 * Images: the 11 real ImageNet JPEGs of ../shared/data/imagenet/val-full-size
 * at (resize_short, crop) = (256, 224), (320, 299), (632, 600) - every eval
 * setting of the model zoo's families but EfficientNet's intermediate ones -
 * plus 12 synthetic PNGs of random sizes (1..399) with random R / S pairs.
 * Tolerance: 0 - decode and resize are bit-exact (test_image_decode,
 * test_image_resize) and the normalisation does numpy's float32 steps in the
 * same order, so the tensors must be identical; the max |diff| is printed.
 * Also: the ResizeImage size rule (Python 3 round, half to even), the centre
 * crop offsets, and the refusal of a crop larger than the resized image.
 * The time per image (224 crop) is printed.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "test_image_common.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_vs_paddleclas(void **state) {
    (void)state;
    char shared[PATH_MAX], vf[PATH_MAX + 64], dir[PATH_MAX];
    if (!test_shared_dir(shared, sizeof shared) || !test_python()) skip();
    snprintf(vf, sizeof vf, "%s/data/imagenet/val-full-size", shared);
    test_tmpdir(dir, sizeof dir);
    img_run_py("paddleclas_preprocess.py", "'%s' '%s' 2>/dev/null", dir, vf);
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/cases.txt", dir);
    FILE *f = fopen(p, "r");
    assert_non_null(f);
    int k, R, S, cases = 0, real = 0;
    char path[PATH_MAX];
    double worst = 0, t224 = 0;
    int n224 = 0;
    while (fscanf(f, "%d %d %d %4095s", &k, &R, &S, path) == 4) {
        zoo_image img;
        zoo_error e = {0};
        if (zoo_image_decode_file(path, &img, &e) != ZOO_OK) fail_msg("%s", e.msg);
        zoo_preprocess pp = zoo_preprocess_imagenet(R, S);
        float *x = malloc(sizeof(float) * 3 * (size_t)S * S);
        double t0 = now_s();
        if (zoo_image_preprocess(&img, &pp, x, &e) != ZOO_OK) fail_msg("%s: %s", path, e.msg);
        double dt = now_s() - t0;
        if (S == 224 && !strstr(path, "synth_")) t224 += dt, n224++;
        snprintf(p, sizeof p, "%s/%d.npy", dir, k);
        zoo_npy ref;
        if (zoo_npy_read(p, &ref, &e) != ZOO_OK) fail_msg("%s", e.msg);
        assert_int_equal(ref.numel, 3LL * S * S);
        double m = 0;
        for (int64_t i = 0; i < ref.numel; i++) {
            double d = (double)x[i] - ref.data[i];
            if (d < 0) d = -d;
            if (d > m) m = d;
        }
        if (m != 0) printf("    %s R=%d S=%d: max |zoo - paddleclas| = %g\n", path, R, S, m);
        if (m > worst) worst = m;
        real += !strstr(path, "synth_");
        cases++;
        zoo_npy_free(&ref);
        free(x);
        zoo_image_free(&img);
    }
    fclose(f);
    printf("    %d cases (%d on real ImageNet JPEGs): max |zoo - paddleclas| = %g (tolerance 0)\n", cases, real,
           worst);
    if (n224) printf("    resize_short 256 + crop 224 + normalize: %.3f ms per image (decode excluded)\n", 1e3 * t224 / n224);
    assert_int_equal(real, 33);
    assert_true(cases >= 45);
    assert_true(worst == 0);
    test_rmtree(dir);
}

static void test_size_rule(void **state) {
    (void)state;
    int w, h;
    /* Python: round(3 * 1.5) = round(4.5) = 4 (half to even), round(2 * 1.5) = 3 */
    zoo_resize_short_size(3, 2, 3, &w, &h);
    assert_int_equal(w, 4);
    assert_int_equal(h, 3);
    /* round(5 * 1.5) = round(7.5) = 8 */
    zoo_resize_short_size(5, 2, 3, &w, &h);
    assert_int_equal(w, 8);
    /* 500 x 375 -> 256: 500 * 256 / 375 = 341.33 -> 341 */
    zoo_resize_short_size(500, 375, 256, &w, &h);
    assert_int_equal(w, 341);
    assert_int_equal(h, 256);
    /* portrait 173 x 225 -> 256 x 333 (332.9...) */
    zoo_resize_short_size(173, 225, 256, &w, &h);
    assert_int_equal(w, 256);
    assert_int_equal(h, 333);
}

static void test_crop_and_errors(void **state) {
    (void)state;
    /* a 4 x 4 image, R = 4 (no resize), S = 2: the crop starts at (1, 1) */
    zoo_image img = {4, 4, malloc(48)};
    for (int i = 0; i < 16; i++) img.px[i * 3] = img.px[i * 3 + 1] = img.px[i * 3 + 2] = (uint8_t)(i * 10);
    zoo_preprocess pp = {4, 2, 1.0f, {0, 0, 0}, {1, 1, 1}};
    float x[12];
    assert_int_equal(zoo_image_preprocess(&img, &pp, x, NULL), ZOO_OK);
    assert_true(x[0] == 50.f && x[1] == 60.f && x[2] == 90.f && x[3] == 100.f);
    assert_true(x[4] == 50.f && x[8] == 50.f);
    /* crop larger than the resized image: refused like CropImage */
    zoo_preprocess big = {4, 5, 1.0f, {0, 0, 0}, {1, 1, 1}};
    zoo_error e = {0};
    assert_int_equal(zoo_image_preprocess(&img, &big, x, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "smaller than the 5x5 crop"));
    zoo_preprocess zero = {0, 2, 1.0f, {0, 0, 0}, {1, 1, 1}};
    assert_int_equal(zoo_image_preprocess(&img, &zero, x, &e), ZOO_ERR_INPUT);
    zoo_image_free(&img);
    /* the ImageNet defaults are PaddleClas' float32 constants */
    zoo_preprocess d = zoo_preprocess_imagenet(256, 224);
    assert_true(d.scale == (float)(1.0 / 255.0));
    assert_true(d.mean[0] == (float)0.485 && d.std[2] == (float)0.225);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vs_paddleclas),
        cmocka_unit_test(test_size_rule),
        cmocka_unit_test(test_crop_and_errors),
    };
    return cmocka_run_group_tests_name("image_preprocess", tests, NULL, NULL);
}
