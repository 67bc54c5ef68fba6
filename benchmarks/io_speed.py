"""Time and peak memory of reading a data file: CSV (pyarrow's parser under emvb's rules) against ``.npy``.

Run: ``.venv/bin/python benchmarks/io_speed.py [--quick] [--n N] [--keep DIR] [--out PATH | --no-record]``

A data set of N = 10^7 points (10^6 with ``--quick``) is written once by ``emvb``'s own writer
(:func:`emvb.files.datafile.save_dataset`: header ``x``, 17 significant digits) and as ``.npy``.
Then each reader runs in a fresh interpreter (so that its peak memory is its own), after the imports
and a warm-up read of a small file:

1. ``load_data(csv)``: what every command does (:func:`emvb.files.csvread.read_column`, then the
   checks and the copy a :class:`emvb.models.Dataset` owns). Targets: <= 3 s and a peak of <= 3x
   the data's size.
2. ``load_data(npy)``: the floor any reader of the same values could reach.

Peak memory is the growth of the process's peak resident set (``ru_maxrss``) over its resident
set before the read, relative to the data's size (8 bytes per point). Times are the best of
``--repeats`` reads in the same process; the ratios between readers are what transfer to another
machine. The figures are printed and written, with the command line, date, machine and arguments,
to ``benchmarks/results/io_speed.json`` (``--out``; ``--no-record`` writes nothing).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import add_record_options, record

#: Name of the results file (benchmarks/results/<BENCHMARK>.json).
BENCHMARK = "io_speed"
BIG_N, QUICK_N = 10**7, 10**6
#: Timed reads per reader (the best is kept).
REPEATS = 3
#: The targets of the module note, recorded beside the figures.
TARGETS = {"csv_seconds_at_1e7_at_most": 3.0, "csv_peak_over_data_at_most": 3.0}
READERS = ("csv", "npy")


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure(reader: str, path: Path, repeats: int) -> dict:
    """In this (fresh) process: best time of ``repeats`` reads and the peak memory growth of the first."""
    from emvb.files.datafile import load_data

    small = path.with_name(f"small_{path.suffix[1:]}{path.suffix}")
    load_data(small)  # imports, numba cache, pandas' parser: loaded before anything is measured
    def read():
        return load_data(path).values

    before = _rss_bytes()
    t0 = time.perf_counter()
    values = read()
    times = [time.perf_counter() - t0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    for _ in range(repeats - 1):
        del values
        t0 = time.perf_counter()
        values = read()
        times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "peak_growth_bytes": peak, "n": int(values.size),
            "sum_of_first_1000": float(values[:1000].sum())}


def _child(reader: str, path: Path, repeats: int) -> dict:
    cmd = [sys.executable, __file__, "--measure", reader, str(path), "--repeats", str(repeats)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def write_files(folder: Path, n: int) -> tuple[Path, Path]:
    from emvb.files.datafile import save_dataset
    from emvb.models import DEFAULT_TRUTH, simulate

    csv_path, npy_path = folder / "csv_data.csv", folder / "npy_data.npy"  # one sidecar each
    ds = simulate(DEFAULT_TRUTH, n, seed=1)
    if not csv_path.exists():
        save_dataset(ds, csv_path)
    if not npy_path.exists():
        save_dataset(ds, npy_path)
    for suffix in (".csv", ".npy"):
        small = folder / f"small_{suffix[1:]}{suffix}"
        if not small.exists():
            save_dataset(simulate(DEFAULT_TRUTH, 100, seed=2), small)
    return csv_path, npy_path


def run_all(folder: Path, n: int, repeats: int) -> dict:
    csv_path, npy_path = write_files(folder, n)
    data_bytes = 8 * n
    results: dict = {"n": n, "data_bytes": data_bytes, "csv_file_bytes": csv_path.stat().st_size,
                     "targets": TARGETS}
    for reader in READERS:
        path = npy_path if reader == "npy" else csv_path
        r = _child(reader, path, repeats)
        r["peak_over_data"] = r["peak_growth_bytes"] / data_bytes
        results[reader] = r
        print(f"{reader:>6}: {r['seconds']:7.2f} s, peak growth {r['peak_growth_bytes'] / 1e6:8.1f} MB "
              f"= {r['peak_over_data']:.2f}x the data ({data_bytes / 1e6:.0f} MB)", flush=True)
    assert results["csv"]["sum_of_first_1000"] == results["npy"]["sum_of_first_1000"]
    results["csv_over_npy_time"] = results["csv"]["seconds"] / results["npy"]["seconds"]
    print(f"CSV: {results['csv_over_npy_time']:.1f}x the time of .npy")
    return results


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help=f"N = {QUICK_N} instead of {BIG_N}")
    ap.add_argument("--n", type=int, help="number of points (overrides --quick)")
    ap.add_argument("--repeats", type=int, default=REPEATS, help=f"timed reads per reader (default {REPEATS})")
    ap.add_argument("--keep", type=Path, help="folder for the data files, kept for later runs (default: temporary)")
    ap.add_argument("--measure", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.measure:  # the child process: one reader, result as one JSON line
        reader, path = args.measure
        print(json.dumps(measure(reader, Path(path), args.repeats)))
        return
    n = args.n or (QUICK_N if args.quick else BIG_N)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        results = run_all(args.keep, n, args.repeats)
    else:
        with tempfile.TemporaryDirectory() as folder:
            results = run_all(Path(folder), n, args.repeats)
    record(BENCHMARK, args, results)


if __name__ == "__main__":
    main()
