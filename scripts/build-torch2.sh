#!/usr/bin/env bash
# build-torch2.sh — builds flowrl against PyTorch's LibTorch 2.x (the CUDA build PyPI's `torch`
# wheel carries) and runs the whole CPU suite on that build. No GPU is needed: [cuda] tests return
# early without one. Users train on GPUs with this LibTorch, not Debian's CPU-only 1.13.
#
#   scripts/build-torch2.sh [BUILD_DIR]          (default: build-torch2)
#
# 1. Downloads the pinned `torch` wheel from PyPI (--no-deps: NVIDIA's CUDA toolkit on this machine
#    serves cuBLAS, cuDNN, NCCL, ...) into a cache outside the repo, plus the few CUDA libraries
#    LibTorch links that the toolkit lacks (cuSPARSELt, NVSHMEM, cuFile: small wheels, pinned by the
#    torch wheel's own metadata), and unpacks them in site-packages layout (torch/, nvidia/), where
#    libtorch_cuda.so's RPATH finds them.
# 2. Configures with LibTorch's CMake config (CMAKE_PREFIX_PATH=<cache>/torch/share/cmake) and the
#    CUDA toolkit found (nvcc), builds everything, and runs ctest.
#
# Environment:
#   FLOWRL_TORCH_VERSION=2.11.0   the pinned torch (the GPU machine runs 2.11 with CUDA 13)
#   FLOWRL_TORCH_CACHE=DIR        the cache (default ${XDG_CACHE_HOME:-~/.cache}/flowrl/torch)
#   FLOWRL_TORCH2_TESTS=0         build only (default 1: run the suite)
#   FLOWRL_JOBS=N                 build and test jobs (default: the core count)
#   FLOWRL_CMAKE_ARGS="-D..."     extra configure arguments
#   FLOWRL_TORCH_DOWNLOAD_TIMEOUT seconds the downloads may take in all (default 1200)
# Exit status: 0 built (and passed); 1 a step failed (the message names it); 2 a prerequisite is
# missing (no CUDA toolkit, no pip).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-torch2}
version=${FLOWRL_TORCH_VERSION:-2.11.0}
cache=${FLOWRL_TORCH_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/flowrl/torch}
jobs=${FLOWRL_JOBS:-$(nproc)}
timeout_s=${FLOWRL_TORCH_DOWNLOAD_TIMEOUT:-1200}
say() { echo "build-torch2: $*" >&2; }
started=$(date +%s)

# --- prerequisites ---------------------------------------------------------------------------
source scripts/lib/torch2.sh
nvcc=$(flowrl_find_nvcc)
if [ -z "$nvcc" ]; then
  say "no CUDA toolkit (nvcc is neither on PATH nor in /usr/local/cuda/bin): PyTorch's LibTorch is a CUDA build"
  say "and its CMake config needs the toolkit. Install NVIDIA's CUDA toolkit, or use Debian's LibTorch (scripts/test.sh)."
  exit 2
fi
python3 -m pip --version > /dev/null 2>&1 || { say "python3 -m pip is missing (apt-get install python3-pip)"; exit 2; }
for tool in unzip cmake ninja; do
  command -v $tool > /dev/null || { say "$tool is missing (scripts/install-deps.sh installs it)"; exit 2; }
done
say "torch $version, cache $cache, CUDA toolkit $("$nvcc" --version | sed -n 's/.*release \([0-9.]*\).*/\1/p')"

# --- 1. the wheels ---------------------------------------------------------------------------
wheels=$cache/wheels
root=$cache/$version            # site-packages layout: torch/, nvidia/
mkdir -p "$wheels"
fetch() {  # fetch PACKAGE==VERSION: into $wheels, once; a failure says so and stops the script
  local spec=$1 name log
  name=$(echo "${spec%%==*}" | tr - _)
  if ls "$wheels/${name}-${spec##*==}-"*.whl > /dev/null 2>&1; then return 0; fi
  say "downloading $spec from PyPI"
  log=$wheels/download.log
  if ! timeout "$timeout_s" python3 -m pip download --no-deps --only-binary=:all: --no-cache-dir \
        --python-version 3.11 --implementation cp --platform manylinux_2_28_x86_64 \
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 \
        --timeout 60 --retries 3 --progress-bar off -d "$wheels" "$spec" > "$log" 2>&1; then
    tail -n 5 "$log" >&2
    say "could not download $spec from PyPI (rc above; no network, a proxy, or a wrong FLOWRL_TORCH_VERSION?)."
    say "Nothing was built. Debian's LibTorch build (scripts/test.sh) does not need this."
    exit 1
  fi
}
fetch "torch==$version"
torch_wheel=$(ls "$wheels"/torch-"$version"-*.whl | head -n 1)
if [ ! -f "$root/.unpacked" ]; then
  say "unpacking $(basename "$torch_wheel") (headers, libraries, CMake config)"
  rm -rf "$root.tmp" && mkdir -p "$root.tmp"
  unzip -q "$torch_wheel" 'torch/lib/*' 'torch/include/*' 'torch/share/*' 'torch/version.py' -d "$root.tmp"
  rm -rf "$root" && mv "$root.tmp" "$root"
  touch "$root/.unpacked"
