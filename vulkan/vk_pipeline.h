/* vulkan/vk_pipeline.h - compute pipelines: shader modules from the embedded
 * SPIR-V, one pipeline per distinct (kernel, specialization constants) in a
 * plan, and the on-disk pipeline cache.
 *
 * Disk cache: <cache>/vulkan/pipeline-<vendorID>-<deviceID>.bin, with <cache>
 * = $ZOO_HOME, else $XDG_CACHE_HOME/zoo, else ~/.cache/zoo. The file is a
 * 64-byte header (magic "ZOOVKPC1", format version, vendor / device ID, driver
 * version, pipelineCacheUUID, zoo version, data size and its FNV-1a 64 hash) followed by the VkPipelineCache data. A file whose header
 * does not match this device and driver exactly, or whose size or hash is
 * wrong, is a miss (ignored, later overwritten), never an error. The file is
 * written (temp file + rename, so readers never see half a file) after
 * prepare() when the driver's cache data changed size (fp32 and fp16 pipelines
 * share the file: the driver keys them by their SPIR-V). $ZOO_VK_PIPELINE_CACHE=0
 * disables loading and saving. */
#ifndef ZOO_VULKAN_VK_PIPELINE_H
#define ZOO_VULKAN_VK_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vulkan/vk_device.h"
#include "vulkan/vk_plan.h"

typedef struct zvk_pipe_entry {
    int kernel;
    int n_spec;
    int32_t spec[ZVK_MAX_SPEC];
    uint64_t hash;
    VkPipeline pipe;
} zvk_pipe_entry;

typedef struct zvk_pipes {
    zvk_ctx *c;
    bool fp16;
    VkPipelineLayout layout;
    VkPipelineCache cache;
    VkShaderModule mod[ZVK_KERNEL__COUNT];
    zvk_pipe_entry *e;
    int n, cap;
    char path[4096];      /* cache file, "" when there is none */
    size_t loaded_bytes;  /* cache data accepted from disk (0 = miss / none) */
    const char *miss_why; /* why the disk cache was not used (for `zoo bench -v`/tests) */
    int created;          /* pipelines created in this plan */
    double create_ms;     /* time spent creating them */
} zvk_pipes;

/* The disk cache path for this device; "" (and -1) without a cache dir. */
int zvk_cache_path(const zvk_ctx *c, char *buf, size_t size);

int zvk_pipes_init(zvk_pipes *p, zvk_ctx *c, VkPipelineLayout layout, bool fp16, zoo_error *err);
/* The pipeline for (kernel, spec), created on first request. */
int zvk_pipes_get(zvk_pipes *p, zvk_kernel k, const int32_t *spec, int n_spec, VkPipeline *out,
                  zoo_error *err);
/* Writes the disk cache if the driver's data differs in size from what was
 * loaded. Failures are ignored (a cache is an optimization). */
void zvk_pipes_save(zvk_pipes *p);
void zvk_pipes_destroy(zvk_pipes *p);

/* Header check of a cache file's bytes for this device (exposed for tests):
 * NULL = valid, with *data / *size the driver data inside; else the reason. */
const char *zvk_cache_check(const zvk_ctx *c, const unsigned char *file, size_t n,
                            const unsigned char **data, size_t *size);

#endif
