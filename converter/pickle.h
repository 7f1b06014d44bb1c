/* converter/pickle.h - a safe pickle reader (protocols 2-4) that builds a
 * small value tree and never executes anything.
 *
 * The reader is a pickle virtual machine whose only "callables" are a short
 * allow-list of globals that it interprets itself (docs/converter.md):
 *   numpy.core.multiarray._reconstruct / numpy._core.multiarray._reconstruct,
 *   numpy.ndarray, numpy.dtype           -> ZOO_PK_NDARRAY / ZOO_PK_DTYPE
 *   _codecs.encode(text, "latin1")       -> ZOO_PK_BYTES (protocol-2 bytes)
 *   __builtin__/builtins .bytes .tuple   -> ZOO_PK_BYTES / ZOO_PK_TUPLE
 *   builtins.eval("data", {"data": A})   -> A (Paddle's LoDTensor reduction)
 *   collections.OrderedDict              -> ZOO_PK_DICT
 * and, only when zoo_pk_limits.torch is set (PyTorch checkpoints, pth.c):
 *   BINPERSID ('storage', torch.<Kind>Storage, key, location, numel
 *              [, view_metadata])         -> ZOO_PK_STORAGE
 *   torch._utils._rebuild_tensor_v2 / _rebuild_tensor -> ZOO_PK_TENSOR
 *   torch._utils._rebuild_parameter(_with_state)      -> its tensor
 * Any other GLOBAL / STACK_GLOBAL fails with "pickle asks for os.system:
 * refused"; REDUCE and BUILD are accepted only in the forms these globals
 * produce. Every error is one line naming the origin and the byte offset.
 *
 * All values live in a zoo_pk_doc and are freed with it. Strings and bytes
 * borrow from the input buffer when they can (BIN*UNICODE, BIN*BYTES,
 * *BINSTRING); decoded bytes (_codecs.encode) are owned by the doc and may
 * be taken over with zoo_pk_take_owned(). The input must outlive the doc.
 * Containers may be shared (memo) and even cyclic: consumers walk only the
 * shapes they expect.
 */
#ifndef ZOO_CONVERTER_PICKLE_H
#define ZOO_CONVERTER_PICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

typedef enum zoo_pk_kind {
    ZOO_PK_NONE = 0,
    ZOO_PK_BOOL,
    ZOO_PK_INT,     /* 64-bit signed */
    ZOO_PK_FLOAT,
    ZOO_PK_STR,     /* UTF-8 text (unvalidated), not NUL-terminated */
    ZOO_PK_BYTES,   /* also Python-2 strings (SHORT_BINSTRING/BINSTRING): py2str set */
    ZOO_PK_TUPLE,
    ZOO_PK_LIST,
    ZOO_PK_DICT,    /* insertion ordered; OrderedDict too */
    ZOO_PK_GLOBAL,  /* an allow-listed global (see zoo_pk_global_id) */
    ZOO_PK_NDARRAY, /* numpy array: shape, dtype, order, data (after BUILD) */
    ZOO_PK_DTYPE,   /* numpy dtype: type string ("f4") and byte order */
    ZOO_PK_STORAGE, /* torch mode: a storage reference (persistent id) */
    ZOO_PK_TENSOR   /* torch mode: a tensor view of a storage (_rebuild_tensor_v2) */
} zoo_pk_kind;

typedef enum zoo_pk_global_id {
    ZOO_PKG_NP_RECONSTRUCT = 0, /* numpy.(_)core.multiarray._reconstruct */
    ZOO_PKG_NP_NDARRAY,         /* numpy.ndarray */
    ZOO_PKG_NP_DTYPE,           /* numpy.dtype */
    ZOO_PKG_CODECS_ENCODE,      /* _codecs.encode */
    ZOO_PKG_BYTES,              /* __builtin__.bytes / builtins.bytes */
    ZOO_PKG_TUPLE,              /* __builtin__.tuple / builtins.tuple */
    ZOO_PKG_EVAL,               /* __builtin__.eval / builtins.eval: one form only */
    ZOO_PKG_ORDERED_DICT,       /* collections.OrderedDict */
    /* torch mode only (zoo_pk_limits.torch): */
    ZOO_PKG_TORCH_REBUILD_TENSOR_V2, /* torch._utils._rebuild_tensor_v2 */
    ZOO_PKG_TORCH_REBUILD_TENSOR,    /* torch._utils._rebuild_tensor (old, 4 arguments) */
    ZOO_PKG_TORCH_REBUILD_PARAMETER, /* torch._utils._rebuild_parameter(_with_state) */
    ZOO_PKG_TORCH_STORAGE,           /* torch.<Kind>Storage (only valid inside a persistent id) */
    ZOO_PKG__COUNT
} zoo_pk_global_id;

