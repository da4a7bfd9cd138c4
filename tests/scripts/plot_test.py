#!/usr/bin/env python3
"""Tests of the plotting scripts (scripts/plot-run.py, plot-ledger.py, plot-forecast.py).

    python3 tests/scripts/plot_test.py [-v]          (CTest: plot_scripts)

Each script runs, with this interpreter, on a tiny made-up input in a temporary folder: a train-agent
run folder, a run ledger, train-forecaster run folders and a results page. The test checks that every
expected file is a PNG (signature, IHDR with a positive width and height), and that a user error (a
missing log.csv, an empty ledger, ...) exits non-zero with a one-line message and no traceback.
Standard library only; the scripts themselves need numpy and matplotlib.
"""
import importlib.util
import json
import math
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPTS = os.path.join(ROOT, "scripts")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def run(script, *args, cwd=None):
    return subprocess.run([sys.executable, os.path.join(SCRIPTS, script), *args], cwd=cwd or ROOT,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=300)


def png_size(path):
    """(width, height) of a PNG file; AssertionError when it is not one."""
    with open(path, "rb") as f:
        head = f.read(33)
    assert head[:8] == PNG_SIGNATURE, f"{path}: no PNG signature"
    length, kind = struct.unpack(">I4s", head[8:16])
    assert kind == b"IHDR" and length == 13, f"{path}: the first chunk is not IHDR"
    return struct.unpack(">II", head[16:24])


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def evaluation(env, target, episodes, base):
    per = [{"index": i, "seed": 7 + i, "return": base * 30 + 11 * i, "normalized_return": base + 0.8 * i,
            "length": 40 + 9 * i, "terminated": True} for i in range(episodes)]
    values = [e["normalized_return"] for e in per]
    mean = sum(values) / len(values)
    return {"target": target, "evaluation": {
        "env": env, "seed": 1000, "episodes": episodes, "wall_seconds": 0.5,
        "return": {"mean": mean * 30, "std": 1.0, "min": 0, "max": 1},
        "normalized_return": {"mean": mean, "std": 1.0, "min": min(values), "max": max(values)},
        "length": {"mean": 50, "std": 5, "min": 40, "max": 80}, "info": {"target_return": str(target)},
        "per_episode": per}}


def make_run(folder, final=True, raw=True):
    """A train-agent run folder: 12 log rows with a resume at update 700, evaluations every 400 updates
    at two targets, and (final) the final evaluation of 6 episodes per target."""
    rows, elapsed = [], 0.0
    for step in range(100, 1300, 100):
        elapsed = 0.0 if step == 700 else elapsed
        elapsed += 30.0
        rows.append(f"{step},{0.1 * math.exp(-step / 500) + 0.01:.6g},{1e-4 * min(1, step / 300):.6g},3.3,{elapsed}")
    write(os.path.join(folder, "log.csv"), "step,loss,lr,steps_per_s,elapsed_s\n" + "\n".join(rows) + "\n")
    header = "step,target,episodes,return_mean,return_std,normalized_mean,normalized_std\n"
    evals = "".join(f"{s},{t},4,{s / 10 + t / 100},20,{s / 40 + t / 400},3\n" for s in (400, 800, 1200)
                    for t in (3600, 1800))
    write(os.path.join(folder, "eval.csv"), header + evals)
    if raw:
        write(os.path.join(folder, "eval-raw.csv"), header + evals.replace(",3\n", ",4\n"))
    if final:
        for name, base in (("eval-final.json", 30.0), ("eval-final-raw.json", 28.0) if raw else (None, 0)):
            if name:
                doc = {"run_dir": "r", "step": 1200, "env": "hopper", "weights": "average" if raw else "last_iterate",
                       "targets": [evaluation("hopper", 3600, 6, base), evaluation("hopper", 1800, 6, base - 5)]}
                write(os.path.join(folder, name), json.dumps(doc))


