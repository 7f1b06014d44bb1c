/* tests/unit/test_archive.c - safe tar / tar.gz extraction
 * (zoo_extract_archive, converter/archive.c).
 *
 * The archives were written by Python's tarfile (tests/fixtures/paddleinfer/
 * make_fixtures.py): valid ones in every supported compression, and one per
 * refused entry kind ("../" escape, absolute path, symlink to /etc followed by
 * a file written through it, hard link out of the tree, character device,
 * FIFO, duplicate path). Each refused archive starts with a legitimate
 * directory and file, so the test also sees that partial output is removed:
 * the destination must be empty afterwards, nothing may appear outside it,
 * and the message must be one line naming the archive and the entry.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "converter/readers.h"
#include "paddleinfer_fixtures.h"

static void archive(char *buf, size_t size, const char *name) {
    char dir[PATH_MAX];
    pi_fmt(buf, size, "%s/archives/%s", pi_fixture_dir(dir, sizeof dir), name);
}

static int count_entries(const char *dir) {
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

static void expect_content(const char *dest, const char *rel, const void *want, size_t n) {
    char p[PATH_MAX + 64];
    pi_fmt(p, sizeof p, "%s/%s", dest, rel);
    struct stat st;
    if (lstat(p, &st) != 0) fail_msg("%s was not extracted", rel);
    assert_true(S_ISREG(st.st_mode));
    /* archive modes are ignored: 0644 (less the umask), never setuid or executable */
    assert_int_equal(st.st_mode & 07111, 0);
    assert_int_equal(st.st_mode & 0600, 0600);
    size_t len;
    unsigned char *b = pi_read_file(p, &len);
    assert_int_equal(len, n);
    if (n) assert_memory_equal(b, want, n);
    free(b);
}

static void test_valid(void **state) {
    (void)state;
    const char *names[] = {"valid.tar", "valid.tar.gz", "valid.tar.bz2", "valid.tar.xz"};
    unsigned char bin[768];
    for (int i = 0; i < 768; i++) bin[i] = (unsigned char)(i % 256);
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        char a[PATH_MAX], dest[PATH_MAX], p[PATH_MAX + 64];
        archive(a, sizeof a, names[k]);
        test_tmpdir(dest, sizeof dest);
        zoo_error e = {0};
        if (zoo_extract_archive(a, dest, &e) != 0) fail_msg("%s: %s", names[k], e.msg);
        expect_content(dest, "model/a.txt", "alpha\n", 6);
        expect_content(dest, "model/sub/b.bin", bin, sizeof bin);
        expect_content(dest, "model/sub/c.txt", "gamma\n", 6); /* stored as ./model/./sub//c.txt */
        expect_content(dest, "empty.txt", "", 0);
        expect_content(dest, "model/setuid.sh", "#!/bin/sh\n", 10); /* stored with mode 04777 */
        assert_int_equal(count_entries(dest), 2);
        pi_fmt(p, sizeof p, "%s/model", dest);
        assert_int_equal(count_entries(p), 3);
        pi_fmt(p, sizeof p, "%s/model/sub", dest);
        assert_int_equal(count_entries(p), 2);
        test_rmtree(dest);
    }
}

