"""Sampler speed: the likelihood's implementations, samplers, mass matrices, fastmath, and chain starts.

Run: ``.venv/bin/python benchmarks/sampler_speed.py MEASUREMENT [options]`` (``--help`` lists them). Every
measurement runs in one process on the default scenario (N = 10^4 points from DEFAULT_TRUTH, seed
DEFAULT_SEED; the ordered model with the default priors, 4 chains x (1000 tune + 1000 draws)); the
configurations of each run ``--repeats`` times, interleaved, so drift in the machine's load hits all alike.
Three likelihoods of the same model: ``closed`` (``fused`` in ``likelihood``), the tool's default, whose
summed closed form nutpie's rewrite turns into one pass of the shared EM kernel (models/pymc_fused.py,
models/fused_pass.py);
``closed_unfused``, the closed form written out in the graph, as the model was before the fusion (its
CustomDist logp set to ``models.pymc_likelihood.closed_form_logp`` for this build only); ``mixture``,
``pm.NormalMixture``. Bulk ESS is the smallest over pi1, mu1, mu2, sigma (the slowest-mixing quantity limits
any summary); ESS ratios are against :data:`BASELINE`, ``pm.NormalMixture`` + nutpie with nutpie's default
diagonal adaptation (the plain path a user would write).

- ``grid`` (``benchmarks/results/sampler_speed.json``): every chain started at the EM estimate, both
  likelihoods (``closed``, ``mixture``), both samplers (nutpie, PyMC) and both mass-matrix adaptations
  ("diag", "dense"; see sampling/sample.py): compile time, sampling time, wall time of
  :func:`sampling.sample.sample`, bulk ESS per second of sampling and per second of wall time, mean leapfrog
  steps per draw; logp + gradient per point of the three likelihoods (as ``likelihood``, at N = ``--n``).
  The headline is the default path (:data:`DEFAULT_PATH`) against the baseline, with target
  :data:`TARGET_DEFAULT_VS_BASELINE`.
- ``likelihood`` (``benchmarks/results/likelihood_speed.json``): **ns per point** of log density + gradient
  as nutpie evaluates it: each model compiled once by ``nutpie.compile_pymc_model``, its ``logp_func`` (the
  PyTensor function of logp and gradient whose numba code nutpie's sampler calls) timed at the EM estimate at
  N = ``--ns`` (the same compiled function; the data container is set to each data set). Batches of
  evaluations alternate between the three, and the *minimum* over batches is the headline (on a loaded
  machine the median mostly measures the other processes); the median is recorded too. Beside them: one
  numpy pass of ``exp`` then ``log`` over the same points (in place), the floor the issue compares with.
  Then **ESS per second**, chains at the EM estimate: the default path (fused + nutpie + dense mass matrix)
  against ``pm.NormalMixture`` + nutpie (diagonal; and dense, like for like), and the unfused closed form.
- ``fastmath`` (``benchmarks/results/fastmath_cost.json``): what reproducibility costs. emvb compiles its
  PyMC models with ``pytensor.config.numba__fastmath = False`` (models/pymc_model.py): with fastmath, freshly
  compiled and cached code round differently and the same command gave different posteriors on a cold and a
  warm cache (README, "Reproducibility"). The default model compiled both ways in one process and sampled by
  nutpie (all chains at the EM estimate): sampling seconds per gradient evaluation (leapfrog step) for each,
  and their ratio (off / on).
- ``starts`` (``benchmarks/results/starts_speed.json``): wall time of independent prior starts (the
  default) against the former ``dispersed`` default, each model (unordered, ordered) built once (so its
  nutpie compile is cached and not timed), on this machine's cores: ``dispersed``, for the unordered model 2
  start groups of 2 chains (EM estimate and its swap), which on 2 cores run one after the other, each on
  both cores; ``prior``, 4 one-chain groups (independent prior draws) run at the same time within the core
  budget (:mod:`sampling.nutpie_groups`); ``prior_sequential``, the same starts run one group after the
  other, as before (one chain at a time): what the scheduler saves. Median wall seconds of
  ``sampling.sample.sample`` and the ratios to ``dispersed``.
"""

from __future__ import annotations

import contextlib
import statistics
import time
from unittest import mock

import numpy as np
from _record import main, median, rounds

from emvb import em, models
from emvb.models import DEFAULT_SEED, DEFAULT_TRUTH

