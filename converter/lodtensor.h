/* converter/lodtensor.h - one Paddle LoDTensor record (docs formats.md 2.3),
 * the unit of `.pdiparams` files (concatenated records) and of legacy
 * static-graph parameter directories (one record per file).
 *
 *   u32 lod_version = 0 | u64 lod_level | lod_level x (u64 nbytes, bytes)
 *   u32 tensor_version = 0 | i32 desc_size | TensorDesc protobuf | raw data
 *
 * Records are parsed in place from a memory span: the tensor data pointer
 * points into that span (nothing is copied).
 */
#ifndef ZOO_CONVERTER_LODTENSOR_H
#define ZOO_CONVERTER_LODTENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"
#include "zoo/weights.h"

/* Paddle VarType.Type codes (framework.proto) used by this reader. */
enum {
    ZOO_PD_BOOL = 0, ZOO_PD_INT16 = 1, ZOO_PD_INT32 = 2, ZOO_PD_INT64 = 3,
    ZOO_PD_FP16 = 4, ZOO_PD_FP32 = 5, ZOO_PD_FP64 = 6,
    ZOO_PD_LOD_TENSOR = 7, ZOO_PD_SELECTED_ROWS = 8, ZOO_PD_FEED_MINIBATCH = 9,
    ZOO_PD_FETCH_LIST = 10, ZOO_PD_READER = 15, ZOO_PD_RAW = 17,
    ZOO_PD_SIZE_T = 19, ZOO_PD_UINT8 = 20, ZOO_PD_INT8 = 21, ZOO_PD_BF16 = 22,
    ZOO_PD_COMPLEX64 = 23, ZOO_PD_COMPLEX128 = 24
};

/* Maps a Paddle data-type code to a zoo_dtype. 0, or -1 when zoo cannot hold
 * it (complex types, unknown codes); `why` then names the type for a message. */
int zoo_paddle_dtype(int code, zoo_dtype *out, const char **why);
/* Paddle's spelling of a data-type code ("FP32", ...) or "type <n>" into buf. */
const char *zoo_paddle_dtype_name(int code, char *buf, size_t size);

typedef struct zoo_lodtensor {
    int paddle_dtype;      /* VarType.Type code from the TensorDesc */
    zoo_dtype dtype;
    int ndim;
    int64_t dims[ZOO_MAX_DIMS];
    int64_t numel;
    const void *data;      /* points into the parsed span */
    size_t nbytes;         /* numel * element size */
    size_t record_size;    /* bytes the whole record occupies */
} zoo_lodtensor;

/* Parses the record starting at buf (len bytes available; the record may be
 * followed by more data). `origin` names the record in messages ("<file>" or
 * "<file>: record 3 (conv1_weights)") and `base` is buf's offset in that file,
 * so every message reads "<origin>: <problem> at byte <n>". 0 or ZOO_ERR_INPUT. */
int zoo_lodtensor_parse(const char *origin, const void *buf, size_t len, size_t base,
                        zoo_lodtensor *out, zoo_error *err);

/* "[64, 3, 7, 7]" into buf (for messages); returns buf. */
const char *zoo_format_dims(char *buf, size_t size, int ndim, const int64_t *dims);

/* A whole file mapped read-only (empty files give data == NULL, size 0). */
typedef struct zoo_mapped_file {
    const uint8_t *data;
    size_t size;
} zoo_mapped_file;

/* 0, ZOO_ERR_NOTFOUND (missing), ZOO_ERR_INPUT (not a regular file),
 * ZOO_ERR_RUNTIME (I/O). */
int zoo_map_file(const char *path, zoo_mapped_file *m, zoo_error *err);
void zoo_unmap_file(zoo_mapped_file *m);

#endif
