"""Divergent transitions on overlapping components, what holding the sampler to the limit costs, and whether
the default sampler still gives the posterior.

Run: ``.venv/bin/python benchmarks/divergences.py MEASUREMENT [options]`` (``--help`` lists them), with
the sampler's defaults (:mod:`emvb.sampling.options`: the centre-gap parametrisation of ``mu``, target
acceptance 0.9, a retry at 0.95 then 0.99 while more than 1% of the kept draws diverge; docs/methods.md §7.4):

``limit [--replicates 20] [--sbc 40] [--cost-replicates 10] [--workers 2]`` (``benchmarks/results/divergences.json``),
on the study's own code path (:func:`emvb.study.replicate.run_task`: simulate, EM, sample, summarise, exactly
as ``emvb study`` does) for the ``overlap`` scenario (``|mu2 - mu1| / sigma = 1.5``) under its fixed prior:

1. **Replicates over the limit** (target at most :data:`TARGET_SHARE` per model and N): the share of
   replicates whose final posterior has more than ``MAX_DIVERGENT_SHARE`` of its 4 x 1000 draws
   divergent, per model at N = ``--ns`` (``--replicates`` each), and of ``--sbc`` SBC replicates at
   N = ``--sbc-n`` (truths drawn from the prior), with the share that needed a retry, and a 95%
   Clopper-Pearson upper bound on the share over the limit.
2. **Cost** (target at most :data:`TARGET_COST` times): on the same ``--cost-replicates`` data sets at
   N = 200 per model, old settings (plain ``mu``, target 0.8, no retry: the sampler before this change)
   and new ones, alternated in this process: the ratio of sampling seconds per replicate, and of
   leapfrog steps per replicate (which the machine's load does not change).

``separated --against REF [--ns 1000 10000]`` (``benchmarks/results/sampler_target_cost.json``): the cost of
the settings on separated data, this code against a git revision, both models. On data from the default
truth (seed 3), :func:`sampling.sample.sample` of the ordered and the unordered model, 4 chains x (1000
warm-up + 1000 draws), every chain started at the EM estimate, seed 1, is timed after a short call that
compiles the model, in a fresh process per code and size; this code and the revision REF alternate, so both
meet the same load. Recorded: sampling seconds, mean leapfrog steps per draw and mean step size, and the
ratios this code over REF.

``reference [--ref-chains 16] [--ref-draws 10000]`` (``benchmarks/results/reference_agreement.json``): does
the default sampler give the posterior? On the data of ``reports/overlap`` (``emvb run --n 200 --truth
0.3,0,1.5,1 --seed 2026``: overlapping components, where the former settings diverged), the ordered model
under the report's data-based priors is sampled with the defaults of ``emvb run``
(:func:`emvb.sampling.sample.sample`: 4 chains x 1000 draws after 1000 warm-up steps, prior starts, seed
2026) and, as a reference, ``--ref-chains`` chains x ``--ref-draws`` draws after 2000 warm-up steps at
target acceptance 0.99, in the **plain** coordinates (PyMC's ordered transform), another seed: a different
sampler geometry of the same posterior. For the mean and the 5% and 95% quantiles of ``pi1``, ``mu1``,
``mu2``, ``sigma`` it prints ``z = (default - reference) / sqrt(mcse_default^2 + mcse_reference^2)``
(ArviZ's MCSE of each); agreement is every ``|z|`` below :data:`Z_LIMIT` (12 comparisons: a false alarm
under agreement has probability below 1%).
"""

from __future__ import annotations

import itertools
import multiprocessing
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from _record import export, in_fresh_process, main

#: Replicates over the divergence limit, per model and N (issue: at most 2%).
TARGET_SHARE = 0.02
#: Time per replicate of the new settings over the old (issue: at most 1.5).
TARGET_COST = 1.5
COST_N = 200
#: The sampler before this change: plain ``mu`` (PyMC's ordered transform), nutpie's default target, no retry.
OLD = {"parametrisation": "plain", "target_accept": 0.8, "retry": ()}
REPORT = Path(__file__).resolve().parent.parent / "reports" / "overlap" / "results.nc"
#: |z| limit per comparison: two-sided 5e-4, so 12 comparisons raise a false alarm with probability < 1%.
Z_LIMIT = 3.5
QUANTILES = (0.05, 0.95)


def study_settings(args):
    from emvb.study.settings import SCENARIOS, StudySettings, fixed_prior

    truth, ns = SCENARIOS["overlap"].truth, tuple(args.ns)
    return StudySettings(scenario="overlap", truth=truth, ns=ns, replicates=(args.replicates,) * len(ns),
                         em_replicates=(args.replicates,) * len(ns), models=tuple(args.models),
                         priors=fixed_prior(truth), seed=args.seed, sbc=args.sbc, sbc_n=args.sbc_n)


