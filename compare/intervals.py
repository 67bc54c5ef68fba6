"""Interval estimates of one parameter set side by side: Wald (two forms), HDI and equal-tailed.

For each of ``pi1, mu1, mu2, sigma`` at level ``ci_prob`` (docs/methods.md: Louis' information gives
the standard errors; Bernstein-von Mises says why the intervals converge)::

    wald_plain   MLE +/- z SE                                  (may leave (0, 1) for pi1, (0, inf) for sigma)
    wald         EM's reported interval, EMResult.ci: pi1 on the logit scale, sigma on the log scale,
                 mapped back (delta method), so it stays in the parameter space
    hdi          ArviZ's highest-density interval of the posterior draws (shortest interval)
    eti          ArviZ's equal-tailed interval ((1 - ci_prob)/2 of the draws below and above)

with ``z = Phi^{-1}((1 + ci_prob)/2)``. Posterior intervals are ArviZ's (``arviz.hdi``, ``arviz.eti``),
never re-implemented here.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd
import xarray as xr

from ..models.draws import draws_of
from ..models.errors import SettingError
from ..models.params import PARAM_NAMES

#: The interval kinds, in the order tables and figures show them.
KINDS = ("wald_plain", "wald", "hdi", "eti")
KIND_LABELS = {
    "wald_plain": "Wald, MLE ± z SE",
    "wald": "Wald as EM reports it (logit pi1, log sigma)",
    "hdi": "posterior HDI",
    "eti": "posterior equal-tailed",
}


def draws_dataset(posterior) -> xr.Dataset:
    """The draws as one Dataset of ``pi1, mu1, mu2, sigma`` with dims ``(chain, draw)`` (component 1 = mu1)."""
    d = draws_of(posterior)
    return xr.Dataset({name: (("chain", "draw"), getattr(d, name)) for name in PARAM_NAMES})


def posterior_intervals(posterior, ci_prob: float) -> dict[str, dict[str, tuple[float, float]]]:
    """``{"hdi": {name: (lb, ub)}, "eti": {...}}`` from ArviZ at level ``ci_prob``."""
    import arviz as az

    ds = draws_dataset(posterior)
    out = {}
    for kind, func in (("hdi", az.hdi), ("eti", az.eti)):
        res = func(ds, prob=ci_prob)
        out[kind] = {name: tuple(float(v) for v in res[name].sel(ci_bound=["lower", "upper"]).values)
                     for name in PARAM_NAMES}
    return out


def intervals(em_result, posterior, ci_prob: float = 0.95) -> pd.DataFrame:
    """Wald (plain and as reported), HDI and equal-tailed intervals of every parameter.

    Parameters
    ----------
    em_result : the EM fit (``params``, ``se``, ``ci(level)``)
    posterior : DataTree with ``pi1``, ``mu`` (2 components), ``sigma``, labelled like the EM fit
        (the ordered model, or a relabelled unordered one)
    ci_prob : level of every interval

    Returns
    -------
    pandas.DataFrame
        One row per (parameter, kind) with columns ``parameter, kind, estimate, se, lb, ub, width``
        and ``inside``: whether the interval lies in the parameter space (``0 < pi1 < 1``,
        ``sigma > 0``; always True for the means).
    """
    if not 0.0 < ci_prob < 1.0:
        raise SettingError(f"ci_prob must be in (0, 1), got {ci_prob}")
    z = NormalDist().inv_cdf(0.5 * (1.0 + ci_prob))
    est, se = em_result.params.to_dict(), em_result.se.to_dict()
    found = {"wald_plain": {k: (est[k] - z * se[k], est[k] + z * se[k]) for k in PARAM_NAMES},
             "wald": em_result.ci(ci_prob)} | posterior_intervals(posterior, ci_prob)
    rows = []
    for name in PARAM_NAMES:
        for kind in KINDS:
            lb, ub = (float(v) for v in found[kind][name])
            rows.append({"parameter": name, "kind": kind, "estimate": est[name], "se": se[name], "lb": lb,
                         "ub": ub, "width": ub - lb, "inside": _inside(name, lb, ub)})
    df = pd.DataFrame(rows)
    df.attrs = {"ci_prob": float(ci_prob), "z": z}
    return df


def _inside(name: str, lb: float, ub: float) -> bool:
    if name == "pi1":
        return bool(0.0 < lb and ub < 1.0)
    if name == "sigma":
        return bool(lb > 0.0)
    return bool(np.isfinite(lb) and np.isfinite(ub))
