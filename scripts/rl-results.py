#!/usr/bin/env python3
"""rl-results.py — the Offline RL tables of docs/results.md from fast-cpu train-agent runs.

    python3 scripts/rl-results.py [--write FILE.md] [--record] [--checks] [--ledger DIR]
                                  [RUNS_DIR [DATA_DIR]]   (defaults: runs/fast-cpu data/generated)

Reads RUNS_DIR/<env>-<dataset>-<flow|softmax>-seed<S>/eval-final.json (written by train-agent after
the last update: the last checkpoint, eval.final_episodes episodes per target) and the behaviour
data's statistics DATA_DIR/<env>-<dataset>.hdf5.json (inspect-dataset --json). Prints
  (0) the summary: per dataset, the data's score, each backbone's score at the headline target, the
      bar and whether Flowformer-DT meets it;
  (1) per dataset: the data's normalized score and each backbone's score at both targets, mean ± std
      over the seeds finished (n);
  (2) the issue's bar, read at the headline target fixed before any run (the higher one: hopper 3600,
      halfcheetah 12000, walker2d 5000): Flowformer-DT at or above the data's average (medium, mixed),
      at or above 90% of the expert's score (medium-expert), and no worse than softmax-DT on average
      (each dataset's difference taken on the seeds both backbones ran);
  (3) per run: scores, training and evaluation wall time.
Unfinished runs are not counted.

--checks prints the protocol checks of PROTOCOL (the name of RUNS_DIR) instead: every folder
PROTOCOL+CHECK/, PROTOCOL@rows-N/ or PROTOCOL+CHECK@rows-N/ of the ledger (and of RUNS_DIR's parent
folder), i.e. the runs of scripts/reproduce.sh with FLOWRL_CHECK=CHECK (configs/dt/checks/CHECK.yaml)
and/or FLOWRL_ROWS=N, each compared with the runs of PROTOCOL of the same dataset, backbone and seeds.
The checks of configs/dt/checks/ and the data-size check (1M rows) that have no folder yet are rows
that say "not run yet" (on walker2d-medium, seed 0, where every check starts). Two more tables:
weight-averaged runs (train.ema_decay > 0), the average against the last iterate of the same run; and,
for runs whose periodic evaluations use 100 episodes, the score at each checkpoint with the mean and
std (as np.std) across checkpoints.

Run folders are large and stay on the machine that trained them, so every finished run is also
kept, as a small JSON record, in the ledger docs/runs/PROTOCOL/<run>.json (scores per target, the
per-episode normalized returns and lengths, the periodic evaluations, wall times), and the behaviour
data's statistics in docs/runs/data.json. --record writes the records of RUNS_DIR's finished runs
and DATA_DIR's statistics into the ledger (scripts/reproduce.sh does so after each run). The tables
are made from the ledger and RUNS_DIR together; a run folder wins over its ledger record.
--ledger DIR reads and writes another ledger than docs/runs/ (the tests use a temporary one).

--episode prints the whole-episode comparison instead (issue #33): PROTOCOL+episode's Flowformer-DT
(recurrent acting) and softmax-DT (window acting) against PROTOCOL's K = 20 Flowformer-DT at the headline
target: a summary table with the data and the bar; whole-episode minus K = 20 per dataset with the
standard error of the difference over seeds and how many datasets lie beyond two standard errors each
way; and whole-episode Flowformer-DT minus softmax-DT where both ran.

With --write, the output replaces the text between `<!-- rl-results:PROTOCOL:begin -->` and
`<!-- rl-results:PROTOCOL:end -->` in FILE.md, where PROTOCOL is the name of RUNS_DIR (fast-cpu,
fast-cpu-10k, fast-cpu-20k), and, where FILE.md has them, the blocks
`<!-- rl-results:PROTOCOL:summary:begin/end -->` (the summary) and
`<!-- rl-results:PROTOCOL:checks:begin/end -->` (the protocol checks) and
`<!-- rl-results:PROTOCOL:episode:begin/end -->` (the whole-episode comparison). With --checks and --write,
only the checks block is written (and FILE.md must have it). So one command writes every table of a
protocol:  python3 scripts/rl-results.py --write docs/results.md runs/fast-cpu-10k
Standard library only.
"""
import csv
import glob
import json
import os
import re
import statistics
import sys

