#!/usr/bin/env python3
"""compare-builds.py — the training-step benchmark (bench_train_step) of two builds of flowrl side by
side: Debian's LibTorch 1.13 (build/) against PyTorch's LibTorch 2.x (build-torch2/,
scripts/build-torch2.sh). The two binaries alternate, round by round, so that machine load affects
both alike; each round runs every model for --steps steps, and the table gives the median over the
rounds of each round's median. Writes the section `train_step_builds` of --out.

    python3 bench/scripts/compare-builds.py [--builds build build-torch2] [--rounds 3] [--steps 10]
                                            [--out docs/benchmarks.md]
Standard library only.
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile


def run_once(build, steps):
    """One bench_train_step run of `build` -> ({model row name: (flow ms, softmax ms)}, LibTorch version)."""
    exe = os.path.join(build, "bench", "agent", "bench_train_step")
    if not os.access(exe, os.X_OK):
        sys.exit(f"compare-builds.py: {exe} is missing: build {build} first (cmake --build {build} --target bench_train_step)")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "b.md")
        done = subprocess.run([exe, "--steps", str(steps), "--out", out], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"compare-builds.py: {exe} failed:\n{done.stderr[-2000:]}")
        text = open(out).read()
    version = re.search(r"LibTorch ([0-9][^,]*),", text)
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) >= 3 and cells[0] and re.match(r"^[0-9.]+$", cells[1]) and re.match(r"^[0-9.]+$", cells[2]):
            rows[cells[0]] = (float(cells[1]), float(cells[2]))
    if not rows:
        sys.exit(f"compare-builds.py: no table in {exe}'s output")
    return rows, version.group(1) if version else "?"


def write_section(path, name, body):
    begin, end = f"<!-- bench:{name}:begin -->", f"<!-- bench:{name}:end -->"
    text = open(path).read() if os.path.exists(path) else "# flowrl benchmarks\n"
    block = f"{begin}\n{body}{end}"
    b, e = text.find(begin), text.find(end)
    text = text[:b] + block + text[e + len(end):] if b >= 0 and e > b else text.rstrip("\n") + "\n\n" + block + "\n"
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--builds", nargs=2, default=["build", "build-torch2"])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--out", default="docs/benchmarks.md")
    a = ap.parse_args()
    if a.rounds < 1 or a.steps < 1:
        sys.exit("compare-builds.py: --rounds and --steps must be positive")
    results = {b: [] for b in a.builds}
    versions = {}
    for r in range(a.rounds):
        for b in (a.builds if r % 2 == 0 else a.builds[::-1]):
            print(f"compare-builds.py: round {r + 1}/{a.rounds}, {b}", file=sys.stderr)
            rows, versions[b] = run_once(b, a.steps)
            results[b].append(rows)
    with open("/proc/loadavg") as f:
        load = f.read().split()[0]
    first, second = a.builds
    lines = ["## Decision Transformer training step: LibTorch 1.13 against 2.x (CPU)\n",
             f"`bench_train_step` (1 torch thread, 1 OpenBLAS thread, batch 64, K 20) of two builds of the same "
             f"tree, alternating round by round ({a.rounds} rounds of {a.steps} steps per model); milliseconds per "
             f"step, the median over the rounds of each round's median. Debian's LibTorch multiplies with "
             f"OpenBLAS; PyTorch's wheel with its own oneDNN/MKL.\n",
             f"- Command: `python3 bench/scripts/compare-builds.py --builds {first} {second} --rounds {a.rounds} "
             f"--steps {a.steps}`",
             f"- Machine: the 2-core AMD EPYC development VM; 1-minute load average {load} at the end "
             f"(above 2: other jobs shared the machine; read the ratios)\n",
             f"| shape, attention | LibTorch {versions[first]} ({first}) ms | LibTorch {versions[second]} ({second}) ms | "
             f"{second} / {first} |", "|---|---|---|---|"]
    for model in results[first][0]:
        for i, attention in enumerate(["Flow-Attention", "softmax"]):
            x = statistics.median(r[model][i] for r in results[first])
            y = statistics.median(r[model][i] for r in results[second])
            lines.append(f"| {model}, {attention} | {x:.1f} | {y:.1f} | {y / x:.2f}x |")
    body = "\n".join(lines) + "\n\n"
    write_section(a.out, "train_step_builds", body)
    print(body)


if __name__ == "__main__":
    main()
