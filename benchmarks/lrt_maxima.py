"""The likelihood-ratio tests of ``emvb check``: do their fits reach their maxima, and how often do they reject?

Run: ``.venv/bin/python benchmarks/lrt_maxima.py maxima|power [options]`` (``--help`` lists them).

- ``maxima``: for ``K`` seeded data sets (default 14) of n = 500 points from each family of
  ``tests/scipy_mle.py`` (one normal, overlapping components, separated components: 42 in all), the
  shortfall of each fit that enters a statistic (one normal, the shared-sigma fit, the unequal-sd fit under
  the ratio constraint, the shared refit of a bootstrap replicate) below the best of the check's own value
  and an independent L-BFGS-B optimiser run from ~150 starts (``tests/scipy_mle.py``). The check passes
  when every shortfall is at most ``TOL`` = 1e-6 log-likelihood units. tests/test_lrt_maxima.py runs a
  subset of the same data sets. Written to ``benchmarks/results/lrt_maxima.json``.
- ``power``: for each truth, ``R`` data sets of ``n`` points (seeds 0..R-1), each fitted by ``em.fit``
  (10 starts) and tested by :func:`adequacy.mixture_checks` with ``B`` replicates; printed: the share of
  the shared-sigma test rejecting at ALPHA with its Monte-Carlo error ``sqrt(p (1 - p) / R)``, and the mean
  statistic. The same command run on the code before a change (same seeds: the data sets are identical)
  gives the paired comparison. Truths ``(pi1, mu1, mu2, sigma1, sigma2)``: ``split`` 0.5 N(0, 1) +
  0.5 N(3, 1.6^2) (two groups, unequal spread), ``scale`` 0.8 N(0, 1) + 0.2 N(0.5, 2.5^2) (a wide
  component under a narrow one, heavy tails), and ``shared`` 0.3 N(0, 1) + 0.7 N(1.5, 1) (the null: the
  rejection rate is the level). Written to ``benchmarks/results/lrt_power.json``.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

import numpy as np
from _record import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

TOL = 1e-6
FITS = ("one_normal", "shared", "unequal", "replicate_shared", "replicate_components")
TRUTHS = {"split": (0.5, 0.0, 3.0, 1.0, 1.6), "scale": (0.8, 0.0, 0.5, 1.0, 2.5), "shared": (0.3, 0.0, 1.5, 1.0, 1.0)}


def maxima(args) -> dict:
    """Shortfall of every fit of the tests below the maximum scipy finds from many starts."""
    from scipy_mle import FAMILIES, check_shortfalls

    t = time.perf_counter()
    rows = []
    for family in FAMILIES:
        for k in range(args.per_family):
            r = check_shortfalls(family, k)
            rows.append(r)
            print(f"{family:9} {k:2} " + " ".join(f"{f} {r[f]:9.2e}" for f in FITS)
                  + f"  T {r['statistic_check']:.4f} (at maxima {r['statistic_at_maxima']:.4f})", flush=True)
    worst = {f: max(r[f] for r in rows) for f in FITS}
    res = {"data_sets": len(rows), "tolerance": TOL, "worst_shortfall": worst,
           "all_within_tolerance": all(v <= TOL for v in worst.values()),
           "seconds": time.perf_counter() - t, "rows": rows}
    return res


def draw(truth, n: int, seed: int) -> np.ndarray:
    pi1, mu1, mu2, s1, s2 = truth
    rng = np.random.default_rng([seed, 20])
    z = rng.random(n) < pi1
    return np.where(z, rng.normal(mu1, s1, n), rng.normal(mu2, s2, n))


def power(args) -> dict:
    """Rejection rate of the shared-sigma test under unequal-sd truths and under a shared sigma."""
    from emvb import em
    from emvb.adequacy import mixture_checks

    res = {}
    for name in args.truths.split(","):
        t = time.perf_counter()
        rejects, stats = [], []
        for r in range(args.replicates):
            x = draw(TRUTHS[name], args.n, r)
            shared, _ = mixture_checks(x, em.fit(x, seed=r), n_boot=args.n_boot, seed=r)
            rejects.append(shared.test.rejects)
            stats.append(shared.test.statistic)
        p = float(np.mean(rejects))
        res[name] = {"truth": TRUTHS[name], "rejection_rate": p, "mc_error": math.sqrt(p * (1 - p) / len(rejects)),
                     "mean_statistic": float(np.mean(stats)), "rejected": [bool(v) for v in rejects],
                     "statistics": stats, "seconds": time.perf_counter() - t}
    return res


if __name__ == "__main__":
    main(__doc__, {"maxima": ("lrt_maxima", maxima, {"per_family": 14}),
                   "power": ("lrt_power", power, {"replicates": 100, "n_boot": 39, "n": 500,
                                                  "truths": ",".join(TRUTHS)})})
