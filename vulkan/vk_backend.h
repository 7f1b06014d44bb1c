/* vulkan/vk_backend.h - the "vulkan" backend as the runner sees it
 * (core/runner.c), plus the device queries `zoo devices` and backend "auto"
 * use. Everything behind it is in vulkan/ (docs/vulkan.md). */
#ifndef ZOO_VULKAN_VK_BACKEND_H
#define ZOO_VULKAN_VK_BACKEND_H

#include <stdbool.h>
#include <stddef.h>

#include "core/backend.h"

extern const zoo_backend_impl zoo_backend_vulkan;

/* Backend "auto": whether the Vulkan device that would be chosen for
 * `device` (-1 = by ranking / $ZOO_DEVICE) is a GPU (a CPU device such as
 * lavapipe is not). A one-line reason goes into desc either way. */
bool zoo_vulkan_gpu_available(int device, char *desc, size_t size);

/* prepare() on a device context the caller opened (zvk_ctx_open) and keeps
 * open until the plan is released with zoo_backend_vulkan.release: many plans
 * share one device (the op tests). opts->device is ignored; opts->fp16 takes
 * effect only if the context was opened with 16-bit storage. */
struct zvk_ctx;
void *zoo_vulkan_prepare_on(struct zvk_ctx *c, const zoo_graph *g, const zoo_runner_opts *opts,
                            zoo_error *err);

/* Counters of a prepared vulkan plan (tests, ZOO_VK_VERBOSE=1). */
typedef struct zoo_vulkan_plan_info {
    const char *device;    /* device name */
    bool fp16;             /* storage precision actually used */
    int steps;             /* dispatches per image batch, convert steps included */
    int pipelines;         /* distinct pipelines */
    int pipelines_created; /* vkCreateComputePipelines calls */
    double pipeline_ms;    /* time in them */
    bool cache_hit;        /* the disk pipeline cache was loaded */
    const char *cache_miss_why;
    size_t arena_bytes, weight_bytes, device_bytes, host_bytes;
    int barriers_batch1;   /* barriers recorded for batch 1 */
    int validation_errors; /* with ZOO_VK_VALIDATE=1 */
} zoo_vulkan_plan_info;
/* plan: what prepare() returned. */
void zoo_vulkan_plan_get_info(const void *plan, zoo_vulkan_plan_info *out);

#endif
