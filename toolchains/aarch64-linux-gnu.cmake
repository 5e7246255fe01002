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
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(LRP_TARGET_TRIPLE aarch64-linux-gnu)

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
                      "tools/scripts/make_sysroot.sh arm64 (or set LRP_SYSROOT)")
endif()
if(NOT LRP_QEMU_CPU)
  set(LRP_QEMU_CPU cortex-a53)
endif()
set(LRP_QEMU_CPU "${LRP_QEMU_CPU}" CACHE STRING "CPU that qemu-aarch64 models for the tests")

set(CMAKE_C_COMPILER ${LRP_TARGET_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${LRP_TARGET_TRIPLE}-g++)
set(CMAKE_SYSROOT "${LRP_SYSROOT}")

# Runs on every 64-bit Pi (the Pi 3's and Zero 2 W's Cortex-A53 is the
# baseline: ARMv8.0-A + CRC, no crypto extension), scheduled for the Pi 4's
# Cortex-A72, which also suits the Pi 5's Cortex-A76. NEON is part of
# ARMv8-A, so the NEON kernels are always compiled in.
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-a53 -mtune=cortex-a72")
set(CMAKE_CXX_FLAGS_INIT "-mcpu=cortex-a53 -mtune=cortex-a72")

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
find_program(LRP_QEMU qemu-aarch64 REQUIRED NO_CMAKE_FIND_ROOT_PATH)
set(CMAKE_CROSSCOMPILING_EMULATOR "${LRP_QEMU};-cpu;${LRP_QEMU_CPU};-L;${LRP_SYSROOT}")
