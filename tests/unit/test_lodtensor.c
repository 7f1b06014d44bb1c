/* tests/unit/test_lodtensor.c - LoDTensor records (converter/lodtensor.c),
 * the protobuf wire reader under them (converter/protobuf.c) and whole Paddle
 * inference models (zoo_read_pdiparams, converter/pdiparams.c).
 *
 * Real files: the tiny model paddle.jit.save wrote in both program formats
 * (tests/fixtures/paddleinfer, 8 dtypes) and the shared mobilenetv3 export
 * (214 tensors); every tensor's name, order, dtype, shape and bytes are
 * compared with what Paddle itself loads (expected.txt, exact SHA-256).
 * Malformed inputs are mutations of those real records: truncation at every
 * byte, wrong versions, lying desc_size / LoD lengths, absurd dims, refused
 * dtypes, trailing garbage, records out of order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "converter/lodtensor.h"
#include "converter/protobuf.h"
#include "converter/readers.h"
#include "paddleinfer_fixtures.h"

/* ---- little byte-buffer builder ------------------------------------------ */

typedef struct bb {
    unsigned char b[4096];
    size_t n;
} bb;

static void put(bb *x, const void *p, size_t n) {
    assert_true(x->n + n <= sizeof x->b);
    memcpy(x->b + x->n, p, n);
    x->n += n;
}
static void put32(bb *x, uint32_t v) {
    unsigned char b[4] = {(unsigned char)v, (unsigned char)(v >> 8), (unsigned char)(v >> 16),
                          (unsigned char)(v >> 24)};
    put(x, b, 4);
}
static void put64(bb *x, uint64_t v) {
    put32(x, (uint32_t)v);
    put32(x, (uint32_t)(v >> 32));
}
static void putvar(bb *x, uint64_t v) {
    do {
        unsigned char c = v & 0x7f;
        v >>= 7;
        if (v) c |= 0x80;
        put(x, &c, 1);
    } while (v);
}

/* TensorDesc with unpacked dims */
static void desc(bb *d, int dtype, int ndim, const int64_t *dims) {
    d->n = 0;
    putvar(d, 0x08);
    putvar(d, (uint64_t)dtype);
    for (int i = 0; i < ndim; i++) {
        putvar(d, 0x10);
        putvar(d, (uint64_t)dims[i]);
    }
}

/* record: versions 0, no LoD, desc, `nbytes` bytes of data */
static void record(bb *r, const bb *d, size_t nbytes) {
    r->n = 0;
    put32(r, 0);
    put64(r, 0);
    put32(r, 0);
    put32(r, (uint32_t)d->n);
    put(r, d->b, d->n);
    for (size_t i = 0; i < nbytes; i++) {
        unsigned char c = (unsigned char)i;
        put(r, &c, 1);
    }
}

static int parse(const bb *r, zoo_lodtensor *t, zoo_error *e) {
    return zoo_lodtensor_parse("mem.bin", r->b, r->n, 100, t, e);
}

static void expect_fail(const bb *r, const char *needle) {
    zoo_lodtensor t;
    zoo_error e = {0};
    assert_int_equal(parse(r, &t, &e), ZOO_ERR_INPUT);
    assert_int_equal(e.code, ZOO_ERR_INPUT);
    pi_assert_message(&e, "mem.bin");
    if (needle && !strstr(e.msg, needle)) fail_msg("expected '%s' in: %s", needle, e.msg);
}

/* ---- protobuf ----------------------------------------------------------- */

