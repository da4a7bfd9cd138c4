# scripts/lib/torch2.sh — sourced by build-torch2.sh and gpu-check.sh: how flowrl is configured
# against PyTorch's LibTorch 2.x (a CUDA build), in one place.

# The CUDA compiler: nvcc on PATH, else the toolkit's default folder; empty when there is none.
flowrl_find_nvcc() {
  command -v nvcc 2> /dev/null || { [ -x /usr/local/cuda/bin/nvcc ] && echo /usr/local/cuda/bin/nvcc; } || true
}

# flowrl_configure_torch2 BUILD_DIR TORCH_DIR LOG [cmake args...]
# Configures BUILD_DIR (Release, Ninja when present) against the LibTorch in TORCH_DIR (a PyTorch
# package folder: the one holding include/, lib/ and share/cmake/) through its CMake config, with the
# CUDA toolkit found. TORCH_CUDA_ARCH_LIST spares PyTorch's config its GPU probe (flowrl compiles no
# CUDA code itself). Returns non-zero, with the log's tail on stderr, when configure fails or picks
# another LibTorch than TORCH_DIR's.
flowrl_configure_torch2() {
  local build=$1 torch=$2 log=$3
  shift 3
  local nvcc gen=()
  nvcc=$(flowrl_find_nvcc)
  command -v ninja > /dev/null && gen=(-G Ninja)
  # shellcheck disable=SC2086
  if ! cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$torch/share/cmake" \
       -DTORCH_CUDA_ARCH_LIST=9.0 ${nvcc:+"-DCMAKE_CUDA_COMPILER=$nvcc"} ${FLOWRL_CMAKE_ARGS:-} "$@" > "$log" 2>&1; then
    tail -n 30 "$log" >&2
    return 1
  fi
  if ! grep -q "flowrl: LibTorch.* from $torch" "$log"; then
    grep "flowrl: LibTorch" "$log" >&2
    echo "configure picked another LibTorch than $torch (log: $log)" >&2
    return 1
  fi
}
