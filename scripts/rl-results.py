#!/usr/bin/env python3
"""Tabulate fast-cpu RL results: runs/fast-cpu/*/eval-final.json and data/generated/*.hdf5.json.

    scripts/rl-results.py RUNS_DIR DATA_DIR   -> Markdown on stdout
Only finished runs are counted; missing cells say how many seeds are done.
"""
import glob
import json
import os
import statistics
import sys

runs_dir, data_dir = sys.argv[1], sys.argv[2]
runs = {}
for path in sorted(glob.glob(os.path.join(runs_dir, "*", "eval-final.json"))):
    name = os.path.basename(os.path.dirname(path))          # env-dset-backbone-seedS
    base, seed = name.rsplit("-seed", 1)
    env_dset, backbone = base.rsplit("-", 1)
    env, dset = env_dset.split("-", 1)
    doc = json.load(open(path))
    per_target = {}
    for t in doc["targets"]:
        ev = t["evaluation"]
        per_target[t["target"]] = ev["normalized"]["mean"]
    runs.setdefault((env, dset, backbone), []).append((int(seed), per_target, doc.get("step")))


def data_score(env, dset):
    path = os.path.join(data_dir, f"{env}-{dset}.hdf5.json")
    if not os.path.exists(path):
        return None
    j = json.load(open(path))
    n = j.get("normalized_returns") or {}
    return n.get("mean") if isinstance(n, dict) else None


def cell(entries):
    if not entries:
        return "not run yet", None
    best = []  # per seed: the better target (both are shown)
    targets = sorted({t for _, pt, _ in entries for t in pt}, reverse=True)
    parts = []
    for t in targets:
        vals = [pt[t] for _, pt, _ in entries if t in pt]
        m = statistics.mean(vals)
        s = statistics.pstdev(vals) if len(vals) > 1 else 0.0
        parts.append(f"{int(t)}: {m:.1f} ± {s:.1f}")
    for _, pt, _ in entries:
        best.append(max(pt.values()))
    return " / ".join(parts) + f" (n={len(entries)})", statistics.mean(best)


print("| dataset | behaviour data | Flowformer-DT (target: mean ± std over seeds) | softmax-DT |")
print("|---|---|---|---|")
for env in ["hopper", "halfcheetah", "walker2d"]:
    for dset in ["medium", "medium-expert", "mixed"]:
        d = data_score(env, dset)
        f, _ = cell(runs.get((env, dset, "flow"), []))
        s, _ = cell(runs.get((env, dset, "softmax"), []))
        ds = f"{d:.1f}" if d is not None else "–"
        print(f"| {env}-{dset} | {ds} | {f} | {s} |")
