/* converter/programdesc.h - a Paddle program, read from either form Paddle
 * writes for inference models:
 *   - `inference.pdmodel` / `__model__`: a ProgramDesc protobuf (programdesc.c,
 *     formats.md 2.2);
 *   - `inference.json`: Paddle 3's PIR program (pir_json.c).
 * Both fill the same zoo_program: per block, the variables (name, type,
 * persistable, tensor dtype and dims) and the ops in program order (type,
 * input/output slots -> argument names, attributes).
 *
 * Everything a zoo_program points to lives in its arena and is released by
 * zoo_program_free(); the structs are read-only for users.
 */
#ifndef ZOO_CONVERTER_PROGRAMDESC_H
#define ZOO_CONVERTER_PROGRAMDESC_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"
#include "zoo/weights.h"

typedef struct zoo_pd_var {
    const char *name;
    int type;        /* VarType.Type of the variable: ZOO_PD_LOD_TENSOR, ZOO_PD_FEED_MINIBATCH, ... */
    int persistable;
    int has_tensor;  /* dtype/dims below are known */
    int dtype;       /* Paddle data-type code (ZOO_PD_FP32, ...) */
    int ndim;
    int64_t dims[ZOO_MAX_DIMS]; /* -1 = unknown (batch) */
} zoo_pd_var;

/* OpDesc.Attr types (framework.proto AttrType). */
enum {
    ZOO_PD_A_INT = 0, ZOO_PD_A_FLOAT = 1, ZOO_PD_A_STRING = 2, ZOO_PD_A_INTS = 3,
    ZOO_PD_A_FLOATS = 4, ZOO_PD_A_STRINGS = 5, ZOO_PD_A_BOOLEAN = 6, ZOO_PD_A_BOOLEANS = 7,
    ZOO_PD_A_BLOCK = 8, ZOO_PD_A_LONG = 9, ZOO_PD_A_BLOCKS = 10, ZOO_PD_A_LONGS = 11,
    ZOO_PD_A_FLOAT64S = 12, ZOO_PD_A_VAR = 13, ZOO_PD_A_VARS = 14, ZOO_PD_A_FLOAT64 = 15,
    ZOO_PD_A_SCALAR = 16, ZOO_PD_A_SCALARS = 17
};

typedef struct zoo_pd_attr {
    const char *name;
    int type;             /* ZOO_PD_A_* */
    int64_t i;            /* INT, LONG, BOOLEAN, BLOCK; SCALAR of kind bool/long */
    double f;             /* FLOAT, FLOAT64; SCALAR of kind double */
    const char *s;        /* STRING, VAR ("" when absent) */
    const int64_t *ints;  /* INTS, LONGS, BOOLEANS, BLOCKS */
    int n_ints;
    const double *floats; /* FLOATS, FLOAT64S */
    int n_floats;
    const char *const *strings; /* STRINGS, VARS */
    int n_strings;
} zoo_pd_attr;

typedef struct zoo_pd_slot {
    const char *name;        /* "X", "Filter", ... */
    const char *const *args; /* variable names */
    int n_args;
} zoo_pd_slot;

typedef struct zoo_pd_op {
    const char *type;        /* "conv2d", ... (PIR: "pd_op.conv2d", ...) */
    const zoo_pd_slot *inputs;
    int n_inputs;
    const zoo_pd_slot *outputs;
    int n_outputs;
    const zoo_pd_attr *attrs;
    int n_attrs;
} zoo_pd_op;

typedef struct zoo_pd_block {
    int idx, parent_idx;
    const zoo_pd_var *vars;
    int n_vars;
    const zoo_pd_op *ops;
    int n_ops;
} zoo_pd_block;

typedef struct zoo_program {
    const zoo_pd_block *blocks;
    int n_blocks;
    int64_t version;    /* ProgramDesc Version.version, or PIR base_code.version */
    int is_pir;
    struct zoo_arena *arena;
} zoo_program;

/* Parses a ProgramDesc held in memory; `origin` names it in messages.
 * 0 or ZOO_ERR_INPUT ("<origin>: malformed ProgramDesc: <why> at byte <n>"). */
int zoo_program_parse(const char *origin, const void *buf, size_t len, zoo_program *out,
                      zoo_error *err);
/* Reads a `.pdmodel` / `__model__` file. */
int zoo_program_load(const char *path, zoo_program *out, zoo_error *err);
/* Reads either form: a file whose first non-blank byte is '{' is a PIR JSON
 * program (zoo_pir_json_load), anything else a ProgramDesc. */
int zoo_program_load_any(const char *path, zoo_program *out, zoo_error *err);
void zoo_program_free(zoo_program *p);

/* Lookups (NULL when absent). */
const zoo_pd_var *zoo_program_find_var(const zoo_program *p, const char *name);
const zoo_pd_attr *zoo_pd_op_attr(const zoo_pd_op *op, const char *name);
const zoo_pd_slot *zoo_pd_op_input(const zoo_pd_op *op, const char *slot);
const zoo_pd_slot *zoo_pd_op_output(const zoo_pd_op *op, const char *slot);

/* The variables save_combine writes, in the order it writes them: every
 * persistable variable of every block except FEED_MINIBATCH / FETCH_LIST /
 * READER / RAW ones, names unique, sorted by strcmp. `*out` is malloc'ed
 * (free() it); the pointers point into the program. A persistable variable
 * that is not a LOD_TENSOR with a known dtype is an error naming `origin`. */
int zoo_program_saved_vars(const zoo_program *p, const char *origin, const zoo_pd_var ***out,
                           int *n, zoo_error *err);

/* ---- for the program builders (programdesc.c, pir_json.c) --------------- */
/* Zeroed, 8-byte aligned memory from the program's arena; NULL on overflow / OOM. */
void *zoo_program_alloc(zoo_program *p, size_t count, size_t size);
/* A NUL-terminated copy of s[0..n) in the arena. */
char *zoo_program_strndup(zoo_program *p, const char *s, size_t n);

#endif