static void test_varints(void **state) {
    (void)state;
    const uint8_t m1[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    const uint8_t *p = m1;
    uint64_t v;
    assert_int_equal(zoo_pb_read_varint(&p, m1 + sizeof m1, &v), 0);
    assert_int_equal((int64_t)v, -1); /* proto2 int64 -1: 10 bytes */
    assert_ptr_equal(p, m1 + sizeof m1);
    const uint8_t over[] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02};
    p = over;
    assert_int_equal(zoo_pb_read_varint(&p, over + sizeof over, &v), -1); /* > 64 bits */
    const uint8_t eleven[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    p = eleven;
    assert_int_equal(zoo_pb_read_varint(&p, eleven + sizeof eleven, &v), -1);
    p = m1;
    assert_int_equal(zoo_pb_read_varint(&p, m1 + 3, &v), -1); /* truncated */

    /* a LEN field longer than its message; a group; field number 0 */
    const uint8_t lie[] = {0x0a, 0x05, 'a', 'b'};
    zoo_pb r;
    zoo_pb_field f;
    zoo_pb_init(&r, lie, sizeof lie);
    assert_int_equal(zoo_pb_next(&r, &f), -1);
    assert_non_null(r.why);
    const uint8_t grp[] = {0x0b};
    zoo_pb_init(&r, grp, sizeof grp);
    assert_int_equal(zoo_pb_next(&r, &f), -1);
    const uint8_t zero[] = {0x00, 0x01};
    zoo_pb_init(&r, zero, sizeof zero);
    assert_int_equal(zoo_pb_next(&r, &f), -1);
    /* fixed-width fields, truncated and whole */
    const uint8_t f32[] = {0x25, 0x00, 0x00, 0x80, 0x3f, 0x19, 1, 2, 3};
    zoo_pb_init(&r, f32, sizeof f32);
    assert_int_equal(zoo_pb_next(&r, &f), 1);
    assert_int_equal(f.wire, ZOO_PB_I32);
    assert_true(zoo_pb_f32(f.v) == 1.0f);
    assert_int_equal(zoo_pb_next(&r, &f), -1);
}

static int sum_cb(void *ctx, uint64_t raw) {
    *(uint64_t *)ctx += raw;
    return 0;
}

static void test_packed_and_unpacked(void **state) {
    (void)state;
    /* field 2 packed {3, 300} and unpacked 5 */
    const uint8_t m[] = {0x12, 0x03, 0x03, 0xac, 0x02, 0x10, 0x05};
    zoo_pb r;
    zoo_pb_field f;
    uint64_t sum = 0;
    zoo_pb_init(&r, m, sizeof m);
    while (zoo_pb_next(&r, &f) == 1) assert_int_equal(zoo_pb_scalars(&r, &f, ZOO_PB_K_VARINT, sum_cb, &sum), 0);
    assert_int_equal(sum, 308);
    /* packed floats whose length is not a multiple of 4 */
    const uint8_t bad[] = {0x3a, 0x03, 0, 0, 0};
    zoo_pb_init(&r, bad, sizeof bad);
    assert_int_equal(zoo_pb_next(&r, &f), 1);
    assert_int_equal(zoo_pb_scalars(&r, &f, ZOO_PB_K_F32, sum_cb, &sum), -1);
    /* packed varints cut in the middle */
    const uint8_t cut[] = {0x12, 0x01, 0x80};
    zoo_pb_init(&r, cut, sizeof cut);
    assert_int_equal(zoo_pb_next(&r, &f), 1);
    assert_int_equal(zoo_pb_scalars(&r, &f, ZOO_PB_K_VARINT, sum_cb, &sum), -1);
}

/* ---- single records ----------------------------------------------------- */

static void test_record_layout(void **state) {
    (void)state;
    bb d, r;
    int64_t dims[] = {64, 3, 7, 7};
    desc(&d, ZOO_PD_FP32, 4, dims);
    /* formats.md 2.3 example: 08 05 10 40 10 03 10 07 10 07 */
    const uint8_t want[] = {0x08, 0x05, 0x10, 0x40, 0x10, 0x03, 0x10, 0x07, 0x10, 0x07};
    assert_int_equal(d.n, sizeof want);
    assert_memory_equal(d.b, want, sizeof want);
    int64_t small[] = {2, 3};
    desc(&d, ZOO_PD_FP32, 2, small);
    record(&r, &d, 24);
    zoo_lodtensor t;
    zoo_error e = {0};
    assert_int_equal(parse(&r, &t, &e), 0);
    assert_int_equal(t.dtype, ZOO_DT_F32);
    assert_int_equal(t.ndim, 2);
    assert_int_equal(t.numel, 6);
    assert_int_equal(t.nbytes, 24);
    assert_int_equal(t.record_size, r.n);
    assert_ptr_equal(t.data, r.b + r.n - 24); /* borrowed, not copied */

    /* packed dims give the same tensor */
    bb pd = {.n = 0};
    putvar(&pd, 0x08);
    putvar(&pd, ZOO_PD_FP32);
    putvar(&pd, 0x12);
    putvar(&pd, 2);
    putvar(&pd, 2);
    putvar(&pd, 3);
    record(&r, &pd, 24);
    assert_int_equal(parse(&r, &t, &e), 0);
    assert_int_equal(t.ndim, 2);
    assert_int_equal(t.dims[0], 2);
    assert_int_equal(t.dims[1], 3);

    /* 0-d tensor: one element */
    desc(&d, ZOO_PD_INT64, 0, NULL);
    record(&r, &d, 8);
    assert_int_equal(parse(&r, &t, &e), 0);
    assert_int_equal(t.ndim, 0);
    assert_int_equal(t.numel, 1);

    /* a valid LoD level is skipped */
    desc(&d, ZOO_PD_FP32, 2, small);
    r.n = 0;
    put32(&r, 0);
    put64(&r, 1);
    put64(&r, 16);
    put64(&r, 0);
    put64(&r, 2);
    put32(&r, 0);
    put32(&r, (uint32_t)d.n);
    put(&r, d.b, d.n);
    for (int i = 0; i < 24; i++) put(&r, "x", 1);
    assert_int_equal(parse(&r, &t, &e), 0);
    assert_int_equal(t.nbytes, 24);
}

static void test_every_dtype(void **state) {
    (void)state;
    static const struct { int code; zoo_dtype t; size_t size; } ok[] = {
        {ZOO_PD_BOOL, ZOO_DT_BOOL, 1}, {ZOO_PD_INT16, ZOO_DT_I16, 2},  {ZOO_PD_INT32, ZOO_DT_I32, 4},
        {ZOO_PD_INT64, ZOO_DT_I64, 8}, {ZOO_PD_FP16, ZOO_DT_F16, 2},   {ZOO_PD_FP32, ZOO_DT_F32, 4},
        {ZOO_PD_FP64, ZOO_DT_F64, 8},  {ZOO_PD_SIZE_T, ZOO_DT_U64, 8}, {ZOO_PD_UINT8, ZOO_DT_U8, 1},
        {ZOO_PD_INT8, ZOO_DT_I8, 1},   {ZOO_PD_BF16, ZOO_DT_BF16, 2},
    };
    bb d, r;
    int64_t dims[] = {3};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        desc(&d, ok[i].code, 1, dims);
        record(&r, &d, 3 * ok[i].size);
        zoo_lodtensor t;
        zoo_error e = {0};
        assert_int_equal(parse(&r, &t, &e), 0);
        assert_int_equal(t.dtype, ok[i].t);
        assert_int_equal(t.nbytes, 3 * ok[i].size);
        /* one byte less is a truncated tensor */
        r.n--;
        expect_fail(&r, "truncated tensor data");
    }
    desc(&d, ZOO_PD_COMPLEX64, 1, dims);
    record(&r, &d, 24);
    expect_fail(&r, "COMPLEX64 (complex tensors are not supported)");
    desc(&d, ZOO_PD_COMPLEX128, 1, dims);
    record(&r, &d, 48);
    expect_fail(&r, "COMPLEX128");
    desc(&d, ZOO_PD_LOD_TENSOR, 1, dims);
    record(&r, &d, 24);
    expect_fail(&r, "not a tensor data type");
    desc(&d, 99, 1, dims);
    record(&r, &d, 24);
    expect_fail(&r, "type 99");
}

