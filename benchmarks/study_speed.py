"""Speed of `emvb study` on this machine: scaling over workers, the share spent compiling, EM-only rate.

Measured in one process, on the study's own code path (:func:`emvb.study.runner.run_tasks` writing to a
store, on LocalClusters of worker processes with one thread each):

1. **2 workers vs 1** (target :data:`TARGET_SCALING`): replicates per second of the ordered-model study
   at N = ``--n`` (default 200), 4 chains x (1000 warm-up + 1000 draws), once each worker has compiled
   the model (one untimed replicate per worker first), so the ratio is the steady-state scaling; the rate
   including the start-up (cluster, imports, compile) is reported too.
2. **Compile share** (target below :data:`TARGET_COMPILE_SHARE`): on a fresh 2-worker cluster running
   ``--compile-replicates`` (default 200, the default study's count) replicates at N = ``--n``: the seconds the
   workers spent compiling the model over the seconds they spent on replicates. Also reported: the share of
   the workers' first replicates' extra time besides compiling (imports, first calls), and the median
   replicate's sampler set-up besides compiling and sampling (placing the chains' start point, swapping the
   data in, assembling the draws) as a share of the median replicate.
3. **EM-only study** (target below :data:`TARGET_EM_ONLY_SECONDS` s): ``emvb study --em-only`` with
   ``--em-replicates`` (default 10,000) replicates at N = 1,000 on 2 workers, end to end (cluster start,
   tasks, store, report), in wall seconds.

The figures are printed and written to ``benchmarks/results/study_speed.json``. Usage::

    .venv/bin/python benchmarks/study_speed.py [--replicates 60] [--compile-replicates 200] [--em-replicates 10000]
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from _record import add_record_options, record

from emvb.study.pipeline import run_study
from emvb.study.progress import Progress
from emvb.study.replicate import Task, run_task
from emvb.study.runner import run_tasks
from emvb.study.settings import SCENARIOS, StudySettings, fixed_prior
from emvb.study.store import Store

BENCHMARK = "study_speed"
TARGET_SCALING = 1.7
TARGET_COMPILE_SHARE = 0.10
TARGET_EM_ONLY_SECONDS = 60.0
EM_ONLY_N = 1000


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--replicates", type=int, default=60, help="timed replicates per cluster for the scaling")
    ap.add_argument("--compile-replicates", type=int, default=200)
    ap.add_argument("--em-replicates", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def study(n: int, replicates: int, seed: int) -> StudySettings:
    truth = SCENARIOS["separated"].truth
    return StudySettings("separated", truth, (n,), (replicates,), (replicates,), ("ordered",), fixed_prior(truth), seed)


def cluster(workers: int):
    from distributed import Client

    from emvb.study.runner import local_cluster

    c = local_cluster(workers, logging.CRITICAL)
    return c, Client(c)


def timed_run(settings: StudySettings, client, folder: Path) -> tuple[float, object]:
    """Seconds to run every task of ``settings`` through the runner into a new store, and the store's replicates."""
    folder.mkdir(parents=True)
    with Store(folder / "study.sqlite") as store:
        t0 = time.perf_counter()
        with Progress(sum(settings.em_replicates), quiet=True) as progress:
            run_tasks(settings, store, client, progress)
        seconds = time.perf_counter() - t0
        return seconds, store.replicates()


