#!/usr/bin/env bash
# reproduce-forecast.sh — runs the forecasting configs x seeds behind docs/results.md (Forecasting).
#
#   scripts/reproduce-forecast.sh [--bin build/bin/train-forecaster] [--out runs/forecast]
#                                 [--seeds "2021 2022 2023"] [--data-dir DIR] [--dry-run]
#                                 [--table] [PATTERN ...]
#
# PATTERN selects configs by name (shell globs over configs/forecast/*.yaml stems, e.g. 'etth1_*'
# 'ili_inverted_*'); default: all 40, in the order of the issue's priorities (ETTh1, ETTh2, exchange,
# ILI, ETTm1). Resumable: a run whose <out>/<name>/seed<seed>/result.json exists is skipped, so the
# script can be killed and restarted at any time. Several instances may run side by side (one per
# core): each locks the run it works on (flock on <out>/<name>/.seed<seed>.lock) and the others skip it. Each finished run appends one line to
# <out>/results.tsv (name, dataset, head, L, H, seed, test MSE, test MAE, best epoch, epochs,
# train seconds, total seconds, threads, CPU seconds).
#
# --data-dir DIR  passes --set data.dir=DIR to every selected config (needed for ETTm1.csv, which is
#                 not shipped): DIR must then hold every CSV those configs read, e.g. a copy of
#                 data/timeseries/*.csv next to ETTm1.csv, or select only 'ettm1_*' with it
# --table         prints the mean/std over seeds per config from results.tsv, and exits
# Extra train-forecaster overrides: FORECAST_SET="train.threads=2 model.dropout=0.2" (space-separated).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
bin="$root/build/bin/train-forecaster"
out="runs/forecast"
seeds="2021 2022 2023"
data_dir=""
dry_run=0
table=0
patterns=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bin) bin=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --data-dir) data_dir=$2; shift 2 ;;
    --dry-run) dry_run=1; shift ;;
    --table) table=1; shift ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "reproduce-forecast.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    *) patterns+=("$1"); shift ;;
  esac
done

results="$out/results.tsv"

if [[ $table -eq 1 ]]; then
  [[ -f "$results" ]] || { echo "no $results yet" >&2; exit 1; }
  # mean and population std over the seeds of each config (later lines of a (name, seed) win)
  awk -F'\t' 'NR > 1 { key = $1 "\t" $6; mse[key] = $7; mae[key] = $8; t[key] = $11; name[key] = $1 }
    END {
      for (k in mse) { n = name[k]; c[n]++; s[n] += mse[k]; ss[n] += mse[k] * mse[k]; a[n] += mae[k]; tt[n] += t[k] }
      printf "%-26s %5s %8s %8s %8s %9s\n", "config", "seeds", "mse", "mse_std", "mae", "train_s"
      for (n in c) {
        m = s[n] / c[n]; v = ss[n] / c[n] - m * m; if (v < 0) v = 0
        printf "%-26s %5d %8.4f %8.4f %8.4f %9.1f\n", n, c[n], m, sqrt(v), a[n] / c[n], tt[n] / c[n]
      }
    }' "$results" | (read -r header; echo "$header"; sort)
  exit 0
fi

[[ -x "$bin" ]] || { echo "reproduce-forecast.sh: no train-forecaster at $bin; build it (ninja -C build train-forecaster) or pass --bin" >&2; exit 1; }

# configs in priority order
configs=()
for prefix in etth1 etth2 exchange ili ettm1; do
  for f in "$root"/configs/forecast/${prefix}_*.yaml; do
    name=$(basename "$f" .yaml)
    if [[ ${#patterns[@]} -gt 0 ]]; then
      keep=0
      for p in "${patterns[@]}"; do
        # shellcheck disable=SC2053
        [[ $name == $p ]] && keep=1
      done
      [[ $keep -eq 1 ]] || continue
    fi
    configs+=("$f")
  done
done
[[ ${#configs[@]} -gt 0 ]] || { echo "reproduce-forecast.sh: no config matches ${patterns[*]}" >&2; exit 1; }

mkdir -p "$out"
[[ -f "$results" ]] || printf 'name\tdataset\thead\tL\tH\tseed\ttest_mse\ttest_mae\tbest_epoch\tepochs\ttrain_s\ttotal_s\tthreads\tcpu_s\n' > "$results"

# a number field of a flat JSON file
json_field() { sed -n "s/^  \"$2\": \"\{0,1\}\([^\",]*\)\"\{0,1\},\{0,1\}$/\1/p" "$1" | head -n 1; }

extra=()
if [[ -n "$data_dir" ]]; then
  # configs resolve a relative data.dir against their own folder, so pass it absolute
  data_dir=$(cd "$data_dir" && pwd) || { echo "reproduce-forecast: --data-dir: no such folder" >&2; exit 2; }
  extra+=(--set "data.dir=$data_dir")
fi
for s in ${FORECAST_SET:-}; do extra+=(--set "$s"); done

for f in "${configs[@]}"; do
  name=$(basename "$f" .yaml)
  for seed in $seeds; do
    json="$out/$name/seed$seed/result.json"
    if [[ -f "$json" ]]; then
      echo "skip $name seed $seed (done: $json)"
      continue
    fi
    cmd=("$bin" --config "$f" --set "seed=$seed" --set "output.dir=$out" "${extra[@]}")
    if [[ $dry_run -eq 1 ]]; then
      echo "${cmd[*]}"
      continue
    fi
    mkdir -p "$out/$name"
    exec 9>"$out/$name/.seed$seed.lock"
    if ! flock -n 9; then
      echo "skip $name seed $seed (another instance is on it)"
      exec 9>&-
      continue
    fi
    if [[ -f "$json" ]]; then exec 9>&-; continue; fi  # finished while we looked
    echo "run  $name seed $seed"
    "${cmd[@]}"
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" \
      "$(json_field "$json" dataset)" "$(json_field "$json" head)" "$(json_field "$json" seq_len)" \
      "$(json_field "$json" pred_len)" "$seed" "$(json_field "$json" test_mse)" "$(json_field "$json" test_mae)" \
      "$(json_field "$json" best_epoch)" "$(json_field "$json" epochs_run)" "$(json_field "$json" train_seconds)" \
      "$(json_field "$json" total_seconds)" "$(json_field "$json" threads)" "$(json_field "$json" cpu_seconds)" >> "$results"
    exec 9>&-
  done
done
