/* converter/pdparams.h - the .pdparams reader on a memory buffer (pdparams.c).
 * zoo_read_pdparams (readers.h) maps the file and calls this. */
#ifndef ZOO_CONVERTER_PDPARAMS_H
#define ZOO_CONVERTER_PDPARAMS_H

#include <stddef.h>
#include <stdint.h>

#include "converter/tensor_list.h"

/* Reads a paddle.save state-dict pickle from data[0..len). Tensors may borrow
 * from `data`, which must outlive the list. `origin` names the source in
 * messages. On failure the list is left empty. */
int zoo_read_pdparams_buffer(const uint8_t *data, size_t len, const char *origin,
                             zoo_tensor_list *out, zoo_error *err);

#endif
