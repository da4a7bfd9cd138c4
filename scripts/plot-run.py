#!/usr/bin/env python3
"""plot-run.py — pictures of one train-agent run folder.

    python3 scripts/plot-run.py RUN_DIR [--out DIR]

Writes into DIR (default: RUN_DIR itself):
  training.png        training loss and learning rate against updates (RUN_DIR/log.csv); a dotted
                      line marks each resume (where elapsed_s starts again);
  evaluations.png     the periodic evaluations' normalized score per target against updates, with a
                      95% interval of the mean over the episodes (RUN_DIR/eval.csv; a run that keeps a
                      weight average also has eval-raw.csv, its last iterate, drawn dashed);
  final-episodes.png  the final evaluation (RUN_DIR/eval-final.json, and eval-final-raw.json when the
                      run keeps a weight average): each episode's normalized return per target, and
                      return against episode length.
log.csv is required; a figure whose file is missing or empty (no evaluation yet, run not finished) is
left out with a note. Needs numpy and matplotlib (Debian: python3-matplotlib python3-numpy).
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_common as pc  # noqa: E402

PROGRAM = "plot-run.py"
LOG_COLUMNS = ["step", "loss", "lr", "steps_per_s", "elapsed_s"]
EVAL_COLUMNS = ["step", "target", "episodes", "return_mean", "return_std", "normalized_mean", "normalized_std"]
np = plt = None  # set by main() (pc.setup)


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROGRAM, description=pc.description(__doc__),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("run_dir", metavar="RUN_DIR", help="a train-agent run folder (train-agent --out RUN_DIR)")
    p.add_argument("--out", metavar="DIR", help="folder for the PNGs (default: RUN_DIR)")
    return p.parse_args(argv)


def target_label(t):
    return f"target {t:g}"


def resumes(rows):
    """Steps at which a resumed segment starts (elapsed_s goes down)."""
    out, previous = [], None
    for r in rows:
        if previous is not None and r["elapsed_s"] is not None and r["elapsed_s"] < previous:
            out.append(r["step"])
        if r["elapsed_s"] is not None:
            previous = r["elapsed_s"]
    return out


def plot_training(rows, name, path):
    steps = np.array([r["step"] for r in rows], dtype=float)
    loss = np.array([np.nan if r["loss"] is None else r["loss"] for r in rows], dtype=float)
    lr = np.array([np.nan if r["lr"] is None else r["lr"] for r in rows], dtype=float)
    fig, (ax_loss, ax_lr) = plt.subplots(2, 1, figsize=(6, 4), sharex=True,
                                          gridspec_kw={"height_ratios": [2, 1]})
    ax_loss.plot(steps, loss, color=pc.COLORS["flow"], marker="." if len(steps) < 30 else None)
    finite = loss[np.isfinite(loss)]
    if finite.size and finite.min() > 0 and finite.max() / finite.min() > 20:
        ax_loss.set_yscale("log")
    ax_loss.set_ylabel("training loss")
    ax_loss.set_title(f"{name}: training ({int(steps[-1])} updates)")
    ax_lr.plot(steps, lr, color="#555555", marker="." if len(steps) < 30 else None)
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("updates")
    ax_lr.ticklabel_format(axis="y", style="sci", scilimits=(-3, 3))
    marks = resumes(rows)
    for ax in (ax_loss, ax_lr):
        for i, s in enumerate(marks):
            ax.axvline(s, color="#888888", linestyle=":", linewidth=1,
                       label="resumed" if (i == 0 and ax is ax_loss) else None)
    if marks:
        ax_loss.legend(loc="upper right")
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def eval_series(rows):
    """eval.csv rows -> {target: (steps, mean, half-width of a 95% interval, normalized?)}."""
    normalized = all(r["normalized_mean"] is not None for r in rows)
    key_mean, key_std = ("normalized_mean", "normalized_std") if normalized else ("return_mean", "return_std")
    series = {}
    for r in rows:
        if r[key_mean] is None:
            continue
        half = 0.0
        if r[key_std] is not None and r["episodes"] and r["episodes"] > 1:
            half = 1.96 * r[key_std] / np.sqrt(r["episodes"])
        series.setdefault(r["target"], []).append((r["step"], r[key_mean], half))
    return {t: tuple(np.array(v, dtype=float).T) for t, v in series.items()}, normalized


def plot_evaluations(main_rows, raw_rows, name, path):
    main, normalized = eval_series(main_rows)
    raw, _ = eval_series(raw_rows) if raw_rows else ({}, True)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    cmap = plt.get_cmap("tab10")
    main_label = "weight average" if raw else None
    for i, t in enumerate(sorted(main, reverse=True)):
        color = cmap(i % 10)
        steps, mean, half = main[t]
        label = target_label(t) + (f", {main_label}" if main_label else "")
        ax.plot(steps, mean, color=color, marker="o", label=label)
        ax.fill_between(steps, mean - half, mean + half, color=color, alpha=0.15, linewidth=0)
        if t in raw:
            rs, rm, rh = raw[t]
            ax.plot(rs, rm, color=color, marker="s", markerfacecolor="none", linestyle="--",
                    label=target_label(t) + ", last iterate")
    ax.set_xlabel("updates")
    ax.set_ylabel("normalized return" if normalized else "return")
    ax.set_title(f"{name}: periodic evaluations\n(mean over the episodes, band: its 95% interval)")
    ax.legend(loc="best")
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def final_episodes(doc, path):
    """eval-final.json -> [(target, [normalized or raw return], [return], [length])], normalized?"""
    if not isinstance(doc, dict) or not isinstance(doc.get("targets"), list) or not doc["targets"]:
        raise pc.UserError(f"{path}: no 'targets' list; not a train-agent eval-final.json "
                           f"(evaluate-policy --json writes the same layout)")
    out, normalized = [], True
    for i, t in enumerate(doc["targets"]):
        try:
            target = float(t["target"])
            episodes = t["evaluation"]["per_episode"]
            returns = [float(e["return"]) for e in episodes]
            lengths = [int(e["length"]) for e in episodes]
            norm = [e.get("normalized_return") for e in episodes]
        except (KeyError, TypeError, ValueError) as e:
            raise pc.UserError(f"{path}: targets[{i}] has no usable per_episode list "
                               f"({type(e).__name__}: {e}); not a train-agent eval-final.json")
        if not episodes:
            raise pc.UserError(f"{path}: targets[{i}] has no episodes")
        if any(not pc.finite(v) for v in norm):
            normalized = False
        out.append((target, norm, returns, lengths))
    if not normalized:  # an env without D4RL reference scores: fall back to raw returns everywhere
        out = [(t, r, r, l) for t, _, r, l in out]
    return out, normalized


def plot_final(final, raw, name, path, weights):
    """final, raw: final_episodes() of eval-final.json and of eval-final-raw.json (or None)."""
    main, normalized = final
    raw_part = raw[0] if raw else None
    fig, (ax_d, ax_l) = plt.subplots(1, 2, figsize=(8, 3.4), gridspec_kw={"width_ratios": [1, 1.3]})
    cmap = plt.get_cmap("tab10")
    rng = np.random.default_rng(0)
    groups = [(t, v, l, "") for t, v, _, l in main]
    if raw_part:
        groups = []
        raw_by_target = {t: (v, l) for t, v, _, l in raw_part}
        for t, v, _, l in main:
            groups.append((t, v, l, "average"))
            if t in raw_by_target:
                groups.append((t, raw_by_target[t][0], raw_by_target[t][1], "last iterate"))
    targets = sorted({g[0] for g in groups}, reverse=True)
    color_of = {t: cmap(i % 10) for i, t in enumerate(targets)}
    groups.sort(key=lambda g: (targets.index(g[0]), g[3] != "average"))
    positions = np.arange(len(groups), dtype=float)
    ax_d.boxplot([g[1] for g in groups], positions=positions, widths=0.5, showfliers=False,
                 medianprops={"color": "black"}, whiskerprops={"color": "#777777"},
                 capprops={"color": "#777777"}, boxprops={"color": "#777777"})
    for x, (t, values, _, kind) in zip(positions, groups):
        jitter = rng.uniform(-0.18, 0.18, len(values))
        face = "none" if kind == "last iterate" else color_of[t]
        ax_d.scatter(x + jitter, values, s=9, facecolors=face, edgecolors=color_of[t], alpha=0.7, linewidths=0.7,
                     zorder=3)
        ax_d.plot([x - 0.3, x + 0.3], [np.mean(values)] * 2, color="black", linestyle="--", linewidth=1, zorder=4)
    ax_d.set_xticks(positions)
    ax_d.set_xticklabels([f"{t:g}" + (f"\n{kind}" if kind else "") for t, _, _, kind in groups])
    ax_d.set_xlabel("target return")
    ylabel = "normalized return" if normalized else "return"
    ax_d.set_ylabel(ylabel)
    n = len(groups[0][1])
    ax_d.set_title(f"final evaluation, {n} episodes per target\n(box: quartiles, dashed: mean)")
    for t, _, returns, lengths in main:
        ax_l.scatter(lengths, returns, s=10, color=color_of[t], alpha=0.7, label=target_label(t), linewidths=0)
    if raw_part:
        for t, _, returns, lengths in raw_part:
            ax_l.scatter(lengths, returns, s=10, facecolors="none", edgecolors=color_of[t], alpha=0.7,
                         linewidths=0.7, label=target_label(t) + ", last iterate")
    ax_l.set_xlabel("episode length (steps)")
    ax_l.set_ylabel("return")
    ax_l.set_title("return against episode length")
    ax_l.legend(loc="best")
    fig.suptitle(f"{name} ({weights} weights)" if weights else name, fontsize=9)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    run_dir = args.run_dir
    if not os.path.isdir(run_dir):
        raise pc.UserError(f"{run_dir}: no such folder; pass a train-agent run folder (train-agent --out RUN_DIR)")
    global np, plt
    np, plt = pc.setup(PROGRAM)
    out = args.out or run_dir
    name = os.path.basename(os.path.normpath(os.path.abspath(run_dir)))

    log_path = os.path.join(run_dir, "log.csv")
    if not os.path.exists(log_path):
        raise pc.UserError(f"{log_path}: no such file; {run_dir} is not a train-agent run folder "
                           f"(train-agent writes log.csv there after its first log_every updates)")
    rows = [r for r in pc.read_csv(log_path, LOG_COLUMNS, "train-agent's training log")
            if r["step"] is not None]
    if not rows:
        raise pc.UserError(f"{log_path}: no rows yet; train-agent writes one every train.log_every updates, "
                           f"so plot again once the run has made that many")
    plot_training(rows, name, os.path.join(out, "training.png"))

    eval_path = os.path.join(run_dir, "eval.csv")
    raw_path = os.path.join(run_dir, "eval-raw.csv")
    evals = []
    if os.path.exists(eval_path):
        evals = [r for r in pc.read_csv(eval_path, EVAL_COLUMNS, "train-agent's periodic evaluations")
                 if r["step"] is not None and r["target"] is not None]
    raw_evals = []
    if os.path.exists(raw_path):
        raw_evals = [r for r in pc.read_csv(raw_path, EVAL_COLUMNS, "the last iterate's periodic evaluations")
                     if r["step"] is not None and r["target"] is not None]
    if evals:
        plot_evaluations(evals, raw_evals, name, os.path.join(out, "evaluations.png"))
    else:
        pc.warn(PROGRAM, f"{eval_path}: {'no evaluation yet' if os.path.exists(eval_path) else 'no such file'}; "
                         f"evaluations.png left out (train-agent evaluates every eval.every updates)")

    final_path = os.path.join(run_dir, "eval-final.json")
    if os.path.exists(final_path):
        doc = pc.read_json(final_path, "train-agent's final evaluation")
        final = final_episodes(doc, final_path)
        raw = None
        raw_final = os.path.join(run_dir, "eval-final-raw.json")
        if os.path.exists(raw_final):
            raw = final_episodes(pc.read_json(raw_final, "the last iterate's final evaluation"), raw_final)
        weights = doc.get("weights") if raw else None
        plot_final(final, raw, name, os.path.join(out, "final-episodes.png"), weights)
    else:
        pc.warn(PROGRAM, f"{final_path}: no such file (the run has not finished); final-episodes.png left out")
    return 0


if __name__ == "__main__":
    sys.exit(pc.run_main(PROGRAM, main))
