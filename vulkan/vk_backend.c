/* vulkan/vk_backend.c - the "vulkan" backend (core/backend.h vtable).
 *
 * prepare(): host plan (vk_plan.c), device (vk_device.c), memory from two
 * block pools (vk_mem.c): the activation arena, every step's parameters
 * (uploaded once through host-visible staging, fp16 on request), input and
 * output staging; one pipeline per distinct kernel + specialization
 * (vk_pipeline.c, disk cache saved at the end); one descriptor set per step
 * and image chunk. run(): input into staging, the command buffer for that
 * batch size (recorded on first use, then replayed), submit, wait on a fence
 * with a timeout, output out of staging. A timeout or VK_ERROR_DEVICE_LOST is
 * reported and leaves the runner unusable (every later run fails at once).
 *
 * Descriptor ranges: each operand binds only the images of its chunk, from an
 * offset aligned down to minStorageBufferOffsetAlignment (the remainder goes
 * into the push constants), so no binding exceeds maxStorageBufferRange
 * (128 MiB on lavapipe); a step whose operands for max_batch images would,
 * is split into several dispatches over image chunks. */
#include "vulkan/vk_backend.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vulkan/vk_mem.h"
#include "vulkan/vk_pipeline.h"
#include "vulkan/vk_plan.h"

#define N_BINDINGS 5
#define PUSH_WORDS 27 /* 7 offsets / counts + 20 sizes (spec constants 3..22) */
#define UPLOAD_CHUNK (32ull << 20)

typedef struct chunk {
    int n0, n;
    VkDescriptorSet ds;
    uint32_t push[PUSH_WORDS];
} chunk;

typedef struct rstep {
    VkPipeline pipe;
    zvk_alloc prm;
    chunk *chunks;
    int n_chunks;
} rstep;

typedef struct vk_plan {
    zvk_ctx *c;
    zvk_plan_host h;
    bool ctx_open; /* c is open (own_ctx: and owned by this plan) */
    bool own_ctx;
    bool fp16;
    size_t esz; /* bytes per arena / parameter element */
    zvk_pool dev, host;
    zvk_alloc arena, in_stage, out_stage, dummy;
    VkDescriptorSetLayout dsl;
    VkPipelineLayout layout;
    VkDescriptorPool dpool;
    zvk_pipes pipes;
    bool pipes_open;
    rstep *rs;
    VkCommandPool cpool;
    VkCommandBuffer *cb; /* [max_batch + 1], recorded on first use */
    VkFence fence;
    double timeout_s;
    char broken[512]; /* non-empty: a run failed on the device, the plan is unusable */
    size_t in_numel, out_numel;
    uint64_t weight_bytes;
    int barriers1;
    /* ZOO_VK_PROFILE=1: a timestamp after every step, summed over runs, printed at release */
    VkQueryPool qpool;
    double *prof_ms;
    int prof_runs;
} vk_plan;

static const char *model_of(const vk_plan *p) {
    return p->h.g && p->h.g->model_name ? p->h.g->model_name : "graph";
}

static int vkfail(zoo_error *err, VkResult r, const char *what, const vk_plan *p) {
    return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: %s failed (%s) for '%s' on %s", what,
                         zvk_result_name(r), model_of(p), p->c->info.name);
}

/* float -> IEEE half, round to nearest even */
static uint16_t f2h(float f) {
    uint32_t x;
    memcpy(&x, &f, 4);
    uint32_t sign = (x >> 16) & 0x8000u, exp = (x >> 23) & 0xffu, mant = x & 0x7fffffu;
    if (exp == 0xffu) return (uint16_t)(sign | 0x7c00u | (mant ? 0x200u : 0u));
    int e = (int)exp - 127 + 15;
    if (e >= 31) return (uint16_t)(sign | 0x7c00u);
    if (e <= 0) {
        if (e < -10) return (uint16_t)sign;
        mant |= 0x800000u;
        int shift = 14 - e;
        uint32_t h = mant >> shift, rem = mant & ((1u << shift) - 1), half = 1u << (shift - 1);
        if (rem > half || (rem == half && (h & 1u))) h++;
        return (uint16_t)(sign | h);
    }
    uint32_t h = ((uint32_t)e << 10) | (mant >> 13), rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) h++;
    return (uint16_t)(sign | h);
}

/* ZOO_VK_TIMEOUT (seconds) if set and valid, else dflt */
static double env_timeout(double dflt) {
    const char *e = getenv("ZOO_VK_TIMEOUT");
    if (!e || !*e) return dflt;
    char *end;
    double v = strtod(e, &end);
    return (*end || !(v > 0)) ? dflt : v;
}

/* ---- one-shot command buffers (weight upload) ---------------------------- */

