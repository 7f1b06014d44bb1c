/* converter/archive.c - safe extraction of a tar / tar.gz (zoo_extract_archive
 * in readers.h).
 *
 * Contract:
 *   - `dest` must be an existing, empty directory; on success it holds the
 *     archive's regular files and directories, on failure it is left empty
 *     (everything this call created is removed);
 *   - read with libarchive, streaming, tar formats only (ustar, pax, GNU),
 *     uncompressed or gzip (through zlib), bzip2 and xz when libarchive has
 *     them built in (a filter that would run an external program is never
 *     enabled);
 *   - every entry name is checked before anything is written: not empty, not
 *     absolute, no ".." component, no control characters, at most 64
 *     components; "." components and repeated '/' are dropped;
 *   - only regular files and directories are extracted. Symbolic links and
 *     hard links are refused whatever they point to (weight archives never
 *     need them, and refusing all of them leaves nothing to get wrong), as
 *     are devices, FIFOs and sockets;
 *   - the same path twice, or a file where a directory is needed, is refused;
 *   - at most 1,000,000 entries and 64 GiB of extracted data (archive bombs);
 *   - file modes from the archive are ignored (0644 files, 0755 directories),
 *     owners, times, ACLs and xattrs are not restored.
 * A refused entry fails the whole extraction with one line naming the archive
 * and the entry; ZOO_ERR_INPUT for bad archives, ZOO_ERR_RUNTIME for I/O.
 *
 * Why not archive_write_disk with ARCHIVE_EXTRACT_SECURE_*: those flags check
 * a path relative to the current directory, and ARCHIVE_EXTRACT_SECURE_
 * NOABSOLUTEPATHS would reject `dest/...` itself, so using them would mean
 * chdir(), which is process-wide state. Instead every file is created with
 * openat() relative to a descriptor of `dest`, walking one component at a time
 * with O_NOFOLLOW | O_DIRECTORY and creating files with O_CREAT | O_EXCL |
 * O_NOFOLLOW: the same guarantees (no write through a symlink, nothing outside
 * dest, no overwrite) enforced by the kernel, on top of the name checks above.
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "converter/readers.h"

#define MAX_ENTRIES 1000000L
#define MAX_TOTAL_BYTES (64ull << 30)
#define MAX_DEPTH 64 /* path components per entry */

/* ---- removing what we created ------------------------------------------- */

/* Removes everything inside the directory `dfd` (not following links). */
static void empty_dir(int dfd, int depth) {
    if (depth > MAX_DEPTH + 1) return;
    int fd = dup(dfd);
    if (fd < 0) return;
    DIR *d = fdopendir(fd);
    if (!d) {
        close(fd);
        return;
    }
    rewinddir(d); /* the duplicate shares the directory offset */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        if (unlinkat(dfd, e->d_name, 0) == 0) continue;
        int sub = openat(dfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub >= 0) {
            empty_dir(sub, depth + 1);
            close(sub);
            unlinkat(dfd, e->d_name, AT_REMOVEDIR);
        }
    }
    closedir(d);
}

/* ---- names -------------------------------------------------------------- */

/* Normalizes `name` into `out` (components joined by '/'). Returns NULL when
 * acceptable, else the reason it is refused. */
static const char *clean_name(const char *name, char *out, size_t size) {
    if (!name || !name[0]) return "empty name";
    if (name[0] == '/') return "absolute path";
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p < 0x20 || *p == 0x7f) return "control character in the name";
    size_t k = 0;
    int depth = 0;
    const char *p = name;
    while (*p) {
        while (*p == '/') p++;
        if (!*p) break;
        const char *q = p;
        while (*q && *q != '/') q++;
        size_t n = (size_t)(q - p);
        if (n == 1 && p[0] == '.') {
            p = q;
            continue;
        }
        if (n == 2 && p[0] == '.' && p[1] == '.') return "'..' component leaves the destination";
        if (k + n + 2 > size) return "name too long";
        if (++depth > MAX_DEPTH) return "directories nested too deeply";
        if (k) out[k++] = '/';
        memcpy(out + k, p, n);
        k += n;
        p = q;
    }
    out[k] = 0;
    return NULL;
}

