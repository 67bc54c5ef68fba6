"""Cost of the adequacy checks that ``emvb run`` and ``emvb check`` add, measured in one process.

Run: ``.venv/bin/python benchmarks/adequacy_speed.py [--n-boot B] [--repeats R] [--out PATH | --no-record]``

On the mission's default data (n = 10,000, seed 2026), best of ``--repeats``:

1. ``adequacy.assess`` (the three bootstrap tests, B = 199) on one thread and on every available core;
   the ratio is the speed-up of the threads (the compiled EM passes release the GIL).
2. Its parts: the one-vs-two-components replicates (two-component EM on one-normal data, where EM
   creeps) and the mixture replicates (shared refit, unequal-variance fit, Anderson-Darling).
3. The posterior predictive check on 4,000 draws (400 used), against the multi-start ``em.fit`` the
   run makes anyway.

Times are wall seconds on this machine (shared: see the load average printed; the one-thread run's
CPU seconds are printed too, being less sensitive to other people's load); the ratios are what carry
over. Written to ``benchmarks/results/adequacy_speed.json`` (``--out``; ``--no-record`` writes nothing).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from _record import add_record_options, record

from emvb import em
from emvb.adequacy import assess, components_check, mixture_checks, posterior_predictive_check
from emvb.adequacy.bootstrap import available_cores
from emvb.models.simulate import simulate


def best_of(repeats: int, f) -> float:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n-boot", type=int, default=199)
    ap.add_argument("--repeats", type=int, default=3)
    add_record_options(ap, "adequacy_speed")
    args = ap.parse_args()
    x = simulate().values
    fit = em.fit(x, seed=2026)
    assess(x, fit, n_boot=19, seed=1)  # compile / load the numba caches outside the timings
    cores = available_cores()
    b, r = args.n_boot, args.repeats
    rng = np.random.default_rng(1)
    draws = fit.params.to_array() + rng.normal(size=(4000, 4)) * fit.se.to_array()
    res = {
        "n": x.size, "n_boot": b, "cores": cores, "load_average": os.getloadavg(),
        "em_fit_s": best_of(r, lambda: em.fit(x, seed=2026)),
        "assess_1_thread_s": best_of(r, lambda: assess(x, fit, n_boot=b, seed=2026, workers=1)),
        "assess_all_cores_s": best_of(r, lambda: assess(x, fit, n_boot=b, seed=2026)),
        "components_1_thread_s": best_of(r, lambda: components_check(x, fit, n_boot=b, seed=2026, workers=1)),
        "mixture_1_thread_s": best_of(r, lambda: mixture_checks(x, fit, n_boot=b, seed=2026, workers=1)),
        "ppc_s": best_of(r, lambda: posterior_predictive_check(x, draws, seed=2026)),
    }
    t = time.process_time()
    assess(x, fit, n_boot=b, seed=2026, workers=1)
    res["assess_1_thread_cpu_s"] = time.process_time() - t  # CPU seconds: less sensitive to a loaded machine
    res["thread_speedup"] = res["assess_1_thread_s"] / res["assess_all_cores_s"]
    res["components_share"] = res["components_1_thread_s"] / res["assess_1_thread_s"]
    for k, v in res.items():
        print(f"{k:24} {v if isinstance(v, int | tuple) else f'{v:.3f}'}")
    record("adequacy_speed", args, res)


if __name__ == "__main__":
    main()
