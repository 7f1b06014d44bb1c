/* cpu/isa.c - chooses the instruction-set variant of the fast CPU kernels
 * (see kern.h) when a plan is created: the best one this CPU and OS support
 * (AVX-512F > AVX2 + FMA > generic), or the one named by ZOO_CPU_ISA, so
 * tests and users can force a variant. The variants are const tables; the
 * choice is stored in the plan, nothing global changes. CPU features come
 * from __builtin_cpu_supports, which also checks that the OS saves the
 * vector registers (XGETBV) before reporting AVX / AVX-512. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/kern.h"

static const cpu_kern *const variants[] = {
#if defined(__x86_64__)
    &cpu_kern_avx512,
    &cpu_kern_avx2,
#endif
    &cpu_kern_generic,
};
#define N_VARIANTS ((int)(sizeof variants / sizeof variants[0]))

int cpu_kern_count(void) { return N_VARIANTS; }

const cpu_kern *cpu_kern_at(int i) { return i >= 0 && i < N_VARIANTS ? variants[i] : NULL; }

bool cpu_kern_usable(const cpu_kern *k) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (k == &cpu_kern_avx2) return avx2;
    if (k == &cpu_kern_avx512) return avx2 && __builtin_cpu_supports("avx512f");
#endif
    return k == &cpu_kern_generic;
}

const cpu_kern *cpu_kern_select(zoo_error *err) {
    const char *want = getenv("ZOO_CPU_ISA");
    if (!want || !*want) {
        for (int i = 0; i < N_VARIANTS; i++)
            if (cpu_kern_usable(variants[i])) return variants[i];
        return &cpu_kern_generic;
    }
    char names[128] = "";
    for (int i = 0; i < N_VARIANTS; i++) {
        if (!strcmp(want, variants[i]->name)) {
            if (cpu_kern_usable(variants[i])) return variants[i];
            zoo_error_set(err, ZOO_ERR_INPUT,
                          "cpu backend: ZOO_CPU_ISA=%s: this CPU does not support %s", want, want);
            return NULL;
        }
        size_t len = strlen(names);
        snprintf(names + len, sizeof names - len, "%s%s", len ? ", " : "", variants[i]->name);
    }
    zoo_error_set(err, ZOO_ERR_INPUT, "cpu backend: ZOO_CPU_ISA=%.40s: unknown (this build has %s)",
                  want, names);
    return NULL;
}