from results_md import emit, parse_args

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
# The ledger (--ledger DIR replaces it).
LEDGER = os.path.join(SCRIPT_DIR, "..", "docs", "runs")
DATA_LEDGER = os.path.join(LEDGER, "data.json")
CHECK_CONFIGS = os.path.join(SCRIPT_DIR, "..", "configs", "dt", "checks")

ENVS = ["hopper", "halfcheetah", "walker2d"]
DATASETS = ["medium", "medium-expert", "mixed"]
BACKBONES = ["flow", "softmax"]
# train-agent's default eval.targets per env: (headline, lower)
TARGETS = {"hopper": (3600.0, 1800.0), "halfcheetah": (12000.0, 6000.0), "walker2d": (5000.0, 2500.0)}
# The suffix of the positions-only envs (hopper-positions: no joint velocities observed; the memory task).
POSITIONS = "-positions"
# The expert policies' normalized scores on their own datasets (docs/datasets.md).
EXPERT = {"hopper": 108.9, "halfcheetah": 94.2, "walker2d": 107.4}
# The seeds every configuration of a protocol runs (reproduce.sh's default FLOWRL_SEEDS).
SEEDS_OF_RECORD = (0, 1)
# Protocol checks (configs/dt/checks/NAME.yaml, reproduce.sh FLOWRL_CHECK=NAME): their order in the
# table and what each changes. A check not named here is listed after these, by its name.
CHECKS = [("ema", "weight average, train.ema_decay 0.999: the average is scored (the last iterate too), "
                  "periodic evaluations of 100 episodes"),
          ("lr3e-4", "peak learning rate 3e-4 (protocol: 1e-3)"),
          ("lr1e-4", "peak learning rate 1e-4, the DT paper's (protocol: 1e-3)"),
          ("bf16", "bf16 mixed precision (docs/precision.md); the base runs are fp32"),
          ("episode", "whole-episode context (model.context: episode, docs/recurrent.md), 2-4 episodes per update; "
                      "the base runs have K = 20; softmax-DT acts through its window"),
          ("context100", "context K = 100, 13 windows per update (base: K = 20, 64 windows)")]
# Checks that run one backbone: a whole-episode model acts through Flow-Attention's recurrent state
# (softmax has none), and the memory task compares contexts of Flowformer-DT (docs/recurrent.md).
CHECK_BACKBONES = {"context100": ["flow"]}
# The whole-episode comparison (--episode): the check folder PROTOCOL+EPISODE_CHECK against PROTOCOL's
# K = 20 Flowformer-DT runs; whole-episode softmax-DT acts through its window (it has no recurrent state).
EPISODE_CHECK = "episode"
# The whole-episode softmax-DT runs issue #33 names (the rest of the datasets if the cores allow).
EPISODE_SOFTMAX_OF_RECORD = (("hopper", "mixed", 0), ("hopper", "mixed", 1), ("walker2d", "mixed", 0))
# The data-size check (reproduce.sh FLOWRL_ROWS=N): D4RL's size of a medium file.
CHECK_ROWS = 1000000
# Where a check runs first (issue 17): walker2d-medium, seed 0, both backbones.
CHECK_DATASET, CHECK_SEEDS = ("walker2d", "medium"), (0,)


def parse_run_name(name):
    """"hopper-medium-expert-flow-seed1" -> (env, dataset, backbone, seed); the env of a positions-only
    run keeps its suffix: "hopper-positions-medium-flow-seed0" -> ("hopper-positions", "medium", ...)."""
    base, seed = name.rsplit("-seed", 1)
    env_dset, backbone = base.rsplit("-", 1)
    env, dset = env_dset.split("-", 1)
    if dset.startswith(POSITIONS[1:] + "-"):
        env, dset = env + POSITIONS, dset[len(POSITIONS):]
    return env, dset, backbone, int(seed)


def targets_of(env):
    """train-agent's default (headline, lower) targets of an env; a positions-only env has its env's."""
    return TARGETS[env[:-len(POSITIONS)] if env.endswith(POSITIONS) else env]


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
    of RUNS_DIR's finished runs. Scores are keyed by the target as a float."""
    records = {}
    for path in sorted(glob.glob(os.path.join(LEDGER, protocol, "*.json"))):
        with open(path) as f:
            r = json.load(f)
        records[r["name"]] = r
    records.update((r["name"], r) for r in fresh)
    runs = {}
    for r in records.values():
        r = dict(r, scores={float(t): v for t, v in r["scores"].items()})
        if r.get("last_iterate"):
            r["last_iterate"] = dict(r["last_iterate"],
                                     scores={float(t): v for t, v in r["last_iterate"]["scores"].items()})
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
    data.update(data_stats(data_dir))
    return data


