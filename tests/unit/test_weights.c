/* tests/unit/test_weights.c - the native weight format (weights/).
 *
 * Round trips through zoo's writer and reader; every single-byte corruption of
 * a native file is refused on open; hand-made malformed safetensors headers
 * fail cleanly; the writer leaves nothing behind on abort or failure; and the
 * format interoperates with the reference implementation both ways: a file
 * written by Python's safetensors is read correctly, and Python's safetensors +
 * numpy read a file written by zoo (same bytes, same fp16 rounding as numpy).
 * Python steps run $ZOO_PY (tests/run_tests.sh sets it) and skip when unset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "support/test_support.h"
#include "zoo/weights.h"

/* ---- helpers --------------------------------------------------------------- */

static void path_join(char *out, size_t size, const char *dir, const char *name) {
    snprintf(out, size, "%s/%s", dir, name);
}

static unsigned char *slurp(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void spit(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    if (len) assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* A safetensors file from a header string (padded with spaces to `pad_to`
 * bytes if larger) and a data buffer; `hlen_override` != 0 replaces the
 * length field. */
static void write_raw(const char *path, const char *header, size_t pad_to, uint64_t hlen_override,
                      const void *data, size_t dlen) {
    size_t hl = strlen(header);
    size_t n = hl > pad_to ? hl : pad_to;
    unsigned char *b = malloc(8 + n + dlen + 1);
    assert_non_null(b);
    uint64_t L = hlen_override ? hlen_override : n;
    for (int i = 0; i < 8; i++) b[i] = (unsigned char)(L >> (8 * i));
    memcpy(b + 8, header, hl);
    memset(b + 8 + hl, ' ', n - hl);
    if (dlen) memcpy(b + 8 + n, data, dlen);
    spit(path, b, 8 + n + dlen);
    free(b);
}

static int count_dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[32];
    unsigned int n = 0;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sha256(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, data, len), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, md, &n), 1);
    EVP_MD_CTX_free(c);
    for (int i = 0; i < 32; i++) sprintf(out + 2 * i, "%02x", md[i]);
}

/* Opening must fail with one of the codes and a message naming the file. */
static void expect_open_fails(const char *path, unsigned flags, int code1, int code2) {
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, flags, &e);
    if (w) {
        zoo_weights_close(w);
        fail_msg("%s: opened, expected an error", path);
    }
    if (e.code != code1 && e.code != code2)
        fail_msg("%s: code %d (%s), expected %d or %d", path, e.code, e.msg, code1, code2);
    if (!strstr(e.msg, path)) fail_msg("message does not name the file: %s", e.msg);
}

/* ---- a sample native file ------------------------------------------------ */

/* Odd sizes so that every tensor but the first needs padding. */
typedef struct sample {
    float w32[3 * 5 * 7];
    uint16_t b16[13];
    float scalar;
    uint8_t bytes[5];
    int64_t ints[2 * 3];
} sample;

static void sample_fill(sample *s) {
    test_rng r = {42};
    for (int i = 0; i < 105; i++) s->w32[i] = test_rng_uniform(&r, -2.f, 2.f);
    for (int i = 0; i < 13; i++) s->b16[i] = zoo_f32_to_f16(test_rng_uniform(&r, -1.f, 1.f));
    s->scalar = 0.125f;
    for (int i = 0; i < 5; i++) s->bytes[i] = (uint8_t)(i * 51 + 7);
    for (int i = 0; i < 6; i++) s->ints[i] = (int64_t)i * 1000000007LL - 3;
}

static const int64_t d_w32[] = {3, 5, 7}, d_b16[] = {13}, d_empty[] = {0, 4}, d_bytes[] = {5},
                     d_ints[] = {2, 3};

static void write_sample(const char *path, const sample *s) {
    zoo_error e = {0};
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    if (!w) fail_msg("%s", e.msg);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.model", "TestNet", &e), 0);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.source_url", "https://example.org/x", &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "conv.weight", ZOO_DT_F32, 3, d_w32, s->w32, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "fc.bias", ZOO_DT_F16, 1, d_b16, s->b16, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "scale", ZOO_DT_F32, 0, NULL, &s->scalar, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "empty", ZOO_DT_F32, 2, d_empty, NULL, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "bytes", ZOO_DT_U8, 1, d_bytes, s->bytes, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "ints", ZOO_DT_I64, 2, d_ints, s->ints, &e), 0);
    if (zoo_weights_writer_finish(w, &e)) fail_msg("finish: %s", e.msg);
}

static void check_tensor(const zoo_weights *w, const char *name, zoo_dtype dt, int ndim,
                         const int64_t *dims, const void *data, size_t nbytes) {
    zoo_tensor_view v;
    if (zoo_weights_find(w, name, &v)) fail_msg("tensor %s not found", name);
    assert_string_equal(v.name, name);
    assert_int_equal(v.dtype, dt);
    assert_int_equal(v.ndim, ndim);
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        assert_int_equal(v.dims[i], dims[i]);
        numel *= dims[i];
    }
    assert_int_equal(v.numel, numel);
    assert_int_equal(v.nbytes, nbytes);
    if (nbytes) assert_memory_equal(v.data, data, nbytes);
    if ((uintptr_t)v.data % ZOO_WEIGHTS_ALIGN) fail_msg("tensor %s data not 64-byte aligned", name);
}

/* ---- tests: dtypes and half precision -------------------------------------- */

