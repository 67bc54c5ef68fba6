"""Speed of `emvb study` on this machine: scaling over workers, the share spent compiling, EM-only rate.

Measured in one process, on the study's own code path (:func:`emvb.study.runner.run_tasks` writing to a
store, on LocalClusters of worker processes with one thread each):

1. **2 workers vs 1** (target :data:`TARGET_SCALING`): replicates per second of the ordered-model study
   at N = ``--n`` (default 200), 4 chains x (1000 warm-up + 1000 draws), once each worker has compiled
   the model (one untimed replicate per worker first), so the ratio is the steady-state scaling; the rate
   including the start-up (cluster, imports, compile) is reported too.
2. **Compile share** (target below :data:`TARGET_COMPILE_SHARE`): on a fresh 2-worker cluster running
   ``--compile-replicates`` (default 200, the default study's count) replicates at N = ``--n``: the seconds the
   workers spent compiling the model over the seconds they spent on replicates. Also reported: the median
   replicate's sampler set-up besides compiling and sampling (placing the chains' start point, swapping the
   data in, assembling the draws) as a share of the median replicate.
   Then **where a fresh process's compile goes**, in ``--breakdown-runs`` (default 3) fresh processes
   (median): numba's first compile of anything (a minimal ``numba.cfunc`` copying an array in a loop),
   then its first slice assignment (the same cfunc with ``out[...] = x``, the statement nutpie's
   compiled logp wraps the gradient with; numba compiles, once per process, the code that formats
   its shape-mismatch error message), then the study model's compile itself
   (:func:`emvb.sampling.nutpie_starts.compiled_per_group`, with those two already paid); and the
   compile per worker the target allows at this N and replicate count.
3. **EM-only study** (target below :data:`TARGET_EM_ONLY_SECONDS` s): ``emvb study --em-only`` with
   ``--em-replicates`` (default 10,000) replicates at N = 1,000 on 2 workers, end to end (cluster start,
   tasks, store, report), in wall seconds.

Written to ``benchmarks/results/study_speed.json``. Usage::

    .venv/bin/python benchmarks/study_speed.py [--replicates 60] [--compile-replicates 200] [--em-replicates 10000]
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import numba
from _record import in_fresh_process, main, median

from emvb.study.pipeline import run_study
from emvb.study.progress import Progress
from emvb.study.replicate import Task, run_task
from emvb.study.runner import dask_client, run_tasks
from emvb.study.settings import SCENARIOS, StudySettings, fixed_prior
from emvb.study.store import Store

TARGET_SCALING = 1.7
TARGET_COMPILE_SHARE = 0.10
TARGET_EM_ONLY_SECONDS = 60.0
EM_ONLY_N = 1000


def study(n: int, replicates: int, seed: int, em_only: int = 0) -> StudySettings:
    """The separated scenario at one N: ``replicates`` of the ordered model, or ``em_only`` EM-only ones."""
    truth = SCENARIOS["separated"].truth
    return StudySettings(scenario="separated", truth=truth, ns=(n,), replicates=(replicates,),
                         em_replicates=(em_only or replicates,), models=() if em_only else ("ordered",),
                         priors=fixed_prior(truth), seed=seed)


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
        with dask_client(workers, quiet=True) as client:
            warm = study(args.n, workers, args.seed + 1000)
            futures = [client.submit(run_task, warm, Task("main", args.n, (k,)), workers=[w], pure=False)
                       for k, w in enumerate(client.scheduler_info()["workers"])]
            client.gather(futures)
            start_up = time.perf_counter() - t0
            seconds, _ = timed_run(study(args.n, args.replicates, args.seed), client, tmp / f"scaling{workers}")
        out[workers] = {"seconds": seconds, "replicates_per_second": args.replicates / seconds,
                        "start_up_seconds": start_up,
                        "replicates_per_second_with_start_up": args.replicates / (seconds + start_up)}
    ratio = out[2]["replicates_per_second"] / out[1]["replicates_per_second"]
    cold = out[2]["replicates_per_second_with_start_up"] / out[1]["replicates_per_second_with_start_up"]
    return {"workers": out, "ratio": ratio, "ratio_with_start_up": cold, "target": TARGET_SCALING,
            "met": ratio >= TARGET_SCALING}


def compile_share(args, tmp: Path) -> dict:
    """Shares of the workers' replicate time spent compiling and setting up the sampler."""
    workers = 2
    with dask_client(workers, quiet=True) as client:
        seconds, reps = timed_run(study(args.n, args.compile_replicates, args.seed), client, tmp / "compile")
    total = float(reps["seconds_total"].sum())
    compile_s = float(reps["seconds_compile"].sum())
    typical = float(reps["seconds_total"].median())
    setup = float(reps["seconds_setup"].median())
    share = compile_s / total
    return {"n": args.n, "replicates": args.compile_replicates, "workers": workers, "wall_seconds": seconds,
            "worker_seconds": total, "compile_seconds": compile_s, "compile_share": share,
            "median_replicate_seconds": typical, "median_setup_seconds": setup, "median_setup_share": setup / typical,
            "target": TARGET_COMPILE_SHARE, "met": share < TARGET_COMPILE_SHARE}