def data_stats(data_dir):
    """<env>-<dataset>[@rows-N] -> the statistics of DATA_DIR's inspect-dataset JSON files."""
    data = {}
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


def bar_of(env, dset, data_score):
    """(the bar's value or None, what it is) at the headline target."""
    if dset == "medium-expert":
        return 0.9 * EXPERT[env], f"90% of expert {EXPERT[env]:.1f}"
    return data_score(env, dset), "data average"


def paired_gap(runs, env, dset):
    """Flowformer-DT minus softmax-DT at the headline target over the seeds both backbones ran (a seed
    one backbone has alone would tilt the difference), or None where they share no seed."""
    high = targets_of(env)[0]
    score = {b: {e["seed"]: e["scores"][high] for e in runs.get((env, dset, b), []) if high in e["scores"]}
             for b in BACKBONES}
    seeds = score["flow"].keys() & score["softmax"].keys()
    return statistics.mean(score["flow"][s] - score["softmax"][s] for s in seeds) if seeds else None


def flow_minus_softmax(runs):
    """paired_gap of every dataset where the backbones share a seed."""
    gaps = (paired_gap(runs, env, dset) for env in ENVS for dset in DATASETS)
    return [g for g in gaps if g is not None]


def bar_sentence(subject, met, missed):
    """'SUBJECT on 2 of the 3 datasets run (a, b) and misses it on 1 (c)' (no final stop)."""
    line = f"{subject} on {len(met)} of the {len(met) + len(missed)} datasets run"
    if met:
        line += f" ({', '.join(met)})"
    if missed:
        line += f" and misses it on {len(missed)} ({', '.join(missed)})"
    return line


def summary_report(runs, data_score):
    """The summary table: dataset, data, both backbones at the headline target, bar, met."""
    out = ["| dataset | data | Flowformer-DT | softmax-DT | bar | met? |", "|---|---|---|---|---|---|"]
    met, missed, pending, partial = [], [], [], []
    for env in ENVS:
        high = targets_of(env)[0]
        for dset in DATASETS:
            d = data_score(env, dset)
            bar, what = bar_of(env, dset, data_score)
            texts = []
            for backbone in BACKBONES:
                entries = runs.get((env, dset, backbone), [])
                text, _ = cell(entries, high)
                if len(entries) == 1:  # name the seed
                    text = text.replace("(1 seed)", f"(seed {entries[0]['seed']})")
                elif entries:
                    text = text.replace(f"({len(entries)})", f"({len(entries)} seeds)")
                texts.append(text)
            f, nf = headline_of(runs, env, dset, "flow")
            name = f"{env}-{dset}"
            if f is None or bar is None:
                verdict = "not run yet" if f is None else "–"
                pending.append(name)
            else:
                verdict = "yes" if f >= bar else "**no**"
                (met if f >= bar else missed).append(name)
                if nf < len(SEEDS_OF_RECORD):
                    verdict += f" ({nf} of {len(SEEDS_OF_RECORD)} seeds)"
                    partial.append(name)
            ds = "–" if d is None else f"{d:.1f}"
            bar_text = "–" if bar is None else f"{bar:.1f} ({what})"
            out.append(f"| {name} | {ds} | {texts[0]} | {texts[1]} | {bar_text} | {verdict} |")
    out.append("")
    line = bar_sentence("Flowformer-DT meets its bar", met, missed)
    if pending:
        line += f"; {len(pending)} not run yet ({', '.join(pending)})"
    if partial:
        line += f"; fewer than {len(SEEDS_OF_RECORD)} seeds so far on {', '.join(partial)}"
    out.append(line + ".")
    diffs = flow_minus_softmax(runs)
    if diffs:
        mean = statistics.mean(diffs)
        out.append(f"Flowformer-DT minus softmax-DT at the headline target, averaged over the {len(diffs)} "
                   f"dataset(s) where both ran: {mean:+.1f} normalized points, on the seeds both ran (bar: no "
                   f"worse than softmax-DT on average: {'met' if mean >= 0 else '**not met**'}).")
    done = sum(1 for (env, dset, backbone), entries in runs.items() for e in entries
               if env in ENVS and dset in DATASETS and backbone in BACKBONES and e["seed"] in SEEDS_OF_RECORD)
    total = len(ENVS) * len(DATASETS) * len(BACKBONES) * len(SEEDS_OF_RECORD)
    out.append(f"Runs in the ledger: {done} of the {total} of record ({len(ENVS) * len(DATASETS)} datasets x "
               f"{len(BACKBONES)} backbones x seeds {', '.join(map(str, SEEDS_OF_RECORD))}).")
    return "\n".join(out) + "\n"