#: A configuration is (likelihood, sampler, mass matrix); ``grid`` runs them in this order.
GRID = tuple((lik, smp, mm) for mm in ("diag", "dense") for smp in ("nutpie", "pymc") for lik in ("mixture", "closed"))
#: What every ESS ratio is against: NormalMixture + nutpie with nutpie's default diagonal adaptation.
BASELINE = ("mixture", "nutpie", "diag")
#: The tool's default: closed-form (fused) likelihood + nutpie + dense mass matrix.
DEFAULT_PATH = ("closed", "nutpie", "dense")
#: The default path should give at least this many times the baseline's ESS per wall second.
TARGET_DEFAULT_VS_BASELINE = 1.5
#: The sampling runs of ``likelihood``; the first is the tool's default path.
LIKELIHOOD_RUNS = (("fused", "nutpie", "dense"), BASELINE, ("mixture", "nutpie", "dense"),
                   ("closed_unfused", "nutpie", "dense"))
#: ``fused`` is ``closed`` (the default), named for what nutpie evaluates.
LIKELIHOODS = ("fused", "closed_unfused", "mixture")
#: Target of issue 23: logp + gradient in at most this many ns per point at every size.
TARGET_NS = 8.0
#: The throwaway runs of ``grid`` that absorb one-time costs: data size, chains, tune = draws.
WARMUP_N, WARMUP_CHAINS, WARMUP_STEPS = 100, 2, 10
STARTS = ("dispersed", "prior", "prior_sequential")
COMMON = {"n": models.DEFAULT_N, "draws": 1000, "tune": 1000, "repeats": 2}


def key(config) -> str:
    """``("closed", "nutpie", "dense")`` -> ``"closed/nutpie/dense"`` (the results file's keys)."""
    return "/".join(config)


def scenario(n: int):
    """The data and their EM fit; prints the scenario. Returns ``(data, fit, mle)``, ``mle`` ordered."""
    data = models.simulate(DEFAULT_TRUTH, n, DEFAULT_SEED)
    fit = em.fit(data.values)
    print(f"data: N={data.n}, truth {DEFAULT_TRUTH}, seed {DEFAULT_SEED}; start (EM): {fit.params.ordered()}")
    return data, fit, fit.params.ordered()


def build(data, likelihood: str, ordered: bool = True):
    """The model with this likelihood (module note); ``closed_unfused`` has the closed form written out in the
    graph, leaving nothing for the rewrite."""
    from emvb.models import pymc_likelihood as lik
    from emvb.models.pymc_model import build_model

    unfused = likelihood == "closed_unfused"
    with mock.patch.object(lik, "fusable_logp", lik.closed_form_logp) if unfused else contextlib.nullcontext():
        return build_model(data, ordered=ordered, likelihood="mixture" if likelihood == "mixture" else "closed")


def min_bulk_ess(dt) -> float:
    """The smallest bulk ESS over pi1, mu1, mu2, sigma."""
    import arviz as az

    ess = az.ess(dt, method="bulk", var_names=["pi1", "mu", "sigma"])
    return float(min(float(ess[v].min()) for v in ("pi1", "mu", "sigma")))


def sample_config(data, mle, config, args, seed: int) -> dict:
    """Sample one configuration on a freshly built model (so its compile time is counted)."""
    from emvb.sampling.sample import sample

    lik, smp, mm = config
    dt = sample(build(data, lik), chains=args.chains, draws=args.draws, tune=args.tune, seed=seed, sampler=smp,
                init="em", start=mle, mass_matrix=mm)
    a, ess = dt.attrs, min_bulk_ess(dt)
    x = {"compile": a["compile_time"], "sampling": a["sampling_time"], "wall": a["wall_time"], "ess": ess,
         "div": a["n_divergent"], "steps": float(dt["sample_stats"]["n_steps"].mean()),
         "ess_s": ess / a["sampling_time"], "ess_wall": ess / a["wall_time"]}
    print(f"  {key(config):28s} compile {x['compile']:5.1f} s  sampling {x['sampling']:5.1f} s  wall {x['wall']:5.1f} s"
          f"  min bulk ESS {ess:6.0f}  steps/draw {x['steps']:4.1f}  divergences {x['div']}", flush=True)
    return x


