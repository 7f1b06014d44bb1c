/* converter/safetensors_src.c - zoo_read_safetensors (readers.h): a
 * safetensors file written by any tool (Hugging Face safetensors, timm,
 * zoo itself) -> zoo_tensor_list.
 *
 * The file is opened with the native weights reader (weights/reader.c),
 * which validates all of it first: header length and JSON, dtypes, shapes,
 * offsets covering the data buffer exactly (no hole, no overlap, nothing
 * after the last tensor), string-only metadata; a native zoo file also has
 * its digest checked. Every tensor is then borrowed from the reader's
 * mapping under its own name (padding tensors of native files excluded),
 * and the open file is handed to the list, which closes it when freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter/readers.h"

static void close_weights(void *w) {
    zoo_weights_close(w);
}

int zoo_read_safetensors(const char *path, zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    zoo_weights *w = zoo_weights_open(path, 0, err);
    if (!w) return err && err->code ? err->code : ZOO_ERR_INPUT;
    int rc = zoo_tensor_list_adopt(out, w, close_weights, err);
    if (rc) return rc;
    int n = zoo_weights_count(w);
    for (int i = 0; i < n && !rc; i++) {
        zoo_tensor_view v;
        if (zoo_weights_get(w, i, &v) != 0) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: tensor %d unreadable", path, i);
            break;
        }
        rc = zoo_tensor_list_add(out, path, v.name, v.dtype, v.ndim, v.dims, v.data, v.nbytes,
                                 NULL, err);
    }
    if (!rc && n == 0) rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: no tensors", path);
    if (!rc && !(out->format = strdup(zoo_weights_is_native(w) ? "zoo-native" : "safetensors")))
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
    if (rc) zoo_tensor_list_free(out);
    return rc;
}
