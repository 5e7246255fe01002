# What both Raspberry Pi toolchain files share: Debian's cross compiler for
# LRP_TARGET_TRIPLE, a sysroot of Debian packages for LRP_DEBIAN_ARCH, find
# rules that look only there, and user-mode qemu (LRP_QEMU_PROGRAM, modelling
# LRP_QEMU_CPU unless the cache or environment says otherwise) as the
# emulator CTest runs the target's binaries with. Included by
# aarch64-linux-gnu.cmake and arm-linux-gnueabihf.cmake after they set those
# variables and CMAKE_SYSTEM_PROCESSOR.
set(CMAKE_SYSTEM_NAME Linux)

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
                      "tools/scripts/make_sysroot.sh ${LRP_DEBIAN_ARCH} (or set LRP_SYSROOT)")
endif()
if(NOT LRP_QEMU_CPU)
  set(LRP_QEMU_CPU ${LRP_QEMU_DEFAULT_CPU})
endif()
set(LRP_QEMU_CPU "${LRP_QEMU_CPU}" CACHE STRING "CPU that ${LRP_QEMU_PROGRAM} models for the tests")

set(CMAKE_C_COMPILER ${LRP_TARGET_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${LRP_TARGET_TRIPLE}-g++)
set(CMAKE_SYSROOT "${LRP_SYSROOT}")
set(CMAKE_C_FLAGS_INIT "${LRP_TARGET_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${LRP_TARGET_FLAGS}")

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

# CTest runs the target's binaries under user-mode qemu, which loads the
# dynamic linker and libraries from the sysroot.
find_program(LRP_QEMU ${LRP_QEMU_PROGRAM} REQUIRED NO_CMAKE_FIND_ROOT_PATH)
set(CMAKE_CROSSCOMPILING_EMULATOR "${LRP_QEMU};-cpu;${LRP_QEMU_CPU};-L;${LRP_SYSROOT}")