def _copy_loop(out_, x_):
    out, x = numba.carray(out_, (3,)), numba.carray(x_, (3,))
    for i in range(3):
        out[i] = x[i]
    return 0


def _copy_slice(out_, x_):
    out, x = numba.carray(out_, (3,)), numba.carray(x_, (3,))
    out[...] = x
    return 0


def compile_parts(n: int, seed: int) -> dict:
    """In a fresh process: the seconds of numba's first compile, of its first slice assignment and of the
    study model's compile after them."""
    import nutpie  # noqa: F401 -- imported before any clock, as in the study

    from emvb.models.pymc_model import model_for
    from emvb.models.simulate import simulate
    from emvb.sampling.nutpie_starts import compiled_per_group
    from emvb.sampling.starts import point

    sig = numba.types.int64(numba.types.CPointer(numba.types.double), numba.types.CPointer(numba.types.double))
    seconds = {}
    for name, body in (("numba_first_compile", _copy_loop), ("numba_first_slice_assignment", _copy_slice)):
        t0 = time.perf_counter()
        numba.cfunc(sig)(body)
        seconds[name] = time.perf_counter() - t0
    settings = study(n, 1, seed)
    model = model_for(simulate(settings.truth, n, seed=seed), ordered=True, priors=settings.priors)
    start = point(model.scaling.params_to_std(settings.truth))  # the chains' start, in the graph's units
    _, seconds["model_compile"] = compiled_per_group(model, [start])
    return seconds


def compile_breakdown(args, share: dict) -> dict:
    """Median seconds of the parts of a fresh process's compile (:func:`compile_parts`) and the
    compile per worker the target allows for the run of :func:`compile_share`."""
    runs = [in_fresh_process(__file__, "compile_parts", args.n, args.seed) for _ in range(args.breakdown_runs)]
    parts = median(runs)
    # Target: c / (c + rest) < t with rest the workers' other replicate seconds, per worker.
    rest = (share["worker_seconds"] - share["compile_seconds"]) / share["workers"]
    allowed = TARGET_COMPILE_SHARE / (1 - TARGET_COMPILE_SHARE) * rest
    per_worker = share["compile_seconds"] / share["workers"]
    numba_once = parts["numba_first_compile"] + parts["numba_first_slice_assignment"]
    return {"runs": len(runs), "median_seconds": parts, "numba_once_seconds": numba_once,
            "allowed_compile_seconds_per_worker": allowed, "compile_seconds_per_worker": per_worker}


def em_only(args, tmp: Path) -> dict:
    """Wall seconds of a whole EM-only study (cluster start to report) on 2 workers."""
    t0 = time.perf_counter()
    result = run_study(study(EM_ONLY_N, 0, args.seed, em_only=args.em_replicates), tmp / "em_only", workers=2,
                       quiet=True)
    seconds = time.perf_counter() - t0
    return {"n": EM_ONLY_N, "replicates": result.total, "seconds": seconds, "target_seconds": TARGET_EM_ONLY_SECONDS,
            "met": seconds < TARGET_EM_ONLY_SECONDS}


def study_speed(args) -> dict:
    """Items 1 to 3 of the module note."""
    with tempfile.TemporaryDirectory(prefix="emvb-study-speed-") as tmp:
        tmp = Path(tmp)
        results = {"em_only": em_only(args, tmp), "scaling": scaling(args, tmp),
                   "compile_share": compile_share(args, tmp)}
    results["compile_breakdown"] = compile_breakdown(args, results["compile_share"])
    return results


if __name__ == "__main__":
    main(__doc__, {None: ("study_speed", study_speed, {
        "n": 200, "replicates": (60, "timed replicates per cluster for the scaling"), "compile_replicates": 200,
        "em_replicates": 10_000, "breakdown_runs": (3, "fresh processes timing the compile's parts"), "seed": 1})})
