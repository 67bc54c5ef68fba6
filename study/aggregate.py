"""From replicate rows to the study's tables: coverage, bias and RMSE, Bernstein-von Mises, EM optima,
label switching, failures (docs/methods.md, "Repeated-sampling studies").

Every rate ``p`` over ``R`` replicates comes with its Monte-Carlo standard error
``sqrt(p (1 - p) / R)``; every mean of ``R`` numbers with ``sd / sqrt(R)``. Only rows whose method
succeeded (``ok``) count; failures are counted separately.

- coverage of the 95% Wald interval (EM), HDI and equal-tailed interval (posterior models), flagged
  where 0.95 lies outside ``MC_ERRORS`` Monte-Carlo errors (:func:`off_nominal`);
- bias and RMSE of the MLE, the posterior mean and the posterior median, against the truth;
- Bernstein-von Mises: ``mean posterior sd / mean Louis SE`` and ``mean |z|`` with
  ``z = (posterior mean - MLE) / SE``, both on the replicates where EM and the model succeeded
  (the theorem predicts 1 and 0 as N grows, for a regular, identified model);
- EM optima: shares of replicates whose first (2-means) start missed the best optimum found and with
  other strict local maxima; the mean number of starts stopped on the one-normal ridge;
- label switching: verdict counts of the unordered model's draws as sampled.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..labels.diagnose import VERDICTS
from ..models.params import PARAM_NAMES
from .thresholds import MC_ERRORS, NOMINAL

#: (method, interval) pairs scored, with the columns holding the interval.
INTERVALS = {("em", "wald"): ("wald_lower", "wald_upper"), ("ordered", "hdi"): ("hdi_lower", "hdi_upper"),
             ("ordered", "eti"): ("eti_lower", "eti_upper"), ("unordered", "hdi"): ("hdi_lower", "hdi_upper"),
             ("unordered", "eti"): ("eti_lower", "eti_upper")}


def mc_se(p, r):
    """Monte-Carlo standard error of a rate: ``sqrt(p (1 - p) / R)``."""
    return np.sqrt(np.asarray(p, dtype=float) * (1.0 - np.asarray(p, dtype=float)) / np.asarray(r, dtype=float))


def off_nominal(p, r, nominal: float = NOMINAL, errors: float = MC_ERRORS):
    """Whether ``nominal`` lies more than ``errors`` Monte-Carlo errors from the observed rate ``p``.

    The error is taken at ``nominal``, ``|p - nominal| > errors sqrt(nominal (1 - nominal) / R)``: the
    score test, equivalently ``nominal`` outside the Wilson interval of ``p`` (:func:`wilson`). Taken
    at ``p`` instead, the error is 0 when every replicate covers, and ``p = 1`` from 20 replicates
    (probability 0.36 at true coverage 0.95) would be flagged.
    """
    return np.abs(np.asarray(p, dtype=float) - nominal) > errors * mc_se(nominal, r)


def wilson(p, r, errors: float = MC_ERRORS):
    """Wilson score interval ``(lower, upper)`` of a rate ``p`` over ``R`` trials at ``errors`` standard errors."""
    p, r = np.asarray(p, dtype=float), np.asarray(r, dtype=float)
    z2 = errors ** 2
    centre = (p + z2 / (2 * r)) / (1 + z2 / r)
    half = errors / (1 + z2 / r) * np.sqrt(p * (1 - p) / r + z2 / (4 * r * r))
    # The interval contains p exactly; at p = 0 or 1 rounding can leave it a few ulps short.
    return np.minimum(centre - half, p), np.maximum(centre + half, p)


def main_ok(results: pd.DataFrame, method: str) -> pd.DataFrame:
    """Rows of ``method`` in the main part, where it succeeded."""
    ok = results["ok"].fillna(False).astype(bool)
    return results[(results["part"] == "main") & (results["method"] == method) & ok]


def _keys(rows: pd.DataFrame) -> list[pd.Series]:
    """What every table is grouped by: the cell (scenario, n, param) of a row."""
    return [rows["scenario"], rows["n"], rows["param"]]


def _table(parts: list[pd.DataFrame], cols: list[str]) -> pd.DataFrame:
    """The per-source tables in one, in ``cols`` order and sorted; empty (with ``cols``) when there are none."""
    if not parts:
        return pd.DataFrame(columns=cols)
    df = pd.concat(parts, ignore_index=True)[cols]
    order = {p: i for i, p in enumerate(PARAM_NAMES)}
    keys = [c for c in ("scenario", "n", "method", "interval", "estimator", "model") if c in df]
    return (df.assign(_p=df["param"].map(order)).sort_values(keys + ["_p"], kind="stable")
            .drop(columns="_p").reset_index(drop=True))


def coverage(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (scenario, n, method, interval, param): coverage, mc_se, replicates, flag."""
    out = []
    for (method, interval), (lo, hi) in INTERVALS.items():
        rows = main_ok(results, method)
        if rows.empty:
            continue
        g = ((rows[lo] <= rows["truth"]) & (rows["truth"] <= rows[hi])).groupby(_keys(rows), sort=False)
        df = pd.DataFrame({"coverage": g.mean(), "replicates": g.size()}).reset_index()
        df.insert(2, "method", method)
        df.insert(3, "interval", interval)
        df["mc_se"] = mc_se(df["coverage"], df["replicates"])
        df["flag"] = off_nominal(df["coverage"], df["replicates"])
        out.append(df)
    return _table(out, ["scenario", "n", "method", "interval", "param", "coverage", "mc_se", "replicates", "flag"])


