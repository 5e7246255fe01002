# Cross-compiles lrp for 64-bit Raspberry Pi OS / Debian arm64 (Pi 3, 4, 5,
# Zero 2 W) with Debian's g++-aarch64-linux-gnu, against a sysroot made of
# Debian arm64 packages (tools/scripts/make_sysroot.sh arm64), and runs the
# tests under qemu-aarch64. toolchains/README.md has the commands.
#
#   cmake -S . -B build-aarch64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/aarch64-linux-gnu.cmake -DLRP_WITH_ONNX=OFF
#
# Variables (cache or environment): LRP_SYSROOT, the sysroot (default
# build-sysroot/aarch64-linux-gnu in the source tree); LRP_QEMU_CPU, the CPU
# qemu models when CTest runs the tests (default cortex-a53, the oldest
# target, so an instruction it lacks fails the tests).
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LRP_TARGET_TRIPLE aarch64-linux-gnu)
set(LRP_DEBIAN_ARCH arm64)
set(LRP_QEMU_PROGRAM qemu-aarch64)
set(LRP_QEMU_DEFAULT_CPU cortex-a53)

# Runs on every 64-bit Pi (the Pi 3's and Zero 2 W's Cortex-A53 is the
# baseline: ARMv8.0-A + CRC, no crypto extension), scheduled for the Pi 4's
# Cortex-A72, which also suits the Pi 5's Cortex-A76. NEON is part of
# ARMv8-A, so the NEON kernels are always compiled in.
set(LRP_TARGET_FLAGS "-mcpu=cortex-a53 -mtune=cortex-a72")

include(${CMAKE_CURRENT_LIST_DIR}/debian_cross.cmake)
