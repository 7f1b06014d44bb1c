/* weights/dtype.c - element types of the weight format: byte sizes and the
 * safetensors spelling of their names ("F32", "BF16", ...), both ways.
 * Unknown or out-of-range values give 0 / NULL / -1, never a crash. */
#include <string.h>

#include "zoo/weights.h"

static const struct {
    const char *name;
    size_t size;
} dtype_table[ZOO_DT__COUNT] = {
    [ZOO_DT_F32] = {"F32", 4},  [ZOO_DT_F16] = {"F16", 2},   [ZOO_DT_BF16] = {"BF16", 2},
    [ZOO_DT_F64] = {"F64", 8},  [ZOO_DT_I64] = {"I64", 8},   [ZOO_DT_I32] = {"I32", 4},
    [ZOO_DT_I16] = {"I16", 2},  [ZOO_DT_I8] = {"I8", 1},     [ZOO_DT_U8] = {"U8", 1},
    [ZOO_DT_BOOL] = {"BOOL", 1}, [ZOO_DT_U16] = {"U16", 2},  [ZOO_DT_U32] = {"U32", 4},
    [ZOO_DT_U64] = {"U64", 8},
};

size_t zoo_dtype_size(zoo_dtype t) {
    if ((unsigned)t >= ZOO_DT__COUNT) return 0;
    return dtype_table[t].size;
}

const char *zoo_dtype_name(zoo_dtype t) {
    if ((unsigned)t >= ZOO_DT__COUNT) return NULL;
    return dtype_table[t].name;
}

int zoo_dtype_from_name(const char *s, zoo_dtype *out) {
    if (!s) return -1;
    for (int i = 0; i < ZOO_DT__COUNT; i++) {
        if (!strcmp(s, dtype_table[i].name)) {
            if (out) *out = (zoo_dtype)i;
            return 0;
        }
    }
    return -1;
}
