#!/usr/bin/env python3
"""plot-ledger.py — pictures and aggregate scores of the RL run ledger (docs/runs/).

    python3 scripts/plot-ledger.py [--protocol fast-cpu-10k] [--ledger docs/runs] [--out docs/img]
                                   [--reps 10000] [--seed 0]

Reads the ledger records LEDGER/PROTOCOL/*.json (one per finished train-agent run, written by
rl-results.py --record) and the behaviour data's statistics LEDGER/data.json, and writes into OUT:
  ledger-PROTOCOL-datasets.png   per dataset, each seed's normalized score of Flowformer-DT and
                                 softmax-DT at the headline target, with a 95% interval over its final
                                 episodes (records that keep only the scores have no interval: hollow),
                                 the mean over seeds, and the behaviour data's average;
  ledger-PROTOCOL-curves.png     the periodic evaluations at the headline target, averaged over seeds,
                                 the band spanning the seeds (only records that keep them);
  ledger-PROTOCOL-aggregate.png  the interquartile mean (IQM) and the mean over all runs with 95%
                                 stratified-bootstrap intervals, and the performance profiles (fraction
                                 of runs scoring above tau), as Agarwal et al. (NeurIPS 2021) recommend.
and prints, as a Markdown table, the plain means (as in docs/results.md) beside the IQM and the mean
over runs with their intervals. With --write FILE.md the table replaces the text between
`<!-- plot-ledger:PROTOCOL:begin -->` and `<!-- plot-ledger:PROTOCOL:end -->` in FILE.md instead:
    python3 scripts/plot-ledger.py --write docs/results.md

The headline target is the higher one of each env (hopper 3600, halfcheetah 12000, walker2d 5000).
The aggregates use the datasets where both backbones have runs; the bootstrap resamples runs with
replacement within each dataset (the strata), keeps the number of runs per dataset, and pools them, so
every run counts once. The IQM is the mean of the middle half of the pooled runs' scores (a quarter,
rounded down, cut at each end).

--against PROTOCOL2 compares two protocols of the ledger, e.g. the whole-episode agent with K = 20:
    python3 scripts/plot-ledger.py --protocol fast-cpu-10k+episode --against fast-cpu-10k --backbones flow
Each (protocol, backbone) is then a group of its own ('Flowformer-DT (fast-cpu-10k)'), only the nine
datasets of record count (hopper, halfcheetah, walker2d x medium, medium-expert, mixed), and the files
and the Markdown block are named PROTOCOL-vs-PROTOCOL2. --backbones flow keeps one backbone. Needs numpy and matplotlib (Debian: python3-matplotlib python3-numpy).
"""
import argparse
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_common as pc  # noqa: E402
from results_md import emit  # noqa: E402

PROGRAM = "plot-ledger.py"
RL = pc.load_script("rl-results.py")
ENVS, DATASETS, TARGETS, BACKBONES = RL.ENVS, RL.DATASETS, RL.TARGETS, RL.BACKBONES
np = plt = None  # set by main() (pc.setup)


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROGRAM, description=pc.description(__doc__),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--protocol", default="fast-cpu-10k",
                   help="ledger folder to read: fast-cpu, fast-cpu-10k, fast-cpu-20k, or a check such as "
                        "fast-cpu-10k+ema (default: %(default)s)")
    p.add_argument("--ledger", default=os.path.join(pc.ROOT, "docs", "runs"), metavar="DIR",
                   help="the run ledger (default: the repository's docs/runs)")
    p.add_argument("--out", default=os.path.join(pc.ROOT, "docs", "img"), metavar="DIR",
                   help="folder for the PNGs (default: the repository's docs/img)")
    p.add_argument("--reps", type=int, default=10000, help="bootstrap resamples (default: %(default)s)")
    p.add_argument("--seed", type=int, default=0, help="bootstrap random seed (default: %(default)s)")
    p.add_argument("--against", metavar="PROTOCOL",
                   help="compare PROTOCOL's runs with this protocol's (e.g. --protocol fast-cpu-10k+episode "
                        "--against fast-cpu-10k): each (protocol, backbone) is a group of its own, the files are "
                        "ledger-PROTOCOL-vs-AGAINST-*.png and the block plot-ledger:PROTOCOL-vs-AGAINST")
    p.add_argument("--backbones", metavar="LIST",
                   help="keep only these backbones, comma-separated (e.g. flow); default: all")
    p.add_argument("--write", metavar="FILE.md",
                   help="replace the plot-ledger:PROTOCOL block of FILE.md with the table instead of printing it")
    args = p.parse_args(argv)
    if args.reps < 100:
        p.error("--reps must be at least 100")
    if args.write is not None and not os.path.isfile(args.write):
        p.error(f"--write {args.write}: no such file")
    return args


