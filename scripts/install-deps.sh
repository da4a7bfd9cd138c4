#!/usr/bin/env bash
# Install every Debian package flowrl needs to build, test and run (Debian 12).
# Idempotent: packages already present are skipped. Run as root (or with sudo available).
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config unzip
  libtorch-dev            # LibTorch C++ frontend (CPU build on Debian 12)
  libgloo-dev             # Gloo headers: LibTorch's c10d process groups include them (data-parallel training)
  libopenblas0-pthread    # fast BLAS for LibTorch (reference BLAS is ~30x slower)
  libhdf5-dev             # D4RL datasets, policies, golden files
  libyaml-cpp-dev         # configs
  libboost-program-options-dev  # CLIs
  catch2                  # tests (v2)
  libmujoco-dev           # environments
  libqhull-dev            # MuJoCo's CMake config names its include dir
  python3-numpy python3-matplotlib  # scripts/plot-*.py (figures; the plot_scripts test)
  # evaluate-policy --video (docs/videos.md): OpenGL for MuJoCo's renderer, loaded at run time only
  # when rendering; EGL with Mesa's software rasterizer (llvmpipe) works without a GPU or display
  libegl1 libegl-mesa0 libgl1-mesa-dri
  ffmpeg                  # --video FILE.mp4 (H.264); .gif needs no ffmpeg
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
