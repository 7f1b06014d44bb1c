/* core/npy.h - NumPy .npy files (format versions 1.0 to 3.0), float32 only:
 * '<f4', C order. Used by `zoo infer` and the tests. Anything else (another
 * dtype, Fortran order, big-endian, a lying header) is refused with a
 * one-line error naming the file. */
#ifndef ZOO_CORE_NPY_H
#define ZOO_CORE_NPY_H

#include <stdint.h>

#include "zoo/error.h"

#define ZOO_NPY_MAX_DIMS 8

typedef struct zoo_npy {
    int ndim;
    int64_t dims[ZOO_NPY_MAX_DIMS];
    int64_t numel;
    float *data; /* malloc'ed, caller frees with zoo_npy_free */
} zoo_npy;

int zoo_npy_read(const char *path, zoo_npy *out, zoo_error *err);
/* Writes atomically (temp file + rename). */
int zoo_npy_write(const char *path, const float *data, int ndim, const int64_t *dims,
                  zoo_error *err);
void zoo_npy_free(zoo_npy *a);

#endif