static int submit_wait(vk_plan *p, VkCommandBuffer cb, double timeout_s, const char *what,
                       zoo_error *err) {
    zvk_fn *f = &p->c->fn;
    VkResult r = f->vkResetFences(p->c->dev, 1, &p->fence);
    VkSubmitInfo si = {.sType = VK_STRUCTURE_TYPE_SUBMIT_INFO, .commandBufferCount = 1,
                       .pCommandBuffers = &cb};
    if (r == VK_SUCCESS) r = f->vkQueueSubmit(p->c->queue, 1, &si, p->fence);
    if (r != VK_SUCCESS) {
        if (r == VK_ERROR_DEVICE_LOST)
            snprintf(p->broken, sizeof p->broken, "the device was lost (%s)", what);
        return vkfail(err, r, what, p);
    }
    timeout_s = env_timeout(timeout_s); /* read per run, so it can be changed between runs */
    uint64_t ns = timeout_s >= 1e9 ? UINT64_MAX : (uint64_t)(timeout_s * 1e9);
    r = f->vkWaitForFences(p->c->dev, 1, &p->fence, VK_TRUE, ns);
    if (r == VK_TIMEOUT) {
        snprintf(p->broken, sizeof p->broken, "%s did not finish within %.0f s", what, timeout_s);
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: %s of '%s' did not finish within %.3g s on %s (GPU hang or "
                             "too slow a device; ZOO_VK_TIMEOUT sets the limit in seconds)",
                             what, model_of(p), timeout_s, p->c->info.name);
    }
    if (r != VK_SUCCESS) {
        if (r == VK_ERROR_DEVICE_LOST)
            snprintf(p->broken, sizeof p->broken, "the device was lost during %s", what);
        return vkfail(err, r, what, p);
    }
    return 0;
}

static void barrier(zvk_fn *f, VkCommandBuffer cb, VkPipelineStageFlags src_stage,
                    VkAccessFlags src, VkPipelineStageFlags dst_stage, VkAccessFlags dst) {
    VkMemoryBarrier mb = {.sType = VK_STRUCTURE_TYPE_MEMORY_BARRIER, .srcAccessMask = src,
                          .dstAccessMask = dst};
    f->vkCmdPipelineBarrier(cb, src_stage, dst_stage, 0, 1, &mb, 0, NULL, 0, NULL);
}

/* params of every step into device memory, through staging batches of at
 * most UPLOAD_CHUNK bytes (or one step's size when larger) */
static int upload_params(vk_plan *p, zoo_error *err) {
    zvk_fn *f = &p->c->fn;
    zvk_plan_host *h = &p->h;
    uint64_t biggest = 0;
    for (int s = 0; s < h->n_steps; s++) {
        uint64_t b = (uint64_t)h->steps[s].n_params * p->esz;
        if (b > biggest) biggest = b;
    }
    if (!biggest) return 0;
    uint64_t cap = biggest > UPLOAD_CHUNK ? biggest : UPLOAD_CHUNK;
    zvk_alloc stage;
    if (zvk_pool_alloc(&p->host, cap, 16, &stage, err)) return ZOO_ERR_RUNTIME;
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = p->cpool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
    VkCommandBuffer cb;
    VkResult r = f->vkAllocateCommandBuffers(p->c->dev, &ai, &cb);
    if (r != VK_SUCCESS) {
        zvk_pool_free(&p->host, &stage);
        return vkfail(err, r, "vkAllocateCommandBuffers", p);
    }
    int rc = 0, s = 0;
    while (s < h->n_steps && !rc) {
        VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO,
                                       .flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT};
        r = f->vkBeginCommandBuffer(cb, &bi);
        if (r != VK_SUCCESS) {
            rc = vkfail(err, r, "vkBeginCommandBuffer", p);
            break;
        }
        uint64_t used = 0;
        for (; s < h->n_steps; s++) {
            const zvk_step *st = &h->steps[s];
            if (!st->n_params) continue;
            uint64_t bytes = (uint64_t)st->n_params * p->esz;
            if (used + bytes > cap) break;
            unsigned char *dst = (unsigned char *)stage.map + used;
            if (p->fp16) {
                uint16_t *d16 = (uint16_t *)(void *)dst;
                for (size_t i = 0; i < st->n_params; i++) d16[i] = f2h(st->params[i]);
            } else {
                memcpy(dst, st->params, bytes);
            }
            VkBufferCopy region = {.srcOffset = stage.off + used, .dstOffset = p->rs[s].prm.off,
                                   .size = bytes};
            f->vkCmdCopyBuffer(cb, stage.buf, p->rs[s].prm.buf, 1, &region);
            used += (bytes + 15) & ~(uint64_t)15;
        }
        barrier(f, cb, VK_PIPELINE_STAGE_TRANSFER_BIT, VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_READ_BIT);
        r = f->vkEndCommandBuffer(cb);
        if (r != VK_SUCCESS) rc = vkfail(err, r, "vkEndCommandBuffer", p);
        else rc = submit_wait(p, cb, p->timeout_s, "the weight upload", err);
    }
    f->vkFreeCommandBuffers(p->c->dev, p->cpool, 1, &cb);
    zvk_pool_free(&p->host, &stage);
    return rc;
}

