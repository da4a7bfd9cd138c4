#!/usr/bin/env python3
"""plot-forecast.py — pictures of the forecasting results.

    python3 scripts/plot-forecast.py [RUNS_DIR ...] [--results-md docs/results.md] [--out docs/img]
                                     [--variate OT] [--windows 3] [--horizon H]

Writes into OUT (default: the repository's docs/img):
  forecast-mse-horizon.png       per data set, the test MSE of both heads against the horizon (mean over
                                 seeds, bars: their range), beside the published iTransformer, PatchTST
                                 and DLinear numbers of docs/results.md (forecast-results.py's table);
  forecast-windows-DATASET.png   per data set, a few test windows of one variate: the look-back, the
                                 truth and both heads' forecasts (normalized scale), from the runs'
                                 test-windows.csv files (see below).

The test MSEs come from RUNS_DIR/<config>/seed<seed>/result.json (train-forecaster's run folders; default
RUNS_DIR: runs/forecast) or, when no run folder has one (or with --results-md), from the per-run table
that forecast-results.py wrote into the forecast-results block of docs/results.md.

test-windows.csv, beside result.json in a run folder, holds some test windows of that run (the
best-validation weights, the same model as the test MSE), one row per window, variate and time step:
  window    index of the window in the test split (0 = first; stride 1, the test evaluation's order)
  variate   the column's name in the data file (e.g. OT)
  step      -(L-1) .. 0 for the look-back, 1 .. H for the horizon
  value     the series on the normalized scale: the model's input for step <= 0, the truth for step >= 1
  forecast  the run's forecast for step >= 1 (normalized scale); empty for step <= 0
Both heads' runs of a data set, horizon and seed have the same windows; the figure shows the windows
and the variate that both files hold. Runs without the file get no window figure (a note says so).
Needs numpy and matplotlib (Debian: python3-matplotlib python3-numpy).
"""
import argparse
import csv
import glob
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot_common as pc  # noqa: E402

PROGRAM = "plot-forecast.py"
FR = pc.load_script("forecast-results.py")
PUBLISHED, ORDER, HEADS = FR.PUBLISHED, FR.ORDER, FR.HEADS
BASELINES = [("iTransformer", "#2ca02c", "--", "x"), ("PatchTST (L=96)", "#9467bd", ":", "^"),
             ("DLinear", "#8c564b", "-.", "s")]
# config-name prefix (configs/forecast/<prefix>_<head>_<H>.yaml) -> data set
PREFIX = {"etth1": "ETTh1", "etth2": "ETTh2", "ettm1": "ETTm1", "exchange": "exchange_rate",
          "ili": "national_illness"}
WINDOW_COLUMNS = ["window", "variate", "step", "value", "forecast"]
np = plt = None  # set by main() (pc.setup)


