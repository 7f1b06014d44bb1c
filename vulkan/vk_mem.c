/* vulkan/vk_mem.c - the block sub-allocator (see vk_mem.h). */
#include "vulkan/vk_mem.h"

#include <stdlib.h>
#include <string.h>

#define DEFAULT_BLOCK (64ull << 20)

/* ---- free list ----------------------------------------------------------- */

int zvk_freelist_init(zvk_freelist *fl, uint64_t size) {
    memset(fl, 0, sizeof *fl);
    fl->size = size;
    fl->cap = 8;
    fl->r = malloc(sizeof *fl->r * (size_t)fl->cap);
    if (!fl->r) return -1;
    if (size) fl->r[fl->n++] = (zvk_range){0, size};
    return 0;
}

void zvk_freelist_destroy(zvk_freelist *fl) {
    free(fl->r);
    memset(fl, 0, sizeof *fl);
}

static int fl_insert(zvk_freelist *fl, int at, zvk_range r) {
    if (fl->n == fl->cap) {
        int cap = fl->cap ? fl->cap * 2 : 8;
        zvk_range *nr = realloc(fl->r, sizeof *nr * (size_t)cap);
        if (!nr) return -2;
        fl->r = nr;
        fl->cap = cap;
    }
    memmove(fl->r + at + 1, fl->r + at, sizeof *fl->r * (size_t)(fl->n - at));
    fl->r[at] = r;
    fl->n++;
    return 0;
}

static void fl_remove(zvk_freelist *fl, int at) {
    memmove(fl->r + at, fl->r + at + 1, sizeof *fl->r * (size_t)(fl->n - at - 1));
    fl->n--;
}

bool zvk_freelist_alloc(zvk_freelist *fl, uint64_t size, uint64_t align, uint64_t *off) {
    if (!size) size = 1;
    if (!align) align = 1;
    for (int i = 0; i < fl->n; i++) {
        zvk_range f = fl->r[i];
        uint64_t start = (f.off + align - 1) & ~(align - 1);
        if (start < f.off || start - f.off > f.size || f.size - (start - f.off) < size) continue;
        uint64_t end = start + size, fend = f.off + f.size;
        /* split [f.off, start) + [end, fend) */
        if (start > f.off && end < fend) {
            fl->r[i].size = start - f.off;
            if (fl_insert(fl, i + 1, (zvk_range){end, fend - end})) {
                fl->r[i] = f; /* undo */
                return false;
            }
        } else if (start > f.off) {
            fl->r[i].size = start - f.off;
        } else if (end < fend) {
            fl->r[i] = (zvk_range){end, fend - end};
        } else {
            fl_remove(fl, i);
        }
        *off = start;
        return true;
    }
    return false;
}

int zvk_freelist_free(zvk_freelist *fl, uint64_t off, uint64_t size) {
    if (!size) size = 1;
    if (off > fl->size || size > fl->size - off) return -1;
    int at = 0; /* first free range after `off` */
    while (at < fl->n && fl->r[at].off < off) at++;
    if (at > 0 && fl->r[at - 1].off + fl->r[at - 1].size > off) return -1;
    if (at < fl->n && off + size > fl->r[at].off) return -1;
    bool left = at > 0 && fl->r[at - 1].off + fl->r[at - 1].size == off;
    bool right = at < fl->n && off + size == fl->r[at].off;
    if (left && right) {
        fl->r[at - 1].size += size + fl->r[at].size;
        fl_remove(fl, at);
    } else if (left) {
        fl->r[at - 1].size += size;
    } else if (right) {
        fl->r[at].off = off;
        fl->r[at].size += size;
    } else {
        return fl_insert(fl, at, (zvk_range){off, size});
    }
    return 0;
}

uint64_t zvk_freelist_free_bytes(const zvk_freelist *fl) {
    uint64_t s = 0;
    for (int i = 0; i < fl->n; i++) s += fl->r[i].size;
    return s;
}

/* ---- pools ------------------------------------------------------------- */

static const VkBufferUsageFlags USAGE = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT |
                                        VK_BUFFER_USAGE_TRANSFER_SRC_BIT |
                                        VK_BUFFER_USAGE_TRANSFER_DST_BIT;

static VkResult make_buffer(zvk_ctx *c, uint64_t size, VkBuffer *buf) {
    VkBufferCreateInfo bi = {.sType = VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO,
                             .size = size,
                             .usage = USAGE,
                             .sharingMode = VK_SHARING_MODE_EXCLUSIVE};
    return c->fn.vkCreateBuffer(c->dev, &bi, NULL, buf);
}

int zvk_pool_init(zvk_pool *p, zvk_ctx *c, bool host, uint64_t block_size, zoo_error *err) {
    memset(p, 0, sizeof *p);
    p->c = c;
    p->host = host;
    p->what = host ? "host-visible" : "device-local";
    p->block_size = block_size ? block_size : DEFAULT_BLOCK;
    if (c->info.max_alloc_size && p->block_size > c->info.max_alloc_size)
        p->block_size = c->info.max_alloc_size;
    /* memory type from a probe buffer's requirements */
    VkBuffer probe;
    VkResult r = make_buffer(c, 4096, &probe);
    if (r != VK_SUCCESS)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkCreateBuffer failed (%s)",
                             zvk_result_name(r));
    VkMemoryRequirements mr;
    c->fn.vkGetBufferMemoryRequirements(c->dev, probe, &mr);
    c->fn.vkDestroyBuffer(c->dev, probe, NULL);
    if (host)
        p->mem_type = zvk_memory_type(c, mr.memoryTypeBits,
                                      VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT |
                                          VK_MEMORY_PROPERTY_HOST_COHERENT_BIT,
                                      VK_MEMORY_PROPERTY_HOST_CACHED_BIT);
    else {
        p->mem_type = zvk_memory_type(c, mr.memoryTypeBits, VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT, 0);
        if (p->mem_type < 0) p->mem_type = zvk_memory_type(c, mr.memoryTypeBits, 0, 0);
    }
    if (p->mem_type < 0)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: %s has no %s memory type for buffers",
                             c->info.name, p->what);
    return 0;
}