static void test_malformed_records(void **state) {
    (void)state;
    bb d, r;
    int64_t dims[] = {2, 3};
    desc(&d, ZOO_PD_FP32, 2, dims);

    record(&r, &d, 24);
    r.b[0] = 1; /* lod version */
    expect_fail(&r, "unsupported LoDTensor version 1");
    record(&r, &d, 24);
    r.b[12] = 2; /* tensor version */
    expect_fail(&r, "unsupported tensor version 2");

    /* lying desc_size: huge, negative, past the end, too short */
    record(&r, &d, 24);
    r.b[16] = 0xff, r.b[17] = 0xff, r.b[18] = 0xff, r.b[19] = 0x7f;
    expect_fail(&r, "TensorDesc size");
    record(&r, &d, 24);
    r.b[19] = 0xff;
    expect_fail(&r, "TensorDesc size");
    record(&r, &d, 0);
    r.b[16] = (unsigned char)(d.n + 1);
    expect_fail(&r, "TensorDesc size");
    record(&r, &d, 24);
    r.b[16] = (unsigned char)(d.n - 1); /* cuts the last dim varint's value */
    expect_fail(&r, "malformed TensorDesc");
    /* a desc without data type */
    bb nd = {.n = 0};
    putvar(&nd, 0x10);
    putvar(&nd, 3);
    record(&r, &nd, 12);
    expect_fail(&r, "no data type");

    /* lying LoD: level count, level length, odd length */
    r.n = 0;
    put32(&r, 0);
    put64(&r, 1ull << 60);
    put32(&r, 0);
    expect_fail(&r, "LoD level count");
    r.n = 0;
    put32(&r, 0);
    put64(&r, 1);
    put64(&r, 1ull << 40);
    put64(&r, 0);
    expect_fail(&r, "LoD level 0 claims");
    r.n = 0;
    put32(&r, 0);
    put64(&r, 1);
    put64(&r, 12);
    put64(&r, 0);
    put32(&r, 0);
    put32(&r, 0);
    put32(&r, (uint32_t)d.n);
    expect_fail(&r, "whole u64 offsets");

    /* absurd dims: product overflows; more than 8; negative; huge single dim */
    int64_t big[] = {1ll << 40, 1ll << 40};
    desc(&d, ZOO_PD_FP32, 2, big);
    record(&r, &d, 4);
    expect_fail(&r, "overflows");
    int64_t nine[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    desc(&d, ZOO_PD_FP32, 9, nine);
    record(&r, &d, 4);
    expect_fail(&r, "more than 8 dims");
    int64_t neg[] = {-1, 3};
    desc(&d, ZOO_PD_FP32, 2, neg);
    record(&r, &d, 12);
    expect_fail(&r, "negative dimension");
    int64_t huge[] = {1ll << 61};
    desc(&d, ZOO_PD_FP64, 1, huge);
    record(&r, &d, 8);
    expect_fail(&r, "truncated tensor data");

    /* truncated header; the offset in messages includes the base */
    desc(&d, ZOO_PD_FP32, 2, dims);
    record(&r, &d, 24);
    r.n = 7;
    expect_fail(&r, "at byte 100");
}

/* ---- real records ------------------------------------------------------- */

static void tiny_path(char *buf, size_t size, const char *form, const char *file) {
    char dir[PATH_MAX];
    pi_fmt(buf, size, "%s/%s/%s", pi_fixture_dir(dir, sizeof dir), form, file);
}

static void test_tiny_records(void **state) {
    (void)state;
    char p[PATH_MAX];
    tiny_path(p, sizeof p, "tiny_pdmodel", "inference.pdiparams");
    zoo_mapped_file m;
    zoo_error e = {0};
    assert_int_equal(zoo_map_file(p, &m, &e), 0);
    pi_model x;
    pi_expected("tiny_pdmodel", &x);
    size_t off = 0;
    for (int i = 0; i < x.n; i++) {
        zoo_lodtensor t;
        if (zoo_lodtensor_parse(p, m.data + off, m.size - off, off, &t, &e) != 0)
            fail_msg("%s", e.msg);
        assert_int_equal(t.dtype, pi_numpy_dtype(x.t[i].dtype));
        char sha[65];
        pi_sha256_hex(t.data, t.nbytes, sha);
        assert_string_equal(sha, x.t[i].sha);
        off += t.record_size;
    }
    assert_int_equal(off, m.size);
    pi_model_free(&x);
    zoo_unmap_file(&m);
}

static void read_ok(const char *model, const char *params, const char *info, const char *tag) {
    zoo_tensor_list l;
    zoo_error e = {0};
    if (zoo_read_pdiparams(model, params, info, &l, &e) != 0) fail_msg("%s", e.msg);
    assert_string_equal(l.format, "pdiparams");
    pi_check_list(&l, tag);
    zoo_tensor_list_free(&l);
}

static void test_tiny_both_forms(void **state) {
    (void)state;
    char m[PATH_MAX], p[PATH_MAX], i[PATH_MAX];
    tiny_path(m, sizeof m, "tiny_pdmodel", "inference.pdmodel");
    tiny_path(p, sizeof p, "tiny_pdmodel", "inference.pdiparams");
    tiny_path(i, sizeof i, "tiny_pdmodel", "inference.pdiparams.info");
    read_ok(m, p, i, "tiny_pdmodel");
    tiny_path(m, sizeof m, "tiny_pir", "inference.json");
    tiny_path(p, sizeof p, "tiny_pir", "inference.pdiparams");
    read_ok(m, p, NULL, "tiny_pir");
}

static void test_mobilenetv3(void **state) {
    (void)state;
    char pf[PATH_MAX], m[PATH_MAX + 64], p[PATH_MAX + 64], i[PATH_MAX + 64];
    if (!pi_paddle_files(pf, sizeof pf)) skip();
    const char *d = "mobilenetv3-small-x0_35-3cls/inference/inference";
    pi_fmt(m, sizeof m, "%s/%s.pdmodel", pf, d);
    pi_fmt(p, sizeof p, "%s/%s.pdiparams", pf, d);
    pi_fmt(i, sizeof i, "%s/%s.pdiparams.info", pf, d);
    read_ok(m, p, i, "mobilenetv3");
    /* the name table maps PaddleClas structured names (export prefix stripped) */
    zoo_tensor_list l;
    zoo_error e = {0};
    assert_int_equal(zoo_read_pdiparams(m, p, i, &l, &e), 0);
    assert_int_equal(l.n, 214);
    assert_int_equal(l.n_names, 214);
    for (int k = 0; k < l.n_names; k++) assert_null(strstr(l.names[k].key, "base_model."));
    zoo_tensor_list_free(&l);
}

/* ---- malformed .pdiparams ------------------------------------------------ */

typedef struct fx {
    char tmp[PATH_MAX];
    char model[PATH_MAX], params[PATH_MAX], info[PATH_MAX], bad[PATH_MAX + 32];
    unsigned char *bytes;
    size_t n;
    size_t bounds[64]; /* record start offsets, then the file size */
    int nrec;
} fx;

static void fx_open(fx *f) {
    tiny_path(f->model, sizeof f->model, "tiny_pdmodel", "inference.pdmodel");
    tiny_path(f->params, sizeof f->params, "tiny_pdmodel", "inference.pdiparams");
    tiny_path(f->info, sizeof f->info, "tiny_pdmodel", "inference.pdiparams.info");
    test_tmpdir(f->tmp, sizeof f->tmp);
    pi_fmt(f->bad, sizeof f->bad, "%s/bad.pdiparams", f->tmp);
    f->bytes = pi_read_file(f->params, &f->n);
    size_t off = 0;
    f->nrec = 0;
    while (off < f->n) {
        zoo_lodtensor t;
        zoo_error e = {0};
        assert_int_equal(zoo_lodtensor_parse(f->params, f->bytes + off, f->n - off, off, &t, &e), 0);
        f->bounds[f->nrec++] = off;
        off += t.record_size;
    }
    f->bounds[f->nrec] = f->n;
}

static void fx_close(fx *f) {
    free(f->bytes);
    test_rmtree(f->tmp);
}

/* Reading f->bad as the params file must fail with a message naming it. */
static void expect_bad_fails(fx *f, const char *needle) {
    zoo_tensor_list l;
    zoo_error e = {0};
    int rc = zoo_read_pdiparams(f->model, f->bad, f->info, &l, &e);
    if (rc != ZOO_ERR_INPUT) fail_msg("rc %d (%s)", rc, e.msg);
    assert_int_equal(l.n, 0); /* left empty */
    pi_assert_message(&e, f->bad);
    if (needle && !strstr(e.msg, needle)) fail_msg("expected '%s' in: %s", needle, e.msg);
}

/* Reading `data` as the params file must fail with a message naming it. */
static void expect_params_fail(fx *f, const void *data, size_t n, const char *needle) {
    pi_write_file(f->bad, data, n);
    expect_bad_fails(f, needle);
}

static void test_truncated_everywhere(void **state) {
    (void)state;
    fx f;
    fx_open(&f);
    assert_int_equal(f.nrec, 16);
    /* every cut, longest first: write once, then shorten the file in place */
    pi_write_file(f.bad, f.bytes, f.n);
    for (size_t cut = f.n; cut-- > 0;) {
        assert_int_equal(truncate(f.bad, (off_t)cut), 0);
        int at_boundary = 0;
        for (int b = 0; b < f.nrec; b++) at_boundary |= f.bounds[b] == cut;
        expect_bad_fails(&f, at_boundary ? "file ends after" : NULL);
    }
    fx_close(&f);
}

static void test_trailing_and_order(void **state) {
    (void)state;
    fx f;
    fx_open(&f);
    unsigned char *more = malloc(f.n + 100);
    assert_non_null(more);
    memcpy(more, f.bytes, f.n);
    memset(more + f.n, 0, 100);
    expect_params_fail(&f, more, f.n + 1, "1 unexpected bytes");
    expect_params_fail(&f, more, f.n + 100, "100 unexpected bytes");
    /* a whole extra record (the first one again) */
    unsigned char *dup = malloc(f.n + f.bounds[1]);
    assert_non_null(dup);
    memcpy(dup, f.bytes, f.n);
    memcpy(dup + f.n, f.bytes, f.bounds[1]);
    expect_params_fail(&f, dup, f.n + f.bounds[1], "unexpected bytes");
    free(dup);

    /* records 0 (FP32 [4]) and 6 (FP64 [2]) swapped: declared dtype no longer matches */
    size_t a0 = f.bounds[0], a1 = f.bounds[1], c0 = f.bounds[6], c1 = f.bounds[7];
    unsigned char *sw = malloc(f.n);
    assert_non_null(sw);
    size_t k = 0;
    memcpy(sw + k, f.bytes + c0, c1 - c0), k += c1 - c0;
    memcpy(sw + k, f.bytes + a1, c0 - a1), k += c0 - a1;
    memcpy(sw + k, f.bytes + a0, a1 - a0), k += a1 - a0;
    memcpy(sw + k, f.bytes + c1, f.n - c1), k += f.n - c1;
    assert_int_equal(k, f.n);
    expect_params_fail(&f, sw, f.n, "data type FP64 but the program declares FP32");
    free(sw);

    /* a record whose shape differs from the program's: conv2d_0.w_0 [4,3,3,3] is
     * record 5; rewrite its first dim varint 4 -> 2 and drop half its data would
     * be complex - instead flip dims 1 and 0 of linear_0.w_0 [4,2] (record 15) */
    memcpy(more, f.bytes, f.n);
    size_t r15 = f.bounds[15];
    unsigned char *dsc = more + r15 + 20;
    /* desc: 08 05 10 04 10 02 */
    assert_int_equal(dsc[3], 4);
    assert_int_equal(dsc[5], 2);
    dsc[3] = 2, dsc[5] = 4;
    expect_params_fail(&f, more, f.n, "shape [2, 4] but the program declares [4, 2]");

    /* wrong versions and lying desc_size inside a real record */
    memcpy(more, f.bytes, f.n);
    more[f.bounds[3]] = 1;
    expect_params_fail(&f, more, f.n, "record 3 (batch_norm2d_0.w_2): unsupported LoDTensor version 1");
    memcpy(more, f.bytes, f.n);
    more[f.bounds[3] + 12] = 1;
    expect_params_fail(&f, more, f.n, "unsupported tensor version 1");
    memcpy(more, f.bytes, f.n);
    more[f.bounds[2] + 19] = 0x40;
    expect_params_fail(&f, more, f.n, "TensorDesc size");
    memcpy(more, f.bytes, f.n);
    more[f.bounds[2] + 4] = 1; /* lod_level 1 -> the next 8 bytes are read as a length */
    expect_params_fail(&f, more, f.n, NULL);
    free(more);
    fx_close(&f);
}

static void test_missing_and_mismatched_files(void **state) {
    (void)state;
    fx f;
    fx_open(&f);
    zoo_tensor_list l;
    zoo_error e = {0};
    char nope[PATH_MAX + 16];
    pi_fmt(nope, sizeof nope, "%s/nope", f.tmp);
    assert_int_equal(zoo_read_pdiparams(nope, f.params, NULL, &l, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, nope);
    assert_int_equal(zoo_read_pdiparams(f.model, nope, NULL, &l, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, nope);
    /* the params file given as the program */
    assert_int_equal(zoo_read_pdiparams(f.params, f.params, NULL, &l, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, f.params);
    /* the program given as .info */
    assert_int_equal(zoo_read_pdiparams(f.model, f.params, f.model, &l, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, f.model);
    assert_int_equal(l.n, 0);
    /* a params file of another model */
    char pf[PATH_MAX], mob[PATH_MAX + 96];
    if (pi_paddle_files(pf, sizeof pf)) {
        pi_fmt(mob, sizeof mob, "%s/mobilenetv3-small-x0_35-3cls/inference/inference.pdiparams", pf);
        assert_int_equal(zoo_read_pdiparams(f.model, mob, NULL, &l, &e), ZOO_ERR_INPUT);
        pi_assert_message(&e, mob);
    }
    fx_close(&f);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_varints),
        cmocka_unit_test(test_packed_and_unpacked),
        cmocka_unit_test(test_record_layout),
        cmocka_unit_test(test_every_dtype),
        cmocka_unit_test(test_malformed_records),
        cmocka_unit_test(test_tiny_records),
        cmocka_unit_test(test_tiny_both_forms),
        cmocka_unit_test(test_mobilenetv3),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_trailing_and_order),
        cmocka_unit_test(test_missing_and_mismatched_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
