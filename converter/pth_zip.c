/* converter/pth_zip.c - reading the zip container of a PyTorch >= 1.6
 * checkpoint from memory (contract in pth_zip.h).
 *
 * Layout (APPNOTE 6.3.x, as PyTorch's miniz-based writer produces it): local
 * header + data per entry, then the central directory, then (when any value
 * overflows 16/32 bits) the zip64 end record and its locator, then the end of
 * central directory record. Sizes may be zero in local headers (data
 * descriptors, flag bit 3), so sizes and offsets come from the central
 * directory; the data offset is the local header offset + 30 + the local
 * header's own name and extra lengths.
 */
#include "converter/pth_zip.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_Z64_LOC 0x07064b50u
#define SIG_Z64_EOCD 0x06064b50u
#define MAX_ENTRIES (1u << 20)

static uint64_t rd(const uint8_t *p, int n) {
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

#define ZFAIL(err, z, ...) zip_fail((err), (z)->origin, __VA_ARGS__)

static int zip_fail(zoo_error *err, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int zip_fail(zoo_error *err, const char *origin, const char *fmt, ...) {
    char buf[ZOO_ERROR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return zoo_error_set(err, ZOO_ERR_INPUT, "%s: zip: %s", origin, buf);
}

void zoo_zip_close(zoo_zip *z) {
    if (!z) return;
    free(z->entries);
    free(z->by_name);
    free(z->names);
    memset(z, 0, sizeof *z);
}

/* The end of central directory record: the last "PK\5\6" whose comment length
 * reaches exactly the end of the file (a comment may hold the signature). */
static int find_eocd(const uint8_t *d, size_t len, size_t *pos) {
    if (len < 22) return -1;
    size_t lo = len - 22 > 65535 ? len - 22 - 65535 : 0;
    for (size_t i = len - 22 + 1; i-- > lo;) {
        if (rd(d + i, 4) == SIG_EOCD && i + 22 + rd(d + i + 20, 2) == len) {
            *pos = i;
            return 0;
        }
    }
    return -1;
}

/* Zip64 extended information extra field (0x0001) of a central entry:
 * replaces the values that are 0xFFFFFFFF (0xFFFF for the disk), in order. */
static int zip64_extra(const uint8_t *ex, size_t n, uint64_t *usize, uint64_t *csize,
                       uint64_t *lho, uint32_t *disk) {
    size_t i = 0;
    while (i + 4 <= n) {
        unsigned id = (unsigned)rd(ex + i, 2), sz = (unsigned)rd(ex + i + 2, 2);
        if (i + 4 + sz > n) return -1;
        if (id == 0x0001) {
            const uint8_t *p = ex + i + 4;
            size_t k = 0;
            if (*usize == 0xFFFFFFFFu) {
                if (k + 8 > sz) return -1;
                *usize = rd(p + k, 8);
                k += 8;
            }
            if (*csize == 0xFFFFFFFFu) {
                if (k + 8 > sz) return -1;
                *csize = rd(p + k, 8);
                k += 8;
            }
            if (*lho == 0xFFFFFFFFu) {
                if (k + 8 > sz) return -1;
                *lho = rd(p + k, 8);
                k += 8;
            }
            if (*disk == 0xFFFFu) {
                if (k + 4 > sz) return -1;
                *disk = (uint32_t)rd(p + k, 4);
            }
            return 0;
        }
        i += 4 + sz;
    }
    return (*usize == 0xFFFFFFFFu || *csize == 0xFFFFFFFFu || *lho == 0xFFFFFFFFu) ? -1 : 0;
}

typedef struct span {
    uint64_t begin, end; /* [local header, end of data) */
    size_t entry;
} span;

static int cmp_span(const void *a, const void *b) {
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin;
}

static int cmp_name(const void *a, const void *b, void *arg) {
    const zoo_zip *z = arg;
    return strcmp(z->entries[*(const size_t *)a].name, z->entries[*(const size_t *)b].name);
}

int zoo_zip_open(zoo_zip *z, const uint8_t *d, size_t len, const char *origin, zoo_error *err) {
    memset(z, 0, sizeof *z);
    z->origin = origin ? origin : "zip";
    size_t eocd;
    if (find_eocd(d, len, &eocd))
        return ZFAIL(err, z, "no end of central directory record (truncated or not a zip file)");
    uint64_t disk = rd(d + eocd + 4, 2), cd_disk = rd(d + eocd + 6, 2);
    uint64_t n_disk = rd(d + eocd + 8, 2), n_total = rd(d + eocd + 10, 2);
    uint64_t cd_size = rd(d + eocd + 12, 4), cd_off = rd(d + eocd + 16, 4);
    uint64_t cd_limit = eocd; /* the central directory ends before this */
    if (n_disk == 0xFFFF || n_total == 0xFFFF || cd_size == 0xFFFFFFFFu || cd_off == 0xFFFFFFFFu ||
        disk == 0xFFFF || cd_disk == 0xFFFF) {
        if (eocd < 20 || rd(d + eocd - 20, 4) != SIG_Z64_LOC)
            return ZFAIL(err, z, "zip64 values without a zip64 end locator");
        uint64_t rec = rd(d + eocd - 20 + 8, 8);
        if (rd(d + eocd - 20 + 16, 4) > 1) return ZFAIL(err, z, "multi-disk archives are not supported");
        if (rec > eocd - 20 || eocd - 20 - rec < 56 || rd(d + rec, 4) != SIG_Z64_EOCD)
            return ZFAIL(err, z, "zip64 end record offset %llu is not valid", (unsigned long long)rec);
        disk = rd(d + rec + 16, 4);
        cd_disk = rd(d + rec + 20, 4);
        n_disk = rd(d + rec + 24, 8);
        n_total = rd(d + rec + 32, 8);
        cd_size = rd(d + rec + 40, 8);
        cd_off = rd(d + rec + 48, 8);
        cd_limit = rec;
    }
    if (disk != 0 || cd_disk != 0 || n_disk != n_total)
        return ZFAIL(err, z, "multi-disk archives are not supported");
    if (n_total == 0) return ZFAIL(err, z, "the archive is empty");
    if (n_total > MAX_ENTRIES)
        return ZFAIL(err, z, "%llu entries (at most %u)", (unsigned long long)n_total, MAX_ENTRIES);
    if (cd_off > cd_limit || cd_size > cd_limit - cd_off)
        return ZFAIL(err, z, "central directory [%llu, +%llu) lies outside the file",
                     (unsigned long long)cd_off, (unsigned long long)cd_size);
    if (n_total * 46 > cd_size)
        return ZFAIL(err, z, "central directory of %llu bytes cannot hold %llu entries",
                     (unsigned long long)cd_size, (unsigned long long)n_total);

    size_t n = (size_t)n_total, names_len = 0;
    /* pass 1: sizes of the names */
    uint64_t p = cd_off, cd_end = cd_off + cd_size;
    for (size_t i = 0; i < n; i++) {
        if (cd_end - p < 46 || rd(d + p, 4) != SIG_CENTRAL)
            return ZFAIL(err, z, "central directory entry %zu is damaged", i);
        uint64_t nl = rd(d + p + 28, 2), el = rd(d + p + 30, 2), cl = rd(d + p + 32, 2);
        if (cd_end - p - 46 < nl + el + cl)
            return ZFAIL(err, z, "central directory entry %zu runs past the directory", i);
        names_len += (size_t)nl + 1;
        p += 46 + nl + el + cl;
    }
    z->entries = calloc(n, sizeof *z->entries);
    z->by_name = malloc(n * sizeof *z->by_name);
    z->names = malloc(names_len);
    span *spans = malloc(n * sizeof *spans);
    if (!z->entries || !z->by_name || !z->names || !spans) {
        free(spans);
        zoo_zip_close(z);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", origin);
    }
    z->n = n;
    int rc = 0;
    char *np = z->names;
    p = cd_off;
    for (size_t i = 0; i < n && !rc; i++) {
        const uint8_t *c = d + p;
        unsigned flags = (unsigned)rd(c + 8, 2), method = (unsigned)rd(c + 10, 2);
        uint64_t crc = rd(c + 16, 4), csize = rd(c + 20, 4), usize = rd(c + 24, 4);
        uint64_t nl = rd(c + 28, 2), el = rd(c + 30, 2), cl = rd(c + 32, 2);
        uint32_t edisk = (uint32_t)rd(c + 34, 2);
        uint64_t lho = rd(c + 42, 4);
        memcpy(np, c + 46, (size_t)nl);
        np[nl] = '\0';
        zoo_zip_entry *e = &z->entries[i];
        e->name = np;
        np += nl + 1;
        p += 46 + nl + el + cl;
        if (strlen(e->name) != nl) {
            rc = ZFAIL(err, z, "entry %zu has a NUL byte in its name", i);
            break;
        }
        if (zip64_extra(c + 46 + nl, (size_t)el, &usize, &csize, &lho, &edisk)) {
            rc = ZFAIL(err, z, "entry %s: damaged zip64 extra field", e->name);
            break;
        }
        if (edisk != 0) {
            rc = ZFAIL(err, z, "entry %s is on disk %u: multi-disk archives are not supported",
                       e->name, (unsigned)edisk);
            break;
        }
        if (lho > cd_off || cd_off - lho < 30 || rd(d + lho, 4) != SIG_LOCAL) {
            rc = ZFAIL(err, z, "entry %s: no local header at offset %llu", e->name,
                       (unsigned long long)lho);
            break;
        }
        uint64_t lnl = rd(d + lho + 26, 2), lel = rd(d + lho + 28, 2);
        uint64_t data = lho + 30 + lnl + lel;
        if (data > cd_off || csize > cd_off - data) {
            rc = ZFAIL(err, z, "entry %s: data [%llu, +%llu) runs into the central directory",
                       e->name, (unsigned long long)data, (unsigned long long)csize);
            break;
        }
        if (lnl != nl || memcmp(d + lho + 30, e->name, (size_t)nl) != 0) {
            rc = ZFAIL(err, z, "entry %s: local header names another file", e->name);
            break;
        }
        e->data = d + data;
        e->size = usize;
        e->csize = csize;
        e->method = method;
        e->flags = flags;
        e->crc32 = (uint32_t)crc;
        spans[i] = (span){lho, data + csize, i};
        z->by_name[i] = i;
    }
    if (!rc) {
        qsort(spans, n, sizeof *spans, cmp_span);
        for (size_t i = 1; i < n && !rc; i++)
            if (spans[i].begin < spans[i - 1].end)
                rc = ZFAIL(err, z, "entries %s and %s overlap", z->entries[spans[i - 1].entry].name,
                           z->entries[spans[i].entry].name);
    }
    free(spans);
    if (!rc) {
        qsort_r(z->by_name, n, sizeof *z->by_name, cmp_name, z);
        for (size_t i = 1; i < n && !rc; i++)
            if (!strcmp(z->entries[z->by_name[i]].name, z->entries[z->by_name[i - 1]].name))
                rc = ZFAIL(err, z, "two entries are named %s", z->entries[z->by_name[i]].name);
    }
    if (rc) zoo_zip_close(z);
    return rc;
}

zoo_zip_entry *zoo_zip_find(const zoo_zip *z, const char *name) {
    size_t lo = 0, hi = z->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(z->entries[z->by_name[mid]].name, name);
        if (c == 0) return &z->entries[z->by_name[mid]];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

int zoo_zip_entry_check(const zoo_zip *z, zoo_zip_entry *e, zoo_error *err) {
    if (e->crc_checked) return 0;
    if (e->flags & 1u) return ZFAIL(err, z, "entry %s is encrypted: not supported", e->name);
    if (e->method != 0)
        return ZFAIL(err, z,
                     "entry %s is compressed (method %u); torch.save stores entries "
                     "uncompressed: not supported",
                     e->name, e->method);
    if (e->csize != e->size)
        return ZFAIL(err, z, "stored entry %s has compressed size %llu != size %llu", e->name,
                     (unsigned long long)e->csize, (unsigned long long)e->size);
    uLong c = crc32_z(0L, Z_NULL, 0);
    const uint8_t *p = e->data;
    uint64_t left = e->size;
    while (left > 0) { /* crc32_z takes z_size_t; stay well inside it */
        size_t step = left > ((uint64_t)1 << 30) ? (size_t)1 << 30 : (size_t)left;
        c = crc32_z(c, p, step);
        p += step;
        left -= step;
    }
    if ((uint32_t)c != e->crc32)
        return ZFAIL(err, z, "entry %s: CRC-32 %08x, the directory says %08x (damaged file)",
                     e->name, (unsigned)c, (unsigned)e->crc32);
    e->crc_checked = 1;
    return 0;
}
