# Shared helpers for flowrl targets.

# flowrl_warnings(<target>): project warning set, scoped to the target.
function(flowrl_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic)
  if(FLOWRL_WARNINGS_AS_ERRORS)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# flowrl_torch_pch(<target> [OWN]): precompile the torch headers for a target that includes them.
# Torch headers dominate compile time, and one precompiled <torch/torch.h> is ~0.5 GB on disk. So
# the targets share two: libraries reuse flowrl_pch_lib's (built with -fPIC), executables reuse
# flowrl_pch_exe's. A reused PCH must see the same compile flags and the same definitions of any
# macro torch's headers read; OWN gives a target whose definitions differ (flowrl_dist with NCCL's
# USE_C10D_NCCL) a PCH of its own. GCC ignores a PCH that does not fit (-Winvalid-pch says so)
# and parses the headers instead, so a mismatch costs time, never correctness.
function(flowrl_torch_pch target)
  cmake_parse_arguments(ARG "OWN" "" "" ${ARGN})
  if(NOT FLOWRL_PCH)
    return()
  endif()
  if(ARG_OWN)
    target_precompile_headers(${target} PRIVATE <torch/torch.h>)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(holder flowrl_pch_exe)
  else()
    set(holder flowrl_pch_lib)
  endif()
  if(NOT TARGET ${holder})
    # An object library that compiles only the PCH (and an empty source), with torch's usage
    # requirements, the project's language level and warning flags, as every target that reuses it has.
    set(source ${PROJECT_BINARY_DIR}/flowrl_pch_holder.cpp)
    if(NOT EXISTS ${source})
      file(WRITE ${source} "// Compiles nothing: CMake needs a source to build the shared torch PCH.\n")
    endif()
    add_library(${holder} OBJECT ${source})
    target_link_libraries(${holder} PRIVATE torch)
    target_compile_features(${holder} PRIVATE cxx_std_17)
    flowrl_warnings(${holder})  # -Wpedantic undefines __cpp_runtime_arrays: the flags must match
    if(holder STREQUAL "flowrl_pch_lib")
      set_target_properties(${holder} PROPERTIES POSITION_INDEPENDENT_CODE ON)
    endif()
    target_precompile_headers(${holder} PRIVATE <torch/torch.h>)
  endif()
  target_precompile_headers(${target} REUSE_FROM ${holder})
endfunction()

# flowrl_library(<name> SOURCES ... [PUBLIC_LINKS ...] [PRIVATE_LINKS ...] [TORCH [OWN_PCH]])
# Creates flowrl_<name> with alias flowrl::<name>, public include dir <folder>/include,
# installed and exported as flowrl::<name>. TORCH: it includes torch (the shared PCH, or with
# OWN_PCH its own; see flowrl_torch_pch).
function(flowrl_library name)
  cmake_parse_arguments(ARG "TORCH;OWN_PCH" "" "SOURCES;PUBLIC_LINKS;PRIVATE_LINKS" ${ARGN})
  add_library(flowrl_${name} ${ARG_SOURCES})
  add_library(flowrl::${name} ALIAS flowrl_${name})
  set_target_properties(flowrl_${name} PROPERTIES EXPORT_NAME ${name} OUTPUT_NAME flowrl_${name}
                        POSITION_INDEPENDENT_CODE ON)
  target_compile_features(flowrl_${name} PUBLIC cxx_std_17)
  target_include_directories(flowrl_${name} PUBLIC
    $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include>
    $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
  target_link_libraries(flowrl_${name} PUBLIC ${ARG_PUBLIC_LINKS} PRIVATE ${ARG_PRIVATE_LINKS})
  flowrl_warnings(flowrl_${name})
  if(ARG_TORCH AND ARG_OWN_PCH)
    flowrl_torch_pch(flowrl_${name} OWN)
  elseif(ARG_TORCH)
    flowrl_torch_pch(flowrl_${name})
  endif()
  install(TARGETS flowrl_${name} EXPORT flowrlTargets
    ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
    LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
  install(DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}/include/ DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
endfunction()

# flowrl_add_test(<name> SOURCES ... LINKS ... [TORCH])
# A Catch2 test executable registered with CTest through catch_discover_tests.
function(flowrl_add_test name)
  cmake_parse_arguments(ARG "TORCH" "" "SOURCES;LINKS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE flowrl_test_main ${ARG_LINKS})
  flowrl_warnings(${name})
  if(ARG_TORCH)
    flowrl_torch_pch(${name})
  endif()
  # --warn NoTests: a CTest entry whose name filter matches no test case fails instead of passing
  # empty (CTest splits discovered names at ';', so such a name would silently run nothing).
  catch_discover_tests(${name} WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR} EXTRA_ARGS --warn NoTests
    PROPERTIES ENVIRONMENT "FLOWRL_TEST_DATA=${PROJECT_SOURCE_DIR}/tests/fixtures")
endfunction()

# flowrl_test_uses_programs(<test> <program>...)
# For each program that is built, defines FLOWRL_<PROGRAM>_EXE (e.g. FLOWRL_TRAIN_AGENT_EXE) in
# <test> as the program's path and builds the program first; tests of programs that are not built
# (FLOWRL_BUILD_APPS=OFF) skip.
function(flowrl_test_uses_programs test)
  foreach(app ${ARGN})
    if(TARGET ${app})
      string(MAKE_C_IDENTIFIER ${app} app_id)
      string(TOUPPER ${app_id} app_id)
      target_compile_definitions(${test} PRIVATE FLOWRL_${app_id}_EXE="$<TARGET_FILE:${app}>")
      add_dependencies(${test} ${app})
    endif()
  endforeach()
endfunction()