def sample_configs(data, mle, configs, args) -> dict:
    """Every configuration ``args.repeats`` times, interleaved; medians with ESS ratios against the baseline."""
    runs = rounds({key(c): (lambda r, c=c: sample_config(data, mle, c, args, args.seed + r)) for c in configs},
                  args.repeats)
    med = {k: median(v) for k, v in runs.items()}
    base = med[key(BASELINE)]
    for m in med.values():
        m |= {"ess_s_ratio": m["ess_s"] / base["ess_s"], "ess_wall_ratio": m["ess_wall"] / base["ess_wall"]}
    return {"runs": runs, "medians": med}


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


def logp_at(n: int, compiled: dict, built: dict, mle, seconds: float) -> dict:
    """ns per point of each compiled logp + gradient on ``n`` points, and of numpy's exp then log."""
    data = models.simulate(DEFAULT_TRUTH, n, DEFAULT_SEED)
    fns, values = {}, {}
    for lik in LIKELIHOODS:
        m = built[lik].rebind(data)
        m.pymc  # puts this data set in the shared containers the compiled function reads  # noqa: B018
        f = compiled[lik].logp_func
        f.trust_input = True
        x = flat_point(m, mle)
        values[lik] = float(f(x)[0])
        fns[lik] = (lambda f=f, x=x: f(x))
    xs, buf = m.values["x_std"], np.empty(n)
    fns["numpy exp+log"] = lambda: np.log(np.exp(xs, out=buf), out=buf)  # in place: no allocation
    times = time_batches(fns, seconds, max(1, 200_000 // n))  # batches of about 1 to 20 ms
    row = {k: {"ns_min": 1e9 * min(t) / n, "ns_median": 1e9 * statistics.median(t) / n, "batches": len(t)}
           for k, t in times.items()}
    for lik in LIKELIHOODS:
        row[lik] |= {"vs_mixture": row["mixture"]["ns_min"] / row[lik]["ns_min"],
                     "vs_numpy_exp_log": row[lik]["ns_min"] / row["numpy exp+log"]["ns_min"]}
    row["logp_max_difference"] = max(values.values()) - min(values.values())
    return row


def logp_costs(ns, mle, seconds: float) -> dict:
    """ns per point of logp + gradient, nutpie's compiled function, three likelihoods, each size of ``ns``."""
    import nutpie

    compiled, built = {}, {}
    for lik in LIKELIHOODS:
        built[lik] = build(models.simulate(DEFAULT_TRUTH, ns[0], DEFAULT_SEED), lik)
        t0 = time.perf_counter()
        compiled[lik] = nutpie.compile_pymc_model(built[lik].pymc)
        print(f"compiled {lik}: {time.perf_counter() - t0:.1f} s", flush=True)
    out = {str(n): logp_at(n, compiled, built, mle, seconds) for n in ns}
    return out | {"target_ns": TARGET_NS, "target_met": all(out[str(n)]["fused"]["ns_min"] <= TARGET_NS for n in ns)}


def grid(args) -> dict:
    """Both likelihoods, both samplers, both mass matrices: ESS per second against the baseline."""
    from emvb.sampling.sample import sample

    data, _, mle = scenario(args.n)
    results = {"data": {"n": data.n, "truth": DEFAULT_TRUTH.to_dict(), "seed": DEFAULT_SEED, "em_start": mle.to_dict()},
               "logp_grad_ns_per_point": logp_costs([args.n], mle, args.seconds)}
    small = models.simulate(DEFAULT_TRUTH, WARMUP_N, DEFAULT_SEED)
    for smp, mm in sorted({c[1:] for c in GRID}):  # one-time costs (nutpie import, numba start-up) kept out of
        # whichever configuration happens to run first
        sample(build(small, "closed"), chains=WARMUP_CHAINS, draws=WARMUP_STEPS, tune=WARMUP_STEPS, seed=0,
               sampler=smp, init="em", start=mle, mass_matrix=mm)
    results |= sample_configs(data, mle, GRID, args)
    med, out = results["medians"], {}
    for mm in ("diag", "dense"):
        closed, mixture = med[f"closed/nutpie/{mm}"], med[f"mixture/nutpie/{mm}"]
        out[f"closed_vs_mixture_nutpie_{mm}"] = {"sampling_speedup": mixture["sampling"] / closed["sampling"],
                                                 "ess_s_ratio": closed["ess_s"] / mixture["ess_s"]}
    d = med[key(DEFAULT_PATH)]
    out["default_vs_baseline"] = {"default_path": key(DEFAULT_PATH), "baseline": key(BASELINE),
                                  "ess_s_ratio": d["ess_s_ratio"], "ess_wall_ratio": d["ess_wall_ratio"],
                                  "target_ess_wall_ratio": TARGET_DEFAULT_VS_BASELINE,
                                  "target_met": d["ess_wall_ratio"] >= TARGET_DEFAULT_VS_BASELINE}
    return results | {"headline": out}


def likelihood(args) -> dict:
    """logp + gradient in ns per point (three likelihoods, two sizes), and ESS per second of sampling."""
    data, _, mle = scenario(args.ns[0])
    results = {"logp_grad_ns_per_point": logp_costs(args.ns, mle, args.seconds)}
    if not args.no_sampling:
        results["ess_per_second"] = sample_configs(data, mle, LIKELIHOOD_RUNS, args)
    return results


def fastmath(args) -> dict:
    """Seconds per gradient evaluation of the default model compiled with and without fastmath."""
    import nutpie
    import pytensor

    from emvb.sampling.sample import _starts_in_graph_units
    from emvb.sampling.starts import point

    data, _, mle = scenario(args.n)
    model = build(data, "closed")
    st = _starts_in_graph_units([point(mle)], model.scaling)[0]
    cms = {}
    for fm in (True, False):
        with pytensor.config.change_flags(numba__fastmath=fm):
            cms[fm] = nutpie.compile_pymc_model(model.pymc, initial_points=st, jitter_rvs=set()).with_data(
                **model.values)

    def per_gradient(fm: bool, seed: int) -> float:
        t = time.perf_counter()
        tr = nutpie.sample(cms[fm], draws=args.draws, tune=args.tune, chains=4, cores=1, seed=seed,
                           progress_bar=False, save_warmup=True, adaptation="low_rank")
        return (time.perf_counter() - t) / int(tr["sample_stats"]["n_steps"].sum())

    runs = rounds({"on": lambda r: per_gradient(True, r), "off": lambda r: per_gradient(False, r)}, args.repeats)
    on, off = median(runs["on"]), median(runs["off"])
    return {"seconds_per_gradient_fastmath_on": on, "seconds_per_gradient_fastmath_off": off,
            "ratio_off_over_on": off / on, "all_runs": runs}


def starts(args) -> dict:
    """Wall time of independent prior starts against the former ``dispersed`` default, both models."""
    from emvb.sampling import nutpie_groups, sample

    data, fit, _ = scenario(args.n)
    built = {name: build(data, "closed", ordered=name == "ordered") for name in ("unordered", "ordered")}

    def one_core(*a, cores, **kw):  # one core budget: groups one after the other, as before
        return nutpie_groups.sample_groups(*a, cores=1, **kw)

    def timed(model, config: str, seed: int, draws: int, tune: int) -> float:
        with (mock.patch.object(sample, "sample_groups", one_core) if config == "prior_sequential"
              else contextlib.nullcontext()):
            t0 = time.perf_counter()
            sample.sample(model, chains=4, draws=draws, tune=tune, seed=seed, start=fit.params,
                          init="prior" if config.startswith("prior") else "dispersed")
            return time.perf_counter() - t0

    for m in built.values():  # compile once, outside the timings
        timed(m, "dispersed", 0, 5, 5)
    walls = rounds({f"{name}/{c}": (lambda r, m=m, c=c: timed(m, c, DEFAULT_SEED + r, args.draws, args.tune))
                    for name, m in built.items() for c in STARTS}, args.repeats)
    return {"rows": {k: {"walls": w, "median": median(w),
                         "ratio_to_dispersed": median(w) / median(walls[k.split("/")[0] + "/dispersed"])}
                     for k, w in walls.items()}}


if __name__ == "__main__":
    main(__doc__, {"grid": ("sampler_speed", grid, COMMON | {"chains": 4, "seed": 1,
                                                             "seconds": (2.0, "timing of logp + gradient")}),
                   "likelihood": ("likelihood_speed", likelihood, {
                       "ns": [10_000, 1_000_000], "seconds": (3.0, "timing per likelihood and size"),
                       "chains": 4, "draws": 1000, "tune": 1000, "repeats": 2, "seed": 1,
                       "no_sampling": (False, "time logp + gradient only")}),
                   "fastmath": ("fastmath_cost", fastmath, COMMON | {"repeats": 3}),
                   "starts": ("starts_speed", starts, COMMON)})