static void test_dtype_names(void **state) {
    (void)state;
    for (int t = 0; t < ZOO_DT__COUNT; t++) {
        zoo_dtype back;
        assert_non_null(zoo_dtype_name((zoo_dtype)t));
        assert_int_equal(zoo_dtype_from_name(zoo_dtype_name((zoo_dtype)t), &back), 0);
        assert_int_equal(back, t);
        assert_true(zoo_dtype_size((zoo_dtype)t) > 0);
    }
    assert_string_equal(zoo_dtype_name(ZOO_DT_BF16), "BF16");
    assert_int_equal(zoo_dtype_size(ZOO_DT_F16), 2);
    assert_int_equal(zoo_dtype_size(ZOO_DT_I64), 8);
    assert_int_equal(zoo_dtype_size(ZOO_DT_BOOL), 1);
    zoo_dtype d;
    assert_int_equal(zoo_dtype_from_name("C64", &d), -1);
    assert_int_equal(zoo_dtype_from_name("f32", &d), -1);
    assert_null(zoo_dtype_name(ZOO_DT__COUNT));
    assert_int_equal(zoo_dtype_size(ZOO_DT__COUNT), 0);
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}
static float bitsf(uint32_t u) {
    float f;
    memcpy(&f, &u, 4);
    return f;
}

/* every half survives f16 -> f32 -> f16 (NaNs stay NaN with their sign) */
static void test_half_exhaustive_roundtrip(void **state) {
    (void)state;
    for (uint32_t h = 0; h < 65536; h++) {
        float f = zoo_f16_to_f32((uint16_t)h);
        uint16_t back = zoo_f32_to_f16(f);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) {
            assert_true(isnan(f));
            assert_int_equal(back & 0x7c00, 0x7c00);
            assert_true(back & 0x3ff);
            assert_int_equal(back & 0x8000, h & 0x8000);
        } else if (back != h) {
            fail_msg("half 0x%04x -> %a -> 0x%04x", h, (double)f, back);
        }
    }
    /* known values */
    assert_true(zoo_f16_to_f32(0x3c00) == 1.0f);
    assert_true(zoo_f16_to_f32(0xc000) == -2.0f);
    assert_true(zoo_f16_to_f32(0x7bff) == 65504.0f);
    assert_true(zoo_f16_to_f32(0x0001) == ldexpf(1.f, -24));
    assert_true(zoo_f16_to_f32(0x0400) == ldexpf(1.f, -14));
    assert_true(isinf(zoo_f16_to_f32(0x7c00)) && zoo_f16_to_f32(0xfc00) < 0);
    assert_true(zoo_bf16_to_f32(0x3f80) == 1.0f);
    assert_true(zoo_bf16_to_f32(0xc049) == bitsf(0xc0490000u));
    assert_true(isnan(zoo_bf16_to_f32(0x7fc0)));
}

/* f32 -> f16 rounds to nearest, ties to even: checked against an independent
 * oracle (exact double arithmetic on the neighbouring halves) for random bit
 * patterns across the whole float range, and on the edge cases by value. */
static void test_half_rounding(void **state) {
    (void)state;
    assert_int_equal(zoo_f32_to_f16(1.0f), 0x3c00);
    assert_int_equal(zoo_f32_to_f16(1.0f + ldexpf(1.f, -11)), 0x3c00);     /* tie -> even */
    assert_int_equal(zoo_f32_to_f16(1.0f + 3 * ldexpf(1.f, -11)), 0x3c02); /* tie -> even */
    assert_int_equal(zoo_f32_to_f16(65504.0f), 0x7bff);
    assert_int_equal(zoo_f32_to_f16(65519.99f), 0x7bff);
    assert_int_equal(zoo_f32_to_f16(65520.0f), 0x7c00); /* tie with 65536 -> inf */
    assert_int_equal(zoo_f32_to_f16(-1e10f), 0xfc00);
    assert_int_equal(zoo_f32_to_f16(ldexpf(1.f, -25)), 0x0000);            /* tie -> 0 */
    assert_int_equal(zoo_f32_to_f16(nextafterf(ldexpf(1.f, -25), 1.f)), 0x0001);
    assert_int_equal(zoo_f32_to_f16(3 * ldexpf(1.f, -25)), 0x0002);        /* 1.5 ulp -> 2 */
    assert_int_equal(zoo_f32_to_f16(-ldexpf(1.f, -24)), 0x8001);
    assert_int_equal(zoo_f32_to_f16(-0.0f), 0x8000);
    assert_int_equal(zoo_f32_to_f16(nextafterf(ldexpf(1.f, -14), 0.f)), 0x0400); /* -> min normal */
    assert_int_equal(zoo_f32_to_f16(INFINITY), 0x7c00);
    uint16_t qn = zoo_f32_to_f16(NAN);
    assert_int_equal(qn & 0x7c00, 0x7c00);
    assert_true(qn & 0x3ff);
    assert_true(zoo_f32_to_f16(bitsf(0x7f800001u)) & 0x3ff); /* NaN with a low payload */

    test_rng r = {7};
    for (int it = 0; it < 400000; it++) {
        uint32_t u = test_rng_u32(&r);
        /* concentrate half the samples on the half-precision exponent range */
        if (it & 1) u = (u & 0x80000000u) | (((u >> 23) % 40 + 97) << 23) | (u & 0x7fffffu);
        float x = bitsf(u);
        if (isnan(x)) continue;
        uint16_t h = zoo_f32_to_f16(x);
        double ax = fabs((double)x);
        if (ax >= 65520.0) {
            assert_int_equal(h & 0x7fff, 0x7c00);
            continue;
        }
        assert_int_equal(h & 0x8000, (fbits(x) >> 16) & 0x8000);
        uint16_t m = h & 0x7fff;
        assert_true(m < 0x7c00);
        double v = zoo_f16_to_f32(m), err0 = fabs(ax - v);
        if (m > 0) { /* the half below is not closer */
            double lo = fabs(ax - zoo_f16_to_f32((uint16_t)(m - 1)));
            assert_true(err0 < lo || (err0 == lo && !(m & 1)));
        }
        if (m < 0x7bff) { /* the half above is not closer */
            double hi = fabs(ax - zoo_f16_to_f32((uint16_t)(m + 1)));
            assert_true(err0 < hi || (err0 == hi && !(m & 1)));
        } else { /* 65504: ax is below the overflow tie 65520 */
            assert_true(ax < 65520.0);
        }
    }
}

