"""The comparison table: the EM estimate beside ArviZ's posterior summaries, per parameter and variant.

One row per (posterior variant, parameter). EM columns come from the EM fit (estimate, Louis
standard error, Wald interval at the same level as the HDI); posterior columns come from ArviZ
(``az.summary(ci_kind="hdi", ci_prob=...)`` for mean, sd, HDI, ess_bulk, ess_tail, r_hat,
mcse_mean; ``kind="stats_median"`` for the median), never re-implemented here. Derived columns
(docs/methods.md §5, Bernstein-von Mises: for separated components and large N the first
tends to 0 and the second to 1):

    z_mean_mle = (posterior mean - MLE) / SE        sd_ratio = posterior sd / SE

plus whether the MLE lies in the HDI and whether the truth (when known) lies in the Wald interval
and in the HDI, and the flags ``rhat_ok`` (R-hat at most :data:`~compare.thresholds.RHAT_MAX`) and
``ess_ok`` (bulk ESS at least :func:`~compare.thresholds.ess_min` of the chains), decided by the predicates of
:mod:`compare.thresholds` that the report's prose uses too. Parameters are read by position:
component 1 of ``mu`` is ``mu1``.
"""

from __future__ import annotations

import math

import pandas as pd

from ..models.data import recorded_sha256, require_same_data
from ..models.draws import component_dim, posterior_dataset
from ..models.errors import SettingError
from ..models.params import PARAM_NAMES, MixtureParams
from ..models.scaling import Scaling
from .thresholds import ess_ok, rhat_ok

COLUMNS = (
    "variant", "parameter", "truth", "em_estimate", "em_se", "em_ci_lb", "em_ci_ub",
    "mean", "median", "sd", "hdi_lb", "hdi_ub", "ci_prob", "ess_bulk", "ess_tail", "r_hat", "mcse_mean",
    "z_mean_mle", "sd_ratio", "mle_in_hdi", "truth_in_wald", "truth_in_hdi", "rhat_ok", "ess_ok",
)
#: The posterior variants' names in the table: raw unordered, ``relabel_<method>``, ordered.
RAW = "unordered_raw"
ORDERED = "ordered"
RELABEL_PREFIX = "relabel_"
BOOL_COLUMNS = ("mle_in_hdi", "truth_in_wald", "truth_in_hdi", "rhat_ok", "ess_ok")
STRING_COLUMNS = ("variant", "parameter")


def check_fingerprints(em_result, posteriors: dict, *, require: bool = False) -> None:
    """Refuse posteriors fitted to other data than the EM fit (one-line :class:`~models.errors.DataError`).

    ``require``: also refuse a posterior that records no fingerprint at all.
    """
    for name, post in posteriors.items():
        require_same_data(recorded_sha256(em_result), recorded_sha256(post), f"posterior {name!r}", require=require)


#: Summary columns in the data's units that move with the location (mu) and scale (mu, sigma).
_LOCATED = ("mean", "median", "hdi_lb", "hdi_ub")
_SCALED = ("sd", "mcse_mean")