typedef struct zoo_pk_value zoo_pk_value;

struct zoo_pk_value {
    zoo_pk_kind kind;
    int aux;    /* GLOBAL torch.<Kind>Storage: private to pickle.c (its type); else 0 */
    size_t off; /* byte offset of the opcode that made this value (for messages) */
    union {
        bool b;
        int64_t i;
        double f;
        struct {
            const uint8_t *p; /* into the input or into `owned` */
            size_t n;
            uint8_t *owned;   /* decoded buffer owned by the doc, or NULL */
            bool py2str;      /* BINSTRING: bytes that Python 3 reads as latin-1 text */
        } s;
        struct {
            zoo_pk_value **items;
            size_t n, cap;
        } seq; /* TUPLE, LIST */
        struct {
            zoo_pk_value **keys, **vals;
            size_t n, cap;
            zoo_pk_value *state; /* BUILD state of an OrderedDict (ignored), or NULL */
        } dict;
        zoo_pk_global_id global;
        struct {
            bool built;          /* BUILD applied */
            zoo_pk_value *shape; /* TUPLE of INT */
            zoo_pk_value *dtype; /* DTYPE */
            bool fortran;
            zoo_pk_value *data;  /* BYTES */
        } nd;
        struct {
            const uint8_t *code; /* e.g. "f4", not NUL-terminated */
            size_t code_n;
            char order;          /* '<', '>', '|' or '=' (not given) */
        } dt;
        struct {
            int dtype;             /* zoo_dtype of the elements, -1: not representable */
            const char *type_name; /* "FloatStorage", for messages */
            zoo_pk_value *key;     /* text: "0", "1", ... (zip) or a decimal pointer (legacy) */
            zoo_pk_value *location;/* text: "cpu", "cuda:0", ... */
            int64_t numel;         /* elements, as the persistent id declares (>= 0) */
            zoo_pk_value *view;    /* legacy view_metadata (view_key, offset, size), or NULL */
        } st;
        struct {
            zoo_pk_value *storage;       /* STORAGE */
            int64_t offset;              /* storage offset in elements (>= 0) */
            zoo_pk_value *size, *stride; /* TUPLEs of non-negative INT, same length */
        } tn;
    } u;
};

typedef struct zoo_pk_limits {
    size_t max_values; /* values created (0: default 1<<22) */
    size_t max_stack;  /* stack entries (0: default 1<<22) */
    size_t max_marks;  /* MARK nesting (0: default 256) */
    size_t max_memo;   /* memo slots (0: default 1<<22) */
    bool torch;        /* accept PyTorch persistent ids and the torch globals (pth.c) */
} zoo_pk_limits;

typedef struct zoo_pk_doc zoo_pk_doc;

/* Runs the pickle in data[0..len) up to its STOP opcode. `origin` (a file name)
 * prefixes messages. On failure: NULL, err set (ZOO_ERR_INPUT for bad or
 * refused input, ZOO_ERR_RUNTIME for out of memory). */
zoo_pk_doc *zoo_pk_parse(const uint8_t *data, size_t len, const char *origin,
                         const zoo_pk_limits *limits, zoo_error *err);
void zoo_pk_free(zoo_pk_doc *doc);

zoo_pk_value *zoo_pk_root(const zoo_pk_doc *doc);
int zoo_pk_protocol(const zoo_pk_doc *doc); /* from PROTO, 0 if absent */
size_t zoo_pk_end(const zoo_pk_doc *doc);   /* offset just past STOP */
/* Every value the pickle created, in creation order (reachable from the root
 * or not): pth.c finds all storage references this way. */
size_t zoo_pk_value_count(const zoo_pk_doc *doc);
zoo_pk_value *zoo_pk_value_at(const zoo_pk_doc *doc, size_t i);

/* ---- helpers for consumers --------------------------------------------- */

const char *zoo_pk_kind_name(zoo_pk_kind k);
/* STR, or a Python-2 string (BYTES with py2str). */
bool zoo_pk_is_text(const zoo_pk_value *v);
bool zoo_pk_text_eq(const zoo_pk_value *v, const char *s);
/* malloc'ed NUL-terminated copy of a text value; NULL if not text, if it contains
 * a NUL byte, or out of memory. */
char *zoo_pk_text_dup(const zoo_pk_value *v);
/* Value of `key` (text) in a DICT; NULL if absent or v is not a dict. */
zoo_pk_value *zoo_pk_dict_get(const zoo_pk_value *v, const char *key);
/* Takes over a BYTES value's decoded buffer (the value keeps pointing at it,
 * the caller now frees it). NULL if the bytes are borrowed or already taken. */
uint8_t *zoo_pk_take_owned(zoo_pk_value *v);

#endif
