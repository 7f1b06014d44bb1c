/* tests/unit/test_image_decode.c - zoo's PNG / JPEG decoder against what
 * PaddleClas' DecodeImage sees: cv2.imdecode(buf, IMREAD_COLOR)[:, :, ::-1]
 * (opencv-python-headless in the test venv).
 *
 * Files: every kind tests/image/images.py writes with real writers (PIL, cv2,
 * pypng: PNG 1/2/4/8/16-bit grey, grey + alpha, RGB, RGBA, palette, palette +
 * tRNS, Adam7-interlaced, eXIf orientations 1-8; JPEG baseline 4:2:0 / 4:2:2 /
 * 4:4:4 / 4:1:1 / 4:4:0, restart markers, optimized Huffman, progressive, grey,
 * Adobe CMYK, EXIF orientations 1-8 little- and big-endian, an invalid one),
 * plus YCCK and marker-less CMYK JPEGs this test writes with libjpeg itself,
 * plus broken files (truncations, flipped bytes, garbage, foreign formats), plus
 * the real ImageNet JPEGs in ../shared (val-full-size, every 10th of sample-1000
 * and all its grey ones).
 * Tolerance: 0. Where cv2 decodes, zoo must give the same shape and the same
 * bytes (max |diff| = 0: same libjpeg-turbo ISLOW IDCT + fancy upsampling, the
 * same CMYK formula, libpng for PNG); where cv2 refuses, zoo must refuse with
 * ZOO_ERR_INPUT and a message starting with the file name. One deliberate
 * difference: cv2 reads BMP (and other formats), zoo only PNG and JPEG.
 * Then: every truncation of some valid files (no crash, clean error or image),
 * the EXIF parser on malformed blocks, absurd dimensions refused before any
 * allocation, missing files.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jpeglib.h>
#include <zlib.h>

#include "test_image_common.h"

/* ---- JPEGs libjpeg writes here (the Python writers cannot do YCCK) ------ */

static void write_jpeg_cmyk(const char *path, J_COLOR_SPACE jpeg_space, int adobe, int progressive) {
    const int w = 29, h = 19;
    uint8_t *px = malloc((size_t)w * h * 4);
    assert_non_null(px);
    test_rng r = {0x5eed1234};
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int k = 0; k < 4; k++)
                px[((size_t)y * w + x) * 4 + k] = (uint8_t)((x * 9 + y * 13 + k * 50 + (test_rng_u32(&r) & 15)) & 255);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    struct jpeg_compress_struct c;
    struct jpeg_error_mgr je;
    c.err = jpeg_std_error(&je);
    jpeg_create_compress(&c);
    jpeg_stdio_dest(&c, f);
    c.image_width = w;
    c.image_height = h;
    c.input_components = 4;
    c.in_color_space = JCS_CMYK;
    jpeg_set_defaults(&c);
    jpeg_set_colorspace(&c, jpeg_space);
    c.write_Adobe_marker = adobe ? TRUE : FALSE;
    jpeg_set_quality(&c, 90, TRUE);
    if (progressive) jpeg_simple_progression(&c);
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
        JSAMPROW row = px + (size_t)c.next_scanline * w * 4;
        jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
    fclose(f);
    free(px);
}

