"""Bernstein-von Mises made visible: the posterior beside EM's normal approximation as n grows.

One truth, one seed, **nested** data sets: the first n points of one simulated sample for every n of
the grid, so each data set contains the smaller ones and only n changes. At each n: EM (the MLE and its
Louis SE) and the ordered model's posterior. The Bernstein-von Mises theorem (docs/methods.md §5) says
that for a regular model, with the truth inside the parameter space and the components separated, the
posterior approaches ``N(MLE, I^-1)``: in standardised units ``z = (theta - MLE) / SE`` it tends to
``N(0, 1)``. Three numbers per n and parameter measure how close it is::

    z_mean_mle = (posterior mean - MLE) / SE                  -> 0
    sd_ratio   = posterior sd / SE                            -> 1
    ks         = sup_t |F_post(t) - Phi((t - MLE) / SE)|      -> 0

``ks`` is the Kolmogorov distance between the draws' empirical distribution function and the normal
approximation. Draws from the normal itself would not give 0: for m independent draws the 95% quantile
of the distance is about ``KS_95 / sqrt(m)`` (Kolmogorov's limit law). ``ks_noise`` puts the bulk ESS
in for m (an approximation: the draws are autocorrelated), so ``ks <= ks_noise`` reads "no difference
from the normal approximation visible at this Monte Carlo precision".
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import ndtr

from ..em import EMResult
from ..models.data import MIN_POINTS, Dataset
from ..models.draws import draws_of
from ..models.errors import SettingError
from ..models.params import DEFAULT_N_GRID, DEFAULT_SEED, DEFAULT_TRUTH, PARAM_NAMES, MixtureParams
from ..models.simulate import simulate
from ..sampling.options import DEFAULTS, Settings
from .intervals import intervals
from .stages import Stages
from .table import compare_fits
from .thresholds import bvm_agrees

#: 95% quantile of Kolmogorov's limit distribution: P(sqrt(m) KS > 1.358) = 0.05 for m iid draws.
KS_95 = 1.358


def check_n_grid(n_grid) -> tuple[int, ...]:
    """The grid as sorted distinct whole numbers, each at least :data:`models.data.MIN_POINTS`."""
    try:
        grid = sorted({int(n) for n in n_grid})
    except (TypeError, ValueError):
        raise SettingError(f"n grid must be whole numbers, got {n_grid!r}") from None
    if any(float(n) != int(n) for n in n_grid):
        raise SettingError(f"n grid must be whole numbers, got {list(n_grid)}")
    if not grid:
        raise SettingError("n grid is empty")
    if grid[0] < MIN_POINTS:
        raise SettingError(f"n grid: {grid[0]} points is too few; every n must be at least {MIN_POINTS}")
    return tuple(grid)


def nested_datasets(truth: MixtureParams = DEFAULT_TRUTH, n_grid=DEFAULT_N_GRID,
                    seed: int = DEFAULT_SEED) -> tuple[Dataset, ...]:
    """The first n points of ``simulate(truth, max(n_grid), seed)``, for each n of the grid (ascending)."""
    grid = check_n_grid(n_grid)
    full = simulate(truth, grid[-1], seed)
    return tuple(Dataset(full.values[:n], name=f"first {n} of {full.name}", truth=truth, seed=seed) for n in grid)


@dataclass(frozen=True, eq=False)  # holds arrays and DataTrees
class BvMPoint:
    """One n of the grid: its data, the EM fit and the ordered model's posterior."""

    data: Dataset
    em: EMResult
    posterior: xr.DataTree  # of the ordered model

    @property
    def n(self) -> int:
        return self.data.n


@dataclass(frozen=True, eq=False)
class BvMStudy:
    """Every point of the grid and the table of :func:`bvm_table`."""

    truth: MixtureParams
    settings: Settings
    points: tuple[BvMPoint, ...]
    table: pd.DataFrame

    @property
    def n_grid(self) -> tuple[int, ...]:
        return tuple(p.n for p in self.points)


