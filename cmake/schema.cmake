# Generates the C++ reader/writer of schema/lrpm.fbs with flatc at build time;
# no generated code is committed.
set(LRP_SCHEMA ${PROJECT_SOURCE_DIR}/schema/lrpm.fbs)
set(LRP_SCHEMA_OUT ${PROJECT_BINARY_DIR}/generated/schema)
set(LRP_SCHEMA_HEADER ${LRP_SCHEMA_OUT}/lrpm_generated.h)
add_custom_command(
  OUTPUT ${LRP_SCHEMA_HEADER}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${LRP_SCHEMA_OUT}
  COMMAND ${FLATC} --cpp --scoped-enums -o ${LRP_SCHEMA_OUT} ${LRP_SCHEMA}
  DEPENDS ${LRP_SCHEMA}
  COMMENT "flatc: generating lrpm_generated.h")
add_custom_target(lrp_schema DEPENDS ${LRP_SCHEMA_HEADER})
add_library(lrp_schema_headers INTERFACE)
add_dependencies(lrp_schema_headers lrp_schema)
target_include_directories(lrp_schema_headers INTERFACE ${PROJECT_BINARY_DIR}/generated)
target_link_libraries(lrp_schema_headers INTERFACE PkgConfig::FLATBUFFERS)
