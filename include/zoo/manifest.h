/* zoo/manifest.h - per-model manifests (manifests/<Model>.json, docs/manifests.md).
 *
 * A manifest says where a model's weights come from and how PaddleClas
 * preprocesses and reports it. Directories searched: $ZOO_MANIFEST_PATH
 * (colon-separated) first, then the ones the caller passes (the build tree's
 * or the installed share/zoo/manifests). The first file named <Model>.json wins.
 */
#ifndef ZOO_MANIFEST_H
#define ZOO_MANIFEST_H

#include "zoo/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ZOO_MANIFEST_MAX_SOURCES 8

typedef struct zoo_manifest_source {
    char kind[32];     /* "pdparams", "paddle-inference-tar", "legacy-tar", "pth", "safetensors" */
    char url[512];
    long long size;    /* -1 unknown */
    char sha256[65];   /* "" unknown */
} zoo_manifest_source;

typedef struct zoo_manifest {
    char name[128], family[64], license[64];
    int input_size;
    struct {
        int resize_short, crop;
        char interpolation[16];
        double scale, mean[3], std[3];
        char channel_order[8];
    } preprocess;
    struct {
        double top1, top5, flops_g, params_m; /* < 0: unknown */
        char source[1024];
    } reported;
    int n_sources;
    zoo_manifest_source sources[ZOO_MANIFEST_MAX_SOURCES];
    char path[512]; /* file it was read from */
} zoo_manifest;

/* Parses one manifest file. ZOO_ERR_INPUT with "<file>: <problem>" when malformed. */
int zoo_manifest_read(const char *path, zoo_manifest *out, zoo_error *err);

/* Finds <model>.json in $ZOO_MANIFEST_PATH then dirs (NULL-terminated).
 * ZOO_ERR_NOTFOUND if there is none. */
int zoo_manifest_find(const char *model, const char *const *dirs, zoo_manifest *out,
                      zoo_error *err);

#ifdef __cplusplus
}
#endif
#endif
