/* converter/pth_zip.h - the zip container of PyTorch >= 1.6 checkpoints
 * (pth_zip.c), read from memory.
 *
 * Only what torch.save writes is accepted: stored (uncompressed) entries,
 * sizes and offsets taken from the central directory (zip64 included), no
 * encryption, no multi-disk archives. Everything is checked against the
 * buffer before use: the end records, every central entry, its local header
 * (signature, name equal to the central one), the data range (inside the
 * file, before the central directory, not overlapping another entry's
 * header or data), and names unique. CRC-32 is checked per entry on request
 * (zoo_zip_entry_check_crc). Messages: "<origin>: zip: <what>".
 */
#ifndef ZOO_CONVERTER_PTH_ZIP_H
#define ZOO_CONVERTER_PTH_ZIP_H

#include <stddef.h>
#include <stdint.h>

#include "zoo/error.h"

typedef struct zoo_zip_entry {
    const char *name;     /* NUL-terminated copy */
    const uint8_t *data;  /* into the buffer */
    uint64_t size;
    uint32_t crc32;
    int crc_checked;      /* 1 once zoo_zip_entry_check_crc passed */
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
/* Verifies the entry's CRC-32 (once; later calls are free). */
int zoo_zip_entry_check_crc(const zoo_zip *z, zoo_zip_entry *e, zoo_error *err);

#endif
