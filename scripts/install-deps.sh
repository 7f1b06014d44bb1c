#!/usr/bin/env bash
# Installs the Debian packages zoo builds and tests with (README lists why
# each one is there). Idempotent; needs root (or sudo) and Debian 12+.
set -euo pipefail
pkgs=(
  build-essential pkg-config        # compiler, make, pkg-config
  libjansson-dev                    # JSON: safetensors headers, manifests
  libssl-dev                        # OpenSSL EVP SHA-256: digests of weights and downloads
  libarchive-dev                    # safe streaming extraction of Paddle tarballs
  zlib1g-dev                        # gzip (tar.gz sources)
  libcurl4-openssl-dev              # downloads (zoo fetch)
  libpng-dev libjpeg62-turbo-dev    # image decoding (zoo run, zoo eval)
  libcmocka-dev                     # unit tests
  python3 python3-venv              # the test venv: real Paddle / numpy / safetensors writers
  ca-certificates
)
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