# ------------------------------------------------------------------------------------------------
# Statistics (numpy only)

def iqm(x, axis=-1):
    """Interquartile mean along `axis`: the mean of the values left after cutting floor(n/4) of the
    smallest and floor(n/4) of the largest (n/4 need not be whole; this is scipy's trim_mean(x, 0.25))."""
    x = np.sort(np.asarray(x, dtype=float), axis=axis)
    n = x.shape[axis]
    cut = int(0.25 * n)
    return np.take(x, np.arange(cut, n - cut), axis=axis).mean(axis=axis)


def stratified_resamples(tasks, reps, rng):
    """tasks: one 1-D array of run scores per task (stratum). Returns a (reps, total runs) array: in
    each row, every task's runs drawn with replacement from that task's runs, the tasks side by side."""
    parts = [np.asarray(t, dtype=float)[rng.integers(0, len(t), size=(reps, len(t)))] for t in tasks]
    return np.concatenate(parts, axis=1)


def profile(scores, taus):
    """Fraction of the runs (last axis) scoring above each tau: shape scores.shape[:-1] + (len(taus),)."""
    scores = np.asarray(scores, dtype=float)
    return (scores[..., :, None] > np.asarray(taus)[None, :]).mean(axis=-2)


def interval(samples, level=0.95):
    """Percentile interval of bootstrap samples (along the first axis)."""
    lo, hi = 50 * (1 - level), 50 * (1 + level)
    return np.percentile(samples, lo, axis=0), np.percentile(samples, hi, axis=0)


def mean_interval(values, level=0.95):
    """95% interval of the mean of `values` (normal approximation; None with fewer than 2 values)."""
    values = np.asarray(values, dtype=float)
    if values.size < 2:
        return None
    half = 1.96 * values.std(ddof=1) / np.sqrt(values.size)
    return values.mean() - half, values.mean() + half


# ------------------------------------------------------------------------------------------------
# Ledger

def target_key(text):
    return float(text)


def headline_target(env, scores):
    if env in TARGETS:
        return float(TARGETS[env][0])
    return max(scores)


def read_record(path):
    """A ledger record -> a dict with float-keyed scores and per-episode lists; None (with a note) when it
    cannot be used."""
    try:
        r = pc.read_json(path, "a run ledger record (rl-results.py --record writes them)")
    except pc.UserError as e:
        pc.warn(PROGRAM, f"{e}; left out")
        return None
    try:
        if not isinstance(r, dict):
            raise TypeError("the record is not a JSON object")
        name = r.get("name") or os.path.basename(path)[:-len(".json")]
        env, dset, backbone = r.get("env"), r.get("dataset"), r.get("backbone")
        if not (env and dset and backbone):
            env, dset, backbone, _ = RL.parse_run_name(name)
        scores = {target_key(t): float(v) for t, v in (r.get("scores") or {}).items() if pc.finite(v)}
        per_episode = {}
        for t, v in (r.get("per_episode") or {}).items():
            values = [float(x) for x in (v or {}).get("normalized_return") or [] if pc.finite(x)]
            if values:
                per_episode[target_key(t)] = values
        for t, values in per_episode.items():  # a record with episodes but no score: the episodes' mean
            scores.setdefault(t, float(np.mean(values)))
        if not scores:
            pc.warn(PROGRAM, f"{path}: no scores and no per-episode returns; left out")
            return None
        periodic = [(int(p["step"]), float(p["target"]), float(p["normalized_mean"]))
                    for p in (r.get("periodic_evaluations") or []) if pc.finite(p.get("normalized_mean"))]
        last = r.get("last_iterate") or {}
        periodic_last = [(int(p["step"]), float(p["target"]), float(p["normalized_mean"]))
                         for p in (last.get("periodic_evaluations") or []) if pc.finite(p.get("normalized_mean"))]
        return {"name": name, "env": env, "dataset": dset, "backbone": backbone, "seed": int(r.get("seed", 0)),
                "scores": scores, "per_episode": per_episode, "periodic": periodic,
                "periodic_last": periodic_last, "weights": r.get("weights", "last_iterate"),
                "target": headline_target(env, scores)}
    except (KeyError, TypeError, ValueError, AttributeError) as e:
        pc.warn(PROGRAM, f"{path}: not a ledger record ({type(e).__name__}: {e}); left out")
        return None


