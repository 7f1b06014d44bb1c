/* tests/unit/test_pth.c - PyTorch checkpoints (converter/pth.c, pth_zip.c,
 * the torch mode of pickle.c, detection in detect.c).
 *
 * Fixtures (tests/fixtures/pth, written by torch.save / torch.jit.save /
 * Python's zipfile: make_fixtures.py) hold tensors whose values follow
 * formulas recomputed here, in every dtype torch stores, with a transposed
 * (non-contiguous) view, two tensors sharing one storage at different
 * offsets, a strided slice, a scalar, an empty tensor and rank 5. The same
 * state dict must read identically from the zip container, the legacy stream,
 * a zip64 rewrite and a big-endian rewrite; training checkpoints give their
 * state_dict with the DataParallel "module." prefix removed.
 * Hostile files made by the real writers (os.system in a __reduce__, a
 * pickled nn.Module, TorchScript, tensors lying about offset / size / stride)
 * and damage done here (every truncation, byte flips, lying zip sizes and
 * offsets, overlapping and compressed entries, a lying legacy size record,
 * trailing bytes, torch-mode pickles with foreign persistent ids) must fail
 * with one line naming the file, never crash (run under ASan/UBSan).
 */
#include <limits.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "converter/detect.h"
#include "converter/pickle.h"
#include "converter/pth.h"
#include "converter/readers.h"
#include "support/test_support.h"

/* ---- helpers ------------------------------------------------------------------ */

static void fixture_path(char *p, size_t size, const char *name) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(p, size, "%s/../tests/fixtures/pth/%s", b, name);
}

static uint8_t *load(const char *name, size_t *len) {
    char p[PATH_MAX + 64];
    fixture_path(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) fail_msg("missing fixture %s (tests/fixtures/pth/make_fixtures.py)", p);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n + 64);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

static const zoo_src_tensor *get(const zoo_tensor_list *l, const char *name) {
    int i = zoo_tensor_list_find(l, name);
    if (i < 0) fail_msg("tensor %s missing", name);
    return &l->items[i];
}

static void check_shape(const zoo_src_tensor *t, zoo_dtype dt, int ndim, ...) {
    if (t->dtype != dt) fail_msg("%s: dtype %s, want %s", t->name, zoo_dtype_name(t->dtype), zoo_dtype_name(dt));
    assert_int_equal(t->ndim, ndim);
    va_list ap;
    va_start(ap, ndim);
    for (int i = 0; i < ndim; i++) assert_int_equal(t->dims[i], va_arg(ap, int));
    va_end(ap);
}

static float f32_at(const zoo_src_tensor *t, int64_t i) {
    float f;
    memcpy(&f, (const uint8_t *)t->data + 4 * i, 4);
    return f;
}

