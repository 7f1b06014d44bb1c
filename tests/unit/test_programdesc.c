/* tests/unit/test_programdesc.c - Paddle programs: ProgramDesc protobuf
 * (converter/programdesc.c) and PIR JSON (converter/pir_json.c).
 *
 * Real files: the tiny model paddle.jit.save wrote in both forms
 * (tests/fixtures/paddleinfer), the shared mobilenetv3 export and the shared
 * Paddle-1.x `__model__` of legacy-squeezenet-gesture. Every op (type, input
 * and output slots with their argument names, attributes of the scalar and
 * list kinds) is compared with what Paddle's own protobuf classes parse
 * (expected.txt); PIR op order with what paddle.static.load_inference_model
 * loads; the saved-variable lists with the tensors Paddle loads.
 * Malformed: truncation at every byte, lying lengths, 1000 random mutations
 * of each real file (must fail cleanly or parse; ASan watches), and
 * hand-made bad PIR documents.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "converter/lodtensor.h"
#include "converter/pir_json.h"
#include "converter/programdesc.h"
#include "converter/protobuf.h"
#include "paddleinfer_fixtures.h"

static void fixture(char *buf, size_t size, const char *rel) {
    char dir[PATH_MAX];
    pi_fmt(buf, size, "%s/%s", pi_fixture_dir(dir, sizeof dir), rel);
}

static void load_ok(const char *path, zoo_program *p) {
    zoo_error e = {0};
    if (zoo_program_load_any(path, p, &e) != 0) fail_msg("%s", e.msg);
}

/* ---- ops against Paddle's own parse ------------------------------------- */

/* "slot:a,b|slot2:" as make_fixtures.py writes it, "-" when no slots */
static void slots_str(char *buf, size_t size, const zoo_pd_slot *s, int n) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n; i++) {
        k += (size_t)snprintf(buf + k, size - k, "%s%s:", i ? "|" : "", s[i].name);
        for (int j = 0; j < s[i].n_args && k < size; j++)
            k += (size_t)snprintf(buf + k, size - k, "%s%s", j ? "," : "", s[i].args[j]);
        assert_true(k < size);
    }
    if (n == 0) snprintf(buf, size, "-");
}

static void check_attr(const zoo_pd_op *op, int idx, const char *name, int type, const char *v) {
    const zoo_pd_attr *a = zoo_pd_op_attr(op, name);
    if (!a) fail_msg("op %d (%s): attribute %s missing", idx, op->type, name);
    assert_int_equal(a->type, type);
    char *end;
    switch (type) {
    case ZOO_PD_A_INT: case ZOO_PD_A_LONG: case ZOO_PD_A_BOOLEAN:
        assert_int_equal(a->i, strtoll(v, NULL, 10));
        break;
    case ZOO_PD_A_FLOAT:
        if (a->f != strtod(v, NULL)) fail_msg("op %d %s: %.17g vs %s", idx, name, a->f, v);
        break;
    case ZOO_PD_A_STRING:
        assert_string_equal(a->s, v);
        break;
    case ZOO_PD_A_INTS: case ZOO_PD_A_LONGS: case ZOO_PD_A_BOOLEANS: case ZOO_PD_A_FLOATS: {
        int n = 0;
        const char *p = strcmp(v, "-") ? v : "";
        while (*p) {
            if (type == ZOO_PD_A_FLOATS) {
                assert_true(n < a->n_floats);
                double x = strtod(p, &end);
                if (a->floats[n] != x) fail_msg("op %d %s[%d]", idx, name, n);
            } else {
                assert_true(n < a->n_ints);
                assert_int_equal(a->ints[n], strtoll(p, &end, 10));
            }
            n++;
            p = *end == ',' ? end + 1 : end;
        }
        assert_int_equal(n, type == ZOO_PD_A_FLOATS ? a->n_floats : a->n_ints);
        break;
    }
    default:
        fail_msg("unexpected attribute type %d", type);
    }
}