static int new_block(zvk_pool *p, uint64_t size, zoo_error *err) {
    zvk_ctx *c = p->c;
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 4;
        zvk_block *nb = realloc(p->blocks, sizeof *nb * (size_t)cap);
        if (!nb) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of host memory");
        p->blocks = nb;
        p->cap = cap;
    }
    zvk_block *b = &p->blocks[p->n];
    memset(b, 0, sizeof *b);
    VkResult r = make_buffer(c, size, &b->buf);
    if (r != VK_SUCCESS)
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: cannot create a %llu-byte %s buffer (%s)",
                             (unsigned long long)size, p->what, zvk_result_name(r));
    VkMemoryRequirements mr;
    c->fn.vkGetBufferMemoryRequirements(c->dev, b->buf, &mr);
    VkMemoryAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO,
                               .allocationSize = mr.size,
                               .memoryTypeIndex = (uint32_t)p->mem_type};
    if (!(mr.memoryTypeBits & (1u << p->mem_type))) r = VK_ERROR_FEATURE_NOT_PRESENT;
    else r = c->fn.vkAllocateMemory(c->dev, &ai, NULL, &b->mem);
    if (r == VK_SUCCESS) r = c->fn.vkBindBufferMemory(c->dev, b->buf, b->mem, 0);
    if (r == VK_SUCCESS && p->host) r = c->fn.vkMapMemory(c->dev, b->mem, 0, VK_WHOLE_SIZE, 0, &b->map);
    if (r == VK_SUCCESS && zvk_freelist_init(&b->fl, size)) r = VK_ERROR_OUT_OF_HOST_MEMORY;
    if (r != VK_SUCCESS) {
        if (b->mem) c->fn.vkFreeMemory(c->dev, b->mem, NULL);
        c->fn.vkDestroyBuffer(c->dev, b->buf, NULL);
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: cannot allocate %llu bytes of %s memory on %s (%s)",
                             (unsigned long long)size, p->what, c->info.name, zvk_result_name(r));
    }
    b->size = size;
    p->n++;
    return 0;
}

int zvk_pool_alloc(zvk_pool *p, uint64_t size, uint64_t align, zvk_alloc *out, zoo_error *err) {
    memset(out, 0, sizeof *out);
    out->block = -1;
    if (!size) size = 4;
    if (align < 16) align = 16;
    size = (size + 15) & ~(uint64_t)15;
    if (p->c->info.max_alloc_size && size > p->c->info.max_alloc_size)
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: %llu bytes in one buffer exceed %s's maxMemoryAllocationSize "
                             "(%llu)",
                             (unsigned long long)size, p->c->info.name,
                             (unsigned long long)p->c->info.max_alloc_size);
    uint64_t off = 0;
    int k = -1;
    for (int i = 0; i < p->n && k < 0; i++)
        if (zvk_freelist_alloc(&p->blocks[i].fl, size, align, &off)) k = i;
    if (k < 0) {
        uint64_t bs = size > p->block_size ? size : p->block_size;
        if (new_block(p, bs, err)) return ZOO_ERR_RUNTIME;
        k = p->n - 1;
        if (!zvk_freelist_alloc(&p->blocks[k].fl, size, align, &off))
            return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: sub-allocation failed");
    }
    out->buf = p->blocks[k].buf;
    out->off = off;
    out->size = size;
    out->block = k;
    out->map = p->blocks[k].map ? (char *)p->blocks[k].map + off : NULL;
    p->allocated += size;
    return 0;
}

void zvk_pool_free(zvk_pool *p, zvk_alloc *a) {
    if (!a || a->block < 0 || a->block >= p->n) return;
    if (zvk_freelist_free(&p->blocks[a->block].fl, a->off, a->size) == 0) p->allocated -= a->size;
    memset(a, 0, sizeof *a);
    a->block = -1;
}

void zvk_pool_destroy(zvk_pool *p) {
    if (!p || !p->c) return;
    for (int i = 0; i < p->n; i++) {
        zvk_block *b = &p->blocks[i];
        if (b->map) p->c->fn.vkUnmapMemory(p->c->dev, b->mem);
        p->c->fn.vkDestroyBuffer(p->c->dev, b->buf, NULL);
        p->c->fn.vkFreeMemory(p->c->dev, b->mem, NULL);
        zvk_freelist_destroy(&b->fl);
    }
    free(p->blocks);
    memset(p, 0, sizeof *p);
}

uint64_t zvk_pool_reserved(const zvk_pool *p) {
    uint64_t s = 0;
    for (int i = 0; i < p->n; i++) s += p->blocks[i].size;
    return s;
}
