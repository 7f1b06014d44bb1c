/* fetch/cache.c - the model cache's layout (fetch.h, docs/fetch.md): path of
 * each item, mkdir -p, listing installed models, removing one (`zoo rm`,
 * under its lock) and cleaning what a dead process left in its download
 * directory. Model names are checked before they become path components. */
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch.h"

int zoo_cache_check_name(const char *m, zoo_error *err) {
    size_t n = m ? strlen(m) : 0;
    if (n == 0 || n > 120 || m[0] == '.' || m[0] == '-')
        return zoo_error_set(err, ZOO_ERR_INPUT, "'%s': not a valid model name", m ? m : "");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)m[i];
        if (c == '/' || c == '\\' || c < 0x20 || c == 0x7f)
            return zoo_error_set(err, ZOO_ERR_INPUT, "'%s': not a valid model name", m);
    }
    return 0;
}

int zoo_cache_path(const char *cache, zoo_cache_item item, const char *m, char *buf, size_t size,
                   zoo_error *err) {
    int needs_model = item != ZOO_CACHE_PINS && item != ZOO_CACHE_PINS_LOCK &&
                      item != ZOO_CACHE_MODELS_ROOT;
    if (needs_model) {
        int rc = zoo_cache_check_name(m, err);
        if (rc) return rc;
    }
    int w = -1;
    switch (item) {
    case ZOO_CACHE_MODEL_DIR: w = snprintf(buf, size, "%s/models/%s", cache, m); break;
    case ZOO_CACHE_MODEL_FILE: w = snprintf(buf, size, "%s/models/%s/%s.zoo", cache, m, m); break;
    case ZOO_CACHE_DOWNLOAD_DIR: w = snprintf(buf, size, "%s/downloads/%s", cache, m); break;
    case ZOO_CACHE_MODEL_LOCK: w = snprintf(buf, size, "%s/locks/%s.lock", cache, m); break;
    case ZOO_CACHE_PINS: w = snprintf(buf, size, "%s/pins", cache); break;
    case ZOO_CACHE_PINS_LOCK: w = snprintf(buf, size, "%s/locks/pins.lock", cache); break;
    case ZOO_CACHE_MODELS_ROOT: w = snprintf(buf, size, "%s/models", cache); break;
    }
    if (w < 0 || (size_t)w >= size)
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: cache path too long", cache);
    return 0;
}

int zoo_cache_mkdirs(const char *dir, zoo_error *err) {
    char p[PATH_MAX];
    if (zoo_str_copy(p, sizeof p, dir))
        return zoo_error_set(err, ZOO_ERR_INPUT, "%.80s...: path too long", dir);
    size_t n = strlen(p);
    while (n > 1 && p[n - 1] == '/') p[--n] = '\0';
    for (char *c = p + 1; *c; c++) {
        if (*c != '/') continue;
        *c = '\0';
        if (mkdir(p, 0755) != 0 && errno != EEXIST)
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create directory: %s", p,
                                 strerror(errno));
        *c = '/';
    }
    if (mkdir(p, 0755) != 0 && errno != EEXIST)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot create directory: %s", p,
                             strerror(errno));
    struct stat st;
    if (stat(p, &st) != 0 || !S_ISDIR(st.st_mode))
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: not a directory", p);
    return 0;
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *f) {
    (void)st;
    (void)f;
    if (flag == FTW_DP) rmdir(p);
    else unlink(p);
    return 0;
}