/* Decodes every file of DIR/images.txt and holds it against cv2's verdict. */
static void check_list_against_cv2(const char *dir, const char *what, int *n_same, int *n_refused) {
    char list[PATH_MAX];
    snprintf(list, sizeof list, "%s/images.txt", dir);
    FILE *f = fopen(list, "r");
    assert_non_null(f);
    char name[PATH_MAX];
    double worst = 0;
    while (fgets(name, sizeof name, f)) {
        name[strcspn(name, "\r\n")] = '\0';
        if (!name[0]) continue;
        char path[2 * PATH_MAX + 2], ref[2 * PATH_MAX + 16], failmark[2 * PATH_MAX + 16];
        const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
        if (name[0] == '/') snprintf(path, sizeof path, "%s", name);
        else snprintf(path, sizeof path, "%s/%s", dir, name);
        snprintf(ref, sizeof ref, "%s/%s.ref.npy", dir, base);
        snprintf(failmark, sizeof failmark, "%s/%s.cv2fail", dir, base);
        zoo_image img;
        zoo_error e = {0};
        int rc = zoo_image_decode_file(path, &img, &e);
        int cv2_ok = img_file_exists(ref);
        if (!cv2_ok && !img_file_exists(failmark)) fail_msg("%s: no cv2 verdict", path);
        if (!strcmp(base, "bad_bmp.bmp")) { /* cv2 reads BMP, zoo refuses it */
            assert_int_equal(rc, ZOO_ERR_INPUT);
            assert_non_null(strstr(e.msg, "unsupported image format"));
            (*n_refused)++;
            continue;
        }
        if (cv2_ok) {
            if (rc != ZOO_OK) fail_msg("%s: cv2 decodes it, zoo says: %s", path, e.msg);
            double d = img_max_diff_npy(img.px, img.h, img.w, 3, ref);
            if (d != 0) fail_msg("%s: max |zoo - cv2| = %g (expected 0)", path, d);
            if (d > worst) worst = d;
            (*n_same)++;
            zoo_image_free(&img);
        } else {
            if (rc != ZOO_ERR_INPUT) fail_msg("%s: cv2 refuses it, zoo returns %d (%s)", path, rc, e.msg);
            if (strncmp(e.msg, path, strlen(path)) != 0) fail_msg("%s: message does not name the file: %s", path, e.msg);
            if (strchr(e.msg, '\n')) fail_msg("%s: message is not one line", path);
            assert_null(img.px);
            (*n_refused)++;
        }
    }
    fclose(f);
    printf("    %s: %d decoded exactly like cv2 (max |diff| %g), %d refused like cv2\n", what, *n_same, worst,
           *n_refused);
}

static void test_generated_vs_cv2(void **state) {
    (void)state;
    char dir[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    if (img_run_py("images.py", "make '%s'", dir) != 0) {
        test_rmtree(dir);
        skip();
    }
    /* libjpeg-written 4-component files, appended to the list */
    static const struct { const char *name; J_COLOR_SPACE space; int adobe, prog; } extra[] = {
        {"c_ycck.jpg", JCS_YCCK, 1, 0},
        {"c_ycck_progressive.jpg", JCS_YCCK, 1, 1},
        {"c_cmyk_adobe.jpg", JCS_CMYK, 1, 0},
        {"c_cmyk_no_adobe_marker.jpg", JCS_CMYK, 0, 0},
    };
    char list[PATH_MAX + 16];
    snprintf(list, sizeof list, "%s/images.txt", dir);
    FILE *lf = fopen(list, "a");
    assert_non_null(lf);
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", dir, extra[i].name);
        write_jpeg_cmyk(p, extra[i].space, extra[i].adobe, extra[i].prog);
        fprintf(lf, "%s\n", extra[i].name);
    }
    fclose(lf);
    img_run_py("images.py", "refs '%s' 2>/dev/null", dir);
    int same = 0, refused = 0;
    check_list_against_cv2(dir, "generated files", &same, &refused);
    assert_true(same >= 60); /* 68 with the current generator, 23 refused */
    assert_true(refused >= 20);
    test_rmtree(dir);
}

static void test_real_imagenet_vs_cv2(void **state) {
    (void)state;
    char shared[PATH_MAX], inet[PATH_MAX + 16], dir[PATH_MAX];
    if (!test_shared_dir(shared, sizeof shared) || !test_python()) skip();
    snprintf(inet, sizeof inet, "%s/data/imagenet", shared);
    test_tmpdir(dir, sizeof dir);
    img_run_py("images.py", "real '%s' '%s'", inet, dir);
    img_run_py("images.py", "refs '%s' 2>/dev/null", dir);
    int same = 0, refused = 0;
    check_list_against_cv2(dir, "real ImageNet JPEGs", &same, &refused);
    assert_true(same >= 11);
    assert_int_equal(refused, 0);
    test_rmtree(dir);
}

/* ---- robustness ---------------------------------------------------------- */

static uint8_t *read_whole(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *b = malloc((size_t)sz + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)sz, f), (size_t)sz);
    fclose(f);
    *n = (size_t)sz;
    return b;
}

