/* converter/pir_json.c - Paddle 3 PIR JSON program -> zoo_program (pir_json.h).
 *
 * Contract: the file must be JSON with base_code.magic == "pir" and a
 * program.regions[].blocks[].ops[] list; every parameter op must carry a name
 * and a dense-tensor type with a known dtype and at most ZOO_MAX_DIMS dims;
 * parameter names are unique. Anything else malformed in the parts this
 * reader uses is ZOO_ERR_INPUT with a one-line message naming the file, the
 * block and the op index. Ops nested in op regions (control flow) are not
 * walked. Layout facts are from Paddle's serializer
 * (paddle/fluid/pir/serialize_deserialize: schema.h, ir_serialize.cc) and
 * checked against files written by paddle 3.3 (tests/fixtures/paddleinfer).
 */
#include "converter/pir_json.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter/lodtensor.h"

int zoo_pir_dtype(const char *id) {
    static const struct { const char *id; int code; } map[] = {
        {"t_f32", ZOO_PD_FP32},  {"t_f16", ZOO_PD_FP16},   {"t_bf16", ZOO_PD_BF16},
        {"t_f64", ZOO_PD_FP64},  {"t_i8", ZOO_PD_INT8},    {"t_ui8", ZOO_PD_UINT8},
        {"t_i16", ZOO_PD_INT16}, {"t_i32", ZOO_PD_INT32},  {"t_i64", ZOO_PD_INT64},
        {"t_bool", ZOO_PD_BOOL}, {"t_c64", ZOO_PD_COMPLEX64}, {"t_c128", ZOO_PD_COMPLEX128},
    };
    if (!id || strncmp(id, "0.", 2) != 0) return -1;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (strcmp(id + 2, map[i].id) == 0) return map[i].code;
    return -1;
}

/* ---- value id -> name (only parameters and inputs have names) ----------- */

typedef struct name_map {
    int64_t *ids;
    const char **names;
    size_t cap, n;
} name_map;

static size_t hash_id(int64_t id, size_t cap) {
    uint64_t x = (uint64_t)id * 0x9E3779B97F4A7C15ull;
    return (size_t)(x >> 17) & (cap - 1);
}

static int map_put(name_map *m, int64_t id, const char *name) {
    if ((m->n + 1) * 2 > m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 64;
        int64_t *ids = malloc(cap * sizeof *ids);
        const char **names = calloc(cap, sizeof *names);
        if (!ids || !names) {
            free(ids);
            free(names);
            return -1;
        }
        for (size_t i = 0; i < m->cap; i++) {
            if (!m->names[i]) continue;
            size_t k = hash_id(m->ids[i], cap);
            while (names[k]) k = (k + 1) & (cap - 1);
            ids[k] = m->ids[i];
            names[k] = m->names[i];
        }
        free(m->ids);
        free(m->names);
        m->ids = ids;
        m->names = names;
        m->cap = cap;
    }
    size_t k = hash_id(id, m->cap);
    while (m->names[k] && m->ids[k] != id) k = (k + 1) & (m->cap - 1);
    if (!m->names[k]) m->n++;
    m->ids[k] = id;
    m->names[k] = name;
    return 0;
}

static const char *map_get(const name_map *m, int64_t id) {
    if (!m->cap) return NULL;
    size_t k = hash_id(id, m->cap);
    while (m->names[k]) {
        if (m->ids[k] == id) return m->names[k];
        k = (k + 1) & (m->cap - 1);
    }
    return NULL;
}

/* ---- parsing ------------------------------------------------------------ */

typedef struct jctx {
    const char *origin;
    zoo_error *err;
    zoo_program *prog;
    name_map names;
    int block, op; /* position for messages */
} jctx;

static int jfail(jctx *c, const char *what) {
    if (c->block >= 0)
        return zoo_error_set(c->err, ZOO_ERR_INPUT, "%s: malformed PIR program: %s (block %d, op %d)",
                             c->origin, what, c->block, c->op);
    return zoo_error_set(c->err, ZOO_ERR_INPUT, "%s: malformed PIR program: %s", c->origin, what);
}

static int joom(jctx *c) {
    return zoo_error_set(c->err, ZOO_ERR_RUNTIME, "%s: out of memory reading the PIR program",
                         c->origin);
}

static char *jstrdup(jctx *c, const char *s) {
    return zoo_program_strndup(c->prog, s, strlen(s));
}

