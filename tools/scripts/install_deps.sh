#!/usr/bin/env bash
# Installs lrp's build and test dependencies from Debian packages.
# Idempotent: packages already present are skipped; apt runs only if needed.
set -euo pipefail

packages=(
  cmake ninja-build pkg-config g++
  libxnnpack-dev libpthreadpool-dev libcpuinfo-dev
  libflatbuffers-dev flatbuffers-compiler
  libstb-dev libgtest-dev libbenchmark-dev
  libonnx-dev libprotobuf-dev protobuf-compiler zlib1g-dev
  libonnx-testdata dataset-fashion-mnist
  libcpp-httplib-dev
)
# Extra groups, requested by name: `install_deps.sh fuzz`. `cross`: the
# Raspberry Pi cross compilers and qemu (toolchains/README.md). `browser`:
# headless Chromium for the demo's page test (tests/demo/demo_browser_test.cc
# skips without it).
for group in "$@"; do
  case "$group" in
    fuzz) packages+=(clang libclang-rt-14-dev) ;;
    cross) packages+=(g++-aarch64-linux-gnu g++-arm-linux-gnueabihf qemu-user) ;;
    browser) packages+=(chromium) ;;
    *) echo "install_deps.sh: unknown group '$group' (known: fuzz, cross, browser)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "install_deps.sh: installing ${missing[*]}"
as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