def headline_of(runs, env, dset, backbone):
    entries = runs.get((env, dset, backbone), [])
    return cell(entries, targets_of(env)[0])[1], len(entries)


def main_report(runs, data_score):
    """Tables (1)-(3) of the docstring."""
    out = []
    out.append("| dataset | behaviour data | Flowformer-DT, higher target | Flowformer-DT, lower target | "
               "softmax-DT, higher target | softmax-DT, lower target |")
    out.append("|---|---|---|---|---|---|")
    for env in ENVS:
        high, low = targets_of(env)
        for dset in DATASETS:
            d = data_score(env, dset)
            cells = []
            for backbone in BACKBONES:
                entries = runs.get((env, dset, backbone), [])
                text_high, _ = cell(entries, high)
                text_low, _ = cell(entries, low)
                cells += [f"{int(high)}: {text_high}", f"{int(low)}: {text_low}"]
            ds = f"{d:.1f}" if d is not None else "–"
            out.append(f"| {env}-{dset} | {ds} | " + " | ".join(cells) + " |")

    out.append("")
    out.append("| dataset | bar (headline target) | Flowformer-DT | met | softmax-DT | flow - softmax (seeds both ran) |")
    out.append("|---|---|---|---|---|---|")
    for env in ENVS:
        for dset in DATASETS:
            f, nf = headline_of(runs, env, dset, "flow")
            s, ns = headline_of(runs, env, dset, "softmax")
            if f is None and s is None:
                continue
            bar, what = bar_of(env, dset, data_score)
            met = "–" if f is None or bar is None else ("yes" if f >= bar else "no")
            met += "" if nf >= 2 or f is None else " (fewer than 2 seeds)"
            gap = paired_gap(runs, env, dset)
            diff = "–" if gap is None else f"{gap:+.1f}"
            ftext = "not run yet" if f is None else f"{f:.1f} ({nf})"
            stext = "not run yet" if s is None else f"{s:.1f} ({ns})"
            bar_text = "–" if bar is None else f"{bar:.1f} ({what})"
            out.append(f"| {env}-{dset} | {bar_text} | {ftext} | {met} | {stext} | {diff} |")
    diffs = flow_minus_softmax(runs)
    if diffs:
        out.append("")
        out.append(f"Flowformer-DT minus softmax-DT at the headline target, averaged over the {len(diffs)} "
                   f"dataset(s) where both ran: {statistics.mean(diffs):+.1f} normalized points, on the seeds "
                   f"both ran.")

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
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------
# Protocol checks

def parse_check(protocol, folder):
    """'fast-cpu-10k+ema@rows-1000000' -> ('ema', 1000000); ('ema', None) for 'fast-cpu-10k+ema',
    (None, 1000000) for 'fast-cpu-10k@rows-1000000'; None when `folder` is not a check of PROTOCOL."""
    if not folder.startswith(protocol):
        return None
    m = re.fullmatch(r"(?:\+([^@+/]+))?(?:@rows-([0-9]+))?", folder[len(protocol):])
    if not m or (m.group(1) is None and m.group(2) is None):
        return None
    return m.group(1), (int(m.group(2)) if m.group(2) else None)


def known_checks():
    """The check names in table order: CHECKS', then the other overlays in configs/dt/checks/."""
    names = [name for name, _ in CHECKS]
    others = sorted(os.path.basename(p)[:-len(".yaml")] for p in glob.glob(os.path.join(CHECK_CONFIGS, "*.yaml")))
    return names + [n for n in others if n not in names]


