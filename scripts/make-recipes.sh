#!/usr/bin/env bash
# Generate every named recipe for hopper, halfcheetah and walker2d and print a Markdown table of
# their measured returns (the table in docs/datasets.md comes from this script).
#   scripts/make-recipes.sh BUILD_DIR OUT_DIR [TRANSITIONS] [SEED]
# TRANSITIONS (default: each recipe's D4RL size) is per recipe; medium-expert gets twice it.
set -euo pipefail
build=${1:?build dir}; out=${2:?output dir}; n=${3:-0}; seed=${4:-0}
exe="$build/bin/collect-dataset"
threads=${FLOWRL_THREADS:-$(nproc)}
mkdir -p "$out"
for env in hopper halfcheetah walker2d; do
  for recipe in random medium expert medium-expert mixed; do
    file="$out/${env}_${recipe//-/_}-flowrl.hdf5"
    args=(--env "$env" --recipe "$recipe" --seed "$seed" --threads "$threads" --out "$file" --json "$file.json" --no-progress)
    if [ "$n" -gt 0 ]; then
      if [ "$recipe" = medium-expert ]; then args+=(--transitions $((2 * n))); else args+=(--transitions "$n"); fi
    fi
    case $recipe in medium|expert) args+=(--check-episodes 50) ;; esac
    echo "== $env $recipe" >&2
    "$exe" "${args[@]}" >&2
  done
done
python3 - "$out" <<'PY'
import json, glob, os, sys
rows = []
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    j = json.load(open(f))
    ev = j.get("evaluation")
    rows.append("| %s | %s | %d | %d | %.1f ± %.1f | %.1f | %s | %.1e |" % (
        j["env"], os.path.basename(j["file"]), j["rows"], j["episodes"], j["returns"]["mean"], j["returns"]["std"],
        j["normalized_mean"] if j["normalized_mean"] is not None else float("nan"),
        ("%.1f (z %.1f)" % (ev["mean"], ev["z"])) if ev else "–", j["consistency_max_squared_error"]))
print("| env | file | rows | episodes | return mean ± std | normalized | evaluation (50 ep.) | qpos check max sq. err |")
print("|---|---|---|---|---|---|---|---|")
print("\n".join(rows))
PY
