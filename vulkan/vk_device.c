/* vulkan/vk_device.c - instance creation (optionally with the Khronos
 * validation layer), physical device listing and ranking, logical device
 * with one compute queue (see vk_device.h). */
#include "vulkan/vk_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VALIDATION_LAYER "VK_LAYER_KHRONOS_validation"

const char *zvk_type_name(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return "discrete GPU";
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return "integrated GPU";
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return "virtual GPU";
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return "CPU";
    default: return "other";
    }
}

bool zvk_is_gpu(VkPhysicalDeviceType t) {
    return t == VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU || t == VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU ||
           t == VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU;
}

static int type_rank(VkPhysicalDeviceType t) {
    switch (t) {
    case VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU: return 4;
    case VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU: return 3;
    case VK_PHYSICAL_DEVICE_TYPE_VIRTUAL_GPU: return 2;
    case VK_PHYSICAL_DEVICE_TYPE_CPU: return 1;
    default: return 0;
    }
}

static bool validation_wanted(void) {
    const char *v = getenv("ZOO_VK_VALIDATE");
    return v && *v && strcmp(v, "0") != 0;
}

static VKAPI_ATTR VkBool32 VKAPI_CALL debug_cb(VkDebugUtilsMessageSeverityFlagBitsEXT sev,
                                               VkDebugUtilsMessageTypeFlagsEXT types,
                                               const VkDebugUtilsMessengerCallbackDataEXT *data,
                                               void *user) {
    (void)types;
    zvk_ctx *c = user;
    if (c) {
        c->validation_messages++;
        if (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) c->validation_errors++;
    }
    fprintf(stderr, "zoo: vulkan validation: %s: %s\n",
            (sev & VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT) ? "error" : "warning",
            data && data->pMessage ? data->pMessage : "?");
    return VK_FALSE;
}

static bool has_layer(zvk_fn *f, const char *name) {
    uint32_t n = 0;
    if (f->vkEnumerateInstanceLayerProperties(&n, NULL) != VK_SUCCESS || !n) return false;
    VkLayerProperties *p = calloc(n, sizeof *p);
    bool found = false;
    if (p && f->vkEnumerateInstanceLayerProperties(&n, p) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++) found = !strcmp(p[i].layerName, name);
    free(p);
    return found;
}

static bool has_instance_ext(zvk_fn *f, const char *layer, const char *name) {
    uint32_t n = 0;
    if (f->vkEnumerateInstanceExtensionProperties(layer, &n, NULL) != VK_SUCCESS || !n) return false;
    VkExtensionProperties *p = calloc(n, sizeof *p);
    bool found = false;
    if (p && f->vkEnumerateInstanceExtensionProperties(layer, &n, p) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++) found = !strcmp(p[i].extensionName, name);
    free(p);
    return found;
}

/* Loader + instance (Vulkan 1.1); validation when asked. `c` (may be NULL)
 * receives the validation counters. */