def check_label(check, rows):
    return (f"+{check}" if check else "") + (f"@rows-{rows}" if rows else "")


def check_what(check, rows):
    parts = []
    if check:
        parts.append(dict(CHECKS).get(check, f"configs/dt/checks/{check}.yaml"))
    if rows:
        parts.append(f"data of {rows:,} rows per medium file (medium-expert: twice that; protocol: 200,000)")
    return "; ".join(parts)


def check_folders(protocol, runs_root):
    """(check, rows, folder) of every check folder of PROTOCOL in the ledger or in RUNS_ROOT, in table
    order."""
    found = {}
    for base in (LEDGER, runs_root):
        if base and os.path.isdir(base):
            for folder in os.listdir(base):
                parsed = parse_check(protocol, folder)
                if parsed and os.path.isdir(os.path.join(base, folder)):
                    found[folder] = parsed
    order = known_checks()

    def key(folder):
        check, rows = found[folder]
        return (rows is not None, order.index(check) if check in order else len(order), check or "", rows or 0)
    return [(found[f][0], found[f][1], f) for f in sorted(found, key=key)]


def check_runs(folder, runs_root):
    """(env, dataset, backbone) -> records of a check folder: the ledger's, replaced by its finished run
    folders under RUNS_ROOT."""
    fresh = []
    if runs_root and os.path.isdir(os.path.join(runs_root, folder)):
        fresh = finished_runs(os.path.join(runs_root, folder))
    return load_runs(fresh, folder)


def fmt(value):
    return "–" if value is None else f"{value:.1f}"


def mean_or_none(values):
    return statistics.mean(values) if values else None


