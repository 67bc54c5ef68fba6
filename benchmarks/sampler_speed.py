"""Sampler speed on the default scenario: closed-form likelihood vs pm.NormalMixture, nutpie vs PyMC.

Default scenario: N = 10^4 points from DEFAULT_TRUTH (seed DEFAULT_SEED), the ordered model with
the default priors, 4 chains x (1000 tune + 1000 draws), all chains started at the EM estimate.

Measured, in one process, each configuration ``--repeats`` times (interleaved, so drift in the
machine's load hits all configurations alike):

- logp + gradient evaluations per second of the compiled model (no sampler): the raw cost of the
  two likelihood implementations;
- compile time (separately), sampling time, wall time of :func:`sampling.sample.sample`;
- bulk ESS (the smallest over pi1, mu1, mu2, sigma: the slowest-mixing quantity limits any summary)
  per second of sampling, and per second of wall time; mean leapfrog steps per draw;

for both likelihoods, both samplers and both mass-matrix adaptations ("diag", "dense"; see
sampling/sample.py). Ratios are against the baseline NormalMixture + nutpie with nutpie's
default diagonal adaptation (:data:`BASELINE`); the headline is the default path (:data:`DEFAULT_PATH`)
against it, with target :data:`TARGET_DEFAULT_VS_BASELINE`.

The measured figures are printed and written, with the command line, date, machine and arguments, to
``benchmarks/results/sampler_speed.json`` (``--out``; ``--no-record`` writes nothing): quote them
from there, not from docstrings. Usage::

    .venv/bin/python benchmarks/sampler_speed.py [--repeats 2] [--n 10000] [--draws 1000 --tune 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

import numpy as np
from _record import add_record_options, record

from emvb import em, models
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH

#: Name of the results file (benchmarks/results/<BENCHMARK>.json).
BENCHMARK = "sampler_speed"
LIKELIHOODS = ("mixture", "closed")
SAMPLERS = ("nutpie", "pymc")
MASS_MATRICES = ("diag", "dense")
#: A configuration is (likelihood, sampler, mass matrix); the table lists them in this order.
CONFIGS = tuple((lik, smp, mm) for mm in MASS_MATRICES for smp in SAMPLERS for lik in LIKELIHOODS)
#: What every ratio is against: NormalMixture + nutpie with nutpie's default diagonal adaptation.
BASELINE = ("mixture", "nutpie", "diag")
#: The tool's default: closed-form likelihood + nutpie + dense mass matrix.
DEFAULT_PATH = ("closed", "nutpie", "dense")
#: The default path should give at least this many times the baseline's ESS per wall second.
TARGET_DEFAULT_VS_BASELINE = 1.5
#: Every chain starts at the EM estimate, so warm-up differences are the samplers' own.
INIT = "em"
#: Seconds spent timing logp + gradient per likelihood, and evaluations between clock reads.
LOGP_SECONDS = 2.0
LOGP_BATCH = 50
#: The throwaway runs that absorb one-time costs: data size, chains, tune = draws.
WARMUP_N, WARMUP_CHAINS, WARMUP_STEPS = 100, 2, 10
#: The quantities whose smallest bulk ESS is reported.
ESS_VARS = ("pi1", "mu", "sigma")


def key(config: tuple[str, str, str]) -> str:
    """``("closed", "nutpie", "dense")`` -> ``"closed/nutpie/dense"`` (the results file's keys)."""
    return "/".join(config)


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=models.DEFAULT_N)
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def scenario(args: argparse.Namespace):
    """The data and their EM fit; prints the scenario. Returns ``(data, fit, mle)``, ``mle`` ordered."""
    data = models.simulate(DEFAULT_TRUTH, args.n, DEFAULT_SEED)
    fit = em.fit(data.values)
    mle = fit.params.ordered()
    print(f"data: N={data.n}, truth {DEFAULT_TRUTH}, seed {DEFAULT_SEED}; start (EM): {mle}")
    print(f"runs: ordered model, default priors, {args.chains} chains x "
          f"({args.tune} tune + {args.draws} draws), "
          f"init={INIT}, {args.repeats} repeat(s) per configuration\n")
    return data, fit, mle


def ordered_se(fit) -> np.ndarray:
    """Louis (1982) standard errors of ``fit.params.ordered()``, order (pi1, mu1, mu2, sigma).

    Relabelling swaps the SEs of mu1 and mu2; pi1 -> 1 - pi1 and sigma keep theirs.
    """
    se = np.sqrt(np.diag(np.asarray(fit.cov)))
    return se if fit.params.mu1 <= fit.params.mu2 else se[[0, 2, 1, 3]]


