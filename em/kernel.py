"""The EM map from one fused pass over the standardised data: the log-likelihood at ``theta`` *and*
the sufficient statistics of ``F(theta)``.

The pass itself is :mod:`models.fused_pass` (one compiled loop, shared with the PyMC model's
likelihood, whose gradient is the same sums): ``L = sum log p``, ``N_k = sum r_k``,
``D_k = sum r_k d_k`` and ``Q_k = sum r_k d_k^2`` with ``d_k = x - mu_k``. The update
(:func:`update`) is then::

    pi1 = N1 / (N1 + N2),   mu_k' = mu_k + D_k / N_k,
    sigma'^2 = (Q1 - D1^2/N1 + Q2 - D2^2/N2) / N

Sums of residuals about the *current* means keep the pooled variance accurate even when ``sigma`` is
10^-6 of the data's spread (:mod:`models.fused_pass`).

Two implementations: :func:`sums_numpy` (via :mod:`models.density`, the reference) and
:func:`sums_numba` (the fused compiled pass, what :func:`em.fit` uses). Both return the same 7 sums.
"""

from __future__ import annotations

import math

import numpy as np

from ..models import fused_pass
from ..models.density import logpdf, responsibilities
from ..models.params import MixtureParams
from .coords import expit

#: Below this many points of weight a component counts as emptied (EM is heading to pi1 = 0 or 1).
MIN_WEIGHT = 1e-6


def sums_numpy(xs: np.ndarray, u) -> np.ndarray:
    """Reference pass: ``[L, N1, N2, D1, Q1, D2, Q2]`` at ``u = (logit pi1, mu1, mu2, log sigma)``."""
    p = MixtureParams(expit(u[0]), u[1], u[2], math.exp(u[3]))
    r1 = responsibilities(xs, p)
    r2 = responsibilities(xs, p.swapped())  # exact in the tail where 1 - r1 would round to 0
    d1 = xs - p.mu1
    d2 = xs - p.mu2
    return np.array([
        np.sum(logpdf(xs, p)),
        np.sum(r1), np.sum(r2),
        np.dot(r1, d1), np.dot(r1, d1 * d1),
        np.dot(r2, d2), np.dot(r2, d2 * d2),
    ])


def sums_numba(xs: np.ndarray, u) -> np.ndarray:
    """Fused compiled pass (see module note); same result as :func:`sums_numpy` to rounding."""
    return np.array(fused_pass.sums(xs, float(u[0]), float(u[1]), float(u[2]), math.exp(float(u[3]))))


def update(u, sums: np.ndarray, n: int) -> np.ndarray | None:
    """The EM map from the sums of one pass: new ``u``, or ``None`` if a component emptied.

    ``logit pi1' = log N1 - log N2``; ``mu_k' = mu_k + D_k/N_k``;
    ``log sigma' = 0.5 log((Q1 - D1^2/N1 + Q2 - D2^2/N2) / n)``.
    """
    _, n1, n2, d1, q1, d2, q2 = (float(v) for v in sums)
    if not (n1 >= MIN_WEIGHT and n2 >= MIN_WEIGHT):
        return None
    s2 = (max(q1 - d1 * d1 / n1, 0.0) + max(q2 - d2 * d2 / n2, 0.0)) / n
    if not (s2 > 0.0 and math.isfinite(s2)):
        return None
    return np.array([math.log(n1) - math.log(n2), u[1] + d1 / n1, u[2] + d2 / n2, 0.5 * math.log(s2)])
