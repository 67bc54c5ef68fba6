"""Figures of a study (matplotlib, PNG): coverage vs N, Bernstein-von Mises vs N, bias vs N, and the
SBC rank ECDF differences with their simultaneous bands.

Each function takes an aggregated table (:mod:`study.aggregate`) or an :class:`~study.sbc.SBCSummary`
and returns a ``Figure``; error bars span ``MC_ERRORS`` Monte-Carlo errors (Wilson intervals for
coverages, so a bar that misses the 95% line is exactly a flagged coverage of the tables).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from ..models.params import PARAM_NAMES
from .aggregate import wilson
from .thresholds import MC_ERRORS, NOMINAL, SBC_BAND_PROB, SD_RATIO_BAND, Z_MAX

DPI = 100
SERIES_COLORS = {"em/wald": "C3", "ordered/hdi": "C0", "ordered/eti": "C2", "unordered/hdi": "C4",
                 "unordered/eti": "C1", "mle": "C3", "ordered_mean": "C0", "ordered_median": "C2",
                 "unordered_mean": "C4", "unordered_median": "C1", "ordered": "C0", "unordered": "C4"}


def _panels(title: str, rows: int = 1):
    fig, axes = plt.subplots(rows, 4, figsize=(13, 3.3 * rows), squeeze=False, sharex=True)
    fig.suptitle(title)
    return fig, axes


def _series(ax, df, key_col: str, y: str, err, offset_step: float = 0.04):
    """One line per value of ``key_col`` against N (log scale), dodged a little so bars do not overlap.

    ``err``: a column of standard errors (bars of MC_ERRORS of them), a function of the rows giving
    ``(lower, upper)``, or None.
    """
    keys = list(dict.fromkeys(df[key_col]))
    for k, key in enumerate(keys):
        s = df[df[key_col] == key].sort_values("n")
        x = s["n"].to_numpy(dtype=float) * 10 ** (offset_step * (k - (len(keys) - 1) / 2))
        if callable(err):
            lo, hi = err(s)
            yerr = np.vstack([s[y].to_numpy() - lo, hi - s[y].to_numpy()])
        else:
            yerr = MC_ERRORS * s[err].to_numpy() if err else None
        ax.errorbar(x, s[y], yerr=yerr, marker="o", ms=4, lw=1.2, capsize=2, label=key,
                    color=SERIES_COLORS.get(key))
    ax.set_xscale("log")


def _by_param(title: str, df, key_col: str, rows) -> plt.Figure:
    """One panel per parameter and row ``(y, err, ref, band, ylabel)`` of ``rows``: ``y`` against N per
    value of ``key_col`` (:func:`_series`), a reference line at ``ref`` and a grey ``band`` (or None)."""
    fig, axes = _panels(title, len(rows))
    for i, (y, err, ref, band, ylabel) in enumerate(rows):
        for ax, p in zip(axes[i], PARAM_NAMES, strict=True):
            _series(ax, df[df["param"] == p], key_col, y, err)
            ax.axhline(ref, color="k", lw=0.8, ls="--")
            if band is not None:
                ax.axhspan(*band, color="0.9", zorder=0)
        axes[i, 0].set_ylabel(ylabel)
    for ax, p in zip(axes[0], PARAM_NAMES, strict=True):
        ax.set_title(p)
    for ax in axes[-1]:
        ax.set_xlabel("N")
    axes[0, -1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def coverage_figure(cov) -> plt.Figure:
    """Coverage of each interval vs N, per parameter, with the nominal line and Wilson intervals at
    MC_ERRORS errors (a bar misses the line exactly where the tables flag the coverage)."""
    return _by_param(f"Coverage of {NOMINAL:.0%} intervals (bars: Wilson intervals at {MC_ERRORS:g} "
                     "Monte-Carlo errors)", cov.assign(series=cov["method"] + "/" + cov["interval"]), "series",
                     [("coverage", lambda s: wilson(s["coverage"].to_numpy(), s["replicates"].to_numpy()), NOMINAL,
                       None, "coverage")])


def bvm_figure(bvm) -> plt.Figure:
    """Top: mean posterior sd / mean SE vs N (1 and the agreement band); bottom: mean |z| vs N."""
    return _by_param("Bernstein-von Mises: posterior sd / Louis SE (top) and mean |posterior mean - MLE| / SE "
                     f"(bottom; bars {MC_ERRORS:g} MC SE)", bvm, "model",
                     [("sd_over_se", None, 1.0, SD_RATIO_BAND, "sd / SE"),
                      ("mean_abs_z", "abs_z_mc_se", 0.0, (0.0, Z_MAX), "mean |z|")])


def bias_figure(acc) -> plt.Figure:
    """Bias of the MLE, posterior means and medians vs N, per parameter (bars MC_ERRORS MC SE)."""
    return _by_param(f"Bias vs N (estimate - truth; bars {MC_ERRORS:g} Monte-Carlo SE)", acc, "estimator",
                     [("bias", "bias_mc_se", 0.0, None, "bias")])


def sbc_figure(sbc) -> plt.Figure:
    """Rank ECDF minus the uniform CDF, with the simultaneous band, per parameter."""
    fig, axes = _panels(f"SBC of the ordered model at N={sbc.n}: rank ECDF - uniform CDF, "
                        f"{SBC_BAND_PROB:.0%} simultaneous band ({sbc.replicates} replicates)")
    for ax, t in zip(axes[0], sbc.tests, strict=False):
        ax.fill_between(t.x, t.lower - t.x, t.upper - t.x, step="post", color="0.85", label="band")
        ax.step(t.x, t.ecdf - t.x, where="post", color="C0" if t.uniform else "C3", lw=1.2, label="ranks")
        ax.axhline(0.0, color="k", lw=0.6)
        ax.set_title(f"{t.param}: {'uniform' if t.uniform else 'NOT uniform'}")
        ax.set_xlabel("fractional rank")
    axes[0, 0].set_ylabel("ECDF difference")
    axes[0, 0].legend(fontsize=8)
    fig.tight_layout()
    return fig


def save(fig: plt.Figure, path) -> None:
    """Write ``fig`` as PNG and close it."""
    fig.savefig(path, dpi=DPI, format="png")
    plt.close(fig)

