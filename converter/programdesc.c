/* converter/programdesc.c - ProgramDesc protobuf -> zoo_program
 * (programdesc.h; wire layout in formats.md 2.2).
 *
 * Contract: every block is read (vars and ops, in file order); every length is
 * bounds-checked by protobuf.c; known fields with a wrong wire type, var/op
 * records without a name/type, and tensors with more than ZOO_MAX_DIMS dims are
 * errors; unknown fields are skipped. Attribute values are kept for every
 * AttrType except SCALARS (skipped) and the "op_callstack" attribute (Python
 * tracebacks, dropped to save memory). Each message is walked twice: once to
 * count repeated fields, once to fill arrays of exactly that size, all in the
 * program's arena. Inputs over 128 MiB are refused (no real program is near
 * that). Errors: ZOO_ERR_INPUT, one line naming the origin.
 */
#include "converter/programdesc.h"

#include <limits.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "converter/lodtensor.h"
#include "converter/pir_json.h"
#include "converter/protobuf.h"

/* Real inference programs are a few MB at most; parsed structures take up to
 * ~16x the bytes of a hostile file, so bound what we accept. */
#define ZOO_PROGRAM_MAX_BYTES (128u << 20)

/* ---- arena -------------------------------------------------------------- */

struct zoo_arena_chunk {
    struct zoo_arena_chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

struct zoo_arena {
    struct zoo_arena_chunk *head;
};

void *zoo_program_alloc(zoo_program *p, size_t count, size_t size) {
    if (size && count > (SIZE_MAX - 64) / size) return NULL;
    size_t n = count * size;
    n = (n + 7) & ~(size_t)7;
    if (n == 0) n = 8;
    if (!p->arena) {
        p->arena = calloc(1, sizeof *p->arena);
        if (!p->arena) return NULL;
    }
    struct zoo_arena_chunk *c = p->arena->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > 65536 ? n : 65536;
        c = malloc(sizeof *c + cap);
        if (!c) return NULL;
        c->next = p->arena->head;
        c->used = 0;
        c->cap = cap;
        p->arena->head = c;
    }
    void *r = c->data + c->used;
    c->used += n;
    memset(r, 0, n);
    return r;
}

char *zoo_program_strndup(zoo_program *p, const char *s, size_t n) {
    if (n == SIZE_MAX) return NULL;
    char *r = zoo_program_alloc(p, n + 1, 1);
    if (!r) return NULL;
    if (n) memcpy(r, s, n);
    r[n] = 0;
    return r;
}