static int open_instance(zvk_fn *f, VkInstance *inst, VkDebugUtilsMessengerEXT *msgr, zvk_ctx *c,
                         bool validate, zoo_error *err) {
    *inst = VK_NULL_HANDLE;
    if (msgr) *msgr = VK_NULL_HANDLE;
    if (zvk_loader_open(f, err)) return ZOO_ERR_RUNTIME;
    PFN_vkEnumerateInstanceVersion ev =
        (PFN_vkEnumerateInstanceVersion)f->vkGetInstanceProcAddr(VK_NULL_HANDLE,
                                                                 "vkEnumerateInstanceVersion");
    uint32_t iv = VK_API_VERSION_1_0;
    if (ev) ev(&iv);
    if (iv < VK_API_VERSION_1_1) {
        zvk_loader_close(f);
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: the Vulkan loader is version %u.%u; zoo needs 1.1",
                             VK_API_VERSION_MAJOR(iv), VK_API_VERSION_MINOR(iv));
    }
    const char *layers[1], *exts[2];
    uint32_t nl = 0, ne = 0;
    VkValidationFeatureEnableEXT enables[] = {VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT};
    VkValidationFeaturesEXT vf = {.sType = VK_STRUCTURE_TYPE_VALIDATION_FEATURES_EXT,
                                  .enabledValidationFeatureCount = 1,
                                  .pEnabledValidationFeatures = enables};
    bool use_vf = false, use_du = false;
    if (validate) {
        if (!has_layer(f, VALIDATION_LAYER)) {
            zvk_loader_close(f);
            return zoo_error_set(err, ZOO_ERR_RUNTIME,
                                 "vulkan: ZOO_VK_VALIDATE is set but %s is not installed "
                                 "(package vulkan-validationlayers)",
                                 VALIDATION_LAYER);
        }
        layers[nl++] = VALIDATION_LAYER;
        if (has_instance_ext(f, NULL, VK_EXT_DEBUG_UTILS_EXTENSION_NAME) ||
            has_instance_ext(f, VALIDATION_LAYER, VK_EXT_DEBUG_UTILS_EXTENSION_NAME)) {
            exts[ne++] = VK_EXT_DEBUG_UTILS_EXTENSION_NAME;
            use_du = true;
        }
        if (has_instance_ext(f, VALIDATION_LAYER, VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME)) {
            exts[ne++] = VK_EXT_VALIDATION_FEATURES_EXTENSION_NAME;
            use_vf = true;
        }
    }
    VkApplicationInfo app = {.sType = VK_STRUCTURE_TYPE_APPLICATION_INFO,
                             .pApplicationName = "zoo",
                             .pEngineName = "zoo",
                             .apiVersion = VK_API_VERSION_1_1};
    VkInstanceCreateInfo ci = {.sType = VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO,
                               .pNext = use_vf ? &vf : NULL,
                               .pApplicationInfo = &app,
                               .enabledLayerCount = nl,
                               .ppEnabledLayerNames = layers,
                               .enabledExtensionCount = ne,
                               .ppEnabledExtensionNames = exts};
    VkResult r = f->vkCreateInstance(&ci, NULL, inst);
    if (r != VK_SUCCESS) {
        *inst = VK_NULL_HANDLE;
        zvk_loader_close(f);
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkCreateInstance failed (%s)",
                             zvk_result_name(r));
    }
    if (zvk_loader_instance(f, *inst, err)) {
        PFN_vkDestroyInstance di =
            (PFN_vkDestroyInstance)f->vkGetInstanceProcAddr(*inst, "vkDestroyInstance");
        if (di) di(*inst, NULL);
        *inst = VK_NULL_HANDLE;
        zvk_loader_close(f);
        return ZOO_ERR_RUNTIME;
    }
    if (use_du && msgr && f->vkCreateDebugUtilsMessengerEXT) {
        VkDebugUtilsMessengerCreateInfoEXT mi = {
            .sType = VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT,
            .messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT |
                               VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT,
            .messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                           VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT,
            .pfnUserCallback = debug_cb,
            .pUserData = c};
        if (f->vkCreateDebugUtilsMessengerEXT(*inst, &mi, NULL, msgr) != VK_SUCCESS)
            *msgr = VK_NULL_HANDLE;
    }
    return 0;
}

static void close_instance(zvk_fn *f, VkInstance inst, VkDebugUtilsMessengerEXT msgr) {
    if (inst) {
        if (msgr && f->vkDestroyDebugUtilsMessengerEXT)
            f->vkDestroyDebugUtilsMessengerEXT(inst, msgr, NULL);
        f->vkDestroyInstance(inst, NULL);
    }
    zvk_loader_close(f);
}

static bool has_device_ext(zvk_fn *f, VkPhysicalDevice pd, const char *name) {
    uint32_t n = 0;
    if (f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, NULL) != VK_SUCCESS || !n) return false;
    VkExtensionProperties *p = calloc(n, sizeof *p);
    bool found = false;
    if (p && f->vkEnumerateDeviceExtensionProperties(pd, NULL, &n, p) == VK_SUCCESS)
        for (uint32_t i = 0; i < n && !found; i++) found = !strcmp(p[i].extensionName, name);
    free(p);
    return found;
}

