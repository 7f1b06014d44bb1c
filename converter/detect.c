/* converter/detect.c - source format detection (contract in detect.h).
 *
 * Files are classified by magic bytes: the legacy torch.save stream (a
 * pickle of torch's magic number, checked before other pickles), pickle
 * PROTO (0x80 + protocol 2..5), zip "PK\3\4" (torch >= 1.6), safetensors
 * (u64 LE header length 2..100,000,000 then '{'), tar "ustar" at offset 257,
 * gzip 1f 8b, bzip2 "BZh", xz fd "7zXZ" 00. Inference models are recognised by their file set, legacy
 * parameter directories by elimination. Nothing is opened for writing.
 */
#include "converter/detect.h"

#include "converter/pth.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *zoo_src_kind_name(zoo_src_kind k) {
    switch (k) {
    case ZOO_SRC_PICKLE: return "pickle";
    case ZOO_SRC_INFERENCE: return "inference";
    case ZOO_SRC_LEGACY_DIR: return "legacy-dir";
    case ZOO_SRC_TAR: return "tar";
    case ZOO_SRC_GZIP: return "gzip";
    case ZOO_SRC_BZIP2: return "bzip2";
    case ZOO_SRC_XZ: return "xz";
    case ZOO_SRC_ZIP: return "zip";
    case ZOO_SRC_PTH_LEGACY: return "pth-legacy";
    case ZOO_SRC_SAFETENSORS: return "safetensors";
    default: return "unknown";
    }
}

zoo_src_kind zoo_detect_bytes(const uint8_t *p, size_t n) {
    if (zoo_pth_is_legacy(p, n)) return ZOO_SRC_PTH_LEGACY;
    if (n >= 9 && p[8] == '{') {
        uint64_t hl = 0;
        for (int i = 7; i >= 0; i--) hl = (hl << 8) | p[i];
        if (hl >= 2 && hl <= 100000000u) return ZOO_SRC_SAFETENSORS;
    }
    if (n >= 2 && p[0] == 0x80 && p[1] >= 2 && p[1] <= 5) return ZOO_SRC_PICKLE;
    if (n >= 4 && memcmp(p, "PK\x03\x04", 4) == 0) return ZOO_SRC_ZIP;
    if (n >= 262 && memcmp(p + 257, "ustar", 5) == 0) return ZOO_SRC_TAR;
    if (n >= 2 && p[0] == 0x1f && p[1] == 0x8b) return ZOO_SRC_GZIP;
    if (n >= 3 && memcmp(p, "BZh", 3) == 0) return ZOO_SRC_BZIP2;
    if (n >= 6 && memcmp(p, "\xfd" "7zXZ\0", 6) == 0) return ZOO_SRC_XZ;
    return ZOO_SRC_UNKNOWN;
}

