/* core/npy.c - see npy.h. The header is a Python dict literal; we parse the
 * three keys we need ('descr', 'fortran_order', 'shape') with a small,
 * strict scanner instead of evaluating anything. */
#include "core/npy.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *find_key(const char *h, const char *key) {
    const char *p = strstr(h, key);
    if (!p) return NULL;
    p += strlen(key);
    while (*p == ' ') p++;
    if (*p != ':') return NULL;
    p++;
    while (*p == ' ') p++;
    return p;
}

int zoo_npy_read(const char *path, zoo_npy *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) return zoo_error_set(err, errno == ENOENT ? ZOO_ERR_NOTFOUND : ZOO_ERR_RUNTIME,
                                 "%s: %s", path, strerror(errno));
    unsigned char pre[12];
    int rc = ZOO_ERR_INPUT;
    char *hdr = NULL;
    if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: not a .npy file (bad magic)", path);
        goto out;
    }
    uint32_t hlen;
    if (pre[6] == 1) {
        hlen = pre[8] | (uint32_t)pre[9] << 8;
    } else if (pre[6] == 2 || pre[6] == 3) {
        if (fread(pre + 10, 1, 2, f) != 2) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: truncated header", path);
            goto out;
        }
        hlen = pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 | (uint32_t)pre[11] << 24;
    } else {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: unsupported .npy version %d.%d", path, pre[6], pre[7]);
        goto out;
    }
    if (hlen == 0 || hlen > 65536) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: header length %u out of range", path, hlen);
        goto out;
    }
    hdr = malloc(hlen + 1);
    if (!hdr || fread(hdr, 1, hlen, f) != hlen) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: truncated header", path);
        goto out;
    }
    hdr[hlen] = '\0';
    const char *d = find_key(hdr, "'descr'");
    if (!d || strncmp(d, "'<f4'", 5)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: only little-endian float32 ('<f4') is supported", path);
        goto out;
    }
    const char *fo = find_key(hdr, "'fortran_order'");
    if (!fo || strncmp(fo, "False", 5)) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: Fortran-order arrays are not supported", path);
        goto out;
    }
    const char *sh = find_key(hdr, "'shape'");
    if (!sh || *sh != '(') {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: no shape in header", path);
        goto out;
    }
    sh++;
    out->numel = 1;
    while (1) {
        while (*sh == ' ' || *sh == ',') sh++;
        if (*sh == ')') break;
        if (!isdigit((unsigned char)*sh) || out->ndim == ZOO_NPY_MAX_DIMS) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: bad shape in header", path);
            goto out;
        }
        char *end;
        long long v = strtoll(sh, &end, 10);
        if (v < 0 || v > (1LL << 40) || (out->numel && v > (1LL << 40) / out->numel)) {
            zoo_error_set(err, ZOO_ERR_INPUT, "%s: shape too large", path);
            goto out;
        }
        out->dims[out->ndim++] = v;
        out->numel *= v;
        sh = end;
    }
    long here = ftell(f);
    if (fseek(f, 0, SEEK_END) != 0) goto out;
    long size = ftell(f);
    if (size - here != out->numel * 4) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: %ld data bytes, shape needs %lld", path, size - here,
                      (long long)out->numel * 4);
        goto out;
    }
    fseek(f, here, SEEK_SET);
    out->data = malloc(out->numel ? (size_t)out->numel * 4 : 1);
    if (!out->data) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", path);
        goto out;
    }
    if (fread(out->data, 4, (size_t)out->numel, f) != (size_t)out->numel) {
        zoo_error_set(err, ZOO_ERR_INPUT, "%s: short read", path);
        goto out;
    }
    rc = ZOO_OK;
out:
    free(hdr);
    fclose(f);
    if (rc != ZOO_OK) zoo_npy_free(out);
    return rc;
}

int zoo_npy_write(const char *path, const float *data, int ndim, const int64_t *dims,
                  zoo_error *err) {
    char hdr[512];
    int n = snprintf(hdr, sizeof hdr, "{'descr': '<f4', 'fortran_order': False, 'shape': (");
    int64_t numel = 1;
    for (int i = 0; i < ndim; i++) {
        n += snprintf(hdr + n, sizeof hdr - (size_t)n, "%lld,%s", (long long)dims[i],
                      i + 1 < ndim ? " " : "");
        numel *= dims[i];
    }
    n += snprintf(hdr + n, sizeof hdr - (size_t)n, "), }");
    int total = 10 + n + 1;
    int pad = (64 - total % 64) % 64;
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp.%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    if (!f) return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: %s", path, strerror(errno));
    unsigned hl = (unsigned)(n + pad + 1);
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hl & 0xff),
                             (unsigned char)(hl >> 8)};
    int ok = fwrite(pre, 1, 10, f) == 10 && fwrite(hdr, 1, (size_t)n, f) == (size_t)n;
    for (int i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && fwrite(data, 4, (size_t)numel, f) == (size_t)numel;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: write failed: %s", path, strerror(errno));
    }
    return ZOO_OK;
}

void zoo_npy_free(zoo_npy *a) {
    if (a) {
        free(a->data);
        a->data = NULL;
    }
}
