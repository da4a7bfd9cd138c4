#!/usr/bin/env python3
"""forecast-results.py — the Forecasting tables of docs/results.md from train-forecaster runs.

    python3 scripts/forecast-results.py [--write FILE.md] [RUNS_DIR ...]     (default: runs/forecast)

Reads every RUNS_DIR/<config>/seed<seed>/result.json, groups runs by data set, head and horizon, and
prints (1) the main table: mean +- std of the test MSE/MAE over seeds for each head, next to the
published iTransformer, PatchTST (L=96) and DLinear numbers, with per-data-set averages; (2) the bar of
the issue per data set; (3) the per-run timing table. Missing cells say "not run yet". With --write, the
output replaces the text between `<!-- forecast-results:begin -->` and `<!-- forecast-results:end -->`
in FILE.md instead of going to stdout. Standard library only.
"""
import glob
import json
import math
import os
import sys

from results_md import emit, parse_args

# Published MSE/MAE at L=96 (ILI: L=36): iTransformer (ICLR'24) full results, PatchTST re-run at L=96
# from the same table, DLinear from TimesNet (ICLR'23) Table 13.
PUBLISHED = {
    "ETTh1": {96: ((.386, .405), (.414, .419), (.386, .400)), 192: ((.441, .436), (.460, .445), (.437, .432)),
              336: ((.487, .458), (.501, .466), (.481, .459)), 720: ((.503, .491), (.500, .488), (.519, .516))},
    "ETTh2": {96: ((.297, .349), (.302, .348), (.333, .387)), 192: ((.380, .400), (.388, .400), (.477, .476)),
              336: ((.428, .432), (.426, .433), (.594, .541)), 720: ((.427, .445), (.431, .446), (.831, .657))},
    "ETTm1": {96: ((.334, .368), (.329, .367), (.345, .372)), 192: ((.377, .391), (.367, .385), (.380, .389)),
              336: ((.426, .420), (.399, .410), (.413, .413)), 720: ((.491, .459), (.454, .439), (.474, .453))},
    "exchange_rate": {96: ((.086, .206), (.088, .205), (.088, .218)), 192: ((.177, .299), (.176, .299), (.176, .315)),
                      336: ((.331, .417), (.301, .397), (.313, .427)), 720: ((.847, .691), (.901, .714), (.839, .695))},
    "national_illness": {24: (None, None, (2.398, 1.040)), 36: (None, None, (2.646, 1.088)),
                         48: (None, None, (2.614, 1.086)), 60: (None, None, (2.804, 1.146))},
}
# The bar: the better head's average MSE at or below iTransformer's (ETT) or below DLinear's.
BAR = {"ETTh1": ("iTransformer", .454), "ETTh2": ("iTransformer", .383), "ETTm1": ("iTransformer", .407),
       "exchange_rate": ("DLinear", .354)}
# Published averages over the four horizons, as the papers print them.
PUBLISHED_AVG = {"ETTh1": (.454, .469, .456), "ETTh2": (.383, .387, .559), "ETTm1": (.407, .387, .403),
                 "exchange_rate": (.360, .367, .354), "national_illness": (None, None, 2.616)}
ORDER = ["ETTh1", "ETTh2", "ETTm1", "exchange_rate", "national_illness"]
HEADS = ["inverted", "temporal"]


def load(dirs):
    runs = {}
    for d in dirs:
        for path in sorted(glob.glob(os.path.join(d, "*", "seed*", "result.json"))):
            with open(path) as f:
                r = json.load(f)
            runs.setdefault((r["dataset"], r["head"], r["pred_len"]), {})[r["seed"]] = r
    return runs


def stats(values):
    m = sum(values) / len(values)
    return m, math.sqrt(sum((v - m) ** 2 for v in values) / len(values))


def cell(runs, key):
    seeds = runs.get(key)
    if not seeds:
        return "not run yet", None
    mse = stats([r["test_mse"] for r in seeds.values()])
    mae = stats([r["test_mae"] for r in seeds.values()])
    std = f" ±{mse[1]:.3f}" if len(seeds) > 1 else ""
    return f"{mse[0]:.3f}{std} / {mae[0]:.3f} ({len(seeds)})", mse[0]


def pub(p):
    return "–" if p is None else f"{p[0]:.3f} / {p[1]:.3f}"


def main():
    write, args = parse_args(sys.argv[1:], __doc__, "forecast-results.py")
    runs = load(args or ["runs/forecast"])
    lines = []
    print = lines.append  # noqa: A001 -- collect the report, then print or splice it
    complete = {}
    print("| data | H | inverted head | temporal head | iTransformer | PatchTST (L=96) | DLinear |")
    print("|---|---|---|---|---|---|---|")
    for ds in ORDER:
        means = {h: [] for h in HEADS}
        for H, published in PUBLISHED[ds].items():
            cells = []
            for head in HEADS:
                text, m = cell(runs, (ds, head, H))
                cells.append(text)
                means[head].append(m)
            print(f"| {ds} | {H} | {cells[0]} | {cells[1]} | {pub(published[0])} | {pub(published[1])} | "
                  f"{pub(published[2])} |")
        avg = []
        for head in HEADS:
            ok = [m for m in means[head] if m is not None]
            if len(ok) == len(means[head]):
                seeds = min(len(runs[(ds, head, H)]) for H in PUBLISHED[ds])
                complete[(ds, head)] = (sum(ok) / len(ok), seeds)
            avg.append(f"**{sum(ok) / len(ok):.3f}**" if len(ok) == len(means[head]) else
                       f"({len(ok)}/{len(means[head])} horizons)")
        published_avg = ["–" if v is None else f"{v:.3f}" for v in PUBLISHED_AVG[ds]]
        print(f"| {ds} | avg MSE | {avg[0]} | {avg[1]} | {published_avg[0]} | {published_avg[1]} | {published_avg[2]} |")
    print("")
    print("| data | bar (average MSE over the 4 horizons) | better head | its average MSE | seeds | met |")
    print("|---|---|---|---|---|---|")
    for ds, (who, bar) in BAR.items():
        done = {h: complete[(ds, h)] for h in HEADS if (ds, h) in complete}
        if not done:
            print(f"| {ds} | {who} {bar:.3f} | – | not all horizons run | – | – |")
            continue
        head = min(done, key=lambda h: done[h][0])
        mse, seeds = done[head]
        ok = mse <= bar if who == "iTransformer" else mse < bar
        relation = "at or below" if who == "iTransformer" else "below"
        verdict = ("yes" if ok else "no") + ("" if seeds >= 3 else " (fewer than 3 seeds)")
        print(f"| {ds} | {relation} {who} {bar:.3f} | {head} | {mse:.4f} | at least {seeds} | {verdict} |")
    print("")
    print("| config | seed | test MSE | test MAE | test windows | best/run epochs | train s | total s | CPU s | threads |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for key in sorted(runs, key=lambda k: (ORDER.index(k[0]) if k[0] in ORDER else 99, k[1], k[2])):
        for seed, r in sorted(runs[key].items()):
            print(f"| {r['name']} | {seed} | {r['test_mse']:.4f} | {r['test_mae']:.4f} | {r['test_windows']} | "
                  f"{r['best_epoch']}/{r['epochs_run']} | {r['train_seconds']:.0f} | {r['total_seconds']:.0f} | "
                  f"{r.get('cpu_seconds', float('nan')):.0f} | {r['threads']} |")
    emit("\n".join(lines) + "\n", write, "forecast-results", "forecast-results.py")

if __name__ == "__main__":
    main()
