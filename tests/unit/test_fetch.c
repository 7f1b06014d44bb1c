/* tests/unit/test_fetch.c - the fetcher's building blocks (fetch/): URL helpers and ZOO_MIRROR
 * mapping (no path may leave the mirror directory), the hashing sink (a digest computed over a
 * resumed .part equals the whole file's, checked against the FIPS 180-2 test vectors), the pins
 * file (trust on first use: add, lookup, conflicting pin refused, malformed line reported, eight
 * processes adding at once lose nothing), local copies, model-name checks and the stale-file
 * cleanup of a download directory. The end-to-end behaviour over HTTP is in tests/cli/fetch_*.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch/fetch.h"
#include "fetch/fetch_impl.h"
#include "support/test_support.h"

static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

static void test_url_helpers(void **state) {
    (void)state;
    assert_true(zoo_is_url("https://a.b/c"));
    assert_true(zoo_is_url("file:///tmp/x"));
    assert_false(zoo_is_url("/tmp/x"));
    assert_false(zoo_is_url("://x"));
    assert_false(zoo_is_url("a b://x"));
    char b[64];
    zoo_url_basename("https://h.example/dygraph/EfficientNetB7_pretrained.pdparams?sig=1#f", b, sizeof b);
    assert_string_equal(b, "EfficientNetB7_pretrained.pdparams");
    zoo_url_basename("https://h.example/a/b%20c;d/", b, sizeof b);
    assert_string_equal(b, "b_20c_d");
    zoo_url_basename("https://h.example", b, sizeof b);
    assert_string_equal(b, "download");
    zoo_url_basename("https://h.example/..", b, sizeof b);
    assert_string_equal(b, "download");
    zoo_url_basename("/some/dir/file.tar", b, sizeof b);
    assert_string_equal(b, "file.tar");
}

static void test_mirror_map(void **state) {
    (void)state;
    char out[512];
    bool local = false;
    zoo_error e = {0};
    const char *origin = "https://paddle.example.com:8443/dygraph/x_pretrained.pdparams?sig=abc";
    assert_int_equal(zoo_mirror_map("https://m.example/zoo/", origin, out, sizeof out, &local, &e), 0);
    assert_string_equal(out, "https://m.example/zoo/dygraph/x_pretrained.pdparams");
    assert_false(local);
    assert_int_equal(zoo_mirror_map("/srv/mirror", origin, out, sizeof out, &local, &e), 0);
    assert_string_equal(out, "/srv/mirror/dygraph/x_pretrained.pdparams");
    assert_true(local);
    assert_int_equal(zoo_mirror_map("file:///srv/mirror//", "http://h/a%20b/c.tar", out, sizeof out,
                                    &local, &e), 0);
    assert_string_equal(out, "/srv/mirror/a b/c.tar");
    assert_true(local);
    /* nothing may leave the mirror */
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h/a/../../etc/passwd", out, sizeof out, &local, &e),
                     ZOO_ERR_INPUT);
    assert_non_null(strstr(e.msg, "'..'"));
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h/a/%2e%2E/x", out, sizeof out, &local, &e),
                     ZOO_ERR_INPUT);
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h/a/./x", out, sizeof out, &local, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h/a%00b", out, sizeof out, &local, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h", out, sizeof out, &local, &e), ZOO_ERR_INPUT);
    assert_int_equal(zoo_mirror_map("/srv/m", "http://h/", out, sizeof out, &local, &e), ZOO_ERR_INPUT);
}