/* Reads with zoo_read_pth_buffer and expects failure mentioning `needle`. */
static void expect_buffer_fail(const uint8_t *d, size_t n, const char *needle) {
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_pth_buffer(d, n, "t.pth", &l, &e);
    if (rc == 0) {
        zoo_tensor_list_free(&l);
        fail_msg("read succeeded, expected an error with '%s'", needle);
    }
    assert_int_equal(rc, ZOO_ERR_INPUT);
    assert_int_equal(l.n, 0);
    if (needle && !strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_non_null(strstr(e.msg, "t.pth"));
    assert_null(strchr(e.msg, '\n'));
}

static void expect_file_fail(const char *name, const char *needle) {
    char p[PATH_MAX + 64];
    fixture_path(p, sizeof p, name);
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_pth(p, &l, &e);
    if (rc == 0) {
        zoo_tensor_list_free(&l);
        fail_msg("%s: read succeeded, expected an error with '%s'", name, needle);
    }
    assert_int_equal(rc, ZOO_ERR_INPUT);
    if (!strstr(e.msg, needle)) fail_msg("%s: message '%s' lacks '%s'", name, e.msg, needle);
    assert_non_null(strstr(e.msg, name));
    assert_null(strchr(e.msg, '\n'));
}

/* The state dict of make_fixtures.py, keys `prefix` + name. */
static void check_state_dict(const zoo_tensor_list *l) {
    assert_int_equal(l->n, 16);
    const zoo_src_tensor *t = get(l, "conv.weight");
    check_shape(t, ZOO_DT_F32, 4, 4, 3, 3, 3);
    for (int i = 0; i < 108; i++) assert_true(f32_at(t, i) == i * 0.25f - 10);
    t = get(l, "fc.weight"); /* saved as a transposed view */
    check_shape(t, ZOO_DT_F32, 2, 5, 6);
    for (int i = 0; i < 30; i++) assert_true(f32_at(t, i) == i * 0.5f);
    t = get(l, "bn.bias"); /* shared storage, offset 0 */
    check_shape(t, ZOO_DT_F32, 1, 4);
    for (int i = 0; i < 4; i++) assert_true(f32_at(t, i) == (float)i);
    t = get(l, "bn.weight"); /* same storage, offset 4 */
    for (int i = 0; i < 4; i++) assert_true(f32_at(t, i) == (float)(i + 4));
    t = get(l, "bn.num_batches_tracked");
    check_shape(t, ZOO_DT_I64, 0);
    int64_t nbt;
    memcpy(&nbt, t->data, 8);
    assert_int_equal(nbt, 12345);
    t = get(l, "sliced");
    check_shape(t, ZOO_DT_F32, 1, 5);
    for (int i = 0; i < 5; i++) assert_true(f32_at(t, i) == (float)(3 + 2 * i));
    t = get(l, "half");
    check_shape(t, ZOO_DT_F16, 1, 3);
    const float hv[3] = {0.5f, -1.25f, 2.0f};
    for (int i = 0; i < 3; i++) {
        uint16_t h;
        memcpy(&h, (const uint8_t *)t->data + 2 * i, 2);
        assert_true(zoo_f16_to_f32(h) == hv[i]);
    }
    t = get(l, "double");
    check_shape(t, ZOO_DT_F64, 2, 2, 2);
    for (int i = 0; i < 4; i++) {
        double v;
        memcpy(&v, (const uint8_t *)t->data + 8 * i, 8);
        assert_true(v == i + 1.125);
    }
    t = get(l, "bf16");
    check_shape(t, ZOO_DT_BF16, 1, 2);
    uint16_t b[2];
    memcpy(b, t->data, 4);
    assert_true(zoo_bf16_to_f32(b[0]) == 1.5f && zoo_bf16_to_f32(b[1]) == -2.0f);
    t = get(l, "mask");
    check_shape(t, ZOO_DT_BOOL, 1, 3);
    assert_memory_equal(t->data, "\1\0\1", 3);
    t = get(l, "bytes");
    check_shape(t, ZOO_DT_U8, 1, 4);
    assert_memory_equal(t->data, "\0\1\376\377", 4);
    t = get(l, "i8");
    check_shape(t, ZOO_DT_I8, 1, 3);
    assert_memory_equal(t->data, "\200\0\177", 3);
    t = get(l, "i16");
    check_shape(t, ZOO_DT_I16, 1, 2);
    int16_t s16[2];
    memcpy(s16, t->data, 4);
    assert_true(s16[0] == -300 && s16[1] == 300);
    t = get(l, "i32");
    check_shape(t, ZOO_DT_I32, 1, 2);
    int32_t s32[2];
    memcpy(s32, t->data, 8);
    assert_true(s32[0] == -7 && s32[1] == 70000);
    t = get(l, "empty");
    check_shape(t, ZOO_DT_F32, 2, 0, 3);
    assert_int_equal(t->nbytes, 0);
    t = get(l, "five_d");
    check_shape(t, ZOO_DT_F32, 5, 1, 2, 1, 2, 2);
    for (int i = 0; i < 8; i++) assert_true(f32_at(t, i) == (float)i);
}

static void read_ok(const char *name, zoo_tensor_list *l, const char *format) {
    char p[PATH_MAX + 64];
    fixture_path(p, sizeof p, name);
    zoo_error e = {0};
    if (zoo_read_pth(p, l, &e) != 0) fail_msg("%s: %s", name, e.msg);
    assert_string_equal(l->format, format);
}

/* ---- containers ------------------------------------------------------------- */

static void test_state_dict_all_containers(void **state) {
    (void)state;
    static const char *const files[][2] = {{"sd_zip.pth", "pth-zip"},
                                           {"sd_legacy.pth", "pth-legacy"},
                                           {"sd_zip64.pth", "pth-zip"}};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        zoo_tensor_list l;
        read_ok(files[i][0], &l, files[i][1]);
        check_state_dict(&l);
        zoo_tensor_list_free(&l);
    }
}