/* ---- tests: round trip ---------------------------------------------------- */

static void test_round_trip(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "sample.zoo");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sample_fill(s);
    write_sample(path, s);
    assert_int_equal(count_dir_entries(dir), 1); /* no temporary left */

    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, &e);
    if (!w) fail_msg("open: %s", e.msg);
    assert_true(zoo_weights_is_native(w));
    assert_string_equal(zoo_weights_path(w), path);
    assert_int_equal(zoo_weights_count(w), 6); /* padding excluded */
    check_tensor(w, "conv.weight", ZOO_DT_F32, 3, d_w32, s->w32, sizeof s->w32);
    check_tensor(w, "fc.bias", ZOO_DT_F16, 1, d_b16, s->b16, sizeof s->b16);
    check_tensor(w, "scale", ZOO_DT_F32, 0, NULL, &s->scalar, 4);
    check_tensor(w, "empty", ZOO_DT_F32, 2, d_empty, NULL, 0);
    check_tensor(w, "bytes", ZOO_DT_U8, 1, d_bytes, s->bytes, 5);
    check_tensor(w, "ints", ZOO_DT_I64, 2, d_ints, s->ints, sizeof s->ints);
    /* get() walks the same tensors in file order: the writer's order */
    const char *order[] = {"conv.weight", "fc.bias", "scale", "empty", "bytes", "ints"};
    for (int i = 0; i < 6; i++) {
        zoo_tensor_view v;
        assert_int_equal(zoo_weights_get(w, i, &v), 0);
        assert_string_equal(v.name, order[i]);
    }
    zoo_tensor_view v;
    assert_int_equal(zoo_weights_get(w, 6, &v), -1);
    assert_int_equal(zoo_weights_find(w, "__zoo_pad.0", &v), -1);
    assert_int_equal(zoo_weights_find(w, "nope", &v), -1);

    assert_string_equal(zoo_weights_meta(w, "zoo.format"), ZOO_WEIGHTS_FORMAT_NAME);
    assert_string_equal(zoo_weights_meta(w, "zoo.format_version"), ZOO_WEIGHTS_FORMAT_VERSION);
    assert_string_equal(zoo_weights_meta(w, "zoo.model"), "TestNet");
    assert_string_equal(zoo_weights_meta(w, "zoo.source_url"), "https://example.org/x");
    const char *dg = zoo_weights_meta(w, "zoo.digest");
    assert_non_null(dg);
    assert_int_equal(strlen(dg), 64);
    assert_null(zoo_weights_meta(w, "zoo.absent"));
    assert_int_equal(zoo_weights_meta_count(w), 5);
    for (int i = 0; i < 5; i++) {
        const char *k, *val;
        assert_int_equal(zoo_weights_meta_get(w, i, &k, &val), 0);
        assert_string_equal(zoo_weights_meta(w, k), val);
    }
    assert_int_equal(zoo_weights_verify(w, &e), ZOO_OK);
    zoo_weights_close(w);

    /* the buffer starts 64-aligned in the file, the header is space padded */
    size_t len;
    unsigned char *raw = slurp(path, &len);
    uint64_t hl = 0;
    for (int i = 7; i >= 0; i--) hl = hl << 8 | raw[i];
    assert_int_equal((8 + hl) % 64, 0);
    assert_int_equal(raw[8], '{');
    assert_true(hl < len);
    free(raw);

    /* the same content written twice gives the same bytes (deterministic) */
    char path2[600];
    path_join(path2, sizeof path2, dir, "again.zoo");
    write_sample(path2, s);
    size_t len2;
    raw = slurp(path, &len);
    unsigned char *raw2 = slurp(path2, &len2);
    assert_int_equal(len, len2);
    assert_memory_equal(raw, raw2, len);
    free(raw);
    free(raw2);
    free(s);
    test_rmtree(dir);
}

static void test_empty_file_round_trip(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "none.zoo");
    zoo_error e = {0};
    zoo_weights_writer *wr = zoo_weights_writer_new(path, &e);
    assert_non_null(wr);
    assert_int_equal(zoo_weights_writer_finish(wr, &e), 0);
    zoo_weights *w = zoo_weights_open(path, 0, &e);
    if (!w) fail_msg("%s", e.msg);
    assert_int_equal(zoo_weights_count(w), 0);
    assert_true(zoo_weights_is_native(w));
    zoo_weights_close(w);
    test_rmtree(dir);
}