def ledger_record(env, dset, backbone, seed, score, new):
    high, low = {"hopper": (3600, 1800), "hopper-positions": (3600, 1800), "walker2d": (5000, 2500)}[env]
    r = {"name": f"{env}-{dset}-{backbone}-seed{seed}", "env": env, "dataset": dset, "backbone": backbone,
         "seed": seed, "step": 1000, "episodes": 5, "eval_s": 10.0, "train_s": 100.0, "rate": 3.0,
         "scores": {str(high): score, str(low): score - 3}, "per_episode": None, "periodic_evaluations": None}
    if new:
        r["per_episode"] = {str(t): {"normalized_return": [s + d for d in (-4, -1, 0, 2, 3)],
                                     "length": [100, 200, 300, 400, 500]}
                            for t, s in ((high, score), (low, score - 3))}
        r["periodic_evaluations"] = [{"step": s, "target": float(t), "episodes": 10 if s < 1000 else 5,
                                      "normalized_mean": score * s / 1000 + (seed - t / 1000)}
                                     for s in (250, 500, 750, 1000) for t in (high, low)]
        r["source"] = "made up by plot_test.py"
    return r


def make_ledger(folder, protocol="p"):
    records = [ledger_record("hopper", "medium", b, s, 50 + 5 * s + (4 if b == "flow" else 0), True)
               for b in ("flow", "softmax") for s in (0, 1)]
    records += [ledger_record("walker2d", "medium", b, 0, 40 if b == "flow" else 35, False)
                for b in ("flow", "softmax")]
    for r in records:
        write(os.path.join(folder, protocol, r["name"] + ".json"), json.dumps(r, indent=1))
    write(os.path.join(folder, "data.json"), json.dumps({
        "hopper-medium": {"episodes": 10, "normalized_mean": 49.2, "return_mean": 1500.0, "rows": 1000},
        "walker2d-medium": {"episodes": 10, "normalized_mean": 62.2, "return_mean": 2800.0, "rows": 1000}}))


def make_forecast_runs(folder, L=12):
    """train-forecaster run folders for ETTh1 (both heads at H = 6 with test-windows.csv, H = 12 without)."""
    for head in ("inverted", "temporal"):
        for H in (6, 12):
            for seed in (2021, 2022):
                run_dir = os.path.join(folder, f"etth1_{head}_{H}", f"seed{seed}")
                mse = 0.4 + H / 100 + (0.05 if head == "temporal" else 0) + (seed - 2021) / 100
                write(os.path.join(run_dir, "result.json"), json.dumps({
                    "name": f"etth1_{head}_{H}", "dataset": "ETTh1", "head": head, "seq_len": L, "pred_len": H,
                    "seed": seed, "test_mse": mse, "test_mae": mse, "test_windows": 50}, indent=2))
                if H == 6 and seed == 2021:
                    lines = ["window,variate,step,value,forecast"]
                    for w in (0, 10, 20, 30):
                        for variate in ("HUFL", "OT"):
                            for step in range(-L + 1, H + 1):
                                value = math.sin((w + step) / 3.0)
                                forecast = "" if step <= 0 else f"{value + (0.1 if head == 'temporal' else 0.05):.5f}"
                                lines.append(f"{w},{variate},{step},{value:.5f},{forecast}")
                    write(os.path.join(run_dir, "test-windows.csv"), "\n".join(lines) + "\n")


RESULTS_MD = """# Results

<!-- forecast-results:begin -->
| data | H | inverted head | temporal head | iTransformer | PatchTST (L=96) | DLinear |
|---|---|---|---|---|---|---|
| ETTh1 | 96 | 0.383 ±0.000 / 0.401 (2) | 0.429 ±0.011 / 0.432 (1) | 0.386 / 0.405 | 0.414 / 0.419 | 0.386 / 0.400 |

| config | seed | test MSE | test MAE | test windows | best/run epochs | train s | total s | CPU s | threads |
|---|---|---|---|---|---|---|---|---|---|
| etth1_inverted_96 | 2021 | 0.3826 | 0.4013 | 2785 | 5/8 | 108 | 111 | 109 | 1 |
| etth1_inverted_96 | 2022 | 0.3831 | 0.4014 | 2785 | 5/8 | 116 | 118 | 117 | 1 |
| etth1_temporal_96 | 2021 | 0.4437 | 0.4409 | 2785 | 4/7 | 165 | 171 | 170 | 1 |
| ili_inverted_24 | 2021 | 2.3 | 0.9 | 100 | 5/8 | 10 | 11 | 10 | 1 |
<!-- forecast-results:end -->
"""