/* ---- descriptors ----------------------------------------------------------- */

typedef struct bind {
    VkBuffer buf;
    uint64_t off, range; /* bytes, offset aligned */
    uint32_t elem_off;   /* first element's index inside the binding */
} bind;

/* images [n0, n0 + k) of value v, bound from an aligned offset */
static bind bind_value(const vk_plan *p, zoo_value v, int n0, int k) {
    const zvk_val *x = &p->h.vals[v];
    uint64_t align = p->c->info.min_storage_align ? p->c->info.min_storage_align : 1;
    uint64_t start = p->arena.off + ((uint64_t)x->off + (uint64_t)n0 * x->bs) * p->esz;
    uint64_t base = start / align * align;
    uint64_t len = ((uint64_t)(k - 1) * x->bs + zvk_numel(&p->h, v)) * p->esz;
    return (bind){p->arena.buf, base, start - base + len, (uint32_t)((start - base) / p->esz)};
}

/* images [n0, n0 + k) of dense fp32 staging of `numel` floats per image */
static bind bind_host(const vk_plan *p, const zvk_alloc *a, size_t numel, int n0, int k) {
    uint64_t align = p->c->info.min_storage_align ? p->c->info.min_storage_align : 1;
    uint64_t start = a->off + (uint64_t)n0 * numel * 4;
    uint64_t base = start / align * align;
    return (bind){a->buf, base, start - base + (uint64_t)k * numel * 4,
                  (uint32_t)((start - base) / 4)};
}

static bind bind_alloc(const zvk_alloc *a) { return (bind){a->buf, a->off, a->size, 0}; }

/* the bindings of step s for images [n0, n0 + k) */
static void step_binds(const vk_plan *p, int s, int n0, int k, bind b[N_BINDINGS],
                       uint32_t push[PUSH_WORDS]) {
    const zvk_step *st = &p->h.steps[s];
    bind dummy = bind_alloc(&p->dummy);
    for (int i = 0; i < N_BINDINGS; i++) b[i] = dummy;
    memset(push, 0, sizeof(uint32_t) * PUSH_WORDS);
    zoo_value ops[3] = {st->x0, st->x1, st->y};
    for (int i = 0; i < 3; i++) {
        if (ops[i] < 0) continue;
        b[i] = bind_value(p, ops[i], n0, k);
        push[2 * i] = b[i].elem_off;
        push[2 * i + 1] = (uint32_t)p->h.vals[ops[i]].bs;
    }
    if (st->n_params) b[3] = bind_alloc(&p->rs[s].prm);
    if (st->kernel == ZVK_CONVERT_IN || st->kernel == ZVK_CONVERT_OUT) {
        bool in = st->kernel == ZVK_CONVERT_IN;
        b[4] = bind_host(p, in ? &p->in_stage : &p->out_stage, in ? p->in_numel : p->out_numel, n0, k);
        push[2] = b[4].elem_off; /* x1_off carries the host offset */
    }
    push[6] = (uint32_t)k;
    for (int i = 3; i < st->n_spec && i < 23; i++) push[7 + i - 3] = (uint32_t)st->spec[i];
}

/* images per dispatch for step s: every binding within maxStorageBufferRange
 * and the grid's z within its limit. 0 if even one image does not fit. */
static int images_per_chunk(const vk_plan *p, int s) {
    const zvk_step *st = &p->h.steps[s];
    const zvk_device_info *d = &p->c->info;
    for (int k = p->h.max_batch; k >= 1; k--) {
        if ((uint64_t)st->wg[2] * (uint64_t)k > d->max_wg_count[2]) continue;
        bind b[N_BINDINGS];
        uint32_t push[PUSH_WORDS];
        step_binds(p, s, 0, k, b, push);
        bool ok = true;
        for (int i = 0; i < N_BINDINGS && ok; i++) ok = b[i].range <= d->max_storage_range;
        if (ok) return k;
    }
    return 0;
}

