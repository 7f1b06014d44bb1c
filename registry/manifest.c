/* registry/manifest.c - reading manifests/<Model>.json with jansson
 * (schema in docs/manifests.md). Unknown keys are ignored; wrong types are
 * errors naming the file and the key. */
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zoo/manifest.h"

static int get_str(json_t *o, const char *key, char *dst, size_t size, const char *path,
                   zoo_error *err, int required) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        dst[0] = '\0';
        return required ? zoo_error_set(err, ZOO_ERR_INPUT, "%s: missing \"%s\"", path, key) : 0;
    }
    if (!json_is_string(v))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"%s\" must be a string", path, key);
    const char *s = json_string_value(v);
    if (strlen(s) >= size)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"%s\" is too long", path, key);
    strcpy(dst, s);
    return 0;
}

static int get_num(json_t *o, const char *key, double *dst, double dflt, const char *path,
                   zoo_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        *dst = dflt;
        return 0;
    }
    if (!json_is_number(v))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"%s\" must be a number", path, key);
    *dst = json_number_value(v);
    return 0;
}

static int get_vec3(json_t *o, const char *key, double *dst, const double *dflt, const char *path,
                    zoo_error *err) {
    json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v)) {
        for (int i = 0; i < 3; i++) dst[i] = dflt[i];
        return 0;
    }
    if (!json_is_array(v) || json_array_size(v) != 3)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"%s\" must be an array of 3 numbers", path,
                             key);
    for (size_t i = 0; i < 3; i++) {
        json_t *e = json_array_get(v, i);
        if (!json_is_number(e))
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"%s\" must hold numbers", path, key);
        dst[i] = json_number_value(e);
    }
    return 0;
}

int zoo_manifest_read(const char *path, zoo_manifest *m, zoo_error *err) {
    memset(m, 0, sizeof *m);
    json_error_t je;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: line %d: %s", path, je.line, je.text);
    int rc = ZOO_ERR_INPUT;
    double d;
    if (!json_is_object(root)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a JSON object", path);
        goto out;
    }
    snprintf(m->path, sizeof m->path, "%s", path);
    if (get_str(root, "name", m->name, sizeof m->name, path, err, 1) ||
        get_str(root, "family", m->family, sizeof m->family, path, err, 1) ||
        get_str(root, "license", m->license, sizeof m->license, path, err, 0) ||
        get_num(root, "input_size", &d, 224, path, err))
        goto out;
    m->input_size = (int)d;
    json_t *pp = json_object_get(root, "preprocess");
    json_t *empty = json_object();
    if (!pp || !json_is_object(pp)) pp = empty;
    static const double dmean[3] = {0.485, 0.456, 0.406}, dstd[3] = {0.229, 0.224, 0.225};
    double rs, crop;
    int bad = get_num(pp, "resize_short", &rs, 256, path, err) ||
              get_num(pp, "crop", &crop, m->input_size, path, err) ||
              get_str(pp, "interpolation", m->preprocess.interpolation,
                      sizeof m->preprocess.interpolation, path, err, 0) ||
              get_num(pp, "scale", &m->preprocess.scale, 1.0 / 255.0, path, err) ||
              get_vec3(pp, "mean", m->preprocess.mean, dmean, path, err) ||
              get_vec3(pp, "std", m->preprocess.std, dstd, path, err) ||
              get_str(pp, "channel_order", m->preprocess.channel_order,
                      sizeof m->preprocess.channel_order, path, err, 0);
    json_decref(empty);
    if (bad) goto out;
    m->preprocess.resize_short = (int)rs;
    m->preprocess.crop = (int)crop;
    if (!m->preprocess.interpolation[0]) strcpy(m->preprocess.interpolation, "bilinear");
    if (!m->preprocess.channel_order[0]) strcpy(m->preprocess.channel_order, "RGB");
    json_t *rep = json_object_get(root, "reported");
    json_t *empty2 = json_object();
    if (!rep || !json_is_object(rep)) rep = empty2;
    bad = get_num(rep, "top1", &m->reported.top1, -1, path, err) ||
          get_num(rep, "top5", &m->reported.top5, -1, path, err) ||
          get_num(rep, "flops_g", &m->reported.flops_g, -1, path, err) ||
          get_num(rep, "params_m", &m->reported.params_m, -1, path, err) ||
          get_str(rep, "source", m->reported.source, sizeof m->reported.source, path, err, 0);
    json_decref(empty2);
    if (bad) goto out;
    json_t *srcs = json_object_get(root, "sources");
    if (srcs && !json_is_array(srcs)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: \"sources\" must be an array", path);
        goto out;
    }
    size_t i;
    json_t *s;
    json_array_foreach(srcs, i, s) {
        if (m->n_sources == ZOO_MANIFEST_MAX_SOURCES) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: more than %d sources", path,
                          ZOO_MANIFEST_MAX_SOURCES);
            goto out;
        }
        if (!json_is_object(s)) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: sources[%zu] is not an object", path, i);
            goto out;
        }
        zoo_manifest_source *ms = &m->sources[m->n_sources];
        double size;
        if (get_str(s, "kind", ms->kind, sizeof ms->kind, path, err, 1) ||
            get_str(s, "url", ms->url, sizeof ms->url, path, err, 1) ||
            get_str(s, "sha256", ms->sha256, sizeof ms->sha256, path, err, 0) ||
            get_num(s, "size", &size, -1, path, err))
            goto out;
        ms->size = (long long)size;
        if (ms->sha256[0] && strlen(ms->sha256) != 64) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: sources[%zu].sha256 is not 64 hex digits", path,
                          i);
            goto out;
        }
        m->n_sources++;
    }
    rc = ZOO_OK;
out:
    json_decref(root);
    return rc;
}

static int try_dir(const char *dir, const char *model, zoo_manifest *out, zoo_error *err,
                   int *found) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.json", dir, model);
    struct stat st;
    if (stat(path, &st) != 0) return ZOO_OK;
    *found = 1;
    return zoo_manifest_read(path, out, err);
}

int zoo_manifest_find(const char *model, const char *const *dirs, zoo_manifest *out,
                      zoo_error *err) {
    int found = 0, rc;
    const char *env = getenv("ZOO_MANIFEST_PATH");
    if (env && *env) {
        char *copy = strdup(env), *save = NULL;
        if (!copy) return zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
        for (char *t = strtok_r(copy, ":", &save); t; t = strtok_r(NULL, ":", &save)) {
            rc = try_dir(t, model, out, err, &found);
            if (found) {
                free(copy);
                return rc;
            }
        }
        free(copy);
    }
    for (int i = 0; dirs && dirs[i]; i++) {
        rc = try_dir(dirs[i], model, out, err, &found);
        if (found) return rc;
    }
    return zoo_error_set(err, ZOO_ERR_NOTFOUND, "no manifest for model %s", model);
}
