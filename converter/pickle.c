/* converter/pickle.c - the safe pickle virtual machine (contract in pickle.h).
 *
 * Reads pickle protocols 2-4 (and the binary subset of protocol 1) into a
 * tree of zoo_pk_value and never calls anything: GLOBAL / STACK_GLOBAL resolve
 * only a short allow-list, REDUCE and BUILD are interpreted only for the forms
 * those globals produce (numpy arrays and dtypes, protocol-2 bytes, Paddle's
 * tuple / eval reductions, OrderedDict). Everything else is an error.
 * In torch mode (zoo_pk_limits.torch, used by pth.c only) BINPERSID storage
 * references, torch.<Kind>Storage types and torch._utils' tensor and
 * parameter rebuild functions are accepted too, as inert values; outside
 * torch mode they are refused like any other global.
 *
 * Safety rules enforced here: every length is checked against the bytes that
 * remain before it is used; ints wider than 64 bits are refused; the stack,
 * the MARK nesting, the memo and the number of values are bounded
 * (zoo_pk_limits); pops never cross the current MARK (as in CPython); errors
 * are one line "<origin>: byte <offset>: <what>".
 *
 * Speed: strings and bytes borrow from the input; only _codecs.encode text
 * (protocol-2 array data) is decoded, with an 8-bytes-at-a-time ASCII path.
 */
#include "converter/pickle.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zoo/weights.h"

#define CHUNK_VALUES 1024
#define MAX_GLOBAL_LINE 256

struct zoo_pk_doc {
    zoo_pk_value **chunks;
    size_t n_chunks, cap_chunks;
    size_t used_in_last; /* values used in the last chunk */
    size_t n_values;
    zoo_pk_value *root;
    int proto;
    size_t end;
    zoo_pk_value *none_v, *true_v, *false_v;
};

typedef struct vm {
    const uint8_t *data;
    size_t len, pos;
    const char *origin;
    zoo_pk_doc *doc;
    zoo_pk_limits lim;
    zoo_error *err;
    zoo_pk_value **stack;
    size_t sp, stack_cap;
    size_t *marks;
    size_t n_marks, marks_cap;
    zoo_pk_value **memo;
    size_t memo_cap, memo_count;
    size_t op_off; /* offset of the opcode being run */
} vm;

/* ---- errors ----------------------------------------------------------- */

