#!/usr/bin/env bash
# The main job, end to end on a fresh Debian 12 machine, on a small bundled default:
#   install the packages, build flowrl, make a small hopper dataset from the bundled medium
#   behaviour policy, train a short fast-cpu Flowformer-DT run, evaluate it, print the normalized score.
#
#   scripts/run-main.sh [BUILD_DIR]      (default: build; outputs under runs/main/)
# Knobs: FLOWRL_MAIN_STEPS (default 1000 updates), FLOWRL_MAIN_EPISODES (default 10 per target).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
steps=${FLOWRL_MAIN_STEPS:-1000}
episodes=${FLOWRL_MAIN_EPISODES:-10}
out=runs/main

bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release
cmake --build "$build" -j "$(nproc)" --target collect-dataset train-agent evaluate-policy

mkdir -p "$out"
# 1. 100k transitions of the SAC (medium) hopper policy, sampled stochastically, D4RL layout.
if [ ! -f "$out/hopper-medium-100k.hdf5" ]; then
  "$build/bin/collect-dataset" --env hopper --policy data/policies/hopper-sac.h5 --stochastic \
    --transitions 100000 --seed 0 --out "$out/hopper-medium-100k.hdf5" --json "$out/hopper-medium-100k.json"
fi
# 2. A short fast-cpu run (resumed if interrupted).
run="$out/hopper-flowformer-dt"
if [ -f "$run/checkpoints/latest" ]; then
  "$build/bin/train-agent" --resume "$run"
else
  rm -rf "$run"
  "$build/bin/train-agent" --config configs/dt/hopper-medium.yaml --config configs/dt/fast-cpu.yaml \
    --set "dataset.path=$out/hopper-medium-100k.hdf5" --set "train.steps=$steps" \
    --set train.warmup_steps=100 --set eval.every=0 --set eval.final_episodes=0 --out "$run"
fi
# 3. Evaluate the last checkpoint: all episodes of a target together, D4RL-normalized.
"$build/bin/evaluate-policy" --checkpoint "$run" --env hopper --target-return 3600 1800 \
  --episodes "$episodes" --seed 0 --quiet --json "$out/evaluation.json"
