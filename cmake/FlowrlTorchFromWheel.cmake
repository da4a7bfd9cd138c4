# The imported target `torch`, made straight from a PyTorch installation's folder (FLOWRL_TORCH_ROOT,
# the folder of torch/__init__.py: its include/ and lib/), without PyTorch's own CMake config. That
# config needs a CUDA toolkit to configure when the wheel is a CUDA build; flowrl compiles no CUDA
# code and needs only the headers and the libraries. Used by the build and by the installed
# flowrlConfig.cmake alike.
if(NOT TARGET torch)
  set(_flowrl_torch "${FLOWRL_TORCH_ROOT}")
  if(NOT EXISTS "${_flowrl_torch}/include/torch/csrc/api/include/torch/torch.h")
    message(FATAL_ERROR "FLOWRL_TORCH_ROOT=${_flowrl_torch} holds no include/torch/csrc/api/include/torch/torch.h: "
                        "pass the folder that python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))' prints")
  endif()
  set(_flowrl_torch_libs)
  foreach(_lib torch torch_cpu c10)
    if(NOT EXISTS "${_flowrl_torch}/lib/lib${_lib}.so")
      message(FATAL_ERROR "FLOWRL_TORCH_ROOT=${_flowrl_torch} has no lib/lib${_lib}.so")
    endif()
    list(APPEND _flowrl_torch_libs "${_flowrl_torch}/lib/lib${_lib}.so")
  endforeach()
  # The CUDA libraries register the GPU backend when they are loaded; no symbol of theirs is
  # referenced, so the linker must be told to keep them.
  set(_flowrl_torch_cuda)
  foreach(_lib torch_cuda c10_cuda)
    if(EXISTS "${_flowrl_torch}/lib/lib${_lib}.so")
      list(APPEND _flowrl_torch_cuda "${_flowrl_torch}/lib/lib${_lib}.so")
    endif()
  endforeach()
  if(_flowrl_torch_cuda)
    set(_flowrl_torch_cuda "-Wl,--no-as-needed" ${_flowrl_torch_cuda} "-Wl,--as-needed")
  endif()
  find_package(Threads REQUIRED)
  add_library(torch INTERFACE IMPORTED)
  set_target_properties(torch PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${_flowrl_torch}/include;${_flowrl_torch}/include/torch/csrc/api/include"
    INTERFACE_LINK_LIBRARIES "${_flowrl_torch_cuda};${_flowrl_torch_libs};Threads::Threads")
  set(TORCH_CXX_FLAGS "")
  # the same guard against the wheel's std::filesystem as flowrl_prefer_system_libstdcxx()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_property(TARGET torch APPEND PROPERTY INTERFACE_LINK_OPTIONS
                 "LINKER:--push-state,--no-as-needed" "-lstdc++" "LINKER:--pop-state")
  endif()
  message(STATUS "flowrl: LibTorch from ${_flowrl_torch} (without its CMake config)")
endif()