static int make_descriptors(vk_plan *p, zoo_error *err) {
    zvk_fn *f = &p->c->fn;
    zvk_plan_host *h = &p->h;
    const zvk_device_info *d = &p->c->info;
    int total = 0;
    for (int s = 0; s < h->n_steps; s++) {
        const zvk_step *st = &h->steps[s];
        const char *name = st->nd && st->nd->name ? st->nd->name : zvk_kernel_name(st->kernel);
        if (st->wg[0] > d->max_wg_count[0] || st->wg[1] > d->max_wg_count[1])
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "vulkan: node '%s' of '%s' needs %u x %u workgroups, more than %s "
                                 "allows (%u x %u)",
                                 name, model_of(p), st->wg[0], st->wg[1], d->name,
                                 d->max_wg_count[0], d->max_wg_count[1]);
        if (st->n_params && p->rs[s].prm.size > d->max_storage_range)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "vulkan: node '%s' of '%s' has %llu bytes of parameters, more than "
                                 "%s binds at once (maxStorageBufferRange %u)",
                                 name, model_of(p), (unsigned long long)p->rs[s].prm.size, d->name,
                                 d->max_storage_range);
        int ipc = images_per_chunk(p, s);
        if (!ipc)
            return zoo_error_set(err, ZOO_ERR_INPUT,
                                 "vulkan: node '%s' of '%s': one image's tensors exceed %s's "
                                 "maxStorageBufferRange (%u bytes); use a smaller input",
                                 name, model_of(p), d->name, d->max_storage_range);
        p->rs[s].n_chunks = (h->max_batch + ipc - 1) / ipc;
        p->rs[s].chunks = calloc((size_t)p->rs[s].n_chunks, sizeof(chunk));
        if (!p->rs[s].chunks) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
        for (int c = 0; c < p->rs[s].n_chunks; c++) {
            p->rs[s].chunks[c].n0 = c * ipc;
            p->rs[s].chunks[c].n = h->max_batch - c * ipc < ipc ? h->max_batch - c * ipc : ipc;
        }
        total += p->rs[s].n_chunks;
    }
    VkDescriptorPoolSize ps = {.type = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                               .descriptorCount = (uint32_t)(total * N_BINDINGS)};
    VkDescriptorPoolCreateInfo pi = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO,
                                     .maxSets = (uint32_t)total,
                                     .poolSizeCount = 1,
                                     .pPoolSizes = &ps};
    VkResult r = f->vkCreateDescriptorPool(p->c->dev, &pi, NULL, &p->dpool);
    if (r != VK_SUCCESS) {
        p->dpool = VK_NULL_HANDLE;
        return vkfail(err, r, "vkCreateDescriptorPool", p);
    }
    for (int s = 0; s < h->n_steps; s++)
        for (int c = 0; c < p->rs[s].n_chunks; c++) {
            chunk *ch = &p->rs[s].chunks[c];
            VkDescriptorSetAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO,
                                              .descriptorPool = p->dpool,
                                              .descriptorSetCount = 1,
                                              .pSetLayouts = &p->dsl};
            r = f->vkAllocateDescriptorSets(p->c->dev, &ai, &ch->ds);
            if (r != VK_SUCCESS) return vkfail(err, r, "vkAllocateDescriptorSets", p);
            bind b[N_BINDINGS];
            step_binds(p, s, ch->n0, ch->n, b, ch->push);
            VkDescriptorBufferInfo bi[N_BINDINGS];
            VkWriteDescriptorSet w[N_BINDINGS];
            for (int i = 0; i < N_BINDINGS; i++) {
                bi[i] = (VkDescriptorBufferInfo){.buffer = b[i].buf, .offset = b[i].off,
                                                 .range = b[i].range};
                w[i] = (VkWriteDescriptorSet){.sType = VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET,
                                              .dstSet = ch->ds,
                                              .dstBinding = (uint32_t)i,
                                              .descriptorCount = 1,
                                              .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                              .pBufferInfo = &bi[i]};
            }
            f->vkUpdateDescriptorSets(p->c->dev, N_BINDINGS, w, 0, NULL);
        }
    return 0;
}

/* ---- command buffers ------------------------------------------------------- */

