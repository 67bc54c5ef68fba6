"""Log density + gradient as nutpie evaluates it, per data point, and nutpie's ESS per second.

Three likelihoods of the same model (the ordered model, default priors, standardised data), in one
process:

- ``fused``: the tool's model, whose summed closed form nutpie's rewrite turns into one pass of the
  shared EM kernel (models/pymc_fused.py, models/fused_pass.py);
- ``closed_unfused``: the closed form written out in the graph, as the model was before the fusion
  (its CustomDist logp set to ``models.pymc_likelihood.closed_form_logp`` for this build only);
- ``mixture``: ``pm.NormalMixture``.

**ns per point.** Each model is compiled once by ``nutpie.compile_pymc_model``; its ``logp_func`` (the
PyTensor function of logp and gradient whose numba code nutpie's sampler calls) is timed at the EM
estimate, at N = 10^4 and 10^6 (the same compiled function; the data container is set to the larger
data set). Batches of evaluations alternate between the three, and the *minimum* over batches is the
headline (on a loaded machine the median mostly measures the other processes); the median is
recorded too. Beside them: one numpy pass of ``exp`` then ``log`` over the same points (in place),
the floor the issue compares with; and the load average before and after.

**ESS per second.** :func:`sampling.sample.sample` on the default scenario (N = 10^4, 4 chains x
(1000 tune + 1000 draws), chains started at the EM estimate), each configuration ``--repeats`` times,
interleaved: the tool's default path (fused + nutpie + dense mass matrix) against ``pm.NormalMixture``
+ nutpie (nutpie's default diagonal adaptation, the plain path a user would write; and dense, like
for like), and the unfused closed form with the default settings. Smallest bulk ESS over pi1, mu1,
mu2, sigma, per second of sampling.

The figures are printed and written to ``benchmarks/results/likelihood_speed.json`` (``--out``;
``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/likelihood_speed.py [--repeats 2] [--seconds 3] [--no-sampling]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import time

import numpy as np
from _record import add_record_options, record
from sampler_speed import min_bulk_ess, scenario

from emvb import models
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH

BENCHMARK = "likelihood_speed"
LIKELIHOODS = ("fused", "closed_unfused", "mixture")
SIZES = (10_000, 1_000_000)
#: (likelihood, mass matrix) of the sampling runs; the first is the tool's default path.
SAMPLING = (("fused", "dense"), ("mixture", "diag"), ("mixture", "dense"), ("closed_unfused", "dense"))
#: Target of issue 23: logp + gradient in at most this many ns per point at both sizes.
TARGET_NS = 8.0
#: Evaluations per timed batch, per N (about 1 ms to 20 ms a batch).
BATCH = {10_000: 20, 1_000_000: 1}


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=3.0, help="timing per likelihood and size")
    ap.add_argument("--repeats", type=int, default=2, help="sampling runs per configuration")
    ap.add_argument("--chains", type=int, default=4)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-sampling", action="store_true", help="time logp + gradient only")
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


@contextlib.contextmanager
def unfused():
    """Models built inside have the closed form written out in the graph (nothing for the rewrite)."""
    from emvb.models import pymc_likelihood as lik

    saved = lik.fusable_logp
    lik.fusable_logp = lik.closed_form_logp
    try:
        yield
    finally:
        lik.fusable_logp = saved


def build(data, likelihood: str):
    """The ordered model with this likelihood (module note)."""
    from emvb.models.pymc_model import build_model

    if likelihood == "closed_unfused":
        with unfused():
            return build_model(data, ordered=True, likelihood="closed")
    return build_model(data, ordered=True, likelihood="mixture" if likelihood == "mixture" else "closed")


def flat_point(model, mle) -> np.ndarray:
    """The EM estimate as nutpie's flat vector of the value variables (logit pi1, centre, log gap,
    log sigma), on the graph's standardised scale."""
    p = model.scaling.params_to_std(mle)
    return np.array([np.log(p.pi1 / (1 - p.pi1)), p.pi1 * p.mu1 + (1 - p.pi1) * p.mu2,
                     np.log(p.mu2 - p.mu1), np.log(p.sigma)])


def time_batches(fns: dict, seconds: float, batch: int) -> dict[str, list[float]]:
    """Seconds per call of each function, per batch, batches alternating until ``seconds`` each."""
    out = {k: [] for k in fns}
    t_end = time.perf_counter() + seconds * len(fns)
    while time.perf_counter() < t_end:
        for k, f in fns.items():
            t0 = time.perf_counter()
            for _ in range(batch):
                f()
            out[k].append((time.perf_counter() - t0) / batch)
    return out


def numpy_floor(xs: np.ndarray):
    """One numpy pass of exp, then of log, over the points, in place (no allocation)."""
    buf = np.empty_like(xs)

    def f():
        np.exp(xs, out=buf)
        np.log(buf, out=buf)
    return f