/* Every prefix (step 1 near the ends, coarser in the middle) and some byte
 * flips of valid files: a clean ZOO_ERR_INPUT or an image, never a crash
 * (run under ASan/UBSan by `make sanitize`). */
static void test_truncation_and_flip_sweep(void **state) {
    (void)state;
    char dir[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    if (img_run_py("images.py", "make '%s'", dir) != 0) {
        test_rmtree(dir);
        skip();
    }
    static const char *names[] = {"jpeg_baseline420.jpg", "jpeg_progressive.jpg", "jpeg_cmyk.jpg",
                                  "jpeg_exif_o6.jpg", "png_interlaced_rgba16.png", "png_palette_trns.png",
                                  "png_exif_o8.png", "jpeg_restart.jpg"};
    int errors = 0, images = 0;
    test_rng r = {99};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        size_t n;
        uint8_t *b = read_whole(p, &n);
        for (size_t cut = 0; cut < n; cut += (cut < 64 || cut + 64 > n) ? 1 : 7) {
            zoo_image img;
            zoo_error e = {0};
            uint8_t *copy = malloc(cut ? cut : 1); /* exact-size buffer: ASan sees any overread */
            memcpy(copy, b, cut);
            int rc = zoo_image_decode_mem(copy, cut, names[k], &img, &e);
            free(copy);
            if (rc == ZOO_OK) images++, zoo_image_free(&img);
            else {
                if (rc != ZOO_ERR_INPUT) fail_msg("%s cut at %zu: code %d (%s)", names[k], cut, rc, e.msg);
                errors++;
            }
        }
        for (int t = 0; t < 300; t++) {
            uint8_t *copy = malloc(n);
            memcpy(copy, b, n);
            int flips = 1 + test_rng_int(&r, 0, 3);
            for (int i = 0; i < flips; i++) copy[test_rng_int(&r, 0, (int)n - 1)] ^= (uint8_t)(1 + test_rng_int(&r, 0, 254));
            zoo_image img;
            zoo_error e = {0};
            int rc = zoo_image_decode_mem(copy, n, names[k], &img, &e);
            free(copy);
            if (rc == ZOO_OK) images++, zoo_image_free(&img);
            else {
                if (rc != ZOO_ERR_INPUT && rc != ZOO_ERR_RUNTIME) fail_msg("%s flipped: code %d (%s)", names[k], rc, e.msg);
                errors++;
            }
        }
        free(b);
    }
    printf("    sweep: %d clean errors, %d images\n", errors, images);
    test_rmtree(dir);
}

static void test_truncated_messages(void **state) {
    (void)state;
    char dir[PATH_MAX];
    test_tmpdir(dir, sizeof dir);
    if (img_run_py("images.py", "make '%s'", dir) != 0) {
        test_rmtree(dir);
        skip();
    }
    static const char *names[] = {"bad_jpeg_trunc60.jpg", "bad_jpeg_prog_trunc60.jpg", "bad_png_trunc60.png"};
    for (size_t k = 0; k < 3; k++) {
        char p[PATH_MAX + 64];
        snprintf(p, sizeof p, "%s/%s", dir, names[k]);
        zoo_image img;
        zoo_error e = {0};
        assert_int_equal(zoo_image_decode_file(p, &img, &e), ZOO_ERR_INPUT);
        assert_true(strncmp(e.msg, p, strlen(p)) == 0);
        assert_non_null(strstr(e.msg, "truncated"));
    }
    test_rmtree(dir);
}

