"""Starting values for EM, in standardised unconstrained coordinates ``u`` (see :mod:`em.coords`).

The generated starts, in this order (a user's start goes before them):

1. the *2-means* split (Lloyd's algorithm in 1-D from the median split: the threshold moves to the
   midpoint of the two group means until it stops moving), the usual EM start (scikit-learn's default);
2. *the largest point alone* and 3. *the smallest point alone* as one component (``pi1 = 1/m``, the
   rest's mean and sd for the other): with a shared sigma, a far outlier is best fitted by a
   component of its own, a maximum that no split of the bulk leads to (1e6 points and one at 1e12:
   2e7 log-likelihood units higher than the best split). The extremes are those of *all* the data,
   so an outlier the strided subsample misses still gets its start;
4. a *k-means++ seeding* (Arthur & Vassilvitskii 2007): one centre drawn uniformly, the second with
   probability proportional to the squared distance from it, then the split at their midpoint;
5. then two families, interleaved: *quantile splits* (points below the q-quantile form component
   1: ``pi1 = q``, the two group means, their pooled within-group sd) for ``q = 0.25, 0.75, 0.1,
   0.9, 0.5``, and *random data points* (two distinct data values as the means, ``pi1 = 1/2``,
   ``sigma`` half a standardised unit).

A poor split gives a large pooled sd, and from there EM can drift to the one-normal stationary set
``mu1 == mu2`` (see :mod:`em.iterate`); restarts exist to expose exactly that.

``mu1 == mu2`` is a fixed point of EM (the responsibilities then equal pi1 for every point and the
means never separate; docs/methods.md §1), so such a start is perturbed symmetrically to
``mu -/+ 0.25 sigma`` and flagged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..models.params import MixtureParams
from ..models.scaling import Scaling
from .coords import start_u

QUANTILES = (0.25, 0.75, 0.1, 0.9, 0.5)
#: Starts need no precision: at most about this many (evenly strided) points are used to make them,
#: and :func:`em.fit` runs them on such a subsample when the data are much larger.
SUBSAMPLE = 100_000
_TIE = 1e-9  # |mu1 - mu2| below this (in standardised units) counts as a symmetric start


@dataclass(frozen=True)
class Start:
    """A starting point: how it was made and its ``u``."""

    kind: str
    u: np.ndarray


def _u(pi1: float, mu1: float, mu2: float, sigma: float) -> np.ndarray:
    return np.array([np.log(pi1) - np.log1p(-pi1), mu1, mu2, np.log(sigma)])


def _split_start(sorted_xs: np.ndarray, k: int) -> np.ndarray:
    """Component 1 = the ``k`` smallest points (``k`` clipped to ``1..m-1``): ``pi1 = k/m``, group means,
    pooled within-group sd."""
    m = sorted_xs.size
    k = min(max(k, 1), m - 1)
    lo, hi = sorted_xs[:k], sorted_xs[k:]
    mu1, mu2 = float(lo.mean()), float(hi.mean())
    within = (float(((lo - mu1) ** 2).sum()) + float(((hi - mu2) ** 2).sum())) / m
    sigma = np.sqrt(within) if within > 1e-12 else 0.5  # ties within both groups: fall back to sd/2
    if mu2 - mu1 < _TIE:  # heavy ties at the split: fall back to mean -/+ sd/2
        mu1, mu2 = -0.5, 0.5
    return _u(k / m, mu1, mu2, sigma)


def kmeans_start(sorted_xs: np.ndarray, max_steps: int = 200) -> np.ndarray:
    """2-means split of sorted data by Lloyd's algorithm from the median (prefix sums: O(log m) a step)."""
    m = sorted_xs.size
    csum = np.concatenate([[0.0], np.cumsum(sorted_xs)])
    k = m // 2
    for _ in range(max_steps):
        mid = 0.5 * (csum[k] / k + (csum[m] - csum[k]) / (m - k))
        k_new = min(max(int(np.searchsorted(sorted_xs, mid, side="right")), 1), m - 1)
        if k_new == k:
            break
        k = k_new
    return _split_start(sorted_xs, k)


def kmeanspp_start(sorted_xs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """k-means++ seeding of two centres (the second drawn with probability ~ squared distance to the
    first), then the split of the sorted data at their midpoint."""
    m = sorted_xs.size
    a = sorted_xs[rng.integers(m)]
    d2 = (sorted_xs - a) ** 2
    b = sorted_xs[rng.choice(m, p=d2 / d2.sum())]  # d2.sum() > 0: >= 3 distinct values
    return _split_start(sorted_xs, int(np.searchsorted(sorted_xs, 0.5 * (a + b), side="right")))


def random_start(sub: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two distinct random data values as the means, ``pi1 = 1/2``, ``sigma = 0.5``."""
    for _ in range(100):
        a, b = sub[rng.integers(sub.size, size=2)]
        if abs(a - b) > _TIE:
            break
    else:  # >= 3 distinct values are guaranteed, but a heavily tied sample may keep colliding
        a, b = float(sub.min()), float(sub.max())
    return _u(0.5, min(a, b), max(a, b), 0.5)


def user_start(init: MixtureParams, scaling: Scaling) -> Start:
    """The user's start in ``u``; a symmetric one (``mu1 == mu2``) is perturbed and flagged."""
    u = start_u(scaling, init)
    if abs(u[1] - u[2]) < _TIE:
        half = 0.25 * np.exp(u[3])
        mid = 0.5 * (u[1] + u[2])
        u[1], u[2] = mid - half, mid + half
        return Start("user (perturbed: mu1 == mu2 is a fixed point of EM)", u)
    return Start("user", u)


def with_extremes(sub: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """``sub`` (sorted or not) with the smallest and largest of all the data ``xs`` added at its ends,
    so that an outlier a strided subsample misses still gets its own start and its own fit."""
    return np.concatenate([[xs.min()], sub, [xs.max()]])


def strided_subsample(xs: np.ndarray, size: int) -> np.ndarray:
    """Every ``k``-th point (``k = len(xs) // size``), with the extremes of all data (:func:`with_extremes`)."""
    return with_extremes(xs[::max(1, xs.size // size)], xs)


def make_starts(xs: np.ndarray, n_init: int, rng: np.random.Generator) -> list[Start]:
    """``n_init`` generated starts in the order of the module note."""
    sub = np.sort(xs[::max(1, xs.size // SUBSAMPLE)])
    ext = with_extremes(sub, xs)
    m = ext.size
    first = [("2-means split", lambda: kmeans_start(sub)),
             ("largest point alone", lambda: _split_start(ext, m - 1)),
             ("smallest point alone", lambda: _split_start(ext, 1)),
             ("k-means++ seeding", lambda: kmeanspp_start(ext, rng))]
    starts = [Start(kind, make()) for kind, make in first[:n_init]]
    qs = iter(QUANTILES)
    while len(starts) < n_init:
        q = next(qs, None) if len(starts) % 2 == 0 else None
        if q is not None:
            starts.append(Start(f"quantile split q={q:g}", _split_start(sub, int(round(q * sub.size)))))
        else:
            starts.append(Start("random data points", random_start(sub, rng)))
    return starts