static int record(vk_plan *p, int batch, zoo_error *err) {
    zvk_fn *f = &p->c->fn;
    zvk_plan_host *h = &p->h;
    VkCommandBufferAllocateInfo ai = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO,
                                      .commandPool = p->cpool,
                                      .level = VK_COMMAND_BUFFER_LEVEL_PRIMARY,
                                      .commandBufferCount = 1};
    VkCommandBuffer cb;
    VkResult r = f->vkAllocateCommandBuffers(p->c->dev, &ai, &cb);
    if (r != VK_SUCCESS) return vkfail(err, r, "vkAllocateCommandBuffers", p);
    bool *need = malloc(sizeof(bool) * (size_t)(h->n_steps ? h->n_steps : 1));
    if (!need) {
        f->vkFreeCommandBuffers(p->c->dev, p->cpool, 1, &cb);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
    }
    zvk_plan_barriers(h, batch, need);
    /* test hook: drop the barriers between steps, so the validation test can show
     * that synchronization validation catches a missing one */
    const char *skip = getenv("ZOO_VK_DEBUG_SKIP_BARRIERS");
    if (skip && *skip && strcmp(skip, "0") != 0)
        for (int s = 0; s < h->n_steps; s++) need[s] = false;
    VkCommandBufferBeginInfo bi = {.sType = VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    r = f->vkBeginCommandBuffer(cb, &bi);
    if (r == VK_SUCCESS) {
        /* the previous submission's writes (and the weight upload) before anything here */
        barrier(f, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT,
                VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
        if (p->qpool) {
            f->vkCmdResetQueryPool(cb, p->qpool, 0, (uint32_t)h->n_steps + 1);
            f->vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, p->qpool, 0);
        }
        VkPipeline bound = VK_NULL_HANDLE;
        for (int s = 0; s < h->n_steps; s++) {
            const zvk_step *st = &h->steps[s];
            const rstep *rs = &p->rs[s];
            if (need[s])
                barrier(f, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                        VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                        VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT);
            if (rs->pipe != bound) {
                f->vkCmdBindPipeline(cb, VK_PIPELINE_BIND_POINT_COMPUTE, rs->pipe);
                bound = rs->pipe;
            }
            for (int c = 0; c < rs->n_chunks; c++) {
                const chunk *ch = &rs->chunks[c];
                if (ch->n0 >= batch) break;
                int k = batch - ch->n0 < ch->n ? batch - ch->n0 : ch->n;
                uint32_t push[PUSH_WORDS];
                memcpy(push, ch->push, sizeof push);
                push[6] = (uint32_t)k;
                f->vkCmdBindDescriptorSets(cb, VK_PIPELINE_BIND_POINT_COMPUTE, p->layout, 0, 1,
                                           &ch->ds, 0, NULL);
                f->vkCmdPushConstants(cb, p->layout, VK_SHADER_STAGE_COMPUTE_BIT, 0, sizeof push,
                                      push);
                f->vkCmdDispatch(cb, st->wg[0], st->wg[1], st->wg[2] * (uint32_t)k);
            }
            if (p->qpool)
                f->vkCmdWriteTimestamp(cb, VK_PIPELINE_STAGE_BOTTOM_OF_PIPE_BIT, p->qpool,
                                       (uint32_t)s + 1);
        }
        barrier(f, cb, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VK_ACCESS_SHADER_WRITE_BIT,
                VK_PIPELINE_STAGE_HOST_BIT, VK_ACCESS_HOST_READ_BIT);
        r = f->vkEndCommandBuffer(cb);
    }
    free(need);
    if (r != VK_SUCCESS) {
        f->vkFreeCommandBuffers(p->c->dev, p->cpool, 1, &cb);
        return vkfail(err, r, "recording the command buffer", p);
    }
    p->cb[batch] = cb;
    return 0;
}

/* ---- vtable ---------------------------------------------------------------- */

static int cmp_desc(const void *a, const void *b) {
    double x = ((const double *)a)[0], y = ((const double *)b)[0];
    return x < y ? 1 : x > y ? -1 : 0;
}

/* ZOO_VK_PROFILE=1: per-kernel totals and the 12 slowest steps, averaged over
 * runs (the first run of each batch size is left out: lazy drivers compile
 * pipelines in it) */
static void print_profile(const vk_plan *p) {
    if (!p->prof_ms || !p->prof_runs) return;
    const zvk_plan_host *h = &p->h;
    double per_kernel[ZVK_KERNEL__COUNT] = {0}, total = 0;
    int count[ZVK_KERNEL__COUNT] = {0};
    double *top = malloc(sizeof(double) * 2 * (size_t)h->n_steps);
    for (int s = 0; s < h->n_steps; s++) {
        double ms = p->prof_ms[s] / p->prof_runs;
        per_kernel[h->steps[s].kernel] += ms;
        count[h->steps[s].kernel]++;
        total += ms;
        if (top) top[2 * s] = ms, top[2 * s + 1] = s;
    }
    fprintf(stderr, "zoo: vulkan profile of '%s' (%d run(s), %.2f ms per run):\n", model_of(p),
            p->prof_runs, total);
    for (int k = 0; k < ZVK_KERNEL__COUNT; k++)
        if (count[k])
            fprintf(stderr, "  %-12s %4d steps %9.2f ms %5.1f%%\n", zvk_kernel_name((zvk_kernel)k),
                    count[k], per_kernel[k], total > 0 ? 100 * per_kernel[k] / total : 0.0);
    if (top) {
        qsort(top, (size_t)h->n_steps, 2 * sizeof(double), cmp_desc);
        for (int i = 0; i < h->n_steps && i < 12; i++) {
            const zvk_step *st = &h->steps[(int)top[2 * i + 1]];
            const zoo_shape sy = st->y >= 0 ? h->vals[st->y].s : (zoo_shape){0, 0, 0, 0};
            fprintf(stderr, "  %9.2f ms %-12s %-28s out %dx%dx%d\n", top[2 * i],
                    zvk_kernel_name(st->kernel), st->nd && st->nd->name ? st->nd->name : "-", sy.c,
                    sy.h, sy.w);
        }
    }
    free(top);
}

