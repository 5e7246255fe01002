# CTest case deb_package (registered in tests/CMakeLists.txt): builds the
# Debian package of this build tree with CPack and checks it as `apt install`
# on a board would see it.
#   1. `dpkg-deb -I`: the Architecture field is the one the packaged lrp
#      executable was compiled for, read from its own ELF header (machine,
#      and the hard-float flag that tells armhf from armel), not from CMake.
#   2. Every shared library the executable loads (`readelf -d`, NEEDED) is
#      provided by a package the Depends field names.
#   3. `dpkg-deb -c`: the tool, the library, the headers, the CMake package,
#      the pkg-config file and the example model are inside.
#
# cmake -DBUILD_DIR=... -DWORK_DIR=... -DCPACK=... -DDPKG_DEB=... -DREADELF=...
#       -DLIBDIR=lib/<multiarch> -P check_deb.cmake
cmake_minimum_required(VERSION 3.25)
foreach(var BUILD_DIR WORK_DIR CPACK DPKG_DEB READELF LIBDIR)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "check_deb.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run out_var)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "failed (${result}): ${command}\n${out}${err}")
  endif()
  set(${out_var} "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
run(ignored ${CPACK} -G DEB --config ${BUILD_DIR}/CPackConfig.cmake -B ${WORK_DIR})
file(GLOB debs ${WORK_DIR}/*.deb)
list(LENGTH debs count)
if(NOT count EQUAL 1)
  message(FATAL_ERROR "expected one .deb in ${WORK_DIR}, found ${count}: ${debs}")
endif()
run(info ${DPKG_DEB} -I ${debs})
message(STATUS "${debs}\n${info}")
run(ignored ${DPKG_DEB} -x ${debs} ${WORK_DIR}/root)

# 1. The architecture of what is inside.
set(tool ${WORK_DIR}/root/usr/bin/lrp)
if(NOT EXISTS ${tool})
  message(FATAL_ERROR "the package has no usr/bin/lrp")
endif()
file(READ ${tool} elf_class OFFSET 4 LIMIT 1 HEX)
file(READ ${tool} elf_machine OFFSET 18 LIMIT 2 HEX)  # e_machine, little endian
if(elf_machine STREQUAL "3e00" AND elf_class STREQUAL "02")
  set(expected_arch amd64)
elseif(elf_machine STREQUAL "b700")
  set(expected_arch arm64)
elseif(elf_machine STREQUAL "2800")
  # e_flags of a 32-bit ELF is at offset 36; EF_ARM_ABI_FLOAT_HARD = 0x400.
  file(READ ${tool} elf_flags OFFSET 37 LIMIT 1 HEX)
  math(EXPR hard "0x${elf_flags} & 0x04")
  if(hard)
    set(expected_arch armhf)
  else()
    set(expected_arch armel)
  endif()
else()
  message(FATAL_ERROR "usr/bin/lrp: unknown ELF machine ${elf_machine} (class ${elf_class})")
endif()
if(NOT info MATCHES "\n Architecture: ${expected_arch}\n")
  message(FATAL_ERROR "usr/bin/lrp is ${expected_arch}, but the package says:\n${info}")
endif()

# 2. Each library the tool loads comes from a declared dependency. The
# soname -> bookworm package table is this test's own knowledge: a new
# dependency fails here until someone checks which package ships it.
if(NOT info MATCHES "\n Depends: ([^\n]*)\n")
  message(FATAL_ERROR "the package declares no Depends:\n${info}")
endif()
set(depends "${CMAKE_MATCH_1}")
string(REPLACE ", " ";" depends_list "${depends}")
set(depends_packages "")
foreach(entry ${depends_list})
  string(REGEX REPLACE " *\\(.*" "" name "${entry}")
  list(APPEND depends_packages "${name}")
endforeach()
set(soname_packages
  "libc.so.6=libc6" "libm.so.6=libc6" "ld-linux-x86-64.so.2=libc6"
  "ld-linux-aarch64.so.1=libc6" "ld-linux-armhf.so.3=libc6"
  "libstdc++.so.6=libstdc++6" "libgcc_s.so.1=libgcc-s1"
  "libXNNPACK.so.0=libxnnpack0" "libpthreadpool.so.0=libpthreadpool0"
  "libcpuinfo.so.0=libcpuinfo0" "libstb.so.0=libstb0" "libz.so.1=zlib1g"
  "libonnx.so.1=libonnx1" "libonnx_proto.so.1=libonnx1" "libprotobuf.so.32=libprotobuf32"
  "libcpp-httplib.so.0.11=libcpp-httplib0.11")
run(dynamic ${READELF} -d ${tool})
string(REGEX MATCHALL "\\(NEEDED\\)[^\n]*\\[[^]]+\\]" needed_lines "${dynamic}")
if(NOT needed_lines)
  message(FATAL_ERROR "readelf found no NEEDED entries in usr/bin/lrp:\n${dynamic}")
endif()
set(sonames "")
foreach(line ${needed_lines})
  string(REGEX REPLACE ".*\\[([^]]+)\\]" "\\1" soname "${line}")
  list(APPEND sonames ${soname})
  set(package "")
  foreach(pair ${soname_packages})
    if(pair MATCHES "^([^=]+)=(.+)$" AND CMAKE_MATCH_1 STREQUAL soname)
      set(package ${CMAKE_MATCH_2})
    endif()
  endforeach()
  if(NOT package)
    message(FATAL_ERROR "usr/bin/lrp loads ${soname}, which check_deb.cmake does not know")
  endif()
  if(NOT package IN_LIST depends_packages)
    message(FATAL_ERROR "usr/bin/lrp loads ${soname} from ${package}, "
                        "missing from Depends: ${depends}")
  endif()
endforeach()

# 3. The files a user of the package relies on.
foreach(file
    usr/bin/lrp
    usr/include/lrp/lrp.h
    usr/include/lrp/session.h
    ${LIBDIR}/cmake/lrp/lrpConfig.cmake
    ${LIBDIR}/cmake/lrp/lrpConfigVersion.cmake
    ${LIBDIR}/pkgconfig/lrp.pc
    usr/share/lrp/examples/models/fashion_mnist_cnn.lrpm
    usr/share/lrp/examples/models/fashion_mnist_labels.txt)
  if(NOT EXISTS ${WORK_DIR}/root/${file})
    message(FATAL_ERROR "the package has no ${file}")
  endif()
endforeach()
file(GLOB library ${WORK_DIR}/root/${LIBDIR}/liblrp.*)
if(NOT library)
  message(FATAL_ERROR "the package has no ${LIBDIR}/liblrp.*")
endif()
list(JOIN sonames " " sonames)
message(STATUS "deb_package: ${expected_arch}; usr/bin/lrp loads ${sonames}; all checks passed")
