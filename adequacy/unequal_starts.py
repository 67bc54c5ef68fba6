"""Where the unequal-variance fit of the shared-sigma test starts (docs/methods.md §9.2).

The constrained likelihood has several local maxima, and which basin a start lies in decides the
statistic: a split of the data into two groups (what the shared fit finds) and a narrow and a wide
component on nearly the same mean (heavy tails or a sharp peak, which no shared-sigma fit offers)
are different basins, and either can hold the global maximum. :func:`unequal_starts` covers both
families, in the data's units:

1. the shared fit ``(pi1, mu1, mu2, s, s)``, and the same means and weight with the sd ratio tilted
   to 1/2 either way (``s sqrt 2`` and ``s / sqrt 2``);
2. scale mixtures: both means at the data mean ``m`` (``1e-3`` sd apart: ``mu1 = mu2`` with equal
   sds is a fixed point of EM), the narrow component holding ``1/2`` or ``4/5`` of the weight, the
   sds ``a`` and ``a / SCALE_RATIO`` with ``a`` chosen so that the mixture's variance is the data's;
3. quantile splits at ``q = 1/4`` and ``3/4``: the points below the q-quantile form component 1, with
   their weight, mean and sd (each group its own sd);
4. *spikes*: a component as narrow as the constraint allows (sd ``h = c s``, ``c`` the ratio bound,
   ``s`` the data sd) on a few points, beside a wide one (the data's mean and sd). On normal data the
   constrained maximum is often such a spike on a handful of points (sd ratio below 0.2 at the maximum
   in 9 of 14 N(0, 1) data sets of n = 500, benchmarks/lrt_maxima.py), a basin no split or scale start
   leads to. Which handful is found by a profile screen
   that costs no EM pass: for candidate centres ``mu`` (the data's order statistics on an even grid of
   ranks, and the extremes) and weights ``w`` (:data:`SPIKE_WEIGHTS` points' worth), the gain of adding
   the spike to the fixed wide normal ``N(m, s^2)``::

       G(mu, w) = sum_i log(1 - w + w rho_i),   rho_i = N(x_i | mu, h^2) / N(x_i | m, s^2)

   is summed over every ``k``-th order statistic (``k n / m`` points each; at most :data:`SCREEN_POINTS`
   of them), and the :data:`N_SPIKES` best centres, with their best ``w``, become starts.

:func:`adequacy.unequal.fit_unequal` runs each briefly and takes the best few to convergence.
"""

from __future__ import annotations

import math

import numba
import numpy as np

from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .levels import SIGMA_RATIO_MIN
from .unequal import UnequalParams

#: sd ratio (narrow / wide) of the scale-mixture starts; a tilt of the shared fit's sds
SCALE_RATIO, TILT = 0.3, math.sqrt(2.0)
#: Weight of the narrow component in the scale-mixture starts
NARROW_WEIGHTS = (0.5, 0.8)
#: Quantiles at which the data are split into two groups
SPLITS = (0.25, 0.75)
_SUBSAMPLE = 100_000  # starts need no precision: at most this many (evenly strided) points are used
#: Spike screen: order statistics summed over at most, candidate centres, weights tried (in points), starts kept
SCREEN_POINTS, SPIKE_CENTRES, SPIKE_WEIGHTS, N_SPIKES = 1000, 128, (1.0, 3.0, 10.0, 30.0), 4
#: The screen counts the points within this many spike sds of a centre (farther ones have rho ~ 0)
SPIKE_WINDOW = 4.0


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _spike_gains(sub, weight, centres, m, s, h, ws):
    """``max_w G(mu, w)`` and its ``w`` for each centre (module note); ``weight``: points per element of ``sub``."""
    n = sub.size * weight
    gains = np.full(centres.size, -np.inf)
    best_w = np.zeros(centres.size)
    for j in range(centres.size):
        mu = centres[j]
        lo = np.searchsorted(sub, mu - SPIKE_WINDOW * h)
        hi = np.searchsorted(sub, mu + SPIKE_WINDOW * h)
        for w in ws:
            l1, lw = math.log1p(-w), math.log(w)
            g = (n - (hi - lo) * weight) * l1
            for i in range(lo, hi):
                a = lw + math.log(s / h) - 0.5 * ((sub[i] - mu) / h) ** 2 + 0.5 * ((sub[i] - m) / s) ** 2
                g += weight * (max(a, l1) + math.log1p(math.exp(-abs(a - l1))))
            if g > gains[j]:
                gains[j], best_w[j] = g, w
    return gains, best_w


