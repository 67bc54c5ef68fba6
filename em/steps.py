"""The E-step, the M-step and the EM map, in plain numpy (the reference path).

Shared-sigma two-component mixture, ``theta = (pi1, mu1, mu2, sigma)`` (docs/methods.md §1;
Dempster, Laird & Rubin 1977, JRSS-B 39:1-38). These functions are written for clarity and are the
definition the fast fused kernel (:mod:`em.kernel`) is tested against; the teaching material and
``emvb validate`` use them directly.
"""

from __future__ import annotations

import numpy as np

from ..models.density import responsibilities
from ..models.errors import ParamError
from ..models.params import MixtureParams


def e_step(x, params: MixtureParams) -> np.ndarray:
    """Responsibilities of component 1, ``r1_i = P(z_i = 1 | x_i, theta)``.

    ``r1 = sigmoid(eta(x))`` with ``eta(x) = logit(pi1) + (mu1 - mu2)(x - (mu1 + mu2)/2) / sigma^2``,
    computed by :func:`models.density.responsibilities` (exact in both tails).

    Parameters
    ----------
    x : array_like, shape (n,)
    params : MixtureParams

    Returns
    -------
    r1 : float64 array, shape (n,); ``r2 = 1 - r1``.
    """
    return responsibilities(np.asarray(x, dtype=float), params)


def m_step(x, r1) -> MixtureParams:
    """Closed-form M-step with the **pooled** shared variance.

    With ``N1 = sum r1``, ``N2 = sum r2 = sum (1 - r1)``::

        pi1   = N1 / N
        mu1   = sum r1 x / N1          mu2 = sum r2 x / N2
        sigma^2 = ( sum r1 (x - mu1)^2 + sum r2 (x - mu2)^2 ) / N

    Both components' residuals enter sigma (the student bug in docs/methods.md §6.3 used component 1's only).
    The variance is computed from centred residuals (two passes), so data far from 0 lose no digits.

    Raises
    ------
    ParamError
        If a component receives no weight (``N1 == 0`` or ``N2 == 0``) or all residuals vanish, so
        that the update leaves the parameter space.
    """
    x = np.asarray(x, dtype=float)
    r1 = np.asarray(r1, dtype=float)
    if r1.shape != x.shape:
        raise ValueError(f"r1 has shape {r1.shape}, x has shape {x.shape}")
    r2 = 1.0 - r1
    n = x.size
    n1 = float(np.sum(r1))
    n2 = float(np.sum(r2))
    if not (n1 > 0.0 and n2 > 0.0):
        raise ParamError(f"M-step: a component has no weight (N1 = {n1:g}, N2 = {n2:g})")
    mu1 = float(np.dot(r1, x)) / n1
    mu2 = float(np.dot(r2, x)) / n2
    s2 = (float(np.dot(r1, (x - mu1) ** 2)) + float(np.dot(r2, (x - mu2) ** 2))) / n
    return MixtureParams(n1 / n, mu1, mu2, np.sqrt(s2))


def em_map(x, params: MixtureParams) -> MixtureParams:
    """One full EM update ``F(theta) = m_step(x, e_step(x, theta))``.

    ``|F(theta) - theta|`` says how far one EM step moves a claimed estimate: zero at a fixed point.
    """
    x = np.asarray(x, dtype=float)
    return m_step(x, e_step(x, params))
