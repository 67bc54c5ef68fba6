"""The posterior predictive check (Rubin 1984; Gelman, Meng & Stern 1996): does data simulated from the
posterior look like the data?

For ``S`` posterior draws ``theta_s`` (thinned evenly), a replicated data set ``y_rep_s`` of ``n`` points
is drawn from the mixture at ``theta_s``, and each test statistic ``T`` is computed on it and on the
data. The posterior predictive p-value is ``ppp = P(T(y_rep) > T(y) | y)`` (ties count one half),
estimated by the share of the ``S`` replicates; ``ppp`` near 0 or 1 (outside
``[PPP_TAIL, 1 - PPP_TAIL]``) means the model does not reproduce that feature of the data. The
statistics, all label-invariant:

- skewness and excess kurtosis of the sample (:mod:`adequacy.teststats`);
- the share of points farther than 3 sd from the fitted mean, with the fitted mean ``m`` and sd ``s``
  of the mixture (``m = pi1 mu1 + (1 - pi1) mu2``, ``s^2 = sigma^2 + pi1 (1 - pi1)(mu1 - mu2)^2``)
  averaged over the draws, so that the same fixed function is applied to the data and to every replicate.

Replicates are generated one at a time (memory ``O(n)``); a few are kept, truncated to at most
:data:`KEEP_POINTS` points, for the density plot.
"""

from __future__ import annotations

import numpy as np

from ..models.errors import DataError
from ..models.params import MixtureParams
from ..models.scaling import Scaling
from ..models.simulate import draw
from .bootstrap import read_only
from .levels import PPC_DRAWS
from .result import PosteriorPredictive, PPCStatistic
from .teststats import excess_kurtosis, mixture_moments, skewness, tail_share

#: Replicated data sets kept for the density plot, and their length at most.
KEEP_DRAWS, KEEP_POINTS = 50, 20_000
#: Names of the test statistics, in the order they are reported.
STATISTICS = ("skewness", "excess_kurtosis", "share_beyond_3sd")
TAG_PPC = 3


def _thin(draws: np.ndarray, k: int) -> np.ndarray:
    """At most ``k`` rows of ``draws``, evenly spaced (deterministic)."""
    if draws.shape[0] <= k:
        return draws
    return draws[np.linspace(0, draws.shape[0] - 1, k).round().astype(int)]


def statistics_of(y: np.ndarray, center: float, scale: float) -> tuple[float, float, float]:
    """``(skewness, excess kurtosis, share beyond 3 sd of center)`` of one data set."""
    return skewness(y), excess_kurtosis(y), tail_share(y, center, scale)


def posterior_predictive_check(x, draws, *, n_draws: int = PPC_DRAWS, seed: int = 0) -> PosteriorPredictive:
    """The check of the module note for data ``x`` and posterior ``draws`` (any array whose last axis is
    ``(pi1, mu1, mu2, sigma)``, e.g. :meth:`models.draws.Draws.stack`); one replicate per used draw,
    seeded by ``SeedSequence([seed, TAG_PPC])``."""
    x = np.asarray(getattr(x, "values", x), dtype=float)
    d = np.asarray(draws, dtype=float).reshape(-1, 4)
    d = _thin(d[np.all(np.isfinite(d), axis=1)], int(n_draws))
    if d.shape[0] < 2:
        raise DataError("the posterior predictive check needs at least 2 finite posterior draws")
    # Every statistic is location-scale invariant: computed on the standardised data and draws (models/scaling.py),
    # so that no power of a value overflows at any scale; center, scale and the examples are mapped back.
    sc, xs = Scaling.standardized(x)
    params = [MixtureParams(row[0], *sc.standardize(row[1:3]), row[3] / sc.scale) for row in d]
    moments = np.array([mixture_moments(p) for p in params])
    center, scale = float(moments[:, 0].mean()), float(moments[:, 1].mean())
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), TAG_PPC]))
    rep = np.empty((len(params), len(STATISTICS)))
    keep = []
    for s, p in enumerate(params):
        y, _ = draw(p, x.size, rng)
        rep[s] = statistics_of(y, center, scale)
        if s < KEEP_DRAWS:
            keep.append(y[:KEEP_POINTS])
    obs = statistics_of(xs, center, scale)
    stats = tuple(PPCStatistic(name=name, observed=float(obs[j]), replicated=read_only(rep[:, j]))
                  for j, name in enumerate(STATISTICS))
    return PosteriorPredictive(statistics=stats, n_draws=len(params), center=float(sc.unstandardize(center)),
                               scale=sc.scale * scale, examples=read_only(sc.unstandardize(np.array(keep))),
                               seed=int(seed))