/* ---- tests: corruption ----------------------------------------------------- */

/* Flips each bit pattern in every byte of a native file: header length,
 * JSON (digits, names, metadata), header padding, tensor data and padding
 * tensors. Every variant must be refused on open. */
static void test_flip_every_byte(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "flip.zoo");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sample_fill(s);
    write_sample(path, s);
    size_t len;
    unsigned char *orig = slurp(path, &len);
    const unsigned char masks[] = {0x01, 0x80, 0x24};
    int n_integrity = 0, n_input = 0;
    int fd = open(path, O_WRONLY);
    assert_true(fd >= 0);
    for (size_t i = 0; i < len; i++) {
        for (size_t m = 0; m < sizeof masks; m++) {
            unsigned char b = orig[i] ^ masks[m];
            assert_int_equal(pwrite(fd, &b, 1, (off_t)i), 1);
            zoo_error e = {0};
            zoo_weights *w = zoo_weights_open(path, 0, &e);
            if (w) {
                zoo_weights_close(w);
                fail_msg("byte %zu ^ 0x%02x: corrupted file opened", i, masks[m]);
            }
            if (e.code == ZOO_ERR_INTEGRITY) n_integrity++;
            else if (e.code == ZOO_ERR_INPUT) n_input++;
            else fail_msg("byte %zu: code %d: %s", i, e.code, e.msg);
            if (!strstr(e.msg, path)) fail_msg("message does not name the file: %s", e.msg);
            assert_int_equal(pwrite(fd, &orig[i], 1, (off_t)i), 1);
        }
    }
    close(fd);
    print_message("    %zu bytes x 3 flips: %d integrity, %d input errors\n", len, n_integrity,
                  n_input);
    /* data bytes are only caught by the digest */
    assert_true(n_integrity > 0 && n_input > 0);
    free(orig);
    free(s);
    test_rmtree(dir);
}

/* NO_VERIFY skips the digest; verify() still catches the damage. */
static void test_no_verify(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "nv.zoo");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sample_fill(s);
    write_sample(path, s);
    size_t len;
    unsigned char *raw = slurp(path, &len);
    raw[len - 1] ^= 0x10; /* last byte of the last tensor's data */
    spit(path, raw, len);
    expect_open_fails(path, 0, ZOO_ERR_INTEGRITY, ZOO_ERR_INTEGRITY);
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, ZOO_WEIGHTS_NO_VERIFY, &e);
    if (!w) fail_msg("NO_VERIFY open: %s", e.msg);
    assert_int_equal(zoo_weights_verify(w, &e), ZOO_ERR_INTEGRITY);
    assert_non_null(strstr(e.msg, path));
    assert_non_null(strstr(e.msg, "digest"));
    zoo_weights_close(w);
    free(raw);
    free(s);
    test_rmtree(dir);
}

/* every truncation of a native file is refused as malformed input */
static void test_truncated(void **state) {
    (void)state;
    char dir[512], path[600], cut[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "t.zoo");
    path_join(cut, sizeof cut, dir, "cut.zoo");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sample_fill(s);
    write_sample(path, s);
    size_t len;
    unsigned char *raw = slurp(path, &len);
    spit(cut, raw, len);
    for (size_t n = len; n-- > 0;) { /* every shorter length, cut in place */
        assert_int_equal(truncate(cut, (off_t)n), 0);
        expect_open_fails(cut, ZOO_WEIGHTS_NO_VERIFY, ZOO_ERR_INPUT, ZOO_ERR_INPUT);
    }
    free(raw);
    free(s);
    test_rmtree(dir);
}

typedef struct bad_case {
    const char *what;
    const char *header;
    size_t dlen;       /* data bytes after the header */
    uint64_t hlen;     /* override of the length field, 0 = actual */
    const char *needle; /* expected in the message, NULL = anything */
} bad_case;

#define T2 "{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":"

