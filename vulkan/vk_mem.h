/* vulkan/vk_mem.h - device memory: a block sub-allocator.
 *
 * A zvk_pool hands out ranges of a few large blocks. Each block is one
 * VkDeviceMemory with one VkBuffer covering all of it (storage + transfer
 * usage), so a sub-allocation is (buffer, offset, size) and descriptors bind
 * it with an offset. Blocks are `block_size` bytes (64 MiB by default, capped
 * by maxMemoryAllocationSize); a request larger than that gets a block of its
 * own. Inside a block, free space is a sorted list of ranges: first fit,
 * coalesced on free (zvk_freelist, plain host code, unit-tested alone).
 *
 * Two pools per plan: device-local (weights, activations) and host-visible
 * coherent (input/output staging, weight upload staging), mapped for life. */
#ifndef ZOO_VULKAN_VK_MEM_H
#define ZOO_VULKAN_VK_MEM_H

#include <stdbool.h>
#include <stdint.h>

#include "vulkan/vk_device.h"

typedef struct zvk_range {
    uint64_t off, size;
} zvk_range;

typedef struct zvk_freelist {
    zvk_range *r; /* free ranges, sorted by offset, never adjacent */
    int n, cap;
    uint64_t size; /* of the whole space */
} zvk_freelist;

int zvk_freelist_init(zvk_freelist *fl, uint64_t size);
void zvk_freelist_destroy(zvk_freelist *fl);
/* First fit of `size` bytes aligned to `align` (a power of two). false if
 * nothing fits (or out of host memory). */
bool zvk_freelist_alloc(zvk_freelist *fl, uint64_t size, uint64_t align, uint64_t *off);
/* Returns [off, off + size) to the list, merging neighbours. -1 if the range
 * is outside the space or overlaps free space (a double free), -2 if out of
 * host memory. */
int zvk_freelist_free(zvk_freelist *fl, uint64_t off, uint64_t size);
uint64_t zvk_freelist_free_bytes(const zvk_freelist *fl);

typedef struct zvk_block {
    VkDeviceMemory mem;
    VkBuffer buf;
    uint64_t size;
    void *map; /* host pools only */
    zvk_freelist fl;
} zvk_block;

typedef struct zvk_pool {
    zvk_ctx *c;
    const char *what; /* "device" / "host", for messages */
    bool host;
    int mem_type;
    uint64_t block_size;
    zvk_block *blocks;
    int n, cap;
    uint64_t allocated; /* bytes handed out */
} zvk_pool;

typedef struct zvk_alloc {
    VkBuffer buf;
    uint64_t off, size;
    void *map; /* host pools: pointer to the first byte */
    int block;
} zvk_alloc;

int zvk_pool_init(zvk_pool *p, zvk_ctx *c, bool host, uint64_t block_size, zoo_error *err);
int zvk_pool_alloc(zvk_pool *p, uint64_t size, uint64_t align, zvk_alloc *out, zoo_error *err);
void zvk_pool_free(zvk_pool *p, zvk_alloc *a);
void zvk_pool_destroy(zvk_pool *p);
/* Bytes of VkDeviceMemory the pool holds. */
uint64_t zvk_pool_reserved(const zvk_pool *p);

#endif