/* compute queue family (preferring one without graphics), or -1 */
static int compute_family(zvk_fn *f, VkPhysicalDevice pd) {
    uint32_t n = 0;
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, NULL);
    VkQueueFamilyProperties *q = calloc(n ? n : 1, sizeof *q);
    if (!q) return -1;
    f->vkGetPhysicalDeviceQueueFamilyProperties(pd, &n, q);
    int best = -1;
    for (uint32_t i = 0; i < n; i++) {
        if (!(q[i].queueFlags & VK_QUEUE_COMPUTE_BIT) || !q[i].queueCount) continue;
        if (best < 0 || !(q[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) {
            if (best < 0 || (q[best].queueFlags & VK_QUEUE_GRAPHICS_BIT)) best = (int)i;
        }
    }
    free(q);
    return best;
}

static void describe(zvk_fn *f, VkPhysicalDevice pd, int index, zvk_device_info *d) {
    memset(d, 0, sizeof *d);
    d->index = index;
    VkPhysicalDeviceProperties p;
    f->vkGetPhysicalDeviceProperties(pd, &p);
    snprintf(d->name, sizeof d->name, "%s", p.deviceName);
    d->type = p.deviceType;
    d->vendor_id = p.vendorID;
    d->device_id = p.deviceID;
    d->driver_version = p.driverVersion;
    d->api_version = p.apiVersion;
    memcpy(d->cache_uuid, p.pipelineCacheUUID, VK_UUID_SIZE);
    for (int k = 0; k < 3; k++) d->max_wg_count[k] = p.limits.maxComputeWorkGroupCount[k];
    d->max_wg_invocations = p.limits.maxComputeWorkGroupInvocations;
    d->max_shared_bytes = p.limits.maxComputeSharedMemorySize;
    d->max_storage_range = p.limits.maxStorageBufferRange;
    d->min_storage_align = p.limits.minStorageBufferOffsetAlignment;
    d->timestamp_period = p.limits.timestampPeriod;
    d->timestamps = p.limits.timestampComputeAndGraphics;
    VkPhysicalDeviceMemoryProperties mp;
    f->vkGetPhysicalDeviceMemoryProperties(pd, &mp);
    d->n_heaps = mp.memoryHeapCount;
    for (uint32_t h = 0; h < mp.memoryHeapCount && h < VK_MAX_MEMORY_HEAPS; h++) {
        d->heap_size[h] = mp.memoryHeaps[h].size;
        d->heap_device_local[h] = (mp.memoryHeaps[h].flags & VK_MEMORY_HEAP_DEVICE_LOCAL_BIT) != 0;
    }
    if (p.apiVersion < VK_API_VERSION_1_1) return; /* not usable: no 1.1 queries either */
    bool v12 = p.apiVersion >= VK_API_VERSION_1_2;
    bool has_drv = v12 || has_device_ext(f, pd, VK_KHR_DRIVER_PROPERTIES_EXTENSION_NAME);
    bool has_f16 = v12 || has_device_ext(f, pd, VK_KHR_SHADER_FLOAT16_INT8_EXTENSION_NAME);
    VkPhysicalDeviceDriverProperties drv = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_DRIVER_PROPERTIES};
    VkPhysicalDeviceMaintenance3Properties m3 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_MAINTENANCE_3_PROPERTIES,
        .pNext = has_drv ? &drv : NULL};
    VkPhysicalDeviceSubgroupProperties sg = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SUBGROUP_PROPERTIES,
                                             .pNext = &m3};
    VkPhysicalDeviceProperties2 p2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_PROPERTIES_2,
                                      .pNext = &sg};
    f->vkGetPhysicalDeviceProperties2(pd, &p2);
    d->subgroup_size = sg.subgroupSize;
    d->subgroup_arith = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                        (sg.supportedOperations & VK_SUBGROUP_FEATURE_ARITHMETIC_BIT);
    d->subgroup_ballot = (sg.supportedStages & VK_SHADER_STAGE_COMPUTE_BIT) &&
                         (sg.supportedOperations & VK_SUBGROUP_FEATURE_BALLOT_BIT);
    d->max_alloc_size = m3.maxMemoryAllocationSize;
    if (has_drv) {
        d->driver_id = drv.driverID;
        snprintf(d->driver_name, sizeof d->driver_name, "%s", drv.driverName);
        snprintf(d->driver_info, sizeof d->driver_info, "%s", drv.driverInfo);
    }
    VkPhysicalDeviceShaderFloat16Int8Features f16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_SHADER_FLOAT16_INT8_FEATURES};
    VkPhysicalDevice16BitStorageFeatures s16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .pNext = has_f16 ? &f16 : NULL};
    VkPhysicalDeviceFeatures2 f2 = {.sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2, .pNext = &s16};
    f->vkGetPhysicalDeviceFeatures2(pd, &f2);
    d->storage16 = s16.storageBuffer16BitAccess;
    d->float16 = has_f16 && f16.shaderFloat16;
    d->usable = compute_family(f, pd) >= 0;
}

