"""Sampler speed on the default scenario: closed-form likelihood vs pm.NormalMixture, nutpie vs PyMC.

Default scenario: N = 10^4 points from DEFAULT_TRUTH (seed DEFAULT_SEED), the ordered model with
the default priors, 4 chains x (1000 tune + 1000 draws), all chains started at the EM estimate.

Measured, in one process, each configuration ``--repeats`` times (interleaved, so drift in the
machine's load hits all configurations alike):

- logp + gradient evaluations per second of the compiled model (no sampler): the raw cost of the
  two likelihood implementations;
- compile time (separately), sampling time, wall time of :func:`models.pymc_sample.sample`;
- bulk ESS (the smallest over pi1, mu1, mu2, sigma: the slowest-mixing quantity limits any summary)
  per second of sampling, and per second of wall time; mean leapfrog steps per draw;

for both likelihoods, both samplers and both mass-matrix adaptations ("diag", "dense"; see
models/pymc_sample.py). Ratios are against the baseline NormalMixture + nutpie with nutpie's
default diagonal adaptation. Usage::

    .venv/bin/python benchmarks/sampler_speed.py [--repeats 2] [--n 10000] [--draws 1000 --tune 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np

from emvb import em, models
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH


def logp_grad_rate(model, point, seconds: float = 2.0) -> float:
    """Evaluations per second of (logp, gradient) at ``point`` on the unconstrained scale."""
    import pytensor.tensor as pt

    logp = model.logp()
    fn = model.compile_fn([logp, *pt.grad(logp, model.value_vars)], point_fn=True)
    fn(point)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(50):
            fn(point)
        n += 50
    return n / (time.perf_counter() - t0)


def min_bulk_ess(dt) -> float:
    import arviz as az

    ess = az.ess(dt, method="bulk", var_names=["pi1", "mu", "sigma"])
    return float(min(float(ess[v].min()) for v in ("pi1", "mu", "sigma")))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=models.DEFAULT_N)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import _point, sample

    data = models.simulate(DEFAULT_TRUTH, args.n, DEFAULT_SEED)
    mle = em.fit(data.values).params.ordered()
    print(f"data: N={data.n}, truth {DEFAULT_TRUTH}, seed {DEFAULT_SEED}; start (EM): {mle}")
    print(f"runs: ordered model, default priors, {args.chains} chains x "
          f"({args.tune} tune + {args.draws} draws), "
          f"init=em, {args.repeats} repeat(s) per configuration\n")

    # 0. How far the default priors move the mode from the MLE, in Louis standard errors.
    from emvb.sampling.map import find_map_result

    fit = em.fit(data.values)
    se = np.sqrt(np.diag(np.asarray(fit.cov)))  # Louis (1982) SEs, order (pi1, mu1, mu2, sigma)
    mp = find_map_result(data, "default", ordered=True, start=mle)
    flat = find_map_result(data, "flat", ordered=True, start=mle)
    shift = mp.params.to_array() - mle.to_array()
    print(f"MAP, default priors ({mp.priors.describe()}): {mp.params}")
    print(f"MAP, flat priors: {flat.params}; max relative difference from EM "
          f"{np.max(np.abs(flat.params.to_array() / mle.to_array() - 1)):.1e}")
    print("MAP(default) - MLE: "
          + ", ".join(f"{k} {v:+.2e}" for k, v in zip(models.PARAM_NAMES, shift, strict=True)))
    print("  in standard errors: " + ", ".join(f"{k} {v:+.4f}" for k, v in
                                               zip(models.PARAM_NAMES, shift / se, strict=True)))
    print()

    # 1. Raw logp + gradient cost.
    rates = {}
    for lik in ("mixture", "closed"):
        model = build_model(data, ordered=True, likelihood=lik)
        ip = model.initial_point()
        start = _point(mle)
        pt_ = dict(ip) | {"pi1_logodds__": np.log(mle.pi1 / (1 - mle.pi1)), "sigma_log__": np.log(mle.sigma),
                          "mu_ordered__": np.array([start["mu"][0], np.log(start["mu"][1] - start["mu"][0])])}
        rates[lik] = logp_grad_rate(model, pt_)
    print("logp+gradient evaluations per second (compiled, numba backend):")
    for lik, r in rates.items():
        print(f"  {lik:8s} {r:10.0f} /s   ({1e6 / r:.1f} us each)   ratio {r / rates['mixture']:.2f}")
    print()

    # 2. Sampling. A throwaway run per sampler first: the first compile in a process also pays
    # one-time costs (nutpie import, numba initialisation) that would be charged to whichever
    # configuration happened to run first.
    small = models.simulate(DEFAULT_TRUTH, 100, DEFAULT_SEED)
    for smp in ("nutpie", "pymc"):
        for mm in ("diag", "dense"):
            sample(build_model(small, ordered=True), chains=2, draws=10, tune=10, seed=0, sampler=smp,
                   init="em", start=mle, mass_matrix=mm)
    configs = [(lik, smp, mm) for mm in ("diag", "dense") for smp in ("nutpie", "pymc")
               for lik in ("mixture", "closed")]
    rows: dict[tuple[str, str, str], list[dict]] = {c: [] for c in configs}
    for r in range(args.repeats):
        for lik, smp, mm in configs:
            model = build_model(data, ordered=True, likelihood=lik)  # fresh: compile time counted each time
            dt = sample(model, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed + r,
                        sampler=smp, init="em", start=mle, mass_matrix=mm)
            a = dt.attrs
            ess = min_bulk_ess(dt)
            steps = float(dt["sample_stats"]["n_steps"].mean())
            rows[(lik, smp, mm)].append({"compile": a["compile_time"], "sampling": a["sampling_time"],
                                         "wall": a["wall_time"], "ess": ess, "div": a["n_divergent"],
                                         "steps": steps, "ess_s": ess / a["sampling_time"],
                                         "ess_wall": ess / a["wall_time"]})
            print(f"  repeat {r}: {lik:8s} {smp:6s} {mm:5s} compile {a['compile_time']:5.1f} s  sampling "
                  f"{a['sampling_time']:5.1f} s  wall {a['wall_time']:5.1f} s  min bulk ESS {ess:6.0f}  "
                  f"leapfrog steps/draw {steps:4.1f}  divergences {a['n_divergent']}", flush=True)

    def med(c, k):
        return statistics.median(x[k] for x in rows[c])

    base = ("mixture", "nutpie", "diag")
    print(f"\nmedians over {args.repeats} repeat(s); ratios vs NormalMixture + nutpie (diagonal mass matrix)")
    print(f"{'likelihood':10s} {'sampler':7s} {'mass':5s} {'compile s':>9s} {'sampling s':>10s} "
          f"{'wall s':>7s} {'steps':>5s} {'min ESS':>8s} {'ESS/s':>8s} {'ratio':>6s} {'ESS/s wall':>10s} "
          f"{'ratio':>6s}")
    for c in configs:
        print(f"{c[0]:10s} {c[1]:7s} {c[2]:5s} {med(c, 'compile'):9.1f} {med(c, 'sampling'):10.2f} "
              f"{med(c, 'wall'):7.1f} {med(c, 'steps'):5.1f} "
              f"{med(c, 'ess'):8.0f} {med(c, 'ess_s'):8.0f} {med(c, 'ess_s') / med(base, 'ess_s'):6.2f} "
              f"{med(c, 'ess_wall'):10.0f} {med(c, 'ess_wall') / med(base, 'ess_wall'):6.2f}")
    print()
    for mm in ("diag", "dense"):
        t_ratio = med(("mixture", "nutpie", mm), "sampling") / med(("closed", "nutpie", mm), "sampling")
        e_ratio = med(("closed", "nutpie", mm), "ess_s") / med(("mixture", "nutpie", mm), "ess_s")
        print(f"nutpie, {mm} mass matrix: closed form vs NormalMixture: sampling {t_ratio:.2f}x faster, "
              f"ESS/s ratio {e_ratio:.2f}")
    default = ("closed", "nutpie", "dense")
    print(f"default path (closed + nutpie + dense) / baseline (NormalMixture + nutpie + diag): "
          f"ESS/s {med(default, 'ess_s') / med(base, 'ess_s'):.2f}x, "
          f"ESS per wall second {med(default, 'ess_wall') / med(base, 'ess_wall'):.2f}x (target >= 1.5)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