/* Compares block 0's ops with the "ops <tag>" section of expected.txt. */
static void check_ops(const zoo_program *p, const char *tag, int with_slots) {
    char dir[PATH_MAX], path[PATH_MAX + 32];
    pi_fmt(path, sizeof path, "%s/expected.txt", pi_fixture_dir(dir, sizeof dir));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[65536], a[4096], b[32768], c[32768], d[4096];
    int in = 0, count = -1, seen = 0, attrs = 0;
    const zoo_pd_block *blk = &p->blocks[0];
    while (fgets(line, sizeof line, f)) {
        int idx, t, cnt;
        if (sscanf(line, "ops %4095s %d", a, &cnt) == 2) {
            in = strcmp(a, tag) == 0;
            if (in) {
                count = cnt;
                assert_int_equal(blk->n_ops, count);
            }
            continue;
        }
        if (!in) continue;
        if (sscanf(line, "model %4095s", a) == 1) break;
        if (sscanf(line, "op %d %4095s %32767s %32767s", &idx, a, b, c) == 4) {
            assert_true(idx >= 0 && idx < blk->n_ops);
            const zoo_pd_op *op = &blk->ops[idx];
            if (strcmp(op->type, a) != 0) fail_msg("%s op %d: %s, Paddle has %s", tag, idx, op->type, a);
            if (with_slots) {
                char s[32768];
                slots_str(s, sizeof s, op->inputs, op->n_inputs);
                if (strcmp(s, b) != 0) fail_msg("%s op %d inputs: %s, Paddle has %s", tag, idx, s, b);
                slots_str(s, sizeof s, op->outputs, op->n_outputs);
                if (strcmp(s, c) != 0) fail_msg("%s op %d outputs: %s, Paddle has %s", tag, idx, s, c);
            }
            seen++;
        } else if (sscanf(line, "attr %d %4095s %d %4095s", &idx, a, &t, d) == 4) {
            check_attr(&blk->ops[idx], idx, a, t, d);
            attrs++;
        }
    }
    fclose(f);
    if (count < 0) fail_msg("no ops section %s", tag);
    assert_int_equal(seen, count);
    (void)attrs;
}

static void test_tiny_pdmodel_ops(void **state) {
    (void)state;
    char path[PATH_MAX];
    fixture(path, sizeof path, "tiny_pdmodel/inference.pdmodel");
    zoo_program p;
    load_ok(path, &p);
    assert_false(p.is_pir);
    assert_int_equal(p.n_blocks, 1);
    assert_true(p.version > 0);
    check_ops(&p, "tiny_pdmodel", 1);
    /* the input variable keeps its unknown batch dim */
    const zoo_pd_var *x = zoo_program_find_var(&p, "x");
    assert_non_null(x);
    assert_false(x->persistable);
    assert_int_equal(x->type, ZOO_PD_LOD_TENSOR);
    assert_int_equal(x->ndim, 4);
    assert_int_equal(x->dims[0], -1);
    assert_int_equal(x->dims[3], 8);
    const zoo_pd_op *conv = &p.blocks[0].ops[1];
    const zoo_pd_slot *flt = zoo_pd_op_input(conv, "Filter");
    assert_non_null(flt);
    assert_int_equal(flt->n_args, 1);
    assert_string_equal(flt->args[0], "conv2d_0.w_0");
    assert_non_null(zoo_pd_op_output(conv, "Output"));
    assert_null(zoo_pd_op_input(conv, "Nope"));
    assert_null(zoo_pd_op_attr(conv, "op_callstack")); /* dropped */
    zoo_program_free(&p);
}

static void test_squeezenet_model_ops(void **state) {
    (void)state;
    char pf[PATH_MAX], path[PATH_MAX + 64];
    if (!pi_paddle_files(pf, sizeof pf)) skip();
    pi_fmt(path, sizeof path, "%s/legacy-squeezenet-gesture/model/__model__", pf);
    zoo_program p;
    load_ok(path, &p);
    check_ops(&p, "squeezenet_legacy", 1);
    zoo_program_free(&p);
}