/* "1.conv2d" -> "pd_op.conv2d" (dialect ids from Paddle's DialectIdMap). */
static const char *op_name(jctx *c, const char *id) {
    static const char *const dialects[] = {"builtin", "pd_op", "cf", "custom_op", "pd_dist"};
    const char *dot = strchr(id, '.');
    if (dot && dot - id == 1 && id[0] >= '0' && id[0] <= '4') {
        const char *d = dialects[id[0] - '0'];
        size_t n = strlen(d) + strlen(dot) + 1;
        char *s = zoo_program_alloc(c->prog, n, 1);
        if (s) snprintf(s, n, "%s%s", d, dot);
        return s;
    }
    return jstrdup(c, id);
}

/* Fills dtype/dims from a value's "TT" (dense tensor types only). */
static int read_type(jctx *c, json_t *tt, zoo_pd_var *v, int required) {
    const char *tid = json_string_value(json_object_get(tt, "#"));
    json_t *d = json_object_get(tt, "D");
    if (!tid || strcmp(tid, "0.t_dtensor") != 0 || !json_is_array(d) || json_array_size(d) < 2) {
        if (required) return jfail(c, "parameter without a dense tensor type");
        return 0;
    }
    const char *did = json_string_value(json_object_get(json_array_get(d, 0), "#"));
    int code = zoo_pir_dtype(did);
    json_t *dims = json_array_get(d, 1);
    if (!json_is_array(dims)) return required ? jfail(c, "tensor type without dims") : 0;
    if (code < 0) {
        if (!required) return 0;
        char msg[160];
        snprintf(msg, sizeof msg, "parameter %s has unsupported data type %s", v->name,
                 did ? did : "(none)");
        return jfail(c, msg);
    }
    size_t nd = json_array_size(dims);
    if (nd > ZOO_MAX_DIMS) return required ? jfail(c, "tensor type has too many dims") : 0;
    for (size_t i = 0; i < nd; i++) {
        json_t *x = json_array_get(dims, i);
        if (!json_is_integer(x)) return required ? jfail(c, "non-integer dimension") : 0;
        v->dims[i] = (int64_t)json_integer_value(x);
    }
    v->ndim = (int)nd;
    v->dtype = code;
    v->has_tensor = 1;
    return 0;
}

