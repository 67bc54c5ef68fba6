"""Relabelling by the nearer mode: each draw takes the labels that bring it closer to the MLE.

For K = 2 with a shared sigma the likelihood has exactly two global maxima, the EM estimate
``theta_hat`` and its mirror image, so "which mode is this draw in" has two answers. The rule
(docs/methods.md §4.5): swap a draw ``theta`` when its mirror image is nearer ``theta_hat`` in the
metric of the EM covariance ``C`` (Louis' observed information, docs/methods.md §2)::

    d(theta) = (theta - theta_hat)^T C^-1 (theta - theta_hat)
    swap  iff  d(swap(theta)) < d(theta)

Why not run EM from each draw and label it by the maximum it reaches (Yao & Lindsay 2009)? With a
shared sigma an EM step never changes the sign of ``mu1 - mu2`` (docs/methods.md §4.4), so wherever
EM from a draw reaches the global maximum it reaches the copy on the draw's side of ``mu1 = mu2``:
that rule *is* sorting, at the cost of one EM run per draw. Measuring nearness in the metric of
``C`` instead gives a rule of its own. It differs from sorting only on draws whose ``pi1`` or
``sigma`` deviations, scaled by ``C``, outweigh the gap between the means: draws near ``mu1 = mu2``.

The distance is the same in any affine coordinates of the parameters (``C`` transforms with them), so it
is computed in the standardised ones (:func:`standardized_mode`: EM's ``cov_std``, every entry O(1)),
where it stays finite for data at any scale (``C`` in data units overflows beyond scales of ~1e150).
"""

from __future__ import annotations

import numpy as np

from ..models.draws import Draws, order_perm
from ..models.params import MixtureParams
from ..models.scaling import Scaling


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


def mode_distances(draws: Draws, params: MixtureParams, cov) -> tuple[np.ndarray, np.ndarray]:
    """Squared scaled distances to ``theta_hat`` of every draw, ``d(theta)``, and of its mirror
    image, ``d(swap(theta))``, each ``(chain, draw)``."""
    prec = precision_of(usable_cov(cov, draws))
    ref = params.to_array()

    def dist(theta: np.ndarray) -> np.ndarray:
        d = theta - ref
        return np.einsum("...i,ij,...j->...", d, prec, d)

    return dist(draws.stack()), dist(draws.swapped_where(np.ones(draws.shape, bool)).stack())


def standardized_mode(em_result, scaling: Scaling) -> tuple[MixtureParams, np.ndarray]:
    """The EM estimate and its covariance in the coordinates of ``scaling``: ``(params_s, cov_std)`` when
    EM ran on that standardisation, else ``J^-1 cov J^-1`` (:meth:`models.scaling.Scaling.cov_to_std`)."""
    params = scaling.params_to_std(em_result.params)
    cov_std = getattr(em_result, "cov_std", None)
    if cov_std is not None and getattr(em_result, "scaling", None) == scaling:
        return params, np.asarray(cov_std, dtype=float)
    return params, scaling.cov_to_std(em_result.cov)


def nearest_mode_perm(draws: Draws, params: MixtureParams, cov) -> np.ndarray:
    """``(chain, draw)`` bool: True where the swapped labels bring the draw nearer ``theta_hat``."""
    d_as, d_sw = mode_distances(draws, params, cov)
    return d_sw < d_as
