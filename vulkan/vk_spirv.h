/* vulkan/vk_spirv.h - the compute shaders, compiled at build time.
 *
 * The Makefile compiles every vulkan/shaders/<name>.comp twice with glslc
 * (-DFP16=0 and -DFP16=1, target Vulkan 1.1) and vulkan/embed_spirv.sh turns
 * the SPIR-V into $(BUILD)/gen/vulkan_spirv.c: one table entry per shader,
 * sorted by name. */
#ifndef ZOO_VULKAN_VK_SPIRV_H
#define ZOO_VULKAN_VK_SPIRV_H

#include <stddef.h>
#include <stdint.h>

typedef struct zvk_spirv {
    const char *name;
    const uint32_t *fp32; /* SPIR-V words, fp32 storage */
    size_t fp32_words;
    const uint32_t *fp16; /* SPIR-V words, fp16 storage */
    size_t fp16_words;
} zvk_spirv;

extern const zvk_spirv zvk_spirv_table[];
extern const int zvk_spirv_count;

#endif
