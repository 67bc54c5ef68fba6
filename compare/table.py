"""The comparison table: the EM estimate beside ArviZ's posterior summaries, per parameter and variant.

One row per (posterior variant, parameter). EM columns come from the EM fit (estimate, Louis
standard error, Wald interval at the same level as the HDI); posterior columns come from ArviZ
(``az.summary(ci_kind="hdi", ci_prob=...)`` for mean, sd, HDI, ess_bulk, ess_tail, r_hat,
mcse_mean; ``kind="stats_median"`` for the median), never re-implemented here. Derived columns
(../shared/METHODS.md §5, Bernstein-von Mises: for separated components and large N the first
tends to 0 and the second to 1):

    z_mean_mle = (posterior mean - MLE) / SE        sd_ratio = posterior sd / SE

plus whether the MLE lies in the HDI and whether the truth (when known) lies in the Wald interval
and in the HDI. Parameters are read by position: component 1 of ``mu`` is ``mu1``.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from models.errors import EmvbError
from models.fileio import atomic_write_text, check_writable
from models.params import PARAM_NAMES, MixtureParams

from .relabel_core import component_dim, posterior_dataset

COLUMNS = (
    "variant", "parameter", "truth", "em_estimate", "em_se", "em_ci_lb", "em_ci_ub",
    "mean", "median", "sd", "hdi_lb", "hdi_ub", "ci_prob", "ess_bulk", "ess_tail", "r_hat", "mcse_mean",
    "z_mean_mle", "sd_ratio", "mle_in_hdi", "truth_in_wald", "truth_in_hdi",
)
BOOL_COLUMNS = ("mle_in_hdi", "truth_in_wald", "truth_in_hdi")
STRING_COLUMNS = ("variant", "parameter")


def data_sha256_of(posterior) -> str | None:
    """The data fingerprint a posterior records (root and/or posterior attribute ``data_sha256``).

    If the root and the posterior group record different fingerprints, both are returned joined by
    ``" != "`` so that no comparison with a single sha256 can succeed.
    """
    found = []
    for node in (posterior, getattr(posterior, "children", {}).get("posterior")):
        if node is not None and "data_sha256" in node.attrs:
            found.append(str(node.attrs["data_sha256"]))
    if not found:
        return None
    return found[0] if len(set(found)) == 1 else " != ".join(found)


def check_fingerprints(em_result, posteriors: dict, *, require: bool = False) -> None:
    """Refuse posteriors fitted to other data than the EM fit (one-line :class:`EmvbError`).

    ``require``: also refuse a posterior that records no fingerprint at all.
    """
    expected = getattr(em_result, "sha256", None)
    for name, post in posteriors.items():
        got = data_sha256_of(post)
        if got is None:
            if require:
                raise EmvbError(f"posterior {name!r} records no data fingerprint (data_sha256); cannot "
                                "prove it saw the EM fit's data")
            continue
        if expected and got != expected:
            raise EmvbError(f"posterior {name!r} was fitted to data with sha256 {got[:12]}..., the EM fit to "
                            f"{expected[:12]}...: refusing to compare fits of different data")


def posterior_summary(posterior, ci_prob: float) -> pd.DataFrame:
    """ArviZ's summary of pi1, mu1, mu2, sigma: index PARAM_NAMES, ArviZ's own column names.

    Columns: mean, sd, hdi_lb, hdi_ub, ess_bulk, ess_tail, r_hat, mcse_mean, median.
    """
    import arviz as az

    ds = posterior_dataset(posterior)[["pi1", "mu", "sigma"]]
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
    return pd.DataFrame({k: {c: float(v) for c, v in r.items()} for k, r in rows.items()}).T


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
        raise EmvbError(f"ci_prob must be in (0, 1), got {ci_prob}")
    if not posteriors:
        raise EmvbError("no posterior to compare with the EM fit")
    check_fingerprints(em_result, posteriors)
    est = em_result.params.to_dict()
    wald = em_result.ci(ci_prob)
    truth_d = truth.to_dict() if truth is not None else {}
    records = []
    for variant, post in posteriors.items():
        s = posterior_summary(post, ci_prob)
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
            })
    df = pd.DataFrame.from_records(records, columns=list(COLUMNS))
    df.attrs = {"ci_prob": float(ci_prob), "em_sha256": getattr(em_result, "sha256", None)}
    return df


# -- writing ------------------------------------------------------------------------------------


def _md_cell(v) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, bool | np.bool_):
        return "yes" if v else "no"
    if isinstance(v, float | np.floating):
        return f"{v:.4g}"
    return str(v)


def _json_value(v):
    """Plain JSON value: floats exactly (``repr``), NaN as null, numpy scalars unwrapped."""
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and math.isnan(v):
        return None
    return v


def to_markdown(df: pd.DataFrame) -> str:
    """A GitHub-flavoured Markdown table (4 significant digits, yes/no for booleans)."""
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |",
             "|" + "|".join("---" if c in STRING_COLUMNS else "---:" for c in cols) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(_md_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_table(df: pd.DataFrame, folder, *, stem: str = "comparison",
                force: bool = False) -> dict[str, Path]:
    """Write ``df`` as ``<stem>.csv``, ``<stem>.json`` (records) and ``<stem>.md`` in ``folder``.

    All three are refused if any exists (unless ``force``), and each is written atomically. CSV and
    JSON keep full precision (``repr`` of every float); Markdown is for reading.
    """
    folder = Path(folder)
    paths = {ext: folder / f"{stem}.{ext}" for ext in ("csv", "json", "md")}
    for p in paths.values():
        check_writable(p, force)
    records = [{k: _json_value(v) for k, v in row.items()} for row in df.to_dict(orient="records")]
    atomic_write_text(paths["csv"], df.to_csv(index=False, float_format="%.17g"))
    atomic_write_text(paths["json"], json.dumps(records, indent=1) + "\n")
    atomic_write_text(paths["md"], to_markdown(df))
    return paths
