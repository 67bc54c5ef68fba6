"""The statistics the adequacy checks compare between the data and data simulated from a fit.

- :func:`edf_statistics`: the Anderson-Darling distance between the data and the fitted mixture's CDF
  (Anderson & Darling 1952), computed from log-CDF and log-survival so that points 40 sds out (heavy
  tails) still count instead of rounding to ``log 0``, and where the data fall in the model's
  quantiles (its outer 1% and its central half: heavy tails or a sharp peak show there);
- :func:`skewness`, :func:`excess_kurtosis`, :func:`tail_share`: what a two-normal mixture can and
  cannot reproduce (a mixture of two normals with a shared sd has light tails).

Formulas: docs/methods.md, "Is the model adequate?".
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr

from ..models.params import MixtureParams


def mixture_logcdf(x, p: MixtureParams) -> tuple[np.ndarray, np.ndarray]:
    """``(log F(x), log(1 - F(x)))`` of the shared-sigma mixture, ``F(x) = pi1 Phi(z1) + (1 - pi1) Phi(z2)``,
    ``z_k = (x - mu_k) / sigma``; each a log-sum-exp of ``log pi_k + log Phi(+-z_k)``, exact in both tails."""
    x = np.asarray(x, dtype=float)
    z1 = (x - p.mu1) / p.sigma
    z2 = (x - p.mu2) / p.sigma
    lp1, lp2 = math.log(p.pi1), math.log1p(-p.pi1)
    return (np.logaddexp(lp1 + log_ndtr(z1), lp2 + log_ndtr(z2)),
            np.logaddexp(lp1 + log_ndtr(-z1), lp2 + log_ndtr(-z2)))


@dataclass(frozen=True)
class EdfStatistics:
    """How the data's empirical distribution sits against a fitted CDF ``F``: the Anderson-Darling
    distance and the shares of the probability-integral transforms ``u_i = F(x_i)`` in the model's
    outer :data:`OUTER` (both tails together) and in its central half."""

    a2: float
    outer: float
    central: float


#: Probability of the model's two tails together whose share of the data :class:`EdfStatistics` reports.
OUTER = 0.01


def edf_statistics(x, p: MixtureParams) -> EdfStatistics:
    """Anderson-Darling ``A^2 = -n - (1/n) sum_i (2i - 1) [log F(x_(i)) + log(1 - F(x_(n+1-i)))]`` for the
    sorted data (large when the empirical CDF departs from ``F``, with weight ``1 / (F (1 - F))`` on the
    tails), and the PIT shares ``mean(F < OUTER/2 or 1 - F < OUTER/2)`` and ``mean(1/4 < F < 3/4)``.
    """
    xs = np.sort(np.asarray(x, dtype=float))
    n = xs.size
    log_f, log_s = mixture_logcdf(xs, p)
    w = 2.0 * np.arange(1, n + 1) - 1.0
    a2 = float(-n - np.dot(w, log_f + log_s[::-1]) / n)
    cut = math.log(OUTER / 2.0)
    outer = float(np.mean((log_f < cut) | (log_s < cut)))
    quarter = math.log(0.25)
    return EdfStatistics(a2, outer, float(np.mean((log_f > quarter) & (log_s > quarter))))


def _central_moments(x) -> tuple[float, float, float]:
    x = np.asarray(x, dtype=float)
    d = x - x.mean()
    d2 = d * d
    return float(d2.mean()), float(np.dot(d2, d) / x.size), float(np.dot(d2, d2) / x.size)


def skewness(x) -> float:
    """Sample skewness ``m3 / m2^(3/2)`` (``m_k`` the k-th central moment, divisor n)."""
    m2, m3, _ = _central_moments(x)
    return m3 / m2**1.5


def excess_kurtosis(x) -> float:
    """Sample excess kurtosis ``m4 / m2^2 - 3`` (0 for a normal; a t with 2 df has no finite one)."""
    m2, _, m4 = _central_moments(x)
    return m4 / (m2 * m2) - 3.0


def mixture_moments(p: MixtureParams) -> tuple[float, float]:
    """Mean and sd of the mixture: ``m = pi1 mu1 + (1 - pi1) mu2``,
    ``s^2 = sigma^2 + pi1 (1 - pi1) (mu1 - mu2)^2``."""
    m = p.pi1 * p.mu1 + (1.0 - p.pi1) * p.mu2
    return m, math.sqrt(p.sigma**2 + p.pi1 * (1.0 - p.pi1) * (p.mu1 - p.mu2) ** 2)


def tail_share(x, center: float, scale: float, k: float = 3.0) -> float:
    """Share of points farther than ``k`` sds from the fitted mean: ``mean(|x - center| > k scale)``."""
    return float(np.mean(np.abs(np.asarray(x, dtype=float) - center) > k * scale))
