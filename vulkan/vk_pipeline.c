/* vulkan/vk_pipeline.c - shader modules, pipeline dedup and the validated
 * on-disk pipeline cache (see vk_pipeline.h). */
#include "vulkan/vk_pipeline.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "vulkan/vk_spirv.h"

#define CACHE_MAGIC "ZOOVKPC1"
#define CACHE_FORMAT 1u
#define HEADER_BYTES 64
#define CACHE_MAX_BYTES (256u << 20) /* a larger file is not read */

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t fnv1a(const unsigned char *p, size_t n) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint32_t get32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = v << 8 | p[i];
    return v;
}
static uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

static void make_header(const zvk_ctx *c, const unsigned char *data, size_t n,
                        unsigned char h[HEADER_BYTES]) {
    memset(h, 0, HEADER_BYTES);
    memcpy(h, CACHE_MAGIC, 8);
    put32(h + 8, CACHE_FORMAT);
    put32(h + 12, c->info.vendor_id);
    put32(h + 16, c->info.device_id);
    put32(h + 20, c->info.driver_version);
    memcpy(h + 24, c->info.cache_uuid, 16);
    snprintf((char *)h + 40, 8, "%s", zoo_version());
    put64(h + 48, (uint64_t)n);
    put64(h + 56, fnv1a(data, n));
}

const char *zvk_cache_check(const zvk_ctx *c, const unsigned char *file, size_t n,
                            const unsigned char **data, size_t *size) {
    *data = NULL;
    *size = 0;
    if (n < HEADER_BYTES) return "shorter than its header";
    if (memcmp(file, CACHE_MAGIC, 8) != 0) return "not a zoo pipeline cache (bad magic)";
    if (get32(file + 8) != CACHE_FORMAT) return "other cache format version";
    if (get32(file + 12) != c->info.vendor_id || get32(file + 16) != c->info.device_id)
        return "written for another device";
    if (get32(file + 20) != c->info.driver_version) return "written by another driver version";
    if (memcmp(file + 24, c->info.cache_uuid, 16) != 0) return "other pipelineCacheUUID";
    char ver[8] = {0};
    snprintf(ver, sizeof ver, "%s", zoo_version());
    if (memcmp(file + 40, ver, 8) != 0) return "written by another zoo version";
    uint64_t len = get64(file + 48);
    if (len != n - HEADER_BYTES) return "data size does not match the file size";
    if (get64(file + 56) != fnv1a(file + HEADER_BYTES, (size_t)len)) return "data hash mismatch";
    *data = file + HEADER_BYTES;
    *size = (size_t)len;
    return NULL;
}

static int cache_dir(char *buf, size_t size) {
    const char *zh = getenv("ZOO_HOME"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    int k;
    if (zh && *zh) k = snprintf(buf, size, "%s", zh);
    else if (xdg && *xdg) k = snprintf(buf, size, "%s/zoo", xdg);
    else if (home && *home) k = snprintf(buf, size, "%s/.cache/zoo", home);
    else return -1;
    return k < 0 || (size_t)k >= size ? -1 : 0;
}

int zvk_cache_path(const zvk_ctx *c, char *buf, size_t size) {
    char dir[3072];
    buf[0] = '\0';
    const char *off = getenv("ZOO_VK_PIPELINE_CACHE");
    if ((off && !strcmp(off, "0")) || cache_dir(dir, sizeof dir)) return -1;
    int k = snprintf(buf, size, "%s/vulkan/pipeline-%04x-%04x.bin", dir, c->info.vendor_id,
                     c->info.device_id);
    if (k < 0 || (size_t)k >= size) {
        buf[0] = '\0';
        return -1;
    }
    return 0;
}

/* mkdir -p of the directory part of `path` */
static int mkdir_parents(const char *path) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s", path);
    char *slash = strrchr(tmp, '/');
    if (!slash) return 0;
    *slash = '\0';
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(tmp, 0755) != 0 && errno != EEXIST) return -1;
        *p = '/';
    }
    return mkdir(tmp, 0755) != 0 && errno != EEXIST ? -1 : 0;
}

