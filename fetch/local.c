/* fetch/local.c - zoo_local_copy(): a file the user already has (--from, a
 * ZOO_MIRROR directory) copied into the .part file through the hashing sink,
 * so it gets the same digest and size checks as a download and the converter
 * reads a private snapshot. Only regular files are accepted. A missing file is
 * ZOO_ERR_NOTFOUND; read and write failures are ZOO_ERR_RUNTIME and leave no
 * .part behind. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fetch/fetch_impl.h"

#define COPY_BUF (1u << 20)

int zoo_local_copy(const char *src, const char *part_path, const zoo_dl_opts *o,
                   zoo_dl_result *res, zoo_error *err) {
    memset(res, 0, sizeof *res);
    res->attempts = 1;
    double t0 = zoo_now();
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME, "%s: %s", src,
                             strerror(errno));
    struct stat st;
    if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(in);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a regular file", src);
    }
    if (o && o->expect_size >= 0 && (long long)st.st_size != o->expect_size) {
        close(in);
        return zoo_error_set(err, ZOO_ERR_INTEGRITY, "%s: %lld bytes, expected %lld%s%s%s", src,
                             (long long)st.st_size, o->expect_size, o->size_from ? " (" : "",
                             o->size_from ? o->size_from : "", o->size_from ? ")" : "");
    }
    zoo_dl_discard(part_path); /* a local copy never resumes */
    zoo_sink s;
    int rc = zoo_sink_open(&s, part_path, 1, err);
    if (rc) {
        close(in);
        return rc;
    }
    unsigned char *buf = malloc(COPY_BUF);
    if (!buf) rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "out of memory");
    zoo_progress prog;
    char label[256];
    zoo_url_basename(src, label, sizeof label);
    zoo_progress_init(&prog, o ? o->progress : NULL, o && o->label ? o->label : label);
    while (!rc) {
        ssize_t r = read(in, buf, COPY_BUF);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: read error: %s", src, strerror(errno));
            break;
        }
        if (r == 0) break;
        if (zoo_sink_write(&s, buf, (size_t)r)) {
            rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed: %s", part_path,
                               strerror(s.werrno));
            break;
        }
        zoo_progress_update(&prog, s.bytes, (long long)st.st_size, 0);
    }
    zoo_progress_end(&prog);
    free(buf);
    close(in);
    res->size = res->transferred = s.bytes;
    if (!rc) rc = zoo_sink_finish(&s, res->sha256, err);
    else zoo_sink_close(&s);
    if (rc) zoo_dl_discard(part_path);
    res->seconds = zoo_now() - t0;
    return rc;
}