static void test_tiny_pir_ops(void **state) {
    (void)state;
    char path[PATH_MAX];
    fixture(path, sizeof path, "tiny_pir/inference.json");
    zoo_program p;
    load_ok(path, &p);
    assert_true(p.is_pir);
    check_ops(&p, "tiny_pir", 0);
    /* operands are named by parameter / input name */
    int found = 0;
    for (int i = 0; i < p.blocks[0].n_ops; i++) {
        const zoo_pd_op *op = &p.blocks[0].ops[i];
        if (strcmp(op->type, "pd_op.conv2d") != 0) continue;
        found++;
        const zoo_pd_slot *in = zoo_pd_op_input(op, "I");
        assert_non_null(in);
        assert_int_equal(in->n_args, 2);
        assert_string_equal(in->args[0], "x");
        assert_string_equal(in->args[1], "conv2d_0.w_0");
        const zoo_pd_attr *s = zoo_pd_op_attr(op, "strides");
        assert_non_null(s);
        assert_int_equal(s->type, ZOO_PD_A_INTS);
        assert_int_equal(s->n_ints, 2);
        assert_int_equal(s->ints[0], 1);
        const zoo_pd_attr *g = zoo_pd_op_attr(op, "groups");
        assert_non_null(g);
        assert_int_equal(g->type, ZOO_PD_A_INT);
        assert_int_equal(g->i, 1);
        assert_string_equal(zoo_pd_op_attr(op, "data_format")->s, "NCHW");
    }
    assert_int_equal(found, 1);
    for (int i = 0; i < p.blocks[0].n_ops; i++) {
        const zoo_pd_op *op = &p.blocks[0].ops[i];
        if (strcmp(op->type, "pd_op.batch_norm_") != 0) continue;
        const zoo_pd_attr *eps = zoo_pd_op_attr(op, "epsilon");
        assert_non_null(eps);
        assert_int_equal(eps->type, ZOO_PD_A_FLOAT);
        assert_true((float)eps->f == 1e-5f);
        assert_int_equal(zoo_pd_op_attr(op, "is_test")->i, 1);
    }
    const zoo_pd_var *x = zoo_program_find_var(&p, "x");
    assert_non_null(x);
    assert_false(x->persistable);
    assert_int_equal(x->ndim, 4);
    assert_int_equal(x->dims[0], -1);
    zoo_program_free(&p);
}

/* ---- saved variables ----------------------------------------------------- */

static void check_saved(const zoo_program *p, const char *origin, const char *tag) {
    const zoo_pd_var **v;
    int n;
    zoo_error e = {0};
    if (zoo_program_saved_vars(p, origin, &v, &n, &e) != 0) fail_msg("%s", e.msg);
    pi_model m;
    pi_expected(tag, &m);
    assert_int_equal(n, m.n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(v[i]->name, m.t[i].name);
        zoo_dtype t;
        assert_int_equal(zoo_paddle_dtype(v[i]->dtype, &t, NULL), 0);
        assert_int_equal(t, pi_numpy_dtype(m.t[i].dtype));
        assert_int_equal(v[i]->ndim, m.t[i].ndim);
        for (int k = 0; k < v[i]->ndim; k++) assert_int_equal(v[i]->dims[k], m.t[i].dims[k]);
    }
    pi_model_free(&m);
    free(v);
}

static void test_saved_vars(void **state) {
    (void)state;
    char path[PATH_MAX];
    zoo_program p;
    fixture(path, sizeof path, "tiny_pdmodel/inference.pdmodel");
    load_ok(path, &p);
    check_saved(&p, path, "tiny_pdmodel");
    zoo_program_free(&p);
    fixture(path, sizeof path, "tiny_pir/inference.json");
    load_ok(path, &p);
    check_saved(&p, path, "tiny_pir");
    zoo_program_free(&p);

    char pf[PATH_MAX], q[PATH_MAX + 96];
    if (!pi_paddle_files(pf, sizeof pf)) return;
    pi_fmt(q, sizeof q, "%s/mobilenetv3-small-x0_35-3cls/inference/inference.pdmodel", pf);
    load_ok(q, &p);
    check_saved(&p, q, "mobilenetv3");
    zoo_program_free(&p);
    pi_fmt(q, sizeof q, "%s/legacy-squeezenet-gesture/model/__model__", pf);
    load_ok(q, &p);
    check_saved(&p, q, "squeezenet_legacy");
    zoo_program_free(&p);
}

/* ---- malformed ProgramDesc ------------------------------------------------ */

static void expect_parse_fail(const void *buf, size_t n, const char *needle) {
    zoo_program p;
    zoo_error e = {0};
    int rc = zoo_program_parse("prog.pdmodel", buf, n, &p, &e);
    if (rc != ZOO_ERR_INPUT) fail_msg("rc %d for %zu bytes: %s", rc, n, e.msg);
    assert_null(p.arena);
    pi_assert_message(&e, "prog.pdmodel");
    if (needle && !strstr(e.msg, needle)) fail_msg("expected '%s' in: %s", needle, e.msg);
}