def parse_args(argv):
    p = argparse.ArgumentParser(prog=PROGRAM, description=pc.description(__doc__),
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("runs", nargs="*", metavar="RUNS_DIR",
                   help="train-forecaster output folders (output.dir; default: runs/forecast if it has runs)")
    p.add_argument("--results-md", metavar="FILE",
                   help="read the test MSEs from this Markdown file's forecast-results block "
                        "(default when no run folder has a result.json: the repository's docs/results.md)")
    p.add_argument("--out", default=os.path.join(pc.ROOT, "docs", "img"), metavar="DIR",
                   help="folder for the PNGs (default: the repository's docs/img)")
    p.add_argument("--variate", default="OT", help="variate of the window figures (default: %(default)s)")
    p.add_argument("--windows", type=int, default=3, help="windows per data set (default: %(default)s)")
    p.add_argument("--horizon", type=int, help="horizon of the window figures (default: the shortest with "
                                               "test-windows.csv files)")
    args = p.parse_args(argv)
    if args.windows < 1:
        p.error("--windows must be at least 1")
    return args


def head_label(head):
    return f"Flowformer, {head} head"


# ------------------------------------------------------------------------------------------------
# Test MSEs

def runs_from_folders(dirs):
    """[(dataset, head, H, seed, test_mse, run_dir)] from RUNS_DIR/*/seed*/result.json."""
    out = []
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*", "seed*", "result.json"))):
            r = pc.read_json(path, "train-forecaster's result (written last, when the run has finished)")
            try:
                out.append((str(r["dataset"]), str(r["head"]), int(r["pred_len"]), int(r["seed"]),
                            float(r["test_mse"]), os.path.dirname(path)))
            except (KeyError, TypeError, ValueError) as e:
                raise pc.UserError(f"{path}: not a train-forecaster result.json ({type(e).__name__}: {e}); "
                                   f"run that config again or remove its folder")
    return out


def runs_from_markdown(path):
    """[(dataset, head, H, seed, test_mse, None)] from the per-run table of the forecast-results block."""
    if not os.path.exists(path):
        raise pc.UserError(f"{path}: no such file; pass train-forecaster run folders (RUNS_DIR) or "
                           f"--results-md FILE")
    with open(path) as f:
        text = f.read()
    begin, end = "<!-- forecast-results:begin -->", "<!-- forecast-results:end -->"
    b, e = text.find(begin), text.find(end)
    if b < 0 or e < b:
        raise pc.UserError(f"{path}: no {begin} ... {end} block; write it with "
                           f"python3 scripts/forecast-results.py --write {path} RUNS_DIR")
    out, in_table = [], False
    start_line = text[:b].count("\n") + 1
    for i, line in enumerate(text[b:e].splitlines()):
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 3 and cells[0] == "config" and cells[1] == "seed" and cells[2] == "test MSE":
            in_table = True
            continue
        if not in_table or not line.startswith("|") or set(cells[0]) <= set("-: "):
            if in_table and not line.startswith("|"):
                in_table = False
            continue
        m = re.fullmatch(r"([a-z0-9]+)_(inverted|temporal)_(\d+)", cells[0])
        if not m or m.group(1) not in PREFIX:
            pc.warn(PROGRAM, f"{path}, line {start_line + i}: config '{cells[0]}' is not "
                             f"<{'|'.join(PREFIX)}>_<inverted|temporal>_<H>; left out")
            continue
        try:
            out.append((PREFIX[m.group(1)], m.group(2), int(m.group(3)), int(cells[1]), float(cells[2]), None))
        except ValueError:
            raise pc.UserError(f"{path}, line {start_line + i}: seed '{cells[1]}' or test MSE '{cells[2]}' "
                               f"is not a number")
    if not out:
        raise pc.UserError(f"{path}: the forecast-results block has no per-run table "
                           f"('| config | seed | test MSE | ...'); rewrite it with scripts/forecast-results.py")
    return out


def plot_mse(runs, source, path):
    datasets = [d for d in ORDER if any(r[0] == d for r in runs)] + \
        sorted({r[0] for r in runs} - set(ORDER))
    panels = len(datasets) + 1  # one for the legend
    cols = min(3, panels)
    rows = (panels + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(max(7.0, 3.0 * cols + 0.3), 2.45 * rows + 0.7), squeeze=False)
    for k, ds in enumerate(datasets):
        ax = axes[k // cols][k % cols]
        horizons = sorted(set(PUBLISHED.get(ds, {})) | {r[2] for r in runs if r[0] == ds})
        xs = np.arange(len(horizons))
        for i, head in enumerate(HEADS + sorted({r[1] for r in runs} - set(HEADS))):
            pts = [(x, [r[4] for r in runs if r[0] == ds and r[1] == head and r[2] == H])
                   for x, H in zip(xs, horizons)]
            pts = [(x, v) for x, v in pts if v]
            if not pts:
                continue
            c = pc.COLORS.get(head, plt.get_cmap("tab10")(4 + i))
            x = np.array([p[0] for p in pts], dtype=float)
            mean = np.array([np.mean(p[1]) for p in pts])
            lo = mean - np.array([np.min(p[1]) for p in pts])
            hi = np.array([np.max(p[1]) for p in pts]) - mean
            seeds = max(len(p[1]) for p in pts)
            ax.errorbar(x, mean, yerr=[lo, hi], color=c, marker="o", markersize=3.5, capsize=2, linewidth=1.4,
                        label=f"{head_label(head)} ({seeds} seed{'s' if seeds > 1 else ''})")
        for j, (name, c, style, marker) in enumerate(BASELINES):
            pub = [(x, PUBLISHED.get(ds, {}).get(H, (None,) * 3)[j]) for x, H in zip(xs, horizons)]
            pub = [(x, p[0]) for x, p in pub if p is not None]
            if pub:
                ax.plot([p[0] for p in pub], [p[1] for p in pub], color=c, linestyle=style, marker=marker,
                        markersize=3.5, linewidth=1, label=name)
        ax.set_xticks(xs)
        ax.set_xticklabels([str(h) for h in horizons])
        ax.set_xlabel("horizon H")
        if k % cols == 0:
            ax.set_ylabel("test MSE (normalized)")
        ax.set_title(ds)
    handles, labels = {}, {}
    for ax in axes.flat:
        for h, l in zip(*ax.get_legend_handles_labels()):
            key = re.sub(r" \(\d+ seeds?\)$", "", l)
            handles.setdefault(key, h)
            labels.setdefault(key, l)
    ours = [k for k in handles if k.startswith("Flowformer")]
    handles = {k: handles[k] for k in ours + [k for k in handles if k not in ours]}
    for k in range(len(datasets), rows * cols):
        axes[k // cols][k % cols].axis("off")
    legend_ax = axes[len(datasets) // cols][len(datasets) % cols]
    legend_ax.legend(list(handles.values()), [labels[k] for k in handles], loc="center", fontsize=7.5,
                     title="lower is better", title_fontsize=7.5)
    fig.suptitle(f"Forecasting: test MSE against the horizon (Flowformer heads: mean over seeds, bars: their "
                 f"range; from {source})\nbaselines as published: iTransformer and PatchTST from the "
                 f"iTransformer paper (ICLR'24), DLinear from TimesNet (ICLR'23)",
                 fontsize=8)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


# ------------------------------------------------------------------------------------------------
# Test windows

def read_windows(path):
    """test-windows.csv -> {(window, variate): (look-back steps, values, horizon steps, truth, forecast)}."""
    if not os.path.exists(path):
        return None
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = [h.strip() for h in next(reader, [])]
        missing = [c for c in WINDOW_COLUMNS if c not in header]
        if missing:
            raise pc.UserError(f"{path}: no column {', '.join(missing)} in the header '{','.join(header)}' "
                               f"(expected {','.join(WINDOW_COLUMNS)}; see plot-forecast.py --help)")
        col = {c: header.index(c) for c in WINDOW_COLUMNS}
        series = {}
        for line, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) < len(header):
                raise pc.UserError(f"{path}, line {line}: {len(cells)} cells, the header has {len(header)}")
            window = pc.number(cells[col["window"]], path, line, "window")
            step = pc.number(cells[col["step"]], path, line, "step")
            value = pc.number(cells[col["value"]], path, line, "value")
            forecast = pc.number(cells[col["forecast"]], path, line, "forecast")
            if window is None or step is None or value is None:
                raise pc.UserError(f"{path}, line {line}: window, step and value must not be empty")
            if step >= 1 and forecast is None:
                raise pc.UserError(f"{path}, line {line}: step {step:g} is in the horizon but has no forecast")
            series.setdefault((int(window), cells[col["variate"]].strip()), []).append((step, value, forecast))
    if not series:
        raise pc.UserError(f"{path}: no rows")
    out = {}
    for key, rows in series.items():
        rows.sort()
        back = [(s, v) for s, v, _ in rows if s <= 0]
        ahead = [(s, v, f) for s, v, f in rows if s >= 1]
        out[key] = (np.array([s for s, _ in back]), np.array([v for _, v in back]),
                    np.array([s for s, _, _ in ahead]), np.array([v for _, v, _ in ahead]),
                    np.array([f for _, _, f in ahead]))
    return out


def plot_windows(ds, H, seed, files, variate, count, path):
    """files: head -> (test-windows.csv path, its windows)."""
    heads = [h for h in HEADS if h in files] + sorted(set(files) - set(HEADS))
    variates = set.intersection(*[{v for _, v in files[h][1]} for h in heads])
    if variate not in variates:
        if not variates:
            raise pc.UserError(f"{ds}, H={H}, seed {seed}: the heads' test-windows.csv files share no variate "
                               f"({', '.join(files[h][0] for h in heads)})")
        fallback = sorted(variates)[-1]
        pc.warn(PROGRAM, f"{files[heads[0]][0]}: no variate '{variate}'; showing '{fallback}' (--variate NAME)")
        variate = fallback
    windows = sorted(set.intersection(*[{w for w, v in files[h][1] if v == variate} for h in heads]))
    if not windows:
        raise pc.UserError(f"{ds}, H={H}, seed {seed}: the heads' test-windows.csv files share no window "
                           f"({', '.join(files[h][0] for h in heads)})")
    if len(windows) > count:  # spread over the test split
        windows = [windows[i] for i in np.linspace(0, len(windows) - 1, count).round().astype(int)]
    fig, axes = plt.subplots(len(windows), 1, figsize=(7.0, 1.55 * len(windows) + 0.7), squeeze=False)
    for k, w in enumerate(windows):
        ax = axes[k][0]
        ref = files[heads[0]][1][(w, variate)]
        ax.plot(ref[0], ref[1], color="#888888", linewidth=1, label="look-back")
        ax.plot(ref[2], ref[3], color="black", linewidth=1.1, label="truth")
        for i, h in enumerate(heads):
            _, _, steps, truth, forecast = files[h][1][(w, variate)]
            if truth.shape != ref[3].shape or not np.allclose(truth, ref[3], atol=1e-4):
                pc.warn(PROGRAM, f"{files[h][0]}: window {w} has another truth than {files[heads[0]][0]}; "
                                 f"were both runs made on the same data and look-back?")
            ax.plot(steps, forecast, color=pc.COLORS.get(h, plt.get_cmap("tab10")(4 + i)), linewidth=1.1,
                    label=head_label(h))
        ax.axvline(0.5, color="#bbbbbb", linestyle=":", linewidth=1)
        ax.set_ylabel(f"window {w}")
        if k == 0:
            ax.legend(loc="upper left", ncol=2 + len(heads), fontsize=7)
        if k == len(windows) - 1:
            ax.set_xlabel("time step (look-back up to 0, horizon from 1)")
    L = len(files[heads[0]][1][(windows[0], variate)][0])
    fig.suptitle(f"{ds}: test windows, variate {variate}, L = {L}, H = {H}, seed {seed} (normalized scale)",
                 fontsize=9)
    fig.tight_layout()
    return pc.save(fig, path, PROGRAM)


def window_figures(runs, args):
    """One window figure per data set whose runs have test-windows.csv files."""
    with_dir = [r for r in runs if r[5] is not None]
    missing = 0
    for ds in [d for d in ORDER if any(r[0] == d for r in with_dir)] + sorted({r[0] for r in with_dir} - set(ORDER)):
        # (H, seed) -> head -> file
        found = {}
        for _, head, H, seed, _, run_dir in (r for r in with_dir if r[0] == ds):
            if args.horizon is not None and H != args.horizon:
                continue
            path = os.path.join(run_dir, "test-windows.csv")
            if os.path.exists(path):
                found.setdefault((H, seed), {})[head] = path
            else:
                missing += 1
        if not found:
            continue
        # the shortest horizon, then the seed, with the most heads
        H, seed = min(found, key=lambda k: (-len(found[k]), k[0], k[1]))
        files = {h: (p, read_windows(p)) for h, p in found[(H, seed)].items()}
        plot_windows(ds, H, seed, files, args.variate, args.windows,
                     os.path.join(args.out, f"forecast-windows-{ds}.png"))
    if missing:
        pc.warn(PROGRAM, f"{missing} run folder(s) have no test-windows.csv (train-forecaster does not write it "
                         f"yet; the format is in --help): no window figure for them")


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for d in args.runs:
        if not os.path.isdir(d):
            raise pc.UserError(f"{d}: no such folder; pass train-forecaster output folders (output.dir, "
                               f"e.g. runs/forecast)")
    global np, plt
    np, plt = pc.setup(PROGRAM)
    dirs = args.runs or (["runs/forecast"] if os.path.isdir("runs/forecast") else [])
    folder_runs = runs_from_folders(dirs)
    if args.runs and not folder_runs:
        raise pc.UserError(f"no <config>/seed<seed>/result.json under {', '.join(args.runs)}; "
                           f"train-forecaster writes one per finished run (scripts/reproduce-forecast.sh)")
    if folder_runs and args.results_md is None:
        mse_runs, source = folder_runs, "the run folders"
    else:
        md = args.results_md or os.path.join(pc.ROOT, "docs", "results.md")
        mse_runs = runs_from_markdown(md)
        inside = os.path.abspath(md).startswith(pc.ROOT + os.sep)
        source = os.path.relpath(os.path.abspath(md), pc.ROOT) if inside else md
    plot_mse(mse_runs, source, os.path.join(args.out, "forecast-mse-horizon.png"))
    if folder_runs:
        window_figures(folder_runs, args)
    else:
        pc.warn(PROGRAM, "no run folders, so no test-window figures (they need the runs' test-windows.csv; "
                         "see --help)")
    return 0


if __name__ == "__main__":
    sys.exit(pc.run_main(PROGRAM, main))