static void test_big_endian_zip(void **state) {
    (void)state;
    zoo_tensor_list le, be;
    read_ok("le_zip.pth", &le, "pth-zip");
    read_ok("be_zip.pth", &be, "pth-zip");
    assert_int_equal(le.n, 2);
    assert_int_equal(be.n, 2);
    for (int k = 0; k < 2; k++) {
        const zoo_src_tensor *a = get(&le, k ? "b" : "a"), *b = get(&be, k ? "b" : "a");
        check_shape(b, ZOO_DT_F32, 2, 2, 3);
        assert_int_equal(a->nbytes, b->nbytes);
        assert_memory_equal(a->data, b->data, a->nbytes);
    }
    const zoo_src_tensor *a = get(&le, "a"), *b = get(&le, "b");
    for (int i = 0; i < 6; i++) assert_true(f32_at(a, i) == i - 2.5f);
    /* b = (arange(6).reshape(3, 2) * 3).t(): b[r][c] = (c * 2 + r) * 3 */
    for (int r = 0; r < 2; r++)
        for (int c = 0; c < 3; c++) assert_true(f32_at(b, r * 3 + c) == (c * 2 + r) * 3.0f);
    zoo_tensor_list_free(&le);
    zoo_tensor_list_free(&be);
}

static void test_module_state_dict(void **state) {
    (void)state;
    zoo_tensor_list l;
    read_ok("net_zip.pth", &l, "pth-zip"); /* OrderedDict with _metadata (BUILD) */
    static const char *const names[] = {"0.weight", "0.bias", "1.weight", "1.bias",
                                        "1.running_mean", "1.running_var",
                                        "1.num_batches_tracked", "3.weight", "3.bias"};
    assert_int_equal(l.n, 9);
    for (int i = 0; i < 9; i++) assert_string_equal(l.items[i].name, names[i]);
    check_shape(get(&l, "3.weight"), ZOO_DT_F32, 2, 2, 4);
    zoo_tensor_list_free(&l);
}

static void test_training_checkpoint(void **state) {
    (void)state;
    static const char *const files[][2] = {{"ckpt_zip.pth", "pth-zip"},
                                           {"ckpt_legacy.pth", "pth-legacy"}};
    for (int i = 0; i < 2; i++) {
        zoo_tensor_list l;
        read_ok(files[i][0], &l, files[i][1]); /* state_dict entry, "module." removed */
        check_state_dict(&l);
        zoo_tensor_list_free(&l);
    }
}

static void test_detection(void **state) {
    (void)state;
    static const struct {
        const char *file;
        zoo_src_kind kind;
    } cases[] = {{"sd_zip.pth", ZOO_SRC_ZIP},
                 {"sd_legacy.pth", ZOO_SRC_PTH_LEGACY},
                 {"sd.safetensors", ZOO_SRC_SAFETENSORS},
                 {"../pickle/dtypes_p2.pdparams", ZOO_SRC_PICKLE}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char p[PATH_MAX + 64];
        fixture_path(p, sizeof p, cases[i].file);
        zoo_src_info *si = calloc(1, sizeof *si);
        zoo_error e = {0};
        assert_int_equal(zoo_detect_source(p, si, &e), 0);
        if (si->kind != cases[i].kind)
            fail_msg("%s detected as %s", cases[i].file, zoo_src_kind_name(si->kind));
        free(si);
    }
    /* from the bytes, not the name: a legacy stream is not a Paddle pickle */
    size_t n;
    uint8_t *d = load("sd_legacy.pth", &n);
    assert_true(zoo_pth_is_legacy(d, n));
    assert_int_equal(zoo_detect_bytes(d, n), ZOO_SRC_PTH_LEGACY);
    assert_int_equal(zoo_detect_bytes(d, 14), ZOO_SRC_PICKLE); /* too short for the magic */
    free(d);
}

/* ---- refusals ------------------------------------------------------------------ */

static void test_hostile_files(void **state) {
    (void)state;
    expect_file_fail("evil_system_zip.pth", "pickle asks for posix.system: refused");
    expect_file_fail("evil_system_legacy.pth", "pickle asks for posix.system: refused");
    expect_file_fail("module_zip.pth", "torch.nn.modules.linear.Linear: refused");
    expect_file_fail("scripted.pt", "TorchScript");
    expect_file_fail("tensor_zip.pth", "holds a tensor, not a state dict");
    expect_file_fail("sd_deflate.pth", "compressed (method 8)");
    expect_file_fail("lie_offset_zip.pth", "tensor w: offset 8");
    expect_file_fail("lie_size_zip.pth", "reaches element 11 of a storage of 10");
    expect_file_fail("lie_stride_zip.pth", "reaches element 10 of a storage of 10");
}

