# flowrl_find_torch([HINT <dir>]): find_package(Torch) through LibTorch's CMake config, with the
# checks that turn a mismatched LibTorch into one clear configure error instead of hundreds of
# compile or link errors later. Used by the build and by the installed package config.
#
#  - A CUDA LibTorch (PyTorch's wheels, lib/libtorch_cuda.so) needs the CUDA toolkit to configure:
#    its CMake config enables CUDA. Without one: an error naming what to install, and the
#    alternative (FLOWRL_TORCH_ROOT: the wheel's libraries without its CMake config).
#  - The toolkit's CUDA major version must be the one LibTorch was built with (torch/version.py).
#  - The libraries must come from the LibTorch whose headers are used. LibTorch's config looks for
#    libtorch.so in the system folders first, so a machine with Debian's libtorch-dev would mix
#    2.x headers with 1.13 libraries: the config's own lib/ is searched first here, and checked.
#  - A compiler too old for LibTorch 2.x's headers (GCC < 9), and the pre-C++11 string ABI.
include_guard(GLOBAL)

macro(flowrl_find_torch)
  cmake_parse_arguments(_FFT "" "HINT" "" ${ARGN})
  # Where the config is: the hint, Torch_DIR, or the prefixes CMake would search.
  set(_flowrl_torch_config "")
  foreach(_flowrl_dir ${_FFT_HINT} ${Torch_DIR} ${Torch_ROOT} $ENV{Torch_ROOT} ${CMAKE_PREFIX_PATH} $ENV{CMAKE_PREFIX_PATH})
    foreach(_flowrl_sub "" "/Torch" "/share/cmake/Torch" "/lib/cmake/Torch")
      if(NOT _flowrl_torch_config AND EXISTS "${_flowrl_dir}${_flowrl_sub}/TorchConfig.cmake")
        set(_flowrl_torch_config "${_flowrl_dir}${_flowrl_sub}/TorchConfig.cmake")
      endif()
    endforeach()
  endforeach()
  set(_flowrl_torch_prefix "")
  if(_flowrl_torch_config)
    get_filename_component(_flowrl_torch_prefix "${_flowrl_torch_config}/../../../.." ABSOLUTE)
    if(NOT EXISTS "${_flowrl_torch_prefix}/include/torch/csrc/api/include/torch/torch.h")
      set(_flowrl_torch_prefix "")  # a config outside a wheel's layout (Debian's): leave it to find_package
    endif()
  endif()
  if(_flowrl_torch_prefix AND EXISTS "${_flowrl_torch_prefix}/lib/libtorch_cuda.so")
    set(_flowrl_torch_cuda "")
    if(EXISTS "${_flowrl_torch_prefix}/version.py")
      file(STRINGS "${_flowrl_torch_prefix}/version.py" _flowrl_cuda_line REGEX "^cuda")
      string(REGEX MATCH "'([0-9]+)\\.([0-9]+)'" _flowrl_m "${_flowrl_cuda_line}")
      if(_flowrl_m)
        set(_flowrl_torch_cuda "${CMAKE_MATCH_1}.${CMAKE_MATCH_2}")
      endif()
    endif()
    find_package(CUDAToolkit QUIET)
    if(NOT CUDAToolkit_FOUND OR NOT CUDAToolkit_NVCC_EXECUTABLE)
      message(FATAL_ERROR "flowrl: the LibTorch at ${_flowrl_torch_prefix} is a CUDA build (lib/libtorch_cuda.so"
              "${_flowrl_torch_cuda}), and its CMake config needs NVIDIA's CUDA toolkit (nvcc, cuBLAS, cuDNN) to "
              "configure, but none was found. Install the CUDA ${_flowrl_torch_cuda} toolkit (or put its bin/ on PATH, "
              "or pass -DCUDAToolkit_ROOT=DIR), or configure with -DFLOWRL_TORCH_ROOT=${_flowrl_torch_prefix}, which "
              "links the wheel's libraries without its CMake config")
    endif()
    if(_flowrl_torch_cuda)
      string(REGEX MATCH "^[0-9]+" _flowrl_torch_cuda_major "${_flowrl_torch_cuda}")
      if(NOT CUDAToolkit_VERSION_MAJOR STREQUAL _flowrl_torch_cuda_major)
        message(FATAL_ERROR "flowrl: the LibTorch at ${_flowrl_torch_prefix} was built with CUDA ${_flowrl_torch_cuda}, "
                "but the CUDA toolkit found (${CUDAToolkit_BIN_DIR}) is ${CUDAToolkit_VERSION}: use a toolkit of the "
                "same major version (-DCUDAToolkit_ROOT=DIR), or a PyTorch wheel built for CUDA ${CUDAToolkit_VERSION_MAJOR} "
                "(scripts/build-torch2.sh: FLOWRL_TORCH_VERSION)")
      endif()
    endif()
    # PyTorch wheels built before CUDA 12.9 name CUDA::nvToolsExt, which newer toolkits no longer
    # define (NVTX 3 is header-only): stand the new target in for the old name.
    if(TARGET CUDA::nvtx3 AND NOT TARGET CUDA::nvToolsExt)
      add_library(CUDA::nvToolsExt INTERFACE IMPORTED)
      target_link_libraries(CUDA::nvToolsExt INTERFACE CUDA::nvtx3)
    endif()
  endif()
  # The config's own lib/ first (restored afterwards), then find it.
  set(_flowrl_saved_library_path "${CMAKE_LIBRARY_PATH}")
  if(_flowrl_torch_prefix)
    list(PREPEND CMAKE_LIBRARY_PATH "${_flowrl_torch_prefix}/lib")
    find_package(Torch REQUIRED HINTS "${_flowrl_torch_prefix}/share/cmake/Torch" NO_DEFAULT_PATH)
  else()
    find_package(Torch REQUIRED)
  endif()
  set(CMAKE_LIBRARY_PATH "${_flowrl_saved_library_path}")
  # Headers and libraries from the same LibTorch.
  if(_flowrl_torch_prefix AND TORCH_LIBRARY)
    get_filename_component(_flowrl_torch_lib_dir "${TORCH_LIBRARY}" DIRECTORY)
    get_filename_component(_flowrl_torch_lib_dir "${_flowrl_torch_lib_dir}" REALPATH)
    get_filename_component(_flowrl_want_lib_dir "${_flowrl_torch_prefix}/lib" REALPATH)
    if(NOT _flowrl_torch_lib_dir STREQUAL _flowrl_want_lib_dir)
      message(FATAL_ERROR "flowrl: LibTorch's config at ${_flowrl_torch_prefix} found its library at ${TORCH_LIBRARY}, "
              "outside its own lib/: headers and libraries of two LibTorch versions would be mixed. Remove the stale "
              "cache (a fresh build folder) or pass -DTORCH_LIBRARY=${_flowrl_torch_prefix}/lib/libtorch.so")
    endif()
  endif()
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 9 AND Torch_VERSION VERSION_GREATER_EQUAL 2)
    message(FATAL_ERROR "flowrl: LibTorch ${Torch_VERSION} needs GCC 9 or newer; ${CMAKE_CXX_COMPILER} is GCC "
            "${CMAKE_CXX_COMPILER_VERSION} (set CMAKE_CXX_COMPILER)")
  endif()
  # Debian's yaml-cpp, Boost and HDF5 use the C++11 string ABI; a LibTorch built with the old one
  # cannot be linked with them (hundreds of undefined std::__cxx11 symbols): say so at once.
  if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
    message(FATAL_ERROR "flowrl: the LibTorch found (${Torch_DIR}) uses the pre-C++11 string ABI "
            "(_GLIBCXX_USE_CXX11_ABI=0), which the system's yaml-cpp, Boost and HDF5 libraries flowrl links do not: "
            "use a C++11-ABI LibTorch (Debian's libtorch-dev, PyTorch wheels from 2.7 on, or the cxx11-abi LibTorch "
            "download)")
  endif()
  message(STATUS "flowrl: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
endmacro()