def accuracy(results: pd.DataFrame) -> pd.DataFrame:
    """Bias (with its MC SE) and RMSE of the MLE, posterior means and medians, per (scenario, n, param)."""
    out = []
    sources = [("mle", "em", "estimate")] + [(f"{m}_{stat}", m, col) for m in ("ordered", "unordered")
                                             for stat, col in (("mean", "estimate"), ("median", "median"))]
    for estimator, method, col in sources:
        rows = main_ok(results, method)
        if rows.empty:
            continue
        err = rows[col] - rows["truth"]
        g = err.groupby(_keys(rows), sort=False)
        df = pd.DataFrame({"bias": g.mean(), "bias_mc_se": g.std(ddof=1) / np.sqrt(g.size()),
                           "rmse": (err ** 2).groupby(_keys(rows), sort=False).mean() ** 0.5,
                           "replicates": g.size()}).reset_index()
        df.insert(2, "estimator", estimator)
        out.append(df)
    return _table(out, ["scenario", "n", "estimator", "param", "bias", "bias_mc_se", "rmse", "replicates"])


def bvm(results: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, n, model, param): mean sd / mean SE, mean |z| (and its MC SE), replicates."""
    em = main_ok(results, "em")[["n", "replicate", "param", "estimate", "se"]]
    out = []
    for model in ("ordered", "unordered"):
        post = main_ok(results, model)[["scenario", "n", "replicate", "param", "estimate", "sd"]]
        if post.empty:
            continue
        j = post.merge(em, on=["n", "replicate", "param"], suffixes=("", "_em"))
        j["abs_z"] = (j["estimate"] - j["estimate_em"]).abs() / j["se"]
        g = j.groupby(["scenario", "n", "param"], sort=False)
        df = pd.DataFrame({"sd_over_se": g["sd"].mean() / g["se"].mean(), "mean_abs_z": g["abs_z"].mean(),
                           "abs_z_mc_se": g["abs_z"].std(ddof=1) / np.sqrt(g.size()),
                           "replicates": g.size()}).reset_index()
        df.insert(2, "model", model)
        out.append(df)
    return _table(out, ["scenario", "n", "model", "param", "sd_over_se", "mean_abs_z", "abs_z_mc_se", "replicates"])


def em_optima(results: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, n): shares (with MC SE) of replicates where the first start missed the best
    optimum and where some start ended at another strict local maximum; the mean number of starts
    that stopped on the one-normal ridge (with MC SE); EM failures."""
    em = results[(results["part"] == "main") & (results["method"] == "em") & (results["param"] == "pi1")]
    g = em.groupby(["scenario", "n"], sort=True)
    df = pd.DataFrame({
        "replicates": g.size(),
        "first_start_missed": g["em_first_start_global"].apply(lambda s: float((~s.astype(bool)).mean())),
        "local_optima": g["em_local_optima"].apply(lambda s: float((s > 0).mean())),
        "ridge_stops": g["em_ridge_stops"].mean(),
        "em_failed": g["ok"].apply(lambda s: int((~s.fillna(False).astype(bool)).sum())),
    }).reset_index()
    for c in ("first_start_missed", "local_optima"):
        df[f"{c}_mc_se"] = mc_se(df[c], df["replicates"])
    df["ridge_stops_mc_se"] = g["em_ridge_stops"].std(ddof=1).to_numpy() / np.sqrt(df["replicates"])
    return df


def label_switching(results: pd.DataFrame) -> pd.DataFrame:
    """Per (scenario, n): counts of each label-switching verdict of the unordered model."""
    rows = results[(results["part"] == "main") & (results["method"] == "unordered") & (results["param"] == "pi1")
                   & results["label_verdict"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=["scenario", "n", "replicates", *VERDICTS, "switching", "switching_mc_se"])
    counts = pd.crosstab([rows["scenario"], rows["n"]], rows["label_verdict"]).reindex(columns=list(VERDICTS),
                                                                                         fill_value=0)
    df = counts.reset_index()
    df.columns.name = None
    df.insert(2, "replicates", counts.sum(axis=1).to_numpy())
    df["switching"] = (df["between_chains"] + df["within_chain"]) / df["replicates"]
    df["switching_mc_se"] = mc_se(df["switching"], df["replicates"])
    return df


def failures(replicates: pd.DataFrame, scenario: str) -> pd.DataFrame:
    """Per part and n: replicates recorded and how many failed (any method)."""
    g = replicates.groupby(["part", "n"], sort=True)["status"]
    df = pd.DataFrame({"failed": g.apply(lambda s: int((s == "failed").sum())), "replicates": g.size()})
    df = df.reset_index()
    df.insert(0, "scenario", scenario)
    return df
