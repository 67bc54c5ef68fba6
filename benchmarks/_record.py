"""The benchmarks' harness: options, alternated timings, fresh processes, and the record of each run.

A script declares its measurements and calls :func:`main`, which parses the command line (one
subcommand per measurement when a script has several), runs the one asked for and writes what it
returns to ``benchmarks/results/<name>.json``. Measured speed-ups are quoted from these files, never
from docstrings. Each file holds the figures the benchmark printed (under ``"results"``) with what is
needed to judge them: the command line, the date, the machine (cpu count, platform, python and library
versions), the load average at the start and the end, and the parsed arguments.

A new run replaces the previous record (the line printed at the end says so), and the file is written
under a temporary name in the same folder and renamed into place
(:func:`emvb.files.output.atomic_write_text`), so an interrupted run never leaves half a record;
``--out PATH`` writes it elsewhere (a trial run), ``--no-record`` nowhere.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time
import tomllib
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
#: The repository's root: the code ``emvb`` is imported from unless a benchmark asks for another revision.
ROOT = HERE.parent
#: The committed records: benchmarks/results/<benchmark>.json.
RESULTS_DIR = HERE / "results"
#: Libraries whose versions decide the timings.
VERSIONED = ("numpy", "numba", "scipy", "pymc", "pytensor", "nutpie", "arviz", "scikit-learn")
#: Help of the options several benchmarks share.
HELP = {"n": "data size", "ns": "data sizes", "repeats": "timed repeats (alternated rounds) per side",
        "chains": "chains per model", "draws": "draws per chain", "tune": "warm-up steps per chain",
        "seed": "first seed", "against": "git revision to compare with (e.g. main), exported to a temporary folder"}


def _add_options(ap: argparse.ArgumentParser, options: dict) -> None:
    """``--name`` per entry ``name=default`` or ``name=(default, help)``; the type follows the default:
    a bool is a flag, a list takes one or more values, None is an optional string, ``...`` a required one."""
    for name, spec in options.items():
        default, helptext = spec if isinstance(spec, tuple) else (spec, HELP.get(name))
        flag = "--" + name.replace("_", "-")
        if isinstance(default, bool):
            ap.add_argument(flag, action="store_true", help=helptext)
        elif isinstance(default, list):
            ap.add_argument(flag, type=type(default[0]), nargs="+", default=default, help=helptext)
        elif default is ...:
            ap.add_argument(flag, required=True, help=helptext)
        else:
            ap.add_argument(flag, type=str if default is None else type(default), default=default, help=helptext)


def main(doc: str, commands: dict, argv: list[str] | None = None) -> None:
    """Run one measurement of a benchmark script and record what it returns.

    ``commands`` maps a subcommand (None for a script with one measurement) to ``(benchmark, run,
    options)``: the record's name, ``run(args) -> dict`` and the options (:func:`_add_options`).
    """
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    if list(commands) == [None]:
        parsers = {None: ap}
    else:
        sub = ap.add_subparsers(required=True, metavar="MEASUREMENT")
        parsers = {name: sub.add_parser(name, help=run.__doc__.splitlines()[0], description=run.__doc__)
                   for name, (_, run, _) in commands.items()}
    for name, (benchmark, run, options) in commands.items():
        p = parsers[name]
        _add_options(p, options)
        p.add_argument("--out", type=Path, default=RESULTS_DIR / f"{benchmark}.json",
                       help=f"JSON file for the measured figures (default: benchmarks/results/{benchmark}.json)")
        p.add_argument("--no-record", action="store_true", help="print only; write no results file")
        p.set_defaults(_benchmark=benchmark, _run=run)
    args = ap.parse_args(argv)
    load = os.getloadavg()
    results = args._run(args)
    record(args, results, load)


def best(fn, repeats: int) -> tuple[float, object]:
    """Shortest wall seconds of ``repeats`` calls of ``fn``, and the last call's result."""
    seconds, out = math.inf, None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        seconds = min(seconds, time.perf_counter() - t0)
    return seconds, out


def rounds(sides: dict, repeats: int, warm_up: bool = False, timed: bool = False,
           clock=time.perf_counter) -> dict[str, list]:
    """Call each side once per round, in turn, ``repeats`` rounds, so that drift in the machine's load hits
    every side alike; with ``warm_up`` a first round absorbs one-time costs and is not kept.

    A side is ``f(r)`` (``r`` the round, from 0). Kept per side: what each call returned, or with ``timed``
    its seconds by ``clock``.
    """
    out = {k: [] for k in sides}
    for r in range(-1 if warm_up else 0, repeats):
        for k, f in sides.items():
            t0 = clock()
            value = f(max(r, 0))
            if r >= 0:
                out[k].append(clock() - t0 if timed else value)
    return out


def median(runs: list):
    """Median of numbers, or of each entry of dicts of numbers."""
    if isinstance(runs[0], dict):
        return {k: statistics.median(x[k] for x in runs) for k in runs[0]}
    return statistics.median(runs)