def load_ledger(ledger, protocol):
    if not os.path.isdir(ledger):
        raise pc.UserError(f"{ledger}: no such folder; pass the run ledger with --ledger DIR (docs/runs)")
    folder = os.path.join(ledger, protocol)
    if not os.path.isdir(folder):
        have = sorted(d for d in os.listdir(ledger) if os.path.isdir(os.path.join(ledger, d)))
        raise pc.UserError(f"{folder}: no such folder; the ledger holds the protocols "
                           f"{', '.join(have) if have else '(none)'}: choose one with --protocol NAME")
    paths = sorted(glob.glob(os.path.join(folder, "*.json")))
    if not paths:
        raise pc.UserError(f"{folder}: no run records (*.json); scripts/reproduce.sh adds one after each run "
                           f"(rl-results.py --record)")
    records = [r for r in (read_record(p) for p in paths) if r is not None]
    usable = []
    for r in records:
        if r["target"] in r["scores"]:
            usable.append(r)
        else:
            pc.warn(PROGRAM, f"{folder}/{r['name']}.json: no score at the headline target {r['target']:g}; left out")
    records = usable
    if not records:
        raise pc.UserError(f"{folder}: none of the {len(paths)} records has a usable score "
                           f"(a 'scores' or 'per_episode' field); nothing to plot")
    return records


def load_data(ledger, protocol):
    """<env>-<dataset> -> the behaviour data's normalized average for this protocol's dataset size."""
    path = os.path.join(ledger, "data.json")
    if not os.path.exists(path):
        pc.warn(PROGRAM, f"{path}: no such file; the behaviour data's scores are left out "
                         f"(rl-results.py --record writes it)")
        return {}
    doc = pc.read_json(path, "the behaviour data's statistics (rl-results.py --record writes it)")
    if not isinstance(doc, dict):
        raise pc.UserError(f"{path}: not a JSON object of <env>-<dataset> entries")
    m = re.search(r"(@rows-\d+)$", protocol)
    suffix = m.group(1) if m else ""
    out = {}
    for key, entry in doc.items():
        if not key.endswith(suffix) or (not suffix and "@" in key):
            continue
        value = entry.get("normalized_mean") if isinstance(entry, dict) else None
        if pc.finite(value):
            out[key[: len(key) - len(suffix)] if suffix else key] = float(value)
    return out


def dataset_order(records):
    keys = {(r["env"], r["dataset"]) for r in records}

    def rank(k):
        env, dset = k
        return (ENVS.index(env) if env in ENVS else len(ENVS), env,
                DATASETS.index(dset) if dset in DATASETS else len(DATASETS), dset)
    return sorted(keys, key=rank)


def backbone_order(records):
    present = {r["backbone"] for r in records}
    known = [b for b in BACKBONES if b in present]
    # --against groups 'BACKBONE@PROTOCOL': the compared protocol first (records come in that order),
    # flow before softmax within each
    protocols = list(dict.fromkeys(r["backbone"].partition("@")[2] for r in records if "@" in r["backbone"]))

    def rank(group):
        base, _, protocol = group.partition("@")
        return (protocols.index(protocol) if protocol in protocols else len(protocols),
                BACKBONES.index(base) if base in BACKBONES else len(BACKBONES), group)
    return known + sorted(present - set(BACKBONES), key=rank)


def plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def label(backbone):
    """'flow' -> 'Flowformer-DT'; a group of --against, 'flow@fast-cpu-10k' -> 'Flowformer-DT (fast-cpu-10k)'."""
    base, _, protocol = backbone.partition("@")
    name = pc.LABELS.get(base, base)
    return f"{name} ({protocol})" if protocol else name