def posterior_summary(posterior, ci_prob: float, scaling: Scaling | None = None) -> pd.DataFrame:
    """ArviZ's summary of pi1, mu1, mu2, sigma: index PARAM_NAMES, ArviZ's own column names.

    Columns: mean, sd, hdi_lb, hdi_ub, ess_bulk, ess_tail, r_hat, mcse_mean, median. With a
    ``scaling`` (:mod:`models.scaling`), ArviZ summarises the standardised draws ``(mu - c)/k``,
    ``sigma/k`` and the summaries are mapped back (mean, median, HDI affinely; sd, MCSE by ``k``;
    R-hat and ESS, rank-based, are unchanged): the same numbers, without ArviZ's squares and fourth
    powers of draws overflowing for data near 1e100 and beyond.
    """
    import arviz as az

    ds = posterior_dataset(posterior)[["pi1", "mu", "sigma"]]
    if scaling is not None:
        ds = ds.assign(mu=(ds["mu"] - scaling.center) / scaling.scale, sigma=ds["sigma"] / scaling.scale)
    comp = component_dim(ds)
    kw = {"ci_prob": ci_prob, "round_to": "none", "fmt": "xarray"}
    allk = az.summary(ds, kind="all", ci_kind="hdi", **kw)
    med = az.summary(ds, kind="stats_median", **kw)
    labels = [str(s) for s in allk["summary"].values]
    lb = next(s for s in labels if s.startswith("hdi") and s.endswith("_lb"))
    ub = next(s for s in labels if s.startswith("hdi") and s.endswith("_ub"))
    rows = {}
    for name in PARAM_NAMES:
        var, sel = ("mu", {comp: int(name[-1]) - 1}) if name.startswith("mu") else (name, {})
        a = allk[var].isel(sel)
        rows[name] = {
            "mean": a.sel(summary="mean"), "median": med[var].isel(sel).sel(summary="median"),
            "sd": a.sel(summary="sd"), "hdi_lb": a.sel(summary=lb), "hdi_ub": a.sel(summary=ub),
            "ess_bulk": a.sel(summary="ess_bulk"), "ess_tail": a.sel(summary="ess_tail"),
            "r_hat": a.sel(summary="r_hat"), "mcse_mean": a.sel(summary="mcse_mean"),
        }
    out = pd.DataFrame({k: {c: float(v) for c, v in r.items()} for k, r in rows.items()}).T
    if scaling is not None:
        for name in ("mu1", "mu2", "sigma"):
            shift = scaling.center if name != "sigma" else 0.0
            out.loc[name, list(_LOCATED)] = shift + scaling.scale * out.loc[name, list(_LOCATED)]
            out.loc[name, list(_SCALED)] = scaling.scale * out.loc[name, list(_SCALED)]
    return out


def compare_fits(em_result, posteriors: dict, truth: MixtureParams | None = None,
                 ci_prob: float = 0.95) -> pd.DataFrame:
    """One table of the EM fit beside every posterior variant.

    Parameters
    ----------
    em_result : the EM fit (``params``, ``se``, ``ci(level)``, ``sha256``)
    posteriors : {variant name: DataTree}, e.g. ``{"unordered-raw": ..., "order": ..., "ordered": ...}``
    truth : the parameters the data were simulated from, if known
    ci_prob : level of both the HDI and the EM Wald interval

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COLUMNS`, one row per (variant, parameter), in the order given.
    """
    if not 0.0 < ci_prob < 1.0:
        raise SettingError(f"ci_prob must be in (0, 1), got {ci_prob}")
    if not posteriors:
        raise SettingError("no posterior to compare with the EM fit")
    check_fingerprints(em_result, posteriors)
    est = em_result.params.to_dict()
    wald = em_result.ci(ci_prob)
    truth_d = truth.to_dict() if truth is not None else {}
    records = []
    for variant, post in posteriors.items():
        s = posterior_summary(post, ci_prob, em_result.scaling)
        chains = int(posterior_dataset(post).sizes["chain"])  # a tree or its posterior group
        for name in PARAM_NAMES:
            se = float(getattr(em_result.se, name))
            lo, hi = (float(v) for v in wald[name])
            r = s.loc[name]
            t = truth_d.get(name, math.nan)
            records.append({
                "variant": variant, "parameter": name, "truth": t,
                "em_estimate": est[name], "em_se": se, "em_ci_lb": lo, "em_ci_ub": hi,
                **{c: float(r[c]) for c in ("mean", "median", "sd", "hdi_lb", "hdi_ub")},
                "ci_prob": float(ci_prob),
                **{c: float(r[c]) for c in ("ess_bulk", "ess_tail", "r_hat", "mcse_mean")},
                "z_mean_mle": (float(r["mean"]) - est[name]) / se,
                "sd_ratio": float(r["sd"]) / se,
                "mle_in_hdi": bool(r["hdi_lb"] <= est[name] <= r["hdi_ub"]),
                "truth_in_wald": (bool(lo <= t <= hi) if truth is not None else None),
                "truth_in_hdi": (bool(r["hdi_lb"] <= t <= r["hdi_ub"]) if truth is not None else None),
                "rhat_ok": rhat_ok(float(r["r_hat"])), "ess_ok": ess_ok(float(r["ess_bulk"]), chains),
            })
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    df.attrs = {"ci_prob": float(ci_prob), "em_sha256": em_result.sha256}
    return df
