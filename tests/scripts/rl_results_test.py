#!/usr/bin/env python3
"""Tests of scripts/rl-results.py: the summary, the protocol checks and --write, on a tiny ledger.

    python3 tests/scripts/rl_results_test.py [-v]          (CTest: rl_results_script)

Every case builds a made-up ledger (docs/runs/ layout: PROTOCOL/<run>.json, data.json) and, where
needed, a train-agent run folder in a temporary folder, and runs the script with --ledger on it, so
the repository's docs/runs/ is neither read nor written. Standard library only.
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "scripts", "rl-results.py")
TARGETS = {"hopper": (3600, 1800), "hopper-positions": (3600, 1800), "walker2d": (5000, 2500)}


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def record(env, dset, backbone, seed, high, low, step=10000, periodic=None, last_iterate=None):
    """A ledger record as rl-results.py --record writes it."""
    h, l = TARGETS[env]
    r = {"name": f"{env}-{dset}-{backbone}-seed{seed}", "env": env, "dataset": dset, "backbone": backbone,
         "seed": seed, "step": step, "episodes": 100, "eval_s": 10.0, "train_s": 100.0, "rate": 2.5,
         "scores": {str(h): high, str(l): low}, "per_episode": None, "periodic_evaluations": periodic,
         "weights": "average" if last_iterate else "last_iterate", "source": "test"}
    if last_iterate:
        r["last_iterate"] = last_iterate
    return r


def periodic(env, values, episodes=100):
    """Periodic evaluations at updates 2500, 5000, ... at the headline target (and 1 point less at the
    lower one)."""
    h, l = TARGETS[env]
    out = []
    for i, v in enumerate(values):
        out += [{"step": 2500 * (i + 1), "target": float(h), "episodes": episodes, "normalized_mean": v},
                {"step": 2500 * (i + 1), "target": float(l), "episodes": episodes, "normalized_mean": v - 1}]
    return out


class RLResultsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="rl-results-test-")
        self.ledger = os.path.join(self.tmp, "ledger")
        self.runs = os.path.join(self.tmp, "runs", "fast-cpu-10k")  # not made: the ledger alone
        self.data = os.path.join(self.tmp, "data")
        write(os.path.join(self.ledger, "data.json"), json.dumps({
            "hopper-medium": {"rows": 200000, "episodes": 461, "return_mean": 1581.2, "normalized_mean": 49.2},
            "walker2d-medium": {"rows": 200000, "episodes": 276, "return_mean": 2858.6, "normalized_mean": 62.2},
            "walker2d-medium@rows-1000000": {"rows": 1000000, "episodes": 1300, "return_mean": 2800.0,
                                             "normalized_mean": 60.9}}))
        base = [record("hopper", "medium", "flow", 0, 60.0, 30.0), record("hopper", "medium", "flow", 1, 62.0, 32.0),
                record("hopper", "medium", "softmax", 0, 50.0, 31.0),
                record("hopper", "medium", "softmax", 1, 54.0, 33.0),
                record("walker2d", "medium", "flow", 0, 46.9, 43.0)]
        for r in base:
            self.put("fast-cpu-10k", r)

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def put(self, folder, r):
        write(os.path.join(self.ledger, folder, r["name"] + ".json"), json.dumps(r))

    def run_script(self, *args, ok=True):
        p = subprocess.run([sys.executable, SCRIPT, "--ledger", self.ledger, *args], cwd=self.tmp,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
        if ok:
            self.assertEqual(p.returncode, 0, p.stderr)
        return p

    def rows(self, text, first):
        """The table rows whose first cell is `first`, as lists of cells."""
        out = []
        for line in text.splitlines():
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if line.startswith("|") and cells[0] == first:
                out.append(cells)
        return out

    def test_summary(self):
        out = self.run_script(self.runs, self.data).stdout
        self.assertIn("| dataset | data | Flowformer-DT | softmax-DT | bar | met? |", out)
        self.assertEqual(self.rows(out, "hopper-medium")[0],
                         ["hopper-medium", "49.2", "61.0 ± 1.0 (2 seeds)", "52.0 ± 2.0 (2 seeds)",
                          "49.2 (data average)", "yes"])
        self.assertEqual(self.rows(out, "walker2d-medium")[0],
                         ["walker2d-medium", "62.2", "46.9 (seed 0)", "not run yet", "62.2 (data average)",
                          "**no** (1 of 2 seeds)"])
        self.assertEqual(self.rows(out, "halfcheetah-mixed")[0][2:4], ["not run yet", "not run yet"])
        self.assertIn("on 1 of the 2 datasets run (hopper-medium) and misses it on 1 (walker2d-medium)", out)
        self.assertIn("averaged over the 1 dataset(s) where both ran: +9.0", out)
        self.assertIn("Runs in the ledger: 5 of the 36 of record", out)
        # the full tables follow the summary, as before
        self.assertIn("| hopper-medium | 49.2 | 3600: 61.0 ± 1.0 (2) | 1800: 31.0 ± 1.0 (2) |", out)

    def test_flow_minus_softmax_pairs_seeds(self):
        # walker2d-medium: Flowformer-DT has seeds 0 and 1, softmax-DT seed 0 alone; the difference is
        # taken on seed 0 (46.9 - 44.9), not on Flowformer-DT's two-seed mean (56.9 - 44.9)
        self.put("fast-cpu-10k", record("walker2d", "medium", "flow", 1, 66.9, 50.0))
        self.put("fast-cpu-10k", record("walker2d", "medium", "softmax", 0, 44.9, 40.0))
        out = self.run_script(self.runs, self.data).stdout
        self.assertEqual(self.rows(out, "walker2d-medium")[0][2:4], ["56.9 ± 10.0 (2 seeds)", "44.9 (seed 0)"])
        self.assertEqual(self.rows(out, "walker2d-medium")[-1][-1], "+2.0")
        self.assertIn("averaged over the 2 dataset(s) where both ran: +5.5 normalized points, on the seeds "
                      "both ran", out)

    def test_checks_not_run_yet(self):
        out = self.run_script("--checks", self.runs, self.data).stdout
        for check in ("+ema", "+lr3e-4", "+lr1e-4", "+bf16", "@rows-1000000"):
            rows = self.rows(out, check)
            # the legend row and one row per backbone, on walker2d-medium seed 0 (+ema: and the rows of
            # the two weight-averaging tables)
            self.assertEqual(len(rows), 7 if check == "+ema" else 3, (check, rows))
            self.assertEqual(rows[0][-1], "not run yet")
            self.assertEqual(rows[1][1:6], ["walker2d-medium", "Flowformer-DT", "0", "5000: not run yet", "46.9"])
            self.assertEqual(rows[2][1:6], ["walker2d-medium", "softmax-DT", "0", "5000: not run yet",
                                            "not in the ledger"])
        self.assertEqual(self.rows(out, "@rows-1000000")[1][9], "60.9")  # the 1M file's data score
        self.assertEqual([r[1:3] for r in self.rows(out, "+ema")[3:]],
                         [["walker2d-medium-flow-seed0", "not run yet"], ["walker2d-medium-softmax-seed0", "not run yet"]] * 2)
        self.assertIn("| update 2500 | update 5000 | update 7500 | update 10000 | mean | std |", out)
        self.assertNotIn("Traceback", out)

    def test_checks_partial(self):
        # ema: Flowformer-DT seed 0 only, with its last iterate and 100-episode periodic evaluations
        self.put("fast-cpu-10k+ema", record(
            "walker2d", "medium", "flow", 0, 50.0, 48.0, periodic=periodic("walker2d", [40.0, 44.0, 46.0, 50.0]),
            last_iterate={"scores": {"5000": 45.0, "2500": 41.0},
                          "periodic_evaluations": periodic("walker2d", [20.0, 60.0, 30.0, 45.0])}))
        # the data-size check combined with lr3e-4
        self.put("fast-cpu-10k+lr3e-4@rows-1000000", record("walker2d", "medium", "flow", 0, 63.0, 55.0))
        out = self.run_script("--checks", self.runs, self.data).stdout
        ema = self.rows(out, "+ema")
        self.assertEqual(ema[0][-1], "1")
        self.assertEqual(ema[1][1:], ["walker2d-medium", "Flowformer-DT", "0", "5000: 50.0", "46.9", "+3.1",
                                      "2500: 48.0", "43.0", "62.2", "-12.2"])
        self.assertEqual(ema[2][4], "5000: not run yet")
        self.assertEqual(ema[3], ["+ema", "walker2d-medium-flow-seed0", "5000: 50.0", "5000: 45.0", "+5.0",
                                  "2500: 48.0", "2500: 41.0"])
        # checkpoint to checkpoint: mean and population std of 40, 44, 46, 50 and of 20, 60, 30, 45
        self.assertEqual(ema[4], ["+ema", "walker2d-medium-flow-seed0", "average", "40.0", "44.0", "46.0", "50.0",
                                  "45.0", "3.6"])
        self.assertEqual(ema[5], ["+ema", "walker2d-medium-flow-seed0", "last iterate", "20.0", "60.0", "30.0",
                                  "45.0", "38.8", "15.2"])
        combined = self.rows(out, "+lr3e-4@rows-1000000")
        self.assertEqual(combined[1][4:], ["5000: 63.0", "46.9", "+16.1", "2500: 55.0", "43.0", "60.9", "+2.1"])
        # a data-size folder exists, so no separate "not run yet" row for the 1M check; lr3e-4 alone still has one
        self.assertEqual(self.rows(out, "@rows-1000000"), [])
        self.assertEqual(self.rows(out, "+lr3e-4")[1][4], "5000: not run yet")

    def test_episode_check_and_the_memory_task(self):
        # whole-episode runs of Flowformer-DT against its K 20 runs; a positions-only dataset (the memory
        # task) whose K 20 runs are in the protocol's folder and its K 100 / episode runs in the checks'
        self.put("fast-cpu-10k+episode", record("hopper", "medium", "flow", 0, 70.0, 35.0))
        self.put("fast-cpu-10k", record("hopper-positions", "medium", "flow", 0, 20.0, 15.0))
        self.put("fast-cpu-10k+episode", record("hopper-positions", "medium", "flow", 0, 40.0, 25.0))
        self.put("fast-cpu-10k+context100", record("hopper-positions", "medium", "flow", 0, 30.0, 20.0))
        out = self.run_script("--checks", self.runs, self.data).stdout
        self.assertNotIn("Traceback", out)
        episode = self.rows(out, "+episode")
        self.assertEqual(episode[0][-1], "2")
        # both backbones: whole-episode softmax-DT (acting through its window) is a row of its own
        self.assertEqual([r[1:8] for r in episode[1:]],
                         [["hopper-medium", "Flowformer-DT", "0", "3600: 70.0", "60.0", "+10.0", "1800: 35.0"],
                          ["hopper-medium", "softmax-DT", "0", "3600: not run yet", "50.0", "–", "1800: not run yet"],
                          ["hopper-positions-medium", "Flowformer-DT", "0", "3600: 40.0", "20.0", "+20.0", "1800: 25.0"],
                          ["hopper-positions-medium", "softmax-DT", "0", "3600: not run yet", "not in the ledger", "–",
                           "1800: not run yet"]])
        self.assertEqual([r[1:7] for r in self.rows(out, "+context100")[1:]],
                         [["hopper-positions-medium", "Flowformer-DT", "0", "3600: 30.0", "20.0", "+10.0"]])
        # the protocol's tables leave the memory task to the checks
        out = self.run_script(self.runs, self.data).stdout
        self.assertEqual(self.rows(out, "hopper-positions-medium"), [])
        # nor counts it among the runs of record (the 5 of setUp)
        self.assertIn("Runs in the ledger: 5 of the 36 of record", out)

    def test_episode_report(self):
        # whole episode against K 20 (setUp: hopper-medium flow 60.0, 62.0; walker2d-medium flow seed 0 46.9)
        for seed, high in ((0, 70.0), (1, 74.0)):
            self.put("fast-cpu-10k+episode", record("hopper", "medium", "flow", seed, high, 30.0))
        self.put("fast-cpu-10k+episode", record("hopper", "medium", "softmax", 0, 65.0, 30.0))
        self.put("fast-cpu-10k+episode", record("walker2d", "medium", "flow", 0, 40.0, 30.0))
        self.put("fast-cpu-10k+episode", record("hopper-positions", "medium", "flow", 0, 40.0, 25.0))  # not of the nine
        out = self.run_script("--episode", self.runs, self.data).stdout
        self.assertNotIn("Traceback", out)
        self.assertEqual(self.rows(out, "hopper-medium")[0],
                         ["hopper-medium", "49.2", "49.2 (data average)", "61.0 ± 1.0 (2 seeds)", "72.0 ± 2.0 (2 seeds)",
                          "65.0 (seed 0)", "yes"])
        self.assertEqual(self.rows(out, "walker2d-medium")[0][3:],
                         ["46.9 (seed 0)", "40.0 (seed 0)", "not run yet", "**no** (1 of 2 seeds)"])
        self.assertEqual(self.rows(out, "hopper-positions-medium"), [])
        self.assertIn("meets the bar on 1 of the 2 datasets run (hopper-medium) and misses it on 1 (walker2d-medium)", out)
        self.assertIn("Flowformer-DT 3 of 18 (9 datasets x seeds 0, 1); softmax-DT 1, 0 of the 3 of record", out)
        # the difference: +11.0 with SE sqrt(2.83^2/2 + 1.41^2/2) = sqrt(4 + 1) = 2.2 (sample stds over the seeds)
        diff = self.rows(out, "hopper-medium")[1]
        self.assertEqual(diff, ["hopper-medium", "0, 1", "72.0", "61.0", "+11.0", "2.2", "+4.9", "+10.0, +12.0"])
        self.assertEqual(self.rows(out, "walker2d-medium")[1][4:], ["-6.9", "–", "–", "-6.9"])
        self.assertIn("above K = 20 on 1 of the 1 datasets with at least two seeds of each (hopper-medium), below on 0, "
                      "within on 0; no SE yet (one seed of either): walker2d-medium.", out)
        # whole-episode Flowformer-DT minus softmax-DT on seed 0
        self.assertEqual(self.rows(out, "hopper-medium")[2], ["hopper-medium", "0", "70.0", "65.0", "+5.0", "+5.0"])
        # a difference within two SE counts as within; one beyond below, as below
        self.put("fast-cpu-10k+episode", record("hopper", "medium", "flow", 1, 50.0, 30.0))  # 70, 50: SE 10.1
        self.put("fast-cpu-10k", record("walker2d", "medium", "flow", 1, 47.1, 43.0))
        self.put("fast-cpu-10k+episode", record("walker2d", "medium", "flow", 1, 40.2, 30.0))
        out = self.run_script("--episode", self.runs, self.data).stdout
        self.assertIn("above K = 20 on 0 of the 2 datasets with at least two seeds of each, below on 1 "
                      "(walker2d-medium), within on 1 (hopper-medium).", out)

    def test_write_blocks(self):
        md = os.path.join(self.tmp, "results.md")
        blocks = "".join(f"<!-- rl-results:fast-cpu-10k{b}:begin -->\nOLD-TEXT\n<!-- rl-results:fast-cpu-10k{b}:end -->\n"
                         for b in (":summary", "", ":checks", ":episode"))
        write(md, "# Results\n" + blocks + "tail\n")
        self.run_script("--write", md, self.runs, self.data)
        with open(md) as f:
            text = f.read()
        self.assertNotIn("OLD-TEXT", text)
        self.assertIn("| dataset | data | Flowformer-DT | softmax-DT | bar | met? |", text)
        self.assertIn("| run | last step |", text)
        self.assertIn("| +bf16 | walker2d-medium | Flowformer-DT | 0 | 5000: not run yet |", text)
        self.assertIn("| dataset | data | bar | K = 20 Flowformer-DT | whole-episode Flowformer-DT |", text)
        self.assertTrue(text.endswith("tail\n"))
        # the summary and checks blocks are optional; the main block is not
        write(md, "<!-- rl-results:fast-cpu-10k:begin -->\n<!-- rl-results:fast-cpu-10k:end -->\n")
        self.run_script("--write", md, self.runs, self.data)
        p = self.run_script("--checks", "--write", md, self.runs, self.data, ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("no <!-- rl-results:fast-cpu-10k:checks:begin -->", p.stderr)
        write(md, "nothing\n")
        self.assertNotEqual(self.run_script("--write", md, self.runs, self.data, ok=False).returncode, 0)

    def test_record_a_check_run(self):
        """--record of a weight-averaged run folder into the ledger given by --ledger, then --checks."""
        run = os.path.join(self.tmp, "runs", "fast-cpu-10k+ema", "walker2d-medium-softmax-seed0")
        write(os.path.join(run, "log.csv"), "step,loss,lr,steps_per_s,elapsed_s\n5000,0.1,1e-4,3,100\n"
                                            "10000,0.1,0,3,200\n")
        head = "step,target,episodes,return_mean,return_std,normalized_mean,normalized_std\n"
        write(os.path.join(run, "eval.csv"), head + "5000,5000,100,1,1,40,1\n10000,5000,100,1,1,52,1\n")
        write(os.path.join(run, "eval-raw.csv"), head + "5000,5000,100,1,1,30,1\n10000,5000,100,1,1,47,1\n")
        for name, high in (("eval-final.json", 52.0), ("eval-final-raw.json", 47.0)):
            targets = [{"target": t, "evaluation": {
                "episodes": 2, "wall_seconds": 1.0, "normalized_return": {"mean": v},
                "per_episode": [{"normalized_return": v - 1, "length": 900}, {"normalized_return": v + 1, "length": 1000}]}}
                for t, v in ((5000, high), (2500, high - 2))]
            write(os.path.join(run, name), json.dumps({"step": 10000, "weights": "average" if name == "eval-final.json"
                                                       else "last_iterate", "targets": targets}))
        self.run_script("--record", os.path.dirname(run), self.data)
        with open(os.path.join(self.ledger, "fast-cpu-10k+ema", "walker2d-medium-softmax-seed0.json")) as f:
            rec = json.load(f)
        self.assertEqual(rec["weights"], "average")
        self.assertEqual(rec["last_iterate"]["scores"], {"5000": 47.0, "2500": 45.0})
        self.assertEqual(len(rec["last_iterate"]["periodic_evaluations"]), 2)
        out = self.run_script("--checks", self.runs, self.data).stdout
        ema = self.rows(out, "+ema")
        self.assertEqual(ema[2][1:6], ["walker2d-medium", "softmax-DT", "0", "5000: 52.0", "not in the ledger"])
        self.assertEqual(ema[3][1:5], ["walker2d-medium-softmax-seed0", "5000: 52.0", "5000: 47.0", "+5.0"])
        self.assertEqual(ema[4][3:], ["40.0", "52.0", "46.0", "6.0"])


if __name__ == "__main__":
    unittest.main()
