"""What reproducibility costs: PyTensor's numba code with and without fastmath, per gradient evaluation.

emvb compiles its PyMC models with ``pytensor.config.numba__fastmath = False`` (models/pymc_model.py):
with fastmath, freshly compiled and cached code round differently and the same command gave
different posteriors on a cold and a warm cache (README, "Reproducibility"). This measures the
price: the default model (closed-form likelihood, ordered, default priors) on the default scenario
(N = 10^4), compiled both ways in one process and sampled by nutpie (4 chains x (1000 tune + 1000
draws), all chains at the EM estimate), ``--repeats`` times interleaved. Reported: sampling seconds
per gradient evaluation (leapfrog step) for each, and their ratio (off / on).

The figures are printed and written to ``benchmarks/results/fastmath_cost.json`` (``--out``;
``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/fastmath_cost.py [--repeats 3] [--n 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
from _record import add_record_options, record

from emvb import em, models
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH

BENCHMARK = "fastmath_cost"


def compiled(model, start, fastmath: bool):
    """The nutpie model of ``model`` compiled with or without fastmath, with its data."""
    import nutpie
    import pytensor

    from emvb.sampling.sample import _starts_in_graph_units
    from emvb.sampling.starts import point

    st = _starts_in_graph_units([point(start)], model.scaling)[0]
    with pytensor.config.change_flags(numba__fastmath=fastmath):
        cm = nutpie.compile_pymc_model(model.pymc, initial_points=st, jitter_rvs=set())
    return cm.with_data(**model.values)


def seconds_per_gradient(cm, draws: int, tune: int, seed: int) -> float:
    import nutpie

    t = time.perf_counter()
    tr = nutpie.sample(cm, draws=draws, tune=tune, chains=4, cores=1, seed=seed, progress_bar=False,
                       save_warmup=True, adaptation="low_rank")
    elapsed = time.perf_counter() - t
    return elapsed / int(tr["sample_stats"]["n_steps"].sum()) if "n_steps" in tr["sample_stats"] else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--n", type=int, default=models.DEFAULT_N)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    add_record_options(ap, BENCHMARK)
    args = ap.parse_args()

    from emvb.models.pymc_model import build_model

    data = models.simulate(DEFAULT_TRUTH, args.n, DEFAULT_SEED)
    start = em.fit(data).params.ordered()
    model = build_model(data, ordered=True)
    cms = {fm: compiled(model, start, fm) for fm in (True, False)}
    per_grad = {True: [], False: []}
    for r in range(args.repeats):
        for fm in (True, False):
            per_grad[fm].append(seconds_per_gradient(cms[fm], args.draws, args.tune, seed=r))
    on, off = statistics.median(per_grad[True]), statistics.median(per_grad[False])
    results = {"seconds_per_gradient_fastmath_on": on, "seconds_per_gradient_fastmath_off": off,
               "ratio_off_over_on": off / on,
               "all_runs": {"on": per_grad[True], "off": per_grad[False]}}
    print(f"N = {args.n}: {1e6 * on:.1f} us per gradient with fastmath, {1e6 * off:.1f} us without: "
          f"x{off / on:.2f} (median of {args.repeats}; runs: on {np.round(1e6 * np.array(per_grad[True]), 1)}, "
          f"off {np.round(1e6 * np.array(per_grad[False]), 1)})")
    record(BENCHMARK, args, results)


if __name__ == "__main__":
    main()