def color(backbone, i=0):
    if "@" in backbone:  # --against: one colour per group
        return plt.get_cmap("tab10")(i)
    return pc.COLORS.get(backbone, plt.get_cmap("tab10")(2 + i))


def comparison(records, protocol, against_records, against, backbones):
    """--against and --backbones: the records of both protocols, each backbone renamed to its group
    'BACKBONE@PROTOCOL', those of other backbones left out; with --against, only the nine datasets of
    record (the positions-only memory task is compared in docs/recurrent.md)."""
    keep = set(backbones.split(",")) if backbones else None
    out = []
    for recs, proto in ((records, protocol), (against_records or [], against)):
        for r in recs:
            if (keep is None or r["backbone"] in keep) and (not against or r["env"] in ENVS):
                out.append(dict(r, backbone=f"{r['backbone']}@{proto}" if against else r["backbone"]))
    if not out:
        raise pc.UserError(f"--backbones {backbones}: no record of that backbone in {protocol}"
                           + (f" or {against}" if against else ""))
    return out


# ------------------------------------------------------------------------------------------------
# Figures

def plot_datasets(records, data, protocol, path):
    from matplotlib.lines import Line2D
    order = dataset_order(records)
    backbones = backbone_order(records)
    fig, ax = plt.subplots(figsize=(max(6.5, 1.05 * len(order) + 1.0), 3.9))
    width = 0.6 / max(1, len(backbones))
    kinds = set()
    for x, (env, dset) in enumerate(order):
        d = data.get(f"{env}-{dset}")
        if d is not None:
            ax.plot([x - 0.42, x + 0.42], [d, d], color=pc.COLORS["data"], linestyle="--", linewidth=1.2, zorder=1)
        for i, b in enumerate(backbones):
            runs = sorted((r for r in records if (r["env"], r["dataset"], r["backbone"]) == (env, dset, b)),
                          key=lambda r: r["seed"])
            if not runs:
                continue
            cx = x + (i - (len(backbones) - 1) / 2) * width
            mean = np.mean([r["scores"][r["target"]] for r in runs])
            ax.plot([cx - width * 0.42, cx + width * 0.42], [mean, mean], color=color(b, i), linewidth=2.5,
                    alpha=0.45, solid_capstyle="butt", zorder=2)
            offsets = np.linspace(-0.05, 0.05, len(runs)) if len(runs) > 1 else [0.0]
            for off, r in zip(offsets, runs):
                y = r["scores"][r["target"]]
                ci = mean_interval(r["per_episode"].get(r["target"], []))
                if ci is not None:
                    ax.errorbar(cx + off, y, yerr=[[y - ci[0]], [ci[1] - y]], fmt="o", color=color(b, i),
                                markersize=4, capsize=2, elinewidth=1, zorder=3)
                    kinds.add("ci")
                else:
                    ax.plot(cx + off, y, "o", markerfacecolor="white", markeredgecolor=color(b, i),
                            markersize=4.5, zorder=3)
                    kinds.add("old")
    ax.set_xticks(range(len(order)))
    ax.set_xticklabels([f"{env}\n{dset}" for env, dset in order])
    ax.set_xlim(-0.6, len(order) - 0.4)
    ax.grid(axis="x", visible=False)
    for x in range(1, len(order)):
        ax.axvline(x - 0.5, color="#dddddd", linewidth=0.6, zorder=0)
    ax.set_ylabel("normalized score at the headline target")
    ax.set_title(f"{protocol}: final score per dataset and seed\n"
                 f"(headline target: hopper 3600, halfcheetah 12000, walker2d 5000)")
    gray = "#666666"
    handles = [Line2D([], [], color=color(b, i), linewidth=5, alpha=0.7) for i, b in enumerate(backbones)]
    names = [label(b) for b in backbones]
    if data:
        handles.append(Line2D([], [], color=pc.COLORS["data"], linestyle="--"))
        names.append("behaviour data (average)")
    if "ci" in kinds:
        handles.append(ax.errorbar([], [], yerr=[], fmt="o", color=gray, markersize=4, capsize=2))
        names.append("a seed, 95% interval over its final episodes")
    if "old" in kinds:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white", markeredgecolor=gray))
        names.append("a seed (old record: score only, no interval)")
    handles.append(Line2D([], [], color=gray, linewidth=2.5, alpha=0.45))
    names.append("mean over seeds")
    ax.legend(handles, names, loc="upper center", bbox_to_anchor=(0.5, -0.17), ncol=3, fontsize=7)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def curves_by_step(runs, key):
    """Runs' periodic evaluations at their headline target -> (steps, mean, min, max, seeds per step)."""
    by_step = {}
    for r in runs:
        for step, target, value in r[key]:
            if target == r["target"]:
                by_step.setdefault(step, []).append(value)
    steps = sorted(by_step)
    values = [by_step[s] for s in steps]
    return (np.array(steps, dtype=float), np.array([np.mean(v) for v in values]),
            np.array([np.min(v) for v in values]), np.array([np.max(v) for v in values]),
            [len(v) for v in values])