/* One {"#": kind, "D": data} attribute value into a (type, values); 1 = skipped. */
static int read_attr_value(jctx *c, json_t *at, zoo_pd_attr *a) {
    const char *kind = json_string_value(json_object_get(at, "#"));
    json_t *d = json_object_get(at, "D");
    if (!kind) return 1;
    if (!strcmp(kind, "0.a_bool") && json_is_boolean(d)) {
        a->type = ZOO_PD_A_BOOLEAN;
        a->i = json_is_true(d);
    } else if ((!strcmp(kind, "0.a_i32") || !strcmp(kind, "0.a_i64")) && json_is_integer(d)) {
        a->type = !strcmp(kind, "0.a_i32") ? ZOO_PD_A_INT : ZOO_PD_A_LONG;
        a->i = (int64_t)json_integer_value(d);
    } else if (!strcmp(kind, "0.a_f32") || !strcmp(kind, "0.a_f64")) {
        a->type = !strcmp(kind, "0.a_f32") ? ZOO_PD_A_FLOAT : ZOO_PD_A_FLOAT64;
        const char *vd = json_string_value(json_object_get(at, "VD"));
        if (json_is_number(d)) a->f = json_number_value(d);
        else if (vd && !strcmp(vd, "NaN")) a->f = NAN;
        else if (vd && !strcmp(vd, "INF")) a->f = INFINITY;
        else if (vd && !strcmp(vd, "-INF")) a->f = -INFINITY;
        else return 1;
    } else if ((!strcmp(kind, "0.a_str") || !strcmp(kind, "1.a_dtype")) && json_is_string(d)) {
        a->type = ZOO_PD_A_STRING;
        if (!(a->s = jstrdup(c, json_string_value(d)))) return joom(c);
    } else if (!strcmp(kind, "1.a_intarray") && json_is_array(d)) {
        size_t n = json_array_size(d);
        int64_t *v = zoo_program_alloc(c->prog, n, sizeof *v);
        if (!v) return joom(c);
        for (size_t i = 0; i < n; i++) {
            if (!json_is_integer(json_array_get(d, i))) return 1;
            v[i] = (int64_t)json_integer_value(json_array_get(d, i));
        }
        a->type = ZOO_PD_A_LONGS;
        a->ints = v;
        a->n_ints = (int)n;
    } else if (!strcmp(kind, "0.a_array") && json_is_array(d)) {
        size_t n = json_array_size(d);
        const char *k0 = n ? json_string_value(json_object_get(json_array_get(d, 0), "#")) : "0.a_i32";
        if (!k0) return 1;
        for (size_t i = 1; i < n; i++) {
            const char *ki = json_string_value(json_object_get(json_array_get(d, i), "#"));
            if (!ki || strcmp(ki, k0) != 0) return 1; /* mixed array */
        }
        if (!strcmp(k0, "0.a_bool") || !strcmp(k0, "0.a_i32") || !strcmp(k0, "0.a_i64")) {
            int64_t *v = zoo_program_alloc(c->prog, n, sizeof *v);
            if (!v) return joom(c);
            for (size_t i = 0; i < n; i++) {
                json_t *x = json_object_get(json_array_get(d, i), "D");
                if (json_is_boolean(x)) v[i] = json_is_true(x);
                else if (json_is_integer(x)) v[i] = (int64_t)json_integer_value(x);
                else return 1;
            }
            a->type = !strcmp(k0, "0.a_bool")  ? ZOO_PD_A_BOOLEANS
                      : !strcmp(k0, "0.a_i32") ? ZOO_PD_A_INTS
                                               : ZOO_PD_A_LONGS;
            a->ints = v;
            a->n_ints = (int)n;
        } else if (!strcmp(k0, "0.a_f32") || !strcmp(k0, "0.a_f64")) {
            double *v = zoo_program_alloc(c->prog, n, sizeof *v);
            if (!v) return joom(c);
            for (size_t i = 0; i < n; i++) {
                json_t *x = json_object_get(json_array_get(d, i), "D");
                if (!json_is_number(x)) return 1;
                v[i] = json_number_value(x);
            }
            a->type = !strcmp(k0, "0.a_f32") ? ZOO_PD_A_FLOATS : ZOO_PD_A_FLOAT64S;
            a->floats = v;
            a->n_floats = (int)n;
        } else if (!strcmp(k0, "0.a_str")) {
            const char **v = zoo_program_alloc(c->prog, n, sizeof *v);
            if (!v) return joom(c);
            for (size_t i = 0; i < n; i++) {
                const char *x = json_string_value(json_object_get(json_array_get(d, i), "D"));
                if (!x) return 1;
                if (!(v[i] = jstrdup(c, x))) return joom(c);
            }
            a->type = ZOO_PD_A_STRINGS;
            a->strings = v;
            a->n_strings = (int)n;
        } else {
            return 1;
        }
    } else {
        return 1;
    }
    return 0;
}

/* "A": [{"N": name, "AT": value}, ...] */
static int read_attrs(jctx *c, json_t *arr, zoo_pd_op *op) {
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    zoo_pd_attr *attrs = zoo_program_alloc(c->prog, n, sizeof *attrs);
    if (!attrs) return joom(c);
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(arr, i);
        const char *name = json_string_value(json_object_get(e, "N"));
        json_t *at = json_object_get(e, "AT");
        if (!name || !json_is_object(at)) continue;
        zoo_pd_attr *a = &attrs[k];
        a->s = "";
        int rc = read_attr_value(c, at, a);
        if (rc == 1) {
            memset(a, 0, sizeof *a);
            continue;
        }
        if (rc) return rc;
        if (!(a->name = jstrdup(c, name))) return joom(c);
        k++;
    }
    op->attrs = attrs;
    op->n_attrs = k;
    return 0;
}

static const zoo_pd_attr *find_attr(const zoo_pd_op *op, const char *name) {
    return zoo_pd_op_attr(op, name);
}

static int value_id(json_t *v, int64_t *id) {
    json_t *x = json_object_get(v, "%");
    if (!json_is_integer(x)) return -1;
    *id = (int64_t)json_integer_value(x);
    return 0;
}

/* A slot named `slot` whose args name the values of `arr` (objects with "%"). */
static int value_slot(jctx *c, json_t *arr, const char *slot, const zoo_pd_slot **out, int *nout) {
    size_t n = json_array_size(arr);
    zoo_pd_slot *s = zoo_program_alloc(c->prog, 1, sizeof *s);
    const char **args = zoo_program_alloc(c->prog, n, sizeof *args);
    if (!s || !args) return joom(c);
    for (size_t i = 0; i < n; i++) {
        int64_t id;
        if (value_id(json_array_get(arr, i), &id) != 0) return jfail(c, "value without an id");
        const char *nm = map_get(&c->names, id);
        if (!nm) {
            char buf[32];
            snprintf(buf, sizeof buf, "%%%lld", (long long)id);
            nm = jstrdup(c, buf);
            if (!nm) return joom(c);
        }
        args[i] = nm;
    }
    s->name = slot;
    s->args = args;
    s->n_args = (int)n;
    *out = s;
    *nout = 1;
    return 0;
}

