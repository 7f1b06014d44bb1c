#!/usr/bin/env bash
# Installs the Debian packages zoo builds and tests with (README lists why
# each one is there). Idempotent; needs root (or sudo) and Debian 12+.
#   bash scripts/install-deps.sh           everything: build, run and tests
#   bash scripts/install-deps.sh --build   only what building and running zoo (and
#                                          `make demo`) need: no test-only packages
set -euo pipefail
only_build=0
[ "${1:-}" = "--build" ] && only_build=1
pkgs=(
  build-essential pkg-config        # compiler, make, pkg-config
  libjansson-dev                    # JSON: safetensors headers, manifests
  libssl-dev                        # OpenSSL EVP SHA-256: digests of weights and downloads
  libarchive-dev                    # safe streaming extraction of Paddle tarballs
  zlib1g-dev                        # gzip (tar.gz sources)
  libcurl4-openssl-dev              # downloads (zoo fetch)
  libpng-dev libjpeg62-turbo-dev    # image decoding (zoo run, zoo eval)
  libcmocka-dev                     # unit tests
  libvulkan-dev glslc               # Vulkan backend: headers (the loader is dlopen()ed) and the
                                    # GLSL -> SPIR-V compiler the build runs on vulkan/shaders/
  mesa-vulkan-drivers               # lavapipe: a CPU Vulkan device, so the Vulkan tests run anywhere
  vulkan-validationlayers           # ZOO_VK_VALIDATE=1 (tests/cli/vulkan_validate.sh)
  python3 python3-venv              # the test venv: real Paddle / numpy / safetensors writers
  ca-certificates
)
test_pkgs=(
  python3-torch python3-torchvision # CPU PyTorch for the official-weights tests (tests/official:
                                    # timm round trips, the EfficientNet-Lite reference)
)
if [ "$only_build" = 0 ]; then pkgs+=("${test_pkgs[@]}"); fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
