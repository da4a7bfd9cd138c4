#!/usr/bin/env bash
# configure_errors.sh SOURCE_DIR CASE
# Configures flowrl against a fake PyTorch-wheel LibTorch (the layout only: a CMake config that must
# never be reached, an empty torch.h, an empty lib/libtorch_cuda.so, version.py) and checks that
# configure stops with flowrl's own message for CASE:
#   no-toolkit     a CUDA LibTorch and no CUDA toolkit (find_package(CUDAToolkit) disabled)
#   cuda-mismatch  a LibTorch built with CUDA 99.0 and the toolkit found here (skips, exit 77,
#                  where there is no toolkit)
set -uo pipefail
src=$1
case_=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/flowrl-cfg.XXXXXX")
trap 'rm -rf "$work"' EXIT
torch=$work/site/torch
mkdir -p "$torch/share/cmake/Torch" "$torch/include/torch/csrc/api/include/torch" "$torch/lib"
echo 'message(FATAL_ERROR "the fake TorchConfig.cmake was reached: flowrl did not stop before it")' \
  > "$torch/share/cmake/Torch/TorchConfig.cmake"
touch "$torch/include/torch/csrc/api/include/torch/torch.h" "$torch/lib/libtorch_cuda.so"
printf "__version__ = '2.99.0+cu990'\ncuda = '99.0'\n" > "$torch/version.py"
args=(-S "$src" -B "$work/build" -DCMAKE_PREFIX_PATH="$torch/share/cmake" -DFLOWRL_BUILD_TESTS=OFF
      -DFLOWRL_BUILD_APPS=OFF -DFLOWRL_BUILD_BENCH=OFF)
case $case_ in
  no-toolkit)
    want="is a CUDA build .* needs NVIDIA's CUDA toolkit"
    args+=(-DCMAKE_DISABLE_FIND_PACKAGE_CUDAToolkit=ON) ;;
  cuda-mismatch)
    want="was built with CUDA 99.0, but the CUDA toolkit found"
    command -v nvcc > /dev/null || [ -x /usr/local/cuda/bin/nvcc ] || { echo "no CUDA toolkit here: skipped"; exit 77; }
    [ -x /usr/local/cuda/bin/nvcc ] && args+=(-DCUDAToolkit_ROOT=/usr/local/cuda) ;;
  *) echo "configure_errors.sh: unknown case $case_"; exit 2 ;;
esac
if cmake "${args[@]}" > "$work/log" 2>&1; then
  echo "configure succeeded; it should have stopped ($case_)"; cat "$work/log"; exit 1
fi
if ! tr '\n' ' ' < "$work/log" | tr -s ' ' | grep -q -E "$want"; then
  echo "configure failed without the expected message /$want/:"; cat "$work/log"; exit 1
fi
echo "configure stopped as expected ($case_)"
