/* tests/unit/test_image_common.h - helpers of the image tests (header-only,
 * included by test_image_*.c): repo paths, running the venv's Python
 * generators in tests/image/, comparing a uint8 image with a float32 .npy. */
#ifndef ZOO_TEST_IMAGE_COMMON_H
#define ZOO_TEST_IMAGE_COMMON_H

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "core/npy.h"
#include "image/image.h"
#include "support/test_support.h"

static inline const char *img_repo_path(char *buf, size_t size, const char *rel) {
    char b[PATH_MAX];
    assert_non_null(test_build_dir(b, sizeof b));
    if (snprintf(buf, size, "%s/../%s", b, rel) >= (int)size) fail_msg("path too long");
    return buf;
}

/* Runs `$ZOO_PY tests/image/<script> args...`; returns 0 on success, -1 when
 * there is no venv (the caller skips), fails the test if the script fails. */
static inline int img_run_py(const char *script, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline int img_run_py(const char *script, const char *fmt, ...) {
    const char *py = test_python();
    if (!py) return -1;
    char sp[PATH_MAX], args[3 * PATH_MAX], cmd[6 * PATH_MAX];
    char rel[128];
    snprintf(rel, sizeof rel, "tests/image/%s", script);
    img_repo_path(sp, sizeof sp, rel);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    if (snprintf(cmd, sizeof cmd, "'%s' '%s' %s", py, sp, args) >= (int)sizeof cmd) fail_msg("command too long");
    int st = system(cmd);
    if (st != 0) fail_msg("%s failed (status %d): %s", script, st, cmd);
    return 0;
}

/* Max |a - ref| over an H x W x C uint8 image vs a float32 .npy of shape
 * (H, W, C); fails the test when the shapes differ. */
static inline double img_max_diff_npy(const uint8_t *px, int h, int w, int c, const char *npy_path) {
    zoo_npy r;
    zoo_error e = {0};
    if (zoo_npy_read(npy_path, &r, &e) != ZOO_OK) fail_msg("%s", e.msg);
    if (r.ndim != 3 || r.dims[0] != h || r.dims[1] != w || r.dims[2] != c)
        fail_msg("%s: shape (%lld, %lld, %lld) but zoo gives (%d, %d, %d)", npy_path, (long long)r.dims[0],
                 (long long)(r.ndim > 1 ? r.dims[1] : 0), (long long)(r.ndim > 2 ? r.dims[2] : 0), h, w, c);
    double m = 0;
    for (int64_t i = 0; i < r.numel; i++) {
        double d = (double)px[i] - r.data[i];
        if (d < 0) d = -d;
        if (d > m) m = d;
    }
    zoo_npy_free(&r);
    return m;
}

static inline int img_file_exists(const char *path) {
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    fclose(f);
    return 1;
}

#endif
