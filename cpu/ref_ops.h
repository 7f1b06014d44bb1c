/* cpu/ref_ops.h - the reference implementation of every graph op.
 *
 * Written for obviousness, not speed: straight loops over the output with the
 * definition of the op inside, sums accumulated in double. Every tensor is a
 * dense batch x C x H x W fp32 array. This is the oracle the other backends
 * are tested against. */
#ifndef ZOO_CPU_REF_OPS_H
#define ZOO_CPU_REF_OPS_H

#include "core/graph_impl.h"

/* Runs node `i` of a validated graph (cpu_check_graph) on `batch` images:
 * in[k] is the dense data of input k, out the dense output. 0, or -1 when
 * out of memory for a temporary. */
int cpu_ref_node(const zoo_graph *g, int i, const float *const *in, float *out, int batch);

#endif
