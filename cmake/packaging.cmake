# Install rules, the CMake package (lrpConfig.cmake, lrp::lrp), the pkg-config
# file and the Debian package (cpack -G DEB). Included last from the
# top-level CMakeLists.txt, once every target exists. cmake/README.md
# describes how to use them.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(LRP_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/lrp)
set(LRP_INSTALL_EXAMPLESDIR ${CMAKE_INSTALL_DATADIR}/lrp/examples)

get_target_property(LRP_LIBRARY_TYPE lrp TYPE)
if(LRP_LIBRARY_TYPE STREQUAL "STATIC_LIBRARY")
  set(LRP_STATIC ON)
else()
  set(LRP_STATIC OFF)
  # 0.x: every minor version may break the ABI.
  set_target_properties(lrp PROPERTIES
    VERSION ${PROJECT_VERSION}
    SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
endif()

# What the installed lrp::lrp links. The build tree links the helper targets
# of cmake/dependencies.cmake (wrapped in BUILD_INTERFACE in
# runtime/CMakeLists.txt); an installed static liblrp.a needs the same
# libraries, as targets that lrpConfig.cmake creates with the same lookups.
# A shared liblrp.so carries its dependencies itself.
if(LRP_STATIC)
  foreach(dep lrp::XNNPACK lrp::pthreadpool PkgConfig::lrp_cpuinfo PkgConfig::lrp_flatbuffers
              Threads::Threads)
    target_link_libraries(lrp INTERFACE "$<INSTALL_INTERFACE:$<LINK_ONLY:${dep}>>")
  endforeach()
endif()

# --- install rules ---------------------------------------------------------
install(TARGETS lrp EXPORT lrpTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/runtime/include/lrp
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
  FILES_MATCHING PATTERN "*.h")

if(TARGET lrp_tool)
  install(TARGETS lrp_tool RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()

install(FILES
  ${PROJECT_SOURCE_DIR}/examples/models/fashion_mnist_cnn.lrpm
  ${PROJECT_SOURCE_DIR}/examples/models/fashion_mnist_lrn.lrpm
  ${PROJECT_SOURCE_DIR}/examples/models/fashion_mnist_labels.txt
  DESTINATION ${LRP_INSTALL_EXAMPLESDIR}/models)
# README.md: the images' source and licence.
install(DIRECTORY ${PROJECT_SOURCE_DIR}/examples/images/
  DESTINATION ${LRP_INSTALL_EXAMPLESDIR}/images
  FILES_MATCHING PATTERN "*.png" PATTERN "README.md")
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# --- CMake package: find_package(lrp) -> lrp::lrp --------------------------
install(EXPORT lrpTargets
  NAMESPACE lrp::
  DESTINATION ${LRP_INSTALL_CMAKEDIR})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/lrpConfig.cmake.in
  ${PROJECT_BINARY_DIR}/package/lrpConfig.cmake
  INSTALL_DESTINATION ${LRP_INSTALL_CMAKEDIR})
# 0.x: minor versions are not compatible with each other.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/package/lrpConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/package/lrpConfig.cmake
  ${PROJECT_BINARY_DIR}/package/lrpConfigVersion.cmake
  DESTINATION ${LRP_INSTALL_CMAKEDIR})

# --- pkg-config: lrp.pc ----------------------------------------------------
# Relocatable: the prefix is found from the .pc file's own directory, so the
# same file works under /usr (the .deb), /usr/local and any --prefix.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(LRP_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(LRP_PC_LIBDIR "${CMAKE_INSTALL_FULL_LIBDIR}")
  set(LRP_PC_INCLUDEDIR "${CMAKE_INSTALL_FULL_INCLUDEDIR}")
