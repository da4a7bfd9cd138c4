#!/usr/bin/env bash
# run_consumer.sh BUILD_DIR CONSUMER_SOURCE_DIR
# Installs the flowrl build into a fresh prefix, configures and builds the consumer project
# against it (find_package(flowrl)), and runs it. Then, with the installed programs only, makes a
# tiny dataset, trains a tiny run and evaluates one episode, and checks that the consumer's
# hand-written control loop (flowrl_deploy) reproduces that episode's return exactly, and that the
# consumer's flowrl::collect call (flowrl_collect) makes the same rows as collect-dataset.
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

# The installed programs, moved with their tree, still find their libraries (relative RPATH).
mv "$work/prefix" "$work/moved"
bin=$work/moved/bin
unset FLOWRL_ASSETS_DIR
run() { "$@" > "$work/step.log" 2>&1 || { echo "failed: $*"; cat "$work/step.log"; exit 1; }; }
run "$bin/collect-dataset" --env hopper --policy random --transitions 3000 --seed 1 --threads 1 \
  --no-progress --out "$work/random.hdf5"
cat > "$work/tiny.yaml" <<YAML
dataset:
  path: $work/random.hdf5
  env: hopper
model:
  embed_dim: 32
  layers: 2
  heads: 2
  context: 5
train:
  steps: 8
  batch_size: 8
  warmup_steps: 2
  checkpoint_every: 1000
eval:
  every: 0
  final_episodes: 0
YAML
run "$bin/train-agent" --config "$work/tiny.yaml" --seed 2 --no-progress --out "$work/run"
run "$bin/evaluate-policy" --checkpoint "$work/run" --env hopper --target-return 3600 --episodes 1 \
  --seed 7 --quiet --json "$work/eval.json"
mv "$work/moved" "$work/prefix"   # the consumer's programs were linked against this path
"$work/build/flowrl_collect" "$work/random.hdf5" "$work/consumer.hdf5"
# Both print the return through json_number (12 significant digits): the strings must be equal.
deploy=$("$work/build/flowrl_deploy" "$work/run" 3600 7)
echo "$deploy"
got=$(sed -n 's/.* \([0-9]*\) steps, return \([^,]*\),.*/length \1, return \2/p' <<< "$deploy")
expected=$(sed -n 's/.*"index": 0, .*"return": \([^,]*\), .*"length": \([0-9]*\),.*/length \2, return \1/p' "$work/eval.json")
if [ -z "$got" ] || [ "$got" != "$expected" ]; then
  echo "flowrl_deploy ($got) differs from evaluate-policy's episode 0 ($expected)"
  exit 1
fi
echo "flowrl deploy: matches evaluate-policy's episode 0 ($expected)"
