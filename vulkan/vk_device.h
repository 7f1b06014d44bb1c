/* vulkan/vk_device.h - Vulkan instance, device choice and the device context.
 *
 * Device choice: every physical device with Vulkan >= 1.1 and a compute queue
 * is a candidate, ranked discrete GPU > integrated GPU > virtual GPU > CPU
 * device (lavapipe, SwiftShader) > other; the lowest index wins a tie. An
 * explicit index (zoo_runner_opts.device >= 0, else $ZOO_DEVICE) replaces the
 * ranking; an index that does not exist or cannot compute is an error.
 *
 * A zvk_ctx is one instance + one logical device + one compute queue, owned
 * by one runner (there is no process-wide Vulkan state). With
 * $ZOO_VK_VALIDATE=1 the instance enables VK_LAYER_KHRONOS_validation with
 * synchronization validation and a debug messenger that prints every message
 * as "zoo: vulkan validation: ..." on stderr and counts errors.
 * $ZOO_VK_MAX_RANGE=BYTES (tests) lowers the device's maxStorageBufferRange as
 * zoo sees it, so the split of large tensors into image chunks is exercised. */
#ifndef ZOO_VULKAN_VK_DEVICE_H
#define ZOO_VULKAN_VK_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vulkan/vk_loader.h"

typedef struct zvk_device_info {
    int index;
    char name[VK_MAX_PHYSICAL_DEVICE_NAME_SIZE];
    VkPhysicalDeviceType type;
    uint32_t vendor_id, device_id, driver_version, api_version;
    uint32_t driver_id; /* VkDriverId, 0 if unknown */
    char driver_name[VK_MAX_DRIVER_NAME_SIZE];
    char driver_info[VK_MAX_DRIVER_INFO_SIZE];
    uint8_t cache_uuid[VK_UUID_SIZE];
    bool usable;           /* Vulkan >= 1.1 and a compute queue */
    bool storage16;        /* storageBuffer16BitAccess: fp16 activations / weights */
    bool float16;          /* shaderFloat16: fp16 arithmetic (zoo accumulates in fp32 anyway) */
    uint32_t subgroup_size;
    bool subgroup_arith;   /* subgroup arithmetic ops in compute shaders */
    bool subgroup_ballot;  /* subgroup ballot / broadcast in compute shaders */
    uint32_t n_heaps;
    VkDeviceSize heap_size[VK_MAX_MEMORY_HEAPS];
    bool heap_device_local[VK_MAX_MEMORY_HEAPS];
    uint32_t max_wg_count[3];
    uint32_t max_wg_invocations;
    uint32_t max_shared_bytes;
    uint32_t max_storage_range;
    VkDeviceSize min_storage_align;
    VkDeviceSize max_alloc_size;
    float timestamp_period; /* ns per timestamp tick */
    bool timestamps;        /* compute queues support timestamps */
} zvk_device_info;

typedef struct zvk_ctx {
    zvk_fn fn;
    VkInstance inst;
    VkDebugUtilsMessengerEXT messenger;
    int validation_errors;   /* messages of severity error seen by the messenger */
    int validation_messages; /* warnings and errors */
    VkPhysicalDevice phys;
    zvk_device_info info;
    VkPhysicalDeviceMemoryProperties mem;
    VkDevice dev;
    VkQueue queue;
    uint32_t qfam;
    bool fp16; /* 16-bit storage enabled on the device */
} zvk_ctx;

/* "discrete GPU", "integrated GPU", "virtual GPU", "CPU", "other". */
const char *zvk_type_name(VkPhysicalDeviceType t);
/* Whether the device type counts as a GPU for backend "auto". */
bool zvk_is_gpu(VkPhysicalDeviceType t);

/* Lists every physical device (usable or not). *out is malloc'ed; free() it.
 * With no device at all: 0 and *n = 0. */
int zvk_list_devices(zvk_device_info **out, int *n, zoo_error *err);

/* The device to use among `list`: requested >= 0 (else $ZOO_DEVICE) is taken
 * as is, otherwise the best ranked. Index into list, or -1 with err set. */
int zvk_pick(const zvk_device_info *list, int n, int requested, zoo_error *err);

/* Opens the chosen device with one compute queue; `want_fp16` enables 16-bit
 * storage when the device has it (c->fp16 says whether it did). */
int zvk_ctx_open(zvk_ctx *c, int requested, bool want_fp16, zoo_error *err);
void zvk_ctx_close(zvk_ctx *c);

/* For backend "auto": whether the device that would be chosen is a GPU. A
 * one-line description ("vulkan (NVIDIA ..., discrete GPU)" or why not) goes
 * into desc. Never fails loudly: no loader / no device = false. */
bool zvk_probe_gpu(int requested, char *desc, size_t size);

/* Index of a memory type with all of `need` (preferring also `want`) among
 * the bits of `type_bits`, or -1. */
int zvk_memory_type(const zvk_ctx *c, uint32_t type_bits, VkMemoryPropertyFlags need,
                    VkMemoryPropertyFlags want);

#endif