/* FIPS 180-2 vectors, and a resumed sink equals a one-shot digest of the same bytes. */
static void test_sink_resume(void **state) {
    (void)state;
    char dir[256], p[300], hex[65], whole[65];
    test_tmpdir(dir, sizeof dir);
    zoo_error e = {0};
    snprintf(p, sizeof p, "%s/abc", dir);
    write_file(p, "abc", 3);
    assert_int_equal(zoo_sha256_file(p, hex, &e), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const char *v2 = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    write_file(p, v2, strlen(v2));
    assert_int_equal(zoo_sha256_file(p, hex, &e), 0);
    assert_string_equal(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");

    /* 3 MB of pseudo-random bytes, written in three sessions */
    size_t n = 3u << 20;
    unsigned char *buf = malloc(n);
    assert_non_null(buf);
    test_rng r = {12345};
    for (size_t i = 0; i < n; i++) buf[i] = (unsigned char)test_rng_u32(&r);
    snprintf(p, sizeof p, "%s/whole", dir);
    write_file(p, buf, n);
    assert_int_equal(zoo_sha256_file(p, whole, &e), 0);
    snprintf(p, sizeof p, "%s/x.part", dir);
    zoo_sink s;
    assert_int_equal(zoo_sink_open(&s, p, 1, &e), 0);
    assert_int_equal(zoo_sink_write(&s, buf, 1000001), 0);
    zoo_sink_close(&s); /* interrupted */
    assert_int_equal(zoo_sink_open(&s, p, 0, &e), 0);
    assert_int_equal(s.bytes, 1000001);
    assert_int_equal(zoo_sink_write(&s, buf + 1000001, 777), 0);
    zoo_sink_close(&s);
    assert_int_equal(zoo_sink_open(&s, p, 0, &e), 0);
    assert_int_equal(zoo_sink_write(&s, buf + 1000778, n - 1000778), 0);
    assert_int_equal(zoo_sink_finish(&s, hex, &e), 0);
    assert_string_equal(hex, whole);
    /* reset: the digest covers only what follows */
    assert_int_equal(zoo_sink_open(&s, p, 0, &e), 0);
    assert_int_equal(zoo_sink_reset(&s, &e), 0);
    assert_int_equal(zoo_sink_write(&s, "abc", 3), 0);
    assert_int_equal(zoo_sink_finish(&s, hex, &e), 0);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    assert_int_equal(st.st_size, 3);

    char ok[65];
    assert_true(zoo_sha256_parse("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD", ok));
    assert_string_equal(ok, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_false(zoo_sha256_parse("ba7816bf", ok));
    assert_false(zoo_sha256_parse("zz7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ok));
    free(buf);
    test_rmtree(dir);
}

static void test_pins(void **state) {
    (void)state;
    char dir[256], sha[65];
    test_tmpdir(dir, sizeof dir);
    zoo_error e = {0};
    const char *A = "1111111111111111111111111111111111111111111111111111111111111111";
    const char *B = "2222222222222222222222222222222222222222222222222222222222222222";
    long long size = 0;
    assert_int_equal(zoo_pins_lookup(dir, "http://h/a", sha, &size, &e), ZOO_ERR_NOTFOUND);
    assert_int_equal(zoo_pins_add(dir, "http://h/a", A, 10, &e), 0);
    assert_int_equal(zoo_pins_add(dir, "http://h/b", B, 20, &e), 0);
    assert_int_equal(zoo_pins_add(dir, "http://h/a", A, 10, &e), 0); /* same pin again: fine */
    assert_int_equal(zoo_pins_add(dir, "http://h/a", B, 10, &e), ZOO_ERR_INTEGRITY);
    assert_non_null(strstr(e.msg, "already pinned to sha256 1111"));
    assert_int_equal(zoo_pins_lookup(dir, "http://h/a", sha, &size, &e), 0);
    assert_string_equal(sha, A);
    assert_int_equal(size, 10);
    assert_int_equal(zoo_pins_lookup(dir, "http://h/b", sha, &size, &e), 0);
    assert_string_equal(sha, B);
    assert_int_equal(zoo_pins_add(dir, "http://h/a\nb", A, 1, &e), ZOO_ERR_INPUT);
    const char *urls[] = {"http://h/a", "http://h/nope"};
    int removed = -1;
    assert_int_equal(zoo_pins_remove(dir, urls, 2, &removed, &e), 0);
    assert_int_equal(removed, 1);
    assert_int_equal(zoo_pins_lookup(dir, "http://h/a", sha, &size, &e), ZOO_ERR_NOTFOUND);
    assert_int_equal(zoo_pins_lookup(dir, "http://h/b", sha, &size, &e), 0);

    /* eight processes pinning at once: every pin survives (lock + rename) */
    for (int k = 0; k < 8; k++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            char u[64], h[65];
            snprintf(u, sizeof u, "http://h/concurrent/%d", k);
            for (int i = 0; i < 64; i++) h[i] = "0123456789abcdef"[(k + i) & 15];
            h[64] = '\0';
            _exit(zoo_pins_add(dir, u, h, k, NULL) == 0 ? 0 : 1);
        }
    }
    for (int k = 0; k < 8; k++) {
        int status = 0;
        assert_true(wait(&status) > 0);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    for (int k = 0; k < 8; k++) {
        char u[64];
        snprintf(u, sizeof u, "http://h/concurrent/%d", k);
        assert_int_equal(zoo_pins_lookup(dir, u, sha, &size, &e), 0);
        assert_int_equal(size, k);
    }
    /* a damaged pins file is reported, not ignored */
    char p[300];
    snprintf(p, sizeof p, "%s/pins", dir);
    FILE *f = fopen(p, "a");
    assert_non_null(f);
    fputs("not a pin line\n", f);
    fclose(f);
    assert_int_equal(zoo_pins_lookup(dir, "http://h/b", sha, &size, &e), ZOO_ERR_INTEGRITY);
    assert_non_null(strstr(e.msg, "line 11 is not '<sha256> <size> <url>'"));
    test_rmtree(dir);
}

static void test_local_copy(void **state) {
    (void)state;
    char dir[256], src[300], part[300];
    test_tmpdir(dir, sizeof dir);
    snprintf(src, sizeof src, "%s/src.bin", dir);
    snprintf(part, sizeof part, "%s/dst.part", dir);
    write_file(src, "abc", 3);
    zoo_dl_opts o;
    zoo_dl_opts_default(&o);
    zoo_dl_result r;
    zoo_error e = {0};
    assert_int_equal(zoo_local_copy(src, part, &o, &r, &e), 0);
    assert_string_equal(r.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(r.size, 3);
    o.expect_size = 4;
    o.size_from = "manifest";
    assert_int_equal(zoo_local_copy(src, part, &o, &r, &e), ZOO_ERR_INTEGRITY);
    assert_non_null(strstr(e.msg, "3 bytes, expected 4 (manifest)"));
    o.expect_size = -1;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    assert_int_equal(zoo_local_copy(missing, part, &o, &r, &e), ZOO_ERR_NOTFOUND);
    assert_int_equal(zoo_local_copy(dir, part, &o, &r, &e), ZOO_ERR_INPUT);
    test_rmtree(dir);
}

static void test_cache_names_and_cleanup(void **state) {
    (void)state;
    zoo_error e = {0};
    assert_int_equal(zoo_cache_check_name("EfficientNetB7", &e), 0);
    assert_int_equal(zoo_cache_check_name("GhostNet_x1_3_ssld", &e), 0);
    const char *bad[] = {"", ".", "..", "../x", "a/b", ".hidden", "-rf", "a\nb"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(zoo_cache_check_name(bad[i], &e), ZOO_ERR_INPUT);
    char p[600];
    assert_int_equal(zoo_cache_path("/c", ZOO_CACHE_MODEL_FILE, "M", p, sizeof p, &e), 0);
    assert_string_equal(p, "/c/models/M/M.zoo");
    assert_int_equal(zoo_cache_path("/c", ZOO_CACHE_MODEL_LOCK, "M", p, sizeof p, &e), 0);
    assert_string_equal(p, "/c/locks/M.lock");
    assert_int_equal(zoo_cache_path("/c", ZOO_CACHE_PINS, NULL, p, sizeof p, &e), 0);
    assert_string_equal(p, "/c/pins");
    assert_int_equal(zoo_cache_path("/c", ZOO_CACHE_DOWNLOAD_DIR, "../x", p, sizeof p, &e), ZOO_ERR_INPUT);

    char dir[256];
    test_tmpdir(dir, sizeof dir);
    const char *keep[] = {"a.pdparams.part", "a.pdparams.part.info"};
    const char *drop[] = {"M.zoo", "M.zoo.tmp.12345", "junk"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, keep[i]);
        write_file(p, "x", 1);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, drop[i]);
        write_file(p, "x", 1);
    }
    snprintf(p, sizeof p, "%s/.zoo-convert-abc/sub", dir);
    assert_int_equal(zoo_cache_mkdirs(p, &e), 0);
    zoo_cache_clean_stale(dir);
    struct stat st;
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, keep[i]);
        assert_int_equal(stat(p, &st), 0);
    }
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, drop[i]);
        assert_int_not_equal(stat(p, &st), 0);
    }
    snprintf(p, sizeof p, "%s/.zoo-convert-abc", dir);
    assert_int_not_equal(stat(p, &st), 0);
    test_rmtree(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_helpers),
        cmocka_unit_test(test_mirror_map),
        cmocka_unit_test(test_sink_resume),
        cmocka_unit_test(test_pins),
        cmocka_unit_test(test_local_copy),
        cmocka_unit_test(test_cache_names_and_cleanup),
    };
    return cmocka_run_group_tests_name("fetch", tests, NULL, NULL);
}