def export(ref: str, dest: Path) -> Path:
    """``git archive REF`` laid out as an importable ``emvb`` package under ``dest``, as its pyproject.toml
    installs it (each top-level folder a subpackage); the folder to put on ``sys.path`` (see
    :func:`in_fresh_process`)."""
    tar = dest / "src.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", "-o", str(tar), ref], check=True)
    src = dest / "src"
    with tarfile.open(tar) as t:
        t.extractall(src, filter="data")
    folders = tomllib.loads((src / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]
    pkg = dest / "path" / "emvb"
    pkg.parent.mkdir()
    (src / folders.pop("emvb")).rename(pkg)
    for name, folder in folders.items():
        (src / folder).rename(pkg / name.removeprefix("emvb."))
    return pkg.parent


_CHILD = """import json, sys
sys.path.insert(0, {here!r})
import emvb
from pathlib import Path
from _record import plain
from {module} import {function} as f
print(json.dumps({{"code": str(Path(emvb.__file__).resolve().parents[1]), "result": plain(f(*{args!r}))}}))
"""


def in_fresh_process(script: str, function: str, *args, code: Path | None = None):
    """``function(*args)`` of ``benchmarks/<script>`` run in a fresh interpreter importing emvb from ``code``
    (a folder made by :func:`export`; None: this checkout), and its JSON-ready result.

    Raises RuntimeError when the interpreter imported emvb from elsewhere (another install).
    """
    env = dict(os.environ)
    if code is not None:  # ahead of the editable install of this checkout
        env["PYTHONPATH"] = str(code)
    prog = _CHILD.format(here=str(HERE), module=Path(script).stem, function=function, args=args)
    out = subprocess.run([sys.executable, "-c", prog], env=env, check=True, capture_output=True, text=True).stdout
    row = json.loads(out.strip().splitlines()[-1])
    if Path(row["code"]) != (ROOT if code is None else code.resolve()):
        raise RuntimeError(f"{script} {function}{args}: imported emvb from {row['code']}")
    return row["result"]


def _command() -> list[str]:
    """The command line as typed in the repository's root: ``python benchmarks/NAME.py ARGS``.

    Absolute paths would name the machine's checkout, not the repository's files.
    """
    script = Path(sys.argv[0]).resolve()
    shown = script.relative_to(ROOT).as_posix() if script.is_relative_to(ROOT) else script.name
    return ["python", shown, *sys.argv[1:]]


def machine() -> dict:
    """CPU count (all and usable by this process), platform, python and library versions."""
    affinity = getattr(os, "sched_getaffinity", None)
    installed = {(d.metadata["Name"] or "").lower(): d.version for d in metadata.distributions()}
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity is not None else os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "versions": {p: installed.get(p) for p in VERSIONED},
    }


def plain(obj):
    """``obj`` as JSON-ready values: numpy scalars and arrays to Python, paths to strings, NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.generic):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def _short(value) -> str:
    """A figure as printed: numbers to 4 significant digits, a list of at most 12 numbers inline."""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return "[" + ", ".join(map(_short, value)) + "]" if len(value) <= 12 else f"[{len(value)} values]"
    return str(value)


def show(results: dict, indent: str = "") -> None:
    """Print the figures of a measurement, one per line, nested ones indented under their name (a list of
    entries as its items' indices); a list of more than 12 entries is left to the record."""
    for k, v in results.items():
        if isinstance(v, list) and v and isinstance(v[0], dict) and len(v) <= 12:
            v = dict(enumerate(v))
        if isinstance(v, dict):
            print(f"{indent}{k}:")
            show(v, indent + "  ")
        elif isinstance(v, list) and v and isinstance(v[0], dict):
            print(f"{indent}{k}: {len(v)} entries (in the record)")
        else:
            print(f"{indent}{k}: {_short(v)}")


def record(args: argparse.Namespace, results: dict, load: tuple) -> None:
    """Print ``results`` and write them with the run's context to ``args.out`` unless ``args.no_record``."""
    from emvb.files.output import atomic_write_text

    print()
    show(plain(results))
    end = os.getloadavg()
    print(f"load average (1, 5, 15 min): {' '.join(f'{v:.2f}' for v in load)} at the start, "
          f"{' '.join(f'{v:.2f}' for v in end)} at the end")
    if args.no_record:
        return
    path = Path(args.out)
    replaced = path.exists()
    doc = {
        "benchmark": args._benchmark,
        "command": _command(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "load_average": {"start": load, "end": end},
        "args": {k: v for k, v in vars(args).items() if k not in ("out", "no_record") and not k.startswith("_")},
        "results": results,
    }
    atomic_write_text(path, json.dumps(plain(doc), indent=2, allow_nan=False) + "\n")
    print(f"measured figures written to {path}" + (" (replacing the previous record)" if replaced else ""))