static int physical_devices(zvk_fn *f, VkInstance inst, VkPhysicalDevice **pds, uint32_t *n,
                            zoo_error *err) {
    *pds = NULL;
    *n = 0;
    VkResult r = f->vkEnumeratePhysicalDevices(inst, n, NULL);
    if (r != VK_SUCCESS)
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkEnumeratePhysicalDevices failed (%s)",
                             zvk_result_name(r));
    if (!*n) return 0;
    *pds = calloc(*n, sizeof **pds);
    if (!*pds) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
    r = f->vkEnumeratePhysicalDevices(inst, n, *pds);
    if (r != VK_SUCCESS && r != VK_INCOMPLETE) {
        free(*pds);
        *pds = NULL;
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkEnumeratePhysicalDevices failed (%s)",
                             zvk_result_name(r));
    }
    return 0;
}

static int describe_all(zvk_fn *f, VkInstance inst, VkPhysicalDevice **pds,
                        zvk_device_info **out, int *n, zoo_error *err) {
    uint32_t np = 0;
    *out = NULL;
    *n = 0;
    if (physical_devices(f, inst, pds, &np, err)) return ZOO_ERR_RUNTIME;
    if (!np) return 0;
    *out = calloc(np, sizeof **out);
    if (!*out) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: out of memory");
    for (uint32_t i = 0; i < np; i++) describe(f, (*pds)[i], (int)i, &(*out)[i]);
    *n = (int)np;
    return 0;
}

int zvk_list_devices(zvk_device_info **out, int *n, zoo_error *err) {
    zvk_fn f;
    VkInstance inst;
    *out = NULL;
    *n = 0;
    if (open_instance(&f, &inst, NULL, NULL, false, err)) return ZOO_ERR_RUNTIME;
    VkPhysicalDevice *pds = NULL;
    int rc = describe_all(&f, inst, &pds, out, n, err);
    free(pds);
    close_instance(&f, inst, VK_NULL_HANDLE);
    return rc;
}

int zvk_pick(const zvk_device_info *list, int n, int requested, zoo_error *err) {
    const char *src = "device";
    if (requested < 0) {
        const char *env = getenv("ZOO_DEVICE");
        if (env && *env) {
            char *end;
            long v = strtol(env, &end, 10);
            if (*end || v < 0 || v > 1000)
                return zoo_error_set(err, ZOO_ERR_INPUT,
                                     "vulkan: ZOO_DEVICE='%s' is not a device index (see 'zoo devices')",
                                     env),
                       -1;
            requested = (int)v;
            src = "ZOO_DEVICE";
        }
    }
    if (!n) {
        zoo_error_set(err, ZOO_ERR_RUNTIME,
                      "vulkan: no Vulkan device found (install a GPU driver, or mesa-vulkan-drivers "
                      "for the lavapipe CPU device)");
        return -1;
    }
    if (requested >= 0) {
        if (requested >= n) {
            zoo_error_set(err, ZOO_ERR_INPUT, "vulkan: %s %d does not exist (%d device%s: 0..%d)", src,
                          requested, n, n == 1 ? "" : "s", n - 1);
            return -1;
        }
        if (!list[requested].usable) {
            zoo_error_set(err, ZOO_ERR_INPUT,
                          "vulkan: %s %d (%s) cannot be used (needs Vulkan 1.1 and a compute queue)",
                          src, requested, list[requested].name);
            return -1;
        }
        return requested;
    }
    int best = -1;
    for (int i = 0; i < n; i++)
        if (list[i].usable && (best < 0 || type_rank(list[i].type) > type_rank(list[best].type)))
            best = i;
    if (best < 0)
        zoo_error_set(err, ZOO_ERR_RUNTIME,
                      "vulkan: none of the %d Vulkan device%s supports Vulkan 1.1 compute", n,
                      n == 1 ? "" : "s");
    return best;
}

bool zvk_probe_gpu(int requested, char *desc, size_t size) {
    zoo_error e = {0};
    zvk_device_info *list = NULL;
    int n = 0;
    bool gpu = false;
    if (zvk_list_devices(&list, &n, &e)) {
        snprintf(desc, size, "%s", e.msg);
        return false;
    }
    int k = zvk_pick(list, n, requested, &e);
    if (k < 0) {
        snprintf(desc, size, "%s", e.msg);
    } else {
        gpu = zvk_is_gpu(list[k].type);
        if (gpu)
            snprintf(desc, size, "Vulkan device %d: %s, %s", k, list[k].name,
                     zvk_type_name(list[k].type));
        else
            snprintf(desc, size, "no Vulkan GPU; device %d, %s, is a %s device", k, list[k].name,
                     zvk_type_name(list[k].type));
    }
    free(list);
    return gpu;
}

