/* converter/pth.h - PyTorch checkpoints (torch.save: .pth / .pt / .bin /
 * .ckpt) read into a zoo_tensor_list (pth.c).
 *
 * Two containers, told apart by their bytes:
 *   zip     (torch >= 1.6): "PK\3\4"; <prefix>/data.pkl + <prefix>/data/<key>
 *           storages (pth_zip.c), <prefix>/byteorder;
 *   legacy  (torch < 1.6 or _use_new_zipfile_serialization=False): the magic
 *           number pickle, protocol version, sys info, the main pickle, the
 *           storage key list, then every storage as i64 count + raw bytes.
 * The pickles run through the safe pickle VM in torch mode (pickle.h): only
 * storage persistent ids, torch._utils._rebuild_tensor(_v2),
 * _rebuild_parameter(_with_state), collections.OrderedDict and the plain
 * containers are accepted; everything else (a pickled nn.Module, TorchScript,
 * os.system, ...) is refused naming the global.
 *
 * The state dict is the top-level dict, or, when that holds no tensor, its
 * "state_dict" / "model" / "model_state_dict" / "module" / "net" /
 * "state_dict_ema" entry (training checkpoints); a "module." prefix on every
 * key (DataParallel) is removed. Values that are not tensors are skipped.
 * Tensors honour storage offsets and strides: contiguous little-endian ones
 * borrow the file's bytes, others (non-contiguous, big-endian files) are
 * copied. Every offset, size and stride is checked against its storage.
 */
#ifndef ZOO_CONVERTER_PTH_H
#define ZOO_CONVERTER_PTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "converter/tensor_list.h"

/* The first 15 bytes of a legacy torch.save stream: PROTO 2, LONG1 of the
 * 10-byte magic number 0x1950a86a20f9469cfc6c, STOP. */
#define ZOO_PTH_LEGACY_MAGIC_LEN 15
bool zoo_pth_is_legacy(const uint8_t *p, size_t n);

/* Reads a torch.save file from data[0..len) (zip or legacy, by the bytes).
 * Tensors may borrow from `data`, which must outlive the list. On failure the
 * list is left empty and err says what is wrong ("<origin>: ..."). */
int zoo_read_pth_buffer(const uint8_t *data, size_t len, const char *origin,
                        zoo_tensor_list *out, zoo_error *err);

#endif
