/* converter/pth_zip.h - the zip container of PyTorch >= 1.6 checkpoints
 * (pth_zip.c), read from memory.
 *
 * Only what torch.save writes is read: stored (uncompressed) entries (a
 * compressed or encrypted entry is refused when its data is asked for, so a
 * TorchScript archive can still be recognised by its names), sizes and
 * offsets taken from the central directory (zip64 included), no multi-disk
 * archives. Everything is checked against the buffer before use: the end
 * records, every central entry, its local header (signature, name equal to
 * the central one), the data range (inside the file, before the central
 * directory, not overlapping another entry's header or data), names unique.
 * zoo_zip_entry_check() must pass before an entry's bytes are used.
 * Messages: "<origin>: zip: <what>".
 */
#ifndef ZOO_CONVERTER_PTH_ZIP_H
#define ZOO_CONVERTER_PTH_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

typedef struct zoo_zip_entry {
    const char *name;     /* NUL-terminated copy */
    const uint8_t *data;  /* into the buffer: the stored bytes (compressed ones if method != 0) */
    uint64_t size;        /* uncompressed size */
    uint64_t csize;       /* bytes at data */
    unsigned method;      /* 0 = stored */
    unsigned flags;       /* general purpose flags (bit 0: encrypted) */
    uint32_t crc32;
    int crc_checked;      /* 1 once zoo_zip_entry_check passed */
} zoo_zip_entry;

typedef struct zoo_zip {
    zoo_zip_entry *entries; /* central directory order */
    size_t n;
    size_t *by_name;        /* indexes sorted by name */
    char *names;            /* storage for all names */
    const char *origin;
} zoo_zip;

/* Parses the directory of the zip in data[0..len). ZOO_ERR_INPUT on anything
 * malformed or unsupported (compressed / encrypted entries, ...). */
int zoo_zip_open(zoo_zip *z, const uint8_t *data, size_t len, const char *origin, zoo_error *err);
void zoo_zip_close(zoo_zip *z);
/* The entry named `name`, or NULL. */
zoo_zip_entry *zoo_zip_find(const zoo_zip *z, const char *name);
/* Checks that the entry is stored (not compressed, not encrypted) and its
 * CRC-32 (once; later calls are free): then e->data holds e->size bytes. */
int zoo_zip_entry_check(const zoo_zip *z, zoo_zip_entry *e, zoo_error *err);

#endif
