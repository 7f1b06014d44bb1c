/* vulkan/vk_loader.h - the Vulkan entry points zoo uses, loaded at run time.
 *
 * libzoo does not link against libvulkan: zvk_loader_open() dlopen()s the
 * loader (libvulkan.so.1, or $ZOO_VULKAN_LIBRARY) and resolves every function
 * below through vkGetInstanceProcAddr / vkGetDeviceProcAddr into a zvk_fn
 * table owned by the caller. A machine without Vulkan therefore runs zoo on
 * the CPU and only `--backend vulkan` reports "no Vulkan loader". */
#ifndef ZOO_VULKAN_VK_LOADER_H
#define ZOO_VULKAN_VK_LOADER_H

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include "zoo/error.h"

#define ZVK_GLOBAL_FUNCS(X)                                                                        \
    X(vkCreateInstance)                                                                            \
    X(vkEnumerateInstanceLayerProperties)                                                          \
    X(vkEnumerateInstanceExtensionProperties)

#define ZVK_INSTANCE_FUNCS(X)                                                                      \
    X(vkDestroyInstance)                                                                           \
    X(vkEnumeratePhysicalDevices)                                                                  \
    X(vkGetPhysicalDeviceProperties)                                                               \
    X(vkGetPhysicalDeviceProperties2)                                                              \
    X(vkGetPhysicalDeviceFeatures2)                                                                \
    X(vkGetPhysicalDeviceMemoryProperties)                                                         \
    X(vkGetPhysicalDeviceQueueFamilyProperties)                                                    \
    X(vkEnumerateDeviceExtensionProperties)                                                        \
    X(vkCreateDevice)                                                                              \
    X(vkGetDeviceProcAddr)

#define ZVK_DEVICE_FUNCS(X)                                                                        \
    X(vkDestroyDevice)                                                                             \
    X(vkGetDeviceQueue)                                                                            \
    X(vkCreateBuffer)                                                                              \
    X(vkDestroyBuffer)                                                                             \
    X(vkGetBufferMemoryRequirements)                                                               \
    X(vkAllocateMemory)                                                                            \
    X(vkFreeMemory)                                                                                \
    X(vkBindBufferMemory)                                                                          \
    X(vkMapMemory)                                                                                 \
    X(vkUnmapMemory)                                                                               \
    X(vkFlushMappedMemoryRanges)                                                                   \
    X(vkInvalidateMappedMemoryRanges)                                                              \
    X(vkCreateShaderModule)                                                                        \
    X(vkDestroyShaderModule)                                                                       \
    X(vkCreatePipelineCache)                                                                       \
    X(vkDestroyPipelineCache)                                                                      \
    X(vkGetPipelineCacheData)                                                                      \
    X(vkCreateComputePipelines)                                                                    \
    X(vkDestroyPipeline)                                                                           \
    X(vkCreatePipelineLayout)                                                                      \
    X(vkDestroyPipelineLayout)                                                                     \
    X(vkCreateDescriptorSetLayout)                                                                 \
    X(vkDestroyDescriptorSetLayout)                                                                \
    X(vkCreateDescriptorPool)                                                                      \
    X(vkDestroyDescriptorPool)                                                                     \
    X(vkAllocateDescriptorSets)                                                                    \
    X(vkUpdateDescriptorSets)                                                                      \
    X(vkCreateCommandPool)                                                                         \
    X(vkDestroyCommandPool)                                                                        \
    X(vkAllocateCommandBuffers)                                                                    \
    X(vkFreeCommandBuffers)                                                                        \
    X(vkBeginCommandBuffer)                                                                        \
    X(vkEndCommandBuffer)                                                                          \
    X(vkCmdBindPipeline)                                                                           \
    X(vkCmdBindDescriptorSets)                                                                     \
    X(vkCmdPushConstants)                                                                          \
    X(vkCmdDispatch)                                                                               \
    X(vkCmdPipelineBarrier)                                                                        \
    X(vkCmdCopyBuffer)                                                                             \
    X(vkCreateFence)                                                                               \
    X(vkDestroyFence)                                                                              \
    X(vkResetFences)                                                                               \
    X(vkWaitForFences)                                                                             \
    X(vkQueueSubmit)                                                                               \
    X(vkQueueWaitIdle)                                                                             \
    X(vkDeviceWaitIdle)                                                                            \
    X(vkCreateQueryPool)                                                                           \
    X(vkDestroyQueryPool)                                                                          \
    X(vkCmdResetQueryPool)                                                                         \
    X(vkCmdWriteTimestamp)                                                                         \
    X(vkGetQueryPoolResults)

#define ZVK_DECLARE(name) PFN_##name name;

typedef struct zvk_fn {
    void *lib;
    PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr;
    ZVK_GLOBAL_FUNCS(ZVK_DECLARE)
    ZVK_INSTANCE_FUNCS(ZVK_DECLARE)
    ZVK_DEVICE_FUNCS(ZVK_DECLARE)
    /* VK_EXT_debug_utils (only with ZOO_VK_VALIDATE=1) */
    PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT;
    PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT;
} zvk_fn;

/* dlopen()s the loader and resolves the global functions. 0, or
 * ZOO_ERR_RUNTIME with "vulkan: no Vulkan loader (...)". */
int zvk_loader_open(zvk_fn *f, zoo_error *err);
/* Resolves the instance-level functions (and debug utils if present). */
int zvk_loader_instance(zvk_fn *f, VkInstance inst, zoo_error *err);
/* Resolves the device-level functions. */
int zvk_loader_device(zvk_fn *f, VkDevice dev, zoo_error *err);
void zvk_loader_close(zvk_fn *f);

/* "VK_ERROR_DEVICE_LOST" etc. */
const char *zvk_result_name(VkResult r);

#endif