static void test_truncated_programdesc(void **state) {
    (void)state;
    char path[PATH_MAX];
    fixture(path, sizeof path, "tiny_pdmodel/inference.pdmodel");
    size_t n;
    unsigned char *b = pi_read_file(path, &n);
    /* the first top-level field is block 0; any cut inside it is malformed */
    zoo_pb r;
    zoo_pb_field f;
    zoo_pb_init(&r, b, n);
    assert_int_equal(zoo_pb_next(&r, &f), 1);
    assert_int_equal(f.num, 1);
    size_t block_end = (size_t)(f.data - b) + f.len;
    for (size_t cut = 0; cut < block_end; cut++)
        expect_parse_fail(b, cut, cut == 0 ? "empty file" : NULL);
    free(b);
}

static void test_lying_programdesc(void **state) {
    (void)state;
    /* block { var { name "w" ... } } with the var's length 0x10 > the 3 bytes there */
    const uint8_t lie[] = {0x0a, 0x05, 0x1a, 0x10, 0x0a, 0x01, 'w'};
    expect_parse_fail(lie, sizeof lie, "length runs past the end");
    /* the block's own length beyond the buffer */
    const uint8_t lie2[] = {0x0a, 0x7f, 0x1a, 0x00};
    expect_parse_fail(lie2, sizeof lie2, "at byte 0");
    /* a 2^63 length */
    const uint8_t lie3[] = {0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f};
    expect_parse_fail(lie3, sizeof lie3, NULL);
    /* a var without a name */
    const uint8_t noname[] = {0x0a, 0x06, 0x1a, 0x04, 0x12, 0x02, 0x08, 0x07};
    expect_parse_fail(noname, sizeof noname, "variable without a name");
    /* a known field with the wrong wire type: VarDesc.name as a varint */
    const uint8_t wire[] = {0x0a, 0x04, 0x1a, 0x02, 0x08, 0x01};
    expect_parse_fail(wire, sizeof wire, "unexpected wire type");
    /* 9 dims in a TensorDesc */
    uint8_t nine[64];
    size_t k = 0;
    nine[k++] = 0x0a, nine[k++] = 0, nine[k++] = 0x1a, nine[k++] = 0;
    nine[k++] = 0x0a, nine[k++] = 1, nine[k++] = 'w';
    nine[k++] = 0x12, nine[k++] = 0;                      /* VarType */
    nine[k++] = 0x08, nine[k++] = 7;                      /* LOD_TENSOR */
    nine[k++] = 0x1a, nine[k++] = 0;                      /* lod_tensor */
    nine[k++] = 0x0a, nine[k++] = 0;                      /* tensor */
    nine[k++] = 0x08, nine[k++] = 5;
    for (int i = 0; i < 9; i++) nine[k++] = 0x10, nine[k++] = 1;
    nine[14] = (uint8_t)(k - 15);
    nine[12] = (uint8_t)(k - 13);
    nine[8] = (uint8_t)(k - 9);
    nine[3] = (uint8_t)(k - 4);
    nine[1] = (uint8_t)(k - 2);
    expect_parse_fail(nine, k, "too many dims");
    /* and with 8 dims it parses */
    k -= 2;
    nine[14] = (uint8_t)(k - 15), nine[12] = (uint8_t)(k - 13), nine[8] = (uint8_t)(k - 9);
    nine[3] = (uint8_t)(k - 4), nine[1] = (uint8_t)(k - 2);
    zoo_program p;
    zoo_error e = {0};
    assert_int_equal(zoo_program_parse("p", nine, k, &p, &e), 0);
    assert_int_equal(p.blocks[0].vars[0].ndim, 8);
    zoo_program_free(&p);
}

