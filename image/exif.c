/* image/exif.c - the EXIF orientation tag and its application.
 *
 * Contract: zoo_exif_orientation() reads tag 0x0112 (Orientation, SHORT) of
 * IFD0 from a TIFF-structured block (the payload of a JPEG APP1 "Exif\0\0"
 * segment after those 6 bytes, or a PNG eXIf chunk). Every offset is checked
 * against the block size before it is read; anything malformed or a value
 * outside 1..8 yields 1 (as is). zoo_image_orient() turns an RGB image the way
 * the tag says, as OpenCV's imdecode does:
 *   1 as is          2 mirror left-right   3 rotate 180       4 mirror top-bottom
 *   5 transpose      6 rotate 90 clockwise 7 transverse       8 rotate 90 anticlockwise
 */
#include <stdlib.h>
#include <string.h>

#include "image/image.h"

static unsigned rd16(const uint8_t *p, int be) { return be ? (unsigned)(p[0] << 8 | p[1]) : (unsigned)(p[1] << 8 | p[0]); }

static uint32_t rd32(const uint8_t *p, int be) {
    return be ? (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]
              : (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

int zoo_exif_orientation(const uint8_t *data, size_t size) {
    if (!data || size < 8) return 1;
    int be;
    if (!memcmp(data, "II\x2a\x00", 4)) be = 0;
    else if (!memcmp(data, "MM\x00\x2a", 4)) be = 1;
    else return 1;
    uint32_t ifd = rd32(data + 4, be);
    if (ifd > size || size - ifd < 2) return 1;
    unsigned n = rd16(data + ifd, be);
    size_t first = (size_t)ifd + 2;
    for (unsigned i = 0; i < n; i++) {
        size_t e = first + (size_t)i * 12;
        if (e > size || size - e < 12) return 1;
        if (rd16(data + e, be) != 0x0112) continue;
        unsigned type = rd16(data + e + 2, be);
        uint32_t count = rd32(data + e + 4, be);
        if (type != 3 || count < 1) return 1; /* SHORT, value inline in the first 2 bytes */
        unsigned v = rd16(data + e + 8, be);
        return v >= 1 && v <= 8 ? (int)v : 1;
    }
    return 1;
}

int zoo_image_orient(zoo_image *img, int o, zoo_error *err) {
    if (o <= 1 || o > 8) return ZOO_OK;
    int w = img->w, h = img->h;
    int swap = o >= 5;
    int ow = swap ? h : w, oh = swap ? w : h;
    uint8_t *dst = malloc((size_t)w * h * 3);
    if (!dst) return zoo_error_set(err, ZOO_ERR_RUNTIME, "orient: out of memory");
    for (int y = 0; y < oh; y++) {
        for (int x = 0; x < ow; x++) {
            int sx, sy; /* source pixel of output (x, y) */
            switch (o) {
            case 2: sx = w - 1 - x; sy = y; break;
            case 3: sx = w - 1 - x; sy = h - 1 - y; break;
            case 4: sx = x; sy = h - 1 - y; break;
            case 5: sx = y; sy = x; break;
            case 6: sx = y; sy = h - 1 - x; break;
            case 7: sx = w - 1 - y; sy = h - 1 - x; break;
            default: sx = w - 1 - y; sy = x; break; /* 8 */
            }
            memcpy(dst + ((size_t)y * ow + x) * 3, img->px + ((size_t)sy * w + sx) * 3, 3);
        }
    }
    free(img->px);
    img->px = dst;
    img->w = ow;
    img->h = oh;
    return ZOO_OK;
}