/* the whole file, or NULL (missing, unreadable, too large) */
static unsigned char *read_file(const char *path, size_t *n) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    unsigned char *buf = NULL;
    long len = -1;
    if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
    if (len >= 0 && (unsigned long)len <= CACHE_MAX_BYTES && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(len ? (size_t)len : 1);
        if (buf && fread(buf, 1, (size_t)len, f) != (size_t)len) {
            free(buf);
            buf = NULL;
        }
    }
    fclose(f);
    if (buf) *n = (size_t)len;
    return buf;
}

int zvk_pipes_init(zvk_pipes *p, zvk_ctx *c, VkPipelineLayout layout, bool fp16, zoo_error *err) {
    memset(p, 0, sizeof *p);
    p->c = c;
    p->fp16 = fp16;
    p->layout = layout;
    p->miss_why = "no cache file";
    const unsigned char *data = NULL;
    size_t size = 0;
    unsigned char *file = NULL;
    if (zvk_cache_path(c, p->path, sizeof p->path) == 0) {
        size_t n = 0;
        file = read_file(p->path, &n);
        if (file) {
            const char *why = zvk_cache_check(c, file, n, &data, &size);
            if (why) p->miss_why = why;
        }
    } else {
        p->miss_why = "pipeline cache disabled or no cache directory";
    }
    VkPipelineCacheCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO,
                                    .initialDataSize = size,
                                    .pInitialData = data};
    VkResult r = c->fn.vkCreatePipelineCache(c->dev, &ci, NULL, &p->cache);
    if (r != VK_SUCCESS && data) { /* the driver refused the data: start empty */
        ci.initialDataSize = 0;
        ci.pInitialData = NULL;
        data = NULL;
        p->miss_why = "the driver refused the cache data";
        r = c->fn.vkCreatePipelineCache(c->dev, &ci, NULL, &p->cache);
    }
    free(file);
    if (r != VK_SUCCESS) {
        p->cache = VK_NULL_HANDLE;
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkCreatePipelineCache failed (%s)",
                             zvk_result_name(r));
    }
    if (data) {
        p->loaded_bytes = size;
        p->miss_why = NULL;
    }
    return 0;
}

static const zvk_spirv *find_spirv(const char *name) {
    for (int i = 0; i < zvk_spirv_count; i++)
        if (!strcmp(zvk_spirv_table[i].name, name)) return &zvk_spirv_table[i];
    return NULL;
}

static int module(zvk_pipes *p, zvk_kernel k, zoo_error *err) {
    if (p->mod[k]) return 0;
    const zvk_spirv *s = find_spirv(zvk_kernel_name(k));
    if (!s)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: shader %s is not built into this libzoo",
                             zvk_kernel_name(k));
    VkShaderModuleCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO,
                                   .codeSize = (p->fp16 ? s->fp16_words : s->fp32_words) * 4,
                                   .pCode = p->fp16 ? s->fp16 : s->fp32};
    VkResult r = p->c->fn.vkCreateShaderModule(p->c->dev, &ci, NULL, &p->mod[k]);
    if (r != VK_SUCCESS) {
        p->mod[k] = VK_NULL_HANDLE;
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: shader %s: vkCreateShaderModule failed (%s)",
                             s->name, zvk_result_name(r));
    }
    return 0;
}

