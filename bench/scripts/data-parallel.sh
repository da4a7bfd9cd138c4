#!/usr/bin/env bash
# Data-parallel training speed: train-agent with 1 rank and with 2 ranks (one torch thread and one
# OpenBLAS thread each), side by side in one run, at 128/3/1 (configs/dt/fast-cpu.yaml) and 256/3/4
# (the DT recipe's size), global batch 64, K 20, no evaluation. Prints a markdown table: updates/s,
# the projected wall time to 10k updates, and the gradient all-reduce's milliseconds per update.
#
#   bench/scripts/data-parallel.sh [BUILD_DIR] [DATASET.hdf5] [UPDATES]
# (defaults: build, data/generated/hopper-medium.hdf5 from scripts/reproduce.sh, 300)
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
data=${2:-data/generated/hopper-medium.hdf5}
updates=${3:-300}
[ -f "$data" ] || { echo "data-parallel.sh: no $data; make it with: $build/bin/collect-dataset --env hopper --recipe medium --out $data" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "| model | ranks | updates/s | 10k updates (projected) | all-reduce ms/update | speed-up |"
echo "|---|---|---|---|---|---|"
for size in "128 3 1" "256 3 4"; do
  set -- $size
  base=""
  for n in 1 2; do
    out=$("$build/bin/train-agent" --config configs/dt/hopper-medium.yaml --config configs/dt/fast-cpu.yaml \
      --set dataset.path="$data" --set model.embed_dim="$1" --set model.layers="$2" --set model.heads="$3" \
      --set train.steps="$updates" --set train.checkpoint_every=100000 --set eval.every=0 --set eval.final_episodes=0 \
      --nproc "$n" --no-progress --out "$tmp/run-$1-$n" 2>&1 | grep "steps/s")
    rate=$(sed -E 's/.*, ([0-9.]+) steps\/s.*/\1/' <<< "$out")
    ms=$(grep -oE "all-reduce [0-9.]+" <<< "$out" | awk '{print $2}' || true)
    [ -z "$base" ] && base=$rate
    awk -v m="$1/$2/$3" -v n="$n" -v r="$rate" -v ms="${ms:--}" -v b="$base" \
      'BEGIN { printf "| %s | %d | %.2f | %.0f min | %s | %.2fx |\n", m, n, r, 10000 / r / 60, ms, r / b }' 
  done
done
