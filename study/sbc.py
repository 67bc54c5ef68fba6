"""Simulation-based calibration of the ordered model (Talts et al. 2018; docs/methods.md).

Each SBC replicate draws its truth from the study's *fixed* prior, simulates data from it, samples
the ordered posterior under the same prior and ranks the truth among ``L`` draws thinned evenly from
the pooled chains: ``rank = #{thinned draws < truth}`` in ``0..L``. If the posterior is computed
correctly, every parameter's rank is uniform on ``0..L`` across replicates.

Uniformity is judged by the ECDF of the ranks against the simultaneous band of Säilynoja, Bürkner &
Vehtari (2022), computed by ArviZ (``arviz_stats.ecdf_utils``): the ranks are made
continuous uniform under the null by ``u = (rank + U) / (L + 1)`` with ``U ~ Uniform(0, 1)`` (seeded),
and a parameter is "not uniform" when the ECDF of ``u`` leaves the band, which happens with
probability ``1 - SBC_BAND_PROB`` when the posterior is calibrated.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..models.params import PARAM_NAMES, MixtureParams
from .thresholds import SBC_BAND_PROB, SBC_BAND_SIMULATIONS


def sbc_truth(priors, rng: np.random.Generator) -> MixtureParams:
    """One truth from the prior of the ordered model (sorted mu; :meth:`models.priors.Priors.draw`)."""
    d = priors.draw(rng, ordered=True)
    return MixtureParams(float(d["pi1"]), float(d["mu"][0]), float(d["mu"][1]), float(d["sigma"]))


def thin_index(total: int, keep: int) -> np.ndarray:
    """``keep`` positions spread evenly over ``0..total-1`` (all of them when ``keep >= total``)."""
    if keep >= total:
        return np.arange(total)
    return np.linspace(0, total - 1, keep).round().astype(int)


def ranks(posterior, truth: MixtureParams, keep: int) -> tuple[dict[str, int], int]:
    """Rank of each true parameter among ``keep`` thinned draws, and the number of draws ranked ``L``."""
    from ..models.draws import draws_of

    pooled = draws_of(posterior).stack().reshape(-1, 4)  # chain by chain, draws in order
    thinned = pooled[thin_index(pooled.shape[0], keep)]
    t = truth.to_array()
    return {p: int(np.sum(thinned[:, j] < t[j])) for j, p in enumerate(PARAM_NAMES)}, int(thinned.shape[0])


@dataclass(frozen=True, eq=False)
class Uniformity:
    """The rank ECDF of one parameter against its simultaneous band.

    ``x`` are the evaluation points, ``ecdf``, ``lower`` and ``upper`` the ECDF and the band there;
    ``uniform`` is False when the ECDF leaves the band somewhere (``worst``: the largest excursion
    outside it, 0 when inside).
    """

    param: str
    replicates: int
    rank_draws: int
    x: np.ndarray
    ecdf: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    uniform: bool
    worst: float


@lru_cache(maxsize=32)
def simultaneous_band(replicates: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluation points and the simultaneous band of the ECDF of ``replicates`` uniform values.

    ArviZ's ``ecdf_pit`` (the simulation method of Säilynoja et al. 2022); the band depends only on
    the number of values, so it is computed once per study and shared by the parameters.
    """
    from arviz_stats.ecdf_utils import ecdf_pit

    rng = np.random.default_rng(seed)
    x, _, lower, upper = ecdf_pit(np.linspace(0.0, 1.0, replicates), SBC_BAND_PROB, SBC_BAND_SIMULATIONS, rng=rng)
    return x, lower, upper


def uniformity(param: str, rank_values, rank_draws: int, seed: int) -> Uniformity:
    """Säilynoja et al.'s simultaneous-band test of the ranks of one parameter (module note)."""
    from arviz_stats.ecdf_utils import compute_ecdf

    r = np.asarray(rank_values, dtype=float)
    u = (r + np.random.default_rng(seed).random(r.size)) / (rank_draws + 1)
    x, lower, upper = simultaneous_band(r.size)
    ecdf = compute_ecdf(u, x)
    worst = float(max(np.max(np.maximum(lower - ecdf, ecdf - upper)), 0.0))
    return Uniformity(param, int(r.size), int(rank_draws), x, ecdf, lower, upper, worst == 0.0, worst)


@dataclass(frozen=True)
class SBCSummary:
    """The SBC part of a study: per-parameter :class:`Uniformity`, and how many replicates had ranks,
    had none (the sampler failed), had too many divergences, or fewer bulk ESS than ranked draws."""

    n: int
    tests: tuple[Uniformity, ...]
    replicates: int
    without_ranks: int
    divergent: int
    low_ess: int


def summarise_sbc(results, seed: int) -> SBCSummary | None:
    """:class:`SBCSummary` of the ``sbc`` rows of a results table (None when there are none).

    Replicates with divergences over the limit keep their ranks: dropping them would select
    replicates by their posterior and bias the ranks (Talts et al. 2018); they are counted instead.
    """
    rows = results[results["part"] == "sbc"]
    if rows.empty:
        return None
    ranked = rows[rows["rank"].notna()]
    tests = []
    for j, p in enumerate(PARAM_NAMES):
        r = ranked[ranked["param"] == p]
        if len(r) >= 2:
            jitter_seed = np.random.SeedSequence(int(seed), spawn_key=(2, j))
            tests.append(uniformity(p, r["rank"].to_numpy(), int(r["rank_draws"].max()), jitter_seed))
    per_rep = rows.groupby("replicate")
    return SBCSummary(
        n=int(rows["n"].iloc[0]), tests=tuple(tests), replicates=int(per_rep.ngroups),
        without_ranks=int(per_rep["rank"].apply(lambda s: s.isna().all()).sum()),
        divergent=int(per_rep["ok"].apply(lambda s: not s.fillna(False).astype(bool).all()).sum()),
        low_ess=int(per_rep.apply(lambda g: bool((g["ess_bulk"] < g["rank_draws"]).any()), include_groups=False).sum()),
    )
