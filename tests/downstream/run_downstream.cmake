# CTest case downstream_package (registered in tests/CMakeLists.txt):
#   1. installs the build into a fresh prefix (cmake --install --prefix),
#   2. configures and builds tests/downstream/ against it with
#      find_package(lrp) + lrp::lrp, and runs it on the installed example
#      model,
#   3. compiles the same program with `pkg-config --cflags --libs lrp` and
#      runs it too,
#   4. runs the installed lrp tool, if there is one.
#
# cmake -DLRP_BUILD_DIR=... -DWORK_DIR=... -DSOURCE_DIR=<this folder>
#       -DGENERATOR=... -DCXX_COMPILER=... -DCONFIG=... -DBINDIR=bin
#       -DLIBDIR=lib -DDATADIR=share -DPKG_CONFIG=... -DVERSION=x.y.z -P run_downstream.cmake
foreach(var LRP_BUILD_DIR WORK_DIR SOURCE_DIR GENERATOR CXX_COMPILER BINDIR LIBDIR DATADIR
            VERSION)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "run_downstream.cmake: -D${var}=... is required")
  endif()
endforeach()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/build)
set(model ${prefix}/${DATADIR}/lrp/examples/models/fashion_mnist_cnn.lrpm)
set(expected "output size: 10\ntop-1: class [0-9]\n")

# Runs a command; fails the test with its output unless it exits 0.
# The output is left in run_output.
function(run what)
  execute_process(COMMAND ${ARGN}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT result EQUAL 0)
    list(JOIN ARGN " " command)
    message(FATAL_ERROR "${what} failed (${result}):\n${command}\n${out}${err}")
  endif()
  set(run_output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})

# 1. Install.
set(config_args "")
if(CONFIG)
  set(config_args --config ${CONFIG})
endif()
run("cmake --install" ${CMAKE_COMMAND} --install ${LRP_BUILD_DIR} --prefix ${prefix} ${config_args})
foreach(file include/lrp/lrp.h include/lrp/session.h ${LIBDIR}/cmake/lrp/lrpConfig.cmake
             ${LIBDIR}/cmake/lrp/lrpConfigVersion.cmake ${LIBDIR}/cmake/lrp/lrpTargets.cmake
             ${LIBDIR}/pkgconfig/lrp.pc ${DATADIR}/doc/lrp/README.md
             ${DATADIR}/lrp/examples/models/fashion_mnist_lrn.lrpm
             ${DATADIR}/lrp/examples/models/fashion_mnist_labels.txt
             ${DATADIR}/lrp/examples/images/fashion_mnist_test_0_ankle_boot.png)
  if(NOT EXISTS ${prefix}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()
if(NOT EXISTS ${model})
  message(FATAL_ERROR "not installed: ${model}")
endif()

# 2. find_package(lrp) from the prefix alone (no package registry, no
# system copy first).
run("configuring the downstream project" ${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${build}
    -G ${GENERATOR} -DCMAKE_CXX_COMPILER=${CXX_COMPILER} -DCMAKE_BUILD_TYPE=${CONFIG}
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
file(STRINGS ${build}/CMakeCache.txt lrp_dir REGEX "^lrp_DIR:")
if(NOT lrp_dir STREQUAL "lrp_DIR:PATH=${prefix}/${LIBDIR}/cmake/lrp")
  message(FATAL_ERROR "find_package(lrp) did not use the installed package: ${lrp_dir}")
endif()
run("building the downstream project" ${CMAKE_COMMAND} --build ${build} ${config_args})
set(app ${build}/app)
if(CONFIG AND EXISTS ${build}/${CONFIG}/app)
  set(app ${build}/${CONFIG}/app)
endif()
run("the downstream app" ${app} ${model})
if(NOT run_output MATCHES "^${expected}$")
  message(FATAL_ERROR "downstream app (find_package) printed:\n${run_output}")
endif()
message(STATUS "find_package(lrp) app:\n${run_output}")

# 3. pkg-config. Nothing sets a run path here, so a shared liblrp is found
# the way a user of a non-system prefix finds it.
if(DEFINED ENV{LD_LIBRARY_PATH} AND NOT "$ENV{LD_LIBRARY_PATH}" STREQUAL "")
  set(ENV{LD_LIBRARY_PATH} "${prefix}/${LIBDIR}:$ENV{LD_LIBRARY_PATH}")
else()
  set(ENV{LD_LIBRARY_PATH} "${prefix}/${LIBDIR}")
endif()
if(PKG_CONFIG)
  set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
  run("pkg-config --modversion lrp" ${PKG_CONFIG} --modversion lrp)
  string(STRIP "${run_output}" pc_version)
  if(NOT pc_version STREQUAL VERSION)
    message(FATAL_ERROR "lrp.pc says version ${pc_version}, expected ${VERSION}")
  endif()
  run("pkg-config --cflags --libs lrp" ${PKG_CONFIG} --cflags --libs lrp)
  string(STRIP "${run_output}" pc_flags)
  message(STATUS "pkg-config --cflags --libs lrp: ${pc_flags}")
  if(NOT pc_flags MATCHES "(^| )-llrp( |$)")
    message(FATAL_ERROR "pkg-config --libs lrp lacks -llrp: ${pc_flags}")
  endif()
  separate_arguments(pc_args UNIX_COMMAND "${pc_flags}")
  run("compiling with pkg-config's flags" ${CXX_COMPILER} -std=c++17 -Wall -Wextra -Werror
      ${SOURCE_DIR}/main.cpp -o ${WORK_DIR}/app_pkgconfig ${pc_args})
  run("the pkg-config app" ${WORK_DIR}/app_pkgconfig ${model})
  if(NOT run_output MATCHES "^${expected}$")
    message(FATAL_ERROR "downstream app (pkg-config) printed:\n${run_output}")
  endif()
  message(STATUS "pkg-config app:\n${run_output}")
else()
  message(FATAL_ERROR "pkg-config not found")
endif()

# 4. The installed tool.
if(EXISTS ${prefix}/${BINDIR}/lrp)
  run("lrp info" ${prefix}/${BINDIR}/lrp info ${model})
  message(STATUS "installed lrp info: ok")
endif()
message(STATUS "downstream package test passed")