static int bool_at(json_t *arr, size_t i, int dflt) {
    json_t *x = json_array_get(arr, i);
    if (json_is_integer(x)) return json_integer_value(x) != 0;
    if (json_is_boolean(x)) return json_is_true(x);
    return dflt;
}

/* A "persistable" result attribute of an uncompressed op: [{"#":"0.a_bool","D":b}]. */
static int persistable_attr(json_t *oa, int dflt) {
    size_t n = json_is_array(oa) ? json_array_size(oa) : 0;
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(oa, i);
        const char *name = json_string_value(json_object_get(e, "N"));
        if (!name || strcmp(name, "persistable") != 0) continue;
        json_t *arr = json_object_get(json_object_get(e, "AT"), "D");
        json_t *b = json_object_get(json_array_get(arr, 0), "D");
        if (json_is_boolean(b)) return json_is_true(b);
    }
    return dflt;
}

static int add_param(jctx *c, zoo_pd_var *v, const char *name, json_t *value, int persistable) {
    if (!(v->name = jstrdup(c, name))) return joom(c);
    v->type = ZOO_PD_LOD_TENSOR;
    v->persistable = persistable;
    v->dtype = -1;
    int64_t id;
    if (!json_is_object(value) || value_id(value, &id) != 0)
        return jfail(c, "parameter without a result value");
    int rc = read_type(c, json_object_get(value, "TT"), v, 1);
    if (rc) return rc;
    if (map_get(&c->names, id)) return jfail(c, "two values share an id");
    if (map_put(&c->names, id, v->name) != 0) return joom(c);
    return 0;
}

static int parse_block(jctx *c, json_t *bj, zoo_pd_block *b) {
    json_t *ops = json_object_get(bj, "ops");
    if (!json_is_array(ops)) return jfail(c, "block without an ops list");
    size_t n = json_array_size(ops);
    size_t nv = 0;
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_object_get(json_array_get(ops, i), "#"));
        if (id && (!strcmp(id, "p") || !strcmp(id, "0.parameter") || !strcmp(id, "1.data")))
            nv++;
    }
    zoo_pd_var *vars = zoo_program_alloc(c->prog, nv, sizeof *vars);
    zoo_pd_op *zops = zoo_program_alloc(c->prog, n, sizeof *zops);
    if (!vars || !zops) return joom(c);
    size_t kv = 0;
    for (size_t i = 0; i < n; i++) {
        c->op = (int)i;
        json_t *oj = json_array_get(ops, i);
        zoo_pd_op *op = &zops[i];
        const char *id = json_string_value(json_object_get(oj, "#"));
        if (!json_is_object(oj) || !id) return jfail(c, "op without a name");
        int rc;
        if (!strcmp(id, "p")) { /* compressed builtin.parameter */
            json_t *a = json_object_get(oj, "A");
            const char *name = json_string_value(json_array_get(a, 3));
            if (!json_is_array(a) || !name) return jfail(c, "parameter op without a name");
            json_t *oa = json_object_get(oj, "OA");
            int persistable = json_is_array(oa) ? bool_at(oa, 0, 1) : 1;
            zoo_pd_var *v = &vars[kv++];
            if ((rc = add_param(c, v, name, json_object_get(oj, "O"), persistable))) return rc;
            op->type = "builtin.parameter";
            zoo_pd_attr *pa = zoo_program_alloc(c->prog, 1, sizeof *pa);
            if (!pa) return joom(c);
            pa->name = "parameter_name";
            pa->type = ZOO_PD_A_STRING;
            pa->s = v->name;
            op->attrs = pa;
            op->n_attrs = 1;
            json_t *outs = json_array();
            if (!outs) return joom(c);
            json_array_append(outs, json_object_get(oj, "O"));
            rc = value_slot(c, outs, "O", &op->outputs, &op->n_outputs);
            json_decref(outs);
            if (rc) return rc;
            continue;
        }
        if (!(op->type = op_name(c, id))) return joom(c);
        if ((rc = read_attrs(c, json_object_get(oj, "A"), op))) return rc;
        json_t *outs = json_object_get(oj, "O");
        if (!json_is_array(outs)) outs = NULL;
        if (!strcmp(op->type, "builtin.parameter") || !strcmp(op->type, "pd_op.data")) {
            int is_param = op->type[0] == 'b';
            const zoo_pd_attr *na = find_attr(op, is_param ? "parameter_name" : "name");
            if (!na || na->type != ZOO_PD_A_STRING || !na->s[0])
                return jfail(c, is_param ? "parameter op without parameter_name" : "data op without a name");
            if (!outs || json_array_size(outs) != 1) return jfail(c, "op must have one result");
            zoo_pd_var *v = &vars[kv++];
            if (is_param) {
                int persistable = persistable_attr(json_object_get(oj, "OA"), 1);
                if ((rc = add_param(c, v, na->s, json_array_get(outs, 0), persistable))) return rc;
            } else {
                int64_t vid;
                v->name = na->s;
                v->type = ZOO_PD_LOD_TENSOR;
                v->dtype = -1;
                if (value_id(json_array_get(outs, 0), &vid) != 0) return jfail(c, "value without an id");
                if ((rc = read_type(c, json_object_get(json_array_get(outs, 0), "TT"), v, 0))) return rc;
                if (map_put(&c->names, vid, v->name) != 0) return joom(c);
            }
        }
        json_t *ins = json_object_get(oj, "I");
        if (json_is_array(ins) && (rc = value_slot(c, ins, "I", &op->inputs, &op->n_inputs)))
            return rc;
        if (outs && (rc = value_slot(c, outs, "O", &op->outputs, &op->n_outputs))) return rc;
    }
    b->vars = vars;
    b->n_vars = (int)kv;
    b->ops = zops;
    b->n_ops = (int)n;
    b->parent_idx = -1;
    return 0;
}