static void test_malformed_headers(void **state) {
    (void)state;
    static const bad_case cases[] = {
        {"lying offsets (span != dtype*numel)", "{\"a\":" T2 "[0,12]}}", 12, 0, "span 12 bytes"},
        {"offsets past the buffer", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}",
         8, 0, "truncated"},
        {"overlap", "{\"a\":" T2 "[0,8]},\"b\":" T2 "[4,12]}}", 12, 0, "overlap"},
        {"hole", "{\"a\":" T2 "[0,8]},\"b\":" T2 "[12,20]}}", 20, 0, "belong to no tensor"},
        {"trailing bytes", "{\"a\":" T2 "[0,8]}}", 12, 0, "after the last tensor"},
        {"end before begin", "{\"a\":" T2 "[8,0]}}", 8, 0, "end before begin"},
        {"huge header length", "{}", 0, 100000001ull, "limit"},
        {"header length 2^63", "{}", 0, 1ull << 63, "limit"},
        {"header past end of file", "{}", 0, 4096, "truncated"},
        {"non-object JSON", "[1,2,3]", 0, 0, "{"},
        {"string JSON", "\"abc\"", 0, 0, "{"},
        {"empty header", "", 0, 0, NULL},
        {"invalid JSON", "{\"a\":}", 0, 0, "JSON"},
        {"duplicate keys", "{\"a\":" T2 "[0,8]},\"a\":" T2 "[0,8]}}", 8, 0, "duplicate"},
        {"duplicate metadata keys", "{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, 0,
         "duplicate"},
        {"non-string metadata", "{\"__metadata__\":{\"k\":1}}", 0, 0, "not a string"},
        {"metadata not an object", "{\"__metadata__\":[]}", 0, 0, "__metadata__"},
        {"unknown dtype", "{\"a\":{\"dtype\":\"C64\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8, 0,
         "C64"},
        {"negative dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, 0,
         "shape"},
        {"float dim", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", 8, 0,
         "shape"},
        {"element count overflow",
         "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4],\"data_offsets\":[0,8]}}",
         8, 0, "overflow"},
        {"byte size overflow",
         "{\"a\":{\"dtype\":\"F64\",\"shape\":[2305843009213693952],\"data_offsets\":[0,8]}}", 8, 0,
         "overflow"},
        {"too many dims",
         "{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1, 0,
         "dimensions"},
        {"missing dtype", "{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, 0, "dtype"},
        {"tensor not an object", "{\"a\":3}", 0, 0, "not a JSON object"},
        {"bad data_offsets", "{\"a\":" T2 "[0]}}", 8, 0, "data_offsets"},
        {"garbage after JSON", "{}\t", 0, 0, "space"},
        {"two JSON values", "{} {}", 0, 0, "JSON"},
        {"invalid UTF-8", "{\"\xff\":" T2 "[0,8]}}", 8, 0, "JSON"},
        {"NUL in header", "{\"a\\u0000b\":" T2 "[0,8]}}", 8, 0, "JSON"},
        {"zoo metadata without zoo.format", "{\"__metadata__\":{\"zoo.model\":\"x\"}}", 0, 0,
         "zoo.format"},
        {"future format version",
         "{\"__metadata__\":{\"zoo.format\":\"zoo-weights\",\"zoo.format_version\":\"2\","
         "\"zoo.digest\":\"" "0000000000000000000000000000000000000000000000000000000000000000\"}}",
         0, 0, "version"},
        {"malformed digest",
         "{\"__metadata__\":{\"zoo.format\":\"zoo-weights\",\"zoo.format_version\":\"1\","
         "\"zoo.digest\":\"abc\"}}",
         0, 0, "digest"},
    };
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "bad.safetensors");
    unsigned char data[64];
    for (int i = 0; i < 64; i++) data[i] = (unsigned char)i;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const bad_case *c = &cases[i];
        write_raw(path, c->header, 0, c->hlen, data, c->dlen);
        zoo_error e = {0};
        zoo_weights *w = zoo_weights_open(path, 0, &e);
        if (w) {
            zoo_weights_close(w);
            fail_msg("case '%s': opened", c->what);
        }
        if (e.code != ZOO_ERR_INPUT) fail_msg("case '%s': code %d: %s", c->what, e.code, e.msg);
        if (!strstr(e.msg, path)) fail_msg("case '%s': no file name in: %s", c->what, e.msg);
        if (c->needle && !strstr(e.msg, c->needle))
            fail_msg("case '%s': '%s' not in: %s", c->what, c->needle, e.msg);
    }

    /* well-formed foreign files for contrast: padding, rank 0, empty tensors */
    write_raw(path, "{\"a\":" T2 "[0,8]},\"s\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
                    "\"z\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[12,12]}}",
              200, 0, data, 12);
    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, 0, &e);
    if (!w) fail_msg("valid foreign file: %s", e.msg);
    assert_false(zoo_weights_is_native(w));
    assert_int_equal(zoo_weights_count(w), 3);
    assert_int_equal(zoo_weights_verify(w, &e), ZOO_ERR_INPUT); /* nothing to verify */
    zoo_weights_close(w);
    expect_open_fails(path, ZOO_WEIGHTS_REQUIRE_ZOO, ZOO_ERR_INPUT, ZOO_ERR_INPUT);

    /* missing file, directory, FIFO, too-short file */
    char missing[600];
    path_join(missing, sizeof missing, dir, "missing.zoo");
    expect_open_fails(missing, 0, ZOO_ERR_NOTFOUND, ZOO_ERR_NOTFOUND);
    expect_open_fails(dir, 0, ZOO_ERR_INPUT, ZOO_ERR_RUNTIME);
    char fifo[600];
    path_join(fifo, sizeof fifo, dir, "fifo.zoo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    expect_open_fails(fifo, 0, ZOO_ERR_INPUT, ZOO_ERR_INPUT); /* refused, not blocked on */
    spit(path, "\x02\0\0", 3);
    expect_open_fails(path, 0, ZOO_ERR_INPUT, ZOO_ERR_INPUT);
    test_rmtree(dir);
}

/* ---- tests: writer -------------------------------------------------------- */