static void vk_release(void *pp) {
    vk_plan *p = pp;
    if (!p) return;
    print_profile(p);
    free(p->prof_ms);
    if (p->ctx_open && p->c->dev) {
        zvk_fn *f = &p->c->fn;
        f->vkDeviceWaitIdle(p->c->dev);
        if (p->qpool) f->vkDestroyQueryPool(p->c->dev, p->qpool, NULL);
        if (p->cb)
            for (int b = 0; b <= p->h.max_batch; b++)
                if (p->cb[b]) f->vkFreeCommandBuffers(p->c->dev, p->cpool, 1, &p->cb[b]);
        if (p->fence) f->vkDestroyFence(p->c->dev, p->fence, NULL);
        if (p->cpool) f->vkDestroyCommandPool(p->c->dev, p->cpool, NULL);
        if (p->dpool) f->vkDestroyDescriptorPool(p->c->dev, p->dpool, NULL);
        if (p->pipes_open) zvk_pipes_destroy(&p->pipes);
        if (p->layout) f->vkDestroyPipelineLayout(p->c->dev, p->layout, NULL);
        if (p->dsl) f->vkDestroyDescriptorSetLayout(p->c->dev, p->dsl, NULL);
        zvk_pool_destroy(&p->dev);
        zvk_pool_destroy(&p->host);
    }
    if (p->rs)
        for (int s = 0; s < p->h.n_steps; s++) free(p->rs[s].chunks);
    free(p->rs);
    free(p->cb);
    if (p->ctx_open && p->own_ctx) {
        zvk_ctx_close(p->c);
        free(p->c);
    }
    zvk_plan_free(&p->h);
    free(p);
}

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}


static int create_layouts(vk_plan *p, zoo_error *err) {
    zvk_fn *f = &p->c->fn;
    VkDescriptorSetLayoutBinding lb[N_BINDINGS];
    for (int i = 0; i < N_BINDINGS; i++)
        lb[i] = (VkDescriptorSetLayoutBinding){.binding = (uint32_t)i,
                                               .descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER,
                                               .descriptorCount = 1,
                                               .stageFlags = VK_SHADER_STAGE_COMPUTE_BIT};
    VkDescriptorSetLayoutCreateInfo li = {.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO,
                                          .bindingCount = N_BINDINGS,
                                          .pBindings = lb};
    VkResult r = f->vkCreateDescriptorSetLayout(p->c->dev, &li, NULL, &p->dsl);
    if (r != VK_SUCCESS) {
        p->dsl = VK_NULL_HANDLE;
        return vkfail(err, r, "vkCreateDescriptorSetLayout", p);
    }
    VkPushConstantRange pr = {.stageFlags = VK_SHADER_STAGE_COMPUTE_BIT, .offset = 0,
                              .size = sizeof(uint32_t) * PUSH_WORDS};
    VkPipelineLayoutCreateInfo pli = {.sType = VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO,
                                      .setLayoutCount = 1,
                                      .pSetLayouts = &p->dsl,
                                      .pushConstantRangeCount = 1,
                                      .pPushConstantRanges = &pr};
    r = f->vkCreatePipelineLayout(p->c->dev, &pli, NULL, &p->layout);
    if (r != VK_SUCCESS) {
        p->layout = VK_NULL_HANDLE;
        return vkfail(err, r, "vkCreatePipelineLayout", p);
    }
    VkCommandPoolCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO,
                                  .flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT,
                                  .queueFamilyIndex = p->c->qfam};
    r = f->vkCreateCommandPool(p->c->dev, &ci, NULL, &p->cpool);
    if (r != VK_SUCCESS) {
        p->cpool = VK_NULL_HANDLE;
        return vkfail(err, r, "vkCreateCommandPool", p);
    }
    VkFenceCreateInfo fi = {.sType = VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
    r = f->vkCreateFence(p->c->dev, &fi, NULL, &p->fence);
    if (r != VK_SUCCESS) {
        p->fence = VK_NULL_HANDLE;
        return vkfail(err, r, "vkCreateFence", p);
    }
    return 0;
}

static int allocate(vk_plan *p, zoo_error *err) {
    zvk_plan_host *h = &p->h;
    uint64_t align = p->c->info.min_storage_align > 16 ? p->c->info.min_storage_align : 16;
    if (zvk_pool_init(&p->dev, p->c, false, 0, err) ||
        zvk_pool_init(&p->host, p->c, true, 16ull << 20, err))
        return ZOO_ERR_RUNTIME;
    if (zvk_pool_alloc(&p->dev, (uint64_t)h->arena_elems * p->esz, align, &p->arena, err) ||
        zvk_pool_alloc(&p->dev, 256, align, &p->dummy, err) ||
        zvk_pool_alloc(&p->host, (uint64_t)h->max_batch * p->in_numel * 4, align, &p->in_stage, err) ||
        zvk_pool_alloc(&p->host, (uint64_t)h->max_batch * p->out_numel * 4, align, &p->out_stage,
                       err))
        return zoo_error_prefix(err, "'%s'", model_of(p));
    for (int s = 0; s < h->n_steps; s++) {
        if (!h->steps[s].n_params) continue;
        uint64_t bytes = (uint64_t)h->steps[s].n_params * p->esz;
        if (zvk_pool_alloc(&p->dev, bytes, align, &p->rs[s].prm, err))
            return zoo_error_prefix(err, "'%s'", model_of(p));
        p->weight_bytes += bytes;
    }
    return 0;
}