def upper_bound(k: int, n: int, level: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of a share with ``k`` of ``n``."""
    from scipy import stats

    return 1.0 if k >= n else float(stats.beta.ppf(level, k + 1, n - k))


def tally(results, s) -> dict:
    """Per (part, N, model): replicates, over the limit, retried, final targets, sampling seconds."""
    from emvb.study.thresholds import MAX_DIVERGENT_SHARE

    limit = MAX_DIVERGENT_SHARE * s.chains * s.draws
    cells: dict = {}
    for r in results:
        by_method = {}
        for row in r.rows:
            if row["method"] in ("ordered", "unordered"):
                by_method.setdefault(row["method"], row)
        for model, row in by_method.items():
            c = cells.setdefault(f"{r.part} N={r.n} {model}", {"replicates": 0, "over_limit": 0, "retried": 0,
                                                               "targets": {}, "seconds": 0.0, "failed": 0})
            c["replicates"] += 1
            c["over_limit"] += int(row["divergences"] is not None and row["divergences"] > limit)
            c["failed"] += int(row["divergences"] is None)
            c["retried"] += int((row["retries"] or 0) > 0)
            key = f"{row['target_accept']:g}" if row["target_accept"] is not None else "none"
            c["targets"][key] = c["targets"].get(key, 0) + 1
            c["seconds"] += r.seconds.get(f"sample_{model}", 0.0)
    for c in cells.values():
        k, n = c["over_limit"], c["replicates"]
        c |= {"share_over_limit": k / n, "upper_95": upper_bound(k, n), "seconds_per_replicate": c["seconds"] / n,
              "meets_target": k / n <= TARGET_SHARE}
    return cells


def cost_one(x, start, seed: int, ordered: bool, models: dict, settings: dict) -> tuple[float, int, int]:
    """Sampling seconds, leapfrog steps and divergences of one run (model reused across calls)."""
    from emvb.models.data import Dataset
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample
    from emvb.study.settings import SCENARIOS, fixed_prior

    key = (ordered, settings.get("parametrisation", "centre_gap"))
    ds = Dataset(x, name="overlap replicate")
    pri = fixed_prior(SCENARIOS["overlap"].truth)
    models[key] = (build_model(ds, priors=pri, ordered=ordered, parametrisation=key[1]) if key not in models
                   else models[key].rebind(ds))
    kw = {k: v for k, v in settings.items() if k != "parametrisation"}
    dt = sample(models[key], chains=4, draws=1000, tune=1000, seed=seed, init="em", start=start, cores=1, **kw)
    steps = int(dt["sample_stats"]["n_steps"].sum()) if "n_steps" in dt["sample_stats"] else -1
    return float(dt.attrs["sampling_time"]), steps, int(dt.attrs["n_divergent"])


def cost(args) -> dict:
    """Old vs new settings on the same data sets, alternated (item 2 of the module note)."""
    from emvb import em
    from emvb.models.simulate import draw
    from emvb.study.seeds import replicate_seeds
    from emvb.study.settings import SCENARIOS

    truth = SCENARIOS["overlap"].truth
    out, models = {}, {}
    for model in args.models:
        tot = {"old": np.zeros(3), "new": np.zeros(3)}
        over = {"old": 0, "new": 0}
        for i in range(args.cost_replicates):
            seeds = replicate_seeds(args.seed, "main", COST_N, i)
            x, _ = draw(truth, COST_N, seeds.data)
            fit = em.fit(x, n_init=10, seed=seeds.em)
            order = ("old", "new") if i % 2 == 0 else ("new", "old")  # alternate: drifts in load cancel
            for which in order:
                kw = OLD if which == "old" else {}
                secs, steps, div = cost_one(x, fit.params, int(seeds.sampler), model == "ordered", models, kw)
                tot[which] += (secs, steps, div)
                over[which] += int(div > 0.01 * 4000)
        r = args.cost_replicates
        out[model] = {"replicates": r, "old_seconds_per_replicate": tot["old"][0] / r,
                      "new_seconds_per_replicate": tot["new"][0] / r,
                      "time_ratio": tot["new"][0] / tot["old"][0], "steps_ratio": tot["new"][1] / tot["old"][1],
                      "old_over_limit": over["old"], "new_over_limit": over["new"]}
        out[model]["meets_target"] = out[model]["time_ratio"] <= TARGET_COST
    return out


def limit(args) -> dict:
    """Replicates over the divergence limit on overlapping components, and the cost of the new settings."""
    from emvb.study.replicate import run_task
    from emvb.study.runner import plan

    s = study_settings(args)
    ctx = multiprocessing.get_context("spawn")  # fresh workers: each compiles once and keeps its models
    with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        results = [r for batch in pool.map(run_task, itertools.repeat(s), plan(s)) for r in batch]
    return {"cells": dict(sorted(tally(results, s).items())), "cost": cost(args) if args.cost_replicates else {},
            "target_share": TARGET_SHARE, "target_cost": TARGET_COST,
            "old_settings": {k: list(v) if isinstance(v, tuple) else v for k, v in OLD.items()}}


def separated_at(n: int) -> dict:
    """Time both models at size ``n`` in this process (run in a fresh one by :func:`separated`)."""
    from emvb import em
    from emvb.models import DEFAULT_TRUTH, simulate
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    ds = simulate(DEFAULT_TRUTH, n, seed=3)
    start = em.fit(ds.values, seed=1).params
    out = {}
    for ordered in (True, False):
        model = build_model(ds, ordered=ordered)
        sample(model, chains=4, draws=50, tune=50, seed=1, init="em", start=start)  # compile outside the timing
        t = time.perf_counter()
        dt = sample(model, chains=4, draws=1000, tune=1000, seed=1, init="em", start=start)
        stats = dt["sample_stats"]
        out["ordered" if ordered else "unordered"] = {
            "seconds": time.perf_counter() - t, "leapfrog_steps": float(stats["n_steps"].mean()),
            "step_size": float(stats["step_size"].mean())}
    return out


def separated(args) -> dict:
    """Sampling cost on separated data, this code against a git revision, in alternating fresh processes."""
    res = {"against": args.against, "sizes": {}}
    with tempfile.TemporaryDirectory() as tmp:
        base = export(args.against, Path(tmp))
        for n in args.ns:
            row = {"this": in_fresh_process(__file__, "separated_at", n),
                   "baseline": in_fresh_process(__file__, "separated_at", n, code=base)}
            row["ratio"] = {m: row["this"][m]["seconds"] / row["baseline"][m]["seconds"]
                            for m in ("ordered", "unordered")}
            res["sizes"][str(n)] = row
    return res


def summaries(dt) -> dict:
    """Estimate and MCSE of the mean and the quantiles of each parameter of a posterior (ArviZ)."""
    import arviz as az

    from emvb.models.draws import draws_of

    out, d = {}, draws_of(dt)
    for name in ("pi1", "mu1", "mu2", "sigma"):
        a = getattr(d, name)
        out[f"{name} mean"] = (float(a.mean()), float(az.mcse(a)))
        for q in QUANTILES:
            out[f"{name} q{q:g}"] = (float(np.quantile(a, q)), float(az.mcse(a, method="quantile", prob=q)))
    return out


def reference(args) -> dict:
    """The default sampler's posterior against a long, cautious reference run on reports/overlap's data."""
    import xarray as xr

    from emvb.models.data import Dataset
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    x = xr.open_datatree(REPORT)["observed_data"]["x"].values
    ds = Dataset(x, name="reports/overlap")
    default = sample(build_model(ds, ordered=True), seed=2026)
    ref = sample(build_model(ds, ordered=True, parametrisation="plain"), chains=args.ref_chains,
                 draws=args.ref_draws, tune=2000, seed=7, target_accept=args.ref_target, retry=())
    a, b = summaries(default), summaries(ref)
    rows = {}
    for k in a:
        z = (a[k][0] - b[k][0]) / np.hypot(a[k][1], b[k][1])
        rows[k] = {"default": a[k][0], "default_mcse": a[k][1], "reference": b[k][0], "reference_mcse": b[k][1],
                   "z": float(z)}
    worst = max(abs(r["z"]) for r in rows.values())
    da, ra = default.attrs, ref.attrs
    return {"data_sha256": ds.sha256, "comparisons": rows, "largest_abs_z": worst, "z_limit": Z_LIMIT,
            "agree": worst < Z_LIMIT, "default": {k: da[k] for k in ("n_divergent", "target_accept", "retries",
                                                                      "sampling_time", "parametrisation")},
            "reference": {k: ra[k] for k in ("n_divergent", "target_accept", "chains", "draws", "sampling_time",
                                             "parametrisation")}}


if __name__ == "__main__":
    main(__doc__, {
        "limit": ("divergences", limit, {
            "ns": [50, 200, 1000], "replicates": (20, "per model and N"), "models": ["ordered", "unordered"],
            "sbc": (40, "SBC replicates (ordered model)"), "sbc_n": 50,
            "cost_replicates": (10, "per model, 0: skip the cost"), "workers": 2, "seed": 2026}),
        "separated": ("sampler_target_cost", separated, {"against": ..., "ns": [1000, 10000]}),
        "reference": ("reference_agreement", reference, {"ref_chains": 16, "ref_draws": 10_000, "ref_target": 0.99})})