class PlotScripts(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="flowrl-plot-test-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def assert_ok(self, result):
        self.assertEqual(result.returncode, 0, f"exit {result.returncode}\nstdout:\n{result.stdout}\n"
                                               f"stderr:\n{result.stderr}")
        self.assertNotIn("Traceback", result.stderr)

    def assert_user_error(self, result, *words):
        self.assertNotEqual(result.returncode, 0, result.stderr)
        self.assertNotIn("Traceback", result.stderr)
        for w in words:
            self.assertIn(w, result.stderr)

    def assert_pngs(self, folder, names):
        for name in names:
            path = os.path.join(folder, name)
            self.assertTrue(os.path.exists(path), f"{path} was not written; found {sorted(os.listdir(folder))}")
            width, height = png_size(path)
            self.assertGreater(width, 0, path)
            self.assertGreater(height, 0, path)
            self.assertLess(os.path.getsize(path), 400_000, f"{path}: a PNG meant to be committed should be small")

    # --- --help needs neither numpy nor matplotlib

    def test_help(self):
        for script in ("plot-run.py", "plot-ledger.py", "plot-forecast.py"):
            r = run(script, "--help")
            self.assert_ok(r)
            self.assertIn("usage: " + script, r.stdout)

    # --- plot-run.py

    def test_run_folder(self):
        run_dir = os.path.join(self.tmp, "hopper-medium-flow-seed0")
        make_run(run_dir)
        r = run("plot-run.py", run_dir)
        self.assert_ok(r)
        self.assert_pngs(run_dir, ["training.png", "evaluations.png", "final-episodes.png"])

    def test_run_folder_without_weight_average_into_out(self):
        run_dir, out = os.path.join(self.tmp, "r"), os.path.join(self.tmp, "pictures")
        make_run(run_dir, raw=False)
        self.assert_ok(run("plot-run.py", run_dir, "--out", out))
        self.assert_pngs(out, ["training.png", "evaluations.png", "final-episodes.png"])

    def test_unfinished_run(self):
        run_dir = os.path.join(self.tmp, "r")
        make_run(run_dir, final=False)
        r = run("plot-run.py", run_dir)
        self.assert_ok(r)
        self.assert_pngs(run_dir, ["training.png", "evaluations.png"])
        self.assertFalse(os.path.exists(os.path.join(run_dir, "final-episodes.png")))
        self.assertIn("eval-final.json", r.stderr)

    def test_run_errors(self):
        self.assert_user_error(run("plot-run.py", os.path.join(self.tmp, "nowhere")), "no such folder")
        os.makedirs(os.path.join(self.tmp, "empty"))
        self.assert_user_error(run("plot-run.py", os.path.join(self.tmp, "empty")), "log.csv", "no such file")
        run_dir = os.path.join(self.tmp, "r")
        make_run(run_dir)
        write(os.path.join(run_dir, "log.csv"), "step,loss,lr,steps_per_s,elapsed_s\n100,abc,1,1,1\n200,1,1,1,2\n")
        self.assert_user_error(run("plot-run.py", run_dir), "log.csv, line 2", "loss")
        write(os.path.join(run_dir, "log.csv"), "step,loss\n100,1\n")
        self.assert_user_error(run("plot-run.py", run_dir), "no column lr")
        make_run(run_dir)
        write(os.path.join(run_dir, "eval-final.json"), "{not json")
        self.assert_user_error(run("plot-run.py", run_dir), "eval-final.json", "not valid JSON")

    # --- plot-ledger.py

    def test_ledger(self):
        ledger, out = os.path.join(self.tmp, "runs"), os.path.join(self.tmp, "img")
        make_ledger(ledger)
        r = run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--out", out, "--reps", "500")
        self.assert_ok(r)
        self.assert_pngs(out, ["ledger-p-datasets.png", "ledger-p-curves.png", "ledger-p-aggregate.png"])
        self.assertIn("| IQM over runs |", r.stdout)
        self.assertIn("| mean of the per-dataset means", r.stdout)

    def test_ledger_write_block(self):
        # --write puts the table between the protocol's markers and leaves the rest of the page alone
        ledger, out = os.path.join(self.tmp, "runs"), os.path.join(self.tmp, "img")
        make_ledger(ledger)
        page = os.path.join(self.tmp, "results.md")
        write(page, "before\n<!-- plot-ledger:p:begin -->\nstale\n<!-- plot-ledger:p:end -->\nafter\n")
        r = run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--out", out, "--reps", "200",
                "--write", page)
        self.assert_ok(r)
        self.assertNotIn("| IQM over runs |", r.stdout)
        with open(page) as f:
            text = f.read()
        self.assertTrue(text.startswith("before\n<!-- plot-ledger:p:begin -->\n"))
        self.assertTrue(text.endswith("<!-- plot-ledger:p:end -->\nafter\n"))
        self.assertNotIn("stale", text)
        self.assertIn("| IQM over runs |", text)
        # a page without the protocol's block, or no page, is a one-line error
        write(page, "no markers\n")
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--out", out,
                                   "--reps", "200", "--write", page), "plot-ledger:p:begin")
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--out", out,
                                   "--write", os.path.join(self.tmp, "none.md")), "none.md")
        with open(page) as f:
            self.assertEqual(f.read(), "no markers\n")

    def test_ledger_of_old_records_only(self):
        ledger, out = os.path.join(self.tmp, "runs"), os.path.join(self.tmp, "img")
        make_ledger(ledger)
        for name in os.listdir(os.path.join(ledger, "p")):
            if name.startswith("hopper"):
                os.remove(os.path.join(ledger, "p", name))
        r = run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--out", out, "--reps", "200")
        self.assert_ok(r)
        self.assert_pngs(out, ["ledger-p-datasets.png", "ledger-p-aggregate.png"])
        self.assertFalse(os.path.exists(os.path.join(out, "ledger-p-curves.png")))
        self.assertIn("periodic evaluations", r.stderr)

    def test_committed_ledger_stays_plottable(self):
        out = os.path.join(self.tmp, "img")
        r = run("plot-ledger.py", "--protocol", "fast-cpu-10k", "--out", out, "--reps", "200")
        self.assert_ok(r)
        self.assert_pngs(out, ["ledger-fast-cpu-10k-datasets.png", "ledger-fast-cpu-10k-aggregate.png"])

    def test_ledger_against_another_protocol(self):
        # --against: each (protocol, backbone) is a group; --backbones flow makes a pair whose difference
        # is reported; the positions-only memory task is left out of the nine datasets
        ledger, out = os.path.join(self.tmp, "runs"), os.path.join(self.tmp, "img")
        make_ledger(ledger, "p")
        make_ledger(ledger, "p+episode")
        extra = ledger_record("hopper-positions", "medium", "flow", 0, 30, True)
        write(os.path.join(ledger, "p+episode", extra["name"] + ".json"), json.dumps(extra))
        r = run("plot-ledger.py", "--ledger", ledger, "--protocol", "p+episode", "--against", "p", "--backbones",
                "flow", "--out", out, "--reps", "200")
        self.assert_ok(r)
        stem = "ledger-p+episode-vs-p"
        self.assert_pngs(out, [stem + "-datasets.png", stem + "-curves.png", stem + "-aggregate.png"])
        self.assertIn("| statistic | Flowformer-DT (p+episode) (3 runs) | Flowformer-DT (p) (3 runs) | "
                      "Flowformer-DT (p+episode) − Flowformer-DT (p) |", r.stdout)
        self.assertIn("over the 2 datasets where both groups ran (hopper-medium, walker2d-medium)", r.stdout)
        self.assertIn("`scripts/plot-ledger.py --protocol p+episode --against p --backbones flow`", r.stdout)
        self.assertIn("+0.0 by the plain mean", r.stdout)  # the same records on both sides
        # without --backbones: four groups, no pair
        r = run("plot-ledger.py", "--ledger", ledger, "--protocol", "p+episode", "--against", "p", "--out", out,
                "--reps", "200")
        self.assert_ok(r)
        self.assertIn("softmax-DT (p) (3 runs)", r.stdout)
        self.assertNotIn(" − ", r.stdout)
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p+episode", "--against", "q",
                                   "--out", out), "no such folder")
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p", "--backbones", "lstm",
                                   "--out", out), "--backbones lstm")

    def test_ledger_errors(self):
        ledger = os.path.join(self.tmp, "runs")
        os.makedirs(os.path.join(ledger, "p"))
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p"), "no run records")
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "q"),
                               "no such folder", "--protocol")
        write(os.path.join(ledger, "p", "x.json"), "[1, 2")
        self.assert_user_error(run("plot-ledger.py", "--ledger", ledger, "--protocol", "p",
                                   "--out", os.path.join(self.tmp, "img")), "x.json", "usable")

    # --- plot-forecast.py

    def test_forecast_run_folders(self):
        runs, out = os.path.join(self.tmp, "forecast"), os.path.join(self.tmp, "img")
        make_forecast_runs(runs)
        r = run("plot-forecast.py", runs, "--out", out)
        self.assert_ok(r)
        self.assert_pngs(out, ["forecast-mse-horizon.png", "forecast-windows-ETTh1.png"])
        self.assertIn("no test-windows.csv", r.stderr)  # the H = 12 runs

    def test_forecast_results_page(self):
        md, out = os.path.join(self.tmp, "results.md"), os.path.join(self.tmp, "img")
        write(md, RESULTS_MD)
        r = run("plot-forecast.py", "--results-md", md, "--out", out)
        self.assert_ok(r)
        self.assert_pngs(out, ["forecast-mse-horizon.png"])

    def test_forecast_errors(self):
        md = os.path.join(self.tmp, "results.md")
        write(md, "# Results\nno block here\n")
        self.assert_user_error(run("plot-forecast.py", "--results-md", md), "forecast-results:begin")
        os.makedirs(os.path.join(self.tmp, "empty"))
        self.assert_user_error(run("plot-forecast.py", os.path.join(self.tmp, "empty")), "result.json")
        runs = os.path.join(self.tmp, "forecast")
        make_forecast_runs(runs)
        write(os.path.join(runs, "etth1_inverted_6", "seed2021", "test-windows.csv"), "window,step\n0,1\n")
        self.assert_user_error(run("plot-forecast.py", runs, "--out", os.path.join(self.tmp, "img")),
                               "test-windows.csv", "no column variate")


