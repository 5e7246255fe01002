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
set(CMAKE_SYSTEM_NAME Linux)
# ports/CMakeLists.txt compiles the armv7 NEON kernels for "arm|armv7*".
set(CMAKE_SYSTEM_PROCESSOR armv7l)
set(LRP_TARGET_TRIPLE arm-linux-gnueabihf)

# The toolchain file is read again for every try_compile project; the
# variables below travel there through the environment and this list.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES LRP_SYSROOT LRP_QEMU_CPU)
if(NOT LRP_SYSROOT)
  if(DEFINED ENV{LRP_SYSROOT})
    set(LRP_SYSROOT "$ENV{LRP_SYSROOT}")
  else()
    set(LRP_SYSROOT "${CMAKE_CURRENT_LIST_DIR}/../build-sysroot/${LRP_TARGET_TRIPLE}")
  endif()
endif()
get_filename_component(LRP_SYSROOT "${LRP_SYSROOT}" ABSOLUTE)
set(LRP_SYSROOT "${LRP_SYSROOT}" CACHE PATH "Sysroot of the ${LRP_TARGET_TRIPLE} build")
if(NOT EXISTS "${LRP_SYSROOT}/usr/include/${LRP_TARGET_TRIPLE}")
  message(FATAL_ERROR "No ${LRP_TARGET_TRIPLE} sysroot at ${LRP_SYSROOT}: run "
                      "tools/scripts/make_sysroot.sh armhf (or set LRP_SYSROOT)")
endif()
if(NOT LRP_QEMU_CPU)
  set(LRP_QEMU_CPU cortex-a7)
endif()
set(LRP_QEMU_CPU "${LRP_QEMU_CPU}" CACHE STRING "CPU that qemu-arm models for the tests")

set(CMAKE_C_COMPILER ${LRP_TARGET_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${LRP_TARGET_TRIPLE}-g++)
set(CMAKE_SYSROOT "${LRP_SYSROOT}")

# ARMv7-A with NEON and VFPv4 (fused multiply-add), hard-float ABI: every
# Pi from the Pi 2 on (Cortex-A7/A53/A72/A76 in AArch32 state). Debian's
# armhf baseline is only VFPv3-D16 without NEON; this build assumes NEON,
# so it does not run on a NEON-less ARMv7 board. Within the library, the
# NEON kernels of ports/ are still chosen at run time (cpuinfo must report
# NEON and VFPv4, else the scalar reference runs), and LRP_ISA=scalar forces
# the scalar ones. GCC does not auto-vectorize float code with NEON here
# (NEON flushes subnormals, which IEEE arithmetic forbids), so scalar float
# code stays on VFP and rounds as on every other target.
set(CMAKE_C_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")
set(CMAKE_CXX_FLAGS_INIT "-march=armv7-a -mfpu=neon-vfpv4 -mfloat-abi=hard")

# Headers, libraries and CMake packages from the sysroot only; programs
# (flatc for the schema header, pkg-config) from the host.
set(CMAKE_FIND_ROOT_PATH "${LRP_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config reads the target's .pc files and prefixes their paths with the
# sysroot. FindPkgConfig passes the environment on to pkg-config.
set(ENV{PKG_CONFIG_DIR} "")
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_LIBDIR}
    "${LRP_SYSROOT}/usr/lib/${LRP_TARGET_TRIPLE}/pkgconfig:${LRP_SYSROOT}/usr/lib/pkgconfig:${LRP_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${LRP_SYSROOT}")

# CTest (and gtest_discover_tests at build time) run the target's binaries
# under user-mode qemu, which loads the dynamic linker and libraries from
# the sysroot.
find_program(LRP_QEMU qemu-arm REQUIRED NO_CMAKE_FIND_ROOT_PATH)
set(CMAKE_CROSSCOMPILING_EMULATOR "${LRP_QEMU};-cpu;${LRP_QEMU_CPU};-L;${LRP_SYSROOT}")
