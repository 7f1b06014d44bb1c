/* converter/readers.h - one function per source format. Each reads a source
 * into a zoo_tensor_list (tensor_list.h) and never executes anything the file
 * asks for. On failure: a one-line message naming the file and the problem,
 * ZOO_ERR_INPUT for malformed/unsupported input, and the list is left empty.
 */
#ifndef ZOO_CONVERTER_READERS_H
#define ZOO_CONVERTER_READERS_H

#include "converter/tensor_list.h"

/* Paddle paddle.save state dict (.pdparams), pickle protocol 2, 3 or 4
 * (pdparams.c, on top of pickle.c). Fills the name table from
 * "StructuredToParameterName@@" when present; reassembles "UnpackBigParamInfor@@". */
int zoo_read_pdparams(const char *path, zoo_tensor_list *out, zoo_error *err);

/* Paddle inference model: a directory (or prefix) holding
 * inference.pdmodel (or inference.json, PIR) + inference.pdiparams
 * [+ inference.pdiparams.info]. `model_path` is the .pdmodel or .json file,
 * `params_path` the .pdiparams, `info_path` the .info file or NULL.
 * Tensors are named with their Paddle parameter names; the .info file (if
 * given) fills the name table structured -> parameter name (structured names
 * with the "base_model." export prefix stripped). (pdiparams.c) */
int zoo_read_pdiparams(const char *model_path, const char *params_path, const char *info_path,
                       zoo_tensor_list *out, zoo_error *err);

/* Legacy static-graph directory: one LoDTensor file per parameter, the
 * relative path (with '/') being the parameter name. (legacy_dir.c) */
int zoo_read_legacy_dir(const char *dir, zoo_tensor_list *out, zoo_error *err);

/* PyTorch torch.save file (.pth/.pt), zip (torch >= 1.6) or legacy stream:
 * the state dict's tensors under their keys; format "pth-zip" or
 * "pth-legacy". (pth.c, pth_zip.c) */
int zoo_read_pth(const char *path, zoo_tensor_list *out, zoo_error *err);

/* A safetensors file (any writer; a native zoo file too): every tensor under
 * its name, borrowed from the mapping; format "safetensors".
 * (safetensors_src.c, on weights/ reader.c) */
int zoo_read_safetensors(const char *path, zoo_tensor_list *out, zoo_error *err);

/* Safely unpacks a tar / tar.gz into the existing empty directory `dest`
 * (libarchive, streaming): refuses absolute paths, "..", links that leave the
 * tree, devices, FIFOs. (archive.c) */
int zoo_extract_archive(const char *archive_path, const char *dest, zoo_error *err);

#endif
