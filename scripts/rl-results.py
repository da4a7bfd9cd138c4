#!/usr/bin/env python3
"""rl-results.py — the Agents tables of docs/results.md from fast-cpu train-agent runs.

    python3 scripts/rl-results.py [--write FILE.md] [--record] [RUNS_DIR [DATA_DIR]]
                                  (defaults: runs/fast-cpu data/generated)

Reads RUNS_DIR/<env>-<dataset>-<flow|softmax>-seed<S>/eval-final.json (written by train-agent after
the last update: the last checkpoint, eval.final_episodes episodes per target) and the behaviour
data's statistics DATA_DIR/<env>-<dataset>.hdf5.json (inspect-dataset --json). Prints
  (1) per dataset: the data's normalized score and each backbone's score at both targets, mean ± std
      over the seeds finished (n);
  (2) the issue's bar, read at the headline target fixed before any run (the higher one: hopper 3600,
      halfcheetah 12000, walker2d 5000): Flowformer-DT at or above the data's average (medium, mixed),
      at or above 90% of the expert's score (medium-expert), and no worse than softmax-DT on average;
  (3) per run: scores, training and evaluation wall time.
Unfinished runs are not counted.

Run folders are large and stay on the machine that trained them, so every finished run is also
kept, as a small JSON record, in the ledger docs/runs/PROTOCOL/<run>.json (scores per target, the
per-episode normalized returns and lengths, the periodic evaluations, wall times), and the behaviour
data's statistics in docs/runs/data.json. --record writes the records of RUNS_DIR's finished runs
and DATA_DIR's statistics into the ledger (scripts/reproduce.sh does so after each run). The tables
are made from the ledger and RUNS_DIR together; a run folder wins over its ledger record.

With --write, the output replaces the text between `<!-- rl-results:PROTOCOL:begin -->` and
`<!-- rl-results:PROTOCOL:end -->` in FILE.md, where PROTOCOL is the name of RUNS_DIR (fast-cpu,
fast-cpu-10k, fast-cpu-20k). Standard library only.
"""
import csv
import glob
import json
import os
import re
import statistics
import sys

from results_md import emit, parse_args

LEDGER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "docs", "runs")
DATA_LEDGER = os.path.join(LEDGER, "data.json")

ENVS = ["hopper", "halfcheetah", "walker2d"]
DATASETS = ["medium", "medium-expert", "mixed"]
BACKBONES = ["flow", "softmax"]
# train-agent's default eval.targets per env: (headline, lower)
TARGETS = {"hopper": (3600.0, 1800.0), "halfcheetah": (12000.0, 6000.0), "walker2d": (5000.0, 2500.0)}
# The expert policies' normalized scores on their own datasets (docs/datasets.md).
EXPERT = {"hopper": 108.9, "halfcheetah": 94.2, "walker2d": 107.4}


def parse_run_name(name):
    """"hopper-medium-expert-flow-seed1" -> (env, dataset, backbone, seed)."""
    base, seed = name.rsplit("-seed", 1)
    env_dset, backbone = base.rsplit("-", 1)
    env, dset = env_dset.split("-", 1)
    return env, dset, backbone, int(seed)


def read_csv(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f))


def read_final(path):
    """An eval-final.json -> (scores, per-episode lists, wall seconds, episodes per target)."""
    with open(path) as f:
        doc = json.load(f)
    scores, per_episode, eval_s, episodes = {}, {}, 0.0, 0
    for t in doc["targets"]:
        ev = t["evaluation"]
        key = f"{float(t['target']):g}"
        scores[key] = ev["normalized_return"]["mean"]
        per_episode[key] = {"normalized_return": [e["normalized_return"] for e in ev["per_episode"]],
                            "length": [e["length"] for e in ev["per_episode"]]}
        eval_s += ev["wall_seconds"]
        episodes = ev["episodes"]
    return doc, scores, per_episode, eval_s, episodes


def read_periodic(path):
    return [{"step": int(r["step"]), "target": float(r["target"]), "episodes": int(r["episodes"]),
             "normalized_mean": float(r["normalized_mean"])}
            for r in read_csv(path) if r.get("normalized_mean") not in (None, "")]