void zoo_cache_rmtree(const char *dir) {
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int ends_with(const char *s, const char *suf) {
    size_t a = strlen(s), b = strlen(suf);
    return a >= b && !strcmp(s + a - b, suf);
}

void zoo_cache_clean_stale(const char *download_dir) {
    DIR *d = opendir(download_dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (ends_with(e->d_name, ".part") || ends_with(e->d_name, ".part.info")) continue;
        char p[PATH_MAX];
        if (snprintf(p, sizeof p, "%s/%s", download_dir, e->d_name) >= (int)sizeof p) continue;
        struct stat st;
        if (lstat(p, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) zoo_cache_rmtree(p);
        else unlink(p);
    }
    closedir(d);
}

static int exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

int zoo_cache_remove(const char *cache, const char *model, const char *const *unpin_urls,
                     int n_unpin, int *removed_pins, zoo_error *err) {
    char lock[PATH_MAX], mdir[PATH_MAX], ddir[PATH_MAX];
    int rc;
    if ((rc = zoo_cache_path(cache, ZOO_CACHE_MODEL_LOCK, model, lock, sizeof lock, err)) ||
        (rc = zoo_cache_path(cache, ZOO_CACHE_MODEL_DIR, model, mdir, sizeof mdir, err)) ||
        (rc = zoo_cache_path(cache, ZOO_CACHE_DOWNLOAD_DIR, model, ddir, sizeof ddir, err)))
        return rc;
    if (removed_pins) *removed_pins = 0;
    int had = exists(mdir) || exists(ddir);
    if (!had && !n_unpin)
        return zoo_error_set(err, ZOO_ERR_NOTFOUND, "%s is not in the cache (%s)", model, cache);
    int fd = -1;
    if (had && (rc = zoo_lock_acquire(lock, NULL, &fd, err))) return rc;
    if (had) {
        /* the native file first: once it is gone the model is not installed */
        char file[PATH_MAX];
        if (!zoo_cache_path(cache, ZOO_CACHE_MODEL_FILE, model, file, sizeof file, NULL) &&
            unlink(file) != 0 && errno != ENOENT)
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot remove: %s", file, strerror(errno));
        if (!rc) {
            zoo_cache_rmtree(mdir);
            zoo_cache_rmtree(ddir);
            if (exists(mdir))
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: could not remove everything", mdir);
        }
    }
    zoo_lock_release(fd);
    if (!rc && n_unpin) {
        int removed = 0;
        rc = zoo_pins_remove(cache, unpin_urls, n_unpin, &removed, err);
        if (removed_pins) *removed_pins = removed;
        if (!rc && !had && !removed)
            rc = zoo_error_set(err, ZOO_ERR_NOTFOUND, "%s is not in the cache and has no pins (%s)",
                               model, cache);
    }
    return rc;
}

static int cmp_str(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int zoo_cache_list(const char *cache, char ***names, int *n, zoo_error *err) {
    *names = NULL;
    *n = 0;
    char root[PATH_MAX];
    int rc = zoo_cache_path(cache, ZOO_CACHE_MODELS_ROOT, NULL, root, sizeof root, err);
    if (rc) return rc;
    DIR *d = opendir(root);
    if (!d) return errno == ENOENT ? 0 : zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: %s", root, strerror(errno));
    struct dirent *e;
    int cap = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.' || zoo_cache_check_name(e->d_name, NULL)) continue;
        char f[PATH_MAX];
        if (zoo_cache_path(cache, ZOO_CACHE_MODEL_FILE, e->d_name, f, sizeof f, NULL) || !exists(f))
            continue;
        if (*n == cap) {
            cap = cap ? cap * 2 : 16;
            char **nn = realloc(*names, (size_t)cap * sizeof *nn);
            if (!nn) {
                rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
                break;
            }
            *names = nn;
        }
        if (!((*names)[*n] = strdup(e->d_name))) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
            break;
        }
        (*n)++;
    }
    closedir(d);
    if (rc) {
        zoo_cache_free_list(*names, *n);
        *names = NULL;
        *n = 0;
        return rc;
    }
    if (*n) qsort(*names, (size_t)*n, sizeof **names, cmp_str);
    return 0;
}

void zoo_cache_free_list(char **names, int n) {
    for (int i = 0; i < n; i++) free(names[i]);
    free(names);
}
