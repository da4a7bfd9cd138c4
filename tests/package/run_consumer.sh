#!/usr/bin/env bash
# run_consumer.sh BUILD_DIR CONSUMER_SOURCE_DIR
# Installs the flowrl build into a fresh prefix, configures and builds the consumer project
# against it (find_package(flowrl)), and runs it.
set -euo pipefail
build=$1
consumer=$2
work=$(mktemp -d "${TMPDIR:-/tmp}/flowrl-package.XXXXXX")
trap 'rm -rf "$work"' EXIT

cmake --install "$build" --prefix "$work/prefix" > "$work/install.log"
generator=()
command -v ninja > /dev/null && generator=(-G Ninja)
cmake -S "$consumer" -B "$work/build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$work/prefix" > "$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$work/build" -j 2 > "$work/build.log" || { cat "$work/build.log"; exit 1; }
"$work/build/flowrl_consumer"
