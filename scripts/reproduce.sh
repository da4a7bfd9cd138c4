#!/usr/bin/env bash
# Reproduce docs/results.md (RL): make the datasets, train Flowformer-DT and softmax-DT with a
# CPU protocol (configs/dt/fast-cpu.yaml, fast-cpu-10k.yaml, fast-cpu-20k.yaml or fast-cpu-100k.yaml), evaluate the last checkpoint, and tabulate.
#
#   scripts/reproduce.sh [BUILD_DIR]            (default: build; build it first)
#
# Each finished run's scores are recorded in docs/runs/<protocol>/ (rl-results.py --record); commit
# them, since runs/ holds checkpoints and stays on this machine.
# Resumable: a finished run (eval-final.json present) is skipped, an interrupted one continues
# from its latest checkpoint with train-agent --resume, and existing datasets are reused. Run it
# again after an interruption. A run that fails (say, it diverges) is reported and the others go
# on; the script then exits with 1 after the table. Runs use one core each (fast-cpu: 1 torch + 1
# OpenBLAS thread), so on 2 cores start it twice: each instance locks the run it works on (flock)
# and the other takes the next one. Environment knobs:
#   FLOWRL_PROTOCOL=fast-cpu   the overlay configs/dt/<protocol>.yaml; runs go to runs/<protocol>/
#                              (fast-cpu: 5k updates; fast-cpu-10k: 10k; fast-cpu-20k: 20k; fast-cpu-100k: 100k)
#   FLOWRL_SEEDS="0 1 2"      seeds per configuration (default "0 1")
#   FLOWRL_ENVS="hopper ..."   envs (default: hopper halfcheetah walker2d)
#   FLOWRL_DATASETS="medium medium-expert mixed"
#   FLOWRL_BACKBONES="flow softmax"
#   FLOWRL_ROWS=200000         rows of the medium dataset (medium-expert: twice; mixed: its recipe size);
#                              another size goes to data/generated/rows-N/ and its runs to runs/<protocol>@rows-N/
#   FLOWRL_CHECK=NAME          a protocol check: the overlay configs/dt/checks/NAME.yaml on top of the
#                              protocol's; runs go to runs/<protocol>+NAME/ (and the ledger's folder of that name);
#                              configs/dt/checks/NAME/<env>-<dataset>.yaml, where it exists, goes on top for that dataset
#   FLOWRL_NPROC=2             train each run data-parallel on 2 ranks (train-agent --nproc; one core
#                              each; the same global batch): one instance then uses both cores
#   FLOWRL_SKIP_RECORDED=1     skip runs the ledger (docs/runs/<protocol>/) already holds, e.g. to go
#                              on with a campaign on a machine without its run folders
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
bin="$build/bin"
seeds=${FLOWRL_SEEDS:-"0 1"}
envs=${FLOWRL_ENVS:-"hopper halfcheetah walker2d"}
datasets=${FLOWRL_DATASETS:-"medium medium-expert mixed"}
backbones=${FLOWRL_BACKBONES:-"flow softmax"}
rows=${FLOWRL_ROWS:-200000}
protocol=${FLOWRL_PROTOCOL:-fast-cpu}
overlay=configs/dt/$protocol.yaml
[ -f "$overlay" ] || { echo "reproduce.sh: FLOWRL_PROTOCOL=$protocol: no $overlay (fast-cpu, fast-cpu-10k, fast-cpu-20k or fast-cpu-100k)" >&2; exit 2; }
overlays=(--config "$overlay")
run_set=$protocol
if [ -n "${FLOWRL_CHECK:-}" ]; then
  check=configs/dt/checks/$FLOWRL_CHECK.yaml
  [ -f "$check" ] || { echo "reproduce.sh: FLOWRL_CHECK=$FLOWRL_CHECK: no $check" >&2; exit 2; }
  overlays+=(--config "$check")
  run_set=$run_set+$FLOWRL_CHECK
