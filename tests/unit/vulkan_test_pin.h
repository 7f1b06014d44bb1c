/* tests/unit/vulkan_test_pin.h - for the Vulkan unit tests (header-only).
 *
 * Mesa's Vulkan drivers (lavapipe included, Mesa 22.3) leak 128 bytes each
 * time the loader unloads them (a pthread_once-initialized allocation that a
 * fresh load makes again), i.e. at every vkDestroyInstance. zoo opens one
 * instance per runner, so ASan's leak checker would report the driver's leak,
 * with "<unknown module>" frames since the library is gone by then.
 * vulkan_test_pin_drivers() loads every driver named in the standard ICD
 * manifests once more with RTLD_NODELETE, so none is ever unloaded: the
 * driver's memory stays reachable and the leak checker sees only zoo's own
 * allocations. It changes nothing else. */
#ifndef ZOO_TESTS_VULKAN_TEST_PIN_H
#define ZOO_TESTS_VULKAN_TEST_PIN_H

#include <dirent.h>
#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static inline void vulkan_test_pin_drivers(void) {
    const char *dirs[] = {"/usr/share/vulkan/icd.d", "/etc/vulkan/icd.d",
                          "/usr/local/share/vulkan/icd.d"};
    for (size_t d = 0; d < sizeof dirs / sizeof dirs[0]; d++) {
        DIR *dir = opendir(dirs[d]);
        if (!dir) continue;
        struct dirent *de;
        while ((de = readdir(dir))) {
            if (!strstr(de->d_name, ".json")) continue;
            char path[1024], text[4096];
            snprintf(path, sizeof path, "%s/%s", dirs[d], de->d_name);
            FILE *f = fopen(path, "r");
            if (!f) continue;
            size_t n = fread(text, 1, sizeof text - 1, f);
            fclose(f);
            text[n] = '\0';
            char *p = strstr(text, "\"library_path\"");
            if (!p || !(p = strchr(p + 14, '"'))) continue;
            char *e = strchr(++p, '"');
            if (!e) continue;
            *e = '\0';
            (void)dlopen(p, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE); /* missing ones are skipped */
        }
        closedir(dir);
    }
}

#endif