def spike_starts(sorted_xs: np.ndarray, ratio_min: float, sc: Scaling) -> list[UnequalParams]:
    """The :data:`N_SPIKES` best spikes of the module note's screen (centres at least a spike width apart)."""
    n = sorted_xs.size
    k = max(1, n // SCREEN_POINTS)
    sub = sorted_xs[k // 2::k]
    m, s = float(sorted_xs.mean()), float(sorted_xs.std())
    h = ratio_min * s
    ranks = np.unique(np.concatenate([np.linspace(0, n - 1, SPIKE_CENTRES).round().astype(np.int64),
                                      [0, 1, 2, n - 3, n - 2, n - 1]]).clip(0, n - 1))
    centres = sorted_xs[ranks]
    ws = np.array([min(c / n, 0.5) for c in SPIKE_WEIGHTS])
    gains, best_w = _spike_gains(sub, float(n) / sub.size, centres, m, s, h, ws)
    out: list[UnequalParams] = []
    for j in np.argsort(-gains):
        if len(out) == N_SPIKES:
            break
        mu = float(sc.unstandardize(centres[j]))
        if all(abs(mu - o.mu1) > sc.scale * h for o in out):
            out.append(UnequalParams(float(best_w[j]), mu, float(sc.unstandardize(m)), sc.scale * h, sc.scale * s))
    return out


def _split(sorted_xs: np.ndarray, q: float, sc: Scaling) -> UnequalParams:
    m = sorted_xs.size
    k = min(max(int(round(q * m)), 2), m - 2)
    lo, hi = sorted_xs[:k], sorted_xs[k:]
    floor = 1e-3 * float(sorted_xs[-1] - sorted_xs[0])  # tied groups: a small positive sd
    return UnequalParams(k / m, float(sc.unstandardize(lo.mean())), float(sc.unstandardize(hi.mean())),
                         sc.scale * max(float(lo.std()), floor), sc.scale * max(float(hi.std()), floor))


def unequal_starts(shared: MixtureParams, sc: Scaling, xs: np.ndarray,
                   ratio_min: float = SIGMA_RATIO_MIN) -> list[UnequalParams]:
    """The starts of the module note for the data ``xs`` (standardised by ``sc``) and their shared fit."""
    p = shared
    out = [UnequalParams.from_shared(p), UnequalParams(p.pi1, p.mu1, p.mu2, p.sigma * TILT, p.sigma / TILT),
           UnequalParams(p.pi1, p.mu1, p.mu2, p.sigma / TILT, p.sigma * TILT)]
    sub = np.sort(xs[::max(1, xs.size // _SUBSAMPLE)])
    m, s = float(sub.mean()), float(sub.std())
    for w in NARROW_WEIGHTS:
        a = s / math.sqrt(w + (1.0 - w) / SCALE_RATIO**2)  # w a^2 + (1 - w) (a / ratio)^2 = s^2
        out.append(UnequalParams(w, float(sc.unstandardize(m)), float(sc.unstandardize(m + 1e-3 * s)),
                                 sc.scale * a, sc.scale * a / SCALE_RATIO))
    out.extend(_split(sub, q, sc) for q in SPLITS)
    out.extend(spike_starts(sub, ratio_min, sc))
    return out
