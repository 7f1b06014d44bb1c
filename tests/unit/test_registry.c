/* tests/unit/test_registry.c - the context and registry: plugins of the build
 * tree load, models are found and sorted, "did you mean" suggestions, refusals
 * (missing file, a plugin loaded twice, a non-plugin), unknown models, and the
 * manifest reader's errors. The ABI-version refusal is exercised end to end by
 * tests/cli/plugin_hello.sh (it needs a compiler to build a foreign plugin). */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "support/test_support.h"
#include "zoo/manifest.h"

static void test_models_registered_and_sorted(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    int n = zoo_model_count(ctx);
    assert_true(n >= 33); /* the five families of the seed table */
    for (int i = 1; i < n; i++)
        assert_true(strcmp(zoo_model_at(ctx, i - 1)->name, zoo_model_at(ctx, i)->name) < 0);
    const zoo_model_desc *d = zoo_model_find(ctx, "EfficientNetB7");
    assert_non_null(d);
    assert_string_equal(d->family, "efficientnet");
    assert_int_equal(d->input_size, 600);
    assert_int_equal(d->resize_short, 632);
    assert_null(zoo_model_find(ctx, "efficientnetb7")); /* exact, case-sensitive */
    assert_null(zoo_model_at(ctx, n));
    zoo_ctx_free(ctx);
}

static void test_suggestions(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    assert_string_equal(zoo_model_suggest(ctx, "EfficientNetb7"), "EfficientNetB7");
    assert_string_equal(zoo_model_suggest(ctx, "densenet121"), "DenseNet121");
    assert_string_equal(zoo_model_suggest(ctx, "GhostNet_x1"), "GhostNet_x1_0");
    assert_string_equal(zoo_model_suggest(ctx, "Xception_65"), "Xception65");
    assert_null(zoo_model_suggest(ctx, "Zebra9000"));
    assert_null(zoo_model_suggest(ctx, ""));
    zoo_error e = {0};
    assert_null(zoo_model_build(ctx, "ResNest50", 0, 0, &e));
    assert_int_equal(e.code, ZOO_ERR_NOTFOUND);
    assert_string_equal(e.msg, "unknown model 'ResNest50' (did you mean ResNeSt50?)");
    zoo_ctx_free(ctx);
}

static void test_plugin_refusals(void **state) {
    (void)state;
    zoo_ctx *ctx = test_ctx_new();
    zoo_error e = {0};
    assert_int_equal(zoo_ctx_load_plugin(ctx, "/nonexistent/zoo/x.so", &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "/nonexistent/zoo/x.so: cannot load plugin"));
    /* the same plugin twice: refused, naming where it came from */
    assert_true(zoo_ctx_plugin_count(ctx) >= 5);
    const char *first = zoo_ctx_plugin_path(ctx, 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", first);
    assert_int_equal(zoo_ctx_load_plugin(ctx, path, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "is already loaded from"));
    /* a shared object that is not a plugin: libzoo itself has no zoo_plugin symbol */
    char b[PATH_MAX], lib[PATH_MAX + 16];
    test_build_dir(b, sizeof b);
    snprintf(lib, sizeof lib, "%s/libzoo.so", b);
    assert_int_equal(zoo_ctx_load_plugin(ctx, lib, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "not a zoo plugin (no symbol 'zoo_plugin')"));
    /* refusals leave the registry intact */
    assert_non_null(zoo_model_find(ctx, "GhostNet_x1_0"));
    zoo_ctx_free(ctx);
}

static void test_no_plugins_and_env(void **state) {
    (void)state;
    zoo_error e = {0};
    zoo_ctx_opts o = {.no_default_plugins = true};
    zoo_ctx *ctx = zoo_ctx_new(&o, &e);
    assert_non_null(ctx);
    assert_int_equal(zoo_model_count(ctx), 0);
    assert_null(zoo_model_suggest(ctx, "DenseNet121"));
    zoo_ctx_free(ctx);
    /* plugins found only through ZOO_PLUGIN_PATH */
    char b[PATH_MAX], p[PATH_MAX + 32];
    test_build_dir(b, sizeof b);
    snprintf(p, sizeof p, "/nonexistent:%s/plugins", b);
    setenv("ZOO_PLUGIN_PATH", p, 1);
    const char *none[] = {NULL};
    zoo_ctx_opts o2 = {.plugin_dirs = none};
    ctx = zoo_ctx_new(&o2, &e);
    unsetenv("ZOO_PLUGIN_PATH");
    assert_non_null(ctx);
    assert_non_null(zoo_model_find(ctx, "DPN68"));
    zoo_ctx_free(ctx);
}

static void write_file(const char *path, const char *text) {
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_manifest_errors(void **state) {
    (void)state;
    char dir[PATH_MAX], p[PATH_MAX + 32];
    test_tmpdir(dir, sizeof dir);
    zoo_manifest m;
    zoo_error e = {0};
    snprintf(p, sizeof p, "%s/Bad.json", dir);
    write_file(p, "{\"name\": \"Bad\",\n \"family\": 3}");
    assert_int_equal(zoo_manifest_read(p, &m, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "Bad.json: \"family\" must be a string"));
    write_file(p, "{\"name\": \"Bad\", \"name\": \"Twice\"}");
    assert_int_equal(zoo_manifest_read(p, &m, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "Bad.json: line 1"));
    write_file(p, "{\"name\": \"Bad\", \"family\": \"x\", \"sources\": [{\"kind\": \"pdparams\", "
                  "\"url\": \"http://127.0.0.1/x\", \"sha256\": \"abc\"}]}");
    assert_int_equal(zoo_manifest_read(p, &m, &e), ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "sources[0].sha256 is not 64 hex digits"));
    write_file(p, "{\"name\": \"Bad\", \"family\": \"x\", \"input_size\": 32}");
    assert_int_equal(zoo_manifest_read(p, &m, &e), ZOO_OK);
    assert_int_equal(m.input_size, 32);
    assert_int_equal(m.preprocess.crop, 32);        /* defaults */
    assert_true(m.reported.top1 < 0);
    const char *dirs[] = {dir, NULL};
    assert_int_equal(zoo_manifest_find("Bad", dirs, &m, &e), ZOO_OK);
    assert_int_equal(zoo_manifest_find("Missing", dirs, &m, &e), ZOO_ERR_NOTFOUND);
    test_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_models_registered_and_sorted),
        cmocka_unit_test(test_suggestions),
        cmocka_unit_test(test_plugin_refusals),
        cmocka_unit_test(test_no_plugins_and_env),
        cmocka_unit_test(test_manifest_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