def checks_report(protocol, base_runs, runs_root, data):
    """The protocol-check tables of PROTOCOL (see the docstring)."""
    folders = check_folders(protocol, runs_root)
    present = {(c, r) for c, r, _ in folders}
    rows_run = any(r is not None for _, r, _ in folders)
    # every known check, and the data-size check, that has no folder yet: a "not run yet" entry
    entries = [(c, r, f, check_runs(f, runs_root)) for c, r, f in folders]
    missing = [(c, None) for c in known_checks() if (c, None) not in present]
    if not rows_run:
        missing.append((None, CHECK_ROWS))
    order = known_checks()
    entries += [(c, r, protocol + check_label(c, r), {}) for c, r in missing]
    entries.sort(key=lambda e: (e[1] is not None, order.index(e[0]) if e[0] in order else len(order), e[0] or ""))

    out = ["| check | what changes from " + protocol + " | ledger folder | runs recorded |", "|---|---|---|---|"]
    for check, rows, folder, runs in entries:
        n = sum(len(v) for v in runs.values())
        out.append(f"| {check_label(check, rows)} | {check_what(check, rows)} | `docs/runs/{folder}/` | "
                   f"{n if n else 'not run yet'} |")

    out.append("")
    out.append(f"| check | dataset | backbone | seeds | check, higher target | {protocol}, same seeds | change | "
               f"check, lower target | {protocol}, same seeds | data | check - data |")
    out.append("|---|---|---|---|---|---|---|---|---|---|---|")
    averaged, periodic = [], []
    for check, rows, folder, runs in entries:
        datasets = sorted({(env, dset) for env, dset, _ in runs},
                          key=lambda k: (ENVS.index(k[0]) if k[0] in ENVS else 9, DATASETS.index(k[1]) if k[1] in DATASETS else 9))
        for env, dset in datasets or [CHECK_DATASET]:
            high, low = targets_of(env)
            d = data.get(f"{env}-{dset}" + (f"@rows-{rows}" if rows else ""))
            d = d["normalized_mean"] if d else None
            for backbone in CHECK_BACKBONES.get(check, BACKBONES):
                recs = sorted(runs.get((env, dset, backbone), []), key=lambda r: r["seed"])
                seeds = [r["seed"] for r in recs] or list(CHECK_SEEDS)
                base = [r for r in base_runs.get((env, dset, backbone), []) if r["seed"] in seeds]
                cells = []
                for t in (high, low):
                    c = mean_or_none([r["scores"][t] for r in recs if t in r["scores"]])
                    b = mean_or_none([r["scores"][t] for r in base if t in r["scores"]])
                    btext = "not in the ledger" if b is None else fmt(b)
                    if b is not None and len(base) < len(seeds):
                        btext += " (seeds " + ", ".join(str(r["seed"]) for r in base) + " only)"
                    ctext = "not run yet" if c is None else fmt(c)
                    change = "–" if c is None or b is None or len(base) < len(seeds) else f"{c - b:+.1f}"
                    cells.append((f"{int(t)}: {ctext}", btext, change, c))
                above = "–" if cells[0][3] is None or d is None else f"{cells[0][3] - d:+.1f}"
                label = "Flowformer-DT" if backbone == "flow" else "softmax-DT"
                out.append(f"| {check_label(check, rows)} | {env}-{dset} | {label} | {', '.join(map(str, seeds))} | "
                           f"{cells[0][0]} | {cells[0][1]} | {cells[0][2]} | {cells[1][0]} | {cells[1][1]} | "
                           f"{fmt(d)} | {above} |")
                for r in recs:
                    if r.get("last_iterate"):
                        averaged.append((check_label(check, rows), r))
                    if hundred_episode_periodic(r):
                        periodic.append((check_label(check, rows), r))

    out.append("")
    out.append("Weight-averaged runs: the average against the last iterate of the same run (last checkpoint, "
               "100 episodes per target).")
    out.append("")
    out.append("| check | run | average, higher target | last iterate, higher target | average - last iterate | "
               "average, lower target | last iterate, lower target |")
    out.append("|---|---|---|---|---|---|---|")
    for label, r in averaged:
        high, low = targets_of(r["env"])
        raw = r["last_iterate"]["scores"]
        a, li = r["scores"].get(high), raw.get(high)
        diff = "–" if a is None or li is None else f"{a - li:+.1f}"
        out.append(f"| {label} | {r['name']} | {int(high)}: {fmt(a)} | {int(high)}: {fmt(li)} | {diff} | "
                   f"{int(low)}: {fmt(r['scores'].get(low))} | {int(low)}: {fmt(raw.get(low))} |")
    if not averaged:
        for backbone in BACKBONES:
            out.append(f"| +ema | {'-'.join(CHECK_DATASET)}-{backbone}-seed{CHECK_SEEDS[0]} | not run yet | | | | |")

    out.append("")
    out.append("Checkpoint to checkpoint: runs whose periodic evaluations use 100 episodes, headline target; "
               "mean and std (as np.std) across the checkpoints, the last one included.")
    out.append("")
    steps = sorted({e["step"] for _, r in periodic for ev in periodic_series(r) for e in ev[1]})
    if not steps:
        steps = [2500, 5000, 7500, 10000]
    out.append("| check | run | weights | " + " | ".join(f"update {s}" for s in steps) + " | mean | std |")
    out.append("|---|---|---|" + "---|" * len(steps) + "---|---|")
    for label, r in periodic:
        for weights, evals in periodic_series(r):
            by_step = {e["step"]: e["normalized_mean"] for e in evals}
            values = [by_step[s] for s in steps if s in by_step]
            m, sd = summary(values) if values else (None, None)
            out.append(f"| {label} | {r['name']} | {weights} | " + " | ".join(fmt(by_step.get(s)) for s in steps)
                       + f" | {fmt(m)} | {fmt(sd)} |")
    if not periodic:
        for backbone in BACKBONES:
            out.append(f"| +ema | {'-'.join(CHECK_DATASET)}-{backbone}-seed{CHECK_SEEDS[0]} | not run yet |"
                       + " |" * (len(steps) + 2))
    return "\n".join(out) + "\n"


def seed_se(values):
    """The standard error of a mean over seeds (sample std / sqrt(n)); None for fewer than 2 seeds."""
    return statistics.stdev(values) / len(values) ** 0.5 if len(values) > 1 else None