/* Torch-mode pickles with persistent ids and rebuild calls no writer makes. */
static void test_torch_mode_pickles(void **state) {
    (void)state;
    static const struct {
        const char *bytes;
        size_t n;
        const char *needle;
    } cases[] = {
#define C(s, needle) {s, sizeof s - 1, needle}
        C("\x80\x02(X\x06\x00\x00\x00moduleK\x01tQ.", "persistent id of kind 'module'"),
        C("\x80\x02K\x01Q.", "not a ('storage', ...) tuple"),
        C("\x80\x02(X\x07\x00\x00\x00storageK\x01X\x01\x00\x00\x00" "0"
          "X\x03\x00\x00\x00" "cpuK\x02tQ.",
          "without a torch storage type"),
        C("\x80\x02(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x00" "0"
          "X\x03\x00\x00\x00" "cpuJ\xff\xff\xff\xfftQ.",
          "size is not a non-negative int"),
        C("\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n(K\x01K\x00))\x89}tR.",
          "storage argument is a int"),
        C("\x80\x02" "ctorch\nFloatStorage\n)R.", "REDUCE of torch.<Kind>Storage"),
        C("\x80\x02" "ctorch\nload\n.", "torch.load: refused"),
#undef C
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        zoo_error e = {0};
        zoo_pk_limits lim = {.torch = true};
        zoo_pk_doc *d = zoo_pk_parse((const uint8_t *)cases[i].bytes, cases[i].n, "t.pkl", &lim, &e);
        if (d) {
            zoo_pk_free(d);
            fail_msg("case %zu parsed", i);
        }
        if (!strstr(e.msg, cases[i].needle)) fail_msg("case %zu: '%s' lacks '%s'", i, e.msg, cases[i].needle);
    }
    /* outside torch mode the torch globals are like any other */
    zoo_error e = {0};
    const char rb[] = "\x80\x02" "ctorch._utils\n_rebuild_tensor_v2\n.";
    assert_null(zoo_pk_parse((const uint8_t *)rb, sizeof rb - 1, "t.pkl", NULL, &e));
    assert_non_null(strstr(e.msg, "torch._utils._rebuild_tensor_v2: refused"));
}

/* ---- damage ------------------------------------------------------------------------ */

static void test_truncations(void **state) {
    (void)state;
    static const char *const files[] = {"sd_zip.pth", "sd_legacy.pth", "ckpt_legacy.pth",
                                        "sd_zip64.pth"};
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t n;
        uint8_t *d = load(files[f], &n);
        for (size_t k = 0; k < n; k++) {
            uint8_t *c = malloc(k ? k : 1); /* exact size: ASan sees any overread */
            memcpy(c, d, k);
            expect_buffer_fail(c, k, NULL);
            free(c);
        }
        free(d);
    }
}

static void test_byte_flips(void **state) {
    (void)state;
    static const char *const files[] = {"sd_zip.pth", "sd_legacy.pth"};
    test_rng r = {0x9e3779b97f4a7c15ull};
    for (size_t f = 0; f < 2; f++) {
        size_t n;
        uint8_t *d = load(files[f], &n);
        uint8_t *c = malloc(n);
        for (int it = 0; it < 3000; it++) {
            memcpy(c, d, n);
            int flips = 1 + test_rng_int(&r, 0, 3);
            for (int k = 0; k < flips; k++) c[test_rng_int(&r, 0, (int)n - 1)] ^= (uint8_t)(1 + test_rng_int(&r, 0, 254));
            zoo_tensor_list l;
            zoo_error e = {0};
            if (zoo_read_pth_buffer(c, n, "t.pth", &l, &e) == 0) {
                for (int i = 0; i < l.n; i++) /* touch every byte a tensor claims */
                    for (size_t b = 0; b < l.items[i].nbytes; b++)
                        e.code += ((const volatile uint8_t *)l.items[i].data)[b] == 0x5a;
                zoo_tensor_list_free(&l);
            } else {
                assert_int_equal(l.n, 0);
                assert_null(strchr(e.msg, '\n'));
            }
        }
        free(c);
        free(d);
    }
}

/* Offset of the central directory entry named `name` (ending with it). */
static size_t central(const uint8_t *d, size_t n, const char *suffix) {
    size_t sl = strlen(suffix);
    for (size_t i = 0; i + 46 <= n; i++) {
        if (memcmp(d + i, "PK\1\2", 4)) continue;
        size_t nl = d[i + 28] | (size_t)d[i + 29] << 8;
        if (i + 46 + nl <= n && nl >= sl && !memcmp(d + i + 46 + nl - sl, suffix, sl)) return i;
    }
    fail_msg("no central entry *%s", suffix);
    return 0;
}

