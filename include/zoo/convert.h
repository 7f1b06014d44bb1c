/* zoo/convert.h - turning a source weight file into a native file.
 *
 * Sources (format detected from the bytes, not the name): a Paddle .pdparams
 * pickle, an inference tarball (*_infer.tar) or its unpacked directory, a legacy
 * *_pretrained.tar or its directory of per-parameter files, a PyTorch torch.save
 * file (zip or legacy stream), a safetensors file (docs/official.md).
 * With a model, source names are mapped onto the graph's canonical parameter
 * names (exact name, then aliases, then the source's own name table), shapes
 * are checked, and every missing / unexpected / mis-shaped tensor is reported
 * in one message. With model == NULL (`zoo convert --raw`) tensors are written
 * under their source names.
 * The output appears atomically or not at all.
 */
#ifndef ZOO_CONVERT_H
#define ZOO_CONVERT_H

#include "zoo/zoo.h"

typedef struct zoo_convert_opts {
    zoo_dtype dtype;          /* ZOO_DT_F32 (default) or ZOO_DT_F16 */
    const char *source_url;   /* provenance, "" if unknown */
    const char *source_sha256;/* provenance, computed from the file if NULL */
} zoo_convert_opts;

int zoo_convert(zoo_ctx *ctx, const char *model, const char *source, const char *out_path,
                const zoo_convert_opts *opts, zoo_error *err);

#endif