fi
data_dir=data/generated
if [ "$rows" != 200000 ]; then
  data_dir=data/generated/rows-$rows
  run_set=$run_set@rows-$rows
fi
runs_dir=runs/$run_set
nproc_args=()
[ "${FLOWRL_NPROC:-1}" != 1 ] && nproc_args=(--nproc "$FLOWRL_NPROC")
mkdir -p "$data_dir" "$runs_dir"

# 1. Datasets (flowrl's D4RL-style recipes; docs/datasets.md), with their statistics as JSON.
for env in $envs; do
  for dset in $datasets; do
    file="$data_dir/$env-$dset.hdf5"
    exec 8>"$data_dir/.$env-$dset.lock"
    flock 8  # another instance may be writing this dataset: wait for it
    if [ ! -f "$file" ]; then
      args=(--env "$env" --recipe "$dset" --seed 0 --threads 2 --out "$file" --no-progress)
      case $dset in
        medium) args+=(--transitions "$rows") ;;
        medium-expert) args+=(--transitions $((2 * rows))) ;;
      esac
      echo "== dataset $file" >&2
      "$bin/collect-dataset" "${args[@]}" >&2
    fi
    [ -f "$file.json" ] || "$bin/inspect-dataset" "$file" --env "$env" --json "$file.json" > /dev/null
    exec 8>&-
  done
done

# 2. Training and final evaluation (100 episodes per target, last checkpoint).
failed=()
for seed in $seeds; do
  for env in $envs; do
    for dset in $datasets; do
      for backbone in $backbones; do
        run="$runs_dir/$env-$dset-$backbone-seed$seed"
        if [ -f "$run/eval-final.json" ]; then continue; fi
        if [ -n "${FLOWRL_SKIP_RECORDED:-}" ] && [ -f "docs/runs/$run_set/${run##*/}.json" ]; then continue; fi
        exec 9>"$runs_dir/.$env-$dset-$backbone-seed$seed.lock"
        if ! flock -n 9; then
          echo "== skip $run (another instance is on it)" >&2
          exec 9>&-
          continue
        fi
        if [ -f "$run/eval-final.json" ]; then exec 9>&-; continue; fi  # finished while we waited
        echo "== run $run" >&2
        status=0
        if [ -f "$run/checkpoints/latest" ]; then
          "$bin/train-agent" --resume "$run" --no-progress "${nproc_args[@]}" || status=$?
        else
          rm -rf "$run"
          run_overlays=("${overlays[@]}")
          if [ -n "${FLOWRL_CHECK:-}" ] && [ -f "configs/dt/checks/$FLOWRL_CHECK/$env-$dset.yaml" ]; then
            run_overlays+=(--config "configs/dt/checks/$FLOWRL_CHECK/$env-$dset.yaml")
          fi
          "$bin/train-agent" --config "configs/dt/$env-$dset.yaml" "${run_overlays[@]}" "${nproc_args[@]}" \
            --set "dataset.path=$data_dir/$env-$dset.hdf5" --set "model.attention=$backbone" \
            --seed "$seed" --out "$run" --no-progress || status=$?
        fi
        if [ "$status" -ne 0 ]; then  # e.g. a diverged run: the others still run
          echo "== FAILED $run (train-agent exited with $status; its message is above)" >&2
          failed+=("$run")
        else  # keep its scores in the committed ledger, docs/runs/$run_set/ (run folders stay here)
          python3 scripts/rl-results.py --record "$runs_dir" "$data_dir" > /dev/null ||
            echo "== WARNING: could not record $run in docs/runs/$run_set/ (the message is above)" >&2
        fi
        exec 9>&-
      done
    done
  done
done

# 3. The table.
python3 scripts/rl-results.py "$runs_dir" "$data_dir"
if [ ${#failed[@]} -gt 0 ]; then
  echo "reproduce.sh: ${#failed[@]} run(s) failed: ${failed[*]}" >&2
  exit 1
fi