static bool is_file(const char *p) {
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Fills an INFERENCE info from a prefix ("dir/inference") if its files exist. */
static bool inference_from_prefix(const char *prefix, zoo_src_info *out) {
    char params[PATH_MAX], model[PATH_MAX], info[PATH_MAX];
    if (snprintf(params, sizeof params, "%s.pdiparams", prefix) >= (int)sizeof params) return false;
    if (!is_file(params)) return false;
    snprintf(model, sizeof model, "%s.pdmodel", prefix);
    if (!is_file(model)) {
        snprintf(model, sizeof model, "%s.json", prefix);
        if (!is_file(model)) return false;
    }
    snprintf(info, sizeof info, "%s.pdiparams.info", prefix);
    out->kind = ZOO_SRC_INFERENCE;
    snprintf(out->path, sizeof out->path, "%s", prefix);
    snprintf(out->model_path, sizeof out->model_path, "%s", model);
    snprintf(out->params_path, sizeof out->params_path, "%s", params);
    if (is_file(info)) snprintf(out->info_path, sizeof out->info_path, "%s", info);
    else out->info_path[0] = '\0';
    return true;
}

/* A directory: an inference model inside, or a single sub-directory. */
static int detect_dir(const char *dir, zoo_src_info *out, int depth, zoo_error *err) {
    char prefix[PATH_MAX];
    snprintf(prefix, sizeof prefix, "%s/inference", dir);
    if (inference_from_prefix(prefix, out)) return ZOO_OK;
    DIR *d = opendir(dir);
    if (!d) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot read directory: %s", dir,
                                 strerror(errno));
    int entries = 0, n_params = 0;
    char only[NAME_MAX + 1] = "", params_prefix[PATH_MAX] = "";
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue; /* ".", "..", hidden files */
        entries++;
        snprintf(only, sizeof only, "%s", e->d_name);
        if (ends_with(e->d_name, ".pdiparams")) {
            n_params++;
            snprintf(params_prefix, sizeof params_prefix, "%s/%.*s", dir,
                     (int)(strlen(e->d_name) - strlen(".pdiparams")), e->d_name);
        }
    }
    closedir(d);
    if (n_params == 1 && inference_from_prefix(params_prefix, out)) return ZOO_OK;
    if (entries == 1 && depth == 0) {
        char sub[PATH_MAX];
        struct stat st;
        if (snprintf(sub, sizeof sub, "%s/%s", dir, only) < (int)sizeof sub && stat(sub, &st) == 0 &&
            S_ISDIR(st.st_mode))
            return detect_dir(sub, out, depth + 1, err);
    }
    if (entries == 0) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty directory", dir);
    out->kind = ZOO_SRC_LEGACY_DIR;
    snprintf(out->path, sizeof out->path, "%s", dir);
    return ZOO_OK;
}

int zoo_detect_source(const char *path, zoo_src_info *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    if (!path || !*path) return zoo_error_set(err, ZOO_ERR_INPUT, "no source given");
    if (strlen(path) >= PATH_MAX - 32)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%.64s...: path too long", path);
    struct stat st;
    if (stat(path, &st) != 0) {
        if (errno == ENOENT && inference_from_prefix(path, out)) return ZOO_OK;
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s",
                             path, strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) return detect_dir(path, out, 0, err);
    if (!S_ISREG(st.st_mode))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file or directory", path);

    /* one file of an inference model: use the whole model */
    static const char *const SUFFIXES[] = {".pdiparams.info", ".pdiparams", ".pdmodel", ".json"};
    for (size_t i = 0; i < sizeof SUFFIXES / sizeof SUFFIXES[0]; i++)
        if (ends_with(path, SUFFIXES[i])) {
            char prefix[PATH_MAX];
            snprintf(prefix, sizeof prefix, "%.*s", (int)(strlen(path) - strlen(SUFFIXES[i])), path);
            if (inference_from_prefix(prefix, out)) return ZOO_OK;
            break;
        }

    uint8_t head[512];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot open: %s", path, strerror(errno));
    ssize_t n = 0;
    while ((size_t)n < sizeof head) {
        ssize_t r = read(fd, head + n, sizeof head - (size_t)n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) break;
        n += r;
    }
    close(fd);
    out->kind = zoo_detect_bytes(head, (size_t)n);
    snprintf(out->path, sizeof out->path, "%s", path);
    if (out->kind == ZOO_SRC_UNKNOWN) {
        if (n == 0) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file", path);
        if (ends_with(path, ".pdiparams"))
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: a .pdiparams file needs its program (.pdmodel or .json) "
                                 "next to it under the same prefix",
                                 path);
        char hex[3 * 8 + 1] = "";
        size_t o = 0;
        for (ssize_t i = 0; i < n && i < 8; i++)
            o += (size_t)snprintf(hex + o, sizeof hex - o, "%s%02x", i ? " " : "", head[i]);
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: unrecognised weight format (first bytes %s; expected a Paddle "
                             ".pdparams pickle, an inference model, a parameter directory, a "
                             "tar archive of one, a PyTorch .pth or a safetensors file)",
                             path, hex);
    }
    return ZOO_OK;
}
