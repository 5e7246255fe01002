#!/usr/bin/env bash
# Assembles a sysroot for cross-compiling lrp to the Raspberry Pi from
# Debian bookworm's own arm64/armhf packages:
#
#   tools/scripts/make_sysroot.sh arm64|armhf
#
# The sysroot goes to $LRP_SYSROOT, default build-sysroot/<triple> in the
# source tree (<triple> = aarch64-linux-gnu or arm-linux-gnueabihf), which
# is where toolchains/<triple>.cmake looks for it. It holds the target's
# libc, libstdc++ and the libraries lrp builds and links against, unpacked
# with `dpkg -x` (nothing is installed for the foreign architecture: apt
# only downloads). Absolute symlinks inside it are rewritten to point inside
# it, so the cross linker and `qemu-<arch> -L <sysroot>` both resolve them.
#
# Needs root (or sudo) once, for `dpkg --add-architecture` and
# `apt-get update`. Idempotent: a stamp file records the package set, and a
# second run with the same set does nothing.
set -euo pipefail

usage() { echo "usage: make_sysroot.sh arm64|armhf" >&2; exit 2; }
[ $# -eq 1 ] || usage
arch="$1"
case "$arch" in
  arm64) triple=aarch64-linux-gnu ;;
  armhf) triple=arm-linux-gnueabihf ;;
  *) usage ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
sysroot="${LRP_SYSROOT:-$root/build-sysroot/$triple}"

# What the cross build compiles and links against (and what its test
# binaries load under qemu), by trial: the C/C++ runtime, the libraries of
# cmake/dependencies.cmake with their shared objects, and GoogleTest /
# Google Benchmark. libgmock-dev because GTest's CMake package refers to
# gmock's archives. No ONNX/protobuf: the importer is a host tool
# (LRP_WITH_ONNX=OFF). flatc is not here either: code generation runs the
# host's flatc (same Debian version as these headers).
packages=(
  libc6 libc6-dev linux-libc-dev libgcc-s1 libgcc-12-dev libstdc++6 libstdc++-12-dev
  libxnnpack-dev libxnnpack0 libpthreadpool-dev libpthreadpool0 libcpuinfo-dev libcpuinfo0
  libflatbuffers-dev libflatbuffers2 flatbuffers-compiler-dev
  libstb-dev libstb0 zlib1g-dev zlib1g
  libgtest-dev libgmock-dev libbenchmark-dev libbenchmark1debian
  # `lrp demo`: cpp-httplib is a shared library on Debian; its pkg-config
  # file requires openssl, zlib and brotli, and the linker follows its
  # NEEDED entries into their runtime packages.
  libcpp-httplib-dev libcpp-httplib0.11 libssl-dev libssl3 libbrotli-dev libbrotli1
)

stamp="$sysroot/.lrp-sysroot-stamp"
want="$arch ${packages[*]}"
if [ -f "$stamp" ] && [ "$(head -1 "$stamp")" = "$want" ]; then
  echo "make_sysroot.sh: $sysroot is up to date"
  exit 0
fi

as_root=()
if [ "$(id -u)" -ne 0 ]; then
  as_root=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
  echo "make_sysroot.sh: dpkg --add-architecture $arch"
  "${as_root[@]}" dpkg --add-architecture "$arch"
fi
# The package lists of the new architecture come with the next update; skip
# it when apt already knows the packages (a rebuild of a removed sysroot).
if ! apt-cache show "libxnnpack-dev:$arch" >/dev/null 2>&1; then
  # A mirror that is mid-sync can fail one index (apt then keeps the old
  # one); apt-get download below fails clearly if a package is missing.
  "${as_root[@]}" apt-get update -qq ||
    echo "make_sysroot.sh: apt-get update reported errors; going on with the lists apt has" >&2
fi

debs="$sysroot.debs"
rm -rf "$sysroot" "$debs"
mkdir -p "$sysroot" "$debs"
apt_opts=()
if [ "$(id -u)" -eq 0 ]; then
  # As root apt downloads as _apt, which cannot write to our directory.
  apt_opts=(-o APT::Sandbox::User=root)
fi
(cd "$debs" && apt-get download -qq "${apt_opts[@]}" "${packages[@]/%/:$arch}")
for deb in "$debs"/*.deb; do
  dpkg -x "$deb" "$sysroot"
done

# Absolute symlinks (e.g. /lib/<triple>/libfoo.so.1) would point at the
# host's files: make each one relative, within the sysroot.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  case "$target" in
    /*) ln -sfn "$(realpath -m -s --relative-to="$(dirname "$link")" "$sysroot$target")" "$link" ;;
  esac
done < <(find "$sysroot" -type l -print0)

{
  echo "$want"
  for deb in "$debs"/*.deb; do basename "$deb"; done
} >"$stamp"
rm -rf "$debs"
echo "make_sysroot.sh: $sysroot ready ($(ls -1 "$sysroot" | tr '\n' ' '))"