int zvk_memory_type(const zvk_ctx *c, uint32_t type_bits, VkMemoryPropertyFlags need,
                    VkMemoryPropertyFlags want) {
    int found = -1;
    for (uint32_t i = 0; i < c->mem.memoryTypeCount; i++) {
        VkMemoryPropertyFlags fl = c->mem.memoryTypes[i].propertyFlags;
        if (!(type_bits & (1u << i)) || (fl & need) != need) continue;
        if ((fl & want) == want) return (int)i;
        if (found < 0) found = (int)i;
    }
    return found;
}

int zvk_ctx_open(zvk_ctx *c, int requested, bool want_fp16, zoo_error *err) {
    memset(c, 0, sizeof *c);
    if (open_instance(&c->fn, &c->inst, &c->messenger, c, validation_wanted(), err))
        return ZOO_ERR_RUNTIME;
    zvk_fn *f = &c->fn;
    VkPhysicalDevice *pds = NULL;
    zvk_device_info *list = NULL;
    int n = 0;
    int rc = describe_all(f, c->inst, &pds, &list, &n, err);
    int k = rc ? -1 : zvk_pick(list, n, requested, err);
    if (k < 0) {
        rc = err && err->code ? err->code : ZOO_ERR_RUNTIME;
        goto fail;
    }
    c->phys = pds[k];
    c->info = list[k];
    /* test knob: pretend the device binds at most this many bytes per descriptor,
     * so the image-chunk path runs on small tensors */
    const char *mr = getenv("ZOO_VK_MAX_RANGE");
    if (mr && *mr) {
        long long v = atoll(mr);
        if (v >= 256 && (unsigned long long)v < c->info.max_storage_range)
            c->info.max_storage_range = (uint32_t)v;
    }
    f->vkGetPhysicalDeviceMemoryProperties(c->phys, &c->mem);
    c->qfam = (uint32_t)compute_family(f, c->phys);
    float prio = 1.0f;
    VkDeviceQueueCreateInfo qi = {.sType = VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO,
                                  .queueFamilyIndex = c->qfam,
                                  .queueCount = 1,
                                  .pQueuePriorities = &prio};
    c->fp16 = want_fp16 && c->info.storage16;
    VkPhysicalDevice16BitStorageFeatures s16 = {
        .sType = VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_16BIT_STORAGE_FEATURES,
        .storageBuffer16BitAccess = c->fp16 ? VK_TRUE : VK_FALSE};
    VkDeviceCreateInfo di = {.sType = VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO,
                             .pNext = &s16,
                             .queueCreateInfoCount = 1,
                             .pQueueCreateInfos = &qi};
    VkResult r = f->vkCreateDevice(c->phys, &di, NULL, &c->dev);
    if (r != VK_SUCCESS) {
        c->dev = VK_NULL_HANDLE;
        rc = zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: vkCreateDevice on %s failed (%s)",
                           c->info.name, zvk_result_name(r));
        goto fail;
    }
    if (zvk_loader_device(f, c->dev, err)) {
        rc = ZOO_ERR_RUNTIME;
        goto fail;
    }
    f->vkGetDeviceQueue(c->dev, c->qfam, 0, &c->queue);
    free(pds);
    free(list);
    return 0;
fail:
    free(pds);
    free(list);
    zvk_ctx_close(c);
    return rc ? rc : ZOO_ERR_RUNTIME;
}

void zvk_ctx_close(zvk_ctx *c) {
    if (!c) return;
    if (c->dev && c->fn.vkDestroyDevice) c->fn.vkDestroyDevice(c->dev, NULL);
    else if (c->dev && c->fn.vkGetDeviceProcAddr) {
        PFN_vkDestroyDevice dd = (PFN_vkDestroyDevice)c->fn.vkGetDeviceProcAddr(c->dev, "vkDestroyDevice");
        if (dd) dd(c->dev, NULL);
    }
    c->dev = VK_NULL_HANDLE;
    if (c->inst || c->fn.lib) close_instance(&c->fn, c->inst, c->messenger);
    c->inst = VK_NULL_HANDLE;
    c->messenger = VK_NULL_HANDLE;
}