static void verbose(const vk_plan *p, double ms) {
    const char *v = getenv("ZOO_VK_VERBOSE");
    if (!v || !*v || !strcmp(v, "0")) return;
    zoo_vulkan_plan_info in;
    zoo_vulkan_plan_get_info(p, &in);
    fprintf(stderr,
            "zoo: vulkan: %s on %s (%s), %s, %d steps, %d pipelines (%d created in %.0f ms), "
            "pipeline cache %s%s%s, arena %.1f MB, weights %.1f MB, prepare %.0f ms\n",
            model_of(p), in.device, zvk_type_name(p->c->info.type), in.fp16 ? "fp16" : "fp32",
            in.steps, in.pipelines, in.pipelines_created, in.pipeline_ms,
            in.cache_hit ? "hit" : "miss", in.cache_hit ? "" : ": ",
            in.cache_hit ? "" : (in.cache_miss_why ? in.cache_miss_why : "?"),
            in.arena_bytes / 1048576.0, in.weight_bytes / 1048576.0, ms);
}

/* prepare() on an open device context: owned by the plan (runners) or shared (tests) */
static void *prepare_on(zvk_ctx *c, bool own, const zoo_graph *g, const zoo_runner_opts *opts,
                        zoo_error *err) {
    double t0 = now_ms();
    vk_plan *p = calloc(1, sizeof *p);
    if (!p) {
        if (own) {
            zvk_ctx_close(c);
            free(c);
        }
        zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
        return NULL;
    }
    p->c = c;
    p->ctx_open = true;
    p->own_ctx = own;
    int max_batch = opts && opts->max_batch > 0 ? opts->max_batch : 1;
    p->fp16 = p->c->fp16 && opts && opts->fp16;
    p->esz = p->fp16 ? 2 : 4;
    /* conv kernel: register tiles on CPU devices, shared-memory tiles on GPUs;
     * ZOO_VK_CONV=reg|shared overrides (tests run both) */
    const char *cv = getenv("ZOO_VK_CONV");
    bool reg = cv && !strcmp(cv, "reg") ? true
               : cv && !strcmp(cv, "shared") ? false
                                             : p->c->info.type == VK_PHYSICAL_DEVICE_TYPE_CPU;
    zvk_plan_opts po = {.max_batch = max_batch, .esz = (int)p->esz, .reg_conv = reg};
    if (zvk_plan_build(&p->h, g, &po, err)) goto fail;
    p->in_numel = zvk_numel(&p->h, g->input);
    p->out_numel = zvk_numel(&p->h, g->output);
    p->timeout_s = 120.0; /* until the pipelines are known (weight upload) */
    p->rs = calloc((size_t)p->h.n_steps, sizeof(rstep));
    p->cb = calloc((size_t)max_batch + 1, sizeof(VkCommandBuffer));
    if (!p->rs || !p->cb) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
        goto fail;
    }
    if (create_layouts(p, err) || allocate(p, err) || upload_params(p, err)) goto fail;
    if (zvk_pipes_init(&p->pipes, p->c, p->layout, p->fp16, err)) goto fail;
    p->pipes_open = true;
    const char *spz = getenv("ZOO_VK_SPECIALIZE");
    bool full = spz && !strcmp(spz, "full");
    for (int s = 0; s < p->h.n_steps; s++) {
        const zvk_step *st = &p->h.steps[s];
        int32_t key[ZVK_MAX_SPEC];
        uint32_t sizes = full ? 0 : zvk_kernel_size_ids(st->kernel);
        for (int i = 0; i < st->n_spec; i++) key[i] = (sizes >> i) & 1u ? 0 : st->spec[i];
        if (zvk_pipes_get(&p->pipes, st->kernel, key, st->n_spec, &p->rs[s].pipe, err)) {
            zoo_error_prefix(err, "'%s' node '%s'", model_of(p),
                             st->nd && st->nd->name ? st->nd->name : zvk_kernel_name(st->kernel));
            goto fail;
        }
    }
    zvk_pipes_save(&p->pipes);
    /* a generous bound for one run, hang detection only: lazy drivers compile
     * pipelines at their first dispatch (lavapipe: ~0.2 s each), and a slow
     * device may manage only ~0.05 GMAC/s */
    p->timeout_s = 60.0 + 2.0 * p->pipes.n + 2e-8 * (double)p->h.macs * max_batch;
    if (make_descriptors(p, err)) goto fail;
    /* host data of the parameters is on the device now */
    for (int s = 0; s < p->h.n_steps; s++) {
        free(p->h.steps[s].params);
        p->h.steps[s].params = NULL;
    }
    const char *prof = getenv("ZOO_VK_PROFILE");
    if (prof && *prof && strcmp(prof, "0") != 0 && p->c->info.timestamps) {
        VkQueryPoolCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_QUERY_POOL_CREATE_INFO,
                                    .queryType = VK_QUERY_TYPE_TIMESTAMP,
                                    .queryCount = (uint32_t)p->h.n_steps + 1};
        p->prof_ms = calloc((size_t)p->h.n_steps, sizeof(double));
        if (!p->prof_ms || p->c->fn.vkCreateQueryPool(p->c->dev, &qi, NULL, &p->qpool) != VK_SUCCESS)
            p->qpool = VK_NULL_HANDLE;
    }
    bool *need = malloc(sizeof(bool) * (size_t)p->h.n_steps);
    if (need) p->barriers1 = zvk_plan_barriers(&p->h, 1, need);
    free(need);
    verbose(p, now_ms() - t0);
    return p;
