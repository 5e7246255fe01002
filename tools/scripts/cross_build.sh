#!/usr/bin/env bash
# Cross-compiles lrp for the Raspberry Pi and runs its test suite under
# user-mode qemu:
#
#   tools/scripts/cross_build.sh arm64|armhf [ctest arguments...]
#
# Installs the host tools (tools/scripts/install_deps.sh cross), makes the
# sysroot (tools/scripts/make_sysroot.sh), configures build-aarch64 or
# build-armhf (or $LRP_BUILD_DIR) with toolchains/<triple>.cmake, builds,
# and runs CTest there; the extra arguments go to CTest (e.g. -R Kernel,
# -N to only list). LRP_CROSS_NO_TEST=1 stops after the build. The ONNX
# importer is a host tool and is left out (-DLRP_WITH_ONNX=OFF); the
# benchmarks are built, for running on the Pi. Prints the time of each step.
set -euo pipefail

usage() { echo "usage: cross_build.sh arm64|armhf [ctest arguments...]" >&2; exit 2; }
[ $# -ge 1 ] || usage
arch="$1"
shift
case "$arch" in
  arm64 | aarch64) arch=arm64 triple=aarch64-linux-gnu dir=build-aarch64 ;;
  armhf) triple=arm-linux-gnueabihf dir=build-armhf ;;
  *) usage ;;
esac

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${LRP_BUILD_DIR:-$root/$dir}"
export LRP_SYSROOT="${LRP_SYSROOT:-$root/build-sysroot/$triple}"

step_start=0
step() { step_start=$SECONDS; echo "cross_build.sh: $*"; }
done_step() { echo "cross_build.sh: $1 took $((SECONDS - step_start)) s"; }

step "host tools"
"$root/tools/scripts/install_deps.sh" cross
step "sysroot $LRP_SYSROOT"
"$root/tools/scripts/make_sysroot.sh" "$arch"
done_step "sysroot"

if [ ! -f "$build/CMakeCache.txt" ]; then
  step "configure $build"
  cmake -S "$root" -B "$build" -G Ninja \
    -DCMAKE_TOOLCHAIN_FILE="$root/toolchains/$triple.cmake" \
    -DLRP_SYSROOT="$LRP_SYSROOT" \
    -DCMAKE_BUILD_TYPE=Release \
    -DLRP_WITH_ONNX=OFF \
    -DLRP_BUILD_BENCH=ON
  done_step "configure"
fi

step "build $build"
cmake --build "$build" --parallel "$(nproc)"
done_step "build"

if [ "${LRP_CROSS_NO_TEST:-0}" = 1 ]; then
  exit 0
fi
step "ctest under qemu ($triple)"
status=0
ctest --test-dir "$build" --parallel "$(nproc)" --output-on-failure "$@" || status=$?
done_step "ctest"
exit "$status"
