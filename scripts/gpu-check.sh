#!/usr/bin/env bash
# gpu-check.sh — the one prepared call for a session that is lent the GPU machine (README, "GPU").
# Runs ON a GPU machine, from the project's root. On the development VM's lent GPU machine (no
# package mirror there) run ../shared/gpu/bundle.sh here first, then with the device tool:
#
#   run  command: bash scripts/gpu-check.sh    carry: [".gpu"]    timeout_s: 540
#
# Elsewhere (packages installed, CUDA LibTorch from PyTorch's wheel or the system) just run it.
# 1. builds into build-gpu/ and runs every test, the [cuda] ones included (.gpu/device-build.sh);
# 2. benchmarks a training step on the GPU, Flow-Attention vs softmax, at both DT shapes;
# 3. trains the authors' recipe (256/3/4) on a small hopper dataset with --device cuda for
#    FLOWRL_GPU_STEPS updates (default 2000; log.csv has steps/s) and evaluates it on the GPU
#    (100 episodes per target, batched);
# everything it measures lands in $OUT (logs, benchmarks-gpu.md, the run's log.csv and JSON).
# FLOWRL_GPU_DEVICE=cpu runs steps 2-3 on the CPU with an existing build (to check this script).
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/gpu-out}; mkdir -p "$out"
device=${FLOWRL_GPU_DEVICE:-cuda}
steps=${FLOWRL_GPU_STEPS:-2000}
warmup=$(( steps < 2000 ? steps / 4 : 500 ))
build=build-gpu
status=0
t0=$(date +%s)
stamp() { echo "[$(( $(date +%s) - t0 )) s] $*" | tee -a "$out/gpu-check.log"; }

if [ "$device" = cuda ]; then
  stamp "build and test"
  if [ -f .gpu/device-build.sh ]; then
    bash .gpu/device-build.sh || status=1   # logs: configure.log, build.log, ctest.log
  else  # a machine with the packages installed: LibTorch from PyTorch's wheel if there is one
    prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true)
    gen=(); command -v ninja > /dev/null && gen=(-G Ninja)
    { cmake -S . -B "$build" "${gen[@]}" -DCMAKE_BUILD_TYPE=Release ${prefix:+"-DCMAKE_PREFIX_PATH=$prefix"} \
        > "$out/configure.log" 2>&1 &&
      cmake --build "$build" -j "$(nproc)" > "$out/build.log" 2>&1 &&
      ctest --test-dir "$build" -j 4 --output-on-failure > "$out/ctest.log" 2>&1; } || status=1
    tail -n 5 "$out/ctest.log" 2> /dev/null
  fi
  [ -x "$build/bin/train-agent" ] || { stamp "no build; stopping"; exit 1; }
else
  build=${FLOWRL_GPU_BUILD:-build}
fi

stamp "training-step benchmark ($device)"
bench_args=(--steps 50 --threads 4 --out "$out/benchmarks-gpu.md")
[ "$device" = cuda ] && bench_args+=(--device cuda) || bench_args=(--steps 3 --out "$out/benchmarks-gpu.md")
"$build/bench/agent/bench_train_step" "${bench_args[@]}" > "$out/bench_train_step.txt" 2>&1 || status=1
tail -n 6 "$out/bench_train_step.txt"

stamp "dataset: 50k hopper transitions from the medium policy"
data="$out/hopper-medium-50k.hdf5"
"$build/bin/collect-dataset" --env hopper --policy data/policies/hopper-sac.h5 --stochastic \
  --transitions 50000 --seed 0 --out "$data" --json "$out/hopper-medium-50k.json" > "$out/collect.log" 2>&1 || status=1

run="$out/hopper-authors-$device"
stamp "train-agent --device $device: the authors' recipe (256/3/4), $steps updates"
"$build/bin/train-agent" --config configs/dt/hopper-medium.yaml --set "dataset.path=$data" \
  --set "train.steps=$steps" --set "train.warmup_steps=$warmup" --set eval.every=0 --set eval.final_episodes=0 \
  --set train.checkpoint_every=500 --device "$device" --seed 0 --out "$run" --no-progress > "$out/train.log" 2>&1 || status=1
tail -n 2 "$out/train.log"
tail -n 3 "$run/log.csv"

stamp "evaluate-policy --device $device: 100 episodes per target, batched"
"$build/bin/evaluate-policy" --checkpoint "$run" --env hopper --target-return 3600 1800 --episodes 100 \
  --seed 0 --device "$device" --quiet --json "$out/evaluation-$device.json" > "$out/evaluate.log" 2>&1 || status=1
tail -n 4 "$out/evaluate.log"
rm -f "$data"  # large; the JSON next to it stays
find "$run" -name '*.pt' -delete 2>/dev/null  # keep the logs and config, not the weights
stamp "done (status $status)"
exit $status
