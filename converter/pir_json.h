/* converter/pir_json.h - Paddle 3 PIR program (`inference.json`) -> zoo_program.
 *
 * The parameters are the program's builtin.parameter ops (serialized in the
 * compressed form {"#":"p","A":[is_distributed,is_parameter,need_clip,name],
 * "O":{"%":id,"TT":type},"OA":[persistable,stop_gradient,trainable]} since
 * Paddle 3.0, or as a plain "0.parameter" op with a "parameter_name"
 * attribute); they become persistable LOD_TENSOR variables with the dtype
 * and dims of their dense-tensor type. pd_op.data ops become the (non
 * persistable) input variables, named by their "name" attribute.
 * Ops keep program order; their type is the decompressed op name
 * ("pd_op.conv2d"), their operands and results are the slots "I" / "O" with
 * one argument per value: a parameter's or input's name, else "%<id>".
 * Attributes of kinds bool, i32, i64, f32, f64, str, dtype, int array and
 * arrays of those are kept, others skipped.
 */
#ifndef ZOO_CONVERTER_PIR_JSON_H
#define ZOO_CONVERTER_PIR_JSON_H

#include <stddef.h>

#include "converter/programdesc.h"

/* 0 or ZOO_ERR_INPUT "<origin>: <problem>". */
int zoo_pir_json_parse(const char *origin, const char *buf, size_t len, zoo_program *out,
                       zoo_error *err);
int zoo_pir_json_load(const char *path, zoo_program *out, zoo_error *err);

/* Paddle data-type code of a PIR builtin type id such as "0.t_f32", or -1. */
int zoo_pir_dtype(const char *type_id);

#endif
