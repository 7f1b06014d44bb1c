/* tests/unit/support/test_support.c - see test_support.h. */
#include "test_support.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

static const char *exe_dir(char *buf, size_t size) {
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n <= 0) return NULL;
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash) *slash = '\0';
    return buf;
}

const char *test_build_dir(char *buf, size_t size) {
    char d[PATH_MAX];
    if (!exe_dir(d, sizeof d)) return NULL;
    snprintf(buf, size, "%s/..", d);
    return buf;
}

zoo_ctx *test_ctx_new(void) {
    char b[PATH_MAX], p[PATH_MAX + 16];
    assert_non_null(test_build_dir(b, sizeof b));
    snprintf(p, sizeof p, "%s/plugins", b);
    const char *dirs[] = {p, NULL};
    zoo_ctx_opts o = {.plugin_dirs = dirs, .no_env = true};
    zoo_error e = {0};
    zoo_ctx *ctx = zoo_ctx_new(&o, &e);
    if (!ctx) fail_msg("zoo_ctx_new: %s", e.msg);
    return ctx;
}

const char *test_shared_dir(char *buf, size_t size) {
    char b[PATH_MAX];
    if (!test_build_dir(b, sizeof b)) return NULL;
    snprintf(buf, size, "%s/../../shared", b);
    struct stat st;
    if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode)) return NULL;
    return buf;
}

const char *test_tmpdir(char *buf, size_t size) {
    const char *t = getenv("TMPDIR");
    snprintf(buf, size, "%s/zoo-test-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(buf)) fail_msg("mkdtemp failed");
    return buf;
}

static void rmtree_rec(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d))) {
                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..")) continue;
                char sub[PATH_MAX];
                snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
                rmtree_rec(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else {
        unlink(path);
    }
}

void test_rmtree(const char *dir) {
    if (dir && *dir) rmtree_rec(dir);
}

uint32_t test_rng_u32(test_rng *r) {
    uint64_t x = r->s ? r->s : 0x9E3779B97F4A7C15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    r->s = x;
    return (uint32_t)(x >> 32);
}

float test_rng_uniform(test_rng *r, float lo, float hi) {
    return lo + (hi - lo) * (float)(test_rng_u32(r) >> 8) / (float)(1u << 24);
}

int test_rng_int(test_rng *r, int lo, int hi) {
    return lo + (int)(test_rng_u32(r) % (uint32_t)(hi - lo + 1));
}

const char *test_python(void) {
    const char *p = getenv("ZOO_PY");
    return p && *p ? p : NULL;
}