static int fail_at(vm *m, int code, size_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail_at(vm *m, int code, size_t off, const char *fmt, ...) {
    char buf[ZOO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return zoo_error_set(m->err, code, "%s: byte %zu: %s", m->origin, off, buf);
}
#define FAIL(m, ...) fail_at((m), ZOO_ERR_INPUT, (m)->op_off, __VA_ARGS__)
#define OOM(m) fail_at((m), ZOO_ERR_RUNTIME, (m)->op_off, "out of memory")

static const char *op_name(uint8_t op) {
    switch (op) {
    case '(': return "MARK";
    case '.': return "STOP";
    case '0': return "POP";
    case '1': return "POP_MARK";
    case '2': return "DUP";
    case 'F': return "FLOAT";
    case 'I': return "INT";
    case 'J': return "BININT";
    case 'K': return "BININT1";
    case 'L': return "LONG";
    case 'M': return "BININT2";
    case 'N': return "NONE";
    case 'P': return "PERSID";
    case 'Q': return "BINPERSID";
    case 'R': return "REDUCE";
    case 'S': return "STRING";
    case 'T': return "BINSTRING";
    case 'U': return "SHORT_BINSTRING";
    case 'V': return "UNICODE";
    case 'X': return "BINUNICODE";
    case 'a': return "APPEND";
    case 'b': return "BUILD";
    case 'c': return "GLOBAL";
    case 'd': return "DICT";
    case '}': return "EMPTY_DICT";
    case 'e': return "APPENDS";
    case 'g': return "GET";
    case 'h': return "BINGET";
    case 'i': return "INST";
    case 'j': return "LONG_BINGET";
    case 'l': return "LIST";
    case ']': return "EMPTY_LIST";
    case 'o': return "OBJ";
    case 'p': return "PUT";
    case 'q': return "BINPUT";
    case 'r': return "LONG_BINPUT";
    case 's': return "SETITEM";
    case 't': return "TUPLE";
    case ')': return "EMPTY_TUPLE";
    case 'u': return "SETITEMS";
    case 'G': return "BINFLOAT";
    case 0x80: return "PROTO";
    case 0x81: return "NEWOBJ";
    case 0x82: return "EXT1";
    case 0x83: return "EXT2";
    case 0x84: return "EXT4";
    case 0x85: return "TUPLE1";
    case 0x86: return "TUPLE2";
    case 0x87: return "TUPLE3";
    case 0x88: return "NEWTRUE";
    case 0x89: return "NEWFALSE";
    case 0x8a: return "LONG1";
    case 0x8b: return "LONG4";
    case 'B': return "BINBYTES";
    case 'C': return "SHORT_BINBYTES";
    case 0x8c: return "SHORT_BINUNICODE";
    case 0x8d: return "BINUNICODE8";
    case 0x8e: return "BINBYTES8";
    case 0x8f: return "EMPTY_SET";
    case 0x90: return "ADDITEMS";
    case 0x91: return "FROZENSET";
    case 0x92: return "NEWOBJ_EX";
    case 0x93: return "STACK_GLOBAL";
    case 0x94: return "MEMOIZE";
    case 0x95: return "FRAME";
    case 0x96: return "BYTEARRAY8";
    case 0x97: return "NEXT_BUFFER";
    case 0x98: return "READONLY_BUFFER";
    default: return NULL;
    }
}

const char *zoo_pk_kind_name(zoo_pk_kind k) {
    static const char *const names[] = {"None",  "bool",  "int",  "float",   "str",     "bytes",
                                        "tuple", "list",  "dict", "global",  "ndarray", "dtype",
                                        "storage", "tensor"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "?";
}

/* ---- value storage ------------------------------------------------------ */

static zoo_pk_value *new_value(vm *m, zoo_pk_kind kind) {
    zoo_pk_doc *d = m->doc;
    if (d->n_values >= m->lim.max_values) {
        FAIL(m, "more than %zu values: refused", m->lim.max_values);
        return NULL;
    }
    if (d->n_chunks == 0 || d->used_in_last == CHUNK_VALUES) {
        if (d->n_chunks == d->cap_chunks) {
            size_t cap = d->cap_chunks ? d->cap_chunks * 2 : 16;
            zoo_pk_value **c = realloc(d->chunks, cap * sizeof *c);
            if (!c) {
                OOM(m);
                return NULL;
            }
            d->chunks = c;
            d->cap_chunks = cap;
        }
        zoo_pk_value *chunk = calloc(CHUNK_VALUES, sizeof *chunk);
        if (!chunk) {
            OOM(m);
            return NULL;
        }
        d->chunks[d->n_chunks++] = chunk;
        d->used_in_last = 0;
    }
    zoo_pk_value *v = &d->chunks[d->n_chunks - 1][d->used_in_last++];
    d->n_values++;
    v->kind = kind;
    v->off = m->op_off;
    return v;
}

static void free_value_parts(zoo_pk_value *v) {
    switch (v->kind) {
    case ZOO_PK_STR:
    case ZOO_PK_BYTES: free(v->u.s.owned); break;
    case ZOO_PK_TUPLE:
    case ZOO_PK_LIST: free(v->u.seq.items); break;
    case ZOO_PK_DICT:
        free(v->u.dict.keys);
        free(v->u.dict.vals);
        break;
    default: break;
    }
}

void zoo_pk_free(zoo_pk_doc *doc) {
    if (!doc) return;
    for (size_t c = 0; c < doc->n_chunks; c++) {
        size_t n = c + 1 == doc->n_chunks ? doc->used_in_last : CHUNK_VALUES;
        for (size_t i = 0; i < n; i++) free_value_parts(&doc->chunks[c][i]);
        free(doc->chunks[c]);
    }
    free(doc->chunks);
    free(doc);
}

static int seq_push(vm *m, zoo_pk_value *seq, zoo_pk_value *item) {
    if (seq->u.seq.n == seq->u.seq.cap) {
        size_t cap = seq->u.seq.cap ? seq->u.seq.cap * 2 : 4;
        zoo_pk_value **it = realloc(seq->u.seq.items, cap * sizeof *it);
        if (!it) return OOM(m);
        seq->u.seq.items = it;
        seq->u.seq.cap = cap;
    }
    seq->u.seq.items[seq->u.seq.n++] = item;
    return 0;
}

static bool hashable(const zoo_pk_value *k) {
    switch (k->kind) {
    case ZOO_PK_NONE:
    case ZOO_PK_BOOL:
    case ZOO_PK_INT:
    case ZOO_PK_FLOAT:
    case ZOO_PK_STR:
    case ZOO_PK_BYTES:
    case ZOO_PK_TUPLE:
    case ZOO_PK_GLOBAL: return true;
    default: return false;
    }
}

static int dict_put(vm *m, zoo_pk_value *d, zoo_pk_value *k, zoo_pk_value *v) {
    if (!hashable(k)) return FAIL(m, "dict key of type %s is not hashable", zoo_pk_kind_name(k->kind));
    if (d->u.dict.n == d->u.dict.cap) {
        size_t cap = d->u.dict.cap ? d->u.dict.cap * 2 : 8;
        zoo_pk_value **ks = realloc(d->u.dict.keys, cap * sizeof *ks);
        if (!ks) return OOM(m);
        d->u.dict.keys = ks;
        zoo_pk_value **vs = realloc(d->u.dict.vals, cap * sizeof *vs);
        if (!vs) return OOM(m);
        d->u.dict.vals = vs;
        d->u.dict.cap = cap;
    }
    d->u.dict.keys[d->u.dict.n] = k;
    d->u.dict.vals[d->u.dict.n] = v;
    d->u.dict.n++;
    return 0;
}

/* ---- stack, marks, memo ------------------------------------------------- */

static size_t floor_sp(const vm *m) {
    return m->n_marks ? m->marks[m->n_marks - 1] : 0;
}

static int push(vm *m, zoo_pk_value *v) {
    if (!v) return m->err ? m->err->code : ZOO_ERR_RUNTIME;
    if (m->sp == m->stack_cap) {
        if (m->sp >= m->lim.max_stack) return FAIL(m, "stack deeper than %zu: refused", m->lim.max_stack);
        size_t cap = m->stack_cap ? m->stack_cap * 2 : 64;
        if (cap > m->lim.max_stack) cap = m->lim.max_stack;
        zoo_pk_value **s = realloc(m->stack, cap * sizeof *s);
        if (!s) return OOM(m);
        m->stack = s;
        m->stack_cap = cap;
    }
    m->stack[m->sp++] = v;
    return 0;
}

/* Checks that n items sit above the current mark. */
static int need_items(vm *m, size_t n, uint8_t op) {
    if (m->sp - floor_sp(m) < n)
        return FAIL(m, "stack underflow in %s (needs %zu item%s)", op_name(op), n,
                    n == 1 ? "" : "s");
    return 0;
}

static zoo_pk_value *pop(vm *m) {
    return m->stack[--m->sp];
}

/* Pops the topmost mark; *start = first stack index above it. */
static int pop_mark(vm *m, uint8_t op, size_t *start) {
    if (m->n_marks == 0) return FAIL(m, "%s without a MARK", op_name(op));
    *start = m->marks[--m->n_marks];
    return 0;
}

static int memo_put(vm *m, uint64_t idx) {
    if (m->sp == floor_sp(m)) return FAIL(m, "memo store with an empty stack");
    if (idx >= m->lim.max_memo)
        return FAIL(m, "memo index %llu out of range (limit %zu)", (unsigned long long)idx,
                    m->lim.max_memo);
    if (idx >= m->memo_cap) {
        size_t cap = m->memo_cap ? m->memo_cap : 64;
        while (cap <= idx) cap *= 2;
        if (cap > m->lim.max_memo) cap = m->lim.max_memo;
        zoo_pk_value **mm = realloc(m->memo, cap * sizeof *mm);
        if (!mm) return OOM(m);
        memset(mm + m->memo_cap, 0, (cap - m->memo_cap) * sizeof *mm);
        m->memo = mm;
        m->memo_cap = cap;
    }
    if (!m->memo[idx]) m->memo_count++;
    m->memo[idx] = m->stack[m->sp - 1];
    return 0;
}

static int memo_get(vm *m, uint64_t idx) {
    if (idx >= m->memo_cap || !m->memo[idx])
        return FAIL(m, "memo index %llu is not set", (unsigned long long)idx);
    return push(m, m->memo[idx]);
}

/* ---- input -------------------------------------------------------------- */

static int need_bytes(vm *m, uint64_t n, const char *what) {
    if (n > m->len - m->pos)
        return fail_at(m, ZOO_ERR_INPUT, m->op_off,
                       "truncated pickle: %s needs %llu more bytes, %zu left", what,
                       (unsigned long long)n, m->len - m->pos);
    return 0;
}

static uint64_t rd_le(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Reads an n-byte little-endian length field and checks the payload fits. */
static int read_len(vm *m, int n, uint8_t op, uint64_t *out) {
    int rc = need_bytes(m, (uint64_t)n, op_name(op));
    if (rc) return rc;
    *out = rd_le(m->data + m->pos, n);
    m->pos += (size_t)n;
    return need_bytes(m, *out, op_name(op));
}

/* ---- scalars and strings ------------------------------------------------ */

static zoo_pk_value *new_int(vm *m, int64_t i) {
    zoo_pk_value *v = new_value(m, ZOO_PK_INT);
    if (v) v->u.i = i;
    return v;
}

static int op_long(vm *m, uint8_t op, int lenbytes) {
    uint64_t n;
    int rc = read_len(m, lenbytes, op, &n);
    if (rc) return rc;
    if (n > 8) return FAIL(m, "%s integer of %llu bytes is too large (at most 8)", op_name(op),
                           (unsigned long long)n);
    uint64_t u = rd_le(m->data + m->pos, (int)n);
    m->pos += (size_t)n;
    int64_t i;
    if (n == 0) i = 0;
    else if (n == 8) memcpy(&i, &u, sizeof i);
    else {
        uint64_t sign = 1ull << (8 * n - 1);
        if (u & sign) u |= ~((sign << 1) - 1);
        memcpy(&i, &u, sizeof i);
    }
    return push(m, new_int(m, i));
}

static int op_string(vm *m, uint8_t op, int lenbytes, zoo_pk_kind kind, bool py2str) {
    uint64_t n;
    if (op == 'T') { /* BINSTRING: signed 32-bit length */
        int rc = need_bytes(m, 4, "BINSTRING");
        if (rc) return rc;
        int32_t sn;
        uint32_t un = (uint32_t)rd_le(m->data + m->pos, 4);
        memcpy(&sn, &un, sizeof sn);
        if (sn < 0) return FAIL(m, "BINSTRING with negative length %d", (int)sn);
        m->pos += 4;
        n = (uint64_t)sn;
        rc = need_bytes(m, n, "BINSTRING");
        if (rc) return rc;
    } else {
        int rc = read_len(m, lenbytes, op, &n);
        if (rc) return rc;
    }
    zoo_pk_value *v = new_value(m, kind);
    if (!v) return m->err ? m->err->code : ZOO_ERR_RUNTIME;
    v->u.s.p = m->data + m->pos;
    v->u.s.n = (size_t)n;
    v->u.s.py2str = py2str;
    m->pos += (size_t)n;
    return push(m, v);
}

/* UTF-8 text whose code points are all <= 0xFF -> one byte per code point
 * (how Python 3 pickles bytes at protocol 2: _codecs.encode(text, "latin1")).
 * This is the hot path for protocol-2 weights, whose random float bytes are
 * half >= 0x80, so per-byte branches mispredict constantly. latin1_scalar is
 * branch-free per output byte; latin1_swar decodes 8 input bytes per step
 * with 64-bit bit tricks (little-endian hosts): about 3x faster. Both only
 * report *whether* the text is valid; the caller locates the first bad byte. */

/* Returns the output length, or SIZE_MAX if the text is not latin-1 UTF-8. */
static size_t latin1_scalar(const uint8_t *s, size_t n, uint8_t *o) {
    size_t i = 0, j = 0;
    unsigned bad = 0;
    if (n == 0) return 0;
    while (i + 1 < n) {
        unsigned c = s[i], d = s[i + 1];
        unsigned lead = c >> 7; /* valid text: every byte >= 0x80 here is C2/C3 */
        bad |= lead & (((c & 0xFEu) != 0xC2u) | ((d & 0xC0u) != 0x80u));
        o[j++] = (uint8_t)(lead ? (((c & 3u) << 6) | (d & 0x3Fu)) : c);
        i += 1 + lead;
    }
    if (i + 1 == n) { /* one byte left: must be ASCII */
        bad |= s[i] >> 7;
        o[j++] = s[i];
    }
    return bad ? SIZE_MAX : j;
}

static size_t latin1_swar(const uint8_t *s, size_t n, uint8_t *o) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t H = 0x8080808080808080ull, B1 = 0x0101010101010101ull;
    uint64_t bad = n > 0 && (s[0] & 0xC0u) == 0x80u; /* text starts with a continuation */
    size_t i = 0, j = 0;
    while (n - i >= 9) { /* 8 bytes and the one after them */
        uint64_t w, w1;
        memcpy(&w, s + i, 8);
        memcpy(&w1, s + i + 1, 8);
        uint64_t cont = w & H & ~(w << 1);   /* 10xxxxxx: 0x80 in that byte */
        uint64_t lead = w & (w << 1) & H;    /* 11xxxxxx */
        uint64_t next_cont = w1 & H & ~(w1 << 1);
        uint64_t low = w & (0x3Eu * B1);     /* C2 and C3 have bits 1..5 = 00001 */
        uint64_t not_c2 = (((low ^ (0x02u * B1)) + 0x7Fu * B1)) & H;
        bad |= (lead & not_c2) | (lead ^ next_cont);
        uint64_t m = (next_cont >> 7) * 0xFFu; /* 0xFF where a lead byte sits */
        uint64_t comb = ((w & (0x03u * B1)) << 6) | (w1 & (0x3Fu * B1));
        uint64_t v = (comb & m) | (w & ~m);
        uint64_t keep = ~(cont >> 7) & B1; /* 1 in every byte that starts a code point */
        for (int k = 0; k < 8; k++) { /* store all, advance past kept ones */
            o[j] = (uint8_t)(v >> (8 * k));
            j += (size_t)((keep >> (8 * k)) & 1u);
        }
        i += 8;
    }
    /* a continuation here completes the lead byte the last block emitted */
    if (i > 0 && i < n && (s[i] & 0xC0u) == 0x80u) i++;
    size_t t = latin1_scalar(s + i, n - i, o + j);
    return (bad || t == SIZE_MAX) ? SIZE_MAX : j + t;
#else
    return latin1_scalar(s, n, o);
#endif
}

static int latin1_from_utf8(vm *m, const uint8_t *s, size_t n, uint8_t **out, size_t *out_n) {
    uint8_t *o = malloc(n ? n : 1);
    if (!o) return OOM(m);
    size_t j = latin1_swar(s, n, o);
    if (j == SIZE_MAX) {
        size_t i = 0; /* find the first offending byte for the message */
        while (i < n) {
            if (s[i] < 0x80) i++;
            else if ((s[i] & 0xFE) == 0xC2 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) i += 2;
            else break;
        }
        free(o);
        return FAIL(m, "_codecs.encode: text is not latin-1 (byte 0x%02x at text offset %zu)",
                    i < n ? s[i] : 0, i);
    }
    if (j < n) {
        uint8_t *sh = realloc(o, j ? j : 1);
        if (sh) o = sh;
    }
    *out = o;
    *out_n = j;
    return 0;
}

/* ---- globals ------------------------------------------------------------ */

static const struct {
    const char *module, *name;
    zoo_pk_global_id id;
    bool torch; /* only in torch mode */
} ALLOWED[] = {
    {"numpy.core.multiarray", "_reconstruct", ZOO_PKG_NP_RECONSTRUCT, false},
    {"numpy._core.multiarray", "_reconstruct", ZOO_PKG_NP_RECONSTRUCT, false},
    {"numpy", "ndarray", ZOO_PKG_NP_NDARRAY, false},
    {"numpy", "dtype", ZOO_PKG_NP_DTYPE, false},
    {"_codecs", "encode", ZOO_PKG_CODECS_ENCODE, false},
    {"__builtin__", "bytes", ZOO_PKG_BYTES, false},
    {"builtins", "bytes", ZOO_PKG_BYTES, false},
    {"__builtin__", "tuple", ZOO_PKG_TUPLE, false},
    {"builtins", "tuple", ZOO_PKG_TUPLE, false},
    {"__builtin__", "eval", ZOO_PKG_EVAL, false},
    {"builtins", "eval", ZOO_PKG_EVAL, false},
    {"collections", "OrderedDict", ZOO_PKG_ORDERED_DICT, false},
    {"torch._utils", "_rebuild_tensor_v2", ZOO_PKG_TORCH_REBUILD_TENSOR_V2, true},
    {"torch._utils", "_rebuild_tensor", ZOO_PKG_TORCH_REBUILD_TENSOR, true},
    {"torch._utils", "_rebuild_parameter", ZOO_PKG_TORCH_REBUILD_PARAMETER, true},
    {"torch._utils", "_rebuild_parameter_with_state", ZOO_PKG_TORCH_REBUILD_PARAMETER, true},
};

/* torch.<Kind>Storage types (torch mode): the element type each one holds;
 * -1: a kind zoo cannot represent (refused by pth.c naming the tensor). */
static const struct {
    const char *name;
    int dtype;
} TORCH_STORAGES[] = {
    {"FloatStorage", ZOO_DT_F32},   {"DoubleStorage", ZOO_DT_F64},
    {"HalfStorage", ZOO_DT_F16},    {"BFloat16Storage", ZOO_DT_BF16},
    {"LongStorage", ZOO_DT_I64},    {"IntStorage", ZOO_DT_I32},
    {"ShortStorage", ZOO_DT_I16},   {"CharStorage", ZOO_DT_I8},
    {"ByteStorage", ZOO_DT_U8},     {"BoolStorage", ZOO_DT_BOOL},
    {"UntypedStorage", ZOO_DT_U8},  {"ComplexFloatStorage", -1},
    {"ComplexDoubleStorage", -1},   {"QInt8Storage", -1},
    {"QUInt8Storage", -1},          {"QInt32Storage", -1},
};

static bool bytes_eq(const uint8_t *p, size_t n, const char *s) {
    size_t k = strlen(s);
    return n == k && (k == 0 || memcmp(p, s, k) == 0);
}

/* Printable copy of a (possibly hostile) name for a one-line message. */
static void printable(char *dst, size_t size, const uint8_t *p, size_t n) {
    size_t j = 0;
    for (size_t i = 0; i < n && j + 4 < size; i++) dst[j++] = (p[i] >= 0x20 && p[i] < 0x7f) ? (char)p[i] : '?';
    if (n > 0 && j + 4 >= size) {
        dst[j++] = '.';
        dst[j++] = '.';
        dst[j++] = '.';
    }
    dst[j] = '\0';
}

static int push_global(vm *m, const uint8_t *mod, size_t mod_n, const uint8_t *name,
                       size_t name_n) {
    if (m->lim.torch && bytes_eq(mod, mod_n, "torch"))
        for (size_t i = 0; i < sizeof TORCH_STORAGES / sizeof TORCH_STORAGES[0]; i++)
            if (bytes_eq(name, name_n, TORCH_STORAGES[i].name)) {
                zoo_pk_value *v = new_value(m, ZOO_PK_GLOBAL);
                if (v) {
                    v->u.global = ZOO_PKG_TORCH_STORAGE;
                    v->aux = (int)i; /* index; the dtype is looked up when used */
                }
                return push(m, v);
            }
    for (size_t i = 0; i < sizeof ALLOWED / sizeof ALLOWED[0]; i++) {
        if (ALLOWED[i].torch && !m->lim.torch) continue;
        if (bytes_eq(mod, mod_n, ALLOWED[i].module) && bytes_eq(name, name_n, ALLOWED[i].name)) {
            zoo_pk_value *v = new_value(m, ZOO_PK_GLOBAL);
            if (v) v->u.global = ALLOWED[i].id;
            return push(m, v);
        }
    }
    char a[160], b[160];
    printable(a, sizeof a, mod, mod_n);
    printable(b, sizeof b, name, name_n);
    return FAIL(m, "pickle asks for %s.%s: refused", a, b);
}

static int read_line(vm *m, const uint8_t **p, size_t *n) {
    size_t left = m->len - m->pos;
    size_t lim = left < MAX_GLOBAL_LINE ? left : MAX_GLOBAL_LINE;
    const uint8_t *s = m->data + m->pos;
    const uint8_t *nl = memchr(s, '\n', lim);
    if (!nl) {
        if (lim == left) return FAIL(m, "truncated pickle: GLOBAL name without a newline");
        return FAIL(m, "GLOBAL name longer than %d bytes", MAX_GLOBAL_LINE);
    }
    *p = s;
    *n = (size_t)(nl - s);
    m->pos += *n + 1;
    return 0;
}

static int op_global(vm *m) {
    const uint8_t *mod, *name;
    size_t mod_n, name_n;
    int rc = read_line(m, &mod, &mod_n);
    if (!rc) rc = read_line(m, &name, &name_n);
    if (rc) return rc;
    return push_global(m, mod, mod_n, name, name_n);
}

static int op_stack_global(vm *m) {
    int rc = need_items(m, 2, 0x93);
    if (rc) return rc;
    zoo_pk_value *name = pop(m), *mod = pop(m);
    if (mod->kind != ZOO_PK_STR || name->kind != ZOO_PK_STR)
        return FAIL(m, "STACK_GLOBAL needs two str, got %s and %s", zoo_pk_kind_name(mod->kind),
                    zoo_pk_kind_name(name->kind));
    return push_global(m, mod->u.s.p, mod->u.s.n, name->u.s.p, name->u.s.n);
}

/* ---- REDUCE: the allow-listed calls ----------------------------------- */

bool zoo_pk_is_text(const zoo_pk_value *v) {
    return v && (v->kind == ZOO_PK_STR || (v->kind == ZOO_PK_BYTES && v->u.s.py2str));
}

bool zoo_pk_text_eq(const zoo_pk_value *v, const char *s) {
    return zoo_pk_is_text(v) && bytes_eq(v->u.s.p, v->u.s.n, s);
}

static const char *GLOBAL_NAMES[ZOO_PKG__COUNT] = {
    "numpy.core.multiarray._reconstruct", "numpy.ndarray", "numpy.dtype", "_codecs.encode",
    "builtins.bytes", "builtins.tuple", "builtins.eval", "collections.OrderedDict",
    "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor",
    "torch._utils._rebuild_parameter", "torch.<Kind>Storage"};

/* (storage, offset, size, stride): the torch tensor rebuild arguments. */
static zoo_pk_value *torch_tensor(vm *m, zoo_pk_value **a) {
    if (a[0]->kind != ZOO_PK_STORAGE) {
        FAIL(m, "tensor rebuild: the storage argument is a %s", zoo_pk_kind_name(a[0]->kind));
        return NULL;
    }
    if (a[1]->kind != ZOO_PK_INT || a[1]->u.i < 0) {
        FAIL(m, "tensor rebuild: the storage offset is not a non-negative int");
        return NULL;
    }
    if (a[2]->kind != ZOO_PK_TUPLE || a[3]->kind != ZOO_PK_TUPLE ||
        a[2]->u.seq.n != a[3]->u.seq.n) {
        FAIL(m, "tensor rebuild: size and stride are not two tuples of one length");
        return NULL;
    }
    for (size_t i = 0; i < a[2]->u.seq.n; i++)
        if (a[2]->u.seq.items[i]->kind != ZOO_PK_INT || a[2]->u.seq.items[i]->u.i < 0 ||
            a[3]->u.seq.items[i]->kind != ZOO_PK_INT || a[3]->u.seq.items[i]->u.i < 0) {
            FAIL(m, "tensor rebuild: size / stride entry %zu is not a non-negative int", i);
            return NULL;
        }
    zoo_pk_value *v = new_value(m, ZOO_PK_TENSOR);
    if (v) {
        v->u.tn.storage = a[0];
        v->u.tn.offset = a[1]->u.i;
        v->u.tn.size = a[2];
        v->u.tn.stride = a[3];
    }
    return v;
}

static zoo_pk_value *reduce_call(vm *m, zoo_pk_global_id g, zoo_pk_value *args) {
    size_t na = args->u.seq.n;
    zoo_pk_value **a = args->u.seq.items;
    switch (g) {
    case ZOO_PKG_NP_RECONSTRUCT: {
        if (na != 3 || a[0]->kind != ZOO_PK_GLOBAL || a[0]->u.global != ZOO_PKG_NP_NDARRAY ||
            a[1]->kind != ZOO_PK_TUPLE || a[2]->kind != ZOO_PK_BYTES)
            break;
        zoo_pk_value *v = new_value(m, ZOO_PK_NDARRAY);
        return v;
    }
    case ZOO_PKG_NP_DTYPE: {
        if (na < 1 || na > 3 || !zoo_pk_is_text(a[0]) || a[0]->u.s.n == 0 || a[0]->u.s.n > 16)
            break;
        for (size_t i = 1; i < na; i++)
            if (a[i]->kind != ZOO_PK_BOOL && a[i]->kind != ZOO_PK_INT) goto refused;
        zoo_pk_value *v = new_value(m, ZOO_PK_DTYPE);
        if (v) {
            v->u.dt.code = a[0]->u.s.p;
            v->u.dt.code_n = a[0]->u.s.n;
            v->u.dt.order = '=';
        }
        return v;
    }
    case ZOO_PKG_CODECS_ENCODE: {
        if (na != 2 || a[0]->kind != ZOO_PK_STR ||
            !(zoo_pk_text_eq(a[1], "latin1") || zoo_pk_text_eq(a[1], "latin-1")))
            break;
        uint8_t *buf = NULL;
        size_t n = 0;
        if (latin1_from_utf8(m, a[0]->u.s.p, a[0]->u.s.n, &buf, &n)) return NULL;
        zoo_pk_value *v = new_value(m, ZOO_PK_BYTES);
        if (!v) {
            free(buf);
            return NULL;
        }
        v->u.s.p = buf;
        v->u.s.n = n;
        v->u.s.owned = buf;
        return v;
    }
    case ZOO_PKG_BYTES:
        if (na == 0) return new_value(m, ZOO_PK_BYTES); /* b'' */
        if (na == 1 && a[0]->kind == ZOO_PK_BYTES) return a[0];
        break;
    case ZOO_PKG_TUPLE: {
        if (na == 0) return new_value(m, ZOO_PK_TUPLE);
        if (na != 1 || (a[0]->kind != ZOO_PK_TUPLE && a[0]->kind != ZOO_PK_LIST)) break;
        zoo_pk_value *v = new_value(m, ZOO_PK_TUPLE);
        if (!v) return NULL;
        for (size_t i = 0; i < a[0]->u.seq.n; i++)
            if (seq_push(m, v, a[0]->u.seq.items[i])) return NULL;
        return v;
    }
    case ZOO_PKG_EVAL:
        /* Paddle's LoDTensor reduction: eval('data', {'data': ndarray}) is the ndarray */
        if (na == 2 && zoo_pk_text_eq(a[0], "data") && a[1]->kind == ZOO_PK_DICT &&
            a[1]->u.dict.n == 1 && zoo_pk_text_eq(a[1]->u.dict.keys[0], "data") &&
            a[1]->u.dict.vals[0]->kind == ZOO_PK_NDARRAY && a[1]->u.dict.vals[0]->u.nd.built)
            return a[1]->u.dict.vals[0];
        FAIL(m, "pickle asks for builtins.eval with another form than Paddle's "
                "eval('data', {'data': ndarray}): refused");
        return NULL;
    case ZOO_PKG_ORDERED_DICT: {
        if (na > 1) break;
        zoo_pk_value *v = new_value(m, ZOO_PK_DICT);
        if (!v || na == 0) return v;
        if (a[0]->kind != ZOO_PK_LIST && a[0]->kind != ZOO_PK_TUPLE) break;
        for (size_t i = 0; i < a[0]->u.seq.n; i++) {
            zoo_pk_value *pr = a[0]->u.seq.items[i];
            if ((pr->kind != ZOO_PK_TUPLE && pr->kind != ZOO_PK_LIST) || pr->u.seq.n != 2)
                goto refused;
            if (dict_put(m, v, pr->u.seq.items[0], pr->u.seq.items[1])) return NULL;
        }
        return v;
    }
    case ZOO_PKG_TORCH_REBUILD_TENSOR_V2:
        /* (storage, offset, size, stride, requires_grad, backward_hooks[, metadata]) */
        if ((na != 6 && na != 7) || (a[4]->kind != ZOO_PK_BOOL && a[4]->kind != ZOO_PK_INT) ||
            a[5]->kind != ZOO_PK_DICT || (na == 7 && a[6]->kind != ZOO_PK_DICT))
            break;
        return torch_tensor(m, a);
    case ZOO_PKG_TORCH_REBUILD_TENSOR:
        if (na != 4) break;
        return torch_tensor(m, a);
    case ZOO_PKG_TORCH_REBUILD_PARAMETER:
        /* (tensor, requires_grad, backward_hooks[, state]): the parameter's data */
        if ((na != 3 && na != 4) || a[0]->kind != ZOO_PK_TENSOR ||
            (a[1]->kind != ZOO_PK_BOOL && a[1]->kind != ZOO_PK_INT) || a[2]->kind != ZOO_PK_DICT)
            break;
        if (na == 4 && a[3]->kind != ZOO_PK_NONE && a[3]->kind != ZOO_PK_DICT &&
            !(a[3]->kind == ZOO_PK_TUPLE && a[3]->u.seq.n == 0))
            break;
        return a[0];
    case ZOO_PKG_TORCH_STORAGE: /* storage types are only persistent-id tags */
    case ZOO_PKG_NP_NDARRAY:
    default: break;
    }
refused:
    FAIL(m, "REDUCE of %s with %zu unexpected argument%s: refused", GLOBAL_NAMES[g], na,
         na == 1 ? "" : "s");
    return NULL;
}

static int op_reduce(vm *m) {
    int rc = need_items(m, 2, 'R');
    if (rc) return rc;
    zoo_pk_value *args = pop(m), *fn = pop(m);
    if (fn->kind != ZOO_PK_GLOBAL)
        return FAIL(m, "REDUCE calls a %s: refused", zoo_pk_kind_name(fn->kind));
    if (args->kind != ZOO_PK_TUPLE)
        return FAIL(m, "REDUCE arguments are a %s, not a tuple", zoo_pk_kind_name(args->kind));
    zoo_pk_value *v = reduce_call(m, fn->u.global, args);
    if (!v) return m->err ? m->err->code : ZOO_ERR_INPUT;
    return push(m, v);
}

/* ---- BUILD: numpy __setstate__ and OrderedDict attributes --------------- */

static int build_ndarray(vm *m, zoo_pk_value *inst, zoo_pk_value *st) {
    if (inst->u.nd.built) return FAIL(m, "BUILD applied twice to one ndarray");
    if (st->kind != ZOO_PK_TUPLE || (st->u.seq.n != 5 && st->u.seq.n != 4))
        return FAIL(m, "ndarray state is not a 4- or 5-tuple");
    zoo_pk_value **s = st->u.seq.items;
    if (st->u.seq.n == 5) {
        if (s[0]->kind != ZOO_PK_INT || s[0]->u.i != 1)
            return FAIL(m, "ndarray state version is not 1");
        s++;
    }
    zoo_pk_value *shape = s[0], *dtype = s[1], *fortran = s[2], *data = s[3];
    if (shape->kind != ZOO_PK_TUPLE) return FAIL(m, "ndarray shape is not a tuple");
    for (size_t i = 0; i < shape->u.seq.n; i++)
        if (shape->u.seq.items[i]->kind != ZOO_PK_INT || shape->u.seq.items[i]->u.i < 0)
            return FAIL(m, "ndarray shape entry %zu is not a non-negative int", i);
    if (dtype->kind != ZOO_PK_DTYPE) return FAIL(m, "ndarray dtype is a %s", zoo_pk_kind_name(dtype->kind));
    if (fortran->kind != ZOO_PK_BOOL && fortran->kind != ZOO_PK_INT)
        return FAIL(m, "ndarray fortran flag is a %s", zoo_pk_kind_name(fortran->kind));
    if (data->kind == ZOO_PK_LIST) return FAIL(m, "ndarray of Python objects: refused");
    if (data->kind != ZOO_PK_BYTES && data->kind != ZOO_PK_STR)
        return FAIL(m, "ndarray data is a %s", zoo_pk_kind_name(data->kind));
    inst->u.nd.built = true;
    inst->u.nd.shape = shape;
    inst->u.nd.dtype = dtype;
    inst->u.nd.fortran = fortran->kind == ZOO_PK_BOOL ? fortran->u.b : fortran->u.i != 0;
    inst->u.nd.data = data;
    return 0;
}

static int build_dtype(vm *m, zoo_pk_value *inst, zoo_pk_value *st) {
    /* (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata]) */
    if (st->kind != ZOO_PK_TUPLE || st->u.seq.n < 5 || st->u.seq.n > 9)
        return FAIL(m, "dtype state is not a 5- to 9-tuple");
    zoo_pk_value **s = st->u.seq.items;
    if (s[0]->kind != ZOO_PK_INT || !zoo_pk_is_text(s[1]) || s[1]->u.s.n != 1 ||
        !strchr("<>|=", s[1]->u.s.p[0]))
        return FAIL(m, "dtype state has no valid version / byte order");
    if (s[2]->kind != ZOO_PK_NONE || s[3]->kind != ZOO_PK_NONE || s[4]->kind != ZOO_PK_NONE)
        return FAIL(m, "structured or sub-array dtype: not supported");
    inst->u.dt.order = (char)s[1]->u.s.p[0];
    return 0;
}

static int op_build(vm *m) {
    int rc = need_items(m, 2, 'b');
    if (rc) return rc;
    zoo_pk_value *st = pop(m), *inst = m->stack[m->sp - 1];
    switch (inst->kind) {
    case ZOO_PK_NDARRAY: return build_ndarray(m, inst, st);
    case ZOO_PK_DTYPE: return build_dtype(m, inst, st);
    case ZOO_PK_DICT:
        /* OrderedDict.__reduce__ passes the instance __dict__ (PyTorch: _metadata) */
        if (st->kind != ZOO_PK_DICT && st->kind != ZOO_PK_NONE && st->kind != ZOO_PK_TUPLE)
            return FAIL(m, "BUILD of a dict with a %s state: refused", zoo_pk_kind_name(st->kind));
        inst->u.dict.state = st;
        return 0;
    default:
        return FAIL(m, "BUILD on a %s: refused", zoo_pk_kind_name(inst->kind));
    }
}

/* ---- containers --------------------------------------------------------- */

static int op_tuple_n(vm *m, uint8_t op, size_t n) {
    int rc = need_items(m, n, op);
    if (rc) return rc;
    zoo_pk_value *t = new_value(m, ZOO_PK_TUPLE);
    if (!t) return m->err->code;
    for (size_t i = m->sp - n; i < m->sp; i++)
        if ((rc = seq_push(m, t, m->stack[i]))) return rc;
    m->sp -= n;
    return push(m, t);
}

static int op_to_mark_seq(vm *m, uint8_t op, zoo_pk_kind kind) {
    size_t start = 0;
    int rc = pop_mark(m, op, &start);
    if (rc) return rc;
    zoo_pk_value *t = new_value(m, kind);
    if (!t) return m->err->code;
    for (size_t i = start; i < m->sp; i++)
        if ((rc = seq_push(m, t, m->stack[i]))) return rc;
    m->sp = start;
    return push(m, t);
}

static int op_appends(vm *m) {
    size_t start = 0;
    int rc = pop_mark(m, 'e', &start);
    if (rc) return rc;
    if (start == floor_sp(m)) return FAIL(m, "APPENDS without a list below the MARK");
    zoo_pk_value *l = m->stack[start - 1];
    if (l->kind != ZOO_PK_LIST) return FAIL(m, "APPENDS to a %s", zoo_pk_kind_name(l->kind));
    for (size_t i = start; i < m->sp; i++)
        if ((rc = seq_push(m, l, m->stack[i]))) return rc;
    m->sp = start;
    return 0;
}

static int op_setitems(vm *m, uint8_t op) {
    size_t start = 0;
    int rc = pop_mark(m, op, &start);
    if (rc) return rc;
    if ((m->sp - start) % 2) return FAIL(m, "%s with an odd number of items", op_name(op));
    zoo_pk_value *d;
    if (op == 'd') { /* DICT: a new dict from the items */
        d = new_value(m, ZOO_PK_DICT);
        if (!d) return m->err->code;
    } else {
        if (start == floor_sp(m)) return FAIL(m, "SETITEMS without a dict below the MARK");
        d = m->stack[start - 1];
        if (d->kind != ZOO_PK_DICT) return FAIL(m, "SETITEMS on a %s", zoo_pk_kind_name(d->kind));
    }
    for (size_t i = start; i < m->sp; i += 2)
        if ((rc = dict_put(m, d, m->stack[i], m->stack[i + 1]))) return rc;
    m->sp = start;
    return op == 'd' ? push(m, d) : 0;
}

/* ---- BINPERSID: PyTorch storage references (torch mode) ----------------- */

/* ('storage', torch.<Kind>Storage, key, location, numel)                 zip
 * ('storage', torch.<Kind>Storage, key, location, numel, view_metadata)   legacy
 * view_metadata: None or (view_key, offset, size). Anything else, e.g. the
 * ('module', ...) ids of very old files, is refused. */
static int op_binpersid(vm *m) {
    int rc = need_items(m, 1, 'Q');
    if (rc) return rc;
    zoo_pk_value *pid = pop(m);
    if (pid->kind != ZOO_PK_TUPLE || pid->u.seq.n < 1 || !zoo_pk_is_text(pid->u.seq.items[0]))
        return FAIL(m, "persistent id is a %s, not a ('storage', ...) tuple: refused",
                    zoo_pk_kind_name(pid->kind));
    zoo_pk_value **a = pid->u.seq.items;
    size_t na = pid->u.seq.n;
    if (!zoo_pk_text_eq(a[0], "storage")) {
        char t[64];
        printable(t, sizeof t, a[0]->u.s.p, a[0]->u.s.n);
        return FAIL(m, "persistent id of kind '%s' (only 'storage' is read): refused", t);
    }
    if (na != 5 && na != 6) return FAIL(m, "storage persistent id with %zu fields (5 or 6)", na);
    if (a[1]->kind != ZOO_PK_GLOBAL || a[1]->u.global != ZOO_PKG_TORCH_STORAGE)
        return FAIL(m, "storage persistent id without a torch storage type");
    if (!zoo_pk_is_text(a[2]) || a[2]->u.s.n == 0 || !zoo_pk_is_text(a[3]))
        return FAIL(m, "storage persistent id: key or location is not text");
    if (a[4]->kind != ZOO_PK_INT || a[4]->u.i < 0)
        return FAIL(m, "storage persistent id: size is not a non-negative int");
    zoo_pk_value *view = NULL;
    if (na == 6 && a[5]->kind != ZOO_PK_NONE) {
        view = a[5];
        if (view->kind != ZOO_PK_TUPLE || view->u.seq.n != 3 || !zoo_pk_is_text(view->u.seq.items[0]) ||
            view->u.seq.items[1]->kind != ZOO_PK_INT || view->u.seq.items[1]->u.i < 0 ||
            view->u.seq.items[2]->kind != ZOO_PK_INT || view->u.seq.items[2]->u.i < 0)
            return FAIL(m, "storage persistent id: view metadata is not (key, offset, size)");
    }
    zoo_pk_value *v = new_value(m, ZOO_PK_STORAGE);
    if (!v) return m->err->code;
    int k = a[1]->aux;
    v->u.st.dtype = TORCH_STORAGES[k].dtype;
    v->u.st.type_name = TORCH_STORAGES[k].name;
    v->u.st.key = a[2];
    v->u.st.location = a[3];
    v->u.st.numel = a[4]->u.i;
    v->u.st.view = view;
    return push(m, v);
}

/* ---- the loop ----------------------------------------------------------- */

static int run(vm *m) {
    zoo_pk_doc *d = m->doc;
    for (;;) {
        if (m->pos >= m->len) {
            m->op_off = m->pos;
            return FAIL(m, "truncated pickle: no STOP opcode");
        }
        m->op_off = m->pos;
        uint8_t op = m->data[m->pos++];
        int rc = 0;
        uint64_t n;
        switch (op) {
        case 0x80: /* PROTO */
            if ((rc = need_bytes(m, 1, "PROTO"))) return rc;
            d->proto = m->data[m->pos++];
            if (d->proto > 4) return FAIL(m, "pickle protocol %d is not supported (2 to 4)", d->proto);
            break;
        case 0x95: /* FRAME: frames are transparent; only check the length */
            if ((rc = read_len(m, 8, op, &n))) return rc;
            break;
        case '.': /* STOP */
            if (m->sp == floor_sp(m)) return FAIL(m, "STOP with an empty stack");
            d->root = pop(m);
            d->end = m->pos;
            return 0;
        case '(': /* MARK */
            if (m->n_marks >= m->lim.max_marks)
                return FAIL(m, "MARK nesting deeper than %zu: refused", m->lim.max_marks);
            if (m->n_marks == m->marks_cap) {
                size_t cap = m->marks_cap ? m->marks_cap * 2 : 16;
                size_t *mk = realloc(m->marks, cap * sizeof *mk);
                if (!mk) return OOM(m);
                m->marks = mk;
                m->marks_cap = cap;
            }
            m->marks[m->n_marks++] = m->sp;
            break;
        case '0': /* POP: an item, or the mark when nothing is above it (CPython) */
            if (m->sp > floor_sp(m)) m->sp--;
            else if (m->n_marks) m->n_marks--;
            else return FAIL(m, "stack underflow in POP");
            break;
        case '1': { /* POP_MARK */
            size_t start = 0;
            if ((rc = pop_mark(m, op, &start))) return rc;
            m->sp = start;
            break;
        }
        case '2': /* DUP */
            if ((rc = need_items(m, 1, op))) return rc;
            rc = push(m, m->stack[m->sp - 1]);
            break;
        case 'N': rc = push(m, d->none_v); break;
        case 0x88: rc = push(m, d->true_v); break;
        case 0x89: rc = push(m, d->false_v); break;
        case 'J': { /* BININT: signed 32 */
            if ((rc = need_bytes(m, 4, "BININT"))) return rc;
            uint32_t u = (uint32_t)rd_le(m->data + m->pos, 4);
            int32_t s;
            memcpy(&s, &u, sizeof s);
            m->pos += 4;
            rc = push(m, new_int(m, s));
            break;
        }
        case 'K':
            if ((rc = need_bytes(m, 1, "BININT1"))) return rc;
            rc = push(m, new_int(m, m->data[m->pos++]));
            break;
        case 'M':
            if ((rc = need_bytes(m, 2, "BININT2"))) return rc;
            rc = push(m, new_int(m, (int64_t)rd_le(m->data + m->pos, 2)));
            m->pos += 2;
            break;
        case 0x8a: rc = op_long(m, op, 1); break;
        case 0x8b: { /* LONG4: signed 32-bit length */
            if ((rc = need_bytes(m, 4, "LONG4"))) return rc;
            if (m->data[m->pos + 3] & 0x80) return FAIL(m, "LONG4 with a negative length");
            rc = op_long(m, op, 4);
            break;
        }
        case 'G': { /* BINFLOAT: big-endian double */
            if ((rc = need_bytes(m, 8, "BINFLOAT"))) return rc;
            uint64_t u = 0;
            for (int i = 0; i < 8; i++) u = (u << 8) | m->data[m->pos + (size_t)i];
            m->pos += 8;
            zoo_pk_value *v = new_value(m, ZOO_PK_FLOAT);
            if (v) memcpy(&v->u.f, &u, sizeof v->u.f);
            rc = push(m, v);
            break;
        }
        case 0x8c: rc = op_string(m, op, 1, ZOO_PK_STR, false); break;
        case 'X': rc = op_string(m, op, 4, ZOO_PK_STR, false); break;
        case 0x8d: rc = op_string(m, op, 8, ZOO_PK_STR, false); break;
        case 'C': rc = op_string(m, op, 1, ZOO_PK_BYTES, false); break;
        case 'B': rc = op_string(m, op, 4, ZOO_PK_BYTES, false); break;
        case 0x8e: rc = op_string(m, op, 8, ZOO_PK_BYTES, false); break;
        case 'U': rc = op_string(m, op, 1, ZOO_PK_BYTES, true); break;
        case 'T': rc = op_string(m, op, 4, ZOO_PK_BYTES, true); break;
        case '}': rc = push(m, new_value(m, ZOO_PK_DICT)); break;
        case ']': rc = push(m, new_value(m, ZOO_PK_LIST)); break;
        case ')': rc = push(m, new_value(m, ZOO_PK_TUPLE)); break;
        case 't': rc = op_to_mark_seq(m, op, ZOO_PK_TUPLE); break;
        case 'l': rc = op_to_mark_seq(m, op, ZOO_PK_LIST); break;
        case 0x85: rc = op_tuple_n(m, op, 1); break;
        case 0x86: rc = op_tuple_n(m, op, 2); break;
        case 0x87: rc = op_tuple_n(m, op, 3); break;
        case 'd': rc = op_setitems(m, op); break;
        case 'u': rc = op_setitems(m, op); break;
        case 's': { /* SETITEM */
            if ((rc = need_items(m, 3, op))) return rc;
            zoo_pk_value *v = pop(m), *k = pop(m), *dict = m->stack[m->sp - 1];
            if (dict->kind != ZOO_PK_DICT) return FAIL(m, "SETITEM on a %s", zoo_pk_kind_name(dict->kind));
            rc = dict_put(m, dict, k, v);
            break;
        }
        case 'a': { /* APPEND */
            if ((rc = need_items(m, 2, op))) return rc;
            zoo_pk_value *v = pop(m), *l = m->stack[m->sp - 1];
            if (l->kind != ZOO_PK_LIST) return FAIL(m, "APPEND to a %s", zoo_pk_kind_name(l->kind));
            rc = seq_push(m, l, v);
            break;
        }
        case 'e': rc = op_appends(m); break;
        case 'q':
            if ((rc = need_bytes(m, 1, "BINPUT"))) return rc;
            rc = memo_put(m, m->data[m->pos++]);
            break;
        case 'r':
            if ((rc = need_bytes(m, 4, "LONG_BINPUT"))) return rc;
            n = rd_le(m->data + m->pos, 4);
            m->pos += 4;
            rc = memo_put(m, n);
            break;
        case 0x94: rc = memo_put(m, m->memo_count); break;
        case 'h':
            if ((rc = need_bytes(m, 1, "BINGET"))) return rc;
            rc = memo_get(m, m->data[m->pos++]);
            break;
        case 'j':
            if ((rc = need_bytes(m, 4, "LONG_BINGET"))) return rc;
            n = rd_le(m->data + m->pos, 4);
            m->pos += 4;
            rc = memo_get(m, n);
            break;
        case 'c': rc = op_global(m); break;
        case 0x93: rc = op_stack_global(m); break;
        case 'R': rc = op_reduce(m); break;
        case 'b': rc = op_build(m); break;
        case 0x81:
        case 0x92:
        case 'i':
        case 'o':
            return FAIL(m, "opcode %s would instantiate a class: refused", op_name(op));
        case 'Q':
            if (m->lim.torch) {
                rc = op_binpersid(m);
                break;
            }
            return FAIL(m, "opcode %s (persistent id, e.g. a PyTorch storage) is not supported",
                        op_name(op));
        case 'P':
            return FAIL(m, "opcode %s (persistent id, e.g. a PyTorch storage) is not supported",
                        op_name(op));
        case 0x82:
        case 0x83:
        case 0x84:
            return FAIL(m, "opcode %s (copyreg extension registry) is not supported", op_name(op));
        case 0x8f:
        case 0x90:
        case 0x91: return FAIL(m, "opcode %s (sets) is not supported", op_name(op));
        case 0x96:
        case 0x97:
        case 0x98:
            return FAIL(m, "opcode %s (pickle protocol 5) is not supported", op_name(op));
        case 'F':
        case 'I':
        case 'L':
        case 'S':
        case 'V':
        case 'g':
        case 'p':
            return FAIL(m, "text opcode %s (pickle protocol 0) is not supported", op_name(op));
        default: return FAIL(m, "unknown pickle opcode 0x%02x", op);
        }
        if (rc) return rc;
    }
}

zoo_pk_doc *zoo_pk_parse(const uint8_t *data, size_t len, const char *origin,
                         const zoo_pk_limits *limits, zoo_error *err) {
    vm m;
    memset(&m, 0, sizeof m);
    m.data = data;
    m.len = data ? len : 0;
    m.origin = origin ? origin : "pickle";
    m.err = err;
    if (limits) m.lim = *limits;
    if (!m.lim.max_values) m.lim.max_values = (size_t)1 << 22;
    if (!m.lim.max_stack) m.lim.max_stack = (size_t)1 << 22;
    if (!m.lim.max_marks) m.lim.max_marks = 256;
    if (!m.lim.max_memo) m.lim.max_memo = (size_t)1 << 22;
    zoo_error local;
    if (!m.err) m.err = &local;
    m.doc = calloc(1, sizeof *m.doc);
    if (!m.doc) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", m.origin);
        return NULL;
    }
    int rc = 0;
    if (!(m.doc->none_v = new_value(&m, ZOO_PK_NONE)) ||
        !(m.doc->true_v = new_value(&m, ZOO_PK_BOOL)) ||
        !(m.doc->false_v = new_value(&m, ZOO_PK_BOOL)))
        rc = ZOO_ERR_RUNTIME;
    if (!rc) {
        m.doc->true_v->u.b = true;
        rc = run(&m);
    }
    free(m.stack);
    free(m.marks);
    free(m.memo);
    if (rc) {
        zoo_pk_free(m.doc);
        return NULL;
    }
    return m.doc;
}

zoo_pk_value *zoo_pk_root(const zoo_pk_doc *doc) {
    return doc ? doc->root : NULL;
}

int zoo_pk_protocol(const zoo_pk_doc *doc) {
    return doc ? doc->proto : 0;
}

size_t zoo_pk_end(const zoo_pk_doc *doc) {
    return doc ? doc->end : 0;
}

size_t zoo_pk_value_count(const zoo_pk_doc *doc) {
    return doc ? doc->n_values : 0;
}

zoo_pk_value *zoo_pk_value_at(const zoo_pk_doc *doc, size_t i) {
    if (!doc || i >= doc->n_values) return NULL;
    return &doc->chunks[i / CHUNK_VALUES][i % CHUNK_VALUES];
}

char *zoo_pk_text_dup(const zoo_pk_value *v) {
    if (!zoo_pk_is_text(v) || (v->u.s.n && memchr(v->u.s.p, 0, v->u.s.n))) return NULL;
    char *s = malloc(v->u.s.n + 1);
    if (!s) return NULL;
    if (v->u.s.n) memcpy(s, v->u.s.p, v->u.s.n);
    s[v->u.s.n] = '\0';
    return s;
}

zoo_pk_value *zoo_pk_dict_get(const zoo_pk_value *v, const char *key) {
    if (!v || v->kind != ZOO_PK_DICT) return NULL;
    for (size_t i = 0; i < v->u.dict.n; i++)
        if (zoo_pk_text_eq(v->u.dict.keys[i], key)) return v->u.dict.vals[i];
    return NULL;
}

uint8_t *zoo_pk_take_owned(zoo_pk_value *v) {
    if (!v || (v->kind != ZOO_PK_BYTES && v->kind != ZOO_PK_STR)) return NULL;
    uint8_t *o = v->u.s.owned;
    v->u.s.owned = NULL;
    return o;
}
