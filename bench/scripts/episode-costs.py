#!/usr/bin/env python3
"""episode-costs.py — what the whole-episode agents cost against K = 20, measured side by side in one run.

    bench/scripts/episode-costs.py [--build build] [--data FILE.hdf5] [--updates 30]
                                   [--episodes 100] [--softmax-episodes 5] [--write docs/results.md]

Three agents at the fast-cpu-10k shape (128/3/1, fp32, one torch and one OpenBLAS thread, as the runs of
record train), each trained for a few updates on one HalfCheetah dataset and then evaluated:
  K = 20 Flowformer-DT            configs/dt/fast-cpu-10k.yaml: 64 windows of 20 steps per update,
                                  acting through its 20-step window;
  whole-episode Flowformer-DT     + configs/dt/checks/episode.yaml: 2 whole episodes per update (K = 1000),
                                  acting through the recurrent state;
  whole-episode softmax-DT        the same with model.attention=softmax, acting through its window (it has
                                  no recurrent state).
HalfCheetah episodes always run 1000 steps, so every evaluation steps the same 1000 x episodes env steps
whatever the weights: the costs do not depend on training. Measured per agent, each in a process of its
own: training seconds per update (the log's elapsed time between the first and the last logged update,
so start-up and the first update are left out), its peak resident memory, evaluation wall seconds for
--episodes episodes at target 12000 (2 env-stepping threads, one batched forward pass or recurrent step
per env step) and its peak resident memory. The softmax window's evaluation grows with t squared per
step: it runs --softmax-episodes episodes and its time is scaled to 100 episodes (marked so), since the
batched forward pass costs in proportion to the number of episodes in the batch.

--data defaults to data/generated/halfcheetah-mixed.hdf5 (scripts/reproduce.sh makes it); without it a
20k-row halfcheetah medium file is collected into the work folder. --write FILE.md replaces the block
`<!-- bench:episode_costs:begin -->` ... `<!-- bench:episode_costs:end -->` of FILE.md. Absolute times
depend on the machine and on what else runs (the report gives the load average): read the ratios.
"""
import argparse
import csv
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
from results_md import emit  # noqa: E402

AGENTS = [  # (name, extra configs, --set overrides, acting)
    ("K = 20 Flowformer-DT", [], [], "window (K = 20)"),
    ("whole-episode Flowformer-DT", ["configs/dt/checks/episode.yaml"], [], "recurrent state"),
    ("whole-episode softmax-DT", ["configs/dt/checks/episode.yaml"], ["model.attention=softmax"], "window (K = 1000)"),
]


