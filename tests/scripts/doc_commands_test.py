#!/usr/bin/env python3
"""Every command README.md and docs/**/*.md show runs as typed from the repository root.

    python3 tests/scripts/doc_commands_test.py [--build-dir DIR] [--program NAME=PATH ...] [--list] [-v]
                                                     (CTest: readme_docs_commands, readme_results)

Reads the shell lines of the documents (fenced code blocks without a language or marked sh/bash/console/
text, indented code blocks, and inline `code` spans), splits them into simple commands (at &&, ||, ;, |,
$( and newlines; backslash continuations joined; VAR=value, sudo, env, time and timeout N skipped), and
checks what each one runs:
  - a flowrl program (a name that apps/*/CMakeLists.txt or bench/**/CMakeLists.txt builds, or a test
    executable of tests/**/CMakeLists.txt), bare (`train-agent ...`) or as a build path
    (`build/bin/train-agent`, `./build/bench/agent/bench_train_step`): built, at that path below the build
    folder, and `PROGRAM --help` exits 0 (programs this configuration does not build are skipped; a name
    flowrl does not build is an error);
  - a script (a path under scripts/ or .ci/, or a .py or .sh under another folder of the repository): run
    directly (`scripts/x.sh ...` in a code block, or in an inline span with arguments), it exists and has
    its run bit; run through an interpreter (`bash scripts/x.sh`, `python3 scripts/x.py`) or only named in
    an inline span without arguments, it exists;
  - a bare script name in command position (`plot-run.py RUN_DIR`) is an error: it does not run as typed.
Also every file of the repository that starts with #! has its run bit.

readme_results: README's results table rows and its summary sentence appear verbatim in the summary block
of docs/results.md (the block scripts/rl-results.py --write rewrites), so the front page cannot drift from
the ledger.

CTest passes --build-dir and one --program NAME=PATH per program target; run by hand, programs are looked
for under build/. --list prints every command found and what was checked. Standard library only.
"""
import concurrent.futures
import glob
import os
import re
import shlex
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SHELL_LANGS = {"", "sh", "bash", "shell", "console", "text"}
WRAPPERS = {"sudo", "env", "time", "nohup", "exec", "command"}
INTERPRETERS = {"bash", "sh", "python3", "python"}
SCRIPT_EXT = (".sh", ".py")
# folders of the source tree that hold no committed file (ignored by .gitignore) or no document's files
SKIP_DIRS = {".git", "runs", "tmp", "__pycache__", ".gpu", ".whl"}
HELP_TIMEOUT_S = 120


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def documents(root):
    """README.md and every Markdown file under docs/."""
    docs = [os.path.join(root, "README.md")]
    docs += sorted(glob.glob(os.path.join(root, "docs", "**", "*.md"), recursive=True))
    return [d for d in docs if os.path.isfile(d)]


def shell_snippets(text):
    """(line number, snippet, kind) for each shell line: kind 'block' (code blocks) or 'inline'."""
    out = []
    lines = text.split("\n")
    fence, fence_lang, prev_blank, in_indented = None, "", True, False
    pending, pending_line = "", 0
    for n, line in enumerate(lines, 1):
        stripped = line.strip()
        after_blank, prev_blank = prev_blank, stripped == ""
        m = re.match(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)", line)
        if fence is None and m:
            fence, fence_lang = m.group(1), m.group(2).lower()
            continue
        if fence is not None:
            if stripped.startswith(fence):
                fence = None
                continue
            if fence_lang in SHELL_LANGS:
                pending, pending_line = _continue(out, pending, pending_line, line, n)
            continue
        is_indented = line.startswith("    ") and stripped and (after_blank or in_indented) and \
            not re.match(r"^\s*([-*+]|\d+\.)\s", line)
        if is_indented:
            in_indented = True
            pending, pending_line = _continue(out, pending, pending_line, line, n)
        else:
            if stripped:
                in_indented = False
            for span in re.findall(r"(`+)(.+?)\1", line):
                out.append((n, span[1].replace("\\|", "|").strip(), "inline"))
    return out


def _continue(out, pending, pending_line, line, n):
    """Joins backslash continuations; appends a finished block line to `out`."""
    if not pending:
        pending_line = n
    if line.rstrip().endswith("\\"):
        return pending + line.rstrip()[:-1] + " ", pending_line
    out.append((pending_line, (pending + line).strip(), "block"))
    return "", 0


