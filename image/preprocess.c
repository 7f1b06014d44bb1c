/* image/preprocess.c - PaddleClas' eval transforms on a decoded RGB image:
 * ResizeImage(resize_short=R, cv2 INTER_LINEAR) -> CropImage(S, centre) ->
 * NormalizeImage(scale, mean, std; float32) -> ToCHWImage.
 *
 * Contract: the output equals, bit for bit, what paddleclas' ops produce for
 * the same RGB uint8 image (tests/unit/test_image_preprocess.c):
 *   size    scale = R / min(w, h) in double, side' = int(round(side * scale)),
 *           Python 3 round = half to even (nearbyint in the default mode);
 *   crop    x0 = (w' - S) // 2, y0 = (h' - S) // 2 - only that window of the
 *           resized image is computed (zoo_resize_linear_u8 is per pixel exact);
 *   values  ((float)p * scale - mean[c]) / std[c], each step rounded to float32
 *           as numpy does (no fused multiply-add: C17 mode contracts nothing);
 *   layout  CHW, channels in RGB order.
 */
#include <math.h>
#include <stdlib.h>

#include "image/image.h"

zoo_preprocess zoo_preprocess_imagenet(int resize_short, int crop) {
    zoo_preprocess p = {resize_short, crop, (float)(1.0 / 255.0),
                        {0.485f, 0.456f, 0.406f}, {0.229f, 0.224f, 0.225f}};
    return p;
}

void zoo_resize_short_size(int w, int h, int resize_short, int *nw, int *nh) {
    double percent = (double)resize_short / (double)(w < h ? w : h);
    *nw = (int)nearbyint((double)w * percent);
    *nh = (int)nearbyint((double)h * percent);
}

int zoo_image_preprocess(const zoo_image *img, const zoo_preprocess *p, float *out, zoo_error *err) {
    if (!img || !img->px || img->w < 1 || img->h < 1)
        return zoo_error_set(err, ZOO_ERR_INPUT, "preprocess: empty image");
    if (p->resize_short < 1 || p->crop < 1 || p->resize_short > 65536 || p->crop > 65536)
        return zoo_error_set(err, ZOO_ERR_INPUT, "preprocess: bad sizes (resize_short %d, crop %d)",
                             p->resize_short, p->crop);
    int nw, nh, s = p->crop;
    zoo_resize_short_size(img->w, img->h, p->resize_short, &nw, &nh);
    if (nw < s || nh < s)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "preprocess: a %dx%d image resized to %dx%d is smaller than the %dx%d crop",
                             img->w, img->h, nw, nh, s, s);
    int x0 = (nw - s) / 2, y0 = (nh - s) / 2;
    size_t plane = (size_t)s * s;
    uint8_t *win = malloc(plane * 3);
    if (!win) return zoo_error_set(err, ZOO_ERR_RUNTIME, "preprocess: out of memory");
    int rc = zoo_resize_linear_u8(img->px, img->w, img->h, 3, nw, nh, x0, y0, s, s, win, err);
    if (rc == ZOO_OK) {
        for (int c = 0; c < 3; c++) {
            const float scale = p->scale, mean = p->mean[c], std = p->std[c];
            float *o = out + (size_t)c * plane;
            for (size_t i = 0; i < plane; i++) {
                float v = (float)win[i * 3 + c] * scale;
                v = v - mean;
                o[i] = v / std;
            }
        }
    }
    free(win);
    return rc;
}