void zoo_program_free(zoo_program *p) {
    if (!p) return;
    if (p->arena) {
        struct zoo_arena_chunk *c = p->arena->head;
        while (c) {
            struct zoo_arena_chunk *next = c->next;
            free(c);
            c = next;
        }
        free(p->arena);
    }
    memset(p, 0, sizeof *p);
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct pctx {
    const char *origin;
    zoo_error *err;
    zoo_program *prog;
} pctx;

static int pb_fail(pctx *c, const zoo_pb *r) {
    return zoo_error_set(c->err, ZOO_ERR_INPUT, "%s: malformed ProgramDesc: %s at byte %zu",
                         c->origin, r->why ? r->why : "bad field", r->where);
}

static int sem_fail(pctx *c, size_t at, const char *what) {
    return zoo_error_set(c->err, ZOO_ERR_INPUT, "%s: malformed ProgramDesc: %s at byte %zu",
                         c->origin, what, at);
}

static int oom(pctx *c) {
    return zoo_error_set(c->err, ZOO_ERR_RUNTIME, "%s: out of memory reading the program",
                         c->origin);
}

static int str_field(pctx *c, zoo_pb *r, const zoo_pb_field *f, const char **out) {
    if (zoo_pb_expect(r, f, ZOO_PB_LEN) != 0) return pb_fail(c, r);
    char *s = zoo_program_strndup(c->prog, (const char *)f->data, f->len);
    if (!s) return oom(c);
    *out = s;
    return 0;
}

static int varint_field(pctx *c, zoo_pb *r, const zoo_pb_field *f, uint64_t *out) {
    if (zoo_pb_expect(r, f, ZOO_PB_VARINT) != 0) return pb_fail(c, r);
    *out = f->v;
    return 0;
}

static int count_cb(void *ctx, uint64_t raw) {
    (void)raw;
    int *n = ctx;
    if (*n == INT_MAX) return 1;
    (*n)++;
    return 0;
}

typedef struct ibuf {
    int64_t *v;
    int n, cap;
    int as_int32; /* proto int32: sign-extend the low 32 bits */
} ibuf;

static int ibuf_cb(void *ctx, uint64_t raw) {
    ibuf *b = ctx;
    if (b->n >= b->cap) return 1;
    b->v[b->n++] = b->as_int32 ? (int64_t)(int32_t)(uint32_t)raw : (int64_t)raw;
    return 0;
}

typedef struct fbuf {
    double *v;
    int n, cap;
    int f32;
} fbuf;

static int fbuf_cb(void *ctx, uint64_t raw) {
    fbuf *b = ctx;
    if (b->n >= b->cap) return 1;
    b->v[b->n++] = b->f32 ? (double)zoo_pb_f32(raw) : zoo_pb_f64(raw);
    return 0;
}

/* Counts elements of a repeated scalar field (packed or not) into *n. */
static int count_scalars(pctx *c, zoo_pb *r, const zoo_pb_field *f, int kind, int *n) {
    int rc = zoo_pb_scalars(r, f, kind, count_cb, n);
    if (rc == 1) return sem_fail(c, f->offset, "too many elements");
    if (rc) return pb_fail(c, r);
    return 0;
}

/* TensorDesc: 1 data_type, 2 dims. */
static int parse_tensor_desc(pctx *c, zoo_pb *parent, const zoo_pb_field *tf, zoo_pd_var *v) {
    if (zoo_pb_expect(parent, tf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_sub(&r, parent, tf);
    zoo_pb_field f;
    int rc, have_type = 0;
    int64_t dims[ZOO_MAX_DIMS];
    ibuf b = {dims, 0, ZOO_MAX_DIMS, 0};
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        if (f.num == 1) {
            uint64_t t = 0;
            int e = varint_field(c, &r, &f, &t);
            if (e) return e;
            if (t > 1000) return sem_fail(c, f.offset, "absurd data type code");
            v->dtype = (int)t;
            have_type = 1;
        } else if (f.num == 2) {
            int s = zoo_pb_scalars(&r, &f, ZOO_PB_K_VARINT, ibuf_cb, &b);
            if (s == 1) return sem_fail(c, f.offset, "tensor has too many dims");
            if (s) return pb_fail(c, &r);
        }
    }
    if (rc < 0) return pb_fail(c, &r);
    if (!have_type) return sem_fail(c, tf->offset, "TensorDesc without a data type");
    v->has_tensor = 1;
    v->ndim = b.n;
    memcpy(v->dims, dims, sizeof dims);
    return 0;
}

/* {LoDTensorDesc, LoDTensorArrayDesc}: 1 tensor, 2 lod_level. */
static int parse_lod_desc(pctx *c, zoo_pb *parent, const zoo_pb_field *lf, zoo_pd_var *v) {
    if (zoo_pb_expect(parent, lf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_sub(&r, parent, lf);
    zoo_pb_field f;
    int rc;
    while ((rc = zoo_pb_next(&r, &f)) == 1)
        if (f.num == 1 && (rc = parse_tensor_desc(c, &r, &f, v)) != 0) return rc;
    if (rc < 0) return pb_fail(c, &r);
    return 0;
}

/* VarType: 1 type, 2 selected_rows (TensorDesc), 3 lod_tensor, 4 tensor_array. */
static int parse_var_type(pctx *c, zoo_pb *parent, const zoo_pb_field *tf, zoo_pd_var *v) {
    if (zoo_pb_expect(parent, tf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_sub(&r, parent, tf);
    zoo_pb_field f;
    int rc, have_type = 0;
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        int e = 0;
        if (f.num == 1) {
            uint64_t t = 0;
            if ((e = varint_field(c, &r, &f, &t)) != 0) return e;
            if (t > 1000) return sem_fail(c, f.offset, "absurd variable type code");
            v->type = (int)t;
            have_type = 1;
        } else if (f.num == 2) {
            e = parse_tensor_desc(c, &r, &f, v);
        } else if (f.num == 3 || f.num == 4) {
            e = parse_lod_desc(c, &r, &f, v);
        }
        if (e) return e;
    }
    if (rc < 0) return pb_fail(c, &r);
    if (!have_type) return sem_fail(c, tf->offset, "VarType without a type");
    return 0;
}

/* VarDesc: 1 name, 2 type, 3 persistable. */
static int parse_var(pctx *c, zoo_pb *parent, const zoo_pb_field *vf, zoo_pd_var *v) {
    zoo_pb r;
    zoo_pb_sub(&r, parent, vf);
    zoo_pb_field f;
    int rc, have_type = 0;
    v->type = -1;
    v->dtype = -1;
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        int e = 0;
        if (f.num == 1) {
            e = str_field(c, &r, &f, &v->name);
        } else if (f.num == 2) {
            e = parse_var_type(c, &r, &f, v);
            have_type = 1;
        } else if (f.num == 3) {
            uint64_t b = 0;
            if ((e = varint_field(c, &r, &f, &b)) == 0) v->persistable = b != 0;
        }
        if (e) return e;
    }
    if (rc < 0) return pb_fail(c, &r);
    if (!v->name) return sem_fail(c, vf->offset, "variable without a name");
    if (!have_type) return sem_fail(c, vf->offset, "variable without a type");
    return 0;
}

/* OpDesc.Var: 1 parameter (slot), 2 repeated arguments. */
static int parse_slot(pctx *c, zoo_pb *parent, const zoo_pb_field *sf, zoo_pd_slot *s) {
    if (zoo_pb_expect(parent, sf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_field f;
    int rc, n = 0;
    zoo_pb_sub(&r, parent, sf);
    while ((rc = zoo_pb_next(&r, &f)) == 1)
        if (f.num == 2) n++;
    if (rc < 0) return pb_fail(c, &r);
    const char **args = zoo_program_alloc(c->prog, (size_t)n, sizeof *args);
    if (!args) return oom(c);
    int k = 0;
    zoo_pb_sub(&r, parent, sf);
    while (zoo_pb_next(&r, &f) == 1) {
        int e = 0;
        if (f.num == 1) e = str_field(c, &r, &f, &s->name);
        else if (f.num == 2) e = str_field(c, &r, &f, &args[k++]);
        if (e) return e;
    }
    if (!s->name) return sem_fail(c, sf->offset, "op argument slot without a name");
    s->args = args;
    s->n_args = n;
    return 0;
}

/* Scalar: 1 type (BOOLEAN=1 LONG=2 FLOAT64=3 COMPLEX128=4), 2 b, 3 i, 4 r. */
static int parse_scalar(pctx *c, zoo_pb *parent, const zoo_pb_field *sf, zoo_pd_attr *a) {
    if (zoo_pb_expect(parent, sf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_field f;
    int rc;
    zoo_pb_sub(&r, parent, sf);
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        if (f.num == 2 || f.num == 3) {
            uint64_t v = 0;
            if ((rc = varint_field(c, &r, &f, &v)) != 0) return rc;
            a->i = f.num == 2 ? (v != 0) : (int64_t)v;
        } else if (f.num == 4) {
            if (zoo_pb_expect(&r, &f, ZOO_PB_I64) != 0) return pb_fail(c, &r);
            a->f = zoo_pb_f64(f.v);
        }
    }
    if (rc < 0) return pb_fail(c, &r);
    return 0;
}

/* OpDesc.Attr (field numbers in formats.md 2.2). */
static int parse_attr(pctx *c, zoo_pb *parent, const zoo_pb_field *af, zoo_pd_attr *a,
                      int *skip) {
    if (zoo_pb_expect(parent, af, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_field f;
    int rc, n_ints = 0, n_floats = 0, n_strings = 0, have_type = 0, e;
    *skip = 0;
    a->s = "";
    zoo_pb_sub(&r, parent, af);
    /* pass 1: name, type, element counts */
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        e = 0;
        switch (f.num) {
        case 1: e = str_field(c, &r, &f, &a->name); break;
        case 2: {
            uint64_t t = 0;
            if ((e = varint_field(c, &r, &f, &t)) == 0) {
                if (t > 1000) return sem_fail(c, f.offset, "absurd attribute type");
                a->type = (int)t;
                have_type = 1;
            }
            break;
        }
        case 6: case 11: case 14: case 15:
            e = count_scalars(c, &r, &f, ZOO_PB_K_VARINT, &n_ints);
            break;
        case 7: e = count_scalars(c, &r, &f, ZOO_PB_K_F32, &n_floats); break;
        case 16: e = count_scalars(c, &r, &f, ZOO_PB_K_F64, &n_floats); break;
        case 8: case 18:
            if (zoo_pb_expect(&r, &f, ZOO_PB_LEN) != 0) return pb_fail(c, &r);
            n_strings++;
            break;
        default: break;
        }
        if (e) return e;
    }
    if (rc < 0) return pb_fail(c, &r);
    if (!a->name) return sem_fail(c, af->offset, "attribute without a name");
    if (!have_type) return sem_fail(c, af->offset, "attribute without a type");
    if (strcmp(a->name, "op_callstack") == 0) {
        *skip = 1;
        return 0;
    }
    int64_t *ints = zoo_program_alloc(c->prog, (size_t)n_ints, sizeof *ints);
    double *floats = zoo_program_alloc(c->prog, (size_t)n_floats, sizeof *floats);
    const char **strings = zoo_program_alloc(c->prog, (size_t)n_strings, sizeof *strings);
    if (!ints || !floats || !strings) return oom(c);
    ibuf ib = {ints, 0, n_ints, 0};
    fbuf fb = {floats, 0, n_floats, 0};
    int ns = 0;
    /* pass 2: values (the walk already succeeded once, so it cannot fail structurally) */
    zoo_pb_sub(&r, parent, af);
    while (zoo_pb_next(&r, &f) == 1) {
        e = 0;
        uint64_t v = 0;
        switch (f.num) {
        case 3:
            if ((e = varint_field(c, &r, &f, &v)) == 0) a->i = (int32_t)(uint32_t)v;
            break;
        case 10: case 12:
            if ((e = varint_field(c, &r, &f, &v)) == 0)
                a->i = f.num == 10 ? (v != 0) : (int32_t)(uint32_t)v;
            break;
        case 13:
            if ((e = varint_field(c, &r, &f, &v)) == 0) a->i = (int64_t)v;
            break;
        case 4:
            if (zoo_pb_expect(&r, &f, ZOO_PB_I32) != 0) return pb_fail(c, &r);
            a->f = zoo_pb_f32(f.v);
            break;
        case 19:
            if (zoo_pb_expect(&r, &f, ZOO_PB_I64) != 0) return pb_fail(c, &r);
            a->f = zoo_pb_f64(f.v);
            break;
        case 5: case 17: e = str_field(c, &r, &f, &a->s); break;
        case 8: case 18: e = str_field(c, &r, &f, &strings[ns++]); break;
        case 6: case 11: case 14: case 15:
            ib.as_int32 = f.num != 15;
            if (zoo_pb_scalars(&r, &f, ZOO_PB_K_VARINT, ibuf_cb, &ib) != 0) return pb_fail(c, &r);
            break;
        case 7: case 16:
            fb.f32 = f.num == 7;
            if (zoo_pb_scalars(&r, &f, f.num == 7 ? ZOO_PB_K_F32 : ZOO_PB_K_F64, fbuf_cb, &fb) != 0)
                return pb_fail(c, &r);
            break;
        case 20: e = parse_scalar(c, &r, &f, a); break;
        default: break;
        }
        if (e) return e;
    }
    a->ints = ints;
    a->n_ints = ib.n;
    a->floats = floats;
    a->n_floats = fb.n;
    a->strings = strings;
    a->n_strings = ns;
    return 0;
}

/* OpDesc: 3 type, 1 inputs, 2 outputs, 4 attrs. */
static int parse_op(pctx *c, zoo_pb *parent, const zoo_pb_field *of, zoo_pd_op *op) {
    zoo_pb r;
    zoo_pb_field f;
    int rc, ni = 0, no = 0, na = 0;
    zoo_pb_sub(&r, parent, of);
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        if (f.num == 1) ni++;
        else if (f.num == 2) no++;
        else if (f.num == 4) na++;
    }
    if (rc < 0) return pb_fail(c, &r);
    zoo_pd_slot *in = zoo_program_alloc(c->prog, (size_t)ni, sizeof *in);
    zoo_pd_slot *out = zoo_program_alloc(c->prog, (size_t)no, sizeof *out);
    zoo_pd_attr *attrs = zoo_program_alloc(c->prog, (size_t)na, sizeof *attrs);
    if (!in || !out || !attrs) return oom(c);
    int ki = 0, ko = 0, ka = 0;
    zoo_pb_sub(&r, parent, of);
    while (zoo_pb_next(&r, &f) == 1) {
        int e = 0, skip = 0;
        if (f.num == 3) e = str_field(c, &r, &f, &op->type);
        else if (f.num == 1) e = parse_slot(c, &r, &f, &in[ki++]);
        else if (f.num == 2) e = parse_slot(c, &r, &f, &out[ko++]);
        else if (f.num == 4) {
            e = parse_attr(c, &r, &f, &attrs[ka], &skip);
            if (!e && !skip) ka++;
            else if (!e) memset(&attrs[ka], 0, sizeof attrs[ka]);
        }
        if (e) return e;
    }
    if (!op->type) return sem_fail(c, of->offset, "op without a type");
    op->inputs = in;
    op->n_inputs = ni;
    op->outputs = out;
    op->n_outputs = no;
    op->attrs = attrs;
    op->n_attrs = ka;
    return 0;
}

/* BlockDesc: 1 idx, 2 parent_idx, 3 vars, 4 ops. */
static int parse_block(pctx *c, zoo_pb *parent, const zoo_pb_field *bf, zoo_pd_block *b) {
    if (zoo_pb_expect(parent, bf, ZOO_PB_LEN) != 0) return pb_fail(c, parent);
    zoo_pb r;
    zoo_pb_field f;
    int rc, nv = 0, no = 0;
    zoo_pb_sub(&r, parent, bf);
    while ((rc = zoo_pb_next(&r, &f)) == 1) {
        if ((f.num == 3 || f.num == 4) && zoo_pb_expect(&r, &f, ZOO_PB_LEN) != 0)
            return pb_fail(c, &r);
        if (f.num == 3) nv++;
        else if (f.num == 4) no++;
    }
    if (rc < 0) return pb_fail(c, &r);
    zoo_pd_var *vars = zoo_program_alloc(c->prog, (size_t)nv, sizeof *vars);
    zoo_pd_op *ops = zoo_program_alloc(c->prog, (size_t)no, sizeof *ops);
    if (!vars || !ops) return oom(c);
    int kv = 0, ko = 0;
    b->parent_idx = -1;
    zoo_pb_sub(&r, parent, bf);
    while (zoo_pb_next(&r, &f) == 1) {
        int e = 0;
        uint64_t v = 0;
        if (f.num == 1 || f.num == 2) {
            if ((e = varint_field(c, &r, &f, &v)) == 0) {
                if (f.num == 1) b->idx = (int32_t)(uint32_t)v;
                else b->parent_idx = (int32_t)(uint32_t)v;
            }
        } else if (f.num == 3) {
            e = parse_var(c, &r, &f, &vars[kv++]);
        } else if (f.num == 4) {
            e = parse_op(c, &r, &f, &ops[ko++]);
        }
        if (e) return e;
    }
    b->vars = vars;
    b->n_vars = nv;
    b->ops = ops;
    b->n_ops = no;
    return 0;
}

int zoo_program_parse(const char *origin, const void *buf, size_t len, zoo_program *out,
                      zoo_error *err) {
    memset(out, 0, sizeof *out);
    pctx c = {origin, err, out};
    if (!buf || len == 0)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file (not a Paddle program)", origin);
    if (len > ZOO_PROGRAM_MAX_BYTES) {
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: ProgramDesc of %zu bytes is too large",
                             origin, len);
    }
    zoo_pb r;
    zoo_pb_field f;
    int rc, nb = 0;
    zoo_pb_init(&r, buf, len);
    while ((rc = zoo_pb_next(&r, &f)) == 1)
        if (f.num == 1) nb++;
    if (rc < 0) {
        pb_fail(&c, &r);
        zoo_program_free(out);
        return ZOO_ERR_INPUT;
    }
    zoo_pd_block *blocks = zoo_program_alloc(out, (size_t)nb, sizeof *blocks);
    if (!blocks) {
        oom(&c);
        zoo_program_free(out);
        return ZOO_ERR_RUNTIME;
    }
    int kb = 0, e = 0;
    zoo_pb_init(&r, buf, len);
    while (!e && zoo_pb_next(&r, &f) == 1) {
        if (f.num == 1) {
            e = parse_block(&c, &r, &f, &blocks[kb++]);
        } else if (f.num == 4) { /* Version { 1: int64 version } */
            if (zoo_pb_expect(&r, &f, ZOO_PB_LEN) != 0) {
                e = pb_fail(&c, &r);
                break;
            }
            zoo_pb vr;
            zoo_pb_field vf;
            int vrc;
            zoo_pb_sub(&vr, &r, &f);
            while ((vrc = zoo_pb_next(&vr, &vf)) == 1)
                if (vf.num == 1 && (e = varint_field(&c, &vr, &vf, (uint64_t *)&out->version)))
                    break;
            if (!e && vrc < 0) e = pb_fail(&c, &vr);
        }
    }
    if (!e && nb == 0) e = sem_fail(&c, 0, "no blocks (not a Paddle program?)");
    if (e) {
        zoo_program_free(out);
        return e;
    }
    out->blocks = blocks;
    out->n_blocks = nb;
    return 0;
}

int zoo_program_load(const char *path, zoo_program *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    zoo_mapped_file m;
    int rc = zoo_map_file(path, &m, err);
    if (rc) return rc;
    rc = zoo_program_parse(path, m.data, m.size, out, err);
    zoo_unmap_file(&m);
    return rc;
}

int zoo_program_load_any(const char *path, zoo_program *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    zoo_mapped_file m;
    int rc = zoo_map_file(path, &m, err);
    if (rc) return rc;
    size_t i = 0;
    while (i < m.size && (m.data[i] == ' ' || m.data[i] == '\t' || m.data[i] == '\n' ||
                          m.data[i] == '\r'))
        i++;
    if (i < m.size && m.data[i] == '{')
        rc = zoo_pir_json_parse(path, (const char *)m.data, m.size, out, err);
    else
        rc = zoo_program_parse(path, m.data, m.size, out, err);
    zoo_unmap_file(&m);
    return rc;
}

/* ---- lookups ------------------------------------------------------------ */

const zoo_pd_var *zoo_program_find_var(const zoo_program *p, const char *name) {
    for (int b = 0; b < p->n_blocks; b++)
        for (int i = 0; i < p->blocks[b].n_vars; i++)
            if (strcmp(p->blocks[b].vars[i].name, name) == 0) return &p->blocks[b].vars[i];
    return NULL;
}

const zoo_pd_attr *zoo_pd_op_attr(const zoo_pd_op *op, const char *name) {
    for (int i = 0; i < op->n_attrs; i++)
        if (strcmp(op->attrs[i].name, name) == 0) return &op->attrs[i];
    return NULL;
}

static const zoo_pd_slot *find_slot(const zoo_pd_slot *s, int n, const char *name) {
    for (int i = 0; i < n; i++)
        if (strcmp(s[i].name, name) == 0) return &s[i];
    return NULL;
}

const zoo_pd_slot *zoo_pd_op_input(const zoo_pd_op *op, const char *slot) {
    return find_slot(op->inputs, op->n_inputs, slot);
}

const zoo_pd_slot *zoo_pd_op_output(const zoo_pd_op *op, const char *slot) {
    return find_slot(op->outputs, op->n_outputs, slot);
}

static int cmp_var_name(const void *a, const void *b) {
    const zoo_pd_var *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

int zoo_program_saved_vars(const zoo_program *p, const char *origin, const zoo_pd_var ***out,
                           int *n, zoo_error *err) {
    *out = NULL;
    *n = 0;
    size_t total = 0;
    for (int b = 0; b < p->n_blocks; b++) total += (size_t)p->blocks[b].n_vars;
    const zoo_pd_var **v = malloc((total ? total : 1) * sizeof *v);
    if (!v) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", origin);
    int k = 0;
    for (int b = 0; b < p->n_blocks; b++) {
        for (int i = 0; i < p->blocks[b].n_vars; i++) {
            const zoo_pd_var *x = &p->blocks[b].vars[i];
            if (!x->persistable) continue;
            if (x->type == ZOO_PD_FEED_MINIBATCH || x->type == ZOO_PD_FETCH_LIST ||
                x->type == ZOO_PD_READER || x->type == ZOO_PD_RAW)
                continue;
            v[k++] = x;
        }
    }
    qsort(v, (size_t)k, sizeof *v, cmp_var_name);
    /* the same name may be declared in several blocks: keep one */
    int m = 0;
    for (int i = 0; i < k; i++) {
        if (m > 0 && strcmp(v[m - 1]->name, v[i]->name) == 0) continue;
        v[m++] = v[i];
    }
    for (int i = 0; i < m; i++) {
        if (v[i]->type != ZOO_PD_LOD_TENSOR || !v[i]->has_tensor) {
            int t = v[i]->type;
            const char *name = v[i]->name;
            free(v);
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: persistable variable %s has variable type %d (only "
                                 "LOD_TENSOR parameters are supported)",
                                 origin, name, t);
        }
    }
    *out = v;
    *n = m;
    return 0;
}