def load_ledger_module():
    spec = importlib.util.spec_from_file_location("plot_ledger", os.path.join(SCRIPTS, "plot-ledger.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


try:
    import numpy
except ImportError:
    numpy = None


@unittest.skipIf(numpy is None, "numpy is not importable by this interpreter (the scripts' runs above cover it)")
class Statistics(unittest.TestCase):
    def setUp(self):
        self.m = load_ledger_module()
        self.m.np = numpy

    def test_iqm(self):
        self.assertAlmostEqual(self.m.iqm(range(1, 9)), 4.5)               # mean of 3..6
        self.assertAlmostEqual(self.m.iqm([100, 1, 2, 3, 4, 5, 6, 7, 8, -50]), 4.5)  # 2 cut at each end
        self.assertAlmostEqual(self.m.iqm([5, 1, 9]), 5.0)                 # n = 3: nothing cut
        self.assertAlmostEqual(self.m.iqm([1, 2, 3, 1000, -1000]), 2.0)    # n = 5: one cut at each end
        rows = self.m.iqm(numpy.array([[1, 2, 3, 4], [10, 20, 30, 40]]), axis=1)
        self.assertEqual(list(rows), [2.5, 25.0])

    def test_stratified_resamples_stay_in_their_task(self):
        rng = numpy.random.default_rng(0)
        boot = self.m.stratified_resamples([numpy.array([1.0, 2.0]), numpy.array([100.0])], 500, rng)
        self.assertEqual(boot.shape, (500, 3))
        self.assertTrue(numpy.all(boot[:, 2] == 100.0))
        self.assertTrue(numpy.all(numpy.isin(boot[:, :2], [1.0, 2.0])))
        self.assertTrue(numpy.any(boot[:, 0] != boot[:, 1]))

    def test_profile_and_interval(self):
        frac = self.m.profile(numpy.array([10.0, 20.0, 30.0, 40.0]), [0, 15, 40])
        self.assertEqual(list(frac), [1.0, 0.75, 0.0])
        lo, hi = self.m.interval(numpy.arange(1001, dtype=float))
        self.assertAlmostEqual(lo, 25.0)
        self.assertAlmostEqual(hi, 975.0)


if __name__ == "__main__":
    unittest.main()
