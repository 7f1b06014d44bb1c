/* image/decode_jpeg.c - JPEG -> RGB uint8 with libjpeg-turbo, the way
 * cv2.imdecode(IMREAD_COLOR) decodes (then flipped to RGB, as PaddleClas does).
 *
 * Contract:
 *   - libjpeg's defaults are kept, as OpenCV keeps them: ISLOW integer IDCT,
 *     fancy (triangle) upsampling, no merged upsampling, no scaling - so pixels
 *     equal cv2's whenever both link a libjpeg-turbo (its ISLOW and upsampling
 *     output is the same in every version and SIMD flavour);
 *   - 1 and 3 component images are converted by libjpeg to RGB (grey is
 *     replicated); 4 components (CMYK, YCCK -> CMYK) are read as CMYK and turned
 *     into RGB with OpenCV's integer formula for Adobe-style (inverted) CMYK,
 *     which OpenCV applies whatever the Adobe marker says:
 *         R = k - ((255 - c) * k >> 8), G from m, B from y;
 *   - the first APP1 "Exif\0\0" segment gives the EXIF orientation (*orientation);
 *   - errors never exit: error_exit longjmps back here, the message names the
 *     file; a file that ends before the last scanline (libjpeg's "Premature end
 *     of JPEG file" warning while pixels are still missing) is an error, other
 *     libjpeg warnings (e.g. extraneous bytes before a marker, which some real
 *     ImageNet files have) are tolerated silently, like cv2 does;
 *   - images over ZOO_IMAGE_MAX_PIXELS are refused after the header, before
 *     libjpeg allocates its buffers.
 */
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

#include "image/image.h"

typedef struct jerr_mgr {
    struct jpeg_error_mgr pub;
    jmp_buf jb;
    int truncated;
    char msg[JMSG_LENGTH_MAX];
} jerr_mgr;

static void on_error_exit(j_common_ptr c) {
    jerr_mgr *m = (jerr_mgr *)c->err;
    c->err->format_message(c, m->msg);
    longjmp(m->jb, 1);
}

static void on_emit(j_common_ptr c, int level) {
    if (level >= 0) return; /* trace messages */
    jerr_mgr *m = (jerr_mgr *)c->err;
    c->err->num_warnings++;
    if (c->err->msg_code == JWRN_JPEG_EOF && c->is_decompressor) {
        j_decompress_ptr d = (j_decompress_ptr)c;
        if (d->output_height == 0 || d->output_scanline < d->output_height) {
            m->truncated = 1;
            c->err->format_message(c, m->msg);
            longjmp(m->jb, 1);
        }
    }
}

static void on_output(j_common_ptr c) { (void)c; }

/* OpenCV's CMYK -> BGR (inverted CMYK), written here as -> RGB. */
static void cmyk_row_to_rgb(const uint8_t *in, uint8_t *out, int w) {
    for (int x = 0; x < w; x++, in += 4, out += 3) {
        int c = in[0], m = in[1], y = in[2], k = in[3];
        out[0] = (uint8_t)(k - ((255 - c) * k >> 8));
        out[1] = (uint8_t)(k - ((255 - m) * k >> 8));
        out[2] = (uint8_t)(k - ((255 - y) * k >> 8));
    }
}

static int exif_of(j_decompress_ptr d) {
    for (jpeg_saved_marker_ptr m = d->marker_list; m; m = m->next)
        if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && !memcmp(m->data, "Exif\0\0", 6))
            return zoo_exif_orientation(m->data + 6, m->data_length - 6);
    return 1;
}

int zoo_image_decode_jpeg(const uint8_t *data, size_t size, const char *name, zoo_image *out,
                          int *orientation, zoo_error *err) {
    struct jpeg_decompress_struct d;
    jerr_mgr je;
    memset(&je, 0, sizeof je);
    uint8_t *volatile px = NULL;
    uint8_t *volatile row = NULL;
    volatile int rc = ZOO_OK;
    *orientation = 1;
    out->w = out->h = 0;
    out->px = NULL;
    if (size > (size_t)0xffffffffu)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: JPEG file too large", name);
    d.err = jpeg_std_error(&je.pub);
    je.pub.error_exit = on_error_exit;
    je.pub.emit_message = on_emit;
    je.pub.output_message = on_output;
    if (setjmp(je.jb)) {
        if (je.truncated)
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: truncated JPEG (the file ends before the image is complete)",
                               name);
        else
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: corrupt or unsupported JPEG: %s", name, je.msg);
        goto done;
    }
    jpeg_create_decompress(&d);
    jpeg_mem_src(&d, data, (unsigned long)size);
    jpeg_save_markers(&d, JPEG_APP0 + 1, 0xffff);
    jpeg_read_header(&d, TRUE);
    if (d.image_width < 1 || d.image_height < 1 ||
        (int64_t)d.image_width * d.image_height > ZOO_IMAGE_MAX_PIXELS) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: JPEG of %ux%u pixels refused (limit %lld pixels)", name,
                           (unsigned)d.image_width, (unsigned)d.image_height,
                           (long long)ZOO_IMAGE_MAX_PIXELS);
        goto done;
    }
    *orientation = exif_of(&d);
    int cmyk = d.num_components == 4;
    d.out_color_space = cmyk ? JCS_CMYK : JCS_RGB;
    jpeg_start_decompress(&d);
    int w = (int)d.output_width, h = (int)d.output_height;
    if ((int)d.output_components != (cmyk ? 4 : 3)) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: JPEG decodes to %d components (expected %d)", name,
                           d.output_components, cmyk ? 4 : 3);
        goto done;
    }
    px = malloc((size_t)w * h * 3);
    row = malloc((size_t)w * 4);
    if (!px || !row) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory for a %dx%d image", name, w, h);
        goto done;
    }
    while (d.output_scanline < d.output_height) {
        uint8_t *dst = px + (size_t)d.output_scanline * w * 3;
        JSAMPROW rp = cmyk ? row : dst;
        if (jpeg_read_scanlines(&d, &rp, 1) != 1) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: truncated JPEG (no data for row %u)", name,
                               (unsigned)d.output_scanline);
            goto done;
        }
        if (cmyk) cmyk_row_to_rgb(row, dst, w);
    }
    out->w = w;
    out->h = h;
    out->px = px;
    px = NULL;
done:
    jpeg_destroy_decompress(&d);
    free(px);
    free(row);
    return rc;
}