def episode_report(protocol, base_runs, runs_root, data_score):
    """The whole-episode tables (--episode): PROTOCOL+episode's Flowformer-DT and softmax-DT against
    PROTOCOL's K = 20 Flowformer-DT, at the headline target, over the seeds of record."""
    folder = f"{protocol}+{EPISODE_CHECK}"
    we = check_runs(folder, runs_root)

    def seeded(runs, env, dset, backbone):
        high = targets_of(env)[0]
        return {r["seed"]: r["scores"][high] for r in runs.get((env, dset, backbone), [])
                if high in r["scores"] and r["seed"] in SEEDS_OF_RECORD}

    def text(scores):
        if not scores:
            return "not run yet"
        m, sd = summary(list(scores.values()))
        if len(scores) == 1:
            return f"{m:.1f} (seed {next(iter(scores))})"
        return f"{m:.1f} ± {sd:.1f} ({len(scores)} seeds)"

    out = ["| dataset | data | bar | K = 20 Flowformer-DT | whole-episode Flowformer-DT | whole-episode softmax-DT | "
           "bar met by whole-episode Flowformer-DT? |", "|---|---|---|---|---|---|---|"]
    rows, met, missed = [], [], []
    for env in ENVS:
        for dset in DATASETS:
            k20, wf, ws = (seeded(base_runs, env, dset, "flow"), seeded(we, env, dset, "flow"),
                           seeded(we, env, dset, "softmax"))
            bar, what = bar_of(env, dset, data_score)
            verdict = "not run yet"
            if wf and bar is not None:
                ok = statistics.mean(wf.values()) >= bar
                verdict = "yes" if ok else "**no**"
                (met if ok else missed).append(f"{env}-{dset}")
                if len(wf) < len(SEEDS_OF_RECORD):
                    verdict += f" ({len(wf)} of {len(SEEDS_OF_RECORD)} seeds)"
            bar_text = "–" if bar is None else f"{bar:.1f} ({what})"
            out.append(f"| {env}-{dset} | {fmt(data_score(env, dset))} | {bar_text} | {text(k20)} | {text(wf)} | "
                       f"{text(ws)} | {verdict} |")
            rows.append((f"{env}-{dset}", k20, wf, ws))
    out.append("")
    out.append(bar_sentence("Whole-episode Flowformer-DT meets the bar", met, missed) + ".")
    named = sum(1 for env, dset, seed in EPISODE_SOFTMAX_OF_RECORD if seed in seeded(we, env, dset, "softmax"))
    out.append(f"Whole-episode runs in the ledger (`docs/runs/{folder}/`): Flowformer-DT "
               f"{sum(len(r[2]) for r in rows)} of {len(rows) * len(SEEDS_OF_RECORD)} ({len(rows)} datasets x seeds "
               f"{', '.join(map(str, SEEDS_OF_RECORD))}); softmax-DT {sum(len(r[3]) for r in rows)}, {named} of the "
               f"{len(EPISODE_SOFTMAX_OF_RECORD)} of record ("
               + ", ".join(f"{e}-{d} seed {s}" for e, d, s in EPISODE_SOFTMAX_OF_RECORD) + ").")

    out.append("")
    out.append("Whole-episode minus K = 20 (Flowformer-DT, headline target), on the seeds both ran. SE: the "
               "standard error of the difference of the two means over seeds, sqrt(s1²/n1 + s2²/n2) with each "
               "agent's sample std over its seeds. With 2 seeds each it rests on one degree of freedom per "
               "agent: read it as a rough scale, together with the per-seed differences.")
    out.append("")
    out.append("| dataset | seeds | whole episode | K = 20 | difference | SE | difference / SE | per-seed differences |")
    out.append("|---|---|---|---|---|---|---|---|")
    above, below, within, no_se = [], [], [], []
    for name, k20, wf, _ in rows:
        seeds = sorted(k20.keys() & wf.keys())
        if not seeds:
            out.append(f"| {name} | – | {text(wf)} | {text(k20)} | – | – | – | – |")
            continue
        a, b = [wf[s] for s in seeds], [k20[s] for s in seeds]
        diff = statistics.mean(a) - statistics.mean(b)
        se_a, se_b = seed_se(a), seed_se(b)
        se = None if se_a is None or se_b is None else (se_a ** 2 + se_b ** 2) ** 0.5
        if not se:
            ratio = "–"
            no_se.append(name)
        else:
            ratio = f"{diff / se:+.1f}"
            (above if diff > 2 * se else below if diff < -2 * se else within).append(name)
        out.append(f"| {name} | {', '.join(map(str, seeds))} | {statistics.mean(a):.1f} | {statistics.mean(b):.1f} | "
                   f"{diff:+.1f} | {fmt(se)} | {ratio} | " + ", ".join(f"{wf[s] - k20[s]:+.1f}" for s in seeds) + " |")
    out.append("")

    def names(group):
        return f" ({', '.join(group)})" if group else ""
    line = (f"Beyond two standard errors: above K = 20 on {len(above)} of the {len(above) + len(below) + len(within)} "
            f"datasets with at least two seeds of each{names(above)}, below on {len(below)}{names(below)}, within on "
            f"{len(within)}{names(within)}")
    if no_se:
        line += f"; no SE yet (one seed of either): {', '.join(no_se)}"
    out.append(line + ".")

    out.append("")
    out.append("Whole-episode Flowformer-DT minus whole-episode softmax-DT (headline target), on the seeds both ran:")
    out.append("")
    out.append("| dataset | seeds | Flowformer-DT | softmax-DT | difference | per-seed differences |")
    out.append("|---|---|---|---|---|---|")
    both = [(name, wf, ws, sorted(wf.keys() & ws.keys())) for name, _, wf, ws in rows if wf.keys() & ws.keys()]
    for name, wf, ws, seeds in both:
        a, b = statistics.mean(wf[s] for s in seeds), statistics.mean(ws[s] for s in seeds)
        out.append(f"| {name} | {', '.join(map(str, seeds))} | {a:.1f} | {b:.1f} | {a - b:+.1f} | "
                   + ", ".join(f"{wf[s] - ws[s]:+.1f}" for s in seeds) + " |")
    if not both:
        out.append("| (no dataset has both yet) | | | | | |")
    return "\n".join(out) + "\n"


