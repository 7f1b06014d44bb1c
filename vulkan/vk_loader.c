/* vulkan/vk_loader.c - dlopen()s the Vulkan loader and fills a zvk_fn table
 * (see vk_loader.h). Nothing here is global: every table belongs to one
 * zvk_ctx and is closed with it. */
#include "vulkan/vk_loader.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

int zvk_loader_open(zvk_fn *f, zoo_error *err) {
    memset(f, 0, sizeof *f);
    const char *env = getenv("ZOO_VULKAN_LIBRARY");
    const char *names[] = {env && *env ? env : "libvulkan.so.1", "libvulkan.so", NULL};
    const char *why = NULL;
    for (int i = 0; names[i] && !f->lib; i++) {
        f->lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!f->lib && !why) why = dlerror();
        if (env && *env) break; /* an explicit library is not replaced by the default */
    }
    if (!f->lib)
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: no Vulkan loader (%s); install libvulkan1 and a driver",
                             why ? why : "dlopen failed");
    /* dlsym returns void *; the POSIX way to turn it into a function pointer */
    void *sym = dlsym(f->lib, "vkGetInstanceProcAddr");
    memcpy(&f->vkGetInstanceProcAddr, &sym, sizeof sym);
    if (!f->vkGetInstanceProcAddr) {
        dlclose(f->lib);
        f->lib = NULL;
        return zoo_error_set(err, ZOO_ERR_RUNTIME,
                             "vulkan: the Vulkan loader lacks vkGetInstanceProcAddr");
    }
#define ZVK_LOAD_GLOBAL(name)                                                                      \
    f->name = (PFN_##name)f->vkGetInstanceProcAddr(VK_NULL_HANDLE, #name);                        \
    if (!f->name) {                                                                                \
        zvk_loader_close(f);                                                                       \
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: loader lacks %s", #name);             \
    }
    ZVK_GLOBAL_FUNCS(ZVK_LOAD_GLOBAL)
#undef ZVK_LOAD_GLOBAL
    return 0;
}

int zvk_loader_instance(zvk_fn *f, VkInstance inst, zoo_error *err) {
#define ZVK_LOAD_INST(name)                                                                        \
    f->name = (PFN_##name)f->vkGetInstanceProcAddr(inst, #name);                                  \
    if (!f->name)                                                                                  \
        return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: instance lacks %s (Vulkan 1.1 needed)", \
                             #name);
    ZVK_INSTANCE_FUNCS(ZVK_LOAD_INST)
#undef ZVK_LOAD_INST
    f->vkCreateDebugUtilsMessengerEXT = (PFN_vkCreateDebugUtilsMessengerEXT)f->vkGetInstanceProcAddr(
        inst, "vkCreateDebugUtilsMessengerEXT");
    f->vkDestroyDebugUtilsMessengerEXT =
        (PFN_vkDestroyDebugUtilsMessengerEXT)f->vkGetInstanceProcAddr(
            inst, "vkDestroyDebugUtilsMessengerEXT");
    return 0;
}

int zvk_loader_device(zvk_fn *f, VkDevice dev, zoo_error *err) {
#define ZVK_LOAD_DEV(name)                                                                         \
    f->name = (PFN_##name)f->vkGetDeviceProcAddr(dev, #name);                                     \
    if (!f->name) return zoo_error_set(err, ZOO_ERR_RUNTIME, "vulkan: device lacks %s", #name);
    ZVK_DEVICE_FUNCS(ZVK_LOAD_DEV)
#undef ZVK_LOAD_DEV
    return 0;
}

void zvk_loader_close(zvk_fn *f) {
    if (f->lib) dlclose(f->lib);
    memset(f, 0, sizeof *f);
}

const char *zvk_result_name(VkResult r) {
    switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_FORMAT_NOT_SUPPORTED: return "VK_ERROR_FORMAT_NOT_SUPPORTED";
    case VK_ERROR_FRAGMENTED_POOL: return "VK_ERROR_FRAGMENTED_POOL";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VkResult error";
    }
}
