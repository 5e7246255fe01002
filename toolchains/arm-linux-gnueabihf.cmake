# Cross-compiles lrp for 32-bit Raspberry Pi OS / Debian armhf (Pi 2 v1.1
# and later, and Pi 3/4/5 running a 32-bit system) with Debian's
# g++-arm-linux-gnueabihf, against a sysroot made of Debian armhf packages
# (tools/scripts/make_sysroot.sh armhf), and runs the tests under qemu-arm.
# toolchains/README.md has the commands.
#
#   cmake -S . -B build-armhf -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=toolchains/arm-linux-gnueabihf.cmake -DLRP_WITH_ONNX=OFF
#
# Variables (cache or environment): LRP_SYSROOT, the sysroot (default
# build-sysroot/arm-linux-gnueabihf in the source tree); LRP_QEMU_CPU, the
# CPU qemu models when CTest runs the tests (default cortex-a7, the Pi 2's:
# ARMv7-A with NEON and VFPv4, the oldest CPU these flags allow).
# ports/CMakeLists.txt compiles the armv7 NEON kernels for "arm|armv7*".
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(LRP_TARGET_TRIPLE arm-linux-gnueabihf)
set(LRP_DEBIAN_ARCH armhf)
set(LRP_QEMU_PROGRAM qemu-arm)
set(LRP_QEMU_DEFAULT_CPU cortex-a7)

# ARMv7-A with NEON and VFPv4 (fused multiply-add), hard-float ABI: every
# Pi from the Pi 2 on (Cortex-A7/A53/A72/A76 in AArch32 state). Debian's
# armhf baseline is only VFPv3-D16 without NEON; this build assumes NEON,
# so it does not run on a NEON-less ARMv7 board. Within the library, the
# NEON kernels of ports/ are still chosen at run time (cpuinfo must report
# NEON and VFPv4, else the scalar reference runs), and LRP_ISA=scalar forces
# the scalar ones. GCC does not auto-vectorize float code with NEON here
# (NEON flushes subnormals, which IEEE arithmetic forbids), so scalar float
# code stays on VFP and rounds as on every other target.
#
# -D_FILE_OFFSET_BITS=64: 64-bit off_t, ino_t and directory offsets. Under
# qemu-arm on a 64-bit host, ext4 hands out 64-bit directory cookies, and a
# 32-bit readdir() then fails with EOVERFLOW (a real Pi's kernel gives a
# 32-bit process 32-bit cookies); files over 2 GiB need it anyway.
set(LRP_TARGET_FLAGS "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard -D_FILE_OFFSET_BITS=64")

include(${CMAKE_CURRENT_LIST_DIR}/debian_cross.cmake)