/* ---- writing ------------------------------------------------------------ */

typedef struct xctx {
    const char *archive;
    const char *entry; /* name as stored, for messages */
    zoo_error *err;
} xctx;

static int refuse(xctx *x, const char *why) {
    return zoo_error_set(x->err, ZOO_ERR_INPUT, "%s: entry '%s': %s (refused)", x->archive,
                         x->entry, why);
}

static int io_fail(xctx *x, const char *what) {
    int e = errno;
    return zoo_error_set(x->err, e == EEXIST || e == ENOTDIR || e == ELOOP ? ZOO_ERR_INPUT
                                                                           : ZOO_ERR_RUNTIME,
                         "%s: entry '%s': %s: %s", x->archive, x->entry, what, strerror(e));
}

/* Opens (creating as needed) the directory `rel` (a clean name, components
 * separated by '/') below dest_fd; the last `skip_last` component is not
 * part of the directory (it is the file name). Returns an fd or -1. */
static int open_dirs(xctx *x, int dest_fd, char *rel, int skip_last, const char **leaf) {
    int fd = dup(dest_fd);
    if (fd < 0) {
        io_fail(x, "dup");
        return -1;
    }
    char *p = rel;
    for (;;) {
        char *slash = strchr(p, '/');
        if (!slash && skip_last) {
            *leaf = p;
            return fd;
        }
        if (slash) *slash = 0;
        if (mkdirat(fd, p, 0755) != 0 && errno != EEXIST) {
            io_fail(x, "cannot create directory");
            if (slash) *slash = '/';
            close(fd);
            return -1;
        }
        int sub = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (slash) *slash = '/';
        close(fd);
        if (sub < 0) {
            if (errno == ENOTDIR || errno == ELOOP)
                refuse(x, "a path component is not a directory");
            else
                io_fail(x, "cannot open directory");
            return -1;
        }
        fd = sub;
        if (!slash) {
            *leaf = NULL;
            return fd;
        }
        p = slash + 1;
    }
}

static int write_file(xctx *x, struct archive *a, int dest_fd, char *rel,
                      unsigned long long *total) {
    const char *leaf = NULL;
    int dfd = open_dirs(x, dest_fd, rel, 1, &leaf);
    if (dfd < 0) return x->err ? x->err->code : ZOO_ERR_INPUT;
    int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        int rc = errno == EEXIST ? refuse(x, "the same path appears twice in the archive")
                                 : io_fail(x, "cannot create file");
        close(dfd);
        return rc;
    }
    int rc = 0;
    char buf[65536];
    for (;;) {
        la_ssize_t n = archive_read_data(a, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            rc = zoo_error_set(x->err, ZOO_ERR_INPUT, "%s: entry '%s': cannot read data: %s",
                               x->archive, x->entry, archive_error_string(a));
            break;
        }
        *total += (unsigned long long)n;
        if (*total > MAX_TOTAL_BYTES) {
            rc = refuse(x, "archive expands to more than 64 GiB");
            break;
        }
        for (la_ssize_t off = 0; off < n;) {
            ssize_t w = write(fd, buf + off, (size_t)(n - off));
            if (w < 0) {
                if (errno == EINTR) continue;
                rc = io_fail(x, "cannot write");
                break;
            }
            off += w;
        }
        if (rc) break;
    }
    if (close(fd) != 0 && !rc) rc = io_fail(x, "cannot write");
    close(dfd);
    return rc;
}

static int make_dir(xctx *x, int dest_fd, char *rel) {
    if (!rel[0]) return 0; /* "." : the destination itself */
    const char *leaf = NULL;
    int fd = open_dirs(x, dest_fd, rel, 0, &leaf);
    if (fd < 0) return x->err ? x->err->code : ZOO_ERR_INPUT;
    close(fd);
    return 0;
}