def prior_shift(data, fit, mle) -> dict:
    """How far the default priors move the mode from the MLE, in Louis standard errors.

    ``shift = MAP(default priors) - MLE`` and ``shift / SE``; the flat-prior MAP is the MLE found by
    another optimiser, so its relative difference from EM checks both.
    """
    from emvb.sampling.map import find_map_result

    names = models.PARAM_NAMES
    mp = find_map_result(data, "default", ordered=True, start=mle)
    flat = find_map_result(data, "flat", ordered=True, start=mle)
    shift = mp.params.to_array() - mle.to_array()
    in_se = shift / ordered_se(fit)
    flat_rel = float(np.max(np.abs(flat.params.to_array() / mle.to_array() - 1)))
    print(f"MAP, default priors ({mp.priors.describe()}): {mp.params}")
    print(f"MAP, flat priors: {flat.params}; max relative difference from EM {flat_rel:.1e}")
    print("MAP(default) - MLE: " + ", ".join(f"{k} {v:+.2e}" for k, v in zip(names, shift, strict=True)))
    print("  in standard errors: " + ", ".join(f"{k} {v:+.4f}" for k, v in zip(names, in_se, strict=True)))
    print()
    return {"priors": mp.priors.describe(), "map_default": mp.params.to_dict(),
            "map_flat": flat.params.to_dict(), "map_flat_max_relative_difference_from_em": flat_rel,
            "shift": dict(zip(names, shift, strict=True)),
            "shift_in_se": dict(zip(names, in_se, strict=True))}


def unconstrained_point(model, mle) -> dict:
    """The EM estimate on the ordered model's unconstrained scale (logit pi1, (pi1 mu1 + (1 - pi1) mu2,
    log(mu2 - mu1)), log sigma: docs/methods.md §7.4)."""
    from emvb.sampling.starts import point

    ip = model.pymc.initial_point()
    mu = point(mle)["mu"]
    values = {"pi1_logodds__": np.log(mle.pi1 / (1 - mle.pi1)), "sigma_log__": np.log(mle.sigma),
              "mu_centre_gap__": np.array([mle.pi1 * mu[0] + (1 - mle.pi1) * mu[1], np.log(mu[1] - mu[0])])}
    if set(values) != set(ip):
        raise RuntimeError(f"the model's value variables are {sorted(ip)}, expected {sorted(values)}")
    return values


def logp_grad_rate(model, point, seconds: float = LOGP_SECONDS) -> float:
    """Evaluations per second of (logp, gradient) at ``point`` on the unconstrained scale."""
    import pytensor.tensor as pt

    m = model.pymc
    logp = m.logp()
    fn = m.compile_fn([logp, *pt.grad(logp, m.value_vars)], point_fn=True)
    fn(point)
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(LOGP_BATCH):
            fn(point)
        n += LOGP_BATCH
    return n / (time.perf_counter() - t0)


def logp_rates(data, mle) -> dict:
    """Raw logp + gradient cost of each likelihood; ratios against ``pm.NormalMixture``."""
    from emvb.models.pymc_model import build_model

    rates = {}
    for lik in LIKELIHOODS:
        model = build_model(data, ordered=True, likelihood=lik)
        rates[lik] = logp_grad_rate(model, unconstrained_point(model, mle))
    print("logp+gradient evaluations per second (compiled, numba backend):")
    for lik, r in rates.items():
        print(f"  {lik:8s} {r:10.0f} /s   ({1e6 / r:.1f} us each)   ratio {r / rates['mixture']:.2f}")
    print()
    return {lik: {"per_second": r, "us_each": 1e6 / r, "ratio_vs_mixture": r / rates["mixture"]}
            for lik, r in rates.items()}


def warm_up(mle) -> None:
    """A throwaway run per sampler and mass matrix.

    The first compile in a process also pays one-time costs (nutpie import, numba initialisation)
    that would otherwise be charged to whichever configuration happened to run first.
    """
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    small = models.simulate(DEFAULT_TRUTH, WARMUP_N, DEFAULT_SEED)
    for smp in SAMPLERS:
        for mm in MASS_MATRICES:
            sample(build_model(small, ordered=True), chains=WARMUP_CHAINS, draws=WARMUP_STEPS,
                   tune=WARMUP_STEPS, seed=0, sampler=smp, init=INIT, start=mle, mass_matrix=mm)


def min_bulk_ess(dt) -> float:
    """The smallest bulk ESS over pi1, mu1, mu2, sigma."""
    import arviz as az

    ess = az.ess(dt, method="bulk", var_names=list(ESS_VARS))
    return float(min(float(ess[v].min()) for v in ESS_VARS))


def run_config(data, mle, config, args: argparse.Namespace, seed: int) -> dict:
    """Sample one configuration on a freshly built model (so its compile time is counted)."""
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    lik, smp, mm = config
    model = build_model(data, ordered=True, likelihood=lik)
    dt = sample(model, chains=args.chains, draws=args.draws, tune=args.tune, seed=seed,
                sampler=smp, init=INIT, start=mle, mass_matrix=mm)
    a = dt.attrs
    ess = min_bulk_ess(dt)
    return {"compile": a["compile_time"], "sampling": a["sampling_time"], "wall": a["wall_time"],
            "ess": ess, "div": a["n_divergent"], "steps": float(dt["sample_stats"]["n_steps"].mean()),
            "ess_s": ess / a["sampling_time"], "ess_wall": ess / a["wall_time"]}


