/* tests/unit/test_pickle.c - the safe pickle VM (converter/pickle.c).
 *
 * Real pickles (tests/fixtures/pickle, written by Python's pickle module, numpy
 * and Paddle; see make_fixtures.py there) must give the values Python reads;
 * hostile pickles made with the same writer (os.system, subprocess.Popen,
 * builtins.eval with another form) must be refused with a message naming the
 * global and the byte offset. Damaged input - every truncation of small real
 * files, random byte flips, lying lengths, bad memo indexes, stack/mark
 * underflow, deep nesting - must fail cleanly (ZOO_ERR_INPUT, one line), never
 * crash; run under ASan/UBSan with `make SAN=1`. Hand-written byte strings
 * below are the malformed inputs no real writer produces.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "converter/pickle.h"
#include "support/test_support.h"

/* ---- helpers ---------------------------------------------------------------- */

static uint8_t *load_fixture(const char *name, size_t *len) {
    char b[PATH_MAX], p[PATH_MAX + 64];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(p, sizeof p, "%s/../tests/fixtures/pickle/%s", b, name);
    FILE *f = fopen(p, "rb");
    if (!f) fail_msg("missing fixture %s", p);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc((size_t)n + 1);
    assert_non_null(d);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* Parses and expects failure with ZOO_ERR_INPUT and `needle` in the message. */
static void expect_fail(const void *data, size_t len, const char *needle) {
    zoo_error e = {0};
    zoo_pk_doc *d = zoo_pk_parse(data, len, "t.pkl", NULL, &e);
    if (d) {
        zoo_pk_free(d);
        fail_msg("parse succeeded, expected an error containing '%s'", needle);
    }
    assert_int_equal(e.code, ZOO_ERR_INPUT);
    if (!strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
    assert_non_null(strstr(e.msg, "t.pkl: byte "));
    assert_null(strchr(e.msg, '\n'));
}

static void expect_fail_lim(const void *data, size_t len, const zoo_pk_limits *lim,
                            const char *needle) {
    zoo_error e = {0};
    zoo_pk_doc *d = zoo_pk_parse(data, len, "t.pkl", lim, &e);
    if (d) {
        zoo_pk_free(d);
        fail_msg("parse succeeded, expected '%s'", needle);
    }
    assert_int_equal(e.code, ZOO_ERR_INPUT);
    if (!strstr(e.msg, needle)) fail_msg("message '%s' lacks '%s'", e.msg, needle);
}

#define FAILS(lit, needle) expect_fail((lit), sizeof(lit) - 1, (needle))

static zoo_pk_doc *parse_ok(const uint8_t *d, size_t n) {
    zoo_error e = {0};
    zoo_pk_doc *doc = zoo_pk_parse(d, n, "t.pkl", NULL, &e);
    if (!doc) fail_msg("parse failed: %s", e.msg);
    return doc;
}

static const zoo_pk_value *get(const zoo_pk_value *dict, const char *k) {
    const zoo_pk_value *v = zoo_pk_dict_get(dict, k);
    if (!v) fail_msg("key %s missing", k);
    return v;
}

static void assert_int_value(const zoo_pk_value *v, int64_t want) {
    assert_int_equal(v->kind, ZOO_PK_INT);
    assert_true(v->u.i == want);
}

/* ---- real values ------------------------------------------------------------ */

/* values_p{2,3,4}.pkl: pickle.dump of the dict in make_fixtures.py:value_fixtures */
static void check_values(const char *file) {
    size_t n;
    uint8_t *data = load_fixture(file, &n);
    zoo_pk_doc *doc = parse_ok(data, n);
    const zoo_pk_value *r = zoo_pk_root(doc);
    assert_int_equal(r->kind, ZOO_PK_DICT);
    assert_int_equal(r->u.dict.n, 20);
    assert_true(zoo_pk_text_eq(r->u.dict.keys[0], "none")); /* insertion order kept */
    assert_int_equal(get(r, "none")->kind, ZOO_PK_NONE);
    assert_true(get(r, "true")->kind == ZOO_PK_BOOL && get(r, "true")->u.b);
    assert_true(get(r, "false")->kind == ZOO_PK_BOOL && !get(r, "false")->u.b);
    assert_int_value(get(r, "k1"), 5);
    assert_int_value(get(r, "k2"), 300);
    assert_int_value(get(r, "j"), -70000);
    assert_int_value(get(r, "l1"), (int64_t)1 << 40);
    assert_int_value(get(r, "lmin"), INT64_MIN);
    assert_int_value(get(r, "lmax"), INT64_MAX);
    assert_int_equal(get(r, "float")->kind, ZOO_PK_FLOAT);
    assert_true(get(r, "float")->u.f == 1.25);
    const zoo_pk_value *s = get(r, "str");
    assert_int_equal(s->kind, ZOO_PK_STR);
    char *txt = zoo_pk_text_dup(s);
    assert_string_equal(txt, "h\xc3\xa9llo \xe2\x82\xac"); /* UTF-8 as written */
    free(txt);
    const zoo_pk_value *b = get(r, "bytes");
    assert_int_equal(b->kind, ZOO_PK_BYTES);
    assert_int_equal(b->u.s.n, 4);
    assert_memory_equal(b->u.s.p, "\x00\xff\x80" "a", 4);
    assert_int_equal(get(r, "empty_bytes")->kind, ZOO_PK_BYTES);
    assert_int_equal(get(r, "empty_bytes")->u.s.n, 0);
    const zoo_pk_value *t4 = get(r, "tuple4");
    assert_int_equal(t4->kind, ZOO_PK_TUPLE);
    assert_int_equal(t4->u.seq.n, 4);
    assert_int_value(t4->u.seq.items[3], 4);
    assert_int_equal(get(r, "tuple1")->u.seq.n, 1);
    const zoo_pk_value *l = get(r, "list");
    assert_int_equal(l->kind, ZOO_PK_LIST);
    assert_int_equal(l->u.seq.n, 2);
    assert_int_equal(l->u.seq.items[1]->kind, ZOO_PK_LIST);
    assert_int_value(l->u.seq.items[1]->u.seq.items[1], 3);
    assert_int_value(get(get(get(r, "dict"), "a"), "b"), 2);
    const zoo_pk_value *od = get(r, "od");
    assert_int_equal(od->kind, ZOO_PK_DICT);
    assert_int_equal(od->u.dict.n, 2);
    assert_true(zoo_pk_text_eq(od->u.dict.keys[0], "z"));
    assert_int_value(get(od, "y"), 2);
    const zoo_pk_value *sh = get(r, "shared"); /* memo: the same list twice */
    assert_ptr_equal(sh->u.seq.items[0], sh->u.seq.items[1]);
    assert_int_equal(get(r, "long_str")->u.s.n, 300);
    assert_int_equal(zoo_pk_end(doc), n);
    zoo_pk_free(doc);
    free(data);
}

static void test_values_p2(void **state) {
    (void)state;
    check_values("values_p2.pkl");
}
static void test_values_p3(void **state) {
    (void)state;
    check_values("values_p3.pkl");
}
static void test_values_p4(void **state) {
    (void)state;
    check_values("values_p4.pkl");
}

static void test_protocol_recorded(void **state) {
    (void)state;
    const char *files[] = {"tiny_p2.pdparams", "tiny_p3.pdparams", "tiny_p4.pdparams"};
    for (int i = 0; i < 3; i++) {
        size_t n;
        uint8_t *d = load_fixture(files[i], &n);
        zoo_pk_doc *doc = parse_ok(d, n);
        assert_int_equal(zoo_pk_protocol(doc), i + 2);
        zoo_pk_free(doc);
        free(d);
    }
}

/* Paddle's _pickle_save of [DenseTensor]: builtins.eval('data', {'data': A}) is A */
static void test_paddle_eval_form(void **state) {
    (void)state;
    size_t n;
    uint8_t *d = load_fixture("pickle_save_list_p4.pkl", &n);
    zoo_pk_doc *doc = parse_ok(d, n);
    const zoo_pk_value *r = zoo_pk_root(doc);
    assert_int_equal(r->kind, ZOO_PK_LIST);
    assert_int_equal(r->u.seq.n, 1);
    const zoo_pk_value *a = r->u.seq.items[0];
    assert_int_equal(a->kind, ZOO_PK_NDARRAY);
    assert_true(a->u.nd.built);
    assert_int_equal(a->u.nd.shape->u.seq.n, 1);
    assert_int_value(a->u.nd.shape->u.seq.items[0], 4);
    assert_int_equal(a->u.nd.dtype->u.dt.code_n, 2);
    assert_memory_equal(a->u.nd.dtype->u.dt.code, "i8", 2);
    assert_int_equal(a->u.nd.dtype->u.dt.order, '<');
    assert_int_equal(a->u.nd.data->u.s.n, 32);
    int64_t v[4];
    memcpy(v, a->u.nd.data->u.s.p, 32);
    for (int i = 0; i < 4; i++) assert_true(v[i] == i - 2); /* np.arange(4) - 2 */
    zoo_pk_free(doc);
    free(d);
}

/* ---- hostile pickles (written by Python's pickle module) --------------------- */

static void refused_fixture(const char *file, const char *needle) {
    size_t n;
    uint8_t *d = load_fixture(file, &n);
    expect_fail(d, n, needle);
    free(d);
}

static void test_refuses_os_system(void **state) {
    (void)state;
    /* os.system pickles as posix.system on Linux */
    refused_fixture("evil_os_system_p2.pkl", "pickle asks for posix.system: refused");
    refused_fixture("evil_os_system_p4.pkl", "pickle asks for posix.system: refused");
    /* the same with the name os.system, via GLOBAL and STACK_GLOBAL */
    FAILS("\x80\x02" "cos\nsystem\nX\x02\x00\x00\x00id\x85R.", "byte 2: pickle asks for os.system: refused");
    FAILS("\x80\x04\x8c\x02os\x8c\x06system\x93.", "byte 14: pickle asks for os.system: refused");
}

static void test_refuses_subprocess(void **state) {
    (void)state;
    refused_fixture("evil_subprocess_p4.pkl", "pickle asks for subprocess.Popen: refused");
}

static void test_refuses_other_eval(void **state) {
    (void)state;
    refused_fixture("evil_eval_p4.pkl", "builtins.eval with another form");
    refused_fixture("evil_eval_dict_p4.pkl", "builtins.eval with another form");
    refused_fixture("evil_eval_expr_p2.pkl", "builtins.eval with another form");
}

static void test_refuses_calls(void **state) {
    (void)state;
    FAILS("\x80\x02" "cbuiltins\ngetattr\n.", "builtins.getattr: refused");
    FAILS("\x80\x02" "c__builtin__\n__import__\n.", "__builtin__.__import__: refused");
    /* allow-listed globals with other arguments */
    FAILS("\x80\x02" "cbuiltins\nbytes\nK\x05\x85R.", "REDUCE of builtins.bytes");
    FAILS("\x80\x02" "c_codecs\nencode\nX\x01\x00\x00\x00" "aX\x05\x00\x00\x00utf_8\x86R.",
          "REDUCE of _codecs.encode");
    FAILS("\x80\x02" "cnumpy\nndarray\n)R.", "REDUCE of numpy.ndarray");
    /* _codecs.encode of text with a code point above 0xFF */
    FAILS("\x80\x02" "c_codecs\nencode\nX\x03\x00\x00\x00\xe2\x82\xacX\x06\x00\x00\x00latin1\x86R.",
          "not latin-1");
    /* calling something that is not a global, BUILD on a plain value */
    FAILS("\x80\x02K\x01)R.", "REDUCE calls a int");
    FAILS("\x80\x02K\x01}b.", "BUILD on a int");
    /* opcodes that would instantiate classes or need outside state */
    FAILS("\x80\x02" "cbuiltins\ntuple\n)\x81.", "NEWOBJ would instantiate");
    FAILS("\x80\x02" "cbuiltins\ntuple\n)}\x92.", "NEWOBJ_EX would instantiate");
    FAILS("\x80\x02(i__main__\nX\n.", "INST would instantiate");
    FAILS("\x80\x02K\x01Q.", "BINPERSID");
    FAILS("\x80\x02\x82\x01.", "extension registry");
    FAILS("\x80\x04\x8f.", "sets");
    FAILS("\x80\x02I1\n.", "protocol 0");
    FAILS("\x80\x05\x97.", "protocol 5 is not supported");
    FAILS("\x80\x02\xff.", "unknown pickle opcode 0xff");
}

/* ---- damaged input ---------------------------------------------------------- */

/* Every proper prefix of a real file must fail cleanly; the whole file parses. */
static void truncate_everywhere(const char *file) {
    size_t n;
    uint8_t *d = load_fixture(file, &n);
    for (size_t cut = 0; cut < n; cut++) {
        /* a fresh copy of exactly `cut` bytes so ASan sees any overread */
        uint8_t *c = malloc(cut ? cut : 1);
        assert_non_null(c);
        memcpy(c, d, cut);
        zoo_error e = {0};
        zoo_pk_doc *doc = zoo_pk_parse(c, cut, "t.pkl", NULL, &e);
        if (doc) fail_msg("%s cut at %zu parsed", file, cut);
        assert_int_equal(e.code, ZOO_ERR_INPUT);
        assert_non_null(strstr(e.msg, "t.pkl: byte "));
        free(c);
    }
    zoo_pk_free(parse_ok(d, n));
    free(d);
}

static void test_truncated_everywhere(void **state) {
    (void)state;
    truncate_everywhere("tiny_p2.pdparams");
    truncate_everywhere("tiny_p4.pdparams");
    truncate_everywhere("dtypes_p2.pdparams");
    truncate_everywhere("pickle_save_p4.pdparams");
    truncate_everywhere("values_p4.pkl");
}

static void test_truncation_message(void **state) {
    (void)state;
    FAILS("\x80\x04" "B\x00\x10\x00\x00" "abc", "byte 2: truncated pickle: BINBYTES needs 4096 more bytes, 3 left");
    FAILS("\x80\x02}q", "truncated pickle: BINPUT needs 1 more bytes, 0 left");
    FAILS("\x80\x02}", "truncated pickle: no STOP opcode");
    FAILS("", "byte 0: truncated pickle: no STOP opcode");
}

/* Random byte flips of real files: any outcome but a crash or a leak. */
static void test_random_corruption(void **state) {
    (void)state;
    const char *files[] = {"tiny_p2.pdparams", "tiny_p4.pdparams", "values_p2.pkl", "values_p4.pkl",
                           "pickle_save_p4.pdparams"};
    test_rng rng = {0x9e3779b97f4a7c15ull};
    for (int f = 0; f < 5; f++) {
        size_t n;
        uint8_t *d = load_fixture(files[f], &n);
        uint8_t *c = malloc(n);
        assert_non_null(c);
        for (int iter = 0; iter < 1500; iter++) {
            memcpy(c, d, n);
            int flips = test_rng_int(&rng, 1, 4);
            for (int k = 0; k < flips; k++)
                c[test_rng_int(&rng, 0, (int)n - 1)] = (uint8_t)test_rng_u32(&rng);
            zoo_error e = {0};
            zoo_pk_doc *doc = zoo_pk_parse(c, n, "t.pkl", NULL, &e);
            if (doc) zoo_pk_free(doc);
            else {
                assert_true(e.code == ZOO_ERR_INPUT || e.code == ZOO_ERR_RUNTIME);
                assert_true(e.msg[0] != '\0');
                assert_null(strchr(e.msg, '\n'));
            }
        }
        free(c);
        free(d);
    }
}

static void test_lying_lengths(void **state) {
    (void)state;
    FAILS("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\x7f" "abc.", "BINBYTES8 needs 9223372036854775807 more bytes");
    FAILS("\x80\x04\x8e\xff\xff\xff\xff\xff\xff\xff\xff" "abc.", "BINBYTES8 needs");
    FAILS("\x80\x04\x8d\x00\x00\x00\x00\x01\x00\x00\x00" "abc.", "BINUNICODE8 needs 4294967296 more bytes");
    FAILS("\x80\x02X\xff\xff\xff\xff" "abc.", "BINUNICODE needs 4294967295 more bytes");
    FAILS("\x80\x03" "C\x0a" "abc.", "SHORT_BINBYTES needs 10 more bytes, 4 left");
    FAILS("\x80\x02U\x05" "ab.", "SHORT_BINSTRING needs 5 more bytes");
    FAILS("\x80\x02T\xff\xff\xff\xff" "ab.", "BINSTRING with negative length");
    FAILS("\x80\x04\x95\xe8\x03\x00\x00\x00\x00\x00\x00N.", "FRAME needs 1000 more bytes, 2 left");
    FAILS("\x80\x02\x8a\x09\x01\x02\x03\x04\x05\x06\x07\x08\x09.", "LONG1 integer of 9 bytes is too large");
    FAILS("\x80\x02\x8b\x00\x00\x00\x80.", "LONG4 with a negative length");
    FAILS("\x80\x02\x8b\x10\x00\x00\x00" "0123456789abcdef.", "LONG4 integer of 16 bytes is too large");
    FAILS("\x80\x02" "cnumpy", "GLOBAL name without a newline");
    char longname[600];
    memset(longname, 'a', sizeof longname);
    memcpy(longname, "\x80\x02" "c", 3);
    longname[sizeof longname - 2] = '\n';
    longname[sizeof longname - 1] = '.';
    expect_fail(longname, sizeof longname, "GLOBAL name longer than 256 bytes");
    /* Python's own writer for 2**64 (a 9-byte LONG1) */
    refused_fixture("bigint_p4.pkl", "LONG1 integer of 9 bytes is too large (at most 8)");
}

static void test_memo(void **state) {
    (void)state;
    FAILS("\x80\x02h\x05.", "memo index 5 is not set");
    FAILS("\x80\x02j\xff\xff\xff\xff.", "memo index 4294967295 is not set");
    FAILS("\x80\x02Nr\xff\xff\xff\xff.", "memo index 4294967295 out of range");
    FAILS("\x80\x02q\x00.", "memo store with an empty stack");
    FAILS("\x80\x02\x94.", "memo store with an empty stack");
    /* MEMOIZE numbers entries as Python does: len(memo) */
    const uint8_t ok[] = "\x80\x04K\x07\x94K\x08\x94h\x01.";
    zoo_pk_doc *doc = parse_ok(ok, sizeof ok - 1);
    assert_int_value(zoo_pk_root(doc), 8);
    zoo_pk_free(doc);
}

static void test_stack_and_mark_underflow(void **state) {
    (void)state;
    FAILS("\x80\x02.", "STOP with an empty stack");
    FAILS("\x80\x02" "a.", "stack underflow in APPEND");
    FAILS("\x80\x02K\x01K\x02" "a.", "APPEND to a int");
    FAILS("\x80\x02](a.", "stack underflow in APPEND");      /* pops never cross a MARK */
    FAILS("\x80\x02}(s.", "stack underflow in SETITEM");
    FAILS("\x80\x02t.", "TUPLE without a MARK");
    FAILS("\x80\x02u.", "SETITEMS without a MARK");
    FAILS("\x80\x02(K\x01u.", "SETITEMS with an odd number of items");
    FAILS("\x80\x02(K\x01K\x02u.", "SETITEMS without a dict below the MARK");
    FAILS("\x80\x02K\x01(K\x01K\x02u.", "SETITEMS on a int");
    FAILS("\x80\x02(e.", "APPENDS without a list below the MARK");
    FAILS("\x80\x02" "0.", "stack underflow in POP");
    FAILS("\x80\x02" "1.", "POP_MARK without a MARK");
    FAILS("\x80\x02" "2.", "stack underflow in DUP");
    FAILS("\x80\x02\x85.", "stack underflow in TUPLE1");
    FAILS("\x80\x02K\x01\x87.", "stack underflow in TUPLE3");
    FAILS("\x80\x02R.", "stack underflow in REDUCE");
    FAILS("\x80\x02" "b.", "stack underflow in BUILD");
    FAILS("\x80\x02\x93.", "stack underflow in STACK_GLOBAL");
    FAILS("\x80\x02K\x01K\x02\x93.", "STACK_GLOBAL needs two str");
    FAILS("\x80\x02}]K\x01s.", "not hashable");
    FAILS("\x80\x02(K\x01" "d.", "DICT with an odd number of items");
    /* POP with nothing above the mark drops the mark (CPython) */
    const uint8_t ok[] = "\x80\x02K\x05(0.";
    zoo_pk_doc *doc = parse_ok(ok, sizeof ok - 1);
    assert_int_value(zoo_pk_root(doc), 5);
    zoo_pk_free(doc);
}

static void test_deep_nesting_and_limits(void **state) {
    (void)state;
    /* 100000 MARKs: the MARK nesting limit (256) stops it */
    size_t n = 100000;
    uint8_t *b = malloc(n + 3);
    assert_non_null(b);
    b[0] = 0x80;
    b[1] = 2;
    memset(b + 2, '(', n);
    b[n + 2] = '.';
    expect_fail(b, n + 3, "MARK nesting deeper than 256");
    free(b);

    /* a list nested 200000 deep: ] x N then a x (N-1); no recursion anywhere */
    size_t depth = 200000;
    b = malloc(2 * depth + 3);
    assert_non_null(b);
    b[0] = 0x80;
    b[1] = 2;
    memset(b + 2, ']', depth);
    memset(b + 2 + depth, 'a', depth - 1);
    b[2 * depth + 1] = '.';
    zoo_pk_doc *doc = parse_ok(b, 2 * depth + 2);
    const zoo_pk_value *v = zoo_pk_root(doc);
    size_t levels = 0;
    while (v->kind == ZOO_PK_LIST && v->u.seq.n == 1) {
        v = v->u.seq.items[0];
        levels++;
    }
    assert_int_equal(levels, depth - 1);
    zoo_pk_free(doc);
    /* the same against small limits */
    zoo_pk_limits lim = {.max_stack = 1000};
    expect_fail_lim(b, 2 * depth + 2, &lim, "stack deeper than 1000");
    zoo_pk_limits lim2 = {.max_values = 5000};
    expect_fail_lim(b, 2 * depth + 2, &lim2, "more than 5000 values");
    zoo_pk_limits lim3 = {.max_memo = 10};
    expect_fail_lim((const uint8_t *)"\x80\x02Nq\x0a.", 6, &lim3, "memo index 10 out of range (limit 10)");
    free(b);

    /* a list that contains itself: parses and frees without looping */
    const uint8_t cyc[] = "\x80\x02]q\x00h\x00" "a.";
    doc = parse_ok(cyc, sizeof cyc - 1);
    const zoo_pk_value *r = zoo_pk_root(doc);
    assert_ptr_equal(r->u.seq.items[0], r);
    zoo_pk_free(doc);
}

static void test_numpy_state_checks(void **state) {
    (void)state;
    /* BUILD twice on one array, wrong state shapes, object arrays, structured dtypes */
#define ND "cnumpy\n_reconstruct\n" /* not allow-listed under this module name */
    FAILS("\x80\x02" ND ".", "numpy._reconstruct: refused");
#undef ND
#define RECON "cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" "C\x01" "b\x87R"
#define DT "cnumpy\ndtype\nX\x02\x00\x00\x00" "f4\x89\x88\x87R(K\x03X\x01\x00\x00\x00<NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb"
    FAILS("\x80\x03" RECON "(K\x01K\x02\x85" DT "\x89" "C\x08" "abcdefgh" "tb(K\x01K\x02\x85" DT "\x89" "C\x08" "abcdefgh" "tb.",
          "BUILD applied twice");
    FAILS("\x80\x03" RECON "K\x01" "b.", "ndarray state is not a 4- or 5-tuple");
    FAILS("\x80\x03" RECON "(K\x02K\x02\x85" DT "\x89" "C\x08" "abcdefgh" "tb.", "state version is not 1");
    FAILS("\x80\x03" RECON "(K\x01K\x02\x85K\x00\x89" "C\x08" "abcdefgh" "tb.", "ndarray dtype is a int");
    FAILS("\x80\x03" RECON "(K\x01J\xff\xff\xff\xff\x85" DT "\x89" "C\x08" "abcdefgh" "tb.", "not a non-negative int");
    FAILS("\x80\x03" RECON "(K\x01K\x02\x85" DT "\x89]tb.", "ndarray of Python objects: refused");
    FAILS("\x80\x03" "cnumpy\ndtype\nX\x02\x00\x00\x00" "f4\x89\x88\x87R(K\x03X\x01\x00\x00\x00<N(tNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",
          "structured or sub-array dtype");
    FAILS("\x80\x03" "cnumpy\ndtype\nX\x02\x00\x00\x00" "f4\x89\x88\x87R(K\x03X\x01\x00\x00\x00?NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb.",
          "no valid version / byte order");
    /* a well-formed array built by hand from the same pieces parses */
    const uint8_t ok[] = "\x80\x03" RECON "(K\x01K\x02\x85" DT "\x89" "C\x08" "abcdefgh" "tb.";
    zoo_pk_doc *doc = parse_ok(ok, sizeof ok - 1);
    const zoo_pk_value *a = zoo_pk_root(doc);
    assert_int_equal(a->kind, ZOO_PK_NDARRAY);
    assert_true(a->u.nd.built);
    assert_int_equal(a->u.nd.data->u.s.n, 8);
    zoo_pk_free(doc);
#undef RECON
#undef DT
}

/* ---- the protocol-2 bytes decoder (_codecs.encode(text, "latin1")) ------------ */

/* Reference: the obvious per-byte decoder; returns the length or -1. */
static long ref_latin1(const uint8_t *u, size_t n, uint8_t *out) {
    size_t i = 0, j = 0;
    while (i < n) {
        if (u[i] < 0x80) out[j++] = u[i++];
        else if ((u[i] == 0xC2 || u[i] == 0xC3) && i + 1 < n && (u[i + 1] & 0xC0) == 0x80) {
            out[j++] = (uint8_t)(((u[i] & 3) << 6) | (u[i + 1] & 0x3F));
            i += 2;
        } else return -1;
    }
    return (long)j;
}

/* A protocol-2 pickle of _codecs.encode(<utf8 text>, 'latin1') as Python writes it. */
static size_t encode_pickle(const uint8_t *u, size_t n, uint8_t *pk) {
    size_t o = 0;
    memcpy(pk, "\x80\x02" "c_codecs\nencode\nX", 19);
    o = 19;
    for (int k = 0; k < 4; k++) pk[o++] = (uint8_t)(n >> (8 * k));
    memcpy(pk + o, u, n);
    o += n;
    memcpy(pk + o, "X\x06\x00\x00\x00latin1\x86R.", 14);
    return o + 14;
}

/* Every length around the 8-byte blocks of the fast decoder, mostly-high and
 * mostly-ASCII contents, and every single-byte corruption of short texts: the
 * VM must agree with the reference decoder on validity and on the bytes. */
static void test_latin1_decoder(void **state) {
    (void)state;
    test_rng rng = {777};
    uint8_t raw[80], u[160], ref[160], pk[220];
    for (size_t len = 0; len <= 70; len++) {
        for (int trial = 0; trial < 24; trial++) {
            int high_pct = trial % 3 == 0 ? 5 : (trial % 3 == 1 ? 50 : 95);
            size_t n = 0;
            for (size_t i = 0; i < len; i++) {
                raw[i] = test_rng_int(&rng, 0, 99) < high_pct ? (uint8_t)test_rng_int(&rng, 0x80, 0xFF)
                                                               : (uint8_t)test_rng_int(&rng, 0, 0x7F);
                if (raw[i] < 0x80) u[n++] = raw[i];
                else {
                    u[n++] = (uint8_t)(0xC0 | (raw[i] >> 6));
                    u[n++] = (uint8_t)(0x80 | (raw[i] & 0x3F));
                }
            }
            size_t pn = encode_pickle(u, n, pk);
            zoo_pk_doc *doc = parse_ok(pk, pn);
            const zoo_pk_value *b = zoo_pk_root(doc);
            assert_int_equal(b->kind, ZOO_PK_BYTES);
            assert_int_equal(b->u.s.n, len);
            if (len) assert_memory_equal(b->u.s.p, raw, len);
            zoo_pk_free(doc);
            if (len > 24 || trial > 3) continue;
            /* corrupt every position with bytes that break (or keep) validity */
            static const uint8_t BAD[] = {0x80, 0xBF, 0xC0, 0xC1, 0xC4, 0xE2, 0xFF, 0x41, 0xC2};
            for (size_t p = 0; p < n; p++)
                for (size_t k = 0; k < sizeof BAD; k++) {
                    uint8_t save = u[p];
                    u[p] = BAD[k];
                    long want = ref_latin1(u, n, ref);
                    pn = encode_pickle(u, n, pk);
                    zoo_error e = {0};
                    doc = zoo_pk_parse(pk, pn, "t.pkl", NULL, &e);
                    if (want < 0) {
                        if (doc) fail_msg("len %zu: byte %02x at %zu accepted", len, BAD[k], p);
                        assert_non_null(strstr(e.msg, "not latin-1"));
                    } else {
                        if (!doc) fail_msg("len %zu: valid text refused: %s", len, e.msg);
                        const zoo_pk_value *v = zoo_pk_root(doc);
                        assert_int_equal(v->u.s.n, (size_t)want);
                        if (want) assert_memory_equal(v->u.s.p, ref, (size_t)want);
                        zoo_pk_free(doc);
                    }
                    u[p] = save;
                }
            /* cut the text short (a lead byte may end up last) */
            for (size_t cut = 0; cut < n; cut++) {
                long want = ref_latin1(u, cut, ref);
                pn = encode_pickle(u, cut, pk);
                zoo_error e = {0};
                doc = zoo_pk_parse(pk, pn, "t.pkl", NULL, &e);
                assert_int_equal(doc != NULL, want >= 0);
                if (doc) zoo_pk_free(doc);
            }
        }
    }
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_p2),
        cmocka_unit_test(test_values_p3),
        cmocka_unit_test(test_values_p4),
        cmocka_unit_test(test_protocol_recorded),
        cmocka_unit_test(test_paddle_eval_form),
        cmocka_unit_test(test_refuses_os_system),
        cmocka_unit_test(test_refuses_subprocess),
        cmocka_unit_test(test_refuses_other_eval),
        cmocka_unit_test(test_refuses_calls),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_truncation_message),
        cmocka_unit_test(test_random_corruption),
        cmocka_unit_test(test_lying_lengths),
        cmocka_unit_test(test_memo),
        cmocka_unit_test(test_stack_and_mark_underflow),
        cmocka_unit_test(test_deep_nesting_and_limits),
        cmocka_unit_test(test_numpy_state_checks),
        cmocka_unit_test(test_latin1_decoder),
    };
    return cmocka_run_group_tests_name("pickle", tests, NULL, NULL);
}
