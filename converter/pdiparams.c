/* converter/pdiparams.c - Paddle inference model -> zoo_tensor_list
 * (zoo_read_pdiparams in readers.h; formats.md 2.2-2.4).
 *
 * Contract:
 *   - the program (`.pdmodel` ProgramDesc or PIR `.json`) declares which
 *     variables `save_combine` wrote: the persistable ones minus feed/fetch
 *     (zoo_program_saved_vars), in strcmp order of their names;
 *   - the `.pdiparams` file must hold exactly one LoDTensor record per such
 *     variable, in that order, each with the declared data type and dims
 *     (a declared -1 matches any size), and nothing after the last record;
 *   - tensors borrow their bytes from the mapped params file, which the list
 *     adopts (no copies);
 *   - the optional `.pdiparams.info` (a protocol-2 pickle dict
 *     {param_name: {"structured_name": str, ...}}) fills the name table with
 *     structured name (minus a leading "base_model.") -> parameter name, for
 *     the parameters present in the params file (jit.save also lists
 *     parameters the export pruned away; those are left out).
 * Every failure leaves `out` empty and sets one line naming the file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "converter/lodtensor.h"
#include "converter/pickle.h"
#include "converter/programdesc.h"
#include "converter/readers.h"

static const char EXPORT_PREFIX[] = "base_model.";

static int dims_match(const zoo_pd_var *v, const zoo_lodtensor *t) {
    if (v->ndim != t->ndim) return 0;
    for (int i = 0; i < t->ndim; i++)
        if (v->dims[i] >= 0 && v->dims[i] != t->dims[i]) return 0;
    return 1;
}

static int read_info(const char *info_path, zoo_tensor_list *out, zoo_error *err) {
    zoo_mapped_file m;
    int rc = zoo_map_file(info_path, &m, err);
    if (rc) return rc;
    if (m.size == 0) return zoo_error_set(err, ZOO_ERR_INPUT, "%s: empty file", info_path);
    zoo_pk_doc *doc = zoo_pk_parse(m.data, m.size, info_path, NULL, err);
    if (!doc) {
        zoo_unmap_file(&m);
        return err ? err->code : ZOO_ERR_INPUT;
    }
    const zoo_pk_value *root = zoo_pk_root(doc);
    rc = 0;
    if (!root || root->kind != ZOO_PK_DICT) {
        rc = zoo_error_set(err, ZOO_ERR_INPUT,
                           "%s: expected a dict of parameter infos, found a %s", info_path,
                           zoo_pk_kind_name(root ? root->kind : ZOO_PK_NONE));
    }
    for (size_t i = 0; !rc && i < root->u.dict.n; i++) {
        char *param = zoo_pk_text_dup(root->u.dict.keys[i]);
        const zoo_pk_value *info = root->u.dict.vals[i];
        const zoo_pk_value *sv = zoo_pk_dict_get(info, "structured_name");
        char *structured = sv ? zoo_pk_text_dup(sv) : NULL;
        if (!param) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: entry %zu: key is not a parameter name",
                               info_path, i);
        } else if (!info || info->kind != ZOO_PK_DICT) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: entry for %s is not a dict", info_path,
                               param);
        } else if (!structured || !structured[0]) {
            rc = zoo_error_set(err, ZOO_ERR_INPUT, "%s: entry for %s has no structured_name",
                               info_path, param);
        } else if (zoo_tensor_list_find(out, param) >= 0) {
            const char *key = structured;
            size_t pl = sizeof EXPORT_PREFIX - 1;
            if (strncmp(key, EXPORT_PREFIX, pl) == 0 && key[pl]) key += pl;
            rc = zoo_tensor_list_add_name(out, key, param, err);
            if (rc) zoo_error_prefix(err, "%s", info_path);
        }
        free(param);
        free(structured);
    }
    zoo_pk_free(doc);
    zoo_unmap_file(&m);
    return rc;
}

static int read_records(const char *params_path, const zoo_pd_var **vars, int nvars,
                        zoo_tensor_list *out, zoo_error *err) {
    zoo_mapped_file m;
    int rc = zoo_map_file(params_path, &m, err);
    if (rc) return rc;
    if (m.data && (rc = zoo_tensor_list_adopt_mapping(out, (void *)m.data, m.size, err)) != 0)
        return rc;
    size_t off = 0;
    for (int i = 0; i < nvars; i++) {
        const zoo_pd_var *v = vars[i];
        char origin[512];
        snprintf(origin, sizeof origin, "%s: record %d (%s)", params_path, i, v->name);
        if (off == m.size)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: file ends after %d of the %d records the program declares "
                                 "(next: %s)",
                                 params_path, i, nvars, v->name);
        zoo_lodtensor t;
        rc = zoo_lodtensor_parse(origin, m.data + off, m.size - off, off, &t, err);
        if (rc) return rc;
        if (t.paddle_dtype != v->dtype) {
            char a[32], b[32];
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "%s: data type %s but the program declares %s", origin,
                                 zoo_paddle_dtype_name(t.paddle_dtype, a, sizeof a),
                                 zoo_paddle_dtype_name(v->dtype, b, sizeof b));
        }
        if (!dims_match(v, &t)) {
            char a[200], b[200];
            return zoo_error_set(err, ZOO_ERR_INPUT, "%s: shape %s but the program declares %s",
                                 origin, zoo_format_dims(a, sizeof a, t.ndim, t.dims),
                                 zoo_format_dims(b, sizeof b, v->ndim, v->dims));
        }
        rc = zoo_tensor_list_add(out, origin, v->name, t.dtype, t.ndim, t.dims, t.data, t.nbytes,
                                 NULL, err);
        if (rc) return rc;
        off += t.record_size;
    }
    if (off != m.size)
        return zoo_error_set(err, ZOO_ERR_INPUT,
                             "%s: %zu unexpected bytes at byte %zu after the last of the %d "
                             "records the program declares",
                             params_path, m.size - off, off, nvars);
    return 0;
}

int zoo_read_pdiparams(const char *model_path, const char *params_path, const char *info_path,
                       zoo_tensor_list *out, zoo_error *err) {
    zoo_tensor_list_init(out);
    zoo_program prog;
    int rc = zoo_program_load_any(model_path, &prog, err);
    if (rc) return rc;
    const zoo_pd_var **vars = NULL;
    int nvars = 0;
    rc = zoo_program_saved_vars(&prog, model_path, &vars, &nvars, err);
    if (!rc) rc = read_records(params_path, vars, nvars, out, err);
    if (!rc && !(out->format = strdup("pdiparams")))
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "%s: out of memory", params_path);
    if (!rc && info_path) rc = read_info(info_path, out, err);
    free(vars);
    zoo_program_free(&prog);
    if (rc) zoo_tensor_list_free(out);
    return rc;
}