def simple_commands(snippet, kind):
    """Token lists of the simple commands in a snippet (shell comments dropped in blocks)."""
    commands = []
    for part in re.split(r"&&|\|\||;|\||\$\(|`|\(|\)", snippet):
        try:
            tokens = shlex.split(part, comments=(kind == "block"))
        except ValueError:  # an unbalanced quote: prose, not a command
            tokens = part.split()
        while tokens and (re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", tokens[0]) or tokens[0] in WRAPPERS):
            tokens = tokens[1:]
        if tokens and tokens[0] == "timeout":
            tokens = tokens[2:]
        if tokens:
            commands.append(tokens)
    return commands


def source_programs(root):
    """Names of the programs flowrl builds: flowrl_app(NAME in apps/, add_executable(NAME in bench/, and the
    test executables, flowrl_add_test(NAME in tests/."""
    names = set()
    for cmake in glob.glob(os.path.join(root, "apps", "*", "CMakeLists.txt")):
        names.update(re.findall(r"flowrl_app\(\s*([\w.-]+)", read(cmake)))
    for cmake in glob.glob(os.path.join(root, "bench", "**", "CMakeLists.txt"), recursive=True):
        names.update(re.findall(r"add_executable\(\s*([\w.-]+)", read(cmake)))
    for cmake in glob.glob(os.path.join(root, "tests", "**", "CMakeLists.txt"), recursive=True):
        names.update(re.findall(r"flowrl_add_test\(\s*([\w.-]+)", read(cmake)))
    return names


def shebang_files(root):
    """Repository files that start with #! (git's file list when there is one, else a walk)."""
    try:
        listed = subprocess.run(["git", "-C", root, "ls-files", "-z"], capture_output=True, check=True,
                                timeout=60).stdout.decode().split("\0")
        files = [os.path.join(root, f) for f in listed if f]
    except (OSError, subprocess.SubprocessError):
        files = []
        for d, dirs, names in os.walk(root):
            dirs[:] = [x for x in dirs if x not in SKIP_DIRS and not x.startswith("build")]
            files += [os.path.join(d, x) for x in names]
    out = []
    for f in files:
        try:
            with open(f, "rb") as fh:
                if fh.read(2) == b"#!":
                    out.append(f)
        except OSError:
            pass
    return out


class Checker:
    """Walks the documents of `root`; problems() lists what does not run as typed."""

    def __init__(self, root, build_dir=None, programs=None, help_runner=None):
        self.root = root
        self.build_dir = build_dir or os.path.join(root, "build")
        self.known = source_programs(root)
        self.built = dict(programs or {})
        if programs is None:  # by hand: look in the build folder
            for name in self.known:
                hits = glob.glob(os.path.join(self.build_dir, "**", name), recursive=True)
                hits = [h for h in hits if os.path.isfile(h) and os.access(h, os.X_OK)]
                if hits:
                    self.built[name] = sorted(hits, key=len)[0]
        self.help_runner = help_runner or self._run_help
        self.help_results = {}
        self.log = []

    def _run_help(self, path):
        try:
            r = subprocess.run([path, "--help"], capture_output=True, timeout=HELP_TIMEOUT_S)
            return r.returncode, (r.stdout + r.stderr).decode(errors="replace")
        except (OSError, subprocess.TimeoutExpired) as e:
            return -1, str(e)

    def problems(self):
        found = []
        texts = {doc: read(doc) for doc in documents(self.root)}
        # the programs the documents mention answer --help side by side (each starts LibTorch: seconds)
        named = [name for name in sorted(self.built) if any(name in text for text in texts.values())]
        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            for name, result in zip(named, pool.map(self.help_runner, [self.built[n] for n in named])):
                self.help_results[name] = result
        for doc, text in texts.items():
            rel = os.path.relpath(doc, self.root)
            for n, snippet, kind in shell_snippets(text):
                for tokens in simple_commands(snippet, kind):
                    problem = self.check_command(tokens, kind)
                    if problem:
                        found.append(f"{rel}:{n}: `{' '.join(tokens)}`: {problem}")
        for f in shebang_files(self.root):
            if not os.access(f, os.X_OK):
                found.append(f"{os.path.relpath(f, self.root)} starts with #! but has no run bit "
                             "(git update-index --chmod=+x FILE; chmod +x FILE)")
        return found

    def check_command(self, tokens, kind):
        first = tokens[0]
        args = tokens[1:]
        if first in INTERPRETERS:
            if "-c" in args or "-m" in args:
                return None
            script = next((t for t in args if not t.startswith("-")), None)
            if script is None or not ("/" in script or script.endswith(SCRIPT_EXT)):
                return None
            return self.check_script(script, run_directly=False)
        path = first[2:] if first.startswith("./") else first
        if path.endswith("/"):  # a folder
            return None
        if "/" not in path:
            if path in self.known:
                return self.check_program(path, None)
            if path.endswith(SCRIPT_EXT) and (kind == "block" or args) and re.match(r"^[\w.-]+$", path):
                return "a bare script name does not run as typed from the repository root; write its path"
            return None
        if re.match(r"^build[^/]*/", path):
            name = os.path.basename(path)
            if name not in self.known:
                return f"{path} is not a program flowrl builds ({', '.join(sorted(self.known))})"
            return self.check_program(name, path.split("/", 1)[1])
        # scripts/ and .ci/ hold scripts with or without an extension; elsewhere a .py or .sh counts when its
        # top folder is the repository's (model/Flowformer.py, the Flowformer authors' file, is not)
        in_script_folder = re.match(r"^(scripts|\.ci)/", path)
        ours = os.path.isdir(os.path.join(self.root, path.split("/")[0]))
        if in_script_folder or (path.endswith(SCRIPT_EXT) and ours):
            return self.check_script(path, run_directly=(kind == "block" or bool(args)))
        return None

    def check_script(self, path, run_directly):
        full = os.path.join(self.root, path)
        self.log.append(("script", path, run_directly))
        if not os.path.isfile(full):
            return f"{path} does not exist"
        if run_directly and not os.access(full, os.X_OK):
            return f"{path} has no run bit (git update-index --chmod=+x {path}; chmod +x {path})"
        return None

    def check_program(self, name, under_build):
        if name not in self.built:
            self.log.append(("program not built here, skipped", name, None))
            return None
        exe = self.built[name]
        if under_build is not None:
            actual = os.path.relpath(exe, self.build_dir)
            if actual != under_build:
                return f"{name} is built at <build>/{actual}, not <build>/{under_build}"
        if name not in self.help_results:
            self.help_results[name] = self.help_runner(exe)
        code, output = self.help_results[name]
        self.log.append(("program --help", name, code))
        if code != 0 or not output.strip():
            return f"`{name} --help` exited {code}: {output.strip()[-300:]}"
        return None


def results_problems(root):
    """README's results table rows and summary sentence that are not in docs/results.md's summary block."""
    readme = read(os.path.join(root, "README.md"))
    results = read(os.path.join(root, "docs", "results.md"))
    block = re.search(r"<!-- rl-results:([\w.+-]+):summary:begin -->\n(.*?)<!-- rl-results:\1:summary:end -->",
                      results, re.S)
    if not block:
        return ["docs/results.md has no <!-- rl-results:PROTOCOL:summary:begin/end --> block"]
    summary = block.group(2).split("\n")
    lines = readme.split("\n")
    head = next((i for i, l in enumerate(lines) if l.startswith("| dataset | data | Flowformer-DT |")), None)
    table = []
    if head is not None:
        for l in lines[head:]:
            if not l.startswith("|"):
                break
            table.append(l)
    sentences = [l for l in readme.split("\n") if l.startswith("Flowformer-DT meets its bar") or
                 l.startswith("Flowformer-DT minus softmax-DT")]
    problems = []
    if not table:
        problems.append("README.md has no results table (| dataset | data | Flowformer-DT | ...)")
    if not sentences:
        problems.append("README.md has no 'Flowformer-DT meets its bar ...' sentence")
    for line in table + sentences:
        if line not in summary:
            problems.append(f"README.md: '{line[:100]}...' is not in docs/results.md's summary block "
                            f"(copy the block's table and sentences)")
    readme_rows = [l for l in table if not l.startswith("| dataset |") and "|---" not in l]
    summary_rows = [l for l in summary if l.startswith("| ") and not l.startswith("| dataset |") and "|---" not in l]
    if table and len(readme_rows) != len(summary_rows):
        problems.append(f"README.md's results table has {len(readme_rows)} rows, docs/results.md's summary "
                        f"{len(summary_rows)}")
    return problems


def write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class FakeTree(unittest.TestCase):
    """The checker on small made-up trees: each kind of broken reference is found."""

    def make(self, readme, files=()):
        tmp = tempfile.TemporaryDirectory(prefix="doc-commands-test-")
        self.addCleanup(tmp.cleanup)
        write(os.path.join(tmp.name, "README.md"), readme)
        write(os.path.join(tmp.name, "apps", "tool", "CMakeLists.txt"), "flowrl_app(my-tool SOURCES main.cpp)\n")
        for path, text, mode in files:
            write(os.path.join(tmp.name, path), text, mode)
        return tmp.name

    def problems(self, root, help_code=0):
        calls = []

        def runner(path):
            calls.append(path)
            return help_code, "usage: my-tool"
        checker = Checker(root, build_dir=os.path.join(root, "build"),
                          programs={"my-tool": os.path.join(root, "build", "bin", "my-tool")}, help_runner=runner)
        return checker.problems(), calls

    def test_a_clean_tree_passes(self):
        root = self.make("Run\n\n    scripts/go.sh --fast\n    build/bin/my-tool --x 1 && bash scripts/lib.sh\n\n"
                         "Then `my-tool --help`, see `scripts/go.sh`.\n",
                         [("scripts/go.sh", "#!/bin/sh\n", 0o755), ("scripts/lib.sh", "f() { :; }\n", 0o644)])
        problems, calls = self.problems(root)
        self.assertEqual(problems, [])
        self.assertEqual(len(calls), 1)  # --help runs once per program

    def test_missing_script(self):
        root = self.make("```\nFOO=1 scripts/gone.sh\n```\n")
        problems, _ = self.problems(root)
        self.assertEqual(len(problems), 1)
        self.assertIn("scripts/gone.sh does not exist", problems[0])
        self.assertIn("README.md:2:", problems[0])

    def test_script_without_run_bit(self):
        root = self.make("Plot with `scripts/plot.py RUN_DIR`.\n",
                         [("scripts/plot.py", "#!/usr/bin/env python3\n", 0o644)])
        problems, _ = self.problems(root)
        self.assertTrue(any("scripts/plot.py has no run bit" in p for p in problems), problems)
        self.assertTrue(any("starts with #! but has no run bit" in p for p in problems), problems)

    def test_bare_script_name_and_unknown_build_program(self):
        root = self.make("    plot.py RUN_DIR\n\n`build/bin/no-such-tool --help`\n")
        problems, _ = self.problems(root)
        self.assertEqual(len(problems), 2, problems)
        self.assertIn("bare script name", problems[0])
        self.assertIn("not a program flowrl builds", problems[1])

    def test_program_help_fails_or_wrong_build_path(self):
        root = self.make("    my-tool --config x.yaml\n")
        problems, _ = self.problems(root, help_code=1)
        self.assertEqual(len(problems), 1)
        self.assertIn("`my-tool --help` exited 1", problems[0])
        root = self.make("    ./build/tools/my-tool\n")
        problems, _ = self.problems(root)
        self.assertIn("built at <build>/bin/my-tool, not <build>/tools/my-tool", problems[0])

    def test_cpp_blocks_and_prose_are_not_commands(self):
        root = self.make("```cpp\nscripts/gone.sh();\n```\n\nThe file `configs/a.yaml` and `train.threads`.\n")
        problems, _ = self.problems(root)
        self.assertEqual(problems, [])

    def test_results_table_must_match_the_ledger_block(self):
        summary = ("| dataset | data | Flowformer-DT | softmax-DT | bar | met? |\n|---|---|---|---|---|---|\n"
                   "| hopper-medium | 49.2 | 68.9 ± 3.9 (2 seeds) | 68.0 ± 7.9 (2 seeds) | 49.2 (data average) "
                   "| yes |\n\n"
                   "Flowformer-DT meets its bar on 1 of the 1 datasets run (hopper-medium).\n")
        root = self.make(summary)
        write(os.path.join(root, "docs", "results.md"),
              "<!-- rl-results:p:summary:begin -->\n" + summary + "<!-- rl-results:p:summary:end -->\n")
        self.assertEqual(results_problems(root), [])
        write(os.path.join(root, "README.md"), summary.replace("68.9", "69.9"))
        problems = results_problems(root)
        self.assertEqual(len(problems), 1)
        self.assertIn("| hopper-medium | 49.2 | 69.9", problems[0])


class Repository(unittest.TestCase):
    """The repository's own README.md and docs/."""
    build_dir = None
    programs = None

    def test_every_command_runs_as_typed(self):
        checker = Checker(ROOT, self.build_dir, self.programs)
        problems = checker.problems()
        if LIST:
            for entry in checker.log:
                print(*entry)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))
        self.assertTrue(any(kind == "program --help" for kind, _, _ in checker.log) or not checker.built,
                        "no program was checked")


class ReadmeResults(unittest.TestCase):
    def test_readme_results_are_the_ledgers(self):
        problems = results_problems(ROOT)
        self.assertEqual(problems, [], "\n" + "\n".join(problems))


LIST = False

if __name__ == "__main__":
    argv = [sys.argv[0]]
    args = sys.argv[1:]
    programs = None
    i = 0
    while i < len(args):
        if args[i] == "--build-dir":
            Repository.build_dir = args[i + 1]
            i += 2
        elif args[i] == "--program":
            name, _, path = args[i + 1].partition("=")
            programs = programs or {}
            programs[name] = path
            i += 2
        elif args[i] == "--list":
            LIST = True
            i += 1
        else:
            argv.append(args[i])
            i += 1
    Repository.programs = programs
    unittest.main(argv=argv)
