"""Where the benchmarks' measured figures live: one JSON file per benchmark in ``benchmarks/results/``.

Measured speed-ups are quoted from these files, never from docstrings. Each file holds the figures
the benchmark printed (under ``"results"``) with what is needed to judge them: the command line, the
date, the machine (cpu count, platform, python and library versions) and the parsed arguments.

A new run replaces the previous record (the line printed at the end says so), and the file is written
under a temporary name in the same folder and renamed into place
(:func:`emvb.files.output.atomic_write_text`), so an interrupted run never leaves half a record.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import sys
from importlib import metadata
from pathlib import Path

import numpy as np

from emvb.files.output import atomic_write_text

#: The committed records: benchmarks/results/<benchmark>.json.
RESULTS_DIR = Path(__file__).resolve().parent / "results"
#: Libraries whose versions decide the timings.
VERSIONED = ("numpy", "numba", "scipy", "pymc", "pytensor", "nutpie", "arviz", "scikit-learn")


def default_path(benchmark: str) -> Path:
    """``benchmarks/results/<benchmark>.json``."""
    return RESULTS_DIR / f"{benchmark}.json"


def add_record_options(ap: argparse.ArgumentParser, benchmark: str) -> None:
    """Add ``--out PATH`` (default :func:`default_path`) and ``--no-record`` to a benchmark's parser."""
    ap.add_argument("--out", type=Path, default=default_path(benchmark),
                    help=f"JSON file for the measured figures (default: benchmarks/results/{benchmark}.json)")
    ap.add_argument("--no-record", action="store_true", help="print only; write no results file")


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _command() -> list[str]:
    """The command line as typed in the repository's root: ``python benchmarks/NAME.py ARGS``.

    Absolute paths would name the machine's checkout, not the repository's files.
    """
    script = Path(sys.argv[0]).resolve()
    root = RESULTS_DIR.parent.parent
    shown = script.relative_to(root).as_posix() if script.is_relative_to(root) else script.name
    return ["python", shown, *sys.argv[1:]]


def machine() -> dict:
    """CPU count (all and usable by this process), platform, python and library versions."""
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "cpu_count": os.cpu_count(),
        "usable_cpus": len(affinity(0)) if affinity is not None else os.cpu_count(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "python": platform.python_version(),
        "versions": {p: _version(p) for p in VERSIONED},
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


def record(benchmark: str, args: argparse.Namespace, results: dict) -> Path | None:
    """Write ``results`` with the run's context to ``args.out`` unless ``args.no_record``.

    Returns the path written, or None when recording is off.
    """
    if args.no_record:
        return None
    path = Path(args.out)
    replaced = path.exists()
    doc = {
        "benchmark": benchmark,
        "command": _command(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "args": {k: v for k, v in vars(args).items() if k not in ("out", "no_record")},
        "results": results,
    }
    atomic_write_text(path, json.dumps(plain(doc), indent=2, allow_nan=False) + "\n")
    print(f"\nmeasured figures written to {path}" + (" (replacing the previous record)" if replaced else ""))
    return path