else()
  file(RELATIVE_PATH LRP_PC_UP "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
  string(REGEX REPLACE "/$" "" LRP_PC_UP "${LRP_PC_UP}")
  set(LRP_PC_PREFIX "\${pcfiledir}/${LRP_PC_UP}")
  set(LRP_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
  set(LRP_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
# A static liblrp.a is all most users get, and plain `pkg-config --libs` must
# link it, so its dependencies are public then; .private for a shared one.
# (XNNPACK and pthreadpool ship no .pc file, hence -l.)
set(LRP_PC_DEPENDENCY_LIBS "-lXNNPACK -lpthreadpool -pthread")
if(LRP_STATIC)
  set(LRP_PC_REQUIRES_FIELD Requires)
  set(LRP_PC_LIBS_PUBLIC " ${LRP_PC_DEPENDENCY_LIBS}")
  set(LRP_PC_LIBS_PRIVATE "")
else()
  set(LRP_PC_REQUIRES_FIELD Requires.private)
  set(LRP_PC_LIBS_PUBLIC "")
  set(LRP_PC_LIBS_PRIVATE "${LRP_PC_DEPENDENCY_LIBS}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/lrp.pc.in ${PROJECT_BINARY_DIR}/package/lrp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/lrp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# --- Debian package: cpack -G DEB ------------------------------------------
# Debian architecture of the target. A native build asks dpkg (this also gets
# a 32-bit userland on a 64-bit kernel right, e.g. Raspberry Pi OS armhf,
# where CMAKE_SYSTEM_PROCESSOR says aarch64); a cross build maps the
# toolchain file's CMAKE_SYSTEM_PROCESSOR.
if(NOT CPACK_DEBIAN_PACKAGE_ARCHITECTURE)
  set(LRP_DEB_ARCH "")
  if(NOT CMAKE_CROSSCOMPILING)
    find_program(LRP_DPKG dpkg)
    mark_as_advanced(LRP_DPKG)
    if(LRP_DPKG)
      execute_process(COMMAND ${LRP_DPKG} --print-architecture
                      OUTPUT_VARIABLE LRP_DEB_ARCH OUTPUT_STRIP_TRAILING_WHITESPACE
                      RESULT_VARIABLE LRP_DPKG_RESULT ERROR_QUIET)
      if(NOT LRP_DPKG_RESULT EQUAL 0)
        set(LRP_DEB_ARCH "")
      endif()
    endif()
  endif()
  if(NOT LRP_DEB_ARCH)
    string(TOLOWER "${CMAKE_SYSTEM_PROCESSOR}" LRP_PROCESSOR)
    if(LRP_PROCESSOR MATCHES "^(x86_64|amd64)$")
      set(LRP_DEB_ARCH amd64)
    elseif(LRP_PROCESSOR MATCHES "^(aarch64|arm64)$")
      set(LRP_DEB_ARCH arm64)
    elseif(LRP_PROCESSOR MATCHES "^arm")
      if(CMAKE_LIBRARY_ARCHITECTURE MATCHES "gnueabi$")
        set(LRP_DEB_ARCH armel)
      else()
        set(LRP_DEB_ARCH armhf)
      endif()
    elseif(LRP_PROCESSOR MATCHES "^i[3-6]86$")
      set(LRP_DEB_ARCH i386)
    else()
      message(WARNING "No Debian architecture known for CMAKE_SYSTEM_PROCESSOR "
                      "'${CMAKE_SYSTEM_PROCESSOR}'; set CPACK_DEBIAN_PACKAGE_ARCHITECTURE.")
      set(LRP_DEB_ARCH "${LRP_PROCESSOR}")
    endif()
  endif()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${LRP_DEB_ARCH})
endif()

# Depends, explicit rather than dpkg-shlibdeps (which cannot read a cross
# build's binaries): the bookworm packages of the libraries the installed
# files load (the lrp tool's DT_NEEDED entries; liblrp.a's link dependencies).
# The minimum versions are what dpkg-shlibdeps derives for the amd64 build.
# libflatbuffers2 is not listed: lrp only uses FlatBuffers' header-only
# parts, so nothing installed loads libflatbuffers.so.2.
set(LRP_DEB_DEPENDS
  "libc6 (>= 2.34)"
  "libgcc-s1 (>= 3.0)"
  "libstdc++6 (>= 11)"
  "libxnnpack0 (>= 0.0~git20220216.ae108ef)"
  "libpthreadpool0 (>= 0.0~git20200423.6acde9c)"
  "libcpuinfo0 (>= 0.0~git20181113.3bf2c72)")
if(TARGET lrp_tool)
  list(APPEND LRP_DEB_DEPENDS "libstb0 (>= 0.0~git20180212.15.e6afb9c)" "zlib1g (>= 1:1.1.4)")
  if(TARGET lrp_onnx)
    list(APPEND LRP_DEB_DEPENDS "libonnx1 (>= 1.12.0)" "libprotobuf32 (>= 3.21.12)")
  endif()
  if(TARGET lrp_demo)
    list(APPEND LRP_DEB_DEPENDS "libcpp-httplib0.11 (>= 0.11.4)")
  endif()
endif()
list(JOIN LRP_DEB_DEPENDS ", " CPACK_DEBIAN_PACKAGE_DEPENDS)
# Building against liblrp.a (find_package(lrp), pkg-config) links these.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS
    "libxnnpack-dev, libpthreadpool-dev, libcpuinfo-dev, libflatbuffers-dev, pkg-config")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME lrp)
set(CPACK_PACKAGE_VENDOR "lrp maintainers")
set(CPACK_PACKAGE_CONTACT "lrp maintainers")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "neural network runtime with on-device Layer-wise Relevance Propagation")
set(CPACK_DEBIAN_PACKAGE_NAME lrp)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "lrp maintainers")
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# The long description; CPack puts the summary above it as the synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "lrp runs a neural network converted to its .lrpm format on XNNPACK within a
fixed memory arena and explains each prediction with Layer-wise Relevance
Propagation (LRP) rules and composites compatible with Zennit.
.
This package holds the lrp command-line tool (run, explain, info, bench,
convert from ONNX), the C++ library with its headers, CMake package and
pkg-config file, and the example Fashion-MNIST models and images.")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Strips the executable (and a shared liblrp); CMake never strips archives.
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
include(CPack)
