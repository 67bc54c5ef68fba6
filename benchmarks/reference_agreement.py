"""Does the default sampler give the posterior? Agreement with a long, cautious reference run.

On the data of ``reports/overlap`` (``emvb run --n 200 --truth 0.3,0,1.5,1 --seed 2026``: overlapping
components, where the former settings diverged), the ordered model under the report's data-based
priors is sampled

- with the defaults of ``emvb run`` (:func:`emvb.sampling.sample.sample`: 4 chains x 1000 draws after
  1000 warm-up steps, prior starts, seed 2026, the centre-gap coordinates, target acceptance 0.9 and
  the retry; docs/methods.md §7.4), and
- as a reference: ``--ref-chains`` (default 16) chains x ``--ref-draws`` (default 10,000) draws after
  2000 warm-up steps at target acceptance 0.99, in the **plain** coordinates (PyMC's ordered
  transform), another seed: a different sampler geometry of the same posterior.

For the mean and the 5% and 95% quantiles of ``pi1``, ``mu1``, ``mu2``, ``sigma`` it prints
``z = (default - reference) / sqrt(mcse_default^2 + mcse_reference^2)`` (ArviZ's MCSE of each);
agreement is every ``|z|`` below :data:`Z_LIMIT` (12 comparisons: a false alarm under agreement has
probability below 1%). Written to ``benchmarks/results/reference_agreement.json``. Usage::

    .venv/bin/python benchmarks/reference_agreement.py [--ref-chains 16] [--ref-draws 10000]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from _record import add_record_options, record

BENCHMARK = "reference_agreement"
REPORT = Path(__file__).resolve().parent.parent / "reports" / "overlap" / "results.nc"
#: |z| limit per comparison: two-sided 5e-4, so 12 comparisons raise a false alarm with probability < 1%.
Z_LIMIT = 3.5
QUANTILES = (0.05, 0.95)


def draws(dt) -> dict[str, np.ndarray]:
    """(chain, draw) arrays of the four parameters."""
    post = dt["posterior"].to_dataset()
    mu = post["mu"].transpose("chain", "draw", ...).values
    return {"pi1": post["pi1"].transpose("chain", "draw").values, "mu1": mu[..., 0], "mu2": mu[..., 1],
            "sigma": post["sigma"].transpose("chain", "draw").values}


def summaries(d: dict[str, np.ndarray]) -> dict:
    """Estimate and MCSE of the mean and the quantiles of each parameter (ArviZ)."""
    import arviz as az

    out = {}
    for name, a in d.items():
        out[f"{name} mean"] = (float(a.mean()), float(az.mcse(a)))
        for q in QUANTILES:
            out[f"{name} q{q:g}"] = (float(np.quantile(a, q)), float(az.mcse(a, method="quantile", prob=q)))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ref-chains", type=int, default=16)
    ap.add_argument("--ref-draws", type=int, default=10_000)
    ap.add_argument("--ref-target", type=float, default=0.99)
    add_record_options(ap, BENCHMARK)
    args = ap.parse_args()

    import xarray as xr

    from emvb.models.data import Dataset
    from emvb.models.pymc_model import build_model
    from emvb.sampling.sample import sample

    x = xr.open_datatree(REPORT)["observed_data"]["x"].values
    ds = Dataset(x, name="reports/overlap")
    default = sample(build_model(ds, ordered=True), seed=2026)
    ref = sample(build_model(ds, ordered=True, parametrisation="plain"), chains=args.ref_chains,
                 draws=args.ref_draws, tune=2000, seed=7, target_accept=args.ref_target, retry=())
    a, b = summaries(draws(default)), summaries(draws(ref))
    rows = {}
    for k in a:
        z = (a[k][0] - b[k][0]) / np.hypot(a[k][1], b[k][1])
        rows[k] = {"default": a[k][0], "default_mcse": a[k][1], "reference": b[k][0], "reference_mcse": b[k][1],
                   "z": float(z)}
        print(f"{k:12s} default {a[k][0]:8.4f} ± {a[k][1]:.4f}   reference {b[k][0]:8.4f} ± {b[k][1]:.4f}   z {z:+.2f}")
    worst = max(abs(r["z"]) for r in rows.values())
    agree = worst < Z_LIMIT
    da, ra = default.attrs, ref.attrs
    print(f"\ndefault: {da['n_divergent']} divergent of {da['chains'] * da['draws']} (target {da['target_accept']}, "
          f"{da['retries']} retries, {da['sampling_time']:.1f} s); reference: {ra['n_divergent']} divergent of "
          f"{ra['chains'] * ra['draws']} ({ra['sampling_time']:.1f} s)")
    print(f"largest |z| {worst:.2f}: {'agree' if agree else 'DISAGREE'} (limit {Z_LIMIT})")
    record(BENCHMARK, args, {"data_sha256": ds.sha256, "comparisons": rows, "largest_abs_z": worst, "z_limit": Z_LIMIT,
                             "agree": agree,
                             "default": {k: da[k] for k in ("n_divergent", "target_accept", "retries", "sampling_time",
                                                            "parametrisation")},
                             "reference": {k: ra[k] for k in ("n_divergent", "target_accept", "chains", "draws",
                                                              "sampling_time", "parametrisation")}})


if __name__ == "__main__":
    main()
