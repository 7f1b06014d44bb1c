/* image/image.h - images in, network input out, exactly as PaddleClas does it
 * (docs/run.md; /work/shared formats.md section 7).
 *
 *   decode      PNG (libpng) and JPEG (libjpeg-turbo) -> RGB uint8 HWC, with the
 *               conventions of cv2.imdecode(buf, IMREAD_COLOR) + BGR->RGB: EXIF
 *               orientation applied, alpha dropped, 16-bit -> 8-bit by >> 8,
 *               grey replicated, CMYK converted like OpenCV, ISLOW IDCT and
 *               fancy upsampling.
 *   resize      OpenCV's 8-bit fixed-point INTER_LINEAR, bit for bit (resize.c).
 *   preprocess  ResizeImage(resize_short) -> CropImage(centre) ->
 *               NormalizeImage(float32) -> ToCHWImage.
 *
 * Errors: ZOO_ERR_INPUT for anything wrong with the bytes (corrupt, truncated,
 * unsupported, absurd dimensions), ZOO_ERR_NOTFOUND for a missing file,
 * ZOO_ERR_RUNTIME for I/O and memory failures; the message names the file.
 */
#ifndef ZOO_IMAGE_IMAGE_H
#define ZOO_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

/* Images with more pixels than this are refused before anything is allocated
 * (2^28 pixels = 768 MiB of RGB). */
#define ZOO_IMAGE_MAX_PIXELS ((int64_t)1 << 28)
/* Files larger than this are refused before they are read. */
#define ZOO_IMAGE_MAX_FILE_BYTES ((int64_t)1 << 30)

typedef struct zoo_image {
    int w, h;    /* pixels */
    uint8_t *px; /* h * w * 3 bytes, RGB, row-major (HWC); malloc'ed */
} zoo_image;

void zoo_image_free(zoo_image *img);

/* Decodes a PNG or JPEG file (format from the bytes, not the name). */
int zoo_image_decode_file(const char *path, zoo_image *out, zoo_error *err);
/* Same from memory; `name` is used in messages. */
int zoo_image_decode_mem(const void *data, size_t size, const char *name, zoo_image *out,
                         zoo_error *err);

/* ---- pieces of the decoder, exposed for the tests ------------------------ */

/* EXIF orientation (1..8) of a TIFF-structured Exif block (starts with "II*\0"
 * or "MM\0*"): tag 0x0112 of IFD0. Returns 1 when absent, malformed or out of
 * range; never reads outside [data, data + size). */
int zoo_exif_orientation(const uint8_t *data, size_t size);

/* Applies an EXIF orientation (1..8) to an RGB image in place (the buffer is
 * replaced; w and h swap for 5..8). */
int zoo_image_orient(zoo_image *img, int orientation, zoo_error *err);

int zoo_image_decode_png(const uint8_t *data, size_t size, const char *name, zoo_image *out,
                         int *orientation, zoo_error *err);
int zoo_image_decode_jpeg(const uint8_t *data, size_t size, const char *name, zoo_image *out,
                          int *orientation, zoo_error *err);

/* ---- resize ----------------------------------------------------------------- */

/* cv2.resize(src, (dw, dh), interpolation=INTER_LINEAR) for 8-bit images with
 * `cn` channels, but only the window [x0, x0 + ww) x [y0, y0 + wh) of the
 * resized image is produced (pass 0, 0, dw, dh for all of it) into dst
 * (wh * ww * cn bytes). Bit-exact with OpenCV (docs/run.md). */
int zoo_resize_linear_u8(const uint8_t *src, int sw, int sh, int cn, int dw, int dh, int x0, int y0,
                         int ww, int wh, uint8_t *dst, zoo_error *err);

/* ---- preprocessing ----------------------------------------------------------- */

typedef struct zoo_preprocess {
    int resize_short; /* R: the shorter side is resized to R */
    int crop;         /* S: centre crop S x S */
    float scale;      /* multiplies the uint8 pixel, normally float32(1/255) */
    float mean[3], std[3]; /* per RGB channel */
} zoo_preprocess;

/* PaddleClas' ImageNet defaults for a resize_short / crop pair. */
zoo_preprocess zoo_preprocess_imagenet(int resize_short, int crop);

/* ResizeImage's target size: scale = R / min(w, h) (double),
 * new = int(round(side * scale)) with round half to even. */
void zoo_resize_short_size(int w, int h, int resize_short, int *nw, int *nh);

/* Writes 3 x S x S float32 (CHW) into out. ZOO_ERR_INPUT if the resized image
 * is smaller than the crop (what CropImage refuses too). */
int zoo_image_preprocess(const zoo_image *img, const zoo_preprocess *p, float *out, zoo_error *err);

#endif