static void test_saved_vars_refuses_non_tensors(void **state) {
    (void)state;
    /* persistable SELECTED_ROWS variable "w" */
    const uint8_t sr[] = {0x0a, 0x0f, 0x1a, 0x0d, 0x0a, 0x01, 'w', 0x12, 0x06,
                          0x08, 0x08, 0x12, 0x02, 0x08, 0x05, 0x18, 0x01};
    zoo_program p;
    zoo_error e = {0};
    assert_int_equal(zoo_program_parse("sr.pdmodel", sr, sizeof sr, &p, &e), 0);
    const zoo_pd_var **v;
    int n;
    assert_int_equal(zoo_program_saved_vars(&p, "sr.pdmodel", &v, &n, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, "sr.pdmodel");
    assert_non_null(strstr(e.msg, "persistable variable w has variable type 8"));
    zoo_program_free(&p);
}

/* 1000 random byte mutations of a real file: parse must succeed or fail with
 * ZOO_ERR_INPUT and a one-line message; never crash (ASan). */
static void mutate_and_parse(const char *path, int json) {
    size_t n;
    unsigned char *orig = pi_read_file(path, &n);
    unsigned char *b = malloc(n);
    assert_non_null(b);
    test_rng rng = {0x5eed + (uint64_t)json};
    int ok = 0, bad = 0;
    for (int it = 0; it < 1000; it++) {
        memcpy(b, orig, n);
        int flips = test_rng_int(&rng, 1, 8);
        for (int k = 0; k < flips; k++) {
            size_t at = (size_t)test_rng_u32(&rng) % n;
            b[at] = json && (test_rng_u32(&rng) & 1) ? (unsigned char)"{}[]\",:0-9ae"[test_rng_int(&rng, 0, 12)]
                                                    : (unsigned char)test_rng_u32(&rng);
        }
        size_t len = (test_rng_u32(&rng) & 3) == 0 ? (size_t)test_rng_u32(&rng) % n : n;
        zoo_program p;
        zoo_error e = {0};
        int rc = json ? zoo_pir_json_parse("m.json", (const char *)b, len, &p, &e)
                      : zoo_program_parse("m.pdmodel", b, len, &p, &e);
        if (rc == 0) {
            ok++;
            const zoo_pd_var **v;
            int nv;
            if (zoo_program_saved_vars(&p, "m", &v, &nv, &e) == 0) free(v);
            zoo_program_free(&p);
        } else {
            if (rc != ZOO_ERR_INPUT) fail_msg("rc %d: %s", rc, e.msg);
            pi_assert_message(&e, json ? "m.json" : "m.pdmodel");
            bad++;
        }
    }
    assert_true(bad > 0);
    free(b);
    free(orig);
}

static void test_mutations(void **state) {
    (void)state;
    char path[PATH_MAX];
    fixture(path, sizeof path, "tiny_pdmodel/inference.pdmodel");
    mutate_and_parse(path, 0);
    fixture(path, sizeof path, "tiny_pir/inference.json");
    mutate_and_parse(path, 1);
}

/* ---- malformed PIR --------------------------------------------------------- */

static void expect_pir_fail(const char *doc, const char *needle) {
    zoo_program p;
    zoo_error e = {0};
    int rc = zoo_pir_json_parse("bad.json", doc, strlen(doc), &p, &e);
    if (rc != ZOO_ERR_INPUT) fail_msg("rc %d for %s: %s", rc, doc, e.msg);
    pi_assert_message(&e, "bad.json");
    if (needle && !strstr(e.msg, needle)) fail_msg("expected '%s' in: %s", needle, e.msg);
}

#define HEAD "{\"base_code\":{\"magic\":\"pir\",\"version\":1},\"program\":{\"regions\":[{\"blocks\":[{\"ops\":["
#define TAIL "]}]}]}}"
#define PARAM(name, dt, dims, id) \
    "{\"#\":\"p\",\"A\":[0,1,1," name "],\"O\":{\"%\":" id ",\"TT\":{\"#\":\"0.t_dtensor\",\"D\":[{\"#\":\"" dt "\"}," dims ",\"NCHW\",[],0]}},\"OA\":[1,0,1]}"

static void test_pir_malformed(void **state) {
    (void)state;
    expect_pir_fail("", "empty file");
    expect_pir_fail("{\"base_code\": ", "invalid JSON");
    expect_pir_fail("[1,2]", "top level");
    expect_pir_fail("{}", "magic");
    expect_pir_fail("{\"base_code\":{\"magic\":\"xyz\"}}", "magic");
    expect_pir_fail("{\"base_code\":{\"magic\":\"pir\"}}", "program.regions");
    expect_pir_fail("{\"base_code\":{\"magic\":\"pir\"},\"program\":{\"regions\":[]}}", "no blocks");
    expect_pir_fail(HEAD "{\"#\":\"p\",\"A\":[0,1,1],\"O\":{\"%\":1}}" TAIL, "without a name");
    expect_pir_fail(HEAD PARAM("\"w\"", "0.t_f8", "[2]", "1") TAIL, "unsupported data type 0.t_f8");
    expect_pir_fail(HEAD PARAM("\"w\"", "0.t_f32", "[1,1,1,1,1,1,1,1,1]", "1") TAIL, "too many dims");
    expect_pir_fail(HEAD PARAM("\"w\"", "0.t_f32", "[2.5]", "1") TAIL, "non-integer");
    expect_pir_fail(HEAD PARAM("\"w\"", "0.t_f32", "[2]", "1") "," PARAM("\"v\"", "0.t_f32", "[2]", "1") TAIL,
                    "share an id");
    expect_pir_fail(HEAD "{\"#\":\"p\",\"A\":[0,1,1,\"w\"]}" TAIL, "result value");
    expect_pir_fail(HEAD "{\"A\":[]}" TAIL, "op without a name");
    expect_pir_fail(HEAD "{\"#\":\"1.data\",\"A\":[],\"O\":[]}" TAIL, "data op without a name");
    expect_pir_fail("{\"base_code\":{\"magic\":\"pir\"},\"base_code\":{}}", "invalid JSON"); /* duplicate key */

    /* a well-formed minimal program; a bf16 parameter; unknown keys ignored */
    const char *good = HEAD PARAM("\"w\"", "0.t_bf16", "[3,2]", "1") ","
        "{\"#\":\"1.relu\",\"I\":[{\"%\":1}],\"O\":[{\"%\":2,\"TT\":{\"#\":\"0.t_dtensor\"}}],\"A\":[],\"zz\":1}" TAIL;
    zoo_program p;
    zoo_error e = {0};
    if (zoo_pir_json_parse("good.json", good, strlen(good), &p, &e) != 0) fail_msg("%s", e.msg);
    assert_int_equal(p.blocks[0].n_vars, 1);
    assert_int_equal(p.blocks[0].vars[0].dtype, ZOO_PD_BF16);
    assert_int_equal(p.blocks[0].n_ops, 2);
    assert_string_equal(p.blocks[0].ops[0].type, "builtin.parameter");
    assert_string_equal(p.blocks[0].ops[1].type, "pd_op.relu");
    assert_string_equal(p.blocks[0].ops[1].inputs[0].args[0], "w");
    assert_string_equal(p.blocks[0].ops[1].outputs[0].args[0], "%2");
    zoo_program_free(&p);
    /* complex parameters are a valid program; the record reader refuses them */
    const char *cx = HEAD PARAM("\"w\"", "0.t_c64", "[2]", "1") TAIL;
    assert_int_equal(zoo_pir_json_parse("c.json", cx, strlen(cx), &p, &e), 0);
    assert_int_equal(p.blocks[0].vars[0].dtype, ZOO_PD_COMPLEX64);
    zoo_program_free(&p);
}

static void test_load_any(void **state) {
    (void)state;
    char src[PATH_MAX], tmp[PATH_MAX], path[PATH_MAX + 32];
    fixture(src, sizeof src, "tiny_pir/inference.json");
    size_t n;
    unsigned char *b = pi_read_file(src, &n);
    test_tmpdir(tmp, sizeof tmp);
    pi_fmt(path, sizeof path, "%s/model.anything", tmp);
    unsigned char *w = malloc(n + 3);
    assert_non_null(w);
    memcpy(w, " \n\t", 3);
    memcpy(w + 3, b, n);
    pi_write_file(path, w, n + 3);
    zoo_program p;
    load_ok(path, &p);
    assert_true(p.is_pir);
    zoo_program_free(&p);
    /* empty file, missing file */
    pi_write_file(path, "", 0);
    zoo_error e = {0};
    assert_int_equal(zoo_program_load_any(path, &p, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, path);
    pi_fmt(path, sizeof path, "%s/missing", tmp);
    assert_int_equal(zoo_program_load_any(path, &p, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, path);
    assert_int_equal(zoo_program_load(tmp, &p, &e), ZOO_ERR_INPUT); /* a directory */
    free(w);
    free(b);
    test_rmtree(tmp);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_pdmodel_ops),
        cmocka_unit_test(test_squeezenet_model_ops),
        cmocka_unit_test(test_tiny_pir_ops),
        cmocka_unit_test(test_saved_vars),
        cmocka_unit_test(test_truncated_programdesc),
        cmocka_unit_test(test_lying_programdesc),
        cmocka_unit_test(test_saved_vars_refuses_non_tensors),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_pir_malformed),
        cmocka_unit_test(test_load_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