def logp_costs(args, mle) -> dict:
    """ns per point of logp + gradient, nutpie's compiled function, three likelihoods, two sizes."""
    import nutpie

    compiled, models_ = {}, {}
    small = models.simulate(DEFAULT_TRUTH, SIZES[0], DEFAULT_SEED)
    for lik in LIKELIHOODS:
        models_[lik] = build(small, lik)
        t0 = time.perf_counter()
        compiled[lik] = nutpie.compile_pymc_model(models_[lik].pymc)
        print(f"compiled {lik}: {time.perf_counter() - t0:.1f} s", flush=True)
    out = {}
    for n in SIZES:
        data = small if n == SIZES[0] else models.simulate(DEFAULT_TRUTH, n, DEFAULT_SEED)
        fns, values = {}, {}
        for lik in LIKELIHOODS:
            m = models_[lik].rebind(data)
            m.pymc  # puts this data set in the shared containers the compiled function reads  # noqa: B018
            f = compiled[lik].logp_func
            f.trust_input = True
            x = flat_point(m, mle)
            values[lik] = float(f(x)[0])
            fns[lik] = (lambda f=f, x=x: f(x))
        xs = m.values["x_std"]
        fns["numpy exp+log"] = numpy_floor(xs)
        spread = max(values.values()) - min(values.values())
        times = time_batches(fns, args.seconds, BATCH[n])
        row = {k: {"ns_min": 1e9 * min(t) / n, "ns_median": 1e9 * statistics.median(t) / n, "batches": len(t)}
               for k, t in times.items()}
        floor = row["numpy exp+log"]["ns_min"]
        for lik in LIKELIHOODS:
            row[lik] |= {"vs_mixture": row["mixture"]["ns_min"] / row[lik]["ns_min"],
                         "vs_numpy_exp_log": row[lik]["ns_min"] / floor}
        row["logp_max_difference"] = spread
        out[str(n)] = row
        print(f"\nN = {n}: logp + gradient, ns per point (min / median over batches); logp values agree to "
              f"{spread:.1e}")
        for k, r in row.items():
            if isinstance(r, dict):
                extra = (f"  mixture / this {r['vs_mixture']:5.2f}x  this / numpy exp+log {r['vs_numpy_exp_log']:5.2f}x"
                         if k in LIKELIHOODS else "")
                print(f"  {k:15s} {r['ns_min']:7.2f} / {r['ns_median']:7.2f}{extra}")
    out["target_ns"] = TARGET_NS
    out["target_met"] = all(out[str(n)]["fused"]["ns_min"] <= TARGET_NS for n in SIZES)
    return out


def sampling_runs(args, data, mle) -> dict:
    """ESS per second of sampling, each configuration ``args.repeats`` times, interleaved."""
    from emvb.sampling.sample import sample

    rows = {f"{lik}/nutpie/{mm}": [] for lik, mm in SAMPLING}
    for r in range(args.repeats):
        for lik, mm in SAMPLING:
            model = build(data, lik)
            dt = sample(model, chains=args.chains, draws=args.draws, tune=args.tune, seed=args.seed + r,
                        sampler="nutpie", init="em", start=mle, mass_matrix=mm)
            a, ess = dt.attrs, min_bulk_ess(dt)
            x = {"compile": a["compile_time"], "sampling": a["sampling_time"], "ess": ess,
                 "ess_s": ess / a["sampling_time"], "steps": float(dt["sample_stats"]["n_steps"].mean()),
                 "div": a["n_divergent"]}
            rows[f"{lik}/nutpie/{mm}"].append(x)
            print(f"  repeat {r}: {lik:14s} {mm:5s} compile {x['compile']:5.1f} s  sampling {x['sampling']:5.1f} s"
                  f"  min bulk ESS {ess:6.0f}  ESS/s {x['ess_s']:6.0f}  steps/draw {x['steps']:4.1f}"
                  f"  divergences {x['div']}", flush=True)
    med = {k: {q: statistics.median(x[q] for x in v) for q in v[0]} for k, v in rows.items()}
    base = med["mixture/nutpie/diag"]["ess_s"]
    print(f"\nmedian ESS/s over {args.repeats} repeat(s), ratio vs NormalMixture + nutpie (diag):")
    for k, m in med.items():
        m["ess_s_ratio"] = m["ess_s"] / base
        print(f"  {k:28s} {m['ess_s']:7.0f}  {m['ess_s_ratio']:5.2f}x")
    return {"runs": rows, "medians": med}


def main(argv=None) -> int:
    args = parse_args(argv)
    load0 = os.getloadavg()
    print(f"load average (1, 5, 15 min) at start: {load0[0]:.2f} {load0[1]:.2f} {load0[2]:.2f}")
    data, _, mle = scenario(argparse.Namespace(n=SIZES[0], chains=args.chains, draws=args.draws,
                                               tune=args.tune, repeats=args.repeats))
    results = {"load_average_start": load0, "logp_grad_ns_per_point": logp_costs(args, mle)}
    if not args.no_sampling:
        results["ess_per_second"] = sampling_runs(args, data, mle)
    results["load_average_end"] = os.getloadavg()
    print(f"load average at end: {' '.join(f'{v:.2f}' for v in results['load_average_end'])}")
    record(BENCHMARK, args, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