def headline_periodic(evals, env):
    return sorted((e for e in evals or [] if float(e["target"]) == targets_of(env)[0]), key=lambda e: e["step"])


def hundred_episode_periodic(r):
    """Whether a run's periodic evaluations at the headline target all use 100 episodes or more (two at
    least)."""
    evals = headline_periodic(r.get("periodic_evaluations"), r["env"])
    return len(evals) >= 2 and all(e["episodes"] >= 100 for e in evals)


def periodic_series(r):
    """[(weights, headline-target periodic evaluations)]: the scored weights, then the last iterate of a
    weight-averaged run."""
    series = [("average" if r.get("weights") == "average" else "last iterate",
               headline_periodic(r.get("periodic_evaluations"), r["env"]))]
    if r.get("last_iterate"):
        series.append(("last iterate", headline_periodic(r["last_iterate"].get("periodic_evaluations"), r["env"])))
    return series


def take_option(argv, name):
    """argv without `name VALUE`, and VALUE (None when absent)."""
    if name not in argv:
        return argv, None
    i = argv.index(name)
    if i + 1 >= len(argv):
        sys.exit(f"rl-results.py: {name} needs a value (see --help)")
    return argv[:i] + argv[i + 2:], argv[i + 1]


def main():
    global LEDGER, DATA_LEDGER
    argv = sys.argv[1:]
    do_record = "--record" in argv
    do_checks = "--checks" in argv
    do_episode = "--episode" in argv
    argv = [a for a in argv if a not in ("--record", "--checks", "--episode")]
    argv, ledger = take_option(argv, "--ledger")
    if ledger is not None:
        LEDGER, DATA_LEDGER = ledger, os.path.join(ledger, "data.json")
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

    def checks():
        check_data = dict(data)
        for rows_dir in sorted(glob.glob(os.path.join(data_dir, "rows-*"))):
            check_data.update(data_stats(rows_dir))
        runs_root = os.path.dirname(os.path.normpath(runs_dir)) or "."
        return checks_report(protocol, runs, runs_root, check_data)

    def episode():
        return episode_report(protocol, runs, os.path.dirname(os.path.normpath(runs_dir)) or ".", data_score)

    name = f"rl-results:{protocol}"
    if do_checks:
        emit(checks(), write, name + ":checks", "rl-results.py")
    elif do_episode:
        emit(episode(), write, name + ":episode", "rl-results.py")
    elif write is None:
        sys.stdout.write(summary_report(runs, data_score) + "\n" + main_report(runs, data_score))
    else:
        emit(main_report(runs, data_score), write, name, "rl-results.py")
        emit(summary_report(runs, data_score), write, name + ":summary", "rl-results.py", optional=True)
        emit(checks(), write, name + ":checks", "rl-results.py", optional=True)
        emit(episode(), write, name + ":episode", "rl-results.py", optional=True)


if __name__ == "__main__":
    main()
