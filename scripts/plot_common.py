"""plot_common.py — shared by the plotting scripts (plot-run.py, plot-ledger.py, plot-forecast.py).

setup() imports numpy and matplotlib (headless Agg backend) and sets the house style. When the running
python3 cannot import them (e.g. a pyenv python3 first on the PATH, which does not see Debian's
python3-matplotlib) and /usr/bin/python3 is another interpreter, the script is run again with
/usr/bin/python3; when that cannot import them either, it says what to install and exits with status 1.

Also: error/warning helpers that name the program, CSV and JSON readers whose errors name the file and
line, PNG saving (small, 100 dpi, no version stamp), and loading constants from rl-results.py and
forecast-results.py so that all scripts agree on targets and published baselines.
"""
import csv
import importlib.util
import json
import math
import os
import sys

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(SCRIPTS)
SYSTEM_PYTHON = "/usr/bin/python3"
_REEXEC_GUARD = "FLOWRL_PLOT_REEXEC"

DPI = 100
# one colour per compared thing, the same in every figure
COLORS = {"flow": "#1f77b4", "softmax": "#ff7f0e", "data": "#444444",
          "inverted": "#1f77b4", "temporal": "#d62728"}
LABELS = {"flow": "Flowformer-DT", "softmax": "softmax-DT", "data": "behaviour data"}


class UserError(Exception):
    """A problem with the inputs (missing or malformed file, nothing to plot): reported in one line."""


def fail(program, message):
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(1)


def warn(program, message):
    print(f"{program}: {message}", file=sys.stderr)


def install_message(program):
    return (f"{program}: numpy and matplotlib are needed to draw the figures, and {sys.executable} "
            f"cannot import them.\n"
            f"  Debian/Ubuntu: sudo apt-get install python3-matplotlib python3-numpy "
            f"(scripts/install-deps.sh installs them); a python3 that does not see Debian's packages "
            f"(pyenv, a venv) then hands the script to {SYSTEM_PYTHON} by itself\n"
            f"  any other python3: python3 -m pip install matplotlib numpy")


def setup(program):
    """Imports numpy and matplotlib.pyplot (Agg) and returns (numpy, pyplot); see the module docstring
    for what happens when they are missing."""
    try:
        import numpy
        import matplotlib
    except ImportError:
        here = os.path.realpath(sys.executable or "")
        if (os.environ.get(_REEXEC_GUARD) != "1" and os.path.exists(SYSTEM_PYTHON)
                and os.path.realpath(SYSTEM_PYTHON) != here and sys.argv and sys.argv[0]):
            env = dict(os.environ, **{_REEXEC_GUARD: "1"})
            sys.stdout.flush()
            sys.stderr.flush()
            os.execve(SYSTEM_PYTHON, [SYSTEM_PYTHON] + sys.argv, env)
        print(install_message(program), file=sys.stderr)
        sys.exit(1)
    matplotlib.use("Agg")
    import matplotlib.pyplot as pyplot
    pyplot.rcParams.update({
        "figure.dpi": DPI, "savefig.dpi": DPI, "font.size": 8, "axes.titlesize": 9, "axes.labelsize": 8,
        "legend.fontsize": 7, "xtick.labelsize": 7, "ytick.labelsize": 7, "axes.grid": True,
        "grid.alpha": 0.3, "grid.linewidth": 0.5, "axes.spines.top": False, "axes.spines.right": False,
        "lines.linewidth": 1.3, "lines.markersize": 4, "legend.frameon": False,
    })
    return numpy, pyplot


def save(fig, path, program):
    """Writes `fig` as a small PNG (100 dpi; with Pillow, which matplotlib itself needs, reduced to a
    256-colour palette, about a third of the size and no visible change; no software stamp, so the
    committed files change only when the picture does), closes it and names the file on stderr."""
    import io
    import matplotlib.pyplot as pyplot
    folder = os.path.dirname(path)
    buffer = io.BytesIO()
    try:
        fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    finally:
        pyplot.close(fig)
    data = buffer.getvalue()
    try:
        from PIL import Image
        image = Image.open(io.BytesIO(data)).convert("RGB").quantize(colors=256)
        small = io.BytesIO()
        image.save(small, format="PNG", optimize=True)
        data = small.getvalue()
    except ImportError:
        pass
    try:
        if folder:
            os.makedirs(folder, exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    except OSError as e:
        raise UserError(f"cannot write {path}: {e.strerror}; pass a writable --out DIR")
    print(f"{program}: wrote {path}", file=sys.stderr)
    return path


def number(text, path, line, column):
    """A CSV cell as a float ('' -> None); an unreadable number is a UserError naming file, line, column."""
    text = (text or "").strip()
    if text == "":
        return None
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{path}, line {line}: column '{column}' is '{text}', not a number")


def read_csv(path, columns, what):
    """The rows of a CSV file with a header holding `columns`, as dicts of floats (None for an empty
    cell). A missing file, a missing column or an unreadable number is a UserError; a short last line
    (a log cut off while it was written) is left out."""
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file ({what})")
    with open(path, newline="") as f:
        reader = csv.reader(f)
        header = next(reader, None)
        if header is None:
            raise UserError(f"{path}: empty file, not even a header line ({what})")
        header = [h.strip() for h in header]
        missing = [c for c in columns if c not in header]
        if missing:
            raise UserError(f"{path}: no column {', '.join(missing)} in the header "
                            f"'{','.join(header)}' ({what}; expected columns {','.join(columns)})")
        lines = list(reader)
    rows = []
    for i, cells in enumerate(lines):
        line = i + 2
        if not cells or all(c.strip() == "" for c in cells):
            continue
        if len(cells) < len(header):
            if i == len(lines) - 1:
                continue  # cut off mid-write
            raise UserError(f"{path}, line {line}: {len(cells)} cells, the header has {len(header)}")
        rows.append({c: number(cells[header.index(c)], path, line, c) for c in columns})
    return rows


def read_json(path, what):
    if not os.path.exists(path):
        raise UserError(f"{path}: no such file ({what})")
    try:
        with open(path) as f:
            return json.load(f)
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not valid JSON (line {e.lineno}, column {e.colno}: {e.msg}); {what}")
    except UnicodeDecodeError:
        raise UserError(f"{path}: not a text file; {what}")


def load_script(filename):
    """Loads scripts/FILENAME (e.g. rl-results.py) as a module, for its constants."""
    path = os.path.join(SCRIPTS, filename)
    if SCRIPTS not in sys.path:
        sys.path.insert(0, SCRIPTS)
    spec = importlib.util.spec_from_file_location(filename.replace("-", "_").replace(".py", ""), path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def description(doc):
    """A script's docstring without its title and usage paragraphs, for argparse's --help."""
    parts = doc.strip().split("\n\n", 2)
    return parts[2] if len(parts) == 3 else doc


def finite(x):
    return x is not None and isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def run_main(program, main):
    """Runs main(); a UserError is printed in one line (exit 1), a Ctrl-C exits quietly (130)."""
    try:
        return main()
    except UserError as e:
        fail(program, str(e))
    except KeyboardInterrupt:
        sys.exit(130)
