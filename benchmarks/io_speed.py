"""Time and peak memory of reading a data file: CSV (pyarrow's parser under emvb's rules) against ``.npy``.

Run: ``.venv/bin/python benchmarks/io_speed.py [--n N] [--repeats R] [--out PATH | --no-record]``

A data set of N = 10^7 points is written once by ``emvb``'s own writer
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
machine. Written to ``benchmarks/results/io_speed.json``.
"""

from __future__ import annotations

import resource
import tempfile
import time
from pathlib import Path

from _record import in_fresh_process, main

#: The targets of the module note, recorded beside the figures.
TARGETS = {"csv_seconds_at_1e7_at_most": 3.0, "csv_peak_over_data_at_most": 3.0}


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize()


def measure(path: str, small: str, repeats: int) -> dict:
    """In this (fresh) process: best time of ``repeats`` reads and the peak memory growth of the first."""
    from emvb.files.datafile import load_data

    load_data(small)  # imports, numba cache, the parser: loaded before anything is measured
    before = _rss_bytes()
    t0 = time.perf_counter()
    values = load_data(path).values
    times = [time.perf_counter() - t0]
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    for _ in range(repeats - 1):
        del values
        t0 = time.perf_counter()
        values = load_data(path).values
        times.append(time.perf_counter() - t0)
    return {"seconds": min(times), "peak_growth_bytes": peak, "n": int(values.size),
            "sum_of_first_1000": float(values[:1000].sum())}


def io_speed(args) -> dict:
    """Each reader in a fresh process on the same data: seconds and peak memory over the data's size."""
    from emvb.files.datafile import save_dataset
    from emvb.models import DEFAULT_TRUTH, simulate

    data_bytes = 8 * args.n
    results: dict = {"n": args.n, "data_bytes": data_bytes, "targets": TARGETS}
    ds, small_ds = simulate(DEFAULT_TRUTH, args.n, seed=1), simulate(DEFAULT_TRUTH, 100, seed=2)
    with tempfile.TemporaryDirectory() as folder:
        for suffix in ("csv", "npy"):  # distinct stems: a JSON sidecar each
            path, small = Path(folder) / f"{suffix}_data.{suffix}", Path(folder) / f"small_{suffix}.{suffix}"
            save_dataset(ds, path)
            save_dataset(small_ds, small)
            results[f"{suffix}_file_bytes"] = path.stat().st_size
            r = in_fresh_process(__file__, "measure", str(path), str(small), args.repeats)
            r["peak_over_data"] = r["peak_growth_bytes"] / data_bytes
            results[suffix] = r
    assert results["csv"]["sum_of_first_1000"] == results["npy"]["sum_of_first_1000"]
    results["csv_over_npy_time"] = results["csv"]["seconds"] / results["npy"]["seconds"]
    return results


if __name__ == "__main__":
    main(__doc__, {None: ("io_speed", io_speed, {"n": 10**7, "repeats": (3, "timed reads per reader")})})
