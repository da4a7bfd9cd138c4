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

# PyTorch's wheels export part of libstdc++'s std::filesystem from lib/libtorch.so (linked in
# statically), and that copy crashes when called from outside (remove_all: a call through a null
# pointer, seen with 2.11.0). A program whose first needed library is libtorch.so binds its
# std::filesystem calls there. Naming libstdc++ before everything else on each link line makes it
# the first needed library, so the system's std::filesystem is the one found.
macro(flowrl_prefer_system_libstdcxx)
  if(TARGET torch AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    set_property(TARGET torch APPEND PROPERTY INTERFACE_LINK_OPTIONS
                 "LINKER:--push-state,--no-as-needed" "-lstdc++" "LINKER:--pop-state")
  endif()
endmacro()

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
    # LibTorch's config looks for Caffe2's (its library targets) in the default places first, which
    # finds Debian's 1.13 on a machine that has libtorch-dev: point it at the one beside it.
    set(Caffe2_DIR "${_flowrl_torch_prefix}/share/cmake/Caffe2")
    find_package(Torch REQUIRED HINTS "${_flowrl_torch_prefix}/share/cmake/Torch" NO_DEFAULT_PATH)
  else()
    find_package(Torch REQUIRED HINTS ${_FFT_HINT})
  endif()
  set(CMAKE_LIBRARY_PATH "${_flowrl_saved_library_path}")
  # Headers and libraries from the same LibTorch: libtorch.so and the torch_cpu target's library.
  if(_flowrl_torch_prefix)
    set(_flowrl_torch_libs "${TORCH_LIBRARY}")
    if(TARGET torch_cpu)
      get_target_property(_flowrl_torch_cpu torch_cpu LOCATION)
      list(APPEND _flowrl_torch_libs "${_flowrl_torch_cpu}")
    endif()
    get_filename_component(_flowrl_want_lib_dir "${_flowrl_torch_prefix}/lib" REALPATH)
    foreach(_flowrl_lib ${_flowrl_torch_libs})
      get_filename_component(_flowrl_lib_dir "${_flowrl_lib}" DIRECTORY)
      get_filename_component(_flowrl_lib_dir "${_flowrl_lib_dir}" REALPATH)
      if(NOT _flowrl_lib_dir STREQUAL _flowrl_want_lib_dir)
        message(FATAL_ERROR "flowrl: LibTorch's config at ${_flowrl_torch_prefix} uses the library ${_flowrl_lib}, "
                "outside its own lib/: headers and libraries of two LibTorch versions would be mixed. Remove the "
                "stale cache (a fresh build folder), or pass -DTorch_DIR=${_flowrl_torch_prefix}/share/cmake/Torch "
                "-DCaffe2_DIR=${_flowrl_torch_prefix}/share/cmake/Caffe2")
      endif()
    endforeach()
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
  if(_flowrl_torch_prefix)
    flowrl_prefer_system_libstdcxx()
  endif()
  message(STATUS "flowrl: LibTorch ${Torch_VERSION} from ${Torch_DIR}")
endmacro()