def record_from_run(run_dir):
    """The ledger record of a finished run folder (one with eval-final.json). A run that keeps a
    weight average also scores its last iterate (eval-final-raw.json, eval-raw.csv): recorded as
    last_iterate."""
    name = os.path.basename(os.path.normpath(run_dir))
    env, dset, backbone, seed = parse_run_name(name)
    doc, scores, per_episode, eval_s, episodes = read_final(os.path.join(run_dir, "eval-final.json"))
    train_s, rate = None, None
    rows = read_csv(os.path.join(run_dir, "log.csv"))
    if rows:
        # a resumed run restarts the clock: add up the segments
        train_s, previous = 0.0, 0.0
        for row in rows:
            elapsed = float(row["elapsed_s"])
            if elapsed < previous:
                train_s += previous
            previous = elapsed
        train_s += previous
        rate = float(rows[-1]["step"]) / train_s if train_s > 0 else None
    periodic = read_periodic(os.path.join(run_dir, "eval.csv"))
    rec = {"name": name, "env": env, "dataset": dset, "backbone": backbone, "seed": seed,
           "step": doc.get("step"), "episodes": episodes, "eval_s": eval_s, "train_s": train_s, "rate": rate,
           "scores": scores, "per_episode": per_episode, "periodic_evaluations": periodic,
           "weights": doc.get("weights", "last_iterate"),
           "source": "recorded by rl-results.py --record from the run folder's eval-final.json, log.csv and eval.csv"}
    raw_path = os.path.join(run_dir, "eval-final-raw.json")
    if os.path.exists(raw_path):
        _, raw_scores, raw_per_episode, raw_s, _ = read_final(raw_path)
        rec["eval_s"] += raw_s
        rec["last_iterate"] = {"scores": raw_scores, "per_episode": raw_per_episode,
                               "periodic_evaluations": read_periodic(os.path.join(run_dir, "eval-raw.csv"))}
    return rec


def finished_runs(runs_dir):
    """The records of RUNS_DIR's finished runs; a run whose eval-final.json cannot be read (cut short,
    edited by hand) is named on stderr and left out, so it neither counts nor stops the others."""
    records = []
    for path in sorted(glob.glob(os.path.join(runs_dir, "*", "eval-final.json"))):
        try:
            records.append(record_from_run(os.path.dirname(path)))
        except (ValueError, KeyError, TypeError) as e:
            print(f"rl-results.py: {path}: not a train-agent eval-final.json ({type(e).__name__}: {e}); "
                  f"left out. Re-run the final evaluation with evaluate-policy --json, or remove the file "
                  f"and run scripts/reproduce.sh to train that run again", file=sys.stderr)
    return records