int zvk_pipes_get(zvk_pipes *p, zvk_kernel k, const int32_t *spec, int n_spec, VkPipeline *out,
                  zoo_error *err) {
    uint64_t h = fnv1a((const unsigned char *)spec, sizeof(int32_t) * (size_t)n_spec) ^
                 ((uint64_t)k * 0x9E3779B97F4A7C15ull);
    for (int i = 0; i < p->n; i++) {
        const zvk_pipe_entry *e = &p->e[i];
        if (e->hash == h && e->kernel == (int)k && e->n_spec == n_spec &&
            !memcmp(e->spec, spec, sizeof(int32_t) * (size_t)n_spec)) {
            *out = e->pipe;
            return 0;
        }
    }
    if (module(p, k, err)) return ZOO_ERR_RUNTIME;
    if (p->n == p->cap) {
        int cap = p->cap ? p->cap * 2 : 32;
        zvk_pipe_entry *ne = realloc(p->e, sizeof *ne * (size_t)cap);
        if (!ne) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
        p->e = ne;
        p->cap = cap;
    }
    VkSpecializationMapEntry map[ZVK_MAX_SPEC];
    for (int i = 0; i < n_spec; i++)
        map[i] = (VkSpecializationMapEntry){.constantID = (uint32_t)i,
                                            .offset = (uint32_t)(4 * i),
                                            .size = 4};
    VkSpecializationInfo si = {.mapEntryCount = (uint32_t)n_spec,
                               .pMapEntries = map,
                               .dataSize = 4 * (size_t)n_spec,
                               .pData = spec};
    VkComputePipelineCreateInfo ci = {
        .sType = VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO,
        .stage = {.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO,
                  .stage = VK_SHADER_STAGE_COMPUTE_BIT,
                  .module = p->mod[k],
                  .pName = "main",
                  .pSpecializationInfo = &si},
        .layout = p->layout};
    zvk_pipe_entry *e = &p->e[p->n];
    double t0 = now_ms();
    VkResult r = p->c->fn.vkCreateComputePipelines(p->c->dev, p->cache, 1, &ci, NULL, &e->pipe);
    p->create_ms += now_ms() - t0;
    if (r != VK_SUCCESS)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: pipeline for %s: vkCreateComputePipelines failed (%s)",
                             zvk_kernel_name(k), zvk_result_name(r));
    e->kernel = (int)k;
    e->n_spec = n_spec;
    memcpy(e->spec, spec, sizeof(int32_t) * (size_t)n_spec);
    e->hash = h;
    p->n++;
    p->created++;
    *out = e->pipe;
    return 0;
}

void zvk_pipes_save(zvk_pipes *p) {
    if (!p->cache || !p->path[0]) return;
    size_t n = 0;
    if (p->c->fn.vkGetPipelineCacheData(p->c->dev, p->cache, &n, NULL) != VK_SUCCESS || !n) return;
    if (n == p->loaded_bytes) return; /* nothing new */
    unsigned char *buf = malloc(HEADER_BYTES + n);
    if (!buf) return;
    VkResult r = p->c->fn.vkGetPipelineCacheData(p->c->dev, p->cache, &n, buf + HEADER_BYTES);
    if (r == VK_SUCCESS) {
        make_header(p->c, buf + HEADER_BYTES, n, buf);
        char tmp[4200];
        snprintf(tmp, sizeof tmp, "%s.XXXXXX", p->path);
        int fd = -1;
        if (mkdir_parents(p->path) == 0) fd = mkstemp(tmp);
        if (fd >= 0) {
            size_t total = HEADER_BYTES + n, done = 0;
            while (done < total) {
                ssize_t w = write(fd, buf + done, total - done);
                if (w <= 0) break;
                done += (size_t)w;
            }
            bool ok = done == total && fsync(fd) == 0;
            if (close(fd) != 0) ok = false;
            if (ok) ok = rename(tmp, p->path) == 0;
            if (!ok) unlink(tmp);
            else p->loaded_bytes = n;
        }
    }
    free(buf);
}

void zvk_pipes_destroy(zvk_pipes *p) {
    if (!p || !p->c || !p->c->dev) return;
    for (int i = 0; i < p->n; i++) p->c->fn.vkDestroyPipeline(p->c->dev, p->e[i].pipe, NULL);
    for (int k = 0; k < ZVK_KERNEL__COUNT; k++)
        if (p->mod[k]) p->c->fn.vkDestroyShaderModule(p->c->dev, p->mod[k], NULL);
    if (p->cache) p->c->fn.vkDestroyPipelineCache(p->c->dev, p->cache, NULL);
    free(p->e);
    memset(p, 0, sizeof *p);
}
