#!/usr/bin/env bash
# gpu-check.sh — the one prepared call for a session that is lent the GPU machine (docs/building.md, "GPU").
# Runs ON a GPU machine, from the project's root. On the development VM's lent GPU machine (no
# package mirror there) run ../shared/gpu/bundle.sh here first, then with the device tool:
#
#   run  command: bash scripts/gpu-check.sh    carry: [".gpu"]    timeout_s: 540
#
# Elsewhere (packages installed, CUDA LibTorch from PyTorch's wheel or the system) just run it.
# 0. logs what the machine offers (GPU, nvcc, the PyTorch wheel and its C++ ABI) to machine.txt;
# 1. builds into build-gpu/, configured as scripts/build-torch2.sh configures (scripts/lib/torch2.sh;
#    the Debian packages from .gpu/debs when present), and runs the [cuda] tests (their names say
#    CUDA or GPU); when PyTorch's CMake config cannot be used (it wants a CUDA toolkit), configures
#    again with FLOWRL_TORCH_ROOT, LibTorch taken from the wheel's folder directly;
# 2. benchmarks a training step on the GPU, Flow-Attention vs softmax, at both DT shapes;
# 3. trains the authors' recipe (256/3/4) on a small hopper dataset with --device cuda for
#    FLOWRL_GPU_STEPS updates (default 2000; log.csv has steps/s) and evaluates it on the GPU
#    (100 episodes per target, batched);
# 4. runs the rest of the test suite in the time left of FLOWRL_GPU_BUDGET seconds (default 500).
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

cuda_tests='CUDA|GPU'  # every [cuda] test case's name says one of them
if [ "$device" = cuda ]; then
  stamp "machine"
  { nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
    command -v nvcc && nvcc --version | tail -n 2
    ls -d /usr/local/cuda* 2> /dev/null
    python3 -c 'import torch, os; print("torch", torch.__version__, "cuda", torch.version.cuda, "cxx11 abi",
      torch._C._GLIBCXX_USE_CXX11_ABI, os.path.dirname(torch.__file__))'; } > "$out/machine.txt" 2>&1
  cat "$out/machine.txt"
  # The lent GPU machine reaches no package mirror: the build's Debian packages come in .gpu/debs
  # (../shared/gpu/bundle.sh), unpacked without overwriting anything the machine has.
  if [ -d .gpu/debs ]; then
    stage=$(mktemp -d)
    for d in .gpu/debs/*.deb; do dpkg -x "$d" "$stage"; done
    tar -C "$stage" -cf - . | tar -C / -xf - --skip-old-files --keep-directory-symlink
    ldconfig
  fi
  # configured as scripts/build-torch2.sh configures (scripts/lib/torch2.sh), against PyTorch's wheel here
  source scripts/lib/torch2.sh
  torch_root=$(python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))' 2> /dev/null || true)
  [ -n "$torch_root" ] || { stamp "python3 cannot import torch: no LibTorch to build against"; exit 1; }
  stamp "configure against $torch_root, build, and the [cuda] tests"
  if ! flowrl_configure_torch2 "$build" "$torch_root" "$out/configure.log"; then
    stamp "configure failed (configure-first.log); again with LibTorch from $torch_root directly"
    cp "$out/configure.log" "$out/configure-first.log"
    rm -rf "$build"
    flowrl_configure_torch2 "$build" "$torch_root" "$out/configure.log" "-DFLOWRL_TORCH_ROOT=$torch_root" || status=1
  fi
  { cmake --build "$build" -j "$(nproc)" > "$out/build.log" 2>&1 &&
    ctest --test-dir "$build" -j 4 -R "$cuda_tests" --output-on-failure > "$out/ctest.log" 2>&1; } || status=1
  grep -E "error" "$out/build.log" | head -n 20
  tail -n 5 "$out/ctest.log" 2> /dev/null
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

if [ "$device" = cuda ]; then
  left=$(( ${FLOWRL_GPU_BUDGET:-500} - ($(date +%s) - t0) ))
  if [ "$left" -gt 30 ]; then
    stamp "the rest of the test suite (${left} s left)"
    (cd "$build" && timeout "$left" ctest -j 8 -E "$cuda_tests" --output-on-failure) > "$out/ctest-rest.log" 2>&1 || status=1
    tail -n 5 "$out/ctest-rest.log"
  else
    stamp "no time left for the rest of the test suite"
  fi
fi
stamp "done (status $status)"
exit $status
