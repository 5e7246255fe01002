# Finds lrp's dependencies the way a user of Debian's packages would:
# pkg-config where the package ships a .pc file, find_library/find_path
# otherwise (XNNPACK and pthreadpool ship none).
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(FLATBUFFERS REQUIRED IMPORTED_TARGET flatbuffers)
find_program(FLATC flatc REQUIRED)

pkg_check_modules(CPUINFO REQUIRED IMPORTED_TARGET libcpuinfo)

find_path(XNNPACK_INCLUDE_DIR xnnpack.h REQUIRED)
find_library(XNNPACK_LIBRARY NAMES XNNPACK REQUIRED)
find_path(PTHREADPOOL_INCLUDE_DIR pthreadpool.h REQUIRED)
find_library(PTHREADPOOL_LIBRARY NAMES pthreadpool REQUIRED)

add_library(lrp_xnnpack INTERFACE)
target_include_directories(lrp_xnnpack SYSTEM INTERFACE ${XNNPACK_INCLUDE_DIR} ${PTHREADPOOL_INCLUDE_DIR})
target_link_libraries(lrp_xnnpack INTERFACE ${XNNPACK_LIBRARY} ${PTHREADPOOL_LIBRARY}
                      PkgConfig::CPUINFO Threads::Threads)

find_path(STB_INCLUDE_DIR stb_image.h PATH_SUFFIXES stb)

if(LRP_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(LRP_BUILD_BENCH)
  find_package(benchmark QUIET)
endif()