static void test_writer_leaves_nothing(void **state) {
    (void)state;
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "out.zoo");
    float x[3] = {1, 2, 3};
    int64_t d3[] = {3};
    zoo_error e = {0};

    /* abort after adding */
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(zoo_weights_writer_add(w, "x", ZOO_DT_F32, 1, d3, x, &e), 0);
    assert_int_equal(count_dir_entries(dir), 1); /* the temporary */
    zoo_weights_writer_abort(w);
    assert_int_equal(count_dir_entries(dir), 0);

    /* bad calls are refused, the writer stays usable, abort cleans up */
    w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(zoo_weights_writer_add(w, "x", ZOO_DT_F32, 1, d3, x, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "x", ZOO_DT_F32, 1, d3, x, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "twice"));
    assert_int_equal(zoo_weights_writer_add(w, "__zoo_pad.3", ZOO_DT_U8, 1, d3, x, &e),
                     ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_add(w, "__metadata__", ZOO_DT_U8, 1, d3, x, &e),
                     ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_add(w, "y", ZOO_DT__COUNT, 1, d3, x, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_add(w, "y", ZOO_DT_F32, 1, d3, NULL, &e), ZOO_ERR_INPUT);
    int64_t neg[] = {-1};
    assert_int_equal(zoo_weights_writer_add(w, "y", ZOO_DT_F32, 1, neg, x, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_add(w, "y", ZOO_DT_F32, 9, d3, x, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_add(w, "bad\xff", ZOO_DT_F32, 1, d3, x, &e),
                     ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.digest", "x", &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.format", "x", &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_meta(w, "k", "v", &e), 0);
    assert_int_equal(zoo_weights_writer_meta(w, "k", "v2", &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_weights_writer_meta(w, "k2", "\xc3(", &e), ZOO_ERR_INPUT);
    zoo_weights_writer_abort(w);
    assert_int_equal(count_dir_entries(dir), 0);

    /* a finish that fails (the target is a non-empty directory) removes the temporary */
    assert_int_equal(mkdir(path, 0755), 0);
    char inner[700];
    path_join(inner, sizeof inner, path, "keep");
    spit(inner, "k", 1);
    w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(zoo_weights_writer_add(w, "x", ZOO_DT_F32, 1, d3, x, &e), 0);
    assert_int_not_equal(zoo_weights_writer_finish(w, &e), 0);
    assert_non_null(strstr(e.msg, path));
    assert_int_equal(count_dir_entries(dir), 1); /* only the directory */
    test_rmtree(path);

    /* a directory that does not exist: clean error, nothing created */
    char nodir[700];
    path_join(nodir, sizeof nodir, dir, "no/such/dir.zoo");
    assert_null(zoo_weights_writer_new(nodir, &e));
    assert_int_not_equal(e.code, 0);
    assert_non_null(strstr(e.msg, nodir));
    assert_int_equal(count_dir_entries(dir), 0);

    /* finish replaces an existing file atomically */
    spit(path, "old", 3);
    w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(zoo_weights_writer_add(w, "x", ZOO_DT_F32, 1, d3, x, &e), 0);
    assert_int_equal(zoo_weights_writer_finish(w, &e), 0);
    assert_int_equal(count_dir_entries(dir), 1);
    zoo_weights *r = zoo_weights_open(path, ZOO_WEIGHTS_REQUIRE_ZOO, &e);
    if (!r) fail_msg("%s", e.msg);
    zoo_weights_close(r);
    test_rmtree(dir);
}

/* ---- tests: interoperability with Python's safetensors -------------------- */

/* Runs `$ZOO_PY script args...`, returns its stdout (malloc'ed) or fails. */
static char *run_python(const char *dir, const char *script, const char *arg) {
    const char *py = test_python();
    char spath[600], cmd[2048];
    path_join(spath, sizeof spath, dir, "script.py");
    spit(spath, script, strlen(script));
    snprintf(cmd, sizeof cmd, "PYTHONIOENCODING=utf-8 '%s' '%s' '%s'", py, spath, arg);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t cap = 1 << 16, len = 0;
    char *out = malloc(cap);
    assert_non_null(out);
    size_t k;
    while ((k = fread(out + len, 1, cap - len - 1, p)) > 0) {
        len += k;
        if (len + 1 == cap) {
            cap *= 2;
            out = realloc(out, cap);
            assert_non_null(out);
        }
    }
    out[len] = '\0';
    int st = pclose(p);
    if (st != 0) fail_msg("python failed (status %d): %s\n%s", st, cmd, out);
    return out;
}

static const char py_write[] =
    "import sys, numpy as np\n"
    "from safetensors.numpy import save_file\n"
    "t = {\n"
    "  'f32': (np.arange(15, dtype=np.float32) * 0.25 - 1.0).reshape(3, 5),\n"
    "  'f16': ((np.arange(7) - 3) * 0.5).astype(np.float16),\n"
    "  'i64': (np.arange(6, dtype=np.int64) * 1000000007 - 5).reshape(2, 3),\n"
    "  'u8': (np.arange(9) * 29 % 256).astype(np.uint8),\n"
    "  'bool': (np.arange(4) % 2 == 1),\n"
    "  'f64': np.array([1.0 / 3.0, -2.5]),\n"
    "  'scalar': np.array(3.5, dtype=np.float32),\n"
    "  'empty': np.zeros((0, 3), dtype=np.float32),\n"
    "}\n"
    "save_file(t, sys.argv[1], metadata={'origin': 'python', 'n': '8'})\n"
    "print('ok')\n";

/* A file written by the reference writer is read with the right values. */
static void test_reads_python_safetensors(void **state) {
    (void)state;
    if (!test_python()) {
        print_message("    skipped: ZOO_PY is not set (run via make test)\n");
        skip();
    }
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "py.safetensors");
    char *out = run_python(dir, py_write, path);
    assert_non_null(strstr(out, "ok"));
    free(out);

    zoo_error e = {0};
    zoo_weights *w = zoo_weights_open(path, 0, &e);
    if (!w) fail_msg("open: %s", e.msg);
    assert_false(zoo_weights_is_native(w));
    assert_int_equal(zoo_weights_count(w), 8);
    assert_string_equal(zoo_weights_meta(w, "origin"), "python");
    assert_string_equal(zoo_weights_meta(w, "n"), "8");
    zoo_tensor_view v;

    /* values below are exactly representable: compared exactly */
    assert_int_equal(zoo_weights_find(w, "f32", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_F32);
    assert_int_equal(v.ndim, 2);
    assert_int_equal(v.dims[0], 3);
    assert_int_equal(v.dims[1], 5);
    for (int i = 0; i < 15; i++) {
        float f;
        memcpy(&f, (const char *)v.data + 4 * i, 4);
        assert_true(f == i * 0.25f - 1.0f);
    }
    assert_int_equal(zoo_weights_find(w, "f16", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_F16);
    for (int i = 0; i < 7; i++) {
        const unsigned char *b = (const unsigned char *)v.data + 2 * i;
        assert_true(zoo_f16_to_f32((uint16_t)(b[0] | b[1] << 8)) == (i - 3) * 0.5f);
    }
    assert_int_equal(zoo_weights_find(w, "i64", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_I64);
    for (int i = 0; i < 6; i++) {
        int64_t x;
        memcpy(&x, (const char *)v.data + 8 * i, 8);
        assert_int_equal(x, (int64_t)i * 1000000007LL - 5);
    }
    assert_int_equal(zoo_weights_find(w, "u8", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_U8);
    for (int i = 0; i < 9; i++) assert_int_equal(((const uint8_t *)v.data)[i], i * 29 % 256);
    assert_int_equal(zoo_weights_find(w, "bool", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_BOOL);
    for (int i = 0; i < 4; i++) assert_int_equal(((const uint8_t *)v.data)[i], i % 2);
    assert_int_equal(zoo_weights_find(w, "f64", &v), 0);
    assert_int_equal(v.dtype, ZOO_DT_F64);
    double d2[2];
    memcpy(d2, v.data, 16);
    assert_true(d2[0] == 1.0 / 3.0 && d2[1] == -2.5);
    assert_int_equal(zoo_weights_find(w, "scalar", &v), 0);
    assert_int_equal(v.ndim, 0);
    assert_int_equal(v.numel, 1);
    float sc;
    memcpy(&sc, v.data, 4);
    assert_true(sc == 3.5f);
    assert_int_equal(zoo_weights_find(w, "empty", &v), 0);
    assert_int_equal(v.numel, 0);
    assert_int_equal(v.nbytes, 0);
    zoo_weights_close(w);
    expect_open_fails(path, ZOO_WEIGHTS_REQUIRE_ZOO, ZOO_ERR_INPUT, ZOO_ERR_INPUT);
    test_rmtree(dir);
}

static const char py_read[] =
    "import sys, hashlib, numpy as np\n"
    "from safetensors import safe_open\n"
    "from safetensors.numpy import load_file\n"
    "d = load_file(sys.argv[1])\n"
    "with safe_open(sys.argv[1], framework='np') as f:\n"
    "    md = f.metadata()\n"
    "for k in sorted(d):\n"
    "    a = d[k]\n"
    "    print('T', k, a.dtype.str, 'x'.join(map(str, a.shape)) or 'scalar',\n"
    "          hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest())\n"
    "for k in sorted(md):\n"
    "    print('M', k, md[k])\n"
    "# numpy's own float32 -> float16 rounding must equal zoo's\n"
    "h = d['src32'].astype(np.float16)\n"
    "print('HALF', int(np.sum(h.view(np.uint16) != d['half'].view(np.uint16))))\n"
    "print('WIDEN', hashlib.sha256(d['half'].astype('<f4').tobytes()).hexdigest())\n"
    "# the digest, computed by the function docs/format.md gives (appended below)\n"
    "print('DIGEST %s %s' % zoo_digest(sys.argv[1]))\n";

/* The ```python block of docs/format.md that defines zoo_digest(), or NULL. */
static char *doc_digest_snippet(void) {
    char b[512], path[700];
    if (!test_build_dir(b, sizeof b)) return NULL;
    snprintf(path, sizeof path, "%s/../docs/format.md", b);
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fclose(f);
    size_t len;
    char *doc = (char *)slurp(path, &len);
    doc[len] = '\0';
    char *def = strstr(doc, "def zoo_digest(");
    char *start = NULL, *end = NULL;
    if (def) {
        for (char *q = def; q > doc; q--)
            if (!strncmp(q, "```python\n", 10)) {
                start = q + 10;
                break;
            }
        end = strstr(def, "```");
    }
    char *out = NULL;
    if (start && end) {
        out = malloc((size_t)(end - start) + 1);
        assert_non_null(out);
        memcpy(out, start, (size_t)(end - start));
        out[end - start] = '\0';
    }
    free(doc);
    return out;
}

/* Python's safetensors + numpy read a zoo file and see the same bytes. */
static void test_python_reads_zoo(void **state) {
    (void)state;
    if (!test_python()) {
        print_message("    skipped: ZOO_PY is not set (run via make test)\n");
        skip();
    }
    char dir[512], path[600];
    test_tmpdir(dir, sizeof dir);
    path_join(path, sizeof path, dir, "zoo.zoo");
    sample *s = calloc(1, sizeof *s);
    assert_non_null(s);
    sample_fill(s);

    /* f32 source values spread over the whole half range and beyond
     * (subnormals, ties, overflow), and zoo's f16 rounding of them */
    enum { NH = 4099 };
    float *src = malloc(NH * sizeof *src);
    uint16_t *half = malloc(NH * sizeof *half);
    float *widened = malloc(NH * sizeof *widened);
    assert_true(src && half && widened);
    test_rng r = {99};
    for (int i = 0; i < NH; i++) {
        uint32_t u = test_rng_u32(&r);
        u = (u & 0x80000000u) | (((u >> 23) % 48 + 90) << 23) | (u & 0x7fffffu);
        if (i % 5 == 0) u &= ~0xfffu, u |= 0x1000u; /* exact ties at the 13 dropped bits */
        src[i] = bitsf(u);
        half[i] = zoo_f32_to_f16(src[i]);
        widened[i] = zoo_f16_to_f32(half[i]);
    }
    int64_t dn[] = {NH};
    zoo_error e = {0};
    zoo_weights_writer *w = zoo_weights_writer_new(path, &e);
    assert_non_null(w);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.model", "PyCheck", &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "conv.weight", ZOO_DT_F32, 3, d_w32, s->w32, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "fc.bias", ZOO_DT_F16, 1, d_b16, s->b16, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "ints", ZOO_DT_I64, 2, d_ints, s->ints, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "bytes", ZOO_DT_U8, 1, d_bytes, s->bytes, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "src32", ZOO_DT_F32, 1, dn, src, &e), 0);
    assert_int_equal(zoo_weights_writer_add(w, "half", ZOO_DT_F16, 1, dn, half, &e), 0);
    /* non-ASCII names and values: lengths in the digest are UTF-8 bytes */
    static const int64_t d1[] = {1};
    assert_int_equal(zoo_weights_writer_add(w, "ünïcôde.w", ZOO_DT_F32, 1, d1,
                                            &s->scalar, &e), 0);
    assert_int_equal(zoo_weights_writer_meta(w, "zoo.source_url", "https://exämple.org/", &e),
                     0);
    assert_int_equal(zoo_weights_writer_finish(w, &e), 0);

    char *snippet = doc_digest_snippet();
    if (!snippet) fail_msg("docs/format.md: no zoo_digest() snippet found");
    char *script = malloc(strlen(py_read) + strlen(snippet) + 2);
    assert_non_null(script);
    /* the function must be defined before the last line calls it */
    const char *last = strstr(py_read, "# the digest");
    assert_non_null(last);
    size_t head = (size_t)(last - py_read);
    memcpy(script, py_read, head);
    strcpy(script + head, snippet);
    strcat(script, last);
    free(snippet);
    char *out = run_python(dir, script, path);
    free(script);
    struct {
        const char *line_start;
        const void *data;
        size_t n;
    } exp[] = {
        {"T conv.weight <f4 3x5x7 ", s->w32, sizeof s->w32},
        {"T fc.bias <f2 13 ", s->b16, sizeof s->b16},
        {"T ints <i8 2x3 ", s->ints, sizeof s->ints},
        {"T bytes |u1 5 ", s->bytes, sizeof s->bytes},
        {"T src32 <f4 4099 ", src, NH * sizeof *src},
        {"T half <f2 4099 ", half, NH * sizeof *half},
        {"WIDEN ", widened, NH * sizeof *widened},
    };
    for (size_t i = 0; i < sizeof exp / sizeof exp[0]; i++) {
        char line[256], hex[65];
        sha256_hex(exp[i].data, exp[i].n, hex);
        snprintf(line, sizeof line, "%s%s\n", exp[i].line_start, hex);
        if (!strstr(out, line)) fail_msg("python output lacks \"%s\":\n%s", line, out);
    }
    /* numpy rounds f32 -> f16 exactly as zoo does: 0 differences */
    if (!strstr(out, "HALF 0\n")) fail_msg("f16 rounding differs from numpy:\n%s", out);
    assert_non_null(strstr(out, "M zoo.model PyCheck\n"));
    assert_non_null(strstr(out, "M zoo.format zoo-weights\n"));
    assert_non_null(strstr(out, "M zoo.format_version 1\n"));
    assert_non_null(strstr(out, "M zoo.digest "));
    assert_non_null(strstr(out, "M zoo.source_url https://exämple.org/\n"));
    assert_non_null(strstr(out, "T ünïcôde.w <f4 1 "));
    /* the documented digest recomputed in Python equals the recorded one */
    zoo_weights *rw = zoo_weights_open(path, 0, &e);
    if (!rw) fail_msg("%s", e.msg);
    char dline[200];
    snprintf(dline, sizeof dline, "DIGEST %s %s\n", zoo_weights_meta(rw, "zoo.digest"),
             zoo_weights_meta(rw, "zoo.digest"));
    zoo_weights_close(rw);
    if (!strstr(out, dline)) fail_msg("python digest differs: want \"%s\" in\n%s", dline, out);
    /* padding tensors are visible to Python as U8 vectors */
    assert_non_null(strstr(out, "T __zoo_pad.0 |u1 "));
    free(out);
    free(src);
    free(half);
    free(widened);
    free(s);
    test_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dtype_names),
        cmocka_unit_test(test_half_exhaustive_roundtrip),
        cmocka_unit_test(test_half_rounding),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_empty_file_round_trip),
        cmocka_unit_test(test_flip_every_byte),
        cmocka_unit_test(test_no_verify),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_malformed_headers),
        cmocka_unit_test(test_writer_leaves_nothing),
        cmocka_unit_test(test_reads_python_safetensors),
        cmocka_unit_test(test_python_reads_zoo),
    };
    return cmocka_run_group_tests_name("weights", tests, NULL, NULL);
}