def run_bvm(truth: MixtureParams = DEFAULT_TRUTH, n_grid=DEFAULT_N_GRID, settings: Settings = DEFAULTS,
            stages: Stages | None = None) -> BvMStudy:
    """EM and the ordered posterior on each nested data set (:func:`nested_datasets`): :func:`sampling.fits.fit_both`
    with its preset :data:`sampling.fits.BVM` (every chain at the EM estimate), under ``settings.priors``
    (``"default"``: :meth:`models.priors.Priors.default_for` each data set). ``settings.seed`` also seeds
    the simulation."""
    from ..sampling.fits import BVM, fit_both

    stages = stages or Stages()
    settings = replace(settings, init=BVM["init"])
    points = []
    for ds in nested_datasets(truth, n_grid, settings.seed):
        with stages.stage(f"n = {ds.n}: EM, then the ordered posterior", f"n={ds.n}"):
            fits = fit_both(ds, settings, models=BVM["models"])
        points.append(BvMPoint(ds, fits.em, fits.posteriors["ordered"]))
    return BvMStudy(truth, settings, tuple(points), bvm_table(points, settings.ci_prob, truth))


def standardized(posterior, em_result) -> dict[str, np.ndarray]:
    """``(theta - MLE) / SE`` of every draw, per parameter: ``{name: (chain, draw) array}``."""
    d = draws_of(posterior)
    est, se = em_result.params.to_dict(), em_result.se.to_dict()
    return {name: (getattr(d, name) - est[name]) / se[name] for name in PARAM_NAMES}


def ks_to_normal(z) -> float:
    """Kolmogorov distance ``sup_t |F_m(t) - Phi(t)|`` between the ECDF of ``z`` and the standard normal.

    The supremum is attained at a sorted sample point ``z_(i)``, from the left or the right:
    ``max_i max(i/m - Phi(z_(i)), Phi(z_(i)) - (i - 1)/m)``.
    """
    z = np.sort(np.asarray(z, dtype=float).ravel())
    m = z.size
    cdf = ndtr(z)
    i = np.arange(1, m + 1)
    return float(max(np.max(i / m - cdf), np.max(cdf - (i - 1) / m)))


def bvm_table(points, ci_prob: float = 0.95, truth: MixtureParams | None = None) -> pd.DataFrame:
    """One row per (n, parameter): the MLE and SE, the posterior's mean and sd, the three distances of
    the module note, Wald (plain and as EM reports it), HDI and equal-tailed intervals, and ``agree``:
    :func:`compare.thresholds.bvm_agrees` of ``sd_ratio`` and ``z_mean_mle``."""
    rows = []
    for p in points:
        moments = compare_fits(p.em, {"ordered": p.posterior}, truth=truth, ci_prob=ci_prob).set_index("parameter")
        iv = intervals(p.em, p.posterior, ci_prob).set_index(["parameter", "kind"])
        z = standardized(p.posterior, p.em)
        for name in PARAM_NAMES:
            m = moments.loc[name]
            row = {"n": p.n, "parameter": name, "truth": float(m["truth"]), "mle": float(m["em_estimate"]),
                   "se": float(m["em_se"]), "mean": float(m["mean"]), "sd": float(m["sd"]),
                   "z_mean_mle": float(m["z_mean_mle"]), "sd_ratio": float(m["sd_ratio"]),
                   "ks": ks_to_normal(z[name]), "ks_noise": KS_95 / np.sqrt(float(m["ess_bulk"])),
                   "ess_bulk": float(m["ess_bulk"]), "r_hat": float(m["r_hat"])}
            for kind in ("wald_plain", "wald", "hdi", "eti"):
                row[f"{kind}_lb"], row[f"{kind}_ub"] = (float(iv.loc[(name, kind), c]) for c in ("lb", "ub"))
            row["agree"] = bool(bvm_agrees(row["sd_ratio"], row["z_mean_mle"]))
            rows.append(row)
    df = pd.DataFrame(rows)
    df.attrs = {"ci_prob": float(ci_prob)}
    return df
