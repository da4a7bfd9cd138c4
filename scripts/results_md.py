"""results_md.py — shared by rl-results.py and forecast-results.py: --write parsing and splicing a
generated report into the `<!-- NAME:begin -->` ... `<!-- NAME:end -->` block of a Markdown file."""
import os
import sys


def parse_args(argv, doc, program, must_exist=True):
    """argv -> (FILE of --write or None, directories). --help prints `doc`; an unknown option, or a
    path that is a file (or, with must_exist, missing), exits with a message."""
    if any(a in ("-h", "--help") for a in argv):
        print(doc.strip())
        sys.exit(0)
    write, rest = split_write_arg(argv)
    for a in rest:
        if a.startswith("-"):
            sys.exit(f"{program}: unknown option {a} (see --help)")
        if (must_exist or os.path.exists(a)) and not os.path.isdir(a):
            sys.exit(f"{program}: {a} is not a directory (see --help)")
    return write, rest


def split_write_arg(args):
    """[... --write FILE ...] -> (FILE or None, the other arguments)."""
    if "--write" not in args:
        return None, args
    i = args.index("--write")
    if i + 1 >= len(args):
        sys.exit("--write needs a Markdown file, e.g. --write docs/results.md")
    return args[i + 1], args[:i] + args[i + 2:]


def emit(report, write, name, program, optional=False):
    """Prints the report, or replaces the NAME block of the Markdown file `write` with it. A file
    without that block is an error, or with `optional` is left as it is (returns False)."""
    if write is None:
        sys.stdout.write(report)
        return True
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    with open(write) as f:
        text = f.read()
    b, e = text.find(begin), text.find(end)
    if b < 0 or e < b:
        if optional:
            return False
        sys.exit(f"{program}: {write} has no {begin} ... {end} block")
    with open(write, "w") as f:
        f.write(text[:b + len(begin)] + "\n" + report + text[e:])
    return True
