/* core/random_weights.h - deterministic synthetic weights for a graph, so a
 * model can be run, benchmarked or smoke-tested without a weight file
 * (`zoo infer --random-weights SEED`, `zoo bench`). Weights are scaled by
 * fan-in (He-style uniform) and BN statistics are kept in a sane range so
 * activations neither explode nor vanish through deep networks. Not a
 * substitute for real or golden weights in correctness tests. */
#ifndef ZOO_CORE_RANDOM_WEIGHTS_H
#define ZOO_CORE_RANDOM_WEIGHTS_H

#include <stdint.h>

#include "zoo/zoo.h"

int zoo_graph_bind_random(zoo_graph *g, uint64_t seed, zoo_error *err);

#endif
