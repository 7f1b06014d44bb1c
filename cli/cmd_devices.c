/* cli/cmd_devices.c - `zoo devices [--json]`: the Vulkan devices this machine
 * has, with what matters to zoo (type, fp16 storage and arithmetic, subgroup
 * size, memory heaps, limits), which one `--backend vulkan` would use and
 * what `--backend auto` would pick. Exit 0 when at least one device is
 * listed, 3 (not found) when there is no Vulkan loader or no device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "vulkan/vk_device.h"

static void json_str(const char *s) {
    putchar('"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') printf("\\%c", *s);
        else if ((unsigned char)*s < 0x20) printf("\\u%04x", (unsigned char)*s);
        else putchar(*s);
    }
    putchar('"');
}

static void print_json(const zvk_device_info *l, int n, int pick, bool auto_gpu) {
    printf("{\"devices\": [");
    for (int i = 0; i < n; i++) {
        const zvk_device_info *d = &l[i];
        printf("%s{\"index\": %d, \"name\": ", i ? ", " : "", d->index);
        json_str(d->name);
        printf(", \"type\": ");
        json_str(zvk_type_name(d->type));
        printf(", \"vendor_id\": %u, \"device_id\": %u, \"api\": \"%u.%u.%u\", \"driver\": ",
               d->vendor_id, d->device_id, VK_API_VERSION_MAJOR(d->api_version),
               VK_API_VERSION_MINOR(d->api_version), VK_API_VERSION_PATCH(d->api_version));
        json_str(d->driver_name);
        printf(", \"driver_info\": ");
        json_str(d->driver_info);
        printf(", \"usable\": %s, \"fp16_storage\": %s, \"fp16_arithmetic\": %s, "
               "\"subgroup_size\": %u, \"subgroup_arithmetic\": %s, \"heaps\": [",
               d->usable ? "true" : "false", d->storage16 ? "true" : "false",
               d->float16 ? "true" : "false", d->subgroup_size, d->subgroup_arith ? "true" : "false");
        for (uint32_t h = 0; h < d->n_heaps; h++)
            printf("%s{\"bytes\": %llu, \"device_local\": %s}", h ? ", " : "",
                   (unsigned long long)d->heap_size[h], d->heap_device_local[h] ? "true" : "false");
        printf("], \"max_storage_buffer_range\": %u, \"max_shared_memory\": %u}",
               d->max_storage_range, d->max_shared_bytes);
    }
    printf("], \"vulkan_device\": %d, \"auto\": \"%s\"}\n", pick, auto_gpu ? "vulkan" : "cpu");
}

static void print_text(const zvk_device_info *l, int n, int pick, bool auto_gpu, const char *why) {
    for (int i = 0; i < n; i++) {
        const zvk_device_info *d = &l[i];
        printf("%d  %s (%s)%s\n", d->index, d->name, zvk_type_name(d->type),
               d->usable ? "" : "  [not usable: needs Vulkan 1.1 and a compute queue]");
        printf("   Vulkan %u.%u.%u, driver %s%s%s, vendor 0x%04x device 0x%04x\n",
               VK_API_VERSION_MAJOR(d->api_version), VK_API_VERSION_MINOR(d->api_version),
               VK_API_VERSION_PATCH(d->api_version), d->driver_name[0] ? d->driver_name : "?",
               d->driver_info[0] ? " " : "", d->driver_info, d->vendor_id, d->device_id);
        printf("   fp16 storage %s, fp16 arithmetic %s, subgroup size %u%s\n",
               d->storage16 ? "yes" : "no", d->float16 ? "yes" : "no", d->subgroup_size,
               d->subgroup_arith ? " (arithmetic ops)" : "");
        printf("   memory:");
        for (uint32_t h = 0; h < d->n_heaps; h++)
            printf("%s heap %u %.1f GiB%s", h ? "," : "", h, (double)d->heap_size[h] / 1073741824.0,
                   d->heap_device_local[h] ? " device-local" : " host");
        printf("\n   limits: workgroups %u x %u x %u, %u invocations, %u KiB shared, "
               "storage binding %u MiB\n",
               d->max_wg_count[0], d->max_wg_count[1], d->max_wg_count[2], d->max_wg_invocations,
               d->max_shared_bytes / 1024, d->max_storage_range >> 20);
    }
    if (pick >= 0) printf("--backend vulkan uses device %d; ", pick);
    printf("--backend auto picks %s (%s)\n", auto_gpu ? "vulkan" : "cpu", why);
}

int zoo_cmd_devices(zoo_cli *cli, int argc, char **argv) {
    (void)cli;
    bool json = false;
    int device = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--json")) json = true;
        else if (!strcmp(argv[i], "--device") && i + 1 < argc) device = atoi(argv[++i]);
        else return zoo_cli_usage_error("devices", "unknown or incomplete option '%s'", argv[i]);
    }
    zoo_error e = {0};
    zvk_device_info *list = NULL;
    int n = 0;
    if (zvk_list_devices(&list, &n, &e)) {
        fprintf(stderr, "zoo: %s\n", e.msg);
        return ZOO_ERR_NOTFOUND;
    }
    if (!n) {
        free(list);
        fprintf(stderr, "zoo: no Vulkan device found (install a GPU driver, or mesa-vulkan-drivers "
                        "for the lavapipe CPU device)\n");
        return ZOO_ERR_NOTFOUND;
    }
    zoo_error pe = {0};
    int pick = zvk_pick(list, n, device, &pe);
    char why[512];
    bool auto_gpu = zvk_probe_gpu(device, why, sizeof why);
    if (json) print_json(list, n, pick, auto_gpu);
    else print_text(list, n, pick, auto_gpu, why);
    if (pick < 0) fprintf(stderr, "zoo: %s\n", pe.msg);
    free(list);
    return 0;
}