fi
# The CUDA libraries libtorch_cuda.so needs that the toolkit does not have: each from its wheel,
# at the version the torch wheel pins (its METADATA), unpacked beside torch/ as pip would.
metadata=$(unzip -p "$torch_wheel" '*.dist-info/METADATA')
pin() { echo "$metadata" | sed -n "s/^Requires-Dist: \($1\)\(\[[^]]*\]\)\{0,1\}==\([^;]*\).*/\1==\3/p" | head -n 1 | tr -d ' '; }
missing=$(ldd "$root/torch/lib/libtorch_cuda.so" 2>/dev/null | awk '/not found/ {print $1}' | sort -u)
for lib in $missing; do
  case $lib in
    libcusparseLt*) spec=$(pin 'nvidia-cusparselt-cu[0-9]*') ;;
    libnvshmem*) spec=$(pin 'nvidia-nvshmem-cu[0-9]*') ;;
    libcufile*)  # pinned through the cuda-toolkit meta-package the torch wheel names
      toolkit=$(pin 'cuda-toolkit')
      fetch "$toolkit"
      spec=$(unzip -p "$(ls "$wheels"/cuda_toolkit-"${toolkit##*==}"-*.whl | head -n 1)" '*.dist-info/METADATA' |
             sed -n "s/^Requires-Dist: nvidia-cufile==\([0-9][0-9.]*[0-9]\)[.*]*;.*/nvidia-cufile==\1/p" | head -n 1) ;;
    *) say "libtorch_cuda.so needs $lib, which neither the CUDA toolkit here nor a known wheel provides"; exit 1 ;;
  esac
  [ -n "$spec" ] || { say "the torch wheel's metadata pins no package for $lib"; exit 1; }
  fetch "$spec"
  name=$(echo "${spec%%==*}" | tr - _)
  unzip -q -o "$(ls "$wheels/${name}-${spec##*==}-"*.whl | head -n 1)" 'nvidia/*' -d "$root"
done
still=$(ldd "$root/torch/lib/libtorch_cuda.so" | awk '/not found/ {print $1}' | tr '\n' ' ')
[ -z "$still" ] || { say "libtorch_cuda.so still misses: $still"; exit 1; }
say "LibTorch $version ready in $root ($(du -sh "$root" | cut -f1); wheel $(du -h "$torch_wheel" | cut -f1))"

# --- 2. configure, build, test ----------------------------------------------------------------
fetched=$(date +%s)
mkdir -p "$build"
flowrl_configure_torch2 "$build" "$root/torch" "$build/flowrl-configure.log" ||
  { say "configure failed (log: $build/flowrl-configure.log)"; exit 1; }
say "configured $build against LibTorch $version; building with $jobs jobs"
if ! cmake --build "$build" -j "$jobs" > "$build/flowrl-build.log" 2>&1; then
  grep -E "error|Error" "$build/flowrl-build.log" | head -n 30 >&2
  if grep -q "No space left on device" "$build/flowrl-build.log"; then
    say "the disk is full: $(df -h --output=avail "$build" | tail -n 1 | tr -d ' ') left; this build needs ~2 GB" \
        "and the LibTorch cache ~1.8 GB ($cache); free some and run again"
  fi
  say "build failed (log: $build/flowrl-build.log)"
  exit 1
fi
built=$(date +%s)
say "built in $((built - fetched)) s (download and unpack: $((fetched - started)) s)"
if [ "${FLOWRL_TORCH2_TESTS:-1}" = 1 ]; then
  ctest --test-dir "$build" -j "$jobs" --output-on-failure
  say "suite on LibTorch $version: $(( $(date +%s) - built )) s"
fi