def scaling(args, tmp: Path) -> dict:
    """Steady-state replicates per second with 1 and 2 workers (each worker warmed by one replicate)."""
    out = {}
    for workers in (1, 2):
        t0 = time.perf_counter()
        cl, client = cluster(workers)
        warm = study(args.n, workers, args.seed + 1000)
        futures = [client.submit(run_task, warm, Task("main", args.n, (k,)), workers=[w], pure=False)
                   for k, w in enumerate(client.scheduler_info()["workers"])]
        client.gather(futures)
        start_up = time.perf_counter() - t0
        seconds, _ = timed_run(study(args.n, args.replicates, args.seed), client, tmp / f"scaling{workers}")
        client.close()
        cl.close()
        out[workers] = {"seconds": seconds, "replicates_per_second": args.replicates / seconds,
                        "start_up_seconds": start_up,
                        "replicates_per_second_with_start_up": args.replicates / (seconds + start_up)}
        print(f"{workers} worker(s): {args.replicates} replicates in {seconds:.1f} s "
              f"({out[workers]['replicates_per_second']:.2f}/s; start-up {start_up:.1f} s)")
    ratio = out[2]["replicates_per_second"] / out[1]["replicates_per_second"]
    cold = out[2]["replicates_per_second_with_start_up"] / out[1]["replicates_per_second_with_start_up"]
    print(f"2 workers vs 1: {ratio:.2f}x (target >= {TARGET_SCALING}); including start-up {cold:.2f}x\n")
    return {"workers": out, "ratio": ratio, "ratio_with_start_up": cold, "target": TARGET_SCALING,
            "met": ratio >= TARGET_SCALING}


def compile_share(args, tmp: Path) -> dict:
    """Shares of the workers' replicate time spent compiling (and on the other one-time costs)."""
    cl, client = cluster(2)
    seconds, reps = timed_run(study(args.n, args.compile_replicates, args.seed), client, tmp / "compile")
    client.close()
    cl.close()
    total = float(reps["seconds_total"].sum())
    compile_s = float(reps["seconds_compile"].sum())
    typical = float(reps["seconds_total"].median())
    # Each worker's first replicate compiled the model (compile time exactly 0 afterwards); its other
    # extra time (imports, first calls) is what it took beyond a median replicate and its compile.
    first = reps[reps["seconds_compile"] > 0]
    overhead = float((first["seconds_total"] - first["seconds_compile"] - typical).clip(lower=0).sum())
    setup = float(reps["seconds_setup"].median())
    share = compile_s / total
    print(f"N={args.n}, {args.compile_replicates} replicates on 2 fresh workers in {seconds:.1f} s: compiling "
          f"{compile_s:.1f} s of {total:.1f} s on the workers = {share:.1%} (target < {TARGET_COMPILE_SHARE:.0%}); "
          f"other first-replicate costs {overhead / total:.1%}; median replicate {typical:.2f} s, of which the "
          f"sampler's set-up (start point, data swap, assembly) {1e3 * setup:.1f} ms = {setup / typical:.1%}\n")
    return {"n": args.n, "replicates": args.compile_replicates, "wall_seconds": seconds, "worker_seconds": total,
            "compile_seconds": compile_s, "compile_share": share, "first_replicate_overhead_share": overhead / total,
            "median_replicate_seconds": typical, "median_setup_seconds": setup, "median_setup_share": setup / typical,
            "target": TARGET_COMPILE_SHARE, "met": share < TARGET_COMPILE_SHARE}


def em_only(args, tmp: Path) -> dict:
    """Wall seconds of a whole EM-only study (cluster start to report) on 2 workers."""
    truth = SCENARIOS["separated"].truth
    settings = StudySettings("separated", truth, (EM_ONLY_N,), (0,), (args.em_replicates,), (), fixed_prior(truth),
                             args.seed)
    t0 = time.perf_counter()
    result = run_study(settings, tmp / "em_only", workers=2, quiet=True)
    seconds = time.perf_counter() - t0
    print(f"EM-only study, {result.total} replicates at N={EM_ONLY_N} on 2 workers: {seconds:.1f} s end to end "
          f"(target < {TARGET_EM_ONLY_SECONDS:g} s)\n")
    return {"n": EM_ONLY_N, "replicates": result.total, "seconds": seconds, "target_seconds": TARGET_EM_ONLY_SECONDS,
            "met": seconds < TARGET_EM_ONLY_SECONDS}


def main(argv=None) -> None:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="emvb-study-speed-") as tmp:
        tmp = Path(tmp)
        results = {"em_only": em_only(args, tmp), "scaling": scaling(args, tmp),
                   "compile_share": compile_share(args, tmp)}
    record(BENCHMARK, args, results)


if __name__ == "__main__":
    main()