def run(cmd, log):
    """Runs `cmd` (output to `log`); returns (wall seconds, peak resident MiB) of that process alone."""
    start = time.monotonic()
    with open(log, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        with open(log) as f:
            tail = f.read()[-2000:]
        sys.exit(f"episode-costs.py: {' '.join(cmd)} exited with {code}:\n{tail}")
    return wall, usage.ru_maxrss / 1024.0  # Linux: KiB


def seconds_per_update(log_csv):
    rows = list(csv.DictReader(open(log_csv)))
    if len(rows) < 2:
        sys.exit(f"episode-costs.py: {log_csv} has fewer than 2 logged updates; raise --updates")
    first, last = rows[0], rows[-1]
    return (float(last["elapsed_s"]) - float(first["elapsed_s"])) / (int(last["step"]) - int(first["step"]))


def load_average():
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def cpu_name():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--build", default="build", help="build folder with bin/train-agent (default: %(default)s)")
    p.add_argument("--data", default="data/generated/halfcheetah-mixed.hdf5", help="a halfcheetah D4RL file")
    p.add_argument("--updates", type=int, default=30, help="training updates per agent (default: %(default)s)")
    p.add_argument("--episodes", type=int, default=100, help="evaluation episodes, Flow-Attention agents")
    p.add_argument("--softmax-episodes", type=int, default=5, help="evaluation episodes, softmax window")
    p.add_argument("--write", metavar="FILE.md", help="replace the bench:episode_costs block of FILE.md")
    args = p.parse_args()
    if args.updates < 10:
        p.error("--updates must be at least 10 (the time per update is read between logged updates)")
    bin_dir = os.path.join(ROOT, args.build, "bin") if not os.path.isabs(args.build) else os.path.join(args.build, "bin")
    for prog in ("train-agent", "evaluate-policy", "collect-dataset"):
        if not os.access(os.path.join(bin_dir, prog), os.X_OK):
            sys.exit(f"episode-costs.py: {bin_dir}/{prog} not found: build flowrl first (scripts/test.sh or cmake --build)")
    work = tempfile.mkdtemp(prefix="episode-costs-")
    data = os.path.join(ROOT, args.data) if not os.path.isabs(args.data) else args.data
    if not os.path.exists(data):
        data = os.path.join(work, "halfcheetah-medium-20k.hdf5")
        print(f"episode-costs.py: {args.data} not found; collecting {data}", file=sys.stderr)
        run([os.path.join(bin_dir, "collect-dataset"), "--env", "halfcheetah", "--recipe", "medium", "--transitions",
             "20000", "--seed", "0", "--out", data, "--no-progress"], os.path.join(work, "collect.log"))
    load_start = load_average()
    rows = []
    try:
        for i, (name, configs, sets, acting) in enumerate(AGENTS):
            run_dir = os.path.join(work, f"agent{i}")
            cmd = [os.path.join(bin_dir, "train-agent"), "--config", "configs/dt/halfcheetah-medium.yaml",
                   "--config", "configs/dt/fast-cpu-10k.yaml"]
            for c in configs:
                cmd += ["--config", c]
            for s in sets + [f"dataset.path={data}", f"train.steps={args.updates}", "train.warmup_steps=5",
                             "train.log_every=5", f"train.checkpoint_every={args.updates}", "eval.every=0",
                             "eval.final_episodes=0"]:
                cmd += ["--set", s]
            cmd += ["--seed", "0", "--out", run_dir, "--no-progress"]
            print(f"episode-costs.py: training {name} ({args.updates} updates)", file=sys.stderr)
            _, train_mib = run(cmd, os.path.join(work, f"train{i}.log"))
            per_update = seconds_per_update(os.path.join(run_dir, "log.csv"))
            episodes = args.softmax_episodes if "softmax" in name else args.episodes
            out_json = os.path.join(work, f"eval{i}.json")
            print(f"episode-costs.py: evaluating {name} ({episodes} episodes)", file=sys.stderr)
            _, eval_mib = run([os.path.join(bin_dir, "evaluate-policy"), "--checkpoint", run_dir, "--env", "halfcheetah",
                               "--target-return", "12000", "--episodes", str(episodes), "--threads", "2", "--quiet",
                               "--json", out_json], os.path.join(work, f"eval{i}.log"))
            doc = json.load(open(out_json))
            ev = doc["targets"][0]["evaluation"]
            per_100 = ev["wall_seconds"] * 100.0 / episodes
            rows.append({"name": name, "acting": ev["info"].get("acting", "?"), "expected": acting,
                         "per_update": per_update, "train_mib": train_mib, "eval_s": ev["wall_seconds"],
                         "episodes": episodes, "per_100": per_100, "eval_mib": eval_mib,
                         "steps": ev["total_steps"]})
    finally:
        shutil.rmtree(work, ignore_errors=True)
    load_end = load_average()

    base = rows[0]
    out = ["K = 20 Flowformer-DT, whole-episode Flowformer-DT (recurrent acting) and whole-episode softmax-DT "
           "(window acting) at the fast-cpu-10k shape (128/3/1, fp32), trained on the same HalfCheetah file "
           f"({args.updates} updates; whole-episode: 2 episodes of 1000 steps per update, K = 20: 64 windows of 20) and "
           "evaluated at target 12000 (HalfCheetah episodes always run 1000 steps, so every evaluation steps the "
           "same env steps whatever the weights). Each in a process of its own; peak memory is that process's "
           "peak resident set.", "",
           f"- Command: `bench/scripts/episode-costs.py --updates {args.updates} --episodes {args.episodes} "
           f"--softmax-episodes {args.softmax_episodes}`",
           f"- Machine: {cpu_name()}, {os.cpu_count()} cores; 1 torch thread and 1 OpenBLAS thread (the runs' "
           f"train.threads), 2 env-stepping threads; 1-minute load average {load_start:.2f} at the start and "
           f"{load_end:.2f} at the end (other jobs shared the machine: read the ratios)", "",
           "| agent | acts through | training s per update | x K = 20 | training peak MiB | evaluation s per 100 "
           "episodes | x K = 20 | evaluation peak MiB |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        scaled = "" if r["episodes"] == 100 else f" (measured on {r['episodes']}, scaled)"
        out.append(f"| {r['name']} | {r['expected'] if r['acting'] in r['expected'] else r['acting'] + ' (unexpected)'} | {r['per_update']:.3f} | {r['per_update'] / base['per_update']:.1f} | "
                   f"{r['train_mib']:.0f} | {r['per_100']:.1f}{scaled} | {r['per_100'] / base['per_100']:.1f} | "
                   f"{r['eval_mib']:.0f} |")
    report = "\n".join(out) + "\n"
    emit(report, args.write, "bench:episode_costs", "episode-costs.py")
    bad = [r["name"] for r in rows if r["acting"] not in r["expected"]]
    if bad:
        sys.exit(f"episode-costs.py: {', '.join(bad)} did not act as expected (see the table)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
