"""Wall time of independent prior starts (the default) against the former ``dispersed`` default.

Default scenario: N = 10^4 points from DEFAULT_TRUTH (seed DEFAULT_SEED), each model (unordered,
ordered) built once (so its nutpie compile is cached and not timed), 4 chains x (1000 tune + 1000
draws) on this machine's cores. Configurations, interleaved ``--repeats`` times:

- ``dispersed``: the former default; for the unordered model 2 start groups of 2 chains (EM estimate
  and its swap), which on 2 cores run one after the other, each on both cores;
- ``prior``: the new default, 4 one-chain groups (independent prior draws) run at the same time
  within the core budget (:mod:`sampling.nutpie_groups`);
- ``prior_sequential``: the same starts run one group after the other, as before this change
  (one chain at a time): what the new scheduler saves.

Printed: median wall seconds of ``sampling.sample.sample`` per configuration and model, and the
ratios to ``dispersed``. Results go to ``benchmarks/results/starts_speed.json`` (``--out``;
``--no-record`` writes nothing). Usage::

    .venv/bin/python benchmarks/starts_speed.py [--repeats 2] [--n 10000] [--draws 1000 --tune 1000]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from _record import add_record_options, record

from emvb import em
from emvb.models import DEFAULT_N, DEFAULT_SEED, DEFAULT_TRUTH
from emvb.models.simulate import simulate

BENCHMARK = "starts_speed"
CONFIGS = ("dispersed", "prior", "prior_sequential")


def parse_args(argv) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=DEFAULT_N)
    ap.add_argument("--draws", type=int, default=1000)
    ap.add_argument("--tune", type=int, default=1000)
    ap.add_argument("--repeats", type=int, default=2)
    add_record_options(ap, BENCHMARK)
    return ap.parse_args(argv)


def timed(model, config: str, start, args, seed: int) -> float:
    from emvb.sampling import nutpie_groups, sample

    real = nutpie_groups.sample_groups
    if config == "prior_sequential":  # one core budget: groups one after the other, as before
        sample.sample_groups = lambda *a, cores, **kw: real(*a, cores=1, **kw)
    try:
        t0 = time.perf_counter()
        sample.sample(model, chains=4, draws=args.draws, tune=args.tune, seed=seed,
                      init="prior" if config.startswith("prior") else "dispersed", start=start)
        return time.perf_counter() - t0
    finally:
        sample.sample_groups = real


def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from emvb.models.pymc_model import build_model

    ds = simulate(DEFAULT_TRUTH, args.n, DEFAULT_SEED)
    start = em.fit(ds).params
    models = {name: build_model(ds, ordered=name == "ordered") for name in ("unordered", "ordered")}
    for m in models.values():  # compile once, outside the timings
        timed(m, "dispersed", start, argparse.Namespace(draws=5, tune=5), 0)
    walls = {(name, c): [] for name in models for c in CONFIGS}
    for r in range(args.repeats):
        for name, m in models.items():
            for c in CONFIGS:
                walls[(name, c)].append(timed(m, c, start, args, DEFAULT_SEED + r))
                print(f"repeat {r}: {name:9} {c:16} {walls[(name, c)][-1]:6.1f} s", flush=True)
    rows = {}
    print(f"\n{'model':9} {'config':16} {'median s':>9} {'vs dispersed':>13}")
    for name in models:
        base = statistics.median(walls[(name, "dispersed")])
        for c in CONFIGS:
            med = statistics.median(walls[(name, c)])
            rows[f"{name}/{c}"] = {"walls": walls[(name, c)], "median": med, "ratio_to_dispersed": med / base}
            print(f"{name:9} {c:16} {med:9.1f} {med / base:13.2f}")
    record(BENCHMARK, args, {"rows": rows})
    return 0


if __name__ == "__main__":
    sys.exit(main())