static void put32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p) {
    return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_zip_lies(void **state) {
    (void)state;
    size_t n;
    uint8_t *d = load("sd_zip.pth", &n);
    uint8_t *c = malloc(n);
    size_t pk = central(d, n, "/data.pkl"), s0 = central(d, n, "/data/0");
    /* local header offset pointing into the middle of nowhere */
    memcpy(c, d, n);
    put32(c + pk + 42, 7);
    expect_buffer_fail(c, n, "no local header at offset 7");
    /* a size that runs into the central directory */
    memcpy(c, d, n);
    put32(c + s0 + 20, 0x7fffffff);
    put32(c + s0 + 24, 0x7fffffff);
    expect_buffer_fail(c, n, "runs into the central directory");
    /* a size 64 bytes too long: the entry overlaps the next one */
    memcpy(c, d, n);
    put32(c + s0 + 20, get32(d + s0 + 20) + 64);
    put32(c + s0 + 24, get32(d + s0 + 24) + 64);
    expect_buffer_fail(c, n, "overlap");
    /* a storage entry shorter than its storage: both sizes and the CRC agree */
    memcpy(c, d, n);
    put32(c + s0 + 20, 4);
    put32(c + s0 + 24, 4);
    expect_buffer_fail(c, n, "holds 4 bytes, its");
    /* compressed / encrypted / mismatched sizes */
    memcpy(c, d, n);
    c[pk + 10] = 8;
    expect_buffer_fail(c, n, "compressed (method 8)");
    memcpy(c, d, n);
    c[pk + 8] |= 1;
    expect_buffer_fail(c, n, "encrypted");
    memcpy(c, d, n);
    put32(c + pk + 20, get32(d + pk + 20) - 1);
    expect_buffer_fail(c, n, "compressed size");
    /* two central entries for one local entry */
    memcpy(c, d, n);
    memcpy(c + s0 + 42, c + pk + 42, 4);
    expect_buffer_fail(c, n, "local header names another file");
    /* damaged data: the CRC catches it */
    memcpy(c, d, n);
    size_t lho = get32(d + s0 + 42);
    size_t data = lho + 30 + (d[lho + 26] | (size_t)d[lho + 27] << 8) + (d[lho + 28] | (size_t)d[lho + 29] << 8);
    c[data + 3] ^= 0x40;
    expect_buffer_fail(c, n, "CRC-32");
    /* no end record */
    expect_buffer_fail(d, n - 22, "no end of central directory");
    free(c);
    free(d);
}

static void test_legacy_lies(void **state) {
    (void)state;
    size_t n;
    uint8_t *d = load("sd_legacy.pth", &n);
    uint8_t *c = malloc(n + 3);
    /* conv.weight's record: numel 108 (i64) then -10.0f */
    static const uint8_t rec[12] = {108, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00, 0x20, 0xc1};
    size_t at = SIZE_MAX;
    for (size_t i = 0; i + 12 <= n && at == SIZE_MAX; i++)
        if (!memcmp(d + i, rec, 12)) at = i;
    assert_true(at != SIZE_MAX);
    memcpy(c, d, n);
    c[at] = 109;
    expect_buffer_fail(c, n, "records 109 elements, the pickle declares 108");
    memcpy(c, d, n);
    memcpy(c + n, "abc", 3);
    expect_buffer_fail(c, n + 3, "3 unexpected bytes after the last storage");
    /* a protocol version other than 1001 (BININT2 e9 03 right after the magic) */
    memcpy(c, d, n);
    assert_int_equal(c[ZOO_PTH_LEGACY_MAGIC_LEN + 2], 'M');
    c[ZOO_PTH_LEGACY_MAGIC_LEN + 3] = 0xea;
    expect_buffer_fail(c, n, "protocol version is not 1001");
    free(c);
    free(d);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_state_dict_all_containers),
        cmocka_unit_test(test_big_endian_zip),
        cmocka_unit_test(test_module_state_dict),
        cmocka_unit_test(test_training_checkpoint),
        cmocka_unit_test(test_detection),
        cmocka_unit_test(test_hostile_files),
        cmocka_unit_test(test_torch_mode_pickles),
        cmocka_unit_test(test_truncations),
        cmocka_unit_test(test_byte_flips),
        cmocka_unit_test(test_zip_lies),
        cmocka_unit_test(test_legacy_lies),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