static void put32be(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void test_absurd_dimensions(void **state) {
    (void)state;
    /* PNG: signature + IHDR 100000 x 100000 RGB8 with a valid CRC, then nothing */
    uint8_t pngb[8 + 25 + 12];
    memcpy(pngb, "\x89PNG\r\n\x1a\n", 8);
    put32be(pngb + 8, 13);
    memcpy(pngb + 12, "IHDR", 4);
    put32be(pngb + 16, 100000);
    put32be(pngb + 20, 100000);
    pngb[24] = 8, pngb[25] = 2, pngb[26] = 0, pngb[27] = 0, pngb[28] = 0;
    put32be(pngb + 29, (uint32_t)crc32(0, pngb + 12, 17));
    /* an empty IDAT follows, so libpng's header reading stops where zoo checks */
    put32be(pngb + 33, 0);
    memcpy(pngb + 37, "IDAT", 4);
    put32be(pngb + 41, (uint32_t)crc32(0, (const uint8_t *)"IDAT", 4));
    zoo_image img;
    zoo_error e = {0};
    assert_int_equal(zoo_image_decode_mem(pngb, sizeof pngb, "huge.png", &img, &e), ZOO_ERR_INPUT);
    if (!strstr(e.msg, "huge.png: PNG of 100000x100000 pixels refused")) fail_msg("%s", e.msg);
    /* JPEG: a minimal header whose SOF0 says 65000 x 65000 (SOI, DQT, SOF0, DHT x0, SOS) */
    static const uint8_t jpg[] = {
        0xFF, 0xD8,                                                  /* SOI */
        0xFF, 0xDB, 0x00, 0x43, 0x00, /* DQT, 64 ones */
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
        0xFF, 0xC0, 0x00, 0x0B, 0x08, 0xFD, 0xE8, 0xFD, 0xE8, 0x01, 0x01, 0x11, 0x00, /* SOF0 65000x65000 grey */
        0xFF, 0xC4, 0x00, 0x13, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* DHT DC0, no codes */
        0xFF, 0xC4, 0x00, 0x13, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* DHT AC0, no codes */
        0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x00, 0x3F, 0x00, /* SOS */
        0x00, 0xFF, 0xD9};
    zoo_error_clear(&e);
    assert_int_equal(zoo_image_decode_mem(jpg, sizeof jpg, "huge.jpg", &img, &e), ZOO_ERR_INPUT);
    if (!strstr(e.msg, "huge.jpg: JPEG of 65000x65000 pixels refused")) fail_msg("%s", e.msg);
}

static void test_missing_and_foreign(void **state) {
    (void)state;
    zoo_image img;
    zoo_error e = {0};
    assert_int_equal(zoo_image_decode_file("/nonexistent/x.jpg", &img, &e), ZOO_ERR_NOTFOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/x.jpg"));
    assert_int_equal(zoo_image_decode_file("/", &img, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "not a regular file"));
    static const uint8_t gif[] = "GIF89a\x01\x00\x01\x00";
    assert_int_equal(zoo_image_decode_mem(gif, sizeof gif - 1, "a.gif", &img, &e), ZOO_ERR_INPUT);
    assert_string_equal(e.msg, "a.gif: unsupported image format (zoo reads PNG and JPEG)");
    assert_int_equal(zoo_image_decode_mem(gif, 0, "empty.png", &img, &e), ZOO_ERR_INPUT);
    assert_string_equal(e.msg, "empty.png: empty file");
}

/* ---- the EXIF parser on hand-made blocks --------------------------------- */

static size_t tiff_block(uint8_t *b, int be, uint16_t n_entries, uint16_t tag, uint16_t type, uint32_t count,
                         uint16_t value) {
    memcpy(b, be ? "MM\0\x2a" : "II\x2a\0", 4);
#define W16(p, v) (be ? ((p)[0] = (uint8_t)((v) >> 8), (p)[1] = (uint8_t)(v)) : ((p)[0] = (uint8_t)(v), (p)[1] = (uint8_t)((v) >> 8)))
#define W32(p, v) (be ? put32be(p, v) : (void)((p)[0] = (uint8_t)(v), (p)[1] = (uint8_t)((v) >> 8), (p)[2] = (uint8_t)((v) >> 16), (p)[3] = (uint8_t)((v) >> 24)))
    W32(b + 4, 8);
    W16(b + 8, n_entries);
    uint8_t *e = b + 10;
    for (int i = 0; i < n_entries; i++, e += 12) {
        int last = i == n_entries - 1;
        W16(e, last ? tag : 0x010F);
        W16(e + 2, last ? type : 2);
        W32(e + 4, last ? count : 4);
        memset(e + 8, 0, 4);
        if (last) W16(e + 8, value);
    }
    memset(e, 0, 4);
#undef W16
#undef W32
    return (size_t)(e - b) + 4;
}

static void test_exif_parser(void **state) {
    (void)state;
    uint8_t b[256];
    for (int be = 0; be < 2; be++)
        for (uint16_t v = 0; v <= 10; v++) {
            size_t n = tiff_block(b, be, 3, 0x0112, 3, 1, v);
            assert_int_equal(zoo_exif_orientation(b, n), v >= 1 && v <= 8 ? v : 1);
            /* every truncation of the block: in range, never an overread (ASan) */
            for (size_t cut = 0; cut < n; cut++) {
                uint8_t *c = malloc(cut ? cut : 1);
                memcpy(c, b, cut);
                int o = zoo_exif_orientation(c, cut);
                assert_true(o >= 1 && o <= 8);
                if (cut < 10 + 3 * 12) assert_int_equal(o, 1);
                free(c);
            }
        }
    size_t n = tiff_block(b, 0, 1, 0x0112, 4 /* LONG */, 1, 6);
    assert_int_equal(zoo_exif_orientation(b, n), 1);
    n = tiff_block(b, 0, 1, 0x0112, 3, 0 /* count 0 */, 6);
    assert_int_equal(zoo_exif_orientation(b, n), 1);
    n = tiff_block(b, 0, 1, 0x0113, 3, 1, 6); /* another tag */
    assert_int_equal(zoo_exif_orientation(b, n), 1);
    n = tiff_block(b, 1, 1, 0x0112, 3, 1, 6);
    b[4] = 0xFF; /* IFD0 offset far outside */
    assert_int_equal(zoo_exif_orientation(b, n), 1);
    n = tiff_block(b, 0, 2, 0x0113, 3, 1, 6);
    b[8] = 0xFF, b[9] = 0xFF; /* 65535 entries claimed, no orientation among the real ones */
    uint8_t *exact = malloc(n);
    memcpy(exact, b, n);
    assert_int_equal(zoo_exif_orientation(exact, n), 1);
    free(exact);
    assert_int_equal(zoo_exif_orientation(NULL, 0), 1);
    assert_int_equal(zoo_exif_orientation((const uint8_t *)"XX\x2a\0\x08\0\0\0", 8), 1);
    /* random blocks with a valid byte order mark */
    test_rng r = {7};
    for (int t = 0; t < 20000; t++) {
        size_t len = (size_t)test_rng_int(&r, 0, 64);
        uint8_t *c = malloc(len ? len : 1);
        for (size_t i = 0; i < len; i++) c[i] = (uint8_t)test_rng_int(&r, 0, 12);
        if (len >= 4) memcpy(c, t & 1 ? "MM\0\x2a" : "II\x2a\0", 4);
        int o = zoo_exif_orientation(c, len);
        assert_true(o >= 1 && o <= 8);
        free(c);
    }
}

static void test_orient_geometry(void **state) {
    (void)state;
    /* a 3 x 2 image whose pixel (x, y) holds (x, y, 0); the expected source pixel per orientation */
    for (int o = 1; o <= 8; o++) {
        zoo_image img = {3, 2, malloc(18)};
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++) img.px[(y * 3 + x) * 3] = (uint8_t)x, img.px[(y * 3 + x) * 3 + 1] = (uint8_t)y, img.px[(y * 3 + x) * 3 + 2] = 0;
        assert_int_equal(zoo_image_orient(&img, o, NULL), ZOO_OK);
        int W = 3, H = 2;
        assert_int_equal(img.w, o >= 5 ? H : W);
        assert_int_equal(img.h, o >= 5 ? W : H);
        /* the displayed top-left corner comes from: */
        static const int tl[9][2] = {{0, 0}, {0, 0}, {2, 0}, {2, 1}, {0, 1}, {0, 0}, {0, 1}, {2, 1}, {2, 0}};
        assert_int_equal(img.px[0], tl[o][0]);
        assert_int_equal(img.px[1], tl[o][1]);
        zoo_image_free(&img);
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_generated_vs_cv2),
        cmocka_unit_test(test_real_imagenet_vs_cv2),
        cmocka_unit_test(test_truncated_messages),
        cmocka_unit_test(test_truncation_and_flip_sweep),
        cmocka_unit_test(test_absurd_dimensions),
        cmocka_unit_test(test_missing_and_foreign),
        cmocka_unit_test(test_exif_parser),
        cmocka_unit_test(test_orient_geometry),
    };
    return cmocka_run_group_tests_name("image_decode", tests, NULL, NULL);
}