def load_runs(fresh, protocol):
    """(env, dataset, backbone) -> list of run records: the ledger's, replaced by the `fresh` records
    of RUNS_DIR's finished runs."""
    records = {}
    for path in sorted(glob.glob(os.path.join(LEDGER, protocol, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        records[r["name"]] = r
    records.update((r["name"], r) for r in fresh)
    runs = {}
    for r in records.values():
        r = dict(r, scores={float(t): v for t, v in r["scores"].items()})
        runs.setdefault((r["env"], r["dataset"], r["backbone"]), []).append(r)
    return runs


def data_suffix(data_dir):
    """The ledger key suffix of a data folder: '' for the default size, '@rows-N' for the folder
    data/generated/rows-N that reproduce.sh uses for FLOWRL_ROWS=N."""
    base = os.path.basename(os.path.normpath(data_dir))
    return "@" + base if base.startswith("rows-") else ""


def behaviour_data(data_dir):
    """<env>-<dataset>[@rows-N] -> the behaviour data's statistics: the ledger's docs/runs/data.json,
    replaced by DATA_DIR's inspect-dataset JSON files where there are any."""
    data = {}
    if os.path.exists(DATA_LEDGER):
        with open(DATA_LEDGER) as f:
            data = json.load(f)
    for path in sorted(glob.glob(os.path.join(data_dir, "*.hdf5.json"))):
        with open(path) as f:
            doc = json.load(f)
        data[os.path.basename(path)[: -len(".hdf5.json")] + data_suffix(data_dir)] = {
            "rows": doc.get("rows"), "episodes": doc.get("episodes"),
            "return_mean": doc.get("returns", {}).get("mean"),
            "normalized_mean": doc["normalized_returns"]["mean"]}
    return data


def write_json(path, doc):
    """Writes `doc` as the ledger's JSON (atomically); returns False, writing nothing, when the file
    already holds exactly that."""
    text = json.dumps(doc, indent=1, sort_keys=True)
    # a list of numbers (the per-episode lists) on one line, so a record stays short
    text = re.sub(r"\[[-0-9.,eE\s]*\]", lambda m: " ".join(m.group(0).split()).replace("[ ", "[").replace(" ]", "]"),
                  text) + "\n"
    if os.path.exists(path):
        with open(path) as f:
            if f.read() == text:
                return False
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    return True


def record(fresh, data, protocol):
    """Writes the `fresh` run records and the behaviour data's statistics into the ledger (those that
    changed)."""
    os.makedirs(os.path.join(LEDGER, protocol), exist_ok=True)
    for r in fresh:
        if write_json(os.path.join(LEDGER, protocol, r["name"] + ".json"), r):
            print(f"recorded {protocol}/{r['name']}", file=sys.stderr)
    write_json(DATA_LEDGER, data)


def summary(values):
    m = statistics.mean(values)
    s = statistics.pstdev(values) if len(values) > 1 else 0.0
    return m, s


def cell(entries, target):
    vals = [e["scores"][target] for e in entries if target in e["scores"]]
    if not vals:
        return "not run yet", None
    m, s = summary(vals)
    if len(vals) == 1:  # one seed has no spread to show
        return f"{m:.1f} (1 seed)", m
    return f"{m:.1f} ± {s:.1f} ({len(vals)})", m


def main():
    argv = sys.argv[1:]
    do_record = "--record" in argv
    argv = [a for a in argv if a != "--record"]
    write, args = parse_args(argv, __doc__, "rl-results.py", must_exist=False)
    runs_dir = args[0] if args else "runs/fast-cpu"
    data_dir = args[1] if len(args) > 1 else "data/generated"
    protocol = os.path.basename(os.path.normpath(runs_dir))
    fresh = finished_runs(runs_dir)
    data = behaviour_data(data_dir)
    if do_record:
        record(fresh, data, protocol)
    runs = load_runs(fresh, protocol)

    def data_score(env, dset):
        entry = data.get(f"{env}-{dset}{data_suffix(data_dir)}")
        return entry["normalized_mean"] if entry else None

    out = []

    out.append("| dataset | behaviour data | Flowformer-DT, higher target | Flowformer-DT, lower target | "
               "softmax-DT, higher target | softmax-DT, lower target |")
    out.append("|---|---|---|---|---|---|")
    headline = {}
    for env in ENVS:
        high, low = TARGETS[env]
        for dset in DATASETS:
            d = data_score(env, dset)
            cells = []
            for backbone in BACKBONES:
                entries = runs.get((env, dset, backbone), [])
                text_high, m_high = cell(entries, high)
                text_low, _ = cell(entries, low)
                cells += [f"{int(high)}: {text_high}", f"{int(low)}: {text_low}"]
                headline[(env, dset, backbone)] = (m_high, len(entries))
            ds = f"{d:.1f}" if d is not None else "–"
            out.append(f"| {env}-{dset} | {ds} | " + " | ".join(cells) + " |")

    out.append("")
    out.append("| dataset | bar (headline target) | Flowformer-DT | met | softmax-DT | flow - softmax |")
    out.append("|---|---|---|---|---|---|")
    diffs = []
    for env in ENVS:
        for dset in DATASETS:
            f, nf = headline[(env, dset, "flow")]
            s, ns = headline[(env, dset, "softmax")]
            if f is None and s is None:
                continue
            if dset == "medium-expert":
                bar, what = 0.9 * EXPERT[env], f"90% of expert {EXPERT[env]:.1f}"
            else:
                bar, what = data_score(env, dset), "data average"
            met = "–" if f is None or bar is None else ("yes" if f >= bar else "no")
            met += "" if nf >= 2 or f is None else " (fewer than 2 seeds)"
            diff = "–"
            if f is not None and s is not None:
                diffs.append(f - s)
                diff = f"{f - s:+.1f}"
            ftext = "not run yet" if f is None else f"{f:.1f} ({nf})"
            stext = "not run yet" if s is None else f"{s:.1f} ({ns})"
            bar_text = "–" if bar is None else f"{bar:.1f} ({what})"
            out.append(f"| {env}-{dset} | {bar_text} | {ftext} | {met} | {stext} | {diff} |")
    if diffs:
        out.append("")
        out.append(f"Flowformer-DT minus softmax-DT at the headline target, averaged over the {len(diffs)} "
                   f"dataset(s) where both ran: {statistics.mean(diffs):+.1f} normalized points.")

    out.append("")
    out.append("| run | last step | score per target | episodes per target | training wall s | updates/s (periodic evaluation included) | "
               "final evaluation wall s (all targets) |")
    out.append("|---|---|---|---|---|---|---|")
    for key in sorted(runs):
        for e in sorted(runs[key], key=lambda e: e["seed"]):
            scores = ", ".join(f"{int(t)}: {v:.1f}" for t, v in sorted(e["scores"].items(), reverse=True))
            train = "–" if e["train_s"] is None else f"{e['train_s']:.0f}"
            rate = "–" if e["rate"] is None else f"{e['rate']:.2f}"
            out.append(f"| {e['name']} | {e['step']} | {scores} | {e['episodes']} | {train} | {rate} | "
                       f"{e['eval_s']:.0f} |")
    if not runs:
        out.append("| (no finished run yet) | | | | | | |")

    emit("\n".join(out) + "\n", write, f"rl-results:{protocol}", "rl-results.py")

if __name__ == "__main__":
    main()