def sample_all(data, mle, args: argparse.Namespace) -> dict[tuple[str, str, str], list[dict]]:
    """Every configuration ``args.repeats`` times, interleaved; one line per run."""
    rows: dict[tuple[str, str, str], list[dict]] = {c: [] for c in CONFIGS}
    for r in range(args.repeats):
        for c in CONFIGS:
            x = run_config(data, mle, c, args, args.seed + r)
            rows[c].append(x)
            print(f"  repeat {r}: {c[0]:8s} {c[1]:6s} {c[2]:5s} compile {x['compile']:5.1f} s  sampling "
                  f"{x['sampling']:5.1f} s  wall {x['wall']:5.1f} s  min bulk ESS {x['ess']:6.0f}  "
                  f"leapfrog steps/draw {x['steps']:4.1f}  divergences {x['div']}", flush=True)
    return rows


def medians(rows: dict[tuple[str, str, str], list[dict]]) -> dict[tuple[str, str, str], dict]:
    """Median over repeats of every measured quantity, per configuration."""
    return {c: {k: statistics.median(x[k] for x in runs) for k in runs[0]} for c, runs in rows.items()}


def summary_table(med: dict, repeats: int) -> dict:
    """The medians with ESS/s and ESS per wall second as ratios against :data:`BASELINE`."""
    base = med[BASELINE]
    print(f"\nmedians over {repeats} repeat(s); ratios vs NormalMixture + nutpie (diagonal mass matrix)")
    print(f"{'likelihood':10s} {'sampler':7s} {'mass':5s} {'compile s':>9s} {'sampling s':>10s} "
          f"{'wall s':>7s} {'steps':>5s} {'min ESS':>8s} {'ESS/s':>8s} {'ratio':>6s} {'ESS/s wall':>10s} "
          f"{'ratio':>6s}")
    table = {}
    for c in CONFIGS:
        m = med[c]
        table[key(c)] = m | {"ess_s_ratio": m["ess_s"] / base["ess_s"],
                             "ess_wall_ratio": m["ess_wall"] / base["ess_wall"]}
        print(f"{c[0]:10s} {c[1]:7s} {c[2]:5s} {m['compile']:9.1f} {m['sampling']:10.2f} "
              f"{m['wall']:7.1f} {m['steps']:5.1f} "
              f"{m['ess']:8.0f} {m['ess_s']:8.0f} {table[key(c)]['ess_s_ratio']:6.2f} "
              f"{m['ess_wall']:10.0f} {table[key(c)]['ess_wall_ratio']:6.2f}")
    print()
    return table


def headline_ratios(med: dict) -> dict:
    """Closed form vs NormalMixture under nutpie per mass matrix; the default path vs the baseline."""
    out = {}
    for mm in MASS_MATRICES:
        closed, mixture = med[("closed", "nutpie", mm)], med[("mixture", "nutpie", mm)]
        t_ratio = mixture["sampling"] / closed["sampling"]
        e_ratio = closed["ess_s"] / mixture["ess_s"]
        out[f"closed_vs_mixture_nutpie_{mm}"] = {"sampling_speedup": t_ratio, "ess_s_ratio": e_ratio}
        print(f"nutpie, {mm} mass matrix: closed form vs NormalMixture: sampling {t_ratio:.2f}x faster, "
              f"ESS/s ratio {e_ratio:.2f}")
    d, b = med[DEFAULT_PATH], med[BASELINE]
    ess_s, ess_wall = d["ess_s"] / b["ess_s"], d["ess_wall"] / b["ess_wall"]
    print(f"default path (closed + nutpie + dense) / baseline (NormalMixture + nutpie + diag): "
          f"ESS/s {ess_s:.2f}x, "
          f"ESS per wall second {ess_wall:.2f}x (target >= {TARGET_DEFAULT_VS_BASELINE:g})")
    out["default_vs_baseline"] = {"default_path": key(DEFAULT_PATH), "baseline": key(BASELINE),
                                  "ess_s_ratio": ess_s, "ess_wall_ratio": ess_wall,
                                  "target_ess_wall_ratio": TARGET_DEFAULT_VS_BASELINE,
                                  "target_met": ess_wall >= TARGET_DEFAULT_VS_BASELINE}
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    data, fit, mle = scenario(args)
    results = {"data": {"n": data.n, "truth": DEFAULT_TRUTH.to_dict(), "seed": DEFAULT_SEED,
                        "em_start": mle.to_dict()}}
    results["prior_shift"] = prior_shift(data, fit, mle)
    results["logp_grad"] = logp_rates(data, mle)
    warm_up(mle)
    rows = sample_all(data, mle, args)
    med = medians(rows)
    results["runs"] = {key(c): runs for c, runs in rows.items()}
    results["medians"] = summary_table(med, args.repeats)
    results["headline"] = headline_ratios(med)
    record(BENCHMARK, args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
