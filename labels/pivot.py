"""Which labelling of the EM estimate a draw sits in: distances scaled by the EM covariance.

Pivotal reordering (Marin, Mengersen & Robert 2005, Handbook of Statistics 25:459-507): label
each draw by the permutation that brings it closest to a pivot. The natural pivot here is the EM
estimate ``theta_hat`` and the natural metric the inverse of its covariance ``C`` (the Louis
observed information, docs/methods.md §2):

    d_as(theta) = (theta - theta_hat)^T C^-1 (theta - theta_hat)
    d_sw(theta) = (theta - swap(theta_hat))^T C^-1 (theta - swap(theta_hat))

A draw is in the EM labelling when ``d_as <= d_sw``. The same classification is the evidence the
label-switching diagnosis reports per chain.
"""

from __future__ import annotations

import numpy as np
from scipy.special import ndtr

from ..models.params import MixtureParams
from .draws import Draws


def precision_of(cov) -> np.ndarray:
    """``C^-1`` for a 4 x 4 covariance (pseudo-inverse if it is singular, e.g. a degenerate fit)."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape != (4, 4) or not np.all(np.isfinite(cov)):
        raise ValueError(f"EM covariance must be a finite 4 x 4 matrix, got shape {cov.shape}")
    try:
        np.linalg.cholesky(cov)
        return np.linalg.inv(cov)
    except np.linalg.LinAlgError:
        return np.linalg.pinv(cov)


def usable_cov(cov, draws: Draws | None = None) -> np.ndarray:
    """The EM covariance, or, if it is undefined (NaN where the information is singular, e.g. a
    degenerate fit), the covariance of the draws sorted by mu: a scale of the same order."""
    cov = np.asarray(cov, dtype=float)
    if cov.shape == (4, 4) and np.all(np.isfinite(cov)):
        return cov
    if draws is None:
        raise ValueError("EM covariance is undefined and no draws were given to scale by")
    return np.cov(draws.swapped_where(order_perm(draws)).stack().reshape(-1, 4), rowvar=False)


def labelling_distances(draws: Draws, params: MixtureParams, cov) -> tuple[np.ndarray, np.ndarray]:
    """Squared scaled distances ``(d_as, d_sw)`` of every draw to the EM estimate and to its swap."""
    prec = precision_of(usable_cov(cov, draws))
    theta = draws.stack()

    def dist(ref: MixtureParams) -> np.ndarray:
        d = theta - ref.to_array()
        return np.einsum("...i,ij,...j->...", d, prec, d)

    return dist(params), dist(params.swapped())


def mode_separation(params: MixtureParams, cov) -> float:
    """Scaled distance ``delta = sqrt(d(theta_hat, swap(theta_hat)))`` between the two labellings."""
    d = params.to_array() - params.swapped().to_array()
    return float(np.sqrt(d @ precision_of(cov) @ d))


def misclassification_share(delta: float) -> float:
    """Share ``Phi(-delta / 2)`` of a normal mode ``N(theta_hat, C)`` beyond the bisecting hyperplane.

    ``d_as - d_sw`` is linear in ``theta``; under ``theta ~ N(theta_hat, C)`` it is normal, and it is
    positive (draw classified "swapped" though it belongs to the EM mode) with probability
    ``Phi(-delta/2)``. This is the share of draws that even a chain which never switches puts on the
    other side, when the posterior is close to the normal approximation.
    """
    return float(ndtr(-0.5 * delta))


def pivot_perm(draws: Draws, params: MixtureParams, cov) -> np.ndarray:
    """``(chain, draw)`` bool: True where the swapped labels are closer to the pivot ``theta_hat``."""
    d_as, d_sw = labelling_distances(draws, params, cov)
    return d_sw < d_as


def order_perm(draws: Draws) -> np.ndarray:
    """``(chain, draw)`` bool: True where ``mu1 > mu2`` (ordering constraint applied post hoc)."""
    return draws.mu1 > draws.mu2
