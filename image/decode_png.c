/* image/decode_png.c - PNG -> RGB uint8 with libpng, the way
 * cv2.imdecode(IMREAD_COLOR) decodes (then flipped to RGB, as PaddleClas does).
 *
 * Contract:
 *   - every PNG colour type and depth: palette expanded, 1/2/4-bit grey scaled
 *     to 8 bits, 16-bit samples reduced by dropping the low byte (>> 8, libpng's
 *     strip_16, what cv2 gives), grey replicated to RGB, alpha (and tRNS)
 *     dropped without compositing; interlaced images de-interlaced; no gamma
 *     or colour-profile correction (cv2 applies none);
 *   - an eXIf chunk before the image data gives the EXIF orientation
 *     (*orientation), which cv2 applies to PNGs too;
 *   - libpng errors longjmp back here (never abort or exit); the message names
 *     the file; reading past the end of the data, IEND included, is "truncated
 *     PNG" (cv2 refuses such files too); libpng's
 *     warnings (e.g. a bad CRC in an ancillary chunk) are ignored like cv2;
 *   - images over ZOO_IMAGE_MAX_PIXELS are refused after the header, before the
 *     pixel buffer is allocated.
 */
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

#include <png.h>

#include "image/image.h"

typedef struct png_src {
    const uint8_t *data;
    size_t size, off;
    int truncated;
    char msg[256];
} png_src;

static void on_read(png_structp png, png_bytep out, size_t n) {
    png_src *s = png_get_io_ptr(png);
    if (n > s->size - s->off) {
        s->truncated = 1;
        png_error(png, "read past the end of the file");
    }
    memcpy(out, s->data + s->off, n);
    s->off += n;
}

static void on_error(png_structp png, png_const_charp msg) {
    png_src *s = png_get_error_ptr(png);
    snprintf(s->msg, sizeof s->msg, "%s", msg ? msg : "unknown libpng error");
    png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
    (void)png;
    (void)msg;
}

int zoo_image_decode_png(const uint8_t *data, size_t size, const char *name, zoo_image *out,
                         int *orientation, zoo_error *err) {
    png_src src = {data, size, 0, 0, ""};
    *orientation = 1;
    out->w = out->h = 0;
    out->px = NULL;
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, on_error, on_warning);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    if (!png || !info) {
        png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot initialise libpng", name);
    }
    uint8_t *volatile buf = NULL;
    png_bytep *volatile rows = NULL;
    uint8_t *volatile px = NULL;
    volatile int rc = ZOO_OK;
    if (setjmp(png_jmpbuf(png))) {
        if (src.truncated)
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: truncated PNG (%s)", name, src.msg);
        else
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: corrupt or unsupported PNG: %s", name, src.msg);
        goto done;
    }
    png_set_read_fn(png, &src, on_read);
    png_read_info(png, info);
    png_uint_32 w32 = 0, h32 = 0;
    int depth = 0, ctype = 0;
    png_get_IHDR(png, info, &w32, &h32, &depth, &ctype, NULL, NULL, NULL);
    if (w32 < 1 || h32 < 1 || (int64_t)w32 * h32 > ZOO_IMAGE_MAX_PIXELS) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: PNG of %ux%u pixels refused (limit %lld pixels)", name,
                           (unsigned)w32, (unsigned)h32, (long long)ZOO_IMAGE_MAX_PIXELS);
        goto done;
    }
#ifdef PNG_eXIf_SUPPORTED
    png_bytep exif = NULL;
    png_uint_32 nexif = 0;
    if (png_get_eXIf_1(png, info, &nexif, &exif) && exif && nexif > 0)
        *orientation = zoo_exif_orientation(exif, nexif);
#endif
    if (depth == 16) png_set_strip_16(png);
    if (ctype == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (ctype == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int ch = png_get_channels(png, info);
    size_t rowbytes = png_get_rowbytes(png, info);
    int w = (int)w32, h = (int)h32;
    if (png_get_bit_depth(png, info) != 8 || ch < 1 || ch > 4 || rowbytes != (size_t)w * ch) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: unsupported PNG layout (%d channels of %d bits)", name,
                           ch, png_get_bit_depth(png, info));
        goto done;
    }
    buf = malloc(rowbytes * h);
    rows = malloc(sizeof(png_bytep) * h);
    px = malloc((size_t)w * h * 3);
    if (!buf || !rows || !px) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory for a %dx%d image", name, w, h);
        goto done;
    }
    for (int y = 0; y < h; y++) rows[y] = buf + (size_t)y * rowbytes;
    png_read_image(png, rows);
    png_read_end(png, NULL); /* through IEND: a file cut after the image data is truncated too */
    for (size_t i = 0, n = (size_t)w * h; i < n; i++) {
        const uint8_t *s = buf + i * ch;
        uint8_t *o = px + i * 3;
        if (ch <= 2) {
            o[0] = o[1] = o[2] = s[0]; /* grey, grey + alpha */
        } else {
            o[0] = s[0]; /* RGB, RGBA */
            o[1] = s[1];
            o[2] = s[2];
        }
    }
    out->w = w;
    out->h = h;
    out->px = px;
    px = NULL;
done:
    png_destroy_read_struct(&png, &info, NULL);
    free(buf);
    free(rows);
    free(px);
    return rc;
}
