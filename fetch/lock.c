/* fetch/lock.c - advisory per-model (and pins) locks: flock(LOCK_EX) on a lock
 * file under <cache>/locks. The lock is released by closing the descriptor, so
 * a process that dies releases it too. Lock files are never deleted (deleting
 * one while another process waits on it would let two holders in). */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "fetch/fetch.h"

int zoo_lock_acquire(const char *path, FILE *log, int *fd_out, zoo_error *err) {
    *fd_out = -1;
    char dir[PATH_MAX];
    zoo_str_copy(dir, sizeof dir, path);
    char *slash = strrchr(dir, '/');
    if (slash && slash != dir) {
        *slash = '\0';
        int rc = zoo_cache_mkdirs(dir, err);
        if (rc) return rc;
    }
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot open lock file: %s", path,
                             strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            int e = errno;
            close(fd);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot lock: %s", path, strerror(e));
        }
        if (log) {
            fprintf(log, "zoo: waiting for %s (another zoo process holds it)\n", path);
            fflush(log);
        }
        while (flock(fd, LOCK_EX) != 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot lock: %s", path, strerror(e));
        }
    }
    *fd_out = fd;
    return 0;
}

void zoo_lock_release(int fd) {
    if (fd >= 0) close(fd); /* closing drops the flock */
}
