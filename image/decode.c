/* image/decode.c - image file -> RGB uint8 HWC, as PaddleClas' DecodeImage
 * (cv2.imdecode(buf, IMREAD_COLOR), then BGR -> RGB) sees it.
 *
 * Contract: reads the whole file (refusing anything that is not a regular
 * file or is over ZOO_IMAGE_MAX_FILE_BYTES), picks the decoder from the first
 * bytes (PNG signature, JPEG SOI + marker; the name's extension is ignored, so
 * a PNG called .JPEG - ImageNet has some - decodes fine), decodes, and applies
 * the EXIF orientation. Anything else is "unsupported image format" (exit 2).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image/image.h"

void zoo_image_free(zoo_image *img) {
    if (!img) return;
    free(img->px);
    img->px = NULL;
    img->w = img->h = 0;
}

int zoo_image_decode_mem(const void *data, size_t size, const char *name, zoo_image *out,
                         zoo_error *err) {
    const uint8_t *p = data;
    int orientation = 1, rc;
    out->w = out->h = 0;
    out->px = NULL;
    if (size == 0) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file", name);
    if (size >= 8 && !memcmp(p, "\x89PNG\r\n\x1a\n", 8))
        rc = zoo_image_decode_png(p, size, name, out, &orientation, err);
    else if (size >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff)
        rc = zoo_image_decode_jpeg(p, size, name, out, &orientation, err);
    else
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: unsupported image format (zoo reads PNG and JPEG)",
                             name);
    if (rc != ZOO_OK) return rc;
    rc = zoo_image_orient(out, orientation, err);
    if (rc != ZOO_OK) zoo_image_free(out);
    return rc;
}

static int read_all(const char *path, uint8_t **data, size_t *size, zoo_error *err) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s", path,
                             strerror(errno));
    struct stat st;
    int rc = ZOO_OK;
    uint8_t *buf = NULL;
    if (fstat(fd, &st) != 0) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: %s", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file", path);
        goto done;
    }
    if (st.st_size > ZOO_IMAGE_MAX_FILE_BYTES) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: %lld bytes is too large for an image (limit %lld)", path,
                           (long long)st.st_size, (long long)ZOO_IMAGE_MAX_FILE_BYTES);
        goto done;
    }
    size_t n = (size_t)st.st_size, got = 0;
    buf = malloc(n ? n : 1);
    if (!buf) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
        goto done;
    }
    while (got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: read failed: %s", path, strerror(errno));
            goto done;
        }
        if (r == 0) break; /* shrank meanwhile: decode what is there */
        got += (size_t)r;
    }
    *data = buf;
    *size = got;
    buf = NULL;
done:
    free(buf);
    close(fd);
    return rc;
}

int zoo_image_decode_file(const char *path, zoo_image *out, zoo_error *err) {
    uint8_t *data = NULL;
    size_t size = 0;
    out->w = out->h = 0;
    out->px = NULL;
    int rc = read_all(path, &data, &size, err);
    if (rc != ZOO_OK) return rc;
    rc = zoo_image_decode_mem(data, size, path, out, err);
    free(data);
    return rc;
}