static int parse_root(jctx *c, json_t *root) {
    if (!json_is_object(root)) return jfail(c, "top level is not an object");
    json_t *bc = json_object_get(root, "base_code");
    const char *magic = json_string_value(json_object_get(bc, "magic"));
    if (!magic || strcmp(magic, "pir") != 0)
        return jfail(c, "base_code.magic is not \"pir\" (not a Paddle PIR program)");
    json_t *ver = json_object_get(bc, "version");
    if (json_is_integer(ver)) c->prog->version = (int64_t)json_integer_value(ver);
    json_t *regions = json_object_get(json_object_get(root, "program"), "regions");
    if (!json_is_array(regions)) return jfail(c, "program.regions is missing");
    size_t nb = 0;
    for (size_t r = 0; r < json_array_size(regions); r++) {
        json_t *bl = json_object_get(json_array_get(regions, r), "blocks");
        if (!json_is_array(bl)) return jfail(c, "region without a blocks list");
        nb += json_array_size(bl);
    }
    if (nb == 0) return jfail(c, "program has no blocks");
    if (nb > 1000000) return jfail(c, "absurd number of blocks");
    zoo_pd_block *blocks = zoo_program_alloc(c->prog, nb, sizeof *blocks);
    if (!blocks) return joom(c);
    size_t k = 0;
    for (size_t r = 0; r < json_array_size(regions); r++) {
        json_t *bl = json_object_get(json_array_get(regions, r), "blocks");
        for (size_t i = 0; i < json_array_size(bl); i++, k++) {
            c->block = (int)k;
            c->op = -1;
            blocks[k].idx = (int)k;
            int rc = parse_block(c, json_array_get(bl, i), &blocks[k]);
            if (rc) return rc;
        }
    }
    c->prog->blocks = blocks;
    c->prog->n_blocks = (int)nb;
    c->prog->is_pir = 1;
    return 0;
}

int zoo_pir_json_parse(const char *origin, const char *buf, size_t len, zoo_program *out,
                       zoo_error *err) {
    memset(out, 0, sizeof *out);
    if (!buf || len == 0)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file (not a Paddle program)", origin);
    if (len > (256u << 20))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: PIR program of %zu bytes is too large",
                             origin, len);
    json_error_t je;
    json_t *root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: invalid JSON at line %d column %d: %s",
                             origin, je.line, je.column, je.text);
    jctx c = {origin, err, out, {0}, -1, -1};
    int rc = parse_root(&c, root);
    json_decref(root);
    free(c.names.ids);
    free(c.names.names);
    if (rc) zoo_program_free(out);
    return rc;
}

int zoo_pir_json_load(const char *path, zoo_program *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    zoo_mapped_file m;
    int rc = zoo_map_file(path, &m, err);
    if (rc) return rc;
    rc = zoo_pir_json_parse(path, (const char *)m.data, m.size, out, err);
    zoo_unmap_file(&m);
    return rc;
}
