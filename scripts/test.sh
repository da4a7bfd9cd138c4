#!/usr/bin/env bash
# Install dependencies, build flowrl (Release) and run the test suite.
#   scripts/test.sh [BUILD_DIR]        (default: build)
# Extra ctest arguments: FLOWRL_CTEST_ARGS="-L package"
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
jobs=${FLOWRL_JOBS:-$(nproc)}

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
start=$(date +%s)
cmake --build "$build" -j "$jobs"
echo "build: $(( $(date +%s) - start )) s"
ctest --test-dir "$build" --output-on-failure -j "$jobs" ${FLOWRL_CTEST_ARGS:-}