static const char *type_name(mode_t t) {
    switch (t) {
    case AE_IFLNK: return "symbolic link";
    case AE_IFCHR: return "character device";
    case AE_IFBLK: return "block device";
    case AE_IFIFO: return "FIFO";
    case AE_IFSOCK: return "socket";
    default: return "unsupported entry type";
    }
}

static int extract_entries(const char *archive_path, struct archive *a, int dest_fd,
                           zoo_error *err) {
    struct archive_entry *e;
    long count = 0;
    unsigned long long total = 0;
    char rel[4096];
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF) break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: %s after %ld entries", archive_path,
                                 archive_error_string(a) ? archive_error_string(a)
                                                         : "unreadable archive",
                                 count);
        if (++count > MAX_ENTRIES)
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: more than %ld entries (refused)",
                                 archive_path, MAX_ENTRIES);
        const char *name = archive_entry_pathname(e);
        xctx x = {archive_path, name ? name : "(unnamed)", err};
        if (archive_entry_hardlink(e)) return refuse(&x, "hard link");
        mode_t type = archive_entry_filetype(e);
        if (type != AE_IFREG && type != AE_IFDIR) return refuse(&x, type_name(type));
        const char *why = clean_name(name, rel, sizeof rel);
        if (why) return refuse(&x, why);
        int rc;
        if (type == AE_IFDIR) {
            rc = make_dir(&x, dest_fd, rel);
        } else {
            if (!rel[0]) return refuse(&x, "a file named like the destination directory");
            rc = write_file(&x, a, dest_fd, rel, &total);
        }
        if (rc) return rc;
    }
    return 0;
}

/* Enables a decompression filter only if libarchive has it built in: a
 * filter that is not built in registers itself as an external program
 * (returning ARCHIVE_WARN) and cannot be unregistered, so ask a throwaway
 * reader first. */
static void enable_builtin_filter(struct archive *a, int (*add)(struct archive *)) {
    struct archive *probe = archive_read_new();
    if (!probe) return;
    int r = add(probe);
    archive_read_free(probe);
    if (r == ARCHIVE_OK) add(a);
}

int zoo_extract_archive(const char *archive_path, const char *dest, zoo_error *err) {
    int dest_fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dest_fd < 0)
        return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_INPUT,
                             "%s: cannot open destination directory: %s", dest, strerror(errno));
    /* must be empty: on failure we remove everything inside */
    int probe = dup(dest_fd);
    DIR *d = probe >= 0 ? fdopendir(probe) : NULL;
    if (!d) {
        if (probe >= 0) close(probe);
        close(dest_fd);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: cannot read directory", dest);
    }
    rewinddir(d);
    int nonempty = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL)
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) nonempty = 1;
    closedir(d);
    if (nonempty) {
        close(dest_fd);
        return zoo_error_set(err, ZOO_ERR_INPUT, "%s: destination directory is not empty", dest);
    }

    struct archive *a = archive_read_new();
    if (!a) {
        close(dest_fd);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", archive_path);
    }
    archive_read_support_format_tar(a);
    archive_read_support_format_gnutar(a);
    /* gzip through zlib: ARCHIVE_WARN would mean "runs an external gzip" */
    int gz = archive_read_support_filter_gzip(a);
    enable_builtin_filter(a, archive_read_support_filter_bzip2);
    enable_builtin_filter(a, archive_read_support_filter_xz);
    int rc = 0;
    if (gz != ARCHIVE_OK) {
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME,
                           "%s: libarchive was built without zlib; cannot read .tar.gz safely",
                           archive_path);
    } else if (archive_read_open_filename(a, archive_path, 65536) != ARCHIVE_OK) {
        int e = archive_errno(a);
        rc = zoo_error_set(err, e == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_INPUT,
                           "%s: cannot open archive: %s", archive_path,
                           archive_error_string(a) ? archive_error_string(a) : "unknown error");
    } else {
        rc = extract_entries(archive_path, a, dest_fd, err);
    }
    archive_read_free(a);
    if (rc) empty_dir(dest_fd, 0);
    close(dest_fd);
    return rc;
}
