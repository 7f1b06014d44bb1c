/* converter/detect.h - which kind of weight source a path is, decided from
 * the bytes (and, for directories, from the files they hold), never from the
 * file name alone. */
#ifndef ZOO_CONVERTER_DETECT_H
#define ZOO_CONVERTER_DETECT_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

typedef enum zoo_src_kind {
    ZOO_SRC_UNKNOWN = 0,
    ZOO_SRC_PICKLE,     /* a pickle (PROTO opcode): Paddle .pdparams */
    ZOO_SRC_INFERENCE,  /* .pdmodel/.json + .pdiparams [+ .pdiparams.info] */
    ZOO_SRC_LEGACY_DIR, /* directory of one-LoDTensor-per-parameter files */
    ZOO_SRC_TAR,        /* tar archive (ustar magic at 257) */
    ZOO_SRC_GZIP,       /* gzip stream (a .tar.gz / .tgz) */
    ZOO_SRC_BZIP2,      /* bzip2 stream */
    ZOO_SRC_XZ,         /* xz stream */
    ZOO_SRC_ZIP,        /* zip: a PyTorch >= 1.6 checkpoint (pth.c) */
    ZOO_SRC_PTH_LEGACY, /* legacy torch.save stream (magic-number pickle first; pth.c) */
    ZOO_SRC_SAFETENSORS /* safetensors (u64 header length, then '{'): safetensors_src.c */
} zoo_src_kind;

typedef struct zoo_src_info {
    zoo_src_kind kind;
    char path[PATH_MAX];        /* the file or directory holding the data */
    char model_path[PATH_MAX];  /* INFERENCE: the .pdmodel or .json */
    char params_path[PATH_MAX]; /* INFERENCE: the .pdiparams */
    char info_path[PATH_MAX];   /* INFERENCE: the .pdiparams.info, "" if absent */
} zoo_src_info;

const char *zoo_src_kind_name(zoo_src_kind k); /* "pickle", "inference", ... */

/* Kind of a file from its first bytes (n >= 262 recommended). Never returns
 * INFERENCE or LEGACY_DIR. */
zoo_src_kind zoo_detect_bytes(const uint8_t *p, size_t n);

/* Detects `path`:
 *   - a file: by its first bytes; a .pdiparams / .pdmodel / .json /
 *     .pdiparams.info file (or a bare prefix such as "dir/inference") whose
 *     siblings form an inference model is INFERENCE;
 *   - a directory: INFERENCE if it holds <prefix>.pdiparams with
 *     <prefix>.pdmodel or <prefix>.json (prefix "inference" preferred);
 *     otherwise, if its only entry is a directory (how *_infer.tar and
 *     *_pretrained.tar unpack), that directory, once; otherwise LEGACY_DIR.
 * Errors: ZOO_ERR_NOTFOUND (no such path), ZOO_ERR_INPUT (unrecognised bytes,
 * with the first bytes in the message), ZOO_ERR_RUNTIME (I/O). */
int zoo_detect_source(const char *path, zoo_src_info *out, zoo_error *err);

#endif
