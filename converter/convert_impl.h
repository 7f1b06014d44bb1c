/* converter/convert_impl.h - zoo_convert() on an already built graph
 * (convert.c); tests use it with hand-built graphs. */
#ifndef ZOO_CONVERTER_CONVERT_IMPL_H
#define ZOO_CONVERTER_CONVERT_IMPL_H

#include "zoo/convert.h"

/* As zoo_convert(), with the model's graph `g` (NULL: raw conversion). The
 * model name recorded in zoo.model is zoo_graph_model_name(g). */
int zoo_convert_graph(const zoo_graph *g, const char *source, const char *out_path,
                      const zoo_convert_opts *opts, zoo_error *err);

#endif