def plot_curves(records, data, protocol, path):
    with_curves = [r for r in records if r["periodic"]]
    order = [k for k in dataset_order(records) if any((r["env"], r["dataset"]) == k for r in with_curves)]
    if not order:
        return None
    backbones = backbone_order(with_curves)
    cols = min(3, len(order))
    rows = (len(order) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(max(5.0, 3.0 * cols + 0.4), 2.5 * rows + 0.6), squeeze=False)
    for k, (env, dset) in enumerate(order):
        ax = axes[k // cols][k % cols]
        for i, b in enumerate(backbones):
            runs = [r for r in with_curves if (r["env"], r["dataset"], r["backbone"]) == (env, dset, b)]
            if not runs:
                continue
            steps, mean, lo, hi, n = curves_by_step(runs, "periodic")
            seeds = max(n)
            ax.plot(steps, mean, color=color(b, i), marker="o", markersize=3,
                    label=f"{label(b)} ({seeds} seed{'s' if seeds > 1 else ''})")
            if seeds > 1:
                ax.fill_between(steps, lo, hi, color=color(b, i), alpha=0.18, linewidth=0)
            if any(r["periodic_last"] for r in runs):
                s2, m2, _, _, _ = curves_by_step(runs, "periodic_last")
                ax.plot(s2, m2, color=color(b, i), linestyle="--", linewidth=1, label=f"{label(b)}, last iterate")
        d = data.get(f"{env}-{dset}")
        if d is not None:
            ax.axhline(d, color=pc.COLORS["data"], linestyle="--", linewidth=1, label="behaviour data")
        target = next(r["target"] for r in with_curves if (r["env"], r["dataset"]) == (env, dset))
        ax.set_title(f"{env}-{dset} (target {target:g})")
        ax.set_xlabel("updates")
        if k % cols == 0:
            ax.set_ylabel("normalized score")
        ax.legend(loc="best", fontsize=6)
    for k in range(len(order), rows * cols):
        axes[k // cols][k % cols].axis("off")
    band = any(max(curves_by_step([r for r in with_curves if (r["env"], r["dataset"], r["backbone"]) == k + (b,)],
                                  "periodic")[4] or [0]) > 1 for k in order for b in backbones)
    fig.suptitle(f"{protocol}: periodic evaluations at the headline target\n"
                 + ("mean over the seeds (band: their range)" if band else
                    "one seed each, so no band (records copied from old tables keep no periodic evaluations)"),
                 fontsize=8)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def aggregates(records, data, reps, seed):
    """The aggregate statistics over the datasets where every backbone has runs."""
    backbones = backbone_order(records)
    tasks = [k for k in dataset_order(records)
             if all(any((r["env"], r["dataset"], r["backbone"]) == k + (b,) for r in records) for b in backbones)]
    if not tasks:
        raise pc.UserError("no dataset has runs of every backbone (or --against group) "
                           f"({', '.join(label(b) for b in backbones)}); nothing to aggregate")
    rng = np.random.default_rng(seed)
    out = {"tasks": tasks, "backbones": backbones, "per": {}}
    all_scores = []
    for b in backbones:
        strata = [np.array([r["scores"][r["target"]] for r in records
                            if (r["env"], r["dataset"], r["backbone"]) == k + (b,)]) for k in tasks]
        pooled = np.concatenate(strata)
        all_scores.append(pooled)
        boot = stratified_resamples(strata, reps, rng)
        out["per"][b] = {"strata": strata, "pooled": pooled, "boot": boot,
                         "task_mean": float(np.mean([s.mean() for s in strata])),
                         "mean": float(pooled.mean()), "mean_boot": boot.mean(axis=1),
                         "iqm": float(iqm(pooled)), "iqm_boot": iqm(boot, axis=1)}
    d = [data.get(f"{env}-{dset}") for env, dset in tasks]
    out["data"] = None if any(v is None for v in d) else np.array(d)
    hi = max(float(np.max(np.concatenate(all_scores))), 0.0 if out["data"] is None else float(out["data"].max()))
    out["taus"] = np.linspace(0.0, max(10.0, np.ceil(hi / 10.0) * 10.0 + 5.0), 201)
    return out


def plot_aggregate(agg, protocol, path):
    backbones = agg["backbones"]
    fig, axes = plt.subplots(1, 3, figsize=(9.5, 2.9), gridspec_kw={"width_ratios": [1, 1, 1.5]})
    names = [label(b) for b in backbones] + (["behaviour data\n(no interval)"] if agg["data"] is not None else [])
    for ax, stat, title in ((axes[0], "iqm", "IQM"), (axes[1], "mean", "mean")):
        for y, b in enumerate(backbones):
            p = agg["per"][b]
            lo, hi = interval(p[stat + "_boot"])
            ax.barh(y, hi - lo, left=lo, height=0.55, color=color(b, y), alpha=0.35)
            ax.plot([p[stat]] * 2, [y - 0.3, y + 0.3], color=color(b, y), linewidth=2)
        if agg["data"] is not None:
            y = len(backbones)
            value = iqm(agg["data"]) if stat == "iqm" else agg["data"].mean()
            ax.plot([value] * 2, [y - 0.3, y + 0.3], color=pc.COLORS["data"], linewidth=2)
        ax.set_yticks(range(len(names)))
        ax.set_yticklabels(names if ax is axes[0] else [""] * len(names))
        ax.set_ylim(-0.6, len(names) - 0.4)
        ax.invert_yaxis()
        ax.set_xlabel("normalized score")
        ax.set_title(f"{title} (95% interval)")
        ax.grid(axis="y", visible=False)
    ax = axes[2]
    taus = agg["taus"]
    for i, b in enumerate(backbones):
        p = agg["per"][b]
        curve = profile(p["pooled"], taus)
        lo, hi = interval(profile(p["boot"], taus))
        ax.plot(taus, curve, color=color(b, i), label=f"{label(b)} ({plural(p['pooled'].size, 'run')})")
        ax.fill_between(taus, lo, hi, color=color(b, i), alpha=0.18, linewidth=0)
    ax.set_xlabel(r"normalized score $\tau$")
    ax.set_ylabel(r"fraction of runs with score > $\tau$")
    ax.set_ylim(-0.02, 1.02)
    ax.set_title("performance profile (95% band)")
    ax.legend(loc="upper right")
    fig.suptitle(f"{protocol}: aggregates over {plural(len(agg['tasks']), 'dataset')} at the headline target; "
                 f"stratified bootstrap over runs within each dataset", fontsize=8)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def markdown(agg, protocol, reps, command=None):
    backbones = agg["backbones"]
    per = agg["per"]
    pair = len(backbones) == 2
    fmt = lambda v: f"{v:.1f}"  # noqa: E731
    ci = lambda samples: "[{:.1f}, {:.1f}]".format(*interval(samples))  # noqa: E731
    header = [f"{label(b)} ({plural(per[b]['pooled'].size, 'run')})" for b in backbones]
    if pair:
        header.append(f"{label(backbones[0])} − {label(backbones[1])}")
    has_data = agg["data"] is not None
    if has_data:
        header.append("behaviour data")
    counts = [s.size for b in backbones for s in per[b]["strata"]]
    seeds = plural(max(counts), "seed") if min(counts) == max(counts) else f"{min(counts)}-{max(counts)} seeds"
    lines = []
    tasks = ", ".join(f"{e}-{d}" for e, d in agg["tasks"])
    what = "backbones" if all("@" not in b for b in backbones) else "groups"
    where = f"where both {what} ran" if pair else f"where every {what[:-1]} has runs"
    lines.append(f"Aggregates of `{protocol}` over the {plural(len(agg['tasks']), 'dataset')} {where} "
                 f"({tasks}): normalized score at the headline target (hopper 3600, halfcheetah 12000, "
                 f"walker2d 5000). Brackets: 95% stratified-bootstrap intervals ({reps} resamples of the runs "
                 f"within each dataset; `scripts/plot-ledger.py {command or '--protocol ' + protocol}`). The bootstrap "
                 f"resamples seeds, not datasets: with {seeds} per dataset the intervals "
                 f"show the spread between seeds only, and a dataset with one seed adds none.")
    lines.append("")
    lines.append("| statistic | " + " | ".join(header) + " |")
    lines.append("|---" * (len(header) + 1) + "|")
    row = ["mean of the per-dataset means (as in the tables above)"] + [fmt(per[b]["task_mean"]) for b in backbones]
    if pair:
        row.append(f"{per[backbones[0]]['task_mean'] - per[backbones[1]]['task_mean']:+.1f}")
    if has_data:
        row.append(fmt(agg["data"].mean()))
    lines.append("| " + " | ".join(row) + " |")
    for stat, name in (("mean", "mean over runs"), ("iqm", "IQM over runs")):
        row = [name] + [f"{fmt(per[b][stat])} {ci(per[b][stat + '_boot'])}" for b in backbones]
        if pair:
            a, c = per[backbones[0]], per[backbones[1]]
            row.append(f"{a[stat] - c[stat]:+.1f} {ci(a[stat + '_boot'] - c[stat + '_boot'])}")
        if has_data:
            row.append(fmt(iqm(agg["data"])) + " (over datasets)" if stat == "iqm" else "–")
        lines.append("| " + " | ".join(row) + " |")
    if pair:
        a, c = per[backbones[0]], per[backbones[1]]
        d_mean, d_iqm = a["task_mean"] - c["task_mean"], a["iqm"] - c["iqm"]
        lo, hi = interval(a["iqm_boot"] - c["iqm_boot"])
        same = (d_mean > 0) == (d_iqm > 0)
        verdict = (f"the interval of the IQM difference holds 0, so these runs do not separate the {what}"
                   if lo <= 0 <= hi else "the interval of the IQM difference excludes 0")
        lines.append("")
        lines.append(f"{label(backbones[0])} minus {label(backbones[1])}: {d_mean:+.1f} by the plain mean, "
                     f"{d_iqm:+.1f} by the IQM ({'the same sign' if same else 'opposite signs'}); {verdict}.")
    return "\n".join(lines) + "\n"


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    global np, plt
    np, plt = pc.setup(PROGRAM)
    records = load_ledger(args.ledger, args.protocol)
    data = load_data(args.ledger, args.protocol)
    name = args.protocol
    if args.against or args.backbones:
        against = load_ledger(args.ledger, args.against) if args.against else None
        records = comparison(records, args.protocol, against, args.against, args.backbones)
        if args.against:
            name = f"{args.protocol}-vs-{args.against}"
    stem = os.path.join(args.out, f"ledger-{name}")
    title = name.replace("-vs-", " vs ")
    plot_datasets(records, data, title, stem + "-datasets.png")
    if plot_curves(records, data, title, stem + "-curves.png") is None:
        pc.warn(PROGRAM, f"no record of {name} keeps periodic evaluations (records copied from old "
                         f"tables keep only scores); {os.path.basename(stem)}-curves.png left out")
    agg = aggregates(records, data, args.reps, args.seed)
    plot_aggregate(agg, title, stem + "-aggregate.png")
    command = f"--protocol {args.protocol}" + (f" --against {args.against}" if args.against else "") + (
        f" --backbones {args.backbones}" if args.backbones else "")
    emit(markdown(agg, title, args.reps, command), args.write, f"plot-ledger:{name}", PROGRAM)
    return 0


if __name__ == "__main__":
    sys.exit(pc.run_main(PROGRAM, main))