static void test_refused(void **state) {
    (void)state;
    static const struct { const char *file, *entry, *why; } cases[] = {
        {"dotdot.tar.gz", "ok/../../zoo-escape.txt", "'..'"},
        {"absolute.tar.gz", "/tmp/zoo-absolute-escape.txt", "absolute path"},
        {"symlink.tar.gz", "evil", "symbolic link"},
        {"hardlink.tar.gz", "hard", "hard link"},
        {"chardev.tar.gz", "dev_null", "character device"},
        {"fifo.tar.gz", "pipe", "FIFO"},
        {"duplicate.tar.gz", "ok/first.txt", "appears twice"},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        char a[PATH_MAX], parent[PATH_MAX], dest[PATH_MAX + 8], p[PATH_MAX + 64];
        archive(a, sizeof a, cases[k].file);
        /* dest inside a private parent, so an escape one level up would be visible */
        test_tmpdir(parent, sizeof parent);
        pi_fmt(dest, sizeof dest, "%s/d", parent);
        assert_int_equal(mkdir(dest, 0755), 0);
        zoo_error e = {0};
        int rc = zoo_extract_archive(a, dest, &e);
        if (rc != ZOO_ERR_INPUT) fail_msg("%s: rc %d (%s)", cases[k].file, rc, e.msg);
        pi_assert_message(&e, a);
        char q[600];
        pi_fmt(q, sizeof q, "entry '%s'", cases[k].entry);
        if (!strstr(e.msg, q) || !strstr(e.msg, cases[k].why) || !strstr(e.msg, "refused"))
            fail_msg("%s: unexpected message: %s", cases[k].file, e.msg);
        assert_int_equal(count_entries(dest), 0);   /* partial output removed */
        assert_int_equal(count_entries(parent), 1); /* nothing next to dest */
        pi_fmt(p, sizeof p, "%s/zoo-escape.txt", parent);
        assert_int_not_equal(access(p, F_OK), 0);
        test_rmtree(parent);
    }
    assert_int_not_equal(access("/tmp/zoo-absolute-escape.txt", F_OK), 0);
    assert_int_not_equal(access("/etc/zoo-through-link.txt", F_OK), 0);
}

static void test_bad_arguments(void **state) {
    (void)state;
    char a[PATH_MAX], dest[PATH_MAX], p[PATH_MAX + 64];
    archive(a, sizeof a, "valid.tar.gz");
    test_tmpdir(dest, sizeof dest);
    zoo_error e = {0};
    /* destination not empty: refused, and the existing file is untouched */
    pi_fmt(p, sizeof p, "%s/keep.txt", dest);
    pi_write_file(p, "keep", 4);
    assert_int_equal(zoo_extract_archive(a, dest, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, dest);
    assert_int_equal(access(p, F_OK), 0);
    unlink(p);
    /* missing destination, missing archive */
    pi_fmt(p, sizeof p, "%s/nope", dest);
    assert_int_equal(zoo_extract_archive(a, p, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, p);
    assert_int_equal(zoo_extract_archive(p, dest, &e), ZOO_ERR_NOTFOUND);
    pi_assert_message(&e, p);
    /* not an archive: a Paddle params file */
    char fx[PATH_MAX], pd[PATH_MAX + 64];
    pi_fmt(pd, sizeof pd, "%s/tiny_pdmodel/inference.pdiparams", pi_fixture_dir(fx, sizeof fx));
    assert_int_equal(zoo_extract_archive(pd, dest, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, pd);
    assert_int_equal(count_entries(dest), 0);
    /* truncated archives: every cut of the .tar.gz fails (or, before the first
     * entry, extracts nothing) and leaves dest empty */
    size_t n;
    unsigned char *b = pi_read_file(a, &n);
    pi_fmt(p, sizeof p, "%s.cut.tar.gz", dest);
    for (size_t cut = 0; cut < n; cut += 7) {
        pi_write_file(p, b, cut);
        int rc = zoo_extract_archive(p, dest, &e);
        if (rc != 0) {
            assert_int_equal(rc, ZOO_ERR_INPUT);
            pi_assert_message(&e, p);
            assert_int_equal(count_entries(dest), 0);
        } else {
            test_rmtree(dest);
            assert_int_equal(mkdir(dest, 0700), 0);
        }
    }
    free(b);
    unlink(p);
    /* the plain tar cut inside its first file's data */
    archive(a, sizeof a, "valid.tar");
    b = pi_read_file(a, &n);
    pi_write_file(p, b, 512 * 4 + 100);
    assert_int_equal(zoo_extract_archive(p, dest, &e), ZOO_ERR_INPUT);
    pi_assert_message(&e, p);
    assert_int_equal(count_entries(dest), 0);
    free(b);
    unlink(p);
    test_rmtree(dest);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
