"""Divergent transitions on overlapping components, and what holding the sampler to the limit costs.

Measured on the study's own code path (:func:`emvb.study.replicate.run_task`: simulate, EM, sample,
summarise, exactly as ``emvb study`` does) for the ``overlap`` scenario (``|mu2 - mu1| / sigma = 1.5``)
under its fixed prior, with the sampler's defaults (:mod:`emvb.sampling.options`: the centre-gap
parametrisation of ``mu``, target acceptance 0.9, a retry at 0.95 then 0.99 while more than 1% of the
kept draws diverge; docs/methods.md §7.4):

1. **Replicates over the limit** (target at most :data:`TARGET_SHARE` per model and N): the share of
   replicates whose final posterior has more than ``MAX_DIVERGENT_SHARE`` of its 4 x 1000 draws
   divergent, per model at N = ``--ns`` (``--replicates`` each), and of ``--sbc`` SBC replicates at
   N = ``--sbc-n`` (truths drawn from the prior), with the share that needed a retry, and a 95%
   Clopper-Pearson upper bound on the share over the limit.
2. **Cost** (target at most :data:`TARGET_COST` times): on the same ``--cost-replicates`` data sets at
   N = 200 per model, old settings (plain ``mu``, target 0.8, no retry: the sampler before this change)
   and new ones, alternated in this process: the ratio of sampling seconds per replicate, and of
   leapfrog steps per replicate (which the machine's load does not change).

The figures are printed and written to ``benchmarks/results/divergences.json``. Usage::

    .venv/bin/python benchmarks/divergences.py [--replicates 20] [--sbc 40] [--cost-replicates 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from _record import add_record_options, record
from scipy import stats

from emvb.study.replicate import Task, run_task
from emvb.study.settings import SCENARIOS, StudySettings, fixed_prior

BENCHMARK = "divergences"
#: Replicates over the divergence limit, per model and N (issue: at most 2%).
TARGET_SHARE = 0.02
#: Time per replicate of the new settings over the old (issue: at most 1.5).
TARGET_COST = 1.5
COST_N = 200
#: The sampler before this change: plain ``mu`` (PyMC's ordered transform), nutpie's default target, no retry.
OLD = {"parametrisation": "plain", "target_accept": 0.8, "retry": ()}


def settings_for(args) -> StudySettings:
    truth = SCENARIOS["overlap"].truth
    ns = tuple(args.ns)
    return StudySettings(scenario="overlap", truth=truth, ns=ns, replicates=(args.replicates,) * len(ns),
                         em_replicates=(args.replicates,) * len(ns), models=tuple(args.models),
                         priors=fixed_prior(truth), seed=args.seed, sbc=args.sbc, sbc_n=args.sbc_n)


def tasks_for(s: StudySettings, chunk: int) -> list[Task]:
    out = []
    for n, r in zip(s.ns, s.replicates, strict=True):
        out += [Task("main", n, tuple(range(i, min(i + chunk, r)))) for i in range(0, r, chunk)]
    out += [Task("sbc", s.sbc_n, tuple(range(i, min(i + chunk, s.sbc)))) for i in range(0, s.sbc, chunk)]
    return out


def upper_bound(k: int, n: int, level: float = 0.95) -> float:
    """One-sided Clopper-Pearson upper bound of a share with ``k`` of ``n``."""
    return 1.0 if k >= n else float(stats.beta.ppf(level, k + 1, n - k))


def tally(results, s: StudySettings) -> dict:
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
        print(f"cost {model:9s} N={COST_N}: old {out[model]['old_seconds_per_replicate']:.2f} s/replicate "
              f"({over['old']}/{r} over the limit), new {out[model]['new_seconds_per_replicate']:.2f} s "
              f"({over['new']}/{r}): time x{out[model]['time_ratio']:.2f}, leapfrog steps "
              f"x{out[model]['steps_ratio']:.2f} (target <= {TARGET_COST})", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ns", type=int, nargs="+", default=[50, 200, 1000])
    ap.add_argument("--replicates", type=int, default=20, help="per model and N")
    ap.add_argument("--models", nargs="+", default=["ordered", "unordered"])
    ap.add_argument("--sbc", type=int, default=40, help="SBC replicates (ordered model)")
    ap.add_argument("--sbc-n", type=int, default=50)
    ap.add_argument("--cost-replicates", type=int, default=10, help="per model, 0: skip the cost")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--seed", type=int, default=2026)
    add_record_options(ap, BENCHMARK)
    args = ap.parse_args()
    s = settings_for(args)
    t0 = time.perf_counter()
    ctx = multiprocessing.get_context("spawn")  # fresh workers: each compiles once and keeps its models
    with ProcessPoolExecutor(args.workers, mp_context=ctx) as pool:
        results = [r for batch in pool.map(run_task, itertools.repeat(s), tasks_for(s, 5)) for r in batch]
    cells = tally(results, s)
    for name, c in sorted(cells.items()):
        print(f"{name:24s}: {c['over_limit']:3d}/{c['replicates']} over the divergence limit "
              f"({c['share_over_limit']:.1%}, 95% upper bound {c['upper_95']:.1%}; target <= {TARGET_SHARE:.0%}), "
              f"{c['retried']} retried, final targets {c['targets']}, {c['seconds_per_replicate']:.2f} s/replicate",
              flush=True)
    print(f"({time.perf_counter() - t0:.0f} s)")
    costs = cost(args) if args.cost_replicates else {}
    record(BENCHMARK, args, {"cells": cells, "cost": costs, "target_share": TARGET_SHARE, "target_cost": TARGET_COST,
                             "old_settings": {k: list(v) if isinstance(v, tuple) else v for k, v in OLD.items()}})


if __name__ == "__main__":
    main()
