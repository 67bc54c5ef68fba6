"""Seconds per posterior replicate of a study, emvb's path against a loop of ``pm.sample``, in one process.

A study samples the ordered model on many simulated data sets. emvb's path is the study's own
(:func:`emvb.study.upstream.sample_posterior`: the worker's compiled model rebound to each data set,
every chain at the EM estimate, one core); the plain alternative a user would write is a loop of
``pm.sample(nuts_sampler="nutpie")`` on a ``pm.NormalMixture`` model built per data set (PyMC compiles
it on every call). Both: the default truth, 4 chains x (1000 + 1000), the same data sets, alternated;
emvb's first replicate (its one compile) is reported apart and the steady state is the median of the
rest. Medians per N, and their ratio.

The figures are printed and written to ``benchmarks/results/replicate_speed.json`` (``--out``;
``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/replicate_speed.py [--replicates 4] [--ns 200 1000]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
import warnings

import numpy as np
from _record import add_record_options, record

from emvb import em
from emvb.models import DEFAULT_TRUTH
from emvb.models.simulate import draw
from emvb.study.settings import fixed_prior
from emvb.study.upstream import sample_posterior

BENCHMARK = "replicate_speed"


def plain(x: np.ndarray, seed: int) -> float:
    """Seconds for the plain path on ``x``: build, ``pm.sample`` with nutpie (its compile included)."""
    import pymc as pm

    t0 = time.perf_counter()
    with pm.Model():
        w = pm.Dirichlet("w", np.ones(2))
        mu = pm.Normal("mu", x.mean(), 10 * x.std(), shape=2, transform=pm.distributions.transforms.ordered,
                       initval=[x.min(), x.max()])
        sigma = pm.HalfNormal("sigma", 10 * x.std())
        pm.NormalMixture("x", w=w, mu=mu, sigma=sigma, observed=x)
        pm.sample(draws=1000, tune=1000, chains=4, cores=1, nuts_sampler="nutpie", random_seed=seed,
                  progressbar=False)
    return time.perf_counter() - t0


def ours(x: np.ndarray, seed: int) -> tuple[float, float]:
    """Seconds for emvb's study path on ``x`` (EM included), and the compile seconds within."""
    t0 = time.perf_counter()
    fit = em.fit(x, n_init=10, seed=seed)
    s = sample_posterior(x, ordered=True, priors=fixed_prior(DEFAULT_TRUTH), start=fit.params, chains=4, draws=1000,
                         tune=1000, seed=seed)
    return time.perf_counter() - t0, s.compile_seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=4)
    ap.add_argument("--ns", type=int, nargs="+", default=[200, 1000])
    add_record_options(ap, BENCHMARK)
    args = ap.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(2026)
    results = {}
    for n in args.ns:
        rows = []
        for k in range(args.replicates + 1):
            x, _ = draw(DEFAULT_TRUTH, n, rng)
            t_ours, compiling = ours(x, k)
            rows.append({"emvb_s": t_ours, "emvb_compile_s": compiling, "plain_s": plain(x, k)})
            print(f"N = {n}, replicate {k}: emvb {t_ours:.2f} s (compile {compiling:.2f}), "
                  f"pm.sample {rows[-1]['plain_s']:.2f} s", flush=True)
        steady = rows[1:]
        e, p = statistics.median(r["emvb_s"] for r in steady), statistics.median(r["plain_s"] for r in steady)
        results[str(n)] = {"emvb_first_s": rows[0]["emvb_s"], "emvb_median_s": e, "plain_median_s": p,
                           "plain_over_emvb": p / e, "rows": rows}
        print(f"N = {n}: emvb {e:.2f} s per replicate (first, with its compile: {rows[0]['emvb_s']:.2f} s), "
              f"pm.sample loop {p:.2f} s: {p / e:.1f}x")
    record(BENCHMARK, args, results)


if __name__ == "__main__":
    main()