fail:
    vk_release(p);
    return NULL;
}

static void *vk_prepare(const zoo_graph *g, const zoo_runner_opts *opts, zoo_error *err) {
    zvk_ctx *c = calloc(1, sizeof *c);
    if (!c) {
        zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
        return NULL;
    }
    if (zvk_ctx_open(c, opts ? opts->device : -1, opts && opts->fp16, err)) {
        free(c);
        return NULL;
    }
    return prepare_on(c, true, g, opts, err);
}

void *zoo_vulkan_prepare_on(zvk_ctx *c, const zoo_graph *g, const zoo_runner_opts *opts,
                            zoo_error *err) {
    return prepare_on(c, false, g, opts, err);
}

static int vk_run(void *pp, const float *input, int batch, float *output, zoo_error *err) {
    vk_plan *p = pp;
    if (batch < 1 || batch > p->h.max_batch)
        return zoo_error_set(err, ZOO_ERR_INPUT, "vulkan backend: batch %d outside 1..%d", batch,
                             p->h.max_batch);
    if (p->broken[0])
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: '%s' cannot run on %s any more: %s", model_of(p),
                             p->c->info.name, p->broken);
    bool first = !p->cb[batch]; /* lazy drivers compile pipelines during the first run */
    if (first && record(p, batch, err)) return ZOO_ERR_RUNTIME;
    memcpy(p->in_stage.map, input, sizeof(float) * p->in_numel * (size_t)batch);
    if (submit_wait(p, p->cb[batch], p->timeout_s, "inference", err)) return ZOO_ERR_RUNTIME;
    memcpy(output, p->out_stage.map, sizeof(float) * p->out_numel * (size_t)batch);
    if (p->qpool && !first) {
        size_t n = (size_t)p->h.n_steps + 1;
        uint64_t *ts = malloc(sizeof(uint64_t) * n);
        if (ts && p->c->fn.vkGetQueryPoolResults(p->c->dev, p->qpool, 0, (uint32_t)n,
                                                  sizeof(uint64_t) * n, ts, sizeof(uint64_t),
                                                  VK_QUERY_RESULT_64_BIT) == VK_SUCCESS) {
            for (int s = 0; s < p->h.n_steps; s++)
                p->prof_ms[s] += (double)(ts[s + 1] - ts[s]) * p->c->info.timestamp_period / 1e6;
            p->prof_runs++;
        }
        free(ts);
    }
    if (p->c->validation_errors)
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: the validation layer reported %d error(s) for '%s'",
                             p->c->validation_errors, model_of(p));
    return 0;
}

static size_t vk_activation_bytes(const void *pp) {
    const vk_plan *p = pp;
    return p ? p->h.arena_elems * p->esz : 0;
}

void zoo_vulkan_plan_get_info(const void *pp, zoo_vulkan_plan_info *o) {
    const vk_plan *p = pp;
    memset(o, 0, sizeof *o);
    if (!p) return;
    o->device = p->c->info.name;
    o->fp16 = p->fp16;
    o->steps = p->h.n_steps;
    o->pipelines = p->pipes.n;
    o->pipelines_created = p->pipes.created;
    o->pipeline_ms = p->pipes.create_ms;
    o->cache_hit = p->pipes.loaded_bytes > 0 && !p->pipes.miss_why;
    o->cache_miss_why = p->pipes.miss_why;
    o->arena_bytes = p->h.arena_elems * p->esz;
    o->weight_bytes = p->weight_bytes;
    o->device_bytes = zvk_pool_reserved(&p->dev);
    o->host_bytes = zvk_pool_reserved(&p->host);
    o->barriers_batch1 = p->barriers1;
    o->validation_errors = p->c->validation_errors;
}

bool zoo_vulkan_gpu_available(int device, char *desc, size_t size) {
    return zvk_probe_gpu(device, desc, size);
}

const zoo_backend_impl zoo_backend_vulkan = {
    .name = "vulkan",
    .prepare = vk_prepare,
    .run = vk_run,
    .activation_bytes = vk_activation_bytes,
    .release = vk_release,
};
